// cairn::secrets::SecretsStore: the secrets service's storage. Implementations for memory: and
// sqlite: (src/storage/*/secrets_store.cpp), checked by one conformance suite. Every method is one
// atomic operation. Values reach the store only sealed (AES-256-GCM ciphertexts and wrapped data
// keys, see envelope.hpp); the store never sees a key or a plaintext.
//
// Names are unique among live rows only: deleting (soft: a deletion time is set) frees the name.
//
// Thread-safety: every implementation is safe for concurrent use.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/core/bytes.hpp"
#include "cairn/core/result.hpp"
#include "cairn/secrets/entities.hpp"

namespace cairn::secrets {

// One stored version of a secret: its metadata and its sealed value.
struct SealedVersion {
  SecretVersion meta;
  Bytes ciphertext;   // nonce || ciphertext || tag of the value under the data key
  Bytes wrapped_key;  // nonce || ciphertext || tag of the data key under the KEK
};

// One secret written by SecretsStore::append_versions: its key, and the id it gets if it is new.
struct VersionWrite {
  std::string key;
  std::string new_secret_id;
};

// A live or deleted secret (one name in one environment).
struct SecretRow {
  std::string id;
  std::string env_id;
  std::string key;
  int64_t latest_version = 0;
  std::optional<Timestamp> deleted_at;
};

struct ServiceAccountRow {
  ServiceAccount account;
  Bytes key_hash;  // SHA-256 of the API key
};

class SecretsStore {
 public:
  virtual ~SecretsStore() = default;

  // Organizations. insert_org: ALREADY_EXISTS / SECRETS_ORG_EXISTS when a live org has the name;
  // it also makes `owner` the org's owner, in the same step.
  virtual Status insert_org(const Organization& org, std::string_view owner) = 0;
  virtual Result<std::optional<Organization>> org_by_name(std::string_view name) = 0;
  virtual Result<std::vector<Organization>> orgs() = 0;
  // Soft-deletes the live org `org_id` (its name is free again) and revokes its service accounts,
  // in one step. Its projects, members and rules stay as they were but can no longer be reached.
  // False when there is no such live org.
  virtual Result<bool> delete_org(std::string_view org_id, Timestamp at) = 0;

  // Members: one role per (org, user). put_member adds or changes it.
  virtual Status put_member(std::string_view org_id, std::string_view user, Role role) = 0;
  virtual Result<std::optional<Role>> member_role(std::string_view org_id,
                                                  std::string_view user) = 0;
  // Removes the membership and soft-deletes the user's ACL rules in the org, in one step, so
  // adding the user back later does not bring old access back. False when not a member.
  virtual Result<bool> remove_member(std::string_view org_id, std::string_view user,
                                     Timestamp at) = 0;
  // (user, role) pairs, ordered by user.
  virtual Result<std::vector<std::pair<std::string, Role>>> members(std::string_view org_id) = 0;

  // Making anyone superadmin also closes the first-superadmin claim below.
  virtual Status set_superadmin(std::string_view user, bool superadmin) = 0;
  virtual Result<bool> is_superadmin(std::string_view user) = 0;
  // Every superadmin, sorted.
  virtual Result<std::vector<std::string>> superadmins() = 0;
  // Makes `user` superadmin if this database never had a superadmin and nobody claimed the role
  // before, and closes the claim, in one step: true when this call made `user` superadmin. At most
  // one call per database ever returns true.
  virtual Result<bool> claim_first_superadmin(std::string_view user) = 0;

  // Projects and environments. Errors: ALREADY_EXISTS / SECRETS_PROJECT_EXISTS,
  // SECRETS_ENVIRONMENT_EXISTS.
  virtual Status insert_project(const Project& project) = 0;
  virtual Result<std::optional<Project>> project(std::string_view org_id,
                                                 std::string_view name) = 0;
  virtual Result<std::vector<Project>> projects(std::string_view org_id) = 0;
  virtual Status insert_environment(const Environment& env) = 0;
  virtual Result<std::optional<Environment>> environment(std::string_view project_id,
                                                         std::string_view name) = 0;
  virtual Result<std::vector<Environment>> environments(std::string_view project_id) = 0;
  // Soft-delete a live project or environment (freeing its name); what lies below it stays as it
  // was but can no longer be reached. False when there is no such live row.
  virtual Result<bool> delete_project(std::string_view project_id, Timestamp at) = 0;
  virtual Result<bool> delete_environment(std::string_view env_id, Timestamp at) = 0;

  // Secrets. append_versions adds, for each write in order, version latest+1 to the live secret
  // `key` of `env_id`, creating the secret (with `new_secret_id`) when there is none, and returns
  // the version numbers, all in one atomic step: when anything fails, nothing is stored. `seal`
  // is called inside that step with (index of the write, secret id, version) and returns the
  // sealed value, so the ciphertext can be bound to the number it gets. REQUIRES: the keys of
  // `writes` are distinct. Fails with FAILED_PRECONDITION / SECRETS_MASTER_KEY_MISMATCH, storing
  // nothing, when the stored key check is not `key_check` (another process rotated the master
  // key).
  virtual Result<std::vector<int64_t>> append_versions(
      std::string_view env_id, std::span<const VersionWrite> writes, ByteView key_check,
      const std::function<Result<SealedVersion>(std::size_t index, const std::string& secret_id,
                                                int64_t version)>& seal) = 0;
  virtual Result<std::optional<SecretRow>> live_secret(std::string_view env_id,
                                                       std::string_view key) = 0;
  // The most recently deleted secret named `key`, if any.
  virtual Result<std::optional<SecretRow>> deleted_secret(std::string_view env_id,
                                                          std::string_view key) = 0;
  virtual Result<std::optional<SealedVersion>> version(std::string_view secret_id,
                                                       int64_t version) = 0;
  // Every version, oldest first.
  virtual Result<std::vector<SealedVersion>> versions(std::string_view secret_id) = 0;
  // The live keys of an environment, sorted.
  virtual Result<std::vector<std::string>> keys(std::string_view env_id) = 0;
  // Soft-deletes the live secret; false when there is none.
  virtual Result<bool> delete_secret(std::string_view env_id, std::string_view key,
                                     Timestamp at) = 0;
  // Undeletes secret `secret_id`. Errors: ALREADY_EXISTS / SECRET_EXISTS when a live secret has
  // its name; false when it is not deleted or does not exist.
  virtual Result<bool> restore_secret(std::string_view secret_id) = 0;

  // ACL rules. upsert_rule stores `rule`, or, when a live rule has the same org, subject and
  // patterns, changes that rule's permission; returns the id of the rule stored or changed.
  virtual Result<std::string> upsert_rule(const AclRule& rule) = 0;
  virtual Result<bool> revoke_rule(std::string_view org_id, std::string_view rule_id,
                                   Timestamp at) = 0;
  // The org's live rules, oldest first.
  virtual Result<std::vector<AclRule>> rules(std::string_view org_id) = 0;
  // The org's live rules naming `subject`, oldest first.
  virtual Result<std::vector<AclRule>> subject_rules(std::string_view org_id,
                                                     std::string_view subject) = 0;

  // Service accounts. Errors: ALREADY_EXISTS / SECRETS_SERVICE_ACCOUNT_EXISTS (live name taken).
  virtual Status insert_service_account(const ServiceAccountRow& row) = 0;
  // The live account whose key hashes to `key_hash`.
  virtual Result<std::optional<ServiceAccountRow>> service_account_by_hash(ByteView key_hash) = 0;
  virtual Result<std::optional<ServiceAccount>> service_account(std::string_view org_id,
                                                                std::string_view name) = 0;
  // The org's live accounts, oldest first.
  virtual Result<std::vector<ServiceAccount>> service_accounts(std::string_view org_id) = 0;
  // Revokes the account and soft-deletes every rule naming its subject, in one step; false when
  // there is no such live account.
  virtual Result<bool> revoke_service_account(std::string_view org_id, std::string_view name,
                                              Timestamp at) = 0;

  // The master key check value (proves which master key the data is under), or nullopt before
  // the first use. init_key_check stores `check` if there is none and returns the stored one.
  virtual Result<Bytes> init_key_check(ByteView check) = 0;
  // Named keyring keys (see keyring.hpp): keys the engine keeps for itself, stored only wrapped
  // under the KEK. init_keyring_key stores `wrapped` under `name` if there is none and returns the
  // wrapped key now stored, in one atomic step. Fails with FAILED_PRECONDITION /
  // SECRETS_MASTER_KEY_MISMATCH, storing nothing, when the stored key check is not `key_check`
  // (another process rotated the master key).
  virtual Result<Bytes> init_keyring_key(std::string_view name, ByteView key_check,
                                         ByteView wrapped) = 0;
  // Re-wraps every stored data key and every keyring key and replaces the check value, all in one
  // atomic step: `rewrap(version row)` returns a data key's new wrapped key, `rewrap_keyring(name,
  // wrapped key)` a keyring key's. Fails, changing nothing, if the stored check is not
  // `old_check` or any rewrap fails.
  virtual Status rewrap_all(
      ByteView old_check, ByteView new_check,
      const std::function<Result<Bytes>(const std::string& secret_id, const SealedVersion&)>&
          rewrap,
      const std::function<Result<Bytes>(const std::string& name, ByteView wrapped)>&
          rewrap_keyring) = 0;
};

}  // namespace cairn::secrets
