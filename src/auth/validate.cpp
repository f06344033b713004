#include "auth/internal/validate.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>

#include "cairn/auth/email.hpp"
#include "cairn/core/encoding.hpp"
#include "cairn/crypto/password.hpp"
#include "core/internal/ids.hpp"

namespace cairn::auth::internal {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool has_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

}  // namespace

}  // namespace cairn::auth::internal

namespace cairn::auth {

Result<std::string> normalize_email(std::string_view email) {
  // Only spaces and tabs are trimmed: a CR or LF is never a typing slip but a header injection
  // or a way around a check that trims differently, so it is refused like any control character.
  while (!email.empty() && (email.front() == ' ' || email.front() == '\t')) email.remove_prefix(1);
  while (!email.empty() && (email.back() == ' ' || email.back() == '\t')) email.remove_suffix(1);
  std::string out(email);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  size_t at = out.find('@');
  bool ok = out.size() <= kMaxEmailBytes && at != std::string::npos && at > 0 &&
            at <= kMaxEmailLocalBytes && at + 1 < out.size() &&
            out.find('@', at + 1) == std::string::npos && encoding::is_valid_utf8(out) &&
            !internal::has_control(out) &&
            std::none_of(out.begin(), out.end(), internal::is_space) && out.back() != '.' &&
            out[at + 1] != '.';
  if (!ok) {
    return fail(ErrorCode::kInvalidArgument, "AUTH_EMAIL_INVALID",
                "an email address is local@domain, at most 254 characters, without spaces or "
                "control characters");
  }
  return out;
}

}  // namespace cairn::auth

namespace cairn::auth::internal {

Status check_name(std::string_view name) {
  if (name.size() > 256 || !encoding::is_valid_utf8(name) || has_control(name)) {
    return fail(ErrorCode::kInvalidArgument, "AUTH_NAME_INVALID",
                "a name is at most 256 bytes of UTF-8 without control characters");
  }
  return ok_status();
}

Status check_password(std::string_view password, size_t min_length) {
  if (password.size() > crypto::kMaxPasswordBytes) {
    return fail(ErrorCode::kInvalidArgument, "CRYPTO_PASSWORD_TOO_LONG",
                "passwords are limited to 4096 bytes");
  }
  if (!encoding::is_valid_utf8(password)) {
    return fail(ErrorCode::kInvalidArgument, "AUTH_PASSWORD_INVALID", "a password must be UTF-8");
  }
  // Characters, not bytes: count the bytes that start a code point.
  size_t characters = static_cast<size_t>(
      std::count_if(password.begin(), password.end(), [](char c) { return (c & 0xC0) != 0x80; }));
  if (characters < min_length) {
    return fail(ErrorCode::kInvalidArgument, "AUTH_PASSWORD_WEAK",
                "the password must have at least " + std::to_string(min_length) + " characters");
  }
  return ok_status();
}

Result<std::vector<std::string>> check_roles(std::vector<std::string> roles) {
  std::vector<std::string> out;
  for (std::string& role : roles) {
    bool ok =
        !role.empty() && role.size() <= 64 && std::all_of(role.begin(), role.end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
                 c == ':' || c == '-';
        });
    if (!ok || out.size() >= 64) {
      return fail(ErrorCode::kInvalidArgument, "AUTH_ROLE_INVALID",
                  "roles are 1-64 characters of a-z, 0-9 and _.:- (at most 64 roles)");
    }
    if (std::find(out.begin(), out.end(), role) == out.end()) out.push_back(std::move(role));
  }
  return out;
}

Status check_request(const RequestInfo& request) {
  if (!request.ip.empty()) {
    std::array<unsigned char, 16> buffer{};
    if (inet_pton(AF_INET, request.ip.c_str(), buffer.data()) != 1 &&
        inet_pton(AF_INET6, request.ip.c_str(), buffer.data()) != 1) {
      return fail(ErrorCode::kInvalidArgument, "AUTH_REQUEST_INVALID",
                  "the request's ip is not an IPv4 or IPv6 address");
    }
  }
  if (request.user_agent.size() > 512 || !encoding::is_valid_utf8(request.user_agent) ||
      has_control(request.user_agent)) {
    return fail(ErrorCode::kInvalidArgument, "AUTH_REQUEST_INVALID",
                "the user agent is at most 512 bytes of UTF-8 text");
  }
  return ok_status();
}

bool is_plain_text(std::string_view text) {
  return encoding::is_valid_utf8(text) && !has_control(text);
}

std::string new_id(Env& env) { return cairn::internal::random_hex_id(env); }

audit::EntryInput audit_entry(std::string actor_type, std::string actor_id, std::string action,
                              std::string resource_type, std::string resource_id,
                              std::string outcome, const RequestInfo& request,
                              std::string details) {
  audit::EntryInput entry;
  entry.actor_type = std::move(actor_type);
  entry.actor_id = std::move(actor_id);
  entry.action = std::move(action);
  entry.resource_type = std::move(resource_type);
  entry.resource_id = std::move(resource_id);
  entry.outcome = std::move(outcome);
  entry.details = std::move(details);
  entry.ip = request.ip;
  entry.user_agent = request.user_agent;
  return entry;
}

}  // namespace cairn::auth::internal
