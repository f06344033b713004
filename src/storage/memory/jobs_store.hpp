// The memory: backend's JobStore.
#pragma once

#include <map>
#include <mutex>
#include <set>

#include "cairn/jobs/store.hpp"

namespace cairn::storage::memory {

class MemoryJobStore final : public jobs::JobStore {
 public:
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
  bool due(const jobs::Task& task) const;
  bool in_state(const jobs::Task& task, jobs::ListState state, Timestamp now) const;
  void cancel_dependents(int64_t id, Timestamp now, std::vector<int64_t>& cancelled);

  std::mutex mu_;
  int64_t next_id_ = 1;
  std::map<int64_t, jobs::Task> tasks_;
  std::map<int64_t, std::set<int64_t>> dependents_;        // dependency -> tasks that wait for it
  std::map<std::string, int64_t, std::less<>> live_keys_;  // key -> its pending or running task
};

}  // namespace cairn::storage::memory
