// The C ABI's core: errors, versions, memory, env.
#include <cstdlib>
#include <string>

#include "cairn/core/env.hpp"
#include "cairn/version.h"
#include "common.hpp"

// The C enum and the C++ enum come from one table; make sure they agree number for number.
#define CAIRN_ERROR_CODE(enumerator, wire, number, http, pyclass, pybase)     \
  static_assert(static_cast<int>(CAIRN_##wire) == number &&                   \
                    static_cast<int>(cairn::ErrorCode::enumerator) == number, \
                "cairn_status and cairn::ErrorCode disagree on " #wire);
#include "cairn/core/error_codes.inc"

struct cairn_env {
  cairn::FakeEnv fake;
  cairn_env(int64_t start, uint64_t seed) : fake(cairn::from_unix_micros(start), seed) {}
};

namespace cairn::capi {
namespace {

struct LastError {
  std::string reason;
  std::string message;
  cairn_error view{CAIRN_OK, "", "", 0};
};

LastError& last_error() {
  thread_local LastError error;
  return error;
}

}  // namespace

cairn_status set_error(const Error& error) {
  LastError& last = last_error();
  // Assigning strings can throw; fall back to static text rather than leave a torn record.
  try {
    last.reason = error.reason;
    last.message = error.message;
    last.view = {static_cast<cairn_status>(error.code), last.reason.c_str(), last.message.c_str(),
                 static_cast<int64_t>(error.retry_after.count())};
  } catch (...) {
    last.view = {static_cast<cairn_status>(error.code), "CAPI_OUT_OF_MEMORY", "out of memory", 0};
  }
  return static_cast<cairn_status>(error.code);
}

cairn_status set_ok() {
  last_error().view = {CAIRN_OK, "", "", 0};
  return CAIRN_OK;
}

cairn_status null_argument(const char* what) {
  return set_error(
      {ErrorCode::kInvalidArgument, "CAPI_NULL_ARGUMENT", std::string(what) + " must not be NULL"});
}

}  // namespace cairn::capi

using cairn::capi::guard;
using cairn::capi::null_argument;
using cairn::capi::set_error;
using cairn::capi::set_ok;

extern "C" {

const cairn_error* cairn_error_last(void) { return &cairn::capi::last_error().view; }

const char* cairn_status_name(cairn_status status) {
  // The wire names are string literals in the table, so data() is NUL-terminated.
  return cairn::code_name(static_cast<cairn::ErrorCode>(status)).data();
}

int cairn_status_http(cairn_status status) {
  return cairn::http_status(static_cast<cairn::ErrorCode>(status));
}

const char* cairn_version(void) { return CAIRN_VERSION_STRING; }

int cairn_version_number(void) { return CAIRN_VERSION_NUMBER; }

cairn_status cairn_abi_check(int abi_version) {
  if (abi_version != CAIRN_ABI_VERSION) {
    return set_error({cairn::ErrorCode::kFailedPrecondition, "CAPI_ABI_MISMATCH",
                      "the program was compiled for cairn C ABI " + std::to_string(abi_version) +
                          " but this library implements ABI " + std::to_string(CAIRN_ABI_VERSION)});
  }
  return set_ok();
}

void cairn_free(void* ptr) { std::free(ptr); }

cairn_status cairn_env_fake_new(cairn_env** out, int64_t start_unix_micros, uint64_t seed) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = new cairn_env(start_unix_micros, seed);
    return set_ok();
  });
}

cairn_status cairn_env_fake_set_now(cairn_env* env, int64_t unix_micros) {
  return guard([&] {
    if (env == nullptr) return null_argument("env");
    env->fake.set_now(cairn::from_unix_micros(unix_micros));
    return set_ok();
  });
}

cairn_status cairn_env_fake_advance(cairn_env* env, int64_t micros) {
  return guard([&] {
    if (env == nullptr) return null_argument("env");
    env->fake.advance(std::chrono::microseconds(micros));
    return set_ok();
  });
}

cairn_status cairn_env_now(int64_t* out, cairn_env* env) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    cairn::Env& source =
        env != nullptr ? static_cast<cairn::Env&>(env->fake) : cairn::Env::system();
    *out = cairn::to_unix_micros(source.now());
    return set_ok();
  });
}

void cairn_env_free(cairn_env* env) { delete env; }

}  // extern "C"

cairn::Env* cairn::capi::env_of(cairn_env* env) { return env != nullptr ? &env->fake : nullptr; }
