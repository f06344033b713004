// Persistent tasks: what the scheduler stores about each one.
//
// A task is one unit of work of a registered kind, with a string input (JSON by convention). It
// moves through these states:
//
//   pending --claim--> running --done--> done
//      ^                  |   --fails, attempts left--> pending (retrying, at now + backoff)
//      |                  |   --fails, none left------> failed   (a cron task: pending again)
//      +---- cron, rerun -+   --cancelled-------------> cancelled
//
// done, failed and cancelled are terminal. A cron task never ends by itself: after every run,
// successful or not, it is pending again at its next time.
//
// Thread-safety: plain values.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/core/env.hpp"
#include "cairn/core/result.hpp"
#include "cairn/jobs/retry.hpp"

namespace cairn::jobs {

enum class TaskState { kPending, kRunning, kDone, kFailed, kCancelled };

// "pending", "running", "done", "failed", "cancelled".
std::string_view to_string(TaskState state) noexcept;
// Errors: INVALID_ARGUMENT / JOB_STATE_INVALID.
Result<TaskState> parse_task_state(std::string_view text);
// done, failed or cancelled.
inline bool is_terminal(TaskState state) noexcept {
  return state == TaskState::kDone || state == TaskState::kFailed || state == TaskState::kCancelled;
}

// High work never waits behind low work: workers take the highest priority that is due first.
enum class Priority { kHigh = 0, kMedium = 1, kLow = 2 };

// "high", "medium", "low".
std::string_view to_string(Priority priority) noexcept;
// Errors: INVALID_ARGUMENT / JOB_PRIORITY_INVALID.
Result<Priority> parse_priority(std::string_view text);

// What happens to a task when one of its dependencies fails or is cancelled.
enum class DependencyFailure {
  kCancel,  // the task is cancelled too (and so, in turn, are its own dependents that cancel)
  kRun,     // the task runs anyway once every dependency has ended (Cloudillo's behaviour)
};

// "cancel", "run".
std::string_view to_string(DependencyFailure policy) noexcept;
// Errors: INVALID_ARGUMENT / JOB_OPTIONS_INVALID.
Result<DependencyFailure> parse_dependency_failure(std::string_view text);

struct Task {
  int64_t id = 0;
  std::string kind;
  std::string input;
  std::string key;  // the dedup key; empty when none
  TaskState state = TaskState::kPending;
  Priority priority = Priority::kMedium;
  // Pending: when it is due. Running: when the current run was claimed. Terminal: its last value.
  Timestamp run_at;
  Timestamp created_at;
  Timestamp updated_at;
  std::optional<RetryPolicy> retry;  // none: the first failure is final
  std::string cron;                  // empty: a one-shot task
  std::chrono::minutes cron_utc_offset{0};
  std::chrono::milliseconds timeout{0};  // 0: none
  DependencyFailure on_dependency_failure = DependencyFailure::kCancel;
  std::vector<int64_t> depends_on;  // ascending
  int32_t attempts = 0;             // runs started, over the task's whole life
  int32_t failures = 0;             // failed runs since the last success or cron occurrence
  std::string output;               // of the last successful run
  std::vector<std::string> errors;  // one per failed run, oldest first: "CODE REASON: message"
  std::string worker;               // who holds the lease while running
  Timestamp lease_expires;
  bool cancel_requested = false;  // running: the handler should stop
  bool rerun_requested = false;   // running: run once more when this run ends (keyed enqueue)
};

}  // namespace cairn::jobs
