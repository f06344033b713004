// The JobStore rules both backends apply the same way (see jobs/store.hpp).
#pragma once

#include <string>

#include "cairn/core/result.hpp"
#include "cairn/jobs/store.hpp"

namespace cairn::storage::internal {

// The state a run ends in, once the task's pending requests are applied to the scheduler's
// decision: a requested rerun (a keyed enqueue acknowledged during the run) always runs; then a
// requested cancel wins.
struct SettledState {
  jobs::TaskState state;
  bool rerun;  // pending because of rerun_requested: run_at is now, failures reset
};

inline SettledState settled_state(bool cancel_requested, bool rerun_requested,
                                  jobs::Settlement::Outcome outcome) {
  using Outcome = jobs::Settlement::Outcome;
  if (rerun_requested) return {jobs::TaskState::kPending, true};
  if (cancel_requested || outcome == Outcome::kCancelled) {
    return {jobs::TaskState::kCancelled, false};
  }
  switch (outcome) {
    case Outcome::kDone:
      return {jobs::TaskState::kDone, false};
    case Outcome::kFailed:
      return {jobs::TaskState::kFailed, false};
    default:
      return {jobs::TaskState::kPending, false};
  }
}

// An entry of Task::errors: "CODE REASON: message".
inline std::string recorded_error(std::string_view code, std::string_view reason,
                                  std::string_view message) {
  std::string out(code);
  out += ' ';
  out += reason;
  out += ": ";
  out += message;
  return out;
}

// The error recorded on a task cancelled because dependency `dep` failed or was cancelled.
inline std::string dependency_failed_error(int64_t dep) {
  return recorded_error("CANCELLED", "JOB_DEPENDENCY_FAILED",
                        "dependency " + std::to_string(dep) + " failed or was cancelled");
}

// The error recorded on a task cancelled before or during a run by cancel().
inline std::string cancelled_error() {
  return recorded_error("CANCELLED", "JOB_CANCELLED", "cancelled");
}

inline Unexpected<Error> task_not_found(int64_t id) {
  return fail(ErrorCode::kNotFound, "JOB_TASK_NOT_FOUND", "no task with id " + std::to_string(id));
}

inline Unexpected<Error> lease_lost(int64_t id) {
  return fail(ErrorCode::kFailedPrecondition, "JOB_LEASE_LOST",
              "task " + std::to_string(id) +
                  " is no longer this worker's run (its lease expired, or it was settled)");
}

inline Unexpected<Error> dependency_cycle(int64_t id) {
  return fail(ErrorCode::kInvalidArgument, "JOB_DEPENDENCY_CYCLE",
              "task " + std::to_string(id) + " would depend on itself");
}

inline Unexpected<Error> key_conflict() {
  return fail(ErrorCode::kInvalidArgument, "JOB_KEY_CONFLICT",
              "the key belongs to a pending or running task of another kind");
}

inline Unexpected<Error> cron_with_dependents(int64_t id) {
  return fail(ErrorCode::kInvalidArgument, "JOB_DEPENDENCY_INVALID",
              "task " + std::to_string(id) +
                  " has dependents, so it cannot become a cron task (which never ends)");
}

inline Unexpected<Error> depends_on_cron(int64_t dep) {
  return fail(ErrorCode::kInvalidArgument, "JOB_DEPENDENCY_INVALID",
              "task " + std::to_string(dep) +
                  " is a cron task, which never ends: nothing can depend on it");
}

}  // namespace cairn::storage::internal
