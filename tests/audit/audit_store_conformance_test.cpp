// AuditStore and AuditLog behaviour on every backend.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "cairn/audit/log.hpp"
#include "storage/internal/stores.hpp"
#include "support/conformance.hpp"

namespace cairn::testing {
namespace {

using audit::AuditLog;
using audit::EntryInput;

EntryInput entry(std::string actor, std::string action, std::string resource = "r1") {
  EntryInput e;
  e.actor_id = std::move(actor);
  e.action = std::move(action);
  e.resource_type = "secret";
  e.resource_id = std::move(resource);
  return e;
}

class AuditConformance : public StoreConformanceTest {
 protected:
  void SetUp() override {
    StoreConformanceTest::SetUp();
    open_log();
  }
  void open_log(audit::LogOptions options = {}) {
    log_.reset();
    store_ = storage::internal::make_audit_store(database());
    auto log = AuditLog::open(*store_, "main", env_, options);
    ASSERT_TRUE(log) << log.error().to_string();
    log_ = std::move(*log);
  }
  AuditLog& log() { return *log_; }

  FakeEnv env_;
  std::unique_ptr<audit::AuditStore> store_;
  std::unique_ptr<AuditLog> log_;
};

TEST_P(AuditConformance, AppendNumbersEntriesFromZero) {
  EXPECT_EQ(*log().size(), 0u);
  EXPECT_EQ(*log().append(entry("alice", "secret.read")), 0u);
  env_.advance(std::chrono::seconds(1));
  EXPECT_EQ(*log().append(entry("bob", "secret.write")), 1u);
  EXPECT_EQ(*log().size(), 2u);
  auto second = log().entry(1);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->entry.actor_id, "bob");
  EXPECT_EQ(second->entry.time, FakeEnv::kDefaultStart + std::chrono::seconds(1));
  EXPECT_EQ(second->leaf, audit::leaf_hash(audit::encode(second->entry)));
  auto first = log().entry(0);
  EXPECT_EQ(second->link, audit::chain_link(first->link, second->leaf));
  EXPECT_EQ(first->link, audit::chain_link(audit::kGenesisLink, first->leaf));
  EXPECT_EQ(log().entry(2).error().reason, "AUDIT_ENTRY_NOT_FOUND");
}

TEST_P(AuditConformance, StoredTreeMatchesAMemoryTreeAndProofsVerify) {
  std::vector<EntryInput> batch;
  for (int i = 0; i < 37; ++i) batch.push_back(entry("u" + std::to_string(i), "act"));
  ASSERT_EQ(*log().append_batch(batch), 0u);
  audit::MemoryTree reference;
  for (uint64_t i = 0; i < 37; ++i) reference.append(log().entry(i)->leaf);
  for (uint64_t size = 1; size <= 37; ++size) {
    audit::Hash root = *log().root(size);
    ASSERT_EQ(root, *audit::root(reference, size)) << size;
    for (uint64_t i = 0; i < size; i += 5) {
      auto proof = log().prove_inclusion(i, size);
      ASSERT_TRUE(proof);
      EXPECT_TRUE(audit::verify_inclusion(log().entry(i)->leaf, i, size, *proof, root));
    }
    auto consistency = log().prove_consistency(size, 37);
    ASSERT_TRUE(consistency);
    EXPECT_TRUE(audit::verify_consistency(size, 37, root, *log().root(37), *consistency));
  }
  EXPECT_EQ(log().prove_inclusion(37).error().reason, "AUDIT_INDEX_OUT_OF_RANGE");
  EXPECT_EQ(log().root(38).error().reason, "AUDIT_INDEX_OUT_OF_RANGE");
}

TEST_P(AuditConformance, TreeHeadsAreSignedByTheLogKey) {
  ASSERT_TRUE(log().append(entry("alice", "login")));
  auto head = log().tree_head();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->size, 1u);
  EXPECT_EQ(head->root, *log().root(1));
  auto key = crypto::PublicKey::from_pem(log().public_key_pem());
  ASSERT_TRUE(key);
  EXPECT_EQ(key->algorithm(), crypto::SignatureAlgorithm::kEd25519);
  EXPECT_TRUE(audit::verify_tree_head(*head, *key));
  audit::TreeHead forged = *head;
  forged.size = 2;
  EXPECT_FALSE(audit::verify_tree_head(forged, *key));
}

TEST_P(AuditConformance, ExpectedSizeMismatchIsAbortedAndWritesNothing) {
  ASSERT_TRUE(log().append(entry("a", "x"), 0));
  auto stale = log().append(entry("b", "y"), 0);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, ErrorCode::kAborted);
  EXPECT_EQ(stale.error().reason, "AUDIT_SIZE_MISMATCH");
  EXPECT_EQ(*log().size(), 1u);
  EXPECT_TRUE(log().append(entry("b", "y"), 1));
}

TEST_P(AuditConformance, InvalidEntriesAreRejectedAndWriteNothing) {
  std::vector<EntryInput> bad;
  bad.push_back(entry("", "x"));
  bad.push_back(entry("a", ""));
  bad.push_back(entry("a", "line\nbreak"));
  bad.push_back(entry("a", "x"));
  bad.back().details = "[1,2]";
  bad.push_back(entry("a", "x"));
  bad.back().ip = "999.1.1.1";
  bad.push_back(entry("a", "x"));
  bad.back().actor_type = "User";
  bad.push_back(entry("a", "x"));
  bad.back().details = "{\"k\": \"\xff\"}";
  bad.push_back(entry(std::string(257, 'a'), "x"));
  for (const EntryInput& e : bad) {
    auto r = log().append(e);
    ASSERT_FALSE(r) << e.actor_id << " " << e.action;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().reason, "AUDIT_ENTRY_INVALID");
  }
  std::vector<EntryInput> mixed{entry("ok", "x"), bad[0]};
  EXPECT_FALSE(log().append_batch(mixed));
  EXPECT_EQ(*log().size(), 0u);
}

TEST_P(AuditConformance, SensitiveDetailsAreStoredOnlyAsHmacs) {
  EntryInput e = entry("alice", "secret.write");
  e.details = R"({"name":"DB_URL","value":"postgres://user:hunter2@db","b":1})";
  e.sensitive = {"value"};
  ASSERT_TRUE(log().append(e));
  ASSERT_TRUE(log().append(e));
  auto stored = log().entry(0)->entry.details;
  EXPECT_EQ(stored.find("hunter2"), std::string::npos);
  EXPECT_NE(stored.find("\"value\":\"hmac-sha256:"), std::string::npos);
  EXPECT_NE(stored.find("\"name\":\"DB_URL\""), std::string::npos);
  EXPECT_EQ(stored.find("{\"b\":1"), 0u) << "keys are sorted: " << stored;
  // Equal values correlate.
  EXPECT_EQ(log().entry(1)->entry.details, stored);
}

TEST_P(AuditConformance, QueriesFilterAndPaginate) {
  for (int i = 0; i < 25; ++i) {
    ASSERT_TRUE(log().append(entry(i % 2 == 0 ? "alice" : "bob", i % 3 == 0 ? "read" : "write",
                                   "res" + std::to_string(i % 4))));
    env_.advance(std::chrono::seconds(1));
  }
  audit::EntryQuery q;
  q.actor_id = "alice";
  q.limit = 5;
  std::vector<uint64_t> seqs;
  std::string cursor;
  int pages = 0;
  do {
    auto page = log().query(q, cursor);
    ASSERT_TRUE(page) << page.error().to_string();
    for (const auto& e : page->entries) {
      EXPECT_EQ(e.actor_id, "alice");
      seqs.push_back(e.seq);
    }
    cursor = page->next_cursor;
    ++pages;
  } while (!cursor.empty());
  EXPECT_EQ(seqs.size(), 13u);
  EXPECT_EQ(pages, 3);
  EXPECT_TRUE(std::is_sorted(seqs.begin(), seqs.end()));

  audit::EntryQuery combined;
  combined.action = "read";
  combined.resource_id = "res0";
  combined.since = FakeEnv::kDefaultStart + std::chrono::seconds(5);
  combined.until = FakeEnv::kDefaultStart + std::chrono::seconds(20);
  auto page = log().query(combined);
  ASSERT_TRUE(page);
  std::vector<uint64_t> got;
  for (const auto& e : page->entries) got.push_back(e.seq);
  EXPECT_EQ(got, (std::vector<uint64_t>{12}));  // read: 0,3,6,...; res0: 0,4,8,12,...
  audit::EntryQuery bad;
  bad.limit = 0;
  EXPECT_EQ(log().query(bad).error().reason, "AUDIT_QUERY_INVALID");
  EXPECT_EQ(log().query({}, "!!").error().reason, "AUDIT_CURSOR_INVALID");
}

TEST_P(AuditConformance, QueriesFindRareKeysAcrossManyBlocks) {
  std::vector<EntryInput> batch;
  for (int i = 0; i < 3500; ++i) {
    bool rare = i == 5 || i == 1500 || i == 2047 || i == 2048 || i == 3499;
    batch.push_back(entry(rare ? "rare" : "common" + std::to_string(i % 7),
                          rare ? "export" : "read", rare ? "vault" : "r" + std::to_string(i % 13)));
  }
  ASSERT_TRUE(log().append_batch(batch));
  for (auto filter : {0, 1, 2}) {
    audit::EntryQuery q;
    if (filter == 0) q.actor_id = "rare";
    if (filter == 1) q.action = "export";
    if (filter == 2) q.resource_id = "vault";
    q.limit = 2;
    std::vector<uint64_t> seqs;
    std::string cursor;
    do {
      auto page = log().query(q, cursor);
      ASSERT_TRUE(page) << page.error().to_string();
      for (const auto& e : page->entries) seqs.push_back(e.seq);
      cursor = page->next_cursor;
    } while (!cursor.empty());
    EXPECT_EQ(seqs, (std::vector<uint64_t>{5, 1500, 2047, 2048, 3499})) << "filter " << filter;
  }
  audit::EntryQuery none;
  none.actor_id = "nobody";
  EXPECT_TRUE(log().query(none)->entries.empty());
  audit::EntryQuery both;
  both.actor_id = "common3";
  both.resource_id = "r3";
  auto page = log().query(both);
  ASSERT_TRUE(page);
  for (const auto& e : page->entries) EXPECT_EQ(e.seq % 91, 3u);  // i % 7 == 3 and i % 13 == 3
  EXPECT_FALSE(page->entries.empty());
}

TEST_P(AuditConformance, VerifyAcceptsAnIntactLog) {
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(log().append(entry("a", "x")));
  auto report = log().check();
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->intact) << report->detail;
  EXPECT_EQ(report->entries, 50u);
  EXPECT_TRUE(log().verify());
}

TEST_P(AuditConformance, ConcurrentAppendsNeverFork) {
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) ASSERT_TRUE(log().append(entry("t" + std::to_string(t), "x")));
    });
  }
  for (auto& w : writers) w.join();
  EXPECT_EQ(*log().size(), 100u);
  EXPECT_TRUE(log().verify());
}

TEST_P(AuditConformance, AsyncModeQueuesFlushesAndCountsDrops) {
  audit::LogOptions options;
  options.mode = audit::WriteMode::kAsync;
  options.queue_capacity = 1000;
  open_log(options);
  EXPECT_EQ(log().mode(), audit::WriteMode::kAsync);
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(log().record(entry("a", "x")));
  ASSERT_TRUE(log().flush());
  EXPECT_EQ(*log().size() + log().dropped(), 200u);
  EXPECT_EQ(log().dropped(), 0u);
  // Bad input is still refused at the call.
  EXPECT_EQ(log().record(entry("", "x")).error().reason, "AUDIT_ENTRY_INVALID");
  EXPECT_TRUE(log().verify());
}

TEST_P(AuditConformance, LogSurvivesReopenOnPersistentBackends) {
  ASSERT_TRUE(log().append(entry("a", "x")));
  std::string key = log().public_key_pem();
  log_.reset();
  store_.reset();
  reopen();
  open_log();
  if (persistent()) {
    EXPECT_EQ(*log().size(), 1u);
    EXPECT_EQ(log().public_key_pem(), key);
    EXPECT_EQ(*log().append(entry("b", "y")), 1u);
    EXPECT_TRUE(log().verify());
  } else {
    EXPECT_EQ(*log().size(), 0u);
  }
}

CAIRN_INSTANTIATE_CONFORMANCE(AuditConformance);

TEST(AuditAsyncTest, FullQueueDropsAndCounts) {
  auto db = storage::open("memory:");
  auto store = storage::internal::make_audit_store(**db);
  FakeEnv env;
  audit::LogOptions options;
  options.mode = audit::WriteMode::kAsync;
  options.queue_capacity = 1;
  auto log = AuditLog::open(*store, "main", env, options);
  ASSERT_TRUE(log);
  for (int i = 0; i < 2000; ++i) ASSERT_TRUE((*log)->record(entry("a", "x")));
  ASSERT_TRUE((*log)->flush());
  EXPECT_EQ(*(*log)->size() + (*log)->dropped(), 2000u);
  EXPECT_GT((*log)->dropped(), 0u);
  options.queue_capacity = 0;
  EXPECT_EQ(AuditLog::open(*store, "other", env, options).error().reason, "AUDIT_OPTIONS_INVALID");
}

}  // namespace
}  // namespace cairn::testing
