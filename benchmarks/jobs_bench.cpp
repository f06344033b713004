// Job scheduler benchmarks, each paired with the limit it is judged against, in one binary.
//
// The in-memory DAG executor (jobs::Executor), on empty tasks, so what is measured is the
// per-task overhead of scheduling (items_per_second counts tasks; ns/task = 1e9 / that):
//
//   BM_JobsDagChain/W          a linear chain of 100,000 tasks on W workers (the caller included)
//   BM_JobsDagFanOut/W         1 -> 100,000 -> 1: one source, 100,000 independent tasks, one sink
//   BM_JobsDagRandom/W         100,000 tasks, each after 4 tasks drawn uniformly from those
//                              before it (about 400,000 edges)
//   BM_JobsDag<Shape>Limit     the floor for each shape: a plain loop calling the same empty
//                              std::function objects one after another in topological order
//
// The persistent scheduler (engine.jobs()) on a SQLite file, same durability as the peer
// (WAL, synchronous=FULL):
//
//   BM_JobsPersistentCycle     enqueue -> claim -> run (empty handler) -> complete, one task at a
//                              time on the calling thread (run_pending): three write transactions
//   BM_JobsSqliteWriteTxn      the limit: one plain SQLite write transaction (an INSERT of a
//                              row like a task's) per iteration
//   (both run 3,000 operations untimed first, then 3,000 timed: the steady state, see
//   kSteadyWarmup; the counter wal_growth_kib shows the log file no longer grows)
//   BM_JobsDispatchLatency     enqueue -> handler start with one idle worker thread waiting;
//                              counters p50_us and p99_us over 200 tasks per iteration
//
// benchmarks/ratios.py turns the JSON output into the ratios recorded in docs/performance.md.
#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "cairn/engine.hpp"
#include "cairn/jobs/dag.hpp"

namespace {

namespace jobs = cairn::jobs;

constexpr size_t kTasks = 100000;

enum class Shape { kChain, kFanOut, kRandom };

// Builds the shape with empty tasks; tasks are added in a topological order.
void build(jobs::Dag& dag, Shape shape) {
  auto empty = [] {};
  switch (shape) {
    case Shape::kChain: {
      jobs::Node prev = dag.add(empty);
      for (size_t i = 1; i < kTasks; ++i) {
        jobs::Node node = dag.add(empty);
        prev.precede(node);
        prev = node;
      }
      break;
    }
    case Shape::kFanOut: {
      jobs::Node source = dag.add(empty);
      std::vector<jobs::Node> middle;
      middle.reserve(kTasks - 2);
      for (size_t i = 0; i + 2 < kTasks; ++i) middle.push_back(dag.add(empty));
      jobs::Node sink = dag.add(empty);
      for (jobs::Node node : middle) {
        source.precede(node);
        node.precede(sink);
      }
      break;
    }
    case Shape::kRandom: {
      std::mt19937_64 rng(42);
      for (size_t i = 0; i < kTasks; ++i) dag.add(empty);
      for (size_t i = 1; i < kTasks; ++i) {
        for (int k = 0; k < 4; ++k) {
          size_t j = std::uniform_int_distribution<size_t>(0, i - 1)(rng);
          if (!dag.precede(j, i)) std::abort();
        }
      }
      break;
    }
  }
}

void run_dag(benchmark::State& state, Shape shape) {
  jobs::Dag dag;
  build(dag, shape);
  jobs::Executor executor(static_cast<unsigned>(state.range(0)));
  if (!executor.run(dag)) std::abort();  // compiles the graph once, outside the timing
  for (auto _ : state) {
    if (!executor.run(dag)) std::abort();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kTasks));
}

void run_limit(benchmark::State& state) {
  std::vector<std::function<void()>> tasks(kTasks, [] {});
  for (auto _ : state) {
    for (const auto& task : tasks) task();
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kTasks));
}

void BM_JobsDagChain(benchmark::State& state) { run_dag(state, Shape::kChain); }
void BM_JobsDagFanOut(benchmark::State& state) { run_dag(state, Shape::kFanOut); }
void BM_JobsDagRandom(benchmark::State& state) { run_dag(state, Shape::kRandom); }
// The three limits are the same loop over 100,000 empty functions (for empty tasks the
// topological order is all that differs, and it does not change the loop); they are kept apart
// so each pair in ratios.py names its own limit.
void BM_JobsDagChainLimit(benchmark::State& state) { run_limit(state); }
void BM_JobsDagFanOutLimit(benchmark::State& state) { run_limit(state); }
void BM_JobsDagRandomLimit(benchmark::State& state) { run_limit(state); }

BENCHMARK(BM_JobsDagChain)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_JobsDagChainLimit)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_JobsDagFanOut)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_JobsDagFanOutLimit)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_JobsDagRandom)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_JobsDagRandomLimit)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

std::string temp_path(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / "cairn-jobs-bench";
  std::filesystem::create_directories(dir);
  auto path = dir / name;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  return path.string();
}

std::unique_ptr<cairn::Engine> open_engine(const std::string& path) {
  auto engine = cairn::Engine::open("sqlite:" + path);
  if (!engine) std::abort();
  return std::move(*engine);
}

// Both persistent benchmarks measure the steady state: before the timed loop they run
// kSteadyWarmup operations untimed, enough for SQLite's write-ahead log to reach its
// auto-checkpoint size (1,000 pages) several times, so that from then on each side pays its share
// of checkpoints and the log file has stopped growing. A short run from an empty file flatters
// whichever side has not yet reached its first checkpoint. The counter wal_growth_kib is how much
// the log file grew during the timed loop: 0 shows the steady state was reached.
constexpr int kSteadyWarmup = 3000;
constexpr int kSteadyIterations = 3000;

uintmax_t wal_bytes(const std::string& db_path) {
  std::error_code ec;
  uintmax_t n = std::filesystem::file_size(db_path + "-wal", ec);
  return ec ? 0 : n;
}

// Runs `operation` (true when it succeeded) kSteadyWarmup times untimed, then as the timed loop,
// and sets the log counters for the database file at `db_path`.
template <class Operation>
void run_steady_state(benchmark::State& state, const std::string& db_path, Operation operation) {
  for (int i = 0; i < kSteadyWarmup; ++i) {
    if (!operation()) std::abort();
  }
  uintmax_t before = wal_bytes(db_path);
  for (auto _ : state) {
    if (!operation()) state.SkipWithError("the operation failed");
  }
  uintmax_t after = wal_bytes(db_path);
  state.counters["wal_growth_kib"] =
      static_cast<double>(after > before ? after - before : 0) / 1024.0;
  state.counters["wal_kib"] = static_cast<double>(after) / 1024.0;
  state.SetItemsProcessed(state.iterations());
}

void BM_JobsPersistentCycle(benchmark::State& state) {
  std::string path = temp_path("cycle.db");
  auto engine = open_engine(path);
  jobs::Scheduler& s = engine->jobs();
  if (!s.register_kind("empty", [](jobs::TaskContext&) -> cairn::Result<std::string> {
        return std::string();
      })) {
    std::abort();
  }
  jobs::EnqueueOptions options;
  options.input = R"({"n":1})";
  run_steady_state(state, path, [&] {
    if (!s.enqueue("empty", options)) return false;
    auto ran = s.run_pending(1);
    return ran && *ran == 1;
  });
}
BENCHMARK(BM_JobsPersistentCycle)->UseRealTime()->Iterations(kSteadyIterations);

void BM_JobsSqliteWriteTxn(benchmark::State& state) {
  std::string path = temp_path("peer.db");
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db,
               "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
               "CREATE TABLE tasks (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, input TEXT NOT "
               "NULL, state TEXT NOT NULL, run_at INTEGER NOT NULL);",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db,
                     "INSERT INTO tasks (kind, input, state, run_at) VALUES ('empty', "
                     "'{\"n\":1}', 'pending', ?1)",
                     -1, &insert, nullptr);
  int64_t i = 0;
  run_steady_state(state, path, [&] {
    sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    sqlite3_bind_int64(insert, 1, i++);
    bool done = sqlite3_step(insert) == SQLITE_DONE;
    sqlite3_reset(insert);
    return sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK && done;
  });
  sqlite3_finalize(insert);
  sqlite3_close(db);
}
BENCHMARK(BM_JobsSqliteWriteTxn)->UseRealTime()->Iterations(kSteadyIterations);

void BM_JobsDispatchLatency(benchmark::State& state) {
  constexpr int kTasksPerIteration = 200;
  auto engine = open_engine(temp_path("latency.db"));
  jobs::Scheduler& s = engine->jobs();
  std::atomic<int64_t> started_ns{0};
  if (!s.register_kind("mark", [&](jobs::TaskContext&) -> cairn::Result<std::string> {
        started_ns = std::chrono::steady_clock::now().time_since_epoch().count();
        return std::string();
      })) {
    std::abort();
  }
  if (!s.start(jobs::WorkerCounts{0, 1, 0})) std::abort();
  std::vector<double> samples;
  for (auto _ : state) {
    for (int i = 0; i < kTasksPerIteration; ++i) {
      started_ns = 0;
      int64_t t0 = std::chrono::steady_clock::now().time_since_epoch().count();
      auto id = s.enqueue("mark");
      if (!id) {
        state.SkipWithError("enqueue failed");
        break;
      }
      while (started_ns.load() == 0) std::this_thread::yield();
      samples.push_back(static_cast<double>(started_ns.load() - t0) / 1000.0);
      (void)s.wait(*id, std::chrono::seconds(10));  // the next task finds the worker idle
    }
  }
  s.stop();
  std::sort(samples.begin(), samples.end());
  if (!samples.empty()) {
    state.counters["p50_us"] = samples[samples.size() / 2];
    state.counters["p99_us"] = samples[samples.size() * 99 / 100];
  }
  state.SetItemsProcessed(state.iterations() * kTasksPerIteration);
}
BENCHMARK(BM_JobsDispatchLatency)->UseRealTime()->Unit(benchmark::kMillisecond)->Iterations(5);

BENCHMARK_MAIN();
