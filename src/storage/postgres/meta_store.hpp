// MetaStore on PostgreSQL: the table cairn_meta (key text, value bytea).
#pragma once

#include "cairn/storage/meta_store.hpp"

namespace cairn::storage::postgres {

class PgDatabase;

class PgMetaStore final : public MetaStore {
 public:
  explicit PgMetaStore(PgDatabase& db) : db_(db) {}

 protected:
  Result<std::string> do_get(std::string_view key) override;
  Result<std::string> do_put_if_absent(std::string_view key, std::string_view value) override;
  Status do_put(std::string_view key, std::string_view value) override;
  Result<bool> do_erase(std::string_view key) override;
  Result<std::vector<std::pair<std::string, std::string>>> do_list(
      std::string_view prefix) override;

 private:
  PgDatabase& db_;
};

}  // namespace cairn::storage::postgres
