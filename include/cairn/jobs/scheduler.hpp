// The persistent task scheduler: engine.jobs().
//
// Example:
//   jobs::Scheduler& jobs = engine.jobs();
//   CAIRN_TRY(jobs.register_kind("thumbnail", [](jobs::TaskContext& task) -> Result<std::string> {
//     return "thumbs/" + task.input();  // or an Error: it fails the run; its code decides retries
//   }));
//   jobs::EnqueueOptions options;
//   options.input = R"({"file":"f1~..."})";
//   options.retry = jobs::RetryPolicy{std::chrono::seconds(10), std::chrono::minutes(10), 5};
//   CAIRN_ASSIGN_OR_RETURN(int64_t id, jobs.enqueue("thumbnail", options));
//   CAIRN_TRY(jobs.start());      // worker threads: 1 high, 2 medium, 1 low
//   CAIRN_ASSIGN_OR_RETURN(jobs::Task done, jobs.wait(id, std::chrono::seconds(30)));
//   jobs::TaskFilter failed;       // list() pages through tasks, counts() counts them
//   failed.kind = "thumbnail";
//   failed.state = jobs::ListState::kFailed;
//   CAIRN_ASSIGN_OR_RETURN(jobs::TaskPage page, jobs.list(failed, 50));
//   CAIRN_ASSIGN_OR_RETURN(jobs::TaskCounts counts, jobs.counts());
//   use(done, page.items, page.next_cursor, counts.lease_expired);
//
// Tasks live in the engine's database, so pending work resumes after a restart with every
// property it was given (retry policy included). Running tasks hold a lease that their worker
// renews while they run; when a worker dies its lease runs out and the task is rescued: the lost
// run counts as a failed attempt (UNAVAILABLE / JOB_LEASE_EXPIRED) and the task runs again if it
// has attempts left. A task without a retry policy gets kRescueAttempts runs before a lost lease
// fails it, so a handler that crashes its process cannot loop forever.
//
// Several processes may share one SQLite file: each claims tasks atomically, so no task runs
// twice at once, and a dedup key never has two concurrent runs.
//
// Failures: a handler's Error with a non-retryable code (INVALID_ARGUMENT, NOT_FOUND,
// ALREADY_EXISTS, PERMISSION_DENIED, FAILED_PRECONDITION, OUT_OF_RANGE, UNIMPLEMENTED,
// UNAUTHENTICATED) fails the task at once; any other is retried under the task's policy. Every
// failed run's error is kept. A cron task that fails stays scheduled for its next time.
// Finished tasks stay, with their output and errors, until purge_finished() deletes them.
//
// Delays, timeouts and waits are at most 100 years (longer: JOB_OPTIONS_INVALID; wait() clamps).
// Kinds, keys, inputs and outputs are UTF-8 text; a handler output that is not fails the run with
// INVALID_ARGUMENT / JOB_OUTPUT_INVALID.
//
// Thread-safety: every method is safe for concurrent use. Handlers run on worker threads (after
// start()) or on the thread calling run_pending(); event callbacks run on the thread that made
// the change and must not call back into the scheduler's wait().
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/core/env.hpp"
#include "cairn/core/result.hpp"
#include "cairn/jobs/retry.hpp"
#include "cairn/jobs/store.hpp"
#include "cairn/jobs/task.hpp"

namespace cairn::jobs {

// Runs of a task without a retry policy before a lost lease fails it.
inline constexpr int32_t kRescueAttempts = 3;

// Tasks purge_finished() deletes per store transaction.
inline constexpr int32_t kPurgeBatch = 1000;

struct SchedulerOptions {
  // How long a claimed task stays leased without renewal. Running workers renew at a third of it;
  // a crashed worker's tasks are rescued this long after its last renewal.
  std::chrono::milliseconds lease{std::chrono::seconds(30)};
  // How often idle workers look for work that other processes enqueued (work enqueued in this
  // process wakes them at once).
  std::chrono::milliseconds poll_interval{std::chrono::milliseconds(250)};
  // This process's worker name in leases; empty: "w-" and 16 random hex characters.
  std::string worker_id;
};

// Worker threads per tier. High threads run only high tasks, medium threads high then medium,
// low threads any. Cloudillo's default: 1 / 2 / 1.
struct WorkerCounts {
  int32_t high = 1;
  int32_t medium = 2;
  int32_t low = 1;
};

struct EnqueueOptions {
  std::string input;
  // A dedup key: enqueueing with the key of a pending task updates it in place (same id); with
  // the key of a running task, it runs once more, with the new values, when the current run ends.
  std::string key;
  // When to run: run_at, or now + delay, or now (they are exclusive).
  std::optional<Timestamp> run_at;
  std::optional<std::chrono::milliseconds> delay;
  // Tasks that must end first. A dependency that fails or is cancelled cancels this task, or with
  // DependencyFailure::kRun lets it run anyway.
  std::vector<int64_t> depends_on;
  DependencyFailure on_dependency_failure = DependencyFailure::kCancel;
  Priority priority = Priority::kMedium;
  std::optional<RetryPolicy> retry;
  // A 5-field cron expression (jobs/cron.hpp): the task recurs, first at the next matching minute
  // (or at run_at / delay when given), read at UTC + cron_utc_offset.
  std::string cron;
  std::chrono::minutes cron_utc_offset{0};
  // How long a run may take: after it, TaskContext::cancelled() is true, and a run that ends late
  // fails with DEADLINE_EXCEEDED / JOB_TIMEOUT (retryable). 0: no limit.
  std::chrono::milliseconds timeout{0};
};

// What a handler sees of the task it runs.
class TaskContext {
 public:
  TaskContext(const Task& task, Env& env, std::shared_ptr<std::atomic<bool>> cancel_flag);

  int64_t id() const noexcept { return id_; }
  const std::string& kind() const noexcept { return kind_; }
  const std::string& input() const noexcept { return input_; }
  // 1 for the first run.
  int32_t attempt() const noexcept { return attempt_; }
  // True once the task was cancelled or its timeout passed: the handler should stop and return
  // (any result is then discarded).
  bool cancelled() const;
  // The run's deadline, when the task has a timeout.
  std::optional<Timestamp> deadline() const noexcept { return deadline_; }

 private:
  int64_t id_;
  std::string kind_;
  std::string input_;
  int32_t attempt_;
  std::optional<Timestamp> deadline_;
  Env* env_;
  std::shared_ptr<std::atomic<bool>> cancel_flag_;
};

// Returns the output string, or an Error to fail the run.
using TaskHandler = std::function<Result<std::string>(TaskContext&)>;

struct KindOptions {
  // Running tasks of this kind at most, across every process on the database; 0: no limit.
  int32_t max_concurrency = 0;
};

enum class TaskEventType { kQueued, kStarted, kRetrying, kDone, kFailed, kCancelled };

// "queued", "started", "retrying", "done", "failed", "cancelled".
std::string_view to_string(TaskEventType type) noexcept;

struct TaskEvent {
  TaskEventType type = TaskEventType::kQueued;
  int64_t task_id = 0;
  std::string kind;
  int32_t attempt = 0;  // the run it concerns (0 for kQueued)
  std::string error;    // kRetrying, kFailed, and kCancelled when a dependency failed
  Timestamp at;
};

using EventCallback = std::function<void(const TaskEvent&)>;

// Tasks list() returns per page: at most kMaxListLimit, kDefaultListLimit unless asked.
inline constexpr int32_t kDefaultListLimit = 100;
inline constexpr int32_t kMaxListLimit = 1000;

// Which tasks list() returns; every field given must match.
struct TaskFilter {
  std::optional<std::string> kind;        // exact
  std::optional<ListState> state;         // a state or a refinement of one (see ListState)
  std::optional<std::string> key_prefix;  // bytes the dedup key starts with ('%' and '_' too)
};

// A page of list(): tasks in ascending id order, and the cursor of the next page (empty when
// there was no further matching task when the page was read).
struct TaskPage {
  std::vector<Task> items;
  std::string next_cursor;
};

class Scheduler {
 public:
  // `store` and `env` are borrowed and must outlive the scheduler. Errors: INVALID_ARGUMENT /
  // JOB_OPTIONS_INVALID (lease or poll_interval not positive).
  static Result<std::unique_ptr<Scheduler>> create(JobStore& store, Env& env,
                                                   SchedulerOptions options = {});
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;
  // Stops the workers (see stop()).
  ~Scheduler();

  // Registers (or replaces) the handler for `kind`: only registered kinds are claimed by this
  // process. Errors: INVALID_ARGUMENT / JOB_KIND_INVALID (empty, over 128 bytes, or control
  // characters); INVALID_ARGUMENT / JOB_OPTIONS_INVALID (negative max_concurrency).
  Status register_kind(std::string_view kind, TaskHandler handler, KindOptions options = {});

  // Adds a task (or updates the pending or running one with the same key) and returns its id.
  // The kind need not be registered here: another process may run it. Errors: INVALID_ARGUMENT /
  // JOB_KIND_INVALID, JOB_OPTIONS_INVALID (run_at with delay, a negative delay or timeout, an
  // unknown dependency id form), JOB_RETRY_POLICY_INVALID, JOB_CRON_INVALID,
  // JOB_DEPENDENCY_CYCLE, JOB_DEPENDENCY_INVALID; NOT_FOUND / JOB_TASK_NOT_FOUND (a dependency).
  Result<int64_t> enqueue(std::string_view kind, const EnqueueOptions& options = {});

  // Errors: NOT_FOUND / JOB_TASK_NOT_FOUND.
  Result<Task> get(int64_t id);

  // Cancels a pending task at once, or asks a running one to stop (TaskContext::cancelled()); a
  // finished task stays as it is. Returns the state afterwards (kRunning: cancellation is
  // pending). Errors: NOT_FOUND / JOB_TASK_NOT_FOUND.
  Result<TaskState> cancel(int64_t id);

  // Waits until the task is done, failed or cancelled, or `timeout` passes, and returns it as it
  // is then (check .state). Errors: NOT_FOUND / JOB_TASK_NOT_FOUND.
  Result<Task> wait(int64_t id, std::chrono::milliseconds timeout);

  // Deletes finished tasks (done, failed or cancelled) of `kind` (empty: of any kind) whose last
  // change is more than `older_than` before now, with their errors, and returns how many it
  // deleted; get() and wait() then answer JOB_TASK_NOT_FOUND for them. A task that a pending or
  // running task depends on stays until that task has ended; pending and running tasks, cron
  // tasks among them, are never deleted, nor is the newest task (ids are never reused). Works in
  // batches of kPurgeBatch tasks, one transaction each, so other work is not held up; a failure
  // leaves earlier batches deleted. Errors:
  // INVALID_ARGUMENT / JOB_PURGE_INVALID (older_than negative or over 100 years),
  // JOB_KIND_INVALID; UNAVAILABLE / STORAGE_BUSY.
  Result<int64_t> purge_finished(std::chrono::milliseconds older_than, std::string_view kind = {});

  // Up to `limit` tasks matching `filter`, in ascending id order, starting after the task that
  // ended the page `cursor` came with (empty: from the first). Walking the pages to the end sees
  // every task that matched throughout, once: ids only grow, so tasks added meanwhile come on
  // later pages, never between visited ones; a task whose state changes during the walk is seen
  // at most once. The cursor is opaque text, valid only with the filter it was made for.
  // Errors: INVALID_ARGUMENT / JOB_LIST_INVALID (limit outside 1..kMaxListLimit, a key prefix
  // over 256 bytes or not UTF-8), JOB_KIND_INVALID, JOB_CURSOR_INVALID (malformed, or made for
  // another filter); UNAVAILABLE / STORAGE_BUSY.
  Result<TaskPage> list(const TaskFilter& filter = {}, int32_t limit = kDefaultListLimit,
                        std::string_view cursor = {});

  // How many tasks are in each ListState now (pending counts scheduled and blocked ones too;
  // running counts lease_expired ones). A lease_expired task's worker stopped renewing it: the
  // keeper (or run_pending) rescues it on its next pass. Errors: UNAVAILABLE / STORAGE_BUSY.
  Result<TaskCounts> counts();

  // Runs due tasks of the registered kinds on the calling thread, one after another, until none
  // is due or `max_tasks` ran; returns how many ran. Rescues expired leases first. For tests and
  // scripts; leases are not renewed meanwhile.
  Result<int32_t> run_pending(std::optional<int32_t> max_tasks = std::nullopt);

  // Starts the worker threads and a keeper thread (lease renewal, rescue of expired leases).
  // Errors: FAILED_PRECONDITION / JOB_SCHEDULER_RUNNING; INVALID_ARGUMENT / JOB_OPTIONS_INVALID
  // (a negative count, none at all, or more than 256 in all).
  Status start(WorkerCounts workers = {});
  // Stops taking new tasks, lets running handlers finish their runs, and joins the threads.
  // Idempotent. Called from a handler or an event callback on a worker thread, it only asks the
  // workers to stop: a later stop() (or the destructor) from another thread joins them. Never
  // destroy the scheduler (close the engine) from one of its own threads.
  void stop();
  bool running() const noexcept;
  // True on one of this scheduler's worker or keeper threads.
  bool on_worker_thread() const;

  // Calls `callback` on every state change this process makes or observes. Returns an id for
  // unsubscribe(); a delivery already under way on another thread may still finish after it.
  uint64_t subscribe(EventCallback callback);
  void unsubscribe(uint64_t subscription);

  // This process's worker name in leases.
  const std::string& worker_id() const noexcept;

 private:
  struct State;
  explicit Scheduler(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace cairn::jobs
