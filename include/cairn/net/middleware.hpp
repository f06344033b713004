// Ready-made middleware for cairn::net::Server (Server::use): authentication through cairn::auth
// and rate limiting through cairn::auth's GCRA limiters.
//
// Example:
//   net::Server server{net::Router()};
//   auth::JwtKeySet keys;                          // the keys JWTs may be signed with
//   CAIRN_ASSIGN_OR_RETURN(auto limiter, auth::MemoryRateLimiter::create({.rate_per_second = 5}));
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
// and by the client address otherwise ("ip:<Request::client_address>"); over the limit: 429 with
// Retry-After (AUTH_RATE_LIMITED). Limiter failures answer 503 rather than letting requests
// through.
Middleware rate_limit(auth::RateLimiter& limiter);

// Limits for anonymous routes (sign-in, sign-up), counted before any handler runs, so a refused
// request writes nothing: each request whose route pattern is in `routes` (exact, or ending in
// '*' for a prefix) counts against `per_client` under "ip:<auth::client_bucket(client address)>"
// (an IPv6 client by its /64) and against `overall`
// under one key for everyone (a ceiling however many addresses an attacker has). Either may be
// null. Over either: 429 AUTH_RATE_LIMITED with Retry-After. Use MemoryRateLimiters when a
// limit need not hold across processes: they write nothing to the database.
Middleware limit_clients(auth::RateLimiter* per_client, auth::RateLimiter* overall,
                         std::vector<std::string> routes);

// Which header a trusted proxy names the client in. Name the one the proxy sets: a proxy passes
// the other through from the client unchanged, where anyone could write it.
enum class ProxyHeader {
  kForwardedFor,  // X-Forwarded-For, appended to by each proxy (nginx $proxy_add_x_forwarded_for,
                  // HAProxy option forwardfor): every line, walked from the right
  kRealIp,        // X-Real-IP, set (replaced) by the proxy: exactly one line
};

// Believes the proxy header only from `proxies` (exact addresses): when the socket peer is one of
// them, Request::client_address becomes, for X-Forwarded-For, the right-most forwarded address
// that is not itself a trusted proxy (entries further left were written by the client and are
// ignored), for X-Real-IP its single value. Values that are not IP addresses are ignored.
// Without this middleware, or from any other peer, the socket peer is the client. Add it first.
Middleware trust_proxies(std::vector<std::string> proxies,
                         ProxyHeader header = ProxyHeader::kForwardedFor);

// "x-forwarded-for" or "x-real-ip" (any case). Errors: INVALID_ARGUMENT /
// HTTP_PROXY_HEADER_INVALID.
Result<ProxyHeader> parse_proxy_header(std::string_view name);

// "10.0.0.1, ::1" as a list of addresses (empty items skipped). Errors: INVALID_ARGUMENT /
// HTTP_ADDRESS_INVALID (an item that is not an IPv4 or IPv6 address).
Result<std::vector<std::string>> parse_addresses(std::string_view list);

}  // namespace cairn::net
