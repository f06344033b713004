// The C ABI of cairn::jobs: cron schedules, retry backoff and the in-memory DAG executor.
#include <chrono>
#include <memory>

#include "cairn/jobs/cron.hpp"
#include "cairn/jobs/dag.hpp"
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

struct cairn_dag {
  jobs::Dag dag;
  // Kept between runs with the same worker count, so repeated runs start no threads.
  std::unique_ptr<jobs::Executor> executor;
  unsigned executor_workers = 0;
};

cairn_status cairn_dag_new(cairn_dag** out) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    *out = new cairn_dag();
    return set_ok();
  });
}

void cairn_dag_free(cairn_dag* dag) { delete dag; }

cairn_status cairn_dag_add(size_t* out_node, cairn_dag* dag, void (*fn)(void* ctx), void* ctx) {
  return guard([&] {
    if (out_node == nullptr) return null_argument("out_node");
    *out_node = 0;
    if (dag == nullptr) return null_argument("dag");
    if (fn == nullptr) return null_argument("fn");
    *out_node = dag->dag.add([fn, ctx] { fn(ctx); }).index();
    return set_ok();
  });
}

cairn_status cairn_dag_precede(cairn_dag* dag, size_t before, size_t after) {
  return guard([&] {
    if (dag == nullptr) return null_argument("dag");
    return from_status(dag->dag.precede(before, after));
  });
}

cairn_status cairn_dag_run(cairn_dag* dag, unsigned workers) {
  return guard([&] {
    if (dag == nullptr) return null_argument("dag");
    if (!dag->executor || dag->executor_workers != workers) {
      dag->executor.reset();
      dag->executor = std::make_unique<jobs::Executor>(workers);
      dag->executor_workers = workers;
    }
    return from_status(dag->executor->run(dag->dag));
  });
}
