#include "cairn/crypto/mac.hpp"

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <cstdlib>

#include "crypto/internal/openssl.hpp"

namespace cairn::crypto {
namespace {

struct MacCtxFree {
  void operator()(EVP_MAC_CTX* p) const { EVP_MAC_CTX_free(p); }
};
struct KdfCtxFree {
  void operator()(EVP_KDF_CTX* p) const { EVP_KDF_CTX_free(p); }
};

EVP_MAC* hmac_algorithm() {
  static EVP_MAC* mac = [] {
    EVP_MAC* m = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (m == nullptr) std::abort();
    return m;
  }();
  return mac;
}

EVP_KDF* hkdf_algorithm() {
  static EVP_KDF* kdf = [] {
    EVP_KDF* k = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
    if (k == nullptr) std::abort();
    return k;
  }();
  return kdf;
}

// OpenSSL's parameter API takes non-const pointers for input buffers it only reads, and treats a
// null pointer as "absent" even with length 0, so empty inputs point at a dummy byte.
void* mutable_ptr(ByteView bytes) {
  static uint8_t empty = 0;
  return bytes.empty() ? &empty : const_cast<uint8_t*>(bytes.data());
}

}  // namespace

Sha256Digest hmac_sha256(ByteView key, ByteView data) {
  std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx(EVP_MAC_CTX_new(hmac_algorithm()));
  if (!ctx) throw std::bad_alloc();
  char digest_name[] = "SHA2-256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end(),
  };
  // An empty key is legal HMAC; OpenSSL wants a non-null pointer for it.
  static const uint8_t kEmpty = 0;
  const uint8_t* key_data = key.empty() ? &kEmpty : key.data();
  Sha256Digest out{};
  size_t size = 0;
  if (EVP_MAC_init(ctx.get(), key_data, key.size(), params) != 1 ||
      EVP_MAC_update(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_MAC_final(ctx.get(), out.data(), &size, out.size()) != 1 || size != out.size()) {
    std::abort();  // cannot happen with the default provider and a valid context
  }
  return out;
}

Result<Bytes> hkdf_sha256(ByteView key, ByteView salt, ByteView info, size_t length) {
  if (length == 0 || length > size_t{255} * 32) {
    return fail(ErrorCode::kInvalidArgument, "CRYPTO_HKDF_LENGTH_INVALID",
                "HKDF-SHA256 output length must be 1 to 8160 bytes");
  }
  std::unique_ptr<EVP_KDF_CTX, KdfCtxFree> ctx(EVP_KDF_CTX_new(hkdf_algorithm()));
  if (!ctx) throw std::bad_alloc();
  char digest_name[] = "SHA2-256";
  OSSL_PARAM params[5];
  size_t n = 0;
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest_name, 0);
  params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, mutable_ptr(key), key.size());
  // RFC 5869: an absent salt is a string of HashLen zeros, which is what OpenSSL uses when no
  // salt parameter is given.
  if (!salt.empty()) {
    params[n++] =
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, mutable_ptr(salt), salt.size());
  }
  if (!info.empty()) {
    params[n++] =
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, mutable_ptr(info), info.size());
  }
  params[n] = OSSL_PARAM_construct_end();
  Bytes out(length);
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
    return internal::openssl_error("HKDF derive");
  }
  return out;
}

}  // namespace cairn::crypto
