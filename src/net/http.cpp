#include "cairn/net/http.hpp"

#include <algorithm>
#include <cctype>

#include "cairn/net/form.hpp"

namespace cairn::net {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const auto& [n, v] : fields_) {
    if (iequals(n, name)) return std::string_view(v);
  }
  return std::nullopt;
}

std::vector<std::string_view> Headers::all(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& [n, v] : fields_) {
    if (iequals(n, name)) out.emplace_back(v);
  }
  return out;
}

void Headers::add(std::string name, std::string value) {
  fields_.emplace_back(std::move(name), std::move(value));
}

void Headers::set(std::string name, std::string value) {
  remove(name);
  add(std::move(name), std::move(value));
}

void Headers::remove(std::string_view name) {
  std::erase_if(fields_, [&](const auto& f) { return iequals(f.first, name); });
}

std::string_view Request::param(std::string_view name) const {
  auto it = params.find(name);
  return it == params.end() ? std::string_view() : std::string_view(it->second);
}

// One query grammar: form.hpp's parser. A malformed query has no parameters here; a handler that
// must tell the client so calls query_params(req) for the error.
std::optional<std::string> Request::query_param(std::string_view name) const {
  Result<FormData> pairs = parse_form(query);
  if (!pairs) return std::nullopt;
  std::optional<std::string_view> value = pairs->get(name);
  if (!value) return std::nullopt;
  return std::string(*value);
}

std::optional<std::string> percent_decode(std::string_view text, bool plus_as_space) {
  // Most paths and values have nothing to decode: they are copied as they are.
  std::size_t first =
      text.find_first_of(plus_as_space ? std::string_view("%+\0", 3) : std::string_view("%\0", 2));
  if (first == std::string_view::npos) return std::string(text);
  std::string out(text.substr(0, first));
  out.reserve(text.size());
  for (std::size_t i = first; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int hi = hex_value(text[i + 1]);
      int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      char decoded = static_cast<char>(hi * 16 + lo);
      if (decoded == '\0') return std::nullopt;
      out += decoded;
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out += ' ';
    } else if (c == '\0') {
      return std::nullopt;  // a raw NUL is refused like an encoded one
    } else {
      out += c;
    }
  }
  return out;
}

std::string json_quote(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out += kHex[(c >> 4) & 0xF];
          out += kHex[c & 0xF];
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

void Response::json_text(std::string json_text, int status_code) {
  status = status_code;
  headers.set("Content-Type", "application/json");
  body = std::move(json_text);
}

void Response::text(std::string text, int status_code) {
  status = status_code;
  headers.set("Content-Type", "text/plain; charset=utf-8");
  body = std::move(text);
}

void Response::error(const Error& e) {
  int code_status = http_status(e.code);
  std::string_view message = code_status >= 500 ? status_phrase(code_status) : e.message;
  std::string out = "{\"error\":{\"code\":";
  out += json_quote(code_name(e.code));
  out += ",\"reason\":";
  out += json_quote(e.reason);
  out += ",\"message\":";
  out += json_quote(message);
  out += "}}";
  json_text(std::move(out), code_status);
  server_error = code_status >= 500 ? std::make_shared<const Error>(e) : nullptr;
  if (e.retry_after.count() > 0) {
    headers.set("Retry-After", std::to_string((e.retry_after.count() + 999) / 1000));
  }
}

void Response::error(ErrorCode code, std::string_view reason, std::string_view message) {
  error(Error{code, std::string(reason), std::string(message), {}});
}

std::string_view status_phrase(int status) noexcept {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 417:
      return "Expectation Failed";
    case 422:
      return "Unprocessable Content";
    case 428:
      return "Precondition Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 499:
      return "Client Closed Request";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

}  // namespace cairn::net
