#include "cairn/core/encoding.hpp"

#include <gtest/gtest.h>

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
    EXPECT_FALSE(is_valid_utf8(bad)) << testing::PrintToString(bad);
  }
}

}  // namespace
}  // namespace cairn::encoding
