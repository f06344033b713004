// Embeds cairn::mcp through the installed package: a server with one `echo` tool, driven
// in-process through a session (initialize, notifications/initialized, tools/call), no transport.
// Prints the tool's answer and exits 0 when it is the echo.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "cairn/mcp/server.hpp"

namespace mcp = cairn::mcp;
using nlohmann::json;

int main() {
  mcp::Server server({.info = {.name = "consumer-mcp", .version = "1.0.0"}});
  mcp::Tool echo;
  echo.name = "echo";
  echo.description = "Answers with the text it was given.";
  echo.input_schema = {
      {"type", "object"}, {"properties", {{"text", {{"type", "string"}}}}}, {"required", {"text"}}};
  echo.read_only = true;
  echo.handler = [](const json& args, const mcp::Context&) -> cairn::Result<json> {
    return json{{"text", args.at("text")}};
  };
  if (auto added = server.add_tool(std::move(echo)); !added) {
    std::fprintf(stderr, "%s\n", added.error().to_string().c_str());
    return 1;
  }

  auto session = server.open_session({.subject = "local"});
  json init = json::parse(session->handle(R"({"jsonrpc":"2.0","id":1,"method":"initialize",
      "params":{"protocolVersion":"2025-06-18","capabilities":{},
                "clientInfo":{"name":"consumer","version":"1"}}})"),
                          nullptr, false);
  if (init.is_discarded() || init["result"]["protocolVersion"] != "2025-06-18") {
    std::fprintf(stderr, "initialize failed: %s\n", init.dump().c_str());
    return 1;
  }
  std::string none = session->handle(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  if (!none.empty() || !session->initialized()) {
    std::fprintf(stderr, "notifications/initialized was answered or not taken\n");
    return 1;
  }
  json call = json::parse(session->handle(R"({"jsonrpc":"2.0","id":"call-2","method":"tools/call",
      "params":{"name":"echo","arguments":{"text":"hello from cairn::mcp"}}})"),
                          nullptr, false);
  bool ok = !call.is_discarded() && call["id"] == "call-2" && call["result"].is_object() &&
            !call["result"].value("isError", false) &&
            call["result"]["structuredContent"]["text"] == "hello from cairn::mcp";
  std::printf("cairn::mcp: tools/call echo -> %s\n", call.dump().c_str());
  if (!ok) return 1;
  std::printf("OK\n");
  return 0;
}
