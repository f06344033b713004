// Server lifecycle: listeners, admission of connections, threads and graceful drain. What happens
// to a request is in dispatch.cpp; the /metrics text in metrics.cpp.
#include "cairn/net/server.hpp"

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>

#include "core/internal/private_files.hpp"
#include "net/internal/server_impl.hpp"

namespace cairn::net {
namespace {

Unexpected<Error> listen_failed(const std::string& where, const asio::error_code& ec) {
  return fail(ErrorCode::kUnavailable, "NET_LISTEN_FAILED",
              "cannot listen on " + where + ": " + ec.message());
}

// Whether the unix socket file `path` is stale: nothing listens on it (the connection is
// refused). Any other answer, including a full backlog or no permission, counts as alive.
bool unix_socket_stale(const std::string& path) {
  asio::io_context io;
  asio::local::stream_protocol::socket probe(io);
  asio::error_code ec;
  probe.connect(asio::local::stream_protocol::endpoint(path), ec);
  return ec == asio::error::connection_refused;
}

// Asks clients for certificates and verifies them against tls.client_ca_file, when set.
Status configure_client_certificates(asio::ssl::context& context, const TlsOptions& tls) {
  auto invalid = [](const std::string& why) {
    ERR_clear_error();
    return fail(ErrorCode::kInvalidArgument, "NET_TLS_CONFIG_INVALID", why);
  };
  if (tls.client_ca_file.empty()) {
    if (tls.require_client_certificate) {
      return invalid("require_client_certificate needs a client_ca_file to verify against");
    }
    return ok_status();
  }
  SSL_CTX* ctx = context.native_handle();
  const char* file = tls.client_ca_file.c_str();
  // The trust anchors for verifying, and the same names sent in the CertificateRequest so that a
  // client holding several certificates picks one these CAs issued.
  if (SSL_CTX_load_verify_locations(ctx, file, nullptr) != 1) {
    return invalid("cannot use the client CA file " + tls.client_ca_file);
  }
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(file);
  if (names == nullptr) {
    return invalid("the client CA file " + tls.client_ca_file + " holds no PEM certificate");
  }
  SSL_CTX_set_client_CA_list(ctx, names);  // takes ownership
  int mode = SSL_VERIFY_PEER;
  if (tls.require_client_certificate) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  SSL_CTX_set_verify(ctx, mode, nullptr);
  // OpenSSL refuses to resume a session on a verifying server without a session ID context
  // (SSL_R_SESSION_ID_CONTEXT_UNINITIALIZED); resumed sessions keep their verified certificate.
  static constexpr unsigned char kSessionContext[] = "cairn-net";
  SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof kSessionContext - 1);
  return ok_status();
}

}  // namespace

// ---- Server

Server::Server(Router router, ServerOptions options)
    : impl_(std::make_shared<Impl>(std::move(router), std::move(options))) {}

Server::~Server() {
  Impl::stop(impl_, std::chrono::milliseconds(0));
  if (impl_->stopper.joinable()) impl_->stopper.join();
}

void Server::use(Middleware middleware) { impl_->middleware.push_back(std::move(middleware)); }

namespace {

template <class Acceptor, class Serve>
void accept_loop(const std::shared_ptr<Server::Impl>& server, Acceptor& acceptor, Serve serve) {
  acceptor.async_accept(
      server->connection_executor(),
      [server, &acceptor, serve](const asio::error_code& ec, auto socket) mutable {
        if (ec == asio::error::operation_aborted || server->draining()) return;
        if (!ec || ec == asio::error::connection_aborted) {
          if (!ec) serve(server, std::move(socket));
          return accept_loop(server, acceptor, serve);
        }
        // Out of file descriptors, or similar: accepting again at once would spin. Back off.
        server->log(R"({"event":"accept_failed","error":)" + json_quote(ec.message()) + "}");
        auto timer = std::make_shared<asio::steady_timer>(server->accept_strand,
                                                          std::chrono::milliseconds(100));
        timer->async_wait([server, &acceptor, serve, timer](const asio::error_code& wait_ec) {
          if (!wait_ec && !server->draining()) accept_loop(server, acceptor, serve);
        });
      });
}

}  // namespace

Status Server::listen_tcp(std::string_view host, uint16_t port) {
  asio::error_code ec;
  asio::ip::address address = asio::ip::make_address(std::string(host), ec);
  if (ec) {
    return fail(ErrorCode::kInvalidArgument, "NET_ADDRESS_INVALID",
                "not an IP address: " + std::string(host));
  }
  asio::ip::tcp::endpoint endpoint(address, port);
  auto acceptor = std::make_unique<asio::ip::tcp::acceptor>(impl_->accept_strand);
  std::string where = (address.is_v6() ? "[" + address.to_string() + "]" : address.to_string()) +
                      ":" + std::to_string(port);
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec && address.is_v6()) acceptor->set_option(asio::ip::v6_only(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return listen_failed(where, ec);
  uint16_t bound = acceptor->local_endpoint().port();
  std::string name = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  impl_->endpoints.push_back(name + ":" + std::to_string(bound));
  impl_->ports.push_back(bound);
  impl_->listener_is_tls.push_back(false);
  impl_->tls_contexts.push_back(nullptr);
  impl_->tcp_acceptors.push_back(std::move(acceptor));
  return ok_status();
}

Status Server::listen_tls(std::string_view host, uint16_t port, const TlsOptions& tls) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  asio::error_code ec;
  context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                           asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                           asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use,
                       ec);
  if (!ec) context->use_certificate_chain_file(tls.certificate_file, ec);
  if (!ec) context->use_private_key_file(tls.private_key_file, asio::ssl::context::pem, ec);
  if (ec) {
    return fail(ErrorCode::kInvalidArgument, "NET_TLS_CONFIG_INVALID",
                "cannot use the TLS certificate and key: " + ec.message());
  }
  // OpenSSL checks a key against the certificate only when both are of one type: an RSA key
  // beside an ECDSA certificate is taken, and every handshake would then fail.
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    ERR_clear_error();
    return fail(ErrorCode::kInvalidArgument, "NET_TLS_CONFIG_INVALID",
                "the TLS private key does not belong to the certificate");
  }
  CAIRN_TRY(configure_client_certificates(*context, tls));
  CAIRN_TRY(listen_tcp(host, port));
  impl_->listener_is_tls.back() = true;
  impl_->tls_contexts.back() = std::move(context);
  return ok_status();
}

Status Server::listen_unix(const std::string& path) {
  if (path.empty() || path.size() >= sizeof(sockaddr_un::sun_path)) {
    return fail(ErrorCode::kInvalidArgument, "NET_SOCKET_PATH_INVALID",
                "a unix socket path is 1 to " + std::to_string(sizeof(sockaddr_un::sun_path) - 1) +
                    " bytes");
  }
  std::filesystem::path p(path);
  if (p.has_parent_path()) {
    if (int err = cairn::internal::make_private_directories(p.parent_path()); err != 0) {
      return fail(ErrorCode::kUnavailable, "NET_LISTEN_FAILED",
                  "cannot create the socket's directory: " + std::system_category().message(err));
    }
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return fail(ErrorCode::kFailedPrecondition, "NET_SOCKET_PATH_INVALID",
                  path + " exists and is not a socket");
    }
    if (!unix_socket_stale(path)) {
      return fail(ErrorCode::kFailedPrecondition, "NET_SOCKET_IN_USE",
                  "a live server listens on " + path);
    }
    ::unlink(path.c_str());  // stale: its server is gone
  }
  auto acceptor = std::make_unique<asio::local::stream_protocol::acceptor>(impl_->accept_strand);
  asio::error_code ec;
  asio::local::stream_protocol::endpoint endpoint(path);
  acceptor->open(endpoint.protocol(), ec);
  // Bind with a umask that leaves the socket 0600 from the first moment it exists.
  mode_t old_mask = ::umask(0177);
  if (!ec) acceptor->bind(endpoint, ec);
  ::umask(old_mask);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return listen_failed(path, ec);
  ::chmod(path.c_str(), 0600);
  impl_->endpoints.push_back("unix:" + path);
  impl_->ports.push_back(0);
  impl_->unix_paths.push_back(path);
  impl_->unix_acceptors.push_back(std::move(acceptor));
  return ok_status();
}

bool Server::Impl::admit_address(const std::string& address, bool& counted) {
  counted = false;
  const auto& unlimited = options.limits.unlimited_addresses;
  if (std::find(unlimited.begin(), unlimited.end(), address) != unlimited.end()) return true;
  counted = true;
  std::lock_guard lock(addresses_mu);
  std::size_t& open = open_per_address[address];
  if (open >= options.limits.max_connections_per_address) {
    if (open == 0) open_per_address.erase(address);
    counted = false;
    return false;
  }
  ++open;
  return true;
}

void Server::Impl::release_address(std::string_view address) {
  std::lock_guard lock(addresses_mu);
  auto it = open_per_address.find(address);
  if (it == open_per_address.end()) return;
  if (--it->second == 0) open_per_address.erase(it);
}

std::size_t derived_max_connections() {
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) != 0 || files.rlim_cur == RLIM_INFINITY) return 10000;
  // Each connection holds one descriptor; keep some for the database, logs, backups and mail.
  constexpr rlim_t kReserved = 64;
  if (files.rlim_cur <= kReserved * 2) return static_cast<std::size_t>(files.rlim_cur / 2);
  return static_cast<std::size_t>(std::min<rlim_t>(files.rlim_cur - kReserved, 100000));
}

std::vector<std::string> Server::endpoints() const { return impl_->endpoints; }

uint16_t Server::port(std::size_t index) const {
  return index < impl_->ports.size() ? impl_->ports[index] : 0;
}

Status Server::start(unsigned threads) {
  std::lock_guard lock(impl_->state_mu);
  if (impl_->started || impl_->stopping ||
      (impl_->tcp_acceptors.empty() && impl_->unix_acceptors.empty())) {
    return fail(ErrorCode::kFailedPrecondition, "NET_SERVER_STATE",
                impl_->started || impl_->stopping ? "the server was started already"
                                                  : "the server has no listener");
  }
  impl_->started = true;
  std::shared_ptr<Impl> impl = impl_;
  if (threads == 0) threads = std::max(1U, std::thread::hardware_concurrency());
  impl->one_thread = threads == 1;
  std::size_t limit = impl->options.limits.max_connections;
  if (limit == 0) limit = derived_max_connections();
  for (std::size_t i = 0; i < impl->tcp_acceptors.size(); ++i) {
    std::shared_ptr<asio::ssl::context> tls = impl->tls_contexts[i];
    accept_loop(impl, *impl->tcp_acceptors[i],
                [tls, limit](const std::shared_ptr<Impl>& s, asio::ip::tcp::socket socket) {
                  // The peer's address is read once: the place taken here is given back
                  // under the same string when the connection closes.
                  asio::error_code ec;
                  auto peer = socket.remote_endpoint(ec);
                  std::string address = ec ? std::string("unknown") : peer.address().to_string();
                  bool counted = false;
                  if (s->open_connections.load() >= limit || !s->admit_address(address, counted)) {
                    refuse_connection(s, std::move(socket));
                    return;
                  }
                  if (!counted) address.clear();
                  if (tls) {
                    serve_tls(s, std::move(socket), tls, address);
                  } else {
                    serve_tcp(s, std::move(socket), address);
                  }
                });
  }
  for (auto& acceptor : impl->unix_acceptors) {
    accept_loop(impl, *acceptor,
                [](const std::shared_ptr<Impl>& s, asio::local::stream_protocol::socket socket) {
                  serve_unix(s, std::move(socket));
                });
  }
  for (unsigned i = 0; i < threads; ++i) {
    impl->threads.emplace_back([impl] {
      asio::executor_work_guard<asio::io_context::executor_type> guard(impl->io.get_executor());
      (void)guard;
      impl->io.run();
    });
  }
  return ok_status();
}

void Server::Impl::request_stop(const std::shared_ptr<Impl>& impl,
                                std::chrono::milliseconds drain) {
  if (impl->io.get_executor().running_in_this_thread()) {
    std::lock_guard lock(impl->state_mu);
    if (impl->stopping || impl->stopper.joinable()) return;
    impl->draining_.store(true);  // at once, so the handler asking already gets Connection: close
    impl->stopper = std::thread([impl, drain] { stop(impl, drain); });
    return;
  }
  stop(impl, drain);
}

void Server::Impl::stop(const std::shared_ptr<Impl>& impl, std::chrono::milliseconds drain) {
  {
    std::unique_lock lock(impl->state_mu);
    if (impl->stopping) {  // another thread is stopping it: wait for that to finish
      impl->stopped_cv.wait(lock, [&] { return impl->finished; });
      return;
    }
    impl->stopping = true;
  }
  impl->draining_.store(true);
  bool running = !impl->threads.empty();
  if (running) {
    asio::post(impl->accept_strand, [impl] {
      asio::error_code ec;
      for (auto& a : impl->tcp_acceptors) a->close(ec);
      for (auto& a : impl->unix_acceptors) a->close(ec);
    });
    std::vector<std::shared_ptr<ConnectionBase>> live;
    {
      std::lock_guard lock(impl->connections_mu);
      for (auto& [ptr, weak] : impl->connections) {
        if (auto c = weak.lock()) live.push_back(std::move(c));
      }
    }
    for (auto& c : live) c->drain();
    auto deadline = std::chrono::steady_clock::now() + drain;
    while (impl->open_connections.load() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    impl->io.stop();
    for (std::thread& t : impl->threads) t.join();
    impl->threads.clear();
  }
  // No server thread runs now: close what is left here, then let the aborted operations finish
  // so that they release the connections and the server state they hold.
  impl->signals.reset();
  asio::error_code ignored;
  for (auto& a : impl->tcp_acceptors) a->close(ignored);
  for (auto& a : impl->unix_acceptors) a->close(ignored);
  std::vector<std::shared_ptr<ConnectionBase>> left;
  {
    std::lock_guard lock(impl->connections_mu);
    for (auto& [ptr, weak] : impl->connections) {
      if (auto c = weak.lock()) left.push_back(std::move(c));
    }
  }
  for (auto& c : left) c->close();
  left.clear();
  impl->io.restart();
  impl->io.run_for(std::chrono::seconds(2));
  for (const std::string& path : impl->unix_paths) ::unlink(path.c_str());
  {
    std::lock_guard lock(impl->state_mu);
    impl->started = false;
    impl->finished = true;
  }
  impl->stopped_cv.notify_all();
}

void Server::stop(std::chrono::milliseconds drain) { Impl::request_stop(impl_, drain); }

void Server::stop_on_signals() {
  impl_->signals = std::make_unique<asio::signal_set>(impl_->io, SIGTERM, SIGINT);
  std::weak_ptr<Impl> weak = impl_;
  impl_->signals->async_wait([weak](const asio::error_code& ec, int) {
    if (ec) return;
    if (auto impl = weak.lock()) Impl::request_stop(impl, std::chrono::seconds(10));
  });
}

void Server::wait() {
  std::unique_lock lock(impl_->state_mu);
  impl_->stopped_cv.wait(lock, [&] { return impl_->finished; });
}

ServerStats Server::stats() const {
  ServerStats s;
  s.requests = impl_->requests.load();
  s.open_connections = impl_->open_connections.load();
  s.accepted_connections = impl_->accepted.load();
  s.refused_requests = impl_->refused.load();
  return s;
}

std::string Server::metrics_text() const {
  return impl_->metrics.text(impl_->open_connections.load());
}

}  // namespace cairn::net
