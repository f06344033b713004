// The C ABI's secrets: ACL glob patterns and the engine's SecretsService. Records go out as JSON
// text; the logic is all in cairn::secrets.
#include <cstring>
#include <nlohmann/json.hpp>

#include "cairn/crypto/secure.hpp"
#include "cairn/secrets/glob.hpp"
#include "cairn/secrets/service.hpp"
#include "common.hpp"
#include "engine_handle.hpp"
#include "json_out.hpp"

using cairn::capi::copy_string;
using cairn::capi::from_status;
using cairn::capi::guard;
using cairn::capi::null_argument;
using cairn::capi::set_error;
using cairn::capi::set_ok;
namespace secrets = cairn::secrets;
// Members in the order cairn.h lists them.
using cairn::capi::hand_out_array;
using cairn::capi::hand_out_json;
using cairn::capi::Json;

namespace {

// NULL as "".
std::string_view view(const char* s) {
  return s != nullptr ? std::string_view(s) : std::string_view();
}

void wipe(std::string& s) {
  cairn::crypto::secure_wipe(std::span<uint8_t>(reinterpret_cast<uint8_t*>(s.data()), s.size()));
}

// The engine's secrets service in *out. Errors: CAPI_NULL_ARGUMENT for a NULL engine;
// FAILED_PRECONDITION / SECRETS_MASTER_KEY_MISSING when it was opened without a master key.
cairn_status service_of(cairn_engine* engine, secrets::SecretsService*& out) {
  if (engine == nullptr) return null_argument("engine");
  out = engine->engine->secrets();
  if (out == nullptr) {
    return set_error({cairn::ErrorCode::kFailedPrecondition, "SECRETS_MASTER_KEY_MISSING",
                      "the engine was opened without a secrets master key"});
  }
  return set_ok();
}

int64_t micros(cairn::Timestamp t) { return cairn::to_unix_micros(t); }

Json org_json(const secrets::Organization& o) {
  return {{"id", o.id}, {"name", o.name}, {"created_at_micros", micros(o.created_at)}};
}

Json project_json(const secrets::Project& p) {
  return {{"id", p.id},
          {"org_id", p.org_id},
          {"name", p.name},
          {"created_at_micros", micros(p.created_at)}};
}

Json environment_json(const secrets::Environment& e) {
  return {{"id", e.id},
          {"project_id", e.project_id},
          {"name", e.name},
          {"created_at_micros", micros(e.created_at)}};
}

Json version_json(const secrets::SecretVersion& v) {
  return {{"version", v.version},
          {"created_at_micros", micros(v.created_at)},
          {"created_by", v.created_by}};
}

Json rule_json(const secrets::AclRule& r) {
  return {{"id", r.id},
          {"org_id", r.org_id},
          {"subject", r.subject},
          {"project_pattern", r.project_pattern},
          {"env_pattern", r.env_pattern},
          {"permission", secrets::permission_name(r.permission)},
          {"created_at_micros", micros(r.created_at)}};
}

Json account_json(const secrets::ServiceAccount& a) {
  return {{"id", a.id},
          {"org_id", a.org_id},
          {"name", a.name},
          {"subject", a.subject()},
          {"project", a.project.empty() ? Json(nullptr) : Json(a.project)},
          {"created_at_micros", micros(a.created_at)}};
}

Json member_json(const std::pair<std::string, secrets::Role>& m) {
  return {{"user", m.first}, {"role", secrets::role_name(m.second)}};
}

Json name_json(const std::string& name) { return name; }

// Puts a secret text (a value, an export) in *out and wipes the library's copy.
cairn_status hand_out_secret(cairn::Result<std::string>& result, char** out) {
  if (!result) return set_error(result.error());
  *out = copy_string(*result);
  wipe(*result);
  return set_ok();
}

cairn_status hand_out_number(const cairn::Result<int64_t>& result, int64_t* out) {
  if (!result) return set_error(result.error());
  *out = *result;
  return set_ok();
}

// The export format named by `name` (NULL: dotenv) in `out`.
cairn_status format_of(const char* name, secrets::ExportFormat& out) {
  if (name == nullptr) {
    out = secrets::ExportFormat::kDotenv;
    return set_ok();
  }
  auto format = secrets::parse_export_format(name);
  if (!format) return set_error(format.error());
  out = *format;
  return set_ok();
}

}  // namespace

extern "C" {

// ---- Glob patterns

int cairn_secrets_glob_match(const char* pattern, const char* name) {
  if (pattern == nullptr || name == nullptr) return 0;
  return secrets::glob_match(pattern, name) ? 1 : 0;
}

cairn_status cairn_secrets_check_pattern(const char* pattern) {
  return guard([&] {
    if (pattern == nullptr) return null_argument("pattern");
    return from_status(secrets::check_pattern(pattern));
  });
}

// ---- Organizations and members

cairn_status cairn_secrets_create_org(char** out_json, cairn_engine* engine, const char* name,
                                      const char* owner) {
  return guard([&] {
    if (out_json == nullptr) return null_argument("out_json");
    *out_json = nullptr;
    if (name == nullptr || owner == nullptr) return null_argument("name and owner");
    secrets::SecretsService* s = nullptr;
    if (cairn_status st = service_of(engine, s); st != CAIRN_OK || s == nullptr) return st;
    return hand_out_json(s->create_org(name, owner), out_json, org_json);
  });
}

cairn_status cairn_secrets_org(char** out_json, cairn_engine* engine, const char* name) {
  return guard([&] {
    if (out_json == nullptr) return null_argument("out_json");
    *out_json = nullptr;
    if (name == nullptr) return null_argument("name");
    secrets::SecretsService* s = nullptr;
    if (cairn_status st = service_of(engine, s); st != CAIRN_OK || s == nullptr) return st;
    return hand_out_json(s->org(name), out_json, org_json);
  });
}

cairn_status cairn_secrets_orgs(char** out_json, cairn_engine* engine, const char* user) {
  return guard([&] {
    if (out_json == nullptr) return null_argument("out_json");
    *out_json = nullptr;
    if (user == nullptr) return null_argument("user");
    secrets::SecretsService* s = nullptr;
    if (cairn_status st = service_of(engine, s); st != CAIRN_OK || s == nullptr) return st;
    return hand_out_array(s->orgs(user), out_json, org_json);
  });
}

cairn_status cairn_secrets_add_member(cairn_engine* engine, const char* org, const char* user,
                                      const char* role_name, const char* actor) {
  return guard([&] {
    if (org == nullptr || user == nullptr || role_name == nullptr || actor == nullptr) {
      return null_argument("org, user, role_name and actor");
    }
    secrets::SecretsService* s = nullptr;
    if (cairn_status st = service_of(engine, s); st != CAIRN_OK || s == nullptr) return st;
    auto role = secrets::parse_role(role_name);
    if (!role) return set_error(role.error());
    return from_status(s->add_member(org, user, *role, actor));
  });
}

cairn_status cairn_secrets_remove_member(cairn_engine* engine, const char* org, const char* user,
                                         const char* actor) {
  return guard([&] {
    if (org == nullptr || user == nullptr || actor == nullptr) {
      return null_argument("org, user and actor");
    }
    secrets::SecretsService* s = nullptr;
    if (cairn_status st = service_of(engine, s); st != CAIRN_OK || s == nullptr) return st;
    return from_status(s->remove_member(org, user, actor));
  });
}

cairn_status cairn_secrets_members(char** out_json, cairn_engine* engine, const char* org,
                                   const char* actor) {
  return guard([&] {
    if (out_json == nullptr) return null_argument("out_json");
    *out_json = nullptr;
    if (org == nullptr || actor == nullptr) return null_argument("org and actor");
    secrets::SecretsService* s = nullptr;
    if (cairn_status st = service_of(engine, s); st != CAIRN_OK || s == nullptr) return st;
    return hand_out_array(s->members(org, actor), out_json, member_json);
  });
}

cairn_status cairn_secrets_set_superadmin(cairn_engine* engine, const char* user, int superadmin) {
  return guard([&] {
    if (user == nullptr) return null_argument("user");
    secrets::SecretsService* s = nullptr;
    if (cairn_status st = service_of(engine, s); st != CAIRN_OK || s == nullptr) return st;
    return from_status(s->set_superadmin(user, superadmin != 0));
  });
}

cairn_status cairn_secrets_is_superadmin(int* out_superadmin, cairn_engine* engine,
                                         const char* user) {
  return guard([&] {
    if (out_superadmin == nullptr) return null_argument("out_superadmin");
    *out_superadmin = 0;
    if (user == nullptr) return null_argument("user");
    secrets::SecretsService* s = nullptr;
    if (cairn_status st = service_of(engine, s); st != CAIRN_OK || s == nullptr) return st;
    auto super = s->is_superadmin(user);
    if (!super) return set_error(super.error());
    *out_superadmin = *super ? 1 : 0;
    return set_ok();
  });
}

cairn_status cairn_secrets_superadmins(char** out_json, cairn_engine* engine) {
  return guard([&] {
    if (out_json == nullptr) return null_argument("out_json");
    *out_json = nullptr;
    secrets::SecretsService* s = nullptr;
    if (cairn_status st = service_of(engine, s); st != CAIRN_OK || s == nullptr) return st;
    return hand_out_array(s->superadmins(), out_json,
                          [](const std::string& user) { return cairn::capi::Json(user); });
  });
}

cairn_status cairn_secrets_claim_first_superadmin(int* out_claimed, cairn_engine* engine,
                                                  const char* user) {
  return guard([&] {
    if (out_claimed == nullptr) return null_argument("out_claimed");
    *out_claimed = 0;
    if (user == nullptr) return null_argument("user");
    secrets::SecretsService* s = nullptr;
    if (cairn_status st = service_of(engine, s); st != CAIRN_OK || s == nullptr) return st;
    auto claimed = s->claim_first_superadmin(user);
    if (!claimed) return set_error(claimed.error());
    *out_claimed = *claimed ? 1 : 0;
    return set_ok();
  });
}

cairn_status cairn_secrets_grant_superadmin(cairn_engine* engine, const char* user,
                                            const char* actor) {
  return guard([&] {
    if (user == nullptr || actor == nullptr) return null_argument("user and actor");
    secrets::SecretsService* s = nullptr;
    if (cairn_status st = service_of(engine, s); st != CAIRN_OK || s == nullptr) return st;
    return from_status(s->grant_superadmin(user, actor));
  });
}

cairn_status cairn_secrets_revoke_superadmin(cairn_engine* engine, const char* user,
                                             const char* actor) {
  return guard([&] {
    if (user == nullptr || actor == nullptr) return null_argument("user and actor");
    secrets::SecretsService* s = nullptr;
    if (cairn_status st = service_of(engine, s); st != CAIRN_OK || s == nullptr) return st;
    return from_status(s->revoke_superadmin(user, actor));
  });
}

cairn_status cairn_secrets_delete_org(cairn_engine* engine, const char* org, const char* actor) {
  return guard([&] {
    if (org == nullptr || actor == nullptr) return null_argument("org and actor");
    secrets::SecretsService* s = nullptr;
    if (cairn_status st = service_of(engine, s); st != CAIRN_OK || s == nullptr) return st;
    return from_status(s->delete_org(org, actor));
  });
}

// ---- Projects and environments

cairn_status cairn_secrets_delete_project(cairn_engine* engine, const char* org,
                                          const char* project, const char* actor) {
  return guard([&] {
    if (org == nullptr || project == nullptr || actor == nullptr) {
      return null_argument("org, project and actor");
    }
    secrets::SecretsService* s = nullptr;
    if (cairn_status st = service_of(engine, s); st != CAIRN_OK || s == nullptr) return st;
    return from_status(s->delete_project(org, project, actor));
  });
}

cairn_status cairn_secrets_delete_environment(cairn_engine* engine, const char* org,
                                              const char* project, const char* env,
                                              const char* actor) {
  return guard([&] {
    if (org == nullptr || project == nullptr || env == nullptr || actor == nullptr) {
      return null_argument("org, project, env and actor");
    }
    secrets::SecretsService* s = nullptr;
    if (cairn_status st = service_of(engine, s); st != CAIRN_OK || s == nullptr) return st;
    return from_status(s->delete_environment(org, project, env, actor));
  });
}

cairn_status cairn_secrets_create_project(char** out_json, cairn_engine* engine, const char* org,
                                          const char* name, const char* actor) {
  return guard([&] {
    if (out_json == nullptr) return null_argument("out_json");
    *out_json = nullptr;
    if (org == nullptr || name == nullptr || actor == nullptr) {
      return null_argument("org, name and actor");
    }
    secrets::SecretsService* s = nullptr;
    if (cairn_status st = service_of(engine, s); st != CAIRN_OK || s == nullptr) return st;
    return hand_out_json(s->create_project(org, name, actor), out_json, project_json);
  });
}

cairn_status cairn_secrets_create_environment(char** out_json, cairn_engine* engine,
                                              const char* org, const char* project,
                                              const char* name, const char* actor) {
  return guard([&] {
    if (out_json == nullptr) return null_argument("out_json");
    *out_json = nullptr;
    if (org == nullptr || project == nullptr || name == nullptr || actor == nullptr) {
      return null_argument("org, project, name and actor");
    }
    secrets::SecretsService* s = nullptr;
    if (cairn_status st = service_of(engine, s); st != CAIRN_OK || s == nullptr) return st;
    return hand_out_json(s->create_environment(org, project, name, actor), out_json,
                         environment_json);
  });
}

cairn_status cairn_secrets_projects(char** out_json, cairn_engine* engine, const char* org,
                                    const char* actor) {
  return guard([&] {
    if (out_json == nullptr) return null_argument("out_json");
    *out_json = nullptr;
    if (org == nullptr || actor == nullptr) return null_argument("org and actor");
    secrets::SecretsService* s = nullptr;
    if (cairn_status st = service_of(engine, s); st != CAIRN_OK || s == nullptr) return st;
    return hand_out_array(s->projects(org, actor), out_json, name_json);
  });
}

cairn_status cairn_secrets_environments(char** out_json, cairn_engine* engine, const char* org,
                                        const char* project, const char* actor) {
  return guard([&] {
    if (out_json == nullptr) return null_argument("out_json");
    *out_json = nullptr;
    if (org == nullptr || project == nullptr || actor == nullptr) {
      return null_argument("org, project and actor");
    }
    secrets::SecretsService* s = nullptr;
    if (cairn_status st = service_of(engine, s); st != CAIRN_OK || s == nullptr) return st;
    return hand_out_array(s->environments(org, project, actor), out_json, name_json);
  });
}

// ---- Secrets

cairn_status cairn_secrets_set(int64_t* out_version, cairn_engine* engine, const char* org,
                               const char* project, const char* env, const char* key,
                               const char* value, const char* actor) {
  return guard([&] {
    if (out_version == nullptr) return null_argument("out_version");
    *out_version = 0;
    if (org == nullptr || project == nullptr || env == nullptr || key == nullptr ||
        value == nullptr || actor == nullptr) {
      return null_argument("org, project, env, key, value and actor");
    }
    secrets::SecretsService* s = nullptr;
    if (cairn_status st = service_of(engine, s); st != CAIRN_OK || s == nullptr) return st;
    return hand_out_number(s->set(org, project, env, key, value, actor), out_version);
  });
}

cairn_status cairn_secrets_get(char** out_value, cairn_engine* engine, const char* org,
                               const char* project, const char* env, const char* key,
                               const char* actor, int64_t version, int64_t as_of_micros,
                               int expand) {
  return guard([&] {
    if (out_value == nullptr) return null_argument("out_value");
    *out_value = nullptr;
    if (org == nullptr || project == nullptr || env == nullptr || key == nullptr ||
        actor == nullptr) {
      return null_argument("org, project, env, key and actor");
    }
    secrets::SecretsService* s = nullptr;
    if (cairn_status st = service_of(engine, s); st != CAIRN_OK || s == nullptr) return st;
    std::optional<int64_t> at_version;
    if (version != 0) at_version = version;
    std::optional<cairn::Timestamp> as_of;
    if (as_of_micros != 0) as_of = cairn::from_unix_micros(as_of_micros);
    auto value = s->get(org, project, env, key, actor, at_version, as_of, expand != 0);
    return hand_out_secret(value, out_value);
  });
}

cairn_status cairn_secrets_list(char** out_json, cairn_engine* engine, const char* org,
                                const char* project, const char* env, const char* actor) {
  return guard([&] {
    if (out_json == nullptr) return null_argument("out_json");
    *out_json = nullptr;
    if (org == nullptr || project == nullptr || env == nullptr || actor == nullptr) {
      return null_argument("org, project, env and actor");
    }
    secrets::SecretsService* s = nullptr;
    if (cairn_status st = service_of(engine, s); st != CAIRN_OK || s == nullptr) return st;
    return hand_out_array(s->list(org, project, env, actor), out_json, name_json);
  });
}

cairn_status cairn_secrets_versions(char** out_json, cairn_engine* engine, const char* org,
                                    const char* project, const char* env, const char* key,
                                    const char* actor) {
  return guard([&] {
    if (out_json == nullptr) return null_argument("out_json");
    *out_json = nullptr;
    if (org == nullptr || project == nullptr || env == nullptr || key == nullptr ||
        actor == nullptr) {
      return null_argument("org, project, env, key and actor");
    }
    secrets::SecretsService* s = nullptr;
    if (cairn_status st = service_of(engine, s); st != CAIRN_OK || s == nullptr) return st;
    return hand_out_array(s->versions(org, project, env, key, actor), out_json, version_json);
  });
}

cairn_status cairn_secrets_rollback(int64_t* out_version, cairn_engine* engine, const char* org,
                                    const char* project, const char* env, const char* key,
                                    int64_t version, const char* actor) {
  return guard([&] {
    if (out_version == nullptr) return null_argument("out_version");
    *out_version = 0;
    if (org == nullptr || project == nullptr || env == nullptr || key == nullptr ||
        actor == nullptr) {
      return null_argument("org, project, env, key and actor");
    }
    secrets::SecretsService* s = nullptr;
    if (cairn_status st = service_of(engine, s); st != CAIRN_OK || s == nullptr) return st;
    return hand_out_number(s->rollback(org, project, env, key, version, actor), out_version);
  });
}

cairn_status cairn_secrets_delete(cairn_engine* engine, const char* org, const char* project,
                                  const char* env, const char* key, const char* actor) {
  return guard([&] {
    if (org == nullptr || project == nullptr || env == nullptr || key == nullptr ||
        actor == nullptr) {
      return null_argument("org, project, env, key and actor");
    }
    secrets::SecretsService* s = nullptr;
    if (cairn_status st = service_of(engine, s); st != CAIRN_OK || s == nullptr) return st;
    return from_status(s->remove(org, project, env, key, actor));
  });
}

cairn_status cairn_secrets_restore(cairn_engine* engine, const char* org, const char* project,
                                   const char* env, const char* key, const char* actor) {
  return guard([&] {
    if (org == nullptr || project == nullptr || env == nullptr || key == nullptr ||
        actor == nullptr) {
      return null_argument("org, project, env, key and actor");
    }
    secrets::SecretsService* s = nullptr;
    if (cairn_status st = service_of(engine, s); st != CAIRN_OK || s == nullptr) return st;
    return from_status(s->restore(org, project, env, key, actor));
  });
}

// ---- ACL

cairn_status cairn_secrets_grant(char** out_rule_id, cairn_engine* engine, const char* org,
                                 const char* subject, const char* project_pattern,
                                 const char* env_pattern, const char* permission_name,
                                 const char* actor) {
  return guard([&] {
    if (out_rule_id == nullptr) return null_argument("out_rule_id");
    *out_rule_id = nullptr;
    if (org == nullptr || subject == nullptr || project_pattern == nullptr ||
        env_pattern == nullptr || permission_name == nullptr || actor == nullptr) {
      return null_argument("org, subject, project_pattern, env_pattern, permission_name and actor");
    }
    secrets::SecretsService* s = nullptr;
    if (cairn_status st = service_of(engine, s); st != CAIRN_OK || s == nullptr) return st;
    auto permission = secrets::parse_permission(permission_name);
    if (!permission) return set_error(permission.error());
    auto rule_id = s->grant(org, subject, project_pattern, env_pattern, *permission, actor);
    if (!rule_id) return set_error(rule_id.error());
    *out_rule_id = copy_string(*rule_id);
    return set_ok();
  });
}

cairn_status cairn_secrets_revoke(cairn_engine* engine, const char* org, const char* rule_id,
                                  const char* actor) {
  return guard([&] {
    if (org == nullptr || rule_id == nullptr || actor == nullptr) {
      return null_argument("org, rule_id and actor");
    }
    secrets::SecretsService* s = nullptr;
    if (cairn_status st = service_of(engine, s); st != CAIRN_OK || s == nullptr) return st;
    return from_status(s->revoke(org, rule_id, actor));
  });
}

cairn_status cairn_secrets_rules(char** out_json, cairn_engine* engine, const char* org,
                                 const char* actor) {
  return guard([&] {
    if (out_json == nullptr) return null_argument("out_json");
    *out_json = nullptr;
    if (org == nullptr || actor == nullptr) return null_argument("org and actor");
    secrets::SecretsService* s = nullptr;
    if (cairn_status st = service_of(engine, s); st != CAIRN_OK || s == nullptr) return st;
    return hand_out_array(s->rules(org, actor), out_json, rule_json);
  });
}

cairn_status cairn_secrets_check(int* out_allowed, char** out_rule, cairn_engine* engine,
                                 const char* org, const char* subject, const char* project,
                                 const char* env, const char* permission_name) {
  return guard([&] {
    if (out_allowed == nullptr) return null_argument("out_allowed");
    *out_allowed = 0;
    if (out_rule != nullptr) *out_rule = nullptr;
    if (org == nullptr || subject == nullptr || project == nullptr || env == nullptr ||
        permission_name == nullptr) {
      return null_argument("org, subject, project, env and permission_name");
    }
    secrets::SecretsService* s = nullptr;
    if (cairn_status st = service_of(engine, s); st != CAIRN_OK || s == nullptr) return st;
    auto permission = secrets::parse_permission(permission_name);
    if (!permission) return set_error(permission.error());
    auto decision = s->check(org, subject, project, env, *permission);
    if (!decision) return set_error(decision.error());
    if (out_rule != nullptr) *out_rule = copy_string(decision->rule);
    *out_allowed = decision->allowed ? 1 : 0;
    return set_ok();
  });
}

// ---- Service accounts

cairn_status cairn_secrets_create_service_account(char** out_account_json, char** out_api_key,
                                                  cairn_engine* engine, const char* org,
                                                  const char* name, const char* actor,
                                                  const char* project) {
  return guard([&] {
    if (out_account_json != nullptr) *out_account_json = nullptr;
    if (out_api_key != nullptr) *out_api_key = nullptr;
    if (out_account_json == nullptr || out_api_key == nullptr) {
      return null_argument("out_account_json and out_api_key");
    }
    if (org == nullptr || name == nullptr || actor == nullptr) {
      return null_argument("org, name and actor");
    }
    secrets::SecretsService* s = nullptr;
    if (cairn_status st = service_of(engine, s); st != CAIRN_OK || s == nullptr) return st;
    auto created = s->create_service_account(org, name, actor, view(project));
    if (!created) return set_error(created.error());
    char* account = copy_string(account_json(created->account).dump());
    try {
      *out_api_key = copy_string(created->api_key);
    } catch (...) {
      std::free(account);
      wipe(created->api_key);
      throw;
    }
    wipe(created->api_key);
    *out_account_json = account;
    return set_ok();
  });
}

cairn_status cairn_secrets_authenticate_api_key(char** out_account_json, cairn_engine* engine,
                                                const char* api_key) {
  return guard([&] {
    if (out_account_json == nullptr) return null_argument("out_account_json");
    *out_account_json = nullptr;
    if (api_key == nullptr) return null_argument("api_key");
    secrets::SecretsService* s = nullptr;
    if (cairn_status st = service_of(engine, s); st != CAIRN_OK || s == nullptr) return st;
    return hand_out_json(s->authenticate_api_key(api_key), out_account_json, account_json);
  });
}

cairn_status cairn_secrets_service_accounts(char** out_json, cairn_engine* engine, const char* org,
                                            const char* actor) {
  return guard([&] {
    if (out_json == nullptr) return null_argument("out_json");
    *out_json = nullptr;
    if (org == nullptr || actor == nullptr) return null_argument("org and actor");
    secrets::SecretsService* s = nullptr;
    if (cairn_status st = service_of(engine, s); st != CAIRN_OK || s == nullptr) return st;
    return hand_out_array(s->service_accounts(org, actor), out_json, account_json);
  });
}

cairn_status cairn_secrets_revoke_service_account(cairn_engine* engine, const char* org,
                                                  const char* name, const char* actor) {
  return guard([&] {
    if (org == nullptr || name == nullptr || actor == nullptr) {
      return null_argument("org, name and actor");
    }
    secrets::SecretsService* s = nullptr;
    if (cairn_status st = service_of(engine, s); st != CAIRN_OK || s == nullptr) return st;
    return from_status(s->revoke_service_account(org, name, actor));
  });
}

// ---- Export, import, keys

cairn_status cairn_secrets_export(char** out, cairn_engine* engine, const char* org,
                                  const char* project, const char* env, const char* actor,
                                  const char* format) {
  return cairn_secrets_export_env(out, engine, org, project, env, actor, format, 0);
}

cairn_status cairn_secrets_export_env(char** out, cairn_engine* engine, const char* org,
                                      const char* project, const char* env, const char* actor,
                                      const char* format, int expand) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    if (org == nullptr || project == nullptr || env == nullptr || actor == nullptr) {
      return null_argument("org, project, env and actor");
    }
    secrets::SecretsService* s = nullptr;
    if (cairn_status st = service_of(engine, s); st != CAIRN_OK || s == nullptr) return st;
    secrets::ExportFormat f{};
    if (cairn_status st = format_of(format, f); st != CAIRN_OK) return st;
    auto document = s->export_env(org, project, env, actor, f, expand != 0);
    return hand_out_secret(document, out);
  });
}

cairn_status cairn_secrets_import(int64_t* out_count, cairn_engine* engine, const char* org,
                                  const char* project, const char* env, const char* document,
                                  const char* actor, const char* format) {
  return guard([&] {
    if (out_count == nullptr) return null_argument("out_count");
    *out_count = 0;
    if (org == nullptr || project == nullptr || env == nullptr || document == nullptr ||
        actor == nullptr) {
      return null_argument("org, project, env, document and actor");
    }
    secrets::SecretsService* s = nullptr;
    if (cairn_status st = service_of(engine, s); st != CAIRN_OK || s == nullptr) return st;
    secrets::ExportFormat f{};
    if (cairn_status st = format_of(format, f); st != CAIRN_OK) return st;
    return hand_out_number(s->import_env(org, project, env, document, actor, f), out_count);
  });
}

cairn_status cairn_secrets_rotate_master_key(cairn_engine* engine, const char* new_master_key,
                                             const char* actor) {
  return guard([&] {
    if (new_master_key == nullptr) return null_argument("new_master_key");
    secrets::SecretsService* s = nullptr;
    if (cairn_status st = service_of(engine, s); st != CAIRN_OK || s == nullptr) return st;
    if (std::strlen(new_master_key) != 64) {
      return set_error({cairn::ErrorCode::kInvalidArgument, "SECRETS_MASTER_KEY_INVALID",
                        "new_master_key must be 64 hex characters"});
    }
    auto key = secrets::MasterKey::parse(new_master_key);
    if (!key) return set_error(key.error());
    return from_status(s->rotate_master_key(std::move(*key),
                                            actor != nullptr ? actor : std::string_view("system")));
  });
}

}  // extern "C"
