#include "cairn/crypto/mac.hpp"

#include <gtest/gtest.h>

#include "cairn/crypto/secure.hpp"
#include "support/vectors.hpp"

namespace cairn::crypto {
namespace {

using cairn::testing::load_vectors;
using cairn::testing::unhex;
using encoding::hex_encode;

TEST(HmacTest, MatchesRfc4231) {
  auto vectors = load_vectors("hmac_sha256.json")["vectors"];
  ASSERT_EQ(vectors.size(), 7u);
  for (const auto& v : vectors) {
    Sha256Digest mac = hmac_sha256(unhex(v["key_hex"]), unhex(v["data_hex"]));
    std::string hex = hex_encode(mac);
    if (!v["truncate_bytes"].is_null()) hex.resize(2 * v["truncate_bytes"].get<size_t>());
    EXPECT_EQ(hex, v["mac_hex"]) << "case " << v["case"];
  }
}

TEST(HmacTest, EmptyKeyAndMessageAreAllowed) {
  // HMAC-SHA256 with an empty key over an empty message (a well-known value).
  EXPECT_EQ(hex_encode(hmac_sha256({}, {})),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(HkdfTest, MatchesRfc5869) {
  auto vectors = load_vectors("hkdf_sha256.json")["vectors"];
  ASSERT_EQ(vectors.size(), 3u);
  for (const auto& v : vectors) {
    auto okm = hkdf_sha256(unhex(v["ikm_hex"]), unhex(v["salt_hex"]), unhex(v["info_hex"]),
                           v["length"].get<size_t>());
    ASSERT_TRUE(okm) << okm.error().to_string();
    EXPECT_EQ(hex_encode(*okm), v["okm_hex"]) << "case " << v["case"];
  }
}

TEST(HkdfTest, RejectsImpossibleLengths) {
  for (size_t length : {size_t{0}, size_t{255 * 32 + 1}}) {
    auto r = hkdf_sha256(as_bytes("key"), {}, {}, length);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().reason, "CRYPTO_HKDF_LENGTH_INVALID");
  }
  EXPECT_EQ(hkdf_sha256(as_bytes("key"), {}, {}, 255 * 32)->size(), 8160u);
  // Empty input key material is legal (value from python3-cryptography's HKDF).
  EXPECT_EQ(hex_encode(hkdf_sha256({}, {}, {}, 16).value()), "eb70f01dede9afafa449eee1b1286504");
}

TEST(SecureTest, ConstantTimeEqualComparesContentAndLength) {
  EXPECT_TRUE(constant_time_equal(as_bytes("token"), as_bytes("token")));
  EXPECT_FALSE(constant_time_equal(as_bytes("token"), as_bytes("tokeN")));
  EXPECT_FALSE(constant_time_equal(as_bytes("token"), as_bytes("token2")));
  EXPECT_TRUE(constant_time_equal({}, {}));
}

TEST(SecureTest, WipeZeroesAndSecretBytesOwnsACopy) {
  Bytes key{1, 2, 3, 4};
  SecretBytes secret(ByteView{key});
  secure_wipe(key);
  EXPECT_EQ(key, (Bytes{0, 0, 0, 0}));
  EXPECT_EQ(Bytes(secret.view().begin(), secret.view().end()), (Bytes{1, 2, 3, 4}));
  SecretBytes moved = std::move(secret);
  EXPECT_EQ(moved.size(), 4u);
}

}  // namespace
}  // namespace cairn::crypto
