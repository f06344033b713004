// cairn._core.jobs: cron schedules and retry backoff (the job scheduler's first parts).
#include <cmath>

#include "cairn/jobs/cron.hpp"
#include "cairn/jobs/retry.hpp"
#include "common.hpp"
#include "engine.hpp"

namespace cairn::python {
namespace {

jobs::RetryPolicy policy_of(double min_delay, double max_delay, int32_t attempts, bool jitter) {
  auto millis = [](double seconds, const char* name) {
    if (!std::isfinite(seconds) || seconds < 0 || seconds > 1e10) {
      throw ErrorException{{ErrorCode::kInvalidArgument, "JOB_RETRY_POLICY_INVALID",
                            std::string(name) + " must be a number of seconds from 0 to 30 days"}};
    }
    return std::chrono::milliseconds(std::llround(seconds * 1000.0));
  };
  jobs::RetryPolicy policy{millis(min_delay, "min_delay"), millis(max_delay, "max_delay"), attempts,
                           jitter};
  unwrap(jobs::check_retry_policy(policy));
  return policy;
}

}  // namespace

void bind_jobs(py::module_& m) {
  py::module_ jobs = m.def_submodule("jobs", "Cron schedules and retry backoff.");
  jobs.def(
      "cron_next",
      [](const std::string& expression, int64_t after_micros, int32_t offset_minutes) {
        auto cron = unwrap(jobs::CronSchedule::parse(expression));
        return to_unix_micros(
            cron.next_after(from_unix_micros(after_micros), std::chrono::minutes(offset_minutes)));
      },
      py::arg("expression"), py::arg("after_micros"), py::arg("offset_minutes") = 0,
      "The first whole minute strictly after `after_micros` (unix microseconds) that matches the "
      "5-field cron expression, read at UTC+offset_minutes; unix microseconds. Raises "
      "InvalidArgumentError (JOB_CRON_INVALID).");
  jobs.def(
      "check_cron",
      [](const std::string& expression) { unwrap(jobs::CronSchedule::parse(expression)); },
      py::arg("expression"),
      "Raises InvalidArgumentError (JOB_CRON_INVALID) for a bad expression.");
  jobs.def(
      "check_retry_policy",
      [](double min_delay, double max_delay, int32_t attempts, bool jitter) {
        (void)policy_of(min_delay, max_delay, attempts, jitter);
      },
      py::arg("min_delay"), py::arg("max_delay"), py::arg("attempts"), py::arg("jitter"),
      "Raises InvalidArgumentError (JOB_RETRY_POLICY_INVALID) for a bad policy.");
  jobs.def(
      "backoff",
      [](double min_delay, double max_delay, int32_t attempts, bool jitter, int32_t attempt) {
        jobs::RetryPolicy policy = policy_of(min_delay, max_delay, attempts, jitter);
        auto delay =
            jitter ? jobs::backoff(policy, attempt, Env::system()) : jobs::backoff(policy, attempt);
        return static_cast<double>(delay.count()) / 1000.0;
      },
      py::arg("min_delay"), py::arg("max_delay"), py::arg("attempts"), py::arg("jitter"),
      py::arg("attempt"), "The delay in seconds before retry number `attempt` (0-based).");
}

}  // namespace cairn::python
