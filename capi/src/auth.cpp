// The C ABI's auth: API keys, token files, JWTs, rate limiters and the engine's AuthService.
// Records go out as JSON text through the one codec below; the logic is all in cairn::auth.
#include "cairn/auth/email.hpp"
#include "cairn/auth/jwt.hpp"
#include "cairn/auth/rate_limit.hpp"
#include "cairn/auth/service.hpp"
#include "cairn/auth/token.hpp"
#include "cairn/auth/token_file.hpp"
#include "engine_handle.hpp"
#include "entry_point.hpp"
#include "key_handles.hpp"

using cairn::capi::bytes;
using cairn::capi::entry;
using cairn::capi::Json;
using cairn::capi::none;
using cairn::capi::put;
using cairn::capi::put_array;
using cairn::capi::put_json;
using cairn::capi::put_record_and_secret;
using cairn::capi::put_secret;
using cairn::capi::put_text;
using cairn::capi::put_value;
using cairn::capi::set_error;
using cairn::capi::set_ok;
using cairn::capi::text;
using cairn::capi::text_or_null;
using cairn::capi::view;
namespace auth = cairn::auth;
using Auth = auth::AuthService;

struct cairn_auth_jwt_key {
  auth::JwtKey key;
};

struct cairn_auth_rate_limiter {
  std::unique_ptr<auth::RateLimiter> limiter;
};

namespace {

// ---- The auth records' JSON (cairn.h lists the same members in the same order)

Json optional_micros(const std::optional<cairn::Timestamp>& t) {
  return t ? Json(cairn::to_unix_micros(*t)) : Json(nullptr);
}

Json user_json(const auth::User& u) {
  return {{"id", u.id},
          {"email", u.email},
          {"name", text_or_null(u.name)},
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
          {"ip", text_or_null(s.ip)},
          {"user_agent", text_or_null(s.user_agent)}};
}

Json api_key_json(const auth::ApiKey& k) {
  return {{"id", k.id},
          {"owner_id", k.owner_id},
          {"name", text_or_null(k.name)},
          {"prefix", k.prefix},
          {"display", k.display},
          {"scopes", k.scopes},
          {"created_at_micros", cairn::to_unix_micros(k.created_at)},
          {"expires_at_micros", optional_micros(k.expires_at)},
          {"last_used_at_micros", optional_micros(k.last_used_at)},
          {"revoked_at_micros", optional_micros(k.revoked_at)}};
}

Json purge_counts_json(const auth::PurgeCounts& c) {
  return {{"sessions", c.sessions},
          {"login_codes", c.login_codes},
          {"api_keys", c.api_keys},
          {"login_events", c.login_events},
          {"rate_states", c.rate_states}};
}

// ---- Conversions

// The strings items[0..count) (checked by CAIRN_CAPI_IN(bytes(items, count))); NULL_ARGUMENT
// for a NULL item.
cairn::Result<std::vector<std::string>> strings_of(const char* const* items, size_t count) {
  std::vector<std::string> out;
  for (size_t i = 0; i < count; ++i) {
    if (items[i] == nullptr) {
      return cairn::fail(cairn::ErrorCode::kInvalidArgument, "CAPI_NULL_ARGUMENT",
                         "no item of a list may be NULL");
    }
    out.emplace_back(items[i]);
  }
  return out;
}

auth::RequestInfo request_of(const char* ip, const char* user_agent) {
  return {text(ip), text(user_agent)};
}

// A session and its token for the caller: both or neither; the library's token wiped.
cairn_status put_session(char** out_session, char** out_token,
                         cairn::Result<auth::NewSession> result) {
  if (!result) return set_error(result.error());
  return put_record_and_secret(session_json(result->session), result->token, out_session,
                               out_token);
}

// The entry point on the engine's AuthService.
template <class Body>
cairn_status on_auth(cairn::capi::Check outs, cairn::capi::Check ins, cairn_engine* engine,
                     Body&& body) noexcept {
  return cairn::capi::service_entry(
      outs, ins, [&] { return cairn::Result<Auth*>(&engine->engine->auth()); }, body);
}

cairn_status options_version_unsupported(const char* what) {
  return set_error({cairn::ErrorCode::kInvalidArgument, "CAPI_OPTIONS_VERSION_UNSUPPORTED",
                    std::string("unknown ") + what + " version"});
}

}  // namespace

extern "C" {

// ---- API keys, emails, token files

cairn_status cairn_auth_token_generate_api_key(char** out, const char* prefix) {
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(prefix), [&] {
    auto key = auth::generate_api_key(prefix);
    return put_secret(out, key);
  });
}

cairn_status cairn_auth_token_api_key_checksum_ok(int* out_ok, const char* key) {
  return entry(CAIRN_CAPI_OUT(out_ok), CAIRN_CAPI_IN(key), [&] {
    *out_ok = auth::api_key_checksum_ok(key) ? 1 : 0;
    return set_ok();
  });
}

cairn_status cairn_auth_normalize_email(char** out, const char* email) {
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(email),
               [&] { return put_text(out, auth::normalize_email(email)); });
}

cairn_status cairn_auth_token_file_write(const char* path, const char* token) {
  return entry(none(), CAIRN_CAPI_IN(path, token),
               [&] { return auth::write_token_file(path, token); });
}

cairn_status cairn_auth_token_file_read(char** out, const char* path) {
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(path), [&] {
    auto token = auth::read_token_file(path);
    return put_secret(out, token);
  });
}

// ---- JWT

cairn_status cairn_auth_jwt_key_from_hmac(cairn_auth_jwt_key** out, const uint8_t* secret,
                                          size_t secret_len, const char* kid) {
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(bytes(secret, secret_len)), [&] {
    cairn::ByteView key_bytes =
        secret == nullptr ? cairn::ByteView() : cairn::ByteView(secret, secret_len);
    return put(out, auth::JwtKey::hmac(key_bytes, text(kid)),
               [](const auth::JwtKey& key) { return new cairn_auth_jwt_key{key}; });
  });
}

cairn_status cairn_auth_jwt_key_from_private_key(cairn_auth_jwt_key** out,
                                                 const cairn_crypto_private_key* key,
                                                 const char* kid) {
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(key), [&] {
    *out = new cairn_auth_jwt_key{auth::JwtKey::signing(key->key, text(kid))};
    return set_ok();
  });
}

cairn_status cairn_auth_jwt_key_from_public_key(cairn_auth_jwt_key** out,
                                                const cairn_crypto_public_key* key,
                                                const char* kid) {
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(key), [&] {
    *out = new cairn_auth_jwt_key{auth::JwtKey::verifying(key->key, text(kid))};
    return set_ok();
  });
}

cairn_status cairn_auth_jwt_key_from_jwk(cairn_auth_jwt_key** out, const char* jwk_json) {
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(jwk_json), [&] {
    return put(out, auth::JwtKey::from_jwk(jwk_json),
               [](const auth::JwtKey& key) { return new cairn_auth_jwt_key{key}; });
  });
}

cairn_status cairn_auth_jwt_key_to_jwk(char** out, const cairn_auth_jwt_key* key) {
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(key),
               [&] { return put_text(out, key->key.to_jwk()); });
}

const char* cairn_auth_jwt_key_algorithm(const cairn_auth_jwt_key* key) {
  // jwt_algorithm_name() returns string literals.
  return key != nullptr ? auth::jwt_algorithm_name(key->key.algorithm()).data() : "";
}

void cairn_auth_jwt_key_free(cairn_auth_jwt_key* key) { delete key; }

cairn_status cairn_auth_jwt_encode(char** out, const char* claims_json,
                                   const cairn_auth_jwt_key* key) {
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(claims_json, key),
               [&] { return put_text(out, auth::jwt_encode(claims_json, key->key)); });
}

cairn_status cairn_auth_jwt_decode(char** out_claims_json, const char* token,
                                   const cairn_auth_jwt_key* const* keys, size_t keys_count,
                                   const cairn_auth_jwt_verify_options* options,
                                   int64_t now_micros) {
  return entry(
      CAIRN_CAPI_OUT(out_claims_json), CAIRN_CAPI_IN(token, bytes(keys, keys_count), options),
      [&]() -> cairn_status {
        if (options->version < 1 || options->version > CAIRN_AUTH_JWT_VERIFY_OPTIONS_VERSION) {
          return options_version_unsupported("cairn_auth_jwt_verify_options");
        }
        auth::JwtKeySet set;
        for (size_t i = 0; i < keys_count; ++i) {
          if (keys[i] == nullptr) return cairn::capi::null_argument("keys[i]");
          if (auto added = set.add(keys[i]->key); !added) return set_error(added.error());
        }
        if (options->algorithms_count > 0 && options->algorithms == nullptr) {
          return cairn::capi::null_argument("options->algorithms");
        }
        auto names = strings_of(options->algorithms, options->algorithms_count);
        if (!names) return set_error(names.error());
        auth::JwtVerifyOptions verify;
        for (const std::string& name : *names) {
          auto algorithm = auth::parse_jwt_algorithm(name);
          if (!algorithm) return set_error(algorithm.error());
          verify.algorithms.push_back(*algorithm);
        }
        verify.audience = text(options->audience);
        verify.issuer = text(options->issuer);
        verify.leeway = std::chrono::seconds(options->leeway_seconds);
        return put(out_claims_json,
                   auth::jwt_decode(token, set, verify, cairn::from_unix_micros(now_micros)),
                   [](const auth::Jwt& jwt) { return cairn::capi::copy_string(jwt.claims); });
      });
}

// ---- Rate limiters

cairn_status cairn_auth_rate_limiter_new_memory(cairn_auth_rate_limiter** out,
                                                double rate_per_second, uint32_t burst,
                                                cairn_env* env) {
  return entry(CAIRN_CAPI_OUT(out), none(), [&] {
    cairn::Env* source = cairn::capi::env_of(env);
    auto limiter = auth::MemoryRateLimiter::create(
        {rate_per_second, burst}, source != nullptr ? *source : cairn::Env::system());
    if (!limiter) return set_error(limiter.error());
    *out = new cairn_auth_rate_limiter{std::move(*limiter)};
    return set_ok();
  });
}

cairn_status cairn_auth_rate_limiter_new_engine(cairn_auth_rate_limiter** out, cairn_engine* engine,
                                                const char* name, double rate_per_second,
                                                uint32_t burst) {
  return on_auth(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(engine, name), engine, [&](Auth& a) {
    auto limiter = a.rate_limiter(name, {rate_per_second, burst});
    if (!limiter) return set_error(limiter.error());
    *out = new cairn_auth_rate_limiter{std::move(*limiter)};
    return set_ok();
  });
}

cairn_status cairn_auth_rate_limiter_hit(int* out_allowed, int64_t* out_retry_after_micros,
                                         cairn_auth_rate_limiter* limiter, const char* key) {
  // out_retry_after_micros is optional: reset here, not checked.
  if (out_retry_after_micros != nullptr) *out_retry_after_micros = 0;
  return entry(CAIRN_CAPI_OUT(out_allowed), CAIRN_CAPI_IN(limiter, key), [&] {
    auto decision = limiter->limiter->hit(key);
    if (!decision) return set_error(decision.error());
    *out_allowed = decision->allowed ? 1 : 0;
    if (out_retry_after_micros != nullptr) *out_retry_after_micros = decision->retry_after.count();
    return set_ok();
  });
}

void cairn_auth_rate_limiter_free(cairn_auth_rate_limiter* limiter) { delete limiter; }

// ---- The engine's AuthService: users

cairn_status cairn_auth_create_user(char** out, cairn_engine* engine, const char* email,
                                    const char* name, const char* password,
                                    const char* const* roles, size_t roles_count) {
  return on_auth(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(engine, email, bytes(roles, roles_count)),
                 engine, [&](Auth& a) {
                   auto role_list = strings_of(roles, roles_count);
                   if (!role_list) return set_error(role_list.error());
                   return put_json(
                       out, a.create_user(email, view(name), view(password), std::move(*role_list)),
                       user_json);
                 });
}

cairn_status cairn_auth_user(char** out, cairn_engine* engine, const char* user_id) {
  return on_auth(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(engine, user_id), engine,
                 [&](Auth& a) { return put_json(out, a.user(user_id), user_json); });
}

cairn_status cairn_auth_user_by_email(char** out, cairn_engine* engine, const char* email) {
  return on_auth(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(engine, email), engine,
                 [&](Auth& a) { return put_json(out, a.user_by_email(email), user_json); });
}

cairn_status cairn_auth_users(char** out, cairn_engine* engine) {
  return on_auth(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(engine), engine,
                 [&](Auth& a) { return put_array(out, a.users(), user_json); });
}

cairn_status cairn_auth_set_password(cairn_engine* engine, const char* user_id,
                                     const char* password) {
  return on_auth(none(), CAIRN_CAPI_IN(engine, user_id), engine,
                 [&](Auth& a) { return a.set_password(user_id, view(password)); });
}

cairn_status cairn_auth_set_user_status(cairn_engine* engine, const char* user_id,
                                        const char* status, const char* actor) {
  return on_auth(none(), CAIRN_CAPI_IN(engine, user_id, status, actor), engine,
                 [&](Auth& a) -> cairn::Status {
                   CAIRN_ASSIGN_OR_RETURN(auth::UserStatus parsed, auth::parse_user_status(status));
                   return a.set_status(user_id, parsed, actor);
                 });
}

cairn_status cairn_auth_set_roles(cairn_engine* engine, const char* user_id,
                                  const char* const* roles, size_t roles_count, const char* actor) {
  return on_auth(none(), CAIRN_CAPI_IN(engine, user_id, bytes(roles, roles_count), actor), engine,
                 [&](Auth& a) -> cairn::Status {
                   CAIRN_ASSIGN_OR_RETURN(auto role_list, strings_of(roles, roles_count));
                   return a.set_roles(user_id, std::move(role_list), actor);
                 });
}

cairn_status cairn_auth_link_identity(cairn_engine* engine, const char* user_id,
                                      const char* provider, const char* subject) {
  return on_auth(none(), CAIRN_CAPI_IN(engine, user_id, provider, subject), engine,
                 [&](Auth& a) { return a.link_identity(user_id, provider, subject); });
}

cairn_status cairn_auth_user_by_identity(char** out, cairn_engine* engine, const char* provider,
                                         const char* subject) {
  return on_auth(
      CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(engine, provider, subject), engine,
      [&](Auth& a) { return put_json(out, a.user_by_identity(provider, subject), user_json); });
}

cairn_status cairn_auth_login_password(char** out, cairn_engine* engine, const char* email,
                                       const char* password, const char* ip,
                                       const char* user_agent) {
  return on_auth(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(engine, email, password), engine, [&](Auth& a) {
    return put_json(out, a.login_password(email, password, request_of(ip, user_agent)), user_json);
  });
}

// ---- Sessions

cairn_status cairn_auth_create_session(char** out_session, char** out_token, cairn_engine* engine,
                                       const char* user_id, const char* ip,
                                       const char* user_agent) {
  return on_auth(CAIRN_CAPI_OUT(out_session, out_token), CAIRN_CAPI_IN(engine, user_id), engine,
                 [&](Auth& a) {
                   return put_session(out_session, out_token,
                                      a.create_session(user_id, request_of(ip, user_agent)));
                 });
}

cairn_status cairn_auth_validate_session(char** out, cairn_engine* engine, const char* token) {
  return on_auth(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(engine, token), engine,
                 [&](Auth& a) { return put_json(out, a.validate_session(token), session_json); });
}

cairn_status cairn_auth_rotate_session(char** out_session, char** out_token, cairn_engine* engine,
                                       const char* token) {
  return on_auth(
      CAIRN_CAPI_OUT(out_session, out_token), CAIRN_CAPI_IN(engine, token), engine,
      [&](Auth& a) { return put_session(out_session, out_token, a.rotate_session(token)); });
}

cairn_status cairn_auth_revoke_session(cairn_engine* engine, const char* token) {
  return on_auth(none(), CAIRN_CAPI_IN(engine, token), engine,
                 [&](Auth& a) { return a.revoke_session(token); });
}

cairn_status cairn_auth_revoke_session_id(cairn_engine* engine, const char* user_id,
                                          const char* session_id) {
  return on_auth(none(), CAIRN_CAPI_IN(engine, user_id, session_id), engine,
                 [&](Auth& a) { return a.revoke_session_id(user_id, session_id); });
}

cairn_status cairn_auth_revoke_all_sessions(int64_t* out_count, cairn_engine* engine,
                                            const char* user_id) {
  return on_auth(CAIRN_CAPI_OUT(out_count), CAIRN_CAPI_IN(engine, user_id), engine,
                 [&](Auth& a) { return put_value(out_count, a.revoke_all_sessions(user_id)); });
}

cairn_status cairn_auth_sessions(char** out, cairn_engine* engine, const char* user_id) {
  return on_auth(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(engine, user_id), engine,
                 [&](Auth& a) { return put_array(out, a.sessions(user_id), session_json); });
}

// ---- API keys

cairn_status cairn_auth_create_api_key(char** out_key, char** out_secret, cairn_engine* engine,
                                       const char* owner_id,
                                       const cairn_auth_api_key_options* options) {
  return on_auth(
      CAIRN_CAPI_OUT(out_key, out_secret), CAIRN_CAPI_IN(engine, owner_id), engine,
      [&](Auth& a) -> cairn_status {
        auth::ApiKeyOptions o;
        if (options != nullptr) {
          if (options->version < 1 || options->version > CAIRN_AUTH_API_KEY_OPTIONS_VERSION) {
            return options_version_unsupported("cairn_auth_api_key_options");
          }
          if (options->scopes_count > 0 && options->scopes == nullptr) {
            return cairn::capi::null_argument("options->scopes");
          }
          if (options->prefix != nullptr) o.prefix = options->prefix;
          o.name = text(options->name);
          auto scopes = strings_of(options->scopes, options->scopes_count);
          if (!scopes) return set_error(scopes.error());
          o.scopes = std::move(*scopes);
          if (options->expires_at_micros != 0) {
            o.expires_at = cairn::from_unix_micros(options->expires_at_micros);
          }
        }
        auto key = a.create_api_key(owner_id, o);
        if (!key) return set_error(key.error());
        return put_record_and_secret(api_key_json(key->key), key->secret, out_key, out_secret);
      });
}

cairn_status cairn_auth_validate_api_key(char** out, cairn_engine* engine, const char* key) {
  return on_auth(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(engine, key), engine,
                 [&](Auth& a) { return put_json(out, a.validate_api_key(key), api_key_json); });
}

cairn_status cairn_auth_revoke_api_key(cairn_engine* engine, const char* key_id,
                                       const char* actor) {
  return on_auth(none(), CAIRN_CAPI_IN(engine, key_id), engine,
                 [&](Auth& a) { return a.revoke_api_key(key_id, view(actor)); });
}

cairn_status cairn_auth_api_keys(char** out, cairn_engine* engine, const char* owner_id) {
  return on_auth(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(engine, owner_id), engine,
                 [&](Auth& a) { return put_array(out, a.api_keys(owner_id), api_key_json); });
}

// ---- Login codes and maintenance

cairn_status cairn_auth_request_login_code(char** out, cairn_engine* engine, const char* email,
                                           const char* ip, const char* user_agent) {
  return on_auth(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(engine, email), engine, [&](Auth& a) {
    auto code = a.request_login_code(email, request_of(ip, user_agent));
    return put_secret(out, code);
  });
}

cairn_status cairn_auth_verify_login_code(char** out_session, char** out_token,
                                          cairn_engine* engine, const char* email, const char* code,
                                          const char* ip, const char* user_agent) {
  return on_auth(CAIRN_CAPI_OUT(out_session, out_token), CAIRN_CAPI_IN(engine, email, code), engine,
                 [&](Auth& a) {
                   return put_session(out_session, out_token,
                                      a.verify_login_code(email, code, request_of(ip, user_agent)));
                 });
}

cairn_status cairn_auth_purge_expired(char** out, cairn_engine* engine) {
  return on_auth(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(engine), engine,
                 [&](Auth& a) { return put_json(out, a.purge_expired(), purge_counts_json); });
}

}  // extern "C"
