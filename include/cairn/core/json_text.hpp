// Checks on JSON text made before it is parsed, shared by every part of cairn that takes JSON
// from outside (request bodies, cairn::mcp's JSON-RPC codec, records values, audit details and
// exports, policies, secrets documents).
//
// nlohmann/json parses without recursion, but copying, printing and comparing a parsed value
// recurse once per level: a megabyte of '[' parses fine and overflows the stack later, far from
// the input. And its parser takes a NUL byte for the end of the text, so "{}\0garbage" would
// read as "{}". Callers therefore ask json_text_refusal() before parsing.
//
// Thread-safety: pure functions of their arguments.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace cairn {

// True when the arrays and objects of `text` (brackets outside strings) nest deeper than
// `limit`. A single linear scan; malformed text is not diagnosed here (the parser does that), so
// false does not mean the text is valid JSON.
bool json_nested_deeper_than(std::string_view text, std::size_t limit) noexcept;

// The nesting cairn accepts in JSON from outside where a caller has no tighter limit of its own.
inline constexpr std::size_t kMaxJsonNesting = 128;

// Why `text` must not be given to the JSON parser -- "it contains a NUL byte" or "it nests deeper
// than N levels" -- or nullopt when it may be. For the caller's error message.
std::optional<std::string> json_text_refusal(std::string_view text,
                                             std::size_t max_depth = kMaxJsonNesting);

}  // namespace cairn
