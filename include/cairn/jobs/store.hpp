// JobStore: where the scheduler keeps its tasks. Implemented for memory: and sqlite:
// (src/storage/*/jobs_store.*).
//
// Every method is one atomic step, safe to call from many threads and, on SQLite, from many
// processes on one file: claim() hands a due task to exactly one worker, under a lease, and only
// that worker's settle() for that attempt is accepted. The contract maps onto PostgreSQL as
// `SELECT ... FOR UPDATE SKIP LOCKED` for claim() and a conditional UPDATE for settle().
//
// The store applies the graph rules: a pending task is due when run_at <= now and none of its
// dependencies is pending or running; when a task fails or is cancelled, every pending dependent
// that asked to be cancelled (DependencyFailure::kCancel) is cancelled with it, transitively.
// Times and retry decisions come from the caller (the Scheduler), never from the store.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/core/result.hpp"
#include "cairn/jobs/task.hpp"

namespace cairn::jobs {

// A task to add, or (with a key that a pending or running task has) the new values of that task.
struct NewTask {
  std::string kind;
  std::string input;
  std::string key;
  Priority priority = Priority::kMedium;
  Timestamp run_at;
  std::optional<RetryPolicy> retry;
  std::string cron;
  std::chrono::minutes cron_utc_offset{0};
  std::chrono::milliseconds timeout{0};
  DependencyFailure on_dependency_failure = DependencyFailure::kCancel;
  std::vector<int64_t> depends_on;  // ascending, without duplicates
  Timestamp now;
};

struct EnqueueOutcome {
  int64_t id = 0;
  bool created = false;                   // false: a keyed task was updated in place
  TaskState state = TaskState::kPending;  // kCancelled: a dependency had already failed
};

struct ClaimRequest {
  std::string worker;
  Timestamp now;
  Timestamp lease_expires;
  uint32_t priorities = 0b111;     // bit (1 << Priority): the priorities this worker serves
  std::vector<std::string> kinds;  // the kinds it can run
  // Kinds with a cap on running tasks (across every process); a kind at its cap is skipped.
  std::map<std::string, int32_t, std::less<>> kind_limits;
};

// How a run ended, as the scheduler decided.
struct Settlement {
  enum class Outcome {
    kDone,        // success: done
    kReschedule,  // a cron task's run ended (either way): pending at next_run, failures reset
    kRetry,       // failed with attempts left: pending at next_run
    kFailed,      // failed for good
    kCancelled,   // the handler stopped because it was cancelled
  };
  Outcome outcome = Outcome::kDone;
  std::string output;  // kDone and a successful kReschedule
  std::string error;   // every outcome but kDone: appended to the task's errors when not empty
  Timestamp next_run;
  Timestamp now;
  // A rescue of a run whose worker stopped renewing: applied only while the lease is still
  // expired at `now` (a worker that renewed in between keeps its run).
  bool rescue = false;
};

// A lease renew() extended.
struct Renewal {
  int64_t id = 0;
  bool cancel_requested = false;
};

// What settle() and cancel() changed.
struct Transition {
  Task task;                       // the task afterwards
  std::vector<int64_t> cancelled;  // dependents cancelled with it, in no particular order
  bool changed = false;            // cancel(): false when the task had already finished
};

// What list() selects and counts() counts: the five task states, and three refinements of them
// that depend on the time (`now`) and on other tasks. A refinement is counted in its state too.
enum class ListState {
  kPending,       // every pending task (scheduled and blocked ones included)
  kScheduled,     // pending, not blocked, run_at after now
  kBlocked,       // pending, with a dependency that is pending or running
  kRunning,       // every running task (lease_expired ones included)
  kLeaseExpired,  // running, its lease ended before now: the worker stopped renewing it
  kDone,
  kFailed,
  kCancelled,
};

// Every ListState, in the order above.
inline constexpr std::array<ListState, 8> kListStates{
    ListState::kPending,      ListState::kScheduled, ListState::kBlocked, ListState::kRunning,
    ListState::kLeaseExpired, ListState::kDone,      ListState::kFailed,  ListState::kCancelled};

// "pending", "scheduled", "blocked", "running", "lease_expired", "done", "failed", "cancelled".
std::string_view to_string(ListState state) noexcept;
// Errors: INVALID_ARGUMENT / JOB_STATE_INVALID.
Result<ListState> parse_list_state(std::string_view text);

// The tasks in each ListState at one moment (one snapshot of the store).
struct TaskCounts {
  int64_t pending = 0;
  int64_t scheduled = 0;
  int64_t blocked = 0;
  int64_t running = 0;
  int64_t lease_expired = 0;
  int64_t done = 0;
  int64_t failed = 0;
  int64_t cancelled = 0;

  // The count of `state`.
  int64_t of(ListState state) const noexcept;
};

// One page of list(): tasks with an id above after_id that match every filter given, in id order.
struct TaskQuery {
  std::string kind;                // exact; empty: any
  std::optional<ListState> state;  // none: any
  std::string key_prefix;          // bytes the key starts with, taken literally; empty: any
  int64_t after_id = 0;
  int32_t limit = 100;  // > 0
  Timestamp now;        // for kScheduled and kLeaseExpired
};

class JobStore {
 public:
  virtual ~JobStore() = default;

  // Adds `task`, or updates the pending or running task with its key in place (a running one is
  // marked rerun_requested: it runs once more, with the new values, however the current run
  // ends). A task whose dependency already failed or was cancelled starts cancelled when it asked
  // to be. Errors: NOT_FOUND / JOB_TASK_NOT_FOUND (a dependency does not exist); INVALID_ARGUMENT /
  // JOB_DEPENDENCY_CYCLE (the keyed task would depend on itself); INVALID_ARGUMENT /
  // JOB_DEPENDENCY_INVALID (a dependency is a cron task, which never ends, or the keyed task has
  // dependents and would become one); INVALID_ARGUMENT / JOB_KEY_CONFLICT (the key belongs to a
  // live task of another kind); UNAVAILABLE / STORAGE_BUSY.
  virtual Result<EnqueueOutcome> enqueue(const NewTask& task) = 0;

  virtual Result<std::optional<Task>> get(int64_t id) = 0;

  // Claims the first due task this worker may run, ordered by priority, then run_at, then id:
  // it becomes running, attempts + 1, leased to request.worker until request.lease_expires.
  virtual Result<std::optional<Task>> claim(const ClaimRequest& request) = 0;

  // Ends the run `attempt` of task `id` that `worker` holds. A pending rerun (keyed enqueue
  // during the run) turns any outcome into pending at `now`; otherwise a pending cancel turns any
  // outcome into kCancelled.
  // Errors: NOT_FOUND / JOB_TASK_NOT_FOUND; FAILED_PRECONDITION / JOB_LEASE_LOST (the task is no
  // longer that worker's run: its lease expired and it was rescued, or it was settled already).
  virtual Result<Transition> settle(int64_t id, std::string_view worker, int32_t attempt,
                                    const Settlement& settlement) = 0;

  // Cancels a pending task (and its cancelling dependents) at once; marks a running one
  // cancel_requested (and drops a requested rerun); leaves a finished one as it is. Errors:
  // NOT_FOUND / JOB_TASK_NOT_FOUND.
  virtual Result<Transition> cancel(int64_t id, Timestamp now) = 0;

  // Extends to `lease_expires` the leases `worker` still holds, unexpired at `now`, on the runs
  // (task id, attempt) in `runs`; returns those it extended. A run missing from the result has
  // lost its lease (it may be rescued and run elsewhere) and should stop.
  virtual Result<std::vector<Renewal>> renew(std::string_view worker,
                                             const std::vector<std::pair<int64_t, int32_t>>& runs,
                                             Timestamp now, Timestamp lease_expires) = 0;

  // Running tasks whose lease ended before `now`: their workers stopped (crashed or hung).
  virtual Result<std::vector<Task>> expired(Timestamp now, int32_t limit) = 0;

  // The earliest run_at among pending tasks of these kinds and priorities (dependencies
  // ignored), for sleeping until work may be due.
  virtual Result<std::optional<Timestamp>> next_run_at(uint32_t priorities,
                                                       const std::vector<std::string>& kinds) = 0;

  // Deletes up to `limit` finished tasks (done, failed or cancelled) of `kind` (empty: of any
  // kind) whose last update (updated_at) is before `finished_before`, oldest first (then by id),
  // with their errors and dependency links, in one atomic step; returns how many it deleted.
  // A task that a pending or running task depends on is kept until that task has ended too, and
  // so is the task with the highest id, so that no id is ever handed out twice (SQLite gives a
  // new row the highest id + 1). A finished task that stays loses deleted ids from its
  // depends_on. Errors: UNAVAILABLE / STORAGE_BUSY.
  virtual Result<int64_t> purge_finished(Timestamp finished_before, std::string_view kind,
                                         int32_t limit) = 0;

  // Up to query.limit tasks matching `query`, with their dependencies and errors, ids ascending,
  // read from one snapshot. Errors: UNAVAILABLE / STORAGE_BUSY.
  virtual Result<std::vector<Task>> list(const TaskQuery& query) = 0;

  // The tasks in each ListState at `now`, from one snapshot. Errors: UNAVAILABLE / STORAGE_BUSY.
  virtual Result<TaskCounts> counts(Timestamp now) = 0;
};

}  // namespace cairn::jobs
