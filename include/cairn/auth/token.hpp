// Opaque bearer credentials: API keys in GitHub's checksummed format, and random base62 text.
//
// An API key is "<prefix>_" + 30 random base62 characters + 6 base62 characters of the CRC32 of
// those 30 (zero-padded, alphabet 0-9 A-Z a-z). 30 base62 characters carry about 178 bits of
// randomness. The prefix says what the key is for ("cr_sa" for the vault's service accounts); the
// checksum lets a client reject a mistyped key and a secret scanner recognise a leaked one without
// asking the server. The checksum is not a secret and proves nothing about validity.
//
// Thread-safety: every function is thread-safe (an Env is safe for concurrent use).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cairn/core/bytes.hpp"
#include "cairn/core/env.hpp"
#include "cairn/core/result.hpp"

namespace cairn::auth {

// The base62 alphabet, in the order digits, upper case, lower case.
inline constexpr std::string_view kBase62Alphabet =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

// Characters after the prefix's underscore: 30 random + 6 checksum.
inline constexpr size_t kApiKeyRandomChars = 30;
inline constexpr size_t kApiKeyChecksumChars = 6;

// `length` uniformly random base62 characters drawn from env (rejection sampling, no modulo bias).
std::string random_base62(Env& env, size_t length);

// CRC-32 (IEEE 802.3, the one zlib and PNG use) of `data`.
uint32_t crc32(ByteView data) noexcept;

// `value` in base62, zero-padded on the left to `width` characters (wider when needed).
std::string base62_encode(uint64_t value, size_t width);

// A key prefix is 1 to 32 characters of [a-z0-9_], starting with a letter; one trailing '_' is
// accepted and dropped ("cr_sa_" and "cr_sa" are the same prefix). Returns the prefix without it.
// Errors: INVALID_ARGUMENT / AUTH_KEY_PREFIX_INVALID.
Result<std::string> normalize_key_prefix(std::string_view prefix);

// A new API key with `prefix` (see normalize_key_prefix), its randomness from env.
// Errors: INVALID_ARGUMENT / AUTH_KEY_PREFIX_INVALID.
Result<std::string> generate_api_key(std::string_view prefix, Env& env = Env::system());

// True when `key` has the shape of an API key (a valid prefix, '_', 36 base62 characters) and its
// last 6 characters are the checksum of the 30 before them.
bool api_key_checksum_ok(std::string_view key) noexcept;

// The prefix of a well-shaped key ("cr_sa" for "cr_sa_..."), or "" when `key` has no '_'.
std::string_view api_key_prefix(std::string_view key) noexcept;

}  // namespace cairn::auth
