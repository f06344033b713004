// The one verification walk over a log's entries, used for the stored log (AuditLog::check) and
// for exports (verify_export): entries go in, in order; the first damage comes out.
#pragma once

#include <optional>
#include <unordered_set>

#include "cairn/audit/log.hpp"

namespace cairn::audit::internal {

class ChainVerifier {
 public:
  // `expected_size`: the size recorded in the log head or the signed tree head.
  explicit ChainVerifier(uint64_t expected_size) : expected_size_(expected_size) {}

  // Examines the next entry. `persisted_leaf` is the level-0 tree node stored for this position,
  // when the source has one: it records the original leaf even if an entry row was rewritten.
  void add(const StoredEntry& stored, std::optional<Hash> persisted_leaf);

  // Whether damage has already been found (later entries only help classify it).
  bool damaged() const { return report_.damage != Damage::kNone; }

  // Completes the walk against the expected head (from the log or a signed tree head).
  VerifyReport finish(const Hash& expected_root, const Hash& expected_chain_head);

 private:
  void mark(Damage damage, uint64_t seq, std::string detail);

  uint64_t expected_size_;
  VerifyReport report_{};
  uint64_t next_seq_ = 0;  // the seq expected next while the walk is in order
  Hash link_ = kGenesisLink;
  Frontier tree_;
  // While classifying a gap: the missing seq, and whether it shows up later (reordered).
  std::optional<uint64_t> missing_;
  std::unordered_set<uint64_t> seen_after_gap_;
};

}  // namespace cairn::audit::internal
