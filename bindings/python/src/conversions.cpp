// The time conversions of conversions.hpp, over Python's datetime C API.
#include "conversions.hpp"

// After pybind11 (which includes Python.h first).
#include <datetime.h>

#include <cmath>
#include <limits>

namespace cairn::python {
namespace {

void import_datetime() {
  // PyDateTimeAPI is a static of each translation unit: import it in the one that converts.
  if (PyDateTimeAPI == nullptr) {
    PyDateTime_IMPORT;
    if (PyDateTimeAPI == nullptr) throw py::error_already_set();
  }
}

int64_t timedelta_micros(PyObject* delta) {
  return (static_cast<int64_t>(PyDateTime_DELTA_GET_DAYS(delta)) * 86400 +
          PyDateTime_DELTA_GET_SECONDS(delta)) *
             1000000 +
         PyDateTime_DELTA_GET_MICROSECONDS(delta);
}

}  // namespace

// An aware datetime in UTC for t. ValueError outside the years 1 to 9999.
py::object to_datetime(Timestamp t) {
  import_datetime();
  using std::chrono::floor;
  const auto days = floor<std::chrono::days>(t);
  const std::chrono::year_month_day date{days};
  if (!date.ok() || date.year() < std::chrono::year(1) || date.year() > std::chrono::year(9999)) {
    throw py::value_error("a time outside the years 1 to 9999 has no datetime");
  }
  const std::chrono::hh_mm_ss<std::chrono::microseconds> time{t - days};
  PyObject* out = PyDateTimeAPI->DateTime_FromDateAndTime(
      static_cast<int>(date.year()), static_cast<int>(static_cast<unsigned>(date.month())),
      static_cast<int>(static_cast<unsigned>(date.day())), static_cast<int>(time.hours().count()),
      static_cast<int>(time.minutes().count()), static_cast<int>(time.seconds().count()),
      static_cast<int>(time.subseconds().count()), PyDateTime_TimeZone_UTC,
      PyDateTimeAPI->DateTimeType);
  if (out == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(out);
}

// The instant of an aware datetime (any zone); nullopt for an object that is not a datetime.
// TypeError for a naive datetime: cairn never guesses which zone it meant.
std::optional<Timestamp> timestamp_of(py::handle value) {
  import_datetime();
  if (value.ptr() == nullptr || !PyDateTime_Check(value.ptr())) return std::nullopt;
  py::object offset = value.attr("utcoffset")();
  if (offset.is_none()) {
    throw py::type_error(
        "cairn takes aware datetimes: a naive datetime has no zone (use tzinfo=timezone.utc)");
  }
  PyObject* dt = value.ptr();
  const std::chrono::year_month_day date{
      std::chrono::year(PyDateTime_GET_YEAR(dt)),
      std::chrono::month(static_cast<unsigned>(PyDateTime_GET_MONTH(dt))),
      std::chrono::day(static_cast<unsigned>(PyDateTime_GET_DAY(dt)))};
  const int64_t day_micros =
      static_cast<int64_t>(std::chrono::sys_days(date).time_since_epoch().count()) * 86400 *
      1000000;
  const int64_t time_micros =
      ((static_cast<int64_t>(PyDateTime_DATE_GET_HOUR(dt)) * 60 + PyDateTime_DATE_GET_MINUTE(dt)) *
           60 +
       PyDateTime_DATE_GET_SECOND(dt)) *
          1000000 +
      PyDateTime_DATE_GET_MICROSECOND(dt);
  return from_unix_micros(day_micros + time_micros - timedelta_micros(offset.ptr()));
}

// Microseconds of a duration argument: int or float seconds (rounded to the microsecond) or a
// timedelta; nullopt for anything else (bool, NaN, infinities and values beyond the int64
// microsecond range included).
std::optional<int64_t> duration_micros(py::handle value) {
  import_datetime();
  PyObject* object = value.ptr();
  if (object == nullptr || PyBool_Check(object)) return std::nullopt;
  if (PyDelta_Check(object)) return timedelta_micros(object);
  if (PyLong_Check(object)) {
    int overflow = 0;
    const long long whole = PyLong_AsLongLongAndOverflow(object, &overflow);
    if (overflow != 0 || (whole == -1 && PyErr_Occurred() != nullptr)) {
      PyErr_Clear();
      return std::nullopt;
    }
    constexpr long long kLimit = std::numeric_limits<int64_t>::max() / 1000000;
    if (whole > kLimit || whole < -kLimit) return std::nullopt;
    return static_cast<int64_t>(whole) * 1000000;
  }
  if (!PyFloat_Check(object)) return std::nullopt;
  const double seconds = PyFloat_AS_DOUBLE(object);
  if (!std::isfinite(seconds)) return std::nullopt;
  // Whole seconds and the fraction apart (both exact), so the rounding is that of the value.
  const double whole = std::floor(seconds);
  constexpr int64_t kLimitSeconds = std::numeric_limits<int64_t>::max() / 1000000 - 1;
  if (std::fabs(whole) > static_cast<double>(kLimitSeconds)) return std::nullopt;
  return static_cast<int64_t>(whole) * 1000000 + std::llround((seconds - whole) * 1e6);
}

}  // namespace cairn::python
