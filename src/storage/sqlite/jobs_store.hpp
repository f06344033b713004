// The sqlite: backend's JobStore (tables jobs_* of migration 6, an index of migration 11).
//
// claim() is one IMMEDIATE transaction, so processes sharing the file take turns and a task is
// handed out once; the same statements map onto PostgreSQL with FOR UPDATE SKIP LOCKED.
#pragma once

#include "cairn/jobs/store.hpp"

namespace cairn::storage::sqlite {

class SqliteDatabase;

class SqliteJobStore final : public jobs::JobStore {
 public:
  explicit SqliteJobStore(SqliteDatabase& db) : db_(db) {}

  Result<jobs::EnqueueOutcome> enqueue(const jobs::NewTask& task) override;
  Result<std::optional<jobs::Task>> get(int64_t id) override;
  Result<std::optional<jobs::Task>> claim(const jobs::ClaimRequest& request) override;
  Result<jobs::Transition> settle(int64_t id, std::string_view worker, int32_t attempt,
                                  const jobs::Settlement& settlement) override;
  Result<jobs::Transition> cancel(int64_t id, Timestamp now) override;
  Result<std::vector<jobs::Renewal>> renew(std::string_view worker,
                                           const std::vector<std::pair<int64_t, int32_t>>& runs,
                                           Timestamp now, Timestamp lease_expires) override;
  Result<std::vector<jobs::Task>> expired(Timestamp now, int32_t limit) override;
  Result<std::optional<Timestamp>> next_run_at(uint32_t priorities,
                                               const std::vector<std::string>& kinds) override;
  Result<int64_t> purge_finished(Timestamp finished_before, std::string_view kind,
                                 int32_t limit) override;
  Result<std::vector<jobs::Task>> list(const jobs::TaskQuery& query) override;
  Result<jobs::TaskCounts> counts(Timestamp now) override;

 private:
  SqliteDatabase& db_;
};

}  // namespace cairn::storage::sqlite
