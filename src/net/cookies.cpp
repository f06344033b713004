#include "cairn/net/cookies.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

namespace cairn::net {
namespace {

// Browsers keep at least 4096 bytes of name and value per cookie (RFC 6265 section 6.1) and drop
// larger ones silently, so a larger cookie is refused where the mistake can still be seen.
constexpr std::size_t kMaxNameAndValueBytes = 4096;

bool is_token_char(char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), is_token_char);
}

// cookie-octet (RFC 6265 section 4.1.1): US-ASCII without controls, space, '"', ',', ';', '\'.
bool is_cookie_octet(char c) {
  auto b = static_cast<unsigned char>(c);
  return b == 0x21 || (b >= 0x23 && b <= 0x2B) || (b >= 0x2D && b <= 0x3A) ||
         (b >= 0x3C && b <= 0x5B) || (b >= 0x5D && b <= 0x7E);
}

// The value without one pair of surrounding double quotes, or nullopt when it is not a
// cookie-value (a lone quote, a quote inside, any other forbidden byte).
std::optional<std::string_view> cookie_value(std::string_view value) {
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
  }
  if (!std::all_of(value.begin(), value.end(), is_cookie_octet)) return std::nullopt;
  return value;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

// A host name as Domain carries it (RFC 6265 section 4.1.2.3 defers to RFC 1034/1123): labels of
// letters, digits and hyphens, 1 to 63 bytes, not starting or ending with a hyphen. One leading
// dot is allowed (browsers ignore it).
bool is_domain(std::string_view domain) {
  if (!domain.empty() && domain.front() == '.') domain.remove_prefix(1);
  if (domain.empty() || domain.size() > 253) return false;
  while (true) {
    std::size_t dot = domain.find('.');
    std::string_view label = domain.substr(0, dot);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
      if (!alnum && c != '-') return false;
    }
    if (dot == std::string_view::npos) return true;
    domain.remove_prefix(dot + 1);
  }
}

bool is_path(std::string_view path) {
  if (path.empty() || path.front() != '/') return false;
  return std::all_of(path.begin(), path.end(), [](char c) {
    auto b = static_cast<unsigned char>(c);
    return b >= 0x20 && b <= 0x7E && c != ';';
  });
}

// "Sun, 06 Nov 1994 08:49:37 GMT" (IMF-fixdate, RFC 9110 section 5.6.7), or nullopt for a year
// outside 1601..9999: four digits, and browsers refuse years before 1601 (RFC 6265 5.1.1).
std::optional<std::string> imf_fixdate(Timestamp t) {
  using namespace std::chrono;
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  sys_days day = floor<days>(t);
  year_month_day date(day);
  int year = static_cast<int>(date.year());
  if (year < 1601 || year > 9999) return std::nullopt;
  hh_mm_ss<seconds> time(floor<seconds>(t) - day);
  std::array<char, 40> text{};
  int n = std::snprintf(text.data(), text.size(), "%s, %02u %s %04d %02d:%02d:%02d GMT",
                        kDays[weekday(day).c_encoding()], static_cast<unsigned>(date.day()),
                        kMonths[static_cast<unsigned>(date.month()) - 1], year,
                        static_cast<int>(time.hours().count()),
                        static_cast<int>(time.minutes().count()),
                        static_cast<int>(time.seconds().count()));
  return std::string(text.data(), static_cast<std::size_t>(n));
}

Unexpected<Error> invalid(std::string_view name, std::string_view why) {
  std::string shown = is_token(name) ? std::string(name) : std::string("(invalid name)");
  return fail(ErrorCode::kInvalidArgument, "HTTP_COOKIE_INVALID",
              "cookie " + shown + ": " + std::string(why));
}

}  // namespace

std::optional<std::string_view> Cookies::get(std::string_view name) const {
  for (const Cookie& c : items_) {
    if (c.name == name) return std::string_view(c.value);
  }
  return std::nullopt;
}

std::vector<std::string_view> Cookies::all(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const Cookie& c : items_) {
    if (c.name == name) out.emplace_back(c.value);
  }
  return out;
}

Cookies parse_cookie_header(std::string_view header) {
  std::vector<Cookie> items;
  while (!header.empty()) {
    std::size_t semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view name = trim(pair.substr(0, eq));
    std::optional<std::string_view> value = cookie_value(trim(pair.substr(eq + 1)));
    if (!is_token(name) || !value) continue;
    items.push_back(Cookie{std::string(name), std::string(*value)});
  }
  return Cookies(std::move(items));
}

Cookies request_cookies(const Request& req) {
  std::vector<Cookie> items;
  for (std::string_view field : req.headers.all("Cookie")) {
    Cookies some = parse_cookie_header(field);
    items.insert(items.end(), some.items().begin(), some.items().end());
  }
  return Cookies(std::move(items));
}

Result<std::string> format_set_cookie(const SetCookie& cookie) {
  const std::string& name = cookie.name;
  if (!is_token(name)) return invalid(name, "the name must be a non-empty token");
  if (!cookie_value(cookie.value)) {
    return invalid(name, "the value may hold only cookie-octets (no space, '\"', ',', ';', '\\')");
  }
  if (name.size() + cookie.value.size() > kMaxNameAndValueBytes) {
    return invalid(name, "name and value exceed 4096 bytes");
  }
  if (!cookie.path.empty() && !is_path(cookie.path)) {
    return invalid(name, "the path must start with '/' and hold no controls or ';'");
  }
  if (!cookie.domain.empty() && !is_domain(cookie.domain)) {
    return invalid(name, "the domain is not a host name");
  }
  if (cookie.max_age && cookie.max_age->count() < 0) {
    return invalid(name, "max_age is negative");
  }
  std::optional<std::string> expires;
  if (cookie.expires) {
    expires = imf_fixdate(*cookie.expires);
    if (!expires) return invalid(name, "expires is outside the years 1601 to 9999");
  }
  if (cookie.same_site == SameSite::kNone && !cookie.secure) {
    return invalid(name, "SameSite=None requires Secure");
  }
  if (starts_with_nocase(name, "__Secure-") && !cookie.secure) {
    return invalid(name, "a __Secure- cookie requires Secure");
  }
  if (starts_with_nocase(name, "__Host-") &&
      (!cookie.secure || !cookie.domain.empty() || cookie.path != "/")) {
    return invalid(name, "a __Host- cookie requires Secure and Path=/, and takes no Domain");
  }

  std::string out = name;
  out += '=';
  out += cookie.value;
  if (!cookie.path.empty()) out.append("; Path=").append(cookie.path);
  if (!cookie.domain.empty()) out.append("; Domain=").append(cookie.domain);
  if (cookie.max_age) out.append("; Max-Age=").append(std::to_string(cookie.max_age->count()));
  if (expires) out.append("; Expires=").append(*expires);
  if (cookie.http_only) out += "; HttpOnly";
  if (cookie.secure) out += "; Secure";
  if (cookie.same_site) {
    switch (*cookie.same_site) {
      case SameSite::kStrict:
        out += "; SameSite=Strict";
        break;
      case SameSite::kLax:
        out += "; SameSite=Lax";
        break;
      case SameSite::kNone:
        out += "; SameSite=None";
        break;
    }
  }
  return out;
}

Status add_set_cookies(Response& res, const std::vector<SetCookie>& cookies) {
  std::vector<std::string> lines;
  lines.reserve(cookies.size());
  for (const SetCookie& cookie : cookies) {
    CAIRN_ASSIGN_OR_RETURN(std::string line, format_set_cookie(cookie));
    lines.push_back(std::move(line));
  }
  for (std::string& line : lines) res.headers.add("Set-Cookie", std::move(line));
  return ok_status();
}

}  // namespace cairn::net
