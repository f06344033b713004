// The C ABI's crypto: hashes, MACs, HKDF, AES-GCM, randomness, signatures.
#include <cstring>
#include <variant>

#include "cairn/crypto/aead.hpp"
#include "cairn/crypto/hash.hpp"
#include "cairn/crypto/mac.hpp"
#include "cairn/crypto/random.hpp"
#include "cairn/crypto/secure.hpp"
#include "cairn/crypto/sign.hpp"
#include "common.hpp"
#include "key_handles.hpp"

using cairn::Bytes;
using cairn::ByteView;
using cairn::capi::copy_bytes;
using cairn::capi::guard;
using cairn::capi::null_argument;
using cairn::capi::set_error;
using cairn::capi::set_ok;
using cairn::capi::view_of;
namespace crypto = cairn::crypto;

struct cairn_hasher {
  std::variant<crypto::Sha256, crypto::Sha384, crypto::Sha3_256> state;
};

namespace {

cairn_status unknown_algorithm() {
  return set_error(
      {cairn::ErrorCode::kInvalidArgument, "CRYPTO_ALGORITHM_UNKNOWN", "unknown algorithm number"});
}

bool to_algorithm(cairn_signature_algorithm in, crypto::SignatureAlgorithm& out) {
  switch (in) {
    case CAIRN_SIG_ES256:
      out = crypto::SignatureAlgorithm::kEs256;
      return true;
    case CAIRN_SIG_ES384:
      out = crypto::SignatureAlgorithm::kEs384;
      return true;
    case CAIRN_SIG_ED25519:
      out = crypto::SignatureAlgorithm::kEd25519;
      return true;
    default:
      return false;
  }
}

cairn_signature_algorithm from_algorithm(crypto::SignatureAlgorithm algorithm) {
  switch (algorithm) {
    case crypto::SignatureAlgorithm::kEs256:
      return CAIRN_SIG_ES256;
    case crypto::SignatureAlgorithm::kEs384:
      return CAIRN_SIG_ES384;
    case crypto::SignatureAlgorithm::kEd25519:
      return CAIRN_SIG_ED25519;
  }
  return CAIRN_SIG_ES256;
}

template <size_t N, class Hash>
cairn_status one_shot(uint8_t* out, const uint8_t* data, size_t len, Hash hash) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    ByteView bytes;
    if (!view_of(data, len, bytes)) return null_argument("data");
    auto digest = hash(bytes);
    static_assert(sizeof(digest) == N);
    std::memcpy(out, digest.data(), N);
    return set_ok();
  });
}

// Sets *out to a new key handle from `key`, or the error.
template <class Handle, class Key>
cairn_status hand_out(Handle** out, cairn::Result<Key>&& key) {
  if (!key) return set_error(key.error());
  *out = new Handle{std::move(*key)};
  return set_ok();
}

// Shared body of cairn_private_key_from_raw and cairn_public_key_from_raw.
template <class Key, class Handle>
cairn_status key_from_raw(Handle** out, cairn_signature_algorithm algorithm, const uint8_t* raw,
                          size_t len) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    crypto::SignatureAlgorithm a;
    if (!to_algorithm(algorithm, a)) return unknown_algorithm();
    ByteView bytes;
    if (!view_of(raw, len, bytes)) return null_argument("raw");
    return hand_out(out, Key::from_raw(a, bytes));
  });
}

// A key handle's algorithm; 0 for NULL.
template <class Handle>
cairn_signature_algorithm algorithm_of_handle(const Handle* key) {
  return key != nullptr ? from_algorithm(key->key.algorithm())
                        : static_cast<cairn_signature_algorithm>(0);
}

}  // namespace

extern "C" {

cairn_status cairn_sha256(uint8_t out[CAIRN_SHA256_SIZE], const uint8_t* data, size_t len) {
  return one_shot<CAIRN_SHA256_SIZE>(out, data, len, crypto::sha256);
}

cairn_status cairn_sha384(uint8_t out[CAIRN_SHA384_SIZE], const uint8_t* data, size_t len) {
  return one_shot<CAIRN_SHA384_SIZE>(out, data, len, crypto::sha384);
}

cairn_status cairn_sha3_256(uint8_t out[CAIRN_SHA3_256_SIZE], const uint8_t* data, size_t len) {
  return one_shot<CAIRN_SHA3_256_SIZE>(out, data, len, crypto::sha3_256);
}

cairn_status cairn_sha256_batch(uint8_t* out, const uint8_t* const* inputs, const size_t* lengths,
                                size_t count, unsigned threads) {
  return guard([&] {
    if (count == 0) return set_ok();
    if (out == nullptr) return null_argument("out");
    if (inputs == nullptr || lengths == nullptr) return null_argument("inputs");
    std::vector<ByteView> views(count);
    for (size_t i = 0; i < count; ++i) {
      if (!view_of(inputs[i], lengths[i], views[i])) return null_argument("inputs[i]");
    }
    std::vector<crypto::Sha256Digest> digests(count);
    crypto::sha256_batch(views, digests, threads);
    std::memcpy(out, digests.data(), count * CAIRN_SHA256_SIZE);
    return set_ok();
  });
}

cairn_status cairn_hasher_new(cairn_hasher** out, cairn_hash_algorithm algorithm) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    switch (algorithm) {
      case CAIRN_HASH_SHA256:
        *out = new cairn_hasher{crypto::Sha256()};
        return set_ok();
      case CAIRN_HASH_SHA384:
        *out = new cairn_hasher{crypto::Sha384()};
        return set_ok();
      case CAIRN_HASH_SHA3_256:
        *out = new cairn_hasher{crypto::Sha3_256()};
        return set_ok();
      default:
        return unknown_algorithm();
    }
  });
}

cairn_status cairn_hasher_update(cairn_hasher* hasher, const uint8_t* data, size_t len) {
  return guard([&] {
    if (hasher == nullptr) return null_argument("hasher");
    ByteView bytes;
    if (!view_of(data, len, bytes)) return null_argument("data");
    std::visit([&](auto& h) { h.update(bytes); }, hasher->state);
    return set_ok();
  });
}

cairn_status cairn_hasher_finish(uint8_t* out, size_t out_size, cairn_hasher* hasher) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    if (hasher == nullptr) return null_argument("hasher");
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

void cairn_hasher_free(cairn_hasher* hasher) { delete hasher; }

cairn_status cairn_hmac_sha256(uint8_t out[CAIRN_SHA256_SIZE], const uint8_t* key, size_t key_len,
                               const uint8_t* data, size_t len) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    ByteView k, d;
    if (!view_of(key, key_len, k)) return null_argument("key");
    if (!view_of(data, len, d)) return null_argument("data");
    auto mac = crypto::hmac_sha256(k, d);
    std::memcpy(out, mac.data(), mac.size());
    return set_ok();
  });
}

cairn_status cairn_hkdf_sha256(uint8_t* out, size_t out_len, const uint8_t* key, size_t key_len,
                               const uint8_t* salt, size_t salt_len, const uint8_t* info,
                               size_t info_len) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    ByteView k, s, i;
    if (!view_of(key, key_len, k)) return null_argument("key");
    if (!view_of(salt, salt_len, s)) return null_argument("salt");
    if (!view_of(info, info_len, i)) return null_argument("info");
    auto derived = crypto::hkdf_sha256(k, s, i, out_len);
    if (!derived) return set_error(derived.error());
    std::memcpy(out, derived->data(), derived->size());
    crypto::secure_wipe(*derived);
    return set_ok();
  });
}

cairn_status cairn_aes_gcm_encrypt(uint8_t** out, size_t* out_len, const uint8_t* key,
                                   size_t key_len, const uint8_t* plaintext, size_t plaintext_len,
                                   const uint8_t* aad, size_t aad_len) {
  return guard([&] {
    if (out == nullptr || out_len == nullptr) return null_argument("out");
    *out = nullptr;
    *out_len = 0;
    ByteView k, p, a;
    if (!view_of(key, key_len, k)) return null_argument("key");
    if (!view_of(plaintext, plaintext_len, p)) return null_argument("plaintext");
    if (!view_of(aad, aad_len, a)) return null_argument("aad");
    auto blob = crypto::aes_gcm_encrypt(k, p, a);
    if (!blob) return set_error(blob.error());
    copy_bytes(*blob, out, out_len);
    return set_ok();
  });
}

cairn_status cairn_aes_gcm_decrypt(uint8_t** out, size_t* out_len, const uint8_t* key,
                                   size_t key_len, const uint8_t* blob, size_t blob_len,
                                   const uint8_t* aad, size_t aad_len) {
  return guard([&] {
    if (out == nullptr || out_len == nullptr) return null_argument("out");
    *out = nullptr;
    *out_len = 0;
    ByteView k, b, a;
    if (!view_of(key, key_len, k)) return null_argument("key");
    if (!view_of(blob, blob_len, b)) return null_argument("blob");
    if (!view_of(aad, aad_len, a)) return null_argument("aad");
    auto plaintext = crypto::aes_gcm_decrypt(k, b, a);
    if (!plaintext) return set_error(plaintext.error());
    copy_bytes(*plaintext, out, out_len);
    crypto::secure_wipe(*plaintext);
    return set_ok();
  });
}

cairn_status cairn_random_bytes(uint8_t* out, size_t len) {
  return guard([&] {
    if (out == nullptr && len != 0) return null_argument("out");
    if (len != 0) crypto::random_bytes(std::span<uint8_t>(out, len));
    return set_ok();
  });
}

int cairn_constant_time_equal(const uint8_t* a, size_t a_len, const uint8_t* b, size_t b_len) {
  ByteView x, y;
  if (!view_of(a, a_len, x) || !view_of(b, b_len, y)) return 0;
  return crypto::constant_time_equal(x, y) ? 1 : 0;
}

void cairn_secure_wipe(void* ptr, size_t len) {
  if (ptr != nullptr) crypto::secure_wipe(std::span<uint8_t>(static_cast<uint8_t*>(ptr), len));
}

const char* cairn_signature_algorithm_name(cairn_signature_algorithm algorithm) {
  crypto::SignatureAlgorithm a;
  return to_algorithm(algorithm, a) ? crypto::algorithm_name(a).data() : "";
}

cairn_status cairn_private_key_generate(cairn_private_key** out,
                                        cairn_signature_algorithm algorithm) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    crypto::SignatureAlgorithm a;
    if (!to_algorithm(algorithm, a)) return unknown_algorithm();
    return hand_out(out, crypto::PrivateKey::generate(a));
  });
}

cairn_status cairn_private_key_from_pem(cairn_private_key** out, const char* pem) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    if (pem == nullptr) return null_argument("pem");
    return hand_out(out, crypto::PrivateKey::from_pem(pem));
  });
}

cairn_status cairn_private_key_from_raw(cairn_private_key** out,
                                        cairn_signature_algorithm algorithm, const uint8_t* raw,
                                        size_t len) {
  return key_from_raw<crypto::PrivateKey>(out, algorithm, raw, len);
}

cairn_signature_algorithm cairn_private_key_algorithm(const cairn_private_key* key) {
  return algorithm_of_handle(key);
}

cairn_status cairn_private_key_to_pem(char** out, const cairn_private_key* key) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    if (key == nullptr) return null_argument("key");
    std::string pem = key->key.to_pem();
    *out = cairn::capi::copy_string(pem);
    crypto::secure_wipe(std::span<uint8_t>(reinterpret_cast<uint8_t*>(pem.data()), pem.size()));
    return set_ok();
  });
}

cairn_status cairn_private_key_to_pem_body(char** out, const cairn_private_key* key) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    if (key == nullptr) return null_argument("key");
    std::string body = key->key.to_pem_body();
    *out = cairn::capi::copy_string(body);
    crypto::secure_wipe(std::span<uint8_t>(reinterpret_cast<uint8_t*>(body.data()), body.size()));
    return set_ok();
  });
}

cairn_status cairn_private_key_public_key(cairn_public_key** out, const cairn_private_key* key) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    if (key == nullptr) return null_argument("key");
    *out = new cairn_public_key{key->key.public_key()};
    return set_ok();
  });
}

cairn_status cairn_private_key_sign(uint8_t** out, size_t* out_len, const cairn_private_key* key,
                                    const uint8_t* message, size_t len) {
  return guard([&] {
    if (out == nullptr || out_len == nullptr) return null_argument("out");
    *out = nullptr;
    *out_len = 0;
    if (key == nullptr) return null_argument("key");
    ByteView m;
    if (!view_of(message, len, m)) return null_argument("message");
    auto signature = key->key.sign(m);
    if (!signature) return set_error(signature.error());
    copy_bytes(*signature, out, out_len);
    return set_ok();
  });
}

void cairn_private_key_free(cairn_private_key* key) { delete key; }

cairn_status cairn_public_key_from_pem(cairn_public_key** out, const char* pem) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    if (pem == nullptr) return null_argument("pem");
    return hand_out(out, crypto::PublicKey::from_pem(pem));
  });
}

cairn_status cairn_public_key_from_raw(cairn_public_key** out, cairn_signature_algorithm algorithm,
                                       const uint8_t* raw, size_t len) {
  return key_from_raw<crypto::PublicKey>(out, algorithm, raw, len);
}

cairn_signature_algorithm cairn_public_key_algorithm(const cairn_public_key* key) {
  return algorithm_of_handle(key);
}

cairn_status cairn_public_key_to_pem(char** out, const cairn_public_key* key) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    if (key == nullptr) return null_argument("key");
    *out = cairn::capi::copy_string(key->key.to_pem());
    return set_ok();
  });
}

cairn_status cairn_public_key_to_pem_body(char** out, const cairn_public_key* key) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    if (key == nullptr) return null_argument("key");
    *out = cairn::capi::copy_string(key->key.to_pem_body());
    return set_ok();
  });
}

cairn_status cairn_public_key_to_raw(uint8_t** out, size_t* out_len, const cairn_public_key* key) {
  return guard([&] {
    if (out == nullptr || out_len == nullptr) return null_argument("out");
    *out = nullptr;
    *out_len = 0;
    if (key == nullptr) return null_argument("key");
    copy_bytes(key->key.to_raw(), out, out_len);
    return set_ok();
  });
}

cairn_status cairn_public_key_verify(int* out_valid, const cairn_public_key* key,
                                     const uint8_t* message, size_t len, const uint8_t* signature,
                                     size_t signature_len) {
  return guard([&] {
    if (out_valid == nullptr) return null_argument("out_valid");
    *out_valid = 0;
    if (key == nullptr) return null_argument("key");
    ByteView m, s;
    if (!view_of(message, len, m)) return null_argument("message");
    if (!view_of(signature, signature_len, s)) return null_argument("signature");
    *out_valid = key->key.verify(m, s) ? 1 : 0;
    return set_ok();
  });
}

void cairn_public_key_free(cairn_public_key* key) { delete key; }

}  // extern "C"
