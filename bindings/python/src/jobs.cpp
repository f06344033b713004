// cairn._core.jobs: cron schedules, retry backoff and the in-memory DAG executor.
#include <pybind11/stl.h>

#include <cmath>
#include <optional>
#include <stdexcept>

#include "cairn/jobs/cron.hpp"
#include "cairn/jobs/dag.hpp"
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
