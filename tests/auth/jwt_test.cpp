#include "cairn/auth/jwt.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cairn/core/encoding.hpp"

namespace cairn::auth {
namespace {

using crypto::PrivateKey;
using crypto::SignatureAlgorithm;

Timestamp at_seconds(int64_t s) { return from_unix_micros(s * 1000000); }

// RFC 7515 appendix A.1: HS256 with this 64-byte key (base64url in the JWK).
constexpr const char* kRfcHmacKey =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
constexpr const char* kRfcHs256Token =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    "."
    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
// RFC 7515 appendix A.3: ES256 with this public JWK.
constexpr const char* kRfcEcJwk =
    R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
    R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})";
constexpr const char* kRfcEs256Token =
    "eyJhbGciOiJFUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    "."
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
constexpr int64_t kRfcExp = 1300819380;

JwtKeySet set_of(JwtKey key) {
  JwtKeySet set;
  EXPECT_TRUE(set.add(std::move(key)));
  return set;
}

JwtVerifyOptions allow(std::vector<JwtAlgorithm> algorithms) {
  JwtVerifyOptions options;
  options.algorithms = std::move(algorithms);
  return options;
}

TEST(JwtTest, VerifiesRfc7515Hs256Example) {
  auto key = JwtKey::hmac(*encoding::b64url_decode(kRfcHmacKey));
  ASSERT_TRUE(key);
  auto jwt = jwt_decode(kRfcHs256Token, set_of(*key), allow({JwtAlgorithm::kHs256}),
                        at_seconds(kRfcExp - 10));
  ASSERT_TRUE(jwt) << jwt.error().to_string();
  auto claims = nlohmann::json::parse(jwt->claims);
  EXPECT_EQ(claims["iss"], "joe");
  EXPECT_EQ(claims["http://example.com/is_root"], true);
  auto late =
      jwt_decode(kRfcHs256Token, set_of(*key), allow({JwtAlgorithm::kHs256}), at_seconds(kRfcExp));
  EXPECT_EQ(late.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(late.error().reason, "AUTH_TOKEN_EXPIRED");
  auto options = allow({JwtAlgorithm::kHs256});
  options.leeway = std::chrono::seconds(60);
  EXPECT_TRUE(jwt_decode(kRfcHs256Token, set_of(*key), options, at_seconds(kRfcExp + 59)));
}

TEST(JwtTest, VerifiesRfc7515Es256ExampleFromItsJwk) {
  auto key = JwtKey::from_jwk(kRfcEcJwk);
  ASSERT_TRUE(key) << key.error().to_string();
  EXPECT_EQ(key->algorithm(), JwtAlgorithm::kEs256);
  EXPECT_TRUE(jwt_decode(kRfcEs256Token, set_of(*key), allow({JwtAlgorithm::kEs256}),
                         at_seconds(kRfcExp - 1)));
  std::string tampered = kRfcEs256Token;
  tampered[tampered.size() - 5] = tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
  auto bad =
      jwt_decode(tampered, set_of(*key), allow({JwtAlgorithm::kEs256}), at_seconds(kRfcExp - 1));
  EXPECT_EQ(bad.error().reason, "AUTH_TOKEN_INVALID");
}

TEST(JwtTest, MatchesPyJwtForTheSameHs256Claims) {
  // jwt.encode({"sub":"1234567890","name":"John Doe","iat":1516239022},
  //            "a-string-secret-at-least-256-bits-long", algorithm="HS256")  (PyJWT 2.6)
  auto key = JwtKey::hmac(as_bytes("a-string-secret-at-least-256-bits-long"));
  auto token = jwt_encode(R"({"sub":"1234567890","name":"John Doe","iat":1516239022})", *key);
  ASSERT_TRUE(token);
  EXPECT_EQ(*token,
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
            "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
            "xTauSR2dlM1bJuIiwlRHy0Sj-66g5_7qL2RKWT2u5J4");
}

TEST(JwtTest, RoundTripsEveryAlgorithmWithKid) {
  for (auto alg :
       {SignatureAlgorithm::kEs256, SignatureAlgorithm::kEs384, SignatureAlgorithm::kEd25519}) {
    auto signer = JwtKey::signing(*PrivateKey::generate(alg), "k1");
    auto token = jwt_encode(R"({"sub":"u1","exp":2000000000})", signer);
    ASSERT_TRUE(token);
    JwtKeySet keys = set_of(JwtKey::verifying(*signer.public_key(), "k1"));
    auto jwt = jwt_decode(*token, keys, allow({signer.algorithm()}), at_seconds(1900000000));
    ASSERT_TRUE(jwt) << jwt.error().to_string();
    EXPECT_EQ(jwt->kid, "k1");
    EXPECT_EQ(jwt->algorithm, signer.algorithm());
    EXPECT_EQ(nlohmann::json::parse(jwt->claims)["sub"], "u1");
  }
}

TEST(JwtTest, RejectsNoneAndAlgorithmsOutsideTheList) {
  auto key = *JwtKey::hmac(std::vector<uint8_t>(32, 7));
  std::string none = encoding::b64url_encode(as_bytes(R"({"alg":"none"})")) + "." +
                     encoding::b64url_encode(as_bytes(R"({"sub":"x"})")) + ".";
  auto r = jwt_decode(none, set_of(key), allow({JwtAlgorithm::kHs256}), at_seconds(0));
  EXPECT_EQ(r.error().reason, "AUTH_JWT_ALGORITHM_REJECTED");
  auto token = *jwt_encode(R"({"sub":"x"})", key);
  r = jwt_decode(token, set_of(key), allow({JwtAlgorithm::kEs256}), at_seconds(0));
  EXPECT_EQ(r.error().reason, "AUTH_JWT_ALGORITHM_REJECTED");
  EXPECT_EQ(jwt_decode(token, set_of(key), JwtVerifyOptions{}, at_seconds(0)).error().reason,
            "AUTH_JWT_OPTIONS_INVALID");
}

TEST(JwtTest, NoConfusionBetweenHmacAndPublicKeys) {
  // The classic attack: sign HS256 with the bytes of the verifier's public key.
  auto ec = *PrivateKey::generate(SignatureAlgorithm::kEs256);
  std::string pem = ec.public_key().to_pem();
  auto forged_key = *JwtKey::hmac(as_bytes(pem));
  auto forged = *jwt_encode(R"({"sub":"admin"})", forged_key);
  JwtKeySet keys = set_of(JwtKey::verifying(ec.public_key()));
  auto r =
      jwt_decode(forged, keys, allow({JwtAlgorithm::kHs256, JwtAlgorithm::kEs256}), at_seconds(0));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, "AUTH_JWT_ALGORITHM_REJECTED");
}

TEST(JwtTest, ChecksAudienceIssuerRequiredClaimsAndNbf) {
  auto key = *JwtKey::hmac(std::vector<uint8_t>(32, 1));
  auto keys = set_of(key);
  auto token = *jwt_encode(
      R"({"iss":"https://hub.example","aud":["api","web"],"nbf":1000,"iat":1000,"sub":"u"})", key);
  auto options = allow({JwtAlgorithm::kHs256});
  EXPECT_EQ(jwt_decode(token, keys, options, at_seconds(2000)).error().reason,
            "AUTH_JWT_AUDIENCE_INVALID");  // has aud, none expected
  options.audience = "web";
  EXPECT_TRUE(jwt_decode(token, keys, options, at_seconds(2000)));
  options.audience = "cli";
  EXPECT_EQ(jwt_decode(token, keys, options, at_seconds(2000)).error().reason,
            "AUTH_JWT_AUDIENCE_INVALID");
  options.audience = "api";
  options.issuer = "https://other.example";
  EXPECT_EQ(jwt_decode(token, keys, options, at_seconds(2000)).error().reason,
            "AUTH_JWT_ISSUER_INVALID");
  options.issuer = "https://hub.example";
  options.required_claims = {"exp"};
  EXPECT_EQ(jwt_decode(token, keys, options, at_seconds(2000)).error().reason,
            "AUTH_JWT_CLAIM_MISSING");
  options.required_claims = {"sub"};
  EXPECT_EQ(jwt_decode(token, keys, options, at_seconds(999)).error().reason,
            "AUTH_TOKEN_NOT_YET_VALID");
  options.leeway = std::chrono::seconds(5);
  EXPECT_TRUE(jwt_decode(token, keys, options, at_seconds(996)));
  options.typ = "at+jwt";
  EXPECT_EQ(jwt_decode(token, keys, options, at_seconds(2000)).error().reason,
            "AUTH_TOKEN_INVALID");
  options.typ = "jwt";  // case-insensitive
  EXPECT_TRUE(jwt_decode(token, keys, options, at_seconds(2000)));
}

TEST(JwtTest, KidSelectsTheKeyAndUnknownKidFails) {
  auto a = *JwtKey::hmac(std::vector<uint8_t>(32, 1), "a");
  auto b = *JwtKey::hmac(std::vector<uint8_t>(32, 2), "b");
  JwtKeySet keys;
  ASSERT_TRUE(keys.add(a));
  ASSERT_TRUE(keys.add(b));
  EXPECT_EQ(keys.add(a).error().reason, "AUTH_JWT_KID_DUPLICATE");
  auto options = allow({JwtAlgorithm::kHs256});
  EXPECT_EQ(jwt_decode(*jwt_encode("{}", b), keys, options, at_seconds(0))->kid, "b");
  auto c = *JwtKey::hmac(std::vector<uint8_t>(32, 3), "c");
  EXPECT_EQ(jwt_decode(*jwt_encode("{}", c), keys, options, at_seconds(0)).error().reason,
            "AUTH_TOKEN_INVALID");
  // A key without a kid answers tokens whose kid the set does not know.
  JwtKeySet plain = set_of(*JwtKey::hmac(std::vector<uint8_t>(32, 3)));
  EXPECT_TRUE(jwt_decode(*jwt_encode("{}", c), plain, options, at_seconds(0)));
}

TEST(JwtTest, MalformedTokensAreInvalidNeverACrash) {
  auto key = *JwtKey::hmac(std::vector<uint8_t>(32, 1));
  auto keys = set_of(key);
  auto options = allow({JwtAlgorithm::kHs256});
  std::string good = *jwt_encode(R"({"a":1})", key);
  std::string header = good.substr(0, good.find('.'));
  for (std::string bad :
       {std::string(), std::string("."), std::string(".."), std::string("a.b"), good + ".x",
        header + "..", header + ".!!!." + good.substr(good.rfind('.') + 1),
        encoding::b64url_encode(as_bytes("[1]")) + ".e30.", good + "=", std::string(20000, 'a')}) {
    auto r = jwt_decode(bad, keys, options, at_seconds(0));
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated) << bad;
  }
  // A critical header extension is never accepted.
  std::string crit_header = encoding::b64url_encode(as_bytes(R"({"alg":"HS256","crit":["b64"]})"));
  std::string input = crit_header + "." + encoding::b64url_encode(as_bytes("{}"));
  std::string token = input + "." + encoding::b64url_encode(*key.sign(as_bytes(input)));
  EXPECT_EQ(jwt_decode(token, keys, options, at_seconds(0)).error().reason, "AUTH_TOKEN_INVALID");
}

TEST(JwtTest, ClaimsMustBeAnObjectWithNumericDates) {
  auto key = *JwtKey::hmac(std::vector<uint8_t>(32, 1));
  EXPECT_EQ(jwt_encode("[1,2]", key).error().reason, "AUTH_JWT_CLAIMS_INVALID");
  EXPECT_EQ(jwt_encode(R"({"exp":"tomorrow"})", key).error().reason, "AUTH_JWT_CLAIMS_INVALID");
  EXPECT_EQ(JwtKey::hmac(std::vector<uint8_t>(31, 1)).error().reason, "AUTH_JWT_KEY_WEAK");
  auto verify_only =
      JwtKey::verifying(PrivateKey::generate(SignatureAlgorithm::kEd25519)->public_key());
  EXPECT_EQ(jwt_encode("{}", verify_only).error().reason, "AUTH_JWT_KEY_CANNOT_SIGN");
}

TEST(JwtTest, JwksRoundTripsPublicKeysAndLeavesSecretsOut) {
  JwtKeySet keys;
  auto es = JwtKey::signing(*PrivateKey::generate(SignatureAlgorithm::kEs384), "es");
  auto ed = JwtKey::signing(*PrivateKey::generate(SignatureAlgorithm::kEd25519), "ed");
  ASSERT_TRUE(keys.add(es));
  ASSERT_TRUE(keys.add(ed));
  ASSERT_TRUE(keys.add(*JwtKey::hmac(std::vector<uint8_t>(32, 9), "secret")));
  auto jwks = nlohmann::json::parse(keys.to_jwks());
  ASSERT_EQ(jwks["keys"].size(), 2u);
  EXPECT_EQ(jwks["keys"][0]["crv"], "P-384");
  EXPECT_EQ(jwks["keys"][0]["alg"], "ES384");
  EXPECT_EQ(jwks["keys"][1]["kty"], "OKP");
  EXPECT_FALSE(jwks["keys"][1].contains("d"));
  auto parsed = JwtKeySet::from_jwks(keys.to_jwks());
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  auto token = *jwt_encode(R"({"x":1})", ed);
  EXPECT_TRUE(jwt_decode(token, *parsed, allow({JwtAlgorithm::kEdDsa}), at_seconds(0)));
  EXPECT_EQ(JwtKey::from_jwk(R"({"kty":"RSA","n":"x","e":"AQAB"})").error().reason,
            "AUTH_JWK_INVALID");
  EXPECT_EQ(JwtKey::from_jwk(R"({"kty":"EC","crv":"P-256","x":"AA","y":"AA"})").error().reason,
            "AUTH_JWK_INVALID");
}

}  // namespace
}  // namespace cairn::auth
