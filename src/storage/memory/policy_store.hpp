// The memory: backend's PolicyStore.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "cairn/access/store.hpp"

namespace cairn::storage::memory {

class MemoryPolicyStore final : public access::PolicyStore {
 public:
  Status put(std::string_view tenant, std::string_view document, Timestamp at) override;
  Result<std::optional<std::string>> get(std::string_view tenant) override;
  Result<bool> remove(std::string_view tenant) override;
  Result<std::vector<std::string>> tenants() override;

 private:
  std::mutex mu_;
  std::map<std::string, std::string, std::less<>> documents_;
};

}  // namespace cairn::storage::memory
