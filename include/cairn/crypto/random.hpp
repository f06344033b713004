// The cryptographically secure random number generator (OpenSSL's DRBG, seeded by the kernel).
//
// Domain code takes randomness from cairn::Env (so tests can fix it); these are for the crypto
// layer itself (nonces, key generation) and for Env::system().
//
// Thread-safety: safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "cairn/core/bytes.hpp"

namespace cairn::crypto {

// Fills `out` with random bytes. Never fails: if the generator cannot be seeded the process
// aborts rather than hand out predictable bytes.
void random_bytes(std::span<uint8_t> out);

// `n` random bytes.
Bytes random_bytes(size_t n);

}  // namespace cairn::crypto
