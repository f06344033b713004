// Decoding an HTTP/1.x response with http-parser, for HttpClient: the status, the headers and the
// de-chunked body, bounded by a byte limit. Private to the client.
#pragma once

#include <http_parser.h>

#include <cstddef>
#include <string>

#include "cairn/net/client.hpp"

namespace cairn::net::internal {

// What the response parser collects; http-parser calls back with pieces of the stream. Set
// `limit` and `head`, point `http_parser::data` at it and feed it with response_settings().
// Interim 1xx responses (but 101) are skipped. When a whole response has been parsed, `complete`
// is set and the parser is paused, so bytes after it are left unparsed (the caller then knows the
// connection carries something nobody asked for).
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
  bool too_large = false;  // more than `limit` bytes: the parse was stopped
  bool keep_alive = false;

  static ResponseParse* of(http_parser* p) { return static_cast<ResponseParse*>(p->data); }

  // Counts `n` more bytes; -1 (stop parsing) past the limit.
  int count(std::size_t n);
  void push_header();

  static int on_message_begin(http_parser* p);
  static int on_status(http_parser* p, const char* at, std::size_t n);
  static int on_header_field(http_parser* p, const char* at, std::size_t n);
  static int on_header_value(http_parser* p, const char* at, std::size_t n);
  static int on_headers_complete(http_parser* p);
  static int on_body(http_parser* p, const char* at, std::size_t n);
  static int on_message_complete(http_parser* p);
};

// The http-parser callbacks of ResponseParse (built once, read-only afterwards).
const http_parser_settings& response_settings();

}  // namespace cairn::net::internal
