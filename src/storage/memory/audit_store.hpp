// The memory: backend's AuditStore: every log in process memory under one mutex.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "cairn/audit/store.hpp"

namespace cairn::storage::memory {

class MemoryAuditStore final : public audit::AuditStore {
 public:
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
  struct Log {
    audit::LogKeys keys;
    audit::LogHead head;
    std::vector<audit::StoredEntry> entries;
    std::vector<std::vector<audit::Hash>> levels;
  };
  Result<Log*> find(std::string_view log);

  std::mutex mu_;
  std::map<std::string, Log, std::less<>> logs_;
};

}  // namespace cairn::storage::memory
