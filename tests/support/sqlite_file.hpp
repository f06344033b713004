// Raw SQL on a database file from a connection of its own, as an attacker with file access or an
// older version of cairn would write it: for tests that damage or rewrite what a store wrote.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdint>
#include <string>

namespace cairn::testing {

// Runs `statements` (one or more, ';'-separated) on the file at `path`; fails the test on error.
inline void exec_sql(const std::string& path, const std::string& statements) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, statements.c_str(), nullptr, nullptr, &error);
  EXPECT_EQ(rc, SQLITE_OK) << (error != nullptr ? error : "") << " in: " << statements;
  sqlite3_free(error);
  sqlite3_close(db);
}

// The integer in the first column of the first row of `query` on the file at `path` (0, and a
// test failure, when there is no row).
inline int64_t query_int(const std::string& path, const std::string& query) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  int64_t n = 0;
  EXPECT_EQ(sqlite3_prepare_v2(db, query.c_str(), -1, &s, nullptr), SQLITE_OK) << query;
  if (s != nullptr && sqlite3_step(s) == SQLITE_ROW) {
    n = sqlite3_column_int64(s, 0);
  } else {
    ADD_FAILURE() << "no row from: " << query;
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  return n;
}

}  // namespace cairn::testing
