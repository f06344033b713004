// Handing JSON records out through the C ABI: the one place that turns a Result of a record (or
// a list of records) into a malloc'd JSON string for the caller, or into the thread's last error.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "common.hpp"

namespace cairn::capi {

using Json = nlohmann::ordered_json;

// Puts the JSON of a successful `result` in *out (freed with cairn_free), or sets its error.
template <class T, class ToJson>
cairn_status hand_out_json(const Result<T>& result, char** out, ToJson to_json) {
  if (!result) return set_error(result.error());
  *out = copy_string(to_json(*result).dump());
  return set_ok();
}

// The same for a list: a JSON array of to_json(item).
template <class T, class ToJson>
cairn_status hand_out_array(const Result<std::vector<T>>& result, char** out, ToJson to_json) {
  if (!result) return set_error(result.error());
  Json array = Json::array();
  for (const T& item : *result) array.push_back(to_json(item));
  *out = copy_string(array.dump());
  return set_ok();
}

}  // namespace cairn::capi
