// The C ABI's crypto: hashes, MACs, HKDF, AES-GCM, randomness, signatures, the field cipher.
#include <cstring>
#include <variant>

#include "cairn/crypto/aead.hpp"
#include "cairn/crypto/field_cipher.hpp"
#include "cairn/crypto/hash.hpp"
#include "cairn/crypto/mac.hpp"
#include "cairn/crypto/password.hpp"
#include "cairn/crypto/random.hpp"
#include "cairn/crypto/secure.hpp"
#include "cairn/crypto/sign.hpp"
#include "entry_point.hpp"
#include "key_handles.hpp"

using cairn::Bytes;
using cairn::ByteView;
using cairn::capi::bytes;
using cairn::capi::copy_bytes;
using cairn::capi::copy_string;
using cairn::capi::entry;
using cairn::capi::set_error;
using cairn::capi::set_ok;
namespace crypto = cairn::crypto;

struct cairn_crypto_hasher {
  std::variant<crypto::Sha256, crypto::Sha384, crypto::Sha3_256> state;
};

struct cairn_crypto_field_cipher {
  crypto::FieldCipher cipher;
};

namespace {

cairn_status unknown_algorithm() {
  return set_error(
      {cairn::ErrorCode::kInvalidArgument, "CRYPTO_ALGORITHM_UNKNOWN", "unknown algorithm number"});
}

bool to_algorithm(cairn_crypto_signature_algorithm in, crypto::SignatureAlgorithm& out) {
  switch (in) {
    case CAIRN_CRYPTO_SIG_ES256:
      out = crypto::SignatureAlgorithm::kEs256;
      return true;
    case CAIRN_CRYPTO_SIG_ES384:
      out = crypto::SignatureAlgorithm::kEs384;
      return true;
    case CAIRN_CRYPTO_SIG_ED25519:
      out = crypto::SignatureAlgorithm::kEd25519;
      return true;
    default:
      return false;
  }
}

cairn_crypto_signature_algorithm from_algorithm(crypto::SignatureAlgorithm algorithm) {
  switch (algorithm) {
    case crypto::SignatureAlgorithm::kEs256:
      return CAIRN_CRYPTO_SIG_ES256;
    case crypto::SignatureAlgorithm::kEs384:
      return CAIRN_CRYPTO_SIG_ES384;
    case crypto::SignatureAlgorithm::kEd25519:
      return CAIRN_CRYPTO_SIG_ED25519;
  }
  return CAIRN_CRYPTO_SIG_ES256;
}

template <size_t N, class Hash>
cairn_status one_shot(uint8_t* out, const uint8_t* data, size_t len, Hash hash) {
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(bytes(data, len)), [&] {
    auto digest = hash(ByteView(data, len));
    static_assert(sizeof(digest) == N);
    std::memcpy(out, digest.data(), N);
    return set_ok();
  });
}

// A view of (data, len) already checked by CAIRN_CAPI_IN(bytes(data, len)).
ByteView view(const uint8_t* data, size_t len) {
  return data == nullptr ? ByteView() : ByteView(data, len);
}

// Sets *out to a new key handle from `key`, or the error.
template <class Handle, class Key>
cairn_status hand_out(Handle** out, cairn::Result<Key>&& key) {
  if (!key) return set_error(key.error());
  *out = new Handle{std::move(*key)};
  return set_ok();
}

// Shared body of cairn_crypto_private_key_from_raw and cairn_crypto_public_key_from_raw.
template <class Key, class Handle>
cairn_status key_from_raw(Handle** out, cairn_crypto_signature_algorithm algorithm,
                          const uint8_t* raw, size_t len) {
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(bytes(raw, len)), [&] {
    crypto::SignatureAlgorithm a;
    if (!to_algorithm(algorithm, a)) return unknown_algorithm();
    return hand_out(out, Key::from_raw(a, view(raw, len)));
  });
}

// A secret text for the caller (released with cairn_crypto_secret_free()), the library's copy
// wiped.
cairn_status put_secret_text(char** out, std::string text) {
  cairn::Result<std::string> result(std::move(text));
  return cairn::capi::put_secret(out, result);
}

// A key handle's algorithm; 0 for NULL.
template <class Handle>
cairn_crypto_signature_algorithm algorithm_of_handle(const Handle* key) {
  return key != nullptr ? from_algorithm(key->key.algorithm())
                        : static_cast<cairn_crypto_signature_algorithm>(0);
}

}  // namespace

extern "C" {

cairn_status cairn_crypto_sha256(uint8_t out[CAIRN_CRYPTO_SHA256_SIZE], const uint8_t* data,
                                 size_t len) {
  return one_shot<CAIRN_CRYPTO_SHA256_SIZE>(out, data, len, crypto::sha256);
}

cairn_status cairn_crypto_sha384(uint8_t out[CAIRN_CRYPTO_SHA384_SIZE], const uint8_t* data,
                                 size_t len) {
  return one_shot<CAIRN_CRYPTO_SHA384_SIZE>(out, data, len, crypto::sha384);
}

cairn_status cairn_crypto_sha3_256(uint8_t out[CAIRN_CRYPTO_SHA3_256_SIZE], const uint8_t* data,
                                   size_t len) {
  return one_shot<CAIRN_CRYPTO_SHA3_256_SIZE>(out, data, len, crypto::sha3_256);
}

cairn_status cairn_crypto_sha256_batch(uint8_t* out, const uint8_t* const* inputs,
                                       const size_t* lengths, size_t count, unsigned threads) {
  if (count == 0) return set_ok();
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(inputs, lengths), [&] {
    std::vector<ByteView> views(count);
    for (size_t i = 0; i < count; ++i) {
      if (!cairn::capi::view_of(inputs[i], lengths[i], views[i])) {
        return cairn::capi::null_argument("inputs[i]");
      }
    }
    std::vector<crypto::Sha256Digest> digests(count);
    crypto::sha256_batch(views, digests, threads);
    std::memcpy(out, digests.data(), count * CAIRN_CRYPTO_SHA256_SIZE);
    return set_ok();
  });
}

cairn_status cairn_crypto_hasher_new(cairn_crypto_hasher** out,
                                     cairn_crypto_hash_algorithm algorithm) {
  return entry(CAIRN_CAPI_OUT(out), cairn::capi::none(), [&] {
    switch (algorithm) {
      case CAIRN_CRYPTO_HASH_SHA256:
        *out = new cairn_crypto_hasher{crypto::Sha256()};
        return set_ok();
      case CAIRN_CRYPTO_HASH_SHA384:
        *out = new cairn_crypto_hasher{crypto::Sha384()};
        return set_ok();
      case CAIRN_CRYPTO_HASH_SHA3_256:
        *out = new cairn_crypto_hasher{crypto::Sha3_256()};
        return set_ok();
      default:
        return unknown_algorithm();
    }
  });
}

cairn_status cairn_crypto_hasher_update(cairn_crypto_hasher* hasher, const uint8_t* data,
                                        size_t len) {
  return entry(cairn::capi::none(), CAIRN_CAPI_IN(hasher, bytes(data, len)), [&] {
    std::visit([&](auto& h) { h.update(view(data, len)); }, hasher->state);
    return set_ok();
  });
}

cairn_status cairn_crypto_hasher_finish(uint8_t* out, size_t out_size,
                                        cairn_crypto_hasher* hasher) {
  return entry(cairn::capi::none(), CAIRN_CAPI_IN(out, hasher), [&] {
    return std::visit(
        [&](auto& h) {
          constexpr size_t kSize = std::tuple_size_v<decltype(h.finish())>;
          // Checked before finish(), which would end the message.
          if (out_size != kSize) {
            return set_error(
                {cairn::ErrorCode::kInvalidArgument, "CAPI_BUFFER_SIZE",
                 "the output buffer must be exactly " + std::to_string(kSize) + " bytes"});
          }
          auto digest = h.finish();
          std::memcpy(out, digest.data(), digest.size());
          return set_ok();
        },
        hasher->state);
  });
}

void cairn_crypto_hasher_free(cairn_crypto_hasher* hasher) { delete hasher; }

cairn_status cairn_crypto_hmac_sha256(uint8_t out[CAIRN_CRYPTO_SHA256_SIZE], const uint8_t* key,
                                      size_t key_len, const uint8_t* data, size_t len) {
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(bytes(key, key_len), bytes(data, len)), [&] {
    auto mac = crypto::hmac_sha256(view(key, key_len), view(data, len));
    std::memcpy(out, mac.data(), mac.size());
    return set_ok();
  });
}

cairn_status cairn_crypto_hkdf_sha256(uint8_t* out, size_t out_len, const uint8_t* key,
                                      size_t key_len, const uint8_t* salt, size_t salt_len,
                                      const uint8_t* info, size_t info_len) {
  return entry(CAIRN_CAPI_OUT(out),
               CAIRN_CAPI_IN(bytes(key, key_len), bytes(salt, salt_len), bytes(info, info_len)),
               [&] {
                 auto derived = crypto::hkdf_sha256(view(key, key_len), view(salt, salt_len),
                                                    view(info, info_len), out_len);
                 if (!derived) return set_error(derived.error());
                 std::memcpy(out, derived->data(), derived->size());
                 crypto::secure_wipe(*derived);
                 return set_ok();
               });
}

cairn_status cairn_crypto_aes_gcm_encrypt(uint8_t** out, size_t* out_len, const uint8_t* key,
                                          size_t key_len, const uint8_t* plaintext,
                                          size_t plaintext_len, const uint8_t* aad,
                                          size_t aad_len) {
  return entry(
      CAIRN_CAPI_OUT(out, out_len),
      CAIRN_CAPI_IN(bytes(key, key_len), bytes(plaintext, plaintext_len), bytes(aad, aad_len)),
      [&] {
        auto blob = crypto::aes_gcm_encrypt(view(key, key_len), view(plaintext, plaintext_len),
                                            view(aad, aad_len));
        if (!blob) return set_error(blob.error());
        copy_bytes(*blob, out, out_len);
        return set_ok();
      });
}

cairn_status cairn_crypto_aes_gcm_decrypt(uint8_t** out, size_t* out_len, const uint8_t* key,
                                          size_t key_len, const uint8_t* blob, size_t blob_len,
                                          const uint8_t* aad, size_t aad_len) {
  return entry(CAIRN_CAPI_OUT(out, out_len),
               CAIRN_CAPI_IN(bytes(key, key_len), bytes(blob, blob_len), bytes(aad, aad_len)), [&] {
                 auto plaintext = crypto::aes_gcm_decrypt(view(key, key_len), view(blob, blob_len),
                                                          view(aad, aad_len));
                 if (!plaintext) return set_error(plaintext.error());
                 copy_bytes(*plaintext, out, out_len);
                 crypto::secure_wipe(*plaintext);
                 return set_ok();
               });
}

cairn_status cairn_crypto_random_bytes(uint8_t* out, size_t len) {
  return entry(cairn::capi::none(), CAIRN_CAPI_IN(bytes(out, len)), [&] {
    if (len != 0) crypto::random_bytes(std::span<uint8_t>(out, len));
    return set_ok();
  });
}

cairn_status cairn_crypto_constant_time_equal(int* out_equal, const uint8_t* a, size_t a_len,
                                              const uint8_t* b, size_t b_len) {
  return entry(CAIRN_CAPI_OUT(out_equal), CAIRN_CAPI_IN(bytes(a, a_len), bytes(b, b_len)), [&] {
    *out_equal = crypto::constant_time_equal(view(a, a_len), view(b, b_len)) ? 1 : 0;
    return set_ok();
  });
}

cairn_status cairn_crypto_password_hash(char** out, const char* password) {
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(password),
               [&] { return cairn::capi::put_text(out, crypto::hash_password(password)); });
}

cairn_status cairn_crypto_password_verify(int* out_match, const char* phc, const char* password) {
  return entry(CAIRN_CAPI_OUT(out_match), CAIRN_CAPI_IN(phc, password), [&] {
    return cairn::capi::put_value(out_match, crypto::verify_password(phc, password));
  });
}

void cairn_crypto_secure_wipe(void* ptr, size_t len) {
  if (ptr != nullptr) crypto::secure_wipe(std::span<uint8_t>(static_cast<uint8_t*>(ptr), len));
}

const char* cairn_crypto_signature_algorithm_name(cairn_crypto_signature_algorithm algorithm) {
  crypto::SignatureAlgorithm a;
  return to_algorithm(algorithm, a) ? crypto::algorithm_name(a).data() : "";
}

cairn_status cairn_crypto_private_key_generate(cairn_crypto_private_key** out,
                                               cairn_crypto_signature_algorithm algorithm) {
  return entry(CAIRN_CAPI_OUT(out), cairn::capi::none(), [&] {
    crypto::SignatureAlgorithm a;
    if (!to_algorithm(algorithm, a)) return unknown_algorithm();
    return hand_out(out, crypto::PrivateKey::generate(a));
  });
}

cairn_status cairn_crypto_private_key_from_pem(cairn_crypto_private_key** out, const char* pem) {
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(pem),
               [&] { return hand_out(out, crypto::PrivateKey::from_pem(pem)); });
}

cairn_status cairn_crypto_private_key_from_raw(cairn_crypto_private_key** out,
                                               cairn_crypto_signature_algorithm algorithm,
                                               const uint8_t* raw, size_t len) {
  return key_from_raw<crypto::PrivateKey>(out, algorithm, raw, len);
}

cairn_crypto_signature_algorithm cairn_crypto_private_key_algorithm(
    const cairn_crypto_private_key* key) {
  return algorithm_of_handle(key);
}

cairn_status cairn_crypto_private_key_to_pem(char** out, const cairn_crypto_private_key* key) {
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(key),
               [&] { return put_secret_text(out, key->key.to_pem()); });
}

cairn_status cairn_crypto_private_key_to_pem_body(char** out, const cairn_crypto_private_key* key) {
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(key),
               [&] { return put_secret_text(out, key->key.to_pem_body()); });
}

cairn_status cairn_crypto_private_key_public_key(cairn_crypto_public_key** out,
                                                 const cairn_crypto_private_key* key) {
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(key), [&] {
    *out = new cairn_crypto_public_key{key->key.public_key()};
    return set_ok();
  });
}

cairn_status cairn_crypto_private_key_sign(uint8_t** out, size_t* out_len,
                                           const cairn_crypto_private_key* key,
                                           const uint8_t* message, size_t len) {
  return entry(CAIRN_CAPI_OUT(out, out_len), CAIRN_CAPI_IN(key, bytes(message, len)), [&] {
    auto signature = key->key.sign(view(message, len));
    if (!signature) return set_error(signature.error());
    copy_bytes(*signature, out, out_len);
    return set_ok();
  });
}

void cairn_crypto_private_key_free(cairn_crypto_private_key* key) { delete key; }

cairn_status cairn_crypto_public_key_from_pem(cairn_crypto_public_key** out, const char* pem) {
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(pem),
               [&] { return hand_out(out, crypto::PublicKey::from_pem(pem)); });
}

cairn_status cairn_crypto_public_key_from_raw(cairn_crypto_public_key** out,
                                              cairn_crypto_signature_algorithm algorithm,
                                              const uint8_t* raw, size_t len) {
  return key_from_raw<crypto::PublicKey>(out, algorithm, raw, len);
}

cairn_crypto_signature_algorithm cairn_crypto_public_key_algorithm(
    const cairn_crypto_public_key* key) {
  return algorithm_of_handle(key);
}

cairn_status cairn_crypto_public_key_to_pem(char** out, const cairn_crypto_public_key* key) {
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(key), [&] {
    *out = copy_string(key->key.to_pem());
    return set_ok();
  });
}

cairn_status cairn_crypto_public_key_to_pem_body(char** out, const cairn_crypto_public_key* key) {
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(key), [&] {
    *out = copy_string(key->key.to_pem_body());
    return set_ok();
  });
}

cairn_status cairn_crypto_public_key_to_raw(uint8_t** out, size_t* out_len,
                                            const cairn_crypto_public_key* key) {
  return entry(CAIRN_CAPI_OUT(out, out_len), CAIRN_CAPI_IN(key), [&] {
    copy_bytes(key->key.to_raw(), out, out_len);
    return set_ok();
  });
}

cairn_status cairn_crypto_public_key_verify(int* out_valid, const cairn_crypto_public_key* key,
                                            const uint8_t* message, size_t len,
                                            const uint8_t* signature, size_t signature_len) {
  return entry(CAIRN_CAPI_OUT(out_valid),
               CAIRN_CAPI_IN(key, bytes(message, len), bytes(signature, signature_len)), [&] {
                 *out_valid =
                     key->key.verify(view(message, len), view(signature, signature_len)) ? 1 : 0;
                 return set_ok();
               });
}

void cairn_crypto_public_key_free(cairn_crypto_public_key* key) { delete key; }

cairn_status cairn_crypto_field_cipher_new(cairn_crypto_field_cipher** out,
                                           const uint8_t* master_key, size_t master_key_len,
                                           const char* family) {
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(bytes(master_key, master_key_len), family), [&] {
    auto cipher = crypto::FieldCipher::create(view(master_key, master_key_len), family);
    if (!cipher) return set_error(cipher.error());
    *out = new cairn_crypto_field_cipher{std::move(*cipher)};
    return set_ok();
  });
}

void cairn_crypto_field_cipher_free(cairn_crypto_field_cipher* cipher) { delete cipher; }

cairn_status cairn_crypto_field_cipher_encrypt(uint8_t** out, size_t* out_len,
                                               const cairn_crypto_field_cipher* cipher,
                                               const uint8_t* plaintext, size_t plaintext_len,
                                               const uint8_t* aad, size_t aad_len) {
  return entry(CAIRN_CAPI_OUT(out, out_len),
               CAIRN_CAPI_IN(cipher, bytes(plaintext, plaintext_len), bytes(aad, aad_len)), [&] {
                 auto sealed =
                     cipher->cipher.encrypt(view(plaintext, plaintext_len), view(aad, aad_len));
                 if (!sealed) return set_error(sealed.error());
                 copy_bytes(*sealed, out, out_len);
                 return set_ok();
               });
}

cairn_status cairn_crypto_field_cipher_decrypt(uint8_t** out, size_t* out_len,
                                               const cairn_crypto_field_cipher* cipher,
                                               const uint8_t* ciphertext, size_t ciphertext_len,
                                               const uint8_t* aad, size_t aad_len) {
  return entry(CAIRN_CAPI_OUT(out, out_len),
               CAIRN_CAPI_IN(cipher, bytes(ciphertext, ciphertext_len), bytes(aad, aad_len)), [&] {
                 auto plaintext =
                     cipher->cipher.decrypt(view(ciphertext, ciphertext_len), view(aad, aad_len));
                 if (!plaintext) return set_error(plaintext.error());
                 copy_bytes(*plaintext, out, out_len);
                 crypto::secure_wipe(*plaintext);
                 return set_ok();
               });
}

cairn_status cairn_crypto_field_aad(uint8_t** out, size_t* out_len, const char* table,
                                    const char* row_id, const char* column) {
  return entry(CAIRN_CAPI_OUT(out, out_len), CAIRN_CAPI_IN(table, row_id, column), [&] {
    auto aad = crypto::field_aad(table, row_id, column);
    if (!aad) return set_error(aad.error());
    copy_bytes(*aad, out, out_len);
    return set_ok();
  });
}

}  // extern "C"
