// Request validation and serialization for HttpClient: a request that could be misread by the
// server (request smuggling through CR/LF, a second Content-Length) is refused before sending.
#include "net/internal/client_request.hpp"

#include <algorithm>

#include "cairn/core/error.hpp"
#include "cairn/version.h"

namespace cairn::net::internal {
namespace {

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

}  // namespace

bool idempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
         method == "OPTIONS";
}

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

}  // namespace cairn::net::internal
