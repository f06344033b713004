// AuthService: sessions and API keys.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "auth/internal/session_cache.hpp"
#include "auth/internal/validate.hpp"
#include "cairn/auth/service.hpp"
#include "cairn/auth/token.hpp"
#include "cairn/crypto/hash.hpp"
#include "cairn/crypto/secure.hpp"

namespace cairn::auth {
namespace {

using internal::audit_entry;

// 43 base62 characters carry 256.03 bits.
constexpr size_t kSessionTokenChars = 43;

Bytes digest_of(std::string_view text) {
  crypto::Sha256Digest digest = crypto::sha256(as_bytes(text));
  return {digest.begin(), digest.end()};
}

Unexpected<Error> token_invalid() {
  return fail(ErrorCode::kUnauthenticated, "AUTH_TOKEN_INVALID",
              "the session token is not valid (unknown, revoked or malformed)");
}

Unexpected<Error> token_expired() {
  return fail(ErrorCode::kUnauthenticated, "AUTH_TOKEN_EXPIRED", "the session has expired");
}

bool is_base62(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

std::string session_details(std::string_view session_id, std::string_view method = {}) {
  nlohmann::json details = {{"session_id", session_id}};
  if (!method.empty()) details["method"] = method;
  return details.dump();
}

}  // namespace

Session AuthService::to_session(const SessionRecord& record) const {
  Session s;
  s.id = record.id;
  s.user_id = record.user_id;
  s.created_at = record.created_at;
  s.last_seen = record.last_seen;
  s.expires_at = std::min(record.absolute_expires_at,
                          record.last_seen + std::chrono::duration_cast<std::chrono::microseconds>(
                                                 options_.session_idle_timeout));
  s.ip = record.ip;
  s.user_agent = record.user_agent;
  return s;
}

Result<NewSession> AuthService::start_session(const User& user, const RequestInfo& request,
                                              std::string_view how) {
  if (user.status != UserStatus::kActive) {
    return fail(ErrorCode::kPermissionDenied, "AUTH_USER_SUSPENDED", "this user is suspended");
  }
  Timestamp now = env_.now();
  NewSession out;
  out.token = options_.session_prefix + "_" + random_base62(env_, kSessionTokenChars);
  SessionRecord record;
  record.id = internal::new_id(env_);
  record.token_hash = digest_of(out.token);
  record.user_id = user.id;
  record.created_at = now;
  record.last_seen = now;
  record.absolute_expires_at = now + std::chrono::duration_cast<std::chrono::microseconds>(
                                         options_.session_absolute_timeout);
  record.ip = request.ip;
  record.user_agent = request.user_agent;
  CAIRN_TRY(audit_.record(audit_entry("user", user.id, "auth.session.create", "session", record.id,
                                      "ok", request, session_details(record.id, how))));
  CAIRN_TRY(store_.insert_session(record));
  out.session = to_session(record);
  return out;
}

Result<NewSession> AuthService::create_session(std::string_view user_id,
                                               const RequestInfo& request) {
  CAIRN_TRY(internal::check_request(request));
  CAIRN_ASSIGN_OR_RETURN(User found, user(user_id));
  return start_session(found, request, "direct");
}

Result<SessionRecord> AuthService::live_session(std::string_view token, bool allow_expired) {
  std::string_view prefix = options_.session_prefix;
  if (token.size() != prefix.size() + 1 + kSessionTokenChars || !token.starts_with(prefix) ||
      token[prefix.size()] != '_' ||
      !std::all_of(token.begin() + static_cast<std::ptrdiff_t>(prefix.size()) + 1, token.end(),
                   is_base62)) {
    return token_invalid();
  }
  Bytes hash = digest_of(token);
  Timestamp now = env_.now();
  std::optional<SessionRecord> record;
  if (options_.session_cache_ttl.count() > 0 && !allow_expired) {
    std::lock_guard lock(cache_->mu);
    auto it = cache_->sessions.find(Cache::key(hash));
    if (it != cache_->sessions.end() && now - it->second.fetched_at < options_.session_cache_ttl) {
      record = it->second.record;
    }
  }
  if (!record) {
    uint64_t generation = cache_->current_generation();
    CAIRN_ASSIGN_OR_RETURN(record, store_.session_by_hash(hash));
    if (!record) {
      cache_->erase_hash(hash);
      return token_invalid();
    }
    // The store looked the digest up by index; compare it in full, in constant time, anyway.
    if (!crypto::constant_time_equal(record->token_hash, hash)) return token_invalid();
    if (options_.session_cache_ttl.count() > 0) cache_->put(*record, now, generation);
  }
  if (allow_expired) return *record;
  auto idle = std::chrono::duration_cast<std::chrono::microseconds>(options_.session_idle_timeout);
  if (now >= record->absolute_expires_at || now >= record->last_seen + idle) {
    cache_->erase_hash(hash);
    return token_expired();
  }
  return *record;
}

Result<Session> AuthService::validate_session(std::string_view token) {
  uint64_t generation = cache_->current_generation();
  CAIRN_ASSIGN_OR_RETURN(SessionRecord record, live_session(token, false));
  Timestamp now = env_.now();
  if (now - record.last_seen >= options_.session_touch_interval) {
    CAIRN_ASSIGN_OR_RETURN(bool touched, store_.touch_session(record.id, now));
    if (!touched) {
      cache_->erase_hash(record.token_hash);
      return token_invalid();
    }
    record.last_seen = now;
    if (options_.session_cache_ttl.count() > 0) cache_->put(record, now, generation);
  }
  return to_session(record);
}

Result<NewSession> AuthService::rotate_session(std::string_view token) {
  // Always from the store: a rotation must see the latest token.
  CAIRN_ASSIGN_OR_RETURN(SessionRecord found, live_session(token, true));
  Timestamp now = env_.now();
  auto idle = std::chrono::duration_cast<std::chrono::microseconds>(options_.session_idle_timeout);
  if (now >= found.absolute_expires_at || now >= found.last_seen + idle) return token_expired();
  NewSession out;
  out.token = options_.session_prefix + "_" + random_base62(env_, kSessionTokenChars);
  Bytes new_hash = digest_of(out.token);
  CAIRN_TRY(audit_.record(audit_entry("user", found.user_id, "auth.session.rotate", "session",
                                      found.id, "ok", {}, session_details(found.id))));
  CAIRN_ASSIGN_OR_RETURN(bool rotated,
                         store_.rotate_session(found.id, found.token_hash, new_hash, now));
  cache_->erase_hash(found.token_hash);
  if (!rotated) return token_invalid();
  found.token_hash = std::move(new_hash);
  found.last_seen = now;
  out.session = to_session(found);
  return out;
}

Status AuthService::revoke_session(std::string_view token) {
  CAIRN_ASSIGN_OR_RETURN(SessionRecord found, live_session(token, true));
  CAIRN_TRY(audit_.record(audit_entry("user", found.user_id, "auth.session.revoke", "session",
                                      found.id, "ok", {}, session_details(found.id))));
  // Store first, then the cache: a validation racing with us cannot re-cache the session.
  CAIRN_ASSIGN_OR_RETURN(bool removed, store_.delete_session(found.id));
  cache_->erase_hash(found.token_hash);
  if (!removed) return token_invalid();
  return ok_status();
}

Status AuthService::revoke_session_id(std::string_view user_id, std::string_view session_id) {
  CAIRN_ASSIGN_OR_RETURN(std::vector<SessionRecord> all, store_.user_sessions(user_id));
  auto it = std::find_if(all.begin(), all.end(),
                         [&](const SessionRecord& r) { return r.id == session_id; });
  if (it == all.end()) {
    return fail(ErrorCode::kNotFound, "AUTH_SESSION_NOT_FOUND", "the user has no such session");
  }
  CAIRN_TRY(audit_.record(audit_entry("user", std::string(user_id), "auth.session.revoke",
                                      "session", it->id, "ok", {}, session_details(it->id))));
  CAIRN_ASSIGN_OR_RETURN(bool removed, store_.delete_session(it->id));
  cache_->erase_hash(it->token_hash);
  if (!removed) {
    return fail(ErrorCode::kNotFound, "AUTH_SESSION_NOT_FOUND", "the user has no such session");
  }
  return ok_status();
}

Result<int64_t> AuthService::revoke_all_sessions(std::string_view user_id) {
  nlohmann::json details = {{"all", true}};
  CAIRN_TRY(audit_.record(audit_entry("user", std::string(user_id), "auth.session.revoke", "user",
                                      std::string(user_id), "ok", {}, details.dump())));
  CAIRN_ASSIGN_OR_RETURN(int64_t removed, store_.delete_user_sessions(user_id));
  cache_->erase_if([&](const SessionRecord& r) { return r.user_id == user_id; });
  return removed;
}

Result<std::vector<Session>> AuthService::sessions(std::string_view user_id) {
  CAIRN_ASSIGN_OR_RETURN(std::vector<SessionRecord> all, store_.user_sessions(user_id));
  Timestamp now = env_.now();
  std::vector<Session> out;
  for (const SessionRecord& record : all) {
    Session s = to_session(record);
    if (now < s.expires_at) out.push_back(std::move(s));
  }
  return out;
}

// ---- API keys

Result<NewApiKey> AuthService::create_api_key(std::string_view owner_id,
                                              const ApiKeyOptions& options) {
  if (owner_id.empty() || owner_id.size() > 256 || !internal::is_plain_text(owner_id)) {
    return fail(ErrorCode::kInvalidArgument, "AUTH_OWNER_INVALID",
                "an API key's owner is 1-256 bytes of printable text");
  }
  CAIRN_ASSIGN_OR_RETURN(std::string prefix, normalize_key_prefix(options.prefix));
  CAIRN_TRY(internal::check_name(options.name));
  std::vector<std::string> scopes;
  for (const std::string& scope : options.scopes) {
    bool ok = !scope.empty() && scope.size() <= 128 &&
              std::all_of(scope.begin(), scope.end(), [](char c) { return c > ' ' && c <= '~'; });
    if (!ok || scopes.size() >= 64) {
      return fail(ErrorCode::kInvalidArgument, "AUTH_KEY_SCOPE_INVALID",
                  "scopes are 1-128 printable ASCII characters without spaces (at most 64)");
    }
    if (std::find(scopes.begin(), scopes.end(), scope) == scopes.end()) scopes.push_back(scope);
  }
  Timestamp now = env_.now();
  if (options.expires_at && *options.expires_at <= now) {
    return fail(ErrorCode::kInvalidArgument, "AUTH_KEY_EXPIRY_INVALID",
                "an API key's expiry must be in the future");
  }
  CAIRN_ASSIGN_OR_RETURN(std::string secret, generate_api_key(prefix, env_));
  ApiKeyRecord record;
  record.key.id = internal::new_id(env_);
  record.key.owner_id = std::string(owner_id);
  record.key.name = options.name;
  record.key.prefix = prefix;
  record.key.display = secret.substr(0, prefix.size() + 1 + 4);
  record.key.scopes = std::move(scopes);
  record.key.created_at = now;
  record.key.expires_at = options.expires_at;
  record.key_hash = digest_of(secret);
  nlohmann::json details = {
      {"key_id", record.key.id}, {"prefix", prefix}, {"scopes", record.key.scopes}};
  CAIRN_TRY(audit_.record(audit_entry("user", record.key.owner_id, "auth.key.create", "api_key",
                                      record.key.id, "ok", {}, details.dump())));
  CAIRN_TRY(store_.insert_api_key(record));
  return NewApiKey{record.key, std::move(secret)};
}

Result<ApiKey> AuthService::validate_api_key(std::string_view key) {
  auto invalid = [] {
    return fail(ErrorCode::kUnauthenticated, "AUTH_TOKEN_INVALID",
                "the API key is not valid (unknown, revoked or mistyped)");
  };
  if (!api_key_checksum_ok(key)) return invalid();
  Bytes hash = digest_of(key);
  CAIRN_ASSIGN_OR_RETURN(auto record, store_.api_key_by_hash(hash));
  if (!record || !crypto::constant_time_equal(record->key_hash, hash) || record->key.revoked_at) {
    return invalid();
  }
  Timestamp now = env_.now();
  if (record->key.expires_at && now >= *record->key.expires_at) {
    return fail(ErrorCode::kUnauthenticated, "AUTH_TOKEN_EXPIRED", "the API key has expired");
  }
  if (!record->key.last_used_at ||
      now - *record->key.last_used_at >= options_.session_touch_interval) {
    CAIRN_ASSIGN_OR_RETURN(bool touched, store_.touch_api_key(record->key.id, now));
    if (!touched) return invalid();
    record->key.last_used_at = now;
  }
  return record->key;
}

Status AuthService::revoke_api_key(std::string_view key_id, std::string_view actor) {
  CAIRN_ASSIGN_OR_RETURN(auto key, store_.api_key(key_id));
  if (!key || key->revoked_at) {
    return fail(ErrorCode::kNotFound, "AUTH_KEY_NOT_FOUND", "no such API key (or it is revoked)");
  }
  CAIRN_TRY(audit_.record(audit_entry("user", actor.empty() ? key->owner_id : std::string(actor),
                                      "auth.key.revoke", "api_key", key->id, "ok", {})));
  CAIRN_ASSIGN_OR_RETURN(bool revoked, store_.revoke_api_key(key->id, env_.now()));
  if (!revoked) {
    return fail(ErrorCode::kNotFound, "AUTH_KEY_NOT_FOUND", "no such API key (or it is revoked)");
  }
  return ok_status();
}

Result<std::vector<ApiKey>> AuthService::api_keys(std::string_view owner_id) {
  return store_.api_keys(owner_id);
}

}  // namespace cairn::auth
