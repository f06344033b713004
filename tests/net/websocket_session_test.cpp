// cairn::net::WebSocketSession and accept_websocket end to end: a real net::Server on 127.0.0.1
// (and on TLS and a unix socket), driven by a raw client written here that builds its frames with
// websocket::encode_frame and reads the server's with a client-side MessageParser, so every byte
// on the wire is the test's choice: the opening handshake, each size class of frame length,
// fragments with a ping between them, each protocol error and its close code, both directions
// of the close handshake, the server's drain, backpressure and keep-alive.
#include "cairn/net/websocket_session.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cairn/net/server.hpp"
#include "support/temp_dir.hpp"

namespace cairn::net {
namespace {

using namespace std::chrono_literals;
using websocket::Message;
using websocket::Opcode;

constexpr char kRfcKey[] = "dGhlIHNhbXBsZSBub25jZQ==";  // RFC 6455 section 1.3
constexpr char kRfcAccept[] = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

// ---- Certificates for the TLS listener: a self-signed P-256 certificate for 127.0.0.1.

struct OpenSslFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
  void operator()(X509* c) const { X509_free(c); }
  void operator()(BIO* b) const { BIO_free(b); }
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
  void operator()(SSL* s) const { SSL_free(s); }
};

std::string pem_text(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

void write_file(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
  ASSERT_GE(fd, 0) << path;
  ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ::close(fd);
}

// Writes cert.pem and cert.key into `dir`.
void write_self_signed(const testing::TempDir& dir) {
  std::unique_ptr<EVP_PKEY, OpenSslFree> key(EVP_EC_gen("P-256"));
  std::unique_ptr<X509, OpenSslFree> cert(X509_new());
  ASSERT_TRUE(key && cert);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24L * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  ASSERT_GT(X509_sign(cert.get(), key.get(), EVP_sha256()), 0);
  std::unique_ptr<BIO, OpenSslFree> cert_bio(BIO_new(BIO_s_mem()));
  std::unique_ptr<BIO, OpenSslFree> key_bio(BIO_new(BIO_s_mem()));
  ASSERT_EQ(PEM_write_bio_X509(cert_bio.get(), cert.get()), 1);
  ASSERT_EQ(
      PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr), 1);
  write_file(dir.file("cert.pem"), pem_text(cert_bio.get()));
  write_file(dir.file("cert.key"), pem_text(key_bio.get()));
}

// ---- The raw client

// One connection to the server (TCP, unix or TLS over TCP) with blocking reads that time out
// after 5 s. It speaks only what the test tells it to, byte for byte.
class RawClient {
 public:
  static std::unique_ptr<RawClient> tcp(uint16_t port, int receive_buffer = 0) {
    auto c = std::unique_ptr<RawClient>(new RawClient(::socket(AF_INET, SOCK_STREAM, 0)));
    if (receive_buffer > 0) {
      ::setsockopt(c->fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    c->connected_ = ::connect(c->fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    return c;
  }
  static std::unique_ptr<RawClient> unix_socket(const std::string& path) {
    auto c = std::unique_ptr<RawClient>(new RawClient(::socket(AF_UNIX, SOCK_STREAM, 0)));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    c->connected_ = ::connect(c->fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    return c;
  }
  static std::unique_ptr<RawClient> tls(uint16_t port) {
    auto c = tcp(port);
    if (!c->connected_) return c;
    c->ctx_.reset(SSL_CTX_new(TLS_client_method()));
    SSL_CTX_set_verify(c->ctx_.get(), SSL_VERIFY_NONE, nullptr);  // self-signed test server
    c->ssl_.reset(SSL_new(c->ctx_.get()));
    SSL_set_fd(c->ssl_.get(), c->fd_);
    c->connected_ = SSL_connect(c->ssl_.get()) == 1;
    return c;
  }

  ~RawClient() { ::close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }

  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ssl_ ? SSL_write(ssl_.get(), bytes.data(), static_cast<int>(bytes.size()))
                       : ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // The opening handshake for `path` with `key` and `extra` header lines ("Name: value\r\n");
  // returns the response head (through the blank line); what follows it stays for the frames.
  std::string handshake(std::string_view path = "/ws/echo", std::string_view key = kRfcKey,
                        std::string_view extra = "Sec-WebSocket-Version: 13\r\n",
                        std::string_view after = {}) {
    std::string request = "GET " + std::string(path) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                          "Upgrade: websocket\r\nConnection: Upgrade\r\n";
    if (!key.empty()) request += "Sec-WebSocket-Key: " + std::string(key) + "\r\n";
    request += std::string(extra) + "\r\n" + std::string(after);
    if (!send(request)) return "";
    for (int reads = 0; reads < 1000; ++reads) {
      std::size_t end = buffer_.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::string head = buffer_.substr(0, end + 4);
        buffer_.erase(0, end + 4);
        parser_.feed(buffer_);
        buffer_.clear();
        return head;
      }
      if (!receive()) return "";
    }
    return "";
  }

  // A masked frame as a client must send it.
  bool send_frame(Opcode opcode, std::string_view payload, bool fin = true) {
    Result<std::string> wire =
        websocket::encode_frame({.opcode = opcode, .fin = fin, .payload = std::string(payload)},
                                websocket::random_mask_key());
    return wire && send(*wire);
  }

  // The next message or control frame the server sent; nullopt at EOF, on a timeout, or when
  // the server's frames break the protocol.
  std::optional<Message> next() {
    for (int reads = 0; reads < 100000; ++reads) {
      Result<std::optional<Message>> m = parser_.next();
      if (!m) return std::nullopt;
      if (m->has_value()) return std::move(**m);
      std::size_t before = buffer_.size();
      if (!receive()) return std::nullopt;
      parser_.feed(std::string_view(buffer_).substr(before));
      buffer_.clear();
    }
    return std::nullopt;
  }

  // The next text or binary message, answering nothing and skipping pings and pongs.
  std::optional<Message> next_data() {
    for (int i = 0; i < 1000; ++i) {
      std::optional<Message> m = next();
      if (!m || m->opcode == Opcode::kText || m->opcode == Opcode::kBinary ||
          m->opcode == Opcode::kClose) {
        return m;
      }
    }
    return std::nullopt;
  }

  // True when the server has closed the connection: a read ends (EOF or reset) instead of
  // timing out. Any bytes still in flight are read and dropped.
  bool closed_by_server() {
    for (int reads = 0; reads < 100000; ++reads) {
      char c[4096];
      ssize_t n = ssl_ ? SSL_read(ssl_.get(), c, sizeof c) : ::recv(fd_, c, sizeof c, 0);
      if (n > 0) continue;
      if (ssl_) {
        // A clean close_notify, or the TCP connection ending under TLS; not a timeout.
        int err = SSL_get_error(ssl_.get(), static_cast<int>(n));
        return err != SSL_ERROR_WANT_READ && (err != SSL_ERROR_SYSCALL || errno != EAGAIN);
      }
      return n == 0 || errno == ECONNRESET;
    }
    return false;
  }

  void stop_sending() { ::shutdown(fd_, SHUT_WR); }

 private:
  explicit RawClient(int fd) : fd_(fd) {
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }

  bool receive() {
    char buf[16384];
    ssize_t n = ssl_ ? SSL_read(ssl_.get(), buf, sizeof buf) : ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    buffer_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  int fd_;
  bool connected_ = false;
  std::unique_ptr<SSL_CTX, OpenSslFree> ctx_;
  std::unique_ptr<SSL, OpenSslFree> ssl_;
  std::string buffer_;
  websocket::MessageParser parser_{
      {.role = websocket::Role::kClient, .max_message_bytes = std::size_t{16} << 20}};
};

int status_of(const std::string& head) {
  return head.size() < 12 ? 0 : std::stoi(head.substr(9, 3));
}

// The value of header `name` in a response head ("" when absent); names as the server writes
// them.
std::string header_of(const std::string& head, const std::string& name) {
  std::size_t at = head.find("\r\n" + name + ": ");
  if (at == std::string::npos) return "";
  at += name.size() + 4;
  return head.substr(at, head.find("\r\n", at) - at);
}

// ---- The server under test

// What the sessions' handlers saw, for the test thread to wait on.
struct Observed {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::shared_ptr<WebSocketSession>> sessions;
  std::vector<std::pair<uint16_t, std::string>> closes;
  std::vector<std::string> access_log;
};

class WebSocketSessionTest : public ::testing::Test {
 protected:
  // Starts the server with `options` for every session on TCP, and on TLS and a unix socket
  // when asked.
  void start(WebSocketOptions options = {}, bool tls = false, bool unix_socket = false) {
    options_ = std::move(options);
    Router router;
    auto observed = observed_;
    WebSocketOptions session_options = options_;
    auto make_session = [observed, session_options] {
      auto session = std::make_shared<WebSocketSession>(session_options);
      session->on_message([](WebSocketSession& s, const Message& m) {
        if (m.payload == "throw") throw std::runtime_error("a handler's bug");
        if (m.payload == "ordered") {
          // A send from another thread (posted to the connection) before one from the handler
          // itself (which may skip the post): the two must still leave in this order.
          std::thread other([&s] { s.send_text("first"); });
          other.join();
          s.send_text("second");
          return;
        }
        if (m.opcode == Opcode::kText) {
          s.send_text(m.payload);
        } else {
          s.send_binary(m.payload);
        }
      });
      session->on_close([observed](uint16_t code, std::string_view reason) {
        std::lock_guard lock(observed->mu);
        observed->closes.emplace_back(code, std::string(reason));
        observed->cv.notify_all();
      });
      return session;
    };
    ASSERT_TRUE(
        router.add("GET", "/ws/echo", [observed, make_session](const Request& req, Response& res) {
          auto session = make_session();
          if (accept_websocket(req, res, session)) {
            std::lock_guard lock(observed->mu);
            observed->sessions.push_back(session);
            observed->cv.notify_all();
          }
        }));
    // Queues a greeting before the server has taken the session.
    ASSERT_TRUE(router.add("GET", "/ws/greet", [make_session](const Request& req, Response& res) {
      auto session = make_session();
      EXPECT_TRUE(session->send_text("welcome"));
      (void)accept_websocket(req, res, session);
    }));
    // Queues a message and a close before the server has taken the session.
    ASSERT_TRUE(
        router.add("GET", "/ws/greet-and-close", [make_session](const Request& req, Response& res) {
          auto session = make_session();
          EXPECT_TRUE(session->send_text("not now"));
          session->close(4002, "come back later");
          EXPECT_FALSE(session->send_text("dropped"));
          (void)accept_websocket(req, res, session);
        }));
    ASSERT_TRUE(router.add("GET", "/plain",
                           [](const Request&, Response& res) { res.text("no upgrade here"); }));
    ServerOptions server_options;
    server_options.access_log = [observed](std::string_view line) {
      std::lock_guard lock(observed->mu);
      observed->access_log.emplace_back(line);
    };
    server_ = std::make_unique<Server>(std::move(router), std::move(server_options));
    ASSERT_TRUE(server_->listen_tcp("127.0.0.1", 0));
    if (tls) {
      write_self_signed(dir_);
      TlsOptions tls_options{dir_.file("cert.pem"), dir_.file("cert.key")};
      ASSERT_TRUE(server_->listen_tls("127.0.0.1", 0, tls_options));
    }
    if (unix_socket) {
      ASSERT_TRUE(server_->listen_unix(dir_.file("run/ws.sock")));
    }
    ASSERT_TRUE(server_->start(2));
  }

  void TearDown() override {
    if (server_) server_->stop(1s);
  }

  uint16_t port() const { return server_->port(0); }

  // The first session the echo route accepted (waits up to 5 s).
  std::shared_ptr<WebSocketSession> session() {
    std::unique_lock lock(observed_->mu);
    observed_->cv.wait_for(lock, 5s, [&] { return !observed_->sessions.empty(); });
    return observed_->sessions.empty() ? nullptr : observed_->sessions.front();
  }

  // The first close the handlers saw (waits up to 5 s); {0, ""} when none came.
  std::pair<uint16_t, std::string> first_close() {
    std::unique_lock lock(observed_->mu);
    observed_->cv.wait_for(lock, 5s, [&] { return !observed_->closes.empty(); });
    return observed_->closes.empty() ? std::pair<uint16_t, std::string>{0, ""}
                                     : observed_->closes.front();
  }

  std::size_t close_count() {
    std::lock_guard lock(observed_->mu);
    return observed_->closes.size();
  }

  // A client that has completed the handshake on the echo route.
  std::unique_ptr<RawClient> open_tcp() {
    auto client = RawClient::tcp(port());
    EXPECT_TRUE(client->connected());
    EXPECT_EQ(status_of(client->handshake()), 101);
    return client;
  }

  // Echoes text and binary messages of each length class through `client`.
  static void expect_echoes(RawClient& client) {
    for (std::size_t size : {std::size_t{0}, std::size_t{125}, std::size_t{126}, std::size_t{65535},
                             std::size_t{65536}, std::size_t{1} << 20}) {
      std::string text(size, 'a');
      for (std::size_t i = 0; i < size; ++i) text[i] = static_cast<char>('a' + i % 26);
      ASSERT_TRUE(client.send_frame(Opcode::kText, text));
      std::optional<Message> m = client.next_data();
      ASSERT_TRUE(m) << size;
      EXPECT_EQ(m->opcode, Opcode::kText);
      EXPECT_EQ(m->payload, text) << size;

      std::string data(size, '\0');
      for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<char>(i * 7 % 256);
      ASSERT_TRUE(client.send_frame(Opcode::kBinary, data));
      m = client.next_data();
      ASSERT_TRUE(m) << size;
      EXPECT_EQ(m->opcode, Opcode::kBinary);
      EXPECT_EQ(m->payload, data) << size;
    }
  }

  // Expects a close frame with `code` (and `reason` unless null) and then the end of the
  // connection.
  static void expect_close(RawClient& client, uint16_t code, const char* reason = nullptr) {
    std::optional<Message> m = client.next_data();
    ASSERT_TRUE(m);
    ASSERT_EQ(m->opcode, Opcode::kClose);
    EXPECT_EQ(m->close_code, code);
    if (reason != nullptr) {
      EXPECT_EQ(m->payload, reason);
    }
  }

  testing::TempDir dir_;
  std::shared_ptr<Observed> observed_ = std::make_shared<Observed>();
  WebSocketOptions options_;
  std::unique_ptr<Server> server_;
};

// ---- The opening handshake

TEST_F(WebSocketSessionTest, AnswersTheRfcExampleKeyWith101) {
  start();
  auto client = RawClient::tcp(port());
  std::string head = client->handshake();
  EXPECT_EQ(status_of(head), 101);
  EXPECT_EQ(header_of(head, "Sec-WebSocket-Accept"), kRfcAccept);
  EXPECT_EQ(header_of(head, "Upgrade"), "websocket");
  EXPECT_EQ(header_of(head, "Connection"), "Upgrade");
  EXPECT_EQ(header_of(head, "Content-Length"), "");
  EXPECT_EQ(header_of(head, "Sec-WebSocket-Protocol"), "");
  ASSERT_NE(session(), nullptr);
  EXPECT_EQ(session()->subprotocol(), "");
  EXPECT_FALSE(session()->closed());
}

TEST_F(WebSocketSessionTest, LogsTheUpgradeWith101) {
  start();
  auto client = open_tcp();
  ASSERT_NE(session(), nullptr);
  std::lock_guard lock(observed_->mu);
  ASSERT_EQ(observed_->access_log.size(), 1u);
  EXPECT_NE(observed_->access_log[0].find("\"status\":101"), std::string::npos);
  EXPECT_NE(observed_->access_log[0].find("\"path\":\"/ws/echo\""), std::string::npos);
}

TEST_F(WebSocketSessionTest, ChoosesTheServersPreferredSubprotocolAmongTheOffered) {
  start({.subprotocols = {"bus.v2", "bus.v1"}});
  auto client = RawClient::tcp(port());
  std::string head =
      client->handshake("/ws/echo", kRfcKey,
                        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat, bus.v1\r\n"
                        "Sec-WebSocket-Protocol: bus.v2\r\n");
  EXPECT_EQ(status_of(head), 101);
  EXPECT_EQ(header_of(head, "Sec-WebSocket-Protocol"), "bus.v2");
  ASSERT_NE(session(), nullptr);
  EXPECT_EQ(session()->subprotocol(), "bus.v2");
}

TEST_F(WebSocketSessionTest, AnswersNoSubprotocolWhenNoneMatches) {
  start({.subprotocols = {"bus.v2"}});
  auto client = RawClient::tcp(port());
  std::string head = client->handshake(
      "/ws/echo", kRfcKey, "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat\r\n");
  EXPECT_EQ(status_of(head), 101);
  EXPECT_EQ(header_of(head, "Sec-WebSocket-Protocol"), "");
}

TEST_F(WebSocketSessionTest, RefusesVersion8With426AndFinishesTheSession) {
  start();
  auto client = RawClient::tcp(port());
  std::string head = client->handshake("/ws/echo", kRfcKey, "Sec-WebSocket-Version: 8\r\n");
  EXPECT_EQ(status_of(head), 426);
  EXPECT_EQ(header_of(head, "Sec-WebSocket-Version"), "13");
  EXPECT_EQ(header_of(head, "Connection"), "close");
  EXPECT_EQ(first_close().first, 1006);
  EXPECT_TRUE(client->closed_by_server());
}

TEST_F(WebSocketSessionTest, RefusesAMissingKeyWith400) {
  start();
  auto client = RawClient::tcp(port());
  std::string head = client->handshake("/ws/echo", "");
  EXPECT_EQ(status_of(head), 400);
  EXPECT_EQ(first_close().first, 1006);
  EXPECT_TRUE(client->closed_by_server());
}

TEST_F(WebSocketSessionTest, ARouteThatIgnoresTheUpgradeAnswersNormallyAndCloses) {
  start();
  auto client = RawClient::tcp(port());
  // Frame bytes right behind the request: they are in a protocol the route did not accept.
  Result<std::string> frame =
      websocket::encode_frame({.payload = "hi"}, websocket::random_mask_key());
  ASSERT_TRUE(frame);
  std::string head = client->handshake("/plain", kRfcKey, "Sec-WebSocket-Version: 13\r\n", *frame);
  EXPECT_EQ(status_of(head), 200);
  EXPECT_EQ(header_of(head, "Connection"), "close");
  EXPECT_EQ(header_of(head, "Content-Length"), "15");
  EXPECT_TRUE(client->closed_by_server());
}

TEST_F(WebSocketSessionTest, WritesFramesQueuedBeforeTheUpgradeFirst) {
  start();
  auto client = RawClient::tcp(port());
  EXPECT_EQ(status_of(client->handshake("/ws/greet")), 101);
  std::optional<Message> m = client->next_data();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->opcode, Opcode::kText);
  EXPECT_EQ(m->payload, "welcome");
}

TEST_F(WebSocketSessionTest, SendsACloseQueuedBeforeTheUpgradeAfterTheQueuedFrames) {
  start();
  auto client = RawClient::tcp(port());
  EXPECT_EQ(status_of(client->handshake("/ws/greet-and-close")), 101);
  std::optional<Message> m = client->next_data();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->payload, "not now");
  expect_close(*client, 4002, "come back later");
  ASSERT_TRUE(client->send_frame(Opcode::kClose, std::string("\x0f\xa2", 2)));  // 4002
  EXPECT_TRUE(client->closed_by_server());
  EXPECT_EQ(first_close(), std::make_pair(uint16_t{4002}, std::string("come back later")));
}

// ---- Messages

TEST_F(WebSocketSessionTest, EchoesTextAndBinaryOfEveryLengthClass) {
  start();
  auto client = open_tcp();
  expect_echoes(*client);
}

TEST_F(WebSocketSessionTest, TakesFramesSentTogetherWithTheHandshake) {
  start();
  auto client = RawClient::tcp(port());
  Result<std::string> frame =
      websocket::encode_frame({.payload = "early"}, websocket::random_mask_key());
  ASSERT_TRUE(frame);
  EXPECT_EQ(
      status_of(client->handshake("/ws/echo", kRfcKey, "Sec-WebSocket-Version: 13\r\n", *frame)),
      101);
  std::optional<Message> m = client->next_data();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->payload, "early");
}

TEST_F(WebSocketSessionTest, ReassemblesFragmentsAndAnswersAPingBetweenThem) {
  start();
  auto client = open_tcp();
  ASSERT_TRUE(client->send_frame(Opcode::kText, "Hel", false));
  ASSERT_TRUE(client->send_frame(Opcode::kPing, "are you there"));
  ASSERT_TRUE(client->send_frame(Opcode::kContinuation, "lo, ", false));
  ASSERT_TRUE(client->send_frame(Opcode::kContinuation, "world"));
  std::optional<Message> pong = client->next();
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->opcode, Opcode::kPong);
  EXPECT_EQ(pong->payload, "are you there");
  std::optional<Message> m = client->next();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->opcode, Opcode::kText);
  EXPECT_EQ(m->payload, "Hello, world");
}

TEST_F(WebSocketSessionTest, SendTextRefusesInvalidUtf8AndOversizedPings) {
  start();
  auto client = open_tcp();
  auto s = session();
  ASSERT_NE(s, nullptr);
  EXPECT_FALSE(s->send_text("\xC3\x28"));
  EXPECT_FALSE(s->ping(std::string(126, 'p')));
  EXPECT_TRUE(s->ping("hello"));
  std::optional<Message> m = client->next();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->opcode, Opcode::kPing);
  EXPECT_EQ(m->payload, "hello");
}

TEST_F(WebSocketSessionTest, SendsFromAnotherThreadWhileMessagesFlow) {
  start();
  auto client = open_tcp();
  auto s = session();
  ASSERT_NE(s, nullptr);
  constexpr int kCount = 300;
  std::thread pusher([&] {
    for (int i = 0; i < kCount; ++i) EXPECT_TRUE(s->send_binary("push " + std::to_string(i)));
  });
  for (int i = 0; i < kCount; ++i) {
    ASSERT_TRUE(client->send_frame(Opcode::kText, "echo " + std::to_string(i)));
  }
  int echoes = 0;
  int pushes = 0;
  for (int i = 0; i < 2 * kCount; ++i) {
    std::optional<Message> m = client->next_data();
    ASSERT_TRUE(m);
    if (m->opcode == Opcode::kText) {
      EXPECT_EQ(m->payload, "echo " + std::to_string(echoes++));  // in order
    } else {
      EXPECT_EQ(m->payload, "push " + std::to_string(pushes++));
    }
  }
  pusher.join();
  EXPECT_EQ(echoes, kCount);
  EXPECT_EQ(pushes, kCount);
}

// Frames a handler sends while its message is delivered skip the post to the connection, but
// never overtake frames another thread sent before them.
TEST_F(WebSocketSessionTest, AHandlersSendsKeepTheirOrderWithSendsFromOtherThreads) {
  start();
  auto client = open_tcp();
  for (int round = 0; round < 20; ++round) {
    ASSERT_TRUE(client->send_frame(Opcode::kText, "ordered"));
    std::optional<Message> m = client->next_data();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->payload, "first") << round;
    m = client->next_data();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->payload, "second") << round;
    // And a plain echo after them: the connection is back to sending inline.
    ASSERT_TRUE(client->send_frame(Opcode::kText, "after " + std::to_string(round)));
    m = client->next_data();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->payload, "after " + std::to_string(round));
  }
}

// ---- Protocol errors: the close code, the rule's reason, the close handler, the end

TEST_F(WebSocketSessionTest, ClosesAnUnmaskedFrameWith1002) {
  start();
  auto client = open_tcp();
  Result<std::string> unmasked = websocket::encode_frame({.payload = "bare"});
  ASSERT_TRUE(unmasked);
  ASSERT_TRUE(client->send(*unmasked));
  expect_close(*client, websocket::kCloseProtocolError, "WEBSOCKET_MASK_INVALID");
  EXPECT_TRUE(client->closed_by_server());
  EXPECT_EQ(first_close(),
            std::make_pair(websocket::kCloseProtocolError, std::string("WEBSOCKET_MASK_INVALID")));
}

TEST_F(WebSocketSessionTest, ClosesInvalidUtf8TextWith1007) {
  start();
  auto client = open_tcp();
  ASSERT_TRUE(client->send_frame(Opcode::kText, "ok \xED\xA0\x80"));  // a UTF-16 surrogate
  expect_close(*client, websocket::kCloseInvalidPayload, "WEBSOCKET_UTF8_INVALID");
  EXPECT_TRUE(client->closed_by_server());
  EXPECT_EQ(first_close().first, websocket::kCloseInvalidPayload);
}

TEST_F(WebSocketSessionTest, ClosesAMessageOverTheCapWith1009) {
  start({.max_message_bytes = 1000});
  auto client = open_tcp();
  ASSERT_TRUE(client->send_frame(Opcode::kBinary, std::string(600, 'x'), false));
  ASSERT_TRUE(client->send_frame(Opcode::kContinuation, std::string(600, 'y')));
  expect_close(*client, websocket::kCloseTooBig, "WEBSOCKET_MESSAGE_TOO_BIG");
  EXPECT_TRUE(client->closed_by_server());
  EXPECT_EQ(first_close().first, websocket::kCloseTooBig);
}

TEST_F(WebSocketSessionTest, ClosesAReservedOpcodeWith1002) {
  start();
  auto client = open_tcp();
  // FIN and opcode 0x3, masked, empty: encode_frame refuses reserved opcodes, so by hand.
  ASSERT_TRUE(client->send(std::string("\x83\x80\x01\x02\x03\x04", 6)));
  expect_close(*client, websocket::kCloseProtocolError, "WEBSOCKET_OPCODE_RESERVED");
  EXPECT_TRUE(client->closed_by_server());
  EXPECT_EQ(first_close().first, websocket::kCloseProtocolError);
}

TEST_F(WebSocketSessionTest, AHandlerThatThrowsClosesTheSessionWith1011) {
  start();
  auto client = open_tcp();
  ASSERT_TRUE(client->send_frame(Opcode::kText, "throw"));
  expect_close(*client, websocket::kCloseInternalError, "");
  ASSERT_TRUE(client->send_frame(Opcode::kClose, std::string("\x03\xf3", 2)));  // 1011
  EXPECT_TRUE(client->closed_by_server());
  EXPECT_EQ(first_close().first, websocket::kCloseInternalError);
}

// ---- The close handshake

TEST_F(WebSocketSessionTest, EchoesTheClientsCloseCode) {
  start();
  auto client = open_tcp();
  Result<std::string> close =
      websocket::encode_frame(websocket::close_frame(4001, "done"), websocket::random_mask_key());
  ASSERT_TRUE(close);
  ASSERT_TRUE(client->send(*close));
  expect_close(*client, 4001);
  EXPECT_TRUE(client->closed_by_server());
  EXPECT_EQ(first_close(), std::make_pair(uint16_t{4001}, std::string("done")));
  auto s = session();
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->closed());
  EXPECT_FALSE(s->send_text("too late"));
}

TEST_F(WebSocketSessionTest, AnswersAnEmptyCloseWithAnEmptyClose) {
  start();
  auto client = open_tcp();
  ASSERT_TRUE(client->send_frame(Opcode::kClose, ""));
  expect_close(*client, websocket::kCloseNoStatus, "");
  EXPECT_TRUE(client->closed_by_server());
  EXPECT_EQ(first_close().first, websocket::kCloseNoStatus);
}

TEST_F(WebSocketSessionTest, ServerStartedCloseWaitsForTheAnswer) {
  start();
  auto client = open_tcp();
  auto s = session();
  ASSERT_NE(s, nullptr);
  s->close(4000, "bye");
  EXPECT_TRUE(s->closed());
  EXPECT_FALSE(s->send_text("after close"));
  expect_close(*client, 4000, "bye");
  EXPECT_EQ(close_count(), 0u);  // the handshake is not over until the client answers
  // Data the client sends meanwhile is dropped, not echoed.
  ASSERT_TRUE(client->send_frame(Opcode::kText, "still here"));
  Result<std::string> answer =
      websocket::encode_frame(websocket::close_frame(4000), websocket::random_mask_key());
  ASSERT_TRUE(answer);
  ASSERT_TRUE(client->send(*answer));
  EXPECT_TRUE(client->closed_by_server());
  EXPECT_EQ(first_close(), std::make_pair(uint16_t{4000}, std::string("bye")));
}

TEST_F(WebSocketSessionTest, ServerStartedCloseEndsAfterCloseTimeoutWithoutAnAnswer) {
  start({.close_timeout = 100ms});
  auto client = open_tcp();
  auto s = session();
  ASSERT_NE(s, nullptr);
  s->close(websocket::kClosePolicyViolation);
  expect_close(*client, websocket::kClosePolicyViolation, "");
  EXPECT_TRUE(client->closed_by_server());  // the client never answered
  EXPECT_EQ(first_close().first, websocket::kClosePolicyViolation);
}

TEST_F(WebSocketSessionTest, StopClosesOpenSessionsWith1001) {
  start();
  auto client = open_tcp();
  ASSERT_NE(session(), nullptr);
  std::thread stopper([&] { server_->stop(5s); });
  expect_close(*client, websocket::kCloseGoingAway, "server shutting down");
  Result<std::string> answer =
      websocket::encode_frame(websocket::close_frame(1001), websocket::random_mask_key());
  ASSERT_TRUE(answer);
  EXPECT_TRUE(client->send(*answer));
  EXPECT_TRUE(client->closed_by_server());
  stopper.join();
  EXPECT_EQ(first_close(),
            std::make_pair(websocket::kCloseGoingAway, std::string("server shutting down")));
  EXPECT_EQ(close_count(), 1u);
}

TEST_F(WebSocketSessionTest, AClientThatDisappearsEndsTheSessionWith1006) {
  start();
  auto client = open_tcp();
  ASSERT_NE(session(), nullptr);
  client.reset();
  EXPECT_EQ(first_close(), std::make_pair(uint16_t{1006}, std::string()));
  EXPECT_TRUE(session()->closed());
}

// ---- Backpressure and keep-alive

TEST_F(WebSocketSessionTest, DropsAClientThatDoesNotReadPastMaxQueuedBytes) {
  start({.max_queued_bytes = std::size_t{64} * 1024});
  auto client = RawClient::tcp(port(), 4096);
  ASSERT_EQ(status_of(client->handshake()), 101);
  auto s = session();
  ASSERT_NE(s, nullptr);
  // The kernel's buffers take some megabytes first; then the queue fills and the peer goes.
  std::string chunk(std::size_t{16} * 1024, 'z');
  bool refused = false;
  for (int i = 0; i < 100000 && !refused; ++i) {
    refused = !s->send_binary(chunk);
    if (i % 64 == 63) std::this_thread::sleep_for(1ms);  // let the connection's strand write
  }
  EXPECT_TRUE(refused);
  EXPECT_EQ(first_close(), std::make_pair(uint16_t{1006}, std::string()));
}

TEST_F(WebSocketSessionTest, PingsASilentClientAndDropsItWhenItNeverAnswers) {
  start({.ping_interval = 50ms});
  auto client = open_tcp();
  std::optional<Message> ping = client->next();  // read, never answered
  ASSERT_TRUE(ping);
  EXPECT_EQ(ping->opcode, Opcode::kPing);
  EXPECT_TRUE(client->closed_by_server());
  EXPECT_EQ(first_close(), std::make_pair(uint16_t{1006}, std::string()));
}

TEST_F(WebSocketSessionTest, KeepsAClientThatAnswersPings) {
  // Generous: the client must answer each ping within one interval.
  start({.ping_interval = 400ms});
  auto client = open_tcp();
  for (int i = 0; i < 3; ++i) {
    std::optional<Message> ping = client->next();
    ASSERT_TRUE(ping);
    ASSERT_EQ(ping->opcode, Opcode::kPing);
    ASSERT_TRUE(client->send_frame(Opcode::kPong, ping->payload));
  }
  ASSERT_TRUE(client->send_frame(Opcode::kText, "still open"));
  std::optional<Message> m = client->next_data();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->payload, "still open");
  EXPECT_EQ(close_count(), 0u);
}

// ---- Other listeners

TEST_F(WebSocketSessionTest, EchoesOverTls) {
  start({}, /*tls=*/true);
  auto client = RawClient::tls(server_->port(1));
  ASSERT_TRUE(client->connected());
  ASSERT_EQ(status_of(client->handshake()), 101);
  expect_echoes(*client);
  ASSERT_TRUE(client->send_frame(Opcode::kClose, std::string("\x03\xe8", 2)));
  expect_close(*client, websocket::kCloseNormal);
  EXPECT_TRUE(client->closed_by_server());
  EXPECT_EQ(first_close().first, websocket::kCloseNormal);
}

TEST_F(WebSocketSessionTest, EchoesOverAUnixSocket) {
  start({}, /*tls=*/false, /*unix_socket=*/true);
  auto client = RawClient::unix_socket(dir_.file("run/ws.sock"));
  ASSERT_TRUE(client->connected());
  ASSERT_EQ(status_of(client->handshake()), 101);
  expect_echoes(*client);
  ASSERT_TRUE(client->send_frame(Opcode::kClose, std::string("\x03\xe8", 2)));
  expect_close(*client, websocket::kCloseNormal);
  EXPECT_TRUE(client->closed_by_server());
  EXPECT_EQ(first_close().first, websocket::kCloseNormal);
}

}  // namespace
}  // namespace cairn::net
