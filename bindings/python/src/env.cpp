// PyClockEnv: an Env whose clock is a Python callable (cairn.open(uri, clock=...)).
#include <cmath>
#include <limits>

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

std::optional<int64_t> seconds_to_micros(py::handle seconds) {
  PyObject* object = seconds.ptr();
  // bool is an int to Python, but a clock answering True is a bug, not the epoch plus a second.
  if (object == nullptr || PyBool_Check(object)) return std::nullopt;
  if (PyLong_Check(object)) {
    int overflow = 0;
    long long whole = PyLong_AsLongLongAndOverflow(object, &overflow);
    if (overflow != 0 || (whole == -1 && PyErr_Occurred() != nullptr)) {
      PyErr_Clear();
      return std::nullopt;
    }
    constexpr long long kLimit = std::numeric_limits<int64_t>::max() / 1000000;
    if (whole > kLimit || whole < -kLimit) return std::nullopt;
    return static_cast<int64_t>(whole) * 1000000;
  }
  double value = PyFloat_AsDouble(object);
  if (value == -1.0 && PyErr_Occurred() != nullptr) {
    PyErr_Clear();
    return std::nullopt;
  }
  if (!std::isfinite(value)) return std::nullopt;
  // Whole seconds and the fraction apart (both exact), so the rounding is that of the value
  // itself, not of value * 1e6 (which near 2^51 already lands on quarter microseconds).
  double whole = std::floor(value);
  // One second of headroom for the fraction's microseconds.
  constexpr int64_t kLimitSeconds = std::numeric_limits<int64_t>::max() / 1000000 - 1;
  if (std::fabs(whole) > static_cast<double>(kLimitSeconds)) return std::nullopt;
  return static_cast<int64_t>(whole) * 1000000 + std::llround((value - whole) * 1e6);
}

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
    if (std::optional<int64_t> micros = seconds_to_micros(value)) return from_unix_micros(*micros);
    PyErr_SetString(PyExc_TypeError,
                    "the engine's clock must return unix seconds (a finite int or float)");
    throw py::error_already_set();
  } catch (py::error_already_set& e) {
    e.discard_as_unraisable(clock_);
  }
  return Env::system().now();
}

std::shared_ptr<Env> clock_env(const py::object& clock) {
  if (PyCallable_Check(clock.ptr()) == 0) {
    throw py::type_error("clock must be a callable returning unix seconds");
  }
  py::object first = clock();
  if (!seconds_to_micros(first)) {
    throw py::type_error("clock() must return unix seconds as a finite int or float, not " +
                         py::repr(first).cast<std::string>());
  }
  return std::make_shared<PyClockEnv>(clock);
}

}  // namespace cairn::python
