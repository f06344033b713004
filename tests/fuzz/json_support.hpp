// What the JSON-reading fuzz targets (jsonrpc, records_json, mcp_schema) check values with: the
// depth of a parsed value and exact equality of two, both independent of the code under test.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

namespace cairn::fuzz {

// How deep `value` nests (a scalar 0, "[]" 1), without recursion.
inline std::size_t json_depth(const nlohmann::json& value) {
  std::size_t deepest = 0;
  std::vector<std::pair<const nlohmann::json*, std::size_t>> stack{{&value, 0}};
  while (!stack.empty()) {
    auto [node, depth] = stack.back();
    stack.pop_back();
    if (!node->is_structured()) continue;
    deepest = std::max(deepest, depth + 1);
    for (const nlohmann::json& child : *node) stack.emplace_back(&child, depth + 1);
  }
  return deepest;
}

// Exact equality of two parsed values: the same type family (a signed and an unsigned integer of
// the same value are equal; an integer and a float never are), the same doubles (and signs of
// zero), the same members in the same order. nlohmann's operator== is not used for numbers: it
// calls -1 equal to 18446744073709551615. Recursive, so only for values of bounded depth.
inline bool same_json(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.is_number_integer() && b.is_number_integer()) {
    if (a.is_number_unsigned() != b.is_number_unsigned()) {
      const nlohmann::json& s = a.is_number_unsigned() ? b : a;
      const nlohmann::json& u = a.is_number_unsigned() ? a : b;
      return s.get<std::int64_t>() >= 0 &&
             static_cast<std::uint64_t>(s.get<std::int64_t>()) == u.get<std::uint64_t>();
    }
    return a.is_number_unsigned() ? a.get<std::uint64_t>() == b.get<std::uint64_t>()
                                  : a.get<std::int64_t>() == b.get<std::int64_t>();
  }
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case nlohmann::json::value_t::number_float: {
      const double x = a.get<double>();
      const double y = b.get<double>();
      return x == y && std::signbit(x) == std::signbit(y);
    }
    case nlohmann::json::value_t::object: {
      if (a.size() != b.size()) return false;
      auto i = a.begin();
      auto j = b.begin();
      for (; i != a.end(); ++i, ++j) {
        if (i.key() != j.key() || !same_json(i.value(), j.value())) return false;
      }
      return true;
    }
    case nlohmann::json::value_t::array: {
      if (a.size() != b.size()) return false;
      for (std::size_t k = 0; k < a.size(); ++k) {
        if (!same_json(a[k], b[k])) return false;
      }
      return true;
    }
    default:
      return a == b;
  }
}

}  // namespace cairn::fuzz
