// cairn._core.jobs: engine.jobs, the persistent task scheduler (Scheduler, Task, TaskEvent,
// TaskContext); cairn/jobs.py re-exports it.
//
// Times cross this edge as aware datetimes and durations as float seconds (conversions.hpp);
// tasks and events as the record types bound here, their one codec. Scheduler calls go through
// ServiceHandle.
//
// Handlers and event callbacks are Python callables run on the scheduler's threads: each call
// takes the GIL, and every call into the scheduler that may wait (run_pending, wait, stop, ...)
// releases it. The callables are released under the GIL whichever thread drops them last.
#include "cairn/jobs/scheduler.hpp"

#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <array>
#include <tuple>

#include "conversions.hpp"
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

Scheduler& scheduler_of(Engine& engine) { return engine.jobs(); }

// engine.jobs.
using PyScheduler = ServiceHandle<Scheduler, &scheduler_of>;

py::object text_or_none(const std::string& text) {
  if (text.empty()) return py::none();
  return py::str(text);
}

std::string name_of(std::string_view name) { return std::string(name); }

// Task equality as Python sees a Task: every field it shows (next_run only while pending).
bool same_task(const Task& a, const Task& b) {
  auto retry = [](const std::optional<jobs::RetryPolicy>& r) {
    return r ? std::make_tuple(true, r->min_delay, r->max_delay, r->attempts, r->jitter)
             : std::make_tuple(false, std::chrono::milliseconds(0), std::chrono::milliseconds(0), 0,
                               false);
  };
  auto next_run = [](const Task& t) {
    return t.state == jobs::TaskState::kPending ? std::optional<Timestamp>(t.run_at) : std::nullopt;
  };
  return std::tie(a.id, a.kind, a.input, a.key, a.state, a.priority, a.created_at, a.updated_at,
                  a.cron, a.cron_utc_offset, a.timeout, a.on_dependency_failure, a.depends_on,
                  a.attempts, a.output, a.errors) ==
             std::tie(b.id, b.kind, b.input, b.key, b.state, b.priority, b.created_at, b.updated_at,
                      b.cron, b.cron_utc_offset, b.timeout, b.on_dependency_failure, b.depends_on,
                      b.attempts, b.output, b.errors) &&
         retry(a.retry) == retry(b.retry) && next_run(a) == next_run(b);
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

  // The one codec of jobs::Task.
  py::class_<Task>(m, "Task",
                   "A persistent task as stored. state: 'pending', 'running', 'done', 'failed' or "
                   "'cancelled'; attempts counts runs started; errors holds every failed run's "
                   "error as 'CODE REASON: message', oldest first; output is the last successful "
                   "run's result; next_run is when a pending task is due (None once it has "
                   "ended or while it runs).")
      .def_readonly("id", &Task::id)
      .def_readonly("kind", &Task::kind)
      .def_readonly("input", &Task::input)
      .def_property_readonly("key", [](const Task& t) { return text_or_none(t.key); })
      .def_property_readonly("state",
                             [](const Task& t) { return name_of(jobs::to_string(t.state)); })
      .def_property_readonly("priority",
                             [](const Task& t) { return name_of(jobs::to_string(t.priority)); })
      .def_property_readonly("next_run",
                             [](const Task& t) -> std::optional<Timestamp> {
                               if (t.state != jobs::TaskState::kPending) return std::nullopt;
                               return t.run_at;
                             })
      .def_readonly("created_at", &Task::created_at)
      .def_readonly("updated_at", &Task::updated_at)
      .def_readonly("retry", &Task::retry, "A RetryPolicy, or None.")
      .def_property_readonly("cron", [](const Task& t) { return text_or_none(t.cron); })
      .def_property_readonly(
          "cron_utc_offset", [](const Task& t) { return t.cron_utc_offset.count(); },
          "Minutes east of UTC at which cron is read.")
      .def_property_readonly(
          "timeout",
          [](const Task& t) -> std::optional<std::chrono::milliseconds> {
            if (t.timeout.count() == 0) return std::nullopt;
            return t.timeout;
          },
          "Seconds, or None.")
      .def_property_readonly(
          "on_dependency_failure",
          [](const Task& t) { return name_of(jobs::to_string(t.on_dependency_failure)); })
      .def_property_readonly("depends_on",
                             [](const Task& t) { return py::tuple(py::cast(t.depends_on)); })
      .def_readonly("attempts", &Task::attempts)
      .def_readonly("output", &Task::output)
      .def_property_readonly("errors", [](const Task& t) { return py::tuple(py::cast(t.errors)); })
      .def("__eq__", &same_task, py::is_operator())
      .def("__repr__", [](const Task& t) {
        return "<cairn.jobs.Task " + std::to_string(t.id) + " " + t.kind + " " +
               name_of(jobs::to_string(t.state)) + ">";
      });

  // The one codec of jobs::TaskEvent.
  py::class_<jobs::TaskEvent>(
      m, "TaskEvent",
      "A state change: type is 'queued', 'started', 'retrying', 'done', 'failed' or "
      "'cancelled'; attempt the run it concerns (0 for 'queued'); error the run's error for "
      "'retrying', 'failed' and a cancellation caused by a dependency.")
      .def_property_readonly(
          "type", [](const jobs::TaskEvent& e) { return name_of(jobs::to_string(e.type)); })
      .def_readonly("task_id", &jobs::TaskEvent::task_id)
      .def_readonly("kind", &jobs::TaskEvent::kind)
      .def_readonly("attempt", &jobs::TaskEvent::attempt)
      .def_readonly("error", &jobs::TaskEvent::error)
      .def_readonly("at", &jobs::TaskEvent::at)
      .def("__repr__", [](const jobs::TaskEvent& e) {
        return "<cairn.jobs.TaskEvent " + name_of(jobs::to_string(e.type)) + " task " +
               std::to_string(e.task_id) + ">";
      });

  py::class_<jobs::TaskPage>(m, "Page",
                             "One page of engine.jobs.list(): tasks in ascending id order and the "
                             "cursor of the next page (None at the end).")
      .def_readonly("items", &jobs::TaskPage::items)
      .def_property_readonly("next_cursor",
                             [](const jobs::TaskPage& p) { return text_or_none(p.next_cursor); })
      .def("__len__", [](const jobs::TaskPage& p) { return p.items.size(); })
      .def(
          "__iter__",
          [](const jobs::TaskPage& p) { return py::make_iterator(p.items.begin(), p.items.end()); },
          py::keep_alive<0, 1>());

  py::class_<PyScheduler>(
      m, "Scheduler",
      "engine.jobs: persistent tasks with priorities, dedup keys, dependencies, retries, cron "
      "schedules, timeouts, cancellation and events, kept in the engine's database (see "
      "cairn.jobs).")
      .def(
          "register",
          [](PyScheduler& s, const std::string& kind, py::object handler, int32_t max_concurrency,
             bool context) {
            if (!PyCallable_Check(handler.ptr())) throw py::type_error("handler must be callable");
            jobs::TaskHandler h = handler_of(std::move(handler), context);
            jobs::KindOptions options;
            options.max_concurrency = max_concurrency;
            s.call([&](Scheduler& x) { return x.register_kind(kind, std::move(h), options); });
          },
          py::arg("kind"), py::arg("handler"), py::kw_only(), py::arg("max_concurrency") = 0,
          py::arg("context") = false,
          "Registers handler for kind (only registered kinds run in this process). "
          "max_concurrency caps running tasks of the kind across every process (0: no cap).")
      .def(
          "enqueue",
          [](PyScheduler& s, const std::string& kind, const std::string& input,
             const std::optional<std::string>& key, std::optional<Timestamp> run_at,
             std::optional<std::chrono::milliseconds> delay, const std::vector<int64_t>& depends_on,
             const std::string& priority, std::optional<jobs::RetryPolicy> retry,
             const std::optional<std::string>& cron,
             std::optional<std::chrono::milliseconds> timeout,
             const std::string& on_dependency_failure, int32_t cron_utc_offset) {
            jobs::EnqueueOptions o;
            o.input = input;
            o.key = key.value_or("");
            o.run_at = run_at;
            o.delay = delay;
            o.depends_on = depends_on;
            o.priority = unwrap(jobs::parse_priority(priority));
            o.retry = retry;
            o.cron = cron.value_or("");
            o.cron_utc_offset = std::chrono::minutes(cron_utc_offset);
            o.timeout = timeout.value_or(std::chrono::milliseconds(0));
            o.on_dependency_failure = unwrap(jobs::parse_dependency_failure(on_dependency_failure));
            return s.call([&](Scheduler& x) { return x.enqueue(kind, o); });
          },
          py::arg("kind"), py::arg("input") = "", py::arg("key") = py::none(),
          py::arg("run_at") = py::none(), py::arg("delay") = py::none(),
          py::arg("depends_on") = std::vector<int64_t>{}, py::arg("priority") = "medium",
          py::arg("retry") = py::none(), py::arg("cron") = py::none(),
          py::arg("timeout") = py::none(), py::arg("on_dependency_failure") = "cancel",
          py::arg("cron_utc_offset") = 0,
          "Adds a task and returns its id. key: enqueueing with the key of a pending task updates "
          "it in place (same id); with the key of a running task, it runs once more with the new "
          "values when the run ends. run_at (an aware datetime) or delay (seconds) set the first "
          "run; cron a 5-field schedule read at UTC + cron_utc_offset minutes. depends_on: task "
          "ids that must end first; when one fails or is cancelled this task is cancelled, or "
          "run anyway with on_dependency_failure='run'. priority: 'high', 'medium' or 'low'. "
          "timeout (seconds): after it the run sees cancelled and fails with DEADLINE_EXCEEDED "
          "(JOB_TIMEOUT).")
      .def(
          "get",
          [](PyScheduler& s, int64_t id) {
            return s.call([&](Scheduler& x) { return x.get(id); });
          },
          py::arg("task_id"), "The task; NotFoundError (JOB_TASK_NOT_FOUND) when there is none.")
      .def(
          "list",
          [](PyScheduler& s, const std::optional<std::string>& kind,
             const std::optional<std::string>& state, const std::optional<std::string>& key_prefix,
             int32_t limit, const std::optional<std::string>& cursor) {
            jobs::TaskFilter filter;
            filter.kind = kind;
            if (state) filter.state = unwrap(jobs::parse_list_state(*state));
            filter.key_prefix = key_prefix;
            return s.call([&](Scheduler& x) { return x.list(filter, limit, cursor.value_or("")); });
          },
          py::arg("kind") = py::none(), py::arg("state") = py::none(),
          py::arg("key_prefix") = py::none(), py::arg("limit") = jobs::kDefaultListLimit,
          py::arg("cursor") = py::none(),
          "A Page of tasks in ascending id order: .items and .next_cursor (None at the end; pass "
          "it back as cursor, with the same filters, for the next page). kind: exact; state: a "
          "name counts() uses; key_prefix: the bytes the dedup key starts with ('%' and '_' "
          "literal). limit: 1 to 1000. InvalidArgumentError: JOB_LIST_INVALID (limit, "
          "key_prefix), JOB_STATE_INVALID, JOB_KIND_INVALID, JOB_CURSOR_INVALID (malformed, or "
          "made for other filters).")
      .def(
          "counts",
          [](PyScheduler& s) {
            jobs::TaskCounts counts = s.call([](Scheduler& x) { return x.counts(); });
            py::dict out;
            for (jobs::ListState state : jobs::kListStates) {
              out[py::str(name_of(jobs::to_string(state)))] = counts.of(state);
            }
            return out;
          },
          "How many tasks are in each state now: a dict keyed 'pending', 'scheduled', 'blocked', "
          "'running', 'lease_expired', 'done', 'failed', 'cancelled'. 'pending' counts every "
          "pending task, 'scheduled' (due later) and 'blocked' (waiting on a dependency; blocked "
          "wins over scheduled) among them; 'running' counts every running task, "
          "'lease_expired' (its worker stopped renewing the lease) among them.")
      .def(
          "cancel",
          [](PyScheduler& s, int64_t id) {
            return name_of(jobs::to_string(s.call([&](Scheduler& x) { return x.cancel(id); })));
          },
          py::arg("task_id"),
          "Cancels a pending task at once, or asks a running one to stop; returns the state "
          "afterwards ('running' while the cancellation is pending).")
      .def(
          "wait",
          [](PyScheduler& s, int64_t id, std::chrono::milliseconds timeout) {
            return s.call([&](Scheduler& x) { return x.wait(id, timeout); });
          },
          py::arg("task_id"), py::arg("timeout"),
          "Waits up to timeout seconds for the task to end; returns it as it is then.")
      .def(
          "run_pending",
          [](PyScheduler& s, std::optional<int32_t> max_tasks) {
            return s.call([&](Scheduler& x) { return x.run_pending(max_tasks); });
          },
          py::arg("max_tasks") = py::none(),
          "Runs due tasks on the calling thread until none is due (or max_tasks ran); returns "
          "how many ran. For tests and scripts.")
      .def(
          "purge_finished",
          [](PyScheduler& s, std::chrono::milliseconds older_than,
             const std::optional<std::string>& kind) {
            return s.call(
                [&](Scheduler& x) { return x.purge_finished(older_than, kind.value_or("")); });
          },
          py::arg("older_than"), py::arg("kind") = py::none(),
          "Deletes the finished tasks (done, failed, cancelled) of kind (None: any kind) whose "
          "last change is more than older_than seconds ago, with their errors; returns how many. "
          "A task that a pending or running task depends on stays until that task ends; pending "
          "and running tasks are never deleted, nor is the newest task. A negative age raises "
          "InvalidArgumentError (JOB_PURGE_INVALID).")
      .def(
          "start",
          [](PyScheduler& s, const py::object& workers) {
            std::array<int32_t, 3> counts{1, 2, 1};
            static constexpr std::array<const char*, 3> kTiers{"high", "medium", "low"};
            if (py::isinstance<py::dict>(workers)) {
              py::dict d = workers.cast<py::dict>();
              for (const auto& item : d) {
                std::string tier = py::str(item.first);
                if (std::find(kTiers.begin(), kTiers.end(), tier) == kTiers.end()) {
                  throw py::type_error("unknown worker tier: " + tier);
                }
              }
              for (size_t i = 0; i < kTiers.size(); ++i) {
                counts[i] = d.contains(kTiers[i]) ? d[kTiers[i]].cast<int32_t>() : 0;
              }
            } else if ((py::isinstance<py::tuple>(workers) || py::isinstance<py::list>(workers)) &&
                       py::len(workers) == 3) {
              auto seq = workers.cast<py::sequence>();
              for (size_t i = 0; i < 3; ++i) counts[i] = seq[i].cast<int32_t>();
            } else if (!workers.is_none()) {
              throw py::type_error(
                  "workers must be None, (high, medium, low) or a dict of those tiers");
            }
            s.call([&](Scheduler& x) { return x.start({counts[0], counts[1], counts[2]}); });
          },
          py::arg("workers") = py::none(),
          "Starts worker threads: workers None (1 high, 2 medium, 1 low), a tuple (high, medium, "
          "low), or a dict with those keys. High workers run only high tasks, medium workers high "
          "then medium, low workers anything.")
      .def(
          "stop", [](PyScheduler& s) { s.call([](Scheduler& x) { x.stop(); }); },
          "Stops the workers after their current runs; idempotent.")
      .def_property_readonly(
          "running",
          [](PyScheduler& s) { return s.call([](Scheduler& x) { return x.running(); }); },
          "Whether the workers are running.")
      .def_property_readonly(
          "worker_id",
          [](PyScheduler& s) { return s.call([](Scheduler& x) { return x.worker_id(); }); },
          "This process's name in task leases.")
      .def(
          "subscribe",
          [](PyScheduler& s, py::object callback) {
            if (!PyCallable_Check(callback.ptr())) {
              throw py::type_error("callback must be callable");
            }
            std::shared_ptr<py::object> fn = shared_callable(std::move(callback));
            jobs::EventCallback cb = [fn](const jobs::TaskEvent& e) {
              py::gil_scoped_acquire gil;
              try {
                (*fn)(e);
              } catch (py::error_already_set& err) {
                err.discard_as_unraisable("cairn.jobs event callback");
              }
            };
            return s.call([&](Scheduler& x) { return x.subscribe(std::move(cb)); });
          },
          py::arg("callback"),
          "Calls callback(TaskEvent) on every state change this process makes or observes (on "
          "the thread that made it); returns an id for unsubscribe.")
      .def(
          "unsubscribe",
          [](PyScheduler& s, uint64_t id) { s.call([&](Scheduler& x) { x.unsubscribe(id); }); },
          py::arg("subscription"), "Stops the calls of a subscribe callback.");

  bind_service_property<PyScheduler>(engine_class, "jobs",
                                     "The engine's persistent task scheduler (cairn.jobs).");
}

}  // namespace cairn::python
