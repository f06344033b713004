// cairn::net::Server over real loopback and unix sockets, driven by raw bytes so that malformed,
// oversized, pipelined and slow requests can be sent exactly.
#include "cairn/net/server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "cairn/net/event_stream.hpp"
#include "support/temp_dir.hpp"

namespace cairn::net {
namespace {

using namespace std::chrono_literals;

// A connected socket with a receive timeout, closed on destruction.
class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    set_timeout();
  }
  explicit Client(const std::string& unix_path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", unix_path.c_str());
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    set_timeout();
  }
  ~Client() { ::close(fd_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }
  void send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  // Everything until the server closes (or the 5 s timeout).
  std::string read_all() {
    std::string out;
    char buf[4096];
    for (;;) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return out;
      out.append(buf, static_cast<std::size_t>(n));
    }
  }
  // One response: headers, then Content-Length bytes of body. "" on close or timeout.
  std::string read_response() {
    for (;;) {
      std::size_t end = pending_.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::size_t length = 0;
        std::size_t cl = pending_.find("Content-Length: ");
        if (cl != std::string::npos && cl < end) length = std::stoul(pending_.substr(cl + 16));
        if (pending_.starts_with("HTTP/1.1 100")) length = 0;
        if (pending_.size() >= end + 4 + length) {
          std::string response = pending_.substr(0, end + 4 + length);
          pending_.erase(0, end + 4 + length);
          return response;
        }
      }
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return "";
      pending_.append(buf, static_cast<std::size_t>(n));
    }
  }
  // Whether the server closed the connection (a read returns 0 within the timeout).
  bool closed_by_server() {
    char c;
    return ::recv(fd_, &c, 1, 0) == 0;
  }

 private:
  void set_timeout() {
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  int fd_;
  bool connected_ = false;
  std::string pending_;
};

int status_of(const std::string& response) {
  if (response.size() < 12) return 0;
  return std::stoi(response.substr(9, 3));
}

std::string body_of(const std::string& response) {
  std::size_t end = response.find("\r\n\r\n");
  return end == std::string::npos ? "" : response.substr(end + 4);
}

Router test_router(std::atomic<int>* slow_started = nullptr) {
  Router r;
  EXPECT_TRUE(
      r.add("GET", "/plaintext", [](const Request&, Response& res) { res.text("Hello, World!"); }));
  EXPECT_TRUE(
      r.add("POST", "/echo", [](const Request& req, Response& res) { res.text(req.body); }));
  EXPECT_TRUE(r.add(
      "POST", "/small", [](const Request& req, Response& res) { res.text(req.body); },
      RouteOptions{16}));
  EXPECT_TRUE(r.add("GET", "/items/{id}", [](const Request& req, Response& res) {
    res.json_text("{\"id\":" + json_quote(req.param("id")) + "}");
  }));
  EXPECT_TRUE(r.add("GET", "/slow", [slow_started](const Request&, Response& res) {
    if (slow_started != nullptr) slow_started->fetch_add(1);
    std::this_thread::sleep_for(300ms);
    res.text("finished");
  }));
  EXPECT_TRUE(r.add("GET", "/big", [](const Request&, Response& res) {
    res.text(std::string(std::size_t{32} << 20, 'x'));
  }));
  EXPECT_TRUE(r.add("GET", "/inject", [](const Request& req, Response& res) {
    res.headers.set("X-Echo", std::string(req.param("nothing")) + "a\r\nSet-Cookie: evil=1");
    res.headers.set("Content-Length", "999");
    res.text("never sent");
  }));
  EXPECT_TRUE(r.add("DELETE", "/items/{id}", [](const Request&, Response& res) {
    res.status = 204;
    res.body = "dropped";
  }));
  EXPECT_TRUE(r.add("GET", "/broken", [](const Request&, Response& res) {
    res.error(ErrorCode::kDataLoss, "TEST_DISK_FAILED", "disk 3 failed reading page 7");
  }));
  EXPECT_TRUE(r.add("GET", "/boom", [](const Request&, Response&) {
    throw std::runtime_error("secret internals");
  }));
  return r;
}

class ServerTest : public ::testing::Test {
 protected:
  void start(ServerOptions options = {}, unsigned threads = 2) {
    options.access_log = [this](std::string_view line) {
      std::lock_guard lock(log_mu_);
      log_.emplace_back(line);
    };
    server_ = std::make_unique<Server>(test_router(&slow_started_), std::move(options));
    ASSERT_TRUE(server_->listen_tcp("127.0.0.1", 0));
    ASSERT_TRUE(server_->start(threads));
    port_ = server_->port();
  }
  void TearDown() override {
    if (server_) server_->stop(1s);
  }
  std::vector<std::string> log_lines() {
    std::lock_guard lock(log_mu_);
    return log_;
  }

  std::unique_ptr<Server> server_;
  uint16_t port_ = 0;
  std::atomic<int> slow_started_{0};
  std::mutex log_mu_;
  std::vector<std::string> log_;
};

TEST_F(ServerTest, AnswersWithHeadersAndRequestIds) {
  start();
  Client c(port_);
  ASSERT_TRUE(c.connected());
  c.send("GET /plaintext HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc-123\r\n\r\n");
  std::string r = c.read_response();
  EXPECT_EQ(status_of(r), 200);
  EXPECT_EQ(body_of(r), "Hello, World!");
  EXPECT_NE(r.find("Content-Length: 13\r\n"), std::string::npos);
  EXPECT_NE(r.find("Date: "), std::string::npos);
  EXPECT_NE(r.find("X-Request-Id: abc-123\r\n"), std::string::npos);
  // An unsafe request ID is replaced by a fresh one.
  c.send("GET /items/a%20b HTTP/1.1\r\nHost: x\r\nX-Request-Id: bad id\r\n\r\n");
  r = c.read_response();
  EXPECT_EQ(body_of(r), R"({"id":"a b"})");
  EXPECT_EQ(r.find("bad id"), std::string::npos);
  EXPECT_NE(r.find("X-Request-Id: "), std::string::npos);
  auto lines = log_lines();
  ASSERT_EQ(lines.size(), 2U);
  auto entry = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(entry["route"], "/items/{id}");
  EXPECT_EQ(entry["status"], 200);
  EXPECT_EQ(entry["method"], "GET");
  EXPECT_TRUE(entry["remote"].get<std::string>().starts_with("127.0.0.1:"));
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrderEvenByteByByte) {
  start();
  std::string three =
      "GET /items/1 HTTP/1.1\r\nHost: x\r\n\r\n"
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
      "GET /items/3 HTTP/1.1\r\nHost: x\r\n\r\n";
  {
    Client c(port_);
    c.send(three);
    EXPECT_EQ(body_of(c.read_response()), R"({"id":"1"})");
    EXPECT_EQ(body_of(c.read_response()), "hello");
    EXPECT_EQ(body_of(c.read_response()), R"({"id":"3"})");
  }
  {
    Client c(port_);
    for (char ch : three) c.send(std::string_view(&ch, 1));
    EXPECT_EQ(body_of(c.read_response()), R"({"id":"1"})");
    EXPECT_EQ(body_of(c.read_response()), "hello");
    EXPECT_EQ(body_of(c.read_response()), R"({"id":"3"})");
  }
}

TEST_F(ServerTest, ChunkedBodiesAndExpectContinue) {
  start();
  Client c(port_);
  c.send(
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  EXPECT_EQ(body_of(c.read_response()), "hello world");
  c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_TRUE(c.read_response().starts_with("HTTP/1.1 100 Continue"));
  c.send("body");
  EXPECT_EQ(body_of(c.read_response()), "body");
}

TEST_F(ServerTest, MalformedRequestsGet400AndAClosedConnection) {
  start();
  {
    Client c(port_);
    c.send("GET /plaintext HTTP/2.0\r\n\r\n");
    std::string r = c.read_all();
    EXPECT_EQ(status_of(r), 505);
    EXPECT_NE(r.find("HTTP_VERSION_UNSUPPORTED"), std::string::npos);
  }
  for (std::string bad : {"GARBAGE\r\n\r\n", "GET /plaintext HTTP/1.1\r\nBad Header: x\r\n\r\n",
                          "GET /plaintext HTTP/1.1\r\nX: a\x01"
                          "b\r\n\r\n",
                          "GET plaintext HTTP/1.1\r\n\r\n"}) {
    Client c(port_);
    c.send(bad);
    std::string r = c.read_all();
    EXPECT_EQ(status_of(r), 400) << bad;
    EXPECT_NE(r.find("HTTP_REQUEST_MALFORMED"), std::string::npos);
    EXPECT_NE(r.find("Connection: close"), std::string::npos);
  }
}

TEST_F(ServerTest, OversizedHeadersAndBodiesAreRefused) {
  ServerOptions options;
  options.limits.max_header_bytes = 1024;
  options.limits.max_headers = 10;
  options.limits.max_body_bytes = 64;
  start(options);
  {
    Client c(port_);
    c.send("GET /plaintext HTTP/1.1\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n");
    std::string r = c.read_all();
    EXPECT_EQ(status_of(r), 431);
    EXPECT_NE(r.find("HTTP_HEADERS_TOO_LARGE"), std::string::npos);
  }
  {
    Client c(port_);
    std::string many = "GET /plaintext HTTP/1.1\r\n";
    for (int i = 0; i < 11; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
    c.send(many + "\r\n");
    std::string r = c.read_all();
    EXPECT_EQ(status_of(r), 431);
    EXPECT_NE(r.find("HTTP_HEADERS_TOO_MANY"), std::string::npos);
  }
  {
    // Refused from Content-Length alone, before any body byte is sent.
    Client c(port_);
    c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 65\r\n\r\n");
    std::string r = c.read_all();
    EXPECT_EQ(status_of(r), 413);
    EXPECT_NE(r.find("HTTP_BODY_TOO_LARGE"), std::string::npos);
  }
  {
    // A chunked body is counted as it arrives; a route can set a smaller limit.
    Client c(port_);
    c.send(
        "POST /small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        "10\r\n0123456789abcdef\r\n1\r\nX\r\n");
    EXPECT_EQ(status_of(c.read_all()), 413);
  }
  EXPECT_EQ(server_->stats().refused_requests, 4U);
}

TEST_F(ServerTest, RefusedUploadsStillSeeTheirAnswer) {
  ServerOptions options;
  options.limits.max_body_bytes = 1024;
  start(options);
  Client c(port_);
  // The client sends its whole 4 MiB body anyway; the server drains it after answering, so the
  // 413 arrives instead of a connection reset.
  c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4194304\r\n\r\n");
  c.send(std::string(std::size_t{4} << 20, 'x'));
  std::string r = c.read_all();
  EXPECT_EQ(status_of(r), 413);
  EXPECT_NE(r.find("HTTP_BODY_TOO_LARGE"), std::string::npos);
}

TEST_F(ServerTest, SlowAndIdleClientsAreCutOff) {
  ServerOptions options;
  options.limits.request_timeout = 300ms;
  options.limits.idle_timeout = 300ms;
  start(options);
  {
    // A client trickling its headers (slowloris) gets 408 once the request time is up.
    Client c(port_);
    std::string request = "GET /plaintext HTTP/1.1\r\nHost: x\r\n";
    for (char ch : request) {  // 600 ms in all, each byte well inside any read timeout
      c.send(std::string_view(&ch, 1));
      std::this_thread::sleep_for(20ms);
    }
    std::string got = c.read_all();
    EXPECT_EQ(status_of(got), 408);
    EXPECT_NE(got.find("HTTP_REQUEST_TIMEOUT"), std::string::npos);
  }
  {
    // A truncated chunked body: the request never completes.
    Client c(port_);
    c.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel");
    EXPECT_EQ(status_of(c.read_all()), 408);
  }
  {
    // An idle keep-alive connection is closed without a response.
    Client c(port_);
    c.send("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(status_of(c.read_response()), 200);
    EXPECT_TRUE(c.closed_by_server());
  }
}

TEST_F(ServerTest, ClientsThatDoNotReadTheirResponsesAreDropped) {
  ServerOptions options;
  options.limits.idle_timeout = 300ms;
  start(options);
  Client c(port_);
  c.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");  // 32 MiB that nobody reads
  for (int i = 0; i < 300 && server_->stats().requests == 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(server_->stats().open_connections, 1U);  // stuck writing
  for (int i = 0; i < 300 && server_->stats().open_connections > 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(server_->stats().open_connections, 0U);
}

TEST_F(ServerTest, NotFoundMethodNotAllowedAndHandlerFailures) {
  start();
  Client c(port_);
  c.send("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string r = c.read_response();
  EXPECT_EQ(status_of(r), 404);
  EXPECT_EQ(
      body_of(r),
      R"({"error":{"code":"NOT_FOUND","reason":"HTTP_ROUTE_NOT_FOUND","message":"no route for this path"}})");
  c.send("DELETE /plaintext HTTP/1.1\r\nHost: x\r\n\r\n");
  r = c.read_response();
  EXPECT_EQ(status_of(r), 405);
  EXPECT_NE(r.find("Allow: GET, HEAD\r\n"), std::string::npos);
  c.send("GET /boom HTTP/1.1\r\nHost: x\r\n\r\n");
  r = c.read_response();
  EXPECT_EQ(status_of(r), 500);
  EXPECT_EQ(r.find("secret internals"), std::string::npos);
  EXPECT_NE(r.find("HTTP_HANDLER_FAILED"), std::string::npos);
  c.send("HEAD /plaintext HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  r = c.read_all();  // Content-Length of the GET body, but no body
  EXPECT_NE(r.find("Content-Length: 13"), std::string::npos);
  EXPECT_TRUE(r.ends_with("\r\n\r\n"));
}

TEST_F(ServerTest, HandlersCannotSplitOrMisframeResponses) {
  start();
  Client c(port_);
  c.send("GET /inject HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string r = c.read_response();
  EXPECT_EQ(status_of(r), 500);
  EXPECT_EQ(r.find("evil"), std::string::npos);
  EXPECT_EQ(r.find("999"), std::string::npos);
  c.send("DELETE /items/1 HTTP/1.1\r\nHost: x\r\n\r\n");
  r = c.read_response();
  EXPECT_EQ(status_of(r), 204);
  EXPECT_EQ(r.find("Content-Length"), std::string::npos);
  EXPECT_TRUE(r.ends_with("\r\n\r\n"));
  // The connection is still in step: the next answer is the next request's.
  c.send("GET /items/2 HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(body_of(c.read_response()), R"({"id":"2"})");
}

TEST_F(ServerTest, DotSegmentsEncodedSlashesAndTrailersAreRefusedOrIgnored) {
  start();
  for (std::string target : {"/items/../plaintext", "/items/./1", "/items/a%2Fb", "/items/.."}) {
    Client c(port_);
    c.send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(status_of(c.read_all()), 400) << target;
  }
  Client c(port_);
  c.send(
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "2\r\nok\r\n0\r\nX-Trailer: smuggled\r\nX-Other: too\r\n\r\n");
  EXPECT_EQ(body_of(c.read_response()), "ok");
}

TEST_F(ServerTest, HealthAndMetrics) {
  ServerOptions options;
  options.health_checks.emplace_back("database", [] { return ok_status(); });
  options.health_checks.emplace_back("smtp", []() -> Status {
    return fail(ErrorCode::kUnavailable, "SMTP_UNREACHABLE", "no route");
  });
  start(options);
  Client c(port_);
  c.send("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n");
  c.read_response();
  c.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string r = c.read_response();
  EXPECT_EQ(status_of(r), 503);
  auto health = nlohmann::json::parse(body_of(r));
  EXPECT_EQ(health["status"], "failing");
  EXPECT_EQ(health["components"]["database"]["status"], "ok");
  EXPECT_EQ(health["components"]["smtp"]["reason"], "SMTP_UNREACHABLE");
  c.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string metrics = body_of(c.read_response());
  EXPECT_NE(
      metrics.find(R"(cairn_http_requests_total{method="GET",route="/plaintext",status="200"} 1)"),
      std::string::npos);
  EXPECT_NE(metrics.find("cairn_http_request_duration_seconds_count 2"), std::string::npos);
  EXPECT_NE(metrics.find("cairn_http_open_connections 1"), std::string::npos);
}

TEST_F(ServerTest, CorsPreflightAndOrigins) {
  ServerOptions options;
  options.cors.allowed_origins = {"https://app.example.com"};
  start(options);
  Client c(port_);
  c.send(
      "OPTIONS /items/1 HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example.com\r\n"
      "Access-Control-Request-Method: GET\r\n\r\n");
  std::string r = c.read_response();
  EXPECT_EQ(status_of(r), 204);
  EXPECT_NE(r.find("Access-Control-Allow-Origin: https://app.example.com"), std::string::npos);
  EXPECT_NE(r.find("Access-Control-Allow-Methods: "), std::string::npos);
  c.send("GET /items/1 HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example.com\r\n\r\n");
  r = c.read_response();
  EXPECT_EQ(status_of(r), 200);
  EXPECT_EQ(r.find("Access-Control-Allow-Origin"), std::string::npos);
}

TEST_F(ServerTest, MiddlewareCanAnswerFirst) {
  server_ = std::make_unique<Server>(test_router());
  server_->use([](Request& req, Response& res) {
    if (req.headers.get("X-API-Key") != "let-me-in") {
      res.error(ErrorCode::kUnauthenticated, "AUTH_TOKEN_INVALID", "who are you?");
      return false;
    }
    req.subject = "sa:ci";
    return true;
  });
  ASSERT_TRUE(server_->listen_tcp("127.0.0.1", 0));
  ASSERT_TRUE(server_->start(1));
  Client c(server_->port());
  c.send("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(status_of(c.read_response()), 401);
  c.send("GET /plaintext HTTP/1.1\r\nHost: x\r\nX-API-Key: let-me-in\r\n\r\n");
  EXPECT_EQ(status_of(c.read_response()), 200);
}

TEST_F(ServerTest, TooManyConnectionsGet503) {
  ServerOptions options;
  options.limits.max_connections = 1;
  start(options);
  Client first(port_);
  first.send("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(status_of(first.read_response()), 200);
  Client second(port_);
  std::string r = second.read_all();
  EXPECT_EQ(status_of(r), 503);
  EXPECT_NE(r.find("HTTP_TOO_MANY_CONNECTIONS"), std::string::npos);
}

TEST_F(ServerTest, ConnectionsPerClientAddressAreCapped) {
  ServerOptions options;
  options.limits.max_connections_per_address = 2;
  start(options);
  auto first = std::make_unique<Client>(port_);
  Client second(port_);
  first->send("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(status_of(first->read_response()), 200);
  second.send("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(status_of(second.read_response()), 200);
  {
    Client third(port_);
    std::string r = third.read_all();
    EXPECT_EQ(status_of(r), 503);
    EXPECT_NE(r.find("HTTP_TOO_MANY_CONNECTIONS"), std::string::npos);
  }
  // A closed connection gives its place back.
  first.reset();
  std::string r;
  for (int attempt = 0; attempt < 200 && status_of(r) != 200; ++attempt) {
    std::this_thread::sleep_for(5ms);
    Client again(port_);
    again.send("GET /plaintext HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    r = again.read_all();
  }
  EXPECT_EQ(status_of(r), 200);
}

TEST_F(ServerTest, AServerErrorHidesItsCauseFromTheClientButLogsIt) {
  start();
  Client c(port_);
  c.send("GET /broken HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string r = c.read_response();
  EXPECT_EQ(status_of(r), 500);
  EXPECT_EQ(r.find("disk 3"), std::string::npos);
  auto body = nlohmann::json::parse(body_of(r));
  EXPECT_EQ(body["error"]["reason"], "TEST_DISK_FAILED");
  EXPECT_EQ(body["error"]["message"], "Internal Server Error");
  auto lines = log_lines();
  ASSERT_EQ(lines.size(), 1U);
  auto entry = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(entry["status"], 500);
  EXPECT_EQ(entry["error"]["code"], "DATA_LOSS");
  EXPECT_EQ(entry["error"]["reason"], "TEST_DISK_FAILED");
  EXPECT_EQ(entry["error"]["message"], "disk 3 failed reading page 7");
  // 4xx lines carry no error object (the client saw the message already).
  c.send("GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(status_of(c.read_response()), 404);
  lines = log_lines();
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_FALSE(nlohmann::json::parse(lines[1]).contains("error"));
}

TEST(ServerLimitsTest, MaxConnectionsFollowTheDescriptorLimit) {
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit lower = saved;
  lower.rlim_cur = std::min<rlim_t>(saved.rlim_max, 1000);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lower), 0);
  EXPECT_EQ(derived_max_connections(), lower.rlim_cur - 64);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
}

TEST_F(ServerTest, GracefulStopFinishesTheRequestInFlight) {
  start();
  Client c(port_);
  c.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  while (slow_started_.load() == 0) std::this_thread::sleep_for(1ms);
  Client idle(port_);  // a keep-alive connection between requests
  idle.send("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(status_of(idle.read_response()), 200);
  std::thread stopper([&] { server_->stop(5s); });
  std::string r = c.read_response();
  EXPECT_EQ(status_of(r), 200);
  EXPECT_EQ(body_of(r), "finished");
  EXPECT_NE(r.find("Connection: close"), std::string::npos);
  EXPECT_TRUE(idle.closed_by_server());
  stopper.join();
  Client after(port_);
  EXPECT_FALSE(after.connected());
}

TEST(ServerEventsTest, StreamsServerSentEventsUntilEitherSideCloses) {
  std::mutex mu;
  std::vector<std::shared_ptr<EventStream>> streams;
  Router r;
  ASSERT_TRUE(r.add("GET", "/events", [&](const Request&, Response& res) {
    auto stream = std::make_shared<EventStream>();
    stream->send("hello", "queued before the connection took the stream");
    std::lock_guard lock(mu);
    streams.push_back(stream);
    res.events = stream;
  }));
  Server server(std::move(r));
  ASSERT_TRUE(server.listen_tcp("127.0.0.1", 0));
  ASSERT_TRUE(server.start(2));
  auto stream_at = [&](std::size_t i) {
    for (int tries = 0; tries < 500; ++tries) {
      {
        std::lock_guard lock(mu);
        if (streams.size() > i) return streams[i];
      }
      std::this_thread::sleep_for(2ms);
    }
    return std::shared_ptr<EventStream>();
  };
  {
    Client c(server.port());
    c.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
    auto stream = stream_at(0);
    ASSERT_TRUE(stream);
    EXPECT_TRUE(stream->send("job", "{\"id\":7,\n\"state\":\"done\"}", "42"));
    stream->close();
    std::string got = c.read_all();
    EXPECT_EQ(status_of(got), 200);
    EXPECT_NE(got.find("Content-Type: text/event-stream\r\n"), std::string::npos);
    EXPECT_EQ(got.find("Content-Length"), std::string::npos);
    EXPECT_TRUE(
        got.ends_with("\r\n\r\nevent: hello\ndata: queued before the connection took the stream\n\n"
                      "event: job\nid: 42\ndata: {\"id\":7,\ndata: \"state\":\"done\"}\n\n"))
        << got;
    EXPECT_FALSE(stream->send("job", "after close"));
  }
  {
    // The client leaves: the producer learns it from send().
    auto c = std::make_unique<Client>(server.port());
    c->send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
    auto stream = stream_at(1);
    ASSERT_TRUE(stream);
    c.reset();
    bool noticed = false;
    for (int tries = 0; tries < 500 && !noticed; ++tries) {
      noticed = !stream->send("tick", "x");
      std::this_thread::sleep_for(2ms);
    }
    EXPECT_TRUE(noticed);
  }
  server.stop(1s);
}

TEST(ServerEventsTest, DataCannotForgeEventsWithBareCarriageReturns) {
  EventStream stream;
  std::string written;
  stream.attach([&](std::string text) { written += text; }, [] {});
  EXPECT_TRUE(stream.send("note", "x\r\revent: admin\rdata: forged\r\ny"));
  EXPECT_EQ(written,
            "event: note\ndata: x\ndata: \ndata: event: admin\ndata: data: forged\ndata: y\n\n");
  // A stream nobody takes stops its producer instead of growing forever.
  EventStream orphan;
  bool refused = false;
  for (int i = 0; i < 5000 && !refused; ++i) refused = !orphan.send("e", std::string(1024, 'x'));
  EXPECT_TRUE(refused);
}

TEST(ServerLifecycleTest, StopFromAHandlerAndDestroyWithoutStart) {
  Router r;
  Server* self = nullptr;
  ASSERT_TRUE(r.add("POST", "/shutdown", [&](const Request&, Response& res) {
    self->stop(1s);  // returns at once on a server thread
    res.text("bye");
  }));
  Server server(std::move(r));
  self = &server;
  ASSERT_TRUE(server.listen_tcp("127.0.0.1", 0));
  ASSERT_TRUE(server.start(2));
  {
    Client c(server.port());
    c.send("POST /shutdown HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    std::string got = c.read_all();
    EXPECT_EQ(status_of(got), 200);
    EXPECT_NE(got.find("Connection: close"), std::string::npos);
  }
  server.wait();
  EXPECT_EQ(server.start(1).error().reason, "NET_SERVER_STATE");
  Client after(server.port());
  EXPECT_FALSE(after.connected());
  // A server that listened but never started releases its port when destroyed.
  uint16_t port = 0;
  {
    Server idle(test_router());
    ASSERT_TRUE(idle.listen_tcp("127.0.0.1", 0));
    port = idle.port();
  }
  Server again(test_router());
  EXPECT_TRUE(again.listen_tcp("127.0.0.1", port));
}

TEST(ServerListenTest, UnixSocketsArePrivateAndStaleOnesAreReplaced) {
  testing::TempDir dir;
  std::string path = dir.file("run/api.sock");
  {
    Server server(test_router());
    ASSERT_TRUE(server.listen_unix(path));
    ASSERT_TRUE(server.start(1));
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600U);
    ASSERT_EQ(::stat(dir.file("run").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700U);
    Client c(path);
    ASSERT_TRUE(c.connected());
    c.send("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(body_of(c.read_response()), "Hello, World!");
    // A second server cannot take the socket of a live one.
    Server other(test_router());
    EXPECT_EQ(other.listen_unix(path).error().reason, "NET_SOCKET_IN_USE");
    server.stop(1s);
  }
  // A stale socket file (its server died without removing it) is replaced.
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ::close(fd);
  Server server(test_router());
  ASSERT_TRUE(server.listen_unix(path));
  EXPECT_EQ(server.endpoints().front(), "unix:" + path);
  // Not a socket: refused, untouched.
  std::string plain = dir.file("plain");
  ::close(::open(plain.c_str(), O_CREAT | O_WRONLY, 0600));
  Server third(test_router());
  EXPECT_EQ(third.listen_unix(plain).error().reason, "NET_SOCKET_PATH_INVALID");
}

TEST(ServerListenTest, ListensOnIpv6AndRefusesBadAddresses) {
  Server server(test_router());
  EXPECT_EQ(server.listen_tcp("localhost", 0).error().reason, "NET_ADDRESS_INVALID");
  EXPECT_EQ(server.start(1).error().reason, "NET_SERVER_STATE");
  if (server.listen_tcp("::1", 0)) {
    EXPECT_TRUE(server.endpoints().front().starts_with("[::1]:"));
  }
  Server busy(test_router());
  ASSERT_TRUE(busy.listen_tcp("127.0.0.1", 0));
  Server clash(test_router());
  EXPECT_EQ(clash.listen_tcp("127.0.0.1", busy.port()).error().reason, "NET_LISTEN_FAILED");
}

}  // namespace
}  // namespace cairn::net
