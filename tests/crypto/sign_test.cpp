#include "cairn/crypto/sign.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "support/vectors.hpp"

namespace cairn::crypto {
namespace {

using cairn::testing::load_vectors;
using cairn::testing::unhex;
using encoding::b64url_decode;
using encoding::hex_encode;

constexpr SignatureAlgorithm kAll[] = {SignatureAlgorithm::kEs256, SignatureAlgorithm::kEs384,
                                       SignatureAlgorithm::kEd25519};

TEST(SignTest, Ed25519MatchesRfc8032) {
  auto vectors = load_vectors("ed25519.json")["vectors"];
  ASSERT_GE(vectors.size(), 3u);
  for (const auto& v : vectors) {
    auto key = PrivateKey::from_raw(SignatureAlgorithm::kEd25519, unhex(v["secret_key_hex"]));
    ASSERT_TRUE(key) << key.error().to_string();
    EXPECT_EQ(hex_encode(key->public_key().to_raw()), v["public_key_hex"]) << v["name"];
    Bytes message = unhex(v["message_hex"]);
    auto signature = key->sign(message);
    ASSERT_TRUE(signature);
    EXPECT_EQ(hex_encode(*signature), v["signature_hex"]) << v["name"];
    auto pub = PublicKey::from_raw(SignatureAlgorithm::kEd25519, unhex(v["public_key_hex"]));
    ASSERT_TRUE(pub);
    EXPECT_TRUE(pub->verify(message, unhex(v["signature_hex"])));
    message.push_back(0);
    EXPECT_FALSE(pub->verify(message, unhex(v["signature_hex"])));
  }
}

TEST(SignTest, Es256SignatureFromRfc7515Verifies) {
  auto v = load_vectors("es256_rfc7515.json");
  Bytes point{0x04};
  for (const char* coordinate : {"x", "y"}) {
    Bytes c = b64url_decode(v["jwk"][coordinate].get<std::string>()).value();
    point.insert(point.end(), c.begin(), c.end());
  }
  auto key = PublicKey::from_raw(SignatureAlgorithm::kEs256, point);
  ASSERT_TRUE(key) << key.error().to_string();
  std::string input = v["signing_input"];
  Bytes signature = b64url_decode(v["signature_b64url"].get<std::string>()).value();
  ASSERT_EQ(signature.size(), 64u);
  EXPECT_TRUE(key->verify(as_bytes(input), signature));
  EXPECT_FALSE(key->verify(as_bytes(input + "x"), signature));
  signature[10] ^= 1;
  EXPECT_FALSE(key->verify(as_bytes(input), signature));
  EXPECT_EQ(key->to_raw(), point);
}

TEST(SignTest, SignVerifyRoundTripForEveryAlgorithm) {
  for (SignatureAlgorithm alg : kAll) {
    auto key = PrivateKey::generate(alg);
    ASSERT_TRUE(key) << algorithm_name(alg);
    EXPECT_EQ(key->algorithm(), alg);
    auto signature = key->sign(as_bytes("message"));
    ASSERT_TRUE(signature);
    EXPECT_EQ(signature->size(), signature_size(alg));
    PublicKey pub = key->public_key();
    EXPECT_TRUE(pub.verify(as_bytes("message"), *signature));
    EXPECT_FALSE(pub.verify(as_bytes("massage"), *signature));
    EXPECT_FALSE(
        pub.verify(as_bytes("message"), ByteView(*signature).first(signature->size() - 1)));
    EXPECT_FALSE(pub.verify(as_bytes("message"), Bytes(signature->size(), 0)));
    EXPECT_FALSE(pub.verify(as_bytes("message"), Bytes(signature->size(), 0xff)));
    auto other = PrivateKey::generate(alg);
    EXPECT_FALSE(other->public_key().verify(as_bytes("message"), *signature));
  }
}

TEST(SignTest, PemRoundTripsInBothForms) {
  for (SignatureAlgorithm alg : kAll) {
    auto key = PrivateKey::generate(alg).value();
    std::string private_pem = key.to_pem();
    EXPECT_NE(private_pem.find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
    std::string public_pem = key.public_key().to_pem();
    EXPECT_NE(public_pem.find("-----BEGIN PUBLIC KEY-----"), std::string::npos);
    std::string body = key.public_key().to_pem_body();
    EXPECT_EQ(body.find('\n'), std::string::npos);
    EXPECT_EQ(body.find('-'), std::string::npos);

    auto signature = key.sign(as_bytes("hello")).value();
    for (const std::string& form : {public_pem, body}) {
      auto pub = PublicKey::from_pem(form);
      ASSERT_TRUE(pub) << pub.error().to_string();
      EXPECT_EQ(pub->algorithm(), alg);
      EXPECT_TRUE(pub->verify(as_bytes("hello"), signature));
      EXPECT_EQ(pub->to_pem(), public_pem);
    }
    for (const std::string& form : {private_pem, key.to_pem_body()}) {
      auto loaded = PrivateKey::from_pem(form);
      ASSERT_TRUE(loaded) << loaded.error().to_string();
      EXPECT_EQ(loaded->algorithm(), alg);
      EXPECT_TRUE(
          key.public_key().verify(as_bytes("again"), loaded->sign(as_bytes("again")).value()));
      EXPECT_EQ(loaded->public_key().to_raw(), key.public_key().to_raw());
    }
  }
}

TEST(SignTest, RejectsWhatIsNotAKey) {
  auto es = PrivateKey::generate(SignatureAlgorithm::kEs256).value();
  for (std::string_view bad :
       {std::string_view(""), std::string_view("not a key"), std::string_view("QUJD"),
        std::string_view("-----BEGIN PUBLIC KEY-----\nQUJD\n-----END PUBLIC KEY-----\n")}) {
    auto pub = PublicKey::from_pem(bad);
    ASSERT_FALSE(pub) << bad;
    EXPECT_EQ(pub.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(pub.error().reason, "CRYPTO_KEY_INVALID");
    EXPECT_EQ(PrivateKey::from_pem(bad).error().reason, "CRYPTO_KEY_INVALID");
  }
  // A private key is not a public key, and a public key is not a private key.
  EXPECT_EQ(PublicKey::from_pem(es.to_pem()).error().reason, "CRYPTO_KEY_INVALID");
  EXPECT_EQ(PrivateKey::from_pem(es.public_key().to_pem()).error().reason, "CRYPTO_KEY_INVALID");
  // Trailing garbage after the DER.
  EXPECT_EQ(PublicKey::from_pem(es.public_key().to_pem_body() + "AAAA").error().reason,
            "CRYPTO_KEY_INVALID");
  EXPECT_EQ(PublicKey::from_raw(SignatureAlgorithm::kEd25519, Bytes(31)).error().reason,
            "CRYPTO_KEY_INVALID");
  Bytes off_curve(65, 1);
  off_curve[0] = 0x04;
  EXPECT_EQ(PublicKey::from_raw(SignatureAlgorithm::kEs256, off_curve).error().reason,
            "CRYPTO_KEY_INVALID");
  EXPECT_EQ(PrivateKey::from_raw(SignatureAlgorithm::kEs384, Bytes(48, 1)).error().reason,
            "CRYPTO_KEY_UNSUPPORTED");
}

TEST(SignTest, RejectsUnsupportedCurves) {
  // secp256k1 (not a JWS ES* curve), generated by OpenSSL and exported as SPKI.
  const char* k1 =
      "MFYwEAYHKoZIzj0CAQYFK4EEAAoDQgAE44gh0VoIt9BeISer4qpL2RFnRG3M38w2wMbblENrwFQafPdWdx/t"
      "57BtuABqkijDOP4uYX//V1VYpfRBdDwfSA==";
  auto r = PublicKey::from_pem(k1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, "CRYPTO_KEY_UNSUPPORTED");
}

TEST(SignTest, AlgorithmNames) {
  for (SignatureAlgorithm alg : kAll) EXPECT_EQ(*parse_algorithm(algorithm_name(alg)), alg);
  auto bad = parse_algorithm("RS256");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().reason, "CRYPTO_ALGORITHM_UNKNOWN");
}

TEST(SignTest, OneKeySignsFromManyThreads) {
  auto key = PrivateKey::generate(SignatureAlgorithm::kEs384).value();
  PublicKey pub = key.public_key();
  std::vector<std::thread> threads;
  std::atomic<int> valid{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        std::string m = std::to_string(t * 100 + i);
        if (pub.verify(as_bytes(m), key.sign(as_bytes(m)).value())) ++valid;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(valid.load(), 80);
}

}  // namespace
}  // namespace cairn::crypto
