// libFuzzer target for cairn::net's cookies (RFC 6265): the Cookie header reader and the
// Set-Cookie builder.
//
// Properties (a broken one aborts):
// - parse_cookie_header is deterministic and yields only token names and cookie-octet values;
// - parse -> build ("a=1; b=2") -> parse gives the same cookies, in order;
// - each parsed cookie can be set again: format_set_cookie of its name and value (Secure, Path=/
//   so the __Secure-/__Host- prefixes are satisfied) succeeds unless name and value exceed
//   4096 bytes, and the line reads back as that cookie;
// - a Set-Cookie built from arbitrary parts (name, value, path, domain and attributes taken
//   from the input) is either refused with HTTP_COOKIE_INVALID or is printable ASCII with no CR,
//   LF or other control byte, starts with "name=value", and keeps the rules its header states
//   (SameSite=None needs Secure; __Secure- needs Secure; __Host- needs Secure, Path=/, no Domain);
// - add_set_cookies adds one line per cookie, or none when one is refused.
//
// The first input byte picks the attributes of the built cookie (bit 0 HttpOnly, bit 1 Secure,
// bits 2-3 SameSite none/Strict/Lax/None, bit 4 Max-Age, bit 5 Expires, bit 6 a negative one);
// the rest is a Cookie header value, and also, split at '\n', the name, value, path, domain and
// a time of the built cookie. Seeds: corpus/cookies/ (tests/net/cookies_test.cpp's headers);
// tokens: cookies.dict. See tests/fuzz/CMakeLists.txt for how it is built and run.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/net/cookies.hpp"

namespace {

namespace net = cairn::net;

constexpr std::size_t kMaxInputBytes = std::size_t{16} * 1024;
constexpr std::size_t kMaxNameAndValueBytes = 4096;

bool is_token_char(char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// cookie-octet, RFC 6265 section 4.1.1, written out again here from the RFC.
bool is_cookie_octet(char c) {
  const auto b = static_cast<unsigned char>(c);
  return b == 0x21 || (b >= 0x23 && b <= 0x2B) || (b >= 0x2D && b <= 0x3A) ||
         (b >= 0x3C && b <= 0x5B) || (b >= 0x5D && b <= 0x7E);
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_token_char(c)) return false;
  }
  return true;
}

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && net::iequals(text.substr(0, prefix.size()), prefix);
}

std::string build_header(const std::vector<net::Cookie>& cookies) {
  std::string out;
  for (const net::Cookie& c : cookies) {
    if (!out.empty()) out += "; ";
    out += c.name + "=" + c.value;
  }
  return out;
}

std::vector<std::string_view> split_lines(std::string_view text, std::size_t parts) {
  std::vector<std::string_view> out;
  while (out.size() + 1 < parts) {
    const std::size_t newline = text.find('\n');
    if (newline == std::string_view::npos) break;
    out.push_back(text.substr(0, newline));
    text.remove_prefix(newline + 1);
  }
  out.push_back(text);
  out.resize(parts);
  return out;
}

void check_built(const net::SetCookie& cookie, const cairn::Result<std::string>& line) {
  if (!line) {
    if (line.error().reason != "HTTP_COOKIE_INVALID") std::abort();
    return;
  }
  for (char c : *line) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b >= 0x7F) std::abort();
  }
  if (line->rfind(cookie.name + "=" + cookie.value, 0) != 0) std::abort();
  if (!is_token(cookie.name)) std::abort();
  if (cookie.same_site == net::SameSite::kNone && !cookie.secure) std::abort();
  if (starts_with_nocase(cookie.name, "__Secure-") && !cookie.secure) std::abort();
  if (starts_with_nocase(cookie.name, "__Host-") &&
      (!cookie.secure || !cookie.domain.empty() || cookie.path != "/")) {
    std::abort();
  }
  if ((line->find("; Secure") != std::string::npos) != cookie.secure) std::abort();
  if ((line->find("; HttpOnly") != std::string::npos) != cookie.http_only) std::abort();
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t control = bytes[0];
  std::string_view header(reinterpret_cast<const char*>(bytes + 1),
                          std::min(size - 1, kMaxInputBytes));

  // Reading.
  std::vector<net::Cookie> cookies = net::parse_cookie_header(header).items();
  if (net::parse_cookie_header(header).items() != cookies) std::abort();
  for (const net::Cookie& c : cookies) {
    if (!is_token(c.name)) std::abort();
    for (char ch : c.value) {
      if (!is_cookie_octet(ch)) std::abort();
    }
  }
  if (net::parse_cookie_header(build_header(cookies)).items() != cookies) std::abort();

  // Each cookie read can be set again and reads back the same.
  for (const net::Cookie& c : cookies) {
    net::SetCookie again{.name = c.name, .value = c.value, .path = "/"};
    again.secure = true;
    cairn::Result<std::string> line = net::format_set_cookie(again);
    if (!line) {
      if (c.name.size() + c.value.size() <= kMaxNameAndValueBytes) std::abort();
      continue;
    }
    std::vector<net::Cookie> back = net::parse_cookie_header(*line).items();
    if (back.empty() || back.front() != c) std::abort();
  }

  // Writing from arbitrary parts.
  std::vector<std::string_view> parts = split_lines(header, 5);
  net::SetCookie cookie{.name = std::string(parts[0]),
                        .value = std::string(parts[1]),
                        .path = std::string(parts[2]),
                        .domain = std::string(parts[3])};
  cookie.http_only = (control & 1U) != 0;
  cookie.secure = (control & 2U) != 0;
  switch ((control >> 2U) & 3U) {
    case 1:
      cookie.same_site = net::SameSite::kStrict;
      break;
    case 2:
      cookie.same_site = net::SameSite::kLax;
      break;
    case 3:
      cookie.same_site = net::SameSite::kNone;
      break;
    default:
      break;
  }
  // A time from the last part's bytes: up to +-2^40 seconds, beyond every calendar yet within
  // a Timestamp's microseconds.
  std::int64_t seconds = 0;
  for (char c : parts[4].substr(0, 5)) seconds = seconds * 256 + static_cast<unsigned char>(c);
  if ((control & 64U) != 0) seconds = -seconds;
  if ((control & 16U) != 0) cookie.max_age = std::chrono::seconds(seconds);
  if ((control & 32U) != 0) {
    cookie.expires = cairn::Timestamp(std::chrono::seconds(seconds));
  }
  cairn::Result<std::string> line = net::format_set_cookie(cookie);
  cairn::Result<std::string> line_again = net::format_set_cookie(cookie);
  if (line.has_value() != line_again.has_value() || (line && *line != *line_again)) std::abort();
  check_built(cookie, line);

  net::Response res;
  net::SetCookie plain{.name = "a", .value = "1"};
  cairn::Status added = net::add_set_cookies(res, {plain, cookie});
  const std::size_t lines = res.headers.all("Set-Cookie").size();
  if (added.has_value() != line.has_value()) std::abort();
  if (lines != (added ? 2U : 0U)) std::abort();
  return 0;
}
