// The pattern every store conformance suite follows: one test body, run once per storage backend.
//
//   class SecretStoreConformance : public cairn::testing::StoreConformanceTest {};
//   TEST_P(SecretStoreConformance, GetReturnsWhatPutStored) { auto& db = database(); ... }
//   CAIRN_INSTANTIATE_CONFORMANCE(SecretStoreConformance);
//
// Each test gets a fresh database: memory:, a new SQLite file in a private temporary directory,
// and (when CAIRN_TEST_POSTGRES_URI is set and the backend is compiled in) PostgreSQL.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "cairn/storage/database.hpp"
#include "support/temp_dir.hpp"

namespace cairn::testing {

struct Backend {
  std::string name;  // used in test names: "memory", "sqlite"
  bool persistent;   // whether reopen() sees what was stored before
  std::string (*make_uri)(const TempDir& dir);
};

inline std::vector<Backend> conformance_backends() {
  return {
      {"memory", false, [](const TempDir&) { return std::string("memory:"); }},
      {"sqlite", true, [](const TempDir& dir) { return "sqlite:" + dir.file("store.db"); }},
  };
}

class StoreConformanceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    uri_ = GetParam().make_uri(dir_);
    auto db = storage::open(uri_);
    ASSERT_TRUE(db) << db.error().to_string();
    database_ = std::move(*db);
  }

  storage::Database& database() { return *database_; }
  bool persistent() const { return GetParam().persistent; }

  // Closes the database and opens it again (a new, empty one for memory:).
  storage::Database& reopen() {
    database_.reset();
    auto db = storage::open(uri_);
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
