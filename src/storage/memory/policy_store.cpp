#include "storage/memory/policy_store.hpp"

namespace cairn::storage::memory {

Status MemoryPolicyStore::put(std::string_view tenant, std::string_view document, Timestamp) {
  std::lock_guard lock(mu_);
  documents_.insert_or_assign(std::string(tenant), std::string(document));
  return ok_status();
}

Result<std::optional<std::string>> MemoryPolicyStore::get(std::string_view tenant) {
  std::lock_guard lock(mu_);
  auto it = documents_.find(tenant);
  if (it == documents_.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

Result<bool> MemoryPolicyStore::remove(std::string_view tenant) {
  std::lock_guard lock(mu_);
  auto it = documents_.find(tenant);
  if (it == documents_.end()) return false;
  documents_.erase(it);
  return true;
}

Result<std::vector<std::string>> MemoryPolicyStore::tenants() {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [tenant, document] : documents_) out.push_back(tenant);
  return out;
}

}  // namespace cairn::storage::memory
