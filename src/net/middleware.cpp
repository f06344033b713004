#include "cairn/net/middleware.hpp"

#include <nlohmann/json.hpp>

#include "cairn/core/env.hpp"

namespace cairn::net {
namespace {

// Whether the request is public: its route pattern (or, when no route matched, its path) is
// one of `public_paths`, or starts with one that ends in '*'. Deciding by the route pattern means
// "/api/auth/*" never makes "/api/{org}/secrets" public for org "auth".
bool is_public(const std::vector<std::string>& public_paths, const Request& req) {
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

// The client address without its port ("127.0.0.1", "::1", "unix").
std::string_view address_of(std::string_view remote) {
  if (remote.starts_with('[')) return remote.substr(1, remote.find(']') - 1);
  std::size_t colon = remote.rfind(':');
  return colon == std::string_view::npos ? remote : remote.substr(0, colon);
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
      if (is_public(options.public_paths, req)) return true;
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

Middleware rate_limit(auth::RateLimiter& limiter) {
  return [&limiter](Request& req, Response& res) {
    std::string key = req.subject.empty() ? "ip:" + std::string(address_of(req.remote))
                                          : "subject:" + req.subject;
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
  };
}

}  // namespace cairn::net
