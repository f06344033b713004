// One HTTP/1.1 connection: http-parser feeds requests, the server's handler answers them in
// order, and timers enforce the request and idle limits. Every step of a connection runs on its
// own strand, so a connection needs no lock; the server reaches it only through posted calls.
#include <http_parser.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <ctime>
#include <random>

#include "cairn/core/time.hpp"
#include "cairn/net/event_stream.hpp"
#include "cairn/net/http.hpp"
#include "net/internal/server_impl.hpp"

namespace cairn::net {
namespace {

using Clock = std::chrono::steady_clock;

// "Sun, 22 Nov 2026 12:00:00 GMT" for the Date header, rebuilt once a second per thread.
const std::string& http_date() {
  thread_local std::time_t cached_second = 0;
  thread_local std::string cached;
  std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::array<char, 64> text{};
    std::size_t n = std::strftime(text.data(), text.size(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached.assign(text.data(), n);
    cached_second = now;
  }
  return cached;
}

// Request IDs only need to be unique, not secret: a per-thread PRNG seeded from the OS.
std::string new_request_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t a = rng();
  uint64_t b = rng();
  std::string out(32, '0');
  for (std::size_t i = 0; i < 16; ++i) {
    out[i] = kHex[(a >> (i * 4)) & 0xF];
    out[16 + i] = kHex[(b >> (i * 4)) & 0xF];
  }
  return out;
}

bool is_sane_request_id(std::string_view id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

std::string iso_time_now() { return format_rfc3339(Env::system().now(), TimePrecision::kMillis); }

// Whether a handler's header field can be sent as is: a token name and a value without CR, LF
// or NUL (which would split the response).
bool sendable(const std::string& name, const std::string& value) {
  static constexpr std::string_view kExtra = "!#$%&'*+-.^_`|~";
  bool name_ok = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           kExtra.find(c) != std::string_view::npos;
  });
  return name_ok && value.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos;
}

// Appends the status line, headers and body of `res` to `out`. The server owns the framing
// headers (Content-Length, Transfer-Encoding, Connection); a handler's own are dropped, and a
// header that could split the response turns the answer into a 500.
void serialize(const Request& req, Response& res, bool close, std::string& out) {
  for (const auto& [name, value] : res.headers.fields()) {
    if (!sendable(name, value)) {
      res = Response();
      res.error(ErrorCode::kInternal, "HTTP_HANDLER_FAILED", "a handler set an invalid header");
      break;
    }
  }
  res.headers.remove("Content-Length");
  res.headers.remove("Transfer-Encoding");
  res.headers.remove("Connection");
  bool no_body = res.status < 200 || res.status == 204 || res.status == 304;
  out += "HTTP/1.1 ";
  out += std::to_string(res.status);
  out += ' ';
  out += status_phrase(res.status);
  out += "\r\n";
  for (const auto& [name, value] : res.headers.fields()) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  if (!no_body) {
    out += "Content-Length: ";
    out += std::to_string(res.body.size());
    out += "\r\n";
  }
  out += "Date: ";
  out += http_date();
  if (!req.request_id.empty()) {
    out += "\r\nX-Request-Id: ";
    out += req.request_id;
  }
  if (close) out += "\r\nConnection: close";
  out += "\r\n\r\n";
  if (req.method != "HEAD" && !no_body) out += res.body;
}

// The client certificate of a finished handshake, when the client sent one and it verified.
// With SSL_VERIFY_PEER a certificate that fails verification already failed the handshake; the
// verify result is checked anyway so that no unverified certificate ever reaches a handler.
std::optional<PeerCertificate> verified_client_certificate(SSL* ssl) {
  std::unique_ptr<X509, decltype(&X509_free)> cert(SSL_get1_peer_certificate(ssl), &X509_free);
  if (!cert || SSL_get_verify_result(ssl) != X509_V_OK) return std::nullopt;
  PeerCertificate out;
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (X509_digest(cert.get(), EVP_sha256(), digest.data(), &length) != 1) return std::nullopt;
  static constexpr char kHex[] = "0123456789abcdef";
  out.sha256.reserve(std::size_t{length} * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out.sha256 += kHex[digest[i] >> 4];
    out.sha256 += kHex[digest[i] & 0xF];
  }
  X509_NAME* subject = X509_get_subject_name(cert.get());
  int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index >= 0) {
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
    unsigned char* utf8 = nullptr;
    int n = ASN1_STRING_to_UTF8(&utf8, data);
    if (n >= 0) out.subject_cn.assign(reinterpret_cast<const char*>(utf8), std::size_t(n));
    OPENSSL_free(utf8);
  }
  return out;
}

template <class Stream>
class Connection final : public ConnectionBase,
                         public std::enable_shared_from_this<Connection<Stream>> {
 public:
  Connection(std::shared_ptr<Server::Impl> server, Stream stream, std::string remote)
      : server_(std::move(server)),
        stream_(std::move(stream)),
        timer_(stream_.get_executor()),
        remote_(std::move(remote)) {
    http_parser_settings_init(&settings_);
    settings_.on_message_begin = &Connection::on_message_begin;
    settings_.on_url = &Connection::on_url;
    settings_.on_header_field = &Connection::on_header_field;
    settings_.on_header_value = &Connection::on_header_value;
    settings_.on_headers_complete = &Connection::on_headers_complete;
    settings_.on_body = &Connection::on_body;
    settings_.on_message_complete = &Connection::on_message_complete;
    http_parser_init(&parser_, HTTP_REQUEST);
    parser_.data = this;
  }

  void start() {
    auto self = this->shared_from_this();
    if constexpr (kTls) {
      arm_timer(Clock::now() + server_->options.limits.request_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server, [self](const asio::error_code& ec) {
        if (ec) return self->close();
        self->peer_certificate_ = verified_client_certificate(self->stream_.native_handle());
        self->read();
      });
    } else {
      read();
    }
  }

  void drain() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      self->draining_ = true;
      if (self->streaming_ || (!self->in_request_ && !self->writing_)) self->close();
    });
  }

  void close() override {
    if (closed_) return;
    closed_ = true;
    timer_.cancel();
    if (events_) events_->detach();
    asio::error_code ignored;
    socket().shutdown(asio::socket_base::shutdown_both, ignored);
    socket().close(ignored);
    server_->open_connections.fetch_sub(1);
    if (!counted_address_.empty()) server_->release_address(counted_address_);
    server_->remove_connection(this);
  }

 private:
  // Events queued for a client that does not read them fast enough; beyond this it is dropped.
  static constexpr std::size_t kMaxQueuedEventBytes = std::size_t{1} << 20;

  static constexpr bool kTls = std::is_same_v<Stream, asio::ssl::stream<asio::ip::tcp::socket>>;

  auto& socket() {
    if constexpr (kTls) {
      return stream_.lowest_layer();
    } else {
      return stream_;
    }
  }

  static Connection* of(http_parser* p) { return static_cast<Connection*>(p->data); }

  // ---- Reading and timers

  void read() {
    if (closed_ || reading_) return;
    if (!streaming_ && refusal_status_ == 0) {
      // Both deadlines are fixed when their phase begins, so trickled bytes (even the blank
      // lines the parser skips between requests) never extend them.
      arm_timer(in_request_ ? request_start_ + server_->options.limits.request_timeout
                            : idle_since_ + server_->options.limits.idle_timeout);
    }
    reading_ = true;
    stream_.async_read_some(asio::buffer(buffer_), [self = this->shared_from_this()](
                                                       const asio::error_code& ec, std::size_t n) {
      self->on_read(ec, n);
    });
  }

  void arm_timer(Clock::time_point deadline) {
    timer_.expires_at(deadline);
    timer_.async_wait([self = this->shared_from_this(),
                       generation = ++timer_generation_](const asio::error_code& ec) {
      if (ec || generation != self->timer_generation_ || self->closed_) return;
      self->on_timeout();
    });
  }

  void on_timeout() {
    // Writing: the client has not taken its response within the time it had, so it is gone.
    // Neither writing nor in a request: an idle keep-alive connection.
    if (writing_ || !in_request_) return close();
    refuse(408, ErrorCode::kDeadlineExceeded, "HTTP_REQUEST_TIMEOUT",
           "the request took too long to arrive");
    flush();
  }

  void on_read(const asio::error_code& ec, std::size_t n) {
    reading_ = false;
    if (closed_) return;
    if (ec) return close();         // EOF, reset, or our own close
    if (streaming_) return read();  // an event-stream client has nothing more to say
    if (refusal_status_ != 0 || close_after_write_) return read();  // only draining input now
    std::size_t parsed = http_parser_execute(&parser_, &settings_, buffer_.data(), n);
    bool closing_anyway = HTTP_PARSER_ERRNO(&parser_) == HPE_CLOSED_CONNECTION;
    if (refusal_status_ == 0 && !closing_anyway &&
        (HTTP_PARSER_ERRNO(&parser_) != HPE_OK || parser_.upgrade != 0 || parsed != n)) {
      if (parser_.upgrade != 0) {
        refuse(501, ErrorCode::kUnimplemented, "HTTP_UPGRADE_UNSUPPORTED",
               "protocol upgrades are not supported");
      } else {
        refuse(400, ErrorCode::kInvalidArgument, "HTTP_REQUEST_MALFORMED",
               std::string("malformed request: ") +
                   http_errno_name(static_cast<http_errno>(parser_.http_errno)));
      }
    }
    answer_ready();
    flush();
  }

  // Answers every complete request, in order; stops after one that closes the connection.
  void answer_ready() {
    for (auto& [req, keep_alive] : ready_) {
      if (close_after_write_) break;
      Response res;
      auto started = Clock::now();
      server_->handle(req, res);
      // Decided after the handler: a drain that began while it ran closes this connection.
      bool close = !keep_alive || draining_ || server_->draining();
      if (res.events &&
          (res.status != 200 || close_after_write_ || draining_ || server_->draining())) {
        res.events->close();  // not taken: its producer must learn at once
        if (res.status == 200) {
          res = Response();
          res.error(ErrorCode::kUnavailable, "HTTP_SERVER_DRAINING", "the server is shutting down");
        }
      } else if (res.events) {
        start_events(req, res);
        log(req, res.status, 0,
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started),
            res.server_error.get());
        break;  // the connection now belongs to the stream; later requests go unanswered
      }
      serialize(req, res, close, out_);
      auto latency = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
      server_->requests.fetch_add(1);
      server_->metrics.record(req.method, req.route.empty() ? "unmatched" : req.route, res.status,
                              latency);
      log(req, res.status, res.body.size(), latency, res.server_error.get());
      if (close) close_after_write_ = true;
    }
    ready_.clear();
  }

  // Answers with the headers of an event stream and hands the connection to it.
  void start_events(const Request& req, Response& res) {
    streaming_ = true;
    events_ = res.events;
    res.headers.set("Content-Type", "text/event-stream");
    res.headers.set("Cache-Control", "no-cache");
    out_ += "HTTP/1.1 200 OK\r\n";
    for (const auto& [name, value] : res.headers.fields()) {
      out_.append(name).append(": ").append(value).append("\r\n");
    }
    out_.append("Date: ").append(http_date()).append("\r\nX-Request-Id: ");
    out_.append(req.request_id).append("\r\nConnection: close\r\n\r\n");
    timer_.cancel();
    std::weak_ptr<Connection> weak = this->shared_from_this();
    auto executor = stream_.get_executor();
    events_->attach(
        [weak, executor](std::string text) {
          asio::post(executor, [weak, text = std::move(text)]() mutable {
            auto self = weak.lock();
            if (!self || self->closed_) return;
            self->out_ += text;
            if (self->out_.size() > kMaxQueuedEventBytes) return self->close();  // not reading
            if (!self->writing_) self->flush();
          });
        },
        [weak, executor] {
          asio::post(executor, [weak] {
            auto self = weak.lock();
            if (!self || self->closed_) return;
            self->close_after_write_ = true;
            if (!self->writing_) self->flush();
          });
        });
  }

  void flush() {
    if (closed_ || writing_) return;
    if (out_.empty()) {
      if (close_after_write_) return close();
      return read();
    }
    writing_ = true;
    // A client gets the idle timeout to take each batch of responses; one that does not read
    // them is gone (event streams rely on their queue limit instead).
    if (!streaming_) arm_timer(Clock::now() + server_->options.limits.idle_timeout);
    sending_.swap(out_);
    out_.clear();
    asio::async_write(stream_, asio::buffer(sending_),
                      [self = this->shared_from_this()](const asio::error_code& ec, std::size_t) {
                        self->writing_ = false;
                        self->sending_.clear();
                        if (!self->in_request_) self->idle_since_ = Clock::now();
                        if (ec || self->closed_) return self->close();
                        // Whatever was queued meanwhile (events, pipelined answers) goes first.
                        if (!self->out_.empty()) return self->flush();
                        if (self->refusal_status_ != 0 && self->close_after_write_) {
                          return self->linger();
                        }
                        if (self->close_after_write_ || (self->draining_ && !self->in_request_)) {
                          return self->close();
                        }
                        self->flush();
                      });
  }

  // After a refusal: end our side and read (and drop) what the client is still sending for a
  // moment before closing. Closing with unread input makes the kernel reset the connection, and
  // the client may then never see the 413 or 431 it was sent.
  void linger() {
    asio::error_code ignored;
    socket().shutdown(asio::socket_base::shutdown_send, ignored);
    arm_timer(Clock::now() + std::chrono::seconds(2));
    read();  // on_read drops input after a refusal; EOF or the timer closes
  }

  // Answers with an error the server decided on (431, 413, 408, 400, ...) and closes after it.
  void refuse(int status, ErrorCode code, std::string_view reason, const std::string& message) {
    refusal_status_ = status;
    Request req;
    req.method = current_.method.empty() ? "GET" : current_.method;
    req.path = current_.path;
    req.request_id = new_request_id();
    Response res;
    res.error(code, reason, message);
    res.status = status;
    // Requests that already completed in this read are still answered, in order.
    answer_ready();
    serialize(req, res, true, out_);
    close_after_write_ = true;
    in_request_ = false;
    server_->refused.fetch_add(1);
    log(req, status, res.body.size(), std::chrono::microseconds(0));
  }

  void log(const Request& req, int status, std::size_t bytes, std::chrono::microseconds latency,
           const Error* server_error = nullptr) {
    if (!server_->options.access_log) return;
    std::string line = "{\"time\":\"" + iso_time_now() + "\",\"request_id\":";
    line += json_quote(req.request_id);
    line += ",\"remote\":";
    line += json_quote(remote_);
    line += ",\"method\":";
    line += json_quote(req.method);
    line += ",\"path\":";
    line += json_quote(req.path);
    line += ",\"route\":";
    line += json_quote(req.route);
    line += ",\"status\":" + std::to_string(status);
    line += ",\"bytes\":" + std::to_string(bytes);
    char duration[32];
    std::snprintf(duration, sizeof duration, "%.3f", static_cast<double>(latency.count()) / 1000.0);
    line += ",\"duration_ms\":";
    line += duration;
    if (server_error != nullptr) {
      // The cause the client was not told: for the operator (messages never carry secrets).
      line += ",\"error\":{\"code\":";
      line += json_quote(code_name(server_error->code));
      line += ",\"reason\":";
      line += json_quote(server_error->reason);
      line += ",\"message\":";
      line += json_quote(server_error->message);
      line += "}";
    }
    line += "}";
    server_->log(line);
  }

  // ---- http-parser callbacks (return non-zero to stop parsing)

  int header_limit_check(std::size_t more) {
    header_bytes_ += more;
    if (header_bytes_ > server_->options.limits.max_header_bytes) {
      refuse(431, ErrorCode::kResourceExhausted, "HTTP_HEADERS_TOO_LARGE",
             "the request line and headers exceed " +
                 std::to_string(server_->options.limits.max_header_bytes) + " bytes");
      return -1;
    }
    return 0;
  }

  static int on_message_begin(http_parser* p) {
    Connection* c = of(p);
    c->current_ = Request();
    c->field_.clear();
    c->value_.clear();
    c->in_value_ = false;
    c->headers_done_ = false;
    c->header_bytes_ = 0;
    c->in_request_ = true;
    c->request_start_ = Clock::now();
    return 0;
  }

  static int on_url(http_parser* p, const char* at, std::size_t n) {
    Connection* c = of(p);
    c->current_.target.append(at, n);
    return c->header_limit_check(n);
  }

  // RFC 9110 5.6.2: a field name is a token.
  static bool is_token(std::string_view name) {
    static constexpr std::string_view kExtra = "!#$%&'*+-.^_`|~";
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char ch) {
      return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
             kExtra.find(ch) != std::string_view::npos;
    });
  }

  void push_header() {
    while (!value_.empty() && (value_.back() == ' ' || value_.back() == '\t')) value_.pop_back();
    if (!field_.empty() && !headers_done_) {
      current_.headers.add(std::move(field_), std::move(value_));
    }
    field_.clear();
    value_.clear();
  }

  static int on_header_field(http_parser* p, const char* at, std::size_t n) {
    Connection* c = of(p);
    if (c->in_value_) {
      c->push_header();
      c->in_value_ = false;
    }
    if (c->field_.empty() && c->current_.headers.size() >= c->server_->options.limits.max_headers) {
      c->refuse(431, ErrorCode::kResourceExhausted, "HTTP_HEADERS_TOO_MANY",
                "a request may have at most " +
                    std::to_string(c->server_->options.limits.max_headers) + " header fields");
      return -1;
    }
    c->field_.append(at, n);
    return c->header_limit_check(n);
  }

  static int on_header_value(http_parser* p, const char* at, std::size_t n) {
    Connection* c = of(p);
    c->in_value_ = true;
    c->value_.append(at, n);
    return c->header_limit_check(n);
  }

  static int on_headers_complete(http_parser* p) {
    Connection* c = of(p);
    c->push_header();
    c->headers_done_ = true;  // later header callbacks are chunked trailers: ignored
    c->in_value_ = false;
    Request& req = c->current_;
    for (const auto& field : req.headers.fields()) {
      if (!is_token(field.first)) {
        c->refuse(400, ErrorCode::kInvalidArgument, "HTTP_REQUEST_MALFORMED",
                  "a header field name is not a token");
        return -1;
      }
    }
    if (p->http_major != 1 || p->http_minor > 1) {
      c->refuse(505, ErrorCode::kUnimplemented, "HTTP_VERSION_UNSUPPORTED",
                "only HTTP/1.0 and HTTP/1.1 are served");
      return -1;
    }
    req.method = http_method_str(static_cast<http_method>(p->method));
    req.version_major = p->http_major;
    req.version_minor = p->http_minor;
    req.remote = c->remote_;
    req.client_address = std::string(address_of(c->remote_));
    req.client_certificate = c->peer_certificate_;
    req.peer_credentials = c->peer_credentials_;
    std::string_view target = req.target;
    std::size_t q = target.find('?');
    std::string_view raw_path = target.substr(0, q);
    auto path = percent_decode(raw_path);
    // Dot segments and encoded slashes would let one path mean another to a prefix check or a
    // file lookup; no route needs them.
    bool dots = path && (path->find("/./") != std::string::npos ||
                         path->find("/../") != std::string::npos || path->ends_with("/.") ||
                         path->ends_with("/.."));
    bool encoded_slash = raw_path.find("%2F") != std::string_view::npos ||
                         raw_path.find("%2f") != std::string_view::npos;
    if (!path || path->empty() || path->front() != '/' || dots || encoded_slash) {
      c->refuse(400, ErrorCode::kInvalidArgument, "HTTP_REQUEST_MALFORMED",
                "the request target is not an absolute path without dot segments");
      return -1;
    }
    req.path = std::move(*path);
    if (q != std::string_view::npos) req.query = std::string(target.substr(q + 1));
    auto id = req.headers.get("X-Request-Id");
    req.request_id = id && is_sane_request_id(*id) ? std::string(*id) : new_request_id();

    c->body_limit_ = c->server_->body_limit(req.method, req.path);
    bool has_length = (p->flags & F_CONTENTLENGTH) != 0;
    bool chunked = (p->flags & F_CHUNKED) != 0;
    if (has_length && p->content_length > c->body_limit_) {
      c->refuse(413, ErrorCode::kResourceExhausted, "HTTP_BODY_TOO_LARGE",
                "the request body exceeds " + std::to_string(c->body_limit_) + " bytes");
      return -1;
    }
    if (auto expect = req.headers.get("Expect")) {
      if (!iequals(*expect, "100-continue")) {
        c->refuse(417, ErrorCode::kFailedPrecondition, "HTTP_EXPECTATION_FAILED",
                  "only Expect: 100-continue is understood");
        return -1;
      }
      if (((has_length && p->content_length > 0) || chunked) && p->http_minor == 1 &&
          c->ready_.empty()) {
        c->out_ += "HTTP/1.1 100 Continue\r\n\r\n";
      }
    }
    return 0;
  }

  static int on_body(http_parser* p, const char* at, std::size_t n) {
    Connection* c = of(p);
    if (c->current_.body.size() + n > c->body_limit_) {
      c->refuse(413, ErrorCode::kResourceExhausted, "HTTP_BODY_TOO_LARGE",
                "the request body exceeds " + std::to_string(c->body_limit_) + " bytes");
      return -1;
    }
    c->current_.body.append(at, n);
    return 0;
  }

  static int on_message_complete(http_parser* p) {
    Connection* c = of(p);
    if (c->in_value_) c->push_header();  // a last trailer: dropped
    c->in_value_ = false;
    c->ready_.emplace_back(std::move(c->current_), http_should_keep_alive(p) != 0);
    c->current_ = Request();
    c->in_request_ = false;
    return 0;
  }

  std::shared_ptr<Server::Impl> server_;
  Stream stream_;
  asio::steady_timer timer_;
  std::string remote_;

 public:
  // The address whose admit_address() place this connection holds ("" when none), released
  // with exactly this string however the peer's address reads later (after a reset it reads
  // as unknown).
  std::string counted_address_;
  // Who is at the other end, found once (at accept, or after the TLS handshake) and copied into
  // each request.
  std::optional<PeerCredentials> peer_credentials_;
  std::optional<PeerCertificate> peer_certificate_;

 private:
  http_parser parser_{};
  http_parser_settings settings_{};
  std::array<char, 16 * 1024> buffer_{};

  Request current_;
  std::string field_;
  std::string value_;
  bool in_value_ = false;
  bool headers_done_ = false;
  Clock::time_point idle_since_ = Clock::now();
  std::size_t header_bytes_ = 0;
  std::size_t body_limit_ = 0;
  bool in_request_ = false;
  Clock::time_point request_start_;
  std::vector<std::pair<Request, bool>> ready_;  // complete requests and their keep-alive

  std::string out_;      // to write next
  std::string sending_;  // being written
  bool writing_ = false;
  bool close_after_write_ = false;
  bool draining_ = false;
  bool closed_ = false;
  bool reading_ = false;
  bool streaming_ = false;
  std::shared_ptr<EventStream> events_;
  int refusal_status_ = 0;
  uint64_t timer_generation_ = 0;
};

template <class Socket>
std::string remote_of(const Socket& socket) {
  asio::error_code ec;
  auto ep = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  std::string address = ep.address().to_string();
  if (ep.address().is_v6()) address = "[" + address + "]";
  return address + ":" + std::to_string(ep.port());
}

template <class Stream>
void launch(const std::shared_ptr<Server::Impl>& server, Stream stream, std::string remote,
            const std::string& counted_address,
            std::optional<PeerCredentials> credentials = std::nullopt) {
  server->accepted.fetch_add(1);
  server->open_connections.fetch_add(1);
  auto connection =
      std::make_shared<Connection<Stream>>(server, std::move(stream), std::move(remote));
  connection->counted_address_ = counted_address;
  connection->peer_credentials_ = credentials;
  server->add_connection(connection);
  connection->start();
}

}  // namespace

void serve_tcp(const std::shared_ptr<Server::Impl>& server, asio::ip::tcp::socket socket,
               const std::string& admitted_address) {
  asio::error_code ignored;
  socket.set_option(asio::ip::tcp::no_delay(true), ignored);
  std::string remote = remote_of(socket);
  launch(server, std::move(socket), std::move(remote), admitted_address);
}

void serve_tls(const std::shared_ptr<Server::Impl>& server, asio::ip::tcp::socket socket,
               const std::shared_ptr<asio::ssl::context>& tls,
               const std::string& admitted_address) {
  asio::error_code ignored;
  socket.set_option(asio::ip::tcp::no_delay(true), ignored);
  std::string remote = remote_of(socket);
  launch(server, asio::ssl::stream<asio::ip::tcp::socket>(std::move(socket), *tls),
         std::move(remote), admitted_address);
}

void serve_unix(const std::shared_ptr<Server::Impl>& server,
                asio::local::stream_protocol::socket socket) {
  // Taken at accept: the kernel records the peer's credentials when it connected, so a later
  // setuid or exec in the peer does not change them (and a dead peer's pid may be reused).
  std::optional<PeerCredentials> credentials;
  ucred cred{};
  socklen_t length = sizeof cred;
  if (::getsockopt(socket.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &length) == 0 &&
      length == sizeof cred) {
    credentials = PeerCredentials{cred.uid, cred.gid, cred.pid};
  }
  launch(server, std::move(socket), "unix", std::string(), credentials);
}

void refuse_connection(const std::shared_ptr<Server::Impl>& server, asio::ip::tcp::socket socket) {
  server->refused.fetch_add(1);
  Request req;
  req.method = "GET";
  req.request_id = new_request_id();
  Response res;
  res.error(ErrorCode::kUnavailable, "HTTP_TOO_MANY_CONNECTIONS",
            "the server has too many open connections");
  auto out = std::make_shared<std::string>();
  serialize(req, res, true, *out);
  auto sock = std::make_shared<asio::ip::tcp::socket>(std::move(socket));
  asio::async_write(*sock, asio::buffer(*out), [sock, out](const asio::error_code&, std::size_t) {
    asio::error_code ignored;
    sock->shutdown(asio::socket_base::shutdown_both, ignored);
    sock->close(ignored);
  });
  server->log(
      R"({"event":"connection_refused","status":503,"reason":"HTTP_TOO_MANY_CONNECTIONS"})");
}

}  // namespace cairn::net
