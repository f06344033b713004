// cairn::auth::AuthStore: the auth service's storage. Implementations for memory: and sqlite:
// (src/storage/*/auth_store.cpp), checked by one conformance suite. Every method is one atomic
// operation; the service does the validating, hashing and timing, the store only keeps records.
// Tokens, keys and login codes reach the store only as SHA-256 digests.
//
// Thread-safety: every implementation is safe for concurrent use.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/auth/accounts.hpp"
#include "cairn/core/bytes.hpp"
#include "cairn/core/result.hpp"

namespace cairn::auth {

struct UserRecord {
  User user;
  std::string password_hash;  // PHC string, or "" for a user without a password
};

struct SessionRecord {
  std::string id;
  Bytes token_hash;  // SHA-256 of the token
  std::string user_id;
  Timestamp created_at{};
  Timestamp last_seen{};  // as last written (the service coalesces updates)
  Timestamp absolute_expires_at{};
  std::string ip;
  std::string user_agent;
};

struct ApiKeyRecord {
  ApiKey key;
  Bytes key_hash;  // SHA-256 of the key text
};

struct LoginCodeRecord {
  std::string email;
  Bytes code_hash;  // HMAC-SHA-256 of the code, keyed per engine
  Timestamp created_at{};
  Timestamp expires_at{};
};

// The per-email events that login-code limits count.
enum class LoginEvent { kCodeRequest, kFailedVerification };

class AuthStore {
 public:
  virtual ~AuthStore() = default;

  // Users. insert_user errors: ALREADY_EXISTS / AUTH_USER_EXISTS (the email or id is taken).
  virtual Status insert_user(const UserRecord& record) = 0;
  virtual Result<std::optional<UserRecord>> user_by_id(std::string_view id) = 0;
  virtual Result<std::optional<UserRecord>> user_by_email(std::string_view email) = 0;
  // Replaces the user's record (matched by id); false when there is no such user. Errors:
  // ALREADY_EXISTS / AUTH_USER_EXISTS when the new email belongs to another user.
  virtual Result<bool> update_user(const UserRecord& record) = 0;
  // Replaces the password hash only if it is still `old_hash` (a concurrent change wins); false
  // when the user is gone or the hash changed.
  virtual Result<bool> replace_password_hash(std::string_view id, std::string_view old_hash,
                                             std::string_view new_hash) = 0;
  // Sets the password hash ("" removes it); false when the user is gone.
  virtual Result<bool> set_password_hash(std::string_view id, std::string_view hash) = 0;
  // Sets the status; false when the user is gone.
  virtual Result<bool> set_user_status(std::string_view id, UserStatus status) = 0;
  // Sets the roles; false when the user is gone.
  virtual Result<bool> set_user_roles(std::string_view id,
                                      const std::vector<std::string>& roles) = 0;
  // Every user, ordered by email.
  virtual Result<std::vector<User>> users() = 0;

  // Identities. insert_identity errors: ALREADY_EXISTS / AUTH_IDENTITY_EXISTS; NOT_FOUND /
  // AUTH_USER_NOT_FOUND when the user does not exist.
  virtual Status insert_identity(const Identity& identity) = 0;
  virtual Result<std::optional<Identity>> identity(std::string_view provider,
                                                   std::string_view subject) = 0;
  virtual Result<std::vector<Identity>> identities(std::string_view user_id) = 0;

  // Sessions. insert_session checks, in the same atomic step, that the user exists and is active
  // (so a session cannot slip in after a suspension): NOT_FOUND / AUTH_USER_NOT_FOUND,
  // PERMISSION_DENIED / AUTH_USER_SUSPENDED; ALREADY_EXISTS / AUTH_SESSION_EXISTS.
  virtual Status insert_session(const SessionRecord& record) = 0;
  virtual Result<std::optional<SessionRecord>> session_by_hash(ByteView token_hash) = 0;
  // Sets last_seen (only ever forward); false when the session is gone.
  virtual Result<bool> touch_session(std::string_view id, Timestamp last_seen) = 0;
  // Replaces the token of session `id` if its hash is still `old_hash`, and sets last_seen;
  // false when the session is gone or was rotated by someone else first.
  virtual Result<bool> rotate_session(std::string_view id, ByteView old_hash, ByteView new_hash,
                                      Timestamp last_seen) = 0;
  virtual Result<bool> delete_session(std::string_view id) = 0;
  // Deletes every session of the user; returns how many.
  virtual Result<int64_t> delete_user_sessions(std::string_view user_id) = 0;
  // The user's sessions, newest first.
  virtual Result<std::vector<SessionRecord>> user_sessions(std::string_view user_id) = 0;
  // Deletes sessions past absolute_expires_at or idle since before `idle_before`.
  virtual Result<int64_t> purge_sessions(Timestamp now, Timestamp idle_before) = 0;

  // API keys.
  virtual Status insert_api_key(const ApiKeyRecord& record) = 0;
  virtual Result<std::optional<ApiKeyRecord>> api_key_by_hash(ByteView key_hash) = 0;
  virtual Result<std::optional<ApiKey>> api_key(std::string_view id) = 0;
  // Sets last_used_at (only ever forward); false when the key is gone.
  virtual Result<bool> touch_api_key(std::string_view id, Timestamp at) = 0;
  // Marks the key revoked at `at`; false when there is no such key or it was already revoked.
  virtual Result<bool> revoke_api_key(std::string_view id, Timestamp at) = 0;
  // The owner's keys (revoked ones too), newest first.
  virtual Result<std::vector<ApiKey>> api_keys(std::string_view owner_id) = 0;
  // Deletes keys expired at `now` and keys revoked before `revoked_before`; returns how many.
  virtual Result<int64_t> purge_api_keys(Timestamp now, Timestamp revoked_before) = 0;

  // Login codes: at most one live code per email.
  // Stores `record`, replacing the email's previous code.
  virtual Status put_login_code(const LoginCodeRecord& record) = 0;
  // Removes and returns the email's code (every verification attempt uses the code up).
  virtual Result<std::optional<LoginCodeRecord>> take_login_code(std::string_view email) = 0;
  virtual Result<int64_t> purge_login_codes(Timestamp now) = 0;

  // Login events, for the sliding windows of the code limits.
  // If fewer than `limit` events of `kind` for `email` happened at or after `since`, records one
  // at `at` and returns nullopt; otherwise records nothing and returns the time of the oldest
  // event that must leave the window before another is admitted.
  virtual Result<std::optional<Timestamp>> admit_login_event(std::string_view email,
                                                             LoginEvent kind, Timestamp at,
                                                             Timestamp since, int64_t limit) = 0;
  // Records an event unconditionally.
  virtual Status add_login_event(std::string_view email, LoginEvent kind, Timestamp at) = 0;
  // The times of the email's events of `kind` at or after `since`, oldest first.
  virtual Result<std::vector<Timestamp>> login_events(std::string_view email, LoginEvent kind,
                                                      Timestamp since) = 0;
  virtual Result<int64_t> purge_login_events(Timestamp before) = 0;

  // Rate-limit state: one integer per key. Runs `update` on the key's value (nullopt when none)
  // inside one atomic step and stores what it returns (nothing when it returns nullopt).
  virtual Status update_rate_state(
      std::string_view key,
      const std::function<std::optional<int64_t>(std::optional<int64_t>)>& update) = 0;
  // Deletes rate states whose value is below `before` (TATs in the past); returns how many.
  virtual Result<int64_t> purge_rate_states(int64_t before) = 0;
};

}  // namespace cairn::auth
