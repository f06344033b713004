// cairn::mcp::Session: the lifecycle in every order, each standard method, each error code and
// reason, cancellation, scopes and read-only filtering, paging, batches, dialects, tools' results
// and errors, resources and logging.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cairn/mcp/server.hpp"

namespace cairn::mcp {
namespace {

using nlohmann::json;

std::string request(const json& id, std::string_view method, const json& params = nullptr) {
  json message = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
  if (!params.is_null()) message["params"] = params;
  return message.dump();
}

std::string notification(std::string_view method, const json& params = nullptr) {
  json message = {{"jsonrpc", "2.0"}, {"method", method}};
  if (!params.is_null()) message["params"] = params;
  return message.dump();
}

std::string initialize_request(std::string_view version = "2025-06-18") {
  return request(1, "initialize",
                 {{"protocolVersion", version},
                  {"capabilities", json::object()},
                  {"clientInfo", {{"name", "test-client"}, {"version", "1.0"}}}});
}

json parse(const std::string& text) { return json::parse(text); }

// The data.reason of an error response.
std::string reason_of(const json& response) {
  return response.at("error").at("data").at("reason").get<std::string>();
}

int code_of(const json& response) { return response.at("error").at("code").get<int>(); }

ResourceContents text_contents(std::string_view uri, std::string text) {
  ResourceContents contents;
  contents.uri = std::string(uri);
  contents.text = std::move(text);
  return contents;
}

Tool make_tool(std::string name, ToolHandler handler, bool read_only = false) {
  Tool tool;
  tool.name = std::move(name);
  tool.description = "test tool";
  tool.read_only = read_only;
  tool.handler = std::move(handler);
  return tool;
}

Result<json> return_arguments(const json& args, const Context&) { return args; }

class SessionTest : public ::testing::Test {
 protected:
  SessionTest() : server_(server_options()) {
    Tool echo = make_tool(
        "echo",
        [](const json& args, const Context&) -> Result<json> {
          return json{{"text", args.at("text")}};
        },
        true);
    echo.title = "Echo";
    echo.input_schema = {{"type", "object"},
                         {"properties", {{"text", {{"type", "string"}, {"maxLength", 10}}}}},
                         {"required", {"text"}},
                         {"additionalProperties", false}};
    echo.output_schema = json{{"type", "object"}, {"required", {"text"}}};
    echo.annotations.idempotent_hint = true;
    EXPECT_TRUE(server_.add_tool(std::move(echo)));

    Tool whoami = make_tool(
        "whoami",
        [](const json&, const Context& ctx) -> Result<json> {
          return json{{"subject", ctx.subject},
                      {"scopes", ctx.scopes},
                      {"read_only", ctx.mode == Mode::kReadOnly},
                      {"has_admin", ctx.has_scope("admin")},
                      {"cancel_set", ctx.cancel != nullptr},
                      {"session_set", ctx.session != nullptr}};
        },
        true);
    EXPECT_TRUE(server_.add_tool(std::move(whoami)));

    Tool write = make_tool("write", return_arguments);
    write.annotations.destructive_hint = true;
    EXPECT_TRUE(server_.add_tool(std::move(write)));

    Tool admin = make_tool("admin", return_arguments, true);
    admin.scopes = {"admin"};
    EXPECT_TRUE(server_.add_tool(std::move(admin)));

    EXPECT_TRUE(server_.add_tool(make_tool(
        "list",
        [](const json&, const Context&) -> Result<json> {
          return json{1, 2};
        },
        true)));
    EXPECT_TRUE(server_.add_tool(make_tool("fail", [](const json&, const Context&) -> Result<json> {
      return fail(ErrorCode::kNotFound, "JOB_NOT_FOUND", "job 7 not found");
    })));
    EXPECT_TRUE(
        server_.add_tool(make_tool("broken", [](const json&, const Context&) -> Result<json> {
          return fail(ErrorCode::kInternal, "DB_BROKEN", "the disk at /secret is gone");
        })));
    EXPECT_TRUE(
        server_.add_tool(make_tool("throws", [](const json&, const Context&) -> Result<json> {
          throw std::runtime_error("boom");
        })));
    Tool bad_output = make_tool("bad_output", [](const json&, const Context&) -> Result<json> {
      return json{{"other", 1}};
    });
    bad_output.output_schema = json{{"type", "object"}, {"required", {"n"}}};
    EXPECT_TRUE(server_.add_tool(std::move(bad_output)));
    EXPECT_TRUE(
        server_.add_tool(make_tool("wait", [this](const json&, const Context& ctx) -> Result<json> {
          started_.set_value();
          // Bounded: gives up after about a minute so a broken cancel fails instead of hanging.
          for (int i = 0; i < 60000 && !ctx.cancelled(); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
          }
          saw_cancel_ = ctx.cancelled();
          return json{{"done", true}};
        })));
    EXPECT_TRUE(server_.add_tool(
        make_tool("logs", [](const json& args, const Context& ctx) -> Result<json> {
          ctx.log(LogLevel::kInfo, args.value("info", json("info line")));
          ctx.log(LogLevel::kError, json("error line"));
          return json::object();
        })));
  }

  ServerOptions server_options() {
    ServerOptions options;
    options.info.name = "cairn-test";
    options.info.version = "9.9.9";
    options.info.title = "Cairn Test";
    options.instructions = "Use echo.";
    options.page_size = 100;
    options.log = [this](std::string_view line) {
      std::lock_guard<std::mutex> lock(log_mutex_);
      log_.emplace_back(line);
    };
    return options;
  }

  std::shared_ptr<Session> open(std::vector<std::string> scopes = {"*"},
                                Mode mode = Mode::kReadWrite) {
    SessionOptions options;
    options.subject = "alice";
    options.scopes = std::move(scopes);
    options.mode = mode;
    return server_.open_session(options);
  }

  // A session that has been through initialize and notifications/initialized.
  std::shared_ptr<Session> ready(std::vector<std::string> scopes = {"*"},
                                 Mode mode = Mode::kReadWrite,
                                 std::string_view version = "2025-06-18") {
    std::shared_ptr<Session> session = open(std::move(scopes), mode);
    json init = parse(session->handle(initialize_request(version)));
    EXPECT_TRUE(init.contains("result")) << init.dump();
    EXPECT_EQ(session->handle(notification("notifications/initialized")), "");
    return session;
  }

  json call_tool(Session& session, std::string_view name, const json& arguments = nullptr,
                 const json& id = 5) {
    json params = {{"name", name}};
    if (!arguments.is_null()) params["arguments"] = arguments;
    return parse(session.handle(request(id, "tools/call", params)));
  }

  std::vector<std::string> logged() {
    std::lock_guard<std::mutex> lock(log_mutex_);
    return log_;
  }

  Server server_;
  std::promise<void> started_;
  std::atomic<bool> saw_cancel_{false};
  std::mutex log_mutex_;
  std::vector<std::string> log_;
};

std::vector<std::string> tool_names(const json& result) {
  std::vector<std::string> names;
  for (const json& tool : result.at("tools")) names.push_back(tool.at("name").get<std::string>());
  return names;
}

// --- lifecycle ---------------------------------------------------------------------------------

TEST_F(SessionTest, AnswersPingBeforeInitialize) {
  std::shared_ptr<Session> session = open();
  json reply = parse(session->handle(request(3, "ping")));
  EXPECT_EQ(reply["id"], 3);
  EXPECT_EQ(reply["result"], json::object());
}

TEST_F(SessionTest, RefusesRequestsBeforeInitialize) {
  std::shared_ptr<Session> session = open();
  for (std::string_view method : {"tools/list", "tools/call", "resources/list", "prompts/list",
                                  "logging/setLevel", "no/such/method"}) {
    json reply = parse(session->handle(request("a", method)));
    EXPECT_EQ(reply["id"], "a");
    EXPECT_EQ(code_of(reply), -32600) << method;
    EXPECT_EQ(reason_of(reply), "MCP_NOT_INITIALIZED") << method;
  }
}

TEST_F(SessionTest, RefusesToolsBetweenInitializeAndInitialized) {
  std::shared_ptr<Session> session = open();
  ASSERT_TRUE(parse(session->handle(initialize_request())).contains("result"));
  EXPECT_EQ(session->protocol_version(), "2025-06-18");
  EXPECT_FALSE(session->initialized());
  for (std::string_view method : {"tools/list", "resources/list", "resources/read"}) {
    json reply = parse(session->handle(request(2, method)));
    EXPECT_EQ(code_of(reply), -32600);
    EXPECT_EQ(reason_of(reply), "MCP_NOT_INITIALIZED");
  }
  // ping and logging/setLevel already work.
  EXPECT_TRUE(parse(session->handle(request(3, "ping"))).contains("result"));
  EXPECT_TRUE(parse(session->handle(request(4, "logging/setLevel", {{"level", "debug"}})))
                  .contains("result"));
  EXPECT_EQ(session->handle(notification("notifications/initialized")), "");
  EXPECT_TRUE(session->initialized());
  json reply = parse(session->handle(request(5, "tools/list")));
  ASSERT_TRUE(reply.contains("result")) << reply.dump();
}

TEST_F(SessionTest, IgnoresInitializedBeforeInitialize) {
  std::shared_ptr<Session> session = open();
  EXPECT_EQ(session->handle(notification("notifications/initialized")), "");
  EXPECT_FALSE(session->initialized());
  ASSERT_TRUE(parse(session->handle(initialize_request())).contains("result"));
  json reply = parse(session->handle(request(2, "tools/list")));
  EXPECT_EQ(reason_of(reply), "MCP_NOT_INITIALIZED");
}

TEST_F(SessionTest, RefusesASecondInitialize) {
  std::shared_ptr<Session> session = ready();
  json reply = parse(session->handle(initialize_request("2024-11-05")));
  EXPECT_EQ(code_of(reply), -32600);
  EXPECT_EQ(reason_of(reply), "MCP_ALREADY_INITIALIZED");
  EXPECT_EQ(session->protocol_version(), "2025-06-18");
}

TEST_F(SessionTest, RefusesInitializeWithoutAProtocolVersion) {
  std::shared_ptr<Session> session = open();
  for (const json& params : {json(nullptr), json::object(), json{{"protocolVersion", 20250618}},
                             json::array({"2025-06-18"})}) {
    json reply = parse(session->handle(request(1, "initialize", params)));
    EXPECT_EQ(code_of(reply), -32602) << params.dump();
    EXPECT_EQ(reason_of(reply), "MCP_INVALID_PARAMS");
  }
  EXPECT_EQ(session->protocol_version(), "");
  EXPECT_TRUE(parse(session->handle(initialize_request())).contains("result"));
}

TEST_F(SessionTest, InitializeAnswersVersionCapabilitiesAndServerInfo) {
  std::shared_ptr<Session> session = open();
  json reply = parse(session->handle(initialize_request("2024-11-05")));
  const json& result = reply.at("result");
  EXPECT_EQ(reply["id"], 1);
  EXPECT_EQ(result["protocolVersion"], "2024-11-05");
  EXPECT_EQ(result["capabilities"]["tools"], json({{"listChanged", false}}));
  EXPECT_EQ(result["capabilities"]["logging"], json::object());
  EXPECT_FALSE(result["capabilities"].contains("resources"));
  EXPECT_FALSE(result["capabilities"].contains("prompts"));
  EXPECT_EQ(result["serverInfo"],
            json({{"name", "cairn-test"}, {"version", "9.9.9"}, {"title", "Cairn Test"}}));
  EXPECT_EQ(result["instructions"], "Use echo.");
  EXPECT_EQ(session->client_info(), json({{"name", "test-client"}, {"version", "1.0"}}));
}

TEST_F(SessionTest, InitializeAnswersTheNewestVersionForAnUnknownOne) {
  std::shared_ptr<Session> session = open();
  json reply = parse(session->handle(initialize_request("1999-01-01")));
  EXPECT_EQ(reply["result"]["protocolVersion"], "2025-11-25");
  EXPECT_EQ(session->protocol_version(), "2025-11-25");
}

TEST(SessionInitializeTest, LeavesOutEmptyTitleAndInstructions) {
  Server server;
  std::shared_ptr<Session> session = server.open_session();
  json result = parse(session->handle(initialize_request()))["result"];
  EXPECT_FALSE(result.contains("instructions"));
  EXPECT_FALSE(result["serverInfo"].contains("title"));
  EXPECT_EQ(result["serverInfo"]["name"], "cairn");
  EXPECT_FALSE(result["serverInfo"]["version"].get<std::string>().empty());
}

TEST_F(SessionTest, NeverAnswersNotifications) {
  std::shared_ptr<Session> session = ready();
  for (std::string_view method : {"notifications/unknown", "tools/list", "ping"}) {
    Accepted accepted = session->accept(notification(method));
    EXPECT_EQ(accepted.reply, "");
    EXPECT_FALSE(accepted.run);
    EXPECT_FALSE(accepted.has_requests);
  }
}

TEST_F(SessionTest, AnswersUnknownMethodsWithMethodNotFound) {
  std::shared_ptr<Session> session = ready();
  json reply = parse(session->handle(request(9, "prompts/list")));
  EXPECT_EQ(code_of(reply), -32601);
  EXPECT_EQ(reason_of(reply), "MCP_METHOD_NOT_FOUND");
  EXPECT_EQ(reply["error"]["message"], "Method not found: prompts/list");
  EXPECT_EQ(reply["id"], 9);
}

TEST_F(SessionTest, EchoesStringAndIntegerIds) {
  std::shared_ptr<Session> session = ready();
  EXPECT_EQ(parse(session->handle(request("7", "ping")))["id"], "7");
  EXPECT_EQ(parse(session->handle(request(7, "ping")))["id"], 7);
  json call = call_tool(*session, "echo", {{"text", "hi"}}, "call-1");
  EXPECT_EQ(call["id"], "call-1");
}

// --- the codec's refusals ------------------------------------------------------------------------

TEST_F(SessionTest, AnswersAParseErrorWithNullId) {
  std::shared_ptr<Session> session = open();
  Accepted accepted = session->accept(R"({"jsonrpc":"2.0","id":1,"method":)");
  json reply = parse(accepted.reply);
  EXPECT_TRUE(reply["id"].is_null());
  EXPECT_EQ(code_of(reply), -32700);
  EXPECT_EQ(reason_of(reply), "MCP_PARSE_ERROR");
  EXPECT_FALSE(accepted.run);
}

TEST_F(SessionTest, AnswersAnInvalidRequestWithItsId) {
  std::shared_ptr<Session> session = ready();
  json reply = parse(session->handle(R"({"jsonrpc":"1.0","id":12,"method":"ping"})"));
  EXPECT_EQ(code_of(reply), -32600);
  EXPECT_EQ(reason_of(reply), "MCP_INVALID_REQUEST");
  EXPECT_EQ(reply["id"], 12);
}

TEST(SessionLimitTest, RefusesAMessageOverTheServersCap) {
  ServerOptions options;
  options.max_message_bytes = 64;
  Server server(options);
  std::shared_ptr<Session> session = server.open_session();
  json reply = parse(session->handle(request(1, "ping", {{"pad", std::string(100, 'x')}})));
  EXPECT_TRUE(reply["id"].is_null());
  EXPECT_EQ(code_of(reply), -32600);
  EXPECT_EQ(reason_of(reply), "MCP_MESSAGE_TOO_LARGE");
  EXPECT_TRUE(parse(session->handle(request(2, "ping"))).contains("result"));
}

TEST_F(SessionTest, AnswersADecodedErrorFromTheTransport) {
  std::shared_ptr<Session> session = open();
  jsonrpc::Decoded decoded;
  decoded.error =
      jsonrpc::ErrorObject{jsonrpc::kInvalidRequest, "MCP_MESSAGE_TOO_LARGE", "too large", nullptr};
  Accepted accepted = session->accept(std::move(decoded));
  json reply = parse(accepted.reply);
  EXPECT_EQ(reason_of(reply), "MCP_MESSAGE_TOO_LARGE");
  EXPECT_TRUE(reply["id"].is_null());
}

TEST_F(SessionTest, IgnoresResponses) {
  std::shared_ptr<Session> session = ready();
  Accepted accepted = session->accept(R"({"jsonrpc":"2.0","id":4,"result":{}})");
  EXPECT_EQ(accepted.reply, "");
  EXPECT_FALSE(accepted.run);
  EXPECT_FALSE(accepted.has_requests);
}

// --- tools/list ----------------------------------------------------------------------------------

TEST_F(SessionTest, ListsToolsWithTheirDescriptions) {
  std::shared_ptr<Session> session = ready();
  json result = parse(session->handle(request(2, "tools/list")))["result"];
  EXPECT_EQ(tool_names(result),
            (std::vector<std::string>{"echo", "whoami", "write", "admin", "list", "fail", "broken",
                                      "throws", "bad_output", "wait", "logs"}));
  EXPECT_FALSE(result.contains("nextCursor"));
  const json& echo = result["tools"][0];
  EXPECT_EQ(echo["title"], "Echo");
  EXPECT_EQ(echo["description"], "test tool");
  EXPECT_EQ(echo["inputSchema"]["required"], json::array({"text"}));
  EXPECT_EQ(echo["outputSchema"], json({{"type", "object"}, {"required", {"text"}}}));
  EXPECT_EQ(echo["annotations"], json({{"readOnlyHint", true}, {"idempotentHint", true}}));
  const json& write = result["tools"][2];
  EXPECT_FALSE(write.contains("title"));
  EXPECT_FALSE(write.contains("outputSchema"));
  EXPECT_EQ(write["annotations"], json({{"readOnlyHint", false}, {"destructiveHint", true}}));
}

TEST_F(SessionTest, ListsOnlyToolsTheScopesAllow) {
  std::shared_ptr<Session> session = ready({"jobs:read"});
  std::vector<std::string> names =
      tool_names(parse(session->handle(request(2, "tools/list")))["result"]);
  EXPECT_EQ(std::count(names.begin(), names.end(), "admin"), 0);
  EXPECT_EQ(std::count(names.begin(), names.end(), "echo"), 1);

  std::shared_ptr<Session> admin = ready({"admin"});
  names = tool_names(parse(admin->handle(request(2, "tools/list")))["result"]);
  EXPECT_EQ(std::count(names.begin(), names.end(), "admin"), 1);
}

TEST_F(SessionTest, ListsOnlyReadOnlyToolsInReadOnlyMode) {
  std::shared_ptr<Session> session = ready({"*"}, Mode::kReadOnly);
  json result = parse(session->handle(request(2, "tools/list")))["result"];
  EXPECT_EQ(tool_names(result), (std::vector<std::string>{"echo", "whoami", "admin", "list"}));
}

TEST_F(SessionTest, PagesToolsWithCursors) {
  ServerOptions options;
  options.page_size = 2;
  Server server(options);
  for (std::string name : {"a", "b", "c", "d", "e"}) {
    ASSERT_TRUE(server.add_tool(make_tool(name, return_arguments)));
  }
  std::shared_ptr<Session> session = server.open_session();
  session->handle(initialize_request());
  session->handle(notification("notifications/initialized"));

  std::vector<std::string> seen;
  json params = json::object();
  int pages = 0;
  for (; pages < 10; ++pages) {
    json result = parse(session->handle(request(pages, "tools/list", params)))["result"];
    std::vector<std::string> names = tool_names(result);
    EXPECT_LE(names.size(), 2u);
    seen.insert(seen.end(), names.begin(), names.end());
    if (!result.contains("nextCursor")) break;
    ASSERT_TRUE(result["nextCursor"].is_string());
    params["cursor"] = result["nextCursor"];
  }
  EXPECT_EQ(pages, 2);  // three pages: 0, 1, 2
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b", "c", "d", "e"}));
}

TEST_F(SessionTest, RefusesCursorsItDidNotIssue) {
  ServerOptions options;
  options.page_size = 2;
  Server server(options);
  for (std::string name : {"a", "b", "c", "d", "e"}) {
    Tool tool = make_tool(name, return_arguments, name == "a");
    ASSERT_TRUE(server.add_tool(std::move(tool)));
  }
  std::shared_ptr<Session> session = server.open_session();
  session->handle(initialize_request());
  session->handle(notification("notifications/initialized"));
  json first = parse(session->handle(request(1, "tools/list")))["result"];
  json second =
      parse(session->handle(request(2, "tools/list", {{"cursor", first["nextCursor"]}})))["result"];
  ASSERT_TRUE(second.contains("nextCursor"));

  for (const json& cursor : {json("garbage!"), json(""), json(4), json("AAAA")}) {
    json reply = parse(session->handle(request(3, "tools/list", {{"cursor", cursor}})));
    EXPECT_EQ(code_of(reply), -32602) << cursor.dump();
    EXPECT_EQ(reason_of(reply), "MCP_CURSOR_INVALID") << cursor.dump();
  }
  // A cursor past the end of what a read-only session sees is out of range there.
  SessionOptions read_only;
  read_only.mode = Mode::kReadOnly;
  std::shared_ptr<Session> narrow = server.open_session(read_only);
  narrow->handle(initialize_request());
  narrow->handle(notification("notifications/initialized"));
  json reply = parse(narrow->handle(request(4, "tools/list", {{"cursor", second["nextCursor"]}})));
  EXPECT_EQ(reason_of(reply), "MCP_CURSOR_INVALID");
}

// --- tools/call ----------------------------------------------------------------------------------

TEST_F(SessionTest, CallAnswersStructuredContentAndText) {
  std::shared_ptr<Session> session = ready();
  json reply = call_tool(*session, "echo", {{"text", "hi"}});
  const json& result = reply.at("result");
  EXPECT_EQ(result["isError"], false);
  EXPECT_EQ(result["structuredContent"], json({{"text", "hi"}}));
  ASSERT_EQ(result["content"].size(), 1u);
  EXPECT_EQ(result["content"][0]["type"], "text");
  EXPECT_EQ(result["content"][0]["text"], R"({"text":"hi"})");
}

TEST_F(SessionTest, CallLeavesOutStructuredContentForNonObjects) {
  std::shared_ptr<Session> session = ready();
  json result = call_tool(*session, "list")["result"];
  EXPECT_EQ(result["isError"], false);
  EXPECT_FALSE(result.contains("structuredContent"));
  EXPECT_EQ(result["content"][0]["text"], "[1,2]");
}

TEST_F(SessionTest, CallRunsTheHandlerInRun) {
  std::shared_ptr<Session> session = ready();
  Accepted accepted =
      session->accept(request(5, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "x"}}}}));
  EXPECT_EQ(accepted.reply, "");
  EXPECT_TRUE(accepted.has_requests);
  ASSERT_TRUE(accepted.run);
  json reply = parse(accepted.run());
  EXPECT_EQ(reply["result"]["structuredContent"]["text"], "x");
}

TEST_F(SessionTest, CallPassesTheSessionsIdentityToTheHandler) {
  std::shared_ptr<Session> session = ready({"jobs:read", "admin"}, Mode::kReadOnly);
  json result = call_tool(*session, "whoami")["result"]["structuredContent"];
  EXPECT_EQ(result["subject"], "alice");
  EXPECT_EQ(result["scopes"], json::array({"jobs:read", "admin"}));
  EXPECT_EQ(result["read_only"], true);
  EXPECT_EQ(result["has_admin"], true);
  EXPECT_EQ(result["cancel_set"], true);
  EXPECT_EQ(result["session_set"], true);
}

TEST_F(SessionTest, CallDefaultsArgumentsToAnEmptyObject) {
  std::shared_ptr<Session> session = ready();
  json result = call_tool(*session, "write")["result"];
  EXPECT_EQ(result["structuredContent"], json::object());
  json with_null = parse(session->handle(
      request(6, "tools/call", {{"name", "write"}, {"arguments", nullptr}})))["result"];
  EXPECT_EQ(with_null["structuredContent"], json::object());
}

TEST_F(SessionTest, CallRefusesAnUnknownTool) {
  std::shared_ptr<Session> session = ready();
  json reply = call_tool(*session, "nope");
  EXPECT_EQ(code_of(reply), -32602);
  EXPECT_EQ(reason_of(reply), "MCP_TOOL_NOT_FOUND");
  EXPECT_EQ(reply["error"]["message"], "Unknown tool: nope");
}

TEST_F(SessionTest, CallTreatsHiddenToolsAsUnknown) {
  std::shared_ptr<Session> no_admin = ready({"jobs:read"});
  json reply = call_tool(*no_admin, "admin");
  EXPECT_EQ(reason_of(reply), "MCP_TOOL_NOT_FOUND");
  EXPECT_EQ(reply["error"]["message"], "Unknown tool: admin");

  std::shared_ptr<Session> read_only = ready({"*"}, Mode::kReadOnly);
  reply = call_tool(*read_only, "write", json::object());
  EXPECT_EQ(reason_of(reply), "MCP_TOOL_NOT_FOUND");
  EXPECT_EQ(reply["error"]["message"], "Unknown tool: write");
  EXPECT_EQ(call_tool(*read_only, "admin")["result"]["isError"], false);
}

TEST_F(SessionTest, CallRefusesMalformedParams) {
  std::shared_ptr<Session> session = ready();
  for (const json& params : {json(nullptr), json::array({"echo"}), json::object(),
                             json{{"name", 5}}, json{{"name", "echo"}, {"arguments", "text"}},
                             json{{"name", "echo"}, {"arguments", json::array()}}}) {
    json reply = parse(session->handle(request(5, "tools/call", params)));
    EXPECT_EQ(code_of(reply), -32602) << params.dump();
    EXPECT_EQ(reason_of(reply), "MCP_INVALID_PARAMS") << params.dump();
  }
}

TEST_F(SessionTest, CallRefusesArgumentsThatBreakTheSchema) {
  std::shared_ptr<Session> session = ready();
  json reply = call_tool(*session, "echo", {{"text", 5}});
  EXPECT_EQ(code_of(reply), -32602);
  EXPECT_EQ(reason_of(reply), "MCP_ARGUMENTS_INVALID");
  EXPECT_EQ(reply["error"]["data"]["path"], "/text");
  EXPECT_EQ(reply["error"]["message"].get<std::string>().rfind(
                "Invalid arguments for tool echo: /text ", 0),
            0u)
      << reply.dump();

  reply = call_tool(*session, "echo", {{"text", "01234567890"}});
  EXPECT_EQ(reason_of(reply), "MCP_ARGUMENTS_INVALID");
  EXPECT_EQ(reply["error"]["data"]["path"], "/text");

  reply = call_tool(*session, "echo");
  EXPECT_EQ(reason_of(reply), "MCP_ARGUMENTS_INVALID");

  reply = call_tool(*session, "echo", {{"text", "a"}, {"extra", 1}});
  EXPECT_EQ(reason_of(reply), "MCP_ARGUMENTS_INVALID");
}

TEST(SessionArgumentsTest, NamesNoPathForTheRoot) {
  Server server;
  Tool tool = make_tool("t", return_arguments);
  tool.input_schema = {{"type", "object"}, {"minProperties", 1}};
  ASSERT_TRUE(server.add_tool(std::move(tool)));
  std::shared_ptr<Session> session = server.open_session();
  session->handle(initialize_request());
  session->handle(notification("notifications/initialized"));
  json reply = parse(session->handle(request(1, "tools/call", {{"name", "t"}})));
  EXPECT_EQ(reason_of(reply), "MCP_ARGUMENTS_INVALID");
  EXPECT_EQ(reply["error"]["data"]["path"], "");
  const std::string message = reply["error"]["message"].get<std::string>();
  EXPECT_EQ(message.rfind("Invalid arguments for tool t: ", 0), 0u) << message;
  EXPECT_NE(message[std::string("Invalid arguments for tool t: ").size()], ' ') << message;
}

TEST_F(SessionTest, CallAnswersAToolErrorWithCodeAndReason) {
  std::shared_ptr<Session> session = ready();
  json result = call_tool(*session, "fail")["result"];
  EXPECT_EQ(result["isError"], true);
  EXPECT_FALSE(result.contains("structuredContent"));
  EXPECT_EQ(result["content"][0]["type"], "text");
  EXPECT_EQ(result["content"][0]["text"], "NOT_FOUND JOB_NOT_FOUND: job 7 not found");
  EXPECT_TRUE(logged().empty());
}

TEST_F(SessionTest, CallHidesAndLogsAnInternalToolError) {
  std::shared_ptr<Session> session = ready();
  json result = call_tool(*session, "broken")["result"];
  EXPECT_EQ(result["isError"], true);
  EXPECT_EQ(result["content"][0]["text"], "INTERNAL DB_BROKEN: internal error");
  std::vector<std::string> lines = logged();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("DB_BROKEN"), std::string::npos);
  EXPECT_NE(lines[0].find("broken"), std::string::npos);
}

TEST_F(SessionTest, CallTurnsAnExceptionIntoAToolError) {
  std::shared_ptr<Session> session = ready();
  json result = call_tool(*session, "throws")["result"];
  EXPECT_EQ(result["isError"], true);
  EXPECT_EQ(result["content"][0]["text"], "INTERNAL MCP_TOOL_FAILED: internal error");
  std::vector<std::string> lines = logged();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("MCP_TOOL_FAILED"), std::string::npos);
}

TEST_F(SessionTest, CallRefusesAResultThatBreaksTheOutputSchema) {
  std::shared_ptr<Session> session = ready();
  json result = call_tool(*session, "bad_output")["result"];
  EXPECT_EQ(result["isError"], true);
  EXPECT_FALSE(result.contains("structuredContent"));
  EXPECT_EQ(result["content"][0]["text"], "INTERNAL MCP_TOOL_OUTPUT_INVALID: internal error");
  std::vector<std::string> lines = logged();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("MCP_TOOL_OUTPUT_INVALID"), std::string::npos);
}

// --- cancellation --------------------------------------------------------------------------------

TEST_F(SessionTest, CancelledCallReachesTheHandlerAndDropsTheReply) {
  std::shared_ptr<Session> session = ready();
  Accepted accepted = session->accept(request("slow", "tools/call", {{"name", "wait"}}));
  ASSERT_TRUE(accepted.run);
  std::string reply = "not run";
  std::thread worker([&] { reply = accepted.run(); });
  started_.get_future().wait();
  Accepted cancel = session->accept(
      notification("notifications/cancelled", {{"requestId", "slow"}, {"reason", "user"}}));
  EXPECT_EQ(cancel.reply, "");
  EXPECT_FALSE(cancel.has_requests);
  worker.join();
  EXPECT_TRUE(saw_cancel_.load());
  EXPECT_EQ(reply, "");
}

TEST_F(SessionTest, CancelMatchesTheIdExactly) {
  std::shared_ptr<Session> session = ready();
  Accepted accepted =
      session->accept(request(7, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "a"}}}}));
  // "7" is not 7, and unknown ids are ignored.
  session->accept(notification("notifications/cancelled", {{"requestId", "7"}}));
  session->accept(notification("notifications/cancelled", {{"requestId", 8}}));
  session->accept(notification("notifications/cancelled", json::object()));
  ASSERT_TRUE(accepted.run);
  json reply = parse(accepted.run());
  EXPECT_EQ(reply["id"], 7);
  EXPECT_EQ(reply["result"]["isError"], false);
}

TEST_F(SessionTest, CancelBeforeRunSkipsTheHandler) {
  std::shared_ptr<Session> session = ready();
  Accepted accepted = session->accept(request(3, "tools/call", {{"name", "wait"}}));
  session->accept(notification("notifications/cancelled", {{"requestId", 3}}));
  ASSERT_TRUE(accepted.run);
  EXPECT_EQ(accepted.run(), "");
  // The id is free again: the same id runs normally.
  json reply = call_tool(*session, "echo", {{"text", "b"}}, 3);
  EXPECT_EQ(reply["result"]["structuredContent"]["text"], "b");
}

TEST_F(SessionTest, CloseCancelsCallsAndStopsAnswering) {
  std::shared_ptr<Session> session = ready();
  Accepted accepted = session->accept(request(3, "tools/call", {{"name", "wait"}}));
  EXPECT_EQ(server_.session_count(), 1u);
  session->close();
  EXPECT_TRUE(session->closed());
  EXPECT_EQ(server_.session_count(), 0u);
  ASSERT_TRUE(accepted.run);
  EXPECT_EQ(accepted.run(), "");
  Accepted after = session->accept(request(4, "ping"));
  EXPECT_EQ(after.reply, "");
  EXPECT_FALSE(after.run);
  EXPECT_EQ(session->handle(request(5, "ping")), "");
}

// --- logging -------------------------------------------------------------------------------------

TEST_F(SessionTest, LogsThroughTheSinkFromInfoByDefault) {
  std::shared_ptr<Session> session = ready();
  std::vector<json> sent;
  session->set_sink([&](const json& message) {
    sent.push_back(message);
    return true;
  });
  EXPECT_EQ(call_tool(*session, "logs")["result"]["isError"], false);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0]["method"], "notifications/message");
  EXPECT_EQ(sent[0]["params"], json({{"level", "info"}, {"data", "info line"}}));
  EXPECT_EQ(sent[1]["params"]["level"], "error");

  session->log(LogLevel::kDebug, "db", "hidden");
  session->log(LogLevel::kWarning, "db", {{"k", 1}});
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[2]["params"],
            json({{"level", "warning"}, {"logger", "db"}, {"data", {{"k", 1}}}}));
}

TEST_F(SessionTest, SetLevelFiltersLogMessages) {
  std::shared_ptr<Session> session = ready();
  std::vector<json> sent;
  session->set_sink([&](const json& message) {
    sent.push_back(message);
    return true;
  });
  json reply = parse(session->handle(request(2, "logging/setLevel", {{"level", "error"}})));
  EXPECT_EQ(reply["result"], json::object());
  call_tool(*session, "logs");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0]["params"]["level"], "error");

  session->handle(request(3, "logging/setLevel", {{"level", "debug"}}));
  session->log(LogLevel::kDebug, "", "now visible");
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1]["params"]["data"], "now visible");
}

TEST_F(SessionTest, SetLevelRefusesAnUnknownLevel) {
  std::shared_ptr<Session> session = ready();
  for (const json& params : {json{{"level", "verbose"}}, json{{"level", 3}}, json::object()}) {
    json reply = parse(session->handle(request(2, "logging/setLevel", params)));
    EXPECT_EQ(code_of(reply), -32602);
    EXPECT_EQ(reason_of(reply), "MCP_INVALID_PARAMS");
  }
}

TEST_F(SessionTest, NotifyNeedsASink) {
  std::shared_ptr<Session> session = ready();
  EXPECT_FALSE(session->notify("notifications/x"));
  session->set_sink([](const json&) { return false; });
  EXPECT_FALSE(session->notify("notifications/x"));
  json got;
  session->set_sink([&](const json& message) {
    got = message;
    return true;
  });
  EXPECT_TRUE(session->notify("notifications/x", {{"a", 1}}));
  EXPECT_EQ(got, json({{"jsonrpc", "2.0"}, {"method", "notifications/x"}, {"params", {{"a", 1}}}}));
  session->set_sink(nullptr);
  EXPECT_FALSE(session->notify("notifications/x"));
}

// --- batches -------------------------------------------------------------------------------------

TEST_F(SessionTest, RefusesBatchesUnder20250618) {
  std::shared_ptr<Session> session = ready();
  json batch = json::array({parse(request(1, "ping")), parse(request(2, "ping"))});
  json reply = parse(session->handle(batch.dump()));
  ASSERT_TRUE(reply.is_object());
  EXPECT_TRUE(reply["id"].is_null());
  EXPECT_EQ(code_of(reply), -32600);
  EXPECT_EQ(reason_of(reply), "MCP_BATCH_NOT_ALLOWED");
}

TEST_F(SessionTest, RefusesBatchesBeforeInitialize) {
  std::shared_ptr<Session> session = open();
  json batch = json::array({parse(initialize_request("2025-03-26"))});
  json reply = parse(session->handle(batch.dump()));
  EXPECT_EQ(reason_of(reply), "MCP_BATCH_NOT_ALLOWED");
  EXPECT_EQ(session->protocol_version(), "");
}

TEST_F(SessionTest, AnswersBatchesUnder20250326InOrder) {
  std::shared_ptr<Session> session = ready({"*"}, Mode::kReadWrite, "2025-03-26");
  json batch = json::array(
      {parse(request(1, "ping")), parse(notification("notifications/x")),
       parse(request("c", "tools/call", {{"name", "echo"}, {"arguments", {{"text", "z"}}}})),
       parse(request(3, "no/such")), json(5)});
  Accepted accepted = session->accept(batch.dump());
  EXPECT_TRUE(accepted.has_requests);
  EXPECT_EQ(accepted.reply, "");
  ASSERT_TRUE(accepted.run);
  json reply = parse(accepted.run());
  ASSERT_TRUE(reply.is_array());
  ASSERT_EQ(reply.size(), 4u);
  EXPECT_EQ(reply[0]["id"], 1);
  EXPECT_EQ(reply[0]["result"], json::object());
  EXPECT_EQ(reply[1]["id"], "c");
  EXPECT_EQ(reply[1]["result"]["structuredContent"]["text"], "z");
  EXPECT_EQ(reply[2]["id"], 3);
  EXPECT_EQ(reason_of(reply[2]), "MCP_METHOD_NOT_FOUND");
  EXPECT_TRUE(reply[3]["id"].is_null());
  EXPECT_EQ(code_of(reply[3]), -32600);
}

TEST_F(SessionTest, AnswersABatchWithoutHandlersAtOnce) {
  std::shared_ptr<Session> session = ready({"*"}, Mode::kReadWrite, "2025-03-26");
  json batch = json::array({parse(request(1, "ping")), parse(request(2, "tools/list"))});
  Accepted accepted = session->accept(batch.dump());
  EXPECT_FALSE(accepted.run);
  json reply = parse(accepted.reply);
  ASSERT_EQ(reply.size(), 2u);
  EXPECT_EQ(reply[1]["id"], 2);
  EXPECT_TRUE(reply[1]["result"].contains("tools"));
}

TEST_F(SessionTest, AnswersNothingToABatchOfNotifications) {
  std::shared_ptr<Session> session = ready({"*"}, Mode::kReadWrite, "2025-03-26");
  json batch =
      json::array({parse(notification("notifications/x")), parse(notification("notifications/y"))});
  Accepted accepted = session->accept(batch.dump());
  EXPECT_EQ(accepted.reply, "");
  EXPECT_FALSE(accepted.run);
  EXPECT_FALSE(accepted.has_requests);
}

// --- dialects ------------------------------------------------------------------------------------

// Rungu's dialect: method = tool name, params = arguments, result = the raw object; its own
// error text for calls before initialize.
Dialect rungu_dialect(std::vector<std::string>& seen) {
  Dialect dialect;
  dialect.dispatch = [&seen](const jsonrpc::Incoming& message, Session&,
                             std::optional<json>& reply) {
    seen.push_back(message.method);
    if (message.method == "list_posts") {
      reply = jsonrpc::make_result(message.id, {{"posts", json::array({message.params})}});
      return true;
    }
    if (message.method == "rungu/quiet") return true;  // taken, nothing sent
    return false;
  };
  dialect.rewrite_error = [](jsonrpc::ErrorObject& error) {
    if (error.reason == "MCP_NOT_INITIALIZED") {
      error.code = -32002;
      error.message = "Server not initialized";
    }
  };
  return dialect;
}

TEST_F(SessionTest, DialectAnswersItsOwnMethodsBeforeInitialize) {
  std::vector<std::string> seen;
  server_.set_dialect(rungu_dialect(seen));
  std::shared_ptr<Session> session = open();
  json reply = parse(session->handle(request(4, "list_posts", {{"limit", 2}})));
  EXPECT_EQ(reply["id"], 4);
  EXPECT_EQ(reply["result"], json({{"posts", {{{"limit", 2}}}}}));
  EXPECT_EQ(session->handle(request(5, "rungu/quiet")), "");
  EXPECT_EQ(session->handle(notification("notifications/initialized")), "");
  EXPECT_EQ(seen,
            (std::vector<std::string>{"list_posts", "rungu/quiet", "notifications/initialized"}));
}

TEST_F(SessionTest, DialectRewritesErrors) {
  std::vector<std::string> seen;
  server_.set_dialect(rungu_dialect(seen));
  std::shared_ptr<Session> session = open();
  json reply = parse(session->handle(request(6, "tools/list")));
  EXPECT_EQ(code_of(reply), -32002);
  EXPECT_EQ(reply["error"]["message"], "Server not initialized");
  EXPECT_EQ(reason_of(reply), "MCP_NOT_INITIALIZED");
  // Errors it does not pick are unchanged, and standard methods still work.
  json parse_error = parse(session->handle("{"));
  EXPECT_EQ(code_of(parse_error), -32700);
  ASSERT_TRUE(parse(session->handle(initialize_request())).contains("result"));
}

TEST_F(SessionTest, DialectThatThrowsIsAnInternalError) {
  Dialect dialect;
  dialect.dispatch = [](const jsonrpc::Incoming&, Session&, std::optional<json>&) -> bool {
    throw std::runtime_error("dialect bug");
  };
  server_.set_dialect(std::move(dialect));
  std::shared_ptr<Session> session = open();
  json reply = parse(session->handle(request(1, "ping")));
  EXPECT_EQ(code_of(reply), -32603);
  EXPECT_EQ(reason_of(reply), "MCP_INTERNAL_ERROR");
}

TEST_F(SessionTest, CallRegisteredAfterCloseStartsCancelled) {
  // The dialect closes the session after accept() checked closed(), before the call registers:
  // the call must start cancelled, as close() could not see it.
  Dialect dialect;
  dialect.dispatch = [](const jsonrpc::Incoming& message, Session& session,
                        std::optional<json>&) -> bool {
    if (message.method == "tools/call") session.close();
    return false;
  };
  server_.set_dialect(std::move(dialect));
  std::shared_ptr<Session> session = ready();
  Accepted accepted = session->accept(
      request(7, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "hi"}}}}));
  EXPECT_TRUE(session->closed());
  ASSERT_TRUE(accepted.run);
  EXPECT_EQ(accepted.run(), "");
}

// --- resources -----------------------------------------------------------------------------------

class ResourceTest : public ::testing::Test {
 protected:
  ResourceTest() {
    ServerOptions options;
    options.page_size = 2;
    server_ = std::make_unique<Server>(options);
    for (std::string name : {"a", "b", "c"}) {
      Resource resource;
      resource.uri = "cairn://fixed/" + name;
      resource.name = name;
      resource.mime_type = "text/plain";
      resource.read = [](std::string_view uri,
                         const Context&) -> Result<std::vector<ResourceContents>> {
        return std::vector<ResourceContents>{text_contents(uri, "text of " + std::string(uri))};
      };
      EXPECT_TRUE(server_->add_resource(std::move(resource)));
    }
    Resource secret;
    secret.uri = "cairn://secret";
    secret.name = "secret";
    secret.title = "Secret";
    secret.description = "admins only";
    secret.scopes = {"admin"};
    secret.read = [](std::string_view uri,
                     const Context&) -> Result<std::vector<ResourceContents>> {
      return std::vector<ResourceContents>{text_contents(uri, "s")};
    };
    EXPECT_TRUE(server_->add_resource(std::move(secret)));
    Resource blob;
    blob.uri = "cairn://blob";
    blob.name = "blob";
    blob.scopes = {"admin"};
    blob.read = [](std::string_view, const Context&) -> Result<std::vector<ResourceContents>> {
      ResourceContents contents;
      contents.mime_type = "application/octet-stream";
      contents.blob = std::string("\x00\xff\x10", 3);
      contents.is_blob = true;
      return std::vector<ResourceContents>{contents};
    };
    EXPECT_TRUE(server_->add_resource(std::move(blob)));

    ResourceTemplate jobs;
    jobs.uri_template = "cairn://jobs/{id}/log.{format}";
    jobs.name = "job-log";
    jobs.mime_type = "text/plain";
    jobs.read = [](std::string_view uri,
                   const std::map<std::string, std::string, std::less<>>& parts,
                   const Context& ctx) -> Result<std::vector<ResourceContents>> {
      const std::string& id = parts.at("id");
      if (id == "missing") return fail(ErrorCode::kNotFound, "JOB_NOT_FOUND", "no job missing");
      if (id == "bad") return fail(ErrorCode::kInvalidArgument, "JOB_ID_INVALID", "bad id");
      if (id == "broken") return fail(ErrorCode::kInternal, "DB_BROKEN", "secret detail");
      return std::vector<ResourceContents>{
          text_contents(uri, id + "|" + parts.at("format") + "|" + ctx.subject)};
    };
    EXPECT_TRUE(server_->add_resource_template(std::move(jobs)));
    ResourceTemplate any;
    any.uri_template = "cairn://{kind}/{name}";
    any.name = "any";
    any.scopes = {"admin"};
    any.read = [](std::string_view uri, const std::map<std::string, std::string, std::less<>>&,
                  const Context&) -> Result<std::vector<ResourceContents>> {
      return std::vector<ResourceContents>{text_contents(uri, "any")};
    };
    EXPECT_TRUE(server_->add_resource_template(std::move(any)));
  }

  std::shared_ptr<Session> ready(std::vector<std::string> scopes = {}) {
    SessionOptions options;
    options.subject = "bob";
    options.scopes = std::move(scopes);
    std::shared_ptr<Session> session = server_->open_session(options);
    EXPECT_TRUE(parse(session->handle(initialize_request()))["result"]["capabilities"].contains(
        "resources"));
    session->handle(notification("notifications/initialized"));
    return session;
  }

  json read(Session& session, std::string_view uri) {
    return parse(session.handle(request(9, "resources/read", {{"uri", uri}})));
  }

  std::unique_ptr<Server> server_;
};

TEST_F(ResourceTest, AnnouncesResourcesCapability) {
  std::shared_ptr<Session> session = server_->open_session();
  json result = parse(session->handle(initialize_request()))["result"];
  EXPECT_EQ(result["capabilities"]["resources"],
            json({{"subscribe", true}, {"listChanged", false}}));
}

TEST_F(ResourceTest, ListsVisibleResourcesInPages) {
  std::shared_ptr<Session> session = ready();
  json first = parse(session->handle(request(1, "resources/list")))["result"];
  ASSERT_EQ(first["resources"].size(), 2u);
  EXPECT_EQ(first["resources"][0],
            json({{"uri", "cairn://fixed/a"}, {"name", "a"}, {"mimeType", "text/plain"}}));
  ASSERT_TRUE(first.contains("nextCursor"));
  json second = parse(
      session->handle(request(2, "resources/list", {{"cursor", first["nextCursor"]}})))["result"];
  ASSERT_EQ(second["resources"].size(), 1u);
  EXPECT_EQ(second["resources"][0]["uri"], "cairn://fixed/c");
  EXPECT_FALSE(second.contains("nextCursor"));

  std::shared_ptr<Session> admin = ready({"admin"});
  json page = parse(
      admin->handle(request(3, "resources/list", {{"cursor", first["nextCursor"]}})))["result"];
  ASSERT_EQ(page["resources"].size(), 2u);
  EXPECT_EQ(page["resources"][1], json({{"uri", "cairn://secret"},
                                        {"name", "secret"},
                                        {"title", "Secret"},
                                        {"description", "admins only"}}));
}

TEST_F(ResourceTest, ListsVisibleTemplates) {
  std::shared_ptr<Session> session = ready();
  json result = parse(session->handle(request(1, "resources/templates/list")))["result"];
  EXPECT_EQ(result["resourceTemplates"],
            json::array({{{"uriTemplate", "cairn://jobs/{id}/log.{format}"},
                          {"name", "job-log"},
                          {"mimeType", "text/plain"}}}));
  std::shared_ptr<Session> admin = ready({"admin"});
  result = parse(admin->handle(request(1, "resources/templates/list")))["result"];
  EXPECT_EQ(result["resourceTemplates"].size(), 2u);
}

TEST_F(ResourceTest, ReadsAFixedResource) {
  std::shared_ptr<Session> session = ready();
  json reply = read(*session, "cairn://fixed/b");
  EXPECT_EQ(reply["result"]["contents"], json::array({{{"uri", "cairn://fixed/b"},
                                                       {"mimeType", "text/plain"},
                                                       {"text", "text of cairn://fixed/b"}}}));
}

TEST_F(ResourceTest, ReadsBlobsAsBase64) {
  std::shared_ptr<Session> session = ready({"admin"});
  json contents = read(*session, "cairn://blob")["result"]["contents"];
  ASSERT_EQ(contents.size(), 1u);
  EXPECT_EQ(contents[0]["uri"], "cairn://blob");
  EXPECT_EQ(contents[0]["blob"], "AP8Q");
  EXPECT_EQ(contents[0]["mimeType"], "application/octet-stream");
  EXPECT_FALSE(contents[0].contains("text"));
}

TEST_F(ResourceTest, ReadsThroughATemplateWithItsParts) {
  std::shared_ptr<Session> session = ready();
  json contents = read(*session, "cairn://jobs/42/log.txt")["result"]["contents"];
  ASSERT_EQ(contents.size(), 1u);
  EXPECT_EQ(contents[0]["text"], "42|txt|bob");
  EXPECT_EQ(contents[0]["mimeType"], "text/plain");
  // A part never spans '/', and needs at least one character.
  EXPECT_EQ(reason_of(read(*session, "cairn://jobs/4/2/log.txt")), "MCP_RESOURCE_NOT_FOUND");
  EXPECT_EQ(reason_of(read(*session, "cairn://jobs//log.txt")), "MCP_RESOURCE_NOT_FOUND");
}

TEST_F(ResourceTest, AnswersResourceNotFound) {
  std::shared_ptr<Session> session = ready();
  json reply = read(*session, "cairn://nothing/here/at/all");
  EXPECT_EQ(code_of(reply), -32002);
  EXPECT_EQ(reason_of(reply), "MCP_RESOURCE_NOT_FOUND");
  EXPECT_EQ(reply["error"]["message"], "Resource not found: cairn://nothing/here/at/all");
  EXPECT_EQ(reply["error"]["data"]["uri"], "cairn://nothing/here/at/all");
  // Hidden by scopes: the same answer, for fixed resources and templates.
  EXPECT_EQ(reason_of(read(*session, "cairn://secret")), "MCP_RESOURCE_NOT_FOUND");
  EXPECT_EQ(reason_of(read(*session, "cairn://x/y")), "MCP_RESOURCE_NOT_FOUND");
  std::shared_ptr<Session> admin = ready({"admin"});
  EXPECT_EQ(read(*admin, "cairn://x/y")["result"]["contents"][0]["text"], "any");
}

TEST_F(ResourceTest, MapsReaderErrors) {
  std::shared_ptr<Session> session = ready();
  json missing = read(*session, "cairn://jobs/missing/log.txt");
  EXPECT_EQ(code_of(missing), -32002);
  EXPECT_EQ(reason_of(missing), "MCP_RESOURCE_NOT_FOUND");
  EXPECT_EQ(missing["error"]["data"]["uri"], "cairn://jobs/missing/log.txt");

  json bad = read(*session, "cairn://jobs/bad/log.txt");
  EXPECT_EQ(code_of(bad), -32602);
  EXPECT_EQ(reason_of(bad), "MCP_INVALID_PARAMS");
  EXPECT_EQ(bad["error"]["message"], "INVALID_ARGUMENT JOB_ID_INVALID: bad id");

  json broken = read(*session, "cairn://jobs/broken/log.txt");
  EXPECT_EQ(code_of(broken), -32603);
  EXPECT_EQ(reason_of(broken), "MCP_INTERNAL_ERROR");
  EXPECT_EQ(broken["error"]["message"], "INTERNAL DB_BROKEN: internal error");
}

TEST_F(ResourceTest, RefusesMalformedResourceParams) {
  std::shared_ptr<Session> session = ready();
  for (std::string_view method :
       {"resources/read", "resources/subscribe", "resources/unsubscribe"}) {
    for (const json& params : {json(nullptr), json::object(), json{{"uri", 5}}}) {
      json reply = parse(session->handle(request(1, method, params)));
      EXPECT_EQ(code_of(reply), -32602) << method << params.dump();
      EXPECT_EQ(reason_of(reply), "MCP_INVALID_PARAMS");
    }
  }
}

TEST_F(ResourceTest, ReadRunsTheReaderInRun) {
  std::shared_ptr<Session> session = ready();
  Accepted accepted = session->accept(request(1, "resources/read", {{"uri", "cairn://fixed/a"}}));
  EXPECT_EQ(accepted.reply, "");
  ASSERT_TRUE(accepted.run);
  session->accept(notification("notifications/cancelled", {{"requestId", 1}}));
  EXPECT_EQ(accepted.run(), "");
}

TEST_F(ResourceTest, SubscribesOnlyToUrisTheSessionCanRead) {
  std::shared_ptr<Session> session = ready();
  auto subscribe = [](Session& on, std::string_view uri) {
    return parse(on.handle(request(4, "resources/subscribe", {{"uri", uri}})));
  };
  EXPECT_EQ(subscribe(*session, "cairn://fixed/a")["result"], json::object());
  EXPECT_EQ(subscribe(*session, "cairn://jobs/1/log.txt")["result"], json::object());
  for (std::string_view uri : {"cairn://nothing", "cairn://secret", "cairn://x/y"}) {
    json reply = subscribe(*session, uri);
    EXPECT_EQ(code_of(reply), -32002) << uri;
    EXPECT_EQ(reason_of(reply), "MCP_RESOURCE_NOT_FOUND") << uri;
    EXPECT_EQ(reply["error"]["data"]["uri"], uri);
  }
  std::shared_ptr<Session> admin = ready({"admin"});
  EXPECT_EQ(subscribe(*admin, "cairn://secret")["result"], json::object());
  EXPECT_EQ(subscribe(*admin, "cairn://x/y")["result"], json::object());
  // Unsubscribing from a URI never subscribed is a no-op.
  json reply = parse(session->handle(request(5, "resources/unsubscribe", {{"uri", "cairn://no"}})));
  EXPECT_EQ(reply["result"], json::object());
}

TEST_F(ResourceTest, CapsSubscriptionsPerSession) {
  std::shared_ptr<Session> session = ready();
  auto call = [&](std::string_view method, int n) {
    return parse(session->handle(
        request(n, method, {{"uri", "cairn://jobs/" + std::to_string(n) + "/log.txt"}})));
  };
  for (int n = 0; n < 1000; ++n) {
    ASSERT_EQ(call("resources/subscribe", n)["result"], json::object()) << n;
  }
  json over = call("resources/subscribe", 1000);
  EXPECT_EQ(code_of(over), -32602);
  EXPECT_EQ(reason_of(over), "MCP_INVALID_PARAMS");
  EXPECT_EQ(over["error"]["message"], "too many subscriptions: a session may hold at most 1000");
  // Subscribing again to one it holds is fine; after an unsubscribe there is room again.
  EXPECT_EQ(call("resources/subscribe", 7)["result"], json::object());
  EXPECT_EQ(call("resources/unsubscribe", 7)["result"], json::object());
  EXPECT_EQ(call("resources/subscribe", 1000)["result"], json::object());
  // The cap is per session.
  std::shared_ptr<Session> other = ready();
  json reply = parse(
      other->handle(request(1, "resources/subscribe", {{"uri", "cairn://jobs/5000/log.txt"}})));
  EXPECT_EQ(reply["result"], json::object());
}

}  // namespace
}  // namespace cairn::mcp
