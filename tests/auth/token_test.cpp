#include "cairn/auth/token.hpp"

#include <gtest/gtest.h>

#include <set>

namespace cairn::auth {
namespace {

TEST(TokenTest, Crc32MatchesZlib) {
  // zlib.crc32(b"abcdefghijklmnopqrstuvwxyz0123") == 2154666580 (Python's zlib).
  EXPECT_EQ(crc32(as_bytes("abcdefghijklmnopqrstuvwxyz0123")), 2154666580u);
  // The standard check value of CRC-32/ISO-HDLC.
  EXPECT_EQ(crc32(as_bytes("123456789")), 0xCBF43926u);
  EXPECT_EQ(crc32({}), 0u);
}

TEST(TokenTest, Base62IsZeroPaddedDigitsUpperLower) {
  EXPECT_EQ(base62_encode(0, 6), "000000");
  EXPECT_EQ(base62_encode(61, 2), "0z");
  EXPECT_EQ(base62_encode(62, 1), "10");
  EXPECT_EQ(base62_encode(2154666580u, 6), "2LolCm");
}

TEST(TokenTest, GeneratedKeysHaveTheLayoutAndAValidChecksum) {
  FakeEnv env;
  auto key = generate_api_key("cr_sa", env);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->size(), 6 + 36u);
  EXPECT_TRUE(key->starts_with("cr_sa_"));
  EXPECT_TRUE(api_key_checksum_ok(*key));
  EXPECT_EQ(api_key_prefix(*key), "cr_sa");
  std::string random = key->substr(6, 30);
  EXPECT_EQ(key->substr(36), base62_encode(crc32(as_bytes(random)), 6));
  // A trailing underscore in the prefix is the same prefix.
  EXPECT_TRUE(generate_api_key("cr_sa_", env)->starts_with("cr_sa_"));
  EXPECT_FALSE(generate_api_key("cr_sa_", env)->starts_with("cr_sa__"));
}

TEST(TokenTest, ChecksumCatchesTyposAndJunk) {
  FakeEnv env;
  std::string key = *generate_api_key("cairn", env);
  for (size_t i = 6; i < key.size(); ++i) {
    std::string typo = key;
    typo[i] = typo[i] == 'a' ? 'b' : 'a';
    EXPECT_FALSE(api_key_checksum_ok(typo)) << i;
  }
  EXPECT_FALSE(api_key_checksum_ok(key.substr(0, key.size() - 1)));
  EXPECT_FALSE(api_key_checksum_ok(key + "0"));
  EXPECT_FALSE(api_key_checksum_ok(""));
  EXPECT_FALSE(api_key_checksum_ok("_" + key.substr(6)));
  EXPECT_FALSE(api_key_checksum_ok("Cairn" + key.substr(5)));
}

TEST(TokenTest, PrefixesAreChecked) {
  for (const char* bad :
       {"", "_", "9abc", "Cr", "cr-sa", "cr sa", "abcdefghijklmnopqrstuvwxyz0123456"}) {
    auto key = generate_api_key(bad);
    ASSERT_FALSE(key) << bad;
    EXPECT_EQ(key.error().reason, "AUTH_KEY_PREFIX_INVALID");
  }
}

TEST(TokenTest, RandomBase62UsesTheWholeAlphabetUniformly) {
  FakeEnv env(FakeEnv::kDefaultStart, 7);
  std::string text = random_base62(env, 62 * 1000);
  std::array<int, 128> counts{};
  for (char c : text) counts[static_cast<size_t>(c)]++;
  for (char c : kBase62Alphabet) {
    // 1000 expected per character; 6 standard deviations is about 190.
    EXPECT_GT(counts[static_cast<size_t>(c)], 800) << c;
    EXPECT_LT(counts[static_cast<size_t>(c)], 1200) << c;
  }
}

}  // namespace
}  // namespace cairn::auth
