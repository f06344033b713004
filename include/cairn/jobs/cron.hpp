// Cron schedules: the 5-field expressions of cron(5), evaluated in UTC or at a fixed UTC offset.
//
//   minute (0-59)  hour (0-23)  day-of-month (1-31)  month (1-12, JAN-DEC)  day-of-week (0-7,
//   SUN-SAT; 0 and 7 are Sunday)
//
// Each field is a comma-separated list of `*`, `N`, `N-M`, each optionally followed by `/STEP`
// (`*/15`, `1-10/3`, `5/10` meaning 5-max/10); names are case-insensitive. The macros @hourly,
// @daily (@midnight), @weekly, @monthly and @yearly (@annually) stand for their usual expansions.
// When both day-of-month and day-of-week are restricted (either is anything but a bare `*`), a day
// matches if either does, as cron(5) says; otherwise the restricted one decides. An expression
// that can never fire (`0 0 30 2 *`) is refused at parse time.
//
// Example:
//   auto cron = jobs::CronSchedule::parse("*/15 9-17 * * MON-FRI");
//   Timestamp next = cron->next_after(now);            // strictly after now, in UTC
//
// Thread-safety: a CronSchedule is immutable; its methods are thread-safe.
#pragma once

#include <bitset>
#include <chrono>
#include <string>
#include <string_view>

#include "cairn/core/env.hpp"
#include "cairn/core/result.hpp"

namespace cairn::jobs {

class CronSchedule {
 public:
  // Errors: INVALID_ARGUMENT / JOB_CRON_INVALID (the message names the field and the problem).
  static Result<CronSchedule> parse(std::string_view expression);

  // The first minute strictly after `after` that matches, with the fields read as local time at
  // UTC+`utc_offset` (a fixed offset: no daylight saving rules). Seconds and below of `after` are
  // dropped first, so the result is always a whole minute.
  Timestamp next_after(Timestamp after,
                       std::chrono::minutes utc_offset = std::chrono::minutes(0)) const;

  // The expression as given.
  const std::string& expression() const noexcept { return expression_; }

 private:
  CronSchedule() = default;
  bool day_matches(int day_of_month, int weekday) const;

  std::string expression_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;     // 1..31
  std::bitset<13> months_;   // 1..12
  std::bitset<7> weekdays_;  // 0..6, Sunday 0
  bool days_restricted_ = false;
  bool weekdays_restricted_ = false;
};

}  // namespace cairn::jobs
