// cairn-vault's router: every group of routes (api_routes.hpp), behind resolve_caller().
#include "vault/api.hpp"

#include "vault/api_routes.hpp"

namespace cairn::vault {

Result<net::Router> make_router(VaultContext& ctx) {
  net::Router router;
  Status status = ok_status();
  internal::add_auth_routes(router, ctx, status);
  internal::add_org_routes(router, ctx, status);
  internal::add_secret_routes(router, ctx, status);
  internal::add_user_routes(router, ctx, status);
  internal::add_audit_routes(router, ctx, status);
  internal::add_backup_routes(router, ctx, status);
  CAIRN_TRY(status);
  return router;
}

}  // namespace cairn::vault
