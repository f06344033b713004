// cairn::mcp::Server and Session: the Model Context Protocol core every reference server shares,
// independent of transport. A Server holds the registry (tools, resources, an optional dialect);
// a Session is one client's conversation with it: the lifecycle, version negotiation, the
// standard methods and the calls in flight. Transports (stdio.hpp, http.hpp) feed a session text
// and carry its answers; tests and benchmarks can drive one directly.
//
// Example:
//   mcp::Server server({.info = {.name = "cairn-board", .version = "0.4.0"},
//                       .instructions = "Feedback posts, votes and comments."});
//   mcp::Tool list_posts{.name = "list_posts", .read_only = true};
//   list_posts.handler = [](const nlohmann::json&, const mcp::Context&) -> Result<nlohmann::json> {
//     return nlohmann::json{{"posts", nlohmann::json::array()}};
//   };
//   CAIRN_TRY(server.add_tool(std::move(list_posts)));
//   std::shared_ptr<mcp::Session> session = server.open_session({.subject = "local"});
//   std::string reply = session->handle(R"({"jsonrpc":"2.0","id":1,"method":"initialize",
//       "params":{"protocolVersion":"2025-06-18","capabilities":{},
//                 "clientInfo":{"name":"demo","version":"1"}}})");
//   session->handle(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");  // answers ""
//   reply = session->handle(R"({"jsonrpc":"2.0","id":2,"method":"tools/call",
//       "params":{"name":"list_posts","arguments":{}}})");
//
// The lifecycle: before `initialize` only `ping` is answered (anything else: -32600
// MCP_NOT_INITIALIZED); `initialize` negotiates the version (the client's when it is one of
// kProtocolVersions, else the newest) and answers protocolVersion, capabilities, serverInfo and
// instructions; tools/* and resources/* are answered once the client has sent
// notifications/initialized; `logging/setLevel` once initialize has been answered. `ping` and
// `notifications/cancelled` (which sets the cancel flag of the named call in flight; its answer is
// then not sent) work throughout.
// Batches are accepted only under 2025-03-26, the one version whose JSON-RPC allows them.
// Prompts are not implemented: the capability is not announced and prompts/* is -32601.
//
// Thread-safety: register tools, resources and the dialect before the first session opens; after
// that Server and Session are safe to use from any number of threads (a session's calls may run
// concurrently). Ownership: sessions keep a pointer to their server, which must outlive them.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/core/result.hpp"
#include "cairn/mcp/context.hpp"
#include "cairn/mcp/jsonrpc.hpp"
#include "cairn/mcp/resource.hpp"
#include "cairn/mcp/tool.hpp"

namespace cairn::mcp {

// The published MCP versions, oldest first; the last is the newest.
inline constexpr std::array<std::string_view, 4> kProtocolVersions = {"2024-11-05", "2025-03-26",
                                                                      "2025-06-18", "2025-11-25"};

// The version a server answers a client asking for `requested` with: `requested` when it is one
// of kProtocolVersions, else the newest.
std::string_view negotiate_version(std::string_view requested) noexcept;
// True when `version` is one of kProtocolVersions.
bool supported_version(std::string_view version) noexcept;
// True when `version` lets a client send JSON-RPC batches (2025-03-26 only).
bool batches_allowed(std::string_view version) noexcept;

// The text of a tool error or JSON-RPC error made from `error`: "<CODE> <REASON>: <message>",
// with the message replaced by "internal error" for codes answered 5xx over HTTP other than
// UNAVAILABLE (the full error goes to the server's log instead).
std::string error_text(const Error& error);

struct ServerInfo {
  std::string name = "cairn";
  std::string version;  // "" means cairn's version
  std::string title;
};

class Session;

// A product's own non-standard calls answered on the same sessions as standard MCP (Rungu's
// "method = tool name" dialect, say), without touching the core.
struct Dialect {
  // Sees every request and notification first -- before the lifecycle check and the standard
  // methods. Returns true when it took the message, with `reply` set to the whole response object
  // to send (left empty: nothing is sent); false lets the core handle it.
  std::function<bool(const jsonrpc::Incoming& message, Session& session,
                     std::optional<nlohmann::json>& reply)>
      dispatch;
  // May rewrite each error object the codec or the core is about to send (its code and message,
  // chosen by error.reason). Null: sent as they are.
  std::function<void(jsonrpc::ErrorObject& error)> rewrite_error;
};

struct ServerOptions {
  ServerInfo info;
  std::string instructions;  // sent in the initialize result when not empty
  // The largest message a session takes; larger: -32600 MCP_MESSAGE_TOO_LARGE.
  std::size_t max_message_bytes = jsonrpc::kDefaultMaxMessageBytes;
  // tools/list and resources/list answer at most this many items per page, with a nextCursor.
  std::size_t page_size = 100;
  // Receives one line for each failure the client is told only in part (a tool's internal
  // error, an exception from a handler, a result that breaks its output schema). Null: dropped.
  std::function<void(std::string_view line)> log;
};

// What Session::accept made of one incoming text: the answer now, or work that produces it.
struct Accepted {
  // The answer to send now ("" when there is none: only notifications or responses came in, or
  // everything must wait for `run`).
  std::string reply;
  // When set, the answer needs tool or resource handlers to run: call it (on any thread) and
  // send what it returns ("" when every call in it was cancelled).
  std::function<std::string()> run;
  // True when the text held at least one request (so an answer will come, unless cancelled).
  bool has_requests = false;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  // Carries a server-to-client message (a notification) when the transport can; false when it
  // cannot at the moment (the message is then dropped).
  using Sink = std::function<bool(const nlohmann::json& message)>;

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session();

  // Random, 32 hex digits: the Mcp-Session-Id over HTTP.
  const std::string& id() const noexcept { return id_; }
  const SessionOptions& options() const noexcept { return options_; }
  // The negotiated version, "" before initialize.
  std::string protocol_version() const;
  // True once notifications/initialized has come.
  bool initialized() const;
  // The clientInfo the client sent with initialize (null before).
  nlohmann::json client_info() const;

  // Decodes one incoming text and does everything that must happen in arrival order (the
  // lifecycle, standard methods, argument checks, registering calls so that a later
  // notifications/cancelled finds them); tool and resource handlers are left to Accepted::run.
  Accepted accept(std::string_view text);
  // As accept(text), for a text the transport already decoded.
  Accepted accept(jsonrpc::Decoded decoded);
  // accept() and run(): the whole answer ("" when none).
  std::string handle(std::string_view text);

  // Sets where server-to-client messages go (null: nowhere).
  void set_sink(Sink sink);
  // Sends a notification through the sink; false when there is none or it refused.
  bool notify(std::string_view method, nlohmann::json params = nullptr);
  // notifications/message with `level`, `logger` and `data`, when `level` is at or above the
  // level the client set with logging/setLevel (kInfo until then).
  void log(LogLevel level, std::string_view logger, const nlohmann::json& data);
  // Sets the cancel flag of every call in flight and stops sending (the session is over). A call
  // that accept() registers while or after close() runs starts cancelled (its run answers "").
  void close();
  bool closed() const noexcept { return closed_.load(); }

  struct State;  // src/mcp/session.cpp

 private:
  friend class Server;
  Session(class Server& server, SessionOptions options);

  class Server& server_;
  const SessionOptions options_;
  const std::string id_;
  std::atomic<bool> closed_{false};
  std::unique_ptr<State> state_;
};

class Server {
 public:
  explicit Server(ServerOptions options = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Registers a tool. Errors: INVALID_ARGUMENT / MCP_TOOL_INVALID (a name outside 1-128 of
  // [A-Za-z0-9_.-], no handler, an input schema whose type is not "object"), MCP_SCHEMA_INVALID
  // and MCP_SCHEMA_UNSUPPORTED (from Schema::compile, for the input or output schema);
  // ALREADY_EXISTS / MCP_TOOL_EXISTS.
  Status add_tool(Tool tool);
  // Registers a resource. Errors: INVALID_ARGUMENT / MCP_RESOURCE_INVALID (an empty URI or name,
  // no reader); ALREADY_EXISTS / MCP_RESOURCE_EXISTS.
  Status add_resource(Resource resource);
  // Registers a resource template. Errors: INVALID_ARGUMENT / MCP_RESOURCE_INVALID (an empty or
  // unbalanced template, an unnamed part, two parts side by side, no reader); ALREADY_EXISTS /
  // MCP_RESOURCE_EXISTS.
  Status add_resource_template(ResourceTemplate resource_template);
  // Installs a dialect (dialect.dispatch null: none).
  void set_dialect(Dialect dialect);

  // A new session acting for `options`.
  std::shared_ptr<Session> open_session(SessionOptions options = {});
  // Sends notifications/resources/updated {uri} to every open session subscribed to `uri` (a
  // session subscribes only to URIs it can read, at most 1000 of them: resource.hpp).
  void notify_resource_updated(std::string_view uri);
  // Sessions opened and not yet closed or destroyed.
  std::size_t session_count() const;

  const ServerOptions& options() const noexcept { return options_; }

  struct Registry;  // src/mcp/server.cpp

 private:
  friend class Session;
  ServerOptions options_;
  std::unique_ptr<Registry> registry_;
};

}  // namespace cairn::mcp
