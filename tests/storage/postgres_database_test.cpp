// The PostgreSQL backend's own behaviour, beyond the store conformance suites: migrations shared
// by two processes' worth of opens, transactions retried after a deadlock, passwords kept out of
// errors and URIs, backups refused. Runs on the server the test run starts
// (CAIRN_TEST_POSTGRES_URI); skipped when the backend is not compiled in or no server is given.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "support/conformance.hpp"

#ifdef CAIRN_HAVE_POSTGRES
#include "storage/postgres/pg_database.hpp"

namespace cairn::testing {
namespace {

using storage::postgres::Connection;
using storage::postgres::Param;
using storage::postgres::PgDatabase;
using storage::postgres::Rows;

class PostgresDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* base = std::getenv("CAIRN_TEST_POSTGRES_URI");  // NOLINT(concurrency-mt-unsafe)
    if (base == nullptr || *base == '\0') GTEST_SKIP() << "CAIRN_TEST_POSTGRES_URI is not set";
    uri_ = fresh_postgres_schema_uri();
  }
  std::string uri_;
};

TEST(PostgresUriTest, RedactsThePasswordWhereverTheUriHoldsIt) {
  using storage::postgres::redacted_uri;
  EXPECT_EQ(redacted_uri("postgresql://ada:hunter2@db.example/app"),
            "postgresql://ada:***@db.example/app");
  EXPECT_EQ(redacted_uri("postgresql://db/app?sslmode=require&password=hunter2&x=1"),
            "postgresql://db/app?sslmode=require&password=***&x=1");
  EXPECT_EQ(redacted_uri("postgresql://ada:p%40ss@db/app?password=two"),
            "postgresql://ada:***@db/app?password=***");
  EXPECT_EQ(redacted_uri("postgresql://ada@db/app"), "postgresql://ada@db/app");
  EXPECT_EQ(redacted_uri("postgresql:///app?host=/run/pg"), "postgresql:///app?host=/run/pg");
}

TEST(PostgresUriTest, AFailedConnectionNamesNoPassword) {
  // Port 1 on loopback: nothing listens, so the connection is refused before any login.
  auto db = PgDatabase::open("postgresql://ada:hunter2@127.0.0.1:1/app?password=hunter3", {});
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(db.error().reason, "STORAGE_OPEN_FAILED");
  EXPECT_EQ(db.error().message.find("hunter"), std::string::npos) << db.error().message;
  EXPECT_EQ(db.error().message.find('\n'), std::string::npos) << db.error().message;
}

TEST_F(PostgresDatabaseTest, OpensANewSchemaMigratedToTheLatestVersion) {
  auto db = PgDatabase::open(uri_, {});
  ASSERT_TRUE(db) << db.error().to_string();
  EXPECT_EQ((*db)->schema_version(), storage::postgres::latest_migration_version());
  EXPECT_EQ((*db)->backend(), storage::Backend::kPostgres);
  auto applied = (*db)->read([](Connection& c) -> Result<int64_t> {
    CAIRN_ASSIGN_OR_RETURN(Rows rows, c.query("SELECT count(*) FROM schema_migrations"));
    return rows.int64(0, 0);
  });
  ASSERT_TRUE(applied) << applied.error().to_string();
  EXPECT_EQ(*applied, storage::postgres::latest_migration_version());
}

TEST_F(PostgresDatabaseTest, EnginesOpeningANewDatabaseAtOnceMigrateItOnce) {
  std::vector<std::thread> threads;
  std::vector<std::string> outcomes(4);
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    threads.emplace_back([&, i] {
      auto db = PgDatabase::open(uri_, {});
      outcomes[i] = db ? "ok" : db.error().to_string();
    });
  }
  for (auto& t : threads) t.join();
  for (const std::string& outcome : outcomes) EXPECT_EQ(outcome, "ok");
  auto db = PgDatabase::open(uri_, {});
  ASSERT_TRUE(db);
  auto rows = (*db)->read([](Connection& c) -> Result<int64_t> {
    CAIRN_ASSIGN_OR_RETURN(Rows r, c.query("SELECT count(*) FROM schema_migrations"));
    return r.int64(0, 0);
  });
  ASSERT_TRUE(rows);
  EXPECT_EQ(*rows, storage::postgres::latest_migration_version());
}

TEST_F(PostgresDatabaseTest, RefusesADatabaseMigratedByANewerCairn) {
  {
    auto db = PgDatabase::open(uri_, {});
    ASSERT_TRUE(db);
    ASSERT_TRUE((*db)->write([](Connection& c) -> Status {
      CAIRN_TRY(c.query("INSERT INTO schema_migrations (version, name) VALUES (100000, 'future')"));
      return ok_status();
    }));
  }
  auto db = PgDatabase::open(uri_, {});
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().reason, "STORAGE_SCHEMA_TOO_NEW");
}

TEST_F(PostgresDatabaseTest, AFailedWriteLeavesNothingBehind) {
  auto db = PgDatabase::open(uri_, {});
  ASSERT_TRUE(db);
  PgDatabase& pg = **db;
  ASSERT_TRUE(
      pg.write([](Connection& c) { return c.exec("CREATE TABLE t (id INT PRIMARY KEY)"); }));
  auto failed = pg.write([](Connection& c) -> Status {
    CAIRN_TRY(c.query("INSERT INTO t (id) VALUES (1)"));
    return fail(ErrorCode::kInvalidArgument, "TEST_REFUSED", "refused after the insert");
  });
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().reason, "TEST_REFUSED");
  auto duplicate = pg.write([](Connection& c) -> Status {
    CAIRN_TRY(c.query("INSERT INTO t (id) VALUES (2)"));
    CAIRN_TRY(c.query("INSERT INTO t (id) VALUES (2)"));
    return ok_status();
  });
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().reason, "STORAGE_CONSTRAINT");
  auto count = pg.read([](Connection& c) -> Result<int64_t> {
    CAIRN_ASSIGN_OR_RETURN(Rows rows, c.query("SELECT count(*) FROM t"));
    return rows.int64(0, 0);
  });
  ASSERT_TRUE(count);
  EXPECT_EQ(*count, 0);
}

TEST_F(PostgresDatabaseTest, ADeadlockedTransactionIsRunAgainAndBothCommit) {
  auto db = PgDatabase::open(uri_, {});
  ASSERT_TRUE(db);
  PgDatabase& pg = **db;
  ASSERT_TRUE(pg.write([](Connection& c) {
    return c.exec(
        "CREATE TABLE counters (id INT PRIMARY KEY, n INT NOT NULL);"
        "INSERT INTO counters VALUES (1, 0), (2, 0)");
  }));
  // Each takes one row, waits until the other has taken its row, then asks for the other's:
  // PostgreSQL finds the deadlock (after deadlock_timeout, 1 s) and aborts one of them, which
  // write() runs again.
  std::atomic<int> first_locks{0};
  std::atomic<int> attempts{0};
  auto transfer = [&](int from, int to) {
    return pg.write([&, from, to](Connection& c) -> Status {
      bool first = attempts.fetch_add(1) < 2;
      CAIRN_TRY(c.query("UPDATE counters SET n = n + 1 WHERE id = $1",
                        {Param::text(std::to_string(from))}));
      if (first) {
        first_locks.fetch_add(1);
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (first_locks.load() < 2 && std::chrono::steady_clock::now() < deadline) {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
      }
      CAIRN_TRY(c.query("UPDATE counters SET n = n + 1 WHERE id = $1",
                        {Param::text(std::to_string(to))}));
      return ok_status();
    });
  };
  Status a;
  Status b;
  std::thread one([&] { a = transfer(1, 2); });
  std::thread two([&] { b = transfer(2, 1); });
  one.join();
  two.join();
  ASSERT_TRUE(a) << a.error().to_string();
  ASSERT_TRUE(b) << b.error().to_string();
  EXPECT_GE(attempts.load(), 3);  // one of the two ran again
  auto sums = pg.read([](Connection& c) -> Result<std::string> {
    CAIRN_ASSIGN_OR_RETURN(Rows rows, c.query("SELECT string_agg(n::text, ',' ORDER BY id) "
                                              "FROM counters"));
    return rows.text(0, 0);
  });
  ASSERT_TRUE(sums);
  EXPECT_EQ(*sums, "2,2");  // the aborted attempt left nothing: each row was added to twice
}

TEST_F(PostgresDatabaseTest, SnapshotsAreRefusedForPgDump) {
  auto db = PgDatabase::open(uri_, {});
  ASSERT_TRUE(db);
  auto snapshot = (*db)->snapshot_to("/tmp/never-written.db");
  ASSERT_FALSE(snapshot);
  EXPECT_EQ(snapshot.error().code, ErrorCode::kUnimplemented);
  EXPECT_EQ(snapshot.error().reason, "STORAGE_SNAPSHOT_UNSUPPORTED");
}

TEST_F(PostgresDatabaseTest, TheEngineDoesNotOpenPostgresUntilEveryStoreIsThere) {
  auto db = storage::open(uri_);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, ErrorCode::kUnimplemented);
  EXPECT_EQ(db.error().reason, "STORAGE_BACKEND_UNAVAILABLE");
}

}  // namespace
}  // namespace cairn::testing
#endif  // CAIRN_HAVE_POSTGRES
