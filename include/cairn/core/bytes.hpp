// Byte buffers: the owned and the borrowed kind, and conversions from text.
//
// Bytes owns its storage; ByteView borrows it and must not outlive the owner. Functions take
// ByteView and return Bytes.
//
// Thread-safety: plain values; the usual rules for std::vector and std::span apply.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cairn {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

// The bytes of `text`, borrowed (no copy, no terminating NUL).
inline ByteView as_bytes(std::string_view text) noexcept {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

// The bytes of `bytes` as a std::string (for text protocols that carry binary data).
inline std::string to_string(ByteView bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// An owned copy of the bytes of `text`.
inline Bytes to_bytes(std::string_view text) {
  ByteView view = as_bytes(text);
  return {view.begin(), view.end()};
}

}  // namespace cairn
