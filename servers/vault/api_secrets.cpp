// Routes for projects, environments, secrets, ACL rules and service accounts: everything under
// /api/orgs/{org} that the secrets service authorizes rule by rule.
#include <cstdlib>

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
using internal::optional_string_field;
using internal::string_field;
using nlohmann::json;

// The {org}/{project}/{env} of a request.
struct Place {
  std::string org;
  std::string project;
  std::string env;
};
Place place_of(const net::Request& req) {
  return {std::string(req.param("org")), std::string(req.param("project")),
          std::string(req.param("env"))};
}

Result<int64_t> version_number(const json& value, std::string_view name) {
  if (!value.is_number_integer() || value.get<int64_t>() < 1) {
    return fail(ErrorCode::kInvalidArgument, "VAULT_FIELD_INVALID",
                std::string(name) + " must be a positive whole number");
  }
  return value.get<int64_t>();
}

json names_json(const std::vector<std::string>& names) { return names; }

json rule_json(const secrets::AclRule& r) {
  auto subject = secrets::Subject::parse(r.subject);
  bool sa = subject && subject->is_service_account();
  json out = {{"id", r.id},
              {"subject", r.subject},
              {"subject_type", sa ? "service_account" : "user"},
              {"project_pattern", r.project_pattern},
              {"env_pattern", r.env_pattern},
              {"permission", secrets::permission_name(r.permission)},
              {"created_at", format_time(r.created_at)}};
  if (sa) {
    out["name"] = subject->name();
  } else {
    out["email"] = r.subject;
  }
  return out;
}

json account_json(const secrets::ServiceAccount& a) {
  return {{"id", a.id},
          {"name", a.name},
          {"subject", a.subject()},
          {"project", a.project.empty() ? json(nullptr) : json(a.project)},
          {"created_at", format_time(a.created_at)}};
}

Status get_secret(VaultContext& ctx, const net::Request& req, net::Response& res,
                  const Caller& caller) {
  Place p = place_of(req);
  std::optional<int64_t> version;
  std::optional<Timestamp> as_of;
  bool expand = true;
  if (auto v = req.query_param("version")) {
    char* end = nullptr;
    long long n = std::strtoll(v->c_str(), &end, 10);
    if (v->empty() || *end != '\0' || n < 1) {
      return fail(ErrorCode::kInvalidArgument, "VAULT_FIELD_INVALID",
                  "version must be a positive whole number");
    }
    version = n;
  }
  if (auto v = req.query_param("as_of")) {
    CAIRN_ASSIGN_OR_RETURN(as_of, internal::parse_time(*v, "as_of"));
  }
  if (auto v = req.query_param("expand")) expand = *v != "false" && *v != "0";
  std::string key(req.param("key"));
  CAIRN_ASSIGN_OR_RETURN(std::string value, ctx.secrets.get(p.org, p.project, p.env, key,
                                                            caller.actor, version, as_of, expand));
  json out = {{"key", key}, {"value", value}};
  if (version) out["version"] = *version;
  net::json(res, out);
  return ok_status();
}

Status put_secret(VaultContext& ctx, const net::Request& req, net::Response& res,
                  const Caller& caller) {
  Place p = place_of(req);
  CAIRN_ASSIGN_OR_RETURN(json body, body_of(req));
  auto it = body.find("value");
  if (it == body.end() || !it->is_string()) {
    return fail(ErrorCode::kInvalidArgument, "VAULT_FIELD_INVALID",
                "field \"value\" must be a string");
  }
  std::string key(req.param("key"));
  CAIRN_ASSIGN_OR_RETURN(int64_t version,
                         ctx.secrets.set(p.org, p.project, p.env, key,
                                         it->get_ref<const std::string&>(), caller.actor));
  net::json(res, {{"key", key}, {"version", version}});
  return ok_status();
}

Status secret_versions(VaultContext& ctx, const net::Request& req, net::Response& res,
                       const Caller& caller) {
  Place p = place_of(req);
  CAIRN_ASSIGN_OR_RETURN(
      auto versions, ctx.secrets.versions(p.org, p.project, p.env, req.param("key"), caller.actor));
  json out = json::array();
  for (const auto& v : versions) {
    out.push_back({{"version", v.version},
                   {"created_at", format_time(v.created_at)},
                   {"created_by", v.created_by}});
  }
  net::json(res, {{"key", req.param("key")}, {"versions", out}});
  return ok_status();
}

Status rollback_secret(VaultContext& ctx, const net::Request& req, net::Response& res,
                       const Caller& caller) {
  Place p = place_of(req);
  CAIRN_ASSIGN_OR_RETURN(json body, body_of(req));
  auto it = body.find("version");
  if (it == body.end()) {
    return fail(ErrorCode::kInvalidArgument, "VAULT_FIELD_INVALID",
                "field \"version\" is required");
  }
  CAIRN_ASSIGN_OR_RETURN(int64_t target, version_number(*it, "version"));
  CAIRN_ASSIGN_OR_RETURN(
      int64_t version,
      ctx.secrets.rollback(p.org, p.project, p.env, req.param("key"), target, caller.actor));
  net::json(res, {{"key", req.param("key")}, {"version", version}, {"rolled_back_to", target}});
  return ok_status();
}

Status export_env(VaultContext& ctx, const net::Request& req, net::Response& res,
                  const Caller& caller) {
  Place p = place_of(req);
  CAIRN_ASSIGN_OR_RETURN(
      secrets::ExportFormat format,
      secrets::parse_export_format(req.query_param("format").value_or("dotenv")));
  // Unexpanded unless asked: `run` and `secret export` ask, so that one request (one read, one
  // audit entry) gives them the values a process sees.
  std::string expand = req.query_param("expand").value_or("false");
  if (expand != "true" && expand != "false") {
    return fail(ErrorCode::kInvalidArgument, "VAULT_FIELD_INVALID", "expand must be true or false");
  }
  CAIRN_ASSIGN_OR_RETURN(
      std::string text,
      ctx.secrets.export_env(p.org, p.project, p.env, caller.actor, format, expand == "true"));
  if (format == secrets::ExportFormat::kJson) {
    res.json_text(std::move(text));
  } else {
    res.text(std::move(text));
  }
  return ok_status();
}

Status grant(VaultContext& ctx, const net::Request& req, net::Response& res, const Caller& caller) {
  CAIRN_ASSIGN_OR_RETURN(json body, body_of(req));
  CAIRN_ASSIGN_OR_RETURN(std::string type, optional_string_field(body, "subject_type"));
  std::string subject;
  if (type.empty() || type == "user") {
    CAIRN_ASSIGN_OR_RETURN(subject, string_field(body, "email"));
    CAIRN_ASSIGN_OR_RETURN(subject, auth::normalize_email(subject));
    CAIRN_ASSIGN_OR_RETURN(secrets::Subject user, secrets::Subject::user(subject));
    subject = user.to_string();
  } else if (type == "service_account") {
    CAIRN_ASSIGN_OR_RETURN(std::string name, string_field(body, "name"));
    CAIRN_ASSIGN_OR_RETURN(secrets::Subject account, secrets::Subject::service_account(name));
    subject = account.to_string();
  } else {
    return fail(ErrorCode::kInvalidArgument, "VAULT_FIELD_INVALID",
                "subject_type must be \"user\" or \"service_account\"");
  }
  CAIRN_ASSIGN_OR_RETURN(std::string project, string_field(body, "project_pattern"));
  CAIRN_ASSIGN_OR_RETURN(std::string env, string_field(body, "env_pattern"));
  CAIRN_ASSIGN_OR_RETURN(std::string permission_text, string_field(body, "permission"));
  CAIRN_ASSIGN_OR_RETURN(secrets::Permission permission,
                         secrets::parse_permission(permission_text));
  std::string org(req.param("org"));
  CAIRN_ASSIGN_OR_RETURN(std::string id,
                         ctx.secrets.grant(org, subject, project, env, permission, caller.actor));
  CAIRN_ASSIGN_OR_RETURN(auto rules, ctx.secrets.rules(org, caller.actor));
  for (const auto& rule : rules) {
    if (rule.id == id) {
      net::json(res, rule_json(rule), 201);
      return ok_status();
    }
  }
  net::json(res, {{"id", id}}, 201);
  return ok_status();
}

Status create_account(VaultContext& ctx, const net::Request& req, net::Response& res,
                      const Caller& caller) {
  CAIRN_ASSIGN_OR_RETURN(json body, body_of(req));
  CAIRN_ASSIGN_OR_RETURN(std::string name, string_field(body, "name"));
  CAIRN_ASSIGN_OR_RETURN(std::string project, optional_string_field(body, "project"));
  CAIRN_ASSIGN_OR_RETURN(
      secrets::NewServiceAccount created,
      ctx.secrets.create_service_account(req.param("org"), name, caller.actor, project));
  json out = account_json(created.account);
  out["api_key"] = created.api_key;
  net::json(res, out, 201);
  return ok_status();
}

}  // namespace

void internal::add_secret_routes(net::Router& router, VaultContext& ctx, Status& status) {
  auto add = [&](std::string_view method, std::string_view pattern, internal::CallerHandler h) {
    if (status) status = router.add(method, pattern, internal::with_caller(std::move(h)));
  };
  auto created = [](net::Response& res, const json& body) { net::json(res, body, 201); };
  const std::string projects = "/api/orgs/{org}/projects";
  const std::string envs = projects + "/{project}/envs";
  const std::string secrets = envs + "/{env}/secrets";

  add("POST", projects,
      [&ctx, created](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        CAIRN_ASSIGN_OR_RETURN(json body, body_of(req));
        CAIRN_ASSIGN_OR_RETURN(std::string name, string_field(body, "name"));
        CAIRN_ASSIGN_OR_RETURN(secrets::Project p,
                               ctx.secrets.create_project(req.param("org"), name, c.actor));
        created(res, {{"id", p.id}, {"name", p.name}, {"created_at", format_time(p.created_at)}});
        return ok_status();
      });
  add("GET", projects,
      [&ctx](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        CAIRN_ASSIGN_OR_RETURN(auto names, ctx.secrets.projects(req.param("org"), c.actor));
        net::json(res, {{"projects", names_json(names)}});
        return ok_status();
      });
  add("DELETE", projects + "/{project}",
      [&ctx](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        CAIRN_TRY(ctx.secrets.delete_project(req.param("org"), req.param("project"), c.actor));
        res.status = 204;
        return ok_status();
      });
  add("POST", envs,
      [&ctx, created](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        CAIRN_ASSIGN_OR_RETURN(json body, body_of(req));
        CAIRN_ASSIGN_OR_RETURN(std::string name, string_field(body, "name"));
        CAIRN_ASSIGN_OR_RETURN(
            secrets::Environment e,
            ctx.secrets.create_environment(req.param("org"), req.param("project"), name, c.actor));
        created(res, {{"id", e.id}, {"name", e.name}, {"created_at", format_time(e.created_at)}});
        return ok_status();
      });
  add("GET", envs, [&ctx](const net::Request& req, net::Response& res, const Caller& c) -> Status {
    CAIRN_ASSIGN_OR_RETURN(
        auto names, ctx.secrets.environments(req.param("org"), req.param("project"), c.actor));
    net::json(res, {{"environments", names_json(names)}});
    return ok_status();
  });
  add("DELETE", envs + "/{env}",
      [&ctx](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        Place p = place_of(req);
        CAIRN_TRY(ctx.secrets.delete_environment(p.org, p.project, p.env, c.actor));
        res.status = 204;
        return ok_status();
      });
  add("GET", envs + "/{env}/export",
      [&ctx](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        return export_env(ctx, req, res, c);
      });

  add("GET", secrets,
      [&ctx](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        Place p = place_of(req);
        CAIRN_ASSIGN_OR_RETURN(auto keys, ctx.secrets.list(p.org, p.project, p.env, c.actor));
        net::json(res, {{"keys", names_json(keys)}});
        return ok_status();
      });
  add("GET", secrets + "/{key}",
      [&ctx](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        return get_secret(ctx, req, res, c);
      });
  add("PUT", secrets + "/{key}",
      [&ctx](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        return put_secret(ctx, req, res, c);
      });
  add("DELETE", secrets + "/{key}",
      [&ctx](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        Place p = place_of(req);
        CAIRN_TRY(ctx.secrets.remove(p.org, p.project, p.env, req.param("key"), c.actor));
        res.status = 204;
        return ok_status();
      });
  add("GET", secrets + "/{key}/versions",
      [&ctx](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        return secret_versions(ctx, req, res, c);
      });
  add("POST", secrets + "/{key}/rollback",
      [&ctx](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        return rollback_secret(ctx, req, res, c);
      });

  add("POST", "/api/orgs/{org}/acl",
      [&ctx](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        return grant(ctx, req, res, c);
      });
  add("GET", "/api/orgs/{org}/acl",
      [&ctx](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        CAIRN_ASSIGN_OR_RETURN(auto rules, ctx.secrets.rules(req.param("org"), c.actor));
        json out = json::array();
        for (const auto& r : rules) out.push_back(rule_json(r));
        net::json(res, {{"rules", out}});
        return ok_status();
      });
  add("DELETE", "/api/orgs/{org}/acl/{rule}",
      [&ctx](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        CAIRN_TRY(ctx.secrets.revoke(req.param("org"), req.param("rule"), c.actor));
        res.status = 204;
        return ok_status();
      });

  add("POST", "/api/orgs/{org}/service-accounts",
      [&ctx](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        return create_account(ctx, req, res, c);
      });
  add("GET", "/api/orgs/{org}/service-accounts",
      [&ctx](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        CAIRN_ASSIGN_OR_RETURN(auto accounts,
                               ctx.secrets.service_accounts(req.param("org"), c.actor));
        json out = json::array();
        for (const auto& a : accounts) out.push_back(account_json(a));
        net::json(res, {{"service_accounts", out}});
        return ok_status();
      });
  add("DELETE", "/api/orgs/{org}/service-accounts/{name}",
      [&ctx](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        CAIRN_TRY(ctx.secrets.revoke_service_account(req.param("org"), req.param("name"), c.actor));
        res.status = 204;
        return ok_status();
      });
}

}  // namespace cairn::vault
