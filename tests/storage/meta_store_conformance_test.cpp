// MetaStore conformance: the same behaviour on every backend.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "support/conformance.hpp"

namespace cairn::testing {
namespace {

class MetaStoreConformance : public StoreConformanceTest {};

TEST_P(MetaStoreConformance, GetOfMissingKeyIsNotFound) {
  auto r = database().meta().get("nothing.here");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(r.error().reason, "STORAGE_META_NOT_FOUND");
}

TEST_P(MetaStoreConformance, PutThenGetReturnsTheValue) {
  auto& meta = database().meta();
  ASSERT_TRUE(meta.put("app.name", "board"));
  EXPECT_EQ(*meta.get("app.name"), "board");
  ASSERT_TRUE(meta.put("app.name", "board 2"));
  EXPECT_EQ(*meta.get("app.name"), "board 2");
  ASSERT_TRUE(meta.put("app.empty", ""));
  EXPECT_EQ(*meta.get("app.empty"), "");
}

TEST_P(MetaStoreConformance, PutIfAbsentKeepsTheFirstValue) {
  auto& meta = database().meta();
  EXPECT_EQ(*meta.put_if_absent("k", "first"), "first");
  EXPECT_EQ(*meta.put_if_absent("k", "second"), "first");
  EXPECT_EQ(*meta.get("k"), "first");
}

TEST_P(MetaStoreConformance, EraseRemovesTheValueAndSaysWhetherThereWasOne) {
  auto& meta = database().meta();
  ASSERT_TRUE(meta.put("gone.soon", "v"));
  ASSERT_TRUE(meta.put("gone.soon.not", "w"));
  EXPECT_EQ(*meta.erase("gone.soon"), true);
  EXPECT_EQ(meta.get("gone.soon").error().reason, "STORAGE_META_NOT_FOUND");
  EXPECT_EQ(*meta.get("gone.soon.not"), "w");
  EXPECT_EQ(*meta.erase("gone.soon"), false);
  EXPECT_EQ(*meta.put_if_absent("gone.soon", "again"), "again");
  auto bad = meta.erase("Bad Key");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().reason, "STORAGE_META_KEY_INVALID");
}

TEST_P(MetaStoreConformance, ListReturnsPrefixMatchesInKeyOrder) {
  auto& meta = database().meta();
  for (const char* key : {"b.2", "a.1", "b.1", "b", "c.1", "b.10"}) ASSERT_TRUE(meta.put(key, key));
  auto listed = meta.list("b.");
  ASSERT_TRUE(listed);
  std::vector<std::string> keys;
  for (auto& [k, v] : *listed) {
    EXPECT_EQ(k, v);
    keys.push_back(k);
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"b.1", "b.10", "b.2"}));
  EXPECT_EQ(meta.list("")->size(), 6u);
  EXPECT_TRUE(meta.list("zzz")->empty());
}

TEST_P(MetaStoreConformance, RejectsBadKeysAndStoresNothing) {
  auto& meta = database().meta();
  for (std::string_view key :
       {std::string_view(""), std::string_view("Upper"), std::string_view("has space"),
        std::string_view("../etc"), std::string_view("a/b"), std::string_view("nul\0", 4)}) {
    auto r = meta.put(key, "v");
    ASSERT_FALSE(r) << key;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().reason, "STORAGE_META_KEY_INVALID");
    EXPECT_EQ(meta.get(key).error().reason, "STORAGE_META_KEY_INVALID");
  }
  EXPECT_EQ(meta.put(std::string(129, 'a'), "v").error().reason, "STORAGE_META_KEY_INVALID");
  EXPECT_TRUE(meta.put(std::string(128, 'a'), "v"));
  EXPECT_EQ(meta.list("")->size(), 1u);
}

TEST_P(MetaStoreConformance, RejectsBadValuesAndStoresNothing) {
  auto& meta = database().meta();
  ASSERT_TRUE(meta.put("k", "kept"));
  auto bad_utf8 = meta.put("k", "\xff\xfe");
  ASSERT_FALSE(bad_utf8);
  EXPECT_EQ(bad_utf8.error().reason, "STORAGE_META_VALUE_INVALID");
  auto too_big = meta.put_if_absent("other", std::string(64 * 1024 + 1, 'x'));
  ASSERT_FALSE(too_big);
  EXPECT_EQ(too_big.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(*meta.get("k"), "kept");
  EXPECT_EQ(meta.get("other").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(meta.put("max", std::string(64 * 1024, 'x')));
}

TEST_P(MetaStoreConformance, ConcurrentPutIfAbsentAgreesOnOneValue) {
  auto& meta = database().meta();
  std::vector<std::string> seen(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < seen.size(); ++i) {
    threads.emplace_back([&, i] {
      auto r = meta.put_if_absent("winner", "thread-" + std::to_string(i));
      seen[i] = r ? *r : r.error().to_string();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 1u) << seen[0];
  EXPECT_EQ(*meta.get("winner"), seen[0]);
}

TEST_P(MetaStoreConformance, ValuesSurviveReopenOnPersistentBackends) {
  ASSERT_TRUE(database().meta().put("durable", "yes"));
  auto& db = reopen();
  auto r = db.meta().get("durable");
  if (persistent()) {
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(*r, "yes");
  } else {
    EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  }
}

CAIRN_INSTANTIATE_CONFORMANCE_WITH_POSTGRES(MetaStoreConformance);

}  // namespace
}  // namespace cairn::testing
