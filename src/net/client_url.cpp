// URL parsing for HttpClient: only a scheme, a host and a port (or a unix socket path); requests
// name their own paths.
#include "net/internal/client_url.hpp"

#include <sys/un.h>

#include <algorithm>
#include <asio.hpp>
#include <charconv>

#include "cairn/core/error.hpp"
#include "cairn/net/http.hpp"

namespace cairn::net::internal {
namespace {

Unexpected<Error> url_invalid(std::string_view why) {
  return fail(ErrorCode::kInvalidArgument, "NET_URL_INVALID",
              "not a usable URL: " + std::string(why));
}

bool is_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

}  // namespace

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

}  // namespace cairn::net::internal
