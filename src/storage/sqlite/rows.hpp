// Small helpers for SQLite stores: read one row, all rows, or a change count.
#pragma once

#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "storage/sqlite/sqlite_database.hpp"

namespace cairn::storage::sqlite {

// The first row of `s` read with `read`, or nullopt when there is none.
template <class T, class Read>
Result<std::optional<T>> one_row(Statement& s, Read read) {
  CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
  if (!row) return std::optional<T>();
  return std::optional<T>(read(s));
}

// Every row of `s`, read with `read`.
template <class T, class Read>
Result<std::vector<T>> all_rows(Statement& s, Read read) {
  std::vector<T> out;
  while (true) {
    CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row) return out;
    out.push_back(read(s));
  }
}

// Runs a DELETE or UPDATE and returns how many rows it changed.
inline Result<int64_t> changed(Connection& c, Statement& s) {
  CAIRN_TRY(s.run());
  return c.changes();
}

// Runs f() -> Result<T> with PRAGMA secure_delete on, so what it deletes or overwrites is zeroed
// in the file instead of left in free space: for writes that remove secrets.
template <class F>
auto with_secure_delete(Connection& c, F&& f) -> std::invoke_result_t<F&> {
  CAIRN_ASSIGN_OR_RETURN(std::string was, c.pragma_text("secure_delete"));
  CAIRN_TRY(c.exec("PRAGMA secure_delete = ON"));
  auto result = f();
  // It reads 0, 1 or 2, but is set with OFF, ON or FAST (a plain "2" would set ON).
  std::string restore = "PRAGMA secure_delete = OFF";
  if (was == "1") restore = "PRAGMA secure_delete = ON";
  if (was == "2") restore = "PRAGMA secure_delete = FAST";
  (void)c.exec(restore);
  return result;
}

}  // namespace cairn::storage::sqlite
