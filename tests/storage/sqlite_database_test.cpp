// The sqlite: backend's promises: file modes, WAL, foreign keys, migrations, refusal of newer
// schemas, and transactions that leave nothing behind when they fail.
#include "storage/sqlite/sqlite_database.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

#include "cairn/engine.hpp"
#include "cairn/records/service.hpp"
#include "storage/sqlite/migrations.hpp"
#include "support/temp_dir.hpp"

namespace cairn::storage {
namespace {

using cairn::testing::TempDir;

mode_t mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs one query on a separate raw connection and returns the first column of the first row.
std::string raw_query(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
  std::string out;
  if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

sqlite::SqliteDatabase& as_sqlite(Database& db) {
  return dynamic_cast<sqlite::SqliteDatabase&>(db);
}

TEST(SqliteDatabaseTest, CreatesPrivateFileAndDirectories) {
  TempDir dir;
  std::string path = dir.file("a/b/app.db");
  auto db = open("sqlite:" + path);
  ASSERT_TRUE(db) << db.error().to_string();
  EXPECT_EQ(mode_of(path), 0600u);
  EXPECT_EQ(mode_of(dir.file("a")), 0700u);
  EXPECT_EQ(mode_of(dir.file("a/b")), 0700u);
  ASSERT_TRUE((*db)->meta().put("k", "v"));
  EXPECT_EQ(mode_of(path + "-wal"), 0600u);
}

TEST(SqliteDatabaseTest, AcceptsTheUrlForm) {
  TempDir dir;
  std::string path = dir.file("url.db");
  auto db = open("sqlite://" + path);  // path is absolute, so this is sqlite:///...
  ASSERT_TRUE(db) << db.error().to_string();
  EXPECT_EQ((*db)->backend(), Backend::kSqlite);
  EXPECT_EQ(::access(path.c_str(), F_OK), 0);
}

TEST(SqliteDatabaseTest, RelativePathsAreRelativeToTheWorkingDirectory) {
  TempDir dir;
  char cwd[4096];
  ASSERT_NE(::getcwd(cwd, sizeof cwd), nullptr);
  ASSERT_EQ(::chdir(dir.path().c_str()), 0);
  auto db = open("sqlite:data/rel.db");
  ASSERT_EQ(::chdir(cwd), 0);
  ASSERT_TRUE(db) << db.error().to_string();
  EXPECT_EQ(::access(dir.file("data/rel.db").c_str(), F_OK), 0);
}

TEST(SqliteDatabaseTest, RunsInWalModeWithForeignKeys) {
  TempDir dir;
  std::string path = dir.file("wal.db");
  auto db = open("sqlite:" + path);
  ASSERT_TRUE(db);
  EXPECT_EQ(raw_query(path, "PRAGMA journal_mode"), "wal");
  auto fk =
      as_sqlite(**db).read([](sqlite::Connection& c) { return c.pragma_text("foreign_keys"); });
  ASSERT_TRUE(fk);
  EXPECT_EQ(*fk, "1");
  auto sync =
      as_sqlite(**db).read([](sqlite::Connection& c) { return c.pragma_text("synchronous"); });
  EXPECT_EQ(*sync, "2") << "synchronous must be FULL";
}

TEST(SqliteDatabaseTest, RecordsEveryMigration) {
  TempDir dir;
  std::string path = dir.file("m.db");
  auto db = open("sqlite:" + path);
  ASSERT_TRUE(db);
  EXPECT_EQ((*db)->schema_version(), latest_schema_version());
  EXPECT_EQ(raw_query(path, "SELECT count(*) FROM schema_migrations"),
            std::to_string(sqlite::migrations().size()));
  EXPECT_EQ(raw_query(path, "SELECT max(version) FROM schema_migrations"),
            std::to_string(latest_schema_version()));
  EXPECT_EQ(raw_query(path, "SELECT name FROM schema_migrations WHERE version = 1"),
            std::string(sqlite::migrations()[0].name));
  db->reset();
  // Reopening applies nothing twice.
  auto again = open("sqlite:" + path);
  ASSERT_TRUE(again);
  EXPECT_EQ(raw_query(path, "SELECT count(*) FROM schema_migrations"),
            std::to_string(sqlite::migrations().size()));
}

TEST(SqliteDatabaseTest, RefusesANewerSchemaAndTouchesNothing) {
  TempDir dir;
  std::string path = dir.file("future.db");
  ASSERT_TRUE(open("sqlite:" + path));
  raw_query(path, "INSERT INTO schema_migrations VALUES (9999, 'from the future', 0)");
  std::string before = read_file(path);
  struct stat st_before {};
  ASSERT_EQ(::stat(path.c_str(), &st_before), 0);

  auto db = open("sqlite:" + path);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(db.error().reason, "STORAGE_SCHEMA_TOO_NEW");
  EXPECT_EQ(read_file(path), before);
  EXPECT_EQ(raw_query(path, "SELECT max(version) FROM schema_migrations"), "9999");
}

TEST(SqliteDatabaseTest, RefusesAFileThatIsNotADatabase) {
  TempDir dir;
  std::string path = dir.file("notes.txt");
  std::string text(4096, 'x');
  std::ofstream(path) << text;
  auto db = open("sqlite:" + path);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(db.error().reason, "STORAGE_NOT_A_DATABASE");
  EXPECT_EQ(read_file(path), text);
}

TEST(SqliteDatabaseTest, RefusesAnotherApplicationsDatabase) {
  TempDir dir;
  std::string path = dir.file("other.db");
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE schema_migrations (version TEXT)", nullptr, nullptr,
                           nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  std::string before = read_file(path);
  auto db = open("sqlite:" + path);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(db.error().reason, "STORAGE_NOT_CAIRN_DATABASE");
  EXPECT_EQ(read_file(path), before);
  // cairn's own files carry its application id.
  ASSERT_TRUE(open("sqlite:" + dir.file("mine.db")));
  EXPECT_EQ(raw_query(dir.file("mine.db"), "PRAGMA application_id"), "1667330670");
}

TEST(SqliteDatabaseTest, NestedUseOfOneStatementGetsItsOwnCopy) {
  TempDir dir;
  auto db = open("sqlite:" + dir.file("nested.db"));
  ASSERT_TRUE(db);
  ASSERT_TRUE((*db)->meta().put("a", "1"));
  ASSERT_TRUE((*db)->meta().put("b", "2"));
  auto rows = as_sqlite(**db).read([](sqlite::Connection& c) -> Result<int> {
    const char* sql = "SELECT key FROM cairn_meta ORDER BY key";
    CAIRN_ASSIGN_OR_RETURN(auto outer, c.prepare(sql));
    int seen = 0;
    while (true) {
      CAIRN_ASSIGN_OR_RETURN(bool row, outer.step());
      if (!row) break;
      CAIRN_ASSIGN_OR_RETURN(auto inner, c.prepare(sql));
      CAIRN_TRY(inner.run());
      ++seen;
    }
    return seen;
  });
  ASSERT_TRUE(rows) << rows.error().to_string();
  EXPECT_EQ(*rows, 2);
}

TEST(SqliteDatabaseTest, ReportsPathsItCannotUse) {
  TempDir dir;
  auto is_dir = open("sqlite:" + dir.path().string() + "/.");
  ASSERT_FALSE(is_dir);
  EXPECT_EQ(is_dir.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(is_dir.error().reason, "STORAGE_OPEN_FAILED");

  std::ofstream(dir.file("file")) << "x";
  auto under_file = open("sqlite:" + dir.file("file/app.db"));
  ASSERT_FALSE(under_file);
  EXPECT_EQ(under_file.error().reason, "STORAGE_OPEN_FAILED");
}

TEST(SqliteDatabaseTest, FailedWriteRollsBackEverything) {
  TempDir dir;
  auto db = open("sqlite:" + dir.file("tx.db"));
  ASSERT_TRUE(db);
  auto& sqlite_db = as_sqlite(**db);
  Status failed = sqlite_db.write([](sqlite::Connection& c) -> Status {
    CAIRN_ASSIGN_OR_RETURN(auto insert,
                           c.prepare("INSERT INTO cairn_meta (key, value) VALUES ('x', '1')"));
    CAIRN_TRY(insert.run());
    return fail(ErrorCode::kAborted, "TEST_ABORT", "stop after the insert");
  });
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().reason, "TEST_ABORT");
  EXPECT_EQ((*db)->meta().get("x").error().code, ErrorCode::kNotFound);
  // The connection is usable again: no transaction was left open.
  EXPECT_TRUE((*db)->meta().put("y", "2"));
}

TEST(SqliteDatabaseTest, StatementsAreCachedAndReset) {
  TempDir dir;
  auto db = open("sqlite:" + dir.file("cache.db"));
  ASSERT_TRUE(db);
  auto& sqlite_db = as_sqlite(**db);
  for (int i = 0; i < 3; ++i) {
    auto count = sqlite_db.read([](sqlite::Connection& c) -> Result<int64_t> {
      CAIRN_ASSIGN_OR_RETURN(auto s, c.prepare("SELECT count(*) FROM schema_migrations"));
      CAIRN_TRY(s.step());
      return s.column_int64(0);
    });
    ASSERT_TRUE(count);
    EXPECT_EQ(*count, static_cast<int64_t>(sqlite::migrations().size()));
  }
}

TEST(SqliteDatabaseTest, BadSqlIsAnInternalStorageError) {
  TempDir dir;
  auto db = open("sqlite:" + dir.file("bad.db"));
  ASSERT_TRUE(db);
  auto r = as_sqlite(**db).read([](sqlite::Connection& c) -> Status {
    auto s = c.prepare("SELEKT 1");
    if (s) return ok_status();
    return fail(std::move(s).error());
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInternal);
  EXPECT_EQ(r.error().reason, "STORAGE_ERROR");
}

TEST(SqliteDatabaseTest, TwoHandlesOnOneFileSeeEachOthersWrites) {
  TempDir dir;
  std::string uri = "sqlite:" + dir.file("shared.db");
  auto a = open(uri);
  auto b = open(uri);
  ASSERT_TRUE(a && b);
  std::thread writer([&] {
    for (int i = 0; i < 50; ++i) ASSERT_TRUE((*a)->meta().put("a." + std::to_string(i), "x"));
  });
  for (int i = 0; i < 50; ++i) ASSERT_TRUE((*b)->meta().put("b." + std::to_string(i), "y"));
  writer.join();
  EXPECT_EQ((*a)->meta().list("")->size(), 100u);
  EXPECT_EQ((*b)->meta().list("")->size(), 100u);
}

// Snapshots

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& item : std::filesystem::directory_iterator(dir)) {
    out.push_back(item.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(SqliteSnapshotTest, CopiesEveryCommittedValueIntoAPrivateStandaloneFile) {
  TempDir dir;
  auto db = open("sqlite:" + dir.file("live.db"));
  ASSERT_TRUE(db);
  ASSERT_TRUE((*db)->meta().put(kInstanceIdKey, "0123456789abcdef0123456789abcdef"));
  ASSERT_TRUE((*db)->meta().put("app.color", "blue"));
  std::filesystem::create_directories(dir.file("snaps"));
  std::string snap = dir.file("snaps/copy.db");
  ASSERT_TRUE((*db)->snapshot_to(snap));
  // The live database goes on; the snapshot keeps the moment it was taken.
  ASSERT_TRUE((*db)->meta().put("app.color", "green"));

  EXPECT_EQ(mode_of(snap), 0600);
  // One self-contained file: no -wal, no temporary left behind.
  EXPECT_EQ(names_in(dir.file("snaps")), (std::vector<std::string>{"copy.db"}));
  EXPECT_EQ(raw_query(snap, "PRAGMA journal_mode"), "delete");
  auto info = inspect_snapshot(snap);
  ASSERT_TRUE(info) << info.error().to_string();
  EXPECT_EQ(info->schema_version, latest_schema_version());
  EXPECT_EQ(info->instance_id, "0123456789abcdef0123456789abcdef");
  auto copy = open("sqlite:" + snap);
  ASSERT_TRUE(copy) << copy.error().to_string();
  EXPECT_EQ(*(*copy)->meta().get("app.color"), "blue");
}

TEST(SqliteSnapshotTest, ReplacesAnExistingFileAtomically) {
  TempDir dir;
  auto db = open("sqlite:" + dir.file("live.db"));
  ASSERT_TRUE(db);
  std::string snap = dir.file("snap.db");
  std::ofstream(snap) << "an older snapshot";
  ASSERT_TRUE((*db)->snapshot_to(snap));
  auto info = inspect_snapshot(snap);
  ASSERT_TRUE(info) << info.error().to_string();
  EXPECT_EQ(info->instance_id, "");  // no Engine ever opened it
}

TEST(SqliteSnapshotTest, RefusesPathsThatAreNotANewFile) {
  TempDir dir;
  std::string live = dir.file("live.db");
  auto db = open("sqlite:" + live);
  ASSERT_TRUE(db);
  std::string before = read_file(live);
  for (const std::string& bad : {std::string(), dir.path().string(), live, live + "-wal",
                                 dir.file("./live.db"), std::string("a\0b", 3)}) {
    auto s = (*db)->snapshot_to(bad);
    ASSERT_FALSE(s) << bad;
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument) << bad;
    EXPECT_EQ(s.error().reason, "STORAGE_SNAPSHOT_PATH_INVALID") << bad;
  }
  EXPECT_TRUE((*db)->meta().put("still", "works"));
  // A directory that does not exist: nothing is created.
  auto missing = (*db)->snapshot_to(dir.file("no/such/dir/snap.db"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(missing.error().reason, "STORAGE_SNAPSHOT_FAILED");
  EXPECT_FALSE(std::filesystem::exists(dir.file("no")));
}

TEST(SqliteSnapshotTest, MemoryDatabasesHaveNoFileForm) {
  TempDir dir;
  auto db = open("memory:");
  ASSERT_TRUE(db);
  auto s = (*db)->snapshot_to(dir.file("snap.db"));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kUnimplemented);
  EXPECT_EQ(s.error().reason, "STORAGE_SNAPSHOT_UNSUPPORTED");
  EXPECT_FALSE(std::filesystem::exists(dir.file("snap.db")));
}

TEST(SqliteSnapshotTest, InspectRefusesWhatIsNotAnIntactCairnDatabase) {
  TempDir dir;
  auto reason_of = [](const std::string& path) {
    auto info = inspect_snapshot(path);
    EXPECT_FALSE(info) << path;
    return info ? std::string() : info.error().reason;
  };
  EXPECT_EQ(reason_of(dir.file("missing.db")), "STORAGE_OPEN_FAILED");
  std::string junk = dir.file("junk.db");
  std::ofstream(junk) << "not a database at all, just text long enough";
  EXPECT_EQ(reason_of(junk), "STORAGE_NOT_A_DATABASE");
  std::ofstream(dir.file("empty.db")).flush();
  EXPECT_EQ(reason_of(dir.file("empty.db")), "STORAGE_NOT_A_DATABASE");
  std::string other = dir.file("other.db");
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(other.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE t (x)", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  EXPECT_EQ(reason_of(other), "STORAGE_NOT_CAIRN_DATABASE");
  // cairn's application id, but no schema: not a database cairn ever migrated.
  std::string bare = dir.file("bare.db");
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(bare.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "PRAGMA application_id = 1667330670; CREATE TABLE t (x)", nullptr,
                           nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  EXPECT_FALSE(inspect_snapshot(bare));
}

// A file with SQLite's magic whose schema format number (header bytes 44-47) SQLite cannot read is
// a damaged or foreign file (DATA_LOSS / STORAGE_CORRUPT), for inspection and for opening alike,
// not an internal error (found by the backup fuzz target). Opening leaves the file as it was.
TEST(SqliteSnapshotTest, AnUnreadableFileFormatIsCorrupt) {
  TempDir dir;
  std::string path = dir.file("format.db");
  {
    auto db = open("sqlite:" + dir.file("live.db"));
    ASSERT_TRUE(db);
    ASSERT_TRUE((*db)->snapshot_to(path));  // one file, no WAL beside it
  }
  ASSERT_TRUE(inspect_snapshot(path));
  std::string bytes = read_file(path);
  ASSERT_GT(bytes.size(), 100U);
  bytes[47] = 9;  // the schema format (bytes 44-47, big-endian): formats 1-4 exist
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  auto info = inspect_snapshot(path);
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().code, ErrorCode::kDataLoss);
  EXPECT_EQ(info.error().reason, "STORAGE_CORRUPT");
  auto db = open("sqlite:" + path);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().reason, "STORAGE_CORRUPT");
  EXPECT_EQ(read_file(path), bytes);
}

// Records written under migration 12 (collection and field names in every row) read back, list,
// count and keep their unique constraint once migration 13 has rebuilt the tables with integer
// collection and field keys.
TEST(SqliteDatabaseTest, RecordsWrittenUnderMigration12SurviveMigration13) {
  TempDir dir;
  std::string path = dir.file("m12.db");
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    auto exec = [&](const std::string& sql) {
      char* error = nullptr;
      EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
          << (error != nullptr ? error : "") << "\n"
          << sql;
      sqlite3_free(error);
    };
    exec("PRAGMA journal_mode = WAL");
    exec(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY NOT NULL, name TEXT NOT "
        "NULL, applied_at INTEGER NOT NULL)");
    for (const sqlite::Migration& m : sqlite::migrations()) {
      if (m.version > 12) break;
      exec("BEGIN; " + std::string(m.sql) + "; INSERT INTO schema_migrations VALUES (" +
           std::to_string(m.version) + ", '" + std::string(m.name) + "', 0); COMMIT");
    }
    // "people": fields age (0), email (1, unique), team (2); "notes": tag (0). Field row keys are
    // seq * 16 + position, kind 0 absent, 2 integer, 3 string.
    exec(
        "INSERT INTO records_collections VALUES"
        " ('people', '{\"indexes\":[\"age\",\"team\"],\"unique\":[\"email\"]}', 1),"
        " ('notes', '{\"indexes\":[\"tag\"],\"unique\":[]}', 2);"
        "INSERT INTO records VALUES"
        " (1, 'people', 'ann', 3, '{\"age\":30,\"email\":\"ann@x\",\"team\":\"red\"}',"
        "  1700000000000001, 1700000000000011),"
        " (2, 'people', 'bob', 1, '{\"email\":\"bob@x\",\"team\":\"blue\"}',"
        "  1700000000000002, 1700000000000002),"
        " (3, 'notes', 'n1', 1, '{\"tag\":\"red\"}', 1700000000000003, 1700000000000003);"
        "INSERT INTO record_fields VALUES"
        " (16, 'people', 'age', 'ann', 1, 2, 30, '', 0),"
        " (17, 'people', 'email', 'ann', 1, 3, 0, 'ann@x', 1),"
        " (18, 'people', 'team', 'ann', 1, 3, 0, 'red', 0),"
        " (32, 'people', 'age', 'bob', 2, 0, 0, '', 0),"
        " (33, 'people', 'email', 'bob', 2, 3, 0, 'bob@x', 1),"
        " (34, 'people', 'team', 'bob', 2, 3, 0, 'blue', 0),"
        " (48, 'notes', 'tag', 'n1', 3, 3, 0, 'red', 0);");
    sqlite3_close(db);
  }
  auto engine = Engine::open("sqlite:" + path);
  ASSERT_TRUE(engine) << engine.error().to_string();
  EXPECT_EQ(raw_query(path, "SELECT max(version) FROM schema_migrations"),
            std::to_string(sqlite::latest_migration_version()));
  records::RecordsService& r = (*engine)->records();
  auto collections = r.collections();
  ASSERT_TRUE(collections);
  EXPECT_EQ(*collections, (std::vector<std::string>{"notes", "people"}));
  auto spec = r.spec("people");
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->unique, std::vector<std::string>{"email"});
  EXPECT_EQ(spec->indexes, (std::vector<std::string>{"age", "team"}));

  auto ann = r.get("people", "ann");
  ASSERT_TRUE(ann && *ann);
  EXPECT_EQ((*ann)->version, 3);
  EXPECT_EQ((*ann)->value, R"({"age":30,"email":"ann@x","team":"red"})");
  EXPECT_EQ(to_unix_micros((*ann)->created_at), 1700000000000001);
  EXPECT_EQ(to_unix_micros((*ann)->updated_at), 1700000000000011);

  auto ids = [](const Result<records::Page>& page) {
    std::vector<std::string> out;
    EXPECT_TRUE(page) << page.error().to_string();
    if (page) {
      for (const records::Record& rec : page->items) out.push_back(rec.id);
    }
    return out;
  };
  records::ListOptions by_age;
  by_age.order_by = "age";
  EXPECT_EQ(ids(r.list("people", by_age)), (std::vector<std::string>{"bob", "ann"}));
  records::ListOptions red;
  red.where = {{"team", records::FieldValue(std::string("red"))}};
  EXPECT_EQ(ids(r.list("people", red)), std::vector<std::string>{"ann"});
  records::ListOptions red_tag;
  red_tag.where = {{"tag", records::FieldValue(std::string("red"))}};
  EXPECT_EQ(ids(r.list("notes", red_tag)), std::vector<std::string>{"n1"});
  auto blue = r.count("people", {{"team", records::FieldValue(std::string("blue"))}});
  ASSERT_TRUE(blue);
  EXPECT_EQ(*blue, 1);
  auto notes = r.count("notes");
  ASSERT_TRUE(notes);
  EXPECT_EQ(*notes, 1);

  auto clash = r.put("people", "cy", R"({"email":"ann@x"})");
  ASSERT_FALSE(clash);
  EXPECT_EQ(clash.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(clash.error().reason, "RECORDS_UNIQUE_VIOLATION");
  auto bob = r.put("people", "bob", R"({"age":41,"email":"bob@x","team":"blue"})", 1);
  ASSERT_TRUE(bob) << bob.error().to_string();
  EXPECT_EQ(*bob, 2);
  EXPECT_EQ(ids(r.list("people", by_age)), (std::vector<std::string>{"ann", "bob"}));
  ASSERT_TRUE(r.remove("people", "ann", 3));
  auto gone = r.get("people", "ann");
  ASSERT_TRUE(gone);
  EXPECT_FALSE(*gone);
  EXPECT_EQ(raw_query(path, "SELECT count(*) FROM record_fields WHERE key BETWEEN 16 AND 31"), "0");
  // A collection declared after the migration gets an id of its own.
  ASSERT_TRUE(r.define("tags", {.unique = {"tag"}, .indexes = {}}));
  auto tag = r.put("tags", "t1", R"({"tag":"red"})");
  ASSERT_TRUE(tag) << tag.error().to_string();
  EXPECT_EQ(ids(r.list("tags", red_tag)), std::vector<std::string>{"t1"});
  EXPECT_EQ(ids(r.list("notes", red_tag)), std::vector<std::string>{"n1"});
}

}  // namespace
}  // namespace cairn::storage
