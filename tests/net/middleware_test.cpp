// Authentication, rate limiting and trusted-proxy middleware.
#include "cairn/net/middleware.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cairn/engine.hpp"

namespace cairn::net {
namespace {

using namespace std::chrono_literals;

// One request on a fresh connection; the raw response.
std::string exchange(uint16_t port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    std::string full = request + "Connection: close\r\n\r\n";
    (void)!::send(fd, full.data(), full.size(), MSG_NOSIGNAL);
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) {
      out.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return out;
}

int status_of(const std::string& r) { return r.size() < 12 ? 0 : std::stoi(r.substr(9, 3)); }
std::string body_of(const std::string& r) { return r.substr(r.find("\r\n\r\n") + 4); }

class MiddlewareTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = std::move(*Engine::open("memory:"));
    Router router;
    ASSERT_TRUE(router.add("GET", "/whoami", [](const Request& req, Response& res) {
      res.text(req.subject.empty() ? "anonymous" : req.subject);
    }));
    ASSERT_TRUE(router.add("GET", "/api/public/info", [](const Request& req, Response& res) {
      res.text(req.subject.empty() ? "anonymous" : req.subject);
    }));
    ASSERT_TRUE(router.add("GET", "/api/{org}/secrets", [](const Request& req, Response& res) {
      res.text("secrets of " + std::string(req.param("org")));
    }));
    server_ = std::make_unique<Server>(std::move(router));
  }
  void start() {
    ASSERT_TRUE(server_->listen_tcp("127.0.0.1", 0));
    ASSERT_TRUE(server_->start(1));
  }
  std::string get(const std::string& path, const std::string& headers = "") {
    return exchange(server_->port(), "GET " + path + " HTTP/1.1\r\nHost: x\r\n" + headers);
  }
  void TearDown() override { server_->stop(1s); }

  std::unique_ptr<Engine> engine_;
  std::unique_ptr<Server> server_;
};

TEST_F(MiddlewareTest, AuthenticatesSessionsApiKeysAndJwts) {
  auth::AuthService& auth = engine_->auth();
  auto user = auth.create_user("ada@example.com", "Ada");
  ASSERT_TRUE(user);
  auto session = auth.create_session(user->id);
  ASSERT_TRUE(session);
  auto key = auth.create_api_key("sa-ci");
  ASSERT_TRUE(key);
  auto hmac = auth::JwtKey::hmac(Bytes(32, 7));
  ASSERT_TRUE(hmac);
  auth::JwtKeySet keys;
  ASSERT_TRUE(keys.add(*hmac));
  AuthenticateOptions options;
  options.jwt_keys = &keys;
  options.jwt_options.algorithms = {auth::JwtAlgorithm::kHs256};
  options.public_paths = {"/health", "/api/public/*"};
  server_->use(authenticate(auth, options));
  start();

  std::string r = get("/whoami");
  EXPECT_EQ(status_of(r), 401);
  EXPECT_NE(r.find("AUTH_CREDENTIALS_MISSING"), std::string::npos);
  EXPECT_NE(r.find("WWW-Authenticate: Bearer"), std::string::npos);
  EXPECT_EQ(body_of(get("/api/public/info")), "anonymous");
  // A public prefix never makes another route public: the pattern decides, not the path.
  EXPECT_EQ(status_of(get("/api/public/secrets")), 401);
  EXPECT_EQ(status_of(get("/metrics")), 401);  // built-ins run behind the middleware too
  EXPECT_EQ(status_of(get("/health")), 200);

  EXPECT_EQ(body_of(get("/whoami", "Authorization: Bearer " + session->token + "\r\n")), user->id);
  EXPECT_EQ(body_of(get("/whoami", "X-API-Key: " + key->secret + "\r\n")), "sa-ci");
  auto jwt = auth::jwt_encode(R"({"sub":"bob","exp":4102444800})", *hmac);
  ASSERT_TRUE(jwt);
  EXPECT_EQ(body_of(get("/whoami", "Authorization: Bearer " + *jwt + "\r\n")), "bob");

  // Bad credentials are refused even on public paths.
  r = get("/api/public/info", "Authorization: Bearer cairn_s_nope\r\n");
  EXPECT_EQ(status_of(r), 401);
  EXPECT_NE(r.find("AUTH_TOKEN_INVALID"), std::string::npos);
  EXPECT_EQ(status_of(get("/whoami", "Authorization: Basic YTpi\r\n")), 401);
  std::string forged = *jwt;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(status_of(get("/whoami", "Authorization: Bearer " + forged + "\r\n")), 401);
  ASSERT_TRUE(auth.revoke_session(session->token));
  EXPECT_EQ(status_of(get("/whoami", "Authorization: Bearer " + session->token + "\r\n")), 401);
}

TEST_F(MiddlewareTest, RateLimitsPerCallerWithRetryAfter) {
  auto limiter = auth::MemoryRateLimiter::create({0.5, 2});
  ASSERT_TRUE(limiter);
  server_->use(rate_limit(**limiter));
  start();
  EXPECT_EQ(status_of(get("/whoami")), 200);
  EXPECT_EQ(status_of(get("/whoami")), 200);
  std::string r = get("/whoami");
  EXPECT_EQ(status_of(r), 429);
  EXPECT_NE(r.find("AUTH_RATE_LIMITED"), std::string::npos);
  EXPECT_NE(r.find("Retry-After: 2\r\n"), std::string::npos);
}

TEST_F(MiddlewareTest, LimitsClientsOnTheNamedRoutesOnly) {
  auto per_client = auth::MemoryRateLimiter::create({0.01, 2});
  auto overall = auth::MemoryRateLimiter::create({0.01, 3});
  ASSERT_TRUE(per_client && overall);
  server_->use(trust_proxies({"127.0.0.1"}));
  server_->use(limit_clients(per_client->get(), overall->get(), {"/api/public/*"}));
  start();
  auto from = [](const std::string& address) { return "X-Forwarded-For: " + address + "\r\n"; };
  EXPECT_EQ(status_of(get("/api/public/info", from("203.0.113.1"))), 200);
  EXPECT_EQ(status_of(get("/api/public/info", from("203.0.113.1"))), 200);
  std::string limited = get("/api/public/info", from("203.0.113.1"));
  EXPECT_EQ(status_of(limited), 429);
  EXPECT_NE(limited.find("AUTH_RATE_LIMITED"), std::string::npos);
  EXPECT_NE(limited.find("Retry-After: "), std::string::npos);
  // Another client has its own budget, until the ceiling for everyone is reached.
  EXPECT_EQ(status_of(get("/api/public/info", from("203.0.113.2"))), 200);
  EXPECT_EQ(status_of(get("/api/public/info", from("203.0.113.3"))), 429);
  // Routes not named are never counted.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(status_of(get("/whoami", from("203.0.113.1"))), 200);
}

TEST_F(MiddlewareTest, ForwardedAddressesAreBelievedFromTrustedProxiesOnly) {
  enum Mode { kNone, kForwardedFor, kRealIp };
  for (Mode mode : {kNone, kForwardedFor, kRealIp}) {
    Router router;
    ASSERT_TRUE(router.add(
        "GET", "/ip", [](const Request& req, Response& res) { res.text(req.client_address); }));
    Server server{std::move(router)};
    if (mode != kNone) {
      server.use(trust_proxies({"127.0.0.1", "10.0.0.9"}, mode == kRealIp
                                                              ? ProxyHeader::kRealIp
                                                              : ProxyHeader::kForwardedFor));
    }
    ASSERT_TRUE(server.listen_tcp("127.0.0.1", 0));
    ASSERT_TRUE(server.start(1));
    auto ip = [&](const std::string& headers) {
      return body_of(exchange(server.port(), "GET /ip HTTP/1.1\r\nHost: x\r\n" + headers));
    };
    EXPECT_EQ(ip(""), "127.0.0.1");
    if (mode == kNone) {
      EXPECT_EQ(ip("X-Forwarded-For: 203.0.113.1\r\n"), "127.0.0.1");
      EXPECT_EQ(ip("X-Real-IP: 203.0.113.1\r\n"), "127.0.0.1");
    } else if (mode == kForwardedFor) {
      EXPECT_EQ(ip("X-Forwarded-For: 203.0.113.1\r\n"), "203.0.113.1");
      // The right-most entry that is not a trusted proxy; what the client wrote further left
      // is not believed, also when the proxy appended a line of its own.
      EXPECT_EQ(ip("X-Forwarded-For: 198.51.100.1, 203.0.113.1, 10.0.0.9\r\n"), "203.0.113.1");
      EXPECT_EQ(ip("X-Forwarded-For: 198.51.100.1\r\nX-Forwarded-For: 203.0.113.1\r\n"),
                "203.0.113.1");
      EXPECT_EQ(ip("X-Forwarded-For: 2001:db8::1\r\n"), "2001:db8::1");
      EXPECT_EQ(ip("X-Forwarded-For: not-an-address\r\n"), "127.0.0.1");
      EXPECT_EQ(ip("X-Real-IP: 203.0.113.5\r\n"), "127.0.0.1");  // not the header trusted
    } else {
      EXPECT_EQ(ip("X-Real-IP: 203.0.113.5\r\n"), "203.0.113.5");
      EXPECT_EQ(ip("X-Forwarded-For: 203.0.113.1\r\n"), "127.0.0.1");  // passed through
      EXPECT_EQ(ip("X-Real-IP: 203.0.113.5\r\nX-Real-IP: 198.51.100.1\r\n"), "127.0.0.1");
    }
    server.stop(1s);
  }
  EXPECT_EQ(parse_addresses(" 10.0.0.1, ::1 ,").value(),
            (std::vector<std::string>{"10.0.0.1", "::1"}));
  EXPECT_EQ(parse_addresses("10.0.0.1, example.com").error().reason, "HTTP_ADDRESS_INVALID");
  EXPECT_EQ(parse_proxy_header("x-real-ip").value(), ProxyHeader::kRealIp);
  EXPECT_EQ(parse_proxy_header("Forwarded").error().reason, "HTTP_PROXY_HEADER_INVALID");
}

}  // namespace
}  // namespace cairn::net
