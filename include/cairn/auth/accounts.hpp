// The values the auth service hands out: users and their external identities, sessions and API
// keys. Plain value types; none of them holds a secret (tokens and keys exist only in the
// NewSession / NewApiKey results of the calls that create them, and are stored only as hashes).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/core/env.hpp"
#include "cairn/core/result.hpp"

namespace cairn::auth {

enum class UserStatus { kActive, kSuspended };

// "active" or "suspended".
std::string_view user_status_name(UserStatus status) noexcept;
// The status named `name`. Errors: INVALID_ARGUMENT / AUTH_USER_STATUS_INVALID.
Result<UserStatus> parse_user_status(std::string_view name);

struct User {
  std::string id;     // 32 lower-case hex characters, random
  std::string email;  // normalized: trimmed, lower case
  std::string name;   // display name, may be empty
  std::vector<std::string> roles;
  UserStatus status = UserStatus::kActive;
  Timestamp created_at{};
};

// A login at an external provider ("github", "google", ...) linked to a user.
struct Identity {
  std::string provider;
  std::string subject;  // the provider's stable user id
  std::string user_id;
  Timestamp created_at{};
};

struct Session {
  std::string id;  // 32 lower-case hex characters; not the token, safe to show and log
  std::string user_id;
  Timestamp created_at{};
  Timestamp last_seen{};
  // When the session ends if not used again: the earlier of last_seen + idle timeout and
  // created_at + absolute timeout.
  Timestamp expires_at{};
  std::string ip;
  std::string user_agent;
};

struct ApiKey {
  std::string id;        // 32 lower-case hex characters
  std::string owner_id;  // a user id, service account id, ... (the caller's choice)
  std::string name;
  std::string prefix;  // "cr_sa"
  std::string
      display;  // the prefix and the first 4 random characters, "cr_sa_AbCd", to tell keys apart
  std::vector<std::string> scopes;
  Timestamp created_at{};
  std::optional<Timestamp> expires_at;
  std::optional<Timestamp> last_used_at;
  std::optional<Timestamp> revoked_at;
};

// A session and its bearer token: the only time the token exists outside the client.
struct NewSession {
  Session session;
  std::string token;
};

// An API key and its secret text: shown once, never retrievable again.
struct NewApiKey {
  ApiKey key;
  std::string secret;
};

}  // namespace cairn::auth
