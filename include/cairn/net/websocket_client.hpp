// cairn::net::WebSocketClient: the client's side of one WebSocket connection, synchronous like
// HttpClient, for tests and for servers that talk to each other. HttpClient::websocket() sends
// the opening handshake on the client's connection and hands that connection to the returned
// WebSocketClient (the HttpClient opens a new one for its next request).
//
// Example:
//   CAIRN_ASSIGN_OR_RETURN(auto http, net::HttpClient::connect("http://127.0.0.1:8080"));
//   CAIRN_ASSIGN_OR_RETURN(auto ws, http.websocket("/ws/echo"));
//   CAIRN_TRY(ws.send_text("hello"));
//   CAIRN_ASSIGN_OR_RETURN(net::websocket::Message m, ws.receive(std::chrono::seconds(5)));
//   use(m.payload);                        // "hello"
//   CAIRN_TRY(ws.close());                 // 1000, and waits for the server's close frame
//
// Frames the client sends are masked with a fresh random key each (section 5.3); frames it
// receives are checked by websocket::MessageParser in the client role: a violation sends the
// matching close code (1002, 1007, 1009), closes the connection and fails receive() with the
// parser's error. Pings are answered with pongs inside receive().
//
// Thread-safety: one thread at a time, like HttpClient. Ownership: owns its connection; movable.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/core/result.hpp"
#include "cairn/net/http.hpp"
#include "cairn/net/websocket.hpp"

namespace cairn::net {

struct WebSocketClientOptions {
  // Offered in Sec-WebSocket-Protocol, in this order; the server may choose one.
  std::vector<std::string> subprotocols{};
  // Extra request headers for the handshake (Authorization, Cookie, Origin, ...).
  Headers headers{};
  // A received message larger than this fails receive() and closes with 1009.
  std::size_t max_message_bytes = websocket::kDefaultMaxMessageBytes;
};

class WebSocketClient {
 public:
  WebSocketClient(WebSocketClient&&) noexcept;
  WebSocketClient& operator=(WebSocketClient&&) noexcept;
  WebSocketClient(const WebSocketClient&) = delete;
  WebSocketClient& operator=(const WebSocketClient&) = delete;
  ~WebSocketClient();  // drops the connection without a close handshake if still open

  // Send one message in one frame. Errors: INVALID_ARGUMENT / WEBSOCKET_UTF8_INVALID (send_text
  // of text that is not UTF-8); FAILED_PRECONDITION / WEBSOCKET_CLOSED (the session has closed);
  // UNAVAILABLE / NET_CONNECTION_LOST; DEADLINE_EXCEEDED / NET_TIMEOUT (the peer does not read
  // within the HttpClient's request_timeout).
  Status send_text(std::string_view text);
  Status send_binary(std::string_view data);
  // Sends `frame` as given (masked): for tests that need fragments, pings or odd control
  // frames. Errors: those of websocket::encode_frame, and as send_text.
  Status send_frame(const websocket::Frame& frame);
  // Sends a ping (at most 125 bytes). Errors: as send_text, and those of encode_frame.
  Status ping(std::string_view payload = {});

  // The next message: kText, kBinary, kPong, or kClose (the peer's close: it has been answered
  // and the connection closed; later calls fail with WEBSOCKET_CLOSED). Pings are answered and
  // not returned. Errors: DEADLINE_EXCEEDED / NET_TIMEOUT (nothing within `timeout`; the session
  // stays usable); the parser's errors (websocket.hpp; the matching close frame was sent and the
  // connection closed); UNAVAILABLE / NET_CONNECTION_LOST (closed without a close frame);
  // FAILED_PRECONDITION / WEBSOCKET_CLOSED.
  Result<websocket::Message> receive(std::chrono::milliseconds timeout);

  // The close handshake: sends a close frame with `code` and `reason`, then reads (and drops)
  // messages until the peer's close frame arrives or `timeout` passes, and closes the
  // connection. Returns the peer's close code. Errors: FAILED_PRECONDITION / WEBSOCKET_CLOSED;
  // DEADLINE_EXCEEDED / NET_TIMEOUT (no answer; the connection is closed anyway);
  // UNAVAILABLE / NET_CONNECTION_LOST.
  Result<uint16_t> close(uint16_t code = websocket::kCloseNormal, std::string_view reason = {},
                         std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // The subprotocol the server chose ("" for none).
  const std::string& subprotocol() const;
  // True once a close frame was received or sent and answered, or the connection failed.
  bool closed() const;

  struct Impl;
  explicit WebSocketClient(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn::net
