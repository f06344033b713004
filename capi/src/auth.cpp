// The C ABI's auth: passwords, API keys, token files, JWTs, rate limiters and the engine's
// AuthService. Records go out as JSON text; the logic is all in cairn::auth.
#include <cstring>
#include <nlohmann/json.hpp>

#include "cairn/auth/email.hpp"
#include "cairn/auth/jwt.hpp"
#include "cairn/auth/rate_limit.hpp"
#include "cairn/auth/service.hpp"
#include "cairn/auth/token.hpp"
#include "cairn/auth/token_file.hpp"
#include "cairn/crypto/password.hpp"
#include "common.hpp"
#include "engine_handle.hpp"
#include "json_out.hpp"
#include "key_handles.hpp"

using cairn::capi::copy_string;
using cairn::capi::from_status;
using cairn::capi::guard;
using cairn::capi::null_argument;
using cairn::capi::set_error;
using cairn::capi::set_ok;
namespace auth = cairn::auth;
// Members in the order docs and cairn.h list them.
using cairn::capi::hand_out_array;
using cairn::capi::hand_out_json;
using cairn::capi::Json;

struct cairn_jwt_key {
  auth::JwtKey key;
};

struct cairn_rate_limiter {
  std::unique_ptr<auth::RateLimiter> limiter;
};

namespace {

std::string text(const char* s) { return s != nullptr ? std::string(s) : std::string(); }

// NULL as "", without a copy (passwords are not copied at all here).
std::string_view view(const char* s) {
  return s != nullptr ? std::string_view(s) : std::string_view();
}

// The strings items[0..count); false when items or one of them is NULL (items may be NULL when
// count is 0).
bool strings_of(const char* const* items, size_t count, std::vector<std::string>& out) {
  if (count > 0 && items == nullptr) return false;
  for (size_t i = 0; i < count; ++i) {
    if (items[i] == nullptr) return false;
    out.emplace_back(items[i]);
  }
  return true;
}

auth::RequestInfo request_of(const char* ip, const char* user_agent) {
  return {text(ip), text(user_agent)};
}

Json optional_text(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }

Json optional_time(const std::optional<cairn::Timestamp>& t) {
  return t ? Json(cairn::to_unix_micros(*t)) : Json(nullptr);
}

Json user_json(const auth::User& u) {
  return {{"id", u.id},
          {"email", u.email},
          {"name", optional_text(u.name)},
          {"roles", u.roles},
          {"status", auth::user_status_name(u.status)},
          {"created_at_micros", cairn::to_unix_micros(u.created_at)}};
}

Json session_json(const auth::Session& s) {
  return {{"id", s.id},
          {"user_id", s.user_id},
          {"created_at_micros", cairn::to_unix_micros(s.created_at)},
          {"last_seen_micros", cairn::to_unix_micros(s.last_seen)},
          {"expires_at_micros", cairn::to_unix_micros(s.expires_at)},
          {"ip", optional_text(s.ip)},
          {"user_agent", optional_text(s.user_agent)}};
}

Json api_key_json(const auth::ApiKey& k) {
  return {{"id", k.id},
          {"owner_id", k.owner_id},
          {"name", optional_text(k.name)},
          {"prefix", k.prefix},
          {"display", k.display},
          {"scopes", k.scopes},
          {"created_at_micros", cairn::to_unix_micros(k.created_at)},
          {"expires_at_micros", optional_time(k.expires_at)},
          {"last_used_at_micros", optional_time(k.last_used_at)},
          {"revoked_at_micros", optional_time(k.revoked_at)}};
}

// Puts a record's JSON in *out_record and its secret in *out_secret, both or neither.
cairn_status hand_out_pair(const Json& record, const std::string& secret, char** out_record,
                           char** out_secret) {
  char* record_text = copy_string(record.dump());
  try {
    *out_secret = copy_string(secret);
  } catch (...) {
    std::free(record_text);
    throw;
  }
  *out_record = record_text;
  return set_ok();
}

cairn_status hand_out_session(const cairn::Result<auth::NewSession>& result, char** out_session,
                              char** out_token) {
  if (!result) return set_error(result.error());
  return hand_out_pair(session_json(result->session), result->token, out_session, out_token);
}

// Resets a pair of out-parameters; false when either is NULL.
bool reset_pair(char** a, char** b) {
  if (a != nullptr) *a = nullptr;
  if (b != nullptr) *b = nullptr;
  return a != nullptr && b != nullptr;
}

template <class Make>
cairn_status new_jwt_key(cairn_jwt_key** out, Make make) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    return make();
  });
}

}  // namespace

extern "C" {

// ---- Passwords, API keys, token files

cairn_status cairn_password_hash(char** out, const char* password) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    if (password == nullptr) return null_argument("password");
    auto phc = cairn::crypto::hash_password(password);
    if (!phc) return set_error(phc.error());
    *out = copy_string(*phc);
    return set_ok();
  });
}

cairn_status cairn_password_verify(int* out_match, const char* phc, const char* password) {
  return guard([&] {
    if (out_match == nullptr) return null_argument("out_match");
    *out_match = 0;
    if (phc == nullptr || password == nullptr) return null_argument("phc and password");
    auto match = cairn::crypto::verify_password(phc, password);
    if (!match) return set_error(match.error());
    *out_match = *match ? 1 : 0;
    return set_ok();
  });
}

cairn_status cairn_api_key_generate(char** out, const char* prefix) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    if (prefix == nullptr) return null_argument("prefix");
    auto key = auth::generate_api_key(prefix);
    if (!key) return set_error(key.error());
    *out = copy_string(*key);
    return set_ok();
  });
}

cairn_status cairn_auth_normalize_email(char** out, const char* email) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    if (email == nullptr) return null_argument("email");
    auto normalized = auth::normalize_email(email);
    if (!normalized) return set_error(normalized.error());
    *out = copy_string(*normalized);
    return set_ok();
  });
}

int cairn_api_key_checksum_ok(const char* key) {
  return key != nullptr && auth::api_key_checksum_ok(key) ? 1 : 0;
}

cairn_status cairn_token_file_write(const char* path, const char* token) {
  return guard([&] {
    if (path == nullptr || token == nullptr) return null_argument("path and token");
    return from_status(auth::write_token_file(path, token));
  });
}

cairn_status cairn_token_file_read(char** out, const char* path) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    if (path == nullptr) return null_argument("path");
    auto token = auth::read_token_file(path);
    if (!token) return set_error(token.error());
    *out = copy_string(*token);
    return set_ok();
  });
}

// ---- JWT

cairn_status cairn_jwt_key_from_hmac(cairn_jwt_key** out, const uint8_t* secret, size_t secret_len,
                                     const char* kid) {
  return new_jwt_key(out, [&] {
    cairn::ByteView bytes;
    if (!cairn::capi::view_of(secret, secret_len, bytes)) return null_argument("secret");
    auto key = auth::JwtKey::hmac(bytes, text(kid));
    if (!key) return set_error(key.error());
    *out = new cairn_jwt_key{std::move(*key)};
    return set_ok();
  });
}

cairn_status cairn_jwt_key_from_private_key(cairn_jwt_key** out, const cairn_private_key* key,
                                            const char* kid) {
  return new_jwt_key(out, [&] {
    if (key == nullptr) return null_argument("key");
    *out = new cairn_jwt_key{auth::JwtKey::signing(key->key, text(kid))};
    return set_ok();
  });
}

cairn_status cairn_jwt_key_from_public_key(cairn_jwt_key** out, const cairn_public_key* key,
                                           const char* kid) {
  return new_jwt_key(out, [&] {
    if (key == nullptr) return null_argument("key");
    *out = new cairn_jwt_key{auth::JwtKey::verifying(key->key, text(kid))};
    return set_ok();
  });
}

cairn_status cairn_jwt_key_from_jwk(cairn_jwt_key** out, const char* jwk_json) {
  return new_jwt_key(out, [&] {
    if (jwk_json == nullptr) return null_argument("jwk_json");
    auto key = auth::JwtKey::from_jwk(jwk_json);
    if (!key) return set_error(key.error());
    *out = new cairn_jwt_key{std::move(*key)};
    return set_ok();
  });
}

cairn_status cairn_jwt_key_to_jwk(char** out, const cairn_jwt_key* key) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    if (key == nullptr) return null_argument("key");
    auto jwk = key->key.to_jwk();
    if (!jwk) return set_error(jwk.error());
    *out = copy_string(*jwk);
    return set_ok();
  });
}

const char* cairn_jwt_key_algorithm(const cairn_jwt_key* key) {
  // jwt_algorithm_name() returns string literals.
  return key != nullptr ? auth::jwt_algorithm_name(key->key.algorithm()).data() : "";
}

void cairn_jwt_key_free(cairn_jwt_key* key) { delete key; }

cairn_status cairn_jwt_encode(char** out, const char* claims_json, const cairn_jwt_key* key) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    if (claims_json == nullptr || key == nullptr) return null_argument("claims_json and key");
    auto token = auth::jwt_encode(claims_json, key->key);
    if (!token) return set_error(token.error());
    *out = copy_string(*token);
    return set_ok();
  });
}

cairn_status cairn_jwt_decode(char** out_claims_json, const char* token,
                              const cairn_jwt_key* const* keys, size_t keys_count,
                              const char* const* algorithms, size_t algorithms_count,
                              const char* audience, const char* issuer, int64_t leeway_seconds,
                              int64_t now_unix_micros) {
  return guard([&] {
    if (out_claims_json == nullptr) return null_argument("out_claims_json");
    *out_claims_json = nullptr;
    if (token == nullptr) return null_argument("token");
    if (keys_count > 0 && keys == nullptr) return null_argument("keys");
    auth::JwtKeySet set;
    for (size_t i = 0; i < keys_count; ++i) {
      if (keys[i] == nullptr) return null_argument("keys[i]");
      if (auto added = set.add(keys[i]->key); !added) return set_error(added.error());
    }
    std::vector<std::string> names;
    if (!strings_of(algorithms, algorithms_count, names)) return null_argument("algorithms");
    auth::JwtVerifyOptions options;
    for (const std::string& name : names) {
      auto algorithm = auth::parse_jwt_algorithm(name);
      if (!algorithm) return set_error(algorithm.error());
      options.algorithms.push_back(*algorithm);
    }
    options.audience = text(audience);
    options.issuer = text(issuer);
    options.leeway = std::chrono::seconds(leeway_seconds);
    auto jwt = auth::jwt_decode(token, set, options, cairn::from_unix_micros(now_unix_micros));
    if (!jwt) return set_error(jwt.error());
    *out_claims_json = copy_string(jwt->claims);
    return set_ok();
  });
}

// ---- Rate limiters

cairn_status cairn_rate_limiter_new_memory(cairn_rate_limiter** out, double rate_per_second,
                                           uint32_t burst, cairn_env* env) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    cairn::Env* source = cairn::capi::env_of(env);
    auto limiter = auth::MemoryRateLimiter::create(
        {rate_per_second, burst}, source != nullptr ? *source : cairn::Env::system());
    if (!limiter) return set_error(limiter.error());
    *out = new cairn_rate_limiter{std::move(*limiter)};
    return set_ok();
  });
}

cairn_status cairn_engine_rate_limiter(cairn_rate_limiter** out, cairn_engine* engine,
                                       const char* name, double rate_per_second, uint32_t burst) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    if (engine == nullptr || name == nullptr) return null_argument("engine and name");
    auto limiter = engine->engine->auth().rate_limiter(name, {rate_per_second, burst});
    if (!limiter) return set_error(limiter.error());
    *out = new cairn_rate_limiter{std::move(*limiter)};
    return set_ok();
  });
}

cairn_status cairn_rate_limiter_hit(int* out_allowed, int64_t* out_retry_after_micros,
                                    cairn_rate_limiter* limiter, const char* key) {
  return guard([&] {
    if (out_allowed == nullptr) return null_argument("out_allowed");
    *out_allowed = 0;
    if (out_retry_after_micros != nullptr) *out_retry_after_micros = 0;
    if (limiter == nullptr || key == nullptr) return null_argument("limiter and key");
    auto decision = limiter->limiter->hit(key);
    if (!decision) return set_error(decision.error());
    *out_allowed = decision->allowed ? 1 : 0;
    if (out_retry_after_micros != nullptr) *out_retry_after_micros = decision->retry_after.count();
    return set_ok();
  });
}

void cairn_rate_limiter_free(cairn_rate_limiter* limiter) { delete limiter; }

// ---- The engine's AuthService: users

cairn_status cairn_auth_create_user(char** out, cairn_engine* engine, const char* email,
                                    const char* name, const char* password,
                                    const char* const* roles, size_t roles_count) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    if (engine == nullptr || email == nullptr) return null_argument("engine and email");
    std::vector<std::string> role_list;
    if (!strings_of(roles, roles_count, role_list)) return null_argument("roles");
    return hand_out_json(
        engine->engine->auth().create_user(email, view(name), view(password), std::move(role_list)),
        out, user_json);
  });
}

cairn_status cairn_auth_user(char** out, cairn_engine* engine, const char* user_id) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    if (engine == nullptr || user_id == nullptr) return null_argument("engine and user_id");
    return hand_out_json(engine->engine->auth().user(user_id), out, user_json);
  });
}

cairn_status cairn_auth_user_by_email(char** out, cairn_engine* engine, const char* email) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    if (engine == nullptr || email == nullptr) return null_argument("engine and email");
    return hand_out_json(engine->engine->auth().user_by_email(email), out, user_json);
  });
}

cairn_status cairn_auth_users(char** out, cairn_engine* engine) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    if (engine == nullptr) return null_argument("engine");
    return hand_out_array(engine->engine->auth().users(), out, user_json);
  });
}

cairn_status cairn_auth_set_password(cairn_engine* engine, const char* user_id,
                                     const char* password) {
  return guard([&] {
    if (engine == nullptr || user_id == nullptr) return null_argument("engine and user_id");
    return from_status(engine->engine->auth().set_password(user_id, view(password)));
  });
}

cairn_status cairn_auth_set_user_status(cairn_engine* engine, const char* user_id,
                                        const char* status, const char* actor) {
  return guard([&] {
    if (engine == nullptr || user_id == nullptr || status == nullptr || actor == nullptr) {
      return null_argument("engine, user_id, status and actor");
    }
    auto parsed = auth::parse_user_status(status);
    if (!parsed) return set_error(parsed.error());
    return from_status(engine->engine->auth().set_status(user_id, *parsed, actor));
  });
}

cairn_status cairn_auth_set_roles(cairn_engine* engine, const char* user_id,
                                  const char* const* roles, size_t roles_count, const char* actor) {
  return guard([&] {
    if (engine == nullptr || user_id == nullptr || actor == nullptr) {
      return null_argument("engine, user_id and actor");
    }
    std::vector<std::string> role_list;
    if (!strings_of(roles, roles_count, role_list)) return null_argument("roles");
    return from_status(engine->engine->auth().set_roles(user_id, std::move(role_list), actor));
  });
}

cairn_status cairn_auth_link_identity(cairn_engine* engine, const char* user_id,
                                      const char* provider, const char* subject) {
  return guard([&] {
    if (engine == nullptr || user_id == nullptr || provider == nullptr || subject == nullptr) {
      return null_argument("engine, user_id, provider and subject");
    }
    return from_status(engine->engine->auth().link_identity(user_id, provider, subject));
  });
}

cairn_status cairn_auth_user_by_identity(char** out, cairn_engine* engine, const char* provider,
                                         const char* subject) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    if (engine == nullptr || provider == nullptr || subject == nullptr) {
      return null_argument("engine, provider and subject");
    }
    return hand_out_json(engine->engine->auth().user_by_identity(provider, subject), out,
                         user_json);
  });
}

cairn_status cairn_auth_login_password(char** out, cairn_engine* engine, const char* email,
                                       const char* password, const char* ip,
                                       const char* user_agent) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    if (engine == nullptr || email == nullptr || password == nullptr) {
      return null_argument("engine, email and password");
    }
    return hand_out_json(
        engine->engine->auth().login_password(email, password, request_of(ip, user_agent)), out,
        user_json);
  });
}

// ---- Sessions

cairn_status cairn_auth_create_session(char** out_session, char** out_token, cairn_engine* engine,
                                       const char* user_id, const char* ip,
                                       const char* user_agent) {
  return guard([&] {
    if (!reset_pair(out_session, out_token)) return null_argument("out_session and out_token");
    if (engine == nullptr || user_id == nullptr) return null_argument("engine and user_id");
    return hand_out_session(
        engine->engine->auth().create_session(user_id, request_of(ip, user_agent)), out_session,
        out_token);
  });
}

cairn_status cairn_auth_validate_session(char** out, cairn_engine* engine, const char* token) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    if (engine == nullptr || token == nullptr) return null_argument("engine and token");
    return hand_out_json(engine->engine->auth().validate_session(token), out, session_json);
  });
}

cairn_status cairn_auth_rotate_session(char** out_session, char** out_token, cairn_engine* engine,
                                       const char* token) {
  return guard([&] {
    if (!reset_pair(out_session, out_token)) return null_argument("out_session and out_token");
    if (engine == nullptr || token == nullptr) return null_argument("engine and token");
    return hand_out_session(engine->engine->auth().rotate_session(token), out_session, out_token);
  });
}

cairn_status cairn_auth_revoke_session(cairn_engine* engine, const char* token) {
  return guard([&] {
    if (engine == nullptr || token == nullptr) return null_argument("engine and token");
    return from_status(engine->engine->auth().revoke_session(token));
  });
}

cairn_status cairn_auth_revoke_session_id(cairn_engine* engine, const char* user_id,
                                          const char* session_id) {
  return guard([&] {
    if (engine == nullptr || user_id == nullptr || session_id == nullptr) {
      return null_argument("engine, user_id and session_id");
    }
    return from_status(engine->engine->auth().revoke_session_id(user_id, session_id));
  });
}

cairn_status cairn_auth_revoke_all_sessions(int64_t* out_count, cairn_engine* engine,
                                            const char* user_id) {
  return guard([&] {
    if (out_count == nullptr) return null_argument("out_count");
    *out_count = 0;
    if (engine == nullptr || user_id == nullptr) return null_argument("engine and user_id");
    auto count = engine->engine->auth().revoke_all_sessions(user_id);
    if (!count) return set_error(count.error());
    *out_count = *count;
    return set_ok();
  });
}

cairn_status cairn_auth_sessions(char** out, cairn_engine* engine, const char* user_id) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    if (engine == nullptr || user_id == nullptr) return null_argument("engine and user_id");
    return hand_out_array(engine->engine->auth().sessions(user_id), out, session_json);
  });
}

// ---- API keys

cairn_status cairn_auth_create_api_key(char** out_key, char** out_secret, cairn_engine* engine,
                                       const char* owner_id, const char* prefix, const char* name,
                                       const char* const* scopes, size_t scopes_count,
                                       int64_t expires_at_micros) {
  return guard([&] {
    if (!reset_pair(out_key, out_secret)) return null_argument("out_key and out_secret");
    if (engine == nullptr || owner_id == nullptr) return null_argument("engine and owner_id");
    auth::ApiKeyOptions options;
    if (prefix != nullptr) options.prefix = prefix;
    options.name = text(name);
    if (!strings_of(scopes, scopes_count, options.scopes)) return null_argument("scopes");
    if (expires_at_micros != 0) options.expires_at = cairn::from_unix_micros(expires_at_micros);
    auto key = engine->engine->auth().create_api_key(owner_id, options);
    if (!key) return set_error(key.error());
    return hand_out_pair(api_key_json(key->key), key->secret, out_key, out_secret);
  });
}

cairn_status cairn_auth_validate_api_key(char** out, cairn_engine* engine, const char* key) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    if (engine == nullptr || key == nullptr) return null_argument("engine and key");
    return hand_out_json(engine->engine->auth().validate_api_key(key), out, api_key_json);
  });
}

cairn_status cairn_auth_revoke_api_key(cairn_engine* engine, const char* key_id,
                                       const char* actor) {
  return guard([&] {
    if (engine == nullptr || key_id == nullptr) return null_argument("engine and key_id");
    return from_status(engine->engine->auth().revoke_api_key(key_id, view(actor)));
  });
}

cairn_status cairn_auth_api_keys(char** out, cairn_engine* engine, const char* owner_id) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    if (engine == nullptr || owner_id == nullptr) return null_argument("engine and owner_id");
    return hand_out_array(engine->engine->auth().api_keys(owner_id), out, api_key_json);
  });
}

// ---- Login codes and maintenance

cairn_status cairn_auth_request_login_code(char** out, cairn_engine* engine, const char* email,
                                           const char* ip, const char* user_agent) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    if (engine == nullptr || email == nullptr) return null_argument("engine and email");
    auto code = engine->engine->auth().request_login_code(email, request_of(ip, user_agent));
    if (!code) return set_error(code.error());
    *out = copy_string(*code);
    return set_ok();
  });
}

cairn_status cairn_auth_verify_login_code(char** out_session, char** out_token,
                                          cairn_engine* engine, const char* email, const char* code,
                                          const char* ip, const char* user_agent) {
  return guard([&] {
    if (!reset_pair(out_session, out_token)) return null_argument("out_session and out_token");
    if (engine == nullptr || email == nullptr || code == nullptr) {
      return null_argument("engine, email and code");
    }
    return hand_out_session(
        engine->engine->auth().verify_login_code(email, code, request_of(ip, user_agent)),
        out_session, out_token);
  });
}

cairn_status cairn_auth_purge_expired(char** out, cairn_engine* engine) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    if (engine == nullptr) return null_argument("engine");
    auto counts = engine->engine->auth().purge_expired();
    if (!counts) return set_error(counts.error());
    Json j = {{"sessions", counts->sessions},
              {"login_codes", counts->login_codes},
              {"api_keys", counts->api_keys},
              {"login_events", counts->login_events},
              {"rate_states", counts->rate_states}};
    *out = copy_string(j.dump());
    return set_ok();
  });
}

}  // extern "C"
