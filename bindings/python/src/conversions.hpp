// How values cross the Python edge, in one place for every domain:
//   - errors: a failed Result becomes an ErrorException, raised as its cairn.errors class by the
//     translator in module.cpp (unwrap);
//   - bytes: any contiguous bytes-like object in (BytesArg), bytes out (to_py_bytes);
//   - JSON documents: Python values through the json module (to_json, from_json);
//   - times: every Timestamp is an aware datetime in UTC, out and in (an aware datetime in any
//     zone is accepted; a naive one is a TypeError); every duration is float seconds out, and
//     int or float seconds or a timedelta in. Both through the type casters at the end of this
//     file, so a binding that returns a record returns its times right without saying so.
// The time conversions live in conversions.cpp, the one file that includes Python's datetime.h
// (its API pointer is a static of each translation unit). Everything here needs the GIL.
#pragma once

#include <pybind11/pybind11.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "cairn/core/bytes.hpp"
#include "cairn/core/env.hpp"
#include "cairn/core/result.hpp"

namespace cairn::python {

namespace py = pybind11;

// A failed Result on its way to Python; module.cpp's translator raises the cairn.errors class.
struct ErrorException {
  Error error;
};

template <class T>
T unwrap(Result<T>&& result) {
  if (!result) throw ErrorException{std::move(result).error()};
  return std::move(result).value();
}

inline void unwrap(Status&& status) {
  if (!status) throw ErrorException{std::move(status).error()};
}

// What a service call hands back to Python: the value of a Result, nothing for a Status, any
// other type as it is. Raises the error of a failed Result or Status.
template <class R>
struct Unwrapped {
  static R take(R&& value) { return std::move(value); }
};
template <class T>
struct Unwrapped<Result<T>> {
  static T take(Result<T>&& result) { return unwrap(std::move(result)); }
};
template <>
struct Unwrapped<Status> {
  static void take(Status&& status) { unwrap(std::move(status)); }
};

// Python values to compact JSON text (NaN refused) and back, through the json module.
inline std::string to_json(const py::handle& value) {
  return py::module_::import("json")
      .attr("dumps")(value, py::arg("separators") = py::make_tuple(",", ":"),
                     py::arg("allow_nan") = false)
      .cast<std::string>();
}

inline py::object from_json(const std::string& text) {
  return py::module_::import("json").attr("loads")(text);
}

// Any bytes-like argument (bytes, bytearray, contiguous memoryview). The buffer is requested with
// PyBUF_SIMPLE, so the exporter either hands over one contiguous run of bytes or refuses (a strided
// memoryview is a TypeError, never misread). Holding the buffer keeps the object's memory in
// place, so the view stays valid while the GIL is released.
class BytesArg {
 public:
  BytesArg() = default;
  BytesArg(BytesArg&& other) noexcept : view_(std::exchange(other.view_, nullptr)) {}
  BytesArg& operator=(BytesArg&& other) noexcept {
    std::swap(view_, other.view_);
    return *this;
  }
  BytesArg(const BytesArg&) = delete;
  BytesArg& operator=(const BytesArg&) = delete;
  ~BytesArg() {
    if (view_ != nullptr) {
      PyBuffer_Release(view_);
      delete view_;
    }
  }

  // Takes a contiguous byte view of `object`; false (with no Python error set) when it has none.
  bool load(PyObject* object) {
    auto* view = new Py_buffer();
    if (PyObject_GetBuffer(object, view, PyBUF_SIMPLE) != 0) {
      delete view;
      PyErr_Clear();
      return false;
    }
    view_ = view;
    return true;
  }

  ByteView view() const {
    if (view_ == nullptr || view_->buf == nullptr) return {};
    return {static_cast<const uint8_t*>(view_->buf), static_cast<size_t>(view_->len)};
  }

 private:
  Py_buffer* view_ = nullptr;
};

inline py::bytes to_py_bytes(ByteView bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// ---- times

namespace detail {

// Microseconds in the unit D, rounded to the nearest for an integral D.
template <class D>
D to_duration(int64_t micros) {
  if constexpr (std::chrono::treat_as_floating_point_v<typename D::rep>) {
    return std::chrono::duration_cast<D>(std::chrono::microseconds(micros));
  } else {
    return std::chrono::round<D>(std::chrono::microseconds(micros));
  }
}

}  // namespace detail

// An aware datetime in UTC for t. ValueError outside the years 1 to 9999.
py::object to_datetime(Timestamp t);

// The instant of an aware datetime (any zone); nullopt for an object that is not a datetime.
// TypeError for a naive datetime: cairn never guesses which zone it meant.
std::optional<Timestamp> timestamp_of(py::handle value);

// A time argument named `name`: an aware datetime; TypeError for anything else.
inline Timestamp timestamp_arg(const py::handle& value, const char* name) {
  if (std::optional<Timestamp> t = timestamp_of(value)) return *t;
  throw py::type_error(std::string(name) + " must be an aware datetime, not " +
                       std::string(py::str(py::type::handle_of(value).attr("__name__"))));
}

// ---- durations

// Microseconds of a duration argument: int or float seconds (rounded to the microsecond) or a
// timedelta; nullopt for anything else (bool, NaN, infinities and values beyond the int64
// microsecond range included).
std::optional<int64_t> duration_micros(py::handle value);

// A duration argument named `name` in the unit D (rounded to the nearest); TypeError for
// anything but seconds or a timedelta.
template <class D = std::chrono::microseconds>
D duration_arg(const py::handle& value, const char* name) {
  std::optional<int64_t> micros = duration_micros(value);
  if (!micros) {
    throw py::type_error(std::string(name) +
                         " must be seconds (a finite int or float) or a timedelta");
  }
  return detail::to_duration<D>(*micros);
}

// A duration as float seconds, the way every duration leaves the module.
template <class Rep, class Period>
double seconds_of(std::chrono::duration<Rep, Period> d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace cairn::python

namespace pybind11::detail {

// Lets functions take `const BytesArg&` for any object with the buffer protocol; str and other
// objects fall through to pybind11's TypeError.
template <>
struct type_caster<cairn::python::BytesArg> {
  PYBIND11_TYPE_CASTER(cairn::python::BytesArg, const_name("bytes"));

  bool load(handle src, bool /*convert*/) {
    if (!PyObject_CheckBuffer(src.ptr())) return false;
    return value.load(src.ptr());
  }
};

// cairn::Timestamp <-> aware datetime (UTC out; any zone in, naive refused with TypeError).
// pybind11/chrono.h, which maps times to naive local datetimes, is never included.
template <>
struct type_caster<cairn::Timestamp> {
  PYBIND11_TYPE_CASTER(cairn::Timestamp, const_name("datetime.datetime"));

  bool load(handle src, bool /*convert*/) {
    std::optional<cairn::Timestamp> t = cairn::python::timestamp_of(src);
    if (!t) return false;
    value = *t;
    return true;
  }

  static handle cast(cairn::Timestamp t, return_value_policy /*policy*/, handle /*parent*/) {
    return cairn::python::to_datetime(t).release();
  }
};

// std::chrono durations <-> float seconds (int or float seconds or a timedelta in).
template <class Rep, class Period>
struct type_caster<std::chrono::duration<Rep, Period>> {
  using Duration = std::chrono::duration<Rep, Period>;
  PYBIND11_TYPE_CASTER(Duration, const_name("float"));

  bool load(handle src, bool /*convert*/) {
    std::optional<int64_t> micros = cairn::python::duration_micros(src);
    if (!micros) return false;
    value = cairn::python::detail::to_duration<Duration>(*micros);
    return true;
  }

  static handle cast(Duration d, return_value_policy /*policy*/, handle /*parent*/) {
    return PyFloat_FromDouble(cairn::python::seconds_of(d));
  }
};

}  // namespace pybind11::detail
