// Text encodings of bytes (hex, base64, base64url) and text validation.
//
// Encoders always produce canonical text. Decoders are strict: a character outside the alphabet,
// misplaced or missing padding, or non-zero trailing bits (a second spelling of the same bytes)
// fail with INVALID_ARGUMENT. Accepting only one spelling matters where encoded values are
// compared or hashed (content IDs, tokens).
//
// Thread-safety: pure functions, safe from any thread. Ownership: results are new values.
#pragma once

#include <string>
#include <string_view>

#include "cairn/core/bytes.hpp"
#include "cairn/core/result.hpp"

namespace cairn::encoding {

// Lower-case hexadecimal ("00ff...").
std::string hex_encode(ByteView bytes);

// The bytes spelled by `text` (upper or lower case). Errors: INVALID_ARGUMENT /
// ENCODING_INVALID_HEX for an odd length or a character outside [0-9a-fA-F].
Result<Bytes> hex_decode(std::string_view text);

// Standard base64 (RFC 4648 section 4) with '=' padding.
std::string b64_encode(ByteView bytes);

// Decodes standard base64; padding is required. Errors: INVALID_ARGUMENT /
// ENCODING_INVALID_BASE64 (bad character, bad length or padding, non-zero trailing bits).
Result<Bytes> b64_decode(std::string_view text);

// base64url (RFC 4648 section 5: '-' and '_' for '+' and '/'), without padding unless `pad`.
std::string b64url_encode(ByteView bytes, bool pad = false);

// Decodes base64url with or without padding (if present it must be complete and correct), so
// "QQ" and "QQ==" are the same bytes; formats that compare encoded text (content IDs, tokens)
// must also check that the text has no '='. Errors: INVALID_ARGUMENT / ENCODING_INVALID_BASE64.
Result<Bytes> b64url_decode(std::string_view text);

// True when `text` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
// above U+10FFFF).
bool is_valid_utf8(std::string_view text) noexcept;

}  // namespace cairn::encoding
