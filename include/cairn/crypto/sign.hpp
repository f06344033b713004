// Digital signatures: ECDSA P-256 with SHA-256 (ES256), ECDSA P-384 with SHA-384 (ES384) and
// Ed25519, with the names and signature formats of JWS (RFC 7515, RFC 7518, RFC 8037).
//
// ECDSA signatures are raw r || s, each half left-padded to the curve size (64 bytes for ES256,
// 96 for ES384), as JWS and Cloudillo's action tokens carry them; Ed25519 signatures are 64 bytes.
//
// Keys travel as PEM: private keys as PKCS#8 ("-----BEGIN PRIVATE KEY-----"), public keys as
// SubjectPublicKeyInfo ("-----BEGIN PUBLIC KEY-----"). The loaders also take the armor-less
// one-line form Cloudillo stores and publishes: the PEM body (standard base64 of the DER) with
// the BEGIN/END lines and newlines removed. to_pem_body() writes that form.
//
// Thread-safety: PublicKey and PrivateKey are immutable after creation and safe to use from many
// threads at once. Ownership: both are cheap to copy (they share one OpenSSL key); private key
// material lives inside OpenSSL, which wipes it when the last copy goes away.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "cairn/core/bytes.hpp"
#include "cairn/core/result.hpp"

namespace cairn::crypto {

enum class SignatureAlgorithm { kEs256, kEs384, kEd25519 };

// "ES256", "ES384" or "Ed25519" (the JWS "alg" values; Ed25519 is "EdDSA" in JWS headers).
std::string_view algorithm_name(SignatureAlgorithm algorithm) noexcept;

// The algorithm named `name` ("ES256", "ES384", "Ed25519"; exact spelling). Errors:
// INVALID_ARGUMENT / CRYPTO_ALGORITHM_UNKNOWN.
Result<SignatureAlgorithm> parse_algorithm(std::string_view name);

// The size in bytes of a signature made with `algorithm` (64, 96, 64).
size_t signature_size(SignatureAlgorithm algorithm) noexcept;

class PublicKey {
 public:
  // Loads an SPKI PEM public key, or its one-line body. Errors: INVALID_ARGUMENT /
  // CRYPTO_KEY_INVALID (not a public key), CRYPTO_KEY_UNSUPPORTED (another algorithm or curve).
  static Result<PublicKey> from_pem(std::string_view pem);

  // A key from its raw form: 32 bytes for Ed25519; the uncompressed point 0x04 || x || y for ECDSA
  // (65 bytes for P-256, 97 for P-384). Errors: INVALID_ARGUMENT / CRYPTO_KEY_INVALID.
  static Result<PublicKey> from_raw(SignatureAlgorithm algorithm, ByteView raw);

  SignatureAlgorithm algorithm() const noexcept { return algorithm_; }

  // The key as SPKI PEM, with armor and 64-character lines.
  std::string to_pem() const;
  // The key as one line of standard base64 DER (the PEM body without armor or newlines).
  std::string to_pem_body() const;
  // The raw form accepted by from_raw().
  Bytes to_raw() const;

  // True when `signature` is a valid signature of `message` under this key. A signature of the
  // wrong length or shape is simply invalid (false), never an error.
  bool verify(ByteView message, ByteView signature) const;

  struct Key;  // the OpenSSL key; defined in sign.cpp

 private:
  friend class PrivateKey;
  PublicKey(std::shared_ptr<Key> key, SignatureAlgorithm algorithm)
      : key_(std::move(key)), algorithm_(algorithm) {}
  std::shared_ptr<Key> key_;
  SignatureAlgorithm algorithm_;
};

class PrivateKey {
 public:
  // A new key from the CSPRNG. Cannot fail for the algorithms above except for an OpenSSL
  // failure (INTERNAL / CRYPTO_OPENSSL_ERROR).
  static Result<PrivateKey> generate(SignatureAlgorithm algorithm);

  // Loads a PKCS#8 PEM private key (also the older "EC PRIVATE KEY" form), or the one-line body
  // of a PKCS#8 PEM. Errors: INVALID_ARGUMENT / CRYPTO_KEY_INVALID, CRYPTO_KEY_UNSUPPORTED.
  static Result<PrivateKey> from_pem(std::string_view pem);

  // An Ed25519 key from its 32-byte seed (the RFC 8032 "secret key"). Errors: INVALID_ARGUMENT /
  // CRYPTO_KEY_INVALID (wrong length), CRYPTO_KEY_UNSUPPORTED (an ECDSA algorithm).
  static Result<PrivateKey> from_raw(SignatureAlgorithm algorithm, ByteView raw);

  SignatureAlgorithm algorithm() const noexcept { return algorithm_; }

  // The key as unencrypted PKCS#8 PEM. Treat the result as secret.
  std::string to_pem() const;
  // The key as one line of standard base64 PKCS#8 DER. Treat the result as secret.
  std::string to_pem_body() const;

  // The matching public key. It holds only public material: keeping it does not keep the
  // private key in memory.
  PublicKey public_key() const;

  // Signs `message`: raw r || s for ECDSA (randomized, so two signatures of one message differ),
  // deterministic for Ed25519. Errors: INTERNAL / CRYPTO_OPENSSL_ERROR.
  Result<Bytes> sign(ByteView message) const;

 private:
  PrivateKey(std::shared_ptr<PublicKey::Key> key, std::shared_ptr<PublicKey::Key> public_part,
             SignatureAlgorithm algorithm)
      : key_(std::move(key)), public_(std::move(public_part)), algorithm_(algorithm) {}
  // Builds the handle, deriving the public-only key once.
  static Result<PrivateKey> from_owned(std::shared_ptr<PublicKey::Key> key,
                                       SignatureAlgorithm algorithm);
  std::shared_ptr<PublicKey::Key> key_;
  std::shared_ptr<PublicKey::Key> public_;
  SignatureAlgorithm algorithm_;
};

}  // namespace cairn::crypto
