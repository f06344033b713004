// cairn::auth::AuthService: users, passwords, sessions, API keys, magic login codes and
// store-backed rate limits. engine.auth() hands one out.
//
// Example:
//   auto user = engine.auth().create_user("ada@example.com", "Ada", "correct horse battery");
//   auto login = engine.auth().login_password("ada@example.com", "correct horse battery");
//   auto [session, token] = *engine.auth().create_session(login->id, {.ip = "203.0.113.7"});
//   auto again = engine.auth().validate_session(token);           // on every request
//
// Credentials:
//   - Passwords are Argon2id PHC strings (crypto/password.hpp). A login for an unknown email does
//     the same Argon2id work as a wrong password and fails the same way; a login with a hash made
//     under weaker parameters than today's rehashes it.
//   - Session tokens are "<session_prefix>_" + 43 base62 characters (256 bits). API keys are
//     checksummed (auth/token.hpp). Login codes are 6 digits. All are stored only as digests.
//   - Sessions end after an idle timeout and an absolute timeout. validate_session() writes
//     last_seen only when it moved by more than session_touch_interval, so validation is a read;
//     with session_cache_ttl > 0 it is usually not even that (see AuthOptions).
//   - Login codes follow Coldrune's rules, keyed so that a stranger cannot deny a user sign-in
//     from elsewhere: 10-minute codes; any wrong guess uses the code up; at most 5 code requests
//     per email and client address per 15 minutes and 20 per email from all addresses; 10 failed
//     verifications per email and client address per hour lock that address out for that email
//     until the oldest of them is an hour old. Only a guess against a code that exists counts as a
//     failure (a guess when none was requested cannot lock anyone out). Limits and lockouts live
//     in the store, so they survive restarts; purge_expired() drops them after their windows.
// Every failed credential check is UNAUTHENTICATED; limits and lockouts are RESOURCE_EXHAUSTED
// with Error::retry_after set.
//
// Audit (actor type "user", or "anonymous" with the email for unknown users): user creation,
// status and role changes ("auth.user.*"), password logins and failures ("auth.login" with
// outcome "ok" or "failed"), code requests and verifications of existing users ("auth.code.*"),
// lockouts ("auth.lockout"), session creation, rotation and revocation ("auth.session.*"), API
// key creation and revocation ("auth.key.*"). Changes are audited before they are made
// (fail-closed). Code requests and failed verifications for emails without a user are not
// written to the audit log, which is append-only: anyone could grow it without bound by
// inventing addresses. They are kept as login events, which purge_expired() removes once they
// leave their windows (at most an hour).
//
// Thread-safety: safe for concurrent use. Ownership: borrows its store, audit log and Env.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cairn/audit/log.hpp"
#include "cairn/auth/accounts.hpp"
#include "cairn/auth/email.hpp"
#include "cairn/auth/rate_limit.hpp"
#include "cairn/auth/store.hpp"
#include "cairn/crypto/password.hpp"

namespace cairn::auth {

// Login-code rules. The defaults are Coldrune's: a code lives 10 minutes and any wrong guess
// uses it up; 5 code requests per email and client address (20 per email from all addresses)
// per 15 minutes; 10 failed verifications per email and address per hour lock that address out
// for that email.
struct LoginCodeOptions {
  std::chrono::seconds ttl{10 * 60};
  int64_t request_limit = 5;  // code requests per email and client address per request_window
  // Code requests per email from all addresses together per request_window: bounds the mail one
  // inbox receives and the guesses (one per code) anyone can make at it.
  int64_t request_limit_per_email = 20;
  std::chrono::seconds request_window{15 * 60};
  // Failed verifications per email and client address per failure_window before that address is
  // locked out for that email.
  int64_t failure_limit = 10;
  std::chrono::seconds failure_window{60 * 60};
  // Whether verifying a code for an email without a user creates that user (passwordless
  // sign-up). When false, such a verification fails like a wrong code.
  bool creates_users = true;
};

struct AuthOptions {
  crypto::PasswordParams password;  // at least OWASP's minimum (checked)
  size_t min_password_length = 8;   // in characters (NIST SP 800-63B's minimum)
  std::chrono::seconds session_idle_timeout{14 * 24 * 3600};
  std::chrono::seconds session_absolute_timeout{30 * 24 * 3600};
  // validate_session()/validate_api_key() write last_seen/last_used only when it moved by more.
  std::chrono::seconds session_touch_interval{60};
  // How long validate_session() may answer from memory without reading the store. Revocations
  // made through this service take effect at once regardless; revocations made by another process
  // sharing the database take effect within this time. 0 (the default) reads the store every time.
  std::chrono::seconds session_cache_ttl{0};
  std::string session_prefix = "cairn_s";  // [a-z][a-z0-9_]{0,31}
  LoginCodeOptions login_codes;
};

// Who is asking, for sessions and audit entries. All optional.
struct RequestInfo {
  std::string ip;          // IPv4 or IPv6 text
  std::string user_agent;  // up to 512 bytes
};

// What purge_expired() removed.
struct PurgeCounts {
  int64_t sessions = 0;
  int64_t login_codes = 0;
  int64_t api_keys = 0;
  int64_t login_events = 0;
  int64_t rate_states = 0;
};

// Options for a new API key.
struct ApiKeyOptions {
  std::string prefix = "cairn";
  std::string name;
  std::vector<std::string> scopes;  // each 1-128 printable ASCII characters without spaces
  std::optional<Timestamp> expires_at;
};

class AuthService {
 public:
  // `code_key`: the secret (32 bytes) login codes are MACed with; the engine keeps one per
  // database. Errors: INVALID_ARGUMENT / AUTH_OPTIONS_INVALID; CRYPTO_PASSWORD_PARAMS_WEAK.
  static Result<std::unique_ptr<AuthService>> create(AuthStore& store, audit::AuditLog& audit,
                                                     Env& env, ByteView code_key,
                                                     const AuthOptions& options = {});
  ~AuthService();
  AuthService(const AuthService&) = delete;
  AuthService& operator=(const AuthService&) = delete;

  const AuthOptions& options() const noexcept { return options_; }

  // ---- Users
  // Creates a user. `password` may be empty (no password login). Errors: INVALID_ARGUMENT /
  // AUTH_EMAIL_INVALID, AUTH_NAME_INVALID (over 256 bytes or not UTF-8), AUTH_PASSWORD_WEAK
  // (shorter than min_password_length), AUTH_ROLE_INVALID, CRYPTO_PASSWORD_TOO_LONG;
  // ALREADY_EXISTS / AUTH_USER_EXISTS.
  Result<User> create_user(std::string_view email, std::string_view name = {},
                           std::string_view password = {}, std::vector<std::string> roles = {});
  // Errors: NOT_FOUND / AUTH_USER_NOT_FOUND.
  Result<User> user(std::string_view id);
  Result<User> user_by_email(std::string_view email);
  Result<std::vector<User>> users();
  // Sets (or, with "", removes) the user's password. Errors: as create_user; AUTH_USER_NOT_FOUND.
  Status set_password(std::string_view user_id, std::string_view password);
  // Suspending a user also revokes all their sessions; suspended users cannot log in. An empty
  // actor is recorded as "system".
  Status set_status(std::string_view user_id, UserStatus status, std::string_view actor);
  // Roles are 1-64 characters of [a-z0-9_.:-]. Errors: AUTH_ROLE_INVALID, AUTH_USER_NOT_FOUND.
  Status set_roles(std::string_view user_id, std::vector<std::string> roles,
                   std::string_view actor);
  // Links an external login to the user. Errors: INVALID_ARGUMENT / AUTH_IDENTITY_INVALID;
  // ALREADY_EXISTS / AUTH_IDENTITY_EXISTS; NOT_FOUND / AUTH_USER_NOT_FOUND.
  Status link_identity(std::string_view user_id, std::string_view provider,
                       std::string_view subject);
  // The user an external login belongs to. Errors: NOT_FOUND / AUTH_IDENTITY_NOT_FOUND.
  Result<User> user_by_identity(std::string_view provider, std::string_view subject);

  // ---- Passwords
  // The user whose email and password these are. Errors: UNAUTHENTICATED /
  // AUTH_INVALID_CREDENTIALS (unknown email, no password set, or wrong password: the same answer
  // after the same work); PERMISSION_DENIED / AUTH_USER_SUSPENDED (right password, suspended).
  Result<User> login_password(std::string_view email, std::string_view password,
                              const RequestInfo& request = {});

  // How many Argon2id verifications login_password() has done: one per login whatever the
  // outcome (unknown email, no password, wrong or right password), which tests can check.
  uint64_t password_checks() const noexcept;

  // ---- Sessions
  // A new session for an existing, active user. Errors: AUTH_USER_NOT_FOUND, AUTH_USER_SUSPENDED.
  Result<NewSession> create_session(std::string_view user_id, const RequestInfo& request = {});
  // The live session of `token`. Errors: UNAUTHENTICATED / AUTH_TOKEN_INVALID (malformed,
  // unknown or revoked), AUTH_TOKEN_EXPIRED (idle or absolute timeout passed).
  Result<Session> validate_session(std::string_view token);
  // Replaces the session's token with a new one (same session id and absolute expiry); the old
  // token stops working at once. Errors: as validate_session().
  Result<NewSession> rotate_session(std::string_view token);
  // Ends the session of `token`. Errors: as validate_session() (an expired session is still
  // removed).
  Status revoke_session(std::string_view token);
  // Ends session `id` of `user_id`. Errors: NOT_FOUND / AUTH_SESSION_NOT_FOUND.
  Status revoke_session_id(std::string_view user_id, std::string_view session_id);
  // Ends every session of the user; returns how many.
  Result<int64_t> revoke_all_sessions(std::string_view user_id);
  // The user's live sessions, newest first.
  Result<std::vector<Session>> sessions(std::string_view user_id);

  // ---- API keys
  // Errors: AUTH_KEY_PREFIX_INVALID, AUTH_KEY_SCOPE_INVALID, AUTH_NAME_INVALID,
  // AUTH_OWNER_INVALID (empty or over 256 bytes), AUTH_KEY_EXPIRY_INVALID (not in the future).
  Result<NewApiKey> create_api_key(std::string_view owner_id, const ApiKeyOptions& options = {});
  // The key `key` is, if live. Errors: UNAUTHENTICATED / AUTH_TOKEN_INVALID (bad checksum,
  // unknown or revoked), AUTH_TOKEN_EXPIRED.
  Result<ApiKey> validate_api_key(std::string_view key);
  // Errors: NOT_FOUND / AUTH_KEY_NOT_FOUND (no such key, or already revoked).
  Status revoke_api_key(std::string_view key_id, std::string_view actor = "system");
  Result<std::vector<ApiKey>> api_keys(std::string_view owner_id);

  // ---- Magic login codes
  // A new 6-digit code for `email`, replacing any earlier one; the caller delivers it. Limits and
  // lockouts are keyed by the email and request.ip (the client address; without one, all such
  // requests share one key). Errors: AUTH_EMAIL_INVALID; RESOURCE_EXHAUSTED / AUTH_RATE_LIMITED
  // (5 requests in 15 minutes from this address, or 20 from all), AUTH_LOCKED_OUT, both with
  // retry_after.
  Result<std::string> request_login_code(std::string_view email, const RequestInfo& request = {});
  // Exchanges the email's code for a session. Any six-digit attempt uses the code up; only an
  // attempt against a code that exists counts towards the lockout of request.ip for the email.
  // Errors: INVALID_ARGUMENT / AUTH_CODE_MALFORMED (not six digits: nothing is used up or
  // counted); UNAUTHENTICATED / AUTH_CODE_INVALID (wrong, used, or none), AUTH_CODE_EXPIRED;
  // RESOURCE_EXHAUSTED / AUTH_LOCKED_OUT (with retry_after); PERMISSION_DENIED /
  // AUTH_USER_SUSPENDED.
  Result<NewSession> verify_login_code(std::string_view email, std::string_view code,
                                       const RequestInfo& request = {});

  // ---- Rate limits and maintenance
  // A GCRA limiter whose state lives in the store under "<name>:<key>", so it holds across
  // restarts and processes. It borrows this service's store and clock: destroy it before the
  // engine. Errors: AUTH_RATE_LIMIT_INVALID; INVALID_ARGUMENT /
  // AUTH_RATE_LIMIT_NAME_INVALID (empty, over 64 bytes, or with ':').
  Result<std::unique_ptr<RateLimiter>> rate_limiter(std::string_view name, const RateLimit& limit);
  // Deletes expired sessions, codes, API keys (expired, or revoked over 30 days ago), login
  // events older than both windows and rate states in the past.
  Result<PurgeCounts> purge_expired();

 private:
  struct Cache;
  AuthService(AuthStore& store, audit::AuditLog& audit, Env& env, ByteView code_key,
              const AuthOptions& options);

  Session to_session(const SessionRecord& record) const;
  Result<NewSession> start_session(const User& user, const RequestInfo& request,
                                   std::string_view how);
  Result<SessionRecord> live_session(std::string_view token, bool allow_expired);
  Result<std::optional<Timestamp>> lockout_until(std::string_view key, Timestamp now);
  Result<bool> check_password_hash(std::string_view phc, std::string_view password);

  AuthStore& store_;
  audit::AuditLog& audit_;
  Env& env_;
  Bytes code_key_;
  AuthOptions options_;
  std::string dummy_hash_;  // made by the first login: the work done for unknown users
  std::unique_ptr<Cache> cache_;
};

}  // namespace cairn::auth
