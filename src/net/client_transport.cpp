// HttpClient's transports. Every asynchronous operation here is started, then the io_context runs
// until it completes or its deadline passes (run_until); at the deadline the socket is closed,
// which completes the operation with operation_aborted before the function returns, so no handler
// outlives the stack frame it captured by reference.
#include "net/internal/client_transport.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <poll.h>

#include <array>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "cairn/core/error.hpp"

namespace cairn::net::internal {
namespace {

using TlsStream = asio::ssl::stream<asio::ip::tcp::socket>;

template <class Stream>
class StreamTransport final : public Transport {
 public:
  template <class... Args>
  explicit StreamTransport(Args&&... args) : stream_(std::forward<Args>(args)...) {}
  ~StreamTransport() override { close(); }
  StreamTransport(const StreamTransport&) = delete;
  StreamTransport& operator=(const StreamTransport&) = delete;

  Stream& stream() { return stream_; }
  auto& socket() {
    if constexpr (kTls) {
      return stream_.next_layer();
    } else {
      return stream_;
    }
  }

  void async_write(asio::const_buffer data, IoHandler handler) override {
    asio::async_write(stream_, data, std::move(handler));
  }
  void async_read_some(asio::mutable_buffer data, IoHandler handler) override {
    stream_.async_read_some(data, std::move(handler));
  }
  void close() noexcept override {
    asio::error_code ignored;
    socket().close(ignored);
  }
  void cancel() noexcept override {
    asio::error_code ignored;
    socket().cancel(ignored);
  }
  int native_handle() override { return socket().native_handle(); }

 private:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;
  Stream stream_;
};

Unexpected<Error> connect_failed(const Url& url, const std::string& why) {
  return fail(ErrorCode::kUnavailable, "NET_CONNECT_FAILED",
              "cannot connect to " + url.display + ": " + why);
}

Result<std::unique_ptr<Transport>> open_unix(asio::io_context& io, const Url& url,
                                             const ClientOptions& options,
                                             Clock::time_point deadline) {
  using Socket = asio::local::stream_protocol::socket;
  auto c = std::make_unique<StreamTransport<Socket>>(io);
  bool done = false;
  asio::error_code result;
  c->socket().async_connect(asio::local::stream_protocol::endpoint(url.socket_path),
                            [&](const asio::error_code& ec) {
                              result = ec;
                              done = true;
                            });
  if (!run_until(io, done, deadline, [&] { c->close(); })) {
    return timed_out("connecting to " + url.display, options.connect_timeout);
  }
  if (result) return connect_failed(url, result.message());
  return std::unique_ptr<Transport>(std::move(c));
}

Result<std::unique_ptr<Transport>> open_tcp(asio::io_context& io, asio::ssl::context* tls,
                                            const Url& url, const ClientOptions& options,
                                            Clock::time_point deadline) {
  using asio::ip::tcp;
  // An IP literal needs no resolver; a name goes through getaddrinfo (see client.hpp).
  std::vector<tcp::endpoint> endpoints;
  asio::error_code ec;
  asio::ip::address literal = asio::ip::make_address(url.host, ec);
  bool is_ip = !ec;
  if (is_ip) {
    endpoints.emplace_back(literal, url.port);
  } else {
    tcp::resolver resolver(io);
    bool done = false;
    asio::error_code result;
    resolver.async_resolve(url.host, std::to_string(url.port),
                           [&](const asio::error_code& e, const tcp::resolver::results_type& r) {
                             result = e;
                             for (const auto& entry : r) endpoints.push_back(entry.endpoint());
                             done = true;
                           });
    if (!run_until(io, done, deadline, [&] { resolver.cancel(); })) {
      return timed_out("resolving " + url.host, options.connect_timeout);
    }
    if (result) return connect_failed(url, result.message());
    if (endpoints.empty()) return connect_failed(url, "the name has no address");
  }

  std::unique_ptr<Transport> c;
  tcp::socket* socket = nullptr;
  TlsStream* tls_stream = nullptr;
  if (url.scheme == Scheme::kHttps) {
    auto t = std::make_unique<StreamTransport<TlsStream>>(io, *tls);
    socket = &t->socket();
    tls_stream = &t->stream();
    c = std::move(t);
  } else {
    auto t = std::make_unique<StreamTransport<tcp::socket>>(io);
    socket = &t->socket();
    c = std::move(t);
  }
  bool done = false;
  asio::error_code result;
  asio::async_connect(*socket, endpoints,
                      [&](const asio::error_code& e, const tcp::endpoint& /*chosen*/) {
                        result = e;
                        done = true;
                      });
  if (!run_until(io, done, deadline, [&] { c->close(); })) {
    return timed_out("connecting to " + url.display, options.connect_timeout);
  }
  if (result) return connect_failed(url, result.message());
  socket->set_option(tcp::no_delay(true), ec);

  if (tls_stream != nullptr) {
    SSL* ssl = tls_stream->native_handle();
    auto tls_failed = [&](const std::string& why) {
      return fail(ErrorCode::kUnavailable, "NET_TLS_FAILED",
                  "TLS with " + url.display + " failed: " + why);
    };
    // SNI for names (RFC 6066 forbids IP literals there); the certificate must name the host.
    if (!is_ip && SSL_set_tlsext_host_name(ssl, url.host.c_str()) != 1) {
      return tls_failed("cannot set the server name");
    }
    if (options.verify_peer) {
      int set = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), url.host.c_str())
                      : SSL_set1_host(ssl, url.host.c_str());
      if (set != 1) return tls_failed("cannot set the host name to verify");
    }
    done = false;
    tls_stream->async_handshake(asio::ssl::stream_base::client, [&](const asio::error_code& e) {
      result = e;
      done = true;
    });
    if (!run_until(io, done, deadline, [&] { c->close(); })) {
      return timed_out("the TLS handshake with " + url.display, options.connect_timeout);
    }
    if (result) {
      long verify = SSL_get_verify_result(ssl);
      if (options.verify_peer && verify != X509_V_OK) {
        return tls_failed(std::string("certificate verification: ") +
                          X509_verify_cert_error_string(verify));
      }
      return tls_failed(result.message());
    }
  }
  return c;
}

// Loads ClientOptions::certificate_file and private_key_file into `context`, when given.
Status use_client_certificate(asio::ssl::context& context, const ClientOptions& options) {
  auto invalid = [](const std::string& why) {
    ERR_clear_error();
    return fail(ErrorCode::kInvalidArgument, "NET_TLS_CONFIG_INVALID", why);
  };
  if (options.certificate_file.empty() && options.private_key_file.empty()) return ok_status();
  if (options.certificate_file.empty() || options.private_key_file.empty()) {
    return invalid("a client certificate needs both certificate_file and private_key_file");
  }
  asio::error_code ec;
  context.use_certificate_chain_file(options.certificate_file, ec);
  if (ec) {
    return invalid("cannot use the client certificate " + options.certificate_file + ": " +
                   ec.message());
  }
  context.use_private_key_file(options.private_key_file, asio::ssl::context::pem, ec);
  if (ec) {
    return invalid("cannot use the client private key " + options.private_key_file + ": " +
                   ec.message());
  }
  // As on the server: a key of another type than the certificate is taken without complaint
  // and would fail every handshake.
  if (SSL_CTX_check_private_key(context.native_handle()) != 1) {
    return invalid("the client private key does not belong to the client certificate");
  }
  return ok_status();
}

}  // namespace

bool run_until(asio::io_context& io, const bool& done, Clock::time_point deadline,
               const std::function<void()>& cancel) {
  io.restart();
  while (!done && Clock::now() < deadline) {
    io.run_one_until(deadline);
    if (io.stopped()) break;  // no work left: the operation has completed
  }
  if (done) return true;
  cancel();
  io.restart();
  io.run();
  return false;
}

Unexpected<Error> timed_out(std::string_view what, std::chrono::milliseconds limit) {
  return fail(ErrorCode::kDeadlineExceeded, "NET_TIMEOUT",
              std::string(what) + " took longer than " + std::to_string(limit.count()) + " ms");
}

Result<std::unique_ptr<asio::ssl::context>> make_tls_context(const ClientOptions& options) {
  auto context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  asio::error_code ec;
  if (SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION) != 1) {
    ec = asio::error::operation_not_supported;
  }
  if (!ec) {
    context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                             asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                             asio::ssl::context::no_tlsv1_1,
                         ec);
  }
  const std::string& ca_file = options.ca_file;
  bool verify = options.verify_peer;
  if (!ec) context->set_verify_mode(verify ? asio::ssl::verify_peer : asio::ssl::verify_none, ec);
  if (!ec && verify && ca_file.empty()) context->set_default_verify_paths(ec);
  if (!ec && verify && !ca_file.empty()) context->load_verify_file(ca_file, ec);
  if (ec) {
    return fail(ErrorCode::kInvalidArgument, "NET_TLS_CONFIG_INVALID",
                (ca_file.empty() ? std::string("cannot set up TLS: ")
                                 : "cannot use the CA file " + ca_file + ": ") +
                    ec.message());
  }
  CAIRN_TRY(use_client_certificate(*context, options));
  return context;
}

Result<std::unique_ptr<Transport>> open_transport(asio::io_context& io, asio::ssl::context* tls,
                                                  const Url& url, const ClientOptions& options,
                                                  Clock::time_point deadline) {
  if (url.scheme == Scheme::kUnix) return open_unix(io, url, options, deadline);
  return open_tcp(io, tls, url, options, deadline);
}

// Nothing to read means yes. On plain connections anything readable (a FIN, a reset, stray
// bytes) means the server is done with it. TLS 1.3 servers send session tickets after the
// handshake, often only after the first response, so on TLS what has arrived is handed to OpenSSL
// first: the connection is usable when that leaves OpenSSL waiting for more, and not when it
// yields data, a close_notify or an EOF.
bool still_open(asio::io_context& io, Transport& transport, bool tls) {
  pollfd pfd{};
  pfd.fd = transport.native_handle();
  pfd.events = POLLIN;
  if (::poll(&pfd, 1, 0) == 0) return true;
  if (!tls || (pfd.revents & (POLLERR | POLLHUP)) != 0) return false;
  std::array<char, 1> probe{};
  bool done = false;
  asio::error_code result;
  transport.async_read_some(asio::buffer(probe), [&](const asio::error_code& ec, std::size_t) {
    result = ec;
    done = true;
  });
  io.restart();
  for (int i = 0; i < 4 && !done; ++i) io.poll();  // runs only what is ready: never blocks
  if (done) return false;
  transport.cancel();
  io.restart();
  io.run();
  return result == asio::error::operation_aborted;
}

}  // namespace cairn::net::internal
