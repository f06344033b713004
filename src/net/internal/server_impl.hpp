// The state a Server shares with its connections: options, router, middleware, metrics and the
// set of live connections (for draining).
//
// ---- Threads and locks
//
// A connection runs every step on its own strand (one-thread servers: on the io_context, see
// connection_executor()) and holds no lock: the server reaches it only
// through posted calls (drain(), close()). Acceptors live on accept_strand. The shared state is
// guarded by four mutexes that are all leaves: state_mu (started, stopping, finished, stopper),
// connections_mu (connections), addresses_mu (open_per_address) and Metrics::mu_. Each is taken
// alone, for a few map operations, and released before anything else is locked or called: stop()
// copies the live connections out under connections_mu and drains them after releasing it. No
// lock is held around a handler, middleware, a health check or the access-log sink, so those may
// call anything on the server, stop() included (from a server thread stop() is handed to the
// `stopper` thread, because stop() joins the server threads and a thread cannot join itself).
// With no lock ever taken under another, the server cannot deadlock on its own locks.
//
// Lifetime: connections hold a shared_ptr to Impl; Impl holds only weak_ptrs to connections, so
// a closed connection is freed by its last pending operation, never by the server.
#pragma once

#include <array>
#include <asio.hpp>
#include <asio/ssl.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include "cairn/net/server.hpp"

namespace cairn::net {

// The client address without its port ("127.0.0.1", "::1", "unix").
inline std::string_view address_of(std::string_view remote) {
  if (remote.starts_with('[')) return remote.substr(1, remote.find(']') - 1);
  std::size_t colon = remote.rfind(':');
  return colon == std::string_view::npos ? remote : remote.substr(0, colon);
}

// One connection as the server sees it while draining.
class ConnectionBase {
 public:
  virtual ~ConnectionBase() = default;
  // Closes the connection now if it is between requests; otherwise marks it to close after the
  // request in flight.
  virtual void drain() = 0;
  // Closes the connection now.
  virtual void close() = 0;
};

// Request counts and latencies for /metrics.
class Metrics {
 public:
  void record(const std::string& method, const std::string& route, int status,
              std::chrono::microseconds latency);
  std::string text(uint64_t open_connections) const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1,    2.5};
  mutable std::mutex mu_;
  // Orders (method, route, status) keys held as strings or as string_views, so that counting
  // a request looks its key up without copying a string.
  struct KeyLess {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      return std::tuple<std::string_view, std::string_view, int>(std::get<0>(a), std::get<1>(a),
                                                                 std::get<2>(a)) <
             std::tuple<std::string_view, std::string_view, int>(std::get<0>(b), std::get<1>(b),
                                                                 std::get<2>(b));
    }
  };
  std::map<std::tuple<std::string, std::string, int>, uint64_t, KeyLess> requests_;
  std::array<uint64_t, kBuckets.size()> bucket_counts_{};
  uint64_t latency_count_ = 0;
  double latency_sum_ = 0;
};

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  Impl(Router r, ServerOptions o) : router(std::move(r)), options(std::move(o)) {}

  // Runs middleware, CORS, /health, /metrics and the router for `req`; fills `res`. With
  // `admitted`, the request already went through admit() and the middleware does not run again.
  void handle(Request& req, Response& res, bool admitted = false);
  void handle_unguarded(Request& req, Response& res, bool admitted);
  // For a request whose body is streamed (RouteOptions::stream_body), once its headers are in:
  // routes it and runs the middleware. False when the middleware refused it (or threw), with
  // `res` filled (CORS headers included); the body is then never read.
  bool admit(Request& req, Response& res);
  // The body limit for a request line (route option or server limit).
  std::size_t body_limit(const RouteOptions* route) const;
  void log(std::string_view line) const {
    if (options.access_log) options.access_log(line);
  }
  void add_connection(const std::shared_ptr<ConnectionBase>& c);
  void remove_connection(ConnectionBase* c);
  bool draining() const { return draining_.load(); }

  Router router;
  ServerOptions options;
  std::vector<Middleware> middleware;
  asio::io_context io;
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> tcp_acceptors;
  std::vector<std::unique_ptr<asio::local::stream_protocol::acceptor>> unix_acceptors;
  std::vector<std::string> endpoints;
  std::vector<uint16_t> ports;
  std::vector<std::string> unix_paths;
  std::vector<std::shared_ptr<asio::ssl::context>> tls_contexts;  // per TLS listener
  std::vector<bool> listener_is_tls;
  // Acceptors live on this strand: their handlers and stop()'s close never run at once.
  asio::strand<asio::io_context::executor_type> accept_strand{asio::make_strand(io)};
  std::vector<std::thread> threads;
  // Whether the server runs on one thread (start(1)); only that thread, and after it the
  // stopper, ever runs the io_context's handlers.
  bool one_thread = false;
  // What a new connection's steps run on: its own strand, so that they never run at once on
  // two threads; with one thread the io_context itself, which already runs one at a time
  // (a strand would only add a lock and a queue to every step).
  asio::any_io_executor connection_executor() {
    if (one_thread) return io.get_executor();
    return asio::make_strand(io);
  }
  std::unique_ptr<asio::signal_set> signals;
  std::mutex state_mu;
  std::condition_variable stopped_cv;
  bool started = false;
  bool stopping = false;  // stop() has begun
  bool finished = false;  // stop() has completed
  std::thread stopper;    // runs stop() when it was asked for on a server thread

  // Graceful stop, as Server::stop documents; must not run on a server thread.
  static void stop(const std::shared_ptr<Impl>& impl, std::chrono::milliseconds drain);
  // stop() from anywhere: on a server thread (a handler, the signal handler) it is handed to
  // `stopper` and returns at once.
  static void request_stop(const std::shared_ptr<Impl>& impl, std::chrono::milliseconds drain);
  std::atomic<bool> draining_{false};

  std::mutex connections_mu;
  std::map<ConnectionBase*, std::weak_ptr<ConnectionBase>> connections;

  // Counts a new TCP connection from `address` unless it already has
  // limits.max_connections_per_address open; false when refused. Addresses in
  // limits.unlimited_addresses are admitted without counting (`counted` false).
  bool admit_address(const std::string& address, bool& counted);
  void release_address(std::string_view address);
  std::mutex addresses_mu;
  std::map<std::string, std::size_t, std::less<>> open_per_address;

  Metrics metrics;
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> open_connections{0};
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> refused{0};
};

// Starts serving one accepted plain TCP, TLS or unix connection.
// TCP and TLS connections were admitted by admit_address(`admitted_address`) (or "" when not
// counted) and release that place when they close.
void serve_tcp(const std::shared_ptr<Server::Impl>& server, asio::ip::tcp::socket socket,
               const std::string& admitted_address);
void serve_tls(const std::shared_ptr<Server::Impl>& server, asio::ip::tcp::socket socket,
               const std::shared_ptr<asio::ssl::context>& tls, const std::string& admitted_address);
void serve_unix(const std::shared_ptr<Server::Impl>& server,
                asio::local::stream_protocol::socket socket);
// Answers a connection over the limit with 503 and closes it.
void refuse_connection(const std::shared_ptr<Server::Impl>& server, asio::ip::tcp::socket socket);

}  // namespace cairn::net
