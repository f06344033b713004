// What the server does with one parsed request: CORS preflight and headers, routing, middleware,
// the built-in /health and /metrics pages, the handler; and a handler that throws becomes a 500
// without details. Connections (connection.cpp) call Server::Impl::handle() for every request,
// and admit() first for a request whose body is streamed (the middleware runs before the body).
#include <algorithm>
#include <exception>
#include <optional>
#include <string>

#include "cairn/net/http.hpp"
#include "net/internal/server_impl.hpp"

namespace cairn::net {
namespace {

// Whether `req` comes from an origin the CORS options allow.
bool cors_allows(const CorsOptions& cors, const Request& req) {
  std::optional<std::string_view> origin = req.headers.get("Origin");
  if (!origin) return false;
  return std::any_of(
      cors.allowed_origins.begin(), cors.allowed_origins.end(),
      [&](const std::string& allowed) { return allowed == "*" || allowed == *origin; });
}

// Adds the CORS response headers for an allowed origin.
void add_cors(const CorsOptions& cors, const Request& req, Response& res) {
  if (!cors_allows(cors, req)) return;
  bool any = cors.allowed_origins.size() == 1 && cors.allowed_origins[0] == "*";
  res.headers.set("Access-Control-Allow-Origin",
                  any ? "*" : std::string(req.headers.get("Origin").value_or("")));
  if (!any) res.headers.set("Vary", "Origin");
}

}  // namespace

std::size_t Server::Impl::body_limit(const RouteOptions* route) const {
  if (route != nullptr && route->max_body_bytes > 0) return route->max_body_bytes;
  return options.limits.max_body_bytes;
}

void Server::Impl::add_connection(const std::shared_ptr<ConnectionBase>& c) {
  std::lock_guard lock(connections_mu);
  connections[c.get()] = c;
}

void Server::Impl::remove_connection(ConnectionBase* c) {
  std::lock_guard lock(connections_mu);
  connections.erase(c);
}

void Server::Impl::handle(Request& req, Response& res, bool admitted) {
  try {
    handle_unguarded(req, res, admitted);
  } catch (const std::exception& e) {
    res = Response();
    res.error(ErrorCode::kInternal, "HTTP_HANDLER_FAILED", e.what());
    try {
      log(R"({"event":"handler_failed","route":)" + json_quote(req.route) + "}");
    } catch (...) {  // NOLINT(bugprone-empty-catch): a failing log sink must not kill a thread
    }
  } catch (...) {
    res = Response();
    res.error(ErrorCode::kInternal, "HTTP_HANDLER_FAILED", "a handler threw");
  }
}

bool Server::Impl::admit(Request& req, Response& res) {
  try {
    Response miss;
    router.match(req, miss);  // the middleware decides on the matched pattern
    for (const Middleware& m : middleware) {
      if (!m(req, res)) {
        add_cors(options.cors, req, res);
        return false;
      }
    }
    return true;
  } catch (const std::exception& e) {
    res = Response();
    res.error(ErrorCode::kInternal, "HTTP_HANDLER_FAILED", e.what());
  } catch (...) {
    res = Response();
    res.error(ErrorCode::kInternal, "HTTP_HANDLER_FAILED", "a middleware threw");
  }
  return false;
}

void Server::Impl::handle_unguarded(Request& req, Response& res, bool admitted) {
  const CorsOptions& cors = options.cors;
  bool cors_allowed = cors_allows(cors, req);
  if (cors_allowed && req.method == "OPTIONS" &&
      req.headers.contains("Access-Control-Request-Method")) {
    res.status = 204;
    add_cors(cors, req, res);
    std::string methods;
    for (const auto& [method, pattern] : router.routes()) {
      if (methods.find(method) == std::string::npos) {
        if (!methods.empty()) methods += ", ";
        methods += method;
      }
    }
    res.headers.set("Access-Control-Allow-Methods", methods);
    res.headers.set("Access-Control-Allow-Headers", cors.allowed_headers);
    res.headers.set("Access-Control-Max-Age", std::to_string(cors.max_age.count()));
    return;
  }

  // Route first, so middleware sees the matched pattern (public paths are decided by it).
  Response miss;
  Router::Match match = router.match(req, miss);
  bool get = req.method == "GET" || req.method == "HEAD";
  bool health = match.handler == nullptr && get && req.path == "/health";
  bool metrics_page = match.handler == nullptr && get && req.path == "/metrics";
  if (health || metrics_page) req.route = req.path;

  for (std::size_t i = 0; !admitted && i < middleware.size(); ++i) {
    if (!middleware[i](req, res)) {
      add_cors(cors, req, res);
      return;
    }
  }
  if (health) {
    std::string body = "{\"status\":";
    std::string components;
    bool healthy = !draining();
    for (const auto& [name, check] : options.health_checks) {
      Status s = check();
      if (!components.empty()) components += ",";
      components += json_quote(name) + ":{\"status\":" + (s ? "\"ok\"" : "\"failing\"");
      if (!s) components += ",\"reason\":" + json_quote(s.error().reason);
      components += "}";
      healthy = healthy && s.has_value();
    }
    body += healthy ? "\"ok\"" : (draining() ? "\"draining\"" : "\"failing\"");
    body += ",\"components\":{\"http\":{\"status\":";
    body += draining() ? "\"draining\"}" : "\"ok\"}";
    if (!components.empty()) body += "," + components;
    body += "}}";
    res.json_text(std::move(body), healthy ? 200 : 503);
  } else if (metrics_page) {
    res.status = 200;
    res.headers.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    res.body = metrics.text(open_connections.load());
  } else if (match.handler != nullptr) {
    (*match.handler)(req, res);
  } else {
    res = std::move(miss);
  }
  add_cors(cors, req, res);
}

}  // namespace cairn::net
