// Shared glue of the Python module: error conversion and byte arguments.
#pragma once

#include <pybind11/pybind11.h>

#include <string>
#include <utility>

#include "cairn/core/bytes.hpp"
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

void bind_crypto(py::module_& m);
void bind_encoding(py::module_& m);
void bind_access(py::module_& m);
void bind_content(py::module_& m);

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

}  // namespace pybind11::detail
