// Glob patterns for ACL rules, matched against project and environment names (Coldrune's syntax):
//   *        any run of characters (also none)
//   ?        exactly one character
//   {a,b}    one of the alternatives (each a plain text or a pattern without braces)
// Everything else matches itself. Patterns are 1-128 bytes of [A-Za-z0-9_.*?{},-], braces
// balanced and not nested, no empty alternative, at most 8 alternation groups standing for at
// most 1024 brace-free patterns. Matching is O(pattern * name) per brace-free pattern.
//
//   glob_match("api-*", "api-billing")      true
//   glob_match("{dev,staging}", "staging")  true
//   glob_match("*-prod", "eu-prod")         true
//
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "cairn/core/result.hpp"

namespace cairn::secrets {

// OK for a valid pattern. Errors: INVALID_ARGUMENT / ACL_PATTERN_INVALID (the message says why).
Status check_pattern(std::string_view pattern);

// True when `name` matches `pattern`. An invalid pattern matches nothing.
bool glob_match(std::string_view pattern, std::string_view name) noexcept;

}  // namespace cairn::secrets
