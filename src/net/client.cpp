// HttpClient: synchronous calls made of asynchronous Asio operations on a private io_context, so
// that every step is bounded. This file holds the client itself (connection reuse, the one resend
// of a request that a closed kept connection swallowed, reading the response); the pieces it is
// made of live apart: URL parsing (client_url.cpp), request validation and serialization
// (client_request.cpp), transports (client_transport.cpp), response decoding
// (response_parser.cpp) and error bodies (error_body.cpp); after a WebSocket handshake the
// connection goes to a WebSocketClient (websocket_client.cpp).
#include "cairn/net/client.hpp"

#include <http_parser.h>

#include <algorithm>
#include <array>
#include <asio.hpp>
#include <asio/ssl.hpp>
#include <cassert>
#include <utility>

#include "net/internal/client_request.hpp"
#include "net/internal/client_transport.hpp"
#include "net/internal/client_url.hpp"
#include "net/internal/client_websocket.hpp"
#include "net/internal/response_parser.hpp"

namespace cairn::net {
namespace {

using internal::Clock;
using internal::idempotent;
using internal::response_settings;
using internal::ResponseParse;
using internal::run_until;
using internal::serialize_request;
using internal::timed_out;

Unexpected<Error> connection_lost(const std::string& message) {
  return fail(ErrorCode::kUnavailable, "NET_CONNECTION_LOST", message);
}

// How one attempt at a request ended.
struct Attempt {
  Result<ClientResponse> result = ClientResponse();
  bool keep_alive = false;
  // Failed before any response byte arrived (and not by timing out): may be sent again.
  bool retryable = false;
  bool write_failed = false;
  // The bytes read after the end of the response (a 101's first frames).
  std::string rest;
};

}  // namespace

struct HttpClient::Impl {
  internal::Url url;
  ClientOptions options;
  // Declared before the connection, which refers to both: destroyed after it. Shared, because a
  // connection handed to a WebSocketClient takes its io_context and TLS context along.
  std::shared_ptr<asio::io_context> io = std::make_shared<asio::io_context>(1);
  std::shared_ptr<asio::ssl::context> tls;
  std::unique_ptr<internal::Transport> conn;
  std::size_t opened = 0;

  void close() noexcept { conn.reset(); }
  // Whether the kept connection can carry another request (internal::still_open).
  bool still_open() {
    return internal::still_open(*io, *conn, url.scheme == internal::Scheme::kHttps);
  }

  Status open(Clock::time_point deadline);
  Attempt exchange(const std::string& wire, bool head, Clock::time_point deadline);
  // Sends `wire` and reads the response, on the kept connection or a new one, sending once more
  // when a kept connection turns out closed (see request()). With `upgrade` the connection is
  // left open after a 101, and `rest` receives the bytes that followed it.
  Result<ClientResponse> perform(std::string_view method, const std::string& wire,
                                 Clock::time_point deadline, bool upgrade = false,
                                 std::string* rest = nullptr);
};

Status HttpClient::Impl::open(Clock::time_point deadline) {
  close();
  CAIRN_ASSIGN_OR_RETURN(conn, internal::open_transport(*io, tls.get(), url, options, deadline));
  ++opened;
  return ok_status();
}

Attempt HttpClient::Impl::exchange(const std::string& wire, bool head, Clock::time_point deadline) {
  Attempt attempt;
  auto timeout = [&] {
    return timed_out("the request to " + url.display, options.request_timeout);
  };

  bool done = false;
  asio::error_code result;
  conn->async_write(asio::buffer(wire), [&](const asio::error_code& ec, std::size_t) {
    result = ec;
    done = true;
  });
  if (!run_until(*io, done, deadline, [&] { conn->close(); })) {
    attempt.result = timeout();
    return attempt;
  }
  if (result) {
    attempt.retryable = true;
    attempt.write_failed = true;
    attempt.result = connection_lost("sending to " + url.display + " failed: " + result.message());
    return attempt;
  }

  ResponseParse parse;
  parse.limit = options.max_response_bytes;
  parse.head = head;
  http_parser parser{};
  http_parser_init(&parser, HTTP_RESPONSE);
  parser.data = &parse;
  std::array<char, std::size_t{16} * 1024> buffer{};
  std::size_t received = 0;
  for (;;) {
    done = false;
    std::size_t n = 0;
    conn->async_read_some(asio::buffer(buffer), [&](const asio::error_code& ec, std::size_t k) {
      result = ec;
      n = k;
      done = true;
    });
    if (!run_until(*io, done, deadline, [&] { conn->close(); })) {
      attempt.result = timeout();
      return attempt;
    }
    received += n;
    if (result && n == 0) {
      // A TLS peer that closes without close_notify is treated like a plain EOF: the framing of
      // the response still decides whether it arrived whole.
      bool eof = result == asio::error::eof || result == asio::ssl::error::stream_truncated;
      if (eof) http_parser_execute(&parser, &response_settings(), nullptr, 0);
      if (parse.complete) break;
      attempt.retryable = received == 0;
      attempt.result = connection_lost(
          received == 0 ? url.display + " closed the connection without answering"
          : eof         ? url.display + " closed the connection in the middle of the response"
                        : "reading from " + url.display + " failed: " + result.message());
      return attempt;
    }
    std::size_t parsed = http_parser_execute(&parser, &response_settings(), buffer.data(), n);
    if (parse.too_large) {
      attempt.result = fail(ErrorCode::kResourceExhausted, "NET_RESPONSE_TOO_LARGE",
                            "the response from " + url.display + " exceeds " +
                                std::to_string(options.max_response_bytes) + " bytes");
      return attempt;
    }
    if (parse.complete) {
      // Bytes after the response nobody asked for: the connection is not reusable (unless it
      // is switching protocols, and they are the new protocol's).
      parse.keep_alive = parse.keep_alive && parsed == n;
      if (parsed < n) attempt.rest.assign(buffer.data() + parsed, n - parsed);
      break;
    }
    if (HTTP_PARSER_ERRNO(&parser) != HPE_OK || parsed != n) {
      attempt.result = fail(ErrorCode::kUnavailable, "NET_RESPONSE_MALFORMED",
                            "the response from " + url.display + " is not HTTP/1.x: " +
                                http_errno_description(static_cast<http_errno>(parser.http_errno)));
      return attempt;
    }
  }
  attempt.keep_alive = parse.keep_alive;
  attempt.result = std::move(parse.response);
  return attempt;
}

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;
HttpClient::~HttpClient() = default;

Result<HttpClient> HttpClient::connect(std::string_view url, ClientOptions options) {
  CAIRN_ASSIGN_OR_RETURN(internal::Url parsed, internal::parse_url(url));
  auto impl = std::make_unique<Impl>();
  impl->url = std::move(parsed);
  impl->options = std::move(options);
  if (impl->url.scheme == internal::Scheme::kHttps) {
    CAIRN_ASSIGN_OR_RETURN(impl->tls, internal::make_tls_context(impl->options));
  }
  auto deadline = Clock::now() + impl->options.connect_timeout;
  CAIRN_TRY(impl->open(deadline));
  return HttpClient(std::move(impl));
}

Result<ClientResponse> HttpClient::request(std::string_view method, std::string_view target,
                                           const Headers& headers, std::string_view body) {
  assert(impl_ != nullptr && "request() on a moved-from HttpClient");
  Impl& s = *impl_;
  auto deadline = Clock::now() + s.options.request_timeout;
  CAIRN_ASSIGN_OR_RETURN(std::string wire, serialize_request(s.url, method, target, headers, body));
  return s.perform(method, wire, deadline);
}

Result<ClientResponse> HttpClient::Impl::perform(std::string_view method, const std::string& wire,
                                                 Clock::time_point deadline, bool upgrade,
                                                 std::string* rest) {
  bool head = method == "HEAD";
  for (int tries = 0;; ++tries) {
    bool reused = conn != nullptr && still_open();
    if (!reused) {
      CAIRN_TRY(open(std::min(deadline, Clock::now() + options.connect_timeout)));
    }
    Attempt attempt = exchange(wire, head, deadline);
    if (attempt.result) {
      bool switching = upgrade && attempt.result->status == 101;
      if (switching && rest != nullptr) *rest = std::move(attempt.rest);
      if (!attempt.keep_alive && !switching) close();
      return std::move(attempt.result);
    }
    close();
    // The server may have closed the kept connection just as the request went out; nothing was
    // answered, so sending it once more is safe when the method is idempotent or it never left.
    if (tries == 0 && reused && attempt.retryable && (attempt.write_failed || idempotent(method))) {
      continue;
    }
    return std::move(attempt.result);
  }
}

Result<ClientResponse> HttpClient::get(std::string_view target, const Headers& headers) {
  return request("GET", target, headers);
}

Result<ClientResponse> HttpClient::del(std::string_view target, const Headers& headers) {
  return request("DELETE", target, headers);
}

namespace {

Headers with_json(const Headers& headers) {
  Headers out = headers;
  if (!out.contains("Content-Type")) out.add("Content-Type", "application/json");
  if (!out.contains("Accept")) out.add("Accept", "application/json");
  return out;
}

}  // namespace

Result<ClientResponse> HttpClient::post_json(std::string_view target, std::string_view json,
                                             const Headers& headers) {
  return request("POST", target, with_json(headers), json);
}

Result<ClientResponse> HttpClient::put_json(std::string_view target, std::string_view json,
                                            const Headers& headers) {
  return request("PUT", target, with_json(headers), json);
}

Result<ClientResponse> HttpClient::patch_json(std::string_view target, std::string_view json,
                                              const Headers& headers) {
  return request("PATCH", target, with_json(headers), json);
}

namespace {

// The handshake's own header fields: set by websocket(), never taken from the caller's headers.
bool handshake_field(std::string_view name) {
  for (std::string_view own :
       {"Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version",
        "Sec-WebSocket-Protocol", "Sec-WebSocket-Extensions"}) {
    if (iequals(name, own)) return true;
  }
  return false;
}

Unexpected<Error> handshake_failed(const std::string& message) {
  return fail(ErrorCode::kUnavailable, "WEBSOCKET_HANDSHAKE_FAILED", message);
}

}  // namespace

Result<WebSocketClient> HttpClient::websocket(std::string_view target,
                                              WebSocketClientOptions options) {
  assert(impl_ != nullptr && "websocket() on a moved-from HttpClient");
  Impl& s = *impl_;
  auto deadline = Clock::now() + s.options.request_timeout;
  std::string key = websocket::make_client_key();
  Headers headers;
  headers.add("Upgrade", "websocket");
  headers.add("Connection", "Upgrade");
  headers.add("Sec-WebSocket-Key", key);
  headers.add("Sec-WebSocket-Version", "13");
  if (!options.subprotocols.empty()) {
    std::string offered;
    for (const std::string& p : options.subprotocols) {
      if (!offered.empty()) offered += ", ";
      offered += p;
    }
    headers.add("Sec-WebSocket-Protocol", std::move(offered));
  }
  for (const auto& [name, value] : options.headers.fields()) {
    if (!handshake_field(name)) headers.add(name, value);
  }
  CAIRN_ASSIGN_OR_RETURN(std::string wire, serialize_request(s.url, "GET", target, headers, {}));

  std::string rest;
  CAIRN_ASSIGN_OR_RETURN(ClientResponse response,
                         s.perform("GET", wire, deadline, /*upgrade=*/true, &rest));
  if (response.status != 101) {
    // A refusal that explains itself (a 404, a 401, the server's 400 or 426) is that error.
    if (response.status >= 400 && parse_error_body(response.body)) {
      return fail(response_status(response).error());
    }
    return handshake_failed(s.url.display + " answered the WebSocket handshake with status " +
                            std::to_string(response.status));
  }
  Result<std::string> chosen = websocket::check_upgrade_response(response.status, response.headers,
                                                                 key, options.subprotocols);
  if (!chosen) {
    s.close();
    return fail(chosen.error());
  }

  internal::WebSocketHandover handover;
  handover.io = std::exchange(s.io, std::make_shared<asio::io_context>(1));
  handover.tls = s.tls;
  handover.conn = std::move(s.conn);
  handover.display = s.url.display;
  handover.write_timeout = s.options.request_timeout;
  handover.leftover = std::move(rest);
  handover.subprotocol = std::move(*chosen);
  handover.max_message_bytes = options.max_message_bytes;
  return internal::adopt_websocket(std::move(handover));
}

void HttpClient::close() noexcept {
  if (impl_) impl_->close();
}

bool HttpClient::connected() const noexcept { return impl_ && impl_->conn != nullptr; }

std::size_t HttpClient::connections_opened() const noexcept { return impl_ ? impl_->opened : 0; }

}  // namespace cairn::net
