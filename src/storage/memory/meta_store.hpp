// The memory: backend's MetaStore: a sorted map under a mutex.
#pragma once

#include <map>
#include <mutex>

#include "cairn/storage/meta_store.hpp"

namespace cairn::storage::memory {

class MemoryMetaStore final : public MetaStore {
 protected:
  Result<std::string> do_get(std::string_view key) override;
  Result<std::string> do_put_if_absent(std::string_view key, std::string_view value) override;
  Status do_put(std::string_view key, std::string_view value) override;
  Result<bool> do_erase(std::string_view key) override;
  Result<std::vector<std::pair<std::string, std::string>>> do_list(
      std::string_view prefix) override;

 private:
  std::mutex mu_;
  std::map<std::string, std::string, std::less<>> values_;
};

}  // namespace cairn::storage::memory
