#include "cairn/net/router.hpp"

#include <gtest/gtest.h>

namespace cairn::net {
namespace {

Handler named(std::string name) {
  return [name](const Request&, Response& res) { res.text(name); };
}

// Routes `method path`; the handler's name, or "<status>" when the router answered itself.
std::string route(const Router& r, std::string method, std::string path, Request* out = nullptr) {
  Request req;
  req.method = std::move(method);
  req.path = std::move(path);
  Response res;
  Router::Match m = r.match(req, res);
  if (out != nullptr) *out = req;
  if (m.handler == nullptr) return "<" + std::to_string(res.status) + ">";
  (*m.handler)(req, res);
  return res.body;
}

TEST(RouterTest, MatchesLiteralsAndParameters) {
  Router r;
  ASSERT_TRUE(r.add("GET", "/api/orgs", named("list")));
  ASSERT_TRUE(r.add("GET", "/api/orgs/{org}", named("org")));
  ASSERT_TRUE(r.add("GET", "/api/orgs/new", named("new")));
  ASSERT_TRUE(
      r.add("PUT", "/api/orgs/{org}/projects/{project}/envs/{env}/secrets/{key}", named("put")));
  ASSERT_TRUE(r.add("GET", "/files/{path...}", named("file")));
  Request req;
  EXPECT_EQ(route(r, "GET", "/api/orgs"), "list");
  EXPECT_EQ(route(r, "GET", "/api/orgs/acme", &req), "org");
  EXPECT_EQ(req.param("org"), "acme");
  EXPECT_EQ(req.route, "/api/orgs/{org}");
  EXPECT_EQ(route(r, "GET", "/api/orgs/new"), "new");  // the literal wins
  EXPECT_EQ(route(r, "PUT", "/api/orgs/a/projects/b/envs/c/secrets/D_1", &req), "put");
  EXPECT_EQ(req.param("project"), "b");
  EXPECT_EQ(req.param("key"), "D_1");
  EXPECT_EQ(route(r, "GET", "/files/a/b/c.txt", &req), "file");
  EXPECT_EQ(req.param("path"), "a/b/c.txt");
  EXPECT_EQ(route(r, "HEAD", "/api/orgs"), "list");  // HEAD is served by GET
}

TEST(RouterTest, AnswersNotFoundAndMethodNotAllowed) {
  Router r;
  ASSERT_TRUE(r.add("GET", "/api/orgs/{org}", named("get")));
  ASSERT_TRUE(r.add("DELETE", "/api/orgs/{org}", named("delete")));
  Request req;
  req.method = "POST";
  req.path = "/api/orgs/acme";
  Response res;
  EXPECT_EQ(r.match(req, res).handler, nullptr);
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(res.headers.get("Allow"), "DELETE, GET, HEAD");
  EXPECT_NE(res.body.find("HTTP_METHOD_NOT_ALLOWED"), std::string::npos);
  EXPECT_EQ(route(r, "GET", "/api/orgs"), "<404>");
  EXPECT_EQ(route(r, "GET", "/api/orgs/"), "<404>");  // an empty parameter matches nothing
  EXPECT_EQ(route(r, "GET", "/api/orgs/acme/x"), "<404>");
}

TEST(RouterTest, RefusesBadPatterns) {
  Router r;
  EXPECT_EQ(r.add("GET", "api", named("x")).error().reason, "HTTP_ROUTE_INVALID");
  EXPECT_EQ(r.add("get", "/a", named("x")).error().reason, "HTTP_ROUTE_INVALID");
  EXPECT_EQ(r.add("GET", "/a/{}", named("x")).error().reason, "HTTP_ROUTE_INVALID");
  EXPECT_EQ(r.add("GET", "/a/{rest...}/b", named("x")).error().reason, "HTTP_ROUTE_INVALID");
  EXPECT_EQ(r.add("GET", "/a/x{y}", named("x")).error().reason, "HTTP_ROUTE_INVALID");
  ASSERT_TRUE(r.add("GET", "/a", named("x")));
  EXPECT_EQ(r.add("GET", "/a", named("y")).error().reason, "HTTP_ROUTE_EXISTS");
  EXPECT_EQ(r.routes().size(), 1U);
}

}  // namespace
}  // namespace cairn::net
