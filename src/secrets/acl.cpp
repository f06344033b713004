// SecretsService: access decisions and ACL rules. Who a subject is (subject.hpp) and which org
// a service account belongs to are decided here, so no host re-decides a scope.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "cairn/secrets/glob.hpp"
#include "cairn/secrets/service.hpp"
#include "core/internal/ids.hpp"
#include "secrets/internal/service_internal.hpp"

namespace cairn::secrets {

using internal::entry;

// ---- ACL

Result<Decision> SecretsService::decide(const Organization& org, std::string_view subject,
                                        std::string_view project, std::string_view env,
                                        Permission permission) {
  Decision d;
  std::optional<Permission> cap;
  CAIRN_ASSIGN_OR_RETURN(Subject who, Subject::parse(subject));
  if (who.is_service_account()) {
    if (!who.org_id().empty() && who.org_id() != org.id) {
      d.reason = "the service account belongs to another organization";
      return d;
    }
    CAIRN_ASSIGN_OR_RETURN(auto account, store_.service_account(org.id, who.name()));
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
  CAIRN_ASSIGN_OR_RETURN(std::vector<AclRule> rules, store_.subject_rules(org.id, who.in_org()));
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
  CAIRN_ASSIGN_OR_RETURN(Subject who, Subject::parse(subject));
  CAIRN_TRY(check_pattern(project_pattern));
  CAIRN_TRY(check_pattern(env_pattern));
  CAIRN_ASSIGN_OR_RETURN(Organization o, visible_org(org_name, actor));
  CAIRN_TRY(require_admin(o, actor, "secrets.acl.grant", o.name));
  if (who.is_service_account()) {
    CAIRN_ASSIGN_OR_RETURN(auto account, store_.service_account(o.id, who.name()));
    if (!account || (!who.org_id().empty() && who.org_id() != o.id)) {
      return fail(ErrorCode::kNotFound, "SECRETS_SERVICE_ACCOUNT_NOT_FOUND",
                  "no such service account");
    }
  }
  // Held from the membership check to the rule's insert, so a remove_member() in between cannot
  // leave a rule behind for someone who is no longer a member.
  std::lock_guard members_lock(members_mu_);
  if (who.is_user()) {
    // A rule for a non-member would lie dormant and grant access the day they join.
    CAIRN_ASSIGN_OR_RETURN(auto role, store_.member_role(o.id, subject));
    if (!role) {
      return fail(ErrorCode::kFailedPrecondition, "SECRETS_SUBJECT_NOT_MEMBER",
                  "the user is not a member of " + o.name + "; add them as a member first");
    }
  }
  AclRule rule{cairn::internal::random_hex_id(env_),
               o.id,
               who.in_org(),
               std::string(project_pattern),
               std::string(env_pattern),
               permission,
               env_.now()};
  nlohmann::json details = {{"subject", who.in_org()},
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

}  // namespace cairn::secrets
