// libFuzzer target for cron schedules (cairn/jobs/cron.hpp): CronSchedule::parse on arbitrary
// text, and next_after on a schedule that parses. Properties checked:
//   - parsing is deterministic, fails only with JOB_CRON_INVALID, and expression() (the text as
//     given, trimmed) parses again to a schedule that fires at the same times (there is no other
//     formatter);
//   - r = next_after(t) is a whole minute strictly after t; the next five fire times strictly
//     increase; next_after is monotonic (t1 <= t2 gives r1 <= r2) and consistent: from any
//     instant in [t, r) the next fire time is r, so nothing in between was skipped;
//   - r matches each field on its own: the schedule with only the minute, only the hour, only the
//     month, or only the two day fields (all else `*`) also fires at r;
//   - a fixed UTC offset only shifts the clock: next_after(t, off) + off == next_after(t + off).
//
// The first five input bytes pick the instant t (bytes 0-3: seconds after 1970, so up to 2106;
// byte 4: the sub-second part) and the sixth the UTC offset ((byte - 128) * 15 minutes, about
// +/- 32 hours); the rest (at most 300 bytes) is the expression. Seeds: corpus/cron/ (the
// expressions of tests/jobs/cron_test.cpp and cron(5)); tokens: cron.dict. See
// tests/fuzz/CMakeLists.txt for how it is built and run.
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/jobs/cron.hpp"

namespace {

using cairn::Timestamp;
using cairn::jobs::CronSchedule;
using std::chrono::microseconds;
using std::chrono::minutes;

constexpr std::size_t kMaxExpression = 300;
constexpr microseconds kMinute = std::chrono::minutes(1);

// The five fields of a parsed expression (macros expanded), or nothing.
std::optional<std::array<std::string, 5>> fields_of(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kMacros{{
      {"@hourly", "0 * * * *"},
      {"@daily", "0 0 * * *"},
      {"@midnight", "0 0 * * *"},
      {"@weekly", "0 0 * * 0"},
      {"@monthly", "0 0 1 * *"},
      {"@yearly", "0 0 1 1 *"},
      {"@annually", "0 0 1 1 *"},
  }};
  for (auto [name, value] : kMacros) {
    if (text == name) text = value;
  }
  std::array<std::string, 5> fields;
  std::size_t count = 0;
  std::size_t at = 0;
  while (at < text.size()) {
    while (at < text.size() && (text[at] == ' ' || text[at] == '\t')) ++at;
    if (at == text.size()) break;
    std::size_t end = text.find_first_of(" \t", at);
    if (end == std::string_view::npos) end = text.size();
    if (count == fields.size()) return std::nullopt;
    fields[count++] = std::string(text.substr(at, end - at));
    at = end;
  }
  if (count != fields.size()) return std::nullopt;
  return fields;
}

bool fires_at(const CronSchedule& cron, Timestamp r, minutes offset) {
  return cron.next_after(r - kMinute, offset) == r;
}

void check_fields_alone(const std::array<std::string, 5>& f, Timestamp r, minutes offset) {
  const std::array<std::string, 4> parts = {
      f[0] + " * * * *",
      "* " + f[1] + " * * *",
      "* * * " + f[3] + " *",
      "* * " + f[2] + " * " + f[4],
  };
  for (const std::string& expression : parts) {
    cairn::Result<CronSchedule> part = CronSchedule::parse(expression);
    if (!part) std::abort();  // every field parsed in the whole expression
    if (!fires_at(*part, r, offset)) std::abort();
  }
}

void check_times(const CronSchedule& cron, const CronSchedule& reparsed, Timestamp t,
                 minutes offset, const std::optional<std::array<std::string, 5>>& fields) {
  Timestamp r = cron.next_after(t, offset);
  if (r <= t) std::abort();
  if (r.time_since_epoch().count() % kMinute.count() != 0) std::abort();
  if (cron.next_after(t, offset) != r || reparsed.next_after(t, offset) != r) std::abort();
  if (!fires_at(cron, r, offset)) std::abort();

  // Nothing in [t, r) was skipped.
  Timestamp mid = t + (r - t) / 2;
  if (cron.next_after(mid, offset) != r) std::abort();
  if (r - kMinute >= t && cron.next_after(r - kMinute, offset) != r) std::abort();
  // Monotonic: a later start never gives an earlier time.
  Timestamp later = r + microseconds(1);
  Timestamp r2 = cron.next_after(later, offset);
  if (r2 <= r) std::abort();

  // The next fire times strictly increase.
  Timestamp previous = r;
  for (int i = 0; i < 5; ++i) {
    Timestamp next = cron.next_after(previous, offset);
    if (next <= previous) std::abort();
    previous = next;
  }

  // The offset shifts the clock and nothing else.
  if (cron.next_after(t + offset, minutes(0)) != r + offset) std::abort();

  if (fields) check_fields_alone(*fields, r, offset);
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the entry point libFuzzer names.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, std::size_t size) {
  if (size < 6) return 0;
  uint32_t seconds = (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) |
                     (uint32_t{bytes[2]} << 8) | uint32_t{bytes[3]};
  Timestamp t = cairn::from_unix_micros(int64_t{seconds} * 1000000 + int64_t{bytes[4]} * 3907);
  minutes offset((int{bytes[5]} - 128) * 15);
  std::string_view text(reinterpret_cast<const char*>(bytes + 6), size - 6);
  if (text.size() > kMaxExpression) text = text.substr(0, kMaxExpression);

  cairn::Result<CronSchedule> cron = CronSchedule::parse(text);
  cairn::Result<CronSchedule> again = CronSchedule::parse(text);
  if (cron.has_value() != again.has_value()) std::abort();
  if (!cron) {
    if (cron.error().reason != "JOB_CRON_INVALID" || again.error().reason != cron.error().reason) {
      std::abort();
    }
    return 0;
  }
  cairn::Result<CronSchedule> reparsed = CronSchedule::parse(cron->expression());
  if (!reparsed || reparsed->expression() != cron->expression()) std::abort();
  check_times(*cron, *reparsed, t, offset, fields_of(cron->expression()));
  return 0;
}
