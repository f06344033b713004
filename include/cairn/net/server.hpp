// cairn::net::Server: an HTTP/1.1 server on standalone Asio, with Debian's http-parser doing the
// parsing. Keep-alive, pipelining (answers in request order), chunked request bodies and
// `Expect: 100-continue`; limits on header bytes and count (431), body size (413, before the body
// is read when Content-Length says so), request time (408: a slow client cannot hold a
// connection by trickling bytes), idle keep-alive connections (closed) and connection count
// (503). Listeners on TCP (IPv4 and IPv6), TLS (optionally verifying client certificates) and
// unix-domain sockets (0600 in a 0700 directory; a stale socket file is replaced only when no
// live server answers on it; the peer's uid, gid and pid reach handlers).
//
// Example:
//   net::Router router;
//   CAIRN_TRY(router.add("GET", "/plaintext", [](const net::Request&, net::Response& res) {
//     res.text("Hello, World!");
//   }));
//   net::Server server(std::move(router));
//   CAIRN_TRY(server.listen_tcp("127.0.0.1", 8080));
//   CAIRN_TRY(server.start(2));
//   server.stop_on_signals();    // SIGTERM / SIGINT: drain, then return from wait()
//   server.wait();
//
// Every request gets a request ID (the client's X-Request-Id when it is 1-64 characters of
// [A-Za-z0-9._-], else a new random one), echoed in the response, and one JSON access-log line
// (ServerOptions::access_log). /health and /metrics (Prometheus text: requests by route and
// status, a latency histogram, open connections) are served unless the router has those paths.
//
// Thread-safety: configure (listen_*, use) before start(); stop(), stats() and metrics_text()
// are safe from any thread, including handlers. Handlers run on the server's threads, several at
// once when start() was given more than one; one connection's requests run one at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/core/result.hpp"
#include "cairn/net/router.hpp"

namespace cairn::net {

struct ServerLimits {
  std::size_t max_header_bytes = std::size_t{16} * 1024;  // request line and header fields together
  std::size_t max_headers = 100;
  std::size_t max_body_bytes = std::size_t{1024} * 1024;  // a route may set its own (RouteOptions)
  // From the first byte of a request to its last: a client slower than this gets 408.
  std::chrono::milliseconds request_timeout{30000};
  // How long a keep-alive connection may wait for its next request before it is closed.
  std::chrono::milliseconds idle_timeout{60000};
  // Open connections at once; more are answered 503 and closed. 0: derived from the process's
  // descriptor limit (derived_max_connections()).
  std::size_t max_connections = 0;
  // Open TCP/TLS connections per client address (the socket peer); more are answered 503 and
  // closed, so one address cannot take every slot. Unix-socket connections are not counted.
  std::size_t max_connections_per_address = 256;
  // Peers exempt from max_connections_per_address: reverse proxies that carry many clients'
  // connections (the same addresses as trust_proxies()).
  std::vector<std::string> unlimited_addresses;
};

// RLIMIT_NOFILE's soft limit less 64 descriptors kept for files, the database and outgoing
// connections (half the limit when it is tiny), at most 100000; 10000 when unlimited.
std::size_t derived_max_connections();

// Cross-origin requests (the Fetch standard's CORS protocol).
struct CorsOptions {
  // Origins allowed to call ("https://app.example.com"), or {"*"}. Empty: CORS off.
  std::vector<std::string> allowed_origins;
  std::string allowed_headers = "Authorization, Content-Type, X-API-Key, X-Request-Id";
  std::chrono::seconds max_age{600};
};

// Runs before the router, in the order added. Returns true to go on, or false after filling
// `res` (a 401, a 429, ...) to answer with it.
using Middleware = std::function<bool(Request& req, Response& res)>;

struct ServerOptions {
  ServerLimits limits;
  CorsOptions cors;
  // Receives one JSON line per request: time, request_id, remote, method, path, route, status,
  // bytes, duration_ms; and one per refused connection or request (431, 413, 408, 503). Null: no
  // log.
  std::function<void(std::string_view line)> access_log;
  // Extra /health components: name -> a check that returns OK or the error to report.
  std::vector<std::pair<std::string, std::function<Status()>>> health_checks;
};

// Counters since start().
struct ServerStats {
  uint64_t requests = 0;
  uint64_t open_connections = 0;
  uint64_t accepted_connections = 0;
  uint64_t refused_requests = 0;  // 4xx answered by the server itself (431, 413, 408, 400) and 503
};

// TLS settings for listen_tls: PEM files. TLS 1.2 and later only.
struct TlsOptions {
  std::string certificate_file;  // the chain, leaf first
  std::string private_key_file;
  // PEM file of the CA certificates that sign client certificates. Set: the server asks every
  // client for a certificate; one that is sent must chain to these CAs or the handshake fails.
  // A verified certificate reaches handlers as Request::client_certificate. Empty: no client
  // certificates are asked for. (Initialized, so TlsOptions{cert, key} stays warning-free.)
  std::string client_ca_file{};
  // With client_ca_file: a client that sends no certificate fails the handshake too. Without
  // client_ca_file this is a configuration error (nothing to verify against).
  bool require_client_certificate = false;
};

class Server {
 public:
  explicit Server(Router router, ServerOptions options = {});
  ~Server();  // stops (without draining) if still running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Adds a middleware (before start()).
  void use(Middleware middleware);

  // Listens on `host` ("127.0.0.1", "::1", "0.0.0.0", "::") and `port` (0: any free port; see
  // endpoints()). Errors: INVALID_ARGUMENT / NET_ADDRESS_INVALID; UNAVAILABLE /
  // NET_LISTEN_FAILED (in use, not permitted).
  Status listen_tcp(std::string_view host, uint16_t port);
  // As listen_tcp, with TLS. Errors: as listen_tcp; INVALID_ARGUMENT / NET_TLS_CONFIG_INVALID
  // (unreadable or mismatched certificate and key; a client_ca_file that cannot be read or holds
  // no PEM certificate; require_client_certificate without client_ca_file).
  Status listen_tls(std::string_view host, uint16_t port, const TlsOptions& tls);
  // Listens on the unix-domain socket `path`: its directory is created 0700 when missing, the
  // socket is 0600. An existing socket file nobody answers on is replaced. Errors:
  // FAILED_PRECONDITION / NET_SOCKET_IN_USE (a live server owns it), NET_SOCKET_PATH_INVALID
  // (not a socket, or too long); UNAVAILABLE / NET_LISTEN_FAILED.
  Status listen_unix(const std::string& path);

  // The bound addresses, in listen order: "127.0.0.1:41234", "[::1]:41234", "unix:/path".
  std::vector<std::string> endpoints() const;
  // The TCP port of the `index`-th listener (0 for unix sockets).
  uint16_t port(std::size_t index = 0) const;

  // Starts serving on `threads` threads (0: one per core). Errors: FAILED_PRECONDITION /
  // NET_SERVER_STATE (no listener, or already started).
  Status start(unsigned threads = 1);

  // Graceful shutdown: stop accepting, let requests in flight finish (their responses say
  // Connection: close), close idle connections, and after `drain` close whatever is left.
  // Returns when every server thread has stopped. Idempotent; unix socket files are removed.
  void stop(std::chrono::milliseconds drain = std::chrono::seconds(10));
  // Makes SIGTERM and SIGINT call stop() (with the default drain).
  void stop_on_signals();
  // Blocks until the server has stopped.
  void wait();

  ServerStats stats() const;
  // The Prometheus text exposition of the server's metrics.
  std::string metrics_text() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace cairn::net
