// The C ABI of engine.jobs: the persistent task scheduler (cairn/jobs/scheduler.hpp).
#include <chrono>
#include <string>

#include "cairn/jobs/scheduler.hpp"
#include "engine_handle.hpp"
#include "entry_point.hpp"

using cairn::capi::entry;
using cairn::capi::Json;
using cairn::capi::none;
using cairn::capi::put_json;
using cairn::capi::put_value;
using cairn::capi::set_error;
using cairn::capi::set_ok;
using cairn::capi::text_or_null;
namespace jobs = cairn::jobs;
using Scheduler = jobs::Scheduler;

struct cairn_jobs_task_context {
  jobs::TaskContext* context;
  std::string output;
  std::string reason;
  std::string message;
};

namespace {

// ---- The jobs records' JSON (cairn.h lists the same members in the same order)

Json retry_json(const std::optional<jobs::RetryPolicy>& r) {
  if (!r) return nullptr;
  return {{"min_delay_ms", r->min_delay.count()},
          {"max_delay_ms", r->max_delay.count()},
          {"attempts", r->attempts},
          {"jitter", r->jitter}};
}

Json task_json(const jobs::Task& t) {
  return {{"id", t.id},
          {"kind", t.kind},
          {"input", t.input},
          {"key", text_or_null(t.key)},
          {"state", jobs::to_string(t.state)},
          {"priority", jobs::to_string(t.priority)},
          {"run_at_micros", cairn::to_unix_micros(t.run_at)},
          {"created_at_micros", cairn::to_unix_micros(t.created_at)},
          {"updated_at_micros", cairn::to_unix_micros(t.updated_at)},
          {"retry", retry_json(t.retry)},
          {"cron", text_or_null(t.cron)},
          {"cron_utc_offset_minutes", t.cron_utc_offset.count()},
          {"timeout_ms", t.timeout.count()},
          {"on_dependency_failure", jobs::to_string(t.on_dependency_failure)},
          {"depends_on", t.depends_on},
          {"attempts", t.attempts},
          {"output", t.output},
          {"errors", t.errors}};
}

// The EnqueueOptions of `in` (NULL: the defaults); the rules on them are the scheduler's.
cairn::Result<jobs::EnqueueOptions> options_of(const cairn_jobs_enqueue_options* in) {
  jobs::EnqueueOptions o;
  if (in == nullptr) return o;
  if (in->version < 1 || in->version > CAIRN_JOBS_ENQUEUE_OPTIONS_VERSION) {
    return cairn::fail(cairn::ErrorCode::kInvalidArgument, "CAPI_OPTIONS_VERSION_UNSUPPORTED",
                       "unknown cairn_jobs_enqueue_options version");
  }
  if (in->key != nullptr) o.key = in->key;
  if (in->run_at_micros != 0) o.run_at = cairn::from_unix_micros(in->run_at_micros);
  if (in->delay_ms != 0) o.delay = std::chrono::milliseconds(in->delay_ms);
  if (in->depends_on_count > 0) {
    if (in->depends_on == nullptr) {
      return cairn::fail(cairn::ErrorCode::kInvalidArgument, "CAPI_NULL_ARGUMENT",
                         "options->depends_on must not be NULL");
    }
    o.depends_on.assign(in->depends_on, in->depends_on + in->depends_on_count);
  }
  if (in->on_dependency_failure != nullptr) {
    CAIRN_ASSIGN_OR_RETURN(o.on_dependency_failure,
                           jobs::parse_dependency_failure(in->on_dependency_failure));
  }
  if (in->priority != nullptr) {
    CAIRN_ASSIGN_OR_RETURN(o.priority, jobs::parse_priority(in->priority));
  }
  if (in->retry != nullptr) {
    if (in->retry->version < 1 || in->retry->version > CAIRN_JOBS_RETRY_POLICY_VERSION) {
      return cairn::fail(cairn::ErrorCode::kInvalidArgument, "CAPI_OPTIONS_VERSION_UNSUPPORTED",
                         "unknown cairn_jobs_retry_policy version");
    }
    o.retry = jobs::RetryPolicy{std::chrono::milliseconds(in->retry->min_delay_ms),
                                std::chrono::milliseconds(in->retry->max_delay_ms),
                                in->retry->attempts, in->retry->jitter != 0};
  }
  if (in->cron != nullptr) o.cron = in->cron;
  o.cron_utc_offset = std::chrono::minutes(in->cron_utc_offset_minutes);
  if (in->timeout_ms != 0) o.timeout = std::chrono::milliseconds(in->timeout_ms);
  return o;
}

Json page_json(const jobs::TaskPage& page) {
  Json items = Json::array();
  for (const jobs::Task& t : page.items) items.push_back(task_json(t));
  return {{"items", std::move(items)}, {"next_cursor", text_or_null(page.next_cursor)}};
}

// Keyed by the ListState names, in their order.
Json counts_json(const jobs::TaskCounts& counts) {
  Json out = Json::object();
  for (jobs::ListState state : jobs::kListStates) {
    out[std::string(jobs::to_string(state))] = counts.of(state);
  }
  return out;
}

// The filter, limit and cursor of `in` (NULL: the defaults); the rules on them are the
// scheduler's.
struct ListArguments {
  jobs::TaskFilter filter;
  int32_t limit = jobs::kDefaultListLimit;
  std::string cursor;
};

cairn::Result<ListArguments> list_arguments(const cairn_jobs_list_options* in) {
  ListArguments out;
  if (in == nullptr) return out;
  if (in->version < 1 || in->version > CAIRN_JOBS_LIST_OPTIONS_VERSION) {
    return cairn::fail(cairn::ErrorCode::kInvalidArgument, "CAPI_OPTIONS_VERSION_UNSUPPORTED",
                       "unknown cairn_jobs_list_options version");
  }
  if (in->kind != nullptr) out.filter.kind = in->kind;
  if (in->state != nullptr) {
    CAIRN_ASSIGN_OR_RETURN(out.filter.state, jobs::parse_list_state(in->state));
  }
  if (in->key_prefix != nullptr) out.filter.key_prefix = in->key_prefix;
  out.limit = in->limit;
  if (in->cursor != nullptr) out.cursor = in->cursor;
  return out;
}

// The entry point on the engine's scheduler.
template <class Body>
cairn_status on_jobs(cairn::capi::Check outs, cairn::capi::Check ins, cairn_engine* engine,
                     Body&& body) noexcept {
  return cairn::capi::service_entry(
      outs, ins, [&] { return cairn::Result<Scheduler*>(&engine->engine->jobs()); }, body);
}

}  // namespace

int64_t cairn_jobs_task_context_id(const cairn_jobs_task_context* run) {
  return run == nullptr ? 0 : run->context->id();
}

int32_t cairn_jobs_task_context_attempt(const cairn_jobs_task_context* run) {
  return run == nullptr ? 0 : run->context->attempt();
}

cairn_status cairn_jobs_task_context_cancelled(int* out_cancelled,
                                               const cairn_jobs_task_context* run) {
  return entry(CAIRN_CAPI_OUT(out_cancelled), CAIRN_CAPI_IN(run), [&] {
    *out_cancelled = run->context->cancelled() ? 1 : 0;
    return set_ok();
  });
}

void cairn_jobs_task_context_set_output(cairn_jobs_task_context* run, const char* data,
                                        size_t len) {
  if (run == nullptr) return;
  if (data == nullptr) {
    run->output.clear();
  } else {
    run->output.assign(data, len);
  }
}

void cairn_jobs_task_context_set_error(cairn_jobs_task_context* run, const char* reason,
                                       const char* message) {
  if (run == nullptr) return;
  if (reason != nullptr) run->reason = reason;
  if (message != nullptr) run->message = message;
}

cairn_status cairn_jobs_scheduler_register(cairn_engine* engine, const char* kind,
                                           cairn_jobs_task_handler handler, void* ctx,
                                           int32_t max_concurrency) {
  return on_jobs(none(), CAIRN_CAPI_IN(engine, kind, handler), engine, [&](Scheduler& s) {
    jobs::KindOptions options;
    options.max_concurrency = max_concurrency;
    auto fn = [handler, ctx](jobs::TaskContext& context) -> cairn::Result<std::string> {
      cairn_jobs_task_context run{&context, {}, {}, {}};
      cairn_status status = handler(ctx, &run, context.input().c_str(), context.input().size());
      if (status == CAIRN_OK) return std::move(run.output);
      // A number outside the table (1..16) is reported as UNKNOWN, which is retried.
      auto code = static_cast<cairn::ErrorCode>(status);
      if (status < 1 || status > 16) code = cairn::ErrorCode::kUnknown;
      return cairn::fail(code, run.reason.empty() ? "JOB_HANDLER_FAILED" : run.reason,
                         run.message.empty() ? "the handler failed" : run.message);
    };
    return s.register_kind(kind, fn, options);
  });
}

cairn_status cairn_jobs_scheduler_enqueue(int64_t* out_id, cairn_engine* engine, const char* kind,
                                          const char* input, size_t input_len,
                                          const cairn_jobs_enqueue_options* options) {
  return on_jobs(CAIRN_CAPI_OUT(out_id),
                 CAIRN_CAPI_IN(engine, kind, cairn::capi::bytes(input, input_len)), engine,
                 [&](Scheduler& s) -> cairn_status {
                   auto o = options_of(options);
                   if (!o) return set_error(o.error());
                   if (input != nullptr) o->input.assign(input, input_len);
                   return put_value(out_id, s.enqueue(kind, *o));
                 });
}

cairn_status cairn_jobs_scheduler_get(char** out_json, cairn_engine* engine, int64_t id) {
  return on_jobs(CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine), engine,
                 [&](Scheduler& s) { return put_json(out_json, s.get(id), task_json); });
}

cairn_status cairn_jobs_scheduler_cancel(const char** out_state, cairn_engine* engine, int64_t id) {
  return on_jobs(CAIRN_CAPI_OUT(out_state), CAIRN_CAPI_IN(engine), engine, [&](Scheduler& s) {
    // to_string() returns static, NUL-terminated literals.
    return cairn::capi::put(out_state, s.cancel(id),
                            [](jobs::TaskState state) { return jobs::to_string(state).data(); });
  });
}

cairn_status cairn_jobs_scheduler_wait(char** out_json, cairn_engine* engine, int64_t id,
                                       int64_t timeout_ms) {
  return on_jobs(CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine), engine, [&](Scheduler& s) {
    return put_json(out_json, s.wait(id, std::chrono::milliseconds(timeout_ms)), task_json);
  });
}

cairn_status cairn_jobs_scheduler_run_pending(int32_t* out_ran, cairn_engine* engine,
                                              int32_t max_tasks) {
  return on_jobs(CAIRN_CAPI_OUT(out_ran), CAIRN_CAPI_IN(engine), engine, [&](Scheduler& s) {
    return put_value(
        out_ran, s.run_pending(max_tasks < 0 ? std::nullopt : std::optional<int32_t>(max_tasks)));
  });
}

cairn_status cairn_jobs_scheduler_purge_finished(int64_t* out_count, cairn_engine* engine,
                                                 int64_t older_than_ms, const char* kind) {
  return on_jobs(CAIRN_CAPI_OUT(out_count), CAIRN_CAPI_IN(engine), engine, [&](Scheduler& s) {
    return put_value(out_count, s.purge_finished(std::chrono::milliseconds(older_than_ms),
                                                 cairn::capi::view(kind)));
  });
}

cairn_status cairn_jobs_scheduler_start(cairn_engine* engine, int32_t high, int32_t medium,
                                        int32_t low) {
  return on_jobs(none(), CAIRN_CAPI_IN(engine), engine, [&](Scheduler& s) {
    return s.start(jobs::WorkerCounts{high, medium, low});
  });
}

cairn_status cairn_jobs_scheduler_stop(cairn_engine* engine) {
  return on_jobs(none(), CAIRN_CAPI_IN(engine), engine, [&](Scheduler& s) {
    s.stop();
    return set_ok();
  });
}

cairn_status cairn_jobs_scheduler_subscribe(uint64_t* out_id, cairn_engine* engine,
                                            cairn_jobs_task_event_fn fn, void* ctx) {
  return on_jobs(CAIRN_CAPI_OUT(out_id), CAIRN_CAPI_IN(engine, fn), engine, [&](Scheduler& s) {
    *out_id = s.subscribe([fn, ctx](const jobs::TaskEvent& e) {
      fn(ctx, jobs::to_string(e.type).data(), e.task_id, e.kind.c_str(), e.attempt,
         e.error.c_str());
    });
    return set_ok();
  });
}

cairn_status cairn_jobs_scheduler_unsubscribe(cairn_engine* engine, uint64_t id) {
  return on_jobs(none(), CAIRN_CAPI_IN(engine), engine, [&](Scheduler& s) {
    s.unsubscribe(id);
    return set_ok();
  });
}

cairn_status cairn_jobs_scheduler_list(char** out_json, cairn_engine* engine,
                                       const cairn_jobs_list_options* options) {
  return on_jobs(CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine), engine,
                 [&](Scheduler& s) -> cairn_status {
                   auto a = list_arguments(options);
                   if (!a) return set_error(a.error());
                   return put_json(out_json, s.list(a->filter, a->limit, a->cursor), page_json);
                 });
}

cairn_status cairn_jobs_scheduler_counts(char** out_json, cairn_engine* engine) {
  return on_jobs(CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine), engine,
                 [&](Scheduler& s) { return put_json(out_json, s.counts(), counts_json); });
}
