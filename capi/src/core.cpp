// The C ABI's core: errors, versions, memory, env, and the out-of-line parts of entry_point.hpp.
#include <cstdlib>
#include <string>

#include "cairn/core/env.hpp"
#include "cairn/crypto/secure.hpp"
#include "cairn/version.h"
#include "entry_point.hpp"

// The C enum and the C++ enum come from one table; make sure they agree number for number.
#define CAIRN_ERROR_CODE(enumerator, wire, number, http, pyclass, pybase, retry) \
  static_assert(static_cast<int>(CAIRN_##wire) == number &&                      \
                    static_cast<int>(cairn::ErrorCode::enumerator) == number,    \
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
  cairn_error view{CAIRN_OK, "", "", 0, 0};
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
                 static_cast<int64_t>(error.retry_after.count()), retryable(error) ? 1 : 0};
  } catch (...) {
    last.view = {static_cast<cairn_status>(error.code), "CAPI_OUT_OF_MEMORY", "out of memory", 0,
                 retryable(error) ? 1 : 0};
  }
  return static_cast<cairn_status>(error.code);
}

cairn_status set_ok() {
  last_error().view = {CAIRN_OK, "", "", 0, 0};
  return CAIRN_OK;
}

cairn_status null_argument(const char* what) {
  return set_error(
      {ErrorCode::kInvalidArgument, "CAPI_NULL_ARGUMENT", std::string(what) + " must not be NULL"});
}

cairn_status null_argument(const Check& check) {
  // check.names is the macro's argument text, "a, bytes(data, len), c": take the first_null-th
  // top-level name, and the first argument of a bytes(...).
  std::string_view names = check.names;
  int index = 0;
  int depth = 0;
  size_t start = 0;
  std::string_view name;
  for (size_t i = 0; i <= names.size(); ++i) {
    char c = i < names.size() ? names[i] : ',';
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c != ',' || depth > 0) continue;
    if (index++ == check.first_null) {
      name = names.substr(start, i - start);
      break;
    }
    start = i + 1;
  }
  if (size_t open = name.find('('); open != std::string_view::npos) {
    name = name.substr(open + 1, name.find_first_of(",)", open) - open - 1);
  }
  while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
  while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
  return null_argument(std::string(name.empty() ? std::string_view("an argument") : name).c_str());
}

namespace {

// The header in front of every buffer handed to the caller: its size, padded so the buffer keeps
// malloc's alignment.
struct alignas(std::max_align_t) BufferHeader {
  size_t size;
};

BufferHeader* header_of(void* ptr) { return static_cast<BufferHeader*>(ptr) - 1; }

}  // namespace

void* allocate(size_t size) {
  if (size > SIZE_MAX - sizeof(BufferHeader)) throw std::bad_alloc();
  auto* header = static_cast<BufferHeader*>(std::malloc(sizeof(BufferHeader) + size + 1));
  if (header == nullptr) throw std::bad_alloc();
  header->size = size;
  return header + 1;
}

void release(void* ptr) noexcept {
  if (ptr != nullptr) std::free(header_of(ptr));
}

void release_secret(void* ptr) noexcept {
  if (ptr == nullptr) return;
  BufferHeader* header = header_of(ptr);
  crypto::secure_wipe(std::span<uint8_t>(static_cast<uint8_t*>(ptr), header->size));
  std::free(header);
}

namespace {

void wipe(std::string& s) {
  crypto::secure_wipe(std::span<uint8_t>(reinterpret_cast<uint8_t*>(s.data()), s.size()));
}

}  // namespace

cairn_status put_secret(char** out, Result<std::string>& result) {
  if (!result) return set_error(result.error());
  char* copy = nullptr;
  try {
    copy = copy_string(*result);
  } catch (...) {
    wipe(*result);
    throw;
  }
  wipe(*result);
  *out = copy;
  return set_ok();
}

cairn_status put_record_and_secret(const Json& record, std::string& secret, char** out_record,
                                   char** out_secret) {
  char* record_text = nullptr;
  try {
    record_text = copy_string(record.dump());
    *out_secret = copy_string(secret);
  } catch (...) {
    release(record_text);
    wipe(secret);
    throw;
  }
  wipe(secret);
  *out_record = record_text;
  return set_ok();
}

}  // namespace cairn::capi

using cairn::capi::entry;
using cairn::capi::none;
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

void cairn_free(void* ptr) { cairn::capi::release(ptr); }

void cairn_crypto_secret_free(void* ptr) { cairn::capi::release_secret(ptr); }

cairn_status cairn_env_fake_new(cairn_env** out, int64_t start_unix_micros, uint64_t seed) {
  return entry(CAIRN_CAPI_OUT(out), none(), [&] {
    *out = new cairn_env(start_unix_micros, seed);
    return set_ok();
  });
}

cairn_status cairn_env_fake_set_now(cairn_env* env, int64_t unix_micros) {
  return entry(none(), CAIRN_CAPI_IN(env), [&] {
    env->fake.set_now(cairn::from_unix_micros(unix_micros));
    return set_ok();
  });
}

cairn_status cairn_env_fake_advance(cairn_env* env, int64_t micros) {
  return entry(none(), CAIRN_CAPI_IN(env), [&] {
    env->fake.advance(std::chrono::microseconds(micros));
    return set_ok();
  });
}

cairn_status cairn_env_now(int64_t* out, cairn_env* env) {
  return entry(CAIRN_CAPI_OUT(out), none(), [&] {
    cairn::Env& source =
        env != nullptr ? static_cast<cairn::Env&>(env->fake) : cairn::Env::system();
    *out = cairn::to_unix_micros(source.now());
    return set_ok();
  });
}

void cairn_env_free(cairn_env* env) { delete env; }

}  // extern "C"

cairn::Env* cairn::capi::env_of(cairn_env* env) { return env != nullptr ? &env->fake : nullptr; }
