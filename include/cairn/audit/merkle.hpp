// The RFC 6962 / RFC 9162 Merkle tree: leaf and node hashing, roots, inclusion and consistency
// proofs, and their verifiers.
//
//   leaf hash  = SHA-256(0x00 || entry bytes)
//   node hash  = SHA-256(0x01 || left || right)
//   MTH({})    = SHA-256("")
//   MTH(D[n])  = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two below n
//
// Proofs are computed from perfect subtrees: node(level, index) is the hash of the 2^level leaves
// starting at index * 2^level. A NodeReader supplies them: MemoryTree from a list of leaves, or a
// store that persisted them on append. A root or a proof reads O(log n) such nodes (at most about
// 2 log2 n along the right edge), never the leaves themselves.
//
// Thread-safety: the free functions are pure. A MemoryTree is used by one thread at a time.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "cairn/core/bytes.hpp"
#include "cairn/core/result.hpp"
#include "cairn/crypto/hash.hpp"

namespace cairn::audit {

using Hash = crypto::Sha256Digest;

// SHA-256(0x00 || data): the hash of one leaf (one log entry's canonical bytes).
Hash leaf_hash(ByteView data) noexcept;
// SHA-256(0x01 || left || right): an interior node.
Hash node_hash(const Hash& left, const Hash& right) noexcept;
// The root of the empty tree, SHA-256 of nothing.
Hash empty_root() noexcept;

// A source of perfect-subtree hashes. node(level, index) covers the leaves
// [index << level, (index + 1) << level); callers only ask for subtrees that are complete.
class NodeReader {
 public:
  virtual ~NodeReader() = default;
  // Errors: whatever the source's storage reports; DATA_LOSS / AUDIT_NODE_MISSING for a node that
  // should exist but does not.
  virtual Result<Hash> node(uint32_t level, uint64_t index) = 0;
};

// The Merkle tree hash of the first `size` leaves.
Result<Hash> root(NodeReader& nodes, uint64_t size);

// The audit path of leaf `index` in the tree of the first `size` leaves (RFC 9162 2.1.3.1).
// Errors: OUT_OF_RANGE / AUDIT_INDEX_OUT_OF_RANGE unless index < size.
Result<std::vector<Hash>> inclusion_proof(NodeReader& nodes, uint64_t index, uint64_t size);

// The consistency proof between the trees of sizes m and n (RFC 9162 2.1.4.1); empty when m is 0
// or m == n. Errors: OUT_OF_RANGE / AUDIT_INDEX_OUT_OF_RANGE unless m <= n.
Result<std::vector<Hash>> consistency_proof(NodeReader& nodes, uint64_t m, uint64_t n);

// True when `proof` shows that the leaf with hash `leaf` is at `index` in the tree of `size` leaves
// with root `root` (RFC 9162 2.1.3.2).
bool verify_inclusion(const Hash& leaf, uint64_t index, uint64_t size, std::span<const Hash> proof,
                      const Hash& root) noexcept;

// True when `proof` shows that the tree of size m with root `root_m` is a prefix of the tree of
// size n with root `root_n` (RFC 9162 2.1.4.2). m == n needs an empty proof and equal roots; m == 0
// needs an empty proof.
bool verify_consistency(uint64_t m, uint64_t n, const Hash& root_m, const Hash& root_n,
                        std::span<const Hash> proof) noexcept;

// The roots of the perfect subtrees that make up a tree of some size, largest first: one per set
// bit of the size. Appending a leaf needs only these, so a log keeps them with its head and
// never reads nodes to append.
struct Frontier {
  uint64_t size = 0;
  std::vector<Hash> peaks;

  // A node a store must persist: node(level, index) == hash.
  struct NewNode {
    uint32_t level;
    uint64_t index;
    Hash hash;
  };

  // Appends a leaf hash; returns the nodes completed by it (the leaf itself first).
  std::vector<NewNode> append(const Hash& leaf);
  // The same, adding the completed nodes to the end of `created` (no vector per leaf).
  void append(const Hash& leaf, std::vector<NewNode>& created);
  // The root of the tree the frontier describes (folding the peaks right to left).
  Hash root() const;
};

// A whole tree in memory, built from leaf hashes; every perfect subtree is kept.
class MemoryTree final : public NodeReader {
 public:
  MemoryTree() = default;
  explicit MemoryTree(std::span<const Hash> leaves);

  void append(const Hash& leaf);
  uint64_t size() const noexcept { return levels_.empty() ? 0 : levels_[0].size(); }
  Result<Hash> node(uint32_t level, uint64_t index) override;

 private:
  std::vector<std::vector<Hash>> levels_;
};

}  // namespace cairn::audit
