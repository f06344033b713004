// Small helpers for SQLite stores: read one row, all rows, or a change count.
#pragma once

#include <optional>
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

}  // namespace cairn::storage::sqlite
