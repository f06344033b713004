#include "audit/internal/verifier.hpp"

#include "cairn/core/encoding.hpp"

namespace cairn::audit::internal {

void ChainVerifier::mark(Damage damage, uint64_t seq, std::string detail) {
  report_.intact = false;
  report_.damage = damage;
  report_.first_bad_seq = seq;
  report_.detail = std::move(detail);
}

void ChainVerifier::add(const StoredEntry& stored, std::optional<Hash> persisted_leaf) {
  ++report_.entries;
  uint64_t seq = stored.entry.seq;
  if (missing_) {
    // After a gap, keep reading only to learn whether the missing entry comes later.
    if (seq == *missing_) {
      report_.damage = Damage::kReordered;
      report_.detail = "entry " + std::to_string(seq) + " appears after later entries";
      missing_.reset();
    }
    return;
  }
  if (damaged()) return;
  if (seq != next_seq_) {
    if (seq < next_seq_) {
      mark(Damage::kInserted, seq, "entry " + std::to_string(seq) + " appears twice");
    } else {
      mark(Damage::kDeleted, next_seq_,
           "entry " + std::to_string(next_seq_) + " is missing (next present is " +
               std::to_string(seq) + ")");
      missing_ = next_seq_;
    }
    return;
  }
  if (seq >= expected_size_) {
    mark(Damage::kInserted, seq,
         "entry " + std::to_string(seq) + " is beyond the recorded size " +
             std::to_string(expected_size_));
    return;
  }
  Hash leaf = leaf_hash(encode(stored.entry));
  if (leaf != stored.leaf || (persisted_leaf && *persisted_leaf != leaf)) {
    mark(Damage::kModified, seq,
         "entry " + std::to_string(seq) + " does not match its recorded leaf hash");
    return;
  }
  Hash link = chain_link(link_, leaf);
  if (link != stored.link) {
    mark(Damage::kModified, seq, "entry " + std::to_string(seq) + " breaks the hash chain");
    return;
  }
  link_ = link;
  tree_.append(leaf);
  ++next_seq_;
}

VerifyReport ChainVerifier::finish(const Hash& expected_root, const Hash& expected_chain_head) {
  uint64_t expected_size = expected_size_;
  missing_.reset();
  if (damaged()) return report_;
  if (next_seq_ < expected_size) {
    mark(Damage::kTruncated, next_seq_,
         "the log should hold " + std::to_string(expected_size) + " entries but ends after " +
             std::to_string(next_seq_));
  } else if (next_seq_ > expected_size) {
    mark(Damage::kInserted, expected_size,
         "entries beyond the recorded size " + std::to_string(expected_size));
  } else if (link_ != expected_chain_head || tree_.root() != expected_root) {
    // Every entry is self-consistent but the whole does not match the head: entries were
    // rewritten together with their hashes.
    mark(Damage::kModified, 0, "the entries do not match the log's tree head");
  }
  return report_;
}

}  // namespace cairn::audit::internal
