#include "cairn/jobs/dag.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <numeric>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

namespace cairn::jobs {
namespace {

constexpr unsigned kWorkerCounts[] = {1, 2, 4};

// Start and finish times on one shared clock, and how often each task ran.
struct Trace {
  explicit Trace(size_t n) : start(n), finish(n), runs(n) {}
  std::atomic<uint64_t> clock{0};
  std::vector<std::atomic<uint64_t>> start, finish;
  std::vector<std::atomic<int>> runs;

  std::function<void()> task(size_t i) {
    return [this, i] {
      start[i].store(clock.fetch_add(1));
      runs[i].fetch_add(1);
      finish[i].store(clock.fetch_add(1));
    };
  }
};

struct Edge {
  size_t before, after;
};

// n tasks with about `degree` edges each, in a random topological order (not index order).
std::vector<Edge> random_edges(size_t n, size_t degree, std::mt19937& rng) {
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<Edge> edges;
  for (size_t i = 1; i < n; ++i) {
    for (size_t k = 0; k < degree; ++k) {
      size_t j = std::uniform_int_distribution<size_t>(0, i - 1)(rng);
      edges.push_back({order[j], order[i]});
    }
  }
  return edges;
}

void expect_order(const Trace& trace, const std::vector<Edge>& edges) {
  for (const Edge& e : edges) {
    ASSERT_LT(trace.finish[e.before].load(), trace.start[e.after].load())
        << e.before << " -> " << e.after;
  }
}

void expect_each_ran(const Trace& trace, int times) {
  for (size_t i = 0; i < trace.runs.size(); ++i) ASSERT_EQ(trace.runs[i].load(), times) << i;
}

TEST(DagTest, RandomDagsRespectEveryEdgeAndRunEachTaskOnce) {
  std::mt19937 rng(20261122);
  for (unsigned workers : kWorkerCounts) {
    Executor executor(workers);
    for (int round = 0; round < 10; ++round) {
      const size_t n = 1 + rng() % 800;
      std::vector<Edge> edges = random_edges(n, 1 + rng() % 5, rng);
      Trace trace(n);
      Dag dag;
      for (size_t i = 0; i < n; ++i) dag.add(trace.task(i));
      for (const Edge& e : edges) ASSERT_TRUE(dag.precede(e.before, e.after));
      ASSERT_TRUE(executor.run(dag));
      expect_each_ran(trace, 1);
      expect_order(trace, edges);
    }
  }
}

TEST(DagTest, LinearChainRunsInOrder) {
  for (unsigned workers : kWorkerCounts) {
    Executor executor(workers);
    constexpr size_t kN = 10000;
    std::vector<size_t> seen;  // plain memory: the edges alone must order the writes
    Dag dag;
    Node prev;
    for (size_t i = 0; i < kN; ++i) {
      Node node = dag.add([&seen, i] { seen.push_back(i); });
      if (i > 0) prev.precede(node);
      prev = node;
    }
    ASSERT_TRUE(executor.run(dag));
    ASSERT_EQ(seen.size(), kN);
    for (size_t i = 0; i < kN; ++i) ASSERT_EQ(seen[i], i);
  }
}

TEST(DagTest, WideFanOutAndFanIn) {
  for (unsigned workers : kWorkerCounts) {
    Executor executor(workers);
    constexpr size_t kWidth = 10000;
    std::vector<int> values(kWidth, 0);
    bool source_ran = false;
    long long sum = -1;
    Dag dag;
    Node source = dag.add([&] { source_ran = true; });
    Node sink = dag.add([&] { sum = std::accumulate(values.begin(), values.end(), 0LL); });
    for (size_t i = 0; i < kWidth; ++i) {
      Node middle = dag.add([&values, &source_ran, i] {
        // Each writes its own element; the sink reads them all after the fan-in.
        values[i] = source_ran ? static_cast<int>(i) : -1000000;
      });
      source.precede(middle);
      middle.precede(sink);
    }
    ASSERT_TRUE(executor.run(dag));
    EXPECT_EQ(sum, static_cast<long long>(kWidth) * (kWidth - 1) / 2);
  }
}

TEST(DagTest, Diamond) {
  for (unsigned workers : kWorkerCounts) {
    Executor executor(workers);
    Trace trace(4);
    Dag dag;
    Node a = dag.add(trace.task(0));
    Node b = dag.add(trace.task(1));
    Node c = dag.add(trace.task(2));
    Node d = dag.add(trace.task(3));
    a.precede(b).precede(c);
    d.succeed(b).succeed(c);
    EXPECT_EQ(dag.size(), 4U);
    ASSERT_TRUE(executor.run(dag));
    expect_each_ran(trace, 1);
    expect_order(trace, {{0, 1}, {0, 2}, {1, 3}, {2, 3}});
  }
}

TEST(DagTest, EmptyDagAndSingleTask) {
  for (unsigned workers : kWorkerCounts) {
    Executor executor(workers);
    Dag empty;
    EXPECT_EQ(empty.size(), 0U);
    EXPECT_TRUE(executor.run(empty));
    int ran = 0;
    Dag single;
    single.add([&] { ++ran; });
    ASSERT_TRUE(executor.run(single));
    ASSERT_TRUE(executor.run(single));
    EXPECT_EQ(ran, 2);
  }
}

TEST(DagTest, CycleIsRefusedBeforeAnythingRuns) {
  Executor executor(2);
  std::atomic<int> ran{0};
  auto count = [&] { ran.fetch_add(1); };
  Dag dag;
  Node free_standing = dag.add(count);
  Node a = dag.add(count);
  Node b = dag.add(count);
  Node c = dag.add(count);
  Node after = dag.add(count);
  a.precede(b);
  b.precede(c);
  c.precede(a);
  c.precede(after);
  (void)free_standing;
  Status status = executor.run(dag);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(status.error().reason, "JOB_DEPENDENCY_CYCLE");
  EXPECT_EQ(ran.load(), 0);

  Dag self_loop;
  Node s = self_loop.add(count);
  s.precede(s);
  EXPECT_EQ(executor.run(self_loop).error().reason, "JOB_DEPENDENCY_CYCLE");
  EXPECT_EQ(ran.load(), 0);
}

TEST(DagTest, TaskExceptionStopsTheRunAndLeavesTheExecutorUsable) {
  for (unsigned workers : kWorkerCounts) {
    Executor executor(workers);
    constexpr size_t kN = 1000;
    std::vector<std::atomic<int>> runs(kN);
    bool fail = true;
    Dag dag;
    Node prev;
    for (size_t i = 0; i < kN; ++i) {
      Node node = dag.add([&runs, &fail, i] {
        runs[i].fetch_add(1);
        if (i == 500 && fail) throw std::runtime_error("boom");
      });
      if (i > 0) prev.precede(node);
      prev = node;
    }
    Status status = executor.run(dag);
    ASSERT_FALSE(status);
    EXPECT_EQ(status.error().code, ErrorCode::kInternal);
    EXPECT_EQ(status.error().reason, "JOB_TASK_FAILED");
    EXPECT_NE(status.error().message.find("boom"), std::string::npos);
    for (size_t i = 0; i < kN; ++i) ASSERT_EQ(runs[i].load(), i <= 500 ? 1 : 0) << i;

    // The same Dag runs fully once the task stops throwing; so does another Dag.
    fail = false;
    ASSERT_TRUE(executor.run(dag));
    for (size_t i = 0; i < kN; ++i) ASSERT_EQ(runs[i].load(), i <= 500 ? 2 : 1) << i;
    int ran = 0;
    Dag other;
    other.add([&] { ++ran; });
    ASSERT_TRUE(executor.run(other));
    EXPECT_EQ(ran, 1);
  }
}

TEST(DagTest, ExceptionsInManyParallelTasksReportOne) {
  Executor executor(4);
  Dag dag;
  Node source = dag.add([] {});
  for (int i = 0; i < 200; ++i) {
    source.precede(dag.add([] { throw 42; }));  // not a std::exception
  }
  Status status = executor.run(dag);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().reason, "JOB_TASK_FAILED");
  ASSERT_FALSE(executor.run(dag));
}

TEST(DagTest, ManyConsecutiveRuns) {
  std::mt19937 rng(7);
  const size_t n = 300;
  std::vector<Edge> edges = random_edges(n, 3, rng);
  for (unsigned workers : kWorkerCounts) {
    Executor executor(workers);
    Trace trace(n);
    Dag dag;
    for (size_t i = 0; i < n; ++i) dag.add(trace.task(i));
    for (const Edge& e : edges) ASSERT_TRUE(dag.precede(e.before, e.after));
    for (int run = 1; run <= 200; ++run) {
      ASSERT_TRUE(executor.run(dag));
      expect_order(trace, edges);
    }
    expect_each_ran(trace, 200);
  }
}

TEST(DagTest, GrowingADagBetweenRuns) {
  Executor executor(2);
  std::vector<int> seen;
  Dag dag;
  Node a = dag.add([&] { seen.push_back(1); });
  ASSERT_TRUE(executor.run(dag));
  Node b = dag.add([&] { seen.push_back(2); });
  b.precede(a);
  ASSERT_TRUE(executor.run(dag));
  EXPECT_EQ(seen, (std::vector<int>{1, 2, 1}));
}

TEST(DagTest, SeveralThreadsRunSeparateDagsOnOneExecutor) {
  for (unsigned workers : kWorkerCounts) {
    Executor executor(workers);
    constexpr int kThreads = 12;  // more than the executor's caller deques
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&executor, &failures, t] {
        std::mt19937 rng(static_cast<unsigned>(t));
        const size_t n = 200;
        std::vector<Edge> edges = random_edges(n, 2, rng);
        Trace trace(n);
        Dag dag;
        for (size_t i = 0; i < n; ++i) dag.add(trace.task(i));
        for (const Edge& e : edges) (void)dag.precede(e.before, e.after);
        for (int run = 0; run < 20; ++run) {
          if (!executor.run(dag)) failures.fetch_add(1);
        }
        for (const Edge& e : edges) {
          if (trace.finish[e.before].load() >= trace.start[e.after].load()) failures.fetch_add(1);
        }
        for (size_t i = 0; i < n; ++i) {
          if (trace.runs[i].load() != 20) failures.fetch_add(1);
        }
      });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(failures.load(), 0);
  }
}

TEST(DagTest, TaskMayRunAnotherDagButNotItsOwn) {
  Executor executor(2);
  int inner_ran = 0;
  Dag inner;
  inner.add([&] { ++inner_ran; });
  Status inner_status;
  Status own_status;
  Dag outer;
  outer.add([&] { inner_status = executor.run(inner); });
  outer.add([&] { own_status = executor.run(outer); });
  ASSERT_TRUE(executor.run(outer));
  EXPECT_TRUE(inner_status);
  EXPECT_EQ(inner_ran, 1);
  ASSERT_FALSE(own_status);
  EXPECT_EQ(own_status.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(own_status.error().reason, "JOB_DAG_BUSY");
}

TEST(DagTest, PrecedeByIndexChecksTheIndices) {
  Dag dag;
  dag.add([] {});
  dag.add([] {});
  EXPECT_TRUE(dag.precede(0, 1));
  Status status = dag.precede(1, 2);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(status.error().reason, "JOB_DAG_NODE_INVALID");
  EXPECT_EQ(dag.node(1).index(), 1U);
}

TEST(DagTest, WorkerCounts) {
  EXPECT_EQ(Executor(1).workers(), 1U);
  EXPECT_EQ(Executor(3).workers(), 3U);
  EXPECT_GE(Executor().workers(), 1U);
  EXPECT_EQ(Executor(100000).workers(), 256U);
}

TEST(DagTest, MovedDagKeepsItsNodes) {
  Executor executor(2);
  std::vector<int> seen;
  Dag dag;
  Node a = dag.add([&] { seen.push_back(1); });
  Node b = dag.add([&] { seen.push_back(2); });
  Dag moved = std::move(dag);
  b.precede(a);
  ASSERT_TRUE(executor.run(moved));
  EXPECT_EQ(seen, (std::vector<int>{2, 1}));
}

}  // namespace
}  // namespace cairn::jobs
