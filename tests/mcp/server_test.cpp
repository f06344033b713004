// cairn::mcp::Server: version negotiation, error text, tool and resource registration, sessions
// and resource-update notifications.
#include "cairn/mcp/server.hpp"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cairn/version.h"

namespace cairn::mcp {
namespace {

using nlohmann::json;

ResourceContents text_contents(std::string_view uri) {
  ResourceContents contents;
  contents.uri = std::string(uri);
  contents.text = "x";
  return contents;
}

Tool make_tool(std::string name) {
  Tool tool;
  tool.name = std::move(name);
  tool.description = "test tool";
  tool.handler = [](const json& args, const Context&) -> Result<json> { return args; };
  return tool;
}

Resource make_resource(std::string uri) {
  Resource resource;
  resource.uri = std::move(uri);
  resource.name = "res";
  resource.read = [](std::string_view read_uri,
                     const Context&) -> Result<std::vector<ResourceContents>> {
    return std::vector<ResourceContents>{text_contents(read_uri)};
  };
  return resource;
}

ResourceTemplate make_template(std::string uri_template) {
  ResourceTemplate resource_template;
  resource_template.uri_template = std::move(uri_template);
  resource_template.name = "tmpl";
  resource_template.read = [](std::string_view uri, const auto&,
                              const Context&) -> Result<std::vector<ResourceContents>> {
    return std::vector<ResourceContents>{text_contents(uri)};
  };
  return resource_template;
}

TEST(NegotiateVersionTest, KeepsEverySupportedVersion) {
  for (std::string_view version : kProtocolVersions) {
    EXPECT_EQ(negotiate_version(version), version);
    EXPECT_TRUE(supported_version(version));
  }
}

TEST(NegotiateVersionTest, AnswersTheNewestForAnUnknownVersion) {
  EXPECT_EQ(negotiate_version("2099-01-01"), "2025-11-25");
  EXPECT_EQ(negotiate_version(""), "2025-11-25");
  EXPECT_FALSE(supported_version("2024-10-07"));
}

TEST(BatchesAllowedTest, OnlyUnder20250326) {
  EXPECT_TRUE(batches_allowed("2025-03-26"));
  EXPECT_FALSE(batches_allowed("2024-11-05"));
  EXPECT_FALSE(batches_allowed("2025-06-18"));
  EXPECT_FALSE(batches_allowed("2025-11-25"));
  EXPECT_FALSE(batches_allowed(""));
}

TEST(ErrorTextTest, CarriesCodeReasonAndMessage) {
  Error error{ErrorCode::kNotFound, "JOB_NOT_FOUND", "job 7 not found"};
  EXPECT_EQ(error_text(error), "NOT_FOUND JOB_NOT_FOUND: job 7 not found");
}

TEST(ErrorTextTest, HidesTheMessageOfServerErrors) {
  Error internal{ErrorCode::kInternal, "DB_BROKEN", "secret detail"};
  EXPECT_EQ(error_text(internal), "INTERNAL DB_BROKEN: internal error");
  Error data_loss{ErrorCode::kDataLoss, "CHAIN_BROKEN", "detail"};
  EXPECT_EQ(error_text(data_loss), "DATA_LOSS CHAIN_BROKEN: internal error");
}

TEST(ErrorTextTest, KeepsTheMessageOfUnavailable) {
  Error error{ErrorCode::kUnavailable, "STORE_BUSY", "try again"};
  EXPECT_EQ(error_text(error), "UNAVAILABLE STORE_BUSY: try again");
}

TEST(ServerTest, DefaultsTheVersionToCairns) {
  Server server;
  EXPECT_EQ(server.options().info.version, CAIRN_VERSION_STRING);
  ServerOptions options;
  options.info.version = "1.2.3";
  Server named(options);
  EXPECT_EQ(named.options().info.version, "1.2.3");
}

TEST(AddToolTest, AcceptsAValidTool) {
  Server server;
  EXPECT_TRUE(server.add_tool(make_tool("a-Z_0.9")));
  EXPECT_TRUE(server.add_tool(make_tool(std::string(128, 'x'))));
}

TEST(AddToolTest, RefusesBadNames) {
  Server server;
  for (const std::string& name : {std::string(), std::string(129, 'x'), std::string("has space"),
                                  std::string("slash/name"), std::string("é")}) {
    Status status = server.add_tool(make_tool(name));
    ASSERT_FALSE(status) << name;
    EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(status.error().reason, "MCP_TOOL_INVALID");
  }
}

TEST(AddToolTest, RefusesAToolWithoutHandler) {
  Server server;
  Tool tool = make_tool("t");
  tool.handler = nullptr;
  Status status = server.add_tool(std::move(tool));
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().reason, "MCP_TOOL_INVALID");
}

TEST(AddToolTest, RefusesAnInputSchemaThatIsNotAnObjectType) {
  Server server;
  for (const json& schema : {json{{"type", "string"}}, json::object(), json(true),
                             json{{"type", json::array({"object"})}}}) {
    Tool tool = make_tool("t");
    tool.input_schema = schema;
    Status status = server.add_tool(std::move(tool));
    ASSERT_FALSE(status) << schema.dump();
    EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(status.error().reason, "MCP_TOOL_INVALID");
  }
}

TEST(AddToolTest, RefusesSchemasThatDoNotCompile) {
  Server server;
  Tool unsupported = make_tool("t");
  unsupported.input_schema = {{"type", "object"}, {"$ref", "#/x"}};
  Status status = server.add_tool(std::move(unsupported));
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().reason, "MCP_SCHEMA_UNSUPPORTED");

  Tool bad_output = make_tool("t");
  bad_output.output_schema = json{{"type", 5}};
  status = server.add_tool(std::move(bad_output));
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().reason, "MCP_SCHEMA_INVALID");
}

TEST(AddToolTest, RefusesADuplicateName) {
  Server server;
  ASSERT_TRUE(server.add_tool(make_tool("echo")));
  Status status = server.add_tool(make_tool("echo"));
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(status.error().reason, "MCP_TOOL_EXISTS");
}

TEST(AddResourceTest, RefusesIncompleteAndDuplicateResources) {
  Server server;
  ASSERT_TRUE(server.add_resource(make_resource("cairn://a")));
  Resource no_uri = make_resource("");
  Resource no_name = make_resource("cairn://b");
  no_name.name.clear();
  Resource no_reader = make_resource("cairn://c");
  no_reader.read = nullptr;
  for (Resource* bad : {&no_uri, &no_name, &no_reader}) {
    Status status = server.add_resource(*bad);
    ASSERT_FALSE(status);
    EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(status.error().reason, "MCP_RESOURCE_INVALID");
  }
  Status status = server.add_resource(make_resource("cairn://a"));
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(status.error().reason, "MCP_RESOURCE_EXISTS");
}

TEST(AddResourceTemplateTest, AcceptsWellFormedTemplates) {
  Server server;
  EXPECT_TRUE(server.add_resource_template(make_template("cairn://jobs/{id}")));
  EXPECT_TRUE(server.add_resource_template(make_template("cairn://{a}/x/{b}.json")));
  EXPECT_TRUE(server.add_resource_template(make_template("cairn://fixed")));
}

TEST(AddResourceTemplateTest, RefusesMalformedTemplates) {
  Server server;
  for (std::string bad :
       {"", "cairn://{id", "cairn://id}", "cairn://{}", "cairn://{a}{b}", "cairn://{a{b}}"}) {
    Status status = server.add_resource_template(make_template(bad));
    ASSERT_FALSE(status) << bad;
    EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(status.error().reason, "MCP_RESOURCE_INVALID");
  }
  ResourceTemplate no_reader = make_template("cairn://{x}");
  no_reader.read = nullptr;
  Status status = server.add_resource_template(std::move(no_reader));
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().reason, "MCP_RESOURCE_INVALID");
}

TEST(AddResourceTemplateTest, RefusesADuplicateTemplate) {
  Server server;
  ASSERT_TRUE(server.add_resource_template(make_template("cairn://jobs/{id}")));
  Status status = server.add_resource_template(make_template("cairn://jobs/{id}"));
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(status.error().reason, "MCP_RESOURCE_EXISTS");
}

TEST(OpenSessionTest, IssuesDistinctHexIds) {
  Server server;
  std::shared_ptr<Session> a = server.open_session();
  SessionOptions alice;
  alice.subject = "alice";
  std::shared_ptr<Session> b = server.open_session(alice);
  EXPECT_EQ(a->id().size(), 32u);
  EXPECT_EQ(a->id().find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a->id(), b->id());
  EXPECT_EQ(b->options().subject, "alice");
}

TEST(OpenSessionTest, CountsOpenSessionsOnly) {
  Server server;
  EXPECT_EQ(server.session_count(), 0u);
  std::shared_ptr<Session> a = server.open_session();
  std::shared_ptr<Session> b = server.open_session();
  std::shared_ptr<Session> c = server.open_session();
  EXPECT_EQ(server.session_count(), 3u);
  a->close();
  EXPECT_EQ(server.session_count(), 2u);
  b.reset();
  EXPECT_EQ(server.session_count(), 1u);
}

std::shared_ptr<Session> ready_session(Server& server) {
  std::shared_ptr<Session> session = server.open_session();
  session->handle(
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18"}})");
  session->handle(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  return session;
}

TEST(NotifyResourceUpdatedTest, ReachesSubscribedSessionsOnly) {
  Server server;
  ASSERT_TRUE(server.add_resource(make_resource("cairn://a")));
  std::shared_ptr<Session> subscribed = ready_session(server);
  std::shared_ptr<Session> other = ready_session(server);
  std::vector<json> to_subscribed;
  std::vector<json> to_other;
  subscribed->set_sink([&](const json& m) {
    to_subscribed.push_back(m);
    return true;
  });
  other->set_sink([&](const json& m) {
    to_other.push_back(m);
    return true;
  });
  json reply = json::parse(subscribed->handle(
      R"({"jsonrpc":"2.0","id":2,"method":"resources/subscribe","params":{"uri":"cairn://a"}})"));
  EXPECT_EQ(reply["result"], json::object());

  server.notify_resource_updated("cairn://a");
  server.notify_resource_updated("cairn://b");
  ASSERT_EQ(to_subscribed.size(), 1u);
  EXPECT_EQ(to_subscribed[0]["method"], "notifications/resources/updated");
  EXPECT_EQ(to_subscribed[0]["params"]["uri"], "cairn://a");
  EXPECT_TRUE(to_other.empty());

  subscribed->handle(
      R"({"jsonrpc":"2.0","id":3,"method":"resources/unsubscribe","params":{"uri":"cairn://a"}})");
  server.notify_resource_updated("cairn://a");
  EXPECT_EQ(to_subscribed.size(), 1u);
}

TEST(NotifyResourceUpdatedTest, SkipsClosedSessions) {
  Server server;
  ASSERT_TRUE(server.add_resource(make_resource("cairn://a")));
  std::shared_ptr<Session> session = ready_session(server);
  int sent = 0;
  session->set_sink([&](const json&) {
    ++sent;
    return true;
  });
  session->handle(
      R"({"jsonrpc":"2.0","id":2,"method":"resources/subscribe","params":{"uri":"cairn://a"}})");
  session->close();
  server.notify_resource_updated("cairn://a");
  EXPECT_EQ(sent, 0);
  EXPECT_FALSE(session->notify("x"));
}

// --- template matching ---------------------------------------------------------------------------

// A server with one template whose reader answers the parts it got as "name=value;...".
std::unique_ptr<Server> parts_server(std::string uri_template) {
  auto server = std::make_unique<Server>();
  ResourceTemplate resource_template = make_template(std::move(uri_template));
  resource_template.read = [](std::string_view uri,
                              const std::map<std::string, std::string, std::less<>>& parts,
                              const Context&) -> Result<std::vector<ResourceContents>> {
    std::string text;
    for (const auto& [name, value] : parts) {
      text += name;
      text += '=';
      text += value;
      text += ';';
    }
    ResourceContents contents = text_contents(uri);
    contents.text = text;
    return std::vector<ResourceContents>{contents};
  };
  EXPECT_TRUE(server->add_resource_template(std::move(resource_template)));
  return server;
}

// The parts a read of `uri` got, or the error reason.
std::string read_parts(Session& session, const std::string& uri) {
  json reply = json::parse(session.handle(
      json{{"jsonrpc", "2.0"}, {"id", 9}, {"method", "resources/read"}, {"params", {{"uri", uri}}}}
          .dump()));
  if (reply.contains("error")) return reply["error"]["data"]["reason"].get<std::string>();
  return reply["result"]["contents"][0]["text"].get<std::string>();
}

TEST(TemplateMatchTest, EndsInnerPartsAtTheFirstLiteral) {
  std::unique_ptr<Server> server = parts_server("x://posts/{id}.{fmt}");
  std::shared_ptr<Session> session = ready_session(*server);
  EXPECT_EQ(read_parts(*session, "x://posts/7.json"), "fmt=json;id=7;");
  EXPECT_EQ(read_parts(*session, "x://posts/7.tar.gz"), "fmt=tar.gz;id=7;");
  EXPECT_EQ(read_parts(*session, "x://posts/.json"), "MCP_RESOURCE_NOT_FOUND");
  EXPECT_EQ(read_parts(*session, "x://posts/7."), "MCP_RESOURCE_NOT_FOUND");
  EXPECT_EQ(read_parts(*session, "x://posts/7/8.json"), "MCP_RESOURCE_NOT_FOUND");
  EXPECT_EQ(read_parts(*session, "x://posts/7.js/on"), "MCP_RESOURCE_NOT_FOUND");
  EXPECT_EQ(read_parts(*session, "x://posts/7"), "MCP_RESOURCE_NOT_FOUND");
}

TEST(TemplateMatchTest, AnchorsTheLastLiteralAtTheEnd) {
  std::unique_ptr<Server> server = parts_server("x://{a}-{b}.md");
  std::shared_ptr<Session> session = ready_session(*server);
  EXPECT_EQ(read_parts(*session, "x://p-q-r.md.md"), "a=p;b=q-r.md;");
  EXPECT_EQ(read_parts(*session, "x://p-.md"), "MCP_RESOURCE_NOT_FOUND");
  EXPECT_EQ(read_parts(*session, "x://p-q.mdx"), "MCP_RESOURCE_NOT_FOUND");
  EXPECT_EQ(read_parts(*session, "x://p-q/r.md"), "MCP_RESOURCE_NOT_FOUND");
}

TEST(TemplateMatchTest, IgnoresUrisOverTheCap) {
  std::unique_ptr<Server> server = parts_server("x://{a}");
  std::shared_ptr<Session> session = ready_session(*server);
  std::string at_cap = "x://" + std::string(4096 - 4, 'a');
  EXPECT_EQ(read_parts(*session, at_cap), "a=" + at_cap.substr(4) + ";");
  EXPECT_EQ(read_parts(*session, at_cap + "a"), "MCP_RESOURCE_NOT_FOUND");
}

TEST(TemplateMatchTest, ManyPartsDoNotBacktrack) {
  // With backtracking this is about n^5 steps for a 4 KiB URI; in one pass it is a few scans.
  std::unique_ptr<Server> server = parts_server("x://{a}.{b}.{c}.{d}.{e}.{f}/z");
  std::shared_ptr<Session> session = ready_session(*server);
  std::string body;
  for (int i = 0; i < 2000; ++i) body += "a.";
  EXPECT_EQ(read_parts(*session, "x://" + body + "/y"), "MCP_RESOURCE_NOT_FOUND");
  EXPECT_EQ(read_parts(*session, "x://" + body.substr(0, 2000) + "/z"),
            "a=a;b=a;c=a;d=a;e=a;f=" + body.substr(10, 1990) + ";");
}

}  // namespace
}  // namespace cairn::mcp
