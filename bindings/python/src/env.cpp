// PyClockEnv: an Env whose clock is a Python callable (cairn.open(uri, clock=...)).
#include "engine.hpp"

namespace cairn::python {
namespace {

bool interpreter_finalizing() {
#if PY_VERSION_HEX >= 0x030D0000
  return Py_IsFinalizing() != 0;
#else
  return _Py_IsFinalizing() != 0;
#endif
}

}  // namespace

PyClockEnv::~PyClockEnv() {
  py::gil_scoped_acquire gil;
  clock_ = py::object();
}

Timestamp PyClockEnv::now() {
  // A thread that takes the GIL while the interpreter shuts down is never woken again.
  if (interpreter_finalizing()) return Env::system().now();
  py::gil_scoped_acquire gil;
  // Leave any exception the calling thread has pending as it was.
  py::error_scope pending;
  try {
    py::object value = clock_();
    if (std::optional<Timestamp> t = timestamp_of(value)) return *t;
    PyErr_SetString(PyExc_TypeError, "the engine's clock must return an aware datetime");
    throw py::error_already_set();
  } catch (py::error_already_set& e) {
    e.discard_as_unraisable(clock_);
  } catch (const std::exception& e) {
    // A naive datetime (TypeError) or one outside the datetime range.
    PyErr_SetString(PyExc_TypeError, e.what());
    py::error_already_set error;
    error.discard_as_unraisable(clock_);
  }
  return Env::system().now();
}

std::shared_ptr<Env> clock_env(const py::object& clock) {
  if (PyCallable_Check(clock.ptr()) == 0) {
    throw py::type_error("clock must be a callable returning an aware datetime");
  }
  py::object first = clock();
  if (!timestamp_of(first)) {  // a naive datetime raises TypeError in timestamp_of
    throw py::type_error("clock() must return an aware datetime, not " +
                         py::repr(first).cast<std::string>());
  }
  return std::make_shared<PyClockEnv>(clock);
}

}  // namespace cairn::python
