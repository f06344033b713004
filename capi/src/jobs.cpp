// The C ABI of cairn::jobs: cron schedules, retry backoff and the in-memory DAG executor.
#include <chrono>
#include <memory>

#include "cairn/jobs/cron.hpp"
#include "cairn/jobs/dag.hpp"
#include "cairn/jobs/retry.hpp"
#include "entry_point.hpp"

using cairn::capi::entry;
using cairn::capi::none;
using cairn::capi::set_ok;
namespace jobs = cairn::jobs;

cairn_status cairn_jobs_cron_next(int64_t* out_micros, const char* expression, int64_t after_micros,
                                  int32_t utc_offset_minutes) {
  return entry(CAIRN_CAPI_OUT(out_micros), CAIRN_CAPI_IN(expression), [&] {
    return cairn::capi::put(
        out_micros, jobs::CronSchedule::parse(expression), [&](const jobs::CronSchedule& cron) {
          return cairn::to_unix_micros(cron.next_after(cairn::from_unix_micros(after_micros),
                                                       std::chrono::minutes(utc_offset_minutes)));
        });
  });
}

cairn_status cairn_jobs_retry_backoff_ms(int64_t* out_ms, const cairn_jobs_retry_policy* policy,
                                         int32_t attempt) {
  return entry(CAIRN_CAPI_OUT(out_ms), CAIRN_CAPI_IN(policy), [&]() -> cairn::Status {
    if (policy->version < 1 || policy->version > CAIRN_JOBS_RETRY_POLICY_VERSION) {
      return cairn::fail(cairn::ErrorCode::kInvalidArgument, "CAPI_OPTIONS_VERSION_UNSUPPORTED",
                         "unknown cairn_jobs_retry_policy version");
    }
    jobs::RetryPolicy p{std::chrono::milliseconds(policy->min_delay_ms),
                        std::chrono::milliseconds(policy->max_delay_ms), policy->attempts,
                        policy->jitter != 0};
    CAIRN_TRY(jobs::check_retry_policy(p));
    *out_ms =
        (p.jitter ? jobs::backoff(p, attempt, cairn::Env::system()) : jobs::backoff(p, attempt))
            .count();
    return {};
  });
}

struct cairn_jobs_dag {
  jobs::Dag dag;
  // Kept between runs with the same worker count, so repeated runs start no threads.
  std::unique_ptr<jobs::Executor> executor;
  unsigned executor_workers = 0;
};

cairn_status cairn_jobs_dag_new(cairn_jobs_dag** out) {
  return entry(CAIRN_CAPI_OUT(out), none(), [&] {
    *out = new cairn_jobs_dag();
    return set_ok();
  });
}

void cairn_jobs_dag_free(cairn_jobs_dag* dag) { delete dag; }

cairn_status cairn_jobs_dag_add(size_t* out_node, cairn_jobs_dag* dag, void (*fn)(void* ctx),
                                void* ctx) {
  return entry(CAIRN_CAPI_OUT(out_node), CAIRN_CAPI_IN(dag, fn), [&] {
    *out_node = dag->dag.add([fn, ctx] { fn(ctx); }).index();
    return set_ok();
  });
}

cairn_status cairn_jobs_dag_precede(cairn_jobs_dag* dag, size_t before, size_t after) {
  return entry(none(), CAIRN_CAPI_IN(dag), [&] { return dag->dag.precede(before, after); });
}

cairn_status cairn_jobs_dag_run(cairn_jobs_dag* dag, unsigned workers) {
  return entry(none(), CAIRN_CAPI_IN(dag), [&] {
    if (!dag->executor || dag->executor_workers != workers) {
      dag->executor.reset();
      dag->executor = std::make_unique<jobs::Executor>(workers);
      dag->executor_workers = workers;
    }
    return dag->executor->run(dag->dag);
  });
}
