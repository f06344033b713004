#include "storage/memory/jobs_store.hpp"

#include <algorithm>

#include "storage/internal/jobs_rules.hpp"

namespace cairn::storage::memory {

using jobs::Task;
using jobs::TaskState;
namespace internal = storage::internal;

namespace {

bool live(TaskState state) { return state == TaskState::kPending || state == TaskState::kRunning; }

// Copies the values a keyed enqueue replaces.
void assign(Task& t, const jobs::NewTask& n) {
  t.input = n.input;
  t.priority = n.priority;
  t.retry = n.retry;
  t.cron = n.cron;
  t.cron_utc_offset = n.cron_utc_offset;
  t.timeout = n.timeout;
  t.on_dependency_failure = n.on_dependency_failure;
  t.updated_at = n.now;
}

}  // namespace

bool MemoryJobStore::due(const Task& task) const {
  for (int64_t dep : task.depends_on) {
    auto it = tasks_.find(dep);
    if (it != tasks_.end() && live(it->second.state)) return false;
  }
  return true;
}

bool MemoryJobStore::in_state(const Task& task, jobs::ListState state, Timestamp now) const {
  using jobs::ListState;
  switch (state) {
    case ListState::kPending:
      return task.state == TaskState::kPending;
    case ListState::kScheduled:
      return task.state == TaskState::kPending && task.run_at > now && due(task);
    case ListState::kBlocked:
      return task.state == TaskState::kPending && !due(task);
    case ListState::kRunning:
      return task.state == TaskState::kRunning;
    case ListState::kLeaseExpired:
      return task.state == TaskState::kRunning && task.lease_expires < now;
    case ListState::kDone:
      return task.state == TaskState::kDone;
    case ListState::kFailed:
      return task.state == TaskState::kFailed;
    case ListState::kCancelled:
      return task.state == TaskState::kCancelled;
  }
  return false;
}

void MemoryJobStore::cancel_dependents(int64_t id, Timestamp now, std::vector<int64_t>& cancelled) {
  std::vector<int64_t> frontier{id};
  while (!frontier.empty()) {
    int64_t dep = frontier.back();
    frontier.pop_back();
    auto found = dependents_.find(dep);
    if (found == dependents_.end()) continue;
    for (int64_t child : found->second) {
      Task& t = tasks_.at(child);
      if (t.state != TaskState::kPending ||
          t.on_dependency_failure != jobs::DependencyFailure::kCancel) {
        continue;
      }
      t.state = TaskState::kCancelled;
      t.errors.push_back(internal::dependency_failed_error(dep));
      t.updated_at = now;
      if (!t.key.empty()) live_keys_.erase(t.key);
      cancelled.push_back(child);
      frontier.push_back(child);
    }
  }
}

Result<jobs::EnqueueOutcome> MemoryJobStore::enqueue(const jobs::NewTask& task) {
  std::lock_guard lock(mu_);
  Task* existing = nullptr;
  if (!task.key.empty()) {
    auto it = live_keys_.find(task.key);
    if (it != live_keys_.end()) existing = &tasks_.at(it->second);
  }
  // Dependencies must exist, must not be cron tasks, and must not lead back to the task.
  bool dependency_failed = false;
  int64_t failed_dep = 0;
  for (int64_t dep : task.depends_on) {
    auto it = tasks_.find(dep);
    if (it == tasks_.end()) return internal::task_not_found(dep);
    if (!it->second.cron.empty()) return internal::depends_on_cron(dep);
    if (it->second.state == TaskState::kFailed || it->second.state == TaskState::kCancelled) {
      if (!dependency_failed) failed_dep = dep;
      dependency_failed = true;
    }
  }
  if (existing != nullptr && !task.depends_on.empty()) {
    std::vector<int64_t> stack(task.depends_on.begin(), task.depends_on.end());
    std::set<int64_t> seen;
    while (!stack.empty()) {
      int64_t at = stack.back();
      stack.pop_back();
      if (at == existing->id) return internal::dependency_cycle(existing->id);
      if (!seen.insert(at).second) continue;
      for (int64_t next : tasks_.at(at).depends_on) stack.push_back(next);
    }
  }
  if (existing != nullptr && existing->kind != task.kind) return internal::key_conflict();
  if (existing != nullptr && !task.cron.empty()) {
    auto found = dependents_.find(existing->id);
    if (found != dependents_.end()) {
      for (int64_t child : found->second) {
        if (live(tasks_.at(child).state)) return internal::cron_with_dependents(existing->id);
      }
    }
  }
  bool cancel_now =
      dependency_failed && task.on_dependency_failure == jobs::DependencyFailure::kCancel;

  if (existing != nullptr) {
    Task& t = *existing;
    for (int64_t dep : t.depends_on) dependents_[dep].erase(t.id);
    assign(t, task);
    t.depends_on = task.depends_on;
    for (int64_t dep : t.depends_on) dependents_[dep].insert(t.id);
    std::vector<int64_t> cancelled;
    if (t.state == TaskState::kRunning) {
      t.rerun_requested = true;
    } else if (cancel_now) {
      t.state = TaskState::kCancelled;
      t.errors.push_back(internal::dependency_failed_error(failed_dep));
      live_keys_.erase(t.key);
      cancel_dependents(t.id, task.now, cancelled);
    } else {
      t.run_at = task.run_at;
    }
    return jobs::EnqueueOutcome{t.id, false, t.state};
  }

  Task t;
  t.id = next_id_++;
  t.kind = task.kind;
  t.key = task.key;
  assign(t, task);
  t.run_at = task.run_at;
  t.created_at = task.now;
  t.depends_on = task.depends_on;
  if (cancel_now) {
    t.state = TaskState::kCancelled;
    t.errors.push_back(internal::dependency_failed_error(failed_dep));
  } else if (!t.key.empty()) {
    live_keys_[t.key] = t.id;
  }
  for (int64_t dep : t.depends_on) dependents_[dep].insert(t.id);
  jobs::EnqueueOutcome outcome{t.id, true, t.state};
  tasks_.emplace(t.id, std::move(t));
  return outcome;
}

Result<std::optional<Task>> MemoryJobStore::get(int64_t id) {
  std::lock_guard lock(mu_);
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return std::optional<Task>();
  return std::optional<Task>(it->second);
}

// claim() picks and marks the task under mu_, the one mutex every method of this store takes,
// so no two workers get the same task and a kind's cap counts every running task. A memory:
// store lives in one process, so "across processes" does not arise here; the SQLite store gets
// the same guarantee from BEGIN IMMEDIATE (see its claim()).
Result<std::optional<Task>> MemoryJobStore::claim(const jobs::ClaimRequest& request) {
  std::lock_guard lock(mu_);
  std::map<std::string, int32_t, std::less<>> running;
  if (!request.kind_limits.empty()) {
    for (const auto& [id, t] : tasks_) {
      if (t.state == TaskState::kRunning) ++running[t.kind];
    }
  }
  Task* best = nullptr;
  for (auto& [id, t] : tasks_) {
    if (t.state != TaskState::kPending || t.run_at > request.now) continue;
    if ((request.priorities & (1U << static_cast<unsigned>(t.priority))) == 0) continue;
    if (std::find(request.kinds.begin(), request.kinds.end(), t.kind) == request.kinds.end()) {
      continue;
    }
    if (auto limit = request.kind_limits.find(t.kind);
        limit != request.kind_limits.end() && running[t.kind] >= limit->second) {
      continue;
    }
    if (!due(t)) continue;
    if (best == nullptr || t.priority < best->priority ||
        (t.priority == best->priority && t.run_at < best->run_at)) {
      best = &t;  // ids ascend in map order, so ties keep the lower id
    }
  }
  if (best == nullptr) return std::optional<Task>();
  best->state = TaskState::kRunning;
  best->attempts += 1;
  best->worker = request.worker;
  best->lease_expires = request.lease_expires;
  best->run_at = request.now;
  best->updated_at = request.now;
  best->cancel_requested = false;
  best->rerun_requested = false;
  return std::optional<Task>(*best);
}

Result<jobs::Transition> MemoryJobStore::settle(int64_t id, std::string_view worker,
                                                int32_t attempt,
                                                const jobs::Settlement& settlement) {
  std::lock_guard lock(mu_);
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return internal::task_not_found(id);
  Task& t = it->second;
  if (t.state != TaskState::kRunning || t.worker != worker || t.attempts != attempt ||
      (settlement.rescue && t.lease_expires >= settlement.now)) {
    return internal::lease_lost(id);
  }
  internal::SettledState to =
      internal::settled_state(t.cancel_requested, t.rerun_requested, settlement.outcome);
  using Outcome = jobs::Settlement::Outcome;
  if (!settlement.error.empty()) {
    t.errors.push_back(settlement.error);
  } else if (to.state == TaskState::kCancelled) {
    t.errors.push_back(internal::cancelled_error());
  }
  if (settlement.outcome == Outcome::kDone ||
      (settlement.outcome == Outcome::kReschedule && settlement.error.empty())) {
    t.output = settlement.output;
  }
  t.state = to.state;
  t.worker.clear();
  t.cancel_requested = false;
  t.rerun_requested = false;
  t.updated_at = settlement.now;
  if (to.rerun || settlement.outcome == Outcome::kReschedule) t.failures = 0;
  if ((settlement.outcome == Outcome::kRetry || settlement.outcome == Outcome::kFailed) &&
      !to.rerun) {
    t.failures += 1;
  }
  if (to.state == TaskState::kPending) t.run_at = to.rerun ? settlement.now : settlement.next_run;
  jobs::Transition out;
  if (!live(to.state) && !t.key.empty()) live_keys_.erase(t.key);
  if (to.state == TaskState::kFailed || to.state == TaskState::kCancelled) {
    cancel_dependents(id, settlement.now, out.cancelled);
  }
  out.task = t;
  out.changed = true;
  return out;
}

Result<jobs::Transition> MemoryJobStore::cancel(int64_t id, Timestamp now) {
  std::lock_guard lock(mu_);
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return internal::task_not_found(id);
  Task& t = it->second;
  jobs::Transition out;
  if (t.state == TaskState::kPending) {
    t.state = TaskState::kCancelled;
    t.errors.push_back(internal::cancelled_error());
    t.updated_at = now;
    if (!t.key.empty()) live_keys_.erase(t.key);
    cancel_dependents(id, now, out.cancelled);
    out.changed = true;
  } else if (t.state == TaskState::kRunning) {
    t.cancel_requested = true;
    t.rerun_requested = false;
    t.updated_at = now;
    out.changed = true;
  }
  out.task = t;
  return out;
}

Result<std::vector<jobs::Renewal>> MemoryJobStore::renew(
    std::string_view worker, const std::vector<std::pair<int64_t, int32_t>>& runs, Timestamp now,
    Timestamp lease_expires) {
  std::lock_guard lock(mu_);
  std::vector<jobs::Renewal> renewed;
  for (const auto& [id, attempt] : runs) {
    auto it = tasks_.find(id);
    if (it == tasks_.end()) continue;
    Task& t = it->second;
    if (t.state != TaskState::kRunning || t.worker != worker || t.attempts != attempt ||
        t.lease_expires < now) {
      continue;
    }
    t.lease_expires = lease_expires;
    renewed.push_back({id, t.cancel_requested});
  }
  return renewed;
}

Result<std::vector<Task>> MemoryJobStore::expired(Timestamp now, int32_t limit) {
  std::lock_guard lock(mu_);
  std::vector<Task> out;
  for (const auto& [id, t] : tasks_) {
    if (static_cast<int32_t>(out.size()) >= limit) break;
    if (t.state == TaskState::kRunning && t.lease_expires < now) out.push_back(t);
  }
  return out;
}

Result<std::optional<Timestamp>> MemoryJobStore::next_run_at(
    uint32_t priorities, const std::vector<std::string>& kinds) {
  std::lock_guard lock(mu_);
  std::optional<Timestamp> best;
  for (const auto& [id, t] : tasks_) {
    if (t.state != TaskState::kPending) continue;
    if ((priorities & (1U << static_cast<unsigned>(t.priority))) == 0) continue;
    if (std::find(kinds.begin(), kinds.end(), t.kind) == kinds.end()) continue;
    if (!best || t.run_at < *best) best = t.run_at;
  }
  return best;
}

Result<int64_t> MemoryJobStore::purge_finished(Timestamp finished_before, std::string_view kind,
                                               int32_t limit) {
  std::lock_guard lock(mu_);
  auto has_live_dependent = [&](int64_t id) {
    auto found = dependents_.find(id);
    if (found == dependents_.end()) return false;
    return std::any_of(found->second.begin(), found->second.end(),
                       [&](int64_t child) { return live(tasks_.at(child).state); });
  };
  // The newest task stays, as on SQLite, where it keeps ids from being handed out again.
  const int64_t newest = tasks_.empty() ? 0 : tasks_.rbegin()->first;
  std::vector<std::pair<Timestamp, int64_t>> candidates;
  for (const auto& [id, t] : tasks_) {
    if (id == newest || live(t.state) || t.updated_at >= finished_before) continue;
    if (!kind.empty() && t.kind != kind) continue;
    if (has_live_dependent(id)) continue;
    candidates.emplace_back(t.updated_at, id);
  }
  // Oldest first, as the SQLite store reads its index.
  const auto count = std::min(candidates.size(), static_cast<size_t>(std::max(limit, 0)));
  std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(count),
                    candidates.end());
  std::vector<int64_t> doomed;
  doomed.reserve(count);
  for (size_t i = 0; i < count; ++i) doomed.push_back(candidates[i].second);
  // Unlinks each doomed task both ways, as the SQLite store deletes its jobs_dependencies rows:
  // a finished dependent that stays forgets it.
  for (int64_t id : doomed) {
    auto it = tasks_.find(id);
    for (int64_t dep : it->second.depends_on) {
      auto found = dependents_.find(dep);
      if (found == dependents_.end()) continue;
      found->second.erase(id);
      if (found->second.empty()) dependents_.erase(found);
    }
    if (auto found = dependents_.find(id); found != dependents_.end()) {
      for (int64_t child : found->second) {
        std::vector<int64_t>& deps = tasks_.at(child).depends_on;
        deps.erase(std::remove(deps.begin(), deps.end(), id), deps.end());
      }
      dependents_.erase(found);
    }
    tasks_.erase(it);
  }
  return static_cast<int64_t>(doomed.size());
}

Result<std::vector<Task>> MemoryJobStore::list(const jobs::TaskQuery& query) {
  std::lock_guard lock(mu_);
  std::vector<Task> out;
  for (auto it = tasks_.upper_bound(query.after_id);
       it != tasks_.end() && static_cast<int32_t>(out.size()) < query.limit; ++it) {
    const Task& t = it->second;
    if (!query.kind.empty() && t.kind != query.kind) continue;
    if (!query.key_prefix.empty() && !t.key.starts_with(query.key_prefix)) continue;
    if (query.state && !in_state(t, *query.state, query.now)) continue;
    out.push_back(t);
  }
  return out;
}

Result<jobs::TaskCounts> MemoryJobStore::counts(Timestamp now) {
  std::lock_guard lock(mu_);
  jobs::TaskCounts c;
  for (const auto& [id, t] : tasks_) {
    switch (t.state) {
      case TaskState::kPending:
        ++c.pending;
        if (!due(t)) {
          ++c.blocked;
        } else if (t.run_at > now) {
          ++c.scheduled;
        }
        break;
      case TaskState::kRunning:
        ++c.running;
        if (t.lease_expires < now) ++c.lease_expired;
        break;
      case TaskState::kDone:
        ++c.done;
        break;
      case TaskState::kFailed:
        ++c.failed;
        break;
      case TaskState::kCancelled:
        ++c.cancelled;
        break;
    }
  }
  return c;
}

}  // namespace cairn::storage::memory
