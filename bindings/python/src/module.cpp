// cairn._core: the pybind11 module behind the pure-Python package `cairn`.
//
// Thin by rule: it binds the C++ API and converts errors; it holds no domain logic. Every failed
// Result becomes an ErrorException, which the translator below turns into the matching class of
// cairn.errors (generated in Python from the same error table).
#include <pybind11/chrono.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <mutex>

#include "cairn/cairn.hpp"
#include "common.hpp"

namespace py = pybind11;

namespace cairn::python {
namespace {

// A FakeEnv owned by Python. Engines opened with it keep the Python object alive.
class PyFakeEnv {
 public:
  PyFakeEnv(int64_t start_unix_micros, uint64_t seed)
      : env_(std::make_shared<FakeEnv>(from_unix_micros(start_unix_micros), seed)) {}
  int64_t now_unix_micros() { return to_unix_micros(env_->now()); }
  void set_now_unix_micros(int64_t micros) { env_->set_now(from_unix_micros(micros)); }
  void advance_micros(int64_t micros) { env_->advance(std::chrono::microseconds(micros)); }
  py::bytes random_bytes(size_t n) {
    std::string out(n, '\0');
    env_->random_bytes({reinterpret_cast<uint8_t*>(out.data()), out.size()});
    return py::bytes(out);
  }
  const std::shared_ptr<FakeEnv>& env() const { return env_; }

 private:
  std::shared_ptr<FakeEnv> env_;
};

// An Engine as Python sees it: closeable, usable as a context manager. Calls take a reference to
// the engine before doing work, so close() from another thread never frees an engine in use.
class PyEngine {
 public:
  PyEngine(std::shared_ptr<Engine> engine, std::shared_ptr<FakeEnv> env)
      : env_(std::move(env)), engine_(std::move(engine)) {}

  std::shared_ptr<Engine> get() const {
    if (!engine_) {
      throw ErrorException{
          {ErrorCode::kFailedPrecondition, "ENGINE_CLOSED", "the engine is closed"}};
    }
    return engine_;
  }
  void close() { engine_.reset(); }
  bool closed() const { return !engine_; }

 private:
  // The clock is declared first so it is destroyed last: the engine borrows it.
  std::shared_ptr<FakeEnv> env_;
  std::shared_ptr<Engine> engine_;
};

PyEngine open_engine(const std::string& uri, const PyFakeEnv* env, int64_t busy_timeout_ms) {
  EngineOptions options;
  options.env = env != nullptr ? env->env().get() : nullptr;
  options.busy_timeout = std::chrono::milliseconds(busy_timeout_ms);
  Result<std::unique_ptr<Engine>> engine = [&] {
    py::gil_scoped_release release;
    return Engine::open(uri, options);
  }();
  return PyEngine(unwrap(std::move(engine)), env != nullptr ? env->env() : nullptr);
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
      py::object exc = make(static_cast<int>(e.error.code), e.error.reason, e.error.message);
      PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc.ptr())), exc.ptr());
    }
  });

  m.def(
      "version", [] { return std::string(cairn::version()); },
      "The library version, 'MAJOR.MINOR.PATCH'.");
  m.def("latest_schema_version", &cairn::storage::latest_schema_version,
        "The highest storage schema migration this build knows.");
  m.def(
      "error_code_table",
      [] {
        py::list rows;
        for (const cairn::ErrorCodeInfo& info : cairn::error_code_table()) {
          rows.append(py::make_tuple(static_cast<int>(info.code), std::string(info.wire_name),
                                     info.http_status, std::string(info.python_class),
                                     std::string(info.python_base)));
        }
        return rows;
      },
      "Rows (number, wire_name, http_status, python_class, python_base) of the error table.");

  py::class_<PyFakeEnv>(m, "FakeEnv",
                        "A clock that moves only when told to and deterministic random bytes. "
                        "For tests.")
      .def(py::init<int64_t, uint64_t>(), py::arg("start_unix_micros") = 1767225600000000LL,
           py::arg("seed") = 1)
      .def("now_unix_micros", &PyFakeEnv::now_unix_micros)
      .def("set_now_unix_micros", &PyFakeEnv::set_now_unix_micros, py::arg("unix_micros"))
      .def("advance_micros", &PyFakeEnv::advance_micros, py::arg("micros"))
      .def("random_bytes", &PyFakeEnv::random_bytes, py::arg("n"));

  py::class_<PyEngine>(m, "Engine", "An open engine: every store on one database.")
      .def_property_readonly("uri", [](const PyEngine& e) { return e.get()->uri(); })
      .def_property_readonly("backend",
                             [](const PyEngine& e) {
                               return std::string(cairn::storage::backend_name(e.get()->backend()));
                             })
      .def_property_readonly("schema_version",
                             [](const PyEngine& e) { return e.get()->schema_version(); })
      .def_property_readonly("instance_id",
                             [](const PyEngine& e) { return e.get()->instance_id(); })
      .def_property_readonly(
          "created_at_unix_micros",
          [](const PyEngine& e) { return cairn::to_unix_micros(e.get()->created_at()); })
      .def_property_readonly("closed", &PyEngine::closed)
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

  m.def("open", &cairn::python::open_engine, py::arg("uri"), py::kw_only(),
        py::arg("env") = nullptr, py::arg("busy_timeout_ms") = 5000,
        "Opens (creating and migrating as needed) the database at `uri`.");
}
