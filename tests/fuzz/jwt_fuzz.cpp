// libFuzzer target for JSON Web Tokens (cairn/auth/jwt.hpp). The keys are fixed: an HS256 secret,
// an Ed25519 key from a fixed seed (both sign deterministically), and the public half of an ES256
// key with one token it signed. The first input byte's low two bits pick the mode; the rest of
// the input is its data:
//   0  the data is a token: jwt_decode (every algorithm accepted, no audience check) gives the
//      same answer twice, and accepts it only when it is one of the three fixed tokens;
//   1  the data is a list of edits (4 bytes each: operation, position (2 bytes), value; at most
//      16) applied to the fixed token the second byte picks: jwt_decode must refuse the result
//      unless the edits left the token unchanged (then it returns that token's claims);
//   2  the data is a claims JSON object: when jwt_encode signs it (HS256 or EdDSA by the second
//      byte), jwt_decode accepts the token (or refuses it only for its times), with the header
//      and claims encoded; a verifier that accepts only the other algorithm refuses it;
//   3  the data is a JWK or JWKS document: a key that loads exports a JWK that loads back to the
//      same public key, algorithm and kid; a set that loads exports JWKS text that loads back to
//      the same number of keys.
// Failures carry only the reasons jwt.hpp lists. Inputs are capped at 64 KiB. Seeds:
// corpus/jwt/; tokens: jwt.dict. See tests/fuzz/CMakeLists.txt for how it is built and run.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/auth/jwt.hpp"
#include "cairn/core/encoding.hpp"
#include "cairn/crypto/sign.hpp"
#include "fuzz/token_edits.hpp"

namespace {

namespace auth = cairn::auth;
namespace crypto = cairn::crypto;

constexpr std::size_t kMaxInput = std::size_t{64} * 1024;
constexpr std::size_t kMaxEdits = 16;

// Test material only: these keys protect nothing.
constexpr std::string_view kHmacSecret = "cairn-fuzz-hs256-secret-32-bytes!";
constexpr std::string_view kEd25519Seed = "cairn-fuzz-ed25519-seed-32bytes!";
// The public half of a P-256 key made for this target (its private half was thrown away), and a
// token it signed (kid "ec-1", iss "cairn", aud "board", iat 1795000000, exp an hour later).
constexpr std::string_view kEs256Public =
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEjCjjBIlX15YeXoCqAnGk5EzFvba8jSRFH+Z53UaiCsCh3HpscNh8zOjzWb"
    "toczcVoibyxsQlb9B/bdREw9hwhQ==";
constexpr std::string_view kEs256Token =
    "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImVjLTEifQ."
    "eyJzdWIiOiJ1MSIsImlzcyI6ImNhaXJuIiwiYXVkIjoiYm9hcmQiLCJpYXQiOjE3OTUwMDAwMDAsImV4cCI6MTc5NTAwMz"
    "YwMH0.CGevHwmuB1SYHLmhvCJfRp55pImjK0NoE05t821Eix0YS57Bw2XxxaMeuoT9LFOxH1MY8AI46pjfzTU49qZh-A";
constexpr std::string_view kClaims =
    R"({"sub":"u1","iss":"cairn","aud":"board","iat":1795000000,"exp":1795003600})";
const cairn::Timestamp kNow = cairn::from_unix_micros(int64_t{1795000010} * 1000000);

struct Fixture {
  auth::JwtKey hmac;
  auth::JwtKey ed25519;
  auth::JwtKeySet keys;  // all three, to verify with
  std::array<std::string, 3> tokens;
};

const Fixture& fixture() {
  static const Fixture kFixture = [] {
    cairn::Result<auth::JwtKey> hmac = auth::JwtKey::hmac(cairn::as_bytes(kHmacSecret), "hs-1");
    cairn::Result<crypto::PrivateKey> ed = crypto::PrivateKey::from_raw(
        crypto::SignatureAlgorithm::kEd25519, cairn::as_bytes(kEd25519Seed));
    cairn::Result<crypto::PublicKey> es = crypto::PublicKey::from_pem(kEs256Public);
    if (!hmac || !ed || !es) std::abort();
    Fixture f{*hmac, auth::JwtKey::signing(*ed), {}, {}};
    if (!f.keys.add(f.hmac) || !f.keys.add(f.ed25519) ||
        !f.keys.add(auth::JwtKey::verifying(*es, "ec-1"))) {
      std::abort();
    }
    cairn::Result<std::string> hs = auth::jwt_encode(kClaims, f.hmac);
    cairn::Result<std::string> ed_token = auth::jwt_encode(kClaims, f.ed25519);
    if (!hs || !ed_token) std::abort();
    f.tokens = {*hs, *ed_token, std::string(kEs256Token)};
    return f;
  }();
  return kFixture;
}

auth::JwtVerifyOptions all_algorithms() {
  auth::JwtVerifyOptions options;
  options.algorithms = {auth::JwtAlgorithm::kHs256, auth::JwtAlgorithm::kEs256,
                        auth::JwtAlgorithm::kEs384, auth::JwtAlgorithm::kEdDsa};
  options.check_audience = false;
  return options;
}

void check_reason(const cairn::Error& error) {
  static const std::set<std::string, std::less<>> kReasons = {
      "AUTH_TOKEN_INVALID",       "AUTH_JWT_ALGORITHM_REJECTED", "AUTH_TOKEN_EXPIRED",
      "AUTH_TOKEN_NOT_YET_VALID", "AUTH_JWT_AUDIENCE_INVALID",   "AUTH_JWT_ISSUER_INVALID",
      "AUTH_JWT_CLAIM_MISSING"};
  if (kReasons.count(error.reason) == 0) std::abort();
  if (error.code != cairn::ErrorCode::kUnauthenticated) std::abort();
}

bool same(const auth::Jwt& a, const auth::Jwt& b) {
  return a.algorithm == b.algorithm && a.kid == b.kid && a.header == b.header &&
         a.claims == b.claims;
}

void check_token(std::string_view token) {
  const Fixture& f = fixture();
  cairn::Result<auth::Jwt> jwt = auth::jwt_decode(token, f.keys, all_algorithms(), kNow);
  cairn::Result<auth::Jwt> again = auth::jwt_decode(token, f.keys, all_algorithms(), kNow);
  if (jwt.has_value() != again.has_value()) std::abort();
  bool fixed = std::find(f.tokens.begin(), f.tokens.end(), token) != f.tokens.end();
  if (jwt.has_value() != fixed) std::abort();
  if (!jwt) {
    check_reason(jwt.error());
    if (again.error().reason != jwt.error().reason) std::abort();
    return;
  }
  if (!same(*jwt, *again) || jwt->claims != kClaims) std::abort();
}

void check_edits(uint8_t which, std::string_view edits) {
  const Fixture& f = fixture();
  const std::string& original = f.tokens[which % f.tokens.size()];
  std::string token = cairn::fuzz::edit_token(original, edits, kMaxEdits);
  cairn::Result<auth::Jwt> jwt = auth::jwt_decode(token, f.keys, all_algorithms(), kNow);
  if (jwt.has_value() != (token == original)) std::abort();
  if (jwt && jwt->claims != kClaims) std::abort();
  if (!jwt) check_reason(jwt.error());
}

void check_encode(uint8_t which, std::string_view claims) {
  const Fixture& f = fixture();
  bool hmac = (which & 1) == 0;
  const auth::JwtKey& key = hmac ? f.hmac : f.ed25519;
  cairn::Result<std::string> token = auth::jwt_encode(claims, key, (which & 2) != 0 ? "" : "JWT");
  if (!token) {
    if (token.error().reason != "AUTH_JWT_CLAIMS_INVALID") std::abort();
    return;
  }
  cairn::Result<auth::Jwt> jwt = auth::jwt_decode(*token, f.keys, all_algorithms(), kNow);
  if (!jwt) {
    const std::string& reason = jwt.error().reason;
    if (reason != "AUTH_TOKEN_EXPIRED" && reason != "AUTH_TOKEN_NOT_YET_VALID") std::abort();
  } else {
    if (jwt->algorithm != key.algorithm() || jwt->kid != key.kid()) std::abort();
    // The claims travel as sent: the payload segment decodes to jwt->claims.
    std::size_t first = token->find('.');
    std::size_t second = token->find('.', first + 1);
    cairn::Result<cairn::Bytes> payload = cairn::encoding::b64url_decode(
        std::string_view(*token).substr(first + 1, second - first - 1));
    if (!payload || cairn::to_string(*payload) != jwt->claims) std::abort();
  }
  auth::JwtVerifyOptions other;
  other.algorithms = {hmac ? auth::JwtAlgorithm::kEdDsa : auth::JwtAlgorithm::kHs256};
  other.check_audience = false;
  cairn::Result<auth::Jwt> refused = auth::jwt_decode(*token, f.keys, other, kNow);
  if (refused || refused.error().reason != "AUTH_JWT_ALGORITHM_REJECTED") std::abort();
}

void check_jwk(std::string_view text) {
  cairn::Result<auth::JwtKey> key = auth::JwtKey::from_jwk(text);
  if (key) {
    if (key->can_sign() || key->public_key() == nullptr) std::abort();
    cairn::Result<std::string> jwk = key->to_jwk();
    if (!jwk) std::abort();
    cairn::Result<auth::JwtKey> back = auth::JwtKey::from_jwk(*jwk);
    if (!back || back->algorithm() != key->algorithm() || back->kid() != key->kid()) std::abort();
    if (back->public_key()->to_raw() != key->public_key()->to_raw()) std::abort();
  } else if (key.error().reason != "AUTH_JWK_INVALID") {
    std::abort();
  }
  cairn::Result<auth::JwtKeySet> set = auth::JwtKeySet::from_jwks(text);
  if (set) {
    cairn::Result<auth::JwtKeySet> back = auth::JwtKeySet::from_jwks(set->to_jwks());
    if (!back || back->keys().size() != set->keys().size()) std::abort();
    for (std::size_t i = 0; i < set->keys().size(); ++i) {
      if (back->keys()[i].public_key()->to_raw() != set->keys()[i].public_key()->to_raw()) {
        std::abort();
      }
    }
  } else if (set.error().reason != "AUTH_JWK_INVALID" &&
             set.error().reason != "AUTH_JWT_KID_DUPLICATE") {
    std::abort();
  }
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the entry point libFuzzer names.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, std::size_t size) {
  if (size < 2) return 0;
  uint8_t control = bytes[0];
  std::string_view data(reinterpret_cast<const char*>(bytes + 1), size - 1);
  if (data.size() > kMaxInput) data = data.substr(0, kMaxInput);
  switch (control & 3) {
    case 0:
      check_token(data);
      break;
    case 1:
      check_edits(static_cast<uint8_t>(data[0]), data.substr(1));
      break;
    case 2:
      check_encode(static_cast<uint8_t>(data[0]), data.substr(1));
      break;
    default:
      check_jwk(data);
      break;
  }
  return 0;
}
