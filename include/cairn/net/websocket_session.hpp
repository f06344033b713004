// cairn::net::WebSocketSession: the server's side of one WebSocket connection (RFC 6455), on any
// listener (TCP, TLS, unix). A route accepts the upgrade with accept_websocket(); the server
// answers 101 and from then on the connection carries frames: received messages reach the
// session's message handler, and send_text()/send_binary() write from any thread.
//
// Example:
//   net::Router router;
//   CAIRN_TRY(router.add("GET", "/ws/echo", [](const net::Request& req, net::Response& res) {
//     auto session = std::make_shared<net::WebSocketSession>();
//     session->on_message([](net::WebSocketSession& s, const net::websocket::Message& m) {
//       if (m.opcode == net::websocket::Opcode::kText) s.send_text(m.payload);
//       else s.send_binary(m.payload);
//     });
//     (void)net::accept_websocket(req, res, session);  // a bad upgrade: 400 or 426 in `res`
//   }));
//
// What the server does for every session:
//   - checks every frame (websocket.hpp's MessageParser): a protocol error closes with 1002, a
//     text message that is not UTF-8 with 1007, a message over max_message_bytes with 1009;
//   - answers pings with pongs, and pings the peer every ping_interval: a peer that has sent
//     nothing at all for two intervals is closed (its TCP connection is dropped, code 1006 to the
//     close handler);
//   - runs the close handshake: the peer's close frame is answered with the same code, a
//     close() sends ours and waits up to close_timeout for the answer; the server's drain
//     (Server::stop) closes every session with 1001;
//   - applies backpressure: frames queued for a peer that does not read are bounded by
//     max_queued_bytes; past it the connection is dropped (1006 to the close handler), never
//     buffered without bound.
//
// Thread-safety: send_text, send_binary, ping, close, closed and subprotocol may be called from
// any thread, concurrently. The handlers run on the server's threads, one at a time per session,
// in the order the frames arrived; they may call any method of the session (sending from a
// handler queues the frame and returns at once; what a handler sends while its message is
// delivered joins the write that follows the read). Frames leave in the order the send_* calls
// returned, whichever threads made them. Set the handlers before accept_websocket().
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/core/result.hpp"
#include "cairn/net/http.hpp"
#include "cairn/net/websocket.hpp"

namespace cairn::net {

struct WebSocketOptions {
  // Subprotocols the server speaks, most preferred first; the first one the client offers is
  // chosen (websocket::select_subprotocol). Empty: none is chosen, whatever the client offers.
  std::vector<std::string> subprotocols{};
  // A received message (all its fragments) larger than this closes the session with 1009.
  std::size_t max_message_bytes = websocket::kDefaultMaxMessageBytes;
  // Frames queued for the peer and not yet written; past this the peer is too slow and the
  // connection is dropped.
  std::size_t max_queued_bytes = std::size_t{4} << 20;
  // How often the server pings an idle peer (0: never; then a silent peer is never dropped).
  std::chrono::milliseconds ping_interval{30000};
  // How long a close we started waits for the peer's close frame before the TCP connection is
  // closed anyway.
  std::chrono::milliseconds close_timeout{5000};
};

class WebSocketSession {
 public:
  // Runs for each text or binary message (opcode kText or kBinary; pings, pongs and close frames
  // are handled by the server and never reach it).
  using MessageHandler = std::function<void(WebSocketSession&, const websocket::Message&)>;
  // Runs once when the session ends: the close code the peer sent (kCloseNoStatus for a close
  // frame without one), the code we sent when we closed first or failed the peer, or 1006 when
  // the connection was dropped without a close handshake. `reason` is the close frame's text.
  using CloseHandler = std::function<void(uint16_t code, std::string_view reason)>;

  explicit WebSocketSession(WebSocketOptions options = {});
  WebSocketSession(const WebSocketSession&) = delete;
  WebSocketSession& operator=(const WebSocketSession&) = delete;
  ~WebSocketSession();

  void on_message(MessageHandler handler);
  void on_close(CloseHandler handler);

  // Queues a text message (`text` must be UTF-8) or a binary message. False once the session is
  // closing or closed (nothing is queued), or, for send_text, when `text` is not UTF-8. Frames
  // sent before the server has taken the session are kept and written first.
  bool send_text(std::string_view text);
  bool send_binary(std::string_view data);
  // Queues a ping carrying `payload` (at most 125 bytes). False when closed or too long.
  bool ping(std::string_view payload = {});
  // Starts the close handshake with `code` (websocket::is_valid_close_code) and `reason` (cut to
  // fit the frame). Idempotent; sends nothing once the session is closing.
  void close(uint16_t code = websocket::kCloseNormal, std::string_view reason = {});
  // True once the session is closing or closed: send_* then return false.
  bool closed() const;
  // The subprotocol chosen during the upgrade ("" for none).
  std::string subprotocol() const;
  const WebSocketOptions& options() const { return options_; }

  // ---- For the server's connection (not for handlers)

  // How the session reaches its connection: `write` carries encoded frames (already in wire
  // form), `close` asks the connection to start the close handshake with a code and reason.
  struct Link {
    std::function<void(std::string frames)> write;
    std::function<void(uint16_t code, std::string reason)> close;
  };
  // Takes the connection: whatever was queued goes to link.write at once.
  void attach(Link link);
  // Called by the connection for each message, and once when it ends.
  void deliver(const websocket::Message& message);
  void finish(uint16_t code, std::string_view reason);
  // Set by accept_websocket.
  void set_subprotocol(std::string protocol);

 private:
  bool queue(std::string frames);

  WebSocketOptions options_;
  MessageHandler message_handler_;
  CloseHandler close_handler_;
  mutable std::mutex mu_;
  bool closing_ = false;
  bool finished_ = false;
  std::string subprotocol_;
  std::string pending_;  // queued before attach()
  bool close_pending_ = false;
  uint16_t pending_close_code_ = 0;
  std::string pending_close_reason_;
  Link link_;
};

// Accepts the WebSocket opening handshake `req` carries for `session`: checks it
// (websocket::check_upgrade), chooses the subprotocol from session->options().subprotocols, and
// fills `res` with the 101 answer (Upgrade, Connection, Sec-WebSocket-Accept and the chosen
// Sec-WebSocket-Protocol) and res.websocket. The server hands the connection to the session once
// the 101 is written. Errors: those of websocket::check_upgrade, with `res` filled by
// websocket::refuse_upgrade (400, or 426 with Sec-WebSocket-Version: 13); the session is then
// finished with 1006 and its close handler runs.
Status accept_websocket(const Request& req, Response& res,
                        const std::shared_ptr<WebSocketSession>& session);

}  // namespace cairn::net
