// RequestParser: http-parser's callbacks assemble each Request, and check every limit and rule
// as soon as the bytes that could break it are in, so that an oversized request is refused
// before the rest of it is read. Every check counts what was seen across callbacks (never one
// callback's piece), which keeps the outcome the same however the bytes are split.
#include "net/internal/request_parser.hpp"

#include <algorithm>
#include <random>

namespace cairn::net::internal {

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

namespace {

// RFC 9110 5.6.2: a field name is a token.
bool is_token(std::string_view name) {
  static constexpr std::string_view kExtra = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           kExtra.find(ch) != std::string_view::npos;
  });
}

}  // namespace

RequestParser::RequestParser(RequestLimits limits, RequestSink& sink)
    : limits_(limits), sink_(sink) {
  http_parser_settings_init(&settings_);
  settings_.on_message_begin = &RequestParser::on_message_begin;
  settings_.on_url = &RequestParser::on_url;
  settings_.on_header_field = &RequestParser::on_header_field;
  settings_.on_header_value = &RequestParser::on_header_value;
  settings_.on_headers_complete = &RequestParser::on_headers_complete;
  settings_.on_body = &RequestParser::on_body;
  settings_.on_message_complete = &RequestParser::on_message_complete;
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
}

std::size_t RequestParser::feed(const char* data, std::size_t size) {
  // An empty buffer would tell http-parser that the stream ended.
  if (upgraded_ || size == 0) return 0;
  std::size_t parsed = http_parser_execute(&parser_, &settings_, data, size);
  // http-parser stops after an upgrade request: what follows is in the new protocol. After a
  // request that closes the connection it refuses more input, but that request is answered.
  if (upgraded_ || HTTP_PARSER_ERRNO(&parser_) == HPE_CLOSED_CONNECTION) return parsed;
  if (!stopped_ && (HTTP_PARSER_ERRNO(&parser_) != HPE_OK || parsed != size)) {
    refuse(400, ErrorCode::kInvalidArgument, "HTTP_REQUEST_MALFORMED",
           std::string("malformed request: ") +
               http_errno_name(static_cast<http_errno>(parser_.http_errno)));
  }
  return parsed;
}

int RequestParser::refuse(int status, ErrorCode code, std::string_view reason,
                          std::string message) {
  stopped_ = true;
  sink_.on_refused(Refusal{status, code, std::string(reason), std::move(message)});
  return -1;
}

int RequestParser::header_limit_check(std::size_t more) {
  header_bytes_ += more;
  if (header_bytes_ > limits_.max_header_bytes) {
    return refuse(431, ErrorCode::kResourceExhausted, "HTTP_HEADERS_TOO_LARGE",
                  "the request line and headers exceed " +
                      std::to_string(limits_.max_header_bytes) + " bytes");
  }
  return 0;
}

void RequestParser::push_header() {
  while (!value_.empty() && (value_.back() == ' ' || value_.back() == '\t')) value_.pop_back();
  if (!field_.empty() && !headers_done_) current_.headers.add(std::move(field_), std::move(value_));
  field_.clear();
  value_.clear();
}

int RequestParser::on_message_begin(http_parser* p) {
  RequestParser& r = of(p);  // current_ is fresh: made so by the constructor or the last request
  r.field_.clear();
  r.value_.clear();
  r.in_value_ = false;
  r.headers_done_ = false;
  r.header_bytes_ = 0;
  r.streamed_bytes_ = 0;
  r.sink_.on_begin();
  return 0;
}

int RequestParser::on_url(http_parser* p, const char* at, std::size_t n) {
  RequestParser& r = of(p);
  r.current_.target.append(at, n);
  return r.header_limit_check(n);
}

int RequestParser::on_header_field(http_parser* p, const char* at, std::size_t n) {
  RequestParser& r = of(p);
  if (r.in_value_) {
    r.push_header();
    r.in_value_ = false;
  }
  // Trailers are counted too (and dropped): they cost the same to read.
  if (r.field_.empty() && r.current_.headers.size() >= r.limits_.max_headers) {
    return r.refuse(
        431, ErrorCode::kResourceExhausted, "HTTP_HEADERS_TOO_MANY",
        "a request may have at most " + std::to_string(r.limits_.max_headers) + " header fields");
  }
  r.field_.append(at, n);
  return r.header_limit_check(n);
}

int RequestParser::on_header_value(http_parser* p, const char* at, std::size_t n) {
  RequestParser& r = of(p);
  r.in_value_ = true;
  r.value_.append(at, n);
  return r.header_limit_check(n);
}

int RequestParser::on_headers_complete(http_parser* p) {
  RequestParser& r = of(p);
  r.push_header();
  r.headers_done_ = true;
  r.in_value_ = false;
  return r.check_head();
}

// The rules on a request's head, in the order they are answered: header names, version, target,
// body size, Expect; then the sink's own (a streamed body's route may refuse it).
int RequestParser::check_head() {
  Request& req = current_;
  for (const auto& field : req.headers.fields()) {
    if (!is_token(field.first)) {
      return refuse(400, ErrorCode::kInvalidArgument, "HTTP_REQUEST_MALFORMED",
                    "a header field name is not a token");
    }
  }
  if (parser_.http_major != 1 || parser_.http_minor > 1) {
    return refuse(505, ErrorCode::kUnimplemented, "HTTP_VERSION_UNSUPPORTED",
                  "only HTTP/1.0 and HTTP/1.1 are served");
  }
  req.method = http_method_str(static_cast<http_method>(parser_.method));
  req.version_major = parser_.http_major;
  req.version_minor = parser_.http_minor;
  std::string_view target = req.target;
  std::size_t q = target.find('?');
  std::string_view raw_path = target.substr(0, q);
  auto path = percent_decode(raw_path);
  // Dot segments and encoded slashes would let one path mean another to a prefix check or a
  // file lookup; no route needs them.
  bool dots =
      path && (path->find("/./") != std::string::npos || path->find("/../") != std::string::npos ||
               path->ends_with("/.") || path->ends_with("/.."));
  bool encoded_slash = raw_path.find("%2F") != std::string_view::npos ||
                       raw_path.find("%2f") != std::string_view::npos;
  if (!path || path->empty() || path->front() != '/' || dots || encoded_slash) {
    return refuse(400, ErrorCode::kInvalidArgument, "HTTP_REQUEST_MALFORMED",
                  "the request target is not an absolute path without dot segments");
  }
  req.path = std::move(*path);
  if (q != std::string_view::npos) req.query = std::string(target.substr(q + 1));
  auto id = req.headers.get("X-Request-Id");
  req.request_id = id && is_sane_request_id(*id) ? std::string(*id) : new_request_id();

  body_limit_ = sink_.body_limit(req);
  bool has_length = (parser_.flags & F_CONTENTLENGTH) != 0;
  bool chunked = (parser_.flags & F_CHUNKED) != 0;
  if (has_length && parser_.content_length > body_limit_) {
    return refuse(413, ErrorCode::kResourceExhausted, "HTTP_BODY_TOO_LARGE",
                  "the request body exceeds " + std::to_string(body_limit_) + " bytes");
  }
  auto expect = req.headers.get("Expect");
  if (expect && !iequals(*expect, "100-continue")) {
    return refuse(417, ErrorCode::kFailedPrecondition, "HTTP_EXPECTATION_FAILED",
                  "only Expect: 100-continue is understood");
  }
  RequestHead head;
  head.upgrade = parser_.upgrade != 0;
  head.expects_continue =
      expect && ((has_length && parser_.content_length > 0) || chunked) && parser_.http_minor == 1;
  if (!sink_.on_head(req, head)) {
    stopped_ = true;
    return -1;
  }
  return 0;
}

int RequestParser::on_body(http_parser* p, const char* at, std::size_t n) {
  RequestParser& r = of(p);
  if (r.current_.body_sink) {
    if (r.streamed_bytes_ + n > r.body_limit_) {
      return r.refuse(413, ErrorCode::kResourceExhausted, "HTTP_BODY_TOO_LARGE",
                      "the request body exceeds " + std::to_string(r.body_limit_) + " bytes");
    }
    r.streamed_bytes_ += n;
    if (!r.sink_.on_body_piece(r.current_, std::string_view(at, n))) {
      r.stopped_ = true;
      return -1;
    }
    return 0;
  }
  if (r.current_.body.size() + n > r.body_limit_) {
    return r.refuse(413, ErrorCode::kResourceExhausted, "HTTP_BODY_TOO_LARGE",
                    "the request body exceeds " + std::to_string(r.body_limit_) + " bytes");
  }
  r.current_.body.append(at, n);
  return 0;
}

int RequestParser::on_message_complete(http_parser* p) {
  RequestParser& r = of(p);
  if (r.in_value_) r.push_header();  // a last trailer: dropped
  r.in_value_ = false;
  if (r.current_.body_sink && !r.sink_.on_body_end(r.current_)) {
    r.stopped_ = true;
    return -1;
  }
  bool keep_alive = http_should_keep_alive(p) != 0;
  // http-parser returns right after an upgrade request: nothing more is read.
  bool upgrade = p->upgrade != 0;
  if (upgrade) r.upgraded_ = true;
  r.sink_.on_request(std::move(r.current_), keep_alive, upgrade);
  r.current_ = Request();
  return 0;
}

}  // namespace cairn::net::internal
