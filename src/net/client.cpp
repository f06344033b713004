// HttpClient: synchronous calls made of asynchronous Asio operations on a private io_context, so
// that every step is bounded. Each operation is started, the io_context runs until it completes
// or its deadline passes, and at the deadline the socket is closed, which completes the operation
// with operation_aborted before the call returns (no handler outlives the stack it points into).
#include "cairn/net/client.hpp"

#include <http_parser.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <poll.h>
#include <sys/un.h>

#include <algorithm>
#include <array>
#include <asio.hpp>
#include <asio/ssl.hpp>
#include <cassert>
#include <charconv>
#include <functional>
#include <nlohmann/json.hpp>
#include <system_error>
#include <utility>
#include <vector>

#include "cairn/version.h"

namespace cairn::net {
namespace {

using Clock = std::chrono::steady_clock;
using IoHandler = std::function<void(const asio::error_code&, std::size_t)>;

// ---- URLs

enum class Scheme { kHttp, kHttps, kUnix };

struct Url {
  Scheme scheme = Scheme::kHttp;
  std::string host;  // a name or an IP address, without brackets; empty for unix:
  uint16_t port = 0;
  std::string socket_path;  // unix: only
  std::string host_header;  // "example.com", "127.0.0.1:8080", "[::1]:8080", "localhost"
  std::string display;      // for messages: the URL without anything after the authority
};

Unexpected<Error> url_invalid(std::string_view why) {
  return fail(ErrorCode::kInvalidArgument, "NET_URL_INVALID",
              "not a usable URL: " + std::string(why));
}

bool is_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

Result<Url> parse_url(std::string_view text) {
  Url url;
  auto has_prefix = [&](std::string_view prefix) {
    return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
  };
  if (has_prefix("unix:")) {
    std::string_view path = text.substr(5);
    if (path.starts_with("///")) path.remove_prefix(2);  // unix:///run/x.sock
    if (path.empty() || path.find('\0') != std::string_view::npos ||
        path.size() >= sizeof(sockaddr_un::sun_path)) {
      return url_invalid("a unix socket path is 1 to " +
                         std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes");
    }
    url.scheme = Scheme::kUnix;
    url.socket_path = std::string(path);
    url.host_header = "localhost";
    url.display = "unix:" + url.socket_path;
    return url;
  }
  std::string_view rest;
  uint16_t default_port = 0;
  if (has_prefix("http://")) {
    url.scheme = Scheme::kHttp;
    rest = text.substr(7);
    default_port = 80;
  } else if (has_prefix("https://")) {
    url.scheme = Scheme::kHttps;
    rest = text.substr(8);
    default_port = 443;
  } else {
    return url_invalid("the scheme must be http://, https:// or unix:");
  }
  std::size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view after = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  if (!after.empty() && after != "/") {
    return url_invalid("only a scheme, a host and a port; requests name their own paths");
  }
  // Not echoed: user information may be a password.
  if (authority.find('@') != std::string_view::npos) {
    return url_invalid("user information (user:password@) is not supported");
  }
  std::string_view host;
  std::string_view port_text;
  bool bracketed = false;
  if (authority.starts_with('[')) {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return url_invalid("an IPv6 address without its ']'");
    host = authority.substr(1, close - 1);
    std::string_view tail = authority.substr(close + 1);
    if (!tail.empty() && !tail.starts_with(':')) return url_invalid("text after the IPv6 address");
    if (!tail.empty()) port_text = tail.substr(1);
    asio::error_code ec;
    asio::ip::make_address_v6(std::string(host), ec);
    if (ec) return url_invalid("not an IPv6 address: " + std::string(host));
    bracketed = true;
  } else {
    std::size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    if (host.empty() || !std::all_of(host.begin(), host.end(), is_host_char)) {
      return url_invalid(
          "the host must be a DNS name, an IPv4 address or a bracketed IPv6 address");
    }
  }
  url.port = default_port;
  bool explicit_port =
      authority.find(':', bracketed ? authority.find(']') : 0) != std::string_view::npos;
  if (explicit_port) {
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (port_text.empty() || port_text.size() > 5 || ec != std::errc() ||
        ptr != port_text.data() + port_text.size() || value == 0 || value > 65535) {
      return url_invalid("the port must be 1 to 65535");
    }
    url.port = static_cast<uint16_t>(value);
  }
  url.host = std::string(host);
  std::string shown = bracketed ? "[" + url.host + "]" : url.host;
  url.host_header = url.port == default_port ? shown : shown + ":" + std::to_string(url.port);
  url.display = (url.scheme == Scheme::kHttps ? "https://" : "http://") + shown + ":" +
                std::to_string(url.port);
  return url;
}

// ---- Requests

bool is_token_char(char c) {
  static constexpr std::string_view kExtra = "!#$%&'*+-.^_`|~";
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         kExtra.find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_token_char);
}

Unexpected<Error> request_invalid(std::string message) {
  return fail(ErrorCode::kInvalidArgument, "NET_REQUEST_INVALID", std::move(message));
}

bool idempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
         method == "OPTIONS";
}

// The bytes of a request, or why it cannot be sent.
Result<std::string> serialize_request(const Url& url, std::string_view method,
                                      std::string_view target, const Headers& headers,
                                      std::string_view body) {
  if (!is_token(method)) return request_invalid("the method is not an HTTP token");
  bool target_ok = (target.starts_with('/') || (target == "*" && method == "OPTIONS")) &&
                   std::none_of(target.begin(), target.end(), [](char c) {
                     auto u = static_cast<unsigned char>(c);
                     return u <= 0x20 || u == 0x7f;
                   });
  if (!target_ok) {
    return request_invalid(
        "the target must start with '/' and have no spaces or control characters");
  }
  std::string out;
  out.reserve(256 + body.size());
  out.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
  if (!headers.contains("Host")) out.append("Host: ").append(url.host_header).append("\r\n");
  if (!headers.contains("User-Agent")) out.append("User-Agent: cairn/" CAIRN_VERSION_STRING "\r\n");
  for (const auto& [name, value] : headers.fields()) {
    if (!is_token(name)) return request_invalid("a header name is not an HTTP token");
    if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      return request_invalid("the value of header " + name + " has CR, LF or NUL");
    }
    if (iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding")) continue;
    out.append(name).append(": ").append(value).append("\r\n");
  }
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  }
  out.append("\r\n").append(body);
  return out;
}

// ---- Connections

// One open connection, whatever carries it.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual void async_write(asio::const_buffer data, IoHandler handler) = 0;
  virtual void async_read_some(asio::mutable_buffer data, IoHandler handler) = 0;
  // Closes the socket; a pending operation completes with operation_aborted.
  virtual void close() noexcept = 0;
  // Cancels a pending operation (it completes with operation_aborted); the connection stays open.
  virtual void cancel() noexcept = 0;
  virtual int native_handle() = 0;
};

template <class Stream>
class StreamConnection final : public Connection {
 public:
  template <class... Args>
  explicit StreamConnection(Args&&... args) : stream_(std::forward<Args>(args)...) {}
  ~StreamConnection() override { close(); }
  StreamConnection(const StreamConnection&) = delete;
  StreamConnection& operator=(const StreamConnection&) = delete;

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
  static constexpr bool kTls = std::is_same_v<Stream, asio::ssl::stream<asio::ip::tcp::socket>>;
  Stream stream_;
};

using TlsStream = asio::ssl::stream<asio::ip::tcp::socket>;

// Runs `io` until `done` is set or `deadline` passes. At the deadline calls `cancel` (which closes
// whatever the pending operation uses) and runs `io` until that operation has completed, so no
// handler is left pointing into the caller's stack. Returns whether `done` was reached in time.
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

Unexpected<Error> connection_lost(const std::string& message) {
  return fail(ErrorCode::kUnavailable, "NET_CONNECTION_LOST", message);
}

// What the response parser collects. http-parser calls back with pieces of the stream.
struct ResponseParse {
  ClientResponse response;
  std::size_t limit = 0;
  std::size_t bytes = 0;  // status line, header and body bytes counted against `limit`
  bool head = false;      // a response to HEAD has no body, whatever it says
  bool headers_done = false;
  bool in_value = false;
  std::string field;
  std::string value;
  bool complete = false;
  bool too_large = false;
  bool keep_alive = false;

  static ResponseParse* of(http_parser* p) { return static_cast<ResponseParse*>(p->data); }

  int count(std::size_t n) {
    bytes += n;
    if (bytes > limit) {
      too_large = true;
      return -1;
    }
    return 0;
  }
  void push_header() {
    if (!field.empty()) response.headers.add(std::move(field), std::move(value));
    field.clear();
    value.clear();
    in_value = false;
  }

  static int on_message_begin(http_parser* p) {
    ResponseParse* r = of(p);
    r->response = ClientResponse();
    r->headers_done = false;
    r->in_value = false;
    r->field.clear();
    r->value.clear();
    return 0;
  }
  static int on_status(http_parser* p, const char* /*at*/, std::size_t n) {
    return of(p)->count(n);
  }
  static int on_header_field(http_parser* p, const char* at, std::size_t n) {
    ResponseParse* r = of(p);
    if (r->headers_done) return r->count(n);  // a trailer of a chunked body: not kept
    if (r->in_value) r->push_header();
    r->field.append(at, n);
    return r->count(n);
  }
  static int on_header_value(http_parser* p, const char* at, std::size_t n) {
    ResponseParse* r = of(p);
    if (r->headers_done) return r->count(n);
    r->in_value = true;
    r->value.append(at, n);
    return r->count(n);
  }
  static int on_headers_complete(http_parser* p) {
    ResponseParse* r = of(p);
    r->push_header();
    r->headers_done = true;
    r->response.status = static_cast<int>(p->status_code);
    if ((p->flags & F_CONTENTLENGTH) != 0 && p->content_length > r->limit - r->bytes) {
      r->too_large = true;
      return -1;
    }
    // 1 tells http-parser that this response has no body.
    return r->head && p->status_code >= 200 ? 1 : 0;
  }
  static int on_body(http_parser* p, const char* at, std::size_t n) {
    ResponseParse* r = of(p);
    if (r->count(n) != 0) return -1;
    r->response.body.append(at, n);
    return 0;
  }
  static int on_message_complete(http_parser* p) {
    ResponseParse* r = of(p);
    if (p->status_code >= 100 && p->status_code < 200 && p->status_code != 101) {
      return 0;  // interim (100 Continue, 103 Early Hints): the real response follows
    }
    r->complete = true;
    r->keep_alive = http_should_keep_alive(p) != 0 && p->upgrade == 0;
    http_parser_pause(p, 1);  // anything after this response is not ours to parse
    return 0;
  }
};

const http_parser_settings& response_settings() {
  static const http_parser_settings settings = [] {
    http_parser_settings s{};
    http_parser_settings_init(&s);
    s.on_message_begin = &ResponseParse::on_message_begin;
    s.on_status = &ResponseParse::on_status;
    s.on_header_field = &ResponseParse::on_header_field;
    s.on_header_value = &ResponseParse::on_header_value;
    s.on_headers_complete = &ResponseParse::on_headers_complete;
    s.on_body = &ResponseParse::on_body;
    s.on_message_complete = &ResponseParse::on_message_complete;
    return s;
  }();
  return settings;
}

// How one attempt at a request ended.
struct Attempt {
  Result<ClientResponse> result = ClientResponse();
  bool keep_alive = false;
  // Failed before any response byte arrived (and not by timing out): may be sent again.
  bool retryable = false;
  bool write_failed = false;
};

}  // namespace

// ---- HttpClient

struct HttpClient::Impl {
  Url url;
  ClientOptions options;
  // Declared before the connection, which refers to both: destroyed after it.
  asio::io_context io{1};
  std::unique_ptr<asio::ssl::context> tls;
  std::unique_ptr<Connection> conn;
  std::size_t opened = 0;

  void close() noexcept { conn.reset(); }
  bool still_open();

  Status open(Clock::time_point deadline);
  Status open_unix(Clock::time_point deadline);
  Status open_tcp(Clock::time_point deadline);
  Attempt exchange(const std::string& wire, bool head, Clock::time_point deadline);
};

// Whether the kept connection can carry another request. Nothing to read means yes. On plain
// connections anything readable (a FIN, a reset, stray bytes) means the server is done with it.
// TLS 1.3 servers send session tickets after the handshake, often only after the first response,
// so on TLS what has arrived is handed to OpenSSL first: the connection is usable when that
// leaves OpenSSL waiting for more, and not when it yields data, a close_notify or an EOF.
bool HttpClient::Impl::still_open() {
  pollfd pfd{};
  pfd.fd = conn->native_handle();
  pfd.events = POLLIN;
  if (::poll(&pfd, 1, 0) == 0) return true;
  if (url.scheme != Scheme::kHttps || (pfd.revents & (POLLERR | POLLHUP)) != 0) return false;
  std::array<char, 1> probe{};
  bool done = false;
  asio::error_code result;
  conn->async_read_some(asio::buffer(probe), [&](const asio::error_code& ec, std::size_t) {
    result = ec;
    done = true;
  });
  io.restart();
  for (int i = 0; i < 4 && !done; ++i) io.poll();  // runs only what is ready: never blocks
  if (done) return false;
  conn->cancel();
  io.restart();
  io.run();
  return result == asio::error::operation_aborted;
}

Status HttpClient::Impl::open(Clock::time_point deadline) {
  close();
  Status s = url.scheme == Scheme::kUnix ? open_unix(deadline) : open_tcp(deadline);
  if (!s) {
    close();
    return s;
  }
  ++opened;
  return ok_status();
}

Status HttpClient::Impl::open_unix(Clock::time_point deadline) {
  using Socket = asio::local::stream_protocol::socket;
  auto c = std::make_unique<StreamConnection<Socket>>(io);
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
  if (result) {
    return fail(ErrorCode::kUnavailable, "NET_CONNECT_FAILED",
                "cannot connect to " + url.display + ": " + result.message());
  }
  conn = std::move(c);
  return ok_status();
}

Status HttpClient::Impl::open_tcp(Clock::time_point deadline) {
  using asio::ip::tcp;
  auto connect_failed = [&](const std::string& why) {
    return fail(ErrorCode::kUnavailable, "NET_CONNECT_FAILED",
                "cannot connect to " + url.display + ": " + why);
  };
  // An IP literal needs no resolver; a name goes through getaddrinfo (see the header).
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
    if (result) return connect_failed(result.message());
    if (endpoints.empty()) return connect_failed("the name has no address");
  }

  std::unique_ptr<Connection> c;
  tcp::socket* socket = nullptr;
  TlsStream* tls_stream = nullptr;
  if (url.scheme == Scheme::kHttps) {
    auto t = std::make_unique<StreamConnection<TlsStream>>(io, *tls);
    socket = &t->socket();
    tls_stream = &t->stream();
    c = std::move(t);
  } else {
    auto t = std::make_unique<StreamConnection<tcp::socket>>(io);
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
  if (result) return connect_failed(result.message());
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
  conn = std::move(c);
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
  if (!run_until(io, done, deadline, [&] { conn->close(); })) {
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
    if (!run_until(io, done, deadline, [&] { conn->close(); })) {
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
      // Bytes after the response nobody asked for: the connection is not reusable.
      parse.keep_alive = parse.keep_alive && parsed == n;
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
  CAIRN_ASSIGN_OR_RETURN(Url parsed, parse_url(url));
  auto impl = std::make_unique<Impl>();
  impl->url = std::move(parsed);
  impl->options = std::move(options);
  if (impl->url.scheme == Scheme::kHttps) {
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
    const std::string& ca_file = impl->options.ca_file;
    bool verify = impl->options.verify_peer;
    if (!ec) context->set_verify_mode(verify ? asio::ssl::verify_peer : asio::ssl::verify_none, ec);
    if (!ec && verify && ca_file.empty()) context->set_default_verify_paths(ec);
    if (!ec && verify && !ca_file.empty()) context->load_verify_file(ca_file, ec);
    if (ec) {
      return fail(ErrorCode::kInvalidArgument, "NET_TLS_CONFIG_INVALID",
                  (ca_file.empty() ? std::string("cannot set up TLS: ")
                                   : "cannot use the CA file " + ca_file + ": ") +
                      ec.message());
    }
    impl->tls = std::move(context);
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
  bool head = method == "HEAD";
  for (int tries = 0;; ++tries) {
    bool reused = s.conn != nullptr && s.still_open();
    if (!reused) {
      CAIRN_TRY(s.open(std::min(deadline, Clock::now() + s.options.connect_timeout)));
    }
    Attempt attempt = s.exchange(wire, head, deadline);
    if (attempt.result) {
      if (!attempt.keep_alive) s.close();
      return std::move(attempt.result);
    }
    s.close();
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

void HttpClient::close() noexcept {
  if (impl_) impl_->close();
}

bool HttpClient::connected() const noexcept { return impl_ && impl_->conn != nullptr; }

std::size_t HttpClient::connections_opened() const noexcept { return impl_ ? impl_->opened : 0; }

// ---- Error bodies

std::optional<Error> parse_error_body(std::string_view body) {
  nlohmann::json doc = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
  auto error = doc.find("error");
  if (error == doc.end() || !error->is_object()) return std::nullopt;
  auto code = error->find("code");
  auto reason = error->find("reason");
  auto message = error->find("message");
  if (code == error->end() || !code->is_string()) return std::nullopt;
  if (reason == error->end() || !reason->is_string()) return std::nullopt;
  if (message != error->end() && !message->is_string()) return std::nullopt;
  std::optional<ErrorCode> known = code_from_name(code->get_ref<const std::string&>());
  if (!known) return std::nullopt;
  Error out;
  out.code = *known;
  out.reason = reason->get<std::string>();
  if (message != error->end()) out.message = message->get<std::string>();
  return out;
}

Status response_status(const ClientResponse& response) {
  if (response.status < 400) return ok_status();
  std::optional<Error> error = parse_error_body(response.body);
  if (!error) {
    ErrorCode code = ErrorCode::kUnknown;
    for (const ErrorCodeInfo& info : error_code_table()) {
      if (info.code != ErrorCode::kOk && info.http_status == response.status) {
        code = info.code;
        break;
      }
    }
    error = Error{code,
                  "NET_HTTP_STATUS",
                  "HTTP " + std::to_string(response.status) + " " +
                      std::string(status_phrase(response.status)),
                  {}};
  }
  if (auto retry = response.headers.get("Retry-After")) {
    uint64_t seconds = 0;
    auto [ptr, ec] = std::from_chars(retry->data(), retry->data() + retry->size(), seconds);
    if (ec == std::errc() && ptr == retry->data() + retry->size() &&
        seconds <= uint64_t{86400} * 365) {
      error->retry_after = std::chrono::seconds(seconds);
    }
  }
  return fail(std::move(*error));
}

}  // namespace cairn::net
