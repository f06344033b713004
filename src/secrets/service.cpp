// SecretsService: construction, organizations, members, projects, environments, ACL rules,
// service accounts and master key rotation. Secret values are in values.cpp.
#include "cairn/secrets/service.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "cairn/auth/token.hpp"
#include "cairn/crypto/hash.hpp"
#include "cairn/crypto/secure.hpp"
#include "cairn/secrets/glob.hpp"
#include "core/internal/ids.hpp"
#include "secrets/internal/service_internal.hpp"

namespace cairn::secrets {
namespace internal {

Status check_name(std::string_view name, std::string_view what) {
  bool ok =
      !name.empty() && name.size() <= 63 &&
      ((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= '0' && name[0] <= '9')) &&
      std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
      });
  if (!ok) {
    return fail(ErrorCode::kInvalidArgument, "SECRETS_NAME_INVALID",
                std::string(what) +
                    " names are 1-63 characters of a-z, 0-9, '_', '.' and '-', starting with a "
                    "letter or digit");
  }
  return ok_status();
}

Status check_key(std::string_view key) {
  auto head = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  bool ok = !key.empty() && key.size() <= 64 && head(key[0]) &&
            std::all_of(key.begin(), key.end(),
                        [&](char c) { return head(c) || (c >= '0' && c <= '9'); });
  if (!ok) {
    return fail(ErrorCode::kInvalidArgument, "SECRETS_KEY_INVALID",
                "secret keys match [A-Za-z_][A-Za-z0-9_]* (at most 64 characters)");
  }
  return ok_status();
}

bool is_service_subject(std::string_view subject) { return subject.starts_with("sa:"); }

Status check_subject(std::string_view subject) {
  if (is_service_subject(subject)) {
    if (!check_name(subject.substr(3), "service account")) {
      return fail(ErrorCode::kInvalidArgument, "SECRETS_SUBJECT_INVALID",
                  "a service account subject is sa:<name>");
    }
    return ok_status();
  }
  bool ok = !subject.empty() && subject.size() <= 254 &&
            std::all_of(subject.begin(), subject.end(), [](char c) { return c > ' ' && c <= '~'; });
  if (!ok) {
    return fail(ErrorCode::kInvalidArgument, "SECRETS_SUBJECT_INVALID",
                "a user is 1-254 printable ASCII characters without spaces (an email)");
  }
  return ok_status();
}

audit::EntryInput entry(std::string_view actor, std::string action, std::string resource_type,
                        std::string resource_id, std::string outcome, std::string details) {
  audit::EntryInput e;
  e.actor_type = is_service_subject(actor) ? "service" : "user";
  e.actor_id = actor.empty() ? std::string("anonymous") : std::string(actor);
  e.action = std::move(action);
  e.resource_type = std::move(resource_type);
  e.resource_id = std::move(resource_id);
  e.outcome = std::move(outcome);
  e.details = std::move(details);
  return e;
}

Unexpected<Error> access_denied(std::string_view what) {
  return fail(ErrorCode::kPermissionDenied, "SECRETS_ACCESS_DENIED",
              "access denied: " + std::string(what));
}

}  // namespace internal

using internal::entry;

Result<ExportFormat> parse_export_format(std::string_view name) {
  if (name == "dotenv") return ExportFormat::kDotenv;
  if (name == "json") return ExportFormat::kJson;
  return fail(ErrorCode::kInvalidArgument, "SECRETS_FORMAT_INVALID",
              "formats are \"dotenv\" and \"json\"");
}

Result<std::unique_ptr<SecretsService>> SecretsService::create(SecretsStore& store,
                                                               audit::AuditLog& audit, Env& env,
                                                               MasterKey master) {
  CAIRN_ASSIGN_OR_RETURN(Bytes check, store.init_key_check(master.check()));
  if (!crypto::constant_time_equal(check, master.check())) {
    return fail(ErrorCode::kFailedPrecondition, "SECRETS_MASTER_KEY_MISMATCH",
                "this database's secrets are under another master key");
  }
  return std::unique_ptr<SecretsService>(new SecretsService(store, audit, env, std::move(master)));
}

SecretsService::SecretsService(SecretsStore& store, audit::AuditLog& audit, Env& env,
                               MasterKey master)
    : store_(store),
      audit_(audit),
      env_(env),
      master_(std::make_shared<const MasterKey>(std::move(master))) {}

SecretsService::~SecretsService() = default;

// ---- Organizations and members

Result<Organization> SecretsService::create_org(std::string_view name, std::string_view owner) {
  CAIRN_TRY(internal::check_name(name, "organization"));
  CAIRN_TRY(internal::check_subject(owner));
  if (internal::is_service_subject(owner)) {
    return fail(ErrorCode::kInvalidArgument, "SECRETS_SUBJECT_INVALID",
                "a service account cannot own an organization");
  }
  Organization org{cairn::internal::random_hex_id(env_), std::string(name), env_.now()};
  CAIRN_ASSIGN_OR_RETURN(auto existing, store_.org_by_name(name));
  if (existing) {
    return fail(ErrorCode::kAlreadyExists, "SECRETS_ORG_EXISTS",
                "an organization with this name exists");
  }
  CAIRN_TRY(audit_.record(entry(owner, "secrets.org.create", "org", org.name, "ok")));
  CAIRN_TRY(store_.insert_org(org, owner));
  return org;
}

Result<Organization> SecretsService::org(std::string_view name) {
  CAIRN_ASSIGN_OR_RETURN(auto found, store_.org_by_name(name));
  if (!found) return fail(ErrorCode::kNotFound, "SECRETS_ORG_NOT_FOUND", "no such organization");
  return *found;
}

Result<Organization> SecretsService::visible_org(std::string_view name, std::string_view actor) {
  CAIRN_TRY(internal::check_subject(actor));  // bad input is refused before anything is looked up
  CAIRN_ASSIGN_OR_RETURN(auto found, store_.org_by_name(name));
  if (found) {
    if (internal::is_service_subject(actor)) {
      CAIRN_ASSIGN_OR_RETURN(auto account, store_.service_account(found->id, actor.substr(3)));
      if (account) return *found;
    } else {
      CAIRN_ASSIGN_OR_RETURN(bool super, store_.is_superadmin(actor));
      if (super) return *found;
      CAIRN_ASSIGN_OR_RETURN(auto role, store_.member_role(found->id, actor));
      if (role) return *found;
    }
  }
  // The same answer for a missing org and for one the actor is outside of: names do not leak.
  return fail(ErrorCode::kNotFound, "SECRETS_ORG_NOT_FOUND", "no such organization");
}

Result<std::vector<Organization>> SecretsService::orgs(std::string_view user) {
  CAIRN_ASSIGN_OR_RETURN(std::vector<Organization> all, store_.orgs());
  CAIRN_ASSIGN_OR_RETURN(bool super, store_.is_superadmin(user));
  if (super) return all;
  std::vector<Organization> out;
  for (Organization& o : all) {
    CAIRN_ASSIGN_OR_RETURN(auto role, store_.member_role(o.id, user));
    if (role) out.push_back(std::move(o));
  }
  return out;
}

Status SecretsService::delete_org(std::string_view org_name, std::string_view actor) {
  CAIRN_ASSIGN_OR_RETURN(Organization o, visible_org(org_name, actor));
  CAIRN_ASSIGN_OR_RETURN(bool super, store_.is_superadmin(actor));
  CAIRN_ASSIGN_OR_RETURN(auto role, store_.member_role(o.id, actor));
  if (!super && role != Role::kOwner) {
    CAIRN_TRY(audit_.record(entry(actor, "secrets.org.delete", "org", o.name, "denied",
                                  R"({"reason":"needs the owner role"})")));
    return internal::access_denied("only an owner deletes " + o.name);
  }
  CAIRN_TRY(audit_.record(entry(actor, "secrets.org.delete", "org", o.name, "ok")));
  CAIRN_ASSIGN_OR_RETURN(bool deleted, store_.delete_org(o.id, env_.now()));
  if (!deleted) return fail(ErrorCode::kNotFound, "SECRETS_ORG_NOT_FOUND", "no such organization");
  return ok_status();
}

Status SecretsService::require_admin(const Organization& org, std::string_view actor,
                                     std::string_view action, std::string_view resource) {
  CAIRN_ASSIGN_OR_RETURN(bool super, store_.is_superadmin(actor));
  if (super) return ok_status();
  CAIRN_ASSIGN_OR_RETURN(auto role, store_.member_role(org.id, actor));
  if (role && *role >= Role::kAdmin) return ok_status();
  nlohmann::json details = {{"reason", "needs the admin role"}};
  CAIRN_TRY(audit_.record(
      entry(actor, std::string(action), "org", std::string(resource), "denied", details.dump())));
  return internal::access_denied("this needs the admin or owner role in " + org.name);
}

Status SecretsService::keep_an_owner(std::string_view org_id, std::string_view leaving) {
  CAIRN_ASSIGN_OR_RETURN(auto all, store_.members(org_id));
  bool another = std::any_of(all.begin(), all.end(), [&](const auto& m) {
    return m.second == Role::kOwner && m.first != leaving;
  });
  if (!another) {
    return fail(ErrorCode::kFailedPrecondition, "SECRETS_LAST_OWNER",
                "an organization keeps at least one owner");
  }
  return ok_status();
}

Status SecretsService::add_member(std::string_view org_name, std::string_view user, Role role,
                                  std::string_view actor) {
  CAIRN_TRY(internal::check_subject(user));
  if (internal::is_service_subject(user)) {
    return fail(ErrorCode::kInvalidArgument, "SECRETS_SUBJECT_INVALID",
                "service accounts are not members; grant them ACL rules");
  }
  CAIRN_ASSIGN_OR_RETURN(Organization o, visible_org(org_name, actor));
  CAIRN_TRY(require_admin(o, actor, "secrets.member.add", o.name));
  std::lock_guard members_lock(members_mu_);
  if (role == Role::kOwner) {
    CAIRN_ASSIGN_OR_RETURN(bool super, store_.is_superadmin(actor));
    CAIRN_ASSIGN_OR_RETURN(auto actor_role, store_.member_role(o.id, actor));
    if (!super && actor_role != Role::kOwner) {
      CAIRN_TRY(audit_.record(entry(actor, "secrets.member.add", "org", o.name, "denied",
                                    R"({"reason":"only owners make owners"})")));
      return internal::access_denied("only owners make owners");
    }
  }
  CAIRN_ASSIGN_OR_RETURN(auto current, store_.member_role(o.id, user));
  if (current == Role::kOwner && role != Role::kOwner) {
    CAIRN_ASSIGN_OR_RETURN(bool super, store_.is_superadmin(actor));
    CAIRN_ASSIGN_OR_RETURN(auto actor_role, store_.member_role(o.id, actor));
    if (!super && actor_role != Role::kOwner) {
      CAIRN_TRY(audit_.record(entry(actor, "secrets.member.add", "org", o.name, "denied",
                                    R"({"reason":"only owners demote owners"})")));
      return internal::access_denied("only owners demote owners");
    }
    CAIRN_TRY(keep_an_owner(o.id, user));
  }
  nlohmann::json details = {{"user", user}, {"role", role_name(role)}};
  CAIRN_TRY(audit_.record(entry(actor, "secrets.member.add", "org", o.name, "ok", details.dump())));
  return store_.put_member(o.id, user, role);
}

Status SecretsService::remove_member(std::string_view org_name, std::string_view user,
                                     std::string_view actor) {
  CAIRN_ASSIGN_OR_RETURN(Organization o, visible_org(org_name, actor));
  CAIRN_TRY(require_admin(o, actor, "secrets.member.remove", o.name));
  std::lock_guard members_lock(members_mu_);
  CAIRN_ASSIGN_OR_RETURN(auto role, store_.member_role(o.id, user));
  if (!role) return fail(ErrorCode::kNotFound, "SECRETS_MEMBER_NOT_FOUND", "no such member");
  if (*role == Role::kOwner) {
    CAIRN_ASSIGN_OR_RETURN(auto actor_role, store_.member_role(o.id, actor));
    CAIRN_ASSIGN_OR_RETURN(bool super, store_.is_superadmin(actor));
    if (!super && actor_role != Role::kOwner) {
      CAIRN_TRY(audit_.record(entry(actor, "secrets.member.remove", "org", o.name, "denied",
                                    R"({"reason":"only owners remove owners"})")));
      return internal::access_denied("only owners remove owners");
    }
  }
  if (*role == Role::kOwner) CAIRN_TRY(keep_an_owner(o.id, user));
  CAIRN_ASSIGN_OR_RETURN(std::vector<AclRule> rules, store_.subject_rules(o.id, user));
  nlohmann::json rule_ids = nlohmann::json::array();
  for (const AclRule& r : rules) rule_ids.push_back(r.id);
  nlohmann::json details = {{"user", user}, {"rules_removed", rule_ids}};
  CAIRN_TRY(
      audit_.record(entry(actor, "secrets.member.remove", "org", o.name, "ok", details.dump())));
  CAIRN_ASSIGN_OR_RETURN(bool removed, store_.remove_member(o.id, user, env_.now()));
  if (!removed) return fail(ErrorCode::kNotFound, "SECRETS_MEMBER_NOT_FOUND", "no such member");
  return ok_status();
}

Result<std::vector<std::pair<std::string, Role>>> SecretsService::members(std::string_view org_name,
                                                                          std::string_view actor) {
  CAIRN_ASSIGN_OR_RETURN(Organization o, visible_org(org_name, actor));
  CAIRN_ASSIGN_OR_RETURN(bool super, store_.is_superadmin(actor));
  CAIRN_ASSIGN_OR_RETURN(auto role, store_.member_role(o.id, actor));
  if (!super && !role) {
    CAIRN_TRY(audit_.record(entry(actor, "secrets.member.list", "org", o.name, "denied")));
    return internal::access_denied("not a member of " + o.name);
  }
  return store_.members(o.id);
}

Status SecretsService::set_superadmin(std::string_view user, bool superadmin) {
  CAIRN_TRY(internal::check_subject(user));
  if (internal::is_service_subject(user)) {
    return fail(ErrorCode::kInvalidArgument, "SECRETS_SUBJECT_INVALID",
                "service accounts cannot be superadmins");
  }
  nlohmann::json details = {{"user", user}, {"superadmin", superadmin}};
  CAIRN_TRY(audit_.record(
      entry("system", "secrets.superadmin.set", "user", std::string(user), "ok", details.dump())));
  return store_.set_superadmin(user, superadmin);
}

Result<bool> SecretsService::is_superadmin(std::string_view user) {
  if (user.empty() || internal::is_service_subject(user)) return false;
  return store_.is_superadmin(user);
}

Result<std::vector<std::string>> SecretsService::superadmins() { return store_.superadmins(); }

Result<bool> SecretsService::claim_first_superadmin(std::string_view user) {
  CAIRN_TRY(internal::check_subject(user));
  if (internal::is_service_subject(user)) {
    return fail(ErrorCode::kInvalidArgument, "SECRETS_SUBJECT_INVALID",
                "service accounts cannot be superadmins");
  }
  CAIRN_ASSIGN_OR_RETURN(bool claimed, store_.claim_first_superadmin(user));
  if (claimed) {
    // After the fact: the store decides atomically, and a claim that happened must be recorded
    // (an audit failure here leaves the role granted and reports the error).
    nlohmann::json details = {{"user", user}};
    CAIRN_TRY(audit_.record(entry("system", "secrets.superadmin.claim", "user", std::string(user),
                                  "ok", details.dump())));
  }
  return claimed;
}

Status SecretsService::grant_superadmin(std::string_view user, std::string_view actor) {
  CAIRN_TRY(internal::check_subject(user));
  if (internal::is_service_subject(user)) {
    return fail(ErrorCode::kInvalidArgument, "SECRETS_SUBJECT_INVALID",
                "service accounts cannot be superadmins");
  }
  CAIRN_ASSIGN_OR_RETURN(bool super, is_superadmin(actor));
  nlohmann::json details = {{"user", user}, {"superadmin", true}};
  if (!super) {
    CAIRN_TRY(audit_.record(entry(actor, "secrets.superadmin.set", "user", std::string(user),
                                  "denied", details.dump())));
    return internal::access_denied("only a superadmin makes superadmins");
  }
  CAIRN_TRY(audit_.record(
      entry(actor, "secrets.superadmin.set", "user", std::string(user), "ok", details.dump())));
  return store_.set_superadmin(user, true);
}

Status SecretsService::revoke_superadmin(std::string_view user, std::string_view actor) {
  CAIRN_TRY(internal::check_subject(user));
  CAIRN_ASSIGN_OR_RETURN(bool super, is_superadmin(actor));
  nlohmann::json details = {{"user", user}, {"superadmin", false}};
  if (!super) {
    CAIRN_TRY(audit_.record(entry(actor, "secrets.superadmin.set", "user", std::string(user),
                                  "denied", details.dump())));
    return internal::access_denied("only a superadmin removes superadmins");
  }
  if (user == actor) {
    return fail(ErrorCode::kFailedPrecondition, "SECRETS_SUPERADMIN_SELF",
                "a superadmin cannot remove themselves; ask another superadmin");
  }
  // Two superadmins removing each other at once: the second finds itself no longer one.
  std::lock_guard members_lock(members_mu_);
  CAIRN_ASSIGN_OR_RETURN(bool still, is_superadmin(actor));
  if (!still) return internal::access_denied("only a superadmin removes superadmins");
  CAIRN_ASSIGN_OR_RETURN(bool target, is_superadmin(user));
  if (!target) {
    return fail(ErrorCode::kNotFound, "SECRETS_SUPERADMIN_NOT_FOUND", "not a superadmin");
  }
  CAIRN_TRY(audit_.record(
      entry(actor, "secrets.superadmin.set", "user", std::string(user), "ok", details.dump())));
  return store_.set_superadmin(user, false);
}

// ---- Projects and environments

Result<Project> SecretsService::create_project(std::string_view org_name, std::string_view name,
                                               std::string_view actor) {
  CAIRN_TRY(internal::check_name(name, "project"));
  CAIRN_ASSIGN_OR_RETURN(Organization o, visible_org(org_name, actor));
  std::string resource = o.name + "/" + std::string(name);
  CAIRN_TRY(require_admin(o, actor, "secrets.project.create", resource));
  CAIRN_ASSIGN_OR_RETURN(auto existing, store_.project(o.id, name));
  if (existing) {
    return fail(ErrorCode::kAlreadyExists, "SECRETS_PROJECT_EXISTS", "the project exists");
  }
  Project p{cairn::internal::random_hex_id(env_), o.id, std::string(name), env_.now()};
  CAIRN_TRY(audit_.record(entry(actor, "secrets.project.create", "project", resource, "ok")));
  CAIRN_TRY(store_.insert_project(p));
  return p;
}

Result<Environment> SecretsService::create_environment(std::string_view org_name,
                                                       std::string_view project,
                                                       std::string_view name,
                                                       std::string_view actor) {
  CAIRN_TRY(internal::check_name(name, "environment"));
  CAIRN_ASSIGN_OR_RETURN(Organization o, visible_org(org_name, actor));
  CAIRN_ASSIGN_OR_RETURN(auto p, store_.project(o.id, project));
  if (!p) return fail(ErrorCode::kNotFound, "SECRETS_PROJECT_NOT_FOUND", "no such project");
  std::string resource = o.name + "/" + p->name + "/" + std::string(name);
  CAIRN_TRY(require_admin(o, actor, "secrets.environment.create", resource));
  CAIRN_ASSIGN_OR_RETURN(auto existing, store_.environment(p->id, name));
  if (existing) {
    return fail(ErrorCode::kAlreadyExists, "SECRETS_ENVIRONMENT_EXISTS", "the environment exists");
  }
  Environment e{cairn::internal::random_hex_id(env_), p->id, std::string(name), env_.now()};
  CAIRN_TRY(
      audit_.record(entry(actor, "secrets.environment.create", "environment", resource, "ok")));
  CAIRN_TRY(store_.insert_environment(e));
  return e;
}

Status SecretsService::delete_project(std::string_view org_name, std::string_view project,
                                      std::string_view actor) {
  CAIRN_ASSIGN_OR_RETURN(Organization o, visible_org(org_name, actor));
  CAIRN_TRY(internal::check_name(project, "project"));
  std::string resource = o.name + "/" + std::string(project);
  CAIRN_TRY(require_admin(o, actor, "secrets.project.delete", resource));
  CAIRN_ASSIGN_OR_RETURN(auto p, store_.project(o.id, project));
  if (!p) return fail(ErrorCode::kNotFound, "SECRETS_PROJECT_NOT_FOUND", "no such project");
  CAIRN_TRY(audit_.record(entry(actor, "secrets.project.delete", "project", resource, "ok")));
  CAIRN_ASSIGN_OR_RETURN(bool deleted, store_.delete_project(p->id, env_.now()));
  if (!deleted) return fail(ErrorCode::kNotFound, "SECRETS_PROJECT_NOT_FOUND", "no such project");
  return ok_status();
}

Status SecretsService::delete_environment(std::string_view org_name, std::string_view project,
                                          std::string_view env, std::string_view actor) {
  CAIRN_ASSIGN_OR_RETURN(Organization o, visible_org(org_name, actor));
  CAIRN_TRY(internal::check_name(project, "project"));
  CAIRN_TRY(internal::check_name(env, "environment"));
  std::string resource = o.name + "/" + std::string(project) + "/" + std::string(env);
  CAIRN_TRY(require_admin(o, actor, "secrets.environment.delete", resource));
  CAIRN_ASSIGN_OR_RETURN(auto p, store_.project(o.id, project));
  if (!p) return fail(ErrorCode::kNotFound, "SECRETS_PROJECT_NOT_FOUND", "no such project");
  CAIRN_ASSIGN_OR_RETURN(auto e, store_.environment(p->id, env));
  if (!e) {
    return fail(ErrorCode::kNotFound, "SECRETS_ENVIRONMENT_NOT_FOUND", "no such environment");
  }
  CAIRN_TRY(
      audit_.record(entry(actor, "secrets.environment.delete", "environment", resource, "ok")));
  CAIRN_ASSIGN_OR_RETURN(bool deleted, store_.delete_environment(e->id, env_.now()));
  if (!deleted) {
    return fail(ErrorCode::kNotFound, "SECRETS_ENVIRONMENT_NOT_FOUND", "no such environment");
  }
  return ok_status();
}

Result<std::vector<std::string>> SecretsService::projects(std::string_view org_name,
                                                          std::string_view actor) {
  CAIRN_TRY(members(org_name, actor));
  CAIRN_ASSIGN_OR_RETURN(Organization o, visible_org(org_name, actor));
  CAIRN_ASSIGN_OR_RETURN(std::vector<Project> all, store_.projects(o.id));
  std::vector<std::string> out;
  out.reserve(all.size());
  for (const Project& p : all) out.push_back(p.name);
  return out;
}

Result<std::vector<std::string>> SecretsService::environments(std::string_view org_name,
                                                              std::string_view project,
                                                              std::string_view actor) {
  CAIRN_TRY(members(org_name, actor));
  CAIRN_ASSIGN_OR_RETURN(Organization o, visible_org(org_name, actor));
  CAIRN_ASSIGN_OR_RETURN(auto p, store_.project(o.id, project));
  if (!p) return fail(ErrorCode::kNotFound, "SECRETS_PROJECT_NOT_FOUND", "no such project");
  CAIRN_ASSIGN_OR_RETURN(std::vector<Environment> all, store_.environments(p->id));
  std::vector<std::string> out;
  out.reserve(all.size());
  for (const Environment& e : all) out.push_back(e.name);
  return out;
}

// ---- ACL

Result<Decision> SecretsService::decide(const Organization& org, std::string_view subject,
                                        std::string_view project, std::string_view env,
                                        Permission permission) {
  Decision d;
  std::optional<Permission> cap;
  if (internal::is_service_subject(subject)) {
    CAIRN_ASSIGN_OR_RETURN(auto account, store_.service_account(org.id, subject.substr(3)));
    if (!account) {
      d.reason = "no such service account";
      return d;
    }
    if (!account->project.empty() && account->project != project) {
      d.reason = "the service account is limited to project " + account->project;
      return d;
    }
  } else {
    CAIRN_ASSIGN_OR_RETURN(bool super, store_.is_superadmin(subject));
    if (super) return Decision{true, "superadmin", "superadmin bypasses ACL"};
    CAIRN_ASSIGN_OR_RETURN(auto role, store_.member_role(org.id, subject));
    if (!role) {
      d.reason = "not a member of the organization";
      return d;
    }
    if (*role == Role::kOwner) return Decision{true, "role:owner", "owners bypass ACL"};
    if (*role == Role::kAdmin) return Decision{true, "role:admin", "admins bypass ACL"};
    cap = role_cap(*role);
    if (permission > *cap) {
      d.reason = "capped by role " + std::string(role_name(*role));
      return d;
    }
  }
  CAIRN_ASSIGN_OR_RETURN(std::vector<AclRule> rules, store_.subject_rules(org.id, subject));
  for (const AclRule& rule : rules) {
    if (rule.permission < permission) continue;
    if (glob_match(rule.project_pattern, project) && glob_match(rule.env_pattern, env)) {
      return Decision{true, rule.id,
                      "rule grants " + std::string(permission_name(rule.permission))};
    }
  }
  d.reason = "no matching rule";
  return d;
}

Result<Decision> SecretsService::check(std::string_view org_name, std::string_view subject,
                                       std::string_view project, std::string_view env,
                                       Permission permission) {
  CAIRN_TRY(internal::check_subject(subject));
  CAIRN_ASSIGN_OR_RETURN(Organization o, org(org_name));
  return decide(o, subject, project, env, permission);
}

Result<std::string> SecretsService::grant(std::string_view org_name, std::string_view subject,
                                          std::string_view project_pattern,
                                          std::string_view env_pattern, Permission permission,
                                          std::string_view actor) {
  CAIRN_TRY(internal::check_subject(subject));
  CAIRN_TRY(check_pattern(project_pattern));
  CAIRN_TRY(check_pattern(env_pattern));
  CAIRN_ASSIGN_OR_RETURN(Organization o, visible_org(org_name, actor));
  CAIRN_TRY(require_admin(o, actor, "secrets.acl.grant", o.name));
  if (internal::is_service_subject(subject)) {
    CAIRN_ASSIGN_OR_RETURN(auto account, store_.service_account(o.id, subject.substr(3)));
    if (!account) {
      return fail(ErrorCode::kNotFound, "SECRETS_SERVICE_ACCOUNT_NOT_FOUND",
                  "no such service account");
    }
  }
  // Held from the membership check to the rule's insert, so a remove_member() in between cannot
  // leave a rule behind for someone who is no longer a member.
  std::lock_guard members_lock(members_mu_);
  if (!internal::is_service_subject(subject)) {
    // A rule for a non-member would lie dormant and grant access the day they join.
    CAIRN_ASSIGN_OR_RETURN(auto role, store_.member_role(o.id, subject));
    if (!role) {
      return fail(ErrorCode::kFailedPrecondition, "SECRETS_SUBJECT_NOT_MEMBER",
                  "the user is not a member of " + o.name + "; add them as a member first");
    }
  }
  AclRule rule{cairn::internal::random_hex_id(env_),
               o.id,
               std::string(subject),
               std::string(project_pattern),
               std::string(env_pattern),
               permission,
               env_.now()};
  nlohmann::json details = {{"subject", subject},
                            {"project_pattern", project_pattern},
                            {"env_pattern", env_pattern},
                            {"permission", permission_name(permission)}};
  CAIRN_TRY(audit_.record(entry(actor, "secrets.acl.grant", "org", o.name, "ok", details.dump())));
  return store_.upsert_rule(rule);
}

Status SecretsService::revoke(std::string_view org_name, std::string_view rule_id,
                              std::string_view actor) {
  CAIRN_ASSIGN_OR_RETURN(Organization o, visible_org(org_name, actor));
  CAIRN_TRY(require_admin(o, actor, "secrets.acl.revoke", o.name));
  CAIRN_ASSIGN_OR_RETURN(std::vector<AclRule> live, store_.rules(o.id));
  if (std::none_of(live.begin(), live.end(), [&](const AclRule& r) { return r.id == rule_id; })) {
    return fail(ErrorCode::kNotFound, "ACL_RULE_NOT_FOUND", "no such rule");
  }
  nlohmann::json details = {{"rule", rule_id}};
  CAIRN_TRY(audit_.record(entry(actor, "secrets.acl.revoke", "org", o.name, "ok", details.dump())));
  CAIRN_ASSIGN_OR_RETURN(bool revoked, store_.revoke_rule(o.id, rule_id, env_.now()));
  if (!revoked) return fail(ErrorCode::kNotFound, "ACL_RULE_NOT_FOUND", "no such rule");
  return ok_status();
}

Result<std::vector<AclRule>> SecretsService::rules(std::string_view org_name,
                                                   std::string_view actor) {
  CAIRN_ASSIGN_OR_RETURN(Organization o, visible_org(org_name, actor));
  CAIRN_TRY(require_admin(o, actor, "secrets.acl.list", o.name));
  return store_.rules(o.id);
}

// ---- Service accounts

Result<NewServiceAccount> SecretsService::create_service_account(std::string_view org_name,
                                                                 std::string_view name,
                                                                 std::string_view actor,
                                                                 std::string_view project) {
  CAIRN_TRY(internal::check_name(name, "service account"));
  CAIRN_ASSIGN_OR_RETURN(Organization o, visible_org(org_name, actor));
  CAIRN_TRY(require_admin(o, actor, "secrets.service_account.create", o.name));
  if (!project.empty()) {
    CAIRN_ASSIGN_OR_RETURN(auto p, store_.project(o.id, project));
    if (!p) return fail(ErrorCode::kNotFound, "SECRETS_PROJECT_NOT_FOUND", "no such project");
  }
  CAIRN_ASSIGN_OR_RETURN(auto existing, store_.service_account(o.id, name));
  if (existing) {
    return fail(ErrorCode::kAlreadyExists, "SECRETS_SERVICE_ACCOUNT_EXISTS",
                "a service account with this name exists");
  }
  NewServiceAccount out;
  CAIRN_ASSIGN_OR_RETURN(out.api_key, auth::generate_api_key("cr_sa", env_));
  out.account = ServiceAccount{cairn::internal::random_hex_id(env_), o.id, std::string(name),
                               std::string(project), env_.now()};
  crypto::Sha256Digest hash = crypto::sha256(as_bytes(out.api_key));
  nlohmann::json details = {{"name", name}, {"project", project}};
  CAIRN_TRY(audit_.record(
      entry(actor, "secrets.service_account.create", "org", o.name, "ok", details.dump())));
  CAIRN_TRY(store_.insert_service_account({out.account, Bytes(hash.begin(), hash.end())}));
  return out;
}

Result<ServiceAccount> SecretsService::authenticate_api_key(std::string_view api_key) {
  auto invalid = [] {
    return fail(ErrorCode::kUnauthenticated, "AUTH_TOKEN_INVALID",
                "the API key is not valid (unknown, revoked or mistyped)");
  };
  if (!auth::api_key_checksum_ok(api_key) || auth::api_key_prefix(api_key) != "cr_sa") {
    return invalid();
  }
  crypto::Sha256Digest hash = crypto::sha256(as_bytes(api_key));
  CAIRN_ASSIGN_OR_RETURN(auto row, store_.service_account_by_hash(hash));
  if (!row || !crypto::constant_time_equal(row->key_hash, hash)) return invalid();
  return row->account;
}

Result<std::vector<ServiceAccount>> SecretsService::service_accounts(std::string_view org_name,
                                                                     std::string_view actor) {
  CAIRN_ASSIGN_OR_RETURN(Organization o, visible_org(org_name, actor));
  CAIRN_TRY(require_admin(o, actor, "secrets.service_account.list", o.name));
  return store_.service_accounts(o.id);
}

Status SecretsService::revoke_service_account(std::string_view org_name, std::string_view name,
                                              std::string_view actor) {
  CAIRN_ASSIGN_OR_RETURN(Organization o, visible_org(org_name, actor));
  CAIRN_TRY(require_admin(o, actor, "secrets.service_account.revoke", o.name));
  CAIRN_ASSIGN_OR_RETURN(auto account, store_.service_account(o.id, name));
  if (!account) {
    return fail(ErrorCode::kNotFound, "SECRETS_SERVICE_ACCOUNT_NOT_FOUND",
                "no such service account");
  }
  nlohmann::json details = {{"name", name}};
  CAIRN_TRY(audit_.record(
      entry(actor, "secrets.service_account.revoke", "org", o.name, "ok", details.dump())));
  CAIRN_ASSIGN_OR_RETURN(bool revoked, store_.revoke_service_account(o.id, name, env_.now()));
  if (!revoked) {
    return fail(ErrorCode::kNotFound, "SECRETS_SERVICE_ACCOUNT_NOT_FOUND",
                "no such service account");
  }
  return ok_status();
}

// ---- Master key

Status SecretsService::rotate_master_key(MasterKey new_master, std::string_view actor) {
  std::unique_lock lock(key_mu_);
  std::shared_ptr<const MasterKey> old = master_;
  CAIRN_TRY(audit_.record(entry(actor, "secrets.master_key.rotate", "keyring", "master", "ok")));
  CAIRN_TRY(store_.rewrap_all(
      old->check(), new_master.check(),
      [&](const std::string& secret_id, const SealedVersion& v) -> Result<Bytes> {
        return rewrap_key(*old, new_master, v.wrapped_key, key_aad(secret_id, v.meta.version));
      },
      [&](const std::string& name, ByteView wrapped) -> Result<Bytes> {
        return rewrap_key(*old, new_master, wrapped, keyring_key_aad(name));
      }));
  master_ = std::make_shared<const MasterKey>(std::move(new_master));
  return ok_status();
}

}  // namespace cairn::secrets
