// cairn._core.jobs: cron schedules, retry backoff and the in-memory DAG executor.
#include <pybind11/stl.h>

#include <cmath>
#include <optional>
#include <stdexcept>

#include "cairn/jobs/cron.hpp"
#include "cairn/jobs/dag.hpp"
#include "cairn/jobs/retry.hpp"
#include "conversions.hpp"
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

// A Dag of Python callables. Each task takes the GIL to call its function, so Python tasks run
// one at a time whatever the worker count; run() releases the GIL while it waits.
struct PyDag {
  jobs::Dag dag;
  bool running = false;
  // The first exception a task raised in the current run: run() re-raises it as it was.
  std::optional<py::error_already_set> error;

  void check_idle() const {
    if (running) {
      throw ErrorException{{ErrorCode::kFailedPrecondition, "JOB_DAG_BUSY",
                            "the DAG is running: it cannot be changed or run again until it ends"}};
    }
  }
};

// A task of a PyDag; holds the Dag object, so a node keeps its Dag alive.
struct PyDagNode {
  py::object dag;
  size_t index = 0;

  PyDag& owner() const { return dag.cast<PyDag&>(); }
};

// Makes `before` run before `after` (nodes of one Dag that is not running).
void order(const PyDagNode& before, const PyDagNode& after) {
  if (!before.dag.is(after.dag)) {
    throw ErrorException{{ErrorCode::kInvalidArgument, "JOB_DAG_NODE_INVALID",
                          "the two nodes belong to different DAGs"}};
  }
  PyDag& dag = before.owner();
  dag.check_idle();
  unwrap(dag.dag.precede(before.index, after.index));
}

void bind_dag(py::module_& jobs) {
  py::class_<PyDagNode>(jobs, "DagNode", "A task of a Dag (made by Dag.add).")
      .def_property_readonly(
          "index", [](const PyDagNode& self) { return self.index; },
          "The position of the task in its Dag, from 0 in the order of add().")
      .def(
          "precede",
          [](const PyDagNode& self, const PyDagNode& other) {
            order(self, other);
            return self;
          },
          py::arg("other"), "Makes this task run before `other`; returns this node.")
      .def(
          "succeed",
          [](const PyDagNode& self, const PyDagNode& other) {
            order(other, self);
            return self;
          },
          py::arg("other"), "Makes this task run after `other`; returns this node.")
      .def("__repr__",
           [](const PyDagNode& self) { return "<DagNode " + std::to_string(self.index) + ">"; });

  py::class_<PyDag>(jobs, "Dag",
                    "An in-memory graph of tasks (Python callables) and the order between them.")
      .def(py::init<>())
      .def(
          "add",
          [](const py::object& self_object, py::function fn) {
            PyDag& self = self_object.cast<PyDag&>();
            self.check_idle();
            PyDag* owner = &self;  // outlives its tasks: they live in owner->dag
            jobs::Node node = self.dag.add([owner, fn = std::move(fn)] {
              py::gil_scoped_acquire gil;
              try {
                fn();
              } catch (py::error_already_set& e) {
                if (!owner->error) owner->error = e;
                throw std::runtime_error("a Python task raised an exception");
              }
            });
            return PyDagNode{self_object, node.index()};
          },
          py::arg("fn"), "Adds a task calling fn() and returns its DagNode.")
      .def("__len__", [](const PyDag& self) { return self.dag.size(); })
      .def(
          "run",
          [](PyDag& self, std::optional<unsigned> workers) {
            self.check_idle();
            self.running = true;
            self.error.reset();
            struct Idle {
              PyDag& dag;
              ~Idle() { dag.running = false; }
            } idle{self};
            Status status;
            {
              py::gil_scoped_release release;
              jobs::Executor executor(workers.value_or(0));
              status = executor.run(self.dag);
            }
            if (self.error) {
              py::error_already_set raised = std::move(*self.error);
              self.error.reset();
              throw raised;  // pybind11 restores the original exception
            }
            unwrap(std::move(status));
          },
          py::arg("workers") = py::none(),
          "Runs every task once, each after the tasks that precede it, on `workers` threads (None: "
          "one per core). Raises the first exception a task raised (no task starts after it), or "
          "InvalidArgumentError (JOB_DEPENDENCY_CYCLE) for a cycle, before any task runs.");
}

}  // namespace

void bind_jobs(py::module_& m) {
  py::module_ jobs =
      m.def_submodule("jobs", "Cron schedules, retry backoff and the in-memory DAG executor.");
  bind_dag(jobs);
  jobs.def(
      "cron_next",
      [](const std::string& expression, const py::object& after) {
        Timestamp start = timestamp_arg(after, "after");
        py::object offset = after.attr("utcoffset")();
        const auto offset_minutes = std::chrono::floor<std::chrono::minutes>(
            std::chrono::microseconds(*duration_micros(offset)));
        auto cron = unwrap(jobs::CronSchedule::parse(expression));
        return to_datetime(cron.next_after(start, offset_minutes))
            .attr("astimezone")(after.attr("tzinfo"));
      },
      py::arg("expr"), py::arg("after"),
      "The first whole minute strictly after `after` (an aware datetime) that matches the "
      "5-field cron expression, the fields read at `after`'s UTC offset; an aware datetime in "
      "`after`'s zone. Raises InvalidArgumentError (JOB_CRON_INVALID).");
  jobs.def(
      "check_cron",
      [](const std::string& expression) { unwrap(jobs::CronSchedule::parse(expression)); },
      py::arg("expr"), "Raises InvalidArgumentError (JOB_CRON_INVALID) for a bad expression.");

  // The one codec of jobs::RetryPolicy: delays as float seconds.
  py::class_<jobs::RetryPolicy>(
      jobs, "RetryPolicy",
      "Exponential backoff: retry n (0-based) waits min(min_delay * 2**n, max_delay) seconds; "
      "with jitter a uniform draw from [half, all] of that. attempts counts every run, the first "
      "included. Bad values raise InvalidArgumentError (JOB_RETRY_POLICY_INVALID).")
      .def(py::init(&policy_of), py::arg("min_delay"), py::arg("max_delay"), py::arg("attempts"),
           py::arg("jitter") = false)
      .def_readonly("min_delay", &jobs::RetryPolicy::min_delay, "Seconds.")
      .def_readonly("max_delay", &jobs::RetryPolicy::max_delay, "Seconds.")
      .def_readonly("attempts", &jobs::RetryPolicy::attempts)
      .def_readonly("jitter", &jobs::RetryPolicy::jitter)
      .def(
          "__eq__",
          [](const jobs::RetryPolicy& a, const jobs::RetryPolicy& b) {
            return a.min_delay == b.min_delay && a.max_delay == b.max_delay &&
                   a.attempts == b.attempts && a.jitter == b.jitter;
          },
          py::is_operator())
      .def("__repr__", [](const jobs::RetryPolicy& p) {
        return "RetryPolicy(min_delay=" + py::repr(py::cast(p.min_delay)).cast<std::string>() +
               ", max_delay=" + py::repr(py::cast(p.max_delay)).cast<std::string>() +
               ", attempts=" + std::to_string(p.attempts) +
               ", jitter=" + (p.jitter ? "True" : "False") + ")";
      });
  jobs.def(
      "backoff",
      [](const jobs::RetryPolicy& policy, int32_t attempt) {
        return policy.jitter ? jobs::backoff(policy, attempt, Env::system())
                             : jobs::backoff(policy, attempt);
      },
      py::arg("policy"), py::arg("attempt"),
      "The delay in seconds before retry number `attempt` (0-based) under `policy`.");
}

}  // namespace cairn::python
