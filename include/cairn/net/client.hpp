// cairn::net::HttpClient: a small synchronous HTTP/1.1 client, for the reference servers'
// command-line modes and for tests. It talks to one server (http://, https:// or a unix-domain
// socket), keeps one connection alive between requests, and turns the common error body
// {"error":{"code","reason","message"}} back into a cairn::Error.
//
// Example:
//   CAIRN_ASSIGN_OR_RETURN(auto client, net::HttpClient::connect("unix:/run/devd/api.sock"));
//   CAIRN_ASSIGN_OR_RETURN(auto res, client.post_json("/api/sessions", R"({"name":"x"})"));
//   CAIRN_TRY(net::response_status(res));   // a 4xx/5xx becomes its Error (code, reason)
//   use(res.body);
//
// Every call is bounded: connecting (name resolution of an IP literal, TCP or unix connect, TLS
// handshake) by ClientOptions::connect_timeout, and a whole request() call, reconnecting
// included, by ClientOptions::request_timeout; a server that accepts and never answers makes the
// call fail with DEADLINE_EXCEEDED / NET_TIMEOUT. (Resolving a host *name* goes through the
// system resolver, which cannot be interrupted: a hung DNS lookup can outlast connect_timeout.)
//
// TLS: TLS 1.2 or later; the server's certificate is verified against ClientOptions::ca_file
// (or the system's CA store) and must name the URL's host (DNS name or IP address). A client
// certificate (ClientOptions::certificate_file, private_key_file) is sent when the server asks.
// A server that refuses it fails the handshake (NET_TLS_FAILED) under TLS 1.2; under TLS 1.3 the
// server decides after the client's handshake has completed, so the refusal shows on the first
// request instead (NET_CONNECTION_LOST).
//
// Thread-safety: an HttpClient is used by one thread at a time; use one client per thread (they
// are cheap) or lock around it. Distinct clients are independent.
// Ownership: an HttpClient owns its connection and closes it when destroyed; it is movable, not
// copyable. A ClientResponse owns its strings.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cairn/core/error.hpp"
#include "cairn/core/result.hpp"
#include "cairn/net/http.hpp"
#include "cairn/net/websocket_client.hpp"

namespace cairn::net {

struct ClientOptions {
  // Bounds connecting: resolving an IP literal, the TCP/unix connect and the TLS handshake.
  std::chrono::milliseconds connect_timeout{5000};
  // Bounds a whole request() call: reconnecting if needed, sending, and reading the response.
  std::chrono::milliseconds request_timeout{30000};
  // PEM file of the CA certificates to trust for https://. Empty: the system's default store.
  std::string ca_file;
  // Verify the server's certificate chain and host name (https:// only). Turn off only in tests.
  bool verify_peer = true;
  // A client certificate (the chain, leaf first) and its private key, PEM, presented to servers
  // that ask for one (https:// only; ignored otherwise). Both or neither.
  std::string certificate_file;
  std::string private_key_file;
  // The largest response (status line, headers and decoded body together) accepted.
  std::size_t max_response_bytes = std::size_t{64} * 1024 * 1024;
};

// A response as received. Interim 1xx responses are skipped; chunked bodies arrive decoded.
struct ClientResponse {
  int status = 0;
  Headers headers;
  std::string body;
};

class HttpClient {
 public:
  // Parses `url` and connects to it:
  //   http://host[:port][/]     port 80 by default; host a name, an IPv4 or a [bracketed] IPv6
  //   https://host[:port][/]    port 443 by default
  //   unix:/path/to/api.sock    a unix-domain stream socket (Host: localhost is sent)
  // Returns the connected client. Errors: INVALID_ARGUMENT / NET_URL_INVALID (another scheme, a
  // path or query after the authority, a bad port, an empty host or socket path);
  // INVALID_ARGUMENT / NET_TLS_CONFIG_INVALID (ca_file unreadable or not PEM; certificate_file
  // or private_key_file unreadable, only one of them given, or a key that does not match the
  // certificate); UNAVAILABLE /
  // NET_CONNECT_FAILED (unresolvable name, refused, unreachable, no such socket);
  // DEADLINE_EXCEEDED / NET_TIMEOUT (connect_timeout passed); UNAVAILABLE / NET_TLS_FAILED (the
  // handshake failed: certificate not trusted, wrong host name, no common protocol version).
  [[nodiscard]] static Result<HttpClient> connect(std::string_view url, ClientOptions options = {});

  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  ~HttpClient();

  // Sends `method target` with `headers` and `body` and returns the response, whatever its
  // status (a 404 is a successful call; see response_status). The client adds Host (unless
  // `headers` has one), User-Agent (likewise), and Content-Length for a non-empty body or a
  // POST, PUT or PATCH; a Content-Length or Transfer-Encoding in `headers` is ignored.
  //
  // The connection is kept for the next call unless the server closes it. A kept connection
  // that the server has closed meanwhile (its idle timeout) is replaced before sending; if it
  // fails after the request was written but before any response byte arrived, the request is
  // sent once more on a new connection when the method is idempotent (GET, HEAD, PUT, DELETE,
  // OPTIONS), or when writing it failed.
  //
  // Errors: INVALID_ARGUMENT / NET_REQUEST_INVALID (a method that is not a token, a target not
  // starting with '/' or containing spaces or control characters, a header name or value with
  // CR, LF or NUL); the errors of connect() when a new connection is needed; DEADLINE_EXCEEDED /
  // NET_TIMEOUT (request_timeout passed); UNAVAILABLE / NET_CONNECTION_LOST (the connection
  // closed or failed before the whole response arrived); UNAVAILABLE / NET_RESPONSE_MALFORMED
  // (the bytes received are not an HTTP/1.x response); RESOURCE_EXHAUSTED /
  // NET_RESPONSE_TOO_LARGE (more than max_response_bytes). After any error the connection is
  // closed; the next call opens a new one.
  [[nodiscard]] Result<ClientResponse> request(std::string_view method, std::string_view target,
                                               const Headers& headers = {},
                                               std::string_view body = {});

  // request("GET", target, headers). Errors: as request().
  [[nodiscard]] Result<ClientResponse> get(std::string_view target, const Headers& headers = {});
  // request("DELETE", target, headers). Errors: as request().
  [[nodiscard]] Result<ClientResponse> del(std::string_view target, const Headers& headers = {});
  // request("POST" / "PUT" / "PATCH", target, headers, json) with Content-Type:
  // application/json and Accept: application/json unless `headers` sets them. The JSON text is
  // sent as given, not checked. Errors: as request().
  [[nodiscard]] Result<ClientResponse> post_json(std::string_view target, std::string_view json,
                                                 const Headers& headers = {});
  [[nodiscard]] Result<ClientResponse> put_json(std::string_view target, std::string_view json,
                                                const Headers& headers = {});
  [[nodiscard]] Result<ClientResponse> patch_json(std::string_view target, std::string_view json,
                                                  const Headers& headers = {});

  // Opens a WebSocket on `target` ("/ws/echo"): sends the opening handshake (GET with Upgrade,
  // Connection, Sec-WebSocket-Key, Sec-WebSocket-Version: 13, the offered subprotocols and
  // options.headers) on the kept connection (a new one when none is open) and, on a 101 that
  // websocket::check_upgrade_response accepts, hands that connection to the returned client. The
  // HttpClient keeps working: its next request opens a new connection. Errors: the errors of
  // request(); UNAVAILABLE / WEBSOCKET_HANDSHAKE_FAILED (another status -- the error body's
  // Error when the server sent one -- or a 101 that fails check_upgrade_response).
  [[nodiscard]] Result<WebSocketClient> websocket(std::string_view target,
                                                  WebSocketClientOptions options = {});

  // Closes the kept connection, if any (the next request opens a new one).
  void close() noexcept;
  // Whether a connection is open now (it may still have been closed by the server).
  [[nodiscard]] bool connected() const noexcept;
  // The number of connections opened so far, the first one included (for tests and logs).
  [[nodiscard]] std::size_t connections_opened() const noexcept;

 private:
  struct Impl;
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The Error in a common error body {"error":{"code":"NOT_FOUND","reason":"...","message":"..."}}
// (code a known wire name, reason and message strings; message may be absent), or nullopt when
// `body` is not one. A retry_after is not set (it travels in the Retry-After header; see
// response_status).
[[nodiscard]] std::optional<Error> parse_error_body(std::string_view body);

// OK for a response with a status below 400. For 4xx and 5xx, the Error the response carries:
// decoded from the common error body when it is one (with retry_after from a Retry-After header
// in seconds); otherwise an Error with the code whose HTTP status this is (UNKNOWN when none),
// reason NET_HTTP_STATUS and the status line as message.
[[nodiscard]] Status response_status(const ClientResponse& response);

}  // namespace cairn::net
