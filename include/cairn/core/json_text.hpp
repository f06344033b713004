// Checks on JSON text made before it is parsed, shared by every part of cairn that takes JSON
// from outside (cairn::mcp's JSON-RPC codec, records values).
//
// nlohmann/json parses without recursion, but copying, printing and comparing a parsed value
// recurse once per level: a megabyte of '[' parses fine and overflows the stack later, far from
// the input. Callers therefore refuse text nested deeper than their limit before parsing it.
//
// Thread-safety: pure functions of their arguments.
#pragma once

#include <cstddef>
#include <string_view>

namespace cairn {

// True when the arrays and objects of `text` (brackets outside strings) nest deeper than
// `limit`. A single linear scan; malformed text is not diagnosed here (the parser does that), so
// false does not mean the text is valid JSON.
bool json_nested_deeper_than(std::string_view text, std::size_t limit) noexcept;

}  // namespace cairn
