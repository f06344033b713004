// cairn::access::PolicyStore: each tenant's policy document, one per tenant. Implementations for
// memory: and sqlite: (src/storage/*/policy_store.cpp), checked by one conformance suite. Stores
// keep documents as given (already validated and canonical); AccessService does the validating.
//
// Thread-safety: every implementation is safe for concurrent use.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/core/env.hpp"
#include "cairn/core/result.hpp"

namespace cairn::access {

class PolicyStore {
 public:
  virtual ~PolicyStore() = default;
  // Stores (or replaces) the tenant's document.
  virtual Status put(std::string_view tenant, std::string_view document, Timestamp at) = 0;
  // The tenant's document, or nullopt when it has none.
  virtual Result<std::optional<std::string>> get(std::string_view tenant) = 0;
  // Removes the tenant's document; false when there was none.
  virtual Result<bool> remove(std::string_view tenant) = 0;
  // Every tenant with a document, in order.
  virtual Result<std::vector<std::string>> tenants() = 0;
};

}  // namespace cairn::access
