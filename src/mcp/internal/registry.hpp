// The registry behind cairn::mcp::Server (server.hpp): registered tools with their compiled
// schemas, resources, resource templates, the dialect, and the sessions that are open. Shared by
// server.cpp (registration, session bookkeeping) and session.cpp (dispatch).
//
// Thread-safety: everything but `sessions` is written only while registering (before the first
// session opens, as server.hpp requires) and read without locks afterwards; `sessions` is guarded
// by `mutex`.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cairn/mcp/resource.hpp"
#include "cairn/mcp/schema.hpp"
#include "cairn/mcp/server.hpp"
#include "cairn/mcp/tool.hpp"

namespace cairn::mcp {

struct RegisteredTool {
  Tool tool;
  Schema input;
  std::optional<Schema> output;
  nlohmann::json listing;  // its tools/list entry, built once
};

// One piece of a resource template: literal text, or a {name} part.
struct TemplatePiece {
  std::string text;  // the literal, or the part's name
  bool is_part = false;
};

struct RegisteredTemplate {
  ResourceTemplate resource_template;
  std::vector<TemplatePiece> pieces;
  nlohmann::json listing;
};

struct RegisteredResource {
  Resource resource;
  nlohmann::json listing;
};

// Hashes std::string and std::string_view alike, so lookups by string_view do not allocate.
struct TransparentHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const noexcept {
    return std::hash<std::string_view>{}(text);
  }
};

struct Server::Registry {
  std::vector<RegisteredTool> tools;  // in registration order
  std::unordered_map<std::string, std::size_t, TransparentHash, std::equal_to<>> tool_index;
  std::vector<RegisteredResource> resources;
  std::unordered_map<std::string, std::size_t, TransparentHash, std::equal_to<>> resource_index;
  std::vector<RegisteredTemplate> templates;
  Dialect dialect;

  mutable std::mutex mutex;  // guards `sessions`
  std::vector<std::weak_ptr<Session>> sessions;
};

// The longest URI matched against a resource template; a longer one matches none (resources/read
// and resources/subscribe answer it as not found).
inline constexpr std::size_t kMaxTemplateUriBytes = 4096;

// Matches `uri` against a template's pieces; fills `parts` and returns true on a match. Each part
// takes one or more characters other than '/'. One pass, no backtracking: a part followed by a
// literal ends at that literal's first occurrence, except before the template's last literal,
// which is anchored at the end of the URI; a URI over kMaxTemplateUriBytes never matches.
bool match_template(const std::vector<TemplatePiece>& pieces, std::string_view uri,
                    std::map<std::string, std::string, std::less<>>& parts);

}  // namespace cairn::mcp
