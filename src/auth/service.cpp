// AuthService: construction, users and password logins. Sessions and API keys are in
// sessions.cpp, login codes, rate limiters and maintenance in login_codes.cpp.
#include "cairn/auth/service.hpp"

#include <nlohmann/json.hpp>

#include "auth/internal/session_cache.hpp"
#include "auth/internal/validate.hpp"
#include "cairn/auth/token.hpp"

namespace cairn::auth {

using internal::audit_entry;

namespace {
// Changes made without a named actor are recorded as the system's.
std::string actor_or_system(std::string_view actor) {
  return actor.empty() ? std::string("system") : std::string(actor);
}
}  // namespace

std::string_view user_status_name(UserStatus status) noexcept {
  return status == UserStatus::kSuspended ? "suspended" : "active";
}

Result<UserStatus> parse_user_status(std::string_view name) {
  if (name == "active") return UserStatus::kActive;
  if (name == "suspended") return UserStatus::kSuspended;
  return fail(ErrorCode::kInvalidArgument, "AUTH_USER_STATUS_INVALID",
              "a user's status is \"active\" or \"suspended\"");
}

Result<std::unique_ptr<AuthService>> AuthService::create(AuthStore& store, audit::AuditLog& audit,
                                                         Env& env, ByteView code_key,
                                                         const AuthOptions& options) {
  CAIRN_TRY(crypto::check_password_params(options.password));
  auto invalid = [](std::string message) {
    return fail(ErrorCode::kInvalidArgument, "AUTH_OPTIONS_INVALID", std::move(message));
  };
  if (code_key.size() < 32) return invalid("the login code key must be at least 32 bytes");
  if (options.session_idle_timeout.count() <= 0 || options.session_absolute_timeout.count() <= 0 ||
      options.session_touch_interval.count() < 0 || options.session_cache_ttl.count() < 0) {
    return invalid("session timeouts must be positive, intervals not negative");
  }
  const LoginCodeOptions& codes = options.login_codes;
  if (codes.ttl.count() <= 0 || codes.request_window.count() <= 0 ||
      codes.failure_window.count() <= 0 || codes.request_limit < 1 ||
      codes.request_limit_per_email < 1 || codes.failure_limit < 1) {
    return invalid("login code windows and limits must be positive");
  }
  if (options.min_password_length > 1024) return invalid("min_password_length is at most 1024");
  auto prefix = normalize_key_prefix(options.session_prefix);
  if (!prefix || *prefix != options.session_prefix) {
    return invalid("session_prefix is 1-32 characters of a-z, 0-9 and '_', starting with a letter");
  }
  return std::unique_ptr<AuthService>(new AuthService(store, audit, env, code_key, options));
}

AuthService::AuthService(AuthStore& store, audit::AuditLog& audit, Env& env, ByteView code_key,
                         const AuthOptions& options)
    : store_(store),
      audit_(audit),
      env_(env),
      code_key_(code_key.begin(), code_key.end()),
      options_(options),
      cache_(std::make_unique<Cache>()) {}

AuthService::~AuthService() = default;

Result<User> AuthService::create_user(std::string_view email, std::string_view name,
                                      std::string_view password, std::vector<std::string> roles) {
  CAIRN_ASSIGN_OR_RETURN(std::string normalized, internal::normalize_email(email));
  CAIRN_TRY(internal::check_name(name));
  CAIRN_ASSIGN_OR_RETURN(std::vector<std::string> checked, internal::check_roles(std::move(roles)));
  UserRecord record;
  if (!password.empty()) {
    CAIRN_TRY(internal::check_password(password, options_.min_password_length));
  }
  CAIRN_ASSIGN_OR_RETURN(auto existing, store_.user_by_email(normalized));
  if (existing) {
    return fail(ErrorCode::kAlreadyExists, "AUTH_USER_EXISTS",
                "a user with this email already exists");
  }
  if (!password.empty()) {
    std::array<uint8_t, 16> salt{};
    env_.random_bytes(salt);
    CAIRN_ASSIGN_OR_RETURN(record.password_hash,
                           crypto::hash_password(password, options_.password, salt));
  }
  record.user.id = internal::new_id(env_);
  record.user.email = std::move(normalized);
  record.user.name = std::string(name);
  record.user.roles = std::move(checked);
  record.user.created_at = env_.now();
  nlohmann::json details = {{"email", record.user.email}, {"roles", record.user.roles}};
  CAIRN_TRY(audit_.record(audit_entry("user", record.user.id, "auth.user.create", "user",
                                      record.user.id, "ok", {}, details.dump())));
  CAIRN_TRY(store_.insert_user(record));
  return record.user;
}

Result<User> AuthService::user(std::string_view id) {
  CAIRN_ASSIGN_OR_RETURN(auto record, store_.user_by_id(id));
  if (!record) return fail(ErrorCode::kNotFound, "AUTH_USER_NOT_FOUND", "no such user");
  return record->user;
}

Result<User> AuthService::user_by_email(std::string_view email) {
  CAIRN_ASSIGN_OR_RETURN(std::string normalized, internal::normalize_email(email));
  CAIRN_ASSIGN_OR_RETURN(auto record, store_.user_by_email(normalized));
  if (!record) return fail(ErrorCode::kNotFound, "AUTH_USER_NOT_FOUND", "no user with this email");
  return record->user;
}

Result<std::vector<User>> AuthService::users() { return store_.users(); }

Status AuthService::set_password(std::string_view user_id, std::string_view password) {
  if (!password.empty()) {
    CAIRN_TRY(internal::check_password(password, options_.min_password_length));
  }
  CAIRN_ASSIGN_OR_RETURN(auto record, store_.user_by_id(user_id));
  if (!record) return fail(ErrorCode::kNotFound, "AUTH_USER_NOT_FOUND", "no such user");
  std::string hash;
  if (!password.empty()) {
    std::array<uint8_t, 16> salt{};
    env_.random_bytes(salt);
    CAIRN_ASSIGN_OR_RETURN(hash, crypto::hash_password(password, options_.password, salt));
  }
  CAIRN_TRY(audit_.record(audit_entry("user", record->user.id, "auth.user.password", "user",
                                      record->user.id, "ok", {})));
  CAIRN_ASSIGN_OR_RETURN(bool updated, store_.set_password_hash(record->user.id, hash));
  if (!updated) return fail(ErrorCode::kNotFound, "AUTH_USER_NOT_FOUND", "no such user");
  return ok_status();
}

Status AuthService::set_status(std::string_view user_id, UserStatus status,
                               std::string_view actor) {
  CAIRN_ASSIGN_OR_RETURN(auto record, store_.user_by_id(user_id));
  if (!record) return fail(ErrorCode::kNotFound, "AUTH_USER_NOT_FOUND", "no such user");
  nlohmann::json details = {{"status", user_status_name(status)}};
  CAIRN_TRY(audit_.record(audit_entry("user", actor_or_system(actor), "auth.user.status", "user",
                                      record->user.id, "ok", {}, details.dump())));
  CAIRN_ASSIGN_OR_RETURN(bool updated, store_.set_user_status(record->user.id, status));
  if (!updated) return fail(ErrorCode::kNotFound, "AUTH_USER_NOT_FOUND", "no such user");
  if (status == UserStatus::kSuspended) CAIRN_TRY(revoke_all_sessions(user_id));
  return ok_status();
}

Status AuthService::set_roles(std::string_view user_id, std::vector<std::string> roles,
                              std::string_view actor) {
  CAIRN_ASSIGN_OR_RETURN(std::vector<std::string> checked, internal::check_roles(std::move(roles)));
  CAIRN_ASSIGN_OR_RETURN(auto record, store_.user_by_id(user_id));
  if (!record) return fail(ErrorCode::kNotFound, "AUTH_USER_NOT_FOUND", "no such user");
  nlohmann::json details = {{"roles", checked}};
  CAIRN_TRY(audit_.record(audit_entry("user", actor_or_system(actor), "auth.user.roles", "user",
                                      record->user.id, "ok", {}, details.dump())));
  CAIRN_ASSIGN_OR_RETURN(bool updated, store_.set_user_roles(record->user.id, checked));
  if (!updated) return fail(ErrorCode::kNotFound, "AUTH_USER_NOT_FOUND", "no such user");
  return ok_status();
}

Status AuthService::link_identity(std::string_view user_id, std::string_view provider,
                                  std::string_view subject) {
  auto token_ok = [](std::string_view text, size_t max) {
    return !text.empty() && text.size() <= max &&
           std::all_of(text.begin(), text.end(), [](char c) { return c > ' ' && c <= '~'; });
  };
  if (!token_ok(provider, 64) || !token_ok(subject, 256)) {
    return fail(ErrorCode::kInvalidArgument, "AUTH_IDENTITY_INVALID",
                "an identity is a provider (1-64) and a subject (1-256) of printable ASCII");
  }
  CAIRN_ASSIGN_OR_RETURN(auto record, store_.user_by_id(user_id));
  if (!record) return fail(ErrorCode::kNotFound, "AUTH_USER_NOT_FOUND", "no such user");
  Identity identity{std::string(provider), std::string(subject), std::string(user_id), env_.now()};
  CAIRN_ASSIGN_OR_RETURN(auto existing, store_.identity(provider, subject));
  if (existing) {
    return fail(ErrorCode::kAlreadyExists, "AUTH_IDENTITY_EXISTS",
                "this external identity is already linked to a user");
  }
  nlohmann::json details = {{"provider", identity.provider}};
  CAIRN_TRY(audit_.record(audit_entry("user", identity.user_id, "auth.user.identity.link", "user",
                                      identity.user_id, "ok", {}, details.dump())));
  return store_.insert_identity(identity);
}

Result<User> AuthService::user_by_identity(std::string_view provider, std::string_view subject) {
  CAIRN_ASSIGN_OR_RETURN(auto identity, store_.identity(provider, subject));
  if (!identity) {
    return fail(ErrorCode::kNotFound, "AUTH_IDENTITY_NOT_FOUND",
                "no user is linked to this external identity");
  }
  return user(identity->user_id);
}

uint64_t AuthService::password_checks() const noexcept { return cache_->password_checks.load(); }

Result<bool> AuthService::check_password_hash(std::string_view phc, std::string_view password) {
  // The hash unknown emails are checked against is made once, with today's parameters.
  std::call_once(cache_->dummy_once, [&] {
    std::array<uint8_t, 16> salt{};
    env_.random_bytes(salt);
    auto hash = crypto::hash_password("cairn: no such user", options_.password, salt);
    if (hash) dummy_hash_ = *hash;
  });
  cache_->password_checks.fetch_add(1);
  // A stored hash cairn cannot read (another algorithm, damaged) fails like a wrong password,
  // after the same work, so the answer never tells that the account exists.
  auto match = crypto::verify_password(phc.empty() ? dummy_hash_ : phc, password);
  if (!match) {
    (void)crypto::verify_password(dummy_hash_, password);
    return false;
  }
  return !phc.empty() && *match;
}

Result<User> AuthService::login_password(std::string_view email, std::string_view password,
                                         const RequestInfo& request) {
  CAIRN_ASSIGN_OR_RETURN(std::string normalized, internal::normalize_email(email));
  CAIRN_TRY(internal::check_request(request));
  if (password.size() > crypto::kMaxPasswordBytes) {
    return fail(ErrorCode::kInvalidArgument, "CRYPTO_PASSWORD_TOO_LONG",
                "passwords are limited to 4096 bytes");
  }
  auto invalid = [] {
    return fail(ErrorCode::kUnauthenticated, "AUTH_INVALID_CREDENTIALS", "wrong email or password");
  };
  CAIRN_ASSIGN_OR_RETURN(auto record, store_.user_by_email(normalized));
  // Unknown email, no password, wrong password: one Argon2id verification each, one answer.
  std::string stored = record ? record->password_hash : std::string();
  CAIRN_ASSIGN_OR_RETURN(bool match, check_password_hash(stored, password));
  if (!match) {
    if (record) {
      CAIRN_TRY(audit_.record(audit_entry("user", record->user.id, "auth.login", "user",
                                          record->user.id, "failed", request)));
    } else {
      CAIRN_TRY(audit_.record(
          audit_entry("anonymous", normalized, "auth.login", "user", "", "failed", request)));
    }
    return invalid();
  }
  if (record->user.status != UserStatus::kActive) {
    CAIRN_TRY(audit_.record(audit_entry("user", record->user.id, "auth.login", "user",
                                        record->user.id, "denied", request)));
    return fail(ErrorCode::kPermissionDenied, "AUTH_USER_SUSPENDED", "this user is suspended");
  }
  if (crypto::needs_rehash(stored, options_.password)) {
    std::array<uint8_t, 16> salt{};
    env_.random_bytes(salt);
    CAIRN_ASSIGN_OR_RETURN(std::string upgraded,
                           crypto::hash_password(password, options_.password, salt));
    nlohmann::json details = {{"rehash", true}};
    CAIRN_TRY(audit_.record(audit_entry("user", record->user.id, "auth.user.password", "user",
                                        record->user.id, "ok", request, details.dump())));
    // Only if nobody changed the password meanwhile; a lost upgrade is redone next login.
    CAIRN_TRY(store_.replace_password_hash(record->user.id, stored, upgraded));
  }
  CAIRN_TRY(audit_.record(
      audit_entry("user", record->user.id, "auth.login", "user", record->user.id, "ok", request)));
  return record->user;
}

}  // namespace cairn::auth
