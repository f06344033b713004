// cairn::mcp::Context: what a tool or resource handler knows about the call it serves -- who the
// session acts for, with which scopes and mode, and whether the client has cancelled the call --
// and the session options a transport opens a session with.
//
// Example:
//   mcp::ToolHandler count = [](const nlohmann::json& args, const mcp::Context& ctx)
//       -> Result<nlohmann::json> {
//     for (int i = 0; i < args.value("n", 0); ++i) {
//       if (ctx.cancelled()) return fail(ErrorCode::kCancelled, "MCP_CALL_CANCELLED", "cancelled");
//     }
//     return nlohmann::json{{"by", ctx.subject}};
//   };
//
// Thread-safety: a Context is read-only to the handler; `cancel` flips from another thread.
// Ownership: a Context is valid for the duration of the handler call only.
#pragma once

#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::mcp {

class Session;

// What a session may do. A read-only session sees (lists and calls) only tools marked read_only.
enum class Mode { kReadWrite, kReadOnly };

// The severities of notifications/message and logging/setLevel (RFC 5424, MCP's names).
enum class LogLevel { kDebug, kInfo, kNotice, kWarning, kError, kCritical, kAlert, kEmergency };

// "debug", "info", ... "emergency".
std::string_view log_level_name(LogLevel level) noexcept;
// The level named `name`, or nullopt.
std::optional<LogLevel> parse_log_level(std::string_view name) noexcept;

// Who a session acts for; fixed when the session opens (stdio: the process's caller; HTTP: what
// the transport's authorize hook returned for the initialize request).
struct SessionOptions {
  std::string subject;              // "" for an anonymous or local caller
  std::vector<std::string> scopes;  // "*" holds every scope
  Mode mode = Mode::kReadWrite;
};

// True when `scopes` holds `scope` (or "*").
bool holds_scope(const std::vector<std::string>& scopes, std::string_view scope) noexcept;

// The call a handler serves.
struct Context {
  std::string subject;
  std::vector<std::string> scopes;
  Mode mode = Mode::kReadWrite;
  // Set when the client sends notifications/cancelled for this call (or the session closes).
  // Never null while a handler runs.
  std::shared_ptr<const std::atomic<bool>> cancel;
  // The session the call came in on (for Session::log); never null while a handler runs.
  Session* session = nullptr;

  bool cancelled() const noexcept { return cancel && cancel->load(std::memory_order_relaxed); }
  bool has_scope(std::string_view scope) const noexcept { return holds_scope(scopes, scope); }
  // Sends a notifications/message to the client when `level` is at or above the level the client
  // set (logging/setLevel); `data` is any JSON. Nothing happens on a transport that cannot carry
  // it at the moment.
  void log(LogLevel level, const nlohmann::json& data) const;
};

}  // namespace cairn::mcp
