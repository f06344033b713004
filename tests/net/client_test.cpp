// cairn::net::HttpClient against a real cairn::net::Server (TCP, unix socket, TLS with a
// certificate made during the test) and against a raw-socket fake server that answers exactly the
// bytes a test needs: chunked and read-until-close bodies, garbage, truncation, silence.
#include "cairn/net/client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <atomic>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "cairn/net/server.hpp"
#include "support/temp_dir.hpp"

namespace cairn::net {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// ---- A fake server on raw sockets

// Reads one request (headers, then Content-Length bytes of body) from `fd`; "" on close or after
// the socket's 5 s receive timeout.
std::string read_request(int fd) {
  std::string got;
  char buf[4096];
  for (;;) {
    std::size_t end = got.find("\r\n\r\n");
    if (end != std::string::npos) {
      std::size_t length = 0;
      std::size_t cl = got.find("Content-Length: ");
      if (cl != std::string::npos && cl < end) length = std::stoul(got.substr(cl + 16));
      if (got.size() >= end + 4 + length) return got.substr(0, end + 4 + length);
    }
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return "";
    got.append(buf, static_cast<std::size_t>(n));
  }
}

void send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Listens on 127.0.0.1:0 and hands each accepted connection, in turn, to `handle(fd, index)` on
// its own thread. Every socket has a 5 s receive timeout, so no handler blocks for long.
class FakeServer {
 public:
  using Handle = std::function<void(int fd, int index)>;

  explicit FakeServer(Handle handle) : handle_(std::move(handle)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listen_fd_, 16), 0);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~FakeServer() {
    stop_.store(true);
    thread_.join();
    ::close(listen_fd_);
  }
  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;

  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int accepted() const { return accepted_.load(); }
  bool stopping() const { return stop_.load(); }

  // Waits until the peer closes `fd` (or the server stops, or 5 s pass), without answering.
  void wait_for_close(int fd) const {
    auto until = Clock::now() + 5s;
    while (!stopping() && Clock::now() < until) {
      pollfd pfd{fd, POLLIN, 0};
      if (::poll(&pfd, 1, 20) > 0) {
        char c;
        if (::recv(fd, &c, 1, 0) <= 0) return;
      }
    }
  }

 private:
  void run() {
    int index = 0;
    while (!stop_.load()) {
      pollfd pfd{listen_fd_, POLLIN, 0};
      if (::poll(&pfd, 1, 20) <= 0) continue;
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      timeval tv{5, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      accepted_.fetch_add(1);
      handle_(fd, index++);
      ::close(fd);
    }
  }

  Handle handle_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

// A port nothing listens on: bound once, then released.
uint16_t closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// ---- A real server

Router test_router() {
  Router r;
  EXPECT_TRUE(r.add("GET", "/hello",
                    [](const Request&, Response& res) { res.json_text(R"({"hello":"world"})"); }));
  EXPECT_TRUE(r.add("POST", "/echo", [](const Request& req, Response& res) {
    nlohmann::json out;
    out["body"] = req.body;
    out["content_type"] = std::string(req.header("Content-Type").value_or(""));
    out["host"] = std::string(req.header("Host").value_or(""));
    out["user_agent"] = std::string(req.header("User-Agent").value_or(""));
    out["x_custom"] = std::string(req.header("X-Custom").value_or(""));
    res.json_text(out.dump(), 201);
  }));
  EXPECT_TRUE(
      r.add("PUT", "/echo", [](const Request& req, Response& res) { res.json_text(req.body); }));
  EXPECT_TRUE(
      r.add("DELETE", "/things/{id}", [](const Request&, Response& res) { res.status = 204; }));
  EXPECT_TRUE(r.add("GET", "/secrets/{name}", [](const Request& req, Response& res) {
    res.error(ErrorCode::kNotFound, "SECRET_NOT_FOUND",
              "no secret " + std::string(req.param("name")));
  }));
  EXPECT_TRUE(r.add("GET", "/limited", [](const Request&, Response& res) {
    res.error(Error{ErrorCode::kResourceExhausted, "AUTH_RATE_LIMITED", "slow down", 2500ms});
  }));
  EXPECT_TRUE(r.add("GET", "/boom", [](const Request&, Response&) {
    throw std::runtime_error("internal detail");
  }));
  EXPECT_TRUE(r.add("GET", "/big",
                    [](const Request&, Response& res) { res.text(std::string(100000, 'x')); }));
  return r;
}

class ClientTest : public ::testing::Test {
 protected:
  void start(ServerOptions options = {}) {
    server_ = std::make_unique<Server>(test_router(), std::move(options));
    ASSERT_TRUE(server_->listen_tcp("127.0.0.1", 0));
    ASSERT_TRUE(server_->start(2));
    url_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }
  void TearDown() override {
    if (server_) server_->stop(1s);
  }

  std::unique_ptr<Server> server_;
  std::string url_;
};

TEST_F(ClientTest, GetAndPostJsonRoundTrip) {
  start();
  auto client = HttpClient::connect(url_);
  ASSERT_TRUE(client) << client.error().to_string();
  EXPECT_TRUE(client->connected());

  auto got = client->get("/hello");
  ASSERT_TRUE(got) << got.error().to_string();
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->body, R"({"hello":"world"})");
  EXPECT_EQ(got->headers.get("content-type"), "application/json");
  EXPECT_TRUE(got->headers.contains("X-Request-Id"));
  EXPECT_TRUE(response_status(*got));

  Headers extra;
  extra.add("X-Custom", "yes");
  extra.add("Content-Length", "999");  // ignored: the client frames the body itself
  auto posted = client->post_json("/echo", R"({"name":"x"})", extra);
  ASSERT_TRUE(posted) << posted.error().to_string();
  EXPECT_EQ(posted->status, 201);
  auto echo = nlohmann::json::parse(posted->body);
  EXPECT_EQ(echo["body"], R"({"name":"x"})");
  EXPECT_EQ(echo["content_type"], "application/json");
  EXPECT_EQ(echo["host"], "127.0.0.1:" + std::to_string(server_->port()));
  EXPECT_TRUE(echo["user_agent"].get<std::string>().starts_with("cairn/"));
  EXPECT_EQ(echo["x_custom"], "yes");

  auto put = client->put_json("/echo", "[1,2,3]");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->body, "[1,2,3]");
  auto deleted = client->del("/things/7");
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->status, 204);
  EXPECT_TRUE(deleted->body.empty());
}

TEST_F(ClientTest, KeepsOneConnectionAcrossRequests) {
  start();
  auto client = HttpClient::connect(url_ + "/");
  ASSERT_TRUE(client);
  for (int i = 0; i < 5; ++i) {
    auto got = client->get("/hello");
    ASSERT_TRUE(got);
    EXPECT_EQ(got->status, 200);
  }
  // HEAD: the Content-Length of the GET, no body, and the connection stays in step.
  auto head = client->request("HEAD", "/hello");
  ASSERT_TRUE(head) << head.error().to_string();
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->headers.get("Content-Length"), "17");
  EXPECT_TRUE(head->body.empty());
  auto after = client->get("/hello");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->body, R"({"hello":"world"})");
  EXPECT_EQ(client->connections_opened(), 1U);
  EXPECT_EQ(server_->stats().accepted_connections, 1U);
}

TEST_F(ClientTest, ReconnectsAfterTheServerClosedAnIdleConnection) {
  ServerOptions options;
  options.limits.idle_timeout = 150ms;
  start(options);
  auto client = HttpClient::connect(url_);
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->get("/hello"));
  std::this_thread::sleep_for(500ms);  // the server closes the kept connection meanwhile
  // A POST too: the closed connection is noticed before anything is sent.
  auto posted = client->post_json("/echo", "{}");
  ASSERT_TRUE(posted) << posted.error().to_string();
  EXPECT_EQ(posted->status, 201);
  EXPECT_EQ(client->connections_opened(), 2U);
  EXPECT_EQ(server_->stats().accepted_connections, 2U);
}

TEST_F(ClientTest, TalksToAUnixSocket) {
  testing::TempDir dir;
  std::string path = dir.file("run/api.sock");
  Server server(test_router());
  ASSERT_TRUE(server.listen_unix(path));
  ASSERT_TRUE(server.start(1));
  auto client = HttpClient::connect("unix:" + path);
  ASSERT_TRUE(client) << client.error().to_string();
  auto got = client->get("/hello");
  ASSERT_TRUE(got) << got.error().to_string();
  EXPECT_EQ(got->body, R"({"hello":"world"})");
  auto posted = client->post_json("/echo", "{}");
  ASSERT_TRUE(posted);
  EXPECT_EQ(nlohmann::json::parse(posted->body)["host"], "localhost");
  EXPECT_EQ(client->connections_opened(), 1U);
  server.stop(1s);
  // Gone: the socket file was removed with the server.
  auto again = HttpClient::connect("unix:" + path);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(again.error().reason, "NET_CONNECT_FAILED");
}

TEST_F(ClientTest, DecodesErrorBodies) {
  start();
  auto client = HttpClient::connect(url_);
  ASSERT_TRUE(client);

  auto missing = client->get("/secrets/DB_URL");
  ASSERT_TRUE(missing);  // a 404 is a successful call
  EXPECT_EQ(missing->status, 404);
  Status status = response_status(*missing);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(status.error().reason, "SECRET_NOT_FOUND");
  EXPECT_EQ(status.error().message, "no secret DB_URL");

  auto unrouted = client->get("/nowhere");
  ASSERT_TRUE(unrouted);
  EXPECT_EQ(response_status(*unrouted).error().reason, "HTTP_ROUTE_NOT_FOUND");

  auto limited = client->get("/limited");
  ASSERT_TRUE(limited);
  status = response_status(*limited);
  EXPECT_EQ(status.error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(status.error().reason, "AUTH_RATE_LIMITED");
  EXPECT_EQ(status.error().retry_after, 3s);  // the header carries whole seconds, rounded up

  auto boom = client->get("/boom");
  ASSERT_TRUE(boom);
  status = response_status(*boom);
  EXPECT_EQ(status.error().code, ErrorCode::kInternal);
  EXPECT_EQ(status.error().reason, "HTTP_HANDLER_FAILED");

  // Bodies that are not the common error body.
  EXPECT_FALSE(parse_error_body(""));
  EXPECT_FALSE(parse_error_body("<html>oops</html>"));
  EXPECT_FALSE(parse_error_body(R"({"error":"flat"})"));
  EXPECT_FALSE(parse_error_body(R"({"error":{"code":"NO_SUCH_CODE","reason":"X_Y"}})"));
  EXPECT_FALSE(parse_error_body(R"({"error":{"code":"NOT_FOUND","reason":7}})"));
  auto bare = parse_error_body(R"({"error":{"code":"ABORTED","reason":"JOB_LEASE_LOST"}})");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->code, ErrorCode::kAborted);
  EXPECT_EQ(bare->message, "");

  ClientResponse gateway;
  gateway.status = 502;
  gateway.body = "<html>Bad Gateway</html>";
  status = response_status(gateway);
  EXPECT_EQ(status.error().code, ErrorCode::kUnknown);
  EXPECT_EQ(status.error().reason, "NET_HTTP_STATUS");
  gateway.status = 503;
  gateway.headers.add("Retry-After", "7");
  status = response_status(gateway);
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(status.error().retry_after, 7s);
  gateway.status = 302;
  EXPECT_TRUE(response_status(gateway));
}

TEST_F(ClientTest, RefusesResponsesOverTheLimit) {
  start();
  ClientOptions options;
  options.max_response_bytes = 10000;
  auto client = HttpClient::connect(url_, options);
  ASSERT_TRUE(client);
  auto big = client->get("/big");  // Content-Length says 100000: refused before the body
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(big.error().reason, "NET_RESPONSE_TOO_LARGE");
  EXPECT_FALSE(client->connected());
  auto small = client->get("/hello");  // a new connection for the next call
  ASSERT_TRUE(small);
  EXPECT_EQ(client->connections_opened(), 2U);
}

TEST(ClientUrlTest, RejectsUnusableUrlsAndRequests) {
  for (const char* url : {"", "ftp://127.0.0.1", "http://", "http://:80", "http://127.0.0.1:0",
                          "http://127.0.0.1:65536", "http://127.0.0.1:8x",
                          "http://127.0.0.1:", "http://127.0.0.1/api", "http://127.0.0.1?x=1",
                          "http://user:pw@127.0.0.1", "http://[::1", "http://[not-v6]:80",
                          "http://::1:80", "http://exa mple.com", "unix:"}) {
    auto client = HttpClient::connect(url);
    ASSERT_FALSE(client) << url;
    EXPECT_EQ(client.error().code, ErrorCode::kInvalidArgument) << url;
    EXPECT_EQ(client.error().reason, "NET_URL_INVALID") << url;
  }
  auto pw = HttpClient::connect("http://user:hunter2@127.0.0.1");
  EXPECT_EQ(pw.error().message.find("hunter2"), std::string::npos);
  auto too_long = HttpClient::connect("unix:/" + std::string(200, 'a'));
  EXPECT_EQ(too_long.error().reason, "NET_URL_INVALID");

  FakeServer fake([](int fd, int) { read_request(fd); });
  auto client = HttpClient::connect(fake.url());
  ASSERT_TRUE(client);
  Headers injected;
  injected.add("X-Evil", "a\r\nX-Injected: 1");
  Headers bad_name;
  bad_name.add("Bad Name", "v");
  std::vector<Result<ClientResponse>> refused;
  refused.push_back(client->get("/x", injected));
  refused.push_back(client->get("/x", bad_name));
  refused.push_back(client->get("no-slash"));
  refused.push_back(client->get("/a b"));
  refused.push_back(client->request("GE T", "/"));
  for (const auto& result : refused) {
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(result.error().reason, "NET_REQUEST_INVALID");
  }
}

TEST(ClientConnectTest, ClosedPortsAndMissingSocketsFailToConnect) {
  auto client = HttpClient::connect("http://127.0.0.1:" + std::to_string(closed_port()));
  ASSERT_FALSE(client);
  EXPECT_EQ(client.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(client.error().reason, "NET_CONNECT_FAILED");
  testing::TempDir dir;
  auto unix_client = HttpClient::connect("unix:" + dir.file("nobody.sock"));
  ASSERT_FALSE(unix_client);
  EXPECT_EQ(unix_client.error().reason, "NET_CONNECT_FAILED");
}

TEST(ClientFakeServerTest, ParsesChunkedInterimAndReadUntilCloseBodies) {
  FakeServer fake([](int fd, int index) {
    if (index != 0) return;
    read_request(fd);
    // Chunked, sent in small pieces, with a trailer the client drops.
    std::string chunked =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n"
        "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n";
    for (std::size_t i = 0; i < chunked.size(); i += 7) {
      send_all(fd, std::string_view(chunked).substr(i, 7));
      std::this_thread::sleep_for(1ms);
    }
    read_request(fd);
    // An interim 100 Continue, then the response.
    send_all(fd, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    read_request(fd);
    // No length and no chunking: the body runs until the server closes.
    send_all(fd, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the ");
    std::this_thread::sleep_for(20ms);
    send_all(fd, "very end");
  });
  auto client = HttpClient::connect(fake.url());
  ASSERT_TRUE(client);
  auto chunked = client->get("/chunked");
  ASSERT_TRUE(chunked) << chunked.error().to_string();
  EXPECT_EQ(chunked->status, 200);
  EXPECT_EQ(chunked->body, "hello, world");
  EXPECT_EQ(chunked->headers.get("Content-Type"), "text/plain");
  EXPECT_FALSE(chunked->headers.contains("X-Trailer"));
  EXPECT_TRUE(client->connected());
  auto interim = client->get("/interim");
  ASSERT_TRUE(interim) << interim.error().to_string();
  EXPECT_EQ(interim->status, 200);
  EXPECT_EQ(interim->body, "ok");
  auto until_close = client->get("/until-close");
  ASSERT_TRUE(until_close) << until_close.error().to_string();
  EXPECT_EQ(until_close->body, "until the very end");
  EXPECT_FALSE(client->connected());
  EXPECT_EQ(client->connections_opened(), 1U);
}

TEST(ClientFakeServerTest, ChunkedBodiesCountAgainstTheLimit) {
  FakeServer fake([](int fd, int) {
    read_request(fd);
    send_all(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    std::string chunk = "400\r\n" + std::string(1024, 'z') + "\r\n";
    for (int i = 0; i < 64; ++i) send_all(fd, chunk);
    send_all(fd, "0\r\n\r\n");
  });
  ClientOptions options;
  options.max_response_bytes = 16 * 1024;
  auto client = HttpClient::connect(fake.url(), options);
  ASSERT_TRUE(client);
  auto got = client->get("/");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().reason, "NET_RESPONSE_TOO_LARGE");
}

TEST(ClientFakeServerTest, GarbageAndTruncatedResponsesAreErrors) {
  FakeServer fake([](int fd, int index) {
    read_request(fd);
    if (index == 0) send_all(fd, "SSH-2.0-OpenSSH_9.2\r\n");
    if (index == 1) send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
  });
  auto client = HttpClient::connect(fake.url());
  ASSERT_TRUE(client);
  auto garbage = client->get("/");
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(garbage.error().reason, "NET_RESPONSE_MALFORMED");
  auto truncated = client->get("/");
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(truncated.error().reason, "NET_CONNECTION_LOST");
}

TEST(ClientFakeServerTest, AServerThatNeverAnswersTimesOut) {
  FakeServer* self = nullptr;
  FakeServer fake([&self](int fd, int) {
    read_request(fd);
    self->wait_for_close(fd);  // never answers; returns once the client gives up
  });
  self = &fake;
  ClientOptions options;
  options.request_timeout = 300ms;
  auto client = HttpClient::connect(fake.url(), options);
  ASSERT_TRUE(client);
  auto started = Clock::now();
  auto got = client->get("/");
  auto took = Clock::now() - started;
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(got.error().reason, "NET_TIMEOUT");
  EXPECT_GE(took, 290ms);
  EXPECT_LT(took, 3s);
  EXPECT_FALSE(client->connected());
}

TEST(ClientFakeServerTest, ATlsHandshakeThatNeverCompletesTimesOut) {
  FakeServer* self = nullptr;
  FakeServer fake([&self](int fd, int) { self->wait_for_close(fd); });
  self = &fake;
  ClientOptions options;
  options.connect_timeout = 300ms;
  auto started = Clock::now();
  auto client = HttpClient::connect("https://127.0.0.1:" + std::to_string(fake.port()), options);
  ASSERT_FALSE(client);
  EXPECT_EQ(client.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(client.error().reason, "NET_TIMEOUT");
  EXPECT_LT(Clock::now() - started, 3s);
}

TEST(ClientFakeServerTest, ResendsAnIdempotentRequestOnceWhenAKeptConnectionDies) {
  // Connection 0 answers once, then reads the next request and closes without a word (the
  // server's idle timeout firing just as the request arrived). Later connections answer.
  FakeServer fake([](int fd, int index) {
    for (int i = 0;; ++i) {
      if (read_request(fd).empty()) return;
      if (index == 0 && i == 1) return;
      send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(1 + index) + "\r\n\r\n" +
                       std::string(static_cast<std::size_t>(1 + index), 'a'));
    }
  });
  auto client = HttpClient::connect(fake.url());
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->get("/"));
  auto again = client->get("/");
  ASSERT_TRUE(again) << again.error().to_string();
  EXPECT_EQ(again->body, "aa");  // from the second connection
  EXPECT_EQ(client->connections_opened(), 2U);
}

TEST(ClientFakeServerTest, DoesNotResendAPostThatMayHaveArrived) {
  FakeServer fake([](int fd, int) {
    if (read_request(fd).empty()) return;
    send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    read_request(fd);  // then closes without answering
  });
  auto client = HttpClient::connect(fake.url());
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->get("/"));
  auto posted = client->post_json("/", "{}");
  ASSERT_FALSE(posted);
  EXPECT_EQ(posted.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(posted.error().reason, "NET_CONNECTION_LOST");
  EXPECT_EQ(client->connections_opened(), 1U);
  EXPECT_EQ(fake.accepted(), 1);
}

// ---- TLS, with a certificate made here

struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertFree {
  void operator()(X509* x) const { X509_free(x); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;

Key p256_key() { return Key(EVP_EC_gen("P-256")); }
Key rsa_key() { return Key(EVP_RSA_gen(2048)); }

bool add_extension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// A self-signed certificate for `key`: CN=localhost, the given subjectAltName, valid for a day.
Cert self_signed(EVP_PKEY* key, const char* subject_alt_name) {
  Cert cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), static_cast<long>(::getpid()));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  EXPECT_TRUE(add_extension(cert.get(), NID_basic_constraints, "critical,CA:TRUE"));
  EXPECT_TRUE(add_extension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign"));
  EXPECT_TRUE(add_extension(cert.get(), NID_subject_key_identifier, "hash"));
  EXPECT_TRUE(add_extension(cert.get(), NID_subject_alt_name, subject_alt_name));
  EXPECT_GT(X509_sign(cert.get(), key, EVP_sha256()), 0);
  return cert;
}

// Writes `pem` to a new file created 0600.
void write_private(const std::string& path, const std::string& pem) {
  int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0600);
  ASSERT_GE(fd, 0) << path;
  ASSERT_EQ(::write(fd, pem.data(), pem.size()), static_cast<ssize_t>(pem.size()));
  ::close(fd);
}

std::string pem_of(const std::function<int(BIO*)>& write) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  EXPECT_EQ(write(bio.get()), 1);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

void write_cert(const std::string& path, X509* cert) {
  write_private(path, pem_of([&](BIO* b) { return PEM_write_bio_X509(b, cert); }));
}

void write_key(const std::string& path, EVP_PKEY* key) {
  write_private(path, pem_of([&](BIO* b) {
                  return PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr);
                }));
}

class ClientTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Key key = p256_key();
    ASSERT_TRUE(key);
    Cert cert = self_signed(key.get(), "IP:127.0.0.1,DNS:localhost");
    cert_ = dir_.file("cert.pem");
    key_ = dir_.file("key.pem");
    write_cert(cert_, cert.get());
    write_key(key_, key.get());
    struct stat st {};
    ASSERT_EQ(::stat(key_.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600U);
  }
  void TearDown() override {
    if (server_) server_->stop(1s);
  }
  void start(const std::string& cert, const std::string& key, ServerOptions options = {}) {
    server_ = std::make_unique<Server>(test_router(), std::move(options));
    ASSERT_TRUE(server_->listen_tls("127.0.0.1", 0, TlsOptions{cert, key}));
    ASSERT_TRUE(server_->start(2));
  }
  std::string url(const std::string& host = "127.0.0.1") const {
    return "https://" + host + ":" + std::to_string(server_->port());
  }
  ClientOptions trusting() const {
    ClientOptions options;
    options.ca_file = cert_;
    return options;
  }

  testing::TempDir dir_;
  std::string cert_;
  std::string key_;
  std::unique_ptr<Server> server_;
};

TEST_F(ClientTlsTest, HttpsWithTheServersCertificateAsCa) {
  start(cert_, key_);
  for (const char* host : {"127.0.0.1", "localhost"}) {
    auto client = HttpClient::connect(url(host), trusting());
    ASSERT_TRUE(client) << host << ": " << client.error().to_string();
    auto got = client->get("/hello");
    ASSERT_TRUE(got) << got.error().to_string();
    EXPECT_EQ(got->status, 200);
    EXPECT_EQ(got->body, R"({"hello":"world"})");
    auto posted = client->post_json("/echo", R"({"over":"tls"})");
    ASSERT_TRUE(posted) << posted.error().to_string();
    EXPECT_EQ(nlohmann::json::parse(posted->body)["body"], R"({"over":"tls"})");
    EXPECT_EQ(client->connections_opened(), 1U);
  }
}

TEST_F(ClientTlsTest, ReconnectsAfterTheServerClosedAnIdleConnection) {
  ServerOptions options;
  options.limits.idle_timeout = 150ms;
  start(cert_, key_, options);
  auto client = HttpClient::connect(url(), trusting());
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->get("/hello"));
  std::this_thread::sleep_for(500ms);
  auto got = client->post_json("/echo", "{}");
  ASSERT_TRUE(got) << got.error().to_string();
  EXPECT_EQ(client->connections_opened(), 2U);
}

TEST_F(ClientTlsTest, AnUntrustedOrMisnamedCertificateFails) {
  start(cert_, key_);
  // The system store does not know a certificate made a moment ago.
  auto untrusted = HttpClient::connect(url());
  ASSERT_FALSE(untrusted);
  EXPECT_EQ(untrusted.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(untrusted.error().reason, "NET_TLS_FAILED");

  // Nor does another self-signed certificate.
  Key other_key = p256_key();
  Cert other = self_signed(other_key.get(), "IP:127.0.0.1,DNS:localhost");
  std::string other_path = dir_.file("other.pem");
  write_cert(other_path, other.get());
  ClientOptions wrong_ca;
  wrong_ca.ca_file = other_path;
  EXPECT_EQ(HttpClient::connect(url(), wrong_ca).error().reason, "NET_TLS_FAILED");

  // Without verification the same server is reachable (for tests only).
  ClientOptions unverified;
  unverified.verify_peer = false;
  auto anyway = HttpClient::connect(url(), unverified);
  ASSERT_TRUE(anyway) << anyway.error().to_string();
  EXPECT_EQ(anyway->get("/hello")->status, 200);

  // A trusted certificate that names another host.
  server_->stop(1s);
  Key key = p256_key();
  Cert misnamed = self_signed(key.get(), "DNS:other.example");
  std::string misnamed_cert = dir_.file("misnamed.pem");
  std::string misnamed_key = dir_.file("misnamed-key.pem");
  write_cert(misnamed_cert, misnamed.get());
  write_key(misnamed_key, key.get());
  start(misnamed_cert, misnamed_key);
  ClientOptions trusts_misnamed;
  trusts_misnamed.ca_file = misnamed_cert;
  auto wrong_name = HttpClient::connect(url(), trusts_misnamed);
  ASSERT_FALSE(wrong_name);
  EXPECT_EQ(wrong_name.error().reason, "NET_TLS_FAILED");
}

TEST_F(ClientTlsTest, UnusableCaFilesAndMixedUpSchemes) {
  start(cert_, key_);
  ClientOptions missing;
  missing.ca_file = dir_.file("no-such.pem");
  auto client = HttpClient::connect(url(), missing);
  ASSERT_FALSE(client);
  EXPECT_EQ(client.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(client.error().reason, "NET_TLS_CONFIG_INVALID");

  // Plain HTTP to the TLS port: the server's handshake fails and it hangs up.
  auto plain = HttpClient::connect("http://127.0.0.1:" + std::to_string(server_->port()));
  ASSERT_TRUE(plain);
  auto got = plain->get("/hello");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kUnavailable);

  // TLS to a plain HTTP port: the client's handshake fails.
  Server http(test_router());
  ASSERT_TRUE(http.listen_tcp("127.0.0.1", 0));
  ASSERT_TRUE(http.start(1));
  auto tls_to_plain =
      HttpClient::connect("https://127.0.0.1:" + std::to_string(http.port()), trusting());
  ASSERT_FALSE(tls_to_plain);
  EXPECT_EQ(tls_to_plain.error().reason, "NET_TLS_FAILED");
  http.stop(1s);
}

// A handshake from a client context limited to `max_version`; the error, or none.
asio::error_code handshake(uint16_t port, int max_version) {
  asio::io_context io;
  asio::ssl::context context(asio::ssl::context::tls_client);
  SSL_CTX* ctx = context.native_handle();
  // Security level 0 lets this client offer TLS 1.0/1.1 at all: the refusal must be the server's.
  SSL_CTX_set_security_level(ctx, 0);
  SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0");
  SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
  SSL_CTX_set_max_proto_version(ctx, max_version);
  context.set_verify_mode(asio::ssl::verify_none);
  asio::ssl::stream<asio::ip::tcp::socket> stream(io, context);
  asio::error_code result = asio::error::timed_out;
  stream.lowest_layer().async_connect(
      asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), port),
      [&](const asio::error_code& ec) {
        if (ec) {
          result = ec;
          return;
        }
        stream.async_handshake(asio::ssl::stream_base::client,
                               [&](const asio::error_code& e) { result = e; });
      });
  io.run_for(5s);
  asio::error_code ignored;
  stream.lowest_layer().close(ignored);
  return result;
}

TEST_F(ClientTlsTest, ServerRefusesTls11) {
  start(cert_, key_);
  EXPECT_TRUE(handshake(server_->port(), TLS1_1_VERSION));
  EXPECT_TRUE(handshake(server_->port(), TLS1_VERSION));
  EXPECT_FALSE(handshake(server_->port(), TLS1_2_VERSION));  // the same client, allowed 1.2
}

TEST_F(ClientTlsTest, ListenTlsRefusesAKeyThatIsNotTheCertificates) {
  Key other = p256_key();
  std::string other_key = dir_.file("other-key.pem");
  write_key(other_key, other.get());
  Key rsa = rsa_key();
  std::string rsa_path = dir_.file("rsa-key.pem");
  write_key(rsa_path, rsa.get());
  std::string junk = dir_.file("junk.pem");
  write_private(junk, "not a pem file\n");
  for (const auto& [cert, key] : std::vector<std::pair<std::string, std::string>>{
           {cert_, other_key},  // another key of the same type
           {cert_, rsa_path},   // a key of another type
           {cert_, junk},       // not a key
           {junk, key_},        // not a certificate
           {dir_.file("none.pem"), key_}}) {
    Server server(test_router());
    Status s = server.listen_tls("127.0.0.1", 0, TlsOptions{cert, key});
    ASSERT_FALSE(s) << cert << " " << key;
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(s.error().reason, "NET_TLS_CONFIG_INVALID");
  }
}

}  // namespace
}  // namespace cairn::net
