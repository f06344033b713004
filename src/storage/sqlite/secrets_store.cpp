#include "storage/sqlite/secrets_store.hpp"

#include <algorithm>

#include "storage/sqlite/rows.hpp"
#include "storage/sqlite/sqlite_database.hpp"

namespace cairn::storage::sqlite {
namespace {

using secrets::Role;

secrets::Organization read_org(const Statement& s) {
  return {s.column_text(0), s.column_text(1), from_unix_micros(s.column_int64(2))};
}
secrets::Project read_project(const Statement& s) {
  return {s.column_text(0), s.column_text(1), s.column_text(2),
          from_unix_micros(s.column_int64(3))};
}
secrets::Environment read_environment(const Statement& s) {
  return {s.column_text(0), s.column_text(1), s.column_text(2),
          from_unix_micros(s.column_int64(3))};
}
secrets::SecretRow read_secret(const Statement& s) {
  secrets::SecretRow r{s.column_text(0), s.column_text(1), s.column_text(2), s.column_int64(3),
                       std::nullopt};
  if (!s.column_is_null(4)) r.deleted_at = from_unix_micros(s.column_int64(4));
  return r;
}
secrets::SealedVersion read_version(const Statement& s) {
  secrets::SealedVersion v;
  v.meta.version = s.column_int64(0);
  v.ciphertext = s.column_blob(1);
  v.wrapped_key = s.column_blob(2);
  v.meta.created_at = from_unix_micros(s.column_int64(3));
  v.meta.created_by = s.column_text(4);
  return v;
}
secrets::AclRule read_rule(const Statement& s) {
  return {s.column_text(0),
          s.column_text(1),
          s.column_text(2),
          s.column_text(3),
          s.column_text(4),
          static_cast<secrets::Permission>(s.column_int64(5)),
          from_unix_micros(s.column_int64(6))};
}
secrets::ServiceAccountRow read_account(const Statement& s) {
  secrets::ServiceAccountRow r;
  r.account = {s.column_text(0), s.column_text(1), s.column_text(2), s.column_text(3),
               from_unix_micros(s.column_int64(4))};
  r.key_hash = s.column_blob(5);
  return r;
}

constexpr const char* kSecretColumns = "SELECT id, env_id, key, latest_version, deleted_at ";
constexpr const char* kVersionColumns =
    "SELECT version, ciphertext, wrapped_key, created_at, created_by FROM secrets_versions ";
constexpr const char* kRuleColumns =
    "SELECT id, org_id, subject, project_pattern, env_pattern, permission, created_at "
    "FROM secrets_acl_rules ";
constexpr const char* kAccountColumns =
    "SELECT id, org_id, name, project, created_at, key_hash FROM secrets_service_accounts ";

// Whether `sql` with ?1 (and ?2) bound finds a row.
Result<bool> exists(Connection& c, const char* sql, std::string_view a, std::string_view b = {}) {
  CAIRN_ASSIGN_OR_RETURN(Statement s, c.prepare(sql));
  s.bind(1, a);
  if (!b.empty()) s.bind(2, b);
  return s.step();
}

// Sets deleted_at on the live row `id` of `table`; whether there was one.
Result<bool> soft_delete(Connection& c, std::string_view table, std::string_view id, Timestamp at) {
  std::string sql = "UPDATE ";
  sql.append(table).append(" SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL");
  CAIRN_ASSIGN_OR_RETURN(Statement s, c.prepare(sql));
  s.bind(1, id).bind(2, to_unix_micros(at));
  CAIRN_ASSIGN_OR_RETURN(int64_t n, changed(c, s));
  return n > 0;
}

}  // namespace

Status SqliteSecretsStore::insert_org(const secrets::Organization& org, std::string_view owner) {
  return db_.write([&](Connection& c) -> Status {
    CAIRN_ASSIGN_OR_RETURN(
        bool taken,
        exists(c, "SELECT 1 FROM secrets_orgs WHERE name = ?1 AND deleted_at IS NULL", org.name));
    if (taken) {
      return fail(ErrorCode::kAlreadyExists, "SECRETS_ORG_EXISTS",
                  "an organization with this name exists");
    }
    CAIRN_ASSIGN_OR_RETURN(
        Statement s,
        c.prepare("INSERT INTO secrets_orgs (id, name, created_at) VALUES (?1, ?2, ?3)"));
    s.bind(1, org.id).bind(2, org.name).bind(3, to_unix_micros(org.created_at));
    CAIRN_TRY(s.run());
    CAIRN_ASSIGN_OR_RETURN(
        Statement m,
        c.prepare("INSERT INTO secrets_members (org_id, user, role) VALUES (?1, ?2, ?3)"));
    m.bind(1, org.id).bind(2, owner).bind(3, static_cast<int64_t>(Role::kOwner));
    return m.run();
  });
}

Result<std::optional<secrets::Organization>> SqliteSecretsStore::org_by_name(
    std::string_view name) {
  return db_.read([&](Connection& c) -> Result<std::optional<secrets::Organization>> {
    CAIRN_ASSIGN_OR_RETURN(Statement s, c.prepare("SELECT id, name, created_at FROM secrets_orgs "
                                                  "WHERE name = ?1 AND deleted_at IS NULL"));
    s.bind(1, name);
    return one_row<secrets::Organization>(s, read_org);
  });
}

Result<std::vector<secrets::Organization>> SqliteSecretsStore::orgs() {
  return db_.read([&](Connection& c) -> Result<std::vector<secrets::Organization>> {
    CAIRN_ASSIGN_OR_RETURN(Statement s, c.prepare("SELECT id, name, created_at FROM secrets_orgs "
                                                  "WHERE deleted_at IS NULL ORDER BY name"));
    return all_rows<secrets::Organization>(s, read_org);
  });
}

Status SqliteSecretsStore::put_member(std::string_view org_id, std::string_view user, Role role) {
  return db_.write([&](Connection& c) -> Status {
    CAIRN_ASSIGN_OR_RETURN(
        Statement s,
        c.prepare("INSERT INTO secrets_members (org_id, user, role) VALUES (?1, ?2, ?3) "
                  "ON CONFLICT (org_id, user) DO UPDATE SET role = excluded.role"));
    s.bind(1, org_id).bind(2, user).bind(3, static_cast<int64_t>(role));
    return s.run();
  });
}

Result<std::optional<Role>> SqliteSecretsStore::member_role(std::string_view org_id,
                                                            std::string_view user) {
  return db_.read([&](Connection& c) -> Result<std::optional<Role>> {
    CAIRN_ASSIGN_OR_RETURN(
        Statement s, c.prepare("SELECT role FROM secrets_members WHERE org_id = ?1 AND user = ?2"));
    s.bind(1, org_id).bind(2, user);
    return one_row<Role>(s,
                         [](const Statement& st) { return static_cast<Role>(st.column_int64(0)); });
  });
}

Result<bool> SqliteSecretsStore::remove_member(std::string_view org_id, std::string_view user,
                                               Timestamp at) {
  return db_.write([&](Connection& c) -> Result<bool> {
    CAIRN_ASSIGN_OR_RETURN(
        Statement s, c.prepare("DELETE FROM secrets_members WHERE org_id = ?1 AND user = ?2"));
    s.bind(1, org_id).bind(2, user);
    CAIRN_ASSIGN_OR_RETURN(int64_t n, changed(c, s));
    if (n == 0) return false;
    CAIRN_ASSIGN_OR_RETURN(Statement rules,
                           c.prepare("UPDATE secrets_acl_rules SET deleted_at = ?3 WHERE org_id = "
                                     "?1 AND subject = ?2 AND deleted_at IS NULL"));
    rules.bind(1, org_id).bind(2, user).bind(3, to_unix_micros(at));
    CAIRN_TRY(rules.run());
    return true;
  });
}

Result<std::vector<std::pair<std::string, Role>>> SqliteSecretsStore::members(
    std::string_view org_id) {
  return db_.read([&](Connection& c) -> Result<std::vector<std::pair<std::string, Role>>> {
    CAIRN_ASSIGN_OR_RETURN(
        Statement s,
        c.prepare("SELECT user, role FROM secrets_members WHERE org_id = ?1 ORDER BY user"));
    s.bind(1, org_id);
    return all_rows<std::pair<std::string, Role>>(s, [](const Statement& st) {
      return std::make_pair(st.column_text(0), static_cast<Role>(st.column_int64(1)));
    });
  });
}

Status SqliteSecretsStore::set_superadmin(std::string_view user, bool superadmin) {
  return db_.write([&](Connection& c) -> Status {
    CAIRN_ASSIGN_OR_RETURN(
        Statement s,
        c.prepare(superadmin ? "INSERT OR IGNORE INTO secrets_superadmins (user) VALUES (?1)"
                             : "DELETE FROM secrets_superadmins WHERE user = ?1"));
    s.bind(1, user);
    CAIRN_TRY(s.run());
    if (!superadmin) return ok_status();
    CAIRN_ASSIGN_OR_RETURN(
        Statement close,
        c.prepare("INSERT OR IGNORE INTO secrets_bootstrap (id, claimed_by) VALUES (1, ?1)"));
    close.bind(1, user);
    return close.run();
  });
}

Result<bool> SqliteSecretsStore::is_superadmin(std::string_view user) {
  return db_.read([&](Connection& c) -> Result<bool> {
    return exists(c, "SELECT 1 FROM secrets_superadmins WHERE user = ?1", user);
  });
}

Result<std::vector<std::string>> SqliteSecretsStore::superadmins() {
  return db_.read([&](Connection& c) -> Result<std::vector<std::string>> {
    CAIRN_ASSIGN_OR_RETURN(Statement s,
                           c.prepare("SELECT user FROM secrets_superadmins ORDER BY user"));
    return all_rows<std::string>(s, [](const Statement& st) { return st.column_text(0); });
  });
}

Result<bool> SqliteSecretsStore::claim_first_superadmin(std::string_view user) {
  return db_.write([&](Connection& c) -> Result<bool> {
    // The claim row's primary key makes this a one-time switch, also between processes.
    CAIRN_ASSIGN_OR_RETURN(
        Statement claim,
        c.prepare("INSERT OR IGNORE INTO secrets_bootstrap (id, claimed_by) SELECT 1, ?1 WHERE "
                  "NOT EXISTS (SELECT 1 FROM secrets_superadmins)"));
    claim.bind(1, user);
    CAIRN_ASSIGN_OR_RETURN(int64_t n, changed(c, claim));
    if (n == 0) return false;
    CAIRN_ASSIGN_OR_RETURN(Statement add,
                           c.prepare("INSERT INTO secrets_superadmins (user) VALUES (?1)"));
    add.bind(1, user);
    CAIRN_TRY(add.run());
    return true;
  });
}

Status SqliteSecretsStore::insert_project(const secrets::Project& p) {
  return db_.write([&](Connection& c) -> Status {
    CAIRN_ASSIGN_OR_RETURN(bool taken, exists(c,
                                              "SELECT 1 FROM secrets_projects WHERE org_id = ?1 "
                                              "AND name = ?2 AND deleted_at IS NULL",
                                              p.org_id, p.name));
    if (taken) {
      return fail(ErrorCode::kAlreadyExists, "SECRETS_PROJECT_EXISTS", "the project exists");
    }
    CAIRN_ASSIGN_OR_RETURN(Statement s,
                           c.prepare("INSERT INTO secrets_projects (id, org_id, name, created_at) "
                                     "VALUES (?1, ?2, ?3, ?4)"));
    s.bind(1, p.id).bind(2, p.org_id).bind(3, p.name).bind(4, to_unix_micros(p.created_at));
    return s.run();
  });
}

Result<std::optional<secrets::Project>> SqliteSecretsStore::project(std::string_view org_id,
                                                                    std::string_view name) {
  return db_.read([&](Connection& c) -> Result<std::optional<secrets::Project>> {
    CAIRN_ASSIGN_OR_RETURN(Statement s,
                           c.prepare("SELECT id, org_id, name, created_at FROM secrets_projects "
                                     "WHERE org_id = ?1 AND name = ?2 AND deleted_at IS NULL"));
    s.bind(1, org_id).bind(2, name);
    return one_row<secrets::Project>(s, read_project);
  });
}

Result<std::vector<secrets::Project>> SqliteSecretsStore::projects(std::string_view org_id) {
  return db_.read([&](Connection& c) -> Result<std::vector<secrets::Project>> {
    CAIRN_ASSIGN_OR_RETURN(Statement s,
                           c.prepare("SELECT id, org_id, name, created_at FROM secrets_projects "
                                     "WHERE org_id = ?1 AND deleted_at IS NULL ORDER BY name"));
    s.bind(1, org_id);
    return all_rows<secrets::Project>(s, read_project);
  });
}

Status SqliteSecretsStore::insert_environment(const secrets::Environment& e) {
  return db_.write([&](Connection& c) -> Status {
    CAIRN_ASSIGN_OR_RETURN(bool taken,
                           exists(c,
                                  "SELECT 1 FROM secrets_environments WHERE project_id = ?1 AND "
                                  "name = ?2 AND deleted_at IS NULL",
                                  e.project_id, e.name));
    if (taken) {
      return fail(ErrorCode::kAlreadyExists, "SECRETS_ENVIRONMENT_EXISTS",
                  "the environment exists");
    }
    CAIRN_ASSIGN_OR_RETURN(Statement s,
                           c.prepare("INSERT INTO secrets_environments (id, project_id, name, "
                                     "created_at) VALUES (?1, ?2, ?3, ?4)"));
    s.bind(1, e.id).bind(2, e.project_id).bind(3, e.name).bind(4, to_unix_micros(e.created_at));
    return s.run();
  });
}

Result<std::optional<secrets::Environment>> SqliteSecretsStore::environment(
    std::string_view project_id, std::string_view name) {
  return db_.read([&](Connection& c) -> Result<std::optional<secrets::Environment>> {
    CAIRN_ASSIGN_OR_RETURN(
        Statement s, c.prepare("SELECT id, project_id, name, created_at FROM secrets_environments "
                               "WHERE project_id = ?1 AND name = ?2 AND deleted_at IS NULL"));
    s.bind(1, project_id).bind(2, name);
    return one_row<secrets::Environment>(s, read_environment);
  });
}

Result<std::vector<secrets::Environment>> SqliteSecretsStore::environments(
    std::string_view project_id) {
  return db_.read([&](Connection& c) -> Result<std::vector<secrets::Environment>> {
    CAIRN_ASSIGN_OR_RETURN(
        Statement s, c.prepare("SELECT id, project_id, name, created_at FROM secrets_environments "
                               "WHERE project_id = ?1 AND deleted_at IS NULL ORDER BY name"));
    s.bind(1, project_id);
    return all_rows<secrets::Environment>(s, read_environment);
  });
}

Result<bool> SqliteSecretsStore::delete_org(std::string_view org_id, Timestamp at) {
  return db_.write([&](Connection& c) -> Result<bool> {
    CAIRN_ASSIGN_OR_RETURN(bool deleted, soft_delete(c, "secrets_orgs", org_id, at));
    if (!deleted) return false;
    CAIRN_ASSIGN_OR_RETURN(Statement s,
                           c.prepare("UPDATE secrets_service_accounts SET revoked_at = ?2 "
                                     "WHERE org_id = ?1 AND revoked_at IS NULL"));
    s.bind(1, org_id).bind(2, to_unix_micros(at));
    CAIRN_TRY(s.run());
    return true;
  });
}

Result<bool> SqliteSecretsStore::delete_project(std::string_view project_id, Timestamp at) {
  return db_.write([&](Connection& c) -> Result<bool> {
    return soft_delete(c, "secrets_projects", project_id, at);
  });
}

Result<bool> SqliteSecretsStore::delete_environment(std::string_view env_id, Timestamp at) {
  return db_.write([&](Connection& c) -> Result<bool> {
    return soft_delete(c, "secrets_environments", env_id, at);
  });
}

Result<std::vector<int64_t>> SqliteSecretsStore::append_versions(
    std::string_view env_id, std::span<const secrets::VersionWrite> writes, ByteView key_check,
    const std::function<Result<secrets::SealedVersion>(std::size_t, const std::string&, int64_t)>&
        seal) {
  return db_.write([&](Connection& c) -> Result<std::vector<int64_t>> {
    CAIRN_ASSIGN_OR_RETURN(Statement k,
                           c.prepare("SELECT key_check FROM secrets_keyring WHERE id = 1"));
    CAIRN_ASSIGN_OR_RETURN(bool has_check, k.step());
    Bytes stored = has_check ? k.column_blob(0) : Bytes();
    if (!std::equal(stored.begin(), stored.end(), key_check.begin(), key_check.end())) {
      return fail(ErrorCode::kFailedPrecondition, "SECRETS_MASTER_KEY_MISMATCH",
                  "the store is under another master key (it was rotated elsewhere)");
    }
    CAIRN_ASSIGN_OR_RETURN(Statement find,
                           c.prepare(std::string(kSecretColumns) +
                                     "FROM secrets_secrets WHERE env_id = ?1 AND key = ?2 AND "
                                     "deleted_at IS NULL"));
    CAIRN_ASSIGN_OR_RETURN(
        Statement up, c.prepare("UPDATE secrets_secrets SET latest_version = ?2 WHERE id = ?1"));
    CAIRN_ASSIGN_OR_RETURN(Statement ins, c.prepare("INSERT INTO secrets_secrets (id, env_id, key, "
                                                    "latest_version) VALUES (?1, ?2, ?3, ?4)"));
    CAIRN_ASSIGN_OR_RETURN(Statement v,
                           c.prepare("INSERT INTO secrets_versions (secret_id, version, "
                                     "ciphertext, wrapped_key, created_at, created_by) VALUES "
                                     "(?1, ?2, ?3, ?4, ?5, ?6)"));
    std::vector<int64_t> out;
    out.reserve(writes.size());
    for (std::size_t i = 0; i < writes.size(); ++i) {
      const secrets::VersionWrite& w = writes[i];
      find.reset();
      find.bind(1, env_id).bind(2, w.key);
      CAIRN_ASSIGN_OR_RETURN(auto secret, one_row<secrets::SecretRow>(find, read_secret));
      std::string id = secret ? secret->id : w.new_secret_id;
      int64_t version = secret ? secret->latest_version + 1 : 1;
      CAIRN_ASSIGN_OR_RETURN(secrets::SealedVersion sealed, seal(i, id, version));
      Statement& row = secret ? up : ins;
      row.reset();
      if (secret) {
        up.bind(1, id).bind(2, version);
      } else {
        ins.bind(1, id).bind(2, env_id).bind(3, w.key).bind(4, version);
      }
      CAIRN_TRY(row.run());
      v.reset();
      v.bind(1, id)
          .bind(2, version)
          .bind_blob(3, sealed.ciphertext)
          .bind_blob(4, sealed.wrapped_key)
          .bind(5, to_unix_micros(sealed.meta.created_at))
          .bind(6, sealed.meta.created_by);
      CAIRN_TRY(v.run());
      out.push_back(version);
    }
    return out;
  });
}

Result<std::optional<secrets::SecretRow>> SqliteSecretsStore::live_secret(std::string_view env_id,
                                                                          std::string_view key) {
  return db_.read([&](Connection& c) -> Result<std::optional<secrets::SecretRow>> {
    CAIRN_ASSIGN_OR_RETURN(Statement s,
                           c.prepare(std::string(kSecretColumns) +
                                     "FROM secrets_secrets WHERE env_id = ?1 AND key = ?2 AND "
                                     "deleted_at IS NULL"));
    s.bind(1, env_id).bind(2, key);
    return one_row<secrets::SecretRow>(s, read_secret);
  });
}

Result<std::optional<secrets::SecretRow>> SqliteSecretsStore::deleted_secret(
    std::string_view env_id, std::string_view key) {
  return db_.read([&](Connection& c) -> Result<std::optional<secrets::SecretRow>> {
    CAIRN_ASSIGN_OR_RETURN(Statement s,
                           c.prepare(std::string(kSecretColumns) +
                                     "FROM secrets_secrets WHERE env_id = ?1 AND key = ?2 AND "
                                     "deleted_at IS NOT NULL ORDER BY deleted_at DESC LIMIT 1"));
    s.bind(1, env_id).bind(2, key);
    return one_row<secrets::SecretRow>(s, read_secret);
  });
}

Result<std::optional<secrets::SealedVersion>> SqliteSecretsStore::version(
    std::string_view secret_id, int64_t version) {
  return db_.read([&](Connection& c) -> Result<std::optional<secrets::SealedVersion>> {
    CAIRN_ASSIGN_OR_RETURN(Statement s, c.prepare(std::string(kVersionColumns) +
                                                  "WHERE secret_id = ?1 AND version = ?2"));
    s.bind(1, secret_id).bind(2, version);
    return one_row<secrets::SealedVersion>(s, read_version);
  });
}

Result<std::vector<secrets::SealedVersion>> SqliteSecretsStore::versions(
    std::string_view secret_id) {
  return db_.read([&](Connection& c) -> Result<std::vector<secrets::SealedVersion>> {
    CAIRN_ASSIGN_OR_RETURN(Statement s, c.prepare(std::string(kVersionColumns) +
                                                  "WHERE secret_id = ?1 ORDER BY version"));
    s.bind(1, secret_id);
    return all_rows<secrets::SealedVersion>(s, read_version);
  });
}

Result<std::vector<std::string>> SqliteSecretsStore::keys(std::string_view env_id) {
  return db_.read([&](Connection& c) -> Result<std::vector<std::string>> {
    CAIRN_ASSIGN_OR_RETURN(Statement s, c.prepare("SELECT key FROM secrets_secrets WHERE env_id = "
                                                  "?1 AND deleted_at IS NULL ORDER BY key"));
    s.bind(1, env_id);
    return all_rows<std::string>(s, [](const Statement& st) { return st.column_text(0); });
  });
}

Result<bool> SqliteSecretsStore::delete_secret(std::string_view env_id, std::string_view key,
                                               Timestamp at) {
  return db_.write([&](Connection& c) -> Result<bool> {
    CAIRN_ASSIGN_OR_RETURN(Statement s,
                           c.prepare("UPDATE secrets_secrets SET deleted_at = ?3 WHERE env_id = "
                                     "?1 AND key = ?2 AND deleted_at IS NULL"));
    s.bind(1, env_id).bind(2, key).bind(3, to_unix_micros(at));
    CAIRN_ASSIGN_OR_RETURN(int64_t n, changed(c, s));
    return n > 0;
  });
}

Result<bool> SqliteSecretsStore::restore_secret(std::string_view secret_id) {
  return db_.write([&](Connection& c) -> Result<bool> {
    CAIRN_ASSIGN_OR_RETURN(Statement find, c.prepare(std::string(kSecretColumns) +
                                                     "FROM secrets_secrets WHERE id = ?1"));
    find.bind(1, secret_id);
    CAIRN_ASSIGN_OR_RETURN(auto secret, one_row<secrets::SecretRow>(find, read_secret));
    if (!secret || !secret->deleted_at) return false;
    CAIRN_ASSIGN_OR_RETURN(bool taken, exists(c,
                                              "SELECT 1 FROM secrets_secrets WHERE env_id = ?1 "
                                              "AND key = ?2 AND deleted_at IS NULL",
                                              secret->env_id, secret->key));
    if (taken) {
      return fail(ErrorCode::kAlreadyExists, "SECRET_EXISTS",
                  "a live secret already has this name");
    }
    CAIRN_ASSIGN_OR_RETURN(Statement s,
                           c.prepare("UPDATE secrets_secrets SET deleted_at = NULL WHERE id = ?1"));
    s.bind(1, secret_id);
    CAIRN_TRY(s.run());
    return true;
  });
}

Result<std::string> SqliteSecretsStore::upsert_rule(const secrets::AclRule& r) {
  return db_.write([&](Connection& c) -> Result<std::string> {
    CAIRN_ASSIGN_OR_RETURN(
        Statement find,
        c.prepare("SELECT id FROM secrets_acl_rules WHERE org_id = ?1 AND subject = ?2 AND "
                  "project_pattern = ?3 AND env_pattern = ?4 AND deleted_at IS NULL"));
    find.bind(1, r.org_id).bind(2, r.subject).bind(3, r.project_pattern).bind(4, r.env_pattern);
    CAIRN_ASSIGN_OR_RETURN(auto existing, one_row<std::string>(find, [](const Statement& st) {
                             return st.column_text(0);
                           }));
    if (existing) {
      CAIRN_ASSIGN_OR_RETURN(
          Statement up, c.prepare("UPDATE secrets_acl_rules SET permission = ?2 WHERE id = ?1"));
      up.bind(1, *existing).bind(2, static_cast<int64_t>(r.permission));
      CAIRN_TRY(up.run());
      return *existing;
    }
    CAIRN_ASSIGN_OR_RETURN(Statement s,
                           c.prepare("INSERT INTO secrets_acl_rules (id, org_id, subject, "
                                     "project_pattern, env_pattern, permission, created_at) VALUES "
                                     "(?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
    s.bind(1, r.id)
        .bind(2, r.org_id)
        .bind(3, r.subject)
        .bind(4, r.project_pattern)
        .bind(5, r.env_pattern)
        .bind(6, static_cast<int64_t>(r.permission))
        .bind(7, to_unix_micros(r.created_at));
    CAIRN_TRY(s.run());
    return r.id;
  });
}

Result<bool> SqliteSecretsStore::revoke_rule(std::string_view org_id, std::string_view rule_id,
                                             Timestamp at) {
  return db_.write([&](Connection& c) -> Result<bool> {
    CAIRN_ASSIGN_OR_RETURN(Statement s,
                           c.prepare("UPDATE secrets_acl_rules SET deleted_at = ?3 WHERE org_id = "
                                     "?1 AND id = ?2 AND deleted_at IS NULL"));
    s.bind(1, org_id).bind(2, rule_id).bind(3, to_unix_micros(at));
    CAIRN_ASSIGN_OR_RETURN(int64_t n, changed(c, s));
    return n > 0;
  });
}

Result<std::vector<secrets::AclRule>> SqliteSecretsStore::rules(std::string_view org_id) {
  return db_.read([&](Connection& c) -> Result<std::vector<secrets::AclRule>> {
    CAIRN_ASSIGN_OR_RETURN(Statement s, c.prepare(std::string(kRuleColumns) +
                                                  "WHERE org_id = ?1 AND deleted_at IS NULL "
                                                  "ORDER BY seq"));
    s.bind(1, org_id);
    return all_rows<secrets::AclRule>(s, read_rule);
  });
}

Result<std::vector<secrets::AclRule>> SqliteSecretsStore::subject_rules(std::string_view org_id,
                                                                        std::string_view subject) {
  return db_.read([&](Connection& c) -> Result<std::vector<secrets::AclRule>> {
    CAIRN_ASSIGN_OR_RETURN(
        Statement s, c.prepare(std::string(kRuleColumns) + "WHERE org_id = ?1 AND subject = ?2 AND "
                                                           "deleted_at IS NULL ORDER BY seq"));
    s.bind(1, org_id).bind(2, subject);
    return all_rows<secrets::AclRule>(s, read_rule);
  });
}

Status SqliteSecretsStore::insert_service_account(const secrets::ServiceAccountRow& row) {
  return db_.write([&](Connection& c) -> Status {
    CAIRN_ASSIGN_OR_RETURN(bool taken, exists(c,
                                              "SELECT 1 FROM secrets_service_accounts WHERE "
                                              "org_id = ?1 AND name = ?2 AND revoked_at IS NULL",
                                              row.account.org_id, row.account.name));
    if (taken) {
      return fail(ErrorCode::kAlreadyExists, "SECRETS_SERVICE_ACCOUNT_EXISTS",
                  "a service account with this name exists");
    }
    CAIRN_ASSIGN_OR_RETURN(
        Statement s, c.prepare("INSERT INTO secrets_service_accounts (id, org_id, name, project, "
                               "key_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
    s.bind(1, row.account.id)
        .bind(2, row.account.org_id)
        .bind(3, row.account.name)
        .bind(4, row.account.project)
        .bind_blob(5, row.key_hash)
        .bind(6, to_unix_micros(row.account.created_at));
    return s.run();
  });
}

Result<std::optional<secrets::ServiceAccountRow>> SqliteSecretsStore::service_account_by_hash(
    ByteView key_hash) {
  return db_.read([&](Connection& c) -> Result<std::optional<secrets::ServiceAccountRow>> {
    CAIRN_ASSIGN_OR_RETURN(Statement s, c.prepare(std::string(kAccountColumns) +
                                                  "WHERE key_hash = ?1 AND revoked_at IS NULL"));
    s.bind_blob(1, key_hash);
    return one_row<secrets::ServiceAccountRow>(s, read_account);
  });
}

Result<std::optional<secrets::ServiceAccount>> SqliteSecretsStore::service_account(
    std::string_view org_id, std::string_view name) {
  return db_.read([&](Connection& c) -> Result<std::optional<secrets::ServiceAccount>> {
    CAIRN_ASSIGN_OR_RETURN(Statement s,
                           c.prepare(std::string(kAccountColumns) +
                                     "WHERE org_id = ?1 AND name = ?2 AND revoked_at IS NULL"));
    s.bind(1, org_id).bind(2, name);
    return one_row<secrets::ServiceAccount>(
        s, [](const Statement& st) { return read_account(st).account; });
  });
}

Result<std::vector<secrets::ServiceAccount>> SqliteSecretsStore::service_accounts(
    std::string_view org_id) {
  return db_.read([&](Connection& c) -> Result<std::vector<secrets::ServiceAccount>> {
    CAIRN_ASSIGN_OR_RETURN(
        Statement s,
        c.prepare(std::string(kAccountColumns) +
                  "WHERE org_id = ?1 AND revoked_at IS NULL ORDER BY created_at, rowid"));
    s.bind(1, org_id);
    std::vector<secrets::ServiceAccount> out;
    while (true) {
      CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
      if (!row) break;
      out.push_back(read_account(s).account);
    }
    return out;
  });
}

Result<bool> SqliteSecretsStore::revoke_service_account(std::string_view org_id,
                                                        std::string_view name, Timestamp at) {
  return db_.write([&](Connection& c) -> Result<bool> {
    CAIRN_ASSIGN_OR_RETURN(
        Statement s, c.prepare("UPDATE secrets_service_accounts SET revoked_at = ?3 WHERE org_id "
                               "= ?1 AND name = ?2 AND revoked_at IS NULL"));
    s.bind(1, org_id).bind(2, name).bind(3, to_unix_micros(at));
    CAIRN_ASSIGN_OR_RETURN(int64_t n, changed(c, s));
    if (n == 0) return false;
    CAIRN_ASSIGN_OR_RETURN(Statement rules,
                           c.prepare("UPDATE secrets_acl_rules SET deleted_at = ?3 WHERE org_id = "
                                     "?1 AND subject = ?2 AND deleted_at IS NULL"));
    rules.bind(1, org_id).bind(2, "sa:" + std::string(name)).bind(3, to_unix_micros(at));
    CAIRN_TRY(rules.run());
    return true;
  });
}

Result<Bytes> SqliteSecretsStore::init_key_check(ByteView check) {
  return db_.write([&](Connection& c) -> Result<Bytes> {
    CAIRN_ASSIGN_OR_RETURN(
        Statement ins,
        c.prepare("INSERT OR IGNORE INTO secrets_keyring (id, key_check) VALUES (1, ?1)"));
    ins.bind_blob(1, check);
    CAIRN_TRY(ins.run());
    CAIRN_ASSIGN_OR_RETURN(Statement s,
                           c.prepare("SELECT key_check FROM secrets_keyring WHERE id = 1"));
    CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row) return fail(ErrorCode::kDataLoss, "STORAGE_CORRUPT", "the secrets keyring is gone");
    return s.column_blob(0);
  });
}

Result<Bytes> SqliteSecretsStore::init_keyring_key(std::string_view name, ByteView key_check,
                                                   ByteView wrapped) {
  return db_.write([&](Connection& c) -> Result<Bytes> {
    // Checked in the same transaction as the insert, so a key is never stored under a master key
    // another process has just rotated away from.
    CAIRN_ASSIGN_OR_RETURN(Statement k,
                           c.prepare("SELECT key_check FROM secrets_keyring WHERE id = 1"));
    CAIRN_ASSIGN_OR_RETURN(bool row, k.step());
    Bytes stored = row ? k.column_blob(0) : Bytes();
    if (stored.empty() ||
        !std::equal(stored.begin(), stored.end(), key_check.begin(), key_check.end())) {
      return fail(ErrorCode::kFailedPrecondition, "SECRETS_MASTER_KEY_MISMATCH",
                  "the store is not under the current master key");
    }
    CAIRN_ASSIGN_OR_RETURN(Statement ins,
                           c.prepare("INSERT OR IGNORE INTO secrets_keyring_keys (name, "
                                     "wrapped_key) VALUES (?1, ?2)"));
    ins.bind(1, name).bind_blob(2, wrapped);
    CAIRN_TRY(ins.run());
    CAIRN_ASSIGN_OR_RETURN(
        Statement s, c.prepare("SELECT wrapped_key FROM secrets_keyring_keys WHERE name = ?1"));
    s.bind(1, name);
    CAIRN_ASSIGN_OR_RETURN(bool found, s.step());
    if (!found) return fail(ErrorCode::kDataLoss, "STORAGE_CORRUPT", "a keyring key is gone");
    return s.column_blob(0);
  });
}

Status SqliteSecretsStore::rewrap_all(
    ByteView old_check, ByteView new_check,
    const std::function<Result<Bytes>(const std::string&, const secrets::SealedVersion&)>& rewrap,
    const std::function<Result<Bytes>(const std::string&, ByteView)>& rewrap_keyring) {
  return db_.write([&](Connection& c) -> Status {
    CAIRN_ASSIGN_OR_RETURN(Statement k,
                           c.prepare("SELECT key_check FROM secrets_keyring WHERE id = 1"));
    CAIRN_ASSIGN_OR_RETURN(bool row, k.step());
    Bytes stored = row ? k.column_blob(0) : Bytes();
    if (!std::equal(stored.begin(), stored.end(), old_check.begin(), old_check.end())) {
      return fail(ErrorCode::kFailedPrecondition, "SECRETS_MASTER_KEY_MISMATCH",
                  "the store is not under the current master key");
    }
    CAIRN_ASSIGN_OR_RETURN(Statement named,
                           c.prepare("SELECT name, wrapped_key FROM secrets_keyring_keys"));
    std::vector<std::pair<std::string, Bytes>> keyring;
    while (true) {
      CAIRN_ASSIGN_OR_RETURN(bool more, named.step());
      if (!more) break;
      keyring.emplace_back(named.column_text(0), named.column_blob(1));
    }
    CAIRN_ASSIGN_OR_RETURN(
        Statement set_named,
        c.prepare("UPDATE secrets_keyring_keys SET wrapped_key = ?2 WHERE name = ?1"));
    for (const auto& [name, wrapped] : keyring) {
      CAIRN_ASSIGN_OR_RETURN(Bytes rewrapped, rewrap_keyring(name, wrapped));
      set_named.reset();
      set_named.bind(1, name).bind_blob(2, rewrapped);
      CAIRN_TRY(set_named.run());
    }
    // Read everything first: updating rows while stepping over the same table is avoided.
    CAIRN_ASSIGN_OR_RETURN(Statement all,
                           c.prepare("SELECT secret_id, version, ciphertext, wrapped_key, "
                                     "created_at, created_by FROM secrets_versions"));
    std::vector<std::pair<std::string, secrets::SealedVersion>> rows;
    while (true) {
      CAIRN_ASSIGN_OR_RETURN(bool more, all.step());
      if (!more) break;
      secrets::SealedVersion v;
      v.meta.version = all.column_int64(1);
      v.wrapped_key = all.column_blob(3);
      rows.emplace_back(all.column_text(0), std::move(v));
    }
    CAIRN_ASSIGN_OR_RETURN(Statement up,
                           c.prepare("UPDATE secrets_versions SET wrapped_key = ?3 WHERE "
                                     "secret_id = ?1 AND version = ?2"));
    for (const auto& [secret_id, v] : rows) {
      CAIRN_ASSIGN_OR_RETURN(Bytes wrapped, rewrap(secret_id, v));
      up.reset();
      up.bind(1, secret_id).bind(2, v.meta.version).bind_blob(3, wrapped);
      CAIRN_TRY(up.run());
    }
    CAIRN_ASSIGN_OR_RETURN(Statement set,
                           c.prepare("UPDATE secrets_keyring SET key_check = ?1 WHERE id = 1"));
    set.bind_blob(1, new_check);
    return set.run();
  });
}

}  // namespace cairn::storage::sqlite
