// Password hashing with Argon2id (RFC 9106) through libargon2, in the PHC string format every
// Argon2 implementation reads: "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>" (salt and hash in
// unpadded standard base64).
//
// The default parameters are OWASP's minimum for Argon2id (19 MiB, 2 passes, 1 lane); stronger
// ones may be chosen, weaker ones are refused. needs_rehash() tells a login path when a stored
// hash was made with weaker parameters than today's, so it can be upgraded while the password is
// at hand.
//
// Thread-safety: every function is pure and thread-safe. Each hash or verify allocates
// memory_kib of memory for its duration and takes tens of milliseconds: call them off any
// latency-sensitive thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cairn/core/bytes.hpp"
#include "cairn/core/result.hpp"

namespace cairn::crypto {

// Argon2id's cost parameters.
struct PasswordParams {
  uint32_t memory_kib = 19456;  // m: memory in KiB
  uint32_t iterations = 2;      // t: passes over the memory
  uint32_t parallelism = 1;     // p: lanes
};

// The longest password accepted, in bytes (longer input is refused, not truncated).
inline constexpr size_t kMaxPasswordBytes = 4096;

// OK when `params` are at least as strong as one of OWASP's Argon2id rows (m=47104 t=1,
// m=19456 t=2, m=12288 t=3, m=9216 t=4, m=7168 t=5; p >= 1) and within what libargon2 and this
// machine's memory allow (m <= 4 GiB, t <= 1024, p <= 64). Errors: INVALID_ARGUMENT /
// CRYPTO_PASSWORD_PARAMS_WEAK, CRYPTO_PASSWORD_PARAMS_INVALID.
Status check_password_params(const PasswordParams& params);

// The PHC string of `password` hashed with `params` and a 16-byte random salt from the kernel
// CSPRNG. Errors: those of check_password_params(); INVALID_ARGUMENT / CRYPTO_PASSWORD_TOO_LONG;
// RESOURCE_EXHAUSTED / CRYPTO_PASSWORD_HASH_FAILED (libargon2 could not allocate its memory).
Result<std::string> hash_password(std::string_view password, const PasswordParams& params = {});

// As above with a caller-chosen salt (8 to 64 bytes), for deterministic tests and for callers that
// draw randomness from their own Env. Errors: as above; INVALID_ARGUMENT /
// CRYPTO_PASSWORD_PARAMS_INVALID for a salt of another size.
Result<std::string> hash_password(std::string_view password, const PasswordParams& params,
                                  ByteView salt);

// True when `password` matches the PHC string `phc`, false when it does not (compared in constant
// time). Errors: INVALID_ARGUMENT / CRYPTO_PASSWORD_HASH_INVALID (not an Argon2 PHC string, or
// parameters outside libargon2's limits), CRYPTO_PASSWORD_HASH_UNSUPPORTED (argon2i or argon2d,
// or a version other than 19), CRYPTO_PASSWORD_TOO_LONG.
Result<bool> verify_password(std::string_view phc, std::string_view password);

// The parameters recorded in an Argon2id PHC string. Errors: as verify_password().
Result<PasswordParams> password_hash_params(std::string_view phc);

// True when `phc` was made with weaker parameters than `wanted` in any dimension (or is not a
// readable Argon2id string), so it should be recomputed at the next successful login.
bool needs_rehash(std::string_view phc, const PasswordParams& wanted);

}  // namespace cairn::crypto
