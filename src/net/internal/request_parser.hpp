// Reading HTTP/1.x requests with http-parser, for the server's connections: bytes in, complete
// Requests out, or a refusal when a request breaks a limit or a rule (431 header limits, 413 body
// limit, 400 a malformed request or target, 417 an Expect other than 100-continue, 505 a version
// other than 1.0 and 1.1). What the parser cannot decide alone -- the body limit of a route,
// whether a body is streamed into a sink, the peer's identity -- it asks its RequestSink.
// Private to the server. Not thread-safe: one parser per connection, used on its strand.
#pragma once

#include <http_parser.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "cairn/core/error.hpp"
#include "cairn/net/http.hpp"

namespace cairn::net::internal {

// A new request ID: 32 lowercase hex digits, unique but not secret.
std::string new_request_id();

// Whether a client's X-Request-Id may be used as the request's ID: 1 to 64 characters of
// [A-Za-z0-9._-].
bool is_sane_request_id(std::string_view id);

// The limits a RequestParser enforces on its own (ServerLimits' fields of the same names).
struct RequestLimits {
  std::size_t max_header_bytes = 0;  // request target, header names and values together
  std::size_t max_headers = 0;       // header fields per request
};

// Why the parser will not read a request: answer it with `status` and this error, then close.
struct Refusal {
  int status = 0;
  ErrorCode code = ErrorCode::kInvalidArgument;
  std::string reason;
  std::string message;
};

// What a request's headers say about what follows them.
struct RequestHead {
  bool upgrade = false;           // a protocol upgrade: the parser stops after this request
  bool expects_continue = false;  // HTTP/1.1, Expect: 100-continue, and a body follows
};

// The parser's side of a connection. The parser calls it synchronously from feed(), in the order
// of the bytes. A hook that returns false has answered the request itself (refused it) and the
// parser stops reading: feed() yields no refusal of its own after it.
class RequestSink {
 public:
  virtual ~RequestSink() = default;
  // The first byte of a request is in.
  virtual void on_begin() = 0;
  // The largest body `req` (method, path and headers known, all valid) may have.
  virtual std::size_t body_limit(const Request& req) = 0;
  // The headers of `req` are in and pass every rule. The sink may set fields of `req` (its
  // peer, its route) and req.body_sink, which makes the body go to on_body_piece() instead of
  // into req.body.
  virtual bool on_head(Request& req, const RequestHead& head) = 0;
  // A piece of a streamed body (req.body_sink set), within body_limit() in total.
  virtual bool on_body_piece(Request& req, std::string_view piece) = 0;
  // The streamed body of `req` is complete (req.body_sink set).
  virtual bool on_body_end(Request& req) = 0;
  // A complete request; `keep_alive`: the connection may stay open after it. After a request
  // with `upgrade`, the parser reads nothing more.
  // The sink takes `req` (moved from); the parser starts the next request afresh.
  virtual void on_request(Request&& req, bool keep_alive, bool upgrade) = 0;
  // The parser refuses the request being read (current()); it reads nothing more.
  virtual void on_refused(const Refusal& refusal) = 0;
};

// One connection's request stream. Feed it bytes as they arrive, split anywhere: the requests
// and the refusal are the same however the bytes are split.
class RequestParser {
 public:
  RequestParser(RequestLimits limits, RequestSink& sink);
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Parses `data`, calling the sink; returns how many bytes were consumed. Fewer than `size`
  // after an upgrade request (the rest is in the new protocol), a refusal, or a request after
  // one that closes the connection (not refused: the connection closes after its answer).
  // Feeding nothing does nothing.
  std::size_t feed(const char* data, std::size_t size);

  // The request being read (partly filled; empty between requests). Its body_sink may be
  // dropped by a connection that gives up on it.
  Request& current() { return current_; }

 private:
  static RequestParser& of(http_parser* p) { return *static_cast<RequestParser*>(p->data); }
  static int on_message_begin(http_parser* p);
  static int on_url(http_parser* p, const char* at, std::size_t n);
  static int on_header_field(http_parser* p, const char* at, std::size_t n);
  static int on_header_value(http_parser* p, const char* at, std::size_t n);
  static int on_headers_complete(http_parser* p);
  static int on_body(http_parser* p, const char* at, std::size_t n);
  static int on_message_complete(http_parser* p);

  // Refuses the request being read; returns -1 (stop parsing) for the callback to return.
  int refuse(int status, ErrorCode code, std::string_view reason, std::string message);
  int header_limit_check(std::size_t more);
  void push_header();
  int check_head();

  RequestLimits limits_;
  RequestSink& sink_;
  http_parser parser_{};
  http_parser_settings settings_{};
  Request current_;
  std::string field_;
  std::string value_;
  bool in_value_ = false;
  bool headers_done_ = false;  // later header callbacks are chunked trailers: dropped
  std::size_t header_bytes_ = 0;
  std::size_t body_limit_ = 0;
  uint64_t streamed_bytes_ = 0;  // of current_'s streamed body
  bool stopped_ = false;         // refused, by the parser or by the sink
  bool upgraded_ = false;        // an upgrade request was read: nothing more is
};

}  // namespace cairn::net::internal
