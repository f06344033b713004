// The C ABI's engine: open, close, and what an engine can tell about itself.
#include "cairn/engine.hpp"

#include <cstddef>
#include <cstring>
#include <nlohmann/json.hpp>

#include "cairn/crypto/secure.hpp"
#include "cairn/version.h"
#include "common.hpp"
#include "engine_handle.hpp"

using cairn::capi::guard;
using cairn::capi::null_argument;
using cairn::capi::set_error;
using cairn::capi::set_ok;

namespace {

cairn_status unsupported_options_version(unsigned int version) {
  return set_error({cairn::ErrorCode::kInvalidArgument, "CAPI_OPTIONS_VERSION_UNSUPPORTED",
                    "cairn_engine_options version " + std::to_string(version) +
                        " is not supported by this library (it knows 1 to " +
                        std::to_string(CAIRN_ENGINE_OPTIONS_VERSION) + ")"});
}

// The size of the struct a caller of options version `version` has: only fields are appended.
size_t options_size(unsigned int version) {
  return version == 1 ? offsetof(cairn_engine_options, master_key) : sizeof(cairn_engine_options);
}

cairn_status master_key_invalid(const char* message) {
  return set_error({cairn::ErrorCode::kInvalidArgument, "SECRETS_MASTER_KEY_INVALID", message});
}

// The master key of options version 2 or later into `out` ("" when none).
cairn_status master_key_of(const cairn_engine_options& o, std::string& out) {
  if (o.version < 2) return set_ok();
  if (o.master_key != nullptr && o.master_key_bytes != nullptr) {
    return set_error({cairn::ErrorCode::kInvalidArgument, "ENGINE_OPTIONS_INVALID",
                      "set master_key or master_key_bytes, not both"});
  }
  if (o.master_key != nullptr) {
    if (std::strlen(o.master_key) != 64) {
      return master_key_invalid("master_key must be 64 hex characters");
    }
    out.assign(o.master_key, 64);
  } else if (o.master_key_bytes != nullptr) {
    if (o.master_key_len != 32) return master_key_invalid("master_key_bytes must be 32 bytes");
    out.assign(reinterpret_cast<const char*>(o.master_key_bytes), o.master_key_len);
  }
  return set_ok();
}

void wipe(std::string& s) {
  cairn::crypto::secure_wipe(std::span<uint8_t>(reinterpret_cast<uint8_t*>(s.data()), s.size()));
}

}  // namespace

extern "C" {

cairn_status cairn_engine_options_init(cairn_engine_options* opts, unsigned int version) {
  return guard([&] {
    if (opts == nullptr) return null_argument("opts");
    if (version < 1 || version > CAIRN_ENGINE_OPTIONS_VERSION) {
      return unsupported_options_version(version);
    }
    const cairn_engine_options defaults = CAIRN_ENGINE_OPTIONS_INIT;
    std::memcpy(opts, &defaults, options_size(version));
    opts->version = version;
    return set_ok();
  });
}

cairn_status cairn_engine_open(cairn_engine** out, const char* uri,
                               const cairn_engine_options* opts) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    if (uri == nullptr) return null_argument("uri");
    const cairn_engine_options defaults = CAIRN_ENGINE_OPTIONS_INIT;
    const cairn_engine_options& o = opts != nullptr ? *opts : defaults;
    if (o.version < 1 || o.version > CAIRN_ENGINE_OPTIONS_VERSION) {
      return unsupported_options_version(o.version);
    }
    if (cairn_status abi = cairn_abi_check(static_cast<int>(o.abi_version)); abi != CAIRN_OK) {
      return abi;
    }
    cairn::EngineOptions options;
    options.env = cairn::capi::env_of(o.env);
    options.busy_timeout = std::chrono::milliseconds(o.busy_timeout_ms);
    options.audit.mode =
        o.audit_async != 0 ? cairn::audit::WriteMode::kAsync : cairn::audit::WriteMode::kFailClosed;
    options.audit.queue_capacity = o.audit_queue_capacity;
    if (cairn_status key = master_key_of(o, options.master_key); key != CAIRN_OK) return key;
    auto engine = cairn::Engine::open(uri, options);
    wipe(options.master_key);
    if (!engine) return set_error(engine.error());
    *out = new cairn_engine{std::move(*engine)};
    return set_ok();
  });
}

void cairn_engine_close(cairn_engine* engine) { delete engine; }

const char* cairn_engine_uri(const cairn_engine* engine) {
  return engine != nullptr ? engine->engine->uri().c_str() : "";
}

const char* cairn_engine_backend(const cairn_engine* engine) {
  // backend_name() returns string literals.
  return engine != nullptr ? cairn::storage::backend_name(engine->engine->backend()).data() : "";
}

const char* cairn_engine_instance_id(const cairn_engine* engine) {
  return engine != nullptr ? engine->engine->instance_id().c_str() : "";
}

cairn_status cairn_engine_schema_version(int64_t* out, const cairn_engine* engine) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    if (engine == nullptr) return null_argument("engine");
    *out = engine->engine->schema_version();
    return set_ok();
  });
}

cairn_status cairn_engine_created_at(int64_t* out, const cairn_engine* engine) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    if (engine == nullptr) return null_argument("engine");
    *out = cairn::to_unix_micros(engine->engine->created_at());
    return set_ok();
  });
}

cairn_status cairn_engine_describe(char** out, const cairn_engine* engine) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    if (engine == nullptr) return null_argument("engine");
    const cairn::Engine& e = *engine->engine;
    nlohmann::json description = {
        {"uri", e.uri()},
        {"backend", cairn::storage::backend_name(e.backend())},
        {"schema_version", e.schema_version()},
        {"instance_id", e.instance_id()},
        {"created_at_micros", cairn::to_unix_micros(e.created_at())},
        {"version", CAIRN_VERSION_STRING},
    };
    *out = cairn::capi::copy_string(description.dump());
    return set_ok();
  });
}

}  // extern "C"
