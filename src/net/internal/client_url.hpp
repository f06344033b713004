// The URL an HttpClient is given, parsed once: scheme, host, port or socket path, and the Host
// header and display form derived from them. Private to the client.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cairn/core/result.hpp"

namespace cairn::net::internal {

enum class Scheme { kHttp, kHttps, kUnix };

struct Url {
  Scheme scheme = Scheme::kHttp;
  std::string host;  // a name or an IP address, without brackets; empty for unix:
  uint16_t port = 0;
  std::string socket_path;  // unix: only
  std::string host_header;  // "example.com", "127.0.0.1:8080", "[::1]:8080", "localhost"
  std::string display;      // for messages: the URL without anything after the authority
};

// Parses http://host[:port][/], https://host[:port][/] or unix:/path (also unix:///path).
// Errors: INVALID_ARGUMENT / NET_URL_INVALID, with a message that never echoes user information
// (it may hold a password).
[[nodiscard]] Result<Url> parse_url(std::string_view text);

}  // namespace cairn::net::internal
