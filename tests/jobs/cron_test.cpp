#include "cairn/jobs/cron.hpp"

#include <gtest/gtest.h>

#include "support/vectors.hpp"

namespace cairn::jobs {
namespace {

Timestamp at(int64_t unix_seconds) { return from_unix_micros(unix_seconds * 1000000); }
int64_t seconds_of(Timestamp t) { return to_unix_micros(t) / 1000000; }

TEST(CronTest, MatchesCroniterOnPublishedVectors) {
  auto file = testing::load_vectors("cron_vectors.json");
  ASSERT_EQ(file["vectors"].size(), 96u);
  for (const auto& v : file["vectors"]) {
    std::string expr = v["expr"];
    auto cron = CronSchedule::parse(expr);
    ASSERT_TRUE(cron) << expr << ": " << cron.error().to_string();
    Timestamp t = at(v["after"].get<int64_t>());
    for (const auto& expected : v["next"]) {
      t = cron->next_after(t);
      ASSERT_EQ(seconds_of(t), expected.get<int64_t>()) << expr << " after " << v["after"];
    }
  }
}

TEST(CronTest, NextIsStrictlyAfterAndWholeMinutes) {
  auto cron = *CronSchedule::parse("* * * * *");
  Timestamp t = at(1767225600);  // 2026-01-01T00:00:00Z, itself a match
  EXPECT_EQ(seconds_of(cron.next_after(t)), 1767225660);
  EXPECT_EQ(seconds_of(cron.next_after(t + std::chrono::seconds(59))), 1767225660);
  EXPECT_EQ(to_unix_micros(cron.next_after(t + std::chrono::microseconds(1))) % 60000000, 0);
}

TEST(CronTest, FixedOffsets) {
  // 09:00 at UTC+2 is 07:00Z; at UTC-5:30 it is 14:30Z.
  auto cron = *CronSchedule::parse("0 9 * * *");
  Timestamp midnight = at(1767225600);
  EXPECT_EQ(seconds_of(cron.next_after(midnight, std::chrono::minutes(120))),
            1767225600 + 7 * 3600);
  EXPECT_EQ(seconds_of(cron.next_after(midnight, std::chrono::minutes(-330))),
            1767225600 + 14 * 3600 + 30 * 60);
}

TEST(CronTest, StepFromAValueAndNames) {
  auto cron = *CronSchedule::parse("5/20 * * * *");  // 5, 25, 45
  EXPECT_EQ(seconds_of(cron.next_after(at(1767225600))), 1767225600 + 5 * 60);
  EXPECT_EQ(seconds_of(cron.next_after(at(1767225600 + 6 * 60))), 1767225600 + 25 * 60);
  EXPECT_TRUE(CronSchedule::parse("0 0 * jan-MAR mon-fri"));
  EXPECT_EQ(CronSchedule::parse("  @daily ")->expression(), "@daily");
}

TEST(CronTest, RejectsInvalidExpressions) {
  for (const char* bad :
       {"", "* * * *", "* * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * 32 * *",
        "* * * 13 *", "* * * * 8", "*/0 * * * *", "5-1 * * * *", "a * * * *", "* * * foo *",
        "1,,2 * * * *", "@every_minute", "0 0 30 2 *", "0 0 31 4,6,9,11 *", "*/61 * * * *"}) {
    auto r = CronSchedule::parse(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << bad;
    EXPECT_EQ(r.error().reason, "JOB_CRON_INVALID") << bad;
  }
  // With a weekday as well, Feb 30 is harmless: the OR rule fires on the weekday.
  EXPECT_TRUE(CronSchedule::parse("0 0 30 2 MON"));
}

}  // namespace
}  // namespace cairn::jobs
