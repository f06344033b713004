// cairn::mcp::HttpTransport mounted on a real cairn::net::Server on 127.0.0.1 (any free port),
// driven with cairn::net's HttpClient, and with a raw socket for the GET event stream. Reads wait
// at most a few seconds (hang protection, not a timing assertion).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cairn/mcp/http.hpp"
#include "cairn/mcp/jsonrpc.hpp"
#include "cairn/net/client.hpp"
#include "cairn/net/server.hpp"

namespace cairn::mcp {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr std::string_view kResourceUri = "cairn://test/thing";

json init_request(std::string_view version = "2025-06-18") {
  return jsonrpc::make_request(1, "initialize",
                               {{"protocolVersion", version},
                                {"capabilities", json::object()},
                                {"clientInfo", {{"name", "test"}, {"version", "1"}}}});
}

json parse(const std::string& text) {
  json parsed = json::parse(text, nullptr, false);
  return parsed.is_discarded() ? json(nullptr) : parsed;
}

std::string reason_of(const json& reply) {
  if (!reply.is_object() || !reply.contains("error") || !reply["error"].contains("data")) return "";
  const json& reason = reply["error"]["data"]["reason"];
  return reason.is_string() ? reason.get<std::string>() : "";
}

// The JSON of every "data:" line of an event-stream body, in order.
std::vector<json> event_data(const std::string& body) {
  std::vector<json> out;
  std::size_t at = 0;
  while ((at = body.find("data: ", at)) != std::string::npos) {
    std::size_t end = body.find('\n', at);
    out.push_back(parse(body.substr(at + 6, end == std::string::npos ? end : end - at - 6)));
    at = end == std::string::npos ? body.size() : end;
  }
  return out;
}

// A raw connection for reading an event stream as it comes.
class RawStream {
 public:
  explicit RawStream(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~RawStream() { ::close(fd_); }
  RawStream(const RawStream&) = delete;
  RawStream& operator=(const RawStream&) = delete;

  bool connected() const { return connected_; }
  void send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  // Reads until `needle` has arrived (true), or the peer closes or 5 s pass without data.
  bool read_until(std::string_view needle) {
    for (int round = 0; round < 1000; ++round) {
      if (received_.find(needle) != std::string::npos) return true;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n == 0) peer_closed_ = true;
      if (n <= 0) return false;
      received_.append(buf, static_cast<std::size_t>(n));
    }
    return false;
  }
  const std::string& received() const { return received_; }
  bool peer_closed() const { return peer_closed_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool peer_closed_ = false;
  std::string received_;
};

class HttpTransportTest : public ::testing::Test {
 protected:
  void TearDown() override { stop(); }

  // Starts the server; requests carry their subject in X-Test-Subject (a stand-in for bearer
  // authentication middleware).
  void start(HttpOptions options = {}, std::size_t max_message_bytes = 0,
             const std::function<void(Server&)>& more_tools = {}) {
    ServerOptions server_options;
    server_options.info.name = "http-test";
    if (max_message_bytes != 0) server_options.max_message_bytes = max_message_bytes;
    mcp_ = std::make_unique<Server>(server_options);

    Tool echo;
    echo.name = "echo";
    echo.description = "Answers with its text.";
    echo.input_schema = {{"type", "object"},
                         {"properties", {{"text", {{"type", "string"}}}}},
                         {"required", {"text"}}};
    echo.read_only = true;
    echo.handler = [](const json& args, const Context& ctx) -> Result<json> {
      return json{{"text", args.at("text")}, {"by", ctx.subject}};
    };
    ASSERT_TRUE(mcp_->add_tool(std::move(echo)));

    Resource thing;
    thing.uri = std::string(kResourceUri);
    thing.name = "thing";
    thing.mime_type = "text/plain";
    thing.read = [](std::string_view uri, const Context&) -> Result<std::vector<ResourceContents>> {
      ResourceContents contents;
      contents.uri = std::string(uri);
      contents.mime_type = "text/plain";
      contents.text = "hello";
      return std::vector<ResourceContents>{contents};
    };
    ASSERT_TRUE(mcp_->add_resource(std::move(thing)));
    if (more_tools) more_tools(*mcp_);

    transport_ = std::make_unique<HttpTransport>(*mcp_, std::move(options));
    net::Router router;
    ASSERT_TRUE(transport_->mount(router));
    http_ = std::make_unique<net::Server>(std::move(router));
    http_->use([](net::Request& req, net::Response&) {
      req.subject = std::string(req.header("X-Test-Subject").value_or(""));
      return true;
    });
    ASSERT_TRUE(http_->listen_tcp("127.0.0.1", 0));
    ASSERT_TRUE(http_->start(4));
    Result<net::HttpClient> client =
        net::HttpClient::connect("http://127.0.0.1:" + std::to_string(http_->port()));
    ASSERT_TRUE(client.has_value());
    client_.emplace(std::move(*client));
  }

  void stop() {
    client_.reset();
    if (transport_) transport_->close();  // ends the event streams, so the drain is short
    if (http_) http_->stop(2s);
    http_.reset();
    transport_.reset();
    mcp_.reset();
  }

  // POSTs `message` with `headers` (a session id, ...).
  net::ClientResponse post(const json& message, net::Headers headers = {}) {
    if (!headers.contains("Accept")) headers.set("Accept", "application/json, text/event-stream");
    Result<net::ClientResponse> res = client_->post_json("/mcp", message.dump(), headers);
    EXPECT_TRUE(res.has_value()) << (res ? "" : res.error().to_string());
    return res ? *res : net::ClientResponse{};
  }

  net::Headers with_session(const std::string& id, std::string_view subject = "") {
    net::Headers headers;
    headers.set("Mcp-Session-Id", id);
    if (!subject.empty()) headers.set("X-Test-Subject", std::string(subject));
    return headers;
  }

  // initialize + notifications/initialized; the session id ("" on failure).
  std::string open_session(std::string_view subject = "") {
    net::Headers headers;
    if (!subject.empty()) headers.set("X-Test-Subject", std::string(subject));
    net::ClientResponse res = post(init_request(), headers);
    EXPECT_EQ(res.status, 200) << res.body;
    std::string id(res.headers.get("Mcp-Session-Id").value_or(""));
    if (id.empty()) return id;
    net::ClientResponse ack =
        post(jsonrpc::make_notification("notifications/initialized"), with_session(id, subject));
    EXPECT_EQ(ack.status, 202) << ack.body;
    return id;
  }

  std::unique_ptr<Server> mcp_;
  std::unique_ptr<HttpTransport> transport_;
  std::unique_ptr<net::Server> http_;
  std::optional<net::HttpClient> client_;
};

TEST_F(HttpTransportTest, InitializeIssuesSessionId) {
  start();
  net::ClientResponse res = post(init_request("2025-03-26"));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.headers.get("Content-Type").value_or(""), "application/json");
  std::string id(res.headers.get("Mcp-Session-Id").value_or(""));
  EXPECT_EQ(id.size(), 32U);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
  json reply = parse(res.body);
  EXPECT_EQ(reply["id"], 1);
  EXPECT_EQ(reply["result"]["protocolVersion"], "2025-03-26") << reply;
  EXPECT_EQ(transport_->session_count(), 1U);

  // A second initialize gets a session of its own.
  net::ClientResponse again = post(init_request());
  EXPECT_NE(std::string(again.headers.get("Mcp-Session-Id").value_or(id)), id);
  EXPECT_EQ(transport_->session_count(), 2U);
}

TEST_F(HttpTransportTest, RequestWithoutSessionIsRefused) {
  start();
  net::ClientResponse res = post(jsonrpc::make_request(2, "tools/list", json::object()));
  EXPECT_EQ(res.status, 400);
  json reply = parse(res.body);
  EXPECT_EQ(reply["error"]["code"], -32000) << reply;
  EXPECT_EQ(reason_of(reply), "MCP_SESSION_REQUIRED");
  EXPECT_TRUE(reply["id"].is_null());

  net::ClientResponse get = *client_->get("/mcp", {});
  EXPECT_EQ(get.status, 400);
  EXPECT_EQ(reason_of(parse(get.body)), "MCP_SESSION_REQUIRED");
  net::ClientResponse del = *client_->del("/mcp", {});
  EXPECT_EQ(del.status, 400);
  EXPECT_EQ(reason_of(parse(del.body)), "MCP_SESSION_REQUIRED");
}

TEST_F(HttpTransportTest, UnknownSessionIsNotFound) {
  start();
  open_session();
  net::ClientResponse res =
      post(jsonrpc::make_request(2, "ping"), with_session("0123456789abcdef0123456789abcdef"));
  EXPECT_EQ(res.status, 404);
  json reply = parse(res.body);
  EXPECT_EQ(reply["error"]["code"], -32000);
  EXPECT_EQ(reason_of(reply), "MCP_SESSION_NOT_FOUND");
}

TEST_F(HttpTransportTest, ProtocolVersionHeaderMustBeTheSessions) {
  start();
  std::string id = open_session();  // negotiated 2025-06-18
  net::Headers bogus = with_session(id);
  bogus.set("MCP-Protocol-Version", "1999-01-01");
  net::ClientResponse res = post(jsonrpc::make_request(2, "ping"), bogus);
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(reason_of(parse(res.body)), "MCP_PROTOCOL_VERSION_INVALID");

  net::Headers other = with_session(id);
  other.set("mcp-protocol-version", "2025-03-26");  // supported, but not this session's
  res = post(jsonrpc::make_request(3, "ping"), other);
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(reason_of(parse(res.body)), "MCP_PROTOCOL_VERSION_INVALID");

  net::Headers right = with_session(id);
  right.set("MCP-Protocol-Version", "2025-06-18");
  res = post(jsonrpc::make_request(4, "ping"), right);
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(parse(res.body)["id"], 4);

  net::Headers unsupported;
  unsupported.set("MCP-Protocol-Version", "2020-01-01");
  res = post(init_request(), unsupported);
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(reason_of(parse(res.body)), "MCP_PROTOCOL_VERSION_INVALID");
  EXPECT_EQ(transport_->session_count(), 1U);
}

TEST_F(HttpTransportTest, ForeignOriginIsForbiddenAndLoopbackPasses) {
  start();
  for (std::string origin : {"https://evil.example", "http://localhost.evil.example",
                             "http://127.0.0.1.evil.example:80", "null", "file://localhost"}) {
    net::Headers headers;
    headers.set("Origin", origin);
    net::ClientResponse res = post(init_request(), headers);
    EXPECT_EQ(res.status, 403) << origin;
    EXPECT_EQ(reason_of(parse(res.body)), "MCP_ORIGIN_FORBIDDEN") << origin;
  }
  EXPECT_EQ(transport_->session_count(), 0U);
  for (std::string origin : {"http://localhost:3000", "https://127.0.0.1", "http://[::1]:8080"}) {
    net::Headers headers;
    headers.set("Origin", origin);
    net::ClientResponse res = post(init_request(), headers);
    EXPECT_EQ(res.status, 200) << origin << " " << res.body;
  }
  EXPECT_EQ(transport_->session_count(), 3U);
}

TEST_F(HttpTransportTest, AllowedOriginsReplaceTheLoopbackDefault) {
  HttpOptions options;
  options.allowed_origins = {"https://app.example.com"};
  start(options);
  net::Headers app;
  app.set("Origin", "https://app.example.com");
  EXPECT_EQ(post(init_request(), app).status, 200);
  net::Headers local;
  local.set("Origin", "http://localhost:3000");
  net::ClientResponse res = post(init_request(), local);
  EXPECT_EQ(res.status, 403);
  EXPECT_EQ(reason_of(parse(res.body)), "MCP_ORIGIN_FORBIDDEN");
}

TEST_F(HttpTransportTest, NotificationsAreAcceptedWith202) {
  start();
  net::ClientResponse init = post(init_request());
  std::string id(init.headers.get("Mcp-Session-Id").value_or(""));
  net::ClientResponse res =
      post(jsonrpc::make_notification("notifications/initialized"), with_session(id));
  EXPECT_EQ(res.status, 202);
  EXPECT_TRUE(res.body.empty()) << res.body;
}

TEST_F(HttpTransportTest, ToolsCallIsAnsweredWithJson) {
  start();
  std::string id = open_session("alice");
  net::ClientResponse list =
      post(jsonrpc::make_request("l", "tools/list", json::object()), with_session(id, "alice"));
  EXPECT_EQ(list.status, 200);
  EXPECT_EQ(parse(list.body)["result"]["tools"][0]["name"], "echo") << list.body;

  net::ClientResponse call = post(
      jsonrpc::make_request(9, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "hi"}}}}),
      with_session(id, "alice"));
  EXPECT_EQ(call.status, 200);
  EXPECT_EQ(call.headers.get("Content-Type").value_or(""), "application/json");
  json reply = parse(call.body);
  EXPECT_EQ(reply["id"], 9);
  EXPECT_EQ(reply["result"]["structuredContent"]["text"], "hi") << reply;
  EXPECT_EQ(reply["result"]["structuredContent"]["by"], "alice") << reply;
}

TEST_F(HttpTransportTest, ParseErrorIsABadRequest) {
  start();
  std::string id = open_session();
  Result<net::ClientResponse> res =
      client_->post_json("/mcp", R"({"jsonrpc":"2.0","id":1,"meth)", with_session(id));
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->status, 400);
  json reply = parse(res->body);
  EXPECT_EQ(reply["error"]["code"], jsonrpc::kParseError) << reply;
  EXPECT_EQ(reason_of(reply), "MCP_PARSE_ERROR");
}

TEST_F(HttpTransportTest, ContentTypeMustBeJson) {
  start();
  net::Headers headers;
  headers.set("Content-Type", "text/plain");
  Result<net::ClientResponse> res =
      client_->request("POST", "/mcp", headers, init_request().dump());
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->status, 415);
  EXPECT_EQ(reason_of(parse(res->body)), "MCP_CONTENT_TYPE_INVALID");
  headers.set("Content-Type", "Application/JSON; charset=utf-8");
  res = client_->request("POST", "/mcp", headers, init_request().dump());
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->status, 200) << res->body;
}

TEST_F(HttpTransportTest, BodyOverTheMessageLimitIsRefusedByTheServer) {
  start({}, 1024);
  json big = init_request();
  big["params"]["pad"] = std::string(4096, 'x');
  net::ClientResponse res = post(big);
  EXPECT_EQ(res.status, 413);
  EXPECT_EQ(transport_->session_count(), 0U);
}

TEST_F(HttpTransportTest, DeleteEndsTheSession) {
  start();
  std::string id = open_session();
  Result<net::ClientResponse> del = client_->del("/mcp", with_session(id));
  ASSERT_TRUE(del.has_value());
  EXPECT_EQ(del->status, 200);
  EXPECT_EQ(transport_->session_count(), 0U);
  net::ClientResponse after = post(jsonrpc::make_request(2, "ping"), with_session(id));
  EXPECT_EQ(after.status, 404);
  EXPECT_EQ(reason_of(parse(after.body)), "MCP_SESSION_NOT_FOUND");
  del = client_->del("/mcp", with_session(id));
  ASSERT_TRUE(del.has_value());
  EXPECT_EQ(del->status, 404);
}

TEST_F(HttpTransportTest, GetStreamCarriesResourceUpdatesAndIsOnePerSession) {
  start();
  std::string id = open_session();
  net::ClientResponse sub = post(
      jsonrpc::make_request(2, "resources/subscribe", {{"uri", kResourceUri}}), with_session(id));
  ASSERT_EQ(sub.status, 200);
  ASSERT_TRUE(parse(sub.body).contains("result")) << sub.body;

  RawStream stream(http_->port());
  ASSERT_TRUE(stream.connected());
  stream.send(
      "GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
      "Mcp-Session-Id: " +
      id + "\r\n\r\n");
  ASSERT_TRUE(stream.read_until("\r\n\r\n"));
  EXPECT_TRUE(stream.received().starts_with("HTTP/1.1 200")) << stream.received();
  EXPECT_NE(stream.received().find("text/event-stream"), std::string::npos);

  // A second stream for the same session is refused.
  net::Headers again = with_session(id);
  again.set("Accept", "text/event-stream");
  Result<net::ClientResponse> second = client_->get("/mcp", again);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->status, 409);
  EXPECT_EQ(reason_of(parse(second->body)), "MCP_STREAM_EXISTS");

  mcp_->notify_resource_updated(kResourceUri);
  ASSERT_TRUE(stream.read_until("\n\n"));
  std::string body = stream.received().substr(stream.received().find("\r\n\r\n") + 4);
  EXPECT_NE(body.find("event: message\n"), std::string::npos) << body;
  std::vector<json> events = event_data(body);
  ASSERT_EQ(events.size(), 1U) << body;
  EXPECT_EQ(events[0]["method"], "notifications/resources/updated");
  EXPECT_EQ(events[0]["params"]["uri"], kResourceUri);
}

TEST_F(HttpTransportTest, GetWithoutEventStreamAcceptIsNotAcceptable) {
  start();
  std::string id = open_session();
  net::Headers headers = with_session(id);
  headers.set("Accept", "application/json");
  Result<net::ClientResponse> res = client_->get("/mcp", headers);
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->status, 406);
  EXPECT_EQ(reason_of(parse(res->body)), "MCP_ACCEPT_INVALID");
}

TEST_F(HttpTransportTest, SseResponsesCarryTheAnswerAsOneEvent) {
  HttpOptions options;
  options.sse_responses = true;
  start(options);
  net::ClientResponse init = post(init_request());
  EXPECT_EQ(init.status, 200);
  EXPECT_EQ(init.headers.get("Content-Type").value_or(""), "text/event-stream");
  std::string id(init.headers.get("Mcp-Session-Id").value_or(""));
  ASSERT_EQ(id.size(), 32U);
  std::vector<json> events = event_data(init.body);
  ASSERT_EQ(events.size(), 1U) << init.body;
  EXPECT_EQ(events[0]["result"]["protocolVersion"], "2025-06-18");

  net::ClientResponse client = post(jsonrpc::make_notification("notifications/initialized"),
                                    with_session(id));  // reconnects: the stream closed
  EXPECT_EQ(client.status, 202);
  net::ClientResponse call = post(
      jsonrpc::make_request(5, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "s"}}}}),
      with_session(id));
  EXPECT_EQ(call.status, 200);
  EXPECT_NE(call.body.find("event: message\n"), std::string::npos) << call.body;
  events = event_data(call.body);
  ASSERT_EQ(events.size(), 1U) << call.body;
  EXPECT_EQ(events[0]["id"], 5);
  EXPECT_EQ(events[0]["result"]["structuredContent"]["text"], "s") << events[0];

  // A client that accepts only JSON still gets JSON.
  net::Headers json_only = with_session(id);
  json_only.set("Accept", "application/json");
  net::ClientResponse plain = post(jsonrpc::make_request(6, "ping"), json_only);
  EXPECT_EQ(plain.headers.get("Content-Type").value_or(""), "application/json");
  EXPECT_EQ(parse(plain.body)["id"], 6);
}

TEST_F(HttpTransportTest, AuthorizeHookRefusalIsUnauthenticated) {
  HttpOptions options;
  options.authorize = [](const net::Request& req) -> Result<SessionOptions> {
    if (req.subject.empty()) {
      return fail(ErrorCode::kUnauthenticated, "TEST_NO_CREDENTIALS", "who are you?");
    }
    SessionOptions session;
    session.subject = req.subject;
    session.scopes = {"*"};
    return session;
  };
  start(options);
  net::ClientResponse res = post(init_request());
  EXPECT_EQ(res.status, 401);
  EXPECT_EQ(res.headers.get("WWW-Authenticate").value_or(""), "Bearer");
  json reply = parse(res.body);
  EXPECT_TRUE(reply.contains("id") && reply["id"].is_null()) << res.body;
  EXPECT_EQ(reply["error"]["code"], -32000) << res.body;
  EXPECT_EQ(reason_of(reply), "TEST_NO_CREDENTIALS") << res.body;
  EXPECT_EQ(reply["error"]["message"], "who are you?") << res.body;
  EXPECT_EQ(transport_->session_count(), 0U);

  std::string id = open_session("alice");
  ASSERT_FALSE(id.empty());
  net::ClientResponse call = post(
      jsonrpc::make_request(2, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "x"}}}}),
      with_session(id, "alice"));
  EXPECT_EQ(parse(call.body)["result"]["structuredContent"]["by"], "alice") << call.body;
}

TEST_F(HttpTransportTest, SessionOfAnotherSubjectIsNotFound) {
  start();
  std::string id = open_session("alice");
  net::ClientResponse res = post(jsonrpc::make_request(2, "ping"), with_session(id, "mallory"));
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(reason_of(parse(res.body)), "MCP_SESSION_NOT_FOUND");
  Result<net::ClientResponse> del = client_->del("/mcp", with_session(id, "mallory"));
  ASSERT_TRUE(del.has_value());
  EXPECT_EQ(del->status, 404);
  EXPECT_EQ(transport_->session_count(), 1U);
  EXPECT_EQ(post(jsonrpc::make_request(3, "ping"), with_session(id, "alice")).status, 200);
}

// A tool "hold" that blocks until `release` is set (or the call is cancelled); `started` counts
// the calls that began.
void add_hold_tool(Server& server, std::atomic<bool>& release, std::atomic<int>& started) {
  Tool hold;
  hold.name = "hold";
  hold.handler = [&](const json&, const Context& ctx) -> Result<json> {
    started.fetch_add(1);
    for (int i = 0; i < 10000 && !release.load() && !ctx.cancelled(); ++i) {
      std::this_thread::sleep_for(1ms);
    }
    return json{{"held", true}};
  };
  ASSERT_TRUE(server.add_tool(std::move(hold)));
}

// Calls "hold" on session `id` from another connection, on a thread.
std::thread call_hold(uint16_t port, const std::string& id, net::ClientResponse& answer) {
  return std::thread([port, id, &answer] {
    Result<net::HttpClient> other =
        net::HttpClient::connect("http://127.0.0.1:" + std::to_string(port));
    ASSERT_TRUE(other.has_value());
    net::Headers headers;
    headers.set("Mcp-Session-Id", id);
    headers.set("Accept", "application/json, text/event-stream");
    Result<net::ClientResponse> res = other->post_json(
        "/mcp",
        jsonrpc::make_request(9, "tools/call", {{"name", "hold"}, {"arguments", json::object()}})
            .dump(),
        headers);
    if (res) answer = *res;
  });
}

void wait_for(const std::atomic<int>& count, int at_least) {
  for (int i = 0; i < 5000 && count.load() < at_least; ++i) std::this_thread::sleep_for(1ms);
}

TEST_F(HttpTransportTest, SessionLimitRefusesInitializeWhenEverySessionIsBusy) {
  std::atomic<bool> release{false};
  std::atomic<int> started{0};
  HttpOptions options;
  options.max_sessions = 1;
  start(options, 0, [&](Server& server) { add_hold_tool(server, release, started); });
  std::string first = open_session();
  net::ClientResponse held;
  std::thread caller = call_hold(http_->port(), first, held);
  wait_for(started, 1);
  ASSERT_EQ(started.load(), 1);
  net::ClientResponse res = post(init_request());
  release.store(true);
  caller.join();
  EXPECT_EQ(res.status, 503);
  EXPECT_EQ(reason_of(parse(res.body)), "MCP_SESSION_LIMIT");
  EXPECT_FALSE(res.headers.contains("Mcp-Session-Id"));
  EXPECT_EQ(transport_->session_count(), 1U);
  EXPECT_EQ(mcp_->session_count(), 1U);
  EXPECT_EQ(parse(held.body)["result"]["structuredContent"]["held"], true) << held.body;
  EXPECT_EQ(post(jsonrpc::make_request(2, "ping"), with_session(first)).status, 200);
}

TEST_F(HttpTransportTest, SessionLimitEndsTheLeastRecentlyUsedSession) {
  HttpOptions options;
  options.max_sessions = 2;
  start(options);
  std::string a = open_session("alice");
  std::string b = open_session("bob");
  EXPECT_EQ(post(jsonrpc::make_request(2, "ping"), with_session(a, "alice")).status, 200);
  std::string c = open_session("carol");  // full: bob's session is the least recently used
  ASSERT_FALSE(c.empty());
  EXPECT_EQ(transport_->session_count(), 2U);
  net::ClientResponse gone = post(jsonrpc::make_request(3, "ping"), with_session(b, "bob"));
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(reason_of(parse(gone.body)), "MCP_SESSION_NOT_FOUND");
  EXPECT_EQ(post(jsonrpc::make_request(4, "ping"), with_session(a, "alice")).status, 200);
  EXPECT_EQ(post(jsonrpc::make_request(5, "ping"), with_session(c, "carol")).status, 200);
}

TEST_F(HttpTransportTest, PerSubjectLimitEndsThatSubjectsOldestSession) {
  HttpOptions options;
  options.max_sessions_per_subject = 2;
  start(options);
  std::string a1 = open_session("alice");
  std::string b1 = open_session("bob");
  std::string a2 = open_session("alice");
  std::string a3 = open_session("alice");
  ASSERT_FALSE(a3.empty());
  EXPECT_EQ(transport_->session_count(), 3U);
  EXPECT_EQ(post(jsonrpc::make_request(2, "ping"), with_session(a1, "alice")).status, 404);
  EXPECT_EQ(post(jsonrpc::make_request(3, "ping"), with_session(a2, "alice")).status, 200);
  EXPECT_EQ(post(jsonrpc::make_request(4, "ping"), with_session(a3, "alice")).status, 200);
  EXPECT_EQ(post(jsonrpc::make_request(5, "ping"), with_session(b1, "bob")).status, 200);
}

TEST_F(HttpTransportTest, StreamedCallKeepsItsSessionBusy) {
  std::atomic<bool> release{false};
  std::atomic<int> started{0};
  HttpOptions options;
  options.max_sessions = 1;
  options.sse_responses = true;
  start(options, 0, [&](Server& server) { add_hold_tool(server, release, started); });
  net::ClientResponse init = post(init_request());
  std::string first(init.headers.get("Mcp-Session-Id").value_or(""));
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(
      post(jsonrpc::make_notification("notifications/initialized"), with_session(first)).status,
      202);
  net::ClientResponse held;
  std::thread caller = call_hold(http_->port(), first, held);
  wait_for(started, 1);
  ASSERT_EQ(started.load(), 1);
  // The call runs on a worker after its POST handler returned; the session is still busy.
  net::ClientResponse res = post(init_request());
  release.store(true);
  caller.join();
  EXPECT_EQ(res.status, 503);
  EXPECT_EQ(reason_of(parse(res.body)), "MCP_SESSION_LIMIT");
  std::vector<json> events = event_data(held.body);
  ASSERT_EQ(events.size(), 1U) << held.body;
  EXPECT_EQ(events[0]["result"]["structuredContent"]["held"], true);
}

TEST_F(HttpTransportTest, RequestWithOtherScopesOrModeIsNotFound) {
  HttpOptions options;
  options.authorize = [](const net::Request& req) -> Result<SessionOptions> {
    SessionOptions session;
    session.subject = req.subject;
    session.scopes = {std::string(req.header("X-Test-Scope").value_or("*"))};
    session.mode = req.header("X-Test-Read-Only") ? Mode::kReadOnly : Mode::kReadWrite;
    return session;
  };
  start(options);
  net::Headers init_headers;
  init_headers.set("X-Test-Subject", "alice");
  init_headers.set("X-Test-Scope", "jobs:write");
  net::ClientResponse init = post(init_request(), init_headers);
  std::string id(init.headers.get("Mcp-Session-Id").value_or(""));
  ASSERT_FALSE(id.empty());

  net::Headers narrower = with_session(id, "alice");
  narrower.set("X-Test-Scope", "jobs:read");
  net::ClientResponse res = post(jsonrpc::make_request(2, "ping"), narrower);
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(reason_of(parse(res.body)), "MCP_SESSION_NOT_FOUND");

  net::Headers read_only = with_session(id, "alice");
  read_only.set("X-Test-Scope", "jobs:write");
  read_only.set("X-Test-Read-Only", "1");
  EXPECT_EQ(post(jsonrpc::make_request(3, "ping"), read_only).status, 404);

  net::Headers same = with_session(id, "alice");
  same.set("X-Test-Scope", "jobs:write");
  EXPECT_EQ(post(jsonrpc::make_request(4, "ping"), same).status, 200);
  EXPECT_EQ(transport_->session_count(), 1U);
}

TEST_F(HttpTransportTest, SessionLimitFirstEndsIdleSessions) {
  HttpOptions options;
  options.max_sessions = 1;
  options.session_idle_timeout = 0s;  // every session not in use counts as idle
  start(options);
  std::string first = open_session();
  std::string second = open_session();
  ASSERT_FALSE(second.empty());
  EXPECT_NE(first, second);
  EXPECT_EQ(transport_->session_count(), 1U);
  EXPECT_EQ(post(jsonrpc::make_request(2, "ping"), with_session(first)).status, 404);
  EXPECT_EQ(post(jsonrpc::make_request(3, "ping"), with_session(second)).status, 200);
}

TEST_F(HttpTransportTest, FailedInitializeKeepsNoSession) {
  start();
  json bad = init_request();
  bad["params"]["protocolVersion"] = 20250618;  // not a string
  net::ClientResponse res = post(bad);
  EXPECT_EQ(res.status, 200);
  json reply = parse(res.body);
  EXPECT_EQ(reply["id"], 1);
  EXPECT_EQ(reply["error"]["code"], jsonrpc::kInvalidParams) << reply;
  EXPECT_FALSE(res.headers.contains("Mcp-Session-Id"));
  EXPECT_EQ(transport_->session_count(), 0U);
}

TEST_F(HttpTransportTest, CloseEndsSessionsAndStreams) {
  start();
  std::string id = open_session();
  RawStream stream(http_->port());
  stream.send(
      "GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
      "Mcp-Session-Id: " +
      id + "\r\n\r\n");
  ASSERT_TRUE(stream.read_until("\r\n\r\n"));
  transport_->close();
  EXPECT_EQ(transport_->session_count(), 0U);
  EXPECT_EQ(mcp_->session_count(), 0U);
  EXPECT_FALSE(stream.read_until("never sent"));
  EXPECT_TRUE(stream.peer_closed());  // the server ended the stream
  net::ClientResponse res = post(init_request());
  EXPECT_EQ(res.status, 503);
  EXPECT_EQ(reason_of(parse(res.body)), "MCP_TRANSPORT_CLOSED");
}

TEST_F(HttpTransportTest, BatchUnderItsVersionIsAnsweredWithOneArray) {
  start();
  net::ClientResponse init = post(init_request("2025-03-26"));
  std::string id(init.headers.get("Mcp-Session-Id").value_or(""));
  net::Headers headers = with_session(id);
  headers.set("MCP-Protocol-Version", "2025-03-26");
  EXPECT_EQ(post(jsonrpc::make_notification("notifications/initialized"), headers).status, 202);
  json batch = json::array(
      {jsonrpc::make_request(1, "ping"),
       jsonrpc::make_request(2, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "b"}}}}),
       jsonrpc::make_notification("notifications/progress", {{"progressToken", 1}})});
  net::ClientResponse res = post(batch, headers);
  EXPECT_EQ(res.status, 200);
  json replies = parse(res.body);
  ASSERT_TRUE(replies.is_array()) << res.body;
  ASSERT_EQ(replies.size(), 2U) << res.body;
  int pings = 0;
  int calls = 0;
  for (const json& reply : replies) {
    if (reply["id"] == 1) ++pings;
    if (reply["id"] == 2 && reply["result"]["structuredContent"]["text"] == "b") ++calls;
  }
  EXPECT_EQ(pings, 1);
  EXPECT_EQ(calls, 1);
}

TEST_F(HttpTransportTest, DeleteClosesTheSessionsStream) {
  start();
  std::string id = open_session();
  RawStream stream(http_->port());
  stream.send(
      "GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
      "Mcp-Session-Id: " +
      id + "\r\n\r\n");
  ASSERT_TRUE(stream.read_until("\r\n\r\n"));
  Result<net::ClientResponse> del = client_->del("/mcp", with_session(id));
  ASSERT_TRUE(del.has_value());
  EXPECT_EQ(del->status, 200);
  EXPECT_FALSE(stream.read_until("never sent"));
  EXPECT_TRUE(stream.peer_closed());
}

TEST_F(HttpTransportTest, CancelledCallIsAnswered202) {
  std::atomic<bool> started{false};
  std::atomic<bool> saw_cancel{false};
  start({}, 0, [&](Server& server) {
    Tool wait;
    wait.name = "wait";
    wait.handler = [&](const json&, const Context& ctx) -> Result<json> {
      started.store(true);
      for (int i = 0; i < 10000 && !ctx.cancelled(); ++i) std::this_thread::sleep_for(1ms);
      saw_cancel.store(ctx.cancelled());
      return json{{"late", true}};
    };
    ASSERT_TRUE(server.add_tool(std::move(wait)));
  });
  std::string base = "http://127.0.0.1:" + std::to_string(http_->port());
  std::string id = open_session();

  net::ClientResponse answer;
  std::thread caller([&] {
    Result<net::HttpClient> other = net::HttpClient::connect(base);
    ASSERT_TRUE(other.has_value());
    net::Headers headers = with_session(id);
    Result<net::ClientResponse> res = other->post_json(
        "/mcp",
        jsonrpc::make_request(77, "tools/call", {{"name", "wait"}, {"arguments", json::object()}})
            .dump(),
        headers);
    if (res) answer = *res;
  });
  for (int i = 0; i < 5000 && !started.load(); ++i) std::this_thread::sleep_for(1ms);
  ASSERT_TRUE(started.load());
  net::ClientResponse cancel = post(
      jsonrpc::make_notification("notifications/cancelled", {{"requestId", 77}}), with_session(id));
  EXPECT_EQ(cancel.status, 202);
  caller.join();
  EXPECT_TRUE(saw_cancel.load());
  EXPECT_EQ(answer.status, 202) << answer.body;
  EXPECT_TRUE(answer.body.empty()) << answer.body;
}

}  // namespace
}  // namespace cairn::mcp
