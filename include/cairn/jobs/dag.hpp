// The in-memory DAG executor: CPU tasks with dependencies, run to completion by a work-stealing
// thread pool. Nothing is persisted; this is the core that runs many small tasks fast (per-task
// overhead is measured in benchmarks/jobs_bench.cpp and recorded in docs/performance.md).
//
// Example:
//   std::vector<int> input;
//   int left_sum = 0, right_sum = 0, total_sum = 0;
//   jobs::Dag dag;
//   jobs::Node load = dag.add([&] { input = {1, 2, 3, 4}; });
//   jobs::Node left = dag.add([&] { left_sum = input[0] + input[1]; });
//   jobs::Node right = dag.add([&] { right_sum = input[2] + input[3]; });
//   jobs::Node total = dag.add([&] { total_sum = left_sum + right_sum; });
//   load.precede(left).precede(right);           // load runs before left and right,
//   total.succeed(left).succeed(right);          // which both run before total
//   jobs::Executor executor;                     // one worker per core, the caller included
//   Status done = executor.run(dag);             // blocks until every task ran (or one threw)
//
// How it runs: every thread that runs tasks has its own deque (a Chase-Lev lock-free deque).
// When a task finishes, each successor's join counter is decremented; a successor that becomes
// ready runs next on the same thread (depth-first, with its inputs still in cache) and any others
// are pushed onto that thread's deque. Idle threads steal from the top of other deques, and after
// a bounded number of failed rounds park on a condition variable until work is pushed. The thread
// that calls run() takes part, so an Executor with 1 worker starts no thread at all.
//
// Ownership: a Dag owns its task functions; a Node is a small handle valid while its Dag lives
// (moving the Dag keeps its Nodes valid). An Executor owns its threads and joins them when it is
// destroyed; it keeps no reference to a Dag after run() returns.
//
// Thread-safety: a Dag is not thread-safe: build it on one thread, and do not change it or run it
// a second time while a run of it is in progress (the second run is refused with JOB_DAG_BUSY;
// changing it during a run is a programmer error). An Executor is thread-safe: run() may be called
// from several threads at once, on different Dags, and from inside a task.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "cairn/core/result.hpp"

namespace cairn::jobs {

namespace detail {
struct DagGraph;
}  // namespace detail

// One task of a Dag. A default-constructed Node belongs to no Dag and must not be used.
class Node {
 public:
  Node() = default;

  // Makes this task run before `other` (an edge this -> other). Both must belong to the same Dag
  // (a programmer error otherwise). Returns *this, so calls chain. A cycle is not checked here:
  // Executor::run refuses a Dag with one.
  Node& precede(Node other);

  // Makes this task run after `other` (an edge other -> this). Returns *this.
  Node& succeed(Node other);

  // The position of this task in its Dag, counting from 0 in the order of Dag::add.
  [[nodiscard]] size_t index() const noexcept { return index_; }

 private:
  friend class Dag;
  Node(detail::DagGraph* graph, uint32_t index) : graph_(graph), index_(index) {}

  detail::DagGraph* graph_ = nullptr;
  uint32_t index_ = 0;
};

// A graph of tasks and the order constraints between them. Reusable: it may be run any number of
// times, by one or several Executors (one run at a time), and grown between runs.
class Dag {
 public:
  Dag();
  ~Dag();
  Dag(Dag&&) noexcept;
  Dag& operator=(Dag&&) noexcept;
  Dag(const Dag&) = delete;
  Dag& operator=(const Dag&) = delete;

  // Adds a task running `fn` and returns its handle. `fn` may throw: see Executor::run.
  Node add(std::function<void()> fn);

  // Adds the edge before -> after by index (for the C ABI and bindings). Errors:
  // INVALID_ARGUMENT / JOB_DAG_NODE_INVALID when either index is not below size().
  Status precede(size_t before, size_t after);

  // The handle of task `index`, which must be below size().
  Node node(size_t index);

  // The number of tasks.
  [[nodiscard]] size_t size() const noexcept;

 private:
  friend class Executor;
  std::unique_ptr<detail::DagGraph> graph_;
};

// A pool of worker threads that runs Dags.
class Executor {
 public:
  // `workers` threads run tasks, the one calling run() counted among them (so workers - 1 threads
  // are started); 0 means one per core (std::thread::hardware_concurrency()). At most 256. If the
  // system refuses to start a thread, the executor works with the ones it has.
  explicit Executor(unsigned workers = 0);
  // Wakes and joins the worker threads. No run may be in progress.
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // The number of threads that run tasks, the caller of run() included.
  [[nodiscard]] unsigned workers() const noexcept;

  // Runs every task of `dag` once, each after all the tasks that precede it, and returns when all
  // have run. The calling thread runs tasks too. Several threads may call run() at once on
  // different Dags; each caller takes part in the work (up to 8 callers share the pool's work; the
  // ones beyond run their Dag on their own thread).
  //
  // Returns OK when every task ran. Errors:
  //   INVALID_ARGUMENT / JOB_DEPENDENCY_CYCLE: the Dag has a cycle; no task ran.
  //   INTERNAL / JOB_TASK_FAILED: a task threw. No task is started after that; the ones already
  //     running finish; the message names the first task that threw and its what(). The Executor
  //     and the Dag stay usable.
  //   FAILED_PRECONDITION / JOB_DAG_BUSY: the Dag is being run already (by another thread, or by
  //     a task of its own).
  [[nodiscard]] Status run(Dag& dag);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn::jobs
