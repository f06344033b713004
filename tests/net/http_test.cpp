// cairn::net's HTTP messages (http.hpp) and JSON helpers (json.hpp): error bodies, query and
// percent decoding, JSON bodies and answers.
#include "cairn/net/http.hpp"

#include <gtest/gtest.h>

#include "cairn/net/json.hpp"

namespace cairn::net {
namespace {

TEST(HttpTest, ErrorBodiesFollowTheErrorTable) {
  Response res;
  res.error(Error{ErrorCode::kNotFound, "SECRET_NOT_FOUND", "no \"such\" secret", {}});
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(
      res.body,
      R"({"error":{"code":"NOT_FOUND","reason":"SECRET_NOT_FOUND","message":"no \"such\" secret"}})");
  Response internal;
  internal.error(ErrorCode::kInternal, "STORAGE_CORRUPT", "page 7 of /var/lib/x.db is bad");
  EXPECT_EQ(internal.status, 500);
  EXPECT_EQ(internal.body.find("/var/lib"), std::string::npos);  // 5xx hide details
  Response limited;
  limited.error(Error{ErrorCode::kResourceExhausted, "AUTH_RATE_LIMITED", "slow down",
                      std::chrono::milliseconds(1500)});
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.headers.get("Retry-After"), "2");
}

TEST(HttpTest, DecodesQueriesAndPercentEscapes) {
  Request req;
  req.query = "a=1&name=J%C3%BCrgen+M&flag&a=2";
  EXPECT_EQ(req.query_param("a"), "1");
  EXPECT_EQ(req.query_param("name"), "J\xC3\xBCrgen M");
  EXPECT_EQ(req.query_param("flag"), "");
  EXPECT_FALSE(req.query_param("missing"));
  EXPECT_FALSE(percent_decode("%zz"));
  EXPECT_FALSE(percent_decode("%4"));
  EXPECT_FALSE(percent_decode("a%00b"));
  EXPECT_EQ(percent_decode("/a%2Fb"), "/a/b");
  Headers h;
  h.add("Set-Cookie", "a=1");
  h.add("set-cookie", "b=2");
  EXPECT_EQ(h.all("SET-COOKIE").size(), 2U);
  h.set("Set-Cookie", "c=3");
  EXPECT_EQ(h.all("set-cookie").size(), 1U);
}

TEST(HttpTest, JsonBodiesAndAnswers) {
  Request req;
  req.body = R"({"name":"acme","n":3})";
  auto body = json_body(req);
  ASSERT_TRUE(body);
  EXPECT_EQ((*body)["name"], "acme");
  req.body = "[1,2]";
  EXPECT_EQ(json_body(req).error().reason, "HTTP_BODY_NOT_JSON");
  EXPECT_TRUE(json_body(req, false));
  for (const char* bad : {"", "{", "{\"a\":1}x", "\"\xff\""}) {
    req.body = bad;
    EXPECT_EQ(json_body(req, false).error().reason, "HTTP_BODY_NOT_JSON") << bad;
  }
  Response res;
  json(res, {{"id", "a\xff"}}, 201);
  EXPECT_EQ(res.status, 201);
  EXPECT_EQ(res.headers.get("Content-Type"), "application/json");
  EXPECT_EQ(res.body, "{\"id\":\"a\xEF\xBF\xBD\"}");
}

}  // namespace
}  // namespace cairn::net
