// Authenticated encryption: AES-256-GCM with associated data.
//
// aes_gcm_encrypt() picks a fresh random 96-bit nonce from the CSPRNG for every message and returns
// nonce || ciphertext || tag (12 + n + 16 bytes); aes_gcm_decrypt() takes that blob back. Random
// nonces keep the collision risk below 2^-32 for up to 2^32 messages under one key (NIST SP
// 800-38D section 8.3); rotate keys well before that.
//
// Decryption either returns the whole plaintext or fails with DATA_LOSS / CRYPTO_DECRYPT_FAILED:
// a wrong key, nonce, tag or AAD, or a truncated blob, all look the same and no partial plaintext
// is ever returned.
//
// Thread-safety: pure functions, safe from any thread.
#pragma once

#include <cstddef>

#include "cairn/core/bytes.hpp"
#include "cairn/core/result.hpp"

namespace cairn::crypto {

inline constexpr size_t kAesGcmKeyBytes = 32;
inline constexpr size_t kAesGcmNonceBytes = 12;
inline constexpr size_t kAesGcmTagBytes = 16;

// Encrypts `plaintext` and authenticates it with `aad` under the 32-byte `key`; returns
// nonce || ciphertext || tag. Errors: INVALID_ARGUMENT / CRYPTO_KEY_INVALID (key not 32 bytes).
Result<Bytes> aes_gcm_encrypt(ByteView key, ByteView plaintext, ByteView aad = {});

// Decrypts a blob from aes_gcm_encrypt(). Errors: INVALID_ARGUMENT / CRYPTO_KEY_INVALID;
// DATA_LOSS / CRYPTO_DECRYPT_FAILED (anything tampered, truncated or mismatched).
Result<Bytes> aes_gcm_decrypt(ByteView key, ByteView blob, ByteView aad = {});

// The building blocks, with the caller's 12-byte nonce: ciphertext || tag. A nonce must never be
// used twice under one key; prefer aes_gcm_encrypt(). For known-answer tests and formats that
// carry the nonce elsewhere. Errors: INVALID_ARGUMENT / CRYPTO_KEY_INVALID or
// CRYPTO_NONCE_INVALID.
Result<Bytes> aes_gcm_seal(ByteView key, ByteView nonce, ByteView plaintext, ByteView aad = {});
// Errors: as aes_gcm_seal(); DATA_LOSS / CRYPTO_DECRYPT_FAILED.
Result<Bytes> aes_gcm_open(ByteView key, ByteView nonce, ByteView sealed, ByteView aad = {});

}  // namespace cairn::crypto
