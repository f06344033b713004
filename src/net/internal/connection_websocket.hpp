// The WebSocket side of a server connection after its 101 (RFC 6455), without I/O: what to do
// with received bytes, with frames the session sends, with the keep-alive tick and with a
// request to close. The connection (connection.cpp) owns one, calls it on its strand, writes what
// it appends to `out` and acts on the Step it returns; timers and sockets stay there.
//
// The session is finished exactly once: at the moment the outcome is known (the peer's close,
// a protocol error, a drop), or by on_disconnect() when the connection ends in any other way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "cairn/net/websocket.hpp"
#include "cairn/net/websocket_session.hpp"

namespace cairn::net {

// What a connection does after a step of its WebSocketChannel.
enum class WebSocketStep {
  kContinue,         // write what was queued and keep reading
  kClosing,          // we sent a close: wait (up to close_timeout) for the peer's
  kCloseAfterWrite,  // the handshake is over (or failed): write what is queued, then close
  kDrop,             // close the TCP connection now (the session is already finished)
};

class WebSocketChannel {
 public:
  // Reported to the close handler when the connection ended without a close handshake.
  static constexpr uint16_t kCloseAbnormal = 1006;

  explicit WebSocketChannel(std::shared_ptr<WebSocketSession> session)
      : session_(std::move(session)),
        parser_({.role = websocket::Role::kServer,
                 .max_message_bytes = session_->options().max_message_bytes}) {}

  WebSocketSession& session() { return *session_; }
  const WebSocketOptions& options() const { return session_->options(); }
  // True once a close frame was sent or received: no ping timer then, only close_timeout.
  bool closing() const { return close_sent_ || close_received_; }

  // Bytes read from the peer: messages go to the session, pings are answered, a close frame
  // is answered (or completes ours), a protocol error sends the parser's close code. `unwritten`
  // is what the connection holds for the peer besides `out`: pongs count against
  // max_queued_bytes like any frame, so a peer that pings and never reads is dropped.
  WebSocketStep on_bytes(std::string_view bytes, std::string& out, std::size_t unwritten) {
    if (failed_ || close_received_) return WebSocketStep::kContinue;  // only draining input
    if (!bytes.empty()) received_since_tick_ = true;
    parser_.feed(bytes);
    // Each next() consumes a frame or reports that one is incomplete, so this ends.
    for (;;) {
      Result<std::optional<websocket::Message>> next = parser_.next();
      if (!next) return fail(parser_.close_code(), next.error().reason, out);
      if (!next->has_value())
        return close_sent_ ? WebSocketStep::kClosing : WebSocketStep::kContinue;
      websocket::Message& message = **next;
      switch (message.opcode) {
        case websocket::Opcode::kText:
        case websocket::Opcode::kBinary:
          // After our close, data frames are dropped (RFC 6455 1.4: we send nothing more and
          // owe the application nothing more).
          if (!close_sent_) session_->deliver(message);
          break;
        case websocket::Opcode::kPing:
          if (!close_sent_) {
            // A pong is at most 127 bytes: checked before it is added, as on_frames does.
            if (out.size() + unwritten + 2 + message.payload.size() > options().max_queued_bytes) {
              return drop();
            }
            append(websocket::pong_frame(message.payload), out);
          }
          break;
        case websocket::Opcode::kPong:
          ping_outstanding_ = false;
          break;
        case websocket::Opcode::kClose:
          return on_peer_close(message, out);
        case websocket::Opcode::kContinuation:
          break;  // never yielded by MessageParser
      }
    }
  }

  // Frames the session sent (already encoded). `unwritten` is what the connection holds for the
  // peer besides `out`. Past max_queued_bytes the peer is too slow: the session ends with 1006.
  WebSocketStep on_frames(std::string_view frames, std::string& out, std::size_t unwritten) {
    if (closing() || failed_) return WebSocketStep::kContinue;  // nothing follows a close
    if (out.size() + unwritten + frames.size() > options().max_queued_bytes) {
      return drop();
    }
    out += frames;
    return WebSocketStep::kContinue;
  }

  // The session's close() (or the server's drain): sends a close frame with `code` and waits
  // for the peer's. Nothing happens once a close was sent or received.
  WebSocketStep on_close_request(uint16_t code, std::string_view reason, std::string& out) {
    if (closing() || failed_) return WebSocketStep::kContinue;
    websocket::Frame frame = websocket::close_frame(code, reason);
    sent_code_ = code;
    // What the frame carries: close_frame cuts the reason to fit, or leaves it out.
    Result<websocket::ClosePayload> sent = websocket::parse_close_payload(frame.payload);
    sent_reason_ = sent ? std::move(sent->reason) : std::string();
    append(frame, out);
    close_sent_ = true;
    return WebSocketStep::kClosing;
  }

  // The keep-alive timer: a peer that has sent nothing since the previous tick and has not
  // answered the ping it was sent then is gone; otherwise it gets another ping.
  WebSocketStep on_tick(std::string& out, std::size_t unwritten) {
    if (closing() || failed_) return WebSocketStep::kContinue;
    if (ping_outstanding_ && !received_since_tick_) return drop();
    received_since_tick_ = false;
    ping_outstanding_ = true;
    std::optional<std::string> ping = encode(websocket::ping_frame());
    if (!ping) return WebSocketStep::kContinue;
    return on_frames(*ping, out, unwritten);
  }

  // The connection is closed, for whatever reason: the session learns the code we sent when we
  // had started a close, else 1006 (no-op when it already finished).
  void on_disconnect() {
    if (sent_code_ != 0) {
      session_->finish(sent_code_, sent_reason_);
    } else {
      session_->finish(kCloseAbnormal, "");
    }
  }

 private:
  static std::optional<std::string> encode(const websocket::Frame& frame) {
    Result<std::string> wire = websocket::encode_frame(frame);
    if (!wire) return std::nullopt;
    return std::move(*wire);
  }
  static void append(const websocket::Frame& frame, std::string& out) {
    if (std::optional<std::string> wire = encode(frame)) out += *wire;
  }

  WebSocketStep on_peer_close(const websocket::Message& message, std::string& out) {
    close_received_ = true;
    if (close_sent_) {
      // The peer answered ours: the handshake is complete.
      session_->finish(sent_code_, sent_reason_);
      return WebSocketStep::kCloseAfterWrite;
    }
    // Answer with the peer's code (RFC 6455 5.5.1); a close without a code gets an empty one.
    uint16_t code = message.close_code;
    append(websocket::close_frame(code), out);  // kCloseNoStatus: an empty payload
    close_sent_ = true;
    session_->finish(code, message.payload);
    return WebSocketStep::kCloseAfterWrite;
  }

  WebSocketStep fail(uint16_t code, std::string_view reason, std::string& out) {
    failed_ = true;
    if (!close_sent_) {
      // The error's stable reason (docs/errors.md) tells the peer which rule it broke.
      append(websocket::close_frame(code, reason), out);
      close_sent_ = true;
      session_->finish(code, reason);
    } else {
      session_->finish(sent_code_, sent_reason_);
    }
    return WebSocketStep::kCloseAfterWrite;
  }

  WebSocketStep drop() {
    failed_ = true;
    session_->finish(kCloseAbnormal, "");
    return WebSocketStep::kDrop;
  }

  std::shared_ptr<WebSocketSession> session_;
  websocket::MessageParser parser_;
  bool close_sent_ = false;
  bool close_received_ = false;
  bool failed_ = false;
  uint16_t sent_code_ = 0;  // the code of the close frame we started the handshake with
  std::string sent_reason_;
  bool received_since_tick_ = false;
  bool ping_outstanding_ = false;
};

}  // namespace cairn::net
