// Routes for organizations and their members.
#include "cairn/auth/email.hpp"
#include "vault/api.hpp"
#include "vault/api_caller.hpp"
#include "vault/api_fields.hpp"
#include "vault/api_routes.hpp"

namespace cairn::vault {

namespace {

using internal::body_of;
using internal::Caller;
using internal::format_time;
using internal::string_field;
using nlohmann::json;

json org_json(const secrets::Organization& o) {
  return {{"id", o.id}, {"name", o.name}, {"created_at", format_time(o.created_at)}};
}

// ---- Organizations and members

Status create_org(VaultContext& ctx, const net::Request& req, net::Response& res,
                  const Caller& caller) {
  if (caller.service_account()) {
    return fail(ErrorCode::kPermissionDenied, "SECRETS_ACCESS_DENIED",
                "service accounts cannot create organizations");
  }
  CAIRN_ASSIGN_OR_RETURN(json body, body_of(req));
  CAIRN_ASSIGN_OR_RETURN(std::string name, string_field(body, "name"));
  CAIRN_ASSIGN_OR_RETURN(secrets::Organization o, ctx.secrets.create_org(name, caller.actor));
  net::json(res, org_json(o), 201);
  return ok_status();
}

Status list_orgs(VaultContext& ctx, net::Response& res, const Caller& caller) {
  json out = json::array();
  // A service account is no member of any organization (GET /api/auth/me gives its org's id).
  if (!caller.service_account()) {
    CAIRN_ASSIGN_OR_RETURN(auto orgs, ctx.secrets.orgs(caller.actor));
    for (const auto& o : orgs) out.push_back(org_json(o));
  }
  net::json(res, {{"orgs", out}});
  return ok_status();
}

Status get_org(VaultContext& ctx, const net::Request& req, net::Response& res,
               const Caller& caller) {
  // Members, superadmins and the org's own service accounts; anyone else gets the answer a
  // missing org gets (the secrets service decides).
  CAIRN_ASSIGN_OR_RETURN(secrets::Organization o,
                         ctx.secrets.visible_org(req.param("org"), caller.actor));
  net::json(res, org_json(o));
  return ok_status();
}

Status add_member(VaultContext& ctx, const net::Request& req, net::Response& res,
                  const Caller& caller, bool created) {
  CAIRN_ASSIGN_OR_RETURN(json body, body_of(req));
  std::string email;
  if (created) {
    CAIRN_ASSIGN_OR_RETURN(email, string_field(body, "email"));
  } else {
    email = std::string(req.param("member"));
  }
  CAIRN_ASSIGN_OR_RETURN(email, auth::normalize_email(email));
  CAIRN_ASSIGN_OR_RETURN(std::string role_name, string_field(body, "role"));
  CAIRN_ASSIGN_OR_RETURN(secrets::Role role, secrets::parse_role(role_name));
  CAIRN_TRY(ctx.secrets.add_member(req.param("org"), email, role, caller.actor));
  net::json(res, {{"email", email}, {"role", secrets::role_name(role)}}, created ? 201 : 200);
  return ok_status();
}

Status list_members(VaultContext& ctx, const net::Request& req, net::Response& res,
                    const Caller& caller) {
  CAIRN_ASSIGN_OR_RETURN(auto members, ctx.secrets.members(req.param("org"), caller.actor));
  json out = json::array();
  for (const auto& [email, role] : members) {
    out.push_back({{"email", email}, {"role", secrets::role_name(role)}});
  }
  net::json(res, {{"members", out}});
  return ok_status();
}

}  // namespace

void internal::add_org_routes(net::Router& router, VaultContext& ctx, Status& status) {
  auto add = [&](std::string_view method, std::string_view pattern, net::Handler h) {
    if (status) status = router.add(method, pattern, std::move(h));
  };
  add("POST", "/api/orgs",
      with_caller([&ctx](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        return create_org(ctx, req, res, c);
      }));
  add("GET", "/api/orgs",
      with_caller([&ctx](const net::Request&, net::Response& res, const Caller& c) -> Status {
        return list_orgs(ctx, res, c);
      }));
  add("GET", "/api/orgs/{org}",
      with_caller([&ctx](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        return get_org(ctx, req, res, c);
      }));
  add("DELETE", "/api/orgs/{org}",
      with_caller([&ctx](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        CAIRN_TRY(ctx.secrets.delete_org(req.param("org"), c.actor));
        res.status = 204;
        return ok_status();
      }));
  add("POST", "/api/orgs/{org}/members",
      with_caller([&ctx](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        return add_member(ctx, req, res, c, true);
      }));
  add("GET", "/api/orgs/{org}/members",
      with_caller([&ctx](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        return list_members(ctx, req, res, c);
      }));
  add("PATCH", "/api/orgs/{org}/members/{member}",
      with_caller([&ctx](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        return add_member(ctx, req, res, c, false);
      }));
  add("DELETE", "/api/orgs/{org}/members/{member}",
      with_caller([&ctx](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        CAIRN_ASSIGN_OR_RETURN(std::string member, auth::normalize_email(req.param("member")));
        CAIRN_TRY(ctx.secrets.remove_member(req.param("org"), member, c.actor));
        res.status = 204;
        return ok_status();
      }));
}

}  // namespace cairn::vault
