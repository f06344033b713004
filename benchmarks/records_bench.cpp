// Records benchmarks on a sqlite: file, each paired in the same run with plain SQLite statements
// doing the same row work (issue 23's goals in brackets):
//
//   BM_RecordsPut           put() of a new id: one indexed field ("folder") and one unique field
//                           ("name"), ~120 bytes of JSON, one transaction           [>= 70% rate]
//   BM_RecordsPutSqlitePeer one INSERT of the same JSON text, version 1 and the time twice into a
//                           table with the same two fields as real columns, a UNIQUE index and
//                           an index, one transaction
//   BM_RecordsGet           get() of a random id among 10,000                       [>= 70% rate]
//   BM_RecordsGetSqlitePeer SELECT value, version, created_at, updated_at FROM the peer table
//                           WHERE id = ?, the text copied out
//   BM_RecordsList100       list(order_by = "folder", limit = 100), the first page, 10,000
//                           records in 100 folders                                  [<= 1.5x time]
//   BM_RecordsList100SqlitePeer  SELECT id, value, version, created_at, updated_at ... ORDER BY
//                           folder, id LIMIT 100 on an index (folder, id), the rows copied out
//
// "The same row work": a record is its id, value, version and two timestamps (records/record.hpp),
// so the peer's table keeps and returns them too. The Bare peers read only the id and the value
// from the same table: they show what the three integer columns cost (context, not the goal).
//
// Both sides run with the engine's connection settings (src/storage/sqlite/sqlite_database.cpp):
// WAL, synchronous = FULL, a 64 MiB page cache, foreign keys on, a no-mutex connection, and both
// cache their prepared statements. Both seeded files are checkpointed after seeding, so reads find
// no log on either side. Results and ratios: docs/performance.md (Records).
#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <system_error>
#include <vector>

#include "cairn/engine.hpp"
#include "cairn/records/service.hpp"

namespace {

using namespace cairn;  // NOLINT(google-build-using-namespace): benchmark file

constexpr int kSeeded = 10000;
constexpr int kFolders = 100;

// This run's own directory (two runs at once must not share files), removed at exit. Leaked on
// purpose: the exit handler needs it after static destructors may have run.
const std::filesystem::path& bench_dir() {
  static const auto* dir = [] {
    auto* d = new std::filesystem::path(std::filesystem::temp_directory_path() /
                                        ("cairn-records-bench-" + std::to_string(::getpid())));
    std::filesystem::create_directories(*d);
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(bench_dir(), ignored);
    });
    return d;
  }();
  return *dir;
}

std::string temp_path(const std::string& name) {
  auto path = bench_dir() / name;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  return path.string();
}

std::string id_of(int64_t i) { return "rec-" + std::to_string(i); }
std::string name_of(int64_t i) { return "name-" + std::to_string(i); }
std::string folder_of(int64_t i) { return "/srv/folder-" + std::to_string(i % kFolders); }

// The record value of record i: the same text on both sides.
std::string value_of(int64_t i) {
  return R"({"name":")" + name_of(i) + R"(","folder":")" + folder_of(i) +
         R"(","state":"running","port":)" + std::to_string(8000 + i % 1000) +
         R"(,"note":"seeded for the benchmark"})";
}

// ---- cairn

std::unique_ptr<Engine> open_engine(const std::string& file) {
  auto engine = Engine::open("sqlite:" + temp_path(file));
  if (!engine) {
    std::fprintf(stderr, "cannot open the engine: %s\n", engine.error().message.c_str());
    std::abort();
  }
  std::unique_ptr<Engine> out = std::move(engine).value();
  if (!out->records().define("sessions", {.unique = {"name"}, .indexes = {"folder"}})) {
    std::abort();
  }
  return out;
}

// Moves every page of `file`'s write-ahead log into the database and empties the log, from a
// connection of its own. Both seeded files get this after seeding, so reads on either side find
// the same state: no log frames to look up, whatever the seeding's transactions were.
void checkpoint(const std::filesystem::path& file) {
  sqlite3* db = nullptr;
  // A new connection opens the log only when it first reads: SQLite 3.40 checkpoints nothing
  // before that, and says SQLITE_OK. So the schema is read first, and the log's size checked.
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) !=
          SQLITE_OK ||
      sqlite3_exec(db, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr) !=
          SQLITE_OK ||
      sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr) !=
          SQLITE_OK) {
    std::fprintf(stderr, "checkpoint of %s failed: %s\n", file.c_str(), sqlite3_errmsg(db));
    std::abort();
  }
  sqlite3_close_v2(db);
  std::error_code error;
  if (std::filesystem::file_size(file.string() + "-wal", error) != 0 || error) {
    std::fprintf(stderr, "checkpoint of %s left its log\n", file.c_str());
    std::abort();
  }
}

// An engine with kSeeded records, written once (put_many in batches of 1,000).
Engine& seeded_engine() {
  static Engine* engine = [] {
    std::unique_ptr<Engine> e = open_engine("seeded.db");
    for (int base = 0; base < kSeeded; base += 1000) {
      std::vector<records::RecordWrite> writes;
      for (int i = base; i < base + 1000; ++i) writes.push_back({id_of(i), value_of(i), 0});
      if (!e->records().put_many("sessions", writes)) std::abort();
    }
    checkpoint(bench_dir() / "seeded.db");
    return e.release();
  }();
  return *engine;
}

void BM_RecordsPut(benchmark::State& state) {
  std::unique_ptr<Engine> engine = open_engine("put.db");
  records::RecordsService& r = engine->records();
  int64_t i = 0;
  for (auto _ : state) {
    // The id and value are built inside the loop on both sides (the peer binds the same texts).
    std::string id = id_of(i);
    std::string value = value_of(i);
    ++i;
    auto version = r.put("sessions", id, value);
    if (!version) state.SkipWithError(version.error().message.c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RecordsPut)->UseRealTime();

void BM_RecordsGet(benchmark::State& state) {
  records::RecordsService& r = seeded_engine().records();
  std::mt19937 rng(1);
  std::vector<std::string> ids;
  ids.reserve(kSeeded);
  for (int i = 0; i < kSeeded; ++i) ids.push_back(id_of(i));
  for (auto _ : state) {
    auto record = r.get("sessions", ids[rng() % ids.size()]);
    if (!record || !*record) state.SkipWithError("get failed");
    benchmark::DoNotOptimize(record);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RecordsGet)->UseRealTime();

void BM_RecordsList100(benchmark::State& state) {
  records::RecordsService& r = seeded_engine().records();
  records::ListOptions options;
  options.order_by = "folder";
  options.limit = 100;
  for (auto _ : state) {
    auto page = r.list("sessions", options);
    if (!page || page->items.size() != 100) state.SkipWithError("list failed");
    benchmark::DoNotOptimize(page);
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_RecordsList100)->UseRealTime();

// ---- the plain SQLite peer

// A connection set up as the engine sets up its own, with the peer table and its indexes.
struct Peer {
  sqlite3* db = nullptr;
  std::vector<sqlite3_stmt*> statements;

  explicit Peer(const std::string& file) {
    if (sqlite3_open_v2(temp_path(file).c_str(), &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
      std::abort();
    }
    sqlite3_busy_timeout(db, 5000);
    exec(
        "PRAGMA foreign_keys = ON; PRAGMA trusted_schema = OFF; PRAGMA cache_size = -65536;"
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
        "CREATE TABLE sessions (id TEXT PRIMARY KEY, value TEXT NOT NULL, name TEXT,"
        " folder TEXT, version INTEGER NOT NULL, created_at INTEGER NOT NULL,"
        " updated_at INTEGER NOT NULL);"
        "CREATE UNIQUE INDEX sessions_name ON sessions (name);"
        "CREATE INDEX sessions_folder ON sessions (folder, id);");
  }
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;
  ~Peer() {
    for (sqlite3_stmt* s : statements) sqlite3_finalize(s);
    sqlite3_close_v2(db);
  }

  void exec(const char* sql) const {
    if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
      std::fprintf(stderr, "peer: %s\n", sqlite3_errmsg(db));
      std::abort();
    }
  }
  sqlite3_stmt* prepare(const char* sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) {
      std::abort();
    }
    statements.push_back(s);
    return s;
  }

  // INSERT of record i (the statement from prepare_insert()).
  static bool insert(sqlite3_stmt* s, int64_t i) {
    std::string id = id_of(i);
    std::string value = value_of(i);
    std::string name = name_of(i);
    std::string folder = folder_of(i);
    // The engine stamps each write with the wall clock in microseconds; so does the peer.
    const int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    sqlite3_bind_text(s, 1, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
    sqlite3_bind_text(s, 2, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
    sqlite3_bind_text(s, 3, name.data(), static_cast<int>(name.size()), SQLITE_STATIC);
    sqlite3_bind_text(s, 4, folder.data(), static_cast<int>(folder.size()), SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, now);
    bool ok = sqlite3_step(s) == SQLITE_DONE;
    sqlite3_reset(s);
    return ok;
  }
  sqlite3_stmt* prepare_insert() {
    return prepare(
        "INSERT INTO sessions (id, value, name, folder, version, created_at, updated_at)"
        " VALUES (?1, ?2, ?3, ?4, 1, ?5, ?5)");
  }
};

std::string column_text(sqlite3_stmt* s, int column) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, column));
  return {text != nullptr ? text : "", static_cast<size_t>(sqlite3_column_bytes(s, column))};
}

Peer& seeded_peer() {
  static Peer* peer = [] {
    auto* p = new Peer("seeded-peer.db");
    sqlite3_stmt* insert = p->prepare_insert();
    p->exec("BEGIN IMMEDIATE");
    for (int i = 0; i < kSeeded; ++i) {
      if (!Peer::insert(insert, i)) std::abort();
    }
    p->exec("COMMIT");
    checkpoint(bench_dir() / "seeded-peer.db");
    return p;
  }();
  return *peer;
}

void BM_RecordsPutSqlitePeer(benchmark::State& state) {
  Peer peer("put-peer.db");
  sqlite3_stmt* insert = peer.prepare_insert();
  sqlite3_stmt* begin = peer.prepare("BEGIN IMMEDIATE");
  sqlite3_stmt* commit = peer.prepare("COMMIT");
  int64_t i = 0;
  for (auto _ : state) {
    sqlite3_step(begin);
    sqlite3_reset(begin);
    bool ok = Peer::insert(insert, i++);
    ok = sqlite3_step(commit) == SQLITE_DONE && ok;
    sqlite3_reset(commit);
    if (!ok) state.SkipWithError("insert failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RecordsPutSqlitePeer)->UseRealTime();

// A point read on the peer: `sql` selects the value first, then any integer columns, which are
// read too (as get() reads a record's version and times).
void get_from_peer(benchmark::State& state, const char* sql) {
  Peer& peer = seeded_peer();
  sqlite3_stmt* select = peer.prepare(sql);
  const int columns = sqlite3_column_count(select);
  std::mt19937 rng(1);
  std::vector<std::string> ids;
  ids.reserve(kSeeded);
  for (int i = 0; i < kSeeded; ++i) ids.push_back(id_of(i));
  for (auto _ : state) {
    const std::string& id = ids[rng() % ids.size()];
    sqlite3_bind_text(select, 1, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
    std::string value;
    int64_t numbers = 0;
    if (sqlite3_step(select) == SQLITE_ROW) {
      value = column_text(select, 0);
      for (int c = 1; c < columns; ++c) numbers += sqlite3_column_int64(select, c);
    } else {
      state.SkipWithError("select failed");
    }
    sqlite3_reset(select);
    benchmark::DoNotOptimize(value);
    benchmark::DoNotOptimize(numbers);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_RecordsGetSqlitePeer(benchmark::State& state) {
  get_from_peer(state, "SELECT value, version, created_at, updated_at FROM sessions WHERE id = ?1");
}
BENCHMARK(BM_RecordsGetSqlitePeer)->UseRealTime();

void BM_RecordsGetSqliteBarePeer(benchmark::State& state) {
  get_from_peer(state, "SELECT value FROM sessions WHERE id = ?1");
}
BENCHMARK(BM_RecordsGetSqliteBarePeer)->UseRealTime();

// A page of 100 on the peer: `sql` selects the id and the value, then any integer columns.
void list_from_peer(benchmark::State& state, const char* sql) {
  Peer& peer = seeded_peer();
  sqlite3_stmt* select = peer.prepare(sql);
  const int columns = sqlite3_column_count(select);
  for (auto _ : state) {
    std::vector<std::pair<std::string, std::string>> rows;
    rows.reserve(100);
    int64_t numbers = 0;
    while (sqlite3_step(select) == SQLITE_ROW) {
      rows.emplace_back(column_text(select, 0), column_text(select, 1));
      for (int c = 2; c < columns; ++c) numbers += sqlite3_column_int64(select, c);
    }
    sqlite3_reset(select);
    if (rows.size() != 100) state.SkipWithError("select failed");
    benchmark::DoNotOptimize(rows);
    benchmark::DoNotOptimize(numbers);
  }
  state.SetItemsProcessed(state.iterations() * 100);
}

void BM_RecordsList100SqlitePeer(benchmark::State& state) {
  list_from_peer(state,
                 "SELECT id, value, version, created_at, updated_at FROM sessions"
                 " ORDER BY folder, id LIMIT 100");
}
BENCHMARK(BM_RecordsList100SqlitePeer)->UseRealTime();

void BM_RecordsList100SqliteBarePeer(benchmark::State& state) {
  list_from_peer(state, "SELECT id, value FROM sessions ORDER BY folder, id LIMIT 100");
}
BENCHMARK(BM_RecordsList100SqliteBarePeer)->UseRealTime();

// Not a goal, a diagnosis: the engine's own listing query (src/storage/sqlite/records_store.cpp,
// the record_fields join, limit + 1 rows) through plain sqlite3 on the engine's file, rows copied
// out as the peer copies them. BM_RecordsList100 minus this is the service's share; this minus
// the peer is the schema's.
void BM_RecordsList100EngineSql(benchmark::State& state) {
  (void)seeded_engine();
  sqlite3* db = nullptr;
  auto path = bench_dir() / "seeded.db";
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    std::abort();
  }
  sqlite3_exec(db, "PRAGMA cache_size = -65536", nullptr, nullptr, nullptr);
  // "folder" is field 0 of the collection (fields sorted by name): its id is collection id * 16.
  sqlite3_stmt* field = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT id * 16 FROM records_collections WHERE name = 'sessions'", -1,
                         &field, nullptr) != SQLITE_OK ||
      sqlite3_step(field) != SQLITE_ROW) {
    std::abort();
  }
  const int64_t folder = sqlite3_column_int64(field, 0);
  sqlite3_finalize(field);
  sqlite3_stmt* select = nullptr;
  if (sqlite3_prepare_v3(db,
                         "SELECT o.id, r.version, r.value, r.created_at, r.updated_at"
                         " FROM record_fields o JOIN records r ON r.seq = o.seq WHERE o.field = ?1"
                         " ORDER BY o.kind, o.int_value, o.text_value, o.id LIMIT 101",
                         -1, SQLITE_PREPARE_PERSISTENT, &select, nullptr) != SQLITE_OK) {
    std::abort();
  }
  sqlite3_bind_int64(select, 1, folder);
  for (auto _ : state) {
    std::vector<std::pair<std::string, std::string>> rows;
    rows.reserve(101);
    while (sqlite3_step(select) == SQLITE_ROW) {
      rows.emplace_back(column_text(select, 0), column_text(select, 2));
      benchmark::DoNotOptimize(sqlite3_column_int64(select, 1) + sqlite3_column_int64(select, 3) +
                               sqlite3_column_int64(select, 4));
    }
    sqlite3_reset(select);
    if (rows.size() != 101) state.SkipWithError("select failed");
    benchmark::DoNotOptimize(rows);
  }
  sqlite3_finalize(select);
  sqlite3_close_v2(db);
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_RecordsList100EngineSql)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
