// cairn::secrets limits: every name rule and size limit the secrets service enforces, in one
// place. The C header, the Python module and the servers read these constants instead of writing
// the numbers again; docs/secrets.md quotes them.
//
// Thread-safety: constants and pure functions.
#pragma once

#include <cstddef>
#include <string_view>

#include "cairn/auth/email.hpp"
#include "cairn/core/result.hpp"

namespace cairn::secrets {

// Organization, project, environment, service-account and keyring-key names: 1 to kMaxNameBytes
// characters of [a-z0-9_.-], the first a letter or digit.
inline constexpr size_t kMaxNameBytes = 63;
// Secret keys: 1 to kMaxKeyBytes characters of [A-Za-z0-9_], the first not a digit.
inline constexpr size_t kMaxKeyBytes = 64;
// A secret value: valid UTF-8 of at most kMaxValueBytes bytes (64 KiB).
inline constexpr size_t kMaxValueBytes = size_t{64} * 1024;
// A user as the secrets service names one (an email, normalized by auth::normalize_email):
// 1 to kMaxUserBytes bytes of printable ASCII without spaces.
inline constexpr size_t kMaxUserBytes = auth::kMaxEmailBytes;
// ACL rule patterns (glob.hpp): 1 to kMaxPatternBytes bytes, at most kMaxPatternGroups
// alternation groups standing for at most kMaxPatternCombinations brace-free patterns.
inline constexpr size_t kMaxPatternBytes = 128;
inline constexpr size_t kMaxPatternGroups = 8;
inline constexpr size_t kMaxPatternCombinations = 1024;
// References in one get() or exported value: nested at most kMaxReferenceDepth deep, at most
// kMaxReferences resolved, at most kMaxExpandedBytes (64 KiB) of result.
inline constexpr size_t kMaxReferenceDepth = 10;
inline constexpr size_t kMaxReferences = 100;
inline constexpr size_t kMaxExpandedBytes = size_t{64} * 1024;

// OK when `name` is a valid organization, project, environment or service-account name; `what`
// names the kind in the message ("project"). Errors: INVALID_ARGUMENT / SECRETS_NAME_INVALID.
Status check_name(std::string_view name, std::string_view what = {});
// OK when `key` is a valid secret key. Errors: INVALID_ARGUMENT / SECRETS_KEY_INVALID.
Status check_key(std::string_view key);
// OK when `value` is valid UTF-8 of at most kMaxValueBytes. Errors: INVALID_ARGUMENT /
// SECRETS_VALUE_INVALID.
Status check_value(std::string_view value);

}  // namespace cairn::secrets
