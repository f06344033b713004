#include "cairn/crypto/aead.hpp"

#include <openssl/core_names.h>

#include <cstdlib>
#include <limits>

#include "cairn/crypto/random.hpp"
#include "crypto/internal/openssl.hpp"

namespace cairn::crypto {
namespace {

const EVP_CIPHER* aes_256_gcm() {
  static const EVP_CIPHER* cipher = [] {
    EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
    if (c == nullptr) std::abort();
    return c;
  }();
  return cipher;
}

Status check_key_and_nonce(ByteView key, ByteView nonce) {
  if (key.size() != kAesGcmKeyBytes) {
    return fail(ErrorCode::kInvalidArgument, "CRYPTO_KEY_INVALID",
                "an AES-256-GCM key is 32 bytes, not " + std::to_string(key.size()));
  }
  if (nonce.size() != kAesGcmNonceBytes) {
    return fail(ErrorCode::kInvalidArgument, "CRYPTO_NONCE_INVALID",
                "an AES-GCM nonce is 12 bytes, not " + std::to_string(nonce.size()));
  }
  return ok_status();
}

Unexpected<Error> decrypt_failed() {
  internal::clear_errors();
  return fail(ErrorCode::kDataLoss, "CRYPTO_DECRYPT_FAILED",
              "decryption failed: wrong key, nonce, tag or associated data, or a damaged message");
}

// OpenSSL counts lengths in int.
bool fits_int(size_t n) { return n <= static_cast<size_t>(std::numeric_limits<int>::max()); }

// Encrypts into out[0, plaintext.size()) and writes the tag after it.
Status seal_into(ByteView key, ByteView nonce, ByteView plaintext, ByteView aad, uint8_t* out) {
  if (!fits_int(plaintext.size()) || !fits_int(aad.size())) {
    return fail(ErrorCode::kInvalidArgument, "CRYPTO_MESSAGE_TOO_LARGE",
                "AES-GCM messages and associated data are limited to 2 GiB each");
  }
  internal::CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) throw std::bad_alloc();
  int len = 0;
  if (EVP_EncryptInit_ex2(ctx.get(), aes_256_gcm(), key.data(), nonce.data(), nullptr) != 1 ||
      (!aad.empty() && EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(),
                                         static_cast<int>(aad.size())) != 1) ||
      (!plaintext.empty() && EVP_EncryptUpdate(ctx.get(), out, &len, plaintext.data(),
                                               static_cast<int>(plaintext.size())) != 1) ||
      EVP_EncryptFinal_ex(ctx.get(), out + plaintext.size(), &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kAesGcmTagBytes),
                          out + plaintext.size()) != 1) {
    return internal::openssl_error("AES-GCM encrypt");
  }
  return ok_status();
}

Result<Bytes> open_sealed(ByteView key, ByteView nonce, ByteView sealed, ByteView aad) {
  if (sealed.size() < kAesGcmTagBytes) return decrypt_failed();
  ByteView ciphertext = sealed.first(sealed.size() - kAesGcmTagBytes);
  ByteView tag = sealed.last(kAesGcmTagBytes);
  if (!fits_int(ciphertext.size()) || !fits_int(aad.size())) {
    return fail(ErrorCode::kInvalidArgument, "CRYPTO_MESSAGE_TOO_LARGE",
                "AES-GCM messages and associated data are limited to 2 GiB each");
  }
  internal::CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) throw std::bad_alloc();
  Bytes plaintext(ciphertext.size());
  int len = 0;
  bool ok =
      EVP_DecryptInit_ex2(ctx.get(), aes_256_gcm(), key.data(), nonce.data(), nullptr) == 1 &&
      (aad.empty() || EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad.data(),
                                        static_cast<int>(aad.size())) == 1) &&
      (ciphertext.empty() || EVP_DecryptUpdate(ctx.get(), plaintext.data(), &len, ciphertext.data(),
                                               static_cast<int>(ciphertext.size())) == 1) &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag.size()),
                          const_cast<uint8_t*>(tag.data())) == 1 &&
      EVP_DecryptFinal_ex(ctx.get(), plaintext.data() + plaintext.size(), &len) == 1;
  if (!ok) {
    // The tag did not match: what was decrypted is unauthenticated and must not leak.
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    return decrypt_failed();
  }
  return plaintext;
}

}  // namespace

Result<Bytes> aes_gcm_seal(ByteView key, ByteView nonce, ByteView plaintext, ByteView aad) {
  CAIRN_TRY(check_key_and_nonce(key, nonce));
  Bytes out(plaintext.size() + kAesGcmTagBytes);
  CAIRN_TRY(seal_into(key, nonce, plaintext, aad, out.data()));
  return out;
}

Result<Bytes> aes_gcm_open(ByteView key, ByteView nonce, ByteView sealed, ByteView aad) {
  CAIRN_TRY(check_key_and_nonce(key, nonce));
  return open_sealed(key, nonce, sealed, aad);
}

Result<Bytes> aes_gcm_encrypt(ByteView key, ByteView plaintext, ByteView aad) {
  Bytes out(kAesGcmNonceBytes + plaintext.size() + kAesGcmTagBytes);
  std::span<uint8_t> nonce(out.data(), kAesGcmNonceBytes);
  CAIRN_TRY(check_key_and_nonce(key, nonce));
  random_bytes(nonce);
  CAIRN_TRY(seal_into(key, nonce, plaintext, aad, out.data() + kAesGcmNonceBytes));
  return out;
}

Result<Bytes> aes_gcm_decrypt(ByteView key, ByteView blob, ByteView aad) {
  if (key.size() != kAesGcmKeyBytes) {
    return fail(ErrorCode::kInvalidArgument, "CRYPTO_KEY_INVALID",
                "an AES-256-GCM key is 32 bytes, not " + std::to_string(key.size()));
  }
  if (blob.size() < kAesGcmNonceBytes + kAesGcmTagBytes) return decrypt_failed();
  return open_sealed(key, blob.first(kAesGcmNonceBytes), blob.subspan(kAesGcmNonceBytes), aad);
}

}  // namespace cairn::crypto
