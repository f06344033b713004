// The hand-over of an HttpClient's connection to a WebSocketClient after a 101: the connection
// and everything it refers to (the io_context its socket was opened on, the TLS context of its
// stream) change owner together, so the WebSocketClient outlives nothing it depends on. Private
// to the client.
#pragma once

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "cairn/net/websocket_client.hpp"
#include "net/internal/client_transport.hpp"

namespace cairn::net::internal {

struct WebSocketHandover {
  // Declared before `conn`, which refers to them.
  std::shared_ptr<asio::io_context> io;
  std::shared_ptr<asio::ssl::context> tls;  // null unless https://
  std::unique_ptr<Transport> conn;
  std::string display;  // the server's URL, for messages
  // Bounds each write (and the close frame sent when the peer breaks the protocol).
  std::chrono::milliseconds write_timeout{30000};
  // Bytes that arrived after the 101 in the same read: the first frames.
  std::string leftover;
  std::string subprotocol;
  std::size_t max_message_bytes = 0;
};

// The WebSocketClient that takes over `handover`'s connection.
[[nodiscard]] WebSocketClient adopt_websocket(WebSocketHandover handover);

}  // namespace cairn::net::internal
