// cairn::secrets::SecretsService: Coldrune's secrets manager as a library. engine.secrets() hands
// one out (when the engine was opened with a master key; otherwise engine.secrets() is
// FAILED_PRECONDITION / SECRETS_MASTER_KEY_MISSING).
//
// Example:
//   cairn::secrets::SecretsService& s = **engine.secrets();  // or CAIRN_ASSIGN_OR_RETURN
//   CAIRN_TRY(s.create_org("acme", "ada@acme.io"));
//   CAIRN_TRY(s.create_project("acme", "billing", "ada@acme.io"));
//   CAIRN_TRY(s.create_environment("acme", "billing", "prod", "ada@acme.io"));
//   int64_t v = *s.set("acme", "billing", "prod", "DATABASE_URL", "postgres://...", "ada@acme.io");
//   auto value = s.get("acme", "billing", "prod", "DATABASE_URL", "ada@acme.io");
//
// Access: the superadmin, org owners and admins may do anything in the org;
// developers and members need ACL rules, capped by their role (members read, developers read and
// write); service accounts need rules and, when created for one project, reach only that
// project. Deny by default.
//
// Actors and subjects are text in Subject's forms (subject.hpp): a user's email, "sa:<name>"
// (the account of that name in the org acted on) or "sa:<org id>:<name>" (bound to its org).
// A service account acting in the bound form, as ServiceAccount::actor() gives it, is enforced
// here: it never sees another organization (SECRETS_ORG_NOT_FOUND, as if the org did not exist)
// and, when created for one project, is denied every other project. Hosts pass
// account.actor().to_string() for requests made with an API key and check no scope themselves.
// Managing members, projects, environments, rules and service accounts needs the admin role (or
// superadmin).
//
// Every operation, reads and denials included, appends an audit entry (actions "secrets.*",
// resource "org/project/env/KEY", the deciding rule in details) and never a value. Denials are
// PERMISSION_DENIED / SECRETS_ACCESS_DENIED.
//
// References: a value may contain ${KEY} (same environment), ${env.KEY} (same project) or
// ${project.env.KEY} (same org); get(expand=true) replaces them, checking read access for each,
// failing on cycles (FAILED_PRECONDITION / SECRETS_REFERENCE_CYCLE), beyond depth
// kMaxReferenceDepth (10; SECRETS_REFERENCE_TOO_DEEP), and beyond kMaxReferences (100)
// references or kMaxExpandedBytes (64 KiB) of result in one get() (RESOURCE_EXHAUSTED /
// SECRETS_REFERENCE_LIMIT). A read of a past version or time reads its
// references as of that time too. "$${" stands for a literal "${".
//
// Thread-safety: safe for concurrent use. Ownership: borrows its store, audit log and Env.
#pragma once

#include <memory>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cairn/audit/log.hpp"
#include "cairn/secrets/entities.hpp"
#include "cairn/secrets/env_document.hpp"
#include "cairn/secrets/envelope.hpp"
#include "cairn/secrets/limits.hpp"
#include "cairn/secrets/master_key.hpp"
#include "cairn/secrets/store.hpp"
#include "cairn/secrets/subject.hpp"

namespace cairn::secrets {

// A new service account and its API key ("cr_sa_..."): the key is shown once.
struct NewServiceAccount {
  ServiceAccount account;
  std::string api_key;
};

class SecretsService {
 public:
  // Binds the store to `master`: the first use records its check value; later uses must present
  // the same key. Errors: FAILED_PRECONDITION / SECRETS_MASTER_KEY_MISMATCH.
  static Result<std::unique_ptr<SecretsService>> create(SecretsStore& store, audit::AuditLog& audit,
                                                        Env& env, MasterKey master);
  ~SecretsService();
  SecretsService(const SecretsService&) = delete;
  SecretsService& operator=(const SecretsService&) = delete;

  // ---- Organizations, members, superadmins
  // Names are 1 to kMaxNameBytes (63) characters of [a-z0-9_.-] starting with a letter or digit
  // (SECRETS_NAME_INVALID; limits.hpp).
  Result<Organization> create_org(std::string_view name, std::string_view owner);
  // The org of that name, to the host (no access check). Errors: NOT_FOUND /
  // SECRETS_ORG_NOT_FOUND.
  Result<Organization> org(std::string_view name);
  // The org named, when `actor` may know it exists: a superadmin, a member, or a live service
  // account of it. To anyone else a missing org and an existing one look the same. Errors:
  // NOT_FOUND / SECRETS_ORG_NOT_FOUND.
  Result<Organization> visible_org(std::string_view name, std::string_view actor);
  // The orgs `user` is a member of (every org for a superadmin).
  Result<std::vector<Organization>> orgs(std::string_view user);
  // Soft-deletes the org: its name can be used again at once, its service-account keys stop
  // working, and nothing below it (projects, secrets, rules) can be reached any more. Only an
  // owner or a superadmin may (PERMISSION_DENIED / SECRETS_ACCESS_DENIED, audited). Errors:
  // NOT_FOUND / SECRETS_ORG_NOT_FOUND.
  Status delete_org(std::string_view org, std::string_view actor);
  // Adds a member or changes their role. Only owners make (or demote) owners, and the last owner
  // stays (FAILED_PRECONDITION / SECRETS_LAST_OWNER).
  Status add_member(std::string_view org, std::string_view user, Role role, std::string_view actor);
  // Removes a member together with their ACL rules in the org, so adding them back starts from no
  // access. Errors: NOT_FOUND / SECRETS_MEMBER_NOT_FOUND; SECRETS_LAST_OWNER; as add_member().
  Status remove_member(std::string_view org, std::string_view user, std::string_view actor);
  Result<std::vector<std::pair<std::string, Role>>> members(std::string_view org,
                                                            std::string_view actor);
  // Makes (or unmakes) `user` a superadmin: for the host's bootstrap code, not for requests.
  // Service accounts cannot be superadmins (SECRETS_SUBJECT_INVALID).
  Status set_superadmin(std::string_view user, bool superadmin = true);
  // Whether `user` is a superadmin (false for service accounts). A pure lookup: no audit entry.
  Result<bool> is_superadmin(std::string_view user);
  // Every superadmin, sorted. A pure lookup: no audit entry.
  Result<std::vector<std::string>> superadmins();
  // The first sign-in of a new server: makes `user` superadmin if this database never had a
  // superadmin and nobody claimed the role before; returns whether it did. At most one call per
  // database ever succeeds, whatever the host's configuration was, and never while a superadmin
  // exists (set_superadmin() and grant_superadmin() close the claim too). Audited when it
  // succeeds ("secrets.superadmin.claim"). Errors: SECRETS_SUBJECT_INVALID.
  Result<bool> claim_first_superadmin(std::string_view user);
  // A superadmin (`actor`) makes `user` one, or takes the role from another superadmin; nobody
  // takes it from themselves (FAILED_PRECONDITION / SECRETS_SUPERADMIN_SELF), so at least one
  // stays. Audited. Errors: PERMISSION_DENIED / SECRETS_ACCESS_DENIED (actor not superadmin);
  // NOT_FOUND / SECRETS_SUPERADMIN_NOT_FOUND (revoking someone who is not one);
  // SECRETS_SUBJECT_INVALID.
  Status grant_superadmin(std::string_view user, std::string_view actor);
  Status revoke_superadmin(std::string_view user, std::string_view actor);

  // ---- Projects and environments
  Result<Project> create_project(std::string_view org, std::string_view name,
                                 std::string_view actor);
  Result<Environment> create_environment(std::string_view org, std::string_view project,
                                         std::string_view name, std::string_view actor);
  // Soft-delete a project or an environment: the name can be used again at once, and the
  // secrets below can no longer be reached (a new project or environment of the same name starts
  // empty). ACL rules match names, so they apply to a new project of the same name. Admins,
  // owners and superadmins only (PERMISSION_DENIED / SECRETS_ACCESS_DENIED, audited). Errors:
  // NOT_FOUND / SECRETS_ORG_NOT_FOUND, SECRETS_PROJECT_NOT_FOUND, SECRETS_ENVIRONMENT_NOT_FOUND.
  Status delete_project(std::string_view org, std::string_view project, std::string_view actor);
  Status delete_environment(std::string_view org, std::string_view project, std::string_view env,
                            std::string_view actor);
  Result<std::vector<std::string>> projects(std::string_view org, std::string_view actor);
  Result<std::vector<std::string>> environments(std::string_view org, std::string_view project,
                                                std::string_view actor);

  // ---- Secrets (keys: [A-Za-z_][A-Za-z0-9_]*, at most kMaxKeyBytes (64); values: at most
  // kMaxValueBytes (64 KiB) of UTF-8; limits.hpp)
  // Stores a new version and returns its number. Errors: SECRETS_KEY_INVALID,
  // SECRETS_VALUE_INVALID; NOT_FOUND / SECRETS_ORG_NOT_FOUND, SECRETS_PROJECT_NOT_FOUND,
  // SECRETS_ENVIRONMENT_NOT_FOUND; PERMISSION_DENIED / SECRETS_ACCESS_DENIED.
  Result<int64_t> set(std::string_view org, std::string_view project, std::string_view env,
                      std::string_view key, std::string_view value, std::string_view actor);
  // The latest value, version `version`, or the value as of `as_of` (the newest version created
  // at or before it; not both: INVALID_ARGUMENT / SECRETS_VERSION_SELECTOR_INVALID); references
  // expanded when `expand`. Errors: NOT_FOUND / SECRET_NOT_FOUND,
  // SECRET_VERSION_NOT_FOUND; the reference errors; as set().
  Result<std::string> get(std::string_view org, std::string_view project, std::string_view env,
                          std::string_view key, std::string_view actor,
                          std::optional<int64_t> version = std::nullopt,
                          std::optional<Timestamp> as_of = std::nullopt, bool expand = true);
  Result<std::vector<std::string>> list(std::string_view org, std::string_view project,
                                        std::string_view env, std::string_view actor);
  Result<std::vector<SecretVersion>> versions(std::string_view org, std::string_view project,
                                              std::string_view env, std::string_view key,
                                              std::string_view actor);
  // A new version equal to version `version`; returns the new number.
  Result<int64_t> rollback(std::string_view org, std::string_view project, std::string_view env,
                           std::string_view key, int64_t version, std::string_view actor);
  // Soft-deletes the secret (its name becomes free); restore() brings back the latest deleted
  // one (ALREADY_EXISTS / SECRET_EXISTS if the name was reused meanwhile).
  Status remove(std::string_view org, std::string_view project, std::string_view env,
                std::string_view key, std::string_view actor);
  Status restore(std::string_view org, std::string_view project, std::string_view env,
                 std::string_view key, std::string_view actor);

  // Every secret of the environment, as dotenv (KEY="value" lines, sorted, with \\, \", \n, \r
  // and \$ escapes) or as a JSON object; references expanded when `expand` (each checked for read
  // access, with get()'s limits per value). One read, one audit entry ("secrets.export", the
  // count, and the paths references were read from): what `run` needs to start a process from
  // one snapshot. Errors: the reference errors when `expand`; as get().
  Result<std::string> export_env(std::string_view org, std::string_view project,
                                 std::string_view env, std::string_view actor,
                                 ExportFormat format = ExportFormat::kDotenv, bool expand = false);
  // Sets every KEY of a dotenv or JSON document (only those whose value differs); returns how
  // many were set. Errors: INVALID_ARGUMENT / SECRETS_IMPORT_INVALID (the message names the
  // line); nothing is set when any entry is invalid.
  Result<int64_t> import_env(std::string_view org, std::string_view project, std::string_view env,
                             std::string_view document, std::string_view actor,
                             ExportFormat format = ExportFormat::kDotenv);

  // ---- ACL
  // Grants `permission` to `subject` (a member of the org, or "sa:<name>" or "sa:<org id>:<name>"
  // of one of its service accounts; the rule names it "sa:<name>") on matching environments;
  // granting the same subject and patterns again changes the permission. Returns the rule id.
  // Errors: INVALID_ARGUMENT / ACL_PATTERN_INVALID, SECRETS_SUBJECT_INVALID; FAILED_PRECONDITION /
  // SECRETS_SUBJECT_NOT_MEMBER (a user who is not a member: add them first); NOT_FOUND /
  // SECRETS_SERVICE_ACCOUNT_NOT_FOUND; as set().
  Result<std::string> grant(std::string_view org, std::string_view subject,
                            std::string_view project_pattern, std::string_view env_pattern,
                            Permission permission, std::string_view actor);
  // Errors: NOT_FOUND / ACL_RULE_NOT_FOUND.
  Status revoke(std::string_view org, std::string_view rule_id, std::string_view actor);
  Result<std::vector<AclRule>> rules(std::string_view org, std::string_view actor);
  // May `subject` do `permission` in org/project/env? Pure decision: no audit entry.
  Result<Decision> check(std::string_view org, std::string_view subject, std::string_view project,
                         std::string_view env, Permission permission);

  // ---- Service accounts
  Result<NewServiceAccount> create_service_account(std::string_view org, std::string_view name,
                                                   std::string_view actor,
                                                   std::string_view project = {});
  // The live account of an API key. Errors: UNAUTHENTICATED / AUTH_TOKEN_INVALID. Act for it
  // under account.actor().to_string() ("sa:<org id>:<name>"): the service then keeps it inside
  // its organization and project.
  Result<ServiceAccount> authenticate_api_key(std::string_view api_key);
  // The org's live service accounts, oldest first (admins, owners and superadmins; others get
  // PERMISSION_DENIED / SECRETS_ACCESS_DENIED). Their keys are never part of them.
  Result<std::vector<ServiceAccount>> service_accounts(std::string_view org,
                                                       std::string_view actor);
  // Revokes the account and soft-deletes its rules. Errors: NOT_FOUND /
  // SECRETS_SERVICE_ACCOUNT_NOT_FOUND.
  Status revoke_service_account(std::string_view org, std::string_view name,
                                std::string_view actor);

  // ---- Keys
  // Re-wraps every data key and keyring key (keyring.hpp) under `new_master` in one atomic step;
  // afterwards only the new key opens the store. Errors: as the store's; nothing changes on
  // failure.
  Status rotate_master_key(MasterKey new_master, std::string_view actor = "system");

 private:
  struct Place;
  SecretsService(SecretsStore& store, audit::AuditLog& audit, Env& env, MasterKey master);

  // The org, project and environment named, as seen by `actor` (visible_org()). Errors: NOT_FOUND
  // / SECRETS_ORG_NOT_FOUND, SECRETS_PROJECT_NOT_FOUND, SECRETS_ENVIRONMENT_NOT_FOUND.
  Result<Place> place(std::string_view org, std::string_view project, std::string_view env,
                      std::string_view actor);
  Result<Decision> decide(const Organization& org, std::string_view subject,
                          std::string_view project, std::string_view env, Permission permission);
  Status keep_an_owner(std::string_view org_id, std::string_view leaving);
  Status require_admin(const Organization& org, std::string_view actor, std::string_view action,
                       std::string_view resource);
  Status authorize(const Place& place, std::string_view actor, Permission permission,
                   std::string_view action, std::string_view key, Decision* out = nullptr);
  // Seals and stores a new version of each (key, value), all or nothing; their version numbers.
  Result<std::vector<int64_t>> write_values(
      const Place& place, std::span<const std::pair<std::string, std::string>> values,
      std::string_view actor);
  Result<std::string> read_value(const Place& place, std::string_view key,
                                 std::optional<int64_t> version, std::optional<Timestamp> as_of);
  // What one get() may spend on references, and the time they are read as of.
  struct Expansion {
    std::vector<std::string> stack;  // paths being expanded, outermost first
    size_t references = 0;           // resolved so far
    std::optional<Timestamp> as_of;  // read referenced secrets as of this time
    // When set, the paths of referenced secrets read land here instead of one audit entry each
    // (export_env() records them all in its one entry).
    std::vector<std::string>* reads = nullptr;
  };
  Result<std::string> expand(const Place& place, std::string value, std::string_view actor,
                             Expansion& state);

  SecretsStore& store_;
  audit::AuditLog& audit_;
  Env& env_;
  std::shared_mutex key_mu_;  // readers and writers share it; rotation takes it alone
  std::mutex members_mu_;     // makes the last-owner check and the change one step
  std::shared_ptr<const MasterKey> master_;
};

}  // namespace cairn::secrets
