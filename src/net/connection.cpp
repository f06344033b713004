// One HTTP/1.1 connection: its RequestParser (internal/request_parser.hpp) reads requests, the
// server's handler answers them in order, and timers enforce the request and idle limits.
// Every step of a connection runs on its own strand (on a one-thread server, on the io_context,
// which runs one step at a time), so a connection needs no lock; the server reaches it only
// through posted calls.
// A connection can leave HTTP for good: to an event stream (after its 200) or to a WebSocket
// session (after a 101; the protocol lives in internal/connection_websocket.hpp).
// Bodies may stream both ways (body.hpp): a route's request body goes piece by piece into its
// sink as it is parsed (the middleware runs when the headers are in), and a response body is
// pumped from its source (sendfile(2) on plain sockets) before the next request is answered.
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <ctime>

#include "cairn/core/time.hpp"
#include "cairn/net/body.hpp"
#include "cairn/net/event_stream.hpp"
#include "cairn/net/http.hpp"
#include "cairn/net/websocket_session.hpp"
#include "net/internal/connection_websocket.hpp"
#include "net/internal/request_parser.hpp"
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

using internal::new_request_id;

// The connection whose WebSocket frames this thread is delivering to their session (on that
// connection's strand), if any: frames the session's handler sends meanwhile are taken without a
// post (Connection::deliver_websocket_bytes).
thread_local const void* t_delivering_connection = nullptr;

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

bool headers_sendable(const Headers& headers) {
  return std::all_of(headers.fields().begin(), headers.fields().end(),
                     [](const auto& field) { return sendable(field.first, field.second); });
}

// How the body of a response whose head serialize() wrote goes out.
enum class BodyFraming {
  kDone,        // already in the output, or there is none (HEAD, 1xx, 204, 304)
  kLength,      // Response::body_source follows: Content-Length bytes
  kChunked,     // Response::body_source follows: chunked
  kUntilClose,  // Response::body_source follows, ended by closing the connection (HTTP/1.0)
};

// Appends the status line, headers and body of `res` to `out`. The server owns the framing
// headers (Content-Length, Transfer-Encoding, Connection); a handler's own are dropped, and a
// header that could split the response turns the answer into a 500. A 101 (a WebSocket
// upgrade) says Connection: Upgrade, and has no body. A streamed body (Response::body_source)
// is announced by its size, else chunked (HTTP/1.1) or by Connection: close (HTTP/1.0); the
// caller sends it, as the result says.
BodyFraming serialize(const Request& req, Response& res, bool close, std::string& out) {
  if (!headers_sendable(res.headers)) {
    res = Response();
    res.error(ErrorCode::kInternal, "HTTP_HANDLER_FAILED", "a handler set an invalid header");
  }
  res.headers.remove("Content-Length");
  res.headers.remove("Transfer-Encoding");
  res.headers.remove("Connection");
  bool no_body = res.status < 200 || res.status == 204 || res.status == 304;
  bool send_body = !no_body && req.method != "HEAD";
  BodyFraming framing = BodyFraming::kDone;
  std::optional<uint64_t> length = res.body.size();
  if (res.body_source) {
    length = res.body_source->size();
    bool http11 = req.version_major == 1 && req.version_minor >= 1;
    framing =
        length ? BodyFraming::kLength : (http11 ? BodyFraming::kChunked : BodyFraming::kUntilClose);
    if (framing == BodyFraming::kUntilClose && send_body) close = true;
  }
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
  if (!no_body && length) {
    out += "Content-Length: ";
    out += std::to_string(*length);
    out += "\r\n";
  } else if (!no_body && framing == BodyFraming::kChunked) {
    out += "Transfer-Encoding: chunked\r\n";
  }
  out += "Date: ";
  out += http_date();
  if (!req.request_id.empty()) {
    out += "\r\nX-Request-Id: ";
    out += req.request_id;
  }
  if (close) {
    out += "\r\nConnection: close";
  } else if (res.status == 101) {
    out += "\r\nConnection: Upgrade";
  }
  out += "\r\n\r\n";
  if (!send_body) return BodyFraming::kDone;
  if (!res.body_source) {
    out += res.body;
    return BodyFraming::kDone;
  }
  return framing;
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
                         private internal::RequestSink,
                         public std::enable_shared_from_this<Connection<Stream>> {
 public:
  Connection(std::shared_ptr<Server::Impl> server, Stream stream, std::string remote)
      : server_(std::move(server)),
        stream_(std::move(stream)),
        timer_(stream_.get_executor()),
        remote_(std::move(remote)),
        parser_(internal::RequestLimits{server_->options.limits.max_header_bytes,
                                        server_->options.limits.max_headers},
                *this) {}

  ~Connection() override {
    // Every path ends in close(), which finishes the session; this only guards against one that
    // does not, so the session never keeps a link to a connection that is gone.
    if (ws_) ws_->on_disconnect();
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

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
      if (self->ws_) {
        // Through the session, so that its send_* refuse from now on; the close frame follows.
        if (!self->closed_) {
          self->ws_->session().close(websocket::kCloseGoingAway, "server shutting down");
        }
        return;
      }
      if (self->streaming_ || (!self->in_request_ && !self->writing_)) self->close();
    });
  }

  void close() override {
    if (closed_) return;
    closed_ = true;
    disarm_timer();
    if (events_) events_->detach();
    parser_.current().body_sink.reset();  // an upload cut short: dropped without finish()
    body_.reset();
    asio::error_code ignored;
    socket().shutdown(asio::socket_base::shutdown_both, ignored);
    socket().close(ignored);
    server_->open_connections.fetch_sub(1);
    if (!counted_address_.empty()) server_->release_address(counted_address_);
    server_->remove_connection(this);
    if (ws_) ws_->on_disconnect();  // last: it runs the session's close handler
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

  // ---- Reading and timers

  void read() {
    if (closed_ || reading_) return;
    if (!streaming_ && !ws_ && !lingering_ && refusal_status_ == 0) {
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

  // Sets the connection's one deadline. The timer is armed lazily: a later deadline than the
  // armed one (the common case: each request and each write moves it forward) keeps the wait
  // that is pending, which re-arms itself for the rest when it fires; only an earlier deadline
  // re-arms it at once. So a busy keep-alive connection touches the timer queue about once per
  // timeout, not three times per request.
  void arm_timer(Clock::time_point deadline) {
    deadline_ = deadline;
    if (timer_armed_ && armed_for_ <= deadline) return;
    timer_armed_ = true;
    armed_for_ = deadline;
    timer_.expires_at(deadline);
    timer_.async_wait([self = this->shared_from_this(),
                       generation = ++timer_generation_](const asio::error_code& ec) {
      if (generation != self->timer_generation_) return;  // a newer wait took over
      self->timer_armed_ = false;
      if (ec || self->closed_) return;
      if (Clock::now() < self->deadline_) return self->arm_timer(self->deadline_);
      self->on_timeout();
    });
  }

  // No deadline until the next arm_timer().
  void disarm_timer() {
    ++timer_generation_;
    timer_armed_ = false;
    timer_.cancel();
  }

  void on_timeout() {
    if (ws_) return on_websocket_timeout();
    if (body_) {
      // A streamed body: the client must take some of it within each idle_timeout.
      Clock::time_point deadline = body_progress_ + server_->options.limits.idle_timeout;
      if (Clock::now() < deadline) return arm_timer(deadline);
      return close();
    }
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
    if (ws_) {
      deliver_websocket_bytes(std::string_view(buffer_.data(), n));
      return read();  // a WebSocket reads while it writes
    }
    now_ = Clock::now();
    // A malformed request is refused from within (on_refused).
    std::size_t parsed = parser_.feed(buffer_.data(), n);
    if (upgrade_pending_) {
      // The parser stopped after the upgrade request: what follows is in the new protocol.
      upgrade_leftover_.assign(buffer_.data() + parsed, n - parsed);
    }
    answer_ready();
    flush(now_);
    if (ws_) read();
  }

  // Answers every complete request, in order; stops after one that closes the connection.
  // The last one may be a protocol upgrade (http-parser stops after it): a 101 with a WebSocket
  // session switches the connection, any other answer closes it (what follows the request is
  // in a protocol we do not speak), as RFC 9110 7.8 allows.
  void answer_ready() {
    if (body_) return;  // a streamed body is going out: the rest wait for end_body()
    for (std::size_t i = 0; i < ready_.size(); ++i) {
      auto& [req, keep_alive, admitted] = ready_[i];
      if (close_after_write_) break;
      bool upgrade = upgrade_pending_ && i + 1 == ready_.size();
      Response res;
      Clock::time_point started = now_;
      server_->handle(req, res, admitted);
      now_ = Clock::now();
      auto latency = std::chrono::duration_cast<std::chrono::microseconds>(now_ - started);
      // Decided after the handler: a drain that began while it ran closes this connection.
      bool close = !keep_alive || draining_ || server_->draining() || upgrade;
      if (res.websocket || res.status == 101) {
        bool draining = draining_ || server_->draining();
        if (res.websocket && upgrade && res.status == 101 && !draining &&
            headers_sendable(res.headers)) {
          start_websocket(req, res);
          server_->requests.fetch_add(1);
          server_->metrics.record(req.method, req.route.empty() ? "unmatched" : req.route, 101,
                                  latency);
          log(req, 101, 0, latency);
          break;  // the connection now belongs to the session
        }
        if (res.websocket) res.websocket->finish(WebSocketChannel::kCloseAbnormal, "");
        res.websocket = nullptr;
        if (res.status == 101) {
          res = Response();
          if (draining) {
            res.error(ErrorCode::kUnavailable, "HTTP_SERVER_DRAINING",
                      "the server is shutting down");
          } else {
            res.error(ErrorCode::kInternal, "HTTP_HANDLER_FAILED",
                      "a handler answered 101 without a WebSocket upgrade to take");
          }
        }
      }
      if (upgrade) linger_after_write_ = true;
      if (res.events &&
          (res.status != 200 || close_after_write_ || draining_ || server_->draining())) {
        res.events->close();  // not taken: its producer must learn at once
        if (res.status == 200) {
          res = Response();
          res.error(ErrorCode::kUnavailable, "HTTP_SERVER_DRAINING", "the server is shutting down");
        }
      } else if (res.events) {
        start_events(req, res);
        log(req, res.status, 0, latency, res.server_error.get());
        break;  // the connection now belongs to the stream; later requests go unanswered
      }
      BodyFraming framing = serialize(req, res, close, out_);
      server_->requests.fetch_add(1);
      server_->metrics.record(req.method, req.route.empty() ? "unmatched" : req.route, res.status,
                              latency);
      std::size_t bytes = res.body.size();
      if (res.body_source) bytes = static_cast<std::size_t>(res.body_source->size().value_or(0));
      log(req, res.status, bytes, latency, res.server_error.get());
      if (close || framing == BodyFraming::kUntilClose) close_after_write_ = true;
      if (framing != BodyFraming::kDone) {
        begin_body(req, res, framing);
        // The requests after it wait until its last byte is out, so answers stay in order.
        ready_.erase(ready_.begin(), ready_.begin() + static_cast<std::ptrdiff_t>(i) + 1);
        return;
      }
    }
    ready_.clear();
    upgrade_pending_ = false;
    upgrade_leftover_.clear();
  }

  // ---- Streamed response bodies (Response::body_source)
  //
  // Between begin_body() and end_body() the connection is writing (writing_ stays set): it reads
  // no more requests, drain() waits for the body, and on_timeout() closes a client that took none
  // of it for idle_timeout. One 64 KiB buffer is reused for every piece. A plain TCP or unix
  // connection sends a file's range with sendfile(2) instead, waiting for the socket to take more
  // when the kernel says EAGAIN.

  // Bytes a source is asked for at a time, and what one sendfile(2) call may send.
  static constexpr std::size_t kBodyPieceBytes = std::size_t{64} * 1024;
  static constexpr std::size_t kSendfileBytes = std::size_t{1} << 20;
  // sendfile calls per turn before yielding to the other connections on this thread.
  static constexpr int kSendfileCallsPerTurn = 16;

  struct BodyStream {
    std::shared_ptr<BodySource> source;
    bool chunked = false;
    std::optional<uint64_t> left;  // bytes still owed under a Content-Length
    bool sendfile = false;
    std::string request_id;  // for the log line of a source that fails
  };

  // Takes over res.body_source, whose head serialize() wrote.
  void begin_body(const Request& req, Response& res, BodyFraming framing) {
    body_.emplace();
    body_->source = std::move(res.body_source);
    body_->chunked = framing == BodyFraming::kChunked;
    if (framing == BodyFraming::kLength) body_->left = body_->source->size();
    if constexpr (!kTls) {
      body_->sendfile = body_->left.has_value() && body_->source->file_descriptor() >= 0;
    }
    body_->request_id = req.request_id;
    body_progress_ = Clock::now();
  }

  // Sends the next piece of the body (its head is already out).
  void pump_body() {
    if (closed_) return;
    writing_ = true;
    if (body_->sendfile) return send_file_body();
    std::size_t want = kBodyPieceBytes;
    if (body_->left) want = static_cast<std::size_t>(std::min<uint64_t>(want, *body_->left));
    if (want == 0) return end_body();
    if (body_buffer_.empty()) body_buffer_.resize(kBodyPieceBytes);
    Result<std::size_t> n{std::size_t{0}};
    try {
      n = body_->source->read(std::span<char>(body_buffer_.data(), want));
    } catch (...) {
      n = fail(ErrorCode::kInternal, "HTTP_HANDLER_FAILED", "a body source threw");
    }
    if (!n) return body_failed(n.error());
    std::size_t got = std::min(*n, want);
    if (got == 0) {
      // A source that ends before its declared size cannot be framed any more: cut it off.
      if (body_->left && *body_->left > 0) {
        return body_failed(Error{ErrorCode::kUnavailable,
                                 "HTTP_FILE_UNREADABLE",
                                 "the body source ended before its size",
                                 {}});
      }
      return end_body();
    }
    if (body_->left) *body_->left -= got;
    body_pieces_.clear();
    if (body_->chunked) {
      std::array<char, 24> head{};
      int length = std::snprintf(head.data(), head.size(), "%zx\r\n", got);
      chunk_head_.assign(head.data(), static_cast<std::size_t>(std::max(length, 0)));
      body_pieces_.push_back(asio::buffer(chunk_head_));
    }
    body_pieces_.push_back(asio::buffer(body_buffer_.data(), got));
    if (body_->chunked) body_pieces_.push_back(asio::buffer("\r\n", 2));
    asio::async_write(stream_, body_pieces_,
                      [self = this->shared_from_this()](const asio::error_code& ec, std::size_t) {
                        if (ec || self->closed_) return self->close();
                        self->body_progress_ = Clock::now();
                        self->pump_body();
                      });
  }

  // pump_body() for a range of a file over a plain socket: the kernel copies it.
  void send_file_body() {
    if constexpr (!kTls) {
      asio::error_code ec;
      if (!socket().non_blocking()) socket().non_blocking(true, ec);
      if (ec) {
        body_->sendfile = false;
        return pump_body();
      }
      BodySource& source = *body_->source;
      uint64_t& left = *body_->left;
      for (int call = 0; call < kSendfileCallsPerTurn && left > 0; ++call) {
        auto offset = static_cast<off_t>(source.file_offset());
        std::size_t n = static_cast<std::size_t>(std::min<uint64_t>(left, kSendfileBytes));
        ssize_t sent = ::sendfile(socket().native_handle(), source.file_descriptor(), &offset, n);
        if (sent > 0) {
          source.consumed(static_cast<uint64_t>(sent));
          left -= static_cast<uint64_t>(sent);
          body_progress_ = Clock::now();
          continue;
        }
        if (sent < 0 && errno == EINTR) continue;
        if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
          socket().async_wait(asio::socket_base::wait_write,
                              [self = this->shared_from_this()](const asio::error_code& wait_ec) {
                                if (wait_ec || self->closed_) return self->close();
                                self->send_file_body();
                              });
          return;
        }
        if (sent < 0 && (errno == EINVAL || errno == ENOSYS) && call == 0) {
          body_->sendfile = false;  // a file system without sendfile: copy instead
          return pump_body();
        }
        // 0: the file shrank under us; otherwise the connection failed.
        return body_failed(
            Error{ErrorCode::kUnavailable,
                  "HTTP_FILE_UNREADABLE",
                  sent == 0 ? "the file ended before the range did" : "sendfile failed",
                  {}});
      }
      if (left == 0) return end_body();
      asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
        if (!self->closed_) self->send_file_body();
      });
    }
  }

  // A source failed after the head was sent: the status cannot change, so the connection is
  // closed early and the client sees a body shorter than announced.
  void body_failed(const Error& error) {
    if (server_->options.access_log) {
      server_->log(R"({"event":"body_source_failed","request_id":)" +
                   json_quote(body_->request_id) + R"(,"reason":)" + json_quote(error.reason) +
                   "}");
    }
    close();
  }

  // The body is out: answer the requests that waited behind it, then go on as after any write.
  void end_body() {
    now_ = Clock::now();  // the requests that waited are timed from here
    bool chunked = body_->chunked;
    body_.reset();
    writing_ = false;
    if (!in_request_) idle_since_ = now_;
    if (chunked) out_ += "0\r\n\r\n";
    answer_ready();
    if (!body_ && pending_refusal_) {
      auto [req, res] = std::move(*pending_refusal_);
      pending_refusal_.reset();
      if (!close_after_write_) serialize(req, res, true, out_);
      close_after_write_ = true;
    }
    if (!out_.empty()) return flush();  // the last chunk, answers, the next body's head
    after_write();
  }

  // ---- WebSocket mode

  // Answers 101 and hands the connection to the session; frames that came with the request
  // are the session's first.
  void start_websocket(const Request& req, Response& res) {
    serialize(req, res, false, out_);
    ws_ = std::make_unique<WebSocketChannel>(res.websocket);
    std::chrono::milliseconds interval = ws_->options().ping_interval;
    if (interval.count() > 0) {
      arm_timer(Clock::now() + interval);
    } else {
      disarm_timer();
    }
    std::weak_ptr<Connection> weak = this->shared_from_this();
    auto executor = stream_.get_executor();
    WebSocketSession::Link link;
    // Called under the session's lock, so calls are ordered. A send from the session's own
    // message handler (this thread is in deliver_websocket_bytes for this connection) is taken
    // as it is, unless posted frames are still ahead of it; every other send is posted.
    link.write = [weak, executor, raw = this](std::string frames) {
      // `raw` is only used when this thread is inside it, on its strand: it is alive.
      if (t_delivering_connection == raw &&
          raw->ws_posted_writes_.load(std::memory_order_acquire) == 0) {
        raw->ws_sent_inline_ += frames;
        return;
      }
      auto self = weak.lock();
      if (!self) return;
      self->ws_posted_writes_.fetch_add(1, std::memory_order_acq_rel);
      asio::post(executor, [self = std::move(self), frames = std::move(frames)]() mutable {
        self->ws_posted_writes_.fetch_sub(1, std::memory_order_acq_rel);
        if (self->closed_ || !self->ws_) return;
        self->websocket_step(self->ws_->on_frames(frames, self->out_, self->sending_.size()));
      });
    };
    link.close = [weak, executor](uint16_t code, std::string reason) {
      asio::post(executor, [weak, code, reason = std::move(reason)] {
        auto self = weak.lock();
        if (!self || self->closed_ || !self->ws_) return;
        self->websocket_step(self->ws_->on_close_request(code, reason, self->out_));
      });
    };
    res.websocket->attach(std::move(link));
    if (!upgrade_leftover_.empty()) deliver_websocket_bytes(upgrade_leftover_);
  }

  // Bytes read from the peer go to the session; what its handler sent in answer is queued right
  // after (an echo leaves in the write that follows the read, with no post between).
  void deliver_websocket_bytes(std::string_view bytes) {
    struct Delivering {
      const void* outer;
      explicit Delivering(const void* self) : outer(t_delivering_connection) {
        t_delivering_connection = self;
      }
      ~Delivering() { t_delivering_connection = outer; }
      Delivering(const Delivering&) = delete;
      Delivering& operator=(const Delivering&) = delete;
    };
    WebSocketStep step;
    {
      Delivering delivering(this);
      step = ws_->on_bytes(bytes, out_, sending_.size());
    }
    if (!ws_sent_inline_.empty()) {
      if (step != WebSocketStep::kDrop &&
          ws_->on_frames(ws_sent_inline_, out_, sending_.size()) == WebSocketStep::kDrop) {
        step = WebSocketStep::kDrop;
      }
      ws_sent_inline_.clear();
    }
    websocket_step(step);
  }

  // Acts on what the WebSocket side decided, then writes what it queued.
  void websocket_step(WebSocketStep step) {
    if (closed_) return;
    switch (step) {
      case WebSocketStep::kDrop:
        return close();
      case WebSocketStep::kClosing:
        if (!ws_close_timer_) {
          ws_close_timer_ = true;
          arm_timer(Clock::now() + ws_->options().close_timeout);
        }
        break;
      case WebSocketStep::kCloseAfterWrite:
        if (!close_after_write_) {
          close_after_write_ = true;
          // Also bounds the wait for a peer that does not take our last frames.
          arm_timer(Clock::now() + ws_->options().close_timeout);
        }
        break;
      case WebSocketStep::kContinue:
        break;
    }
    flush();
  }

  // The keep-alive tick, or the end of a wait: for the peer's close, for our last frames to be
  // taken, or for the peer to close after ours.
  void on_websocket_timeout() {
    if (lingering_ || close_after_write_ || ws_->closing()) return close();
    std::chrono::milliseconds interval = ws_->options().ping_interval;
    if (interval.count() <= 0) return;
    arm_timer(Clock::now() + interval);
    websocket_step(ws_->on_tick(out_, sending_.size()));
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
    disarm_timer();
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

  void flush() { flush(Clock::now()); }

  // flush() with the clock as the caller last read it (`now`: at most a handler's time ago).
  void flush(Clock::time_point now) {
    if (closed_ || writing_) return;
    if (out_.empty()) {
      if (body_) return pump_body();
      if (close_after_write_) return close();
      return read();
    }
    writing_ = true;
    // A client gets the idle timeout to take each batch of responses; one that does not read
    // them is gone (event streams and WebSockets rely on their queue limits instead).
    if (!streaming_ && !ws_) arm_timer(now + server_->options.limits.idle_timeout);
    sending_.swap(out_);
    out_.clear();
    asio::async_write(stream_, asio::buffer(sending_),
                      [self = this->shared_from_this()](const asio::error_code& ec, std::size_t) {
                        self->writing_ = false;
                        self->sending_.clear();
                        if (!self->in_request_) self->idle_since_ = Clock::now();
                        if (ec || self->closed_) return self->close();
                        self->after_write();
                      });
  }

  // What follows a finished write: more queued bytes, the streamed body whose head was just
  // written, or the end of the connection.
  void after_write() {
    if (closed_) return;
    // A streamed body whose head was just written goes on; nothing else is queued meanwhile.
    if (body_) return pump_body();
    // Whatever was queued meanwhile (events, pipelined answers) goes first.
    if (!out_.empty()) return flush();
    if ((refusal_status_ != 0 || linger_after_write_ || ws_) && close_after_write_) {
      return linger();
    }
    if (close_after_write_ || (draining_ && !in_request_ && !ws_)) return close();
    flush();
  }

  // After a refusal: end our side and read (and drop) what the client is still sending for a
  // moment before closing. Closing with unread input makes the kernel reset the connection, and
  // the client may then never see the 413 or 431 it was sent.
  void linger() {
    lingering_ = true;
    asio::error_code ignored;
    socket().shutdown(asio::socket_base::shutdown_send, ignored);
    arm_timer(Clock::now() + std::chrono::seconds(2));
    read();  // on_read drops input after a refusal; EOF or the timer closes
  }

  // Answers with an error the server decided on (431, 413, 408, 400, ...) and closes after it.
  void refuse(int status, ErrorCode code, std::string_view reason, const std::string& message) {
    Request req;
    const Request& current = parser_.current();
    req.method = current.method.empty() ? "GET" : current.method;
    req.path = current.path;
    req.request_id = new_request_id();
    Response res;
    res.error(code, reason, message);
    res.status = status;
    res.server_error = nullptr;  // the server's own refusals are logged by their status alone
    server_->refused.fetch_add(1);
    refuse_with(std::move(req), std::move(res));
  }

  // As refuse(), with an error from a streamed body's sink (write, finish, its factory).
  void refuse_upload(const Error& error) {
    Request req = parser_.current();
    req.body_sink = nullptr;
    Response res;
    res.error(error);
    server_->requests.fetch_add(1);
    server_->metrics.record(req.method, req.route.empty() ? "unmatched" : req.route, res.status,
                            std::chrono::microseconds(0));
    refuse_with(std::move(req), std::move(res));
  }

  // Answers the request being read with `res` and closes after it, without reading the rest of
  // its body. A streamed body's sink is dropped without finish() (a FileBodySink removes its
  // file). When an earlier request's streamed body is still going out, the answer waits for it.
  void refuse_with(Request req, Response res) {
    refusal_status_ = res.status;
    parser_.current().body_sink.reset();
    in_request_ = false;
    // Requests that already completed in this read are still answered, in order.
    answer_ready();
    log(req, res.status, res.body.size(), std::chrono::microseconds(0), res.server_error.get());
    if (body_) {
      pending_refusal_.emplace(std::move(req), std::move(res));
      return;
    }
    serialize(req, res, true, out_);
    close_after_write_ = true;
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

  // ---- The parser's hooks (internal::RequestSink)

  void on_begin() override {
    in_request_ = true;
    request_start_ = now_;  // on_read's reading: the parser runs within it
  }

  // The first call for each request: the route's options are looked up here, once, and
  // on_head() (which always follows) uses them.
  std::size_t body_limit(const Request& req) override {
    current_route_ = server_->router.options_for(req.method, req.path);
    return server_->body_limit(current_route_);
  }

  bool on_head(Request& req, const internal::RequestHead& head) override {
    req.remote = remote_;
    req.client_address = std::string(address_of(remote_));
    req.client_certificate = peer_certificate_;
    req.peer_credentials = peer_credentials_;
    const RouteOptions* route = current_route_;
    if (route != nullptr && route->stream_body && !head.upgrade && !begin_upload(req, *route)) {
      return false;
    }
    // Not while earlier requests of this read wait for their answers: 100 must not come first.
    if (head.expects_continue && ready_.empty()) out_ += "HTTP/1.1 100 Continue\r\n\r\n";
    return true;
  }

  // For a route with RouteOptions::stream_body, once the request's headers are in: the
  // middleware runs now (a refusal is answered before any body byte is read), then the route's
  // factory makes the sink the body goes into. False when the request was answered instead.
  bool begin_upload(Request& current, const RouteOptions& route) {
    Response res;
    if (!server_->admit(current, res)) {
      Request req = current;
      server_->requests.fetch_add(1);
      server_->metrics.record(req.method, req.route.empty() ? "unmatched" : req.route, res.status,
                              std::chrono::microseconds(0));
      refuse_with(std::move(req), std::move(res));
      return false;
    }
    Result<std::shared_ptr<BodySink>> sink =
        fail(ErrorCode::kInternal, "HTTP_HANDLER_FAILED", "a body sink factory threw");
    try {
      sink = route.stream_body(current);
    } catch (...) {  // NOLINT(bugprone-empty-catch): answered as the 500 set above
    }
    if (sink && *sink == nullptr) {
      sink = fail(ErrorCode::kInternal, "HTTP_HANDLER_FAILED", "a body sink factory made no sink");
    }
    if (!sink) {
      refuse_upload(sink.error());
      return false;
    }
    current.body_sink = std::move(*sink);
    current_admitted_ = true;
    return true;
  }

  bool on_body_piece(Request& req, std::string_view piece) override {
    Status written = ok_status();
    try {
      written = req.body_sink->write(piece);
    } catch (...) {
      written = fail(ErrorCode::kInternal, "HTTP_HANDLER_FAILED", "a body sink threw");
    }
    if (!written) {
      refuse_upload(written.error());
      return false;
    }
    // A streamed body may take longer than request_timeout as a whole, as long as it keeps
    // coming: each piece starts a new request_timeout.
    request_start_ = now_;
    return true;
  }

  bool on_body_end(Request& req) override {
    Status finished = ok_status();
    try {
      finished = req.body_sink->finish();
    } catch (...) {
      finished = fail(ErrorCode::kInternal, "HTTP_HANDLER_FAILED", "a body sink threw");
    }
    if (!finished) {
      refuse_upload(finished.error());
      return false;
    }
    return true;
  }

  void on_request(Request&& req, bool keep_alive, bool upgrade) override {
    ready_.emplace_back(std::move(req), keep_alive, current_admitted_);
    current_admitted_ = false;
    in_request_ = false;
    // The parser stops after an upgrade request: it is the last of ready_.
    if (upgrade) upgrade_pending_ = true;
  }

  void on_refused(const internal::Refusal& refusal) override {
    refuse(refusal.status, refusal.code, refusal.reason, refusal.message);
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
  internal::RequestParser parser_;
  std::array<char, 16 * 1024> buffer_{};

  // The clock as this step last read it: on_read() reads it once for the parser's timestamps, and
  // answer_ready() after each handler.
  Clock::time_point now_ = Clock::now();
  Clock::time_point idle_since_ = now_;
  bool in_request_ = false;
  Clock::time_point request_start_;
  // A complete request, whether the connection may stay open after it, and whether it already
  // went through the middleware (Server::Impl::admit, for a streamed body).
  struct ReadyRequest {
    ReadyRequest(Request&& r, bool k, bool a) : req(std::move(r)), keep_alive(k), admitted(a) {}
    Request req;
    bool keep_alive = true;
    bool admitted = false;
  };
  std::vector<ReadyRequest> ready_;
  bool current_admitted_ = false;                // the request being read went through admit()
  const RouteOptions* current_route_ = nullptr;  // its route's options (body_limit())
  bool upgrade_pending_ = false;                 // the last of ready_ asks for a protocol upgrade
  std::string upgrade_leftover_;                 // the bytes read after it
  bool linger_after_write_ = false;
  bool lingering_ = false;

  std::string out_;      // to write next
  std::string sending_;  // being written
  bool writing_ = false;
  bool close_after_write_ = false;
  bool draining_ = false;
  bool closed_ = false;
  bool reading_ = false;
  bool streaming_ = false;
  std::shared_ptr<EventStream> events_;
  std::unique_ptr<WebSocketChannel> ws_;  // set once the connection speaks WebSocket
  bool ws_close_timer_ = false;           // the close_timeout wait has begun
  // Frames the session's handler sent while deliver_websocket_bytes ran, and how many sends
  // from elsewhere are posted and not yet taken (inline frames must not overtake them).
  std::string ws_sent_inline_;
  std::atomic<std::size_t> ws_posted_writes_{0};
  int refusal_status_ = 0;
  // A refusal that waits for a streamed body to end (refuse_with).
  std::optional<std::pair<Request, Response>> pending_refusal_;
  std::optional<BodyStream> body_;  // the streamed body going out, if any
  std::vector<char> body_buffer_;   // its pieces, reused (allocated at the first one)
  std::string chunk_head_;          // the size line of the chunk being written
  std::vector<asio::const_buffer>
      body_pieces_;                  // what is being written: [size line,] piece[, CRLF]
  Clock::time_point body_progress_;  // when the client last took some of it
  // The deadline (arm_timer), the one the pending wait is set for, and whether one is pending.
  Clock::time_point deadline_;
  Clock::time_point armed_for_;
  bool timer_armed_ = false;
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
