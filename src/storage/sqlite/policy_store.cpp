#include "storage/sqlite/policy_store.hpp"

#include "storage/sqlite/sqlite_database.hpp"

namespace cairn::storage::sqlite {

Status SqlitePolicyStore::put(std::string_view tenant, std::string_view document, Timestamp at) {
  return db_.write([&](Connection& c) -> Status {
    CAIRN_ASSIGN_OR_RETURN(
        Statement s,
        c.prepare("INSERT INTO access_policies (tenant, document, updated_at) VALUES (?1, ?2, ?3) "
                  "ON CONFLICT (tenant) DO UPDATE SET document = excluded.document, "
                  "updated_at = excluded.updated_at"));
    s.bind(1, tenant).bind(2, document).bind(3, to_unix_micros(at));
    return s.run();
  });
}

Result<std::optional<std::string>> SqlitePolicyStore::get(std::string_view tenant) {
  return db_.read([&](Connection& c) -> Result<std::optional<std::string>> {
    CAIRN_ASSIGN_OR_RETURN(Statement s,
                           c.prepare("SELECT document FROM access_policies WHERE tenant = ?1"));
    s.bind(1, tenant);
    CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row) return std::optional<std::string>();
    return std::optional<std::string>(s.column_text(0));
  });
}

Result<bool> SqlitePolicyStore::remove(std::string_view tenant) {
  return db_.write([&](Connection& c) -> Result<bool> {
    CAIRN_ASSIGN_OR_RETURN(Statement s, c.prepare("DELETE FROM access_policies WHERE tenant = ?1"));
    s.bind(1, tenant);
    CAIRN_TRY(s.run());
    return c.changes() > 0;
  });
}

Result<std::vector<std::string>> SqlitePolicyStore::tenants() {
  return db_.read([&](Connection& c) -> Result<std::vector<std::string>> {
    CAIRN_ASSIGN_OR_RETURN(Statement s,
                           c.prepare("SELECT tenant FROM access_policies ORDER BY tenant"));
    std::vector<std::string> out;
    while (true) {
      CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
      if (!row) return out;
      out.push_back(s.column_text(0));
    }
  });
}

}  // namespace cairn::storage::sqlite
