// ResponseParse: http-parser's callbacks for a client response. Every byte of the status line,
// the headers and the body counts against one limit, so a hostile server cannot make the client
// buffer without bound; a declared Content-Length over the limit is refused before any body byte.
#include "net/internal/response_parser.hpp"

#include <utility>

namespace cairn::net::internal {

int ResponseParse::count(std::size_t n) {
  bytes += n;
  if (bytes > limit) {
    too_large = true;
    return -1;
  }
  return 0;
}

void ResponseParse::push_header() {
  if (!field.empty()) response.headers.add(std::move(field), std::move(value));
  field.clear();
  value.clear();
  in_value = false;
}

int ResponseParse::on_message_begin(http_parser* p) {
  ResponseParse* r = of(p);
  r->response = ClientResponse();
  r->headers_done = false;
  r->in_value = false;
  r->field.clear();
  r->value.clear();
  return 0;
}

int ResponseParse::on_status(http_parser* p, const char* /*at*/, std::size_t n) {
  return of(p)->count(n);
}

int ResponseParse::on_header_field(http_parser* p, const char* at, std::size_t n) {
  ResponseParse* r = of(p);
  if (r->headers_done) return r->count(n);  // a trailer of a chunked body: not kept
  if (r->in_value) r->push_header();
  r->field.append(at, n);
  return r->count(n);
}

int ResponseParse::on_header_value(http_parser* p, const char* at, std::size_t n) {
  ResponseParse* r = of(p);
  if (r->headers_done) return r->count(n);
  r->in_value = true;
  r->value.append(at, n);
  return r->count(n);
}

int ResponseParse::on_headers_complete(http_parser* p) {
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

int ResponseParse::on_body(http_parser* p, const char* at, std::size_t n) {
  ResponseParse* r = of(p);
  if (r->count(n) != 0) return -1;
  r->response.body.append(at, n);
  return 0;
}

int ResponseParse::on_message_complete(http_parser* p) {
  ResponseParse* r = of(p);
  if (p->status_code >= 100 && p->status_code < 200 && p->status_code != 101) {
    return 0;  // interim (100 Continue, 103 Early Hints): the real response follows
  }
  r->complete = true;
  r->keep_alive = http_should_keep_alive(p) != 0 && p->upgrade == 0;
  http_parser_pause(p, 1);  // anything after this response is not ours to parse
  return 0;
}

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

}  // namespace cairn::net::internal
