// cairn._core.encoding: hex, base64, base64url.
#include "cairn/core/encoding.hpp"

#include "conversions.hpp"

namespace cairn::python {

void bind_encoding(py::module_& root) {
  py::module_ m = root.def_submodule("encoding", "Strict text encodings of bytes.");
  m.def(
      "hex_encode", [](const BytesArg& data) { return encoding::hex_encode(data.view()); },
      py::arg("data"), "Lower-case hexadecimal of data.");
  m.def(
      "hex_decode",
      [](const std::string& text) { return to_py_bytes(unwrap(encoding::hex_decode(text))); },
      py::arg("text"), "Bytes from hex; InvalidArgumentError (ENCODING_INVALID_HEX) if malformed.");
  m.def(
      "b64_encode", [](const BytesArg& data) { return encoding::b64_encode(data.view()); },
      py::arg("data"), "Standard base64 with padding.");
  m.def(
      "b64_decode",
      [](const std::string& text) { return to_py_bytes(unwrap(encoding::b64_decode(text))); },
      py::arg("text"),
      "Bytes from padded standard base64; InvalidArgumentError (ENCODING_INVALID_BASE64).");
  m.def(
      "b64url_encode",
      [](const BytesArg& data, bool pad) { return encoding::b64url_encode(data.view(), pad); },
      py::arg("data"), py::arg("pad") = false, "base64url, unpadded unless pad=True.");
  m.def(
      "b64url_decode",
      [](const std::string& text) { return to_py_bytes(unwrap(encoding::b64url_decode(text))); },
      py::arg("text"),
      "Bytes from base64url with or without padding; InvalidArgumentError "
      "(ENCODING_INVALID_BASE64).");
}

}  // namespace cairn::python
