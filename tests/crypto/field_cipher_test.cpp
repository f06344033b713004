#include "cairn/crypto/field_cipher.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cairn/crypto/aead.hpp"
#include "cairn/crypto/mac.hpp"
#include "crypto/internal/field_cipher.hpp"
#include "support/vectors.hpp"

namespace cairn::crypto {
namespace {

using cairn::testing::load_vectors;
using cairn::testing::unhex;
using encoding::hex_encode;
using internal::FieldCipherAccess;

const Bytes kMaster = unhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
constexpr std::string_view kFamily = "tundra:v1:site:env_var";

FieldCipher make_cipher(std::string_view family = kFamily, ByteView master = kMaster) {
  auto cipher = FieldCipher::create(master, family);
  EXPECT_TRUE(cipher) << cipher.error().to_string();
  return std::move(cipher).value();
}

Bytes aad_of(std::string_view table, std::string_view row_id, std::string_view column) {
  auto aad = field_aad(table, row_id, column);
  EXPECT_TRUE(aad) << aad.error().to_string();
  return std::move(aad).value();
}

template <class T>
void expect_error(const Result<T>& r, ErrorCode code, std::string_view reason) {
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, code);
  EXPECT_EQ(r.error().reason, reason);
}

TEST(FieldCipherTest, DecryptsAndReproducesTheVectors) {
  auto vectors = load_vectors("field_cipher.json")["vectors"];
  ASSERT_EQ(vectors.size(), 7u);
  for (const auto& v : vectors) {
    SCOPED_TRACE(v["name"].get<std::string>());
    Bytes master = unhex(v["master_key_hex"]);
    auto cipher = FieldCipher::create(master, v["family"].get<std::string>());
    ASSERT_TRUE(cipher) << cipher.error().to_string();
    EXPECT_EQ(cipher->family(), v["family"].get<std::string>());
    // The derived key is HKDF-SHA256(master, no salt, info = family), 32 bytes.
    auto key = hkdf_sha256(master, {}, as_bytes(cipher->family()), 32);
    ASSERT_TRUE(key);
    EXPECT_EQ(hex_encode(*key), v["key_hex"].get<std::string>());

    Bytes aad = unhex(v["aad_hex"]);
    if (v.contains("table")) {
      EXPECT_EQ(aad_of(v["table"].get<std::string>(), v["row_id"].get<std::string>(),
                       v["column"].get<std::string>()),
                aad);
    }
    Bytes ciphertext = unhex(v["ciphertext_hex"]);
    Bytes plaintext = unhex(v["plaintext_hex"]);
    auto opened = cipher->decrypt(ciphertext, aad);
    ASSERT_TRUE(opened) << opened.error().to_string();
    EXPECT_EQ(*opened, plaintext);
    auto sealed =
        FieldCipherAccess::encrypt_with_nonce(*cipher, unhex(v["nonce_hex"]), plaintext, aad);
    ASSERT_TRUE(sealed) << sealed.error().to_string();
    EXPECT_EQ(hex_encode(*sealed), v["ciphertext_hex"].get<std::string>());
  }
}

TEST(FieldCipherTest, CiphertextIsVersionNonceCiphertextTag) {
  FieldCipher cipher = make_cipher();
  Bytes aad = aad_of("sites", "42", "env_var");
  std::set<std::string> nonces;  // hex: GCC 12 -O3 misreports memcmp in set<vector<uint8_t>>
  for (int i = 0; i < 20; ++i) {
    auto sealed = cipher.encrypt(as_bytes("hunter2"), aad);
    ASSERT_TRUE(sealed);
    ASSERT_EQ(sealed->size(), kFieldCiphertextOverhead + 7);
    EXPECT_EQ((*sealed)[0], 0x01);
    nonces.insert(hex_encode(ByteView(*sealed).subspan(1, 12)));
    // The layout is plain AES-256-GCM under the derived key after the version byte.
    auto key = hkdf_sha256(kMaster, {}, as_bytes(kFamily), 32);
    ASSERT_TRUE(key);
    auto opened = aes_gcm_decrypt(*key, ByteView(*sealed).subspan(1), aad);
    ASSERT_TRUE(opened);
    EXPECT_EQ(to_string(*opened), "hunter2");
  }
  EXPECT_EQ(nonces.size(), 20u);  // a fresh random nonce every time
  auto empty = cipher.encrypt({}, aad);
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->size(), kFieldCiphertextOverhead);
  auto opened = cipher.decrypt(*empty, aad);
  ASSERT_TRUE(opened);
  EXPECT_TRUE(opened->empty());
}

TEST(FieldCipherTest, ValueCopiedOntoAnotherRowIsDataLoss) {
  FieldCipher cipher = make_cipher();
  auto sealed = cipher.encrypt(as_bytes("row 42's secret"), aad_of("sites", "42", "env_var"));
  ASSERT_TRUE(sealed);
  for (const Bytes& other : {aad_of("sites", "43", "env_var"), aad_of("sites", "42", "env_vars"),
                             aad_of("site", "42", "env_var"), aad_of("sites", "4", "2env_var")}) {
    expect_error(cipher.decrypt(*sealed, other), ErrorCode::kDataLoss,
                 "CRYPTO_FIELD_DECRYPT_FAILED");
  }
}

TEST(FieldCipherTest, OtherFamilyOrMasterKeyIsDataLoss) {
  Bytes aad = aad_of("sites", "42", "env_var");
  auto sealed = make_cipher().encrypt(as_bytes("value"), aad);
  ASSERT_TRUE(sealed);
  expect_error(make_cipher("tundra:v1:plugin:settings").decrypt(*sealed, aad), ErrorCode::kDataLoss,
               "CRYPTO_FIELD_DECRYPT_FAILED");
  Bytes other_master = kMaster;
  other_master[31] ^= 1;
  expect_error(make_cipher(kFamily, other_master).decrypt(*sealed, aad), ErrorCode::kDataLoss,
               "CRYPTO_FIELD_DECRYPT_FAILED");
}

TEST(FieldCipherTest, EveryChangedByteIsDataLoss) {
  FieldCipher cipher = make_cipher();
  Bytes aad = aad_of("sites", "42", "env_var");
  auto sealed = cipher.encrypt(as_bytes("abc"), aad);
  ASSERT_TRUE(sealed);
  for (size_t i = 1; i < sealed->size(); ++i) {
    Bytes bad = *sealed;
    bad[i] ^= 0x80;
    expect_error(cipher.decrypt(bad, aad), ErrorCode::kDataLoss, "CRYPTO_FIELD_DECRYPT_FAILED");
  }
  Bytes longer = *sealed;
  longer.push_back(0);
  expect_error(cipher.decrypt(longer, aad), ErrorCode::kDataLoss, "CRYPTO_FIELD_DECRYPT_FAILED");
}

TEST(FieldCipherTest, RefusesShortCiphertextsAndOtherVersions) {
  FieldCipher cipher = make_cipher();
  Bytes aad = aad_of("sites", "42", "env_var");
  auto sealed = cipher.encrypt({}, aad);
  ASSERT_TRUE(sealed);
  for (size_t n : {size_t{0}, size_t{1}, size_t{13}, kFieldCiphertextOverhead - 1}) {
    expect_error(cipher.decrypt(ByteView(*sealed).first(n), aad), ErrorCode::kDataLoss,
                 "CRYPTO_FIELD_CIPHERTEXT_TOO_SHORT");
  }
  for (uint8_t version : {0x00, 0x02, 0xff}) {
    Bytes other = *sealed;
    other[0] = version;
    expect_error(cipher.decrypt(other, aad), ErrorCode::kFailedPrecondition,
                 "CRYPTO_FIELD_VERSION_UNSUPPORTED");
  }
}

TEST(FieldCipherTest, AssociatedDataIsMandatory) {
  FieldCipher cipher = make_cipher();
  expect_error(cipher.encrypt(as_bytes("x"), {}), ErrorCode::kInvalidArgument,
               "CRYPTO_FIELD_AAD_REQUIRED");
  auto sealed = cipher.encrypt(as_bytes("x"), as_bytes("t/r/c"));
  ASSERT_TRUE(sealed);
  expect_error(cipher.decrypt(*sealed, {}), ErrorCode::kInvalidArgument,
               "CRYPTO_FIELD_AAD_REQUIRED");
  expect_error(field_aad("", "1", "c"), ErrorCode::kInvalidArgument, "CRYPTO_FIELD_AAD_REQUIRED");
  expect_error(field_aad("t", "", "c"), ErrorCode::kInvalidArgument, "CRYPTO_FIELD_AAD_REQUIRED");
  expect_error(field_aad("t", "1", ""), ErrorCode::kInvalidArgument, "CRYPTO_FIELD_AAD_REQUIRED");
}

TEST(FieldCipherTest, AssociatedDataPartsCannotBeShifted) {
  // Without length prefixes these would all be "abc".
  std::set<std::string> seen = {hex_encode(aad_of("a", "b", "c")),
                                hex_encode(aad_of("ab", "c", "x")),
                                hex_encode(aad_of("a", "bc", "x"))};
  EXPECT_EQ(seen.size(), 3u);
  EXPECT_NE(aad_of("ab", "c", "d"), aad_of("a", "bc", "d"));
  EXPECT_EQ(hex_encode(aad_of("t", "12", "col")), "000000017400000002313200000003636f6c");
}

TEST(FieldCipherTest, RefusesBadMasterKeysAndFamilies) {
  expect_error(FieldCipher::create(Bytes(31), kFamily), ErrorCode::kInvalidArgument,
               "CRYPTO_KEY_INVALID");
  expect_error(FieldCipher::create(Bytes(33), kFamily), ErrorCode::kInvalidArgument,
               "CRYPTO_KEY_INVALID");
  expect_error(FieldCipher::create({}, kFamily), ErrorCode::kInvalidArgument, "CRYPTO_KEY_INVALID");
  expect_error(FieldCipher::create(kMaster, ""), ErrorCode::kInvalidArgument,
               "CRYPTO_FIELD_FAMILY_INVALID");
  expect_error(FieldCipher::create(kMaster, std::string(kFieldFamilyMaxBytes + 1, 'f')),
               ErrorCode::kInvalidArgument, "CRYPTO_FIELD_FAMILY_INVALID");
  EXPECT_TRUE(FieldCipher::create(kMaster, std::string(kFieldFamilyMaxBytes, 'f')));
  EXPECT_TRUE(FieldCipher::create(kMaster, "f"));
  expect_error(FieldCipher::from_hex(std::string(63, 'a'), kFamily), ErrorCode::kInvalidArgument,
               "CRYPTO_KEY_INVALID");
  expect_error(FieldCipher::from_hex(std::string(63, 'a') + "g", kFamily),
               ErrorCode::kInvalidArgument, "CRYPTO_KEY_INVALID");
  expect_error(FieldCipher::from_hex(std::string(64, 'a'), ""), ErrorCode::kInvalidArgument,
               "CRYPTO_FIELD_FAMILY_INVALID");
}

TEST(FieldCipherTest, HexMasterKeyDerivesTheSameKeyInEitherCase) {
  std::string hex = hex_encode(kMaster);
  std::string upper = hex;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  Bytes aad = aad_of("sites", "42", "env_var");
  auto sealed = make_cipher().encrypt(as_bytes("same key"), aad);
  ASSERT_TRUE(sealed);
  for (const std::string& text : {hex, upper}) {
    auto cipher = FieldCipher::from_hex(text, kFamily);
    ASSERT_TRUE(cipher) << cipher.error().to_string();
    auto opened = cipher->decrypt(*sealed, aad);
    ASSERT_TRUE(opened);
    EXPECT_EQ(to_string(*opened), "same key");
  }
}

TEST(FieldCipherTest, ErrorsNeverCarryKeyMaterial) {
  std::string hex = hex_encode(kMaster);
  hex.back() = 'z';
  auto bad = FieldCipher::from_hex(hex, kFamily);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message.find(hex.substr(0, 16)), std::string::npos);
  FieldCipher cipher = make_cipher();
  auto sealed = cipher.encrypt(as_bytes("s3cr3t-value"), aad_of("t", "1", "c"));
  ASSERT_TRUE(sealed);
  auto failed = cipher.decrypt(*sealed, aad_of("t", "2", "c"));
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().message.find("s3cr3t"), std::string::npos);
}

TEST(FieldCipherTest, MovedCipherKeepsWorking) {
  FieldCipher first = make_cipher();
  Bytes aad = aad_of("t", "1", "c");
  auto sealed = first.encrypt(as_bytes("moved"), aad);
  ASSERT_TRUE(sealed);
  FieldCipher second = std::move(first);
  auto opened = second.decrypt(*sealed, aad);
  ASSERT_TRUE(opened);
  EXPECT_EQ(to_string(*opened), "moved");
  EXPECT_EQ(second.family(), kFamily);
}

TEST(FieldCipherTest, ConcurrentEncryptAndDecryptAgree) {
  const FieldCipher cipher = make_cipher();
  constexpr int kThreads = 4;
  constexpr int kRounds = 200;
  std::vector<int> failures(kThreads, 0);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&cipher, &failures, t] {
      for (int i = 0; i < kRounds; ++i) {
        std::string row = std::to_string(t * kRounds + i);
        std::string value = "value-" + row;
        auto aad = field_aad("t", row, "c");
        auto sealed = aad ? cipher.encrypt(as_bytes(value), *aad) : Result<Bytes>(aad);
        auto opened = sealed ? cipher.decrypt(*sealed, *aad) : Result<Bytes>(sealed);
        if (!opened || to_string(*opened) != value) ++failures[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures, std::vector<int>(kThreads, 0));
}

}  // namespace
}  // namespace cairn::crypto
