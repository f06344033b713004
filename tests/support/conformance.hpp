// The pattern every store conformance suite follows: one test body, run once per storage backend.
//
//   class SecretStoreConformance : public cairn::testing::StoreConformanceTest {};
//   TEST_P(SecretStoreConformance, GetReturnsWhatPutStored) { auto& db = database(); ... }
//   CAIRN_INSTANTIATE_CONFORMANCE(SecretStoreConformance);
//
// Each test gets a fresh database: memory:, a new SQLite file in a private temporary directory,
// and, for suites instantiated with CAIRN_INSTANTIATE_CONFORMANCE_WITH_POSTGRES (their store
// exists on PostgreSQL), a schema of its own on the server CAIRN_TEST_POSTGRES_URI names (the
// test run starts one: scripts/postgres-test-server.sh) when the backend is compiled in.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "cairn/storage/database.hpp"
#include "support/temp_dir.hpp"
#ifdef CAIRN_HAVE_POSTGRES
#include "storage/postgres/pg_database.hpp"
#endif

namespace cairn::testing {

struct Backend {
  std::string name;  // used in test names: "memory", "sqlite", "postgresql"
  bool persistent;   // whether reopen() sees what was stored before
  std::string (*make_uri)(const TempDir& dir);
  // How the database is opened: storage::open(), or for PostgreSQL (not served by storage::open()
  // until every store exists there) the backend's own open.
  Result<std::shared_ptr<storage::Database>> (*open)(const std::string& uri) =
      [](const std::string& uri) { return storage::open(uri); };
};

inline std::vector<Backend> conformance_backends() {
  return {
      {"memory", false, [](const TempDir&) { return std::string("memory:"); }},
      {"sqlite", true, [](const TempDir& dir) { return "sqlite:" + dir.file("store.db"); }},
  };
}

// The server's URI with a search_path naming a new schema (the database creates it on open).
inline std::string fresh_postgres_schema_uri() {
  const char* base = std::getenv("CAIRN_TEST_POSTGRES_URI");  // NOLINT(concurrency-mt-unsafe)
  std::random_device random;
  std::string schema = "test_" + std::to_string(random()) + "_" + std::to_string(random());
  std::string uri = base != nullptr ? base : "";
  uri += uri.find('?') == std::string::npos ? '?' : '&';
  return uri + "options=-csearch_path%3D" + schema;
}

// conformance_backends() and PostgreSQL, when it is compiled in.
inline std::vector<Backend> conformance_backends_with_postgres() {
  std::vector<Backend> out = conformance_backends();
#ifdef CAIRN_HAVE_POSTGRES
  // Listed whether or not a server is given (tests are listed before any runs); SetUp() skips
  // them when CAIRN_TEST_POSTGRES_URI is not set.
  out.push_back({"postgresql", true, [](const TempDir&) { return fresh_postgres_schema_uri(); },
                 [](const std::string& uri) -> Result<std::shared_ptr<storage::Database>> {
                   CAIRN_ASSIGN_OR_RETURN(auto db, storage::postgres::PgDatabase::open(uri, {}));
                   return std::shared_ptr<storage::Database>(std::move(db));
                 }});
#endif
  return out;
}

class StoreConformanceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam().name == "postgresql") {
      const char* server = std::getenv("CAIRN_TEST_POSTGRES_URI");  // NOLINT(concurrency-mt-unsafe)
      if (server == nullptr || *server == '\0') {
        GTEST_SKIP() << "CAIRN_TEST_POSTGRES_URI is not set (make test starts a server)";
      }
    }
    uri_ = GetParam().make_uri(dir_);
    auto db = GetParam().open(uri_);
    ASSERT_TRUE(db) << db.error().to_string();
    database_ = std::move(*db);
  }

  storage::Database& database() { return *database_; }
  bool persistent() const { return GetParam().persistent; }

  // Closes the database and opens it again (a new, empty one for memory:).
  storage::Database& reopen() {
    database_.reset();
    auto db = GetParam().open(uri_);
    EXPECT_TRUE(db) << db.error().to_string();
    database_ = std::move(*db);
    return *database_;
  }

 private:
  TempDir dir_;
  std::string uri_;
  std::shared_ptr<storage::Database> database_;
};

}  // namespace cairn::testing

#define CAIRN_INSTANTIATE_CONFORMANCE(suite)                                              \
  INSTANTIATE_TEST_SUITE_P(Backends, suite,                                               \
                           ::testing::ValuesIn(::cairn::testing::conformance_backends()), \
                           [](const auto& test_param) { return test_param.param.name; })

#define CAIRN_INSTANTIATE_CONFORMANCE_WITH_POSTGRES(suite)                         \
  INSTANTIATE_TEST_SUITE_P(                                                        \
      Backends, suite,                                                             \
      ::testing::ValuesIn(::cairn::testing::conformance_backends_with_postgres()), \
      [](const auto& test_param) { return test_param.param.name; })
