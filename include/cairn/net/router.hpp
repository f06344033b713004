// cairn::net::Router: maps (method, path) to a handler. Patterns are literal segments and
// `{name}` parameters, each matching one non-empty segment ("/api/orgs/{org}/projects/{project}");
// a last `{name...}` matches the rest of the path, slashes included. Literal segments win over
// parameters at the same position, so "/api/orgs/new" can sit beside "/api/orgs/{org}".
//
// Example:
//   net::Router router;
//   auto get_org = [&](const net::Request& req, net::Response& res) {
//     res.json_text("{\"org\":" + net::json_quote(req.param("org")) + "}");
//   };
//   CAIRN_TRY(router.add("GET", "/api/orgs/{org}", get_org));
//
// A path no route matches is answered 404 (NOT_FOUND / HTTP_ROUTE_NOT_FOUND); a path that
// matches only under other methods 405 (HTTP_METHOD_NOT_ALLOWED) with an Allow header. HEAD is
// served by GET routes (the server drops the body), OPTIONS by CORS when enabled.
//
// Thread-safety: add() before the server starts; dispatch() from any number of threads after.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/core/result.hpp"
#include "cairn/net/body.hpp"
#include "cairn/net/http.hpp"

namespace cairn::net {

using Handler = std::function<void(const Request&, Response&)>;

// Per-route settings.
struct RouteOptions {
  // Largest request body this route accepts (0: the server's limit). Larger bodies are refused
  // with 413 before they are read.
  std::size_t max_body_bytes = 0;
  // When set, the request body is not collected in Request::body: it goes piece by piece into the
  // sink this makes once the headers are in (body.hpp), and the handler runs after the last
  // piece with Request::body_sink set. The middleware (authentication, limits) runs when the
  // headers are in, before the sink is made: a request it refuses is answered at once and its
  // body is never read (the handler then runs without running the middleware again).
  // ServerLimits::request_timeout restarts with each piece that arrives, so an upload may take
  // longer than it as long as it keeps coming (max_body_bytes still bounds it).
  BodySinkFactory stream_body{};
};

class Router {
 public:
  Router();
  ~Router();
  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;

  // Adds a route. Errors: INVALID_ARGUMENT / HTTP_ROUTE_INVALID (a pattern not starting with '/',
  // an empty or unnamed parameter, a rest parameter not last, a method not an uppercase token)
  // and ALREADY_EXISTS / HTTP_ROUTE_EXISTS (the same method and pattern twice).
  Status add(std::string_view method, std::string_view pattern, Handler handler,
             RouteOptions options = {});

  // The route for `req` (its method and decoded path): fills req.params and req.route and
  // returns the handler and options, or fills `res` with 404/405 and returns nullptr.
  struct Match {
    const Handler* handler = nullptr;
    const RouteOptions* options = nullptr;
  };
  Match match(Request& req, Response& res) const;

  // The options of the route `method path` would reach (for body limits before the body is
  // read), or nullptr.
  const RouteOptions* options_for(std::string_view method, std::string_view path) const;

  // Every (method, pattern), in the order added: for the OpenAPI drift test and /metrics.
  std::vector<std::pair<std::string, std::string>> routes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn::net
