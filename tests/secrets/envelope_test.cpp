#include "cairn/secrets/envelope.hpp"

#include <gtest/gtest.h>

#include "cairn/core/encoding.hpp"
#include "cairn/crypto/aead.hpp"
#include "cairn/crypto/mac.hpp"

namespace cairn::secrets {
namespace {

constexpr const char* kMasterHex =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

TEST(EnvelopeTest, KekAndCheckFollowTheDocumentedDerivation) {
  auto master = MasterKey::parse(kMasterHex);
  ASSERT_TRUE(master);
  Bytes raw = *encoding::hex_decode(kMasterHex);
  Bytes kek = *crypto::hkdf_sha256(raw, {}, as_bytes("cairn-secrets-kek-v1"), 32);
  EXPECT_EQ(Bytes(master->kek().begin(), master->kek().end()), kek);
  auto check = crypto::hmac_sha256(kek, as_bytes("cairn-secrets-key-check-v1"));
  EXPECT_EQ(master->check(), Bytes(check.begin(), check.end()));
  // The same key as 32 raw bytes.
  EXPECT_EQ(MasterKey::from_bytes(raw)->check(), master->check());
  EXPECT_EQ(MasterKey::parse("abc").error().reason, "SECRETS_MASTER_KEY_INVALID");
  EXPECT_EQ(MasterKey::parse(std::string(64, 'z')).error().reason, "SECRETS_MASTER_KEY_INVALID");
}

TEST(EnvelopeTest, SealedValuesOpenOnlyInTheirPlace) {
  auto master = *MasterKey::parse(kMasterHex);
  Bytes vaad = value_aad("org", "proj", "env", "DB_URL", 3);
  Bytes kaad = key_aad("secret-1", 3);
  auto sealed = seal_value(master, as_bytes("postgres://x"), vaad, kaad);
  ASSERT_TRUE(sealed);
  EXPECT_EQ(sealed->ciphertext.size(), 12 + 12 + 16u);
  EXPECT_EQ(sealed->wrapped_key.size(), 12 + 32 + 16u);
  auto opened = open_value(master, *sealed, vaad, kaad);
  ASSERT_TRUE(opened);
  EXPECT_EQ(to_string(opened->view()), "postgres://x");
  // Independently: unwrap the DEK with the KEK, then the value with the DEK.
  Bytes dek = *crypto::aes_gcm_decrypt(master.kek(), sealed->wrapped_key, kaad);
  EXPECT_EQ(to_string(*crypto::aes_gcm_decrypt(dek, sealed->ciphertext, vaad)), "postgres://x");
  // Anywhere else it fails.
  for (const Bytes& other :
       {value_aad("org", "proj", "env", "DB_URL", 2), value_aad("org", "proj", "env2", "DB_URL", 3),
        value_aad("org2", "proj", "env", "DB_URL", 3)}) {
    EXPECT_EQ(open_value(master, *sealed, other, kaad).error().reason, "SECRETS_DECRYPT_FAILED");
  }
  EXPECT_EQ(open_value(master, *sealed, vaad, key_aad("secret-2", 3)).error().reason,
            "SECRETS_DECRYPT_FAILED");
  auto other_master = *MasterKey::from_bytes(Bytes(32, 9));
  EXPECT_EQ(open_value(other_master, *sealed, vaad, kaad).error().code, ErrorCode::kDataLoss);
  // Rewrapping moves the DEK to the other key; the value ciphertext does not change.
  Sealed moved{sealed->ciphertext, *rewrap_key(master, other_master, sealed->wrapped_key, kaad)};
  EXPECT_EQ(to_string(open_value(other_master, moved, vaad, kaad)->view()), "postgres://x");
  EXPECT_FALSE(open_value(master, moved, vaad, kaad));
}

TEST(EnvelopeTest, AssociatedDataIsUnambiguous) {
  EXPECT_NE(value_aad("ab", "c", "e", "K", 1), value_aad("a", "bc", "e", "K", 1));
  EXPECT_NE(key_aad("s", 12), key_aad("s1", 2));
}

}  // namespace
}  // namespace cairn::secrets
