// HTTP/1.1 messages as cairn::net's server and client see them: a Request with its headers,
// body, matched path parameters and peer (client certificate, unix credentials), a Response to
// fill in, and the JSON helpers every reference server uses (including the common error body of
// docs/errors.md).
//
// Example:
//   net::Handler get_post = [&](const net::Request& req, net::Response& res) {
//     Result<board::Post> post = engine.board().get_post(req.param("id"));
//     if (!post) return res.error(post.error());   // {"error":{"code","reason","message"}}
//     res.json_text("{\"title\":" + net::json_quote(post->title) + "}");
//   };
//
// Thread-safety: plain values; one thread at a time. Ownership: they own their strings.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cairn/core/error.hpp"
#include "cairn/core/result.hpp"

namespace cairn::net {

class EventStream;
class BodySink;
class BodySource;
class WebSocketSession;

// Header fields in arrival order. Names compare case-insensitively (RFC 9110 5.1).
class Headers {
 public:
  // The first value of `name`, or nullopt.
  std::optional<std::string_view> get(std::string_view name) const;
  // Every value of `name`, in order.
  std::vector<std::string_view> all(std::string_view name) const;
  bool contains(std::string_view name) const { return get(name).has_value(); }
  // Adds a field (another Set-Cookie, say).
  void add(std::string name, std::string value);
  // Replaces every field named `name` with one.
  void set(std::string name, std::string value);
  void remove(std::string_view name);
  std::size_t size() const { return fields_.size(); }
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// True when `a` and `b` are equal ignoring ASCII case.
bool iequals(std::string_view a, std::string_view b) noexcept;

// A TLS client's certificate, verified against TlsOptions::client_ca_file during the handshake.
struct PeerCertificate {
  // The subject's first commonName as UTF-8 ("" when the subject has none). Informational: two
  // CAs may issue the same CN, so authorization should rest on the CA file and the fingerprint.
  std::string subject_cn;
  // SHA-256 of the certificate's DER encoding, 64 lower-case hex digits (what `openssl x509
  // -fingerprint -sha256` prints, without the colons).
  std::string sha256;
};

// The process at the other end of a unix-domain socket, as the kernel reported it when the
// connection was accepted (SO_PEERCRED): the credentials it had when it connected.
struct PeerCredentials {
  uint32_t uid = 0;
  uint32_t gid = 0;
  int32_t pid = 0;
};

// A request as the server hands it to a handler.
struct Request {
  std::string method;  // "GET"
  std::string target;  // "/api/orgs?limit=10" as sent
  std::string path;    // "/api/orgs", percent-decoded
  std::string query;   // "limit=10" (still encoded; see query_param)
  int version_major = 1;
  int version_minor = 1;
  Headers headers;
  std::string body;
  // For a route with RouteOptions::stream_body: the sink the body went into (body.hpp); `body`
  // is then empty. Null otherwise.
  std::shared_ptr<BodySink> body_sink;
  // Set by the router: the values of the route's {name} segments, decoded.
  std::map<std::string, std::string, std::less<>> params;
  // Set by the server.
  std::string request_id;  // the client's X-Request-Id if sane, else a new random one
  std::string remote;      // "127.0.0.1:50412", "[::1]:50412" or "unix"
  // The client's address without a port ("127.0.0.1", "::1", "unix"): the socket peer, or what
  // a trusted proxy reported (middleware.hpp, trust_proxies). Limits per client use it.
  std::string client_address;
  std::string route;  // the matched pattern ("/api/orgs/{org}"), for logs and metrics
  // Set by authentication middleware: who is calling ("" when anonymous).
  std::string subject;
  // Set by the server, once per connection and the same for each of its requests: the client's
  // verified certificate on a TLS listener with a client_ca_file (nullopt when none was sent),
  // and the peer process on a unix-socket listener (nullopt on TCP and TLS).
  std::optional<PeerCertificate> client_certificate;
  std::optional<PeerCredentials> peer_credentials;

  // The path parameter `name` ("" when the route has none of that name).
  std::string_view param(std::string_view name) const;
  // The first query parameter `name`, percent-decoded ('+' as space), or nullopt -- also when the
  // query as a whole is malformed (see net::query_params in form.hpp for the error).
  std::optional<std::string> query_param(std::string_view name) const;
  std::optional<std::string_view> header(std::string_view name) const { return headers.get(name); }
};

// A response under construction. A handler sets status, headers and body (or calls one of the
// helpers); the server adds Content-Length, Date, Connection and X-Request-Id.
struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  // When set, the answer is a stream of server-sent events instead of `body` (see
  // event_stream.hpp): 200, text/event-stream, for as long as the stream and the client live.
  std::shared_ptr<EventStream> events;
  // When set, the body is read from this source as the client takes it, instead of `body`
  // (body.hpp): Content-Length when the source knows its size, else chunked.
  std::shared_ptr<BodySource> body_source;
  // Set by accept_websocket (websocket_session.hpp) with status 101: after the 101 is written the
  // connection belongs to this session.
  std::shared_ptr<WebSocketSession> websocket;
  // The full error behind a 5xx answer (whose body carries only the status phrase), for the
  // server's own log: the access log line of the request includes it. Set by error().
  std::shared_ptr<const Error> server_error;

  // Serializes `json_text` as the body with Content-Type application/json.
  void json_text(std::string json_text, int status_code = 200);
  // Plain text with Content-Type text/plain; charset=utf-8.
  void text(std::string text, int status_code = 200);
  // The common error body {"error":{"code","reason","message"}} with the status of the code
  // (docs/errors.md). 5xx bodies never carry the internal message: the text is replaced by the
  // status phrase, and the error itself is kept in server_error for the log. A retry_after in
  // `error` becomes a Retry-After header (whole seconds, rounded up).
  void error(const Error& error);
  // As error(), from parts.
  void error(ErrorCode code, std::string_view reason, std::string_view message);
};

// The status phrase of `status` ("Not Found"), or "Unknown".
std::string_view status_phrase(int status) noexcept;

// `text` with %XX sequences decoded; nullopt for a malformed sequence or a NUL (raw or decoded).
// With `plus_as_space`, '+' becomes ' ' (form and query encoding).
std::optional<std::string> percent_decode(std::string_view text, bool plus_as_space = false);

// A JSON string literal for `text` (quotes included), escaping as RFC 8259 requires.
std::string json_quote(std::string_view text);

}  // namespace cairn::net
