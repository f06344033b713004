// Shared glue of the C ABI: the per-thread last error, the exception barrier, string copies.
// Every C entry point that returns cairn_status goes through guard(), so nothing thrown inside
// the engine (std::bad_alloc, a bug) ever crosses into C.
#pragma once

#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string_view>

#include "cairn.h"
#include "cairn/core/bytes.hpp"
#include "cairn/core/env.hpp"
#include "cairn/core/result.hpp"

namespace cairn::capi {

// Records `error` as this thread's last error and returns its code.
cairn_status set_error(const Error& error);
// Records success as this thread's last error and returns CAIRN_OK.
cairn_status set_ok();

// The INVALID_ARGUMENT / CAPI_NULL_ARGUMENT error for a NULL `what`.
cairn_status null_argument(const char* what);

// The C++ Env behind a cairn_env, or nullptr for NULL (meaning the system env).
Env* env_of(cairn_env* env);

// The bytes (data, len) as a view; data may be NULL only when len is 0.
inline bool view_of(const uint8_t* data, size_t len, ByteView& out) {
  if (data == nullptr && len != 0) return false;
  out = data == nullptr ? ByteView() : ByteView(data, len);
  return true;
}

// A malloc'd copy of `bytes` in *out / *out_len, released by cairn_free(); throws bad_alloc.
inline void copy_bytes(ByteView bytes, uint8_t** out, size_t* out_len) {
  auto* buffer = static_cast<uint8_t*>(std::malloc(bytes.empty() ? 1 : bytes.size()));
  if (buffer == nullptr) throw std::bad_alloc();
  if (!bytes.empty()) std::memcpy(buffer, bytes.data(), bytes.size());
  *out = buffer;
  *out_len = bytes.size();
}

// Runs `body` (returning cairn_status), converting anything thrown to an error.
template <class F>
cairn_status guard(F&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return set_error({ErrorCode::kResourceExhausted, "CAPI_OUT_OF_MEMORY", "out of memory"});
  } catch (const std::length_error&) {
    // A size the library cannot allocate (a huge count or length from the caller).
    return set_error({ErrorCode::kResourceExhausted, "CAPI_OUT_OF_MEMORY",
                      "the request is too large to allocate"});
  } catch (...) {
    return set_error(
        {ErrorCode::kInternal, "CAPI_INTERNAL_ERROR", "an unexpected internal error occurred"});
  }
}

// Sets the last error from `status` and returns its code.
inline cairn_status from_status(const Status& status) {
  return status ? set_ok() : set_error(status.error());
}

// A malloc'd NUL-terminated copy of `text`, released by cairn_free(); throws bad_alloc.
inline char* copy_string(std::string_view text) {
  auto* out = static_cast<char*>(std::malloc(text.size() + 1));
  if (out == nullptr) throw std::bad_alloc();
  std::memcpy(out, text.data(), text.size());
  out[text.size()] = '\0';
  return out;
}

}  // namespace cairn::capi
