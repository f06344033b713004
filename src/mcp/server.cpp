// cairn::mcp::Server: version negotiation, error text, and the registry of tools and resources
// (server.hpp). Sessions live in session.cpp.
#include "cairn/mcp/server.hpp"

#include <algorithm>
#include <utility>

#include "cairn/core/encoding.hpp"
#include "cairn/crypto/random.hpp"
#include "cairn/version.h"
#include "mcp/internal/registry.hpp"
#include "mcp/internal/session_state.hpp"

namespace cairn::mcp {
namespace {

constexpr std::size_t kMaxToolNameLength = 128;
constexpr std::size_t kSessionIdBytes = 16;

bool valid_tool_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxToolNameLength) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
}

nlohmann::json tool_listing(const Tool& tool) {
  nlohmann::json out = nlohmann::json::object();
  out["name"] = tool.name;
  if (!tool.title.empty()) out["title"] = tool.title;
  out["description"] = tool.description;
  out["inputSchema"] = tool.input_schema;
  if (tool.output_schema) out["outputSchema"] = *tool.output_schema;
  nlohmann::json annotations = nlohmann::json::object();
  annotations["readOnlyHint"] = tool.annotations.read_only_hint.value_or(tool.read_only);
  if (tool.annotations.destructive_hint) {
    annotations["destructiveHint"] = *tool.annotations.destructive_hint;
  }
  if (tool.annotations.idempotent_hint) {
    annotations["idempotentHint"] = *tool.annotations.idempotent_hint;
  }
  if (tool.annotations.open_world_hint) {
    annotations["openWorldHint"] = *tool.annotations.open_world_hint;
  }
  out["annotations"] = std::move(annotations);
  return out;
}

// {uri|uriTemplate, name, title?, description?, mimeType?}
nlohmann::json resource_listing(std::string_view uri_key, const std::string& uri,
                                const std::string& name, const std::string& title,
                                const std::string& description, const std::string& mime_type) {
  nlohmann::json out = nlohmann::json::object();
  out[std::string(uri_key)] = uri;
  out["name"] = name;
  if (!title.empty()) out["title"] = title;
  if (!description.empty()) out["description"] = description;
  if (!mime_type.empty()) out["mimeType"] = mime_type;
  return out;
}

Unexpected<Error> template_invalid(std::string_view why) {
  return fail(ErrorCode::kInvalidArgument, "MCP_RESOURCE_INVALID",
              "invalid resource template: " + std::string(why));
}

// Splits "cairn://jobs/{id}" into literal and part pieces.
Result<std::vector<TemplatePiece>> parse_template(std::string_view text) {
  if (text.empty()) return template_invalid("the template is empty");
  std::vector<TemplatePiece> pieces;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t open = text.find_first_of("{}", pos);
    if (open == std::string_view::npos) {
      pieces.push_back({std::string(text.substr(pos)), false});
      break;
    }
    if (text[open] == '}') return template_invalid("unbalanced '}'");
    if (open > pos) pieces.push_back({std::string(text.substr(pos, open - pos)), false});
    std::size_t close = text.find_first_of("{}", open + 1);
    if (close == std::string_view::npos || text[close] == '{') {
      return template_invalid("unbalanced '{'");
    }
    if (close == open + 1) return template_invalid("a part has no name");
    if (!pieces.empty() && pieces.back().is_part) {
      return template_invalid("two parts side by side");
    }
    pieces.push_back({std::string(text.substr(open + 1, close - open - 1)), true});
    pos = close + 1;
  }
  return pieces;
}

// Matches in one pass, without backtracking: a part followed by a literal ends at the first
// occurrence of that literal (at least one character in), except that a template's last literal
// is anchored at the end of the URI; a part at the end takes the rest. A part never spans '/'.
// Work is O(uri size x literal size) for each piece.
bool match_pieces(const std::vector<TemplatePiece>& pieces, std::string_view uri,
                  std::map<std::string, std::string, std::less<>>& parts) {
  std::size_t pos = 0;
  for (std::size_t index = 0; index < pieces.size(); ++index) {
    const TemplatePiece& piece = pieces[index];
    std::string_view rest = uri.substr(pos);
    if (!piece.is_part) {
      if (!rest.starts_with(piece.text)) return false;
      pos += piece.text.size();
      continue;
    }
    const std::size_t slash = std::min(rest.find('/'), rest.size());
    std::size_t length = 0;
    if (index + 1 == pieces.size()) {
      length = rest.size();  // the last part takes the rest
    } else {
      const std::string& next = pieces[index + 1].text;  // parts never sit side by side
      if (index + 2 == pieces.size()) {
        // The last literal: anchored at the end.
        if (rest.size() < next.size() || !rest.ends_with(next)) return false;
        length = rest.size() - next.size();
      } else {
        // Only the window the part may cover (it stops at the first '/').
        std::string_view window = rest.substr(0, std::min(rest.size(), slash + next.size()));
        std::size_t found = window.size() > 1 ? window.find(next, 1) : std::string_view::npos;
        if (found == std::string_view::npos) return false;
        length = found;
      }
    }
    if (length == 0 || length > slash) return false;
    parts[piece.text] = std::string(rest.substr(0, length));
    pos += length;
  }
  return pos == uri.size();
}

}  // namespace

bool match_template(const std::vector<TemplatePiece>& pieces, std::string_view uri,
                    std::map<std::string, std::string, std::less<>>& parts) {
  parts.clear();
  if (uri.size() > kMaxTemplateUriBytes) return false;
  if (match_pieces(pieces, uri, parts)) return true;
  parts.clear();
  return false;
}

std::string_view negotiate_version(std::string_view requested) noexcept {
  return supported_version(requested) ? requested : kProtocolVersions.back();
}

bool supported_version(std::string_view version) noexcept {
  return std::find(kProtocolVersions.begin(), kProtocolVersions.end(), version) !=
         kProtocolVersions.end();
}

bool batches_allowed(std::string_view version) noexcept { return version == "2025-03-26"; }

std::string error_text(const Error& error) {
  std::string out(code_name(error.code));
  out += ' ';
  out += error.reason;
  out += ": ";
  if (http_status(error.code) >= 500 && error.code != ErrorCode::kUnavailable) {
    out += "internal error";
  } else {
    out += error.message;
  }
  return out;
}

Server::Server(ServerOptions options)
    : options_(std::move(options)), registry_(std::make_unique<Registry>()) {
  if (options_.info.version.empty()) options_.info.version = CAIRN_VERSION_STRING;
}

Server::~Server() = default;

Status Server::add_tool(Tool tool) {
  if (!valid_tool_name(tool.name)) {
    return fail(ErrorCode::kInvalidArgument, "MCP_TOOL_INVALID",
                "a tool name is 1-128 characters of [A-Za-z0-9_.-]");
  }
  if (!tool.handler) {
    return fail(ErrorCode::kInvalidArgument, "MCP_TOOL_INVALID",
                "tool " + tool.name + " has no handler");
  }
  const nlohmann::json& input_schema = tool.input_schema;
  auto type = input_schema.is_object() ? input_schema.find("type") : input_schema.end();
  if (!input_schema.is_object() || type == input_schema.end() || !type->is_string() ||
      type->get_ref<const std::string&>() != "object") {
    return fail(ErrorCode::kInvalidArgument, "MCP_TOOL_INVALID",
                "the input schema of tool " + tool.name + " must have type \"object\"");
  }
  CAIRN_ASSIGN_OR_RETURN(Schema input, Schema::compile(input_schema));
  std::optional<Schema> output;
  if (tool.output_schema) {
    CAIRN_ASSIGN_OR_RETURN(Schema compiled, Schema::compile(*tool.output_schema));
    output.emplace(std::move(compiled));
  }
  if (registry_->tool_index.find(tool.name) != registry_->tool_index.end()) {
    return fail(ErrorCode::kAlreadyExists, "MCP_TOOL_EXISTS",
                "tool " + tool.name + " is already registered");
  }
  nlohmann::json listing = tool_listing(tool);
  registry_->tool_index.emplace(tool.name, registry_->tools.size());
  registry_->tools.push_back(
      RegisteredTool{std::move(tool), std::move(input), std::move(output), std::move(listing)});
  return ok_status();
}

Status Server::add_resource(Resource resource) {
  if (resource.uri.empty() || resource.name.empty() || !resource.read) {
    return fail(ErrorCode::kInvalidArgument, "MCP_RESOURCE_INVALID",
                "a resource needs a URI, a name and a reader");
  }
  if (registry_->resource_index.find(resource.uri) != registry_->resource_index.end()) {
    return fail(ErrorCode::kAlreadyExists, "MCP_RESOURCE_EXISTS",
                "resource " + resource.uri + " is already registered");
  }
  nlohmann::json listing = resource_listing("uri", resource.uri, resource.name, resource.title,
                                            resource.description, resource.mime_type);
  registry_->resource_index.emplace(resource.uri, registry_->resources.size());
  registry_->resources.push_back(RegisteredResource{std::move(resource), std::move(listing)});
  return ok_status();
}

Status Server::add_resource_template(ResourceTemplate resource_template) {
  CAIRN_ASSIGN_OR_RETURN(std::vector<TemplatePiece> pieces,
                         parse_template(resource_template.uri_template));
  if (resource_template.name.empty() || !resource_template.read) {
    return fail(ErrorCode::kInvalidArgument, "MCP_RESOURCE_INVALID",
                "a resource template needs a name and a reader");
  }
  for (const RegisteredTemplate& known : registry_->templates) {
    if (known.resource_template.uri_template == resource_template.uri_template) {
      return fail(ErrorCode::kAlreadyExists, "MCP_RESOURCE_EXISTS",
                  "resource template " + resource_template.uri_template + " is already registered");
    }
  }
  nlohmann::json listing = resource_listing(
      "uriTemplate", resource_template.uri_template, resource_template.name,
      resource_template.title, resource_template.description, resource_template.mime_type);
  registry_->templates.push_back(
      RegisteredTemplate{std::move(resource_template), std::move(pieces), std::move(listing)});
  return ok_status();
}

void Server::set_dialect(Dialect dialect) { registry_->dialect = std::move(dialect); }

std::shared_ptr<Session> Server::open_session(SessionOptions options) {
  // Session's constructor is private: make_shared cannot reach it.
  std::shared_ptr<Session> session(new Session(*this, std::move(options)));
  std::lock_guard<std::mutex> lock(registry_->mutex);
  auto& sessions = registry_->sessions;
  sessions.erase(std::remove_if(sessions.begin(), sessions.end(),
                                [](const std::weak_ptr<Session>& s) { return s.expired(); }),
                 sessions.end());
  sessions.push_back(session);
  return session;
}

void Server::notify_resource_updated(std::string_view uri) {
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard<std::mutex> lock(registry_->mutex);
    live.reserve(registry_->sessions.size());
    for (const std::weak_ptr<Session>& weak : registry_->sessions) {
      if (std::shared_ptr<Session> session = weak.lock()) live.push_back(std::move(session));
    }
  }
  // Outside the lock: a sink may block on its transport.
  for (const std::shared_ptr<Session>& session : live) {
    bool subscribed = false;
    {
      std::lock_guard<std::mutex> lock(session->state_->mutex);
      subscribed = session->state_->subscriptions.count(uri) != 0;
    }
    if (subscribed) session->notify("notifications/resources/updated", {{"uri", uri}});
  }
}

std::size_t Server::session_count() const {
  std::lock_guard<std::mutex> lock(registry_->mutex);
  std::size_t count = 0;
  for (const std::weak_ptr<Session>& weak : registry_->sessions) {
    std::shared_ptr<Session> session = weak.lock();
    if (session && !session->closed()) ++count;
  }
  return count;
}

// The session id: 16 random bytes, hex.
std::string new_session_id() { return encoding::hex_encode(crypto::random_bytes(kSessionIdBytes)); }

}  // namespace cairn::mcp
