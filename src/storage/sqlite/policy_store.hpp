// The sqlite: backend's PolicyStore: the table access_policies (migration 3).
#pragma once

#include "cairn/access/store.hpp"

namespace cairn::storage::sqlite {

class SqliteDatabase;

class SqlitePolicyStore final : public access::PolicyStore {
 public:
  explicit SqlitePolicyStore(SqliteDatabase& db) : db_(db) {}

  Status put(std::string_view tenant, std::string_view document, Timestamp at) override;
  Result<std::optional<std::string>> get(std::string_view tenant) override;
  Result<bool> remove(std::string_view tenant) override;
  Result<std::vector<std::string>> tenants() override;

 private:
  SqliteDatabase& db_;
};

}  // namespace cairn::storage::sqlite
