// cairn._core: the pybind11 module behind the pure-Python package `cairn`.
//
// Thin by rule: it binds the C++ API and converts errors; it holds no domain logic. Every failed
// Result becomes an ErrorException, which the translator below turns into the matching class of
// cairn.errors (generated in Python from the same error table).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <mutex>

#include "cairn/cairn.hpp"
#include "conversions.hpp"
#include "engine.hpp"

namespace py = pybind11;

namespace cairn::python {
namespace {

// Destroying an engine joins its audit writer, and a writer on a Python clock needs the GIL to
// finish: the last owner lets go of the GIL while the engine is destroyed.
std::shared_ptr<Engine> share_engine(std::unique_ptr<Engine> engine) {
  return {engine.release(), [](Engine* e) {
            if (PyGILState_Check() != 0) {
              py::gil_scoped_release release;
              delete e;
            } else {
              delete e;
            }
          }};
}

PyEngine open_engine(const std::string& uri, const PyFakeEnv* env, const py::object& clock,
                     const py::object& busy_timeout, const std::string& audit_mode,
                     size_t audit_queue_capacity, const py::object& master_key,
                     const py::object& jobs_lease, const py::object& jobs_poll_interval) {
  EngineOptions options;
  options.jobs.lease = duration_arg<std::chrono::milliseconds>(jobs_lease, "jobs_lease");
  options.jobs.poll_interval =
      duration_arg<std::chrono::milliseconds>(jobs_poll_interval, "jobs_poll_interval");
  options.busy_timeout = duration_arg<std::chrono::milliseconds>(busy_timeout, "busy_timeout");
  if (!master_key.is_none()) options.master_key = master_key_arg(master_key);
  if (audit_mode == "async") {
    options.audit.mode = audit::WriteMode::kAsync;
  } else if (audit_mode != "fail_closed") {
    throw ErrorException{{ErrorCode::kInvalidArgument, "ENGINE_OPTIONS_INVALID",
                          "audit_mode must be 'fail_closed' or 'async'"}};
  }
  if (env != nullptr && !clock.is_none()) {
    throw ErrorException{
        {ErrorCode::kInvalidArgument, "ENGINE_OPTIONS_INVALID", "pass env or clock, not both"}};
  }
  std::shared_ptr<Env> chosen;
  if (env != nullptr) {
    chosen = env->env();
  } else if (!clock.is_none()) {
    chosen = clock_env(clock);
  }
  options.audit.queue_capacity = audit_queue_capacity;
  options.env = chosen.get();
  Result<std::unique_ptr<Engine>> engine = [&] {
    py::gil_scoped_release release;
    return Engine::open(uri, options);
  }();
  return PyEngine(share_engine(unwrap(std::move(engine))), std::move(chosen));
}

}  // namespace
}  // namespace cairn::python

PYBIND11_MODULE(_core, m) {
  using cairn::python::ErrorException;
  using cairn::python::PyEngine;
  using cairn::python::PyFakeEnv;
  m.doc() = "cairn's native core; import the `cairn` package instead.";

  // NOLINTNEXTLINE(performance-unnecessary-value-param): the signature pybind11 requires
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const ErrorException& e) {
      py::object make = py::module_::import("cairn.errors").attr("_make_error");
      py::object retry_after = py::none();
      if (e.error.retry_after.count() > 0) {
        retry_after = py::float_(static_cast<double>(e.error.retry_after.count()) / 1000.0);
      }
      py::object exc =
          make(static_cast<int>(e.error.code), e.error.reason, e.error.message, retry_after);
      PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc.ptr())), exc.ptr());
    }
  });

  m.def(
      "version", [] { return std::string(cairn::version()); },
      "The library version, 'MAJOR.MINOR.PATCH'.");
  m.def("latest_schema_version", &cairn::storage::latest_schema_version,
        "The highest storage schema migration this build knows.");
  py::class_<cairn::storage::SnapshotInfo>(m, "SnapshotInfo",
                                           "What inspect_snapshot found in a database file.")
      .def_readonly("schema_version", &cairn::storage::SnapshotInfo::schema_version)
      .def_readonly("instance_id", &cairn::storage::SnapshotInfo::instance_id)
      .def("__repr__", [](const cairn::storage::SnapshotInfo& i) {
        return "<cairn.SnapshotInfo schema " + std::to_string(i.schema_version) + " " +
               i.instance_id + ">";
      });
  m.def(
      "inspect_snapshot",
      [](const py::object& path) {
        std::string file = py::module_::import("os").attr("fspath")(path).cast<std::string>();
        cairn::Result<cairn::storage::SnapshotInfo> info = [&] {
          py::gil_scoped_release release;
          return cairn::storage::inspect_snapshot(file);
        }();
        return cairn::python::unwrap(std::move(info));
      },
      py::arg("path"),
      "Checks that the file at `path` is an intact cairn database (a snapshot) without changing "
      "it; its SnapshotInfo. UnavailableError (STORAGE_OPEN_FAILED), FailedPreconditionError "
      "(STORAGE_NOT_A_DATABASE, STORAGE_NOT_CAIRN_DATABASE), DataLossError (STORAGE_CORRUPT).");
  m.def(
      "error_code_table",
      [] {
        py::list rows;
        for (const cairn::ErrorCodeInfo& info : cairn::error_code_table()) {
          rows.append(py::make_tuple(static_cast<int>(info.code), std::string(info.wire_name),
                                     info.http_status, std::string(info.python_class),
                                     std::string(info.python_base), info.retryable));
        }
        return rows;
      },
      "Rows (number, wire_name, http_status, python_class, python_base, retryable) of the error "
      "table.");

  py::class_<PyFakeEnv>(m, "FakeEnv",
                        "A clock that moves only when told to and deterministic random bytes. "
                        "For tests.")
      .def(py::init([](const py::object& start, uint64_t seed) {
             return PyFakeEnv(start.is_none() ? cairn::from_unix_micros(1767225600000000LL)
                                              : cairn::python::timestamp_arg(start, "start"),
                              seed);
           }),
           py::arg("start") = py::none(), py::arg("seed") = 1,
           "Starts at `start` (an aware datetime; default 2026-01-01T00:00:00Z).")
      .def("now", &PyFakeEnv::now, "The fake time, an aware datetime in UTC.")
      .def("set_now", &PyFakeEnv::set_now, py::arg("when"), "Sets the time (an aware datetime).")
      .def("advance", &PyFakeEnv::advance, py::arg("seconds"),
           "Moves the time on by `seconds` (int or float seconds or a timedelta).")
      .def("random_bytes", &PyFakeEnv::random_bytes, py::arg("n"));

  py::class_<PyEngine> engine_class(m, "Engine", "An open engine: every store on one database.");
  engine_class.def_property_readonly("uri", [](const PyEngine& e) { return e.get()->uri(); })
      .def_property_readonly("backend",
                             [](const PyEngine& e) {
                               return std::string(cairn::storage::backend_name(e.get()->backend()));
                             })
      .def_property_readonly("schema_version",
                             [](const PyEngine& e) {
                               std::shared_ptr<cairn::Engine> engine = e.get();
                               py::gil_scoped_release release;
                               return engine->schema_version();
                             })
      .def_property_readonly("instance_id",
                             [](const PyEngine& e) { return e.get()->instance_id(); })
      .def_property_readonly(
          "created_at", [](const PyEngine& e) { return e.get()->created_at(); },
          "When the database was created, an aware datetime in UTC.")
      .def_property_readonly("closed", &PyEngine::closed)
      .def(
          "snapshot",
          [](PyEngine& e, const py::object& path) {
            std::string target = py::module_::import("os").attr("fspath")(path).cast<std::string>();
            cairn::python::ServiceHandle<cairn::storage::Database, &cairn::python::database_of>(e)
                .call([&](cairn::storage::Database& db) { return db.snapshot_to(target); });
          },
          py::arg("path"),
          "Writes a consistent copy of the whole database to a new file at `path` (0600; sqlite: "
          "only): UnimplementedError (STORAGE_SNAPSHOT_UNSUPPORTED) for memory:, "
          "InvalidArgumentError (STORAGE_SNAPSHOT_PATH_INVALID), UnavailableError "
          "(STORAGE_SNAPSHOT_FAILED).")
      .def("close", &PyEngine::close, "Closes the engine; idempotent.")
      .def(
          "__enter__", [](PyEngine& e) -> PyEngine& { return e; },
          py::return_value_policy::reference)
      .def("__exit__", [](PyEngine& e, const py::args&) {
        e.close();
        return false;
      });

  cairn::python::bind_crypto(m);
  cairn::python::bind_encoding(m);
  cairn::python::bind_access(m);
  cairn::python::bind_audit(m, engine_class);
  cairn::python::bind_engine_access(m, engine_class);
  cairn::python::bind_auth(m, engine_class);
  cairn::python::bind_secrets(m, engine_class);
  cairn::python::bind_board(m, engine_class);
  cairn::python::bind_records(m, engine_class);
  cairn::python::bind_jobs(m);
  cairn::python::bind_job_scheduler(m, engine_class);
  cairn::python::bind_content(m);

  m.def("open", &cairn::python::open_engine, py::arg("uri"), py::kw_only(),
        py::arg("env") = nullptr, py::arg("clock") = py::none(), py::arg("busy_timeout") = 5.0,
        py::arg("audit_mode") = "fail_closed", py::arg("audit_queue_capacity") = 10000,
        py::arg("master_key") = py::none(), py::arg("jobs_lease") = 30.0,
        py::arg("jobs_poll_interval") = 0.25,
        "Opens (creating and migrating as needed) the database at `uri`. `clock`: a callable "
        "returning an aware datetime, the engine's clock; `master_key`: 32 bytes or 64 hex "
        "characters, the secrets master key; durations in seconds (see cairn.open).");
}
