// cairn::net::ClientPool: HTTP/1.1 calls to one origin (http://, https:// or a unix socket) from
// many threads at once, over a bounded set of kept-alive connections; and ClientPools, one pool per
// origin created on demand, for servers that call other servers.
//
// Example:
//   net::PoolOptions options;
//   options.max_connections = 4;
//   CAIRN_ASSIGN_OR_RETURN(auto pool, net::ClientPool::create("http://127.0.0.1:8080", options));
//   CAIRN_ASSIGN_OR_RETURN(auto res, pool.post_json("/api/jobs", R"({"kind":"build"})"));
//   CAIRN_TRY(net::response_status(res));
//   use(res.body);
//
// A pool is built on HttpClient (client.hpp): each connection is one HttpClient, used by one call
// at a time. A call takes an idle connection (the most recently used one), or opens a new one when
// fewer than max_connections exist, or waits up to acquire_timeout for one to come back. After the
// call the connection goes back to the idle set unless the call failed (any error: the connection
// is discarded, never reused), the server closed it (Connection: close), or max_idle connections
// are idle already. Idle connections unused for idle_timeout are closed, not reused; they are
// checked at each call and at stats(), there is no background thread.
//
// Bounds: a call waits at most acquire_timeout for a connection, then connect_timeout to open a new
// one, then request_timeout for the request itself (the last two are ClientOptions', as for
// HttpClient).
//
// Thread-safety: every method of ClientPool and ClientPools is safe from any number of threads at
// once. Distinct pools are independent.
// Ownership: a ClientPool owns its connections and closes them when destroyed; it must outlive the
// calls made on it (destroying a pool while a call runs on it is a programmer error). It is
// movable (not while in use), not copyable. ClientPools hands out shared pointers: a pool evicted
// from it stays usable by whoever still holds it, and closes when the last holder lets go.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "cairn/core/result.hpp"
#include "cairn/net/client.hpp"
#include "cairn/net/http.hpp"

namespace cairn::net {

struct PoolOptions {
  // Given to every HttpClient the pool opens: connect and request timeouts, TLS, response cap.
  ClientOptions client;
  // Connections open at once to the origin, idle and in use together (connecting included). >= 1.
  std::size_t max_connections = 8;
  // How long a call waits for a connection when max_connections are in use; then it fails with
  // RESOURCE_EXHAUSTED / NET_POOL_EXHAUSTED. 0: fail at once.
  std::chrono::milliseconds acquire_timeout{10000};
  // An idle connection unused for this long is closed instead of reused. Keep it below the
  // server's own keep-alive timeout (cairn's Server: 60 s by default). > 0.
  std::chrono::milliseconds idle_timeout{30000};
  // Idle connections kept at most; more are closed when their call ends. 0: no connection is
  // kept (every call opens its own).
  std::size_t max_idle = 8;
};

// A snapshot of a pool, for tests and metrics. Gauges first, then counters since create().
struct PoolStats {
  std::size_t open = 0;     // idle + in_use
  std::size_t idle = 0;     // kept, waiting for a call
  std::size_t in_use = 0;   // held by a call (opening a connection included)
  std::size_t waiting = 0;  // calls waiting for a connection to come free
  uint64_t created = 0;     // connections opened, HttpClient's own reconnects included
  uint64_t reused = 0;      // calls answered on a connection kept from an earlier call
  uint64_t discarded = 0;   // connections dropped after a failed call or closed by the server
  uint64_t expired = 0;     // idle connections closed for idle_timeout or max_idle
  uint64_t exhausted = 0;   // calls that failed with NET_POOL_EXHAUSTED
};

class ClientPool {
 public:
  // Checks `origin` (the URLs HttpClient::connect takes: http://host[:port], https://host[:port],
  // unix:/path) and `options`; connects nothing yet (the first call does). Returns the pool.
  // Errors: INVALID_ARGUMENT / NET_URL_INVALID (as HttpClient::connect); INVALID_ARGUMENT /
  // NET_POOL_OPTIONS_INVALID (max_connections 0, a negative acquire_timeout, an idle_timeout
  // not above 0).
  [[nodiscard]] static Result<ClientPool> create(std::string_view origin, PoolOptions options = {});

  ClientPool(ClientPool&&) noexcept;
  ClientPool& operator=(ClientPool&&) noexcept;
  ClientPool(const ClientPool&) = delete;
  ClientPool& operator=(const ClientPool&) = delete;
  ~ClientPool();

  // HttpClient::request on a pooled connection: returns the response whatever its status (see
  // response_status). Errors: RESOURCE_EXHAUSTED / NET_POOL_EXHAUSTED (no connection came free
  // within acquire_timeout); the errors of HttpClient::connect when a new connection is opened
  // (NET_CONNECT_FAILED, NET_TIMEOUT, NET_TLS_FAILED, NET_TLS_CONFIG_INVALID, ...); the errors of
  // HttpClient::request (NET_REQUEST_INVALID, NET_TIMEOUT, NET_CONNECTION_LOST, ...). After an
  // error the connection used is discarded; the next call opens a new one.
  [[nodiscard]] Result<ClientResponse> request(std::string_view method, std::string_view target,
                                               const Headers& headers = {},
                                               std::string_view body = {});

  // request("GET", target, headers). Errors: as request().
  [[nodiscard]] Result<ClientResponse> get(std::string_view target, const Headers& headers = {});
  // request("DELETE", target, headers). Errors: as request().
  [[nodiscard]] Result<ClientResponse> del(std::string_view target, const Headers& headers = {});
  // request("POST" / "PUT" / "PATCH", target, headers, json) with Content-Type and Accept
  // application/json unless `headers` sets them, as HttpClient's. Errors: as request().
  [[nodiscard]] Result<ClientResponse> post_json(std::string_view target, std::string_view json,
                                                 const Headers& headers = {});
  [[nodiscard]] Result<ClientResponse> put_json(std::string_view target, std::string_view json,
                                                const Headers& headers = {});
  [[nodiscard]] Result<ClientResponse> patch_json(std::string_view target, std::string_view json,
                                                  const Headers& headers = {});

  // Closes every idle connection now; connections in use are left to their calls. For a server
  // known to have restarted.
  void close_idle() noexcept;

  // Returns the pool's gauges and counters, after closing the idle connections past idle_timeout.
  [[nodiscard]] PoolStats stats() const;

  // The origin as HttpClient shows it in messages ("http://127.0.0.1:8080", "unix:/run/a.sock").
  [[nodiscard]] std::string_view origin() const noexcept;

  struct Impl;

 private:
  explicit ClientPool(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct ClientPoolsOptions {
  // Options of every pool created.
  PoolOptions pool;
  // Pools kept at once; past it, the least recently asked-for pool is dropped from the set. 0 is
  // taken as 1.
  std::size_t max_origins = 64;
};

// One ClientPool per origin, created on first use. Origins are compared after parsing: the scheme
// and host case-insensitively, a default port equal to an explicit one ("http://a" is
// "http://a:80"); unix socket paths exactly.
class ClientPools {
 public:
  explicit ClientPools(ClientPoolsOptions options = {});
  ClientPools(const ClientPools&) = delete;
  ClientPools& operator=(const ClientPools&) = delete;
  ~ClientPools();

  // Returns the pool for `origin`, creating it when there is none (which may drop the least
  // recently used pool; see ClientPoolsOptions::max_origins). Errors: as ClientPool::create.
  [[nodiscard]] Result<std::shared_ptr<ClientPool>> pool(std::string_view origin);

  // The number of pools held now.
  [[nodiscard]] std::size_t size() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn::net
