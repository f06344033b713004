#include "cairn/auth/rate_limit.hpp"

#include <gtest/gtest.h>

namespace cairn::auth {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

TEST(RateLimitTest, BurstThenOnePerIntervalWithExactRetryAfter) {
  FakeEnv env;
  auto limiter = MemoryRateLimiter::create({2.0, 3}, env);  // T = 500 ms
  ASSERT_TRUE(limiter);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE((*limiter)->hit("k")->allowed) << i;
  auto denied = (*limiter)->hit("k");
  EXPECT_FALSE(denied->allowed);
  EXPECT_EQ(denied->retry_after, milliseconds(500));
  env.advance(milliseconds(499));
  EXPECT_FALSE((*limiter)->hit("k")->allowed);
  EXPECT_EQ((*limiter)->hit("k")->retry_after, milliseconds(1));
  env.advance(milliseconds(1));
  EXPECT_TRUE((*limiter)->hit("k")->allowed);
  EXPECT_FALSE((*limiter)->hit("k")->allowed);
  // Other keys are independent.
  EXPECT_TRUE((*limiter)->hit("other")->allowed);
}

TEST(RateLimitTest, IdleTimeRefillsUpToTheBurstOnly) {
  FakeEnv env;
  auto limiter = *MemoryRateLimiter::create({1.0, 2}, env);
  EXPECT_TRUE(limiter->hit("k")->allowed);
  EXPECT_TRUE(limiter->hit("k")->allowed);
  EXPECT_FALSE(limiter->hit("k")->allowed);
  env.advance(std::chrono::hours(1));
  EXPECT_TRUE(limiter->hit("k")->allowed);
  EXPECT_TRUE(limiter->hit("k")->allowed);
  EXPECT_FALSE(limiter->hit("k")->allowed);
}

TEST(RateLimitTest, SustainedRateIsTheConfiguredRate) {
  FakeEnv env;
  auto limiter = *MemoryRateLimiter::create({10.0, 1}, env);
  int allowed = 0;
  // 10 seconds of a hit every millisecond: 10 per second get through, plus the first.
  for (int ms = 0; ms < 10000; ++ms) {
    if (limiter->hit("k")->allowed) ++allowed;
    env.advance(milliseconds(1));
  }
  EXPECT_EQ(allowed, 100);
}

TEST(RateLimitTest, GcraStepIsPure) {
  RateLimit limit{1.0, 1};
  GcraStep first = gcra_step(std::nullopt, 0, limit);
  EXPECT_TRUE(first.decision.allowed);
  EXPECT_EQ(first.tat, 1000000);
  GcraStep second = gcra_step(first.tat, 250000, limit);
  EXPECT_FALSE(second.decision.allowed);
  EXPECT_EQ(second.decision.retry_after, microseconds(750000));
  EXPECT_EQ(second.tat, first.tat);
}

TEST(RateLimitTest, RejectsBadLimitsAndKeys) {
  for (RateLimit bad :
       {RateLimit{0, 1}, RateLimit{-1, 1}, RateLimit{1e-7, 1}, RateLimit{1, 0}, RateLimit{2e6, 1},
        RateLimit{std::numeric_limits<double>::quiet_NaN(), 1}}) {
    EXPECT_EQ(MemoryRateLimiter::create(bad).error().reason, "AUTH_RATE_LIMIT_INVALID");
  }
  auto limiter = *MemoryRateLimiter::create({1, 1});
  EXPECT_EQ(limiter->hit("").error().reason, "AUTH_RATE_LIMIT_KEY_INVALID");
  EXPECT_EQ(limiter->hit(std::string(257, 'k')).error().reason, "AUTH_RATE_LIMIT_KEY_INVALID");
}

TEST(RateLimitTest, ForgetsKeysWhoseStateHasPassed) {
  FakeEnv env;
  auto limiter = *MemoryRateLimiter::create({1000.0, 1}, env);
  for (int i = 0; i < 5000; ++i) {
    ASSERT_TRUE(limiter->hit("key" + std::to_string(i))->allowed);
    env.advance(milliseconds(1));
  }
  EXPECT_LT(limiter->size(), 2100u);
}

TEST(ClientBucketTest, IPv6ClientsAreCountedByTheirSlash64) {
  EXPECT_EQ(client_bucket("203.0.113.7"), "203.0.113.7");
  EXPECT_EQ(client_bucket("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
  EXPECT_EQ(client_bucket("2001:db8:1:2::1"), client_bucket("2001:db8:1:2:ffff::9"));
  EXPECT_NE(client_bucket("2001:db8:1:2::1"), client_bucket("2001:db8:1:3::1"));
  EXPECT_EQ(client_bucket("::ffff:203.0.113.7"), "203.0.113.7");
  EXPECT_EQ(client_bucket("unix"), "unix");
}

}  // namespace
}  // namespace cairn::auth
