// Routes for backups: take one now, list them, stage one for restore. Superadmins only.
#include "vault/api.hpp"
#include "vault/api_caller.hpp"
#include "vault/api_fields.hpp"
#include "vault/api_routes.hpp"

namespace cairn::vault {

namespace {

using internal::Caller;
using internal::format_time;
using internal::require_superadmin;
using nlohmann::json;

// ---- Backups

json backup_json(const BackupInfo& b) {
  return {{"id", b.id},
          {"created_at", format_time(b.created_at)},
          {"size", b.size},
          {"kind", backup_kind_name(b.kind)}};
}

Status create_backup(VaultContext& ctx, net::Response& res, const Caller& caller) {
  CAIRN_TRY(require_superadmin(ctx, caller));
  // A manual backup is never pruned by retention (only scheduled ones are); the scheduled ones
  // retention drops now are reported.
  CAIRN_ASSIGN_OR_RETURN(BackupInfo info, ctx.backups.create(BackupKind::kManual, caller.actor));
  CAIRN_ASSIGN_OR_RETURN(auto pruned, ctx.backups.prune(ctx.retention, caller.actor));
  json out = backup_json(info);
  out["pruned"] = pruned;
  net::json(res, out, 201);
  return ok_status();
}

Status list_backups(VaultContext& ctx, net::Response& res, const Caller& caller) {
  CAIRN_TRY(require_superadmin(ctx, caller));
  CAIRN_ASSIGN_OR_RETURN(auto all, ctx.backups.list());
  json out = json::array();
  for (const auto& b : all) out.push_back(backup_json(b));
  net::json(res, {{"backups", out}});
  return ok_status();
}

Status restore_backup(VaultContext& ctx, const net::Request& req, net::Response& res,
                      const Caller& caller) {
  CAIRN_TRY(require_superadmin(ctx, caller));
  CAIRN_ASSIGN_OR_RETURN(std::string staged,
                         ctx.backups.stage_restore(req.param("id"), caller.actor));
  net::json(res, {{"id", req.param("id")},
                  {"path", staged},
                  {"next", "stop the server, move " + staged +
                               " over vault.db (removing vault.db-wal and vault.db-shm), and "
                               "start it again"}});
  return ok_status();
}

}  // namespace

void internal::add_backup_routes(net::Router& router, VaultContext& ctx, Status& status) {
  auto add = [&](std::string_view method, std::string_view pattern, net::Handler h) {
    if (status) status = router.add(method, pattern, std::move(h));
  };
  add("POST", "/api/backups",
      with_caller([&ctx](const net::Request&, net::Response& res, const Caller& c) -> Status {
        return create_backup(ctx, res, c);
      }));
  add("GET", "/api/backups",
      with_caller([&ctx](const net::Request&, net::Response& res, const Caller& c) -> Status {
        return list_backups(ctx, res, c);
      }));
  add("POST", "/api/backups/{id}/restore",
      with_caller([&ctx](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        return restore_backup(ctx, req, res, c);
      }));
}

}  // namespace cairn::vault
