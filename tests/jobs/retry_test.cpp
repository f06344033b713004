#include "cairn/jobs/retry.hpp"

#include <gtest/gtest.h>

namespace cairn::jobs {
namespace {

using std::chrono::milliseconds;

TEST(RetryTest, ExponentialBackoffIsCapped) {
  RetryPolicy p{milliseconds(500), milliseconds(10000), 10, false};
  EXPECT_EQ(backoff(p, 0), milliseconds(500));
  EXPECT_EQ(backoff(p, 1), milliseconds(1000));
  EXPECT_EQ(backoff(p, 4), milliseconds(8000));
  EXPECT_EQ(backoff(p, 5), milliseconds(10000));
  EXPECT_EQ(backoff(p, 1000000), milliseconds(10000));
  EXPECT_EQ(backoff(p, -3), milliseconds(500));
  RetryPolicy zero{milliseconds(0), milliseconds(0), 3, false};
  EXPECT_EQ(backoff(zero, 7), milliseconds(0));
}

TEST(RetryTest, JitterStaysWithinHalfAndFull) {
  FakeEnv env;
  RetryPolicy p{milliseconds(1000), milliseconds(60000), 10, true};
  bool varied = false;
  for (int i = 0; i < 200; ++i) {
    auto d = backoff(p, 3, env);  // full backoff 8 s
    EXPECT_GE(d, milliseconds(4000));
    EXPECT_LE(d, milliseconds(8000));
    varied = varied || d != milliseconds(8000);
  }
  EXPECT_TRUE(varied);
  p.jitter = false;
  EXPECT_EQ(backoff(p, 3, env), milliseconds(8000));
}

TEST(RetryTest, PoliciesAreChecked) {
  EXPECT_TRUE(check_retry_policy({}));
  for (RetryPolicy bad : {RetryPolicy{milliseconds(-1), milliseconds(1), 1, false},
                          RetryPolicy{milliseconds(10), milliseconds(5), 1, false},
                          RetryPolicy{milliseconds(1), milliseconds(1), 0, false},
                          RetryPolicy{milliseconds(1), std::chrono::hours(24 * 31), 3, false}}) {
    EXPECT_EQ(check_retry_policy(bad).error().reason, "JOB_RETRY_POLICY_INVALID");
  }
}

}  // namespace
}  // namespace cairn::jobs
