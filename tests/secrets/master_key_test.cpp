#include "cairn/secrets/master_key.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <type_traits>

#include "cairn/core/encoding.hpp"

namespace cairn::secrets {
namespace {

constexpr const char* kMasterHex =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

template <class T>
concept Streamable = requires(std::ostream& out, const T& value) {
  out << value;
};

TEST(MasterKeyTest, HexAndRawBytesGiveTheSameKey) {
  auto hex = MasterKey::from_hex(kMasterHex);
  ASSERT_TRUE(hex);
  auto upper =
      MasterKey::from_hex("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
  ASSERT_TRUE(upper);
  Bytes raw = *encoding::hex_decode(kMasterHex);
  auto bytes = MasterKey::from_bytes(raw);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(hex->check(), bytes->check());
  EXPECT_EQ(upper->check(), bytes->check());
  EXPECT_EQ(MasterKey::parse(kMasterHex)->check(), hex->check());
  EXPECT_EQ(
      MasterKey::parse(std::string_view(reinterpret_cast<const char*>(raw.data()), 32))->check(),
      hex->check());
  EXPECT_EQ(kMasterKeyBytes, 32U);
  EXPECT_EQ(kMasterKeyHexChars, 64U);
}

TEST(MasterKeyTest, AnythingElseIsRefused) {
  for (std::string_view bad :
       {std::string_view(""), std::string_view("abc"), std::string_view(kMasterHex).substr(0, 62),
        std::string_view("zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")}) {
    EXPECT_EQ(MasterKey::from_hex(bad).error().reason, "SECRETS_MASTER_KEY_INVALID") << bad;
    EXPECT_EQ(MasterKey::parse(bad).error().reason, "SECRETS_MASTER_KEY_INVALID") << bad;
  }
  // 32 characters are raw bytes to parse(), but never hex to from_hex().
  EXPECT_EQ(MasterKey::from_hex(std::string(32, 'a')).error().reason, "SECRETS_MASTER_KEY_INVALID");
  EXPECT_EQ(MasterKey::from_bytes(Bytes(31)).error().reason, "SECRETS_MASTER_KEY_INVALID");
  EXPECT_EQ(MasterKey::from_bytes(Bytes(64)).error().reason, "SECRETS_MASTER_KEY_INVALID");
}

TEST(MasterKeyTest, CopiesShareTheKeyAndNothingPrintsIt) {
  MasterKey key = *MasterKey::from_hex(kMasterHex);
  MasterKey copy = key;  // NOLINT(performance-unnecessary-copy-initialization): the point
  EXPECT_EQ(copy.check(), key.check());
  EXPECT_EQ(copy.kek().data(), key.kek().data());  // one copy of the material, wiped once
  static_assert(!Streamable<MasterKey>, "a master key must not be printable");
  static_assert(std::is_copy_constructible_v<MasterKey>);
}

}  // namespace
}  // namespace cairn::secrets
