#include "cairn/core/encoding.hpp"

#include <gtest/gtest.h>

#include "support/vectors.hpp"

namespace cairn::encoding {
namespace {

TEST(HexTest, EncodesLowerCase) {
  std::vector<uint8_t> bytes{0x00, 0x01, 0xab, 0xff};
  EXPECT_EQ(hex_encode(bytes), "0001abff");
  EXPECT_EQ(hex_encode({}), "");
}

TEST(HexTest, DecodesBothCases) {
  auto r = hex_decode("00FFab10");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (std::vector<uint8_t>{0x00, 0xff, 0xab, 0x10}));
}

TEST(HexTest, RejectsOddLengthAndBadCharacters) {
  for (const char* bad : {"abc", "zz", "0g", " 0", "0x00"}) {
    auto r = hex_decode(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().reason, "ENCODING_INVALID_HEX");
  }
}

TEST(Base64Test, MatchesRfc4648) {
  auto data = cairn::testing::load_vectors("base64_rfc4648.json");
  for (const auto& v : data["vectors"]) {
    std::string input = v["input"];
    EXPECT_EQ(b64_encode(as_bytes(input)), v["base64"]);
    EXPECT_EQ(to_string(*b64_decode(v["base64"].get<std::string>())), input);
    auto hex = hex_decode(v["base16"].get<std::string>());
    ASSERT_TRUE(hex);
    EXPECT_EQ(to_string(*hex), input);
  }
  for (const auto& v : data["base64url_extra"]) {
    Bytes input = cairn::testing::unhex(v["input_hex"]);
    EXPECT_EQ(b64_encode(input), v["base64"]);
    EXPECT_EQ(b64url_encode(input, true), v["base64url"]);
    EXPECT_EQ(b64url_encode(input), v["base64url_nopad"]);
    EXPECT_EQ(*b64url_decode(v["base64url"].get<std::string>()), input);
    EXPECT_EQ(*b64url_decode(v["base64url_nopad"].get<std::string>()), input);
    EXPECT_EQ(*b64_decode(v["base64"].get<std::string>()), input);
  }
}

TEST(Base64Test, RejectsNonCanonicalAndMalformedText) {
  for (std::string_view bad : {"Zh==", "Zm9=", "Zg=", "Zg", "Z", "Zg===", "=Zg=", "Zm9v\n", "Zm 9v",
                               "Zm9v-_==", "Zg==Zg==", "====", "Zm9vY", "A"}) {
    auto r = b64_decode(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().reason, "ENCODING_INVALID_BASE64");
  }
  for (std::string_view bad : {"Zh", "Zm9", "Zg=", "Zg===", "+/8", "Zm9vY", "a b", "Zg==x"}) {
    auto r = b64url_decode(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().reason, "ENCODING_INVALID_BASE64");
  }
  EXPECT_TRUE(b64url_decode(""));
  EXPECT_TRUE(b64_decode(""));
}

TEST(Utf8Test, AcceptsWellFormedText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8("\xc3\xa9t\xc3\xa9"));          // été
  EXPECT_TRUE(is_valid_utf8("\xe2\x82\xac"));               // U+20AC
  EXPECT_TRUE(is_valid_utf8("\xf0\x9f\x8c\x8d"));           // U+1F30D
  EXPECT_TRUE(is_valid_utf8("\xf4\x8f\xbf\xbf"));           // U+10FFFF
  EXPECT_TRUE(is_valid_utf8(std::string_view("a\0b", 3)));  // NUL is a character
}

TEST(Utf8Test, RejectsMalformedText) {
  for (std::string_view bad : {
           std::string_view("\x80"),              // lone continuation
           std::string_view("\xc3"),              // truncated
           std::string_view("\xc0\xaf"),          // overlong '/'
           std::string_view("\xe0\x80\xaf"),      // overlong
           std::string_view("\xed\xa0\x80"),      // surrogate U+D800
           std::string_view("\xf4\x90\x80\x80"),  // U+110000
           std::string_view("\xf8\x88\x80\x80\x80"),
           std::string_view("\xe2\x82"),
           std::string_view("ok\xffok"),
       }) {
    EXPECT_FALSE(is_valid_utf8(bad)) << ::testing::PrintToString(bad);
  }
}

}  // namespace
}  // namespace cairn::encoding
