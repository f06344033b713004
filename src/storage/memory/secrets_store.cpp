#include "storage/memory/secrets_store.hpp"

#include <algorithm>

namespace cairn::storage::memory {

using secrets::Role;

Status MemorySecretsStore::insert_org(const secrets::Organization& org, std::string_view owner) {
  std::lock_guard lock(mu_);
  for (const OrgRow& r : orgs_) {
    if (!r.deleted && r.org.name == org.name) {
      return fail(ErrorCode::kAlreadyExists, "SECRETS_ORG_EXISTS",
                  "an organization with this name exists");
    }
  }
  orgs_.push_back({org, false});
  members_[{org.id, std::string(owner)}] = Role::kOwner;
  return ok_status();
}

Result<std::optional<secrets::Organization>> MemorySecretsStore::org_by_name(
    std::string_view name) {
  std::lock_guard lock(mu_);
  for (const OrgRow& r : orgs_) {
    if (!r.deleted && r.org.name == name) return std::optional<secrets::Organization>(r.org);
  }
  return std::optional<secrets::Organization>();
}

Result<std::vector<secrets::Organization>> MemorySecretsStore::orgs() {
  std::lock_guard lock(mu_);
  std::vector<secrets::Organization> out;
  for (const OrgRow& r : orgs_) {
    if (!r.deleted) out.push_back(r.org);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

Result<bool> MemorySecretsStore::delete_org(std::string_view org_id, Timestamp /*at*/) {
  std::lock_guard lock(mu_);
  for (OrgRow& r : orgs_) {
    if (!r.deleted && r.org.id == org_id) {
      r.deleted = true;
      for (AccountRow& a : accounts_) {
        if (a.row.account.org_id == org_id) a.revoked = true;
      }
      return true;
    }
  }
  return false;
}

Status MemorySecretsStore::put_member(std::string_view org_id, std::string_view user, Role role) {
  std::lock_guard lock(mu_);
  members_[{std::string(org_id), std::string(user)}] = role;
  return ok_status();
}

Result<std::optional<Role>> MemorySecretsStore::member_role(std::string_view org_id,
                                                            std::string_view user) {
  std::lock_guard lock(mu_);
  auto it = members_.find({std::string(org_id), std::string(user)});
  if (it == members_.end()) return std::optional<Role>();
  return std::optional<Role>(it->second);
}

Result<bool> MemorySecretsStore::remove_member(std::string_view org_id, std::string_view user,
                                               Timestamp /*at*/) {
  std::lock_guard lock(mu_);
  if (members_.erase({std::string(org_id), std::string(user)}) == 0) return false;
  for (AclRow& r : rules_) {
    if (r.rule.org_id == org_id && r.rule.subject == user) r.deleted = true;
  }
  return true;
}

Result<std::vector<std::pair<std::string, Role>>> MemorySecretsStore::members(
    std::string_view org_id) {
  std::lock_guard lock(mu_);
  std::vector<std::pair<std::string, Role>> out;
  for (const auto& [key, role] : members_) {
    if (key.first == org_id) out.emplace_back(key.second, role);
  }
  return out;
}

Status MemorySecretsStore::set_superadmin(std::string_view user, bool superadmin) {
  std::lock_guard lock(mu_);
  if (superadmin) {
    superadmins_.insert(std::string(user));
    superadmin_claimed_ = true;
  } else {
    superadmins_.erase(std::string(user));
  }
  return ok_status();
}

Result<bool> MemorySecretsStore::is_superadmin(std::string_view user) {
  std::lock_guard lock(mu_);
  return superadmins_.contains(user);
}

Result<std::vector<std::string>> MemorySecretsStore::superadmins() {
  std::lock_guard lock(mu_);
  return std::vector<std::string>(superadmins_.begin(), superadmins_.end());
}

Result<bool> MemorySecretsStore::claim_first_superadmin(std::string_view user) {
  std::lock_guard lock(mu_);
  if (superadmin_claimed_ || !superadmins_.empty()) {
    superadmin_claimed_ = true;
    return false;
  }
  superadmin_claimed_ = true;
  superadmins_.insert(std::string(user));
  return true;
}

Status MemorySecretsStore::insert_project(const secrets::Project& project) {
  std::lock_guard lock(mu_);
  for (const ProjectRow& r : projects_) {
    if (!r.deleted && r.project.org_id == project.org_id && r.project.name == project.name) {
      return fail(ErrorCode::kAlreadyExists, "SECRETS_PROJECT_EXISTS", "the project exists");
    }
  }
  projects_.push_back({project, false});
  return ok_status();
}

Result<std::optional<secrets::Project>> MemorySecretsStore::project(std::string_view org_id,
                                                                    std::string_view name) {
  std::lock_guard lock(mu_);
  for (const ProjectRow& r : projects_) {
    if (!r.deleted && r.project.org_id == org_id && r.project.name == name) {
      return std::optional<secrets::Project>(r.project);
    }
  }
  return std::optional<secrets::Project>();
}

Result<std::vector<secrets::Project>> MemorySecretsStore::projects(std::string_view org_id) {
  std::lock_guard lock(mu_);
  std::vector<secrets::Project> out;
  for (const ProjectRow& r : projects_) {
    if (!r.deleted && r.project.org_id == org_id) out.push_back(r.project);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

Result<bool> MemorySecretsStore::delete_project(std::string_view project_id, Timestamp /*at*/) {
  std::lock_guard lock(mu_);
  for (ProjectRow& r : projects_) {
    if (!r.deleted && r.project.id == project_id) {
      r.deleted = true;
      return true;
    }
  }
  return false;
}

Status MemorySecretsStore::insert_environment(const secrets::Environment& env) {
  std::lock_guard lock(mu_);
  for (const EnvironmentRow& r : environments_) {
    if (!r.deleted && r.env.project_id == env.project_id && r.env.name == env.name) {
      return fail(ErrorCode::kAlreadyExists, "SECRETS_ENVIRONMENT_EXISTS",
                  "the environment exists");
    }
  }
  environments_.push_back({env, false});
  return ok_status();
}

Result<std::optional<secrets::Environment>> MemorySecretsStore::environment(
    std::string_view project_id, std::string_view name) {
  std::lock_guard lock(mu_);
  for (const EnvironmentRow& r : environments_) {
    if (!r.deleted && r.env.project_id == project_id && r.env.name == name) {
      return std::optional<secrets::Environment>(r.env);
    }
  }
  return std::optional<secrets::Environment>();
}

Result<std::vector<secrets::Environment>> MemorySecretsStore::environments(
    std::string_view project_id) {
  std::lock_guard lock(mu_);
  std::vector<secrets::Environment> out;
  for (const EnvironmentRow& r : environments_) {
    if (!r.deleted && r.env.project_id == project_id) out.push_back(r.env);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

Result<bool> MemorySecretsStore::delete_environment(std::string_view env_id, Timestamp /*at*/) {
  std::lock_guard lock(mu_);
  for (EnvironmentRow& r : environments_) {
    if (!r.deleted && r.env.id == env_id) {
      r.deleted = true;
      return true;
    }
  }
  return false;
}

Result<std::vector<int64_t>> MemorySecretsStore::append_versions(
    std::string_view env_id, std::span<const secrets::VersionWrite> writes, ByteView key_check,
    const std::function<Result<secrets::SealedVersion>(std::size_t, const std::string&, int64_t)>&
        seal) {
  std::lock_guard lock(mu_);
  if (!std::equal(key_check_.begin(), key_check_.end(), key_check.begin(), key_check.end())) {
    return fail(ErrorCode::kFailedPrecondition, "SECRETS_MASTER_KEY_MISMATCH",
                "the store is under another master key (it was rotated elsewhere)");
  }
  // Seal everything first and change nothing until every seal succeeded.
  struct Planned {
    secrets::SecretRow* existing;
    std::string id;
    int64_t version;
    secrets::SealedVersion sealed;
  };
  std::vector<Planned> plan;
  plan.reserve(writes.size());
  for (std::size_t i = 0; i < writes.size(); ++i) {
    auto it = std::find_if(secrets_.begin(), secrets_.end(), [&](const secrets::SecretRow& r) {
      return r.env_id == env_id && r.key == writes[i].key && !r.deleted_at;
    });
    secrets::SecretRow* existing = it != secrets_.end() ? &*it : nullptr;
    std::string id = existing != nullptr ? existing->id : writes[i].new_secret_id;
    int64_t version = existing != nullptr ? existing->latest_version + 1 : 1;
    CAIRN_ASSIGN_OR_RETURN(secrets::SealedVersion sealed, seal(i, id, version));
    plan.push_back({existing, std::move(id), version, std::move(sealed)});
  }
  std::vector<int64_t> out;
  out.reserve(plan.size());
  for (std::size_t i = 0; i < plan.size(); ++i) {
    Planned& p = plan[i];
    if (p.existing != nullptr) {
      p.existing->latest_version = p.version;
    } else {
      secrets_.push_back({p.id, std::string(env_id), writes[i].key, p.version, std::nullopt});
    }
    versions_[p.id].push_back(std::move(p.sealed));
    out.push_back(p.version);
  }
  return out;
}

Result<std::optional<secrets::SecretRow>> MemorySecretsStore::live_secret(std::string_view env_id,
                                                                          std::string_view key) {
  std::lock_guard lock(mu_);
  for (const auto& r : secrets_) {
    if (r.env_id == env_id && r.key == key && !r.deleted_at) {
      return std::optional<secrets::SecretRow>(r);
    }
  }
  return std::optional<secrets::SecretRow>();
}

Result<std::optional<secrets::SecretRow>> MemorySecretsStore::deleted_secret(
    std::string_view env_id, std::string_view key) {
  std::lock_guard lock(mu_);
  std::optional<secrets::SecretRow> best;
  for (const auto& r : secrets_) {
    if (r.env_id == env_id && r.key == key && r.deleted_at &&
        (!best || *r.deleted_at >= *best->deleted_at)) {
      best = r;
    }
  }
  return best;
}

Result<std::optional<secrets::SealedVersion>> MemorySecretsStore::version(
    std::string_view secret_id, int64_t version) {
  std::lock_guard lock(mu_);
  auto it = versions_.find(secret_id);
  if (it == versions_.end() || version < 1 || version > static_cast<int64_t>(it->second.size())) {
    return std::optional<secrets::SealedVersion>();
  }
  return std::optional<secrets::SealedVersion>(it->second[static_cast<size_t>(version - 1)]);
}

Result<std::vector<secrets::SealedVersion>> MemorySecretsStore::versions(
    std::string_view secret_id) {
  std::lock_guard lock(mu_);
  auto it = versions_.find(secret_id);
  if (it == versions_.end()) return std::vector<secrets::SealedVersion>();
  return it->second;
}

Result<std::vector<std::string>> MemorySecretsStore::keys(std::string_view env_id) {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& r : secrets_) {
    if (r.env_id == env_id && !r.deleted_at) out.push_back(r.key);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<bool> MemorySecretsStore::delete_secret(std::string_view env_id, std::string_view key,
                                               Timestamp at) {
  std::lock_guard lock(mu_);
  for (auto& r : secrets_) {
    if (r.env_id == env_id && r.key == key && !r.deleted_at) {
      r.deleted_at = at;
      return true;
    }
  }
  return false;
}

Result<bool> MemorySecretsStore::restore_secret(std::string_view secret_id) {
  std::lock_guard lock(mu_);
  auto it = std::find_if(secrets_.begin(), secrets_.end(),
                         [&](const auto& r) { return r.id == secret_id; });
  if (it == secrets_.end() || !it->deleted_at) return false;
  for (const auto& r : secrets_) {
    if (r.env_id == it->env_id && r.key == it->key && !r.deleted_at) {
      return fail(ErrorCode::kAlreadyExists, "SECRET_EXISTS",
                  "a live secret already has this name");
    }
  }
  it->deleted_at.reset();
  return true;
}

Result<std::string> MemorySecretsStore::upsert_rule(const secrets::AclRule& rule) {
  std::lock_guard lock(mu_);
  for (AclRow& r : rules_) {
    if (!r.deleted && r.rule.org_id == rule.org_id && r.rule.subject == rule.subject &&
        r.rule.project_pattern == rule.project_pattern && r.rule.env_pattern == rule.env_pattern) {
      r.rule.permission = rule.permission;
      return r.rule.id;
    }
  }
  rules_.push_back({rule, false});
  return rule.id;
}

Result<bool> MemorySecretsStore::revoke_rule(std::string_view org_id, std::string_view rule_id,
                                             Timestamp /*at*/) {
  std::lock_guard lock(mu_);
  for (AclRow& r : rules_) {
    if (!r.deleted && r.rule.org_id == org_id && r.rule.id == rule_id) {
      r.deleted = true;
      return true;
    }
  }
  return false;
}

Result<std::vector<secrets::AclRule>> MemorySecretsStore::rules(std::string_view org_id) {
  std::lock_guard lock(mu_);
  std::vector<secrets::AclRule> out;
  for (const AclRow& r : rules_) {
    if (!r.deleted && r.rule.org_id == org_id) out.push_back(r.rule);
  }
  return out;
}

Result<std::vector<secrets::AclRule>> MemorySecretsStore::subject_rules(std::string_view org_id,
                                                                        std::string_view subject) {
  std::lock_guard lock(mu_);
  std::vector<secrets::AclRule> out;
  for (const AclRow& r : rules_) {
    if (!r.deleted && r.rule.org_id == org_id && r.rule.subject == subject) out.push_back(r.rule);
  }
  return out;
}

Status MemorySecretsStore::insert_service_account(const secrets::ServiceAccountRow& row) {
  std::lock_guard lock(mu_);
  for (const AccountRow& a : accounts_) {
    if (!a.revoked && a.row.account.org_id == row.account.org_id &&
        a.row.account.name == row.account.name) {
      return fail(ErrorCode::kAlreadyExists, "SECRETS_SERVICE_ACCOUNT_EXISTS",
                  "a service account with this name exists");
    }
  }
  accounts_.push_back({row, false});
  return ok_status();
}

Result<std::optional<secrets::ServiceAccountRow>> MemorySecretsStore::service_account_by_hash(
    ByteView key_hash) {
  std::lock_guard lock(mu_);
  for (const AccountRow& a : accounts_) {
    if (!a.revoked && std::equal(a.row.key_hash.begin(), a.row.key_hash.end(), key_hash.begin(),
                                 key_hash.end())) {
      return std::optional<secrets::ServiceAccountRow>(a.row);
    }
  }
  return std::optional<secrets::ServiceAccountRow>();
}

Result<std::optional<secrets::ServiceAccount>> MemorySecretsStore::service_account(
    std::string_view org_id, std::string_view name) {
  std::lock_guard lock(mu_);
  for (const AccountRow& a : accounts_) {
    if (!a.revoked && a.row.account.org_id == org_id && a.row.account.name == name) {
      return std::optional<secrets::ServiceAccount>(a.row.account);
    }
  }
  return std::optional<secrets::ServiceAccount>();
}

Result<std::vector<secrets::ServiceAccount>> MemorySecretsStore::service_accounts(
    std::string_view org_id) {
  std::lock_guard lock(mu_);
  std::vector<secrets::ServiceAccount> out;
  for (const AccountRow& a : accounts_) {
    if (!a.revoked && a.row.account.org_id == org_id) out.push_back(a.row.account);
  }
  return out;
}

Result<bool> MemorySecretsStore::revoke_service_account(std::string_view org_id,
                                                        std::string_view name, Timestamp /*at*/) {
  std::lock_guard lock(mu_);
  for (AccountRow& a : accounts_) {
    if (!a.revoked && a.row.account.org_id == org_id && a.row.account.name == name) {
      a.revoked = true;
      std::string subject = a.row.account.subject();
      for (AclRow& r : rules_) {
        if (r.rule.org_id == org_id && r.rule.subject == subject) r.deleted = true;
      }
      return true;
    }
  }
  return false;
}

Result<Bytes> MemorySecretsStore::init_key_check(ByteView check) {
  std::lock_guard lock(mu_);
  if (key_check_.empty()) key_check_.assign(check.begin(), check.end());
  return key_check_;
}

Result<Bytes> MemorySecretsStore::init_keyring_key(std::string_view name, ByteView key_check,
                                                   ByteView wrapped) {
  std::lock_guard lock(mu_);
  if (key_check_.empty() ||
      !std::equal(key_check_.begin(), key_check_.end(), key_check.begin(), key_check.end())) {
    return fail(ErrorCode::kFailedPrecondition, "SECRETS_MASTER_KEY_MISMATCH",
                "the store is not under the current master key");
  }
  auto [it, inserted] =
      keyring_keys_.try_emplace(std::string(name), wrapped.begin(), wrapped.end());
  return it->second;
}

Status MemorySecretsStore::rewrap_all(
    ByteView old_check, ByteView new_check,
    const std::function<Result<Bytes>(const std::string&, const secrets::SealedVersion&)>& rewrap,
    const std::function<Result<Bytes>(const std::string&, ByteView)>& rewrap_keyring) {
  std::lock_guard lock(mu_);
  if (!std::equal(key_check_.begin(), key_check_.end(), old_check.begin(), old_check.end())) {
    return fail(ErrorCode::kFailedPrecondition, "SECRETS_MASTER_KEY_MISMATCH",
                "the store is not under the current master key");
  }
  // Build the new keys aside and swap them in only when every one succeeded.
  std::map<std::string, std::vector<Bytes>, std::less<>> rewrapped;
  for (const auto& [secret_id, list] : versions_) {
    for (const auto& v : list) {
      CAIRN_ASSIGN_OR_RETURN(Bytes wrapped, rewrap(secret_id, v));
      rewrapped[secret_id].push_back(std::move(wrapped));
    }
  }
  std::map<std::string, Bytes, std::less<>> keyring;
  for (const auto& [name, wrapped] : keyring_keys_) {
    CAIRN_ASSIGN_OR_RETURN(keyring[name], rewrap_keyring(name, wrapped));
  }
  for (auto& [secret_id, list] : versions_) {
    for (size_t i = 0; i < list.size(); ++i)
      list[i].wrapped_key = std::move(rewrapped[secret_id][i]);
  }
  keyring_keys_ = std::move(keyring);
  key_check_.assign(new_check.begin(), new_check.end());
  return ok_status();
}

}  // namespace cairn::storage::memory
