// The C ABI of cairn::jobs: cron schedules and retry backoff.
#include <chrono>

#include "cairn/jobs/cron.hpp"
#include "cairn/jobs/retry.hpp"
#include "common.hpp"

using cairn::capi::from_status;
using cairn::capi::guard;
using cairn::capi::null_argument;
using cairn::capi::set_ok;
namespace jobs = cairn::jobs;

cairn_status cairn_cron_next(int64_t* out_micros, const char* expression, int64_t after_micros,
                             int32_t utc_offset_minutes) {
  return guard([&] {
    if (out_micros == nullptr) return null_argument("out_micros");
    *out_micros = 0;
    if (expression == nullptr) return null_argument("expression");
    auto cron = jobs::CronSchedule::parse(expression);
    if (!cron) return from_status(cairn::fail(cron.error()));
    *out_micros = cairn::to_unix_micros(cron->next_after(cairn::from_unix_micros(after_micros),
                                                         std::chrono::minutes(utc_offset_minutes)));
    return set_ok();
  });
}

cairn_status cairn_retry_backoff_ms(int64_t* out_ms, int64_t min_delay_ms, int64_t max_delay_ms,
                                    int32_t attempts, int jitter, int32_t attempt) {
  return guard([&] {
    if (out_ms == nullptr) return null_argument("out_ms");
    *out_ms = 0;
    jobs::RetryPolicy policy{std::chrono::milliseconds(min_delay_ms),
                             std::chrono::milliseconds(max_delay_ms), attempts, jitter != 0};
    cairn::Status valid = jobs::check_retry_policy(policy);
    if (!valid) return from_status(valid);
    *out_ms = (jitter != 0 ? jobs::backoff(policy, attempt, cairn::Env::system())
                           : jobs::backoff(policy, attempt))
                  .count();
    return set_ok();
  });
}
