// HTTP cookies (RFC 6265): the Cookie header a request carries, read into ordered name/value
// pairs, and Set-Cookie values built from checked parts, one header line per cookie.
//
// Example:
//   auto handler = [&](const net::Request& req, net::Response& res) {
//     net::Cookies cookies = net::request_cookies(req);  // "sid=abc; theme=dark"
//     if (auto sid = cookies.get("sid")) use(*sid);
//     net::SetCookie session{.name = "sid", .value = "k3Jx9", .path = "/"};
//     session.max_age = std::chrono::hours(8);
//     session.expires = now + std::chrono::hours(8);
//     session.http_only = true;
//     session.secure = true;
//     session.same_site = net::SameSite::kLax;
//     net::SetCookie theme{.name = "theme", .value = "dark"};
//     Status added = net::add_set_cookies(res, {session, theme});  // two Set-Cookie lines
//     if (!added) return res.error(added.error());  // HTTP_COOKIE_INVALID: nothing was added
//     res.text("ok");
//   };
//   use(handler);
//
// Reading is lenient, as RFC 6265 section 5.4 asks of servers facing real browsers: pairs are
// split at ';', whitespace around names and values is dropped, one pair of surrounding double
// quotes is removed from a value, and a pair that is not name=value with a token name and
// cookie-octet value (section 4.1.1) is skipped, never failing the request. Duplicated names are
// all kept in order (browsers send the most specific path first). Writing is strict: a name,
// value or attribute that RFC 6265 forbids is refused rather than sent for browsers to misread.
// Values are not encoded for the caller: use base64url or percent_encode (form.hpp) for free text.
//
// Thread-safety: plain values and pure functions; a Cookies is read concurrently safely, written
// by one thread at a time. Ownership: values own their strings; views returned by Cookies live as
// long as it is unchanged.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cairn/core/env.hpp"
#include "cairn/core/result.hpp"
#include "cairn/net/http.hpp"

namespace cairn::net {

// One cookie a request carried.
struct Cookie {
  std::string name;
  std::string value;  // surrounding double quotes removed
  bool operator==(const Cookie&) const = default;
};

// The cookies of a request, in the order they were sent; names may repeat and compare exactly
// (cookie names are case-sensitive).
class Cookies {
 public:
  Cookies() = default;
  explicit Cookies(std::vector<Cookie> items) : items_(std::move(items)) {}

  // The value of the first cookie named `name`, or nullopt.
  std::optional<std::string_view> get(std::string_view name) const;
  // The values of every cookie named `name`, in order (empty when there is none).
  std::vector<std::string_view> all(std::string_view name) const;
  bool contains(std::string_view name) const { return get(name).has_value(); }
  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  const std::vector<Cookie>& items() const& { return items_; }
  // From a temporary (`for (auto& c : parse_cookie_header(h).items())`), the items themselves,
  // so the loop does not read a destroyed object.
  std::vector<Cookie> items() && { return std::move(items_); }

 private:
  std::vector<Cookie> items_;
};

// The cookies of one Cookie header value ("a=1; b=2"), read as described at the top of this file.
// Returns the valid pairs in order; never fails (invalid pairs are skipped).
Cookies parse_cookie_header(std::string_view header);

// The cookies of every Cookie header field of `req`, in order (HTTP/1.1 clients send one field;
// a proxy from HTTP/2 may send several).
Cookies request_cookies(const Request& req);

// The SameSite attribute (RFC 6265bis section 4.1.2.7).
enum class SameSite {
  kStrict,
  kLax,
  kNone,  // sent on cross-site requests too; browsers require Secure with it
};

// One cookie to set. Unset optional attributes are left out of the header. Every member has an
// initializer, so designated initializers may name only some ({.name = "a", .value = "1"}).
struct SetCookie {
  std::string name{};    // a token (RFC 9110 section 5.6.2): no separators, spaces or controls
  std::string value{};   // cookie-octets, optionally inside one pair of double quotes; may be empty
  std::string path{};    // "" for none; else starts with '/', no controls or ';'
  std::string domain{};  // "" for none (host-only); else a host name such as "example.org"
  std::optional<std::chrono::seconds> max_age{};  // >= 0; 0 asks the browser to delete the cookie
  std::optional<Timestamp> expires{};             // written as an IMF-fixdate, whole seconds
  bool http_only = false;
  bool secure = false;
  std::optional<SameSite> same_site{};
};

// The Set-Cookie header value of `cookie`: "name=value" then "; Path=", "; Domain=",
// "; Max-Age=", "; Expires=Sun, 06 Nov 1994 08:49:37 GMT", "; HttpOnly", "; Secure",
// "; SameSite=Strict|Lax|None" for the attributes set, in that order. Errors: INVALID_ARGUMENT /
// HTTP_COOKIE_INVALID for an empty or non-token name; a value with characters outside
// cookie-octet (space, '"', ',', ';', '\', controls, non-ASCII); name and value together over
// 4096 bytes (browsers drop such cookies); a path not starting with '/' or with a control or ';';
// a domain that is not a host name; a negative max_age; expires before year 1601 or after 9999;
// SameSite=None without Secure; a "__Secure-" name without Secure, or a "__Host-" name without
// Secure, with a Domain, or with a path other than "/" (RFC 6265bis cookie prefixes).
Result<std::string> format_set_cookie(const SetCookie& cookie);

// Adds one Set-Cookie header line (Headers::add) per cookie to `res`, in order. Returns OK, or
// format_set_cookie's first error, in which case no line was added.
Status add_set_cookies(Response& res, const std::vector<SetCookie>& cookies);

}  // namespace cairn::net
