// cairn::net::WebSocketClient (HttpClient::websocket) against a raw-socket fake server that sends
// exactly the bytes a test needs (a wrong Sec-WebSocket-Accept, frames in the same write as the
// 101, a masked frame, a ping, silence) and checks what the client sends back with the codec in
// the server role; then against a real cairn::net::Server over TCP, TLS and a unix socket.
#include "cairn/net/websocket_client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cairn/net/client.hpp"
#include "cairn/net/server.hpp"
#include "cairn/net/websocket.hpp"
#include "cairn/net/websocket_session.hpp"
#include "support/temp_dir.hpp"

namespace cairn::net {
namespace {

using namespace std::chrono_literals;
using websocket::Frame;
using websocket::Message;
using websocket::Opcode;

// ---- A fake server on raw sockets

void send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

// One accepted connection: reads the handshake, then frames through the codec in the server
// role (which refuses unmasked frames, so everything it yields was masked). Reads give up after
// the socket's 5 s receive timeout.
class Peer {
 public:
  explicit Peer(int fd) : fd_(fd) {}

  // The next request's head ("" on EOF or timeout). After a handshake, the bytes behind it are
  // the first frames.
  std::string read_head() {
    for (int i = 0; i < 1000; ++i) {
      std::size_t end = head_bytes_.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::string head = head_bytes_.substr(0, end + 4);
        head_bytes_.erase(0, end + 4);
        return head;
      }
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return "";
      head_bytes_.append(buf, static_cast<std::size_t>(n));
    }
    return "";
  }

  // The next message the client sent (pings, pongs and closes included); nullopt on EOF, timeout
  // or a parser error (kept in `error`).
  std::optional<Message> next() {
    parser_.feed(head_bytes_);
    head_bytes_.clear();
    for (int i = 0; i < 10000; ++i) {
      auto m = parser_.next();
      if (!m) {
        error = m.error();
        return std::nullopt;
      }
      if (m->has_value()) return std::move(**m);
      char buf[16384];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return std::nullopt;
      parser_.feed(std::string_view(buf, static_cast<std::size_t>(n)));
    }
    return std::nullopt;
  }

  // True when the client closes the connection within 5 s (EOF or reset, after any bytes).
  bool wait_for_eof() const {
    char buf[4096];
    for (int i = 0; i < 10000; ++i) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
    }
    return false;
  }

  void send(std::string_view bytes) const { send_all(fd_, bytes); }

  std::optional<Error> error;

 private:
  int fd_;
  std::string head_bytes_;
  websocket::MessageParser parser_{websocket::ParserOptions{.role = websocket::Role::kServer}};
};

// The value of header `name` in a request head ("" when absent).
std::string header_of(const std::string& head, const std::string& name) {
  std::size_t at = 0;
  for (int i = 0; i < 200; ++i) {
    std::size_t eol = head.find("\r\n", at);
    if (eol == std::string::npos) break;
    std::string line = head.substr(at, eol - at);
    std::size_t colon = line.find(':');
    if (colon != std::string::npos && iequals(line.substr(0, colon), name)) {
      std::size_t v = line.find_first_not_of(' ', colon + 1);
      return v == std::string::npos ? "" : line.substr(v);
    }
    at = eol + 2;
  }
  return "";
}

// A correct 101 for the request `head`, with `extra` header lines ("Name: value\r\n").
std::string switching(const std::string& head, const std::string& extra = "") {
  return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Accept: " +
         websocket::accept_key(header_of(head, "Sec-WebSocket-Key")) + "\r\n" + extra + "\r\n";
}

// A server's frame on the wire (unmasked).
std::string wire(const Frame& frame) {
  auto w = websocket::encode_frame(frame);
  EXPECT_TRUE(w);
  return w ? *w : "";
}

std::string close_wire(uint16_t code, std::string_view reason = {}) {
  return wire(websocket::close_frame(code, reason));
}

// Listens on 127.0.0.1:0 and runs `handle` with each accepted connection in turn, on its own
// thread. wait_handled() lets a test read what a handler recorded once it has returned.
class FakeServer {
 public:
  using Handle = std::function<void(Peer& peer)>;

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

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int accepted() const { return accepted_.load(); }

  // Waits (at most 10 s) until `count` connections have been handled; true if they have.
  bool wait_handled(int count = 1) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 10s, [&] { return handled_ >= count; });
  }

 private:
  void run() {
    while (!stop_.load()) {
      pollfd pfd{listen_fd_, POLLIN, 0};
      if (::poll(&pfd, 1, 20) <= 0) continue;
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      timeval tv{5, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      accepted_.fetch_add(1);
      Peer peer(fd);
      handle_(peer);
      ::close(fd);
      std::lock_guard lock(mu_);
      ++handled_;
      cv_.notify_all();
    }
  }

  Handle handle_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  int handled_ = 0;
  std::thread thread_;
};

Result<WebSocketClient> open_ws(const std::string& url, WebSocketClientOptions options = {},
                                ClientOptions client_options = {}) {
  CAIRN_ASSIGN_OR_RETURN(HttpClient http, HttpClient::connect(url, std::move(client_options)));
  return http.websocket("/ws", std::move(options));
}

// ---- The handshake

TEST(WebSocketClientTest, HandshakeSendsKeyVersionProtocolsAndHeaders) {
  std::string head;
  FakeServer fake([&](Peer& peer) {
    head = peer.read_head();
    peer.send(switching(head, "Sec-WebSocket-Protocol: chat\r\n"));
    peer.wait_for_eof();
  });
  WebSocketClientOptions options;
  options.subprotocols = {"chat.v2", "chat"};
  options.headers.add("Authorization", "Bearer t0ken");
  options.headers.add("Sec-WebSocket-Version", "8");  // the handshake's own field: not sent
  {
    auto ws = open_ws(fake.url(), options);
    ASSERT_TRUE(ws) << ws.error().to_string();
    EXPECT_EQ(ws->subprotocol(), "chat");
    EXPECT_FALSE(ws->closed());
  }
  ASSERT_TRUE(fake.wait_handled());
  EXPECT_TRUE(head.starts_with("GET /ws HTTP/1.1\r\n")) << head;
  EXPECT_EQ(header_of(head, "Upgrade"), "websocket");
  EXPECT_EQ(header_of(head, "Connection"), "Upgrade");
  EXPECT_EQ(header_of(head, "Sec-WebSocket-Version"), "13");
  EXPECT_EQ(header_of(head, "Sec-WebSocket-Protocol"), "chat.v2, chat");
  EXPECT_EQ(header_of(head, "Authorization"), "Bearer t0ken");
  EXPECT_EQ(header_of(head, "Sec-WebSocket-Key").size(), 24U);  // base64 of 16 bytes
  EXPECT_EQ(head.find("Sec-WebSocket-Version: 8"), std::string::npos);
}

TEST(WebSocketClientTest, WrongAcceptFailsTheHandshake) {
  FakeServer fake([&](Peer& peer) {
    (void)peer.read_head();
    peer.send(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
    peer.wait_for_eof();
  });
  auto ws = open_ws(fake.url());
  ASSERT_FALSE(ws);
  EXPECT_EQ(ws.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(ws.error().reason, "WEBSOCKET_HANDSHAKE_FAILED");
}

TEST(WebSocketClientTest, SubprotocolNotOfferedFailsTheHandshake) {
  FakeServer fake([&](Peer& peer) {
    std::string head = peer.read_head();
    peer.send(switching(head, "Sec-WebSocket-Protocol: other\r\n"));
    peer.wait_for_eof();
  });
  WebSocketClientOptions options;
  options.subprotocols = {"chat"};
  auto ws = open_ws(fake.url(), options);
  ASSERT_FALSE(ws);
  EXPECT_EQ(ws.error().reason, "WEBSOCKET_HANDSHAKE_FAILED");
}

TEST(WebSocketClientTest, RefusalWithAnErrorBodyIsThatErrorAndTheHttpClientGoesOn) {
  FakeServer fake([&](Peer& peer) {
    for (int i = 0; i < 2; ++i) {
      std::string head = peer.read_head();
      if (head.empty()) return;
      bool ws = head.starts_with("GET /ws ");
      std::string body = ws ? R"({"error":{"code":"NOT_FOUND","reason":"HTTP_ROUTE_NOT_FOUND",)"
                              R"("message":"no route"}})"
                            : R"({"ok":true})";
      peer.send(std::string(ws ? "HTTP/1.1 404 Not Found" : "HTTP/1.1 200 OK") +
                "\r\nContent-Type: application/json\r\nContent-Length: " +
                std::to_string(body.size()) + "\r\n\r\n" + body);
    }
  });
  auto http = HttpClient::connect(fake.url());
  ASSERT_TRUE(http);
  auto ws = http->websocket("/ws");
  ASSERT_FALSE(ws);
  EXPECT_EQ(ws.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(ws.error().reason, "HTTP_ROUTE_NOT_FOUND");
  // The 404 kept the connection: the next request goes on it.
  auto got = http->get("/other");
  ASSERT_TRUE(got) << got.error().to_string();
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->body, R"({"ok":true})");
  EXPECT_EQ(http->connections_opened(), 1U);
}

TEST(WebSocketClientTest, StatusOtherThan101WithoutErrorBodyFailsTheHandshake) {
  FakeServer fake([&](Peer& peer) {
    (void)peer.read_head();
    peer.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
    peer.wait_for_eof();
  });
  auto ws = open_ws(fake.url());
  ASSERT_FALSE(ws);
  EXPECT_EQ(ws.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(ws.error().reason, "WEBSOCKET_HANDSHAKE_FAILED");
}

TEST(WebSocketClientTest, HttpClientOpensANewConnectionAfterHandingOneOver) {
  FakeServer fake([&](Peer& peer) {
    std::string head = peer.read_head();
    if (head.starts_with("GET /ws ")) {
      peer.send(switching(head) + wire(Frame{.opcode = Opcode::kText, .payload = "ws"}));
      peer.wait_for_eof();
      return;
    }
    peer.send("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nhttp");
  });
  auto http = HttpClient::connect(fake.url());
  ASSERT_TRUE(http);
  {
    auto ws = http->websocket("/ws");
    ASSERT_TRUE(ws) << ws.error().to_string();
    EXPECT_FALSE(http->connected());
    auto m = ws->receive(5s);
    ASSERT_TRUE(m) << m.error().to_string();
    EXPECT_EQ(m->payload, "ws");
  }  // dropping the WebSocketClient closes its connection: the fake goes on to the next
  auto got = http->get("/plain");
  ASSERT_TRUE(got) << got.error().to_string();
  EXPECT_EQ(got->body, "http");
  EXPECT_EQ(http->connections_opened(), 2U);
  EXPECT_EQ(fake.accepted(), 2);
}

// ---- Frames

TEST(WebSocketClientTest, FramesInTheSameWriteAsThe101AreNotLost) {
  FakeServer fake([&](Peer& peer) {
    std::string head = peer.read_head();
    peer.send(switching(head) + wire(Frame{.opcode = Opcode::kText, .payload = "first"}) +
              wire(Frame{.opcode = Opcode::kBinary, .payload = std::string("\x00\xff", 2)}));
    peer.wait_for_eof();
  });
  auto ws = open_ws(fake.url());
  ASSERT_TRUE(ws) << ws.error().to_string();
  auto first = ws->receive(5s);
  ASSERT_TRUE(first) << first.error().to_string();
  EXPECT_EQ(first->opcode, Opcode::kText);
  EXPECT_EQ(first->payload, "first");
  auto second = ws->receive(5s);
  ASSERT_TRUE(second) << second.error().to_string();
  EXPECT_EQ(second->opcode, Opcode::kBinary);
  EXPECT_EQ(second->payload, std::string("\x00\xff", 2));
}

TEST(WebSocketClientTest, SendsMaskedTextBinaryAndFragmentsThenClosesNormally) {
  std::vector<Message> got;
  FakeServer fake([&](Peer& peer) {
    std::string head = peer.read_head();
    peer.send(switching(head));
    for (int i = 0; i < 4; ++i) {
      auto m = peer.next();  // the server-role parser refuses unmasked frames
      if (!m) return;
      got.push_back(std::move(*m));
      if (got.back().opcode == Opcode::kClose) {
        peer.send(close_wire(got.back().close_code, "ok"));
        break;
      }
    }
    peer.wait_for_eof();
  });
  auto ws = open_ws(fake.url());
  ASSERT_TRUE(ws) << ws.error().to_string();
  std::string big(70000, 'b');
  ASSERT_TRUE(ws->send_text("h\xc3\xa9llo"));
  ASSERT_TRUE(ws->send_binary(big));
  ASSERT_TRUE(ws->send_frame(Frame{.opcode = Opcode::kText, .fin = false, .payload = "frag"}));
  ASSERT_TRUE(ws->send_frame(Frame{.opcode = Opcode::kContinuation, .payload = "ment"}));
  auto invalid = ws->send_text(std::string("\xc3\x28", 2));
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(invalid.error().reason, "WEBSOCKET_UTF8_INVALID");
  auto closed = ws->close(4000, "done");
  ASSERT_TRUE(closed) << closed.error().to_string();
  EXPECT_EQ(*closed, 4000);
  EXPECT_TRUE(ws->closed());
  auto late = ws->send_text("late");
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(late.error().reason, "WEBSOCKET_CLOSED");
  auto again = ws->close();
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().reason, "WEBSOCKET_CLOSED");

  ASSERT_TRUE(fake.wait_handled());
  ASSERT_EQ(got.size(), 4U);
  EXPECT_EQ(got[0].opcode, Opcode::kText);
  EXPECT_EQ(got[0].payload, "h\xc3\xa9llo");
  EXPECT_EQ(got[1].opcode, Opcode::kBinary);
  EXPECT_EQ(got[1].payload, big);
  EXPECT_EQ(got[2].opcode, Opcode::kText);
  EXPECT_EQ(got[2].payload, "fragment");
  EXPECT_EQ(got[3].opcode, Opcode::kClose);
  EXPECT_EQ(got[3].close_code, 4000);
  EXPECT_EQ(got[3].payload, "done");
}

TEST(WebSocketClientTest, MaskedServerFrameFailsWith1002) {
  std::optional<Message> answer;
  bool eof = false;
  FakeServer fake([&](Peer& peer) {
    std::string head = peer.read_head();
    auto masked = websocket::encode_frame(Frame{.opcode = Opcode::kText, .payload = "hidden"},
                                          websocket::MaskKey{1, 2, 3, 4});
    peer.send(switching(head) + (masked ? *masked : std::string()));
    answer = peer.next();
    eof = peer.wait_for_eof();
  });
  auto ws = open_ws(fake.url());
  ASSERT_TRUE(ws) << ws.error().to_string();
  auto m = ws->receive(5s);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(m.error().reason, "WEBSOCKET_MASK_INVALID");
  EXPECT_TRUE(ws->closed());
  auto again = ws->receive(5s);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(again.error().reason, "WEBSOCKET_CLOSED");

  ASSERT_TRUE(fake.wait_handled());
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->opcode, Opcode::kClose);
  EXPECT_EQ(answer->close_code, websocket::kCloseProtocolError);
  EXPECT_TRUE(eof);
}

TEST(WebSocketClientTest, MessageOverTheCapFailsWith1009) {
  std::optional<Message> answer;
  FakeServer fake([&](Peer& peer) {
    std::string head = peer.read_head();
    peer.send(switching(head) + wire(Frame{.opcode = Opcode::kBinary, .payload = "0123456789!"}));
    answer = peer.next();
    peer.wait_for_eof();
  });
  WebSocketClientOptions options;
  options.max_message_bytes = 10;
  auto ws = open_ws(fake.url(), options);
  ASSERT_TRUE(ws) << ws.error().to_string();
  auto m = ws->receive(5s);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(m.error().reason, "WEBSOCKET_MESSAGE_TOO_BIG");
  ASSERT_TRUE(fake.wait_handled());
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->close_code, websocket::kCloseTooBig);
}

TEST(WebSocketClientTest, InvalidUtf8FromTheServerFailsWith1007) {
  std::optional<Message> answer;
  FakeServer fake([&](Peer& peer) {
    std::string head = peer.read_head();
    peer.send(switching(head) +
              wire(Frame{.opcode = Opcode::kText, .payload = std::string("ok\xff", 3)}));
    answer = peer.next();
    peer.wait_for_eof();
  });
  auto ws = open_ws(fake.url());
  ASSERT_TRUE(ws) << ws.error().to_string();
  auto m = ws->receive(5s);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().reason, "WEBSOCKET_UTF8_INVALID");
  ASSERT_TRUE(fake.wait_handled());
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->close_code, websocket::kCloseInvalidPayload);
}

TEST(WebSocketClientTest, PingIsAnsweredWithAMaskedPongAndPongsAreReturned) {
  std::optional<Message> answer;
  FakeServer fake([&](Peer& peer) {
    std::string head = peer.read_head();
    peer.send(switching(head) + wire(websocket::ping_frame("are you there")));
    answer = peer.next();  // masked, or the server-role parser would refuse it
    peer.send(wire(websocket::pong_frame("unasked")) +
              wire(Frame{.opcode = Opcode::kText, .payload = "after"}));
    peer.wait_for_eof();
  });
  {
    auto ws = open_ws(fake.url());
    ASSERT_TRUE(ws) << ws.error().to_string();
    auto pong = ws->receive(5s);
    ASSERT_TRUE(pong) << pong.error().to_string();
    EXPECT_EQ(pong->opcode, Opcode::kPong);
    EXPECT_EQ(pong->payload, "unasked");
    auto text = ws->receive(5s);
    ASSERT_TRUE(text) << text.error().to_string();
    EXPECT_EQ(text->payload, "after");
  }  // drops the connection: the fake's wait for EOF ends
  ASSERT_TRUE(fake.wait_handled());
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->opcode, Opcode::kPong);
  EXPECT_EQ(answer->payload, "are you there");
}

TEST(WebSocketClientTest, ReceiveTimeoutLeavesTheSessionUsable) {
  FakeServer fake([&](Peer& peer) {
    std::string head = peer.read_head();
    peer.send(switching(head));
    for (int i = 0; i < 3; ++i) {
      auto m = peer.next();
      if (!m) return;
      if (m->opcode == Opcode::kPing) continue;  // answered by the pong the client got
      peer.send(wire(Frame{.opcode = Opcode::kText, .payload = "echo:" + m->payload}));
    }
    peer.wait_for_eof();
  });
  auto ws = open_ws(fake.url());
  ASSERT_TRUE(ws) << ws.error().to_string();
  auto nothing = ws->receive(50ms);
  ASSERT_FALSE(nothing);
  EXPECT_EQ(nothing.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(nothing.error().reason, "NET_TIMEOUT");
  EXPECT_FALSE(ws->closed());
  ASSERT_TRUE(ws->send_text("one"));
  auto m = ws->receive(5s);
  ASSERT_TRUE(m) << m.error().to_string();
  EXPECT_EQ(m->payload, "echo:one");
  ASSERT_FALSE(ws->receive(10ms));
  ASSERT_TRUE(ws->send_text("two"));
  m = ws->receive(5s);
  ASSERT_TRUE(m) << m.error().to_string();
  EXPECT_EQ(m->payload, "echo:two");
}

TEST(WebSocketClientTest, ServerCloseIsReturnedAndAnswered) {
  std::optional<Message> answer;
  FakeServer fake([&](Peer& peer) {
    std::string head = peer.read_head();
    peer.send(switching(head) + close_wire(4001, "asked"));
    answer = peer.next();
    peer.wait_for_eof();
  });
  auto ws = open_ws(fake.url());
  ASSERT_TRUE(ws) << ws.error().to_string();
  auto m = ws->receive(5s);
  ASSERT_TRUE(m) << m.error().to_string();
  EXPECT_EQ(m->opcode, Opcode::kClose);
  EXPECT_EQ(m->close_code, 4001);
  EXPECT_EQ(m->payload, "asked");
  EXPECT_TRUE(ws->closed());
  auto again = ws->receive(5s);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().reason, "WEBSOCKET_CLOSED");
  ASSERT_TRUE(fake.wait_handled());
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->opcode, Opcode::kClose);
  EXPECT_EQ(answer->close_code, 4001);
}

TEST(WebSocketClientTest, CloseWaitsForTheServersCloseAndDropsMessagesBeforeIt) {
  FakeServer fake([&](Peer& peer) {
    std::string head = peer.read_head();
    peer.send(switching(head));
    auto m = peer.next();
    if (!m) return;
    peer.send(wire(Frame{.opcode = Opcode::kText, .payload = "in flight"}) +
              close_wire(m->close_code));
    peer.wait_for_eof();
  });
  auto ws = open_ws(fake.url());
  ASSERT_TRUE(ws) << ws.error().to_string();
  auto code = ws->close(websocket::kCloseGoingAway);
  ASSERT_TRUE(code) << code.error().to_string();
  EXPECT_EQ(*code, websocket::kCloseGoingAway);
  EXPECT_TRUE(ws->closed());
}

TEST(WebSocketClientTest, CloseWithoutAnAnswerTimesOut) {
  FakeServer fake([&](Peer& peer) {
    std::string head = peer.read_head();
    peer.send(switching(head));
    peer.wait_for_eof();
  });
  auto ws = open_ws(fake.url());
  ASSERT_TRUE(ws) << ws.error().to_string();
  auto code = ws->close(websocket::kCloseNormal, "", 50ms);
  ASSERT_FALSE(code);
  EXPECT_EQ(code.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(code.error().reason, "NET_TIMEOUT");
  EXPECT_TRUE(ws->closed());
}

TEST(WebSocketClientTest, ConnectionDroppedWithoutCloseFrameIsConnectionLost) {
  FakeServer fake([&](Peer& peer) {
    std::string head = peer.read_head();
    peer.send(switching(head));
  });
  auto ws = open_ws(fake.url());
  ASSERT_TRUE(ws) << ws.error().to_string();
  auto m = ws->receive(5s);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(m.error().reason, "NET_CONNECTION_LOST");
  EXPECT_TRUE(ws->closed());
}

TEST(WebSocketClientTest, InvalidCloseCodeIsRefusedBeforeSending) {
  FakeServer fake([&](Peer& peer) {
    std::string head = peer.read_head();
    peer.send(switching(head));
    peer.wait_for_eof();
  });
  auto ws = open_ws(fake.url());
  ASSERT_TRUE(ws) << ws.error().to_string();
  auto code = ws->close(1006);
  ASSERT_FALSE(code);
  EXPECT_EQ(code.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(code.error().reason, "WEBSOCKET_CLOSE_INVALID");
  EXPECT_FALSE(ws->closed());
}

// ---- Against cairn's own server: TCP, TLS, unix

struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertFree {
  void operator()(X509* x) const { X509_free(x); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};

// Writes a self-signed P-256 certificate for 127.0.0.1 and its key (0600) to `cert` and `key`.
void write_self_signed(const std::string& cert_path, const std::string& key_path) {
  std::unique_ptr<EVP_PKEY, KeyFree> key(EVP_EC_gen("P-256"));
  ASSERT_TRUE(key);
  std::unique_ptr<X509, CertFree> cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24L * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:TRUE"},
                            std::pair{NID_subject_alt_name, "IP:127.0.0.1"}}) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    ASSERT_NE(ext, nullptr);
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  ASSERT_GT(X509_sign(cert.get(), key.get(), EVP_sha256()), 0);
  auto write = [](const std::string& path, const std::function<int(BIO*)>& pem) {
    std::unique_ptr<BIO, BioFree> bio(BIO_new_file(path.c_str(), "w"));
    ASSERT_TRUE(bio);
    ASSERT_EQ(pem(bio.get()), 1);
  };
  write(cert_path, [&](BIO* b) { return PEM_write_bio_X509(b, cert.get()); });
  write(key_path, [&](BIO* b) {
    return PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  ::chmod(key_path.c_str(), 0600);
}

Router echo_router() {
  Router r;
  EXPECT_TRUE(r.add("GET", "/ws/echo", [](const Request& req, Response& res) {
    WebSocketOptions options;
    options.subprotocols = {"chat.v2", "chat"};
    auto session = std::make_shared<WebSocketSession>(options);
    session->on_message([](WebSocketSession& s, const Message& m) {
      if (m.opcode == Opcode::kText && m.payload == "close-me") {
        s.close(4001, "asked");
      } else if (m.opcode == Opcode::kText) {
        s.send_text(m.payload);
      } else {
        s.send_binary(m.payload);
      }
    });
    (void)accept_websocket(req, res, session);
  }));
  EXPECT_TRUE(r.add("GET", "/plain", [](const Request&, Response& res) { res.text("plain"); }));
  return r;
}

class WebSocketClientServerTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (server_) server_->stop(1s);
  }
  void start_tcp() {
    server_ = std::make_unique<Server>(echo_router());
    ASSERT_TRUE(server_->listen_tcp("127.0.0.1", 0));
    ASSERT_TRUE(server_->start(2));
    url_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }

  // Text, binary, a ping and a close through `http`, then a plain request on a new connection.
  static void echo_round_trip(HttpClient& http) {
    WebSocketClientOptions options;
    options.subprotocols = {"chat"};
    auto ws = http.websocket("/ws/echo", options);
    ASSERT_TRUE(ws) << ws.error().to_string();
    EXPECT_EQ(ws->subprotocol(), "chat");
    auto nothing = ws->receive(20ms);  // a cancelled read keeps the stream (TLS too) usable
    ASSERT_FALSE(nothing);
    EXPECT_EQ(nothing.error().reason, "NET_TIMEOUT");
    ASSERT_TRUE(ws->send_text("hello"));
    auto text = ws->receive(5s);
    ASSERT_TRUE(text) << text.error().to_string();
    EXPECT_EQ(text->opcode, Opcode::kText);
    EXPECT_EQ(text->payload, "hello");
    std::string big(200000, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 31);
    ASSERT_TRUE(ws->send_binary(big));
    auto binary = ws->receive(5s);
    ASSERT_TRUE(binary) << binary.error().to_string();
    EXPECT_EQ(binary->opcode, Opcode::kBinary);
    EXPECT_EQ(binary->payload, big);
    ASSERT_TRUE(ws->ping("p1"));
    auto pong = ws->receive(5s);
    ASSERT_TRUE(pong) << pong.error().to_string();
    EXPECT_EQ(pong->opcode, Opcode::kPong);
    EXPECT_EQ(pong->payload, "p1");
    auto code = ws->close();
    ASSERT_TRUE(code) << code.error().to_string();
    EXPECT_EQ(*code, websocket::kCloseNormal);
    auto plain = http.get("/plain");
    ASSERT_TRUE(plain) << plain.error().to_string();
    EXPECT_EQ(plain->body, "plain");
  }

  std::unique_ptr<Server> server_;
  std::string url_;
};

TEST_F(WebSocketClientServerTest, EchoOverTcp) {
  start_tcp();
  auto http = HttpClient::connect(url_);
  ASSERT_TRUE(http) << http.error().to_string();
  ASSERT_TRUE(http->get("/plain"));  // the handshake then goes on the kept connection
  echo_round_trip(*http);
  EXPECT_EQ(http->connections_opened(), 2U);
}

TEST_F(WebSocketClientServerTest, EchoOverTls) {
  testing::TempDir dir;
  std::string cert = dir.file("cert.pem");
  std::string key = dir.file("key.pem");
  write_self_signed(cert, key);
  server_ = std::make_unique<Server>(echo_router());
  ASSERT_TRUE(server_->listen_tls("127.0.0.1", 0, TlsOptions{cert, key}));
  ASSERT_TRUE(server_->start(2));
  ClientOptions options;
  options.ca_file = cert;
  auto http = HttpClient::connect("https://127.0.0.1:" + std::to_string(server_->port()), options);
  ASSERT_TRUE(http) << http.error().to_string();
  echo_round_trip(*http);
}

TEST_F(WebSocketClientServerTest, EchoOverAUnixSocket) {
  testing::TempDir dir;
  std::string path = dir.file("ws.sock");
  server_ = std::make_unique<Server>(echo_router());
  ASSERT_TRUE(server_->listen_unix(path));
  ASSERT_TRUE(server_->start(2));
  auto http = HttpClient::connect("unix:" + path);
  ASSERT_TRUE(http) << http.error().to_string();
  echo_round_trip(*http);
}

TEST_F(WebSocketClientServerTest, ServerCloseReachesTheClient) {
  start_tcp();
  auto http = HttpClient::connect(url_);
  ASSERT_TRUE(http);
  auto ws = http->websocket("/ws/echo");
  ASSERT_TRUE(ws) << ws.error().to_string();
  EXPECT_EQ(ws->subprotocol(), "");
  ASSERT_TRUE(ws->send_text("close-me"));
  auto m = ws->receive(5s);
  ASSERT_TRUE(m) << m.error().to_string();
  EXPECT_EQ(m->opcode, Opcode::kClose);
  EXPECT_EQ(m->close_code, 4001);
  EXPECT_EQ(m->payload, "asked");
  EXPECT_TRUE(ws->closed());
}

TEST_F(WebSocketClientServerTest, RouteWithoutWebSocketIsItsError) {
  start_tcp();
  auto http = HttpClient::connect(url_);
  ASSERT_TRUE(http);
  auto ws = http->websocket("/nowhere");
  ASSERT_FALSE(ws);
  EXPECT_EQ(ws.error().code, ErrorCode::kNotFound);
  auto plain = http->websocket("/plain");  // a 200: not a handshake
  ASSERT_FALSE(plain);
  EXPECT_EQ(plain.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(plain.error().reason, "WEBSOCKET_HANDSHAKE_FAILED");
}

TEST_F(WebSocketClientServerTest, ServerDrainClosesWith1001) {
  start_tcp();
  auto http = HttpClient::connect(url_);
  ASSERT_TRUE(http);
  auto ws = http->websocket("/ws/echo");
  ASSERT_TRUE(ws) << ws.error().to_string();
  ASSERT_TRUE(ws->send_text("ready"));
  auto ready = ws->receive(5s);
  ASSERT_TRUE(ready) << ready.error().to_string();
  std::thread stopper([&] { server_->stop(5s); });
  auto m = ws->receive(10s);
  stopper.join();
  ASSERT_TRUE(m) << m.error().to_string();
  EXPECT_EQ(m->opcode, Opcode::kClose);
  EXPECT_EQ(m->close_code, websocket::kCloseGoingAway);
}

}  // namespace
}  // namespace cairn::net
