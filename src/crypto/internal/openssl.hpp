// Small helpers over OpenSSL's C API: owning pointers and error reporting.
#pragma once

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <memory>
#include <string>

#include "cairn/core/result.hpp"

namespace cairn::crypto::internal {

struct EvpPkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct EvpMdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct EvpCipherCtxFree {
  void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
};
struct EvpPkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};

using PkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, EvpCipherCtxFree>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, EvpPkeyCtxFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

// OpenSSL keeps a per-thread error queue; anything a failed call left there is cleared so it
// cannot be mistaken for the cause of a later failure.
inline void clear_errors() { ERR_clear_error(); }

// INTERNAL / CRYPTO_OPENSSL_ERROR for a call that should not fail.
inline Unexpected<Error> openssl_error(const std::string& what) {
  clear_errors();
  return fail(ErrorCode::kInternal, "CRYPTO_OPENSSL_ERROR", "OpenSSL failed: " + what);
}

// The algorithms, fetched from the default provider once per process.
const EVP_MD* sha256_md();
const EVP_MD* sha384_md();
const EVP_MD* sha3_256_md();

}  // namespace cairn::crypto::internal
