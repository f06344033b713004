// Audit log benchmarks, paired with the limit they are judged against in the same binary:
//
//   BM_AuditAppend            one entry per transaction through AuditLog::append (SQLite file)
//   BM_AuditAppendSqlitePeer  the limit: plain SQLite inserts of the same encoded bytes, one per
//                             transaction, same durability (WAL, synchronous=FULL)
//   BM_AuditAppendBatch       1000 entries per transaction (group commit)
//   BM_AuditAppendBatchSqlitePeer  the same bytes, 1000 plain inserts per transaction
//   BM_AuditInclusionProof    proof for a random entry of a 1,000,000-entry SQLite log
//   BM_AuditQueryByActor      one page of one actor's entries in a 100,000-entry log
//   BM_AuditVerify            full verification of a 100,000-entry SQLite log (entries/s)
//
// benchmarks/ratios.py prints the ratios recorded in docs/performance.md.
#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <filesystem>
#include <map>
#include <random>

#include "cairn/audit/log.hpp"
#include "cairn/engine.hpp"

namespace {

using cairn::audit::EntryInput;

std::string temp_path(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / "cairn-audit-bench";
  std::filesystem::create_directories(dir);
  auto path = dir / name;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  return path.string();
}

// Entry i of a workload with `actors` distinct actors (and 100 resources).
EntryInput sample_entry(int64_t i, int64_t actors = 1000) {
  EntryInput e;
  e.actor_id = "user" + std::to_string(i % actors);
  e.action = "secret.read";
  e.resource_type = "secret";
  e.resource_id = "DATABASE_URL_" + std::to_string(i % 100);
  e.ip = "192.0.2.17";
  e.user_agent = "cairn-bench/1.0";
  e.request_id = "req-" + std::to_string(i);
  e.details = R"({"environment":"production","project":"billing","version":12})";
  return e;
}

// The bytes one audit entry stores: its canonical encoding plus leaf and link hashes.
cairn::Bytes sample_bytes(int64_t i) {
  cairn::audit::Entry e = cairn::audit::normalize(sample_entry(i), {}).value();
  e.seq = static_cast<uint64_t>(i);
  cairn::Bytes bytes = cairn::audit::encode(e);
  bytes.resize(bytes.size() + 64, 0xab);
  return bytes;
}

std::unique_ptr<cairn::Engine> open_engine(const std::string& path) {
  return std::move(cairn::Engine::open("sqlite:" + path).value());
}

void BM_AuditAppend(benchmark::State& state) {
  auto engine = open_engine(temp_path("append.db"));
  int64_t i = 0;
  for (auto _ : state) {
    if (!engine->audit().append(sample_entry(i++))) state.SkipWithError("append failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AuditAppend)->UseRealTime();

// A plain table with the same durability settings cairn uses.
struct PlainSqlite {
  sqlite3* db = nullptr;
  sqlite3_stmt* insert = nullptr;
  explicit PlainSqlite(const std::string& path) {
    sqlite3_open(path.c_str(), &db);
    sqlite3_exec(db,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                 "CREATE TABLE log (seq INTEGER PRIMARY KEY, data BLOB NOT NULL);",
                 nullptr, nullptr, nullptr);
    sqlite3_prepare_v2(db, "INSERT INTO log (seq, data) VALUES (?1, ?2)", -1, &insert, nullptr);
  }
  ~PlainSqlite() {
    sqlite3_finalize(insert);
    sqlite3_close(db);
  }
  bool put(int64_t seq, const cairn::Bytes& bytes) {
    sqlite3_bind_int64(insert, 1, seq);
    sqlite3_bind_blob(insert, 2, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC);
    bool ok = sqlite3_step(insert) == SQLITE_DONE;
    sqlite3_reset(insert);
    return ok;
  }
};

void BM_AuditAppendSqlitePeer(benchmark::State& state) {
  PlainSqlite plain(temp_path("append-peer.db"));
  int64_t i = 0;
  for (auto _ : state) {
    cairn::Bytes bytes = sample_bytes(i);  // the peer pays for producing the same bytes
    sqlite3_exec(plain.db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    if (!plain.put(i++, bytes)) state.SkipWithError("insert failed");
    sqlite3_exec(plain.db, "COMMIT", nullptr, nullptr, nullptr);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AuditAppendSqlitePeer)->UseRealTime();

constexpr int64_t kBatch = 1000;

// Arg: distinct actors in the workload. Each distinct actor in a batch dirties a page of the
// actor index, so 1000 actors per 1000-entry batch is the worst case for write volume.
void BM_AuditAppendBatch(benchmark::State& state) {
  auto engine = open_engine(temp_path("batch.db"));
  int64_t i = 0;
  for (auto _ : state) {
    std::vector<EntryInput> batch;
    batch.reserve(kBatch);
    for (int64_t k = 0; k < kBatch; ++k) batch.push_back(sample_entry(i++, state.range(0)));
    if (!engine->audit().append_batch(batch)) state.SkipWithError("append failed");
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_AuditAppendBatch)->Arg(50)->Arg(1000)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_AuditAppendBatchSqlitePeer(benchmark::State& state) {
  PlainSqlite plain(temp_path("batch-peer.db"));
  int64_t i = 0;
  for (auto _ : state) {
    sqlite3_exec(plain.db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    for (int64_t k = 0; k < kBatch; ++k, ++i) {
      if (!plain.put(i, sample_bytes(i))) state.SkipWithError("insert failed");
    }
    sqlite3_exec(plain.db, "COMMIT", nullptr, nullptr, nullptr);
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_AuditAppendBatchSqlitePeer)->UseRealTime()->Unit(benchmark::kMillisecond);

// A log of `n` entries, built once per process (batched appends).
cairn::Engine& big_log(int64_t n) {
  static std::map<int64_t, std::unique_ptr<cairn::Engine>> logs;
  auto& slot = logs[n];
  if (!slot) {
    slot = open_engine(temp_path("big-" + std::to_string(n) + ".db"));
    std::vector<EntryInput> batch;
    for (int64_t i = 0; i < n; ++i) {
      batch.push_back(sample_entry(i));
      if (static_cast<int64_t>(batch.size()) == 10000 || i + 1 == n) {
        (void)slot->audit().append_batch(batch);
        batch.clear();
      }
    }
  }
  return *slot;
}

void BM_AuditInclusionProof(benchmark::State& state) {
  cairn::Engine& engine = big_log(state.range(0));
  std::mt19937_64 rng(42);
  auto size = static_cast<uint64_t>(state.range(0));
  for (auto _ : state) {
    auto proof = engine.audit().prove_inclusion(rng() % size);
    if (!proof || proof->empty() || proof->size() > 40) state.SkipWithError("bad proof");
    benchmark::DoNotOptimize(proof);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AuditInclusionProof)->Arg(1000000)->Unit(benchmark::kMicrosecond);

// One page (up to 100) of a single actor's entries in a 100,000-entry log: actor i % 1000, so
// each block of 1024 entries holds the actor about once. Arg 1: a key present in no block.
void BM_AuditQueryByActor(benchmark::State& state) {
  cairn::Engine& engine = big_log(100000);
  cairn::audit::EntryQuery q;
  q.actor_id = state.range(0) == 0 ? "user7" : "nobody";
  q.limit = 100;
  for (auto _ : state) {
    auto page = engine.audit().query(q);
    if (!page || (state.range(0) == 0 && page->entries.size() != 100)) {
      state.SkipWithError("query failed");
    }
    benchmark::DoNotOptimize(page);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AuditQueryByActor)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

void BM_AuditVerify(benchmark::State& state) {
  cairn::Engine& engine = big_log(state.range(0));
  for (auto _ : state) {
    auto report = engine.audit().check();
    if (!report || !report->intact) state.SkipWithError("verification failed");
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_AuditVerify)->Arg(100000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
