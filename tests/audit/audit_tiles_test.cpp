// The sqlite: audit store keeps the Merkle tree's nodes in tiles of 16 (migration 15), and still
// reads the one-row-per-node layout of logs written before. Roots and proofs are checked against
// a tree built in memory from the entries' own leaves, not against the store.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cairn/audit/merkle.hpp"
#include "cairn/engine.hpp"
#include "support/sqlite_file.hpp"
#include "support/temp_dir.hpp"

namespace cairn::audit {
namespace {

using cairn::testing::TempDir;

EntryInput entry(int i) {
  EntryInput e;
  e.actor_id = "user" + std::to_string(i % 7);
  e.action = "secret.read";
  e.resource_type = "secret";
  e.resource_id = "KEY_" + std::to_string(i);
  e.request_id = "req-" + std::to_string(i);
  return e;
}

class AuditTilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("audit.db");
    engine_ = std::move(Engine::open("sqlite:" + path_).value());
  }

  void append(int from, int to) {
    std::vector<EntryInput> batch;
    for (int i = from; i < to; ++i) batch.push_back(entry(i));
    ASSERT_TRUE(engine_->audit().append_batch(batch));
  }

  int64_t count(const std::string& query) { return cairn::testing::query_int(path_, query); }
  void sql(const std::string& statement) { cairn::testing::exec_sql(path_, statement); }

  // Every root, inclusion proof and a consistency proof of every prefix, against a tree built in
  // memory from the stored entries' leaves; and check() over the whole log.
  void expect_tree_sound() {
    AuditLog& log = engine_->audit();
    const uint64_t n = log.size().value();
    MemoryTree tree;
    std::vector<Hash> leaves;
    for (uint64_t seq = 0; seq < n; ++seq) {
      auto stored = log.entry(seq);
      ASSERT_TRUE(stored) << stored.error().to_string();
      leaves.push_back(stored->leaf);
    }
    for (uint64_t m = 1; m <= n; ++m) {
      tree.append(leaves[m - 1]);
      Hash expected = audit::root(tree, m).value();
      auto actual = log.root(m);
      ASSERT_TRUE(actual) << actual.error().to_string();
      ASSERT_EQ(*actual, expected) << "root of " << m;
      auto consistency = log.prove_consistency(m, n);
      ASSERT_TRUE(consistency) << consistency.error().to_string();
    }
    const Hash root_n = audit::root(tree, n).value();
    for (uint64_t m = 1; m <= n; ++m) {
      auto proof = log.prove_consistency(m, n).value();
      ASSERT_TRUE(verify_consistency(m, n, audit::root(tree, m).value(), root_n, proof)) << m;
    }
    for (uint64_t seq = 0; seq < n; ++seq) {
      auto proof = log.prove_inclusion(seq);
      ASSERT_TRUE(proof) << proof.error().to_string();
      ASSERT_TRUE(verify_inclusion(leaves[seq], seq, n, *proof, root_n)) << "entry " << seq;
    }
    auto report = log.check();
    ASSERT_TRUE(report) << report.error().to_string();
    EXPECT_TRUE(report->intact) << report->detail;
  }

  TempDir dir_;
  std::string path_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(AuditTilesTest, NodesAreStoredSixteenToARowPerLevel) {
  append(0, 100);
  append(100, 141);  // continues partly filled tiles on every level
  // 141 leaves: level 0 has 8 full tiles and one of 13; levels 1..7 have 70, 35, 17, 8, 4, 2, 1
  // nodes: 5 + 3 + 2 + 1 + 1 + 1 + 1 tiles.
  EXPECT_EQ(count("SELECT count(*) FROM audit_tiles WHERE (id >> 41) & 63 = 0"), 9);
  EXPECT_EQ(count("SELECT count(*) FROM audit_tiles WHERE (id >> 41) & 63 = 0 AND "
                  "length(hashes) = 512"),
            8);
  EXPECT_EQ(count("SELECT length(hashes) FROM audit_tiles WHERE (id >> 41) & 63 = 0 "
                  "ORDER BY id DESC LIMIT 1"),
            13 * 32);
  EXPECT_EQ(count("SELECT count(*) FROM audit_tiles"), 9 + 5 + 3 + 2 + 1 + 1 + 1 + 1);
  EXPECT_EQ(count("SELECT count(*) FROM audit_nodes"), 0);
  expect_tree_sound();
}

TEST_F(AuditTilesTest, ALogWrittenOneRowPerNodeKeepsWorking) {
  append(0, 37);
  append(37, 38);
  // Rewrite the tree the way stores before migration 15 kept it: one audit_nodes row per node.
  sql("WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 15) "
      "INSERT INTO audit_nodes (id, hash) "
      "SELECT (t.id & ~2199023255551) | ((t.id & 2199023255551) * 16 + k.i), "
      "substr(t.hashes, 1 + 32 * k.i, 32) FROM audit_tiles t JOIN k ON k.i < length(t.hashes) / 32;"
      "DELETE FROM audit_tiles;");
  EXPECT_EQ(count("SELECT count(*) FROM audit_nodes"), 38 + 19 + 9 + 4 + 2 + 1);
  expect_tree_sound();
  // Appends after it start tiles that begin with the older rows' nodes.
  append(38, 60);
  for (int i = 60; i < 75; ++i) ASSERT_TRUE(engine_->audit().append(entry(i)));
  EXPECT_GT(count("SELECT count(*) FROM audit_tiles"), 0);
  expect_tree_sound();
}

TEST_F(AuditTilesTest, AMissingTileIsReportedNotGuessed) {
  append(0, 40);
  sql("DELETE FROM audit_tiles WHERE id = (1 << 47) | (0 << 41) | 1");  // leaves 16..31
  auto proof = engine_->audit().prove_inclusion(20);
  ASSERT_FALSE(proof);
  EXPECT_EQ(proof.error().code, ErrorCode::kDataLoss);
}

}  // namespace
}  // namespace cairn::audit
