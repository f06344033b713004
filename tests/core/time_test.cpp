#include "cairn/core/time.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace cairn {
namespace {

// Microseconds since the Unix epoch. The texts are RFC 3339's own examples (section 5.8) and edge
// cases; the numbers were computed with Python's datetime:
//   (datetime.fromisoformat(text) - datetime(1970, 1, 1, tzinfo=timezone.utc)) //
//   timedelta(microseconds=1)
// (with "Z" written as "+00:00"; Python refuses a leap second, whose value here is the next
// minute's first instant).
struct Vector {
  const char* text;
  int64_t micros;
};
constexpr Vector kVectors[] = {
    {"2026-11-22T10:15:00Z", 1795342500000000},
    {"1985-04-12T23:20:50.52Z", 482196050520000},
    {"1996-12-19T16:39:57-08:00", 851042397000000},
    {"1937-01-01T12:00:27.87+00:20", -1041337172130000},
    {"0001-01-01T00:00:00Z", -62135596800000000},
    {"9999-12-31T23:59:59.999999Z", 253402300799999999},
    {"2024-02-29T00:00:00.000001+23:59", 1709078460000001},
    {"1969-12-31T23:59:59.999999Z", -1},
    {"1990-12-31T23:59:60Z", 662688000000000},
    {"1990-12-31T15:59:60-08:00", 662688000000000},
};

TEST(Rfc3339Test, ParsesKnownVectors) {
  for (const Vector& v : kVectors) {
    auto t = parse_rfc3339(v.text);
    ASSERT_TRUE(t) << v.text << ": " << t.error().to_string();
    EXPECT_EQ(to_unix_micros(*t), v.micros) << v.text;
  }
}

TEST(Rfc3339Test, FormatsUtcWithTheRequestedPrecision) {
  Timestamp t = from_unix_micros(482196050520000);
  EXPECT_EQ(format_rfc3339(t), "1985-04-12T23:20:50.520000Z");
  EXPECT_EQ(format_rfc3339(t, TimePrecision::kMillis), "1985-04-12T23:20:50.520Z");
  EXPECT_EQ(format_rfc3339(t, TimePrecision::kSeconds), "1985-04-12T23:20:50Z");
  EXPECT_EQ(format_rfc3339(from_unix_micros(0)), "1970-01-01T00:00:00.000000Z");
  // Truncated, never rounded into the next second; before the epoch too.
  EXPECT_EQ(format_rfc3339(from_unix_micros(-1)), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(format_rfc3339(from_unix_micros(-1), TimePrecision::kMillis),
            "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_rfc3339(from_unix_micros(1999999), TimePrecision::kSeconds),
            "1970-01-01T00:00:01Z");
}

TEST(Rfc3339Test, FormatClampsToFourDigitYears) {
  EXPECT_EQ(format_rfc3339(from_unix_micros(INT64_MAX)), "9999-12-31T23:59:59.999999Z");
  EXPECT_EQ(format_rfc3339(from_unix_micros(INT64_MIN)), "0000-01-01T00:00:00.000000Z");
}

TEST(Rfc3339Test, FormatThenParseRoundTrips) {
  for (int64_t micros : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{1795342500123456},
                         int64_t{253402300799999999}, int64_t{-62135596800000000}}) {
    auto back = parse_rfc3339(format_rfc3339(from_unix_micros(micros)));
    ASSERT_TRUE(back) << micros;
    EXPECT_EQ(to_unix_micros(*back), micros);
  }
}

TEST(Rfc3339Test, AcceptsLowerCaseSeparatorsAndLongFractions) {
  auto lower = parse_rfc3339("2026-11-22t10:15:00z");
  ASSERT_TRUE(lower);
  EXPECT_EQ(to_unix_micros(*lower), 1795342500000000);
  // Digits beyond the microsecond are dropped, not rounded.
  auto nanos = parse_rfc3339("2026-11-22T10:15:00.123456789Z");
  ASSERT_TRUE(nanos);
  EXPECT_EQ(to_unix_micros(*nanos), 1795342500123456);
  auto minus_zero = parse_rfc3339("2026-11-22T10:15:00-00:00");
  ASSERT_TRUE(minus_zero);
  EXPECT_EQ(to_unix_micros(*minus_zero), 1795342500000000);
}

TEST(Rfc3339Test, RejectsWhatIsNotAnRfc3339Time) {
  for (const char* bad :
       {"", "2026-11-22", "2026-11-22T10:15:00", "2026-11-22 10:15:00Z", "2026-11-22T10:15Z",
        "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-22T24:00:00Z",
        "2026-11-22T10:60:00Z", "2026-11-22T10:15:61Z", "2026-11-22T10:15:00.Z",
        "2026-11-22T10:15:00+0100", "2026-11-22T10:15:00+24:00", "2026-11-22T10:15:00+01:60",
        "2026-11-22T10:15:00ZZ", "+2026-11-22T10:15:00Z", "2026-11-22T10:15:00 Z",
        "2026-1a-22T10:15:00Z", "2026-11-22T10:15:00+01:00junk"}) {
    auto t = parse_rfc3339(bad);
    ASSERT_FALSE(t) << bad;
    EXPECT_EQ(t.error().code, ErrorCode::kInvalidArgument) << bad;
    EXPECT_EQ(t.error().reason, "TIME_INVALID") << bad;
  }
}

}  // namespace
}  // namespace cairn
