// Errors every MetaStore backend reports the same way.
#pragma once

#include <string>
#include <string_view>

#include "cairn/core/result.hpp"

namespace cairn::storage::internal {

inline Unexpected<Error> meta_not_found(std::string_view key) {
  return fail(ErrorCode::kNotFound, "STORAGE_META_NOT_FOUND",
              "no setting named '" + std::string(key) + "'");
}

}  // namespace cairn::storage::internal
