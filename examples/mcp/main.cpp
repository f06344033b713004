// cairn-mcp-example: the smallest useful embedding of cairn::mcp, and the server the interop tests
// (tests/mcp/interop) drive with the official MCP TypeScript SDK.
//
//   cairn-mcp-example [--db URI] --stdio
//   cairn-mcp-example [--db URI] --listen HOST:PORT
//
// --stdio serves one session on stdin/stdout (newline-delimited JSON-RPC) until end of input;
// nothing but protocol goes to stdout, logs go to stderr. --listen serves MCP's Streamable HTTP
// transport at /mcp on HOST:PORT (port 0 takes any free port; IPv6 is written [::1]:PORT) with
// two threads until SIGTERM or SIGINT, after printing "listening on http://HOST:PORT" with the
// bound port. --db names the database the engine opens (default "memory:").
//
// Tools: echo (answers with its text), fail (always a tool error carrying a cairn error's code
// and reason), sleep (waits, stopping early when the call is cancelled), jobs_enqueue (a task on
// the engine's scheduler, recorded in its audit log) and audit_verify (checks the audit log).
// Resource: cairn://audit/head, the audit log's signed tree head.
//
// When the environment variable CAIRN_MCP_TOKEN is set, HTTP requests other than /health must
// carry `Authorization: Bearer <that token>` (compared in constant time), else 401; the caller
// is then the subject "token". The token is never printed.
//
// Exit status: 0 at end of input (stdio) or after a signal (HTTP); 1 when the engine does not
// open or stdio fails; 2 for a bad command line or a listener that cannot be opened.
#include <CLI/CLI.hpp>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "cairn/core/bytes.hpp"
#include "cairn/core/encoding.hpp"
#include "cairn/core/result.hpp"
#include "cairn/core/time.hpp"
#include "cairn/crypto/hash.hpp"
#include "cairn/crypto/secure.hpp"
#include "cairn/engine.hpp"
#include "cairn/mcp/http.hpp"
#include "cairn/mcp/server.hpp"
#include "cairn/mcp/stdio.hpp"
#include "cairn/net/server.hpp"

namespace mcp = cairn::mcp;
namespace net = cairn::net;
using cairn::ErrorCode;
using cairn::Result;
using nlohmann::json;

namespace {

constexpr std::string_view kProgram = "cairn-mcp-example";

struct HostPort {
  std::string host;
  uint16_t port = 0;
};

// "127.0.0.1:8080" or "[::1]:8080"; nullopt when malformed.
std::optional<HostPort> parse_host_port(std::string_view text) {
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  std::string_view port = text.substr(colon + 1);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return std::nullopt;
    host = host.substr(1, host.size() - 2);
  }
  HostPort out{std::string(host), 0};
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), out.port);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size()) return std::nullopt;
  return out;
}

void log_line(std::string_view line) {
  std::fprintf(stderr, "%s: %.*s\n", kProgram.data(), static_cast<int>(line.size()), line.data());
}

int exit_with(int status, const std::string& what) {
  log_line(what);
  return status;
}

// JSON text of any value, never throwing (strings in tool arguments are valid UTF-8 already).
std::string json_text(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

mcp::Tool echo_tool() {
  mcp::Tool tool;
  tool.name = "echo";
  tool.title = "Echo";
  tool.description = "Answers with the text it was given. Use it to check the connection.";
  tool.input_schema = {
      {"type", "object"},
      {"properties",
       {{"text", {{"type", "string"}, {"maxLength", 10000}, {"description", "Text to echo"}}}}},
      {"required", {"text"}},
      {"additionalProperties", false}};
  tool.output_schema = json{
      {"type", "object"}, {"properties", {{"text", {{"type", "string"}}}}}, {"required", {"text"}}};
  tool.read_only = true;
  tool.annotations.idempotent_hint = true;
  tool.handler = [](const json& args, const mcp::Context&) -> Result<json> {
    return json{{"text", args.at("text")}};
  };
  return tool;
}

mcp::Tool fail_tool() {
  mcp::Tool tool;
  tool.name = "fail";
  tool.title = "Fail";
  tool.description =
      "Always fails with a cairn error (FAILED_PRECONDITION EXAMPLE_ALWAYS_FAILS). For testing "
      "how a client shows tool errors.";
  tool.input_schema = {{"type", "object"}, {"properties", json::object()}};
  tool.read_only = true;
  tool.handler = [](const json&, const mcp::Context&) -> Result<json> {
    return cairn::fail(ErrorCode::kFailedPrecondition, "EXAMPLE_ALWAYS_FAILS",
                       "the fail tool always fails");
  };
  return tool;
}

mcp::Tool sleep_tool() {
  mcp::Tool tool;
  tool.name = "sleep";
  tool.title = "Sleep";
  tool.description =
      "Waits the given number of seconds (0 to 10), stopping early when the call is cancelled.";
  tool.input_schema = {
      {"type", "object"},
      {"properties", {{"seconds", {{"type", "number"}, {"minimum", 0}, {"maximum", 10}}}}},
      {"required", {"seconds"}},
      {"additionalProperties", false}};
  tool.read_only = true;
  tool.handler = [](const json& args, const mcp::Context& ctx) -> Result<json> {
    using std::chrono::milliseconds;
    constexpr milliseconds kPoll{10};
    const double seconds = args.at("seconds").get<double>();
    const auto deadline =
        std::chrono::steady_clock::now() + milliseconds(static_cast<int64_t>(seconds * 1000.0));
    // At most 10 s / 10 ms polls: the schema bounds `seconds`.
    while (std::chrono::steady_clock::now() < deadline) {
      if (ctx.cancelled()) {
        return cairn::fail(ErrorCode::kCancelled, "EXAMPLE_SLEEP_CANCELLED",
                           "the sleep was cancelled");
      }
      std::this_thread::sleep_for(kPoll);
    }
    return json{{"slept", seconds}};
  };
  return tool;
}

mcp::Tool jobs_enqueue_tool(cairn::Engine& engine) {
  mcp::Tool tool;
  tool.name = "jobs_enqueue";
  tool.title = "Enqueue a job";
  tool.description =
      "Adds a task of the given kind to the engine's persistent scheduler and returns its id. "
      "The enqueue is recorded in the audit log.";
  tool.input_schema = {
      {"type", "object"},
      {"properties",
       {{"kind",
         {{"type", "string"},
          {"minLength", 1},
          {"maxLength", 128},
          {"description", "The task's kind, as its worker registered it"}}},
        {"input", {{"description", "The task's input: a string as it is, anything else as JSON"}}},
        {"priority", {{"type", "string"}, {"enum", {"high", "medium", "low"}}}},
        {"key",
         {{"type", "string"},
          {"maxLength", 256},
          {"description", "A dedup key: a pending task with the same key is updated in place"}}},
        {"delay_seconds", {{"type", "integer"}, {"minimum", 0}, {"maximum", 31536000}}}}},
      {"required", {"kind"}},
      {"additionalProperties", false}};
  tool.output_schema = json{{"type", "object"},
                            {"properties",
                             {{"id", {{"type", "integer"}}},
                              {"kind", {{"type", "string"}}},
                              {"state", {{"type", "string"}}},
                              {"run_at", {{"type", "string"}}}}},
                            {"required", {"id", "kind", "state"}}};
  tool.handler = [&engine](const json& args, const mcp::Context& ctx) -> Result<json> {
    cairn::jobs::EnqueueOptions options;
    if (auto input = args.find("input"); input != args.end()) {
      options.input = input->is_string() ? input->get<std::string>() : json_text(*input);
    }
    if (auto priority = args.find("priority"); priority != args.end()) {
      CAIRN_ASSIGN_OR_RETURN(options.priority,
                             cairn::jobs::parse_priority(priority->get<std::string>()));
    }
    options.key = args.value("key", std::string());
    if (auto delay = args.find("delay_seconds"); delay != args.end()) {
      options.delay = std::chrono::seconds(delay->get<int64_t>());
    }
    const std::string kind = args.at("kind").get<std::string>();
    CAIRN_ASSIGN_OR_RETURN(int64_t id, engine.jobs().enqueue(kind, options));

    cairn::audit::EntryInput entry;
    entry.actor_type = "mcp";
    entry.actor_id = ctx.subject.empty() ? "local" : ctx.subject;
    entry.action = "jobs.enqueue";
    entry.resource_type = "job";
    entry.resource_id = std::to_string(id);
    entry.details = json_text(json{{"kind", kind}});
    CAIRN_TRY(engine.audit().record(entry));

    CAIRN_ASSIGN_OR_RETURN(cairn::jobs::Task task, engine.jobs().get(id));
    return json{{"id", task.id},
                {"kind", task.kind},
                {"state", std::string(cairn::jobs::to_string(task.state))},
                {"run_at", cairn::format_rfc3339(task.run_at)}};
  };
  return tool;
}

mcp::Tool audit_verify_tool(cairn::Engine& engine) {
  mcp::Tool tool;
  tool.name = "audit_verify";
  tool.title = "Verify the audit log";
  tool.description =
      "Recomputes the engine's audit log (hash chain and Merkle tree) and reports whether it is "
      "intact, and if not, the first damaged entry.";
  tool.input_schema = {{"type", "object"}, {"properties", json::object()}};
  tool.output_schema = json{{"type", "object"},
                            {"properties",
                             {{"intact", {{"type", "boolean"}}},
                              {"entries", {{"type", "integer"}}},
                              {"damage", {{"type", "string"}}}}},
                            {"required", {"intact", "entries", "damage"}}};
  tool.read_only = true;
  tool.handler = [&engine](const json&, const mcp::Context&) -> Result<json> {
    CAIRN_ASSIGN_OR_RETURN(cairn::audit::VerifyReport report, engine.audit().check());
    json out{{"intact", report.intact},
             {"entries", report.entries},
             {"damage", std::string(cairn::audit::damage_name(report.damage))}};
    if (!report.intact) {
      out["first_bad_seq"] = report.first_bad_seq;
      out["detail"] = report.detail;
    }
    return out;
  };
  return tool;
}

mcp::Resource audit_head_resource(cairn::Engine& engine) {
  mcp::Resource resource;
  resource.uri = "cairn://audit/head";
  resource.name = "audit-head";
  resource.title = "Audit log head";
  resource.description = "The audit log's signed tree head (size, Merkle root, chain head).";
  resource.mime_type = "application/json";
  resource.read = [&engine](std::string_view uri,
                            const mcp::Context&) -> Result<std::vector<mcp::ResourceContents>> {
    CAIRN_ASSIGN_OR_RETURN(cairn::audit::TreeHead head, engine.audit().tree_head());
    json body{{"size", head.size},
              {"root", cairn::encoding::hex_encode(head.root)},
              {"chain_head", cairn::encoding::hex_encode(head.chain_head)},
              {"time", cairn::format_rfc3339(head.time)},
              {"signature", cairn::encoding::b64_encode(head.signature)},
              {"public_key", engine.audit().public_key_pem()}};
    std::vector<mcp::ResourceContents> contents(1);
    contents[0].uri = std::string(uri);
    contents[0].mime_type = "application/json";
    contents[0].text = json_text(body);
    return contents;
  };
  return resource;
}

cairn::Status register_all(mcp::Server& server, cairn::Engine& engine) {
  CAIRN_TRY(server.add_tool(echo_tool()));
  CAIRN_TRY(server.add_tool(fail_tool()));
  CAIRN_TRY(server.add_tool(sleep_tool()));
  CAIRN_TRY(server.add_tool(jobs_enqueue_tool(engine)));
  CAIRN_TRY(server.add_tool(audit_verify_tool(engine)));
  CAIRN_TRY(server.add_resource(audit_head_resource(engine)));
  return cairn::ok_status();
}

// Bearer-token check for the HTTP transport. Both sides are hashed first, so the comparison takes
// the same time whatever the lengths and contents.
net::Middleware require_token(std::string_view token) {
  return [expected = cairn::crypto::sha256(cairn::as_bytes(token))](net::Request& req,
                                                                    net::Response& res) {
    if (req.path == "/health") return true;
    constexpr std::string_view kBearer = "Bearer ";
    std::string_view given = req.header("Authorization").value_or(std::string_view());
    bool ok = given.size() > kBearer.size() && given.substr(0, kBearer.size()) == kBearer;
    auto digest = cairn::crypto::sha256(cairn::as_bytes(ok ? given.substr(kBearer.size()) : ""));
    if (!cairn::crypto::constant_time_equal(digest, expected) || !ok) {
      res.error(ErrorCode::kUnauthenticated, "EXAMPLE_TOKEN_INVALID",
                "a valid Authorization: Bearer token is required");
      res.headers.set("WWW-Authenticate", "Bearer");
      return false;
    }
    req.subject = "token";
    return true;
  };
}

int serve_http(mcp::Server& server, const std::string& listen) {
  std::optional<HostPort> address = parse_host_port(listen);
  if (!address) return exit_with(2, "--listen wants HOST:PORT or [IPV6]:PORT, not " + listen);

  mcp::HttpTransport transport(server);  // declared before `http`, so it outlives it
  net::Router router;
  if (auto s = transport.mount(router); !s) return exit_with(2, s.error().to_string());
  net::Server http(std::move(router));
  // NOLINTNEXTLINE(concurrency-mt-unsafe): read once, before any thread starts
  if (const char* token = std::getenv("CAIRN_MCP_TOKEN"); token != nullptr && *token != '\0') {
    http.use(require_token(token));
  }
  if (auto s = http.listen_tcp(address->host, address->port); !s) {
    return exit_with(2, s.error().to_string());
  }
  http.stop_on_signals();
  if (auto s = http.start(2); !s) return exit_with(2, s.error().to_string());
  for (const std::string& endpoint : http.endpoints()) {
    std::printf("listening on http://%s\n", endpoint.c_str());
  }
  std::fflush(stdout);
  http.wait();
  transport.close();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a closed pipe is an error on write, not a silent exit
  std::string db = "memory:";
  bool stdio = false;
  std::string listen;
  CLI::App app{"cairn::mcp example server: echo, fail, sleep, jobs_enqueue, audit_verify"};
  app.add_option("--db", db, "database URI the engine opens (default memory:)");
  app.add_flag("--stdio", stdio, "serve one session on stdin/stdout");
  app.add_option("--listen", listen, "HOST:PORT for Streamable HTTP at /mcp (port 0: any)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int status = app.exit(e);  // help to stdout (0), errors to stderr
    return status == 0 ? 0 : 2;
  }
  if (stdio == !listen.empty()) {
    return exit_with(2, "give exactly one of --stdio or --listen HOST:PORT (see --help)");
  }

  auto engine = cairn::Engine::open(db);
  if (!engine) return exit_with(1, "opening " + db + ": " + engine.error().to_string());

  mcp::ServerOptions options;
  options.info.name = std::string(kProgram);
  options.instructions =
      "An example cairn server: echo and fail for trying a client, jobs_enqueue and "
      "audit_verify over its engine.";
  options.log = log_line;
  mcp::Server server(std::move(options));
  if (auto s = register_all(server, **engine); !s) return exit_with(1, s.error().to_string());

  if (!stdio) return serve_http(server, listen);
  mcp::SessionOptions session;
  session.subject = "local";  // the process's caller
  session.scopes = {"*"};
  if (auto s = mcp::serve_stdio(server, std::move(session)); !s) {
    return exit_with(1, s.error().to_string());
  }
  return 0;
}
