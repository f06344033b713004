#include "cairn/core/env.hpp"

#include <gtest/gtest.h>

#include <array>
#include <thread>
#include <vector>

namespace cairn {
namespace {

using std::chrono::microseconds;

TEST(FakeEnvTest, StartsAtTheGivenTimeAndMovesOnlyWhenTold) {
  FakeEnv env(from_unix_micros(1'000'000));
  EXPECT_EQ(to_unix_micros(env.now()), 1'000'000);
  EXPECT_EQ(to_unix_micros(env.now()), 1'000'000);
  env.advance(microseconds(250));
  EXPECT_EQ(to_unix_micros(env.now()), 1'000'250);
  env.set_now(from_unix_micros(5));
  EXPECT_EQ(to_unix_micros(env.now()), 5);
}

TEST(FakeEnvTest, AdvanceSaturatesInsteadOfOverflowing) {
  FakeEnv env(from_unix_micros(INT64_MAX - 5));
  env.advance(microseconds(INT64_MAX));
  EXPECT_EQ(to_unix_micros(env.now()), INT64_MAX);
  env.set_now(from_unix_micros(INT64_MIN + 5));
  env.advance(microseconds(-100));
  EXPECT_EQ(to_unix_micros(env.now()), INT64_MIN);
}

TEST(FakeEnvTest, DefaultStartIsNewYear2026) {
  FakeEnv env;
  EXPECT_EQ(to_unix_micros(env.now()), 1767225600LL * 1000000);
}

TEST(FakeEnvTest, RandomBytesAreDeterministicPerSeed) {
  FakeEnv a(FakeEnv::kDefaultStart, 7), b(FakeEnv::kDefaultStart, 7), c(FakeEnv::kDefaultStart, 8);
  std::array<uint8_t, 37> x{}, y{}, z{};
  a.random_bytes(x);
  b.random_bytes(y);
  c.random_bytes(z);
  EXPECT_EQ(x, y);
  EXPECT_NE(x, z);
  a.random_bytes(x);
  EXPECT_NE(x, y) << "the sequence must advance";
}

TEST(FakeEnvTest, IsSafeForConcurrentUse) {
  FakeEnv env(from_unix_micros(0));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) env.advance(microseconds(1));
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(to_unix_micros(env.now()), 4000);
}

TEST(SystemEnvTest, ClockFollowsTheSystemClock) {
  auto before = std::chrono::system_clock::now();
  Timestamp now = Env::system().now();
  auto after = std::chrono::system_clock::now();
  EXPECT_GE(now, std::chrono::time_point_cast<microseconds>(before));
  EXPECT_LE(now, std::chrono::time_point_cast<microseconds>(after) + microseconds(1));
}

TEST(SystemEnvTest, RandomBytesDifferBetweenCalls) {
  std::array<uint8_t, 32> a{}, b{};
  Env::system().random_bytes(a);
  Env::system().random_bytes(b);
  EXPECT_NE(a, b);
  EXPECT_NE(a, (std::array<uint8_t, 32>{}));
}

}  // namespace
}  // namespace cairn
