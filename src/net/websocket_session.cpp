// WebSocketSession: the thread-safe bridge between a route's handlers and the connection that
// carries the session's frames (connection.cpp), like EventStream for server-sent events.
//
// Invariants: mu_ guards every member but the handlers, which are set before
// accept_websocket() and then only run (and are released) on the connection's strand. The link
// functions only post to that strand or append to the connection's buffer, so calling them under
// mu_ cannot call back into the session; calling them under the lock keeps frames in the order
// send_* were called. finish()
// runs the close handler at most once (finished_), outside the lock.
#include "cairn/net/websocket_session.hpp"

#include <cassert>
#include <exception>
#include <utility>

#include "cairn/core/encoding.hpp"

namespace cairn::net {
namespace {

// Reported to the close handler when the connection ended without a close handshake.
constexpr uint16_t kCloseAbnormal = 1006;

}  // namespace

WebSocketSession::WebSocketSession(WebSocketOptions options) : options_(std::move(options)) {}

WebSocketSession::~WebSocketSession() = default;

void WebSocketSession::on_message(MessageHandler handler) {
  std::lock_guard lock(mu_);
  message_handler_ = std::move(handler);
}

void WebSocketSession::on_close(CloseHandler handler) {
  std::lock_guard lock(mu_);
  close_handler_ = std::move(handler);
}

bool WebSocketSession::send_text(std::string_view text) {
  if (!encoding::is_valid_utf8(text)) return false;
  Result<std::string> frame = websocket::encode_frame(websocket::Opcode::kText, text);
  return frame && queue(std::move(*frame));
}

bool WebSocketSession::send_binary(std::string_view data) {
  Result<std::string> frame = websocket::encode_frame(websocket::Opcode::kBinary, data);
  return frame && queue(std::move(*frame));
}

bool WebSocketSession::ping(std::string_view payload) {
  if (payload.size() > websocket::kMaxControlPayload) return false;
  Result<std::string> frame = websocket::encode_frame(websocket::ping_frame(payload));
  return frame && queue(std::move(*frame));
}

bool WebSocketSession::queue(std::string frames) {
  std::lock_guard lock(mu_);
  if (closing_ || finished_) return false;
  if (!link_.write) {
    // Nobody has taken the session yet: keep the frames, within the same bound a connection
    // applies to a peer that does not read.
    if (pending_.size() + frames.size() > options_.max_queued_bytes) return false;
    pending_ += frames;
    return true;
  }
  link_.write(std::move(frames));
  return true;
}

void WebSocketSession::close(uint16_t code, std::string_view reason) {
  assert(code == websocket::kCloseNoStatus || websocket::is_valid_close_code(code));
  if (code != websocket::kCloseNoStatus && !websocket::is_valid_close_code(code)) {
    code = websocket::kCloseNormal;
  }
  std::lock_guard lock(mu_);
  if (closing_ || finished_) return;
  closing_ = true;
  if (!link_.close) {
    close_pending_ = true;
    pending_close_code_ = code;
    pending_close_reason_ = std::string(reason);
    return;
  }
  link_.close(code, std::string(reason));
}

bool WebSocketSession::closed() const {
  std::lock_guard lock(mu_);
  return closing_ || finished_;
}

std::string WebSocketSession::subprotocol() const {
  std::lock_guard lock(mu_);
  return subprotocol_;
}

void WebSocketSession::set_subprotocol(std::string protocol) {
  std::lock_guard lock(mu_);
  subprotocol_ = std::move(protocol);
}

void WebSocketSession::attach(Link link) {
  std::lock_guard lock(mu_);
  if (finished_) return;
  if (!pending_.empty() && link.write) link.write(std::move(pending_));
  pending_.clear();
  if (close_pending_ && link.close) {
    close_pending_ = false;
    link.close(pending_close_code_, std::move(pending_close_reason_));
  }
  link_ = std::move(link);
}

void WebSocketSession::deliver(const websocket::Message& message) {
  MessageHandler handler;
  {
    std::lock_guard lock(mu_);
    if (finished_) return;
    handler = message_handler_;
  }
  if (!handler) return;
  try {
    handler(*this, message);
  } catch (...) {
    // A handler's exception must not unwind into the server's event loop; the session cannot
    // go on in a state the handler did not finish.
    close(websocket::kCloseInternalError);
  }
}

void WebSocketSession::finish(uint16_t code, std::string_view reason) {
  CloseHandler handler;
  MessageHandler message_handler;  // released outside the lock: it may own this session
  {
    std::lock_guard lock(mu_);
    if (finished_) return;
    finished_ = true;
    closing_ = true;
    link_ = Link{};
    pending_.clear();
    handler = std::move(close_handler_);
    message_handler = std::move(message_handler_);
    close_handler_ = nullptr;
    message_handler_ = nullptr;
  }
  if (!handler) return;
  try {
    handler(code == 0 ? kCloseAbnormal : code, reason);
  } catch (...) {  // NOLINT(bugprone-empty-catch): nothing is left to tell; see deliver()
  }
}

Status accept_websocket(const Request& req, Response& res,
                        const std::shared_ptr<WebSocketSession>& session) {
  assert(session != nullptr);
  if (session == nullptr) {
    res = Response();
    res.error(ErrorCode::kInternal, "HTTP_HANDLER_FAILED", "accept_websocket without a session");
    return fail(ErrorCode::kInternal, "HTTP_HANDLER_FAILED", "accept_websocket without a session");
  }
  Result<std::string> accept = websocket::check_upgrade(req);
  if (!accept) {
    websocket::refuse_upgrade(accept.error(), res);
    session->finish(kCloseAbnormal, "");
    return fail(accept.error());
  }
  std::optional<std::string> protocol =
      websocket::select_subprotocol(req.headers, session->options().subprotocols);
  res.status = 101;
  res.body.clear();
  res.headers.remove("Content-Type");
  res.headers.set("Upgrade", "websocket");
  res.headers.set("Connection", "Upgrade");
  res.headers.set("Sec-WebSocket-Accept", std::move(*accept));
  if (protocol) {
    res.headers.set("Sec-WebSocket-Protocol", *protocol);
    session->set_subprotocol(std::move(*protocol));
  }
  res.websocket = session;
  return ok_status();
}

}  // namespace cairn::net
