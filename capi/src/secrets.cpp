// The C ABI's secrets: ACL glob patterns and the engine's SecretsService. Records go out as JSON
// text through the one codec below; the logic is all in cairn::secrets.
#include "cairn/auth/email.hpp"
#include "cairn/secrets/glob.hpp"
#include "cairn/secrets/limits.hpp"
#include "cairn/secrets/service.hpp"
#include "engine_handle.hpp"
#include "entry_point.hpp"

// cairn.h's limit macros are the C++ constants; these fail the build if either side changes alone.
static_assert(CAIRN_SECRETS_MAX_NAME_BYTES == cairn::secrets::kMaxNameBytes);
static_assert(CAIRN_SECRETS_MAX_KEY_BYTES == cairn::secrets::kMaxKeyBytes);
static_assert(CAIRN_SECRETS_MAX_VALUE_BYTES == cairn::secrets::kMaxValueBytes);
static_assert(CAIRN_SECRETS_MAX_USER_BYTES == cairn::secrets::kMaxUserBytes);
static_assert(CAIRN_SECRETS_MAX_PATTERN_BYTES == cairn::secrets::kMaxPatternBytes);
static_assert(CAIRN_SECRETS_MAX_PATTERN_GROUPS == cairn::secrets::kMaxPatternGroups);
static_assert(CAIRN_SECRETS_MAX_PATTERN_COMBINATIONS == cairn::secrets::kMaxPatternCombinations);
static_assert(CAIRN_SECRETS_MAX_REFERENCE_DEPTH == cairn::secrets::kMaxReferenceDepth);
static_assert(CAIRN_SECRETS_MAX_REFERENCES == cairn::secrets::kMaxReferences);
static_assert(CAIRN_SECRETS_MAX_EXPANDED_BYTES == cairn::secrets::kMaxExpandedBytes);
static_assert(CAIRN_AUTH_MAX_EMAIL_BYTES == cairn::auth::kMaxEmailBytes);
static_assert(CAIRN_AUTH_MAX_EMAIL_LOCAL_BYTES == cairn::auth::kMaxEmailLocalBytes);

using cairn::capi::copy_string;
using cairn::capi::entry;
using cairn::capi::Json;
using cairn::capi::none;
using cairn::capi::put_array;
using cairn::capi::put_json;
using cairn::capi::put_record_and_secret;
using cairn::capi::put_secret;
using cairn::capi::put_text;
using cairn::capi::put_value;
using cairn::capi::set_error;
using cairn::capi::set_ok;
using cairn::capi::string_json;
namespace secrets = cairn::secrets;
using Secrets = secrets::SecretsService;

namespace {

// ---- The secrets records' JSON (cairn.h lists the same members in the same order)

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
          {"project", cairn::capi::text_or_null(a.project)},
          {"created_at_micros", micros(a.created_at)}};
}

Json member_json(const std::pair<std::string, secrets::Role>& m) {
  return {{"user", m.first}, {"role", secrets::role_name(m.second)}};
}

// ---- The entry point on the engine's secrets service

template <class Body>
cairn_status on_secrets(cairn::capi::Check outs, cairn::capi::Check ins, cairn_engine* engine,
                        Body&& body) noexcept {
  return cairn::capi::service_entry(
      outs, ins, [&] { return engine->engine->secrets(); }, body);
}

// The export format named by `name` (NULL: dotenv).
cairn::Result<secrets::ExportFormat> format_of(const char* name) {
  if (name == nullptr) return secrets::ExportFormat::kDotenv;
  return secrets::parse_export_format(name);
}

}  // namespace

extern "C" {

// ---- Glob patterns

cairn_status cairn_secrets_glob_match(int* out_match, const char* pattern, const char* name) {
  return entry(CAIRN_CAPI_OUT(out_match), CAIRN_CAPI_IN(pattern, name), [&] {
    *out_match = secrets::glob_match(pattern, name) ? 1 : 0;
    return set_ok();
  });
}

cairn_status cairn_secrets_check_pattern(const char* pattern) {
  return entry(none(), CAIRN_CAPI_IN(pattern), [&] { return secrets::check_pattern(pattern); });
}

// ---- Organizations and members

cairn_status cairn_secrets_create_org(char** out_json, cairn_engine* engine, const char* name,
                                      const char* owner) {
  return on_secrets(
      CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine, name, owner), engine,
      [&](Secrets& s) { return put_json(out_json, s.create_org(name, owner), org_json); });
}

cairn_status cairn_secrets_org(char** out_json, cairn_engine* engine, const char* name) {
  return on_secrets(CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine, name), engine,
                    [&](Secrets& s) { return put_json(out_json, s.org(name), org_json); });
}

cairn_status cairn_secrets_orgs(char** out_json, cairn_engine* engine, const char* user) {
  return on_secrets(CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine, user), engine,
                    [&](Secrets& s) { return put_array(out_json, s.orgs(user), org_json); });
}

cairn_status cairn_secrets_add_member(cairn_engine* engine, const char* org, const char* user,
                                      const char* role_name, const char* actor) {
  return on_secrets(none(), CAIRN_CAPI_IN(engine, org, user, role_name, actor), engine,
                    [&](Secrets& s) -> cairn::Status {
                      CAIRN_ASSIGN_OR_RETURN(secrets::Role role, secrets::parse_role(role_name));
                      return s.add_member(org, user, role, actor);
                    });
}

cairn_status cairn_secrets_remove_member(cairn_engine* engine, const char* org, const char* user,
                                         const char* actor) {
  return on_secrets(none(), CAIRN_CAPI_IN(engine, org, user, actor), engine,
                    [&](Secrets& s) { return s.remove_member(org, user, actor); });
}

cairn_status cairn_secrets_members(char** out_json, cairn_engine* engine, const char* org,
                                   const char* actor) {
  return on_secrets(
      CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine, org, actor), engine,
      [&](Secrets& s) { return put_array(out_json, s.members(org, actor), member_json); });
}

cairn_status cairn_secrets_set_superadmin(cairn_engine* engine, const char* user, int superadmin) {
  return on_secrets(none(), CAIRN_CAPI_IN(engine, user), engine,
                    [&](Secrets& s) { return s.set_superadmin(user, superadmin != 0); });
}

cairn_status cairn_secrets_is_superadmin(int* out_superadmin, cairn_engine* engine,
                                         const char* user) {
  return on_secrets(CAIRN_CAPI_OUT(out_superadmin), CAIRN_CAPI_IN(engine, user), engine,
                    [&](Secrets& s) { return put_value(out_superadmin, s.is_superadmin(user)); });
}

cairn_status cairn_secrets_superadmins(char** out_json, cairn_engine* engine) {
  return on_secrets(CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine), engine,
                    [&](Secrets& s) { return put_array(out_json, s.superadmins(), string_json); });
}

cairn_status cairn_secrets_claim_first_superadmin(int* out_claimed, cairn_engine* engine,
                                                  const char* user) {
  return on_secrets(
      CAIRN_CAPI_OUT(out_claimed), CAIRN_CAPI_IN(engine, user), engine,
      [&](Secrets& s) { return put_value(out_claimed, s.claim_first_superadmin(user)); });
}

cairn_status cairn_secrets_grant_superadmin(cairn_engine* engine, const char* user,
                                            const char* actor) {
  return on_secrets(none(), CAIRN_CAPI_IN(engine, user, actor), engine,
                    [&](Secrets& s) { return s.grant_superadmin(user, actor); });
}

cairn_status cairn_secrets_revoke_superadmin(cairn_engine* engine, const char* user,
                                             const char* actor) {
  return on_secrets(none(), CAIRN_CAPI_IN(engine, user, actor), engine,
                    [&](Secrets& s) { return s.revoke_superadmin(user, actor); });
}

cairn_status cairn_secrets_delete_org(cairn_engine* engine, const char* org, const char* actor) {
  return on_secrets(none(), CAIRN_CAPI_IN(engine, org, actor), engine,
                    [&](Secrets& s) { return s.delete_org(org, actor); });
}

// ---- Projects and environments

cairn_status cairn_secrets_create_project(char** out_json, cairn_engine* engine, const char* org,
                                          const char* name, const char* actor) {
  return on_secrets(CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine, org, name, actor), engine,
                    [&](Secrets& s) {
                      return put_json(out_json, s.create_project(org, name, actor), project_json);
                    });
}

cairn_status cairn_secrets_create_environment(char** out_json, cairn_engine* engine,
                                              const char* org, const char* project,
                                              const char* name, const char* actor) {
  return on_secrets(CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine, org, project, name, actor),
                    engine, [&](Secrets& s) {
                      return put_json(out_json, s.create_environment(org, project, name, actor),
                                      environment_json);
                    });
}

cairn_status cairn_secrets_projects(char** out_json, cairn_engine* engine, const char* org,
                                    const char* actor) {
  return on_secrets(
      CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine, org, actor), engine,
      [&](Secrets& s) { return put_array(out_json, s.projects(org, actor), string_json); });
}

cairn_status cairn_secrets_environments(char** out_json, cairn_engine* engine, const char* org,
                                        const char* project, const char* actor) {
  return on_secrets(CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine, org, project, actor), engine,
                    [&](Secrets& s) {
                      return put_array(out_json, s.environments(org, project, actor), string_json);
                    });
}

cairn_status cairn_secrets_delete_project(cairn_engine* engine, const char* org,
                                          const char* project, const char* actor) {
  return on_secrets(none(), CAIRN_CAPI_IN(engine, org, project, actor), engine,
                    [&](Secrets& s) { return s.delete_project(org, project, actor); });
}

cairn_status cairn_secrets_delete_environment(cairn_engine* engine, const char* org,
                                              const char* project, const char* env,
                                              const char* actor) {
  return on_secrets(none(), CAIRN_CAPI_IN(engine, org, project, env, actor), engine,
                    [&](Secrets& s) { return s.delete_environment(org, project, env, actor); });
}

// ---- Secrets

cairn_status cairn_secrets_set(int64_t* out_version, cairn_engine* engine, const char* org,
                               const char* project, const char* env, const char* key,
                               const char* value, const char* actor) {
  return on_secrets(CAIRN_CAPI_OUT(out_version),
                    CAIRN_CAPI_IN(engine, org, project, env, key, value, actor), engine,
                    [&](Secrets& s) {
                      return put_value(out_version, s.set(org, project, env, key, value, actor));
                    });
}

cairn_status cairn_secrets_get(char** out_value, cairn_engine* engine, const char* org,
                               const char* project, const char* env, const char* key,
                               const char* actor, int64_t version, int64_t as_of_micros,
                               int expand) {
  return on_secrets(CAIRN_CAPI_OUT(out_value), CAIRN_CAPI_IN(engine, org, project, env, key, actor),
                    engine, [&](Secrets& s) {
                      std::optional<int64_t> at_version;
                      if (version != 0) at_version = version;
                      std::optional<cairn::Timestamp> as_of;
                      if (as_of_micros != 0) as_of = cairn::from_unix_micros(as_of_micros);
                      auto value =
                          s.get(org, project, env, key, actor, at_version, as_of, expand != 0);
                      return put_secret(out_value, value);
                    });
}

cairn_status cairn_secrets_list(char** out_json, cairn_engine* engine, const char* org,
                                const char* project, const char* env, const char* actor) {
  return on_secrets(CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine, org, project, env, actor),
                    engine, [&](Secrets& s) {
                      return put_array(out_json, s.list(org, project, env, actor), string_json);
                    });
}

cairn_status cairn_secrets_versions(char** out_json, cairn_engine* engine, const char* org,
                                    const char* project, const char* env, const char* key,
                                    const char* actor) {
  return on_secrets(CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine, org, project, env, key, actor),
                    engine, [&](Secrets& s) {
                      return put_array(out_json, s.versions(org, project, env, key, actor),
                                       version_json);
                    });
}

cairn_status cairn_secrets_rollback(int64_t* out_version, cairn_engine* engine, const char* org,
                                    const char* project, const char* env, const char* key,
                                    int64_t version, const char* actor) {
  return on_secrets(CAIRN_CAPI_OUT(out_version),
                    CAIRN_CAPI_IN(engine, org, project, env, key, actor), engine, [&](Secrets& s) {
                      return put_value(out_version,
                                       s.rollback(org, project, env, key, version, actor));
                    });
}

cairn_status cairn_secrets_delete(cairn_engine* engine, const char* org, const char* project,
                                  const char* env, const char* key, const char* actor) {
  return on_secrets(none(), CAIRN_CAPI_IN(engine, org, project, env, key, actor), engine,
                    [&](Secrets& s) { return s.remove(org, project, env, key, actor); });
}

cairn_status cairn_secrets_restore(cairn_engine* engine, const char* org, const char* project,
                                   const char* env, const char* key, const char* actor) {
  return on_secrets(none(), CAIRN_CAPI_IN(engine, org, project, env, key, actor), engine,
                    [&](Secrets& s) { return s.restore(org, project, env, key, actor); });
}

// ---- ACL

cairn_status cairn_secrets_grant(char** out_rule_id, cairn_engine* engine, const char* org,
                                 const char* subject, const char* project_pattern,
                                 const char* env_pattern, const char* permission_name,
                                 const char* actor) {
  return on_secrets(
      CAIRN_CAPI_OUT(out_rule_id),
      CAIRN_CAPI_IN(engine, org, subject, project_pattern, env_pattern, permission_name, actor),
      engine, [&](Secrets& s) -> cairn_status {
        auto permission = secrets::parse_permission(permission_name);
        if (!permission) return set_error(permission.error());
        return put_text(out_rule_id,
                        s.grant(org, subject, project_pattern, env_pattern, *permission, actor));
      });
}

cairn_status cairn_secrets_revoke(cairn_engine* engine, const char* org, const char* rule_id,
                                  const char* actor) {
  return on_secrets(none(), CAIRN_CAPI_IN(engine, org, rule_id, actor), engine,
                    [&](Secrets& s) { return s.revoke(org, rule_id, actor); });
}

cairn_status cairn_secrets_rules(char** out_json, cairn_engine* engine, const char* org,
                                 const char* actor) {
  return on_secrets(
      CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine, org, actor), engine,
      [&](Secrets& s) { return put_array(out_json, s.rules(org, actor), rule_json); });
}

cairn_status cairn_secrets_check(int* out_allowed, char** out_rule, cairn_engine* engine,
                                 const char* org, const char* subject, const char* project,
                                 const char* env, const char* permission_name) {
  // out_rule is optional: reset here, not checked.
  if (out_rule != nullptr) *out_rule = nullptr;
  return on_secrets(CAIRN_CAPI_OUT(out_allowed),
                    CAIRN_CAPI_IN(engine, org, subject, project, env, permission_name), engine,
                    [&](Secrets& s) -> cairn_status {
                      auto permission = secrets::parse_permission(permission_name);
                      if (!permission) return set_error(permission.error());
                      auto decision = s.check(org, subject, project, env, *permission);
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
  return on_secrets(
      CAIRN_CAPI_OUT(out_account_json, out_api_key), CAIRN_CAPI_IN(engine, org, name, actor),
      engine, [&](Secrets& s) -> cairn_status {
        auto created = s.create_service_account(org, name, actor, cairn::capi::view(project));
        if (!created) return set_error(created.error());
        return put_record_and_secret(account_json(created->account), created->api_key,
                                     out_account_json, out_api_key);
      });
}

cairn_status cairn_secrets_authenticate_api_key(char** out_account_json, cairn_engine* engine,
                                                const char* api_key) {
  return on_secrets(
      CAIRN_CAPI_OUT(out_account_json), CAIRN_CAPI_IN(engine, api_key), engine, [&](Secrets& s) {
        return put_json(out_account_json, s.authenticate_api_key(api_key), account_json);
      });
}

cairn_status cairn_secrets_service_accounts(char** out_json, cairn_engine* engine, const char* org,
                                            const char* actor) {
  return on_secrets(CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine, org, actor), engine,
                    [&](Secrets& s) {
                      return put_array(out_json, s.service_accounts(org, actor), account_json);
                    });
}

cairn_status cairn_secrets_revoke_service_account(cairn_engine* engine, const char* org,
                                                  const char* name, const char* actor) {
  return on_secrets(none(), CAIRN_CAPI_IN(engine, org, name, actor), engine,
                    [&](Secrets& s) { return s.revoke_service_account(org, name, actor); });
}

// ---- Export, import, keys

cairn_status cairn_secrets_export(char** out, cairn_engine* engine, const char* org,
                                  const char* project, const char* env, const char* actor,
                                  const char* format, int expand) {
  return on_secrets(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(engine, org, project, env, actor), engine,
                    [&](Secrets& s) -> cairn_status {
                      auto f = format_of(format);
                      if (!f) return set_error(f.error());
                      auto document = s.export_env(org, project, env, actor, *f, expand != 0);
                      return put_secret(out, document);
                    });
}

cairn_status cairn_secrets_import(int64_t* out_count, cairn_engine* engine, const char* org,
                                  const char* project, const char* env, const char* document,
                                  const char* actor, const char* format) {
  return on_secrets(
      CAIRN_CAPI_OUT(out_count), CAIRN_CAPI_IN(engine, org, project, env, document, actor), engine,
      [&](Secrets& s) -> cairn_status {
        auto f = format_of(format);
        if (!f) return set_error(f.error());
        return put_value(out_count, s.import_env(org, project, env, document, actor, *f));
      });
}

cairn_status cairn_secrets_rotate_master_key(cairn_engine* engine, const char* new_master_key,
                                             const char* actor) {
  return on_secrets(
      none(), CAIRN_CAPI_IN(engine, new_master_key), engine, [&](Secrets& s) -> cairn::Status {
        CAIRN_ASSIGN_OR_RETURN(secrets::MasterKey key,
                               secrets::MasterKey::from_hex(new_master_key));
        return s.rotate_master_key(std::move(key), actor != nullptr ? std::string_view(actor)
                                                                    : std::string_view("system"));
      });
}

}  // extern "C"
