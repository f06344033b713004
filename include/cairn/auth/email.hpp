// cairn::auth email addresses: the one normalization of an email, used by the auth service (every
// sign-in and user), the C ABI, Python and the servers before they name a user to another
// domain (the secrets service takes users as given: a server normalizes members, rules and
// superadmins with this function first), so the address an operator names is the address that
// signs in.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "cairn/core/result.hpp"

namespace cairn::auth {

// The longest email address accepted, in bytes (RFC 5321's path limit less the angle brackets).
inline constexpr size_t kMaxEmailBytes = 254;
// The longest local part (before the '@'), in bytes (RFC 5321).
inline constexpr size_t kMaxEmailLocalBytes = 64;

// The email as cairn stores and compares it: spaces and tabs around it removed, ASCII letters in
// lower case. Refused outright, before anything is looked up or counted: control characters
// anywhere (CR and LF included, also at the ends), spaces inside, no '@' or more than one, an
// empty local part or domain, a local part over 64 bytes, over 254 bytes, text that is not
// UTF-8, a domain starting or ending with '.'.
// Errors: INVALID_ARGUMENT / AUTH_EMAIL_INVALID.
Result<std::string> normalize_email(std::string_view email);

}  // namespace cairn::auth
