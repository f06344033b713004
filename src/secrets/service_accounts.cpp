// SecretsService: service accounts: creating them with their API key, authenticating a key,
// listing and revoking them.
#include <nlohmann/json.hpp>

#include "cairn/auth/token.hpp"
#include "cairn/crypto/hash.hpp"
#include "cairn/crypto/secure.hpp"
#include "cairn/secrets/service.hpp"
#include "core/internal/ids.hpp"
#include "secrets/internal/service_internal.hpp"

namespace cairn::secrets {

using internal::entry;

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

}  // namespace cairn::secrets
