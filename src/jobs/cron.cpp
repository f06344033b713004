#include "cairn/jobs/cron.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <vector>

namespace cairn::jobs {
namespace {

using std::chrono::days;
using std::chrono::minutes;
using std::chrono::sys_days;

struct FieldSpec {
  const char* name;
  int min;
  int max;
  const char* const* names;  // nullptr, or names for min..min+count-1
  int name_count;
};

constexpr std::array<const char*, 12> kMonthNames{"jan", "feb", "mar", "apr", "may", "jun",
                                                  "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<const char*, 7> kDayNames{"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

constexpr std::array<FieldSpec, 5> kFields{{
    {"minute", 0, 59, nullptr, 0},
    {"hour", 0, 23, nullptr, 0},
    {"day-of-month", 1, 31, nullptr, 0},
    {"month", 1, 12, kMonthNames.data(), 12},
    {"day-of-week", 0, 7, kDayNames.data(), 7},
}};

Unexpected<Error> invalid(std::string_view expression, const std::string& why) {
  return fail(ErrorCode::kInvalidArgument, "JOB_CRON_INVALID",
              "cron expression \"" + std::string(expression.substr(0, 100)) + "\": " + why);
}

// A number or (for months and weekdays) a three-letter name.
bool read_value(std::string_view text, const FieldSpec& spec, int& out) {
  if (text.empty()) return false;
  if (std::isalpha(static_cast<unsigned char>(text[0])) != 0) {
    if (spec.names == nullptr || text.size() != 3) return false;
    std::string lower;
    for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (int i = 0; i < spec.name_count; ++i) {
      if (lower == spec.names[i]) {
        out = spec.names == kMonthNames.data() ? i + 1 : i;
        return true;
      }
    }
    return false;
  }
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out >= spec.min &&
         out <= spec.max;
}

// Parses one field into `bits` (indexed by value). Returns an error message, or "" when fine.
std::string parse_field(std::string_view text, const FieldSpec& spec, std::vector<bool>& bits) {
  if (text.empty()) return std::string("empty ") + spec.name + " field";
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view item = text.substr(start, comma - start);
    start = comma + 1;
    if (item.empty()) return std::string("empty list item in the ") + spec.name + " field";
    int step = 1;
    size_t slash = item.find('/');
    std::string_view range = item.substr(0, slash);
    if (slash != std::string_view::npos) {
      std::string_view step_text = item.substr(slash + 1);
      auto [end, ec] = std::from_chars(step_text.data(), step_text.data() + step_text.size(), step);
      if (ec != std::errc() || end != step_text.data() + step_text.size() || step < 1 ||
          step > spec.max) {
        return std::string("bad step in the ") + spec.name + " field";
      }
    }
    int low = spec.min;
    int high = spec.max;
    if (range == "*") {
      // the whole range
    } else {
      size_t dash = range.find('-');
      if (dash == std::string_view::npos) {
        if (!read_value(range, spec, low)) {
          return std::string("bad value \"") + std::string(range) + "\" in the " + spec.name +
                 " field";
        }
        // "N/step" runs from N to the end; a bare "N" is just N.
        high = slash != std::string_view::npos ? spec.max : low;
      } else if (!read_value(range.substr(0, dash), spec, low) ||
                 !read_value(range.substr(dash + 1), spec, high) || high < low) {
        return std::string("bad range \"") + std::string(range) + "\" in the " + spec.name +
               " field";
      }
    }
    for (int v = low; v <= high; v += step) bits[static_cast<size_t>(v)] = true;
    if (comma == text.size()) break;
  }
  return "";
}

int days_in_month(int month) {
  constexpr std::array<int, 13> kDays{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return kDays[static_cast<size_t>(month)];
}

}  // namespace

Result<CronSchedule> CronSchedule::parse(std::string_view expression) {
  std::string_view text = expression;
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) {
    text.remove_suffix(1);
  }
  if (text.size() > 256) return invalid(expression, "too long");
  std::string expanded(text);
  if (!text.empty() && text[0] == '@') {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kMacros{{
        {"@hourly", "0 * * * *"},
        {"@daily", "0 0 * * *"},
        {"@midnight", "0 0 * * *"},
        {"@weekly", "0 0 * * 0"},
        {"@monthly", "0 0 1 * *"},
        {"@yearly", "0 0 1 1 *"},
        {"@annually", "0 0 1 1 *"},
    }};
    expanded.clear();
    for (auto [name, value] : kMacros) {
      if (text == name) expanded = value;
    }
    if (expanded.empty()) return invalid(expression, "unknown macro");
  }
  std::vector<std::string_view> fields;
  std::string_view rest = expanded;
  while (!rest.empty()) {
    size_t space = rest.find_first_of(" \t");
    fields.push_back(rest.substr(0, space));
    if (space == std::string_view::npos) break;
    rest = rest.substr(space);
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
  }
  if (fields.size() != 5) return invalid(expression, "expected 5 fields");

  CronSchedule cron;
  cron.expression_ = std::string(text);
  std::array<std::vector<bool>, 5> bits;
  for (size_t i = 0; i < 5; ++i) {
    bits[i].assign(static_cast<size_t>(kFields[i].max) + 1, false);
    std::string error = parse_field(fields[i], kFields[i], bits[i]);
    if (!error.empty()) return invalid(expression, error);
  }
  for (int v = 0; v < 60; ++v)
    cron.minutes_[static_cast<size_t>(v)] = bits[0][static_cast<size_t>(v)];
  for (int v = 0; v < 24; ++v)
    cron.hours_[static_cast<size_t>(v)] = bits[1][static_cast<size_t>(v)];
  for (int v = 1; v <= 31; ++v)
    cron.days_[static_cast<size_t>(v)] = bits[2][static_cast<size_t>(v)];
  for (int v = 1; v <= 12; ++v)
    cron.months_[static_cast<size_t>(v)] = bits[3][static_cast<size_t>(v)];
  for (int v = 0; v <= 7; ++v) {
    if (bits[4][static_cast<size_t>(v)]) cron.weekdays_[static_cast<size_t>(v % 7)] = true;
  }
  cron.days_restricted_ = fields[2] != "*";
  cron.weekdays_restricted_ = fields[4] != "*";

  // Refuse schedules that never fire: with only day-of-month restricted, some selected month must
  // have some selected day (29 counts for February: leap years have it).
  if (cron.days_restricted_ && !cron.weekdays_restricted_) {
    bool fires = false;
    for (int m = 1; m <= 12 && !fires; ++m) {
      if (!cron.months_[static_cast<size_t>(m)]) continue;
      for (int d = 1; d <= days_in_month(m); ++d)
        fires = fires || cron.days_[static_cast<size_t>(d)];
    }
    if (!fires) return invalid(expression, "it never fires (no selected month has the day)");
  }
  return cron;
}

bool CronSchedule::day_matches(int day_of_month, int weekday) const {
  bool dom = days_[static_cast<size_t>(day_of_month)];
  bool dow = weekdays_[static_cast<size_t>(weekday)];
  if (days_restricted_ && weekdays_restricted_) return dom || dow;
  if (days_restricted_) return dom;
  if (weekdays_restricted_) return dow;
  return true;
}

Timestamp CronSchedule::next_after(Timestamp after, std::chrono::minutes utc_offset) const {
  using Minutes = std::chrono::sys_time<minutes>;
  Minutes t = std::chrono::floor<minutes>(after + utc_offset) + minutes(1);
  // Each step moves to the next candidate month, day, hour or minute; parse() guaranteed a match
  // exists, and within 8 years (leap days across a century) there are far fewer steps than this.
  for (int guard = 0; guard < 1000000; ++guard) {
    sys_days day = std::chrono::floor<days>(t);
    std::chrono::year_month_day ymd(day);
    int month = static_cast<int>(static_cast<unsigned>(ymd.month()));
    if (!months_[static_cast<size_t>(month)]) {
      auto first_of_next =
          std::chrono::year_month_day(ymd.year() / ymd.month() / 1) + std::chrono::months(1);
      t = Minutes(sys_days(first_of_next));
      continue;
    }
    int weekday = static_cast<int>(std::chrono::weekday(day).c_encoding());
    if (!day_matches(static_cast<int>(static_cast<unsigned>(ymd.day())), weekday)) {
      t = Minutes(day + days(1));
      continue;
    }
    auto since_midnight = t - Minutes(day);
    int hour = static_cast<int>(since_midnight.count() / 60);
    int minute = static_cast<int>(since_midnight.count() % 60);
    if (!hours_[static_cast<size_t>(hour)]) {
      t = Minutes(day) + minutes((hour + 1) * 60);
      continue;
    }
    if (!minutes_[static_cast<size_t>(minute)]) {
      t += minutes(1);
      continue;
    }
    return std::chrono::time_point_cast<std::chrono::microseconds>(t - utc_offset);
  }
  return std::chrono::time_point_cast<std::chrono::microseconds>(t - utc_offset);
}

}  // namespace cairn::jobs
