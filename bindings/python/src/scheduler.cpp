// cairn._core.jobs.Scheduler: engine.jobs, the persistent task scheduler, for cairn.jobs.
//
// Times cross this edge as unix microseconds and durations as milliseconds; cairn/jobs.py turns
// them into datetimes and seconds. Tasks come back as dicts that cairn.jobs.Task wraps.
//
// Handlers and event callbacks are Python callables run on the scheduler's threads: each call
// takes the GIL, and every call into the scheduler that may wait (run_pending, wait, stop, ...)
// releases it. The callables are released under the GIL whichever thread drops them last.
#include "cairn/jobs/scheduler.hpp"

#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "common.hpp"
#include "engine.hpp"

namespace cairn::python {
namespace {

using jobs::Scheduler;
using jobs::Task;

// A Python object whose last reference may be dropped on any thread.
std::shared_ptr<py::object> shared_callable(py::object fn) {
  return {new py::object(std::move(fn)), [](py::object* o) {
            py::gil_scoped_acquire gil;
            delete o;
          }};
}

py::dict task_dict(const Task& t) {
  py::dict d;
  d["id"] = t.id;
  d["kind"] = t.kind;
  d["input"] = t.input;
  d["key"] = t.key.empty() ? py::object(py::none()) : py::object(py::str(t.key));
  d["state"] = std::string(jobs::to_string(t.state));
  d["priority"] = std::string(jobs::to_string(t.priority));
  d["run_at"] = to_unix_micros(t.run_at);
  d["created_at"] = to_unix_micros(t.created_at);
  d["updated_at"] = to_unix_micros(t.updated_at);
  if (t.retry) {
    d["retry"] = py::make_tuple(static_cast<double>(t.retry->min_delay.count()) / 1000.0,
                                static_cast<double>(t.retry->max_delay.count()) / 1000.0,
                                t.retry->attempts, t.retry->jitter);
  } else {
    d["retry"] = py::none();
  }
  d["cron"] = t.cron.empty() ? py::object(py::none()) : py::object(py::str(t.cron));
  d["cron_utc_offset"] = t.cron_utc_offset.count();
  d["timeout_ms"] = t.timeout.count();
  d["on_dependency_failure"] = std::string(jobs::to_string(t.on_dependency_failure));
  d["depends_on"] = t.depends_on;
  d["attempts"] = t.attempts;
  d["output"] = t.output;
  d["errors"] = t.errors;
  return d;
}

// What a handler called with context=True receives; valid while its run lasts.
class PyTaskContext {
 public:
  explicit PyTaskContext(jobs::TaskContext* context) : context_(context) {}
  int64_t id() const { return context().id(); }
  std::string kind() const { return context().kind(); }
  std::string input() const { return context().input(); }
  int32_t attempt() const { return context().attempt(); }
  bool cancelled() const { return context_ == nullptr || context_->cancelled(); }
  void end() { context_ = nullptr; }

 private:
  const jobs::TaskContext& context() const {
    if (context_ == nullptr) {
      throw ErrorException{{ErrorCode::kFailedPrecondition, "JOB_RUN_ENDED",
                            "the run this context belonged to has ended"}};
    }
    return *context_;
  }
  jobs::TaskContext* context_;
};

// A cairn.Error raised by a handler keeps its code and reason; any other exception is UNKNOWN
// (retryable) with its type and text.
Error error_of(py::error_already_set& e) {
  py::object base = py::module_::import("cairn.errors").attr("Error");
  if (e.matches(base)) {
    const py::object& value = e.value();
    return {static_cast<ErrorCode>(value.attr("code").cast<int>()),
            value.attr("reason").cast<std::string>(), value.attr("message").cast<std::string>()};
  }
  std::string type = py::str(e.type().attr("__name__"));
  return {ErrorCode::kUnknown, "JOB_HANDLER_RAISED", type + ": " + std::string(py::str(e.value()))};
}

jobs::TaskHandler handler_of(py::object fn, bool with_context) {
  std::shared_ptr<py::object> callable = shared_callable(std::move(fn));
  return [callable, with_context](jobs::TaskContext& context) -> Result<std::string> {
    py::gil_scoped_acquire gil;
    py::object context_object;
    try {
      py::object result;
      if (with_context) {
        context_object = py::cast(PyTaskContext(&context));
        result = (*callable)(context_object);
        context_object.cast<PyTaskContext&>().end();
      } else {
        result = (*callable)(context.input());
      }
      if (result.is_none()) return std::string();
      if (!py::isinstance<py::str>(result)) {
        return fail(ErrorCode::kInvalidArgument, "JOB_OUTPUT_INVALID",
                    "the handler returned " +
                        std::string(py::str(py::type::handle_of(result).attr("__name__"))) +
                        ", not str or None");
      }
      return result.cast<std::string>();
    } catch (py::error_already_set& e) {
      if (context_object) context_object.cast<PyTaskContext&>().end();
      return fail(error_of(e));
    }
  };
}

// engine.jobs, following the engine's lifetime (ENGINE_CLOSED after close()).
class PyScheduler {
 public:
  explicit PyScheduler(PyEngine& engine) : engine_(engine) { (void)engine.get(); }

  template <class F>
  auto with(F&& f) {
    std::shared_ptr<Engine> engine = engine_.get();
    py::gil_scoped_release release;
    return f(engine->jobs());
  }

 private:
  PyEngine& engine_;
};

std::optional<std::chrono::milliseconds> millis_arg(const std::optional<int64_t>& ms) {
  if (!ms) return std::nullopt;
  return std::chrono::milliseconds(*ms);
}

}  // namespace

void bind_job_scheduler(py::module_& core, py::class_<PyEngine>& engine_class) {
  py::module_ m = core.attr("jobs");

  py::class_<PyTaskContext>(m, "TaskContext",
                            "What a handler registered with context=True receives.")
      .def_property_readonly("id", &PyTaskContext::id)
      .def_property_readonly("kind", &PyTaskContext::kind)
      .def_property_readonly("input", &PyTaskContext::input)
      .def_property_readonly("attempt", &PyTaskContext::attempt, "1 for the first run.")
      .def_property_readonly("cancelled", &PyTaskContext::cancelled,
                             "True once the task was cancelled or its timeout passed.");

  py::class_<PyScheduler>(m, "Scheduler", "engine.jobs (wrapped by cairn.jobs.Scheduler).")
      .def(
          "register",
          [](PyScheduler& s, const std::string& kind, py::object handler, int32_t max_concurrency,
             bool context) {
            if (!PyCallable_Check(handler.ptr())) throw py::type_error("handler must be callable");
            jobs::TaskHandler h = handler_of(std::move(handler), context);
            jobs::KindOptions options;
            options.max_concurrency = max_concurrency;
            unwrap(
                s.with([&](Scheduler& x) { return x.register_kind(kind, std::move(h), options); }));
          },
          py::arg("kind"), py::arg("handler"), py::arg("max_concurrency") = 0,
          py::arg("context") = false)
      .def(
          "enqueue",
          [](PyScheduler& s, const std::string& kind, const std::string& input,
             const std::string& key, std::optional<int64_t> run_at_micros,
             std::optional<int64_t> delay_ms, const std::vector<int64_t>& depends_on,
             const std::string& priority,
             std::optional<std::tuple<double, double, int32_t, bool>> retry,
             const std::string& cron, int32_t cron_utc_offset, int64_t timeout_ms,
             const std::string& on_dependency_failure) {
            jobs::EnqueueOptions o;
            o.input = input;
            o.key = key;
            if (run_at_micros) o.run_at = from_unix_micros(*run_at_micros);
            o.delay = millis_arg(delay_ms);
            o.depends_on = depends_on;
            o.priority = unwrap(jobs::parse_priority(priority));
            if (retry) {
              auto [min_delay, max_delay, attempts, jitter] = *retry;
              auto ms = [](double seconds) {
                return std::chrono::milliseconds(std::llround(seconds * 1000.0));
              };
              o.retry = jobs::RetryPolicy{ms(min_delay), ms(max_delay), attempts, jitter};
            }
            o.cron = cron;
            o.cron_utc_offset = std::chrono::minutes(cron_utc_offset);
            o.timeout = std::chrono::milliseconds(timeout_ms);
            o.on_dependency_failure = unwrap(jobs::parse_dependency_failure(on_dependency_failure));
            return unwrap(s.with([&](Scheduler& x) { return x.enqueue(kind, o); }));
          },
          py::arg("kind"), py::arg("input"), py::arg("key"), py::arg("run_at_micros"),
          py::arg("delay_ms"), py::arg("depends_on"), py::arg("priority"), py::arg("retry"),
          py::arg("cron"), py::arg("cron_utc_offset"), py::arg("timeout_ms"),
          py::arg("on_dependency_failure"))
      .def("get",
           [](PyScheduler& s, int64_t id) {
             return task_dict(unwrap(s.with([&](Scheduler& x) { return x.get(id); })));
           })
      .def("cancel",
           [](PyScheduler& s, int64_t id) {
             return std::string(
                 jobs::to_string(unwrap(s.with([&](Scheduler& x) { return x.cancel(id); }))));
           })
      .def("wait",
           [](PyScheduler& s, int64_t id, int64_t timeout_ms) {
             return task_dict(unwrap(s.with(
                 [&](Scheduler& x) { return x.wait(id, std::chrono::milliseconds(timeout_ms)); })));
           })
      .def("run_pending",
           [](PyScheduler& s, std::optional<int32_t> max_tasks) {
             return unwrap(s.with([&](Scheduler& x) { return x.run_pending(max_tasks); }));
           })
      .def("purge_finished",
           [](PyScheduler& s, int64_t older_than_ms, const std::string& kind) {
             return unwrap(s.with([&](Scheduler& x) {
               return x.purge_finished(std::chrono::milliseconds(older_than_ms), kind);
             }));
           })
      .def("start",
           [](PyScheduler& s, int32_t high, int32_t medium, int32_t low) {
             unwrap(s.with([&](Scheduler& x) { return x.start({high, medium, low}); }));
           })
      .def("stop", [](PyScheduler& s) { s.with([](Scheduler& x) { x.stop(); }); })
      .def_property_readonly(
          "running",
          [](PyScheduler& s) { return s.with([](Scheduler& x) { return x.running(); }); })
      .def_property_readonly(
          "worker_id",
          [](PyScheduler& s) { return s.with([](Scheduler& x) { return x.worker_id(); }); })
      .def("subscribe",
           [](PyScheduler& s, py::object callback) {
             if (!PyCallable_Check(callback.ptr())) {
               throw py::type_error("callback must be callable");
             }
             std::shared_ptr<py::object> fn = shared_callable(std::move(callback));
             jobs::EventCallback cb = [fn](const jobs::TaskEvent& e) {
               py::gil_scoped_acquire gil;
               try {
                 (*fn)(std::string(jobs::to_string(e.type)), e.task_id, e.kind, e.attempt, e.error,
                       to_unix_micros(e.at));
               } catch (py::error_already_set& err) {
                 err.discard_as_unraisable("cairn.jobs event callback");
               }
             };
             return s.with([&](Scheduler& x) { return x.subscribe(std::move(cb)); });
           })
      .def("unsubscribe",
           [](PyScheduler& s, uint64_t id) { s.with([&](Scheduler& x) { x.unsubscribe(id); }); });

  engine_class.def_property_readonly(
      "_jobs", py::cpp_function([](PyEngine& e) { return PyScheduler(e); }, py::keep_alive<0, 1>()),
      "The raw scheduler behind engine.jobs.");
  engine_class.def_property_readonly(
      "jobs", py::cpp_function([](const py::object& self) {
        return py::module_::import("cairn.jobs").attr("Scheduler")(self.attr("_jobs"));
      }),
      "The engine's persistent task scheduler (cairn.jobs.Scheduler).");
}

}  // namespace cairn::python
