// cairn::net cookies (cookies.hpp): reading Cookie headers leniently, writing Set-Cookie strictly.
#include "cairn/net/cookies.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cairn::net {
namespace {

using std::chrono::seconds;

// 2026-11-22T10:15:30Z, a Sunday.
const Timestamp kSunday = from_unix_micros(1795342530LL * 1000000 + 999999);

void expect_invalid(const SetCookie& cookie) {
  Result<std::string> r = format_set_cookie(cookie);
  ASSERT_FALSE(r) << "accepted: " << *r;
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().reason, "HTTP_COOKIE_INVALID");
}

TEST(CookiesTest, ParsesPairsInOrderKeepingDuplicates) {
  Cookies c = parse_cookie_header("sid=abc; theme=dark; sid=older");
  ASSERT_EQ(c.size(), 3U);
  EXPECT_EQ(c.items()[0], (Cookie{"sid", "abc"}));
  EXPECT_EQ(c.items()[1], (Cookie{"theme", "dark"}));
  EXPECT_EQ(c.items()[2], (Cookie{"sid", "older"}));
  EXPECT_EQ(c.get("sid"), "abc");
  EXPECT_EQ(c.all("sid"), (std::vector<std::string_view>{"abc", "older"}));
  EXPECT_TRUE(c.contains("theme"));
  EXPECT_FALSE(c.get("Theme"));  // names are case-sensitive
  EXPECT_TRUE(c.all("none").empty());
}

TEST(CookiesTest, SkipsInvalidPairsInsteadOfFailing) {
  Cookies c = parse_cookie_header(
      "good=1; novalue; bad name=2; =3; sp=a b; q=\"x\"y\"; ok=; semi=\"\"; last=\"quoted\"");
  std::vector<Cookie> want = {{"good", "1"}, {"ok", ""}, {"semi", ""}, {"last", "quoted"}};
  EXPECT_EQ(c.items(), want);
  EXPECT_TRUE(parse_cookie_header("").empty());
  EXPECT_TRUE(parse_cookie_header(";;; ;").empty());
  EXPECT_TRUE(parse_cookie_header("a=\xC3\xA9").empty());  // non-ASCII is not a cookie-octet
  EXPECT_TRUE(parse_cookie_header("a=b,c").empty());
  EXPECT_TRUE(parse_cookie_header("a=\"").empty());
}

TEST(CookiesTest, DropsWhitespaceAroundNamesAndValues) {
  Cookies c = parse_cookie_header("  a = 1 ;\tb=2\t;c=3==4");
  std::vector<Cookie> want = {{"a", "1"}, {"b", "2"}, {"c", "3==4"}};
  EXPECT_EQ(c.items(), want);
}

TEST(CookiesTest, ReadsEveryCookieFieldOfARequest) {
  Request req;
  req.headers.add("Cookie", "a=1; b=2");
  req.headers.add("cookie", "a=3");
  Cookies c = request_cookies(req);
  EXPECT_EQ(c.all("a"), (std::vector<std::string_view>{"1", "3"}));
  EXPECT_EQ(c.get("b"), "2");
  EXPECT_TRUE(request_cookies(Request{}).empty());
}

TEST(CookiesTest, FormatsEveryAttributeInOrder) {
  SetCookie cookie{.name = "sid", .value = "k3Jx9", .path = "/app", .domain = "example.org"};
  cookie.max_age = seconds(3600);
  cookie.expires = kSunday;
  cookie.http_only = true;
  cookie.secure = true;
  cookie.same_site = SameSite::kStrict;
  Result<std::string> r = format_set_cookie(cookie);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(*r,
            "sid=k3Jx9; Path=/app; Domain=example.org; Max-Age=3600; "
            "Expires=Sun, 22 Nov 2026 10:15:30 GMT; HttpOnly; Secure; SameSite=Strict");
  EXPECT_EQ(format_set_cookie({.name = "a", .value = ""}).value_or("?"), "a=");
  SetCookie lax{.name = "a", .value = "\"q\""};
  lax.same_site = SameSite::kLax;
  EXPECT_EQ(format_set_cookie(lax).value_or("?"), "a=\"q\"; SameSite=Lax");
  SetCookie none{.name = "a", .value = "1"};
  none.same_site = SameSite::kNone;
  none.secure = true;
  EXPECT_EQ(format_set_cookie(none).value_or("?"), "a=1; Secure; SameSite=None");
  SetCookie removal{.name = "a", .value = ""};
  removal.max_age = seconds(0);
  EXPECT_EQ(format_set_cookie(removal).value_or("?"), "a=; Max-Age=0");
}

TEST(CookiesTest, WritesExpiresAsImfFixdate) {
  struct Case {
    int64_t unix_seconds;
    const char* text;
  };
  const std::vector<Case> cases = {
      {784111777, "Sun, 06 Nov 1994 08:49:37 GMT"},  // RFC 9110's example
      {0, "Thu, 01 Jan 1970 00:00:00 GMT"},
      {951782400, "Tue, 29 Feb 2000 00:00:00 GMT"},
      {-11644473600LL, "Mon, 01 Jan 1601 00:00:00 GMT"},
      {253402300799LL, "Fri, 31 Dec 9999 23:59:59 GMT"},
      {-1, "Wed, 31 Dec 1969 23:59:59 GMT"},
  };
  for (const Case& c : cases) {
    SetCookie cookie{.name = "a", .value = "1"};
    cookie.expires = from_unix_micros(c.unix_seconds * 1000000);
    EXPECT_EQ(format_set_cookie(cookie).value_or("?"), std::string("a=1; Expires=") + c.text);
  }
  SetCookie early{.name = "a", .value = "1"};
  early.expires = from_unix_micros((-11644473600LL - 1) * 1000000);
  expect_invalid(early);
  SetCookie late{.name = "a", .value = "1"};
  late.expires = from_unix_micros(253402300800LL * 1000000);
  expect_invalid(late);
}

TEST(CookiesTest, RefusesWhatRfc6265Forbids) {
  for (const char* name : {"", "a b", "a;b", "a=b", "a,b", "a\"b", "a\x01", "\xC3\xA9", "(a)"}) {
    SCOPED_TRACE(name);
    expect_invalid({.name = name, .value = "1"});
  }
  for (const char* value :
       {"a b", "a;b", "a,b", "a\\b", "a\"b", "\"", "\"a", "a\x7F", "\xC3\xA9"}) {
    SCOPED_TRACE(value);
    expect_invalid({.name = "a", .value = value});
  }
  expect_invalid({.name = "a", .value = std::string(4096, 'x')});
  EXPECT_TRUE(format_set_cookie({.name = "a", .value = std::string(4095, 'x')}));
  expect_invalid({.name = "a", .value = "1", .path = "app"});
  expect_invalid({.name = "a", .value = "1", .path = "/a;b"});
  expect_invalid({.name = "a", .value = "1", .path = "/a\nb"});
  for (const char* domain : {"exa mple.org", "a..b", "-a.org", "a-.org", "a_b.org", ".", "a/b"}) {
    SCOPED_TRACE(domain);
    expect_invalid({.name = "a", .value = "1", .domain = domain});
  }
  EXPECT_TRUE(format_set_cookie({.name = "a", .value = "1", .domain = ".Example-1.org"}));
  SetCookie negative{.name = "a", .value = "1"};
  negative.max_age = seconds(-1);
  expect_invalid(negative);
}

TEST(CookiesTest, SameSiteNoneAndPrefixesRequireSecure) {
  SetCookie none{.name = "a", .value = "1"};
  none.same_site = SameSite::kNone;
  expect_invalid(none);
  SetCookie secure_prefix{.name = "__Secure-id", .value = "1"};
  expect_invalid(secure_prefix);
  secure_prefix.secure = true;
  EXPECT_TRUE(format_set_cookie(secure_prefix));
  SetCookie host{.name = "__Host-id", .value = "1", .path = "/"};
  host.secure = true;
  EXPECT_EQ(format_set_cookie(host).value_or("?"), "__Host-id=1; Path=/; Secure");
  SetCookie host_domain = host;
  host_domain.domain = "example.org";
  expect_invalid(host_domain);
  SetCookie host_path = host;
  host_path.path = "/app";
  expect_invalid(host_path);
  SetCookie host_insecure = host;
  host_insecure.secure = false;
  expect_invalid(host_insecure);
}

TEST(CookiesTest, AddsOneHeaderLinePerCookieOrNone) {
  Response res;
  SetCookie session{.name = "sid", .value = "abc", .path = "/"};
  session.http_only = true;
  ASSERT_TRUE(add_set_cookies(res, {session, {.name = "theme", .value = "dark"}}));
  EXPECT_EQ(res.headers.all("Set-Cookie"),
            (std::vector<std::string_view>{"sid=abc; Path=/; HttpOnly", "theme=dark"}));

  Response refused;
  Status s = add_set_cookies(refused, {session, {.name = "bad name", .value = "x"}});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.error().reason, "HTTP_COOKIE_INVALID");
  EXPECT_EQ(refused.headers.size(), 0U);  // all or nothing
}

TEST(CookiesTest, WrittenCookiesReadBack) {
  Response res;
  ASSERT_TRUE(add_set_cookies(res, {{.name = "a", .value = "x!#$%&'()*+-./:<=>?@[]^_`{|}~"},
                                    {.name = "b", .value = "\"quoted\""}}));
  std::string header;
  for (std::string_view line : res.headers.all("Set-Cookie")) {
    if (!header.empty()) header += "; ";
    header += line.substr(0, line.find(';'));
  }
  Cookies c = parse_cookie_header(header);
  EXPECT_EQ(c.get("a"), "x!#$%&'()*+-./:<=>?@[]^_`{|}~");
  EXPECT_EQ(c.get("b"), "quoted");
}

}  // namespace
}  // namespace cairn::net
