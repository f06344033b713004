// cairn-vault's REST API (docs/vault.md, docs/vault-openapi.json): the routes of Coldrune's API
// (reference B.5) mapped onto engine.auth(), engine.secrets() and engine.audit().
//
// Callers authenticate with `Authorization: Bearer <session token>` (from POST /api/auth/verify)
// or `X-API-Key: cr_sa_...` (a service account). Users act under their email address, service
// accounts under "sa:<org id>:<name>" (secrets::Subject); the secrets service decides what each
// may do, keeps a service account inside its organization and project, and audits it. The
// routes are in api_auth.cpp, api_orgs.cpp, api_secrets.cpp, api_users.cpp, api_audit.cpp and
// api_backups.cpp (api_routes.hpp); the caller in api_caller.cpp; request fields and times in
// api_fields.cpp. Errors use the common body
// {"error":{"code","reason","message"}}.
//
// Thread-safety: the router's handlers run on many server threads at once; everything they use
// is thread-safe. Ownership: the context is borrowed and must outlive the server.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "cairn/engine.hpp"
#include "cairn/net/router.hpp"
#include "cairn/net/server.hpp"
#include "vault/backup.hpp"
#include "vault/mailer.hpp"

namespace cairn::vault {

struct VaultContext {
  Engine& engine;
  secrets::SecretsService& secrets;
  Mailer& mailer;
  Backups& backups;
  Retention retention;
  // The configured superadmin; empty: the first email to sign in becomes superadmin.
  std::string admin_email;
  // Where the server writes its log lines (login codes in SMTP_HOST=log mode among them).
  std::function<void(std::string_view)> log;
  // A directory for short-lived files (audit exports), 0700.
  std::string scratch_dir;
  // Seals sign-in codes in the mail queue (login_mail.hpp): 32 bytes derived from the master key.
  Bytes mail_key;
};

// Resolves the caller's credentials into Request::subject, a secrets::Subject in text (the
// user's email, or "sa:<org id>:<name>"); invalid credentials are answered 401 at once, missing
// ones are left to the routes (a few need none).
net::Middleware resolve_caller(VaultContext& ctx);

// Every route of the API. Errors: those of Router::add (a programming error).
Result<net::Router> make_router(VaultContext& ctx);

// Makes `email` superadmin when it is the configured one, or when none is configured and nobody
// has claimed the role yet (the first sign-in of a new server). Returns whether it is superadmin.
Result<bool> claim_superadmin(VaultContext& ctx, std::string_view email);

}  // namespace cairn::vault
