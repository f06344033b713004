#include "storage/memory/audit_store.hpp"

#include <algorithm>

#include "storage/internal/audit_errors.hpp"

namespace cairn::storage::memory {

using audit::Hash;
using audit::StoredEntry;

Result<MemoryAuditStore::Log*> MemoryAuditStore::find(std::string_view log) {
  auto it = logs_.find(log);
  if (it == logs_.end()) return internal::audit_log_not_found(log);
  return &it->second;
}

Result<audit::LogKeys> MemoryAuditStore::open_log(std::string_view log,
                                                  const audit::LogKeys& fresh) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = logs_.try_emplace(std::string(log));
  if (inserted) it->second.keys = fresh;
  return it->second.keys;
}

Result<bool> MemoryAuditStore::replace_keys(std::string_view log, const audit::LogKeys& current,
                                            const audit::LogKeys& replacement) {
  std::lock_guard lock(mu_);
  CAIRN_ASSIGN_OR_RETURN(Log * l, find(log));
  if (l->keys.signing_key_pem != current.signing_key_pem ||
      l->keys.redaction_key != current.redaction_key) {
    return false;
  }
  l->keys.signing_key_pem = replacement.signing_key_pem;
  l->keys.redaction_key = replacement.redaction_key;
  return true;
}

Result<audit::LogHead> MemoryAuditStore::head(std::string_view log) {
  std::lock_guard lock(mu_);
  CAIRN_ASSIGN_OR_RETURN(Log * l, find(log));
  return l->head;
}

Result<audit::LogHead> MemoryAuditStore::append(std::string_view log, const Planner& plan) {
  std::lock_guard lock(mu_);
  CAIRN_ASSIGN_OR_RETURN(Log * l, find(log));
  CAIRN_ASSIGN_OR_RETURN(audit::AppendPlan p, plan(l->head));
  // The plan is complete before anything changes, so a failed planner leaves the log as it was.
  for (const auto& n : p.nodes) {
    if (l->levels.size() <= n.level) l->levels.resize(n.level + 1);
    auto& level = l->levels[n.level];
    if (level.size() <= n.index) level.resize(n.index + 1);
    level[n.index] = n.hash;
  }
  for (StoredEntry& e : p.entries) l->entries.push_back(std::move(e));
  l->head = std::move(p.head);
  return l->head;
}

Result<StoredEntry> MemoryAuditStore::entry(std::string_view log, uint64_t seq) {
  std::lock_guard lock(mu_);
  CAIRN_ASSIGN_OR_RETURN(Log * l, find(log));
  if (seq >= l->entries.size()) return internal::audit_entry_not_found(seq);
  return l->entries[seq];
}

Result<std::vector<StoredEntry>> MemoryAuditStore::scan(std::string_view log, uint64_t from_seq,
                                                        size_t limit) {
  std::lock_guard lock(mu_);
  CAIRN_ASSIGN_OR_RETURN(Log * l, find(log));
  std::vector<StoredEntry> out;
  for (uint64_t i = from_seq; i < l->entries.size() && out.size() < limit; ++i) {
    out.push_back(l->entries[i]);
  }
  return out;
}

Result<std::vector<StoredEntry>> MemoryAuditStore::query(std::string_view log,
                                                         const audit::EntryQuery& q) {
  std::lock_guard lock(mu_);
  CAIRN_ASSIGN_OR_RETURN(Log * l, find(log));
  std::vector<StoredEntry> out;
  uint64_t start = q.after_seq ? *q.after_seq + 1 : 0;
  for (uint64_t i = start; i < l->entries.size() && out.size() < q.limit; ++i) {
    const audit::Entry& e = l->entries[i].entry;
    if ((q.actor_id && e.actor_id != *q.actor_id) || (q.action && e.action != *q.action) ||
        (q.resource_id && e.resource_id != *q.resource_id) || (q.since && e.time < *q.since) ||
        (q.until && e.time >= *q.until)) {
      continue;
    }
    out.push_back(l->entries[i]);
  }
  return out;
}

Result<Hash> MemoryAuditStore::node(std::string_view log, uint32_t level, uint64_t index) {
  std::lock_guard lock(mu_);
  CAIRN_ASSIGN_OR_RETURN(Log * l, find(log));
  if (level >= l->levels.size() || index >= l->levels[level].size()) {
    return internal::audit_node_missing(level, index);
  }
  return l->levels[level][index];
}

Result<std::vector<Hash>> MemoryAuditStore::nodes(std::string_view log, uint32_t level,
                                                  uint64_t index, size_t count) {
  std::lock_guard lock(mu_);
  CAIRN_ASSIGN_OR_RETURN(Log * l, find(log));
  std::vector<Hash> out;
  if (level >= l->levels.size()) return out;
  const auto& row = l->levels[level];
  for (uint64_t i = index; i < row.size() && out.size() < count; ++i) out.push_back(row[i]);
  return out;
}

}  // namespace cairn::storage::memory
