// Text encodings of bytes, and text validation.
//
// Thread-safety: pure functions, safe to call from any thread. Ownership: results are new values.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/core/result.hpp"

namespace cairn::encoding {

// Lower-case hexadecimal of `bytes` ("00ff...").
std::string hex_encode(std::span<const uint8_t> bytes);

// The bytes spelled by `text` (upper or lower case). Fails with INVALID_ARGUMENT /
// ENCODING_INVALID_HEX on an odd length or a character outside [0-9a-fA-F].
Result<std::vector<uint8_t>> hex_decode(std::string_view text);

// True when `text` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
// above U+10FFFF).
bool is_valid_utf8(std::string_view text) noexcept;

}  // namespace cairn::encoding
