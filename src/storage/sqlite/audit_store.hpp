// The sqlite: backend's AuditStore: tables audit_logs, audit_entries and audit_nodes
// (migration 2). Appends run in one IMMEDIATE transaction, which serializes writers across
// processes sharing the file.
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>

#include "cairn/audit/store.hpp"

namespace cairn::storage::sqlite {

class SqliteDatabase;

class SqliteAuditStore final : public audit::AuditStore {
 public:
  explicit SqliteAuditStore(SqliteDatabase& db) : db_(db) {}

  Result<audit::LogKeys> open_log(std::string_view log, const audit::LogKeys& fresh) override;
  Result<bool> replace_keys(std::string_view log, const audit::LogKeys& current,
                            const audit::LogKeys& replacement) override;
  Result<audit::LogHead> head(std::string_view log) override;
  Result<audit::LogHead> append(std::string_view log, const Planner& plan) override;
  Result<audit::StoredEntry> entry(std::string_view log, uint64_t seq) override;
  Result<std::vector<audit::StoredEntry>> scan(std::string_view log, uint64_t from_seq,
                                               size_t limit) override;
  Result<std::vector<audit::StoredEntry>> query(std::string_view log,
                                                const audit::EntryQuery& query) override;
  Result<audit::Hash> node(std::string_view log, uint32_t level, uint64_t index) override;
  Result<std::vector<audit::Hash>> nodes(std::string_view log, uint32_t level, uint64_t index,
                                         size_t count) override;

 private:
  // The row id of log `log` (cached: a log's id never changes).
  Result<int64_t> log_id(std::string_view log);

  SqliteDatabase& db_;
  std::mutex ids_mu_;
  std::unordered_map<std::string, int64_t> ids_;
};

}  // namespace cairn::storage::sqlite
