#include "cairn/secrets/glob.hpp"

#include <gtest/gtest.h>

namespace cairn::secrets {
namespace {

TEST(GlobTest, ColdruneExamples) {
  // The pattern forms of reference B.4.
  EXPECT_TRUE(glob_match("*", "anything"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("api-*", "api-billing"));
  EXPECT_TRUE(glob_match("api-*", "api-"));
  EXPECT_FALSE(glob_match("api-*", "web-api"));
  EXPECT_TRUE(glob_match("*-prod", "eu-prod"));
  EXPECT_FALSE(glob_match("*-prod", "prod-eu"));
  EXPECT_TRUE(glob_match("st?ging", "staging"));
  EXPECT_FALSE(glob_match("st?ging", "stging"));
  EXPECT_TRUE(glob_match("{dev,staging}", "dev"));
  EXPECT_TRUE(glob_match("{dev,staging}", "staging"));
  EXPECT_FALSE(glob_match("{dev,staging}", "prod"));
  EXPECT_TRUE(glob_match("api-{v1,v2}", "api-v2"));
  EXPECT_FALSE(glob_match("api-{v1,v2}", "api-v3"));
  EXPECT_TRUE(glob_match("{eu,us}-*-{a,b}", "us-east-b"));
  EXPECT_FALSE(glob_match("prod", "production"));
  EXPECT_TRUE(glob_match("a*b*c", "aXbYc"));
  EXPECT_FALSE(glob_match("a*b*c", "aXcYb"));
}

TEST(GlobTest, NoExponentialBlowUp) {
  std::string name(64, 'a');
  EXPECT_FALSE(glob_match("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", name));
}

TEST(GlobTest, InvalidPatternsAreRefusedAndMatchNothing) {
  for (const char* bad : {"", "{dev", "dev}", "{a,{b,c}}", "{,a}", "{a,}", "a,b", "a b", "a/b",
                          "{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}"}) {
    auto r = check_pattern(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().reason, "ACL_PATTERN_INVALID") << bad;
    EXPECT_FALSE(glob_match(bad, "a")) << bad;
  }
  EXPECT_FALSE(check_pattern(std::string(129, 'a')));
  // 11 alternatives in 3 groups: 1331 combinations, over the limit.
  EXPECT_FALSE(
      check_pattern("{a,b,c,d,e,f,g,h,i,j,k}{a,b,c,d,e,f,g,h,i,j,k}{a,b,c,d,e,f,g,h,i,j,k}"));
  EXPECT_TRUE(check_pattern("{a,b,c,d,e,f,g,h,i,j}{a,b,c,d,e,f,g,h,i,j}{a,b,c,d,e,f,g,h,i,j}"));
}

}  // namespace
}  // namespace cairn::secrets
