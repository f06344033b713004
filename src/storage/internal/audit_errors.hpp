// Errors every AuditStore backend reports the same way.
#pragma once

#include <string>
#include <string_view>

#include "cairn/core/result.hpp"

namespace cairn::storage::internal {

inline Unexpected<Error> audit_log_not_found(std::string_view log) {
  return fail(ErrorCode::kNotFound, "AUDIT_LOG_NOT_FOUND",
              "no audit log named '" + std::string(log) + "'");
}

inline Unexpected<Error> audit_entry_not_found(uint64_t seq) {
  return fail(ErrorCode::kNotFound, "AUDIT_ENTRY_NOT_FOUND",
              "no audit entry with sequence number " + std::to_string(seq));
}

inline Unexpected<Error> audit_node_missing(uint32_t level, uint64_t index) {
  return fail(ErrorCode::kDataLoss, "AUDIT_NODE_MISSING",
              "the audit tree node at level " + std::to_string(level) + " index " +
                  std::to_string(index) + " is missing");
}

}  // namespace cairn::storage::internal
