// cairn time text: RFC 3339 in UTC, the one time format on every HTTP edge and in every log line.
//
// Example:
//   std::string text = cairn::format_rfc3339(now);    // "2026-11-22T10:15:00.123456Z"
//   CAIRN_ASSIGN_OR_RETURN(cairn::Timestamp t, cairn::parse_rfc3339("2026-11-22T11:15:00+01:00"));
//
// Writing always gives UTC with a "Z" and a fixed number of fraction digits (TimePrecision), so
// text sorts as time does. Reading takes every RFC 3339 date-time (section 5.6): "T" or "t"
// between date and time, any number of fraction digits (kept to the microsecond, further digits
// dropped), and "Z", "z" or a numeric offset "+HH:MM" / "-HH:MM" (converted to UTC). A leap
// second (":60") is read as the first instant of the next minute, since Timestamp, like POSIX
// time, has no leap seconds. Years are 0000 to 9999.
//
// Thread-safety: pure functions, safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "cairn/core/env.hpp"
#include "cairn/core/result.hpp"

namespace cairn {

// How many fraction digits format_rfc3339() writes.
enum class TimePrecision {
  kSeconds,  // "2026-11-22T10:15:00Z"
  kMillis,   // "2026-11-22T10:15:00.123Z"
  kMicros,   // "2026-11-22T10:15:00.123456Z"
};

// `t` as RFC 3339 UTC text, truncated (not rounded) to `precision`, so a time never moves into
// the next second. A time before 0000-01-01 or after 9999-12-31T23:59:59.999999Z is written as
// that bound (RFC 3339 has four-digit years only).
std::string format_rfc3339(Timestamp t, TimePrecision precision = TimePrecision::kMicros);

// The instant RFC 3339 text names (see the top of this file for what is accepted). Errors:
// INVALID_ARGUMENT / TIME_INVALID (not of the form, a date that does not exist such as
// 2026-02-30, an hour above 23, a minute above 59, a second above 60, an offset beyond 23:59).
Result<Timestamp> parse_rfc3339(std::string_view text);

}  // namespace cairn
