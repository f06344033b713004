// cairn::audit::AuditStore: where audit logs live. One implementation per storage backend
// (src/storage/{memory,sqlite}/audit_store.cpp), all checked by one conformance suite.
//
// The store keeps, per named log: its keys, its head (size, chain head, Merkle frontier), the
// entries with their leaf hashes and chain links, and every perfect Merkle subtree node. It does
// no hashing: append() hands the current head to the caller's planner (domain logic) and writes
// what the planner returns, atomically, serialized per log, also between processes sharing a
// database. A planner error leaves the store unchanged.
//
// Thread-safety: every implementation is safe for concurrent use.
#pragma once

#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "cairn/audit/entry.hpp"
#include "cairn/audit/merkle.hpp"

namespace cairn::audit {

// The state an append starts from.
struct LogHead {
  Hash chain_head = kGenesisLink;  // the last entry's link
  Frontier frontier;               // frontier.size is the log's size
  Timestamp last_time{};           // the last entry's time: entry times never decrease
  uint64_t size() const noexcept { return frontier.size; }
};

// The secrets of a log, created with it, as the store keeps them: in plaintext, or sealed under
// the log's seal key (LogOptions::seal_key, see log.hpp for the sealed forms). The store never
// looks inside them.
struct LogKeys {
  std::string signing_key_pem;  // Ed25519 PKCS#8 PEM (signs tree heads), or its sealed form
  Bytes redaction_key;  // 32 bytes (HMAC key for sensitive detail values), or its sealed form
  Timestamp created_at{};
};

// What a planner asks the store to write.
struct AppendPlan {
  std::vector<StoredEntry> entries;
  std::vector<Frontier::NewNode> nodes;
  LogHead head;  // the head after the entries
};

// Filters for query(); unset fields match everything. Results are in sequence order, starting
// after `after_seq` when set. Entry times never decrease along the sequence, so a time range is a
// sequence range: stores find it by binary search instead of keeping a time index.
struct EntryQuery {
  std::optional<std::string> actor_id;
  std::optional<std::string> action;
  std::optional<std::string> resource_id;
  std::optional<Timestamp> since;  // inclusive
  std::optional<Timestamp> until;  // exclusive
  std::optional<uint64_t> after_seq;
  size_t limit = 100;
};

class AuditStore {
 public:
  virtual ~AuditStore() = default;

  using Planner = std::function<Result<AppendPlan>(const LogHead&)>;

  // The keys of log `log`, creating the log with `fresh` when it does not exist.
  virtual Result<LogKeys> open_log(std::string_view log, const LogKeys& fresh) = 0;
  // Replaces the signing and redaction keys of log `log` with those of `replacement` if they are
  // still those of `current`, atomically (created_at stays). True when it replaced them, false
  // when they had changed. Errors: NOT_FOUND / AUDIT_LOG_NOT_FOUND.
  virtual Result<bool> replace_keys(std::string_view log, const LogKeys& current,
                                    const LogKeys& replacement) = 0;
  // The log's current head.
  virtual Result<LogHead> head(std::string_view log) = 0;
  // Atomically: reads the head, calls plan(head), writes the plan. Returns the new head.
  virtual Result<LogHead> append(std::string_view log, const Planner& plan) = 0;
  // One entry. Errors: NOT_FOUND / AUDIT_ENTRY_NOT_FOUND.
  virtual Result<StoredEntry> entry(std::string_view log, uint64_t seq) = 0;
  // Up to `limit` entries with seq >= from_seq, in seq order.
  virtual Result<std::vector<StoredEntry>> scan(std::string_view log, uint64_t from_seq,
                                                size_t limit) = 0;
  // Entries matching `query`, in seq order.
  virtual Result<std::vector<StoredEntry>> query(std::string_view log, const EntryQuery& query) = 0;
  // The persisted node (level, index). Errors: DATA_LOSS / AUDIT_NODE_MISSING.
  virtual Result<Hash> node(std::string_view log, uint32_t level, uint64_t index) = 0;
  // Up to `count` consecutive nodes of one level starting at `index` (fewer at the end).
  virtual Result<std::vector<Hash>> nodes(std::string_view log, uint32_t level, uint64_t index,
                                          size_t count) = 0;
};

}  // namespace cairn::audit
