// Loading published test vectors from tests/data (see tests/data/README.md for their sources).
#pragma once

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "cairn/core/bytes.hpp"
#include "cairn/core/encoding.hpp"

namespace cairn::testing {

// The parsed JSON file tests/data/<name>.
inline nlohmann::json load_vectors(const std::string& name) {
  std::ifstream in(std::string(CAIRN_TEST_DATA_DIR) + "/" + name);
  if (!in) throw std::runtime_error("missing test data file " + name);
  return nlohmann::json::parse(in);
}

// The bytes spelled by a hex string from a vector file.
inline Bytes unhex(const std::string& hex) { return encoding::hex_decode(hex).value(); }

}  // namespace cairn::testing
