// SecretsService: construction, organizations, members, superadmins, projects, environments and
// master key rotation. ACL decisions and rules are in acl.cpp, service accounts in
// service_accounts.cpp, secret values in secret_values.cpp.
#include "cairn/secrets/service.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "cairn/crypto/secure.hpp"
#include "core/internal/ids.hpp"
#include "secrets/internal/service_internal.hpp"

namespace cairn::secrets {
namespace internal {

audit::EntryInput entry(std::string_view actor, std::string action, std::string resource_type,
                        std::string resource_id, std::string outcome, std::string details) {
  audit::EntryInput e;
  e.actor_type = Subject::names_service_account(actor) ? "service" : "user";
  // Within the org's entries a service account is "sa:<name>", whichever form it acted under.
  auto subject = Subject::parse(actor);
  e.actor_id = actor.empty() ? std::string("anonymous")
               : subject     ? subject->in_org()
                             : std::string(actor);
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
  // Bad input is refused before anything is looked up.
  CAIRN_ASSIGN_OR_RETURN(Subject subject, Subject::parse(actor));
  CAIRN_ASSIGN_OR_RETURN(auto found, store_.org_by_name(name));
  if (found) {
    if (subject.is_service_account()) {
      // A service account bound to another org never sees this one.
      bool other_org = !subject.org_id().empty() && subject.org_id() != found->id;
      CAIRN_ASSIGN_OR_RETURN(auto account, store_.service_account(found->id, subject.name()));
      if (account && !other_org) return *found;
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
