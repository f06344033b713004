// The one shape of a C ABI entry point, and what every entry point uses: the per-thread last
// error, the exception barrier, the NULL checks of out- and in-parameters, the memory handed to
// the caller, and the hand-out of results.
//
// Every exported function that returns cairn_status is one call of entry() (or service_entry()
// for calls on an engine service), in this order:
//
//   guard (nothing thrown inside the engine, std::bad_alloc or a bug, ever crosses into C)
//   -> out-parameters reset (so every out-parameter is NULL or 0 on error) and checked for NULL
//   -> in-parameters checked for NULL (CAPI_NULL_ARGUMENT naming the first NULL one)
//   -> the service (service_entry: its error, e.g. SECRETS_MASTER_KEY_MISSING, crosses as is)
//   -> the body: one call into the engine, its result handed out with put_*()
//   -> the status, with cairn_error_last() set to match.
//
//   cairn_status cairn_secrets_org(char** out_json, cairn_engine* engine, const char* name) {
//     return service_entry(CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine, name),
//                          [&] { return secrets_of(engine); },
//                          [&](SecretsService& s) { return put_json(out_json, s.org(name),
//                          org_json); });
//   }
#pragma once

#include <cstdlib>
#include <cstring>
#include <new>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "cairn.h"
#include "cairn/core/bytes.hpp"
#include "cairn/core/env.hpp"
#include "cairn/core/result.hpp"

namespace cairn::capi {

// Records are JSON objects whose members keep the order they are written in.
using Json = nlohmann::ordered_json;

// ---- The last error

// Records `error` as this thread's last error and returns its code.
cairn_status set_error(const Error& error);
// Records success as this thread's last error and returns CAIRN_OK.
cairn_status set_ok();
// The INVALID_ARGUMENT / CAPI_NULL_ARGUMENT error for a NULL `what`.
cairn_status null_argument(const char* what);

// Sets the last error from `status` and returns its code.
inline cairn_status from_status(const Status& status) {
  return status ? set_ok() : set_error(status.error());
}

// The C++ Env behind a cairn_env, or nullptr for NULL (meaning the system env).
Env* env_of(cairn_env* env);

// ---- Memory handed to the caller
//
// Every buffer the library hands out comes from allocate(), which keeps its size in a header in
// front of it: cairn_free() releases it, and cairn_crypto_secret_free() wipes all of it first,
// whatever it holds (text or bytes), so one call releases any secret.

// size bytes (at least 1) for the caller; throws std::bad_alloc.
void* allocate(size_t size);
// Releases a buffer from allocate(); NULL is ok.
void release(void* ptr) noexcept;
// Wipes the whole buffer from allocate() with zeros, then releases it; NULL is ok.
void release_secret(void* ptr) noexcept;

// A NUL-terminated copy of `text` for the caller; throws bad_alloc.
inline char* copy_string(std::string_view text) {
  auto* out = static_cast<char*>(allocate(text.size() + 1));
  if (!text.empty()) std::memcpy(out, text.data(), text.size());
  out[text.size()] = '\0';
  return out;
}

// A copy of `bytes` in *out / *out_len for the caller; throws bad_alloc.
inline void copy_bytes(ByteView bytes, uint8_t** out, size_t* out_len) {
  auto* buffer = static_cast<uint8_t*>(allocate(bytes.size()));
  if (!bytes.empty()) std::memcpy(buffer, bytes.data(), bytes.size());
  *out = buffer;
  *out_len = bytes.size();
}

// The bytes (data, len) as a view; data may be NULL only when len is 0.
inline bool view_of(const uint8_t* data, size_t len, ByteView& out) {
  if (data == nullptr && len != 0) return false;
  out = data == nullptr ? ByteView() : ByteView(data, len);
  return true;
}

// NULL as "", without a copy.
inline std::string_view view(const char* s) {
  return s != nullptr ? std::string_view(s) : std::string_view();
}

// NULL as "".
inline std::string text(const char* s) { return s != nullptr ? std::string(s) : std::string(); }

// ---- The exception barrier

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

// ---- Parameter checks

// The NULL check of a list of parameters: their names as written ("org, project, actor") and
// the index of the first NULL one (-1: none).
struct Check {
  const char* names = "";
  int first_null = -1;
};

// Resets every non-NULL out-parameter to its zero value (NULL, 0) and finds the first NULL one.
// Use CAIRN_CAPI_OUT(out, out_len, ...).
template <class... P>
Check check_outs(const char* names, P*... outs) noexcept {
  Check check{names, -1};
  int index = 0;
  (
      [&] {
        if (outs != nullptr) {
          *outs = P{};
        } else if (check.first_null < 0) {
          check.first_null = index;
        }
        ++index;
      }(),
      ...);
  return check;
}

// Finds the first NULL in-parameter. Use CAIRN_CAPI_IN(engine, name, ...).
template <class... P>
Check check_ins(const char* names, const P&... ins) noexcept {
  Check check{names, -1};
  int index = 0;
  ((check.first_null < 0 && ins == nullptr ? check.first_null = index : 0, ++index), ...);
  return check;
}

// A byte-string in-parameter (data, len) for CAIRN_CAPI_IN: NULL only when data is NULL with a
// length (data may be NULL when len is 0).
struct BytesArg {
  const void* data;
  size_t len;
  bool operator==(std::nullptr_t) const noexcept { return data == nullptr && len != 0; }
};
inline BytesArg bytes(const void* data, size_t len) noexcept { return {data, len}; }

// No parameters to check.
inline Check none() noexcept { return {}; }

// The CAPI_NULL_ARGUMENT error naming the first NULL parameter of `check` (for bytes(data, len):
// data).
cairn_status null_argument(const Check& check);

#define CAIRN_CAPI_OUT(...) ::cairn::capi::check_outs(#__VA_ARGS__, __VA_ARGS__)
#define CAIRN_CAPI_IN(...) ::cairn::capi::check_ins(#__VA_ARGS__, __VA_ARGS__)

// ---- Entry points

// What a body returns, as a status with the last error set.
inline cairn_status status_of(cairn_status status) { return status; }
inline cairn_status status_of(const Status& status) { return from_status(status); }

// An entry point: guard, out-parameters, in-parameters, then body() (returning cairn_status or
// Status).
template <class Body>
cairn_status entry(Check outs, Check ins, Body&& body) noexcept {
  return guard([&]() -> cairn_status {
    if (outs.first_null >= 0) return null_argument(outs);
    if (ins.first_null >= 0) return null_argument(ins);
    return status_of(body());
  });
}

// An entry point on a service: as entry(), with the service from get() (a Result<Service*>; its
// error crosses as is) passed to body(Service&).
template <class Get, class Body>
cairn_status service_entry(Check outs, Check ins, Get&& get, Body&& body) noexcept {
  return entry(outs, ins, [&]() -> cairn_status {
    auto service = get();
    if (!service) return set_error(service.error());
    return status_of(body(**service));
  });
}

// ---- Results handed out

// *out = convert(value) for a successful `result`, else its error.
template <class T, class Out, class Convert>
cairn_status put(Out* out, const Result<T>& result, Convert&& convert) {
  if (!result) return set_error(result.error());
  *out = convert(*result);
  return set_ok();
}

// A number or a boolean (as 1 or 0) in *out.
template <class T, class Out>
cairn_status put_value(Out* out, const Result<T>& result) {
  return put(out, result, [](const T& value) { return static_cast<Out>(value); });
}

// Text (not a secret) in *out, released with cairn_free().
inline cairn_status put_text(char** out, const Result<std::string>& result) {
  return put(out, result, [](const std::string& s) { return copy_string(s); });
}

// A secret text (a value, a token, an export) in *out, and the library's copy wiped. Released with
// cairn_crypto_secret_free().
cairn_status put_secret(char** out, Result<std::string>& result);

// A record's JSON in *out (cairn_free()).
template <class T, class Codec>
cairn_status put_json(char** out, const Result<T>& result, Codec&& codec) {
  return put(out, result, [&](const T& value) { return copy_string(Json(codec(value)).dump()); });
}

// A list of records as a JSON array in *out (cairn_free()).
template <class T, class Codec>
cairn_status put_array(char** out, const Result<std::vector<T>>& result, Codec&& codec) {
  return put(out, result, [&](const std::vector<T>& items) {
    Json array = Json::array();
    for (const T& item : items) array.push_back(codec(item));
    return copy_string(array.dump());
  });
}

// A record's JSON in *out_record and a secret in *out_secret, both or neither; the library's copy
// of the secret is wiped.
cairn_status put_record_and_secret(const Json& record, std::string& secret, char** out_record,
                                   char** out_secret);

// Shared codec pieces: "" as null, a list of text.
inline Json text_or_null(std::string_view s) { return s.empty() ? Json(nullptr) : Json(s); }
inline Json string_json(const std::string& s) { return s; }

}  // namespace cairn::capi
