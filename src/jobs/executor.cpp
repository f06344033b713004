// Executor: runs a compiled Dag (jobs/internal/dag_graph.hpp) on a work-stealing thread pool,
// one WorkDeque (jobs/internal/work_deque.hpp) per thread that runs tasks.
#include <algorithm>
#include <atomic>
#include <cassert>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "cairn/jobs/dag.hpp"
#include "jobs/internal/dag_graph.hpp"
#include "jobs/internal/work_deque.hpp"

namespace cairn::jobs {
namespace {

using detail::RunState;
using detail::Slot;
using detail::WorkDeque;

// Failed stealing rounds (one try at every deque each, with a yield between) before a thread
// parks. Enough to ride out the gap between two runs without sleeping; small enough that an idle
// pool stops using the CPU within some tens of microseconds.
constexpr int kStealRounds = 64;
// Deques for threads calling run(); callers beyond these run their Dag alone.
constexpr unsigned kCallerSlots = 8;
constexpr unsigned kMaxWorkers = 256;
// Successors pushed by one task between two announcements (see execute()): a parked thread is
// woken after at most this many pushes, not only after the last of a large fan-out.
constexpr uint32_t kAnnounceEvery = 64;

std::string describe(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an exception not derived from std::exception";
  }
}

}  // namespace

struct Executor::Impl {
  explicit Impl(unsigned workers);
  ~Impl();
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void run(RunState& run, const std::vector<Slot*>& sources);
  void work(unsigned index);
  // Units of one run's `pending` that a thread holds for tasks it finished (see execute()).
  struct Ledger {
    RunState* run = nullptr;
    int64_t owed = 0;
  };

  void execute(Slot* task, WorkDeque& mine, Ledger& ledger);
  void settle(Ledger& ledger);
  // Pushes `task` onto `mine` and announces it.
  void push(WorkDeque& mine, Slot* task);
  // Makes the tasks pushed so far findable: wakes a parked thread when nobody is looking for work.
  void announce();
  Slot* steal_any(const WorkDeque& mine, uint64_t& rng);
  Slot* find_work(const WorkDeque& mine, const RunState* waiting, uint64_t& rng);
  void leave_thieves();
  bool any_work() const;
  void wake(bool all);
  static void record_failure(RunState& run, const Slot* task, const std::exception_ptr& error);

  unsigned workers = 1;
  // [0, threads.size()): the worker threads' deques; then kCallerSlots deques for callers.
  std::vector<std::unique_ptr<WorkDeque>> deques;
  std::unique_ptr<std::atomic<bool>[]> caller_slot_taken;
  std::vector<std::thread> threads;

  // Threads looking for work, and threads parked (or about to park). A push wakes a parked thread
  // only when nobody is looking: a thief finds the task or, before parking, sees it in a deque.
  alignas(64) std::atomic<int> thieves{0};
  alignas(64) std::atomic<int> sleeping{0};
  alignas(64) std::mutex mu;
  std::condition_variable cv;
  uint64_t epoch = 0;                 // under mu: bumped by every wake-up
  bool stop = false;                  // under mu
  std::atomic<bool> stopping{false};  // the same, for spinning threads to see without the lock
};

Executor::Impl::Impl(unsigned requested) {
  unsigned n = requested != 0 ? requested : std::max(1U, std::thread::hardware_concurrency());
  n = std::min(n, kMaxWorkers);
  caller_slot_taken = std::make_unique<std::atomic<bool>[]>(kCallerSlots);
  // Every deque exists before any thread starts: thieves walk the vector without a lock.
  for (unsigned i = 0; i + 1 < n + kCallerSlots; ++i)
    deques.push_back(std::make_unique<WorkDeque>());
  threads.reserve(n - 1);
  for (unsigned i = 0; i + 1 < n; ++i) {
    try {
      threads.emplace_back(&Impl::work, this, i);
    } catch (const std::system_error&) {
      break;  // out of threads: work with the ones we have
    }
  }
  workers = static_cast<unsigned>(threads.size()) + 1;
}

Executor::Impl::~Impl() {
  {
    std::lock_guard lock(mu);
    stop = true;
    stopping.store(true, std::memory_order_relaxed);
  }
  cv.notify_all();
  for (auto& t : threads) t.join();
}

void Executor::Impl::wake(bool all) {
  {
    std::lock_guard lock(mu);
    ++epoch;
  }
  if (all) {
    cv.notify_all();
  } else {
    cv.notify_one();
  }
}

void Executor::Impl::push(WorkDeque& mine, Slot* task) {
  mine.push(task);
  announce();
}

void Executor::Impl::announce() {
  // Pairs with the parking thread's sleeping/thieves update followed by its look at the deques:
  // either it sees the tasks pushed before this, or this thread sees it parked (or about to) and
  // wakes it.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (thieves.load(std::memory_order_relaxed) == 0 &&
      sleeping.load(std::memory_order_relaxed) > 0) {
    wake(false);
  }
}

void Executor::Impl::record_failure(RunState& run, const Slot* task,
                                    const std::exception_ptr& error) {
  std::string what = describe(error);
  std::lock_guard lock(run.error_mu);
  if (run.cancelled.load(std::memory_order_relaxed)) return;  // keep the first failure
  run.error = "task " + std::to_string(task - run.slots) + " threw: " + what;
  run.cancelled.store(true, std::memory_order_relaxed);
}

// Hands the units a thread owes back to their run. Once the count reaches 0 the run is over and
// its caller may return and free it: nothing of it is touched after the subtraction.
void Executor::Impl::settle(Ledger& ledger) {
  if (ledger.owed == 0) return;
  RunState* run = ledger.run;
  const int64_t owed = std::exchange(ledger.owed, 0);
  if (run->pending.fetch_sub(owed, std::memory_order_seq_cst) == owed &&
      sleeping.load(std::memory_order_seq_cst) > 0) {
    wake(true);  // the run's caller may be parked
  }
}

// Runs `task`, then the successors it makes ready, depth first. The first ready successor runs
// next on this thread; the others go onto this thread's deque for it or thieves to take.
//
// Accounting: every ready or running task holds a unit of its run's `pending`. A finished task
// passes its unit to the first successor it makes ready; a unit left over goes into the ledger
// (still counted in `pending`) and pays for later successors before new units are taken, so a
// thread working through its own tasks rarely touches the shared counter.
void Executor::Impl::execute(Slot* task, WorkDeque& mine, Ledger& ledger) {
  while (task != nullptr) {
    RunState& run = *task->run;
    if (ledger.run != &run) {
      settle(ledger);
      ledger.run = &run;
    }
    if (!run.cancelled.load(std::memory_order_relaxed)) {
      try {
        (*task->fn)();
      } catch (...) {
        record_failure(run, task, std::current_exception());
      }
    }
    Slot* next = nullptr;
    int64_t spare = 1;  // units in hand: this task's own
    const uint32_t n = task->successor_count;
    if (n != 0 && !run.cancelled.load(std::memory_order_relaxed)) {
      // A unit for every successor before any is pushed, so that no thief can run one (and end
      // the run) before it is counted.
      if (n > 1) {
        const int64_t needed = n - 1;
        const int64_t from_ledger = std::min(ledger.owed, needed);
        ledger.owed -= from_ledger;
        if (needed != from_ledger) {
          run.pending.fetch_add(needed - from_ledger, std::memory_order_relaxed);
        }
      }
      spare = n;
      Slot* const* successors = task->successors;
      // Pushes are announced once per kAnnounceEvery and once at the end rather than one by one:
      // the fence and the look at `thieves` and `sleeping` cost more than the push itself.
      uint32_t unannounced = 0;
      for (uint32_t i = 0; i < n; ++i) {
        Slot* s = successors[i];
        const uint32_t predecessors = s->predecessor_count;
        if (predecessors != 1) {
          if (s->join.fetch_sub(1, std::memory_order_acq_rel) != 1) continue;
          s->join.store(predecessors, std::memory_order_relaxed);
        }
        --spare;
        if (next == nullptr) {
          next = s;
        } else {
          mine.push(s);
          if (++unannounced == kAnnounceEvery) {
            announce();
            unannounced = 0;
          }
        }
      }
      if (unannounced != 0) announce();
    }
    ledger.owed += spare;
    task = next;
  }
}

Slot* Executor::Impl::steal_any(const WorkDeque& mine, uint64_t& rng) {
  // xorshift64: a cheap random first victim, so thieves spread over the deques.
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  const size_t count = deques.size();
  const size_t start = static_cast<size_t>(rng % count);
  for (size_t i = 0; i < count; ++i) {
    WorkDeque& victim = *deques[(start + i) % count];
    if (&victim == &mine) continue;
    if (Slot* task = victim.steal()) return task;
  }
  return nullptr;
}

bool Executor::Impl::any_work() const {
  return std::any_of(deques.begin(), deques.end(), [](const auto& d) { return !d->empty(); });
}

void Executor::Impl::leave_thieves() {
  // The last thief to leave wakes a parked thread, so that someone keeps looking while there may
  // be work whose push saw this thief and woke nobody.
  if (thieves.fetch_sub(1, std::memory_order_seq_cst) == 1 &&
      sleeping.load(std::memory_order_seq_cst) > 0 && any_work()) {
    wake(false);
  }
}

// Steals a task, parking when there is none for a while. Returns nullptr when the executor stops
// or, for a caller (`waiting` set), when its run is over.
Slot* Executor::Impl::find_work(const WorkDeque& mine, const RunState* waiting, uint64_t& rng) {
  thieves.fetch_add(1, std::memory_order_seq_cst);
  int failed = 0;
  while (true) {
    if (Slot* task = steal_any(mine, rng)) {
      leave_thieves();
      return task;
    }
    if (waiting != nullptr && waiting->pending.load(std::memory_order_acquire) == 0) {
      leave_thieves();
      return nullptr;
    }
    if (++failed < kStealRounds && !stopping.load(std::memory_order_relaxed)) {
      std::this_thread::yield();
      continue;
    }
    std::unique_lock lock(mu);
    if (stop) {
      lock.unlock();
      leave_thieves();
      return nullptr;
    }
    const uint64_t seen = epoch;
    sleeping.fetch_add(1, std::memory_order_seq_cst);
    thieves.fetch_sub(1, std::memory_order_seq_cst);
    // Look once more after announcing the nap: a push (or the end of the run) that happened
    // before this point is seen here; one after it sees `sleeping` and wakes us.
    const bool go_on =
        any_work() || (waiting != nullptr && waiting->pending.load(std::memory_order_seq_cst) == 0);
    if (!go_on) cv.wait(lock, [&] { return epoch != seen || stop; });
    thieves.fetch_add(1, std::memory_order_seq_cst);
    sleeping.fetch_sub(1, std::memory_order_seq_cst);
    failed = 0;
  }
}

void Executor::Impl::work(unsigned index) {
  WorkDeque& mine = *deques[index];
  uint64_t rng = 0x9E3779B97F4A7C15ULL * (index + 1);
  Ledger ledger;
  while (true) {
    Slot* task = mine.pop();
    // One quick try at stealing, keeping the ledger: a thread emptying other deques one task at
    // a time then settles once at the end, not after every task.
    if (task == nullptr) task = steal_any(mine, rng);
    if (task == nullptr) {
      settle(ledger);  // never wait for work (or park) owing units: a caller may be waiting
      task = find_work(mine, nullptr, rng);
    }
    if (task == nullptr) return;  // stopping
    execute(task, mine, ledger);
  }
}

void Executor::Impl::run(RunState& run, const std::vector<Slot*>& sources) {
  // A caller deque, so that worker threads can steal from this thread; when all are taken, a
  // private one nobody else sees (this thread then runs the whole Dag).
  unsigned slot = kCallerSlots;
  for (unsigned i = 0; i < kCallerSlots; ++i) {
    if (!caller_slot_taken[i].exchange(true, std::memory_order_acquire)) {
      slot = i;
      break;
    }
  }
  std::unique_ptr<WorkDeque> private_deque;
  if (slot == kCallerSlots) private_deque = std::make_unique<WorkDeque>();
  WorkDeque& mine = private_deque ? *private_deque : *deques[threads.size() + slot];

  for (size_t i = sources.size(); i-- > 1;) push(mine, sources[i]);
  Ledger ledger;
  execute(sources[0], mine, ledger);
  uint64_t rng = std::hash<const void*>()(&run) | 1U;
  while (true) {
    Slot* task = mine.pop();
    if (task == nullptr) {
      settle(ledger);
      if (run.pending.load(std::memory_order_acquire) == 0) break;
      // A private deque holds every unfinished task of its run, so it is never empty here.
      if (!private_deque) task = find_work(mine, &run, rng);
    }
    if (task != nullptr) execute(task, mine, ledger);
  }
  if (!private_deque) {
    // Tasks of other runs this thread took on and whose successors it pushed: run them before
    // handing the deque back, so no run waits on a deque nobody owns.
    while (Slot* task = mine.pop()) execute(task, mine, ledger);
    settle(ledger);
    caller_slot_taken[slot].store(false, std::memory_order_release);
  }
}

Executor::Executor(unsigned workers) : impl_(std::make_unique<Impl>(workers)) {}
Executor::~Executor() = default;

unsigned Executor::workers() const noexcept { return impl_->workers; }

Status Executor::run(Dag& dag) {
  detail::DagGraph& graph = *dag.graph_;
  if (graph.busy.exchange(true, std::memory_order_acquire)) {
    return fail(ErrorCode::kFailedPrecondition, "JOB_DAG_BUSY",
                "the DAG is being run already; a DAG runs once at a time");
  }
  struct Unbusy {
    std::atomic<bool>& busy;
    ~Unbusy() { busy.store(false, std::memory_order_release); }
  } unbusy{graph.busy};

  CAIRN_TRY(graph.prepare());
  if (graph.sources.empty()) return ok_status();  // an empty Dag (a cyclic one failed above)
  detail::RunState& run = graph.run;
  run.pending.store(static_cast<int64_t>(graph.sources.size()), std::memory_order_relaxed);
  run.cancelled.store(false, std::memory_order_relaxed);
  run.error.clear();
  impl_->run(run, graph.sources);
  if (run.cancelled.load(std::memory_order_acquire)) {
    graph.counters_dirty = true;
    std::lock_guard lock(run.error_mu);
    return fail(ErrorCode::kInternal, "JOB_TASK_FAILED", run.error);
  }
  return ok_status();
}

}  // namespace cairn::jobs
