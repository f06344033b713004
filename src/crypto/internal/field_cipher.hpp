// Known-answer tests of FieldCipher: encryption under a fixed nonce, so a test can re-create the
// vectors in tests/data/field_cipher.json byte for byte. Never for production use: a nonce must
// never be used twice under one key, and FieldCipher::encrypt() picks a random one every time.
#pragma once

#include "cairn/crypto/field_cipher.hpp"

namespace cairn::crypto::internal {

struct FieldCipherAccess {
  // 0x01 | nonce | ciphertext | tag of `plaintext` under `cipher`'s key. Errors: as
  // FieldCipher::encrypt(); INVALID_ARGUMENT / CRYPTO_NONCE_INVALID (a nonce that is not 12
  // bytes).
  static Result<Bytes> encrypt_with_nonce(const FieldCipher& cipher, ByteView nonce,
                                          ByteView plaintext, ByteView aad) {
    return cipher.seal(nonce, plaintext, aad);
  }
};

}  // namespace cairn::crypto::internal
