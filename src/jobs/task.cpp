#include "cairn/jobs/task.hpp"

#include <array>
#include <utility>

namespace cairn::jobs {
namespace {

constexpr std::array<std::pair<TaskState, std::string_view>, 5> kStates{{
    {TaskState::kPending, "pending"},
    {TaskState::kRunning, "running"},
    {TaskState::kDone, "done"},
    {TaskState::kFailed, "failed"},
    {TaskState::kCancelled, "cancelled"},
}};
constexpr std::array<std::string_view, 3> kPriorities{"high", "medium", "low"};

}  // namespace

std::string_view to_string(TaskState state) noexcept {
  for (const auto& [value, name] : kStates) {
    if (value == state) return name;
  }
  return "unknown";
}

Result<TaskState> parse_task_state(std::string_view text) {
  for (const auto& [value, name] : kStates) {
    if (name == text) return value;
  }
  return fail(ErrorCode::kInvalidArgument, "JOB_STATE_INVALID",
              "unknown task state (expected pending, running, done, failed or cancelled)");
}

std::string_view to_string(Priority priority) noexcept {
  auto index = static_cast<std::size_t>(priority);
  return index < kPriorities.size() ? kPriorities[index] : "unknown";
}

Result<Priority> parse_priority(std::string_view text) {
  for (std::size_t i = 0; i < kPriorities.size(); ++i) {
    if (kPriorities[i] == text) return static_cast<Priority>(i);
  }
  return fail(ErrorCode::kInvalidArgument, "JOB_PRIORITY_INVALID",
              "unknown priority (expected high, medium or low)");
}

std::string_view to_string(DependencyFailure policy) noexcept {
  return policy == DependencyFailure::kRun ? "run" : "cancel";
}

Result<DependencyFailure> parse_dependency_failure(std::string_view text) {
  if (text == "cancel") return DependencyFailure::kCancel;
  if (text == "run") return DependencyFailure::kRun;
  return fail(ErrorCode::kInvalidArgument, "JOB_OPTIONS_INVALID",
              "unknown on_dependency_failure (expected cancel or run)");
}

}  // namespace cairn::jobs
