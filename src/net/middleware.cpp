#include "cairn/net/middleware.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

#include "cairn/core/env.hpp"
#include "net/internal/server_impl.hpp"

namespace cairn::net {
namespace {

// Whether the request's route pattern (or, when no route matched, its path) is
// one of `public_paths`, or starts with one that ends in '*'. Deciding by the route pattern means
// "/api/auth/*" never makes "/api/{org}/secrets" public for org "auth".
bool matches_route(const std::vector<std::string>& public_paths, const Request& req) {
  std::string_view path = req.route.empty() ? std::string_view(req.path) : req.route;
  for (const std::string& p : public_paths) {
    if (!p.empty() && p.back() == '*') {
      if (path.starts_with(std::string_view(p).substr(0, p.size() - 1))) return true;
    } else if (path == p) {
      return true;
    }
  }
  return false;
}

bool refuse(Response& res, const Error& error) {
  res.error(error);
  res.headers.set("WWW-Authenticate", "Bearer");
  return false;
}

}  // namespace

Middleware authenticate(auth::AuthService& service, AuthenticateOptions options) {
  return [&service, options = std::move(options)](Request& req, Response& res) {
    std::string_view credential;
    bool api_key = false;
    if (auto header = req.headers.get("Authorization")) {
      std::string_view value = *header;
      if (value.size() < 7 || !iequals(value.substr(0, 7), "Bearer ")) {
        return refuse(res, Error{ErrorCode::kUnauthenticated,
                                 "AUTH_TOKEN_INVALID",
                                 "only Bearer credentials are accepted",
                                 {}});
      }
      credential = value.substr(7);
    } else if (auto key = req.headers.get("X-API-Key")) {
      credential = *key;
      api_key = true;
    }
    if (credential.empty()) {
      if (matches_route(options.public_paths, req)) return true;
      return refuse(res, Error{ErrorCode::kUnauthenticated,
                               "AUTH_CREDENTIALS_MISSING",
                               "this needs a session token, a JWT or an API key",
                               {}});
    }
    if (api_key) {
      auto key = service.validate_api_key(credential);
      if (!key) return refuse(res, key.error());
      req.subject = key->owner_id;
      return true;
    }
    std::string session_prefix = service.options().session_prefix + "_";
    if (credential.starts_with(session_prefix) || options.jwt_keys == nullptr) {
      auto session = service.validate_session(credential);
      if (!session) return refuse(res, session.error());
      req.subject = session->user_id;
      return true;
    }
    auto jwt =
        auth::jwt_decode(credential, *options.jwt_keys, options.jwt_options, Env::system().now());
    if (!jwt) return refuse(res, jwt.error());
    auto claims = nlohmann::json::parse(jwt->claims, nullptr, false);
    auto sub = claims.is_object() ? claims.find("sub") : claims.end();
    if (sub == claims.end() || !sub->is_string() || sub->get<std::string>().empty()) {
      return refuse(res, Error{ErrorCode::kUnauthenticated,
                               "AUTH_JWT_CLAIM_MISSING",
                               "the token names no subject (sub)",
                               {}});
    }
    req.subject = sub->get<std::string>();
    return true;
  };
}

namespace {

// Counts one hit of `key`; false after filling `res` with 429 (or 503 when the limiter fails).
bool admit(auth::RateLimiter& limiter, std::string key, Response& res) {
  if (key.size() > 256) key.resize(256);
  auto decision = limiter.hit(key);
  if (!decision) {
    res.error(ErrorCode::kUnavailable, "HTTP_RATE_LIMITER_FAILED",
              "the rate limiter is unavailable");
    return false;
  }
  if (decision->allowed) return true;
  auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(decision->retry_after);
  res.error(Error{ErrorCode::kResourceExhausted, "AUTH_RATE_LIMITED",
                  "too many requests; retry later", wait + std::chrono::milliseconds(1)});
  return false;
}

bool is_ip_address(const std::string& text) {
  std::array<unsigned char, 16> buf{};
  return ::inet_pton(AF_INET, text.c_str(), buf.data()) == 1 ||
         ::inet_pton(AF_INET6, text.c_str(), buf.data()) == 1;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

Middleware rate_limit(auth::RateLimiter& limiter) {
  return [&limiter](Request& req, Response& res) {
    return admit(limiter,
                 req.subject.empty() ? "ip:" + req.client_address : "subject:" + req.subject, res);
  };
}

Middleware limit_clients(auth::RateLimiter* per_client, auth::RateLimiter* overall,
                         std::vector<std::string> routes) {
  return [per_client, overall, routes = std::move(routes)](Request& req, Response& res) {
    if (!matches_route(routes, req)) return true;
    if (per_client != nullptr &&
        !admit(*per_client, "ip:" + auth::client_bucket(req.client_address), res)) {
      return false;
    }
    return overall == nullptr || admit(*overall, "all", res);
  };
}

Result<std::vector<std::string>> parse_addresses(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    std::size_t comma = list.find(',');
    std::string item(trim(list.substr(0, comma)));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (item.empty()) continue;
    if (!is_ip_address(item)) {
      return fail(ErrorCode::kInvalidArgument, "HTTP_ADDRESS_INVALID",
                  "\"" + item + "\" is not an IPv4 or IPv6 address");
    }
    out.push_back(std::move(item));
  }
  return out;
}

Result<ProxyHeader> parse_proxy_header(std::string_view name) {
  if (iequals(name, "X-Forwarded-For")) return ProxyHeader::kForwardedFor;
  if (iequals(name, "X-Real-IP")) return ProxyHeader::kRealIp;
  return fail(ErrorCode::kInvalidArgument, "HTTP_PROXY_HEADER_INVALID",
              "the proxy header is X-Forwarded-For or X-Real-IP");
}

Middleware trust_proxies(std::vector<std::string> proxies, ProxyHeader header) {
  return [proxies = std::move(proxies), header](Request& req, Response&) {
    auto trusted = [&](std::string_view address) {
      return std::find(proxies.begin(), proxies.end(), address) != proxies.end();
    };
    if (!trusted(req.client_address)) return true;
    if (header == ProxyHeader::kRealIp) {
      // One value the proxy sets, replacing whatever the client sent.
      auto lines = req.headers.all("X-Real-IP");
      if (lines.size() == 1) {
        std::string item(trim(lines.front()));
        if (is_ip_address(item)) req.client_address = std::move(item);
      }
      return true;
    }
    // X-Forwarded-For lists client, proxy1, proxy2...: each proxy appends the peer it saw, in a
    // line of its own or at the end of the last one. Read every line in order and walk from the
    // right past our own proxies; the first other address is the client. Entries left of it were
    // written by the client itself and are not believed.
    std::string joined;
    for (std::string_view line : req.headers.all("X-Forwarded-For")) {
      if (!joined.empty()) joined += ',';
      joined += line;
    }
    std::string_view list = joined;
    while (!list.empty()) {
      std::size_t comma = list.rfind(',');
      std::string item(trim(comma == std::string_view::npos ? list : list.substr(comma + 1)));
      list = comma == std::string_view::npos ? std::string_view() : list.substr(0, comma);
      if (!is_ip_address(item)) break;
      req.client_address = item;
      if (!trusted(item)) return true;
    }
    return true;
  };
}

}  // namespace cairn::net
