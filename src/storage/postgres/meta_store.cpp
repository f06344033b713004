#include "storage/postgres/meta_store.hpp"

#include "storage/internal/meta_errors.hpp"
#include "storage/postgres/pg_database.hpp"

namespace cairn::storage::postgres {
namespace {

Param bytes_of(std::string_view value) {
  return Param::bytes({reinterpret_cast<const uint8_t*>(value.data()), value.size()});
}

std::string string_of(const std::vector<uint8_t>& bytes) { return {bytes.begin(), bytes.end()}; }

Result<std::string> select_value(Connection& c, std::string_view key) {
  CAIRN_ASSIGN_OR_RETURN(
      Rows rows, c.query("SELECT value FROM cairn_meta WHERE key = $1", {Param::text(key)}));
  if (rows.size() == 0) return internal::meta_not_found(key);
  return string_of(rows.bytes(0, 0));
}

}  // namespace

Result<std::string> PgMetaStore::do_get(std::string_view key) {
  return db_.read([&](Connection& c) { return select_value(c, key); });
}

Result<std::string> PgMetaStore::do_put_if_absent(std::string_view key, std::string_view value) {
  // Under READ COMMITTED a concurrent insert of the same key waits for the first to commit and
  // then does nothing; the SELECT that follows (a new snapshot) sees the value that won.
  return db_.write([&](Connection& c) -> Result<std::string> {
    CAIRN_TRY(
        c.query("INSERT INTO cairn_meta (key, value) VALUES ($1, $2) "
                "ON CONFLICT (key) DO NOTHING",
                {Param::text(key), bytes_of(value)}));
    return select_value(c, key);
  });
}

Status PgMetaStore::do_put(std::string_view key, std::string_view value) {
  return db_.write([&](Connection& c) -> Status {
    CAIRN_TRY(
        c.query("INSERT INTO cairn_meta (key, value) VALUES ($1, $2) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                {Param::text(key), bytes_of(value)}));
    return ok_status();
  });
}

Result<bool> PgMetaStore::do_erase(std::string_view key) {
  return db_.write([&](Connection& c) -> Result<bool> {
    CAIRN_ASSIGN_OR_RETURN(Rows rows,
                           c.query("DELETE FROM cairn_meta WHERE key = $1", {Param::text(key)}));
    return rows.affected() > 0;
  });
}

Result<std::vector<std::pair<std::string, std::string>>> PgMetaStore::do_list(
    std::string_view prefix) {
  return db_.read([&](Connection& c) -> Result<std::vector<std::pair<std::string, std::string>>> {
    // The key column's collation is "C": ordered by bytes, as on the other backends.
    CAIRN_ASSIGN_OR_RETURN(Rows rows, c.query("SELECT key, value FROM cairn_meta "
                                              "WHERE left(key, length($1)) = $1 ORDER BY key",
                                              {Param::text(prefix)}));
    std::vector<std::pair<std::string, std::string>> out;
    out.reserve(static_cast<std::size_t>(rows.size()));
    for (int i = 0; i < rows.size(); ++i)
      out.emplace_back(rows.text(i, 0), string_of(rows.bytes(i, 1)));
    return out;
  });
}

}  // namespace cairn::storage::postgres
