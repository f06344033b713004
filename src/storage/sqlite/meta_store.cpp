#include "storage/sqlite/meta_store.hpp"

#include "storage/internal/meta_errors.hpp"
#include "storage/sqlite/rows.hpp"
#include "storage/sqlite/sqlite_database.hpp"

namespace cairn::storage::sqlite {
namespace {

Result<std::string> select_value(Connection& c, std::string_view key) {
  CAIRN_ASSIGN_OR_RETURN(Statement select,
                         c.prepare("SELECT value FROM cairn_meta WHERE key = ?1"));
  select.bind(1, key);
  CAIRN_ASSIGN_OR_RETURN(bool found, select.step());
  if (!found) return internal::meta_not_found(key);
  return select.column_text(0);
}

}  // namespace

Result<std::string> SqliteMetaStore::do_get(std::string_view key) {
  return db_.read([&](Connection& c) { return select_value(c, key); });
}

Result<std::string> SqliteMetaStore::do_put_if_absent(std::string_view key,
                                                      std::string_view value) {
  return db_.write([&](Connection& c) -> Result<std::string> {
    CAIRN_ASSIGN_OR_RETURN(Statement insert,
                           c.prepare("INSERT INTO cairn_meta (key, value) VALUES (?1, ?2) "
                                     "ON CONFLICT (key) DO NOTHING"));
    insert.bind(1, key).bind(2, value);
    CAIRN_TRY(insert.run());
    return select_value(c, key);
  });
}

Status SqliteMetaStore::do_put(std::string_view key, std::string_view value) {
  return db_.write([&](Connection& c) -> Status {
    CAIRN_ASSIGN_OR_RETURN(Statement upsert,
                           c.prepare("INSERT INTO cairn_meta (key, value) VALUES (?1, ?2) "
                                     "ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
    upsert.bind(1, key).bind(2, value);
    return upsert.run();
  });
}

Result<bool> SqliteMetaStore::do_erase(std::string_view key) {
  // Erased settings may be secrets (a plaintext key being retired): zeroed, not left in free space.
  return db_.write([&](Connection& c) {
    return with_secure_delete(c, [&]() -> Result<bool> {
      CAIRN_ASSIGN_OR_RETURN(Statement erase, c.prepare("DELETE FROM cairn_meta WHERE key = ?1"));
      erase.bind(1, key);
      CAIRN_ASSIGN_OR_RETURN(int64_t n, changed(c, erase));
      return n > 0;
    });
  });
}

Result<std::vector<std::pair<std::string, std::string>>> SqliteMetaStore::do_list(
    std::string_view prefix) {
  return db_.read([&](Connection& c) -> Result<std::vector<std::pair<std::string, std::string>>> {
    CAIRN_ASSIGN_OR_RETURN(
        Statement select,
        c.prepare("SELECT key, value FROM cairn_meta WHERE key >= ?1 ORDER BY key"));
    select.bind(1, prefix);
    std::vector<std::pair<std::string, std::string>> out;
    while (true) {
      CAIRN_ASSIGN_OR_RETURN(bool row, select.step());
      if (!row) break;
      std::string key = select.column_text(0);
      if (!key.starts_with(prefix)) break;
      out.emplace_back(std::move(key), select.column_text(1));
    }
    return out;
  });
}

}  // namespace cairn::storage::sqlite
