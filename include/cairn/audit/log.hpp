// cairn::audit::AuditLog: a tamper-evident, append-only log of who did what.
//
// Every entry is a leaf of two structures at once: a hash chain (each link = SHA-256(previous link
// || leaf hash), starting from 32 zero bytes) and an RFC 6962 Merkle tree whose perfect-subtree
// nodes are persisted on append, so inclusion and consistency proofs read O(log n) nodes. The log
// signs tree heads (size, root, chain head, time) with its own Ed25519 key; anyone holding the
// public key can check a tree head, a proof, or a whole export offline.
//
// Example:
//   audit::EntryInput e;
//   e.actor_id = "alice"; e.action = "secret.read"; e.resource_type = "secret";
//   e.resource_id = "DB_URL";
//   CAIRN_ASSIGN_OR_RETURN(uint64_t seq, engine.audit().append(e));
//
// Write modes: kFailClosed (default) writes synchronously, so record() fails when the entry
// cannot be stored and the caller's operation must fail with it; kAsync queues entries (bounded,
// never blocking the caller), writes them in batches on a background thread, flushes on close,
// and counts what it had to drop (dropped()). append() is always synchronous.
//
// Appends are serialized per log, also between processes sharing one SQLite file. A caller may
// pass the size it expects; if another writer got there first the append fails with ABORTED /
// AUDIT_SIZE_MISMATCH and writes nothing.
//
// Thread-safety: safe for concurrent use. Ownership: the log borrows its store and Env, which must
// outlive it.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/audit/entry.hpp"
#include "cairn/audit/store.hpp"
#include "cairn/core/env.hpp"
#include "cairn/crypto/sign.hpp"

namespace cairn::audit {

enum class WriteMode { kFailClosed, kAsync };

struct LogOptions {
  WriteMode mode = WriteMode::kFailClosed;
  size_t queue_capacity = 10000;  // kAsync: entries held before new ones are dropped
  // 32 bytes that seal the log's signing and redaction keys in its store (AES-256-GCM), so a copy
  // of the store cannot re-sign the log; empty: the keys are stored in plaintext. With a seal key,
  // new keys are sealed before they reach the store and plaintext keys found there are sealed on
  // open. An Engine opened with a master key sets it (see engine.hpp). The log keeps no copy.
  Bytes seal_key;
};

// A signed statement of the log's state.
struct TreeHead {
  uint64_t size = 0;
  Hash root{};
  Hash chain_head{};
  Timestamp time{};
  Bytes signature;  // Ed25519 over signed_bytes()

  // "cairn-audit-tree-head-v1" || u64 size || root || chain head || i64 time (big-endian).
  Bytes signed_bytes() const;
};

// True when `head.signature` is the log key's signature of `head`.
bool verify_tree_head(const TreeHead& head, const crypto::PublicKey& key);

// What verification found.
enum class Damage { kNone, kModified, kDeleted, kInserted, kReordered, kTruncated, kTreeHead };

// "none", "modified", "deleted", "inserted", "reordered", "truncated", "tree_head".
std::string_view damage_name(Damage damage) noexcept;

struct VerifyReport {
  bool intact = true;
  uint64_t entries = 0;  // entries examined
  Damage damage = Damage::kNone;
  uint64_t first_bad_seq = 0;  // meaningful when !intact
  std::string detail;          // for people
};

// Receives an export a piece at a time (see AuditLog::export_jsonl); returns a failed Status to
// stop the export.
using ExportSink = std::function<Status(std::string_view chunk)>;

// One page of query results; pass next_cursor back for the next page ("" when done).
struct QueryPage {
  std::vector<Entry> entries;
  std::string next_cursor;
};

class AuditLog {
 public:
  // Opens log `name` in `store`, creating it (with fresh keys) if needed; with a seal key, seals
  // keys found in plaintext (a log made without one) in place. Errors: INVALID_ARGUMENT /
  // AUDIT_OPTIONS_INVALID (kAsync with queue capacity 0, a seal key that is not 32 bytes);
  // FAILED_PRECONDITION / AUDIT_KEYS_SEALED (the stored keys are sealed and no seal key was
  // given), AUDIT_KEYS_SEAL_MISMATCH (the seal key does not open them); DATA_LOSS /
  // STORAGE_CORRUPT (stored keys in no known form); storage errors.
  static Result<std::unique_ptr<AuditLog>> open(AuditStore& store, std::string name, Env& env,
                                                const LogOptions& options = {});
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;
  // Flushes the asynchronous queue.
  ~AuditLog();

  const std::string& name() const noexcept;
  WriteMode mode() const noexcept;

  // Appends one entry and returns its sequence number (0 for the first). Errors: INVALID_ARGUMENT
  // / AUDIT_ENTRY_INVALID; ABORTED / AUDIT_SIZE_MISMATCH when expected_size is given and the log
  // has another size; storage errors.
  Result<uint64_t> append(const EntryInput& entry,
                          std::optional<uint64_t> expected_size = std::nullopt);
  // Appends entries in one transaction (group commit) and returns the first's sequence number.
  // All or nothing: one invalid entry fails the batch.
  Result<uint64_t> append_batch(std::span<const EntryInput> entries,
                                std::optional<uint64_t> expected_size = std::nullopt);

  // Records an entry in the log's write mode: kFailClosed appends now and fails with it; kAsync
  // validates, queues and returns (dropping, and counting, when the queue is full).
  Status record(const EntryInput& entry);
  // Waits until every queued entry has been written (or dropped).
  Status flush();
  // Entries the asynchronous writer had to drop (queue full, or the store failed).
  uint64_t dropped() const noexcept;

  // The number of entries.
  Result<uint64_t> size();
  // A tree head for the current size, signed now.
  Result<TreeHead> tree_head();
  // The Merkle root of the first `size` entries. Errors: OUT_OF_RANGE / AUDIT_INDEX_OUT_OF_RANGE.
  Result<Hash> root(uint64_t size);
  // The inclusion proof of entry `seq` in the tree of `size` entries (default: current size).
  Result<std::vector<Hash>> prove_inclusion(uint64_t seq, std::optional<uint64_t> size = {});
  // The consistency proof between sizes m and n (n default: current size).
  Result<std::vector<Hash>> prove_consistency(uint64_t m, std::optional<uint64_t> n = {});
  // The entry `seq`. Errors: NOT_FOUND / AUDIT_ENTRY_NOT_FOUND.
  Result<StoredEntry> entry(uint64_t seq);
  // Up to `limit` (at most 10000) consecutive entries starting at `from_seq`, in order.
  Result<std::vector<StoredEntry>> entries(uint64_t from_seq, size_t limit);
  // Entries matching `filters` (its after_seq is ignored), a page at a time. Errors:
  // INVALID_ARGUMENT / AUDIT_CURSOR_INVALID, AUDIT_QUERY_INVALID (limit 0 or above 1000).
  Result<QueryPage> query(const EntryQuery& filters, std::string_view cursor = {});

  // Recomputes every leaf, link and the tree over the stored log and compares them with what is
  // stored; reports the first damage. Errors: storage errors only.
  Result<VerifyReport> check();
  // check(), as a Status: DATA_LOSS / AUDIT_CHAIN_BROKEN naming the first bad sequence number.
  Status verify();

  // Exports the log as JSON Lines: one entry per line, in sequence order, then the signed tree
  // head as the last line (format at the top of src/audit/export.cpp; parse_export() and
  // verify_export() read it, and so does the cairn-audit tool). The tree head is signed first,
  // so an export covers exactly the entries its head signs even while appends continue. Entries
  // are read a page at a time: memory stays bounded whatever the log's size.
  //
  // To `sink`, in order, in pieces of about 1 MiB, each ending at a line end; a sink that
  // returns an error stops the export, which returns that error. Errors: the sink's; storage
  // errors. Nothing is written anywhere else (no temporary file).
  Status export_jsonl(const ExportSink& sink);
  // To `out`. Errors: UNAVAILABLE / AUDIT_EXPORT_FAILED when the stream fails; storage errors.
  Status export_jsonl(std::ostream& out);
  // To the file `path`, created (or truncated) with mode 0600 and fsynced. Errors: UNAVAILABLE /
  // AUDIT_EXPORT_FAILED; storage errors.
  Status export_jsonl(const std::string& path);

  // The log's public key (Ed25519), as SPKI PEM.
  std::string public_key_pem() const;
  const crypto::PublicKey& public_key() const noexcept;

 private:
  struct State;
  explicit AuditLog(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// An export read back: the entries in file order and the tree head from its last line.
struct ExportedLog {
  std::vector<StoredEntry> entries;
  TreeHead head;
};

// Parses an export. Errors: INVALID_ARGUMENT / AUDIT_EXPORT_MALFORMED (with the line number).
Result<ExportedLog> parse_export(std::string_view jsonl);

// Verifies an export offline with the log's public key: the tree head's signature, then every
// entry, link, and the Merkle root against the tree head. Errors: as parse_export().
Result<VerifyReport> verify_export(std::string_view jsonl, const crypto::PublicKey& key);

// The verification DATA_LOSS / AUDIT_CHAIN_BROKEN error for a damaged report.
Error chain_broken(const VerifyReport& report);

}  // namespace cairn::audit
