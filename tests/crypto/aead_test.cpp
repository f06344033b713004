#include "cairn/crypto/aead.hpp"

#include <gtest/gtest.h>

#include <set>

#include "cairn/crypto/random.hpp"
#include "support/vectors.hpp"

namespace cairn::crypto {
namespace {

using cairn::testing::load_vectors;
using cairn::testing::unhex;
using encoding::hex_encode;

void expect_decrypt_failed(const Result<Bytes>& r) {
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kDataLoss);
  EXPECT_EQ(r.error().reason, "CRYPTO_DECRYPT_FAILED");
}

TEST(AesGcmTest, MatchesTheGcmSpecificationVectors) {
  auto vectors = load_vectors("aes256_gcm.json")["vectors"];
  ASSERT_EQ(vectors.size(), 4u);
  for (const auto& v : vectors) {
    Bytes key = unhex(v["key_hex"]), iv = unhex(v["iv_hex"]), aad = unhex(v["aad_hex"]);
    Bytes plaintext = unhex(v["plaintext_hex"]);
    auto sealed = aes_gcm_seal(key, iv, plaintext, aad);
    ASSERT_TRUE(sealed) << sealed.error().to_string();
    EXPECT_EQ(hex_encode(*sealed),
              v["ciphertext_hex"].get<std::string>() + v["tag_hex"].get<std::string>())
        << "case " << v["case"];
    auto opened = aes_gcm_open(key, iv, *sealed, aad);
    ASSERT_TRUE(opened);
    EXPECT_EQ(*opened, plaintext);
    // The same vector through the nonce || ciphertext || tag form.
    Bytes blob = iv;
    blob.insert(blob.end(), sealed->begin(), sealed->end());
    EXPECT_EQ(*aes_gcm_decrypt(key, blob, aad), plaintext);
  }
}

TEST(AesGcmTest, RoundTripsWithFreshNonces) {
  Bytes key = random_bytes(32);
  std::set<Bytes> nonces;
  for (int i = 0; i < 50; ++i) {
    auto blob = aes_gcm_encrypt(key, as_bytes("attack at dawn"), as_bytes("header"));
    ASSERT_TRUE(blob);
    ASSERT_EQ(blob->size(), 12u + 14u + 16u);
    nonces.insert(Bytes(blob->begin(), blob->begin() + 12));
    EXPECT_EQ(to_string(*aes_gcm_decrypt(key, *blob, as_bytes("header"))), "attack at dawn");
  }
  EXPECT_EQ(nonces.size(), 50u);
  auto empty = aes_gcm_encrypt(key, {});
  ASSERT_TRUE(empty);
  EXPECT_TRUE(aes_gcm_decrypt(key, *empty)->empty());
}

TEST(AesGcmTest, AnyTamperingFailsWithoutPlaintext) {
  Bytes key = random_bytes(32);
  Bytes blob = *aes_gcm_encrypt(key, as_bytes("secret value"), as_bytes("aad"));
  Bytes wrong_key = key;
  wrong_key[0] ^= 1;
  expect_decrypt_failed(aes_gcm_decrypt(wrong_key, blob, as_bytes("aad")));
  expect_decrypt_failed(aes_gcm_decrypt(key, blob, as_bytes("aaD")));
  expect_decrypt_failed(aes_gcm_decrypt(key, blob, {}));
  for (size_t i : {size_t{0}, size_t{11}, size_t{12}, blob.size() - 16, blob.size() - 1}) {
    Bytes flipped = blob;
    flipped[i] ^= 0x80;  // nonce, ciphertext and tag bytes
    expect_decrypt_failed(aes_gcm_decrypt(key, flipped, as_bytes("aad")));
  }
  for (size_t n : {size_t{0}, size_t{12}, size_t{27}, blob.size() - 1}) {
    expect_decrypt_failed(aes_gcm_decrypt(key, ByteView(blob).first(n), as_bytes("aad")));
  }
}

TEST(AesGcmTest, RejectsBadKeysAndNonces) {
  for (size_t size : {size_t{0}, size_t{16}, size_t{31}, size_t{33}}) {
    Bytes key(size, 1);
    auto r = aes_gcm_encrypt(key, as_bytes("x"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().reason, "CRYPTO_KEY_INVALID");
    EXPECT_EQ(aes_gcm_decrypt(key, Bytes(40)).error().reason, "CRYPTO_KEY_INVALID");
  }
  Bytes key(32, 1);
  EXPECT_EQ(aes_gcm_seal(key, Bytes(16), {}).error().reason, "CRYPTO_NONCE_INVALID");
  EXPECT_EQ(aes_gcm_open(key, Bytes(8), Bytes(16)).error().reason, "CRYPTO_NONCE_INVALID");
}

}  // namespace
}  // namespace cairn::crypto
