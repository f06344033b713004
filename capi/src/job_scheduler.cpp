// The C ABI of engine.jobs: the persistent task scheduler (cairn/jobs/scheduler.hpp).
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "cairn/jobs/scheduler.hpp"
#include "common.hpp"
#include "engine_handle.hpp"
#include "json_out.hpp"

using cairn::capi::from_status;
using cairn::capi::guard;
using cairn::capi::null_argument;
using cairn::capi::set_error;
using cairn::capi::set_ok;
namespace jobs = cairn::jobs;

struct cairn_job_run {
  jobs::TaskContext* context;
  std::string output;
  std::string reason;
  std::string message;
};

namespace {

using Json = nlohmann::ordered_json;

cairn_status options_invalid(const std::string& message) {
  return set_error({cairn::ErrorCode::kInvalidArgument, "JOB_OPTIONS_INVALID", message});
}

Json task_json(const jobs::Task& t) {
  Json j;
  j["id"] = t.id;
  j["kind"] = t.kind;
  j["input"] = t.input;
  j["key"] = t.key.empty() ? Json(nullptr) : Json(t.key);
  j["state"] = jobs::to_string(t.state);
  j["priority"] = jobs::to_string(t.priority);
  j["run_at_micros"] = cairn::to_unix_micros(t.run_at);
  j["created_at_micros"] = cairn::to_unix_micros(t.created_at);
  j["updated_at_micros"] = cairn::to_unix_micros(t.updated_at);
  if (t.retry) {
    j["retry"] = {{"min_delay_ms", t.retry->min_delay.count()},
                  {"max_delay_ms", t.retry->max_delay.count()},
                  {"attempts", t.retry->attempts},
                  {"jitter", t.retry->jitter}};
  } else {
    j["retry"] = nullptr;
  }
  j["cron"] = t.cron.empty() ? Json(nullptr) : Json(t.cron);
  j["cron_utc_offset_minutes"] = t.cron_utc_offset.count();
  j["timeout_ms"] = t.timeout.count();
  j["on_dependency_failure"] = jobs::to_string(t.on_dependency_failure);
  j["depends_on"] = t.depends_on;
  j["attempts"] = t.attempts;
  j["output"] = t.output;
  j["errors"] = t.errors;
  return j;
}

// Reads integer field `name` of `j` into `out`; false (with the error set) when it is not one.
bool integer_field(const Json& j, const char* name, int64_t& out, cairn_status& status) {
  if (!j.is_number_integer()) {
    status = options_invalid(std::string(name) + " must be an integer");
    return false;
  }
  out = j.get<int64_t>();
  return true;
}

// The EnqueueOptions of `text` (NULL: defaults); CAIRN_OK or the error set.
cairn_status parse_options(const char* text, jobs::EnqueueOptions& o) {
  if (text == nullptr) return CAIRN_OK;
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return options_invalid("options must be a JSON object");
  cairn_status st = CAIRN_OK;
  int64_t n = 0;
  for (const auto& [name, value] : j.items()) {
    if (name == "key" || name == "cron" || name == "priority" || name == "on_dependency_failure") {
      if (!value.is_string()) return options_invalid(name + " must be a string");
      auto s = value.get<std::string>();
      if (name == "key") {
        o.key = s;
      } else if (name == "cron") {
        o.cron = s;
      } else if (name == "priority") {
        auto p = jobs::parse_priority(s);
        if (!p) return set_error(p.error());
        o.priority = *p;
      } else {
        auto d = jobs::parse_dependency_failure(s);
        if (!d) return set_error(d.error());
        o.on_dependency_failure = *d;
      }
    } else if (name == "run_at_micros") {
      if (!integer_field(value, "run_at_micros", n, st)) return st;
      o.run_at = cairn::from_unix_micros(n);
    } else if (name == "delay_ms") {
      if (!integer_field(value, "delay_ms", n, st)) return st;
      o.delay = std::chrono::milliseconds(n);
    } else if (name == "timeout_ms") {
      if (!integer_field(value, "timeout_ms", n, st)) return st;
      o.timeout = std::chrono::milliseconds(n);
    } else if (name == "cron_utc_offset_minutes") {
      if (!integer_field(value, "cron_utc_offset_minutes", n, st)) return st;
      if (n < INT32_MIN || n > INT32_MAX) return options_invalid("cron offset out of range");
      o.cron_utc_offset = std::chrono::minutes(n);
    } else if (name == "depends_on") {
      if (!value.is_array()) return options_invalid("depends_on must be an array of task ids");
      for (const Json& id : value) {
        if (!integer_field(id, "depends_on", n, st)) return st;
        o.depends_on.push_back(n);
      }
    } else if (name == "retry") {
      if (!value.is_object()) return options_invalid("retry must be an object");
      jobs::RetryPolicy policy;
      for (const auto& [field, v] : value.items()) {
        if (field == "jitter") {
          if (!v.is_boolean()) return options_invalid("retry.jitter must be true or false");
          policy.jitter = v.get<bool>();
          continue;
        }
        if (!integer_field(v, "retry fields", n, st)) return st;
        if (field == "min_delay_ms") {
          policy.min_delay = std::chrono::milliseconds(n);
        } else if (field == "max_delay_ms") {
          policy.max_delay = std::chrono::milliseconds(n);
        } else if (field == "attempts") {
          if (n < INT32_MIN || n > INT32_MAX) return options_invalid("attempts out of range");
          policy.attempts = static_cast<int32_t>(n);
        } else {
          return options_invalid("unknown retry field " + field);
        }
      }
      o.retry = policy;
    } else {
      return options_invalid("unknown option " + name);
    }
  }
  return CAIRN_OK;
}

// Runs f(Scheduler&) for a non-null engine.
template <class F>
cairn_status with_jobs(cairn_engine* engine, F&& f) {
  return guard([&] {
    if (engine == nullptr) return null_argument("engine");
    return f(engine->engine->jobs());
  });
}

}  // namespace

int64_t cairn_job_run_id(const cairn_job_run* run) {
  return run == nullptr ? 0 : run->context->id();
}

int32_t cairn_job_run_attempt(const cairn_job_run* run) {
  return run == nullptr ? 0 : run->context->attempt();
}

int cairn_job_run_cancelled(const cairn_job_run* run) {
  return run == nullptr ? 1 : static_cast<int>(run->context->cancelled());
}

void cairn_job_run_set_output(cairn_job_run* run, const char* data, size_t len) {
  if (run == nullptr) return;
  if (data == nullptr) {
    run->output.clear();
  } else {
    run->output.assign(data, len);
  }
}

void cairn_job_run_set_error(cairn_job_run* run, const char* reason, const char* message) {
  if (run == nullptr) return;
  if (reason != nullptr) run->reason = reason;
  if (message != nullptr) run->message = message;
}

cairn_status cairn_jobs_register(cairn_engine* engine, const char* kind, cairn_job_handler handler,
                                 void* ctx, int32_t max_concurrency) {
  return with_jobs(engine, [&](jobs::Scheduler& s) {
    if (kind == nullptr || handler == nullptr) return null_argument("kind and handler");
    jobs::KindOptions options;
    options.max_concurrency = max_concurrency;
    auto fn = [handler, ctx](jobs::TaskContext& context) -> cairn::Result<std::string> {
      cairn_job_run run{&context, {}, {}, {}};
      cairn_status status = handler(ctx, &run, context.input().c_str(), context.input().size());
      if (status == CAIRN_OK) return std::move(run.output);
      // A number outside the table (1..16) is reported as UNKNOWN, which is retried.
      auto code = static_cast<cairn::ErrorCode>(status);
      if (status < 1 || status > 16) code = cairn::ErrorCode::kUnknown;
      return cairn::fail(code, run.reason.empty() ? "JOB_HANDLER_FAILED" : run.reason,
                         run.message.empty() ? "the handler failed" : run.message);
    };
    return from_status(s.register_kind(kind, fn, options));
  });
}

cairn_status cairn_jobs_enqueue(int64_t* out_id, cairn_engine* engine, const char* kind,
                                const char* input, size_t input_len, const char* options_json) {
  if (out_id != nullptr) *out_id = 0;
  return with_jobs(engine, [&](jobs::Scheduler& s) {
    if (out_id == nullptr || kind == nullptr) return null_argument("out_id and kind");
    if (input == nullptr && input_len > 0) return null_argument("input");
    jobs::EnqueueOptions o;
    if (cairn_status st = parse_options(options_json, o); st != CAIRN_OK) return st;
    if (input != nullptr) o.input.assign(input, input_len);
    auto id = s.enqueue(kind, o);
    if (!id) return set_error(id.error());
    *out_id = *id;
    return set_ok();
  });
}

cairn_status cairn_jobs_get_json(char** out_json, cairn_engine* engine, int64_t id) {
  if (out_json != nullptr) *out_json = nullptr;
  return with_jobs(engine, [&](jobs::Scheduler& s) {
    if (out_json == nullptr) return null_argument("out_json");
    return cairn::capi::hand_out_json(s.get(id), out_json, task_json);
  });
}

cairn_status cairn_jobs_cancel(const char** out_state, cairn_engine* engine, int64_t id) {
  if (out_state != nullptr) *out_state = "";
  return with_jobs(engine, [&](jobs::Scheduler& s) {
    if (out_state == nullptr) return null_argument("out_state");
    auto state = s.cancel(id);
    if (!state) return set_error(state.error());
    *out_state = jobs::to_string(*state).data();  // static storage, NUL-terminated literals
    return set_ok();
  });
}

cairn_status cairn_jobs_wait_json(char** out_json, cairn_engine* engine, int64_t id,
                                  int64_t timeout_ms) {
  if (out_json != nullptr) *out_json = nullptr;
  return with_jobs(engine, [&](jobs::Scheduler& s) {
    if (out_json == nullptr) return null_argument("out_json");
    return cairn::capi::hand_out_json(s.wait(id, std::chrono::milliseconds(timeout_ms)), out_json,
                                      task_json);
  });
}

cairn_status cairn_jobs_run_pending(int32_t* out_ran, cairn_engine* engine, int32_t max_tasks) {
  if (out_ran != nullptr) *out_ran = 0;
  return with_jobs(engine, [&](jobs::Scheduler& s) {
    if (out_ran == nullptr) return null_argument("out_ran");
    auto ran = s.run_pending(max_tasks < 0 ? std::nullopt : std::optional<int32_t>(max_tasks));
    if (!ran) return set_error(ran.error());
    *out_ran = *ran;
    return set_ok();
  });
}

cairn_status cairn_jobs_purge_finished(int64_t* out_count, cairn_engine* engine,
                                       int64_t older_than_ms, const char* kind) {
  if (out_count != nullptr) *out_count = 0;
  return with_jobs(engine, [&](jobs::Scheduler& s) {
    if (out_count == nullptr) return null_argument("out_count");
    auto count = s.purge_finished(std::chrono::milliseconds(older_than_ms),
                                  kind == nullptr ? std::string_view() : std::string_view(kind));
    if (!count) return set_error(count.error());
    *out_count = *count;
    return set_ok();
  });
}

cairn_status cairn_jobs_start(cairn_engine* engine, int32_t high, int32_t medium, int32_t low) {
  return with_jobs(engine, [&](jobs::Scheduler& s) {
    return from_status(s.start(jobs::WorkerCounts{high, medium, low}));
  });
}

cairn_status cairn_jobs_stop(cairn_engine* engine) {
  return with_jobs(engine, [&](jobs::Scheduler& s) {
    s.stop();
    return set_ok();
  });
}

cairn_status cairn_jobs_subscribe(uint64_t* out_id, cairn_engine* engine, cairn_job_event_fn fn,
                                  void* ctx) {
  if (out_id != nullptr) *out_id = 0;
  return with_jobs(engine, [&](jobs::Scheduler& s) {
    if (out_id == nullptr || fn == nullptr) return null_argument("out_id and fn");
    *out_id = s.subscribe([fn, ctx](const jobs::TaskEvent& e) {
      fn(ctx, jobs::to_string(e.type).data(), e.task_id, e.kind.c_str(), e.attempt,
         e.error.c_str());
    });
    return set_ok();
  });
}

cairn_status cairn_jobs_unsubscribe(cairn_engine* engine, uint64_t id) {
  return with_jobs(engine, [&](jobs::Scheduler& s) {
    s.unsubscribe(id);
    return set_ok();
  });
}
