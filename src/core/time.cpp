#include "cairn/core/time.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>

namespace cairn {
namespace {

using std::chrono::days;
using std::chrono::floor;
using std::chrono::microseconds;
using std::chrono::seconds;

// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z: the years RFC 3339 can write.
constexpr Timestamp kFirst{std::chrono::sys_days(std::chrono::year(0) / 1 / 1)};
constexpr Timestamp kLast{std::chrono::sys_days(std::chrono::year(10000) / 1 / 1) -
                          microseconds(1)};

Unexpected<Error> invalid(std::string_view text, const char* why) {
  // The text is echoed only when short and printable ASCII: it may be any caller input, and
  // messages end up in logs and JSON.
  bool printable =
      std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
  std::string message;
  if (text.size() <= 40 && printable) {
    message.append(1, '"').append(text).append("\" ");
  }
  message.append("is not an RFC 3339 time like 2026-11-22T10:15:00Z: ").append(why);
  return fail(ErrorCode::kInvalidArgument, "TIME_INVALID", std::move(message));
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The number in text[at, at + len), all digits; -1 when one is not a digit.
int number(std::string_view text, size_t at, size_t len) {
  int value = 0;
  for (size_t i = at; i < at + len; ++i) {
    if (!is_digit(text[i])) return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

std::string format_rfc3339(Timestamp t, TimePrecision precision) {
  if (t < kFirst) t = kFirst;
  if (t > kLast) t = kLast;
  auto secs = floor<seconds>(t);
  auto day = floor<days>(secs);
  std::chrono::year_month_day ymd(day);
  std::chrono::hh_mm_ss hms(secs - day);
  auto fraction = (t - secs).count();  // 0 .. 999999 microseconds
  char text[40];
  int n = std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d",
                        static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                        static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                        static_cast<int>(hms.minutes().count()),
                        static_cast<int>(hms.seconds().count()));
  std::string out(text, static_cast<size_t>(n));
  if (precision == TimePrecision::kMillis) {
    std::snprintf(text, sizeof text, ".%03d", static_cast<int>(fraction / 1000));
    out += text;
  } else if (precision == TimePrecision::kMicros) {
    std::snprintf(text, sizeof text, ".%06d", static_cast<int>(fraction));
    out += text;
  }
  out += 'Z';
  return out;
}

Result<Timestamp> parse_rfc3339(std::string_view text) {
  // date-time = full-date "T" partial-time time-offset; full-date = YYYY-MM-DD;
  // partial-time = HH:MM:SS [.fraction]; time-offset = "Z" / ("+" / "-") HH:MM
  constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd";
  if (text.size() < kShape.size() + 1) return invalid(text, "too short");
  for (size_t i = 0; i < kShape.size(); ++i) {
    char want = kShape[i];
    char got = text[i];
    bool ok = want == 'd' ? is_digit(got) : want == 'T' ? (got == 'T' || got == 't') : got == want;
    if (!ok) return invalid(text, "not of the form YYYY-MM-DDTHH:MM:SS");
  }
  std::chrono::year_month_day ymd{std::chrono::year(number(text, 0, 4)),
                                  std::chrono::month(static_cast<unsigned>(number(text, 5, 2))),
                                  std::chrono::day(static_cast<unsigned>(number(text, 8, 2)))};
  int hour = number(text, 11, 2);
  int minute = number(text, 14, 2);
  int second = number(text, 17, 2);
  if (!ymd.ok()) return invalid(text, "no such date");
  if (hour > 23 || minute > 59 || second > 60) return invalid(text, "no such time of day");

  std::string_view rest = text.substr(kShape.size());
  int64_t micros = 0;
  if (rest.front() == '.') {
    rest.remove_prefix(1);
    int digits = 0;
    while (!rest.empty() && is_digit(rest.front())) {
      if (digits < 6) micros = micros * 10 + (rest.front() - '0');
      ++digits;
      rest.remove_prefix(1);
    }
    if (digits == 0) return invalid(text, "a '.' without fraction digits");
    for (; digits < 6; ++digits) micros *= 10;
  }

  std::chrono::minutes offset{0};
  if (rest == "Z" || rest == "z") {
    // UTC
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    int oh = number(rest, 1, 2);
    int om = number(rest, 4, 2);
    if (oh < 0 || om < 0 || oh > 23 || om > 59) return invalid(text, "no such offset");
    offset = std::chrono::minutes(oh * 60 + om);
    if (rest[0] == '-') offset = -offset;
  } else {
    return invalid(text, "the offset must be Z or +HH:MM / -HH:MM");
  }
  auto local = std::chrono::sys_days(ymd) + std::chrono::hours(hour) +
               std::chrono::minutes(minute) + seconds(second) + microseconds(micros);
  // The offset says how far local time is ahead of UTC.
  return Timestamp(local - offset);
}

}  // namespace cairn
