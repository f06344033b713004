// WebSocketClient: the client's side of a WebSocket connection that HttpClient::websocket() opened
// (client.cpp sends the handshake and hands the connection over; see client_websocket.hpp). Like
// HttpClient it is synchronous on a private io_context, and every wait is bounded: reads by the
// caller's timeout, writes by the HttpClient's request_timeout.
//
// A read that times out cancels the socket operation but keeps the connection, so receive() can be
// called again; a write that times out closes the connection, since a frame half written cannot be
// taken back.
#include "cairn/net/websocket_client.hpp"

#include <array>
#include <cassert>
#include <utility>

#include "cairn/core/encoding.hpp"
#include "cairn/core/error.hpp"
#include "net/internal/client_websocket.hpp"

namespace cairn::net {
namespace {

using internal::Clock;
using internal::run_until;
using websocket::Opcode;

}  // namespace

struct WebSocketClient::Impl {
  // Declared before `conn`, which refers to them: destroyed after it.
  std::shared_ptr<asio::io_context> io;
  std::shared_ptr<asio::ssl::context> tls;
  std::unique_ptr<internal::Transport> conn;
  std::string display;
  std::chrono::milliseconds write_timeout{30000};
  std::string subprotocol;
  websocket::MessageParser parser;
  bool close_sent = false;  // our close frame is on the wire: nothing more may follow it
  bool closed = false;      // the session is over; the connection is gone

  explicit Impl(internal::WebSocketHandover h)
      : io(std::move(h.io)),
        tls(std::move(h.tls)),
        conn(std::move(h.conn)),
        display(std::move(h.display)),
        write_timeout(h.write_timeout),
        subprotocol(std::move(h.subprotocol)),
        parser(websocket::ParserOptions{.role = websocket::Role::kClient,
                                        .max_message_bytes = h.max_message_bytes}) {
    parser.feed(h.leftover);
  }

  void drop() noexcept {
    closed = true;
    conn.reset();
  }

  Unexpected<Error> session_closed() const {
    return fail(ErrorCode::kFailedPrecondition, "WEBSOCKET_CLOSED",
                "the WebSocket session with " + display + " has closed");
  }
  Unexpected<Error> connection_lost(const std::string& why) {
    drop();
    return fail(ErrorCode::kUnavailable, "NET_CONNECTION_LOST",
                "the WebSocket connection with " + display + " " + why);
  }

  // Writes one frame, masked with a fresh key. A close frame marks the session as closing.
  Status write(const websocket::Frame& frame);
  // Sends the close frame that fails the connection for a parser error, then drops it.
  void fail_connection(uint16_t code) noexcept;
  // The next message, with pings answered; see WebSocketClient::receive.
  Result<websocket::Message> receive(Clock::time_point deadline, std::chrono::milliseconds limit);
};

Status WebSocketClient::Impl::write(const websocket::Frame& frame) {
  if (closed || close_sent) return session_closed();
  CAIRN_ASSIGN_OR_RETURN(std::string wire,
                         websocket::encode_frame(frame, websocket::random_mask_key()));
  bool done = false;
  asio::error_code result;
  conn->async_write(asio::buffer(wire), [&](const asio::error_code& ec, std::size_t) {
    result = ec;
    done = true;
  });
  if (!run_until(*io, done, Clock::now() + write_timeout, [&] { conn->close(); })) {
    drop();
    return internal::timed_out("writing to " + display, write_timeout);
  }
  if (result) return connection_lost("failed while writing: " + result.message());
  if (frame.opcode == Opcode::kClose) close_sent = true;
  return ok_status();
}

void WebSocketClient::Impl::fail_connection(uint16_t code) noexcept {
  if (!closed && !close_sent) (void)write(websocket::close_frame(code));
  drop();
}

Result<websocket::Message> WebSocketClient::Impl::receive(Clock::time_point deadline,
                                                          std::chrono::milliseconds limit) {
  if (closed) return session_closed();
  std::array<char, std::size_t{16} * 1024> buffer{};
  for (;;) {
    // Whatever is buffered first: every iteration of this loop consumes one frame.
    for (;;) {
      Result<std::optional<websocket::Message>> next = parser.next();
      if (!next) {
        fail_connection(parser.close_code());
        return fail(next.error());
      }
      if (!next->has_value()) break;
      websocket::Message& m = **next;
      if (m.opcode == Opcode::kPing) {
        if (!close_sent) CAIRN_TRY(write(websocket::pong_frame(m.payload)));
        continue;
      }
      if (m.opcode == Opcode::kClose) {
        // Answer with the same code (an empty close for one without a code), then close: the
        // handshake is complete either way.
        if (!close_sent) (void)write(websocket::close_frame(m.close_code));
        drop();
      }
      return std::move(m);
    }
    if (Clock::now() >= deadline) {
      return internal::timed_out("waiting for a message from " + display, limit);
    }
    bool done = false;
    asio::error_code result;
    std::size_t n = 0;
    conn->async_read_some(asio::buffer(buffer), [&](const asio::error_code& ec, std::size_t k) {
      result = ec;
      n = k;
      done = true;
    });
    // At the deadline the read is cancelled, not the connection: the session stays usable. Bytes
    // that raced the cancellation are kept.
    bool in_time = run_until(*io, done, deadline, [&] { conn->cancel(); });
    if (n > 0) {
      parser.feed(std::string_view(buffer.data(), n));
      continue;
    }
    if (!in_time) return internal::timed_out("waiting for a message from " + display, limit);
    if (result == asio::error::eof || result == asio::ssl::error::stream_truncated) {
      return connection_lost("was closed without a close frame");
    }
    if (result) return connection_lost("failed while reading: " + result.message());
  }
}

WebSocketClient::WebSocketClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WebSocketClient::WebSocketClient(WebSocketClient&&) noexcept = default;
WebSocketClient& WebSocketClient::operator=(WebSocketClient&&) noexcept = default;
WebSocketClient::~WebSocketClient() = default;

Status WebSocketClient::send_text(std::string_view text) {
  assert(impl_ != nullptr && "send_text() on a moved-from WebSocketClient");
  if (impl_->closed || impl_->close_sent) return impl_->session_closed();
  if (!encoding::is_valid_utf8(text)) {
    return fail(ErrorCode::kInvalidArgument, "WEBSOCKET_UTF8_INVALID",
                "a text message must be UTF-8");
  }
  return impl_->write(websocket::Frame{.opcode = Opcode::kText, .payload = std::string(text)});
}

Status WebSocketClient::send_binary(std::string_view data) {
  assert(impl_ != nullptr && "send_binary() on a moved-from WebSocketClient");
  return impl_->write(websocket::Frame{.opcode = Opcode::kBinary, .payload = std::string(data)});
}

Status WebSocketClient::send_frame(const websocket::Frame& frame) {
  assert(impl_ != nullptr && "send_frame() on a moved-from WebSocketClient");
  return impl_->write(frame);
}

Status WebSocketClient::ping(std::string_view payload) {
  assert(impl_ != nullptr && "ping() on a moved-from WebSocketClient");
  return impl_->write(websocket::ping_frame(payload));
}

Result<websocket::Message> WebSocketClient::receive(std::chrono::milliseconds timeout) {
  assert(impl_ != nullptr && "receive() on a moved-from WebSocketClient");
  return impl_->receive(Clock::now() + timeout, timeout);
}

Result<uint16_t> WebSocketClient::close(uint16_t code, std::string_view reason,
                                        std::chrono::milliseconds timeout) {
  assert(impl_ != nullptr && "close() on a moved-from WebSocketClient");
  Impl& s = *impl_;
  if (s.closed) return s.session_closed();
  if (code != websocket::kCloseNoStatus && !websocket::is_valid_close_code(code)) {
    return fail(ErrorCode::kInvalidArgument, "WEBSOCKET_CLOSE_INVALID",
                "close code " + std::to_string(code) + " may not be sent");
  }
  if (!s.close_sent) CAIRN_TRY(s.write(websocket::close_frame(code, reason)));
  auto deadline = Clock::now() + timeout;
  // Messages the peer sent before it saw our close are dropped; each turn consumes one, and the
  // deadline ends the wait.
  for (;;) {
    Result<websocket::Message> m = s.receive(deadline, timeout);
    if (!m) {
      s.drop();
      return fail(m.error());
    }
    if (m->opcode == Opcode::kClose) return m->close_code;
  }
}

const std::string& WebSocketClient::subprotocol() const {
  assert(impl_ != nullptr && "subprotocol() on a moved-from WebSocketClient");
  return impl_->subprotocol;
}

bool WebSocketClient::closed() const { return impl_ == nullptr || impl_->closed; }

namespace internal {

WebSocketClient adopt_websocket(WebSocketHandover handover) {
  return WebSocketClient(std::make_unique<WebSocketClient::Impl>(std::move(handover)));
}

}  // namespace internal
}  // namespace cairn::net
