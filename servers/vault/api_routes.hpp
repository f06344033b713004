// The groups of cairn-vault's routes, one file each; make_router() (api.cpp) adds them all. Each
// adds its routes to `router`; the first failure of Router::add lands in `status`.
#pragma once

#include "cairn/net/router.hpp"
#include "vault/api.hpp"

namespace cairn::vault::internal {

// api_auth.cpp: sign-in, sign-out and who the caller is.
void add_auth_routes(net::Router& router, VaultContext& ctx, Status& status);
// api_orgs.cpp: organizations and their members.
void add_org_routes(net::Router& router, VaultContext& ctx, Status& status);
// api_secrets.cpp: projects, environments, secrets, ACL rules and service accounts.
void add_secret_routes(net::Router& router, VaultContext& ctx, Status& status);
// api_users.cpp: sessions, users and superadmins.
void add_user_routes(net::Router& router, VaultContext& ctx, Status& status);
// api_audit.cpp: querying, verifying and exporting the audit log.
void add_audit_routes(net::Router& router, VaultContext& ctx, Status& status);
// api_backups.cpp: taking, listing and staging backups.
void add_backup_routes(net::Router& router, VaultContext& ctx, Status& status);

}  // namespace cairn::vault::internal
