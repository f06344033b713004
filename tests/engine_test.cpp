#include "cairn/engine.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "support/temp_dir.hpp"

namespace cairn {
namespace {

using cairn::testing::TempDir;

bool is_lower_hex(const std::string& s) {
  return s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

TEST(EngineTest, OpensAMemoryEngine) {
  auto engine = Engine::open("memory:");
  ASSERT_TRUE(engine) << engine.error().to_string();
  EXPECT_EQ((*engine)->backend(), storage::Backend::kMemory);
  EXPECT_EQ((*engine)->uri(), "memory:");
  EXPECT_EQ((*engine)->schema_version(), storage::latest_schema_version());
  EXPECT_EQ((*engine)->instance_id().size(), 32u);
  EXPECT_TRUE(is_lower_hex((*engine)->instance_id()));
  EXPECT_EQ(&(*engine)->env(), &Env::system());
}

TEST(EngineTest, InstanceIdAndCreationTimeSurviveReopen) {
  TempDir dir;
  std::string uri = "sqlite:" + dir.file("engine.db");
  FakeEnv first(from_unix_micros(1'700'000'000'000'000), 1);
  EngineOptions options;
  options.env = &first;
  std::string id;
  {
    auto engine = Engine::open(uri, options);
    ASSERT_TRUE(engine) << engine.error().to_string();
    id = (*engine)->instance_id();
    EXPECT_EQ(to_unix_micros((*engine)->created_at()), 1'700'000'000'000'000);
  }
  FakeEnv later(from_unix_micros(1'800'000'000'000'000), 2);
  options.env = &later;
  auto engine = Engine::open(uri, options);
  ASSERT_TRUE(engine);
  EXPECT_EQ((*engine)->instance_id(), id);
  EXPECT_EQ(to_unix_micros((*engine)->created_at()), 1'700'000'000'000'000);
}

TEST(EngineTest, FakeEnvMakesInstanceIdsDeterministic) {
  FakeEnv a(FakeEnv::kDefaultStart, 42), b(FakeEnv::kDefaultStart, 42);
  EngineOptions oa, ob;
  oa.env = &a;
  ob.env = &b;
  auto ea = Engine::open("memory:", oa);
  auto eb = Engine::open("memory:", ob);
  ASSERT_TRUE(ea && eb);
  EXPECT_EQ((*ea)->instance_id(), (*eb)->instance_id());
  EXPECT_EQ(&(*ea)->env(), &a);
  auto other = Engine::open("memory:");
  EXPECT_NE((*other)->instance_id(), (*ea)->instance_id());
}

TEST(EngineTest, ReportsStorageErrors) {
  auto bad = Engine::open("nosuch:thing");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().reason, "STORAGE_URI_INVALID");
  auto pg = Engine::open("postgresql://localhost/db");
  ASSERT_FALSE(pg);
  EXPECT_EQ(pg.error().reason, "STORAGE_BACKEND_UNAVAILABLE");
}

TEST(EngineTest, RejectsOutOfRangeOptionsBeforeOpening) {
  TempDir dir;
  for (int64_t ms : {int64_t{-1}, int64_t{1} << 31}) {
    EngineOptions options;
    options.busy_timeout = std::chrono::milliseconds(ms);
    auto engine = Engine::open("sqlite:" + dir.file("never.db"), options);
    ASSERT_FALSE(engine);
    EXPECT_EQ(engine.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(engine.error().reason, "ENGINE_OPTIONS_INVALID");
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("never.db")));
}

TEST(EngineTest, CorruptCreationTimeIsDataLoss) {
  TempDir dir;
  std::string uri = "sqlite:" + dir.file("corrupt.db");
  {
    auto db = storage::open(uri);
    ASSERT_TRUE(db);
    ASSERT_TRUE((*db)->meta().put("engine.created_at", "yesterday"));
  }
  auto engine = Engine::open(uri);
  ASSERT_FALSE(engine);
  EXPECT_EQ(engine.error().code, ErrorCode::kDataLoss);
  EXPECT_EQ(engine.error().reason, "STORAGE_CORRUPT");
}

}  // namespace
}  // namespace cairn
