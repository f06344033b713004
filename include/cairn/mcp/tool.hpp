// cairn::mcp::Tool: one tool a server offers to agents -- its name, description, argument schema
// and handler. Handlers work on plain JSON and return Result<json>: a value becomes the call's
// `structuredContent` (when it is an object) and its `content` text; a cairn::Error becomes a
// tool error (`isError: true`) whose text is "<CODE> <REASON>: <message>".
//
// Example:
//   mcp::Server server;
//   mcp::Tool echo;
//   echo.name = "echo";
//   echo.description = "Answers with the text it was given.";
//   echo.input_schema = {{"type", "object"},
//                        {"properties", {{"text", {{"type", "string"}}}}},
//                        {"required", {"text"}}};
//   echo.read_only = true;
//   echo.handler = [](const nlohmann::json& args, const mcp::Context&) -> Result<nlohmann::json> {
//     return nlohmann::json{{"text", args.at("text")}};
//   };
//   CAIRN_TRY(server.add_tool(std::move(echo)));
//
// Arguments reach the handler only after they conform to input_schema (schema.hpp): a bad value
// is refused as a protocol error (-32602) naming its path, and the handler never sees it.
//
// Thread-safety: handlers run on the transport's threads, several at once; a handler must be
// safe to call concurrently. Ownership: the server owns registered tools.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cairn/core/result.hpp"
#include "cairn/mcp/context.hpp"

namespace cairn::mcp {

using ToolHandler =
    std::function<Result<nlohmann::json>(const nlohmann::json& arguments, const Context& context)>;

// Hints for clients (MCP ToolAnnotations); unset ones are left out of tools/list.
struct ToolAnnotations {
  std::optional<bool> read_only_hint;    // sent as readOnlyHint; defaults to Tool::read_only
  std::optional<bool> destructive_hint;  // destructiveHint
  std::optional<bool> idempotent_hint;   // idempotentHint
  std::optional<bool> open_world_hint;   // openWorldHint
};

struct Tool {
  // 1-128 characters of [A-Za-z0-9_.-]; unique within a server.
  std::string name;
  std::string title;        // for people; optional
  std::string description;  // for the model: what the tool does and when to use it
  // A JSON Schema whose type is "object" (schema.hpp lists the keywords understood).
  nlohmann::json input_schema = nlohmann::json{{"type", "object"}};
  // When set, every successful result must conform to it (a result that does not is a tool
  // error, INTERNAL / MCP_TOOL_OUTPUT_INVALID, and is logged) and it is listed as outputSchema.
  std::optional<nlohmann::json> output_schema;
  ToolAnnotations annotations;
  // Scopes a session must hold, all of them, to see and call the tool.
  std::vector<std::string> scopes;
  // True when the tool changes nothing: the only tools a read-only session sees.
  bool read_only = false;
  ToolHandler handler;
};

}  // namespace cairn::mcp
