#include "storage/memory/meta_store.hpp"

#include "storage/internal/meta_errors.hpp"

namespace cairn::storage::memory {

Result<std::string> MemoryMetaStore::do_get(std::string_view key) {
  std::lock_guard lock(mu_);
  auto it = values_.find(key);
  if (it == values_.end()) return internal::meta_not_found(key);
  return it->second;
}

Result<std::string> MemoryMetaStore::do_put_if_absent(std::string_view key,
                                                      std::string_view value) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = values_.try_emplace(std::string(key), value);
  return it->second;
}

Status MemoryMetaStore::do_put(std::string_view key, std::string_view value) {
  std::lock_guard lock(mu_);
  values_.insert_or_assign(std::string(key), std::string(value));
  return ok_status();
}

Result<bool> MemoryMetaStore::do_erase(std::string_view key) {
  std::lock_guard lock(mu_);
  auto it = values_.find(key);
  if (it == values_.end()) return false;
  values_.erase(it);
  return true;
}

Result<std::vector<std::pair<std::string, std::string>>> MemoryMetaStore::do_list(
    std::string_view prefix) {
  std::lock_guard lock(mu_);
  std::vector<std::pair<std::string, std::string>> out;
  for (auto it = values_.lower_bound(prefix); it != values_.end() && it->first.starts_with(prefix);
       ++it) {
    out.emplace_back(it->first, it->second);
  }
  return out;
}

}  // namespace cairn::storage::memory
