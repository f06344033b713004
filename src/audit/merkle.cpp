#include "cairn/audit/merkle.hpp"

#include <bit>
#include <string>

namespace cairn::audit {
namespace {

// The largest power of two strictly below n (n >= 2).
uint64_t split_point(uint64_t n) { return std::bit_floor(n - 1); }

Unexpected<Error> out_of_range(const std::string& what) {
  return fail(ErrorCode::kOutOfRange, "AUDIT_INDEX_OUT_OF_RANGE", what);
}

// MTH of leaves [begin, end). Every left part in the recursion is a perfect, aligned subtree, so
// this reads one node per level of the right edge.
Result<Hash> range_root(NodeReader& nodes, uint64_t begin, uint64_t end) {
  uint64_t n = end - begin;
  if (std::has_single_bit(n) && begin % n == 0) {
    return nodes.node(static_cast<uint32_t>(std::countr_zero(n)), begin / n);
  }
  uint64_t k = split_point(n);
  CAIRN_ASSIGN_OR_RETURN(Hash left, range_root(nodes, begin, begin + k));
  CAIRN_ASSIGN_OR_RETURN(Hash right, range_root(nodes, begin + k, end));
  return node_hash(left, right);
}

// PATH(m, D[begin:end]) from RFC 6962 2.1.1, appending to `out` leaf-side first.
Status path(NodeReader& nodes, uint64_t m, uint64_t begin, uint64_t end, std::vector<Hash>& out) {
  uint64_t n = end - begin;
  if (n <= 1) return ok_status();
  uint64_t k = split_point(n);
  if (m < k) {
    CAIRN_TRY(path(nodes, m, begin, begin + k, out));
    CAIRN_ASSIGN_OR_RETURN(Hash sibling, range_root(nodes, begin + k, end));
    out.push_back(sibling);
  } else {
    CAIRN_TRY(path(nodes, m - k, begin + k, end, out));
    CAIRN_ASSIGN_OR_RETURN(Hash sibling, range_root(nodes, begin, begin + k));
    out.push_back(sibling);
  }
  return ok_status();
}

// SUBPROOF(m, D[begin:end], complete) from RFC 6962 2.1.2.
Status subproof(NodeReader& nodes, uint64_t m, uint64_t begin, uint64_t end, bool complete,
                std::vector<Hash>& out) {
  uint64_t n = end - begin;
  if (m == n) {
    if (!complete) {
      CAIRN_ASSIGN_OR_RETURN(Hash whole, range_root(nodes, begin, end));
      out.push_back(whole);
    }
    return ok_status();
  }
  uint64_t k = split_point(n);
  if (m <= k) {
    CAIRN_TRY(subproof(nodes, m, begin, begin + k, complete, out));
    CAIRN_ASSIGN_OR_RETURN(Hash right, range_root(nodes, begin + k, end));
    out.push_back(right);
  } else {
    CAIRN_TRY(subproof(nodes, m - k, begin + k, end, false, out));
    CAIRN_ASSIGN_OR_RETURN(Hash left, range_root(nodes, begin, begin + k));
    out.push_back(left);
  }
  return ok_status();
}

}  // namespace

Hash leaf_hash(ByteView data) noexcept {
  crypto::Sha256 h;
  const uint8_t prefix = 0x00;
  h.update({&prefix, 1}).update(data);
  return h.finish();
}

Hash node_hash(const Hash& left, const Hash& right) noexcept {
  uint8_t buffer[65];
  buffer[0] = 0x01;
  std::copy(left.begin(), left.end(), buffer + 1);
  std::copy(right.begin(), right.end(), buffer + 33);
  return crypto::sha256(buffer);
}

Hash empty_root() noexcept { return crypto::sha256({}); }

Result<Hash> root(NodeReader& nodes, uint64_t size) {
  if (size == 0) return empty_root();
  return range_root(nodes, 0, size);
}

Result<std::vector<Hash>> inclusion_proof(NodeReader& nodes, uint64_t index, uint64_t size) {
  if (index >= size) {
    return out_of_range("leaf " + std::to_string(index) + " is not in a tree of size " +
                        std::to_string(size));
  }
  std::vector<Hash> out;
  CAIRN_TRY(path(nodes, index, 0, size, out));
  return out;
}

Result<std::vector<Hash>> consistency_proof(NodeReader& nodes, uint64_t m, uint64_t n) {
  if (m > n) {
    return out_of_range("a consistency proof needs m <= n, got m=" + std::to_string(m) +
                        " n=" + std::to_string(n));
  }
  std::vector<Hash> out;
  if (m == 0 || m == n) return out;
  CAIRN_TRY(subproof(nodes, m, 0, n, true, out));
  return out;
}

bool verify_inclusion(const Hash& leaf, uint64_t index, uint64_t size, std::span<const Hash> proof,
                      const Hash& root_hash) noexcept {
  if (index >= size) return false;
  uint64_t fn = index;
  uint64_t sn = size - 1;
  Hash r = leaf;
  for (const Hash& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1) != 0 || fn == sn) {
      r = node_hash(p, r);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root_hash;
}

bool verify_consistency(uint64_t m, uint64_t n, const Hash& root_m, const Hash& root_n,
                        std::span<const Hash> proof) noexcept {
  if (m > n) return false;
  if (m == n) return proof.empty() && root_m == root_n;
  if (m == 0) return proof.empty();
  if (proof.empty()) return false;
  // When m is a power of two, its root is a node the proof leaves out: put it first.
  std::vector<Hash> path;
  if (std::has_single_bit(m)) path.push_back(root_m);
  path.insert(path.end(), proof.begin(), proof.end());
  uint64_t fn = m - 1;
  uint64_t sn = n - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0];
  Hash sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) return false;
    if ((fn & 1) != 0 || fn == sn) {
      fr = node_hash(c, fr);
      sr = node_hash(c, sr);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = node_hash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return fr == root_m && sr == root_n && sn == 0;
}

std::vector<Frontier::NewNode> Frontier::append(const Hash& leaf) {
  std::vector<NewNode> created;
  append(leaf, created);
  return created;
}

void Frontier::append(const Hash& leaf, std::vector<NewNode>& created) {
  created.push_back({0, size, leaf});
  Hash carry = leaf;
  uint64_t index = size;
  uint32_t level = 0;
  // Each trailing 1 bit of the old size is a peak that now pairs with the new subtree.
  while ((index & 1) != 0) {
    carry = node_hash(peaks.back(), carry);
    peaks.pop_back();
    index >>= 1;
    ++level;
    created.push_back({level, index, carry});
  }
  peaks.push_back(carry);
  ++size;
}

Hash Frontier::root() const {
  if (peaks.empty()) return empty_root();
  Hash r = peaks.back();
  for (size_t i = peaks.size() - 1; i-- > 0;) r = node_hash(peaks[i], r);
  return r;
}

MemoryTree::MemoryTree(std::span<const Hash> leaves) {
  for (const Hash& leaf : leaves) append(leaf);
}

void MemoryTree::append(const Hash& leaf) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf);
  uint64_t index = levels_[0].size() - 1;
  for (size_t level = 0; (index & 1) != 0; ++level, index >>= 1) {
    if (levels_.size() <= level + 1) levels_.emplace_back();
    const auto& below = levels_[level];
    levels_[level + 1].push_back(node_hash(below[index - 1], below[index]));
  }
}

Result<Hash> MemoryTree::node(uint32_t level, uint64_t index) {
  if (level >= levels_.size() || index >= levels_[level].size()) {
    return fail(
        ErrorCode::kDataLoss, "AUDIT_NODE_MISSING",
        "no tree node at level " + std::to_string(level) + " index " + std::to_string(index));
  }
  return levels_[level][index];
}

}  // namespace cairn::audit
