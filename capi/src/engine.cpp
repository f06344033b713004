// The C ABI's engine: open, close, and what an engine can tell about itself.
#include "cairn/engine.hpp"

#include <cstddef>
#include <cstring>
#include <nlohmann/json.hpp>

#include "cairn/crypto/secure.hpp"
#include "cairn/version.h"
#include "engine_handle.hpp"
#include "entry_point.hpp"

using cairn::capi::entry;
using cairn::capi::none;
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

// The master key of options version 2 or later into `out` (none when neither field is set).
cairn_status master_key_of(const cairn_engine_options& o,
                           std::optional<cairn::secrets::MasterKey>& out) {
  if (o.version < 2) return set_ok();
  if (o.master_key != nullptr && o.master_key_bytes != nullptr) {
    return set_error({cairn::ErrorCode::kInvalidArgument, "ENGINE_OPTIONS_INVALID",
                      "set master_key or master_key_bytes, not both"});
  }
  if (o.master_key != nullptr) {
    auto key = cairn::secrets::MasterKey::from_hex(o.master_key);
    if (!key) return set_error(key.error());
    out = std::move(*key);
  } else if (o.master_key_bytes != nullptr) {
    auto key = cairn::secrets::MasterKey::from_bytes({o.master_key_bytes, o.master_key_len});
    if (!key) return set_error(key.error());
    out = std::move(*key);
  }
  return set_ok();
}

}  // namespace

extern "C" {

cairn_status cairn_engine_options_init(cairn_engine_options* opts, unsigned int version) {
  return entry(none(), CAIRN_CAPI_IN(opts), [&]() -> cairn_status {
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
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(uri), [&]() -> cairn_status {
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
    if (!engine) return set_error(engine.error());
    *out = new cairn_engine{std::move(*engine)};
    return set_ok();
  });
}

void cairn_engine_close(cairn_engine* engine) { delete engine; }

cairn_status cairn_engine_snapshot(cairn_engine* engine, const char* path) {
  return entry(none(), CAIRN_CAPI_IN(engine, path),
               [&] { return engine->engine->database().snapshot_to(path); });
}

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
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(engine), [&]() -> cairn_status {
    *out = engine->engine->schema_version();
    return set_ok();
  });
}

cairn_status cairn_engine_created_at_micros(int64_t* out, const cairn_engine* engine) {
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(engine), [&]() -> cairn_status {
    *out = cairn::to_unix_micros(engine->engine->created_at());
    return set_ok();
  });
}

cairn_status cairn_engine_describe(char** out, const cairn_engine* engine) {
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(engine), [&]() -> cairn_status {
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
