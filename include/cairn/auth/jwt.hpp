// JSON Web Tokens (RFC 7519) signed with HS256, ES256, ES384 or EdDSA (Ed25519), issued and
// verified the way RFC 8725 (JWT Best Current Practices) asks:
//
//   - every key is bound to exactly one algorithm, and the verifier names the algorithms it
//     accepts: "none" never verifies, and an HMAC secret can never be confused with a public key
//     (a token whose header says HS256 is never checked against an ECDSA or EdDSA key);
//   - "exp", "nbf" and "iat" are enforced with an explicit leeway, "iss" and "aud" when asked;
//     a token that carries "aud" is rejected by a verifier that expects no audience (RFC 7519
//     4.1.3); a verifier can require claims and an explicit "typ";
//   - "kid" only selects among the caller's keys (a kid the set does not know falls back to the
//     keys that have no kid, never to keys with another kid); "jku", "x5u" and other header URLs
//     are never fetched; a header with "crit" is rejected (no extensions are understood);
//   - HMAC secrets must be at least 32 bytes (RFC 7518 3.2).
//
// Example:
//   auto es256 = crypto::PrivateKey::generate(crypto::SignatureAlgorithm::kEs256);
//   auto key = auth::JwtKey::signing(*es256, "2026-11");
//   std::string token = *auth::jwt_encode(R"({"sub":"u1","exp":1790000000})", key);
//   auth::JwtKeySet keys;
//   CAIRN_TRY(keys.add(key));
//   auto jwt = auth::jwt_decode(token, keys, {.algorithms = {auth::JwtAlgorithm::kEs256}}, now);
//
// Claims travel as JSON text (an object); jwt_encode() keeps the caller's member order.
//
// Thread-safety: JwtKey and JwtKeySet are immutable once built and safe to share; the functions
// are pure. Ownership: keys are cheap to copy (they share the underlying key material).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/core/bytes.hpp"
#include "cairn/core/env.hpp"
#include "cairn/core/result.hpp"
#include "cairn/crypto/secure.hpp"
#include "cairn/crypto/sign.hpp"

namespace cairn::auth {

enum class JwtAlgorithm { kHs256, kEs256, kEs384, kEdDsa };

// The JWS "alg" value: "HS256", "ES256", "ES384", "EdDSA".
std::string_view jwt_algorithm_name(JwtAlgorithm algorithm) noexcept;

// The algorithm whose JWS name is `name` (exact spelling). Errors: INVALID_ARGUMENT /
// AUTH_JWT_ALGORITHM_UNSUPPORTED (anything else, "none" included).
Result<JwtAlgorithm> parse_jwt_algorithm(std::string_view name);

// One key, bound to one algorithm, with an optional key id ("kid").
class JwtKey {
 public:
  // An HS256 key. Errors: INVALID_ARGUMENT / AUTH_JWT_KEY_WEAK (shorter than 32 bytes).
  static Result<JwtKey> hmac(ByteView secret, std::string kid = "");
  // A key that signs and verifies with the private key's algorithm (ES256, ES384, EdDSA).
  static JwtKey signing(const crypto::PrivateKey& key, std::string kid = "");
  // A key that only verifies.
  static JwtKey verifying(const crypto::PublicKey& key, std::string kid = "");
  // A verifying key from a public JWK (RFC 7517: kty EC with crv P-256 or P-384, or kty OKP with
  // crv Ed25519). An "alg" member, when present, must agree with the curve. Errors:
  // INVALID_ARGUMENT / AUTH_JWK_INVALID.
  static Result<JwtKey> from_jwk(std::string_view jwk_json);

  JwtAlgorithm algorithm() const noexcept { return algorithm_; }
  const std::string& kid() const noexcept { return kid_; }
  // True for HMAC keys and keys made by signing().
  bool can_sign() const noexcept;
  // The public key (nullptr for HMAC keys).
  const crypto::PublicKey* public_key() const noexcept { return public_.get(); }

  // The public JWK as JSON text: {"kty","crv","x"[,"y"],"use":"sig","alg"[,"kid"]}.
  // Errors: FAILED_PRECONDITION / AUTH_JWT_KEY_NOT_PUBLIC (HMAC secrets are never exported).
  Result<std::string> to_jwk() const;

  // The JWS signature of `signing_input`. Errors: FAILED_PRECONDITION / AUTH_JWT_KEY_CANNOT_SIGN
  // (a verify-only key).
  Result<Bytes> sign(ByteView signing_input) const;
  // True when `signature` is this key's signature of `signing_input` (constant time for HMAC).
  bool verify(ByteView signing_input, ByteView signature) const;

 private:
  JwtKey() = default;
  JwtAlgorithm algorithm_ = JwtAlgorithm::kHs256;
  std::string kid_;
  std::shared_ptr<const crypto::SecretBytes> secret_;
  std::shared_ptr<const crypto::PrivateKey> private_;
  std::shared_ptr<const crypto::PublicKey> public_;
};

// The keys a verifier trusts, looked up by "kid".
class JwtKeySet {
 public:
  JwtKeySet() = default;
  // Adds `key`. Errors: ALREADY_EXISTS / AUTH_JWT_KID_DUPLICATE (another key has its non-empty
  // kid).
  Status add(JwtKey key);
  const std::vector<JwtKey>& keys() const noexcept { return keys_; }
  // The key with `kid`, or nullptr.
  const JwtKey* find(std::string_view kid) const noexcept;
  // {"keys":[...]}: the JWKS document of every public key in the set (HMAC keys are left out).
  std::string to_jwks() const;
  // The keys of a JWKS document. Errors: INVALID_ARGUMENT / AUTH_JWK_INVALID; those of add().
  static Result<JwtKeySet> from_jwks(std::string_view jwks_json);

 private:
  std::vector<JwtKey> keys_;
};

// What a verifier accepts.
struct JwtVerifyOptions {
  // The algorithms accepted; must not be empty. A token is checked only with a key whose
  // algorithm is both in this list and the one its header names.
  std::vector<JwtAlgorithm> algorithms;
  // The audience this verifier is: the token's "aud" (a string or an array) must contain it. When
  // empty, a token that has an "aud" claim is rejected.
  std::string audience;
  // False leaves "aud" to the caller, for formats where it names a target rather than the
  // verifier (Cloudillo's action tokens). Keep it true for anything used as a credential.
  bool check_audience = true;
  // When set, the token's "iss" must equal it.
  std::string issuer;
  // Tolerated clock difference for "exp", "nbf" and "iat".
  std::chrono::seconds leeway{0};
  // Claims that must be present (for example {"exp", "sub"}).
  std::vector<std::string> required_claims;
  // When set, the header's "typ" must equal it (case-insensitively, RFC 7515 4.1.9).
  std::string typ;
};

// A verified token.
struct Jwt {
  JwtAlgorithm algorithm = JwtAlgorithm::kHs256;
  std::string kid;     // the header's kid, or ""
  std::string header;  // the decoded header, JSON text
  std::string claims;  // the decoded claims, JSON text
};

// The compact JWS of `claims_json` (a JSON object) signed with `key`, with header
// {"alg":...,"typ":<typ>[,"kid":...]} (typ left out when empty). Errors: INVALID_ARGUMENT /
// AUTH_JWT_CLAIMS_INVALID (not a JSON object, or a non-numeric exp/nbf/iat);
// FAILED_PRECONDITION / AUTH_JWT_KEY_CANNOT_SIGN.
Result<std::string> jwt_encode(std::string_view claims_json, const JwtKey& key,
                               std::string_view typ = "JWT");

// Verifies `token` against `keys` at time `now`. Every failure is UNAUTHENTICATED:
// AUTH_TOKEN_INVALID (malformed, bad signature, unknown kid, "crit", wrong typ),
// AUTH_JWT_ALGORITHM_REJECTED (an algorithm not allowed, or not the key's), AUTH_TOKEN_EXPIRED,
// AUTH_TOKEN_NOT_YET_VALID ("nbf" or "iat" in the future), AUTH_JWT_AUDIENCE_INVALID,
// AUTH_JWT_ISSUER_INVALID, AUTH_JWT_CLAIM_MISSING. INVALID_ARGUMENT / AUTH_JWT_OPTIONS_INVALID
// when options.algorithms is empty.
Result<Jwt> jwt_decode(std::string_view token, const JwtKeySet& keys,
                       const JwtVerifyOptions& options, Timestamp now);

}  // namespace cairn::auth
