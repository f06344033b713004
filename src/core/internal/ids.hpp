// Random identifiers for stored rows: 16 bytes from the Env as 32 lower-case hex characters.
#pragma once

#include <array>
#include <string>

#include "cairn/core/encoding.hpp"
#include "cairn/core/env.hpp"

namespace cairn::internal {

inline std::string random_hex_id(Env& env) {
  std::array<uint8_t, 16> bytes{};
  env.random_bytes(bytes);
  return encoding::hex_encode(bytes);
}

}  // namespace cairn::internal
