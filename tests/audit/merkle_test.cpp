#include "cairn/audit/merkle.hpp"

#include <gtest/gtest.h>

#include <bit>

#include "support/vectors.hpp"

namespace cairn::audit {
namespace {

using cairn::testing::load_vectors;
using cairn::testing::unhex;
using encoding::hex_encode;

std::vector<Hash> standard_leaves() {
  std::vector<Hash> out;
  const auto vectors = load_vectors("rfc6962_merkle.json");  // kept alive for the loop
  for (const auto& hex : vectors["leaves_hex"]) {
    out.push_back(leaf_hash(unhex(hex.get<std::string>())));
  }
  return out;
}

// A longer log for exhaustive checks: leaf i is the 4 bytes of i.
std::vector<Hash> numbered_leaves(uint64_t n) {
  std::vector<Hash> out;
  for (uint64_t i = 0; i < n; ++i) {
    uint8_t b[4] = {uint8_t(i >> 24), uint8_t(i >> 16), uint8_t(i >> 8), uint8_t(i)};
    out.push_back(leaf_hash(b));
  }
  return out;
}

TEST(MerkleTest, HasherMatchesPublishedVectors) {
  auto v = load_vectors("rfc6962_merkle.json")["hasher"];
  EXPECT_EQ(hex_encode(empty_root()), v["empty_root"]);
  EXPECT_EQ(hex_encode(leaf_hash({})), v["leaf_empty"]);
  EXPECT_EQ(hex_encode(leaf_hash(unhex(v["leaf_L123456_input_hex"]))), v["leaf_L123456"]);
  Bytes node{0x01};
  for (const char* part : {"node_left_hex", "node_right_hex"}) {
    Bytes b = unhex(v[part]);
    node.insert(node.end(), b.begin(), b.end());
  }
  EXPECT_EQ(hex_encode(crypto::sha256(node)), v["node_N123_N456"]);
  // A node never equals the leaf hash of its children's concatenation (second preimages).
  Hash a = leaf_hash(as_bytes("a")), b = leaf_hash(as_bytes("b"));
  Bytes concatenated(a.begin(), a.end());
  concatenated.insert(concatenated.end(), b.begin(), b.end());
  EXPECT_NE(node_hash(a, b), leaf_hash(concatenated));
}

TEST(MerkleTest, RootsMatchPublishedVectorsForEverySize) {
  auto v = load_vectors("rfc6962_merkle.json");
  std::vector<Hash> leaves = standard_leaves();
  for (size_t i = 0; i < leaves.size(); ++i) EXPECT_EQ(hex_encode(leaves[i]), v["leaf_hashes"][i]);
  MemoryTree tree;
  Frontier frontier;
  for (size_t n = 0; n <= leaves.size(); ++n) {
    std::string expected = v["roots_by_size"][n];
    EXPECT_EQ(hex_encode(*root(tree, n)), expected) << "size " << n;
    EXPECT_EQ(hex_encode(frontier.root()), expected) << "frontier size " << n;
    if (n < leaves.size()) {
      tree.append(leaves[n]);
      frontier.append(leaves[n]);
    }
  }
}

TEST(MerkleTest, FrontierReportsExactlyTheCompletedNodes) {
  std::vector<Hash> leaves = numbered_leaves(100);
  MemoryTree tree(leaves);
  Frontier frontier;
  for (uint64_t i = 0; i < leaves.size(); ++i) {
    auto created = frontier.append(leaves[i]);
    // One leaf plus one node per trailing 1 bit of the old size.
    EXPECT_EQ(created.size(), 1u + std::countr_one(i));
    for (const auto& node : created) EXPECT_EQ(*tree.node(node.level, node.index), node.hash);
    EXPECT_EQ(frontier.peaks.size(), static_cast<size_t>(std::popcount(i + 1)));
  }
}

TEST(MerkleTest, EveryInclusionProofVerifiesAndTamperingFails) {
  std::vector<Hash> leaves = numbered_leaves(70);
  MemoryTree tree(leaves);
  for (uint64_t size = 1; size <= leaves.size(); ++size) {
    Hash r = *root(tree, size);
    for (uint64_t i = 0; i < size; ++i) {
      auto proof = inclusion_proof(tree, i, size);
      ASSERT_TRUE(proof);
      EXPECT_LE(proof->size(), 7u);
      ASSERT_TRUE(verify_inclusion(leaves[i], i, size, *proof, r)) << i << "/" << size;
      EXPECT_FALSE(verify_inclusion(leaves[i], i + 1, size, *proof, r));
      EXPECT_FALSE(
          verify_inclusion(leaves[(i + 1) % size], i, size, *proof, size == 1 ? Hash{} : r));
      if (!proof->empty()) {
        auto flipped = *proof;
        flipped[0][5] ^= 0x10;
        EXPECT_FALSE(verify_inclusion(leaves[i], i, size, flipped, r));
        auto shorter = *proof;
        shorter.pop_back();
        EXPECT_FALSE(verify_inclusion(leaves[i], i, size, shorter, r));
      }
      auto longer = *proof;
      longer.push_back(r);
      EXPECT_FALSE(verify_inclusion(leaves[i], i, size, longer, r));
    }
  }
}

TEST(MerkleTest, EveryConsistencyProofVerifiesAndTamperingFails) {
  std::vector<Hash> leaves = numbered_leaves(40);
  MemoryTree tree(leaves);
  for (uint64_t n = 1; n <= leaves.size(); ++n) {
    Hash rn = *root(tree, n);
    for (uint64_t m = 1; m <= n; ++m) {
      Hash rm = *root(tree, m);
      auto proof = consistency_proof(tree, m, n);
      ASSERT_TRUE(proof);
      ASSERT_TRUE(verify_consistency(m, n, rm, rn, *proof)) << m << "->" << n;
      if (m == n) continue;
      EXPECT_FALSE(verify_consistency(m, n, rn, rn, *proof));
      EXPECT_FALSE(verify_consistency(m, n, rm, rm, *proof));
      EXPECT_FALSE(verify_consistency(m - 1 == 0 ? 1 : m - 1, n, rm, rn, *proof) && m > 1);
      auto flipped = *proof;
      flipped.back()[0] ^= 1;
      EXPECT_FALSE(verify_consistency(m, n, rm, rn, flipped));
      if (proof->size() > 1) {
        auto reordered = *proof;
        std::swap(reordered[0], reordered[1]);
        EXPECT_FALSE(verify_consistency(m, n, rm, rn, reordered));
      }
      auto shorter = *proof;
      shorter.pop_back();
      EXPECT_FALSE(verify_consistency(m, n, rm, rn, shorter));
      auto longer = *proof;
      longer.push_back(rn);
      EXPECT_FALSE(verify_consistency(m, n, rm, rn, longer));
    }
  }
  EXPECT_TRUE(verify_consistency(0, 5, empty_root(), *root(tree, 5), {}));
  EXPECT_TRUE(consistency_proof(tree, 0, 5)->empty());
}

TEST(MerkleTest, RejectsImpossibleIndexes) {
  MemoryTree tree(numbered_leaves(4));
  auto r = inclusion_proof(tree, 4, 4);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kOutOfRange);
  EXPECT_EQ(r.error().reason, "AUDIT_INDEX_OUT_OF_RANGE");
  EXPECT_EQ(consistency_proof(tree, 5, 4).error().reason, "AUDIT_INDEX_OUT_OF_RANGE");
  EXPECT_EQ(root(tree, 9).error().reason, "AUDIT_NODE_MISSING");
}

}  // namespace
}  // namespace cairn::audit
