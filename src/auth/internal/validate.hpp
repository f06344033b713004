// Input checks and small helpers shared by the auth service's files.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cairn/audit/entry.hpp"
#include "cairn/auth/email.hpp"
#include "cairn/auth/service.hpp"
#include "cairn/core/env.hpp"
#include "cairn/core/result.hpp"

namespace cairn::auth::internal {

using auth::normalize_email;  // auth/email.hpp
// Errors: INVALID_ARGUMENT / AUTH_NAME_INVALID (over 256 bytes, not UTF-8, control characters).
Status check_name(std::string_view name);
// Errors: INVALID_ARGUMENT / AUTH_PASSWORD_WEAK, AUTH_PASSWORD_INVALID, CRYPTO_PASSWORD_TOO_LONG.
Status check_password(std::string_view password, size_t min_length);
// Deduplicated roles in the given order. Errors: INVALID_ARGUMENT / AUTH_ROLE_INVALID.
Result<std::vector<std::string>> check_roles(std::vector<std::string> roles);
// Errors: INVALID_ARGUMENT / AUTH_REQUEST_INVALID (ip not an address, user agent too long).
Status check_request(const RequestInfo& request);
// True for UTF-8 text without control characters.
bool is_plain_text(std::string_view text);
// 32 random lower-case hex characters.
std::string new_id(Env& env);
// Exactly one audit entry input for an auth event.
audit::EntryInput audit_entry(std::string actor_type, std::string actor_id, std::string action,
                              std::string resource_type, std::string resource_id,
                              std::string outcome, const RequestInfo& request,
                              std::string details = "");

}  // namespace cairn::auth::internal
