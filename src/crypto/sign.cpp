#include "cairn/crypto/sign.hpp"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstring>

#include "cairn/core/encoding.hpp"
#include "crypto/internal/openssl.hpp"

namespace cairn::crypto {

struct PublicKey::Key {
  internal::PkeyPtr pkey;
};

namespace {

using internal::openssl_error;

struct EcdsaSigFree {
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
};
struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};

Unexpected<Error> key_invalid(const std::string& what) {
  internal::clear_errors();
  return fail(ErrorCode::kInvalidArgument, "CRYPTO_KEY_INVALID", what);
}

Unexpected<Error> key_unsupported(const std::string& what) {
  internal::clear_errors();
  return fail(ErrorCode::kInvalidArgument, "CRYPTO_KEY_UNSUPPORTED",
              what + "; supported are ECDSA P-256 (ES256), ECDSA P-384 (ES384) and Ed25519");
}

const char* digest_name(SignatureAlgorithm algorithm) {
  switch (algorithm) {
    case SignatureAlgorithm::kEs256:
      return "SHA2-256";
    case SignatureAlgorithm::kEs384:
      return "SHA2-384";
    case SignatureAlgorithm::kEd25519:
      return nullptr;  // Ed25519 hashes internally
  }
  return nullptr;
}

const char* curve_name(SignatureAlgorithm algorithm) {
  return algorithm == SignatureAlgorithm::kEs256 ? "P-256" : "P-384";
}

Result<SignatureAlgorithm> algorithm_of(EVP_PKEY* pkey) {
  if (EVP_PKEY_is_a(pkey, "ED25519")) return SignatureAlgorithm::kEd25519;
  if (EVP_PKEY_is_a(pkey, "EC")) {
    char group[64] = {};
    size_t length = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                       &length) == 1) {
      std::string_view name(group, length);
      if (name == "prime256v1" || name == "P-256") return SignatureAlgorithm::kEs256;
      if (name == "secp384r1" || name == "P-384") return SignatureAlgorithm::kEs384;
      return key_unsupported("an EC key on curve " + std::string(name));
    }
    return key_unsupported("an EC key with explicit curve parameters");
  }
  return key_unsupported("a key of another algorithm");
}

std::string bio_to_string(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return size > 0 ? std::string(data, static_cast<size_t>(size)) : std::string();
}

// The PEM body of `pem` on one line: armor lines and all whitespace removed.
std::string pem_body(std::string_view pem) {
  std::string body;
  size_t pos = 0;
  while (pos < pem.size()) {
    size_t end = pem.find('\n', pos);
    if (end == std::string_view::npos) end = pem.size();
    std::string_view line = pem.substr(pos, end - pos);
    if (!line.starts_with("-----")) {
      for (char c : line) {
        if (c != '\r' && c != ' ' && c != '\t') body += c;
      }
    }
    pos = end + 1;
  }
  return body;
}

bool has_armor(std::string_view pem) { return pem.find("-----BEGIN ") != std::string_view::npos; }

// Keys of the supported algorithms are a few hundred bytes as PEM; anything far larger is not a
// key, and refusing it early bounds parsing work and keeps lengths within OpenSSL's int.
constexpr size_t kMaxPemBytes = size_t{16} * 1024;

// The DER bytes of a one-line PEM body (whitespace tolerated).
Result<Bytes> body_der(std::string_view text) {
  auto der = encoding::b64_decode(pem_body(text));
  if (!der || der->empty()) {
    return key_invalid("a key must be PEM, or the base64 body of a PEM on one line");
  }
  return der;
}

int no_password(char*, int, int, void*) { return 0; }  // never prompt; encrypted keys fail

Result<std::shared_ptr<PublicKey::Key>> wrap(EVP_PKEY* pkey) {
  auto key = std::make_shared<PublicKey::Key>();
  key->pkey.reset(pkey);
  return key;
}

// Raw r || s (each `half` bytes) from a DER ECDSA signature.
Result<Bytes> der_to_raw(ByteView der, size_t half) {
  const unsigned char* p = der.data();
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> sig(
      d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return openssl_error("parsing an ECDSA signature");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  Bytes raw(2 * half);
  if (BN_bn2binpad(r, raw.data(), static_cast<int>(half)) < 0 ||
      BN_bn2binpad(s, raw.data() + half, static_cast<int>(half)) < 0) {
    return openssl_error("encoding an ECDSA signature");
  }
  return raw;
}

// DER from raw r || s; empty when the input cannot be a signature.
Bytes raw_to_der(ByteView raw) {
  size_t half = raw.size() / 2;
  std::unique_ptr<BIGNUM, BnFree> r(BN_bin2bn(raw.data(), static_cast<int>(half), nullptr));
  std::unique_ptr<BIGNUM, BnFree> s(BN_bin2bn(raw.data() + half, static_cast<int>(half), nullptr));
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return {};
  (void)r.release();  // now owned by sig
  (void)s.release();
  int size = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (size <= 0) return {};
  Bytes der(static_cast<size_t>(size));
  unsigned char* p = der.data();
  i2d_ECDSA_SIG(sig.get(), &p);
  return der;
}

}  // namespace

std::string_view algorithm_name(SignatureAlgorithm algorithm) noexcept {
  switch (algorithm) {
    case SignatureAlgorithm::kEs256:
      return "ES256";
    case SignatureAlgorithm::kEs384:
      return "ES384";
    case SignatureAlgorithm::kEd25519:
      return "Ed25519";
  }
  return "unknown";
}

Result<SignatureAlgorithm> parse_algorithm(std::string_view name) {
  if (name == "ES256") return SignatureAlgorithm::kEs256;
  if (name == "ES384") return SignatureAlgorithm::kEs384;
  if (name == "Ed25519") return SignatureAlgorithm::kEd25519;
  return fail(ErrorCode::kInvalidArgument, "CRYPTO_ALGORITHM_UNKNOWN",
              "unknown signature algorithm; use ES256, ES384 or Ed25519");
}

size_t signature_size(SignatureAlgorithm algorithm) noexcept {
  return algorithm == SignatureAlgorithm::kEs384 ? 96 : 64;
}

// PublicKey

Result<PublicKey> PublicKey::from_pem(std::string_view pem) {
  if (pem.size() > kMaxPemBytes) return key_invalid("a public key PEM is at most 16 KiB");
  EVP_PKEY* pkey = nullptr;
  if (has_armor(pem)) {
    internal::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) throw std::bad_alloc();
    pkey = PEM_read_bio_PUBKEY(bio.get(), nullptr, no_password, nullptr);
  } else {
    CAIRN_ASSIGN_OR_RETURN(Bytes der, body_der(pem));
    const unsigned char* p = der.data();
    pkey = d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size()));
    if (pkey != nullptr && p != der.data() + der.size()) {
      EVP_PKEY_free(pkey);
      pkey = nullptr;
    }
  }
  if (pkey == nullptr) return key_invalid("not a PEM SubjectPublicKeyInfo public key");
  CAIRN_ASSIGN_OR_RETURN(auto key, wrap(pkey));
  CAIRN_ASSIGN_OR_RETURN(SignatureAlgorithm algorithm, algorithm_of(pkey));
  return PublicKey(std::move(key), algorithm);
}

Result<PublicKey> PublicKey::from_raw(SignatureAlgorithm algorithm, ByteView raw) {
  EVP_PKEY* pkey = nullptr;
  if (algorithm == SignatureAlgorithm::kEd25519) {
    if (raw.size() != 32) return key_invalid("an Ed25519 public key is 32 bytes");
    pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, raw.data(), raw.size());
  } else {
    size_t expected = algorithm == SignatureAlgorithm::kEs256 ? 65 : 97;
    if (raw.size() != expected || raw[0] != 0x04) {
      return key_invalid("an uncompressed " + std::string(curve_name(algorithm)) + " point is " +
                         std::to_string(expected) + " bytes starting with 0x04");
    }
    internal::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    std::string group = curve_name(algorithm);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group.data(), 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, const_cast<uint8_t*>(raw.data()),
                                          raw.size()),
        OSSL_PARAM_construct_end(),
    };
    if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
      pkey = nullptr;
    }
  }
  if (pkey == nullptr) return key_invalid("not a valid point on the curve");
  CAIRN_ASSIGN_OR_RETURN(auto key, wrap(pkey));
  return PublicKey(std::move(key), algorithm);
}

std::string PublicKey::to_pem() const {
  internal::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key_->pkey.get()) != 1) throw std::bad_alloc();
  return bio_to_string(bio.get());
}

std::string PublicKey::to_pem_body() const { return pem_body(to_pem()); }

Bytes PublicKey::to_raw() const {
  Bytes raw(128);
  size_t size = 0;
  if (algorithm_ == SignatureAlgorithm::kEd25519) {
    size = raw.size();
    EVP_PKEY_get_raw_public_key(key_->pkey.get(), raw.data(), &size);
  } else {
    EVP_PKEY_get_octet_string_param(key_->pkey.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
                                    raw.data(), raw.size(), &size);
  }
  raw.resize(size);
  return raw;
}

bool PublicKey::verify(ByteView message, ByteView signature) const {
  if (signature.size() != signature_size(algorithm_)) return false;
  Bytes der;
  ByteView sig = signature;
  if (algorithm_ != SignatureAlgorithm::kEd25519) {
    der = raw_to_der(signature);
    if (der.empty()) return false;
    sig = der;
  }
  internal::MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) throw std::bad_alloc();
  bool valid =
      EVP_DigestVerifyInit_ex(ctx.get(), nullptr, digest_name(algorithm_), nullptr, nullptr,
                              key_->pkey.get(), nullptr) == 1 &&
      EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), message.data(), message.size()) == 1;
  if (!valid) internal::clear_errors();
  return valid;
}

// PrivateKey

Result<PrivateKey> PrivateKey::generate(SignatureAlgorithm algorithm) {
  EVP_PKEY* pkey = algorithm == SignatureAlgorithm::kEd25519
                       ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
                       : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve_name(algorithm));
  if (pkey == nullptr) return openssl_error("key generation");
  CAIRN_ASSIGN_OR_RETURN(auto key, wrap(pkey));
  return from_owned(std::move(key), algorithm);
}

Result<PrivateKey> PrivateKey::from_owned(std::shared_ptr<PublicKey::Key> key,
                                          SignatureAlgorithm algorithm) {
  // Round-trip through SubjectPublicKeyInfo DER: the result holds no private material.
  unsigned char* der = nullptr;
  int size = i2d_PUBKEY(key->pkey.get(), &der);
  if (size <= 0) return openssl_error("deriving the public key");
  const unsigned char* p = der;
  EVP_PKEY* pub = d2i_PUBKEY(nullptr, &p, size);
  OPENSSL_free(der);
  if (pub == nullptr) return openssl_error("deriving the public key");
  CAIRN_ASSIGN_OR_RETURN(auto public_part, wrap(pub));
  return PrivateKey(std::move(key), std::move(public_part), algorithm);
}

Result<PrivateKey> PrivateKey::from_pem(std::string_view pem) {
  if (pem.size() > kMaxPemBytes) return key_invalid("a private key PEM is at most 16 KiB");
  EVP_PKEY* pkey = nullptr;
  if (has_armor(pem)) {
    internal::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) throw std::bad_alloc();
    pkey = PEM_read_bio_PrivateKey(bio.get(), nullptr, no_password, nullptr);
  } else {
    CAIRN_ASSIGN_OR_RETURN(Bytes der, body_der(pem));
    const unsigned char* p = der.data();
    pkey = d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size()));
    if (pkey != nullptr && p != der.data() + der.size()) {
      EVP_PKEY_free(pkey);
      pkey = nullptr;
    }
    OPENSSL_cleanse(der.data(), der.size());
  }
  if (pkey == nullptr) return key_invalid("not an unencrypted PEM PKCS#8 private key");
  CAIRN_ASSIGN_OR_RETURN(auto key, wrap(pkey));
  CAIRN_ASSIGN_OR_RETURN(SignatureAlgorithm algorithm, algorithm_of(pkey));
  return from_owned(std::move(key), algorithm);
}

Result<PrivateKey> PrivateKey::from_raw(SignatureAlgorithm algorithm, ByteView raw) {
  if (algorithm != SignatureAlgorithm::kEd25519) {
    return key_unsupported("raw private keys are supported for Ed25519 only; use PKCS#8 PEM");
  }
  if (raw.size() != 32) return key_invalid("an Ed25519 private key (seed) is 32 bytes");
  EVP_PKEY* pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, raw.data(), raw.size());
  if (pkey == nullptr) return openssl_error("Ed25519 key import");
  CAIRN_ASSIGN_OR_RETURN(auto key, wrap(pkey));
  return from_owned(std::move(key), algorithm);
}

std::string PrivateKey::to_pem() const {
  internal::BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key_->pkey.get(), nullptr, nullptr, 0, nullptr,
                                       nullptr) != 1) {
    throw std::bad_alloc();
  }
  return bio_to_string(bio.get());
}

std::string PrivateKey::to_pem_body() const {
  std::string pem = to_pem();
  std::string body = pem_body(pem);
  OPENSSL_cleanse(pem.data(), pem.size());
  return body;
}

PublicKey PrivateKey::public_key() const { return PublicKey(public_, algorithm_); }

Result<Bytes> PrivateKey::sign(ByteView message) const {
  internal::MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) throw std::bad_alloc();
  size_t size = 0;
  if (EVP_DigestSignInit_ex(ctx.get(), nullptr, digest_name(algorithm_), nullptr, nullptr,
                            key_->pkey.get(), nullptr) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &size, message.data(), message.size()) != 1) {
    return openssl_error("signing");
  }
  Bytes signature(size);
  if (EVP_DigestSign(ctx.get(), signature.data(), &size, message.data(), message.size()) != 1) {
    return openssl_error("signing");
  }
  signature.resize(size);
  if (algorithm_ == SignatureAlgorithm::kEd25519) return signature;
  return der_to_raw(signature, signature_size(algorithm_) / 2);
}

}  // namespace cairn::crypto
