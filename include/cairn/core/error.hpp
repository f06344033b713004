// cairn::Error and cairn::ErrorCode: the one error model of the engine.
//
// Every call that can fail for reasons outside the programmer's control returns a Result<T>
// (result.hpp) holding either a value or an Error. An Error carries:
//   code     one of the google.rpc codes (OK 0 ... UNAUTHENTICATED 16), from error_codes.inc;
//   reason   a stable SCREAMING_SNAKE detail such as "SECRET_NOT_FOUND", listed in docs/errors.md;
//   message  English text for people. Never contains secrets, tokens or keys; never parse it.
// Programs branch on code and reason, never on message.
//
// Thread-safety: Error is a plain value type. The free functions here are pure and thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace cairn {

// The error codes, in google.rpc numbering. Generated from error_codes.inc.
enum class ErrorCode : int32_t {
#define CAIRN_ERROR_CODE(enumerator, wire, number, http, pyclass, pybase, retryable) \
  enumerator = number,
#include "cairn/core/error_codes.inc"
};

// One row of the error table, for code that walks every code (bindings, docs checks).
struct ErrorCodeInfo {
  ErrorCode code;
  std::string_view wire_name;     // "NOT_FOUND"
  int http_status;                // 404
  std::string_view python_class;  // "NotFoundError"
  std::string_view python_base;   // "LookupError", or "" for none
  bool retryable;                 // whether trying the same call again later can succeed
};

// Every row of error_codes.inc, in numeric order.
std::span<const ErrorCodeInfo> error_code_table() noexcept;

// The SCREAMING_SNAKE wire name of `code` ("NOT_FOUND"); "UNKNOWN" for a value outside the table.
std::string_view code_name(ErrorCode code) noexcept;

// The HTTP status an error with `code` is answered with (404 for kNotFound); 500 outside the table.
int http_status(ErrorCode code) noexcept;

// Whether an error with `code` can go away when the same call is tried again later (a busy store,
// a timeout, a lost race, a limit): the table's retryable column. False for kOk, and for the codes
// that say the input or the caller is wrong (INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS,
// PERMISSION_DENIED, FAILED_PRECONDITION, OUT_OF_RANGE, UNIMPLEMENTED, UNAUTHENTICATED) and for
// a value outside the table. Job schedulers, clients and bindings decide retries with it.
bool retryable(ErrorCode code) noexcept;

// The code whose wire name is `name`, or nullopt when there is none.
std::optional<ErrorCode> code_from_name(std::string_view name) noexcept;

// The code numbered `number`, or nullopt when the table has no such number.
std::optional<ErrorCode> code_from_number(int64_t number) noexcept;

// An error: what went wrong (code), which specific failure (reason) and a message for people.
struct Error {
  ErrorCode code = ErrorCode::kUnknown;
  std::string reason;   // SCREAMING_SNAKE, stable, listed in docs/errors.md
  std::string message;  // for people; no secrets; may change between versions
  // For RESOURCE_EXHAUSTED limits and lockouts: how long until a retry can succeed (HTTP
  // Retry-After). Zero when the error says nothing about retrying.
  std::chrono::milliseconds retry_after{0};

  // "NOT_FOUND SECRET_NOT_FOUND: secret DB_URL not found", for logs.
  [[nodiscard]] std::string to_string() const;
};

// Whether trying the same call again later can succeed: retryable(error.code).
inline bool retryable(const Error& error) noexcept { return retryable(error.code); }

}  // namespace cairn
