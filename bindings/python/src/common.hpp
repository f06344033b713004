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

// Any bytes-like argument (bytes, bytearray, memoryview of bytes). Holding the buffer keeps the
// object's memory in place, so the view stays valid while the GIL is released.
class BytesArg {
 public:
  BytesArg() = default;
  explicit BytesArg(py::buffer_info info) : info_(std::move(info)) {}

  // Whether `info` describes plain bytes (one dimension of single-byte items).
  static bool acceptable(const py::buffer_info& info) {
    return info.ndim <= 1 && (info.itemsize == 1 || info.size == 0);
  }
  ByteView view() const {
    if (info_.ptr == nullptr) return {};
    return {static_cast<const uint8_t*>(info_.ptr), static_cast<size_t>(info_.size)};
  }

 private:
  py::buffer_info info_;
};

inline py::bytes to_py_bytes(ByteView bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

void bind_crypto(py::module_& m);
void bind_encoding(py::module_& m);

}  // namespace cairn::python

namespace pybind11::detail {

// Lets functions take `const BytesArg&` for any object with the buffer protocol; str and other
// objects fall through to pybind11's TypeError.
template <>
struct type_caster<cairn::python::BytesArg> {
  PYBIND11_TYPE_CASTER(cairn::python::BytesArg, const_name("bytes"));

  bool load(handle src, bool /*convert*/) {
    if (!PyObject_CheckBuffer(src.ptr())) return false;
    buffer_info info = reinterpret_borrow<buffer>(src).request();
    if (!cairn::python::BytesArg::acceptable(info)) return false;
    value = cairn::python::BytesArg(std::move(info));
    return true;
  }
};

}  // namespace pybind11::detail
