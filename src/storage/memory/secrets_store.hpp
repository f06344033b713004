// The memory: backend's SecretsStore: every row in vectors and maps under one mutex.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "cairn/secrets/store.hpp"

namespace cairn::storage::memory {

class MemorySecretsStore final : public secrets::SecretsStore {
 public:
  Status insert_org(const secrets::Organization& org, std::string_view owner) override;
  Result<std::optional<secrets::Organization>> org_by_name(std::string_view name) override;
  Result<std::vector<secrets::Organization>> orgs() override;
  Result<bool> delete_org(std::string_view org_id, Timestamp at) override;
  Status put_member(std::string_view org_id, std::string_view user, secrets::Role role) override;
  Result<std::optional<secrets::Role>> member_role(std::string_view org_id,
                                                   std::string_view user) override;
  Result<bool> remove_member(std::string_view org_id, std::string_view user, Timestamp at) override;
  Result<std::vector<std::pair<std::string, secrets::Role>>> members(
      std::string_view org_id) override;
  Status set_superadmin(std::string_view user, bool superadmin) override;
  Result<bool> is_superadmin(std::string_view user) override;
  Result<std::vector<std::string>> superadmins() override;
  Result<bool> claim_first_superadmin(std::string_view user) override;
  Status insert_project(const secrets::Project& project) override;
  Result<std::optional<secrets::Project>> project(std::string_view org_id,
                                                  std::string_view name) override;
  Result<std::vector<secrets::Project>> projects(std::string_view org_id) override;
  Status insert_environment(const secrets::Environment& env) override;
  Result<std::optional<secrets::Environment>> environment(std::string_view project_id,
                                                          std::string_view name) override;
  Result<std::vector<secrets::Environment>> environments(std::string_view project_id) override;
  Result<bool> delete_project(std::string_view project_id, Timestamp at) override;
  Result<bool> delete_environment(std::string_view env_id, Timestamp at) override;
  Result<std::vector<int64_t>> append_versions(
      std::string_view env_id, std::span<const secrets::VersionWrite> writes, ByteView key_check,
      const std::function<Result<secrets::SealedVersion>(std::size_t, const std::string&, int64_t)>&
          seal) override;
  Result<std::optional<secrets::SecretRow>> live_secret(std::string_view env_id,
                                                        std::string_view key) override;
  Result<std::optional<secrets::SecretRow>> deleted_secret(std::string_view env_id,
                                                           std::string_view key) override;
  Result<std::optional<secrets::SealedVersion>> version(std::string_view secret_id,
                                                        int64_t version) override;
  Result<std::vector<secrets::SealedVersion>> versions(std::string_view secret_id) override;
  Result<std::vector<std::string>> keys(std::string_view env_id) override;
  Result<bool> delete_secret(std::string_view env_id, std::string_view key, Timestamp at) override;
  Result<bool> restore_secret(std::string_view secret_id) override;
  Result<std::string> upsert_rule(const secrets::AclRule& rule) override;
  Result<bool> revoke_rule(std::string_view org_id, std::string_view rule_id,
                           Timestamp at) override;
  Result<std::vector<secrets::AclRule>> rules(std::string_view org_id) override;
  Result<std::vector<secrets::AclRule>> subject_rules(std::string_view org_id,
                                                      std::string_view subject) override;
  Status insert_service_account(const secrets::ServiceAccountRow& row) override;
  Result<std::optional<secrets::ServiceAccountRow>> service_account_by_hash(
      ByteView key_hash) override;
  Result<std::optional<secrets::ServiceAccount>> service_account(std::string_view org_id,
                                                                 std::string_view name) override;
  Result<std::vector<secrets::ServiceAccount>> service_accounts(std::string_view org_id) override;
  Result<bool> revoke_service_account(std::string_view org_id, std::string_view name,
                                      Timestamp at) override;
  Result<Bytes> init_key_check(ByteView check) override;
  Result<Bytes> init_keyring_key(std::string_view name, ByteView key_check,
                                 ByteView wrapped) override;
  Status rewrap_all(
      ByteView old_check, ByteView new_check,
      const std::function<Result<Bytes>(const std::string&, const secrets::SealedVersion&)>& rewrap,
      const std::function<Result<Bytes>(const std::string&, ByteView)>& rewrap_keyring) override;

 private:
  struct OrgRow {
    secrets::Organization org;
    bool deleted = false;
  };
  struct AclRow {
    secrets::AclRule rule;
    bool deleted = false;
  };
  struct AccountRow {
    secrets::ServiceAccountRow row;
    bool revoked = false;
  };
  std::mutex mu_;
  std::vector<OrgRow> orgs_;
  std::map<std::pair<std::string, std::string>, secrets::Role> members_;  // (org id, user)
  std::set<std::string, std::less<>> superadmins_;
  bool superadmin_claimed_ = false;  // the first-superadmin claim is closed
  struct ProjectRow {
    secrets::Project project;
    bool deleted = false;
  };
  struct EnvironmentRow {
    secrets::Environment env;
    bool deleted = false;
  };
  std::vector<ProjectRow> projects_;
  std::vector<EnvironmentRow> environments_;
  std::vector<secrets::SecretRow> secrets_;  // in creation order
  std::map<std::string, std::vector<secrets::SealedVersion>, std::less<>> versions_;  // by secret
  std::vector<AclRow> rules_;
  std::vector<AccountRow> accounts_;
  Bytes key_check_;
  std::map<std::string, Bytes, std::less<>> keyring_keys_;  // wrapped, by name
};

}  // namespace cairn::storage::memory
