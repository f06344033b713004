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
// benchmarks/ratios.py turns the JSON output into the ratios recorded in docs/performance.md.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <functional>
#include <random>
#include <vector>

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

BENCHMARK_MAIN();
