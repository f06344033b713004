// Shared pieces of cairn-vault's route handlers: who is calling, request fields, JSON shapes.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "cairn/auth/service.hpp"
#include "cairn/net/http.hpp"
#include "cairn/net/json.hpp"
#include "cairn/net/router.hpp"
#include "vault/api.hpp"

namespace cairn::vault::internal {

// The authenticated caller of a request.
struct Caller {
  bool service_account = false;
  std::string actor;   // an email, or "sa:<name>"
  std::string org_id;  // service accounts: their organization
  std::string name;    // service accounts: their name
};

// The caller resolve_caller() found. Errors: UNAUTHENTICATED / AUTH_CREDENTIALS_MISSING.
Result<Caller> caller_of(const net::Request& req);

// For routes under /api/orgs/{org}: a service account may act only in its own organization.
// Errors: NOT_FOUND / SECRETS_ORG_NOT_FOUND; PERMISSION_DENIED / SECRETS_ACCESS_DENIED.
Status check_org_scope(VaultContext& ctx, const Caller& caller, std::string_view org);

// A handler that needs a caller; an error it returns becomes the error response.
using CallerHandler = std::function<Status(const net::Request&, net::Response&, const Caller&)>;
net::Handler with_caller(CallerHandler handler);
// As with_caller, for routes under /api/orgs/{org} (the scope is checked first).
net::Handler in_org(VaultContext& ctx, CallerHandler handler);

// The request's JSON object body. Errors: INVALID_ARGUMENT / HTTP_BODY_NOT_JSON.
Result<nlohmann::json> body_of(const net::Request& req);
// body[name] as a non-empty string. Errors: INVALID_ARGUMENT / VAULT_FIELD_INVALID.
Result<std::string> string_field(const nlohmann::json& body, std::string_view name);
// body[name] as a string, or "" when absent. Errors: VAULT_FIELD_INVALID (present, not a string).
Result<std::string> optional_string_field(const nlohmann::json& body, std::string_view name);

// The client's address without its port, and its User-Agent (for sessions and audit).
auth::RequestInfo request_info(const net::Request& req);

// "2026-11-22T10:15:00.123456Z".
std::string format_time(Timestamp t);
// Parses the format above (fraction optional). Errors: INVALID_ARGUMENT / VAULT_FIELD_INVALID.
Result<Timestamp> parse_time(std::string_view text, std::string_view field);

// Adds the routes of api_secrets.cpp; the first failure of Router::add lands in `status`.
void add_secret_routes(net::Router& router, VaultContext& ctx, Status& status);
// Adds the routes of api_users.cpp (sessions, users, superadmins), likewise.
void add_user_routes(net::Router& router, VaultContext& ctx, Status& status);

// The bearer token of the request, or "".
std::string_view bearer_token(const net::Request& req);
// OK for a superadmin. Errors: PERMISSION_DENIED / VAULT_SUPERADMIN_REQUIRED.
Status require_superadmin(VaultContext& ctx, const Caller& caller);

}  // namespace cairn::vault::internal
