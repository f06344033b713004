// Message authentication and key derivation: HMAC-SHA256 (RFC 2104) and HKDF-SHA256 (RFC 5869).
//
// Compare MACs with constant_time_equal() (crypto/secure.hpp), never with ==.
//
// Thread-safety: pure functions, safe from any thread.
#pragma once

#include <cstddef>

#include "cairn/core/bytes.hpp"
#include "cairn/core/result.hpp"
#include "cairn/crypto/hash.hpp"

namespace cairn::crypto {

// HMAC-SHA256 of `data` under `key` (any length; long keys are hashed first, as RFC 2104 says).
Sha256Digest hmac_sha256(ByteView key, ByteView data);

// HKDF-SHA256 (RFC 5869, extract then expand): `length` bytes derived from the input key material
// `key`, with optional `salt` and `info`. Errors: INVALID_ARGUMENT / CRYPTO_HKDF_LENGTH_INVALID
// when length is 0 or more than 255 * 32 = 8160 bytes.
Result<Bytes> hkdf_sha256(ByteView key, ByteView salt, ByteView info, size_t length);

}  // namespace cairn::crypto
