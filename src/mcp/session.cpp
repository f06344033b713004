// cairn::mcp::Session (server.hpp): one client's conversation -- the lifecycle, the standard
// methods, and tool and resource calls split into what must happen in arrival order (accept) and
// the handler work that may run later on any thread (Accepted::run).
#include <algorithm>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "cairn/core/encoding.hpp"
#include "cairn/mcp/jsonrpc.hpp"
#include "cairn/mcp/server.hpp"
#include "mcp/internal/registry.hpp"
#include "mcp/internal/session_state.hpp"

namespace cairn::mcp {
namespace {

using jsonrpc::ErrorObject;
using jsonrpc::Incoming;
using jsonrpc::Kind;
using nlohmann::json;

// The longest decimal offset a cursor may spell (fits in 64 bits).
constexpr std::size_t kMaxCursorDigits = 18;
// The most resources/subscribe URIs one session may hold.
constexpr std::size_t kMaxSubscriptions = 1000;

// What one message came to: an answer now, work that produces it later, or nothing.
struct Outcome {
  std::optional<json> response;
  std::function<std::optional<json>()> deferred;
};

ErrorObject rpc_error(int code, std::string reason, std::string message, json data = nullptr) {
  return ErrorObject{code, std::move(reason), std::move(message), std::move(data)};
}

ErrorObject invalid_params(std::string message) {
  return rpc_error(jsonrpc::kInvalidParams, "MCP_INVALID_PARAMS", std::move(message));
}

bool holds_all(const std::vector<std::string>& held, const std::vector<std::string>& needed) {
  return std::all_of(needed.begin(), needed.end(),
                     [&](const std::string& scope) { return holds_scope(held, scope); });
}

std::string encode_cursor(std::size_t offset) {
  return encoding::b64url_encode(as_bytes(std::to_string(offset)));
}

// The offset `params.cursor` names (0 without one), or nullopt when it names none below `count`.
std::optional<std::size_t> decode_cursor(const json& params, std::size_t count) {
  if (!params.is_object()) return 0;
  auto it = params.find("cursor");
  if (it == params.end() || it->is_null()) return 0;
  if (!it->is_string()) return std::nullopt;
  Result<Bytes> bytes = encoding::b64url_decode(it->get_ref<const std::string&>());
  if (!bytes || bytes->empty() || bytes->size() > kMaxCursorDigits) return std::nullopt;
  std::size_t offset = 0;
  for (uint8_t c : *bytes) {
    if (c < '0' || c > '9') return std::nullopt;
    offset = offset * 10 + (c - '0');
  }
  if (offset >= count) return std::nullopt;
  return offset;
}

// Removes a finished call from the in-flight map (unless a later call reused its id).
void finish_call(Session::State& state, const std::string& key,
                 const std::shared_ptr<std::atomic<bool>>& flag) {
  std::lock_guard<std::mutex> lock(state.mutex);
  auto it = state.in_flight.find(key);
  if (it != state.in_flight.end() && it->second == flag) state.in_flight.erase(it);
}

void log_line(const ServerOptions& options, const std::string& line) {
  if (!options.log) return;
  try {
    options.log(line);
  } catch (...) {  // NOLINT(bugprone-empty-catch): a failing log sink must not fail the call
  }
}

json tool_error_result(const Error& error) {
  json result = json::object();
  result["content"] = json::array({json{{"type", "text"}, {"text", error_text(error)}}});
  result["isError"] = true;
  return result;
}

// Runs a tool's handler and makes the tools/call result of what it returned.
json run_tool(const RegisteredTool& entry, const json& arguments, const Context& context,
              const ServerOptions& options) {
  const Tool& tool = entry.tool;
  Result<json> out = [&]() -> Result<json> {
    try {
      return tool.handler(arguments, context);
    } catch (...) {
      return fail(ErrorCode::kInternal, "MCP_TOOL_FAILED",
                  "tool " + tool.name + " threw an exception");
    }
  }();
  if (out && entry.output) {
    if (std::optional<SchemaViolation> bad = entry.output->validate(*out)) {
      out = fail(ErrorCode::kInternal, "MCP_TOOL_OUTPUT_INVALID",
                 "the result of tool " + tool.name + " breaks its output schema at '" + bad->path +
                     "': " + bad->message);
    }
  }
  if (!out) {
    const Error& error = out.error();
    if (http_status(error.code) >= 500) {
      log_line(options, "mcp: tool " + tool.name + ": " + error.to_string());
    }
    return tool_error_result(error);
  }
  json value = std::move(*out);
  json result = json::object();
  result["content"] = json::array({json{
      {"type", "text"}, {"text", value.dump(-1, ' ', false, json::error_handler_t::replace)}}});
  if (value.is_object()) result["structuredContent"] = std::move(value);
  result["isError"] = false;
  return result;
}

using ReadFn = std::function<Result<std::vector<ResourceContents>>(const Context&)>;

// Runs a resource reader: the resources/read result, or the error object to answer with.
std::variant<json, ErrorObject> run_read(const ReadFn& read, const std::string& uri,
                                         const std::string& default_mime, const Context& context,
                                         const ServerOptions& options) {
  Result<std::vector<ResourceContents>> out = [&]() -> Result<std::vector<ResourceContents>> {
    try {
      return read(context);
    } catch (...) {
      return fail(ErrorCode::kInternal, "MCP_TOOL_FAILED",
                  "the reader of " + uri + " threw an exception");
    }
  }();
  if (!out) {
    const Error& error = out.error();
    if (error.code == ErrorCode::kNotFound) {
      return rpc_error(jsonrpc::kResourceNotFound, "MCP_RESOURCE_NOT_FOUND", error_text(error),
                       json{{"uri", uri}});
    }
    if (error.code == ErrorCode::kInvalidArgument) return invalid_params(error_text(error));
    if (http_status(error.code) >= 500) {
      log_line(options, "mcp: resource " + uri + ": " + error.to_string());
    }
    return rpc_error(jsonrpc::kInternalError, "MCP_INTERNAL_ERROR", error_text(error));
  }
  json contents = json::array();
  for (ResourceContents& item : *out) {
    json entry = json::object();
    if (item.uri.empty()) {
      entry["uri"] = uri;
    } else {
      entry["uri"] = std::move(item.uri);
    }
    const std::string& mime = item.mime_type.empty() ? default_mime : item.mime_type;
    if (!mime.empty()) entry["mimeType"] = mime;
    if (item.is_blob) {
      entry["blob"] = encoding::b64_encode(as_bytes(item.blob));
    } else {
      entry["text"] = std::move(item.text);
    }
    contents.push_back(std::move(entry));
  }
  return json{{"contents", std::move(contents)}};
}

// Handles the messages of one accept() call for one session.
class Dispatcher {
 public:
  Dispatcher(Session& session, Session::State& state, const Server::Registry& registry,
             const ServerOptions& options)
      : session_(session), state_(state), registry_(registry), options_(options) {}

  // The error response to `id` carrying `error`, after the dialect's rewrite.
  json error_response(const json& id, ErrorObject error) const {
    if (registry_.dialect.rewrite_error) {
      try {
        registry_.dialect.rewrite_error(error);
      } catch (...) {  // NOLINT(bugprone-empty-catch): the error is sent as it was
      }
    }
    return jsonrpc::make_error(id, error);
  }

  Outcome process(Incoming item) {
    switch (item.kind) {
      case Kind::kResponse:
        return {};  // this server sends no requests, so nothing waits for an answer
      case Kind::kInvalid:
        return {error_response(item.id, item.error
                                            ? *item.error
                                            : rpc_error(jsonrpc::kInvalidRequest,
                                                        "MCP_INVALID_REQUEST", "invalid request")),
                {}};
      case Kind::kRequest:
      case Kind::kNotification:
        break;
    }
    const bool is_request = item.kind == Kind::kRequest;
    if (registry_.dialect.dispatch) {
      std::optional<json> reply;
      bool taken = false;
      try {
        taken = registry_.dialect.dispatch(item, session_, reply);
      } catch (...) {
        taken = true;
        reply.reset();
        log_line(options_, "mcp: the dialect threw an exception on " + item.method);
        if (is_request) {
          reply = error_response(
              item.id, rpc_error(jsonrpc::kInternalError, "MCP_INTERNAL_ERROR", "internal error"));
        }
      }
      if (taken) return {std::move(reply), {}};
    }
    if (!is_request) {
      notification(item);
      return {};
    }
    return request(item);
  }

 private:
  Outcome answer(const json& id, json result) const {
    return {jsonrpc::make_result(id, std::move(result)), {}};
  }
  Outcome refuse(const json& id, ErrorObject error) const {
    return {error_response(id, std::move(error)), {}};
  }

  void notification(const Incoming& item) {
    if (item.method == "notifications/initialized") {
      std::lock_guard<std::mutex> lock(state_.mutex);
      if (state_.initialize_seen) state_.initialized = true;
    } else if (item.method == "notifications/cancelled") {
      auto id = item.params.is_object() ? item.params.find("requestId") : item.params.end();
      if (id == item.params.end() || !(id->is_string() || id->is_number_integer())) return;
      std::string key = id->dump();
      std::lock_guard<std::mutex> lock(state_.mutex);
      auto it = state_.in_flight.find(key);
      if (it != state_.in_flight.end()) it->second->store(true);
    }
    // Any other notification is ignored, as JSON-RPC asks.
  }

  Outcome request(Incoming& item) {
    const std::string& method = item.method;
    if (method == "ping") return answer(item.id, json::object());
    if (method == "initialize") return initialize(item);
    bool initialize_seen = false;
    bool initialized = false;
    {
      std::lock_guard<std::mutex> lock(state_.mutex);
      initialize_seen = state_.initialize_seen;
      initialized = state_.initialized;
    }
    if (!initialize_seen) {
      return refuse(item.id, rpc_error(jsonrpc::kInvalidRequest, "MCP_NOT_INITIALIZED",
                                       "the session is not initialized: send initialize first"));
    }
    if (method == "logging/setLevel") return set_level(item);
    const bool gated = method.starts_with("tools/") || method.starts_with("resources/");
    if (gated && !initialized) {
      return refuse(item.id, rpc_error(jsonrpc::kInvalidRequest, "MCP_NOT_INITIALIZED",
                                       "the session is not initialized: send "
                                       "notifications/initialized"));
    }
    if (method == "tools/call") return call_tool(item);
    if (method == "tools/list") return list_tools(item);
    if (method == "resources/read") return read_resource(item);
    if (method == "resources/list") return list_resources(item);
    if (method == "resources/templates/list") return list_templates(item);
    if (method == "resources/subscribe" || method == "resources/unsubscribe") {
      return subscribe(item, method == "resources/subscribe");
    }
    return refuse(item.id, rpc_error(jsonrpc::kMethodNotFound, "MCP_METHOD_NOT_FOUND",
                                     "Method not found: " + method));
  }

  Outcome initialize(Incoming& item) {
    auto requested =
        item.params.is_object() ? item.params.find("protocolVersion") : item.params.end();
    bool valid = requested != item.params.end() && requested->is_string();
    std::string_view version;
    {
      std::lock_guard<std::mutex> lock(state_.mutex);
      if (state_.initialize_seen) {
        return refuse(item.id, rpc_error(jsonrpc::kInvalidRequest, "MCP_ALREADY_INITIALIZED",
                                         "the session is already initialized"));
      }
      if (valid) {
        version = negotiate_version(requested->get_ref<const std::string&>());
        state_.version = std::string(version);
        state_.initialize_seen = true;
        auto info = item.params.find("clientInfo");
        if (info != item.params.end()) state_.client_info = std::move(*info);
      }
    }
    if (!valid) {
      return refuse(item.id, invalid_params("initialize needs params.protocolVersion, a string"));
    }
    json capabilities = json::object();
    capabilities["tools"] = {{"listChanged", false}};
    capabilities["logging"] = json::object();
    if (!registry_.resources.empty() || !registry_.templates.empty()) {
      capabilities["resources"] = {{"subscribe", true}, {"listChanged", false}};
    }
    json server_info = {{"name", options_.info.name}, {"version", options_.info.version}};
    if (!options_.info.title.empty()) server_info["title"] = options_.info.title;
    json result = json::object();
    result["protocolVersion"] = version;
    result["capabilities"] = std::move(capabilities);
    result["serverInfo"] = std::move(server_info);
    if (!options_.instructions.empty()) result["instructions"] = options_.instructions;
    return answer(item.id, std::move(result));
  }

  Outcome set_level(const Incoming& item) {
    auto level = item.params.is_object() ? item.params.find("level") : item.params.end();
    std::optional<LogLevel> parsed;
    if (level != item.params.end() && level->is_string()) {
      parsed = parse_log_level(level->get_ref<const std::string&>());
    }
    if (!parsed) {
      return refuse(item.id, invalid_params("logging/setLevel needs params.level, one of debug, "
                                            "info, notice, warning, error, critical, alert, "
                                            "emergency"));
    }
    {
      std::lock_guard<std::mutex> lock(state_.mutex);
      state_.level = *parsed;
    }
    return answer(item.id, json::object());
  }

  bool may_see(const Tool& tool) const {
    const SessionOptions& options = session_.options();
    if (options.mode == Mode::kReadOnly && !tool.read_only) return false;
    return holds_all(options.scopes, tool.scopes);
  }

  // One page of `listings` as {key: [...], nextCursor?}, or a cursor error.
  Outcome page(const Incoming& item, std::string_view key,
               const std::vector<const json*>& listings) const {
    if (!item.params.is_null() && !item.params.is_object()) {
      return refuse(item.id, invalid_params(item.method + " params must be an object"));
    }
    std::optional<std::size_t> offset = decode_cursor(item.params, listings.size());
    if (!offset) {
      return refuse(item.id, rpc_error(jsonrpc::kInvalidParams, "MCP_CURSOR_INVALID",
                                       "the cursor is not one this server issued"));
    }
    std::size_t size = options_.page_size == 0 ? listings.size() : options_.page_size;
    std::size_t end = std::min(listings.size(), *offset + size);
    json entries = json::array();
    for (std::size_t i = *offset; i < end; ++i) entries.push_back(*listings[i]);
    json result = json::object();
    result[std::string(key)] = std::move(entries);
    if (end < listings.size()) result["nextCursor"] = encode_cursor(end);
    return answer(item.id, std::move(result));
  }

  Outcome list_tools(const Incoming& item) const {
    std::vector<const json*> listings;
    listings.reserve(registry_.tools.size());
    for (const RegisteredTool& entry : registry_.tools) {
      if (may_see(entry.tool)) listings.push_back(&entry.listing);
    }
    return page(item, "tools", listings);
  }

  Outcome list_resources(const Incoming& item) const {
    std::vector<const json*> listings;
    for (const RegisteredResource& entry : registry_.resources) {
      if (holds_all(session_.options().scopes, entry.resource.scopes)) {
        listings.push_back(&entry.listing);
      }
    }
    return page(item, "resources", listings);
  }

  Outcome list_templates(const Incoming& item) const {
    std::vector<const json*> listings;
    for (const RegisteredTemplate& entry : registry_.templates) {
      if (holds_all(session_.options().scopes, entry.resource_template.scopes)) {
        listings.push_back(&entry.listing);
      }
    }
    return page(item, "resourceTemplates", listings);
  }

  // Registers a call that handlers will run, so notifications/cancelled can find it.
  std::pair<std::string, std::shared_ptr<std::atomic<bool>>> register_call(const json& id) {
    std::string key = id.dump();
    auto flag = std::make_shared<std::atomic<bool>>(false);
    std::lock_guard<std::mutex> lock(state_.mutex);
    // close() sets closed_ under this mutex: a call registered after it walked in_flight starts
    // cancelled.
    if (session_.closed()) flag->store(true);
    state_.in_flight[key] = flag;
    return {std::move(key), std::move(flag)};
  }

  Outcome call_tool(Incoming& item) {
    if (!item.params.is_object()) {
      return refuse(item.id, invalid_params("tools/call params must be an object"));
    }
    auto name = item.params.find("name");
    if (name == item.params.end() || !name->is_string()) {
      return refuse(item.id, invalid_params("tools/call needs params.name, a string"));
    }
    const std::string& tool_name = name->get_ref<const std::string&>();
    auto found = registry_.tool_index.find(std::string_view(tool_name));
    const RegisteredTool* entry =
        found == registry_.tool_index.end() ? nullptr : &registry_.tools[found->second];
    if (entry == nullptr || !may_see(entry->tool)) {
      // A tool this session may not see is reported exactly like one that does not exist.
      return refuse(item.id, rpc_error(jsonrpc::kInvalidParams, "MCP_TOOL_NOT_FOUND",
                                       "Unknown tool: " + tool_name));
    }
    json arguments = json::object();
    auto given = item.params.find("arguments");
    if (given != item.params.end() && !given->is_null()) {
      if (!given->is_object()) {
        return refuse(item.id, invalid_params("tools/call params.arguments must be an object"));
      }
      arguments = std::move(*given);
    }
    if (std::optional<SchemaViolation> bad = entry->input.validate(arguments)) {
      std::string message = "Invalid arguments for tool " + entry->tool.name + ":";
      if (!bad->path.empty()) message += " " + bad->path;
      message += " " + bad->message;
      return refuse(item.id, rpc_error(jsonrpc::kInvalidParams, "MCP_ARGUMENTS_INVALID",
                                       std::move(message), json{{"path", bad->path}}));
    }
    auto [key, flag] = register_call(item.id);
    Outcome out;
    out.deferred = [self = session_.shared_from_this(), state = &state_, entry,
                    arguments = std::move(arguments), id = std::move(item.id), key = std::move(key),
                    flag = std::move(flag), options = &options_,
                    dialect = &registry_.dialect]() -> std::optional<json> {
      std::optional<json> response;
      try {
        if (!flag->load()) {
          const SessionOptions& session_options = self->options();
          Context ctx{session_options.subject, session_options.scopes, session_options.mode, flag,
                      self.get()};
          json result = run_tool(*entry, arguments, ctx, *options);
          if (!flag->load()) response = jsonrpc::make_result(id, std::move(result));
        }
      } catch (...) {
        ErrorObject error =
            rpc_error(jsonrpc::kInternalError, "MCP_INTERNAL_ERROR", "internal error");
        try {
          if (dialect->rewrite_error) dialect->rewrite_error(error);
        } catch (...) {  // NOLINT(bugprone-empty-catch): the error is sent as it was
        }
        try {
          response = jsonrpc::make_error(id, error);
        } catch (...) {  // NOLINT(bugprone-empty-catch): no answer; the call still finishes
        }
      }
      finish_call(*state, key, flag);
      return response;
    };
    return out;
  }

  Outcome read_resource(Incoming& item) {
    auto uri_it = item.params.is_object() ? item.params.find("uri") : item.params.end();
    if (uri_it == item.params.end() || !uri_it->is_string()) {
      return refuse(item.id, invalid_params("resources/read needs params.uri, a string"));
    }
    std::string uri = uri_it->get_ref<const std::string&>();
    ReadFn read;
    std::string mime;
    if (!resolve(uri, &read, &mime)) return not_found(item.id, uri);
    auto [key, flag] = register_call(item.id);
    Outcome out;
    out.deferred = [self = session_.shared_from_this(), state = &state_, read = std::move(read),
                    uri = std::move(uri), mime = std::move(mime), id = std::move(item.id),
                    key = std::move(key), flag = std::move(flag), options = &options_,
                    dialect = &registry_.dialect]() -> std::optional<json> {
      std::optional<json> response;
      std::optional<ErrorObject> error;
      try {
        if (!flag->load()) {
          const SessionOptions& session_options = self->options();
          Context ctx{session_options.subject, session_options.scopes, session_options.mode, flag,
                      self.get()};
          std::variant<json, ErrorObject> read_out = run_read(read, uri, mime, ctx, *options);
          if (!flag->load()) {
            if (json* result = std::get_if<json>(&read_out)) {
              response = jsonrpc::make_result(id, std::move(*result));
            } else {
              error = std::move(std::get<ErrorObject>(read_out));
            }
          }
        }
      } catch (...) {
        error = rpc_error(jsonrpc::kInternalError, "MCP_INTERNAL_ERROR", "internal error");
      }
      if (error) {
        try {
          if (dialect->rewrite_error) dialect->rewrite_error(*error);
        } catch (...) {  // NOLINT(bugprone-empty-catch): the error is sent as it was
        }
        response = jsonrpc::make_error(id, *error);
      }
      finish_call(*state, key, flag);
      return response;
    };
    return out;
  }

  // Whether this session can read `uri` (a fixed resource or a template match it may see); when
  // so and `read` is given, sets the reader and its default MIME type.
  bool resolve(const std::string& uri, ReadFn* read, std::string* mime) const {
    const std::vector<std::string>& scopes = session_.options().scopes;
    auto exact = registry_.resource_index.find(std::string_view(uri));
    if (exact != registry_.resource_index.end() &&
        holds_all(scopes, registry_.resources[exact->second].resource.scopes)) {
      const Resource& resource = registry_.resources[exact->second].resource;
      if (read != nullptr) {
        *read = [&resource, uri](const Context& ctx) { return resource.read(uri, ctx); };
        *mime = resource.mime_type;
      }
      return true;
    }
    std::map<std::string, std::string, std::less<>> parts;
    for (const RegisteredTemplate& entry : registry_.templates) {
      if (!holds_all(scopes, entry.resource_template.scopes)) continue;
      if (!match_template(entry.pieces, uri, parts)) continue;
      const ResourceTemplate& resource_template = entry.resource_template;
      if (read != nullptr) {
        *read = [&resource_template, uri, parts = std::move(parts)](const Context& ctx) {
          return resource_template.read(uri, parts, ctx);
        };
        *mime = resource_template.mime_type;
      }
      return true;
    }
    return false;
  }

  Outcome not_found(const json& id, const std::string& uri) const {
    return refuse(id, rpc_error(jsonrpc::kResourceNotFound, "MCP_RESOURCE_NOT_FOUND",
                                "Resource not found: " + uri, json{{"uri", uri}}));
  }

  // resources/subscribe takes only a URI this session could read, at most kMaxSubscriptions of
  // them; resources/unsubscribe takes any URI (one not subscribed is a no-op).
  Outcome subscribe(const Incoming& item, bool add) {
    auto uri = item.params.is_object() ? item.params.find("uri") : item.params.end();
    if (uri == item.params.end() || !uri->is_string()) {
      return refuse(item.id, invalid_params(item.method + " needs params.uri, a string"));
    }
    if (add && !resolve(uri->get_ref<const std::string&>(), nullptr, nullptr)) {
      return not_found(item.id, uri->get_ref<const std::string&>());
    }
    bool full = false;
    {
      std::lock_guard<std::mutex> lock(state_.mutex);
      if (add) {
        const std::string& text = uri->get_ref<const std::string&>();
        full = state_.subscriptions.size() >= kMaxSubscriptions &&
               state_.subscriptions.count(text) == 0;
        if (!full) state_.subscriptions.insert(text);
      } else {
        auto it = state_.subscriptions.find(uri->get_ref<const std::string&>());
        if (it != state_.subscriptions.end()) state_.subscriptions.erase(it);
      }
    }
    if (full) {
      return refuse(item.id, invalid_params("too many subscriptions: a session may hold at most " +
                                            std::to_string(kMaxSubscriptions)));
    }
    return answer(item.id, json::object());
  }

  Session& session_;
  Session::State& state_;
  const Server::Registry& registry_;
  const ServerOptions& options_;
};

}  // namespace

Session::Session(Server& server, SessionOptions options)
    : server_(server),
      options_(std::move(options)),
      id_(new_session_id()),
      state_(std::make_unique<State>()) {}

Session::~Session() = default;

std::string Session::protocol_version() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->version;
}

bool Session::initialized() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->initialized;
}

nlohmann::json Session::client_info() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->client_info;
}

Accepted Session::accept(std::string_view text) {
  if (closed()) return {};
  return accept(jsonrpc::decode(text, server_.options().max_message_bytes));
}

Accepted Session::accept(jsonrpc::Decoded decoded) {
  Accepted out;
  if (closed()) return out;
  try {
    Dispatcher dispatcher(*this, *state_, *server_.registry_, server_.options());
    if (decoded.error) {
      out.reply = jsonrpc::encode(dispatcher.error_response(nullptr, *decoded.error));
      out.has_requests = true;
      return out;
    }
    if (!decoded.batch) {
      if (decoded.items.empty()) return out;
      Incoming& item = decoded.items.front();
      out.has_requests = item.kind == Kind::kRequest || item.kind == Kind::kInvalid;
      Outcome outcome = dispatcher.process(std::move(item));
      if (outcome.response) out.reply = jsonrpc::encode(*outcome.response);
      if (outcome.deferred) {
        out.run = [deferred = std::move(outcome.deferred)]() -> std::string {
          std::optional<json> response = deferred();
          return response ? jsonrpc::encode(*response) : std::string();
        };
      }
      return out;
    }
    std::string version = protocol_version();
    if (!batches_allowed(version)) {
      out.has_requests = true;
      out.reply = jsonrpc::encode(dispatcher.error_response(
          nullptr, rpc_error(jsonrpc::kInvalidRequest, "MCP_BATCH_NOT_ALLOWED",
                             version.empty()
                                 ? "batches are not allowed before initialize"
                                 : "batches are not allowed under protocol version " + version)));
      return out;
    }
    std::vector<Outcome> outcomes;
    bool deferred = false;
    for (Incoming& item : decoded.items) {
      if (item.kind == Kind::kRequest || item.kind == Kind::kInvalid) out.has_requests = true;
      Outcome outcome = dispatcher.process(std::move(item));
      if (!outcome.response && !outcome.deferred) continue;
      deferred = deferred || static_cast<bool>(outcome.deferred);
      outcomes.push_back(std::move(outcome));
    }
    if (outcomes.empty()) return out;
    if (!deferred) {
      json responses = json::array();
      for (Outcome& outcome : outcomes) responses.push_back(std::move(*outcome.response));
      out.reply = jsonrpc::encode(responses);
      return out;
    }
    out.run = [outcomes = std::move(outcomes)]() mutable -> std::string {
      json responses = json::array();
      for (Outcome& outcome : outcomes) {
        std::optional<json> response =
            outcome.deferred ? outcome.deferred() : std::move(outcome.response);
        if (response) responses.push_back(std::move(*response));
      }
      return responses.empty() ? std::string() : jsonrpc::encode(responses);
    };
    return out;
  } catch (...) {
    // Only allocation failure can land here; nothing sensible can be answered.
    return {};
  }
}

std::string Session::handle(std::string_view text) {
  Accepted accepted = accept(text);
  if (accepted.run) {
    std::string later = accepted.run();
    if (accepted.reply.empty()) return later;
    if (!later.empty()) accepted.reply += "\n" + later;
  }
  return accepted.reply;
}

void Session::set_sink(Sink sink) {
  std::shared_ptr<const Sink> shared;
  if (sink) shared = std::make_shared<const Sink>(std::move(sink));
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->sink = std::move(shared);
}

bool Session::notify(std::string_view method, nlohmann::json params) {
  if (closed()) return false;
  std::shared_ptr<const Sink> sink;
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    sink = state_->sink;
  }
  if (!sink) return false;
  try {
    return (*sink)(jsonrpc::make_notification(method, std::move(params)));
  } catch (...) {
    return false;
  }
}

void Session::log(LogLevel level, std::string_view logger, const nlohmann::json& data) {
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    if (level < state_->level || !state_->sink) return;
  }
  json params = json::object();
  params["level"] = log_level_name(level);
  if (!logger.empty()) params["logger"] = logger;
  params["data"] = data;
  (void)notify("notifications/message", std::move(params));
}

void Session::close() {
  // closed_ is set under the mutex, so register_call either sees it or is walked below.
  std::lock_guard<std::mutex> lock(state_->mutex);
  closed_.store(true);
  for (auto& [key, flag] : state_->in_flight) flag->store(true);
  state_->sink.reset();
}

}  // namespace cairn::mcp
