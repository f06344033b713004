// Ready-made middleware for cairn::net::Server (Server::use): authentication through cairn::auth
// and rate limiting through cairn::auth's GCRA limiters.
//
//   server.use(net::authenticate(engine.auth(), {.jwt_keys = &keys}));
//   server.use(net::rate_limit(*limiter));          // 429 + Retry-After, per caller
//
// Thread-safety: the returned middleware may run on many threads at once; the services and
// limiters it refers to are thread-safe and must outlive the server.
#pragma once

#include <string>
#include <vector>

#include "cairn/auth/jwt.hpp"
#include "cairn/auth/rate_limit.hpp"
#include "cairn/auth/service.hpp"
#include "cairn/net/server.hpp"

namespace cairn::net {

struct AuthenticateOptions {
  // When set, `Authorization: Bearer <JWT>` tokens are verified with these keys and options;
  // the subject is the token's "sub" claim.
  const auth::JwtKeySet* jwt_keys = nullptr;
  auth::JwtVerifyOptions jwt_options;
  // Route patterns (or, for paths no route matches, paths) that need no credentials: exact, or
  // ending in '*' for a prefix of the pattern: "/health", "/api/auth/*". Matching the pattern
  // rather than the path means a prefix can never make another route public by accident.
  // Everything else is refused with 401 without valid credentials.
  std::vector<std::string> public_paths = {"/health"};
};

// Authenticates each request from `Authorization: Bearer <session token or JWT>` or
// `X-API-Key: <key>` and sets Request::subject: the session's user id, the JWT's "sub", or the
// API key's owner id. Invalid credentials are always refused (401, UNAUTHENTICATED with the
// reason cairn::auth gave, plus `WWW-Authenticate: Bearer`); missing ones only outside
// `public_paths` (AUTH_CREDENTIALS_MISSING). A session token is one that starts with the
// service's session prefix; anything else after Bearer is tried as a JWT.
Middleware authenticate(auth::AuthService& auth, AuthenticateOptions options = {});

// Counts each request against `limiter`, keyed by the authenticated subject when there is one
// and by the client address otherwise ("ip:<address>"); over the limit: 429 with Retry-After
// (AUTH_RATE_LIMITED). Limiter failures answer 503 rather than letting requests through.
Middleware rate_limit(auth::RateLimiter& limiter);

}  // namespace cairn::net
