// cairn-vault's sign-in mail: a code leaves through the engine's job queue ("vault.mail"), never
// from the HTTP thread that asked for it, so a relay that hangs stalls one mail worker and not the
// server. The queued task holds the code sealed (AES-256-GCM under a key derived from the master
// key, bound to the recipient), never in the clear; a newer code for the same email replaces a
// pending one. Failed deliveries are retried three times over about half a minute, and every
// failure is written to the server log with its cause.
//
// Thread-safety: queue_login_mail() may be called from many threads.
#pragma once

#include <string_view>

#include "vault/api.hpp"

namespace cairn::vault {

// Registers the "vault.mail" handler with ctx.engine.jobs() (before the scheduler starts).
Status register_login_mail(VaultContext& ctx);

// Queues the mail carrying `code` to `email`. Errors: the scheduler's.
Status queue_login_mail(VaultContext& ctx, std::string_view email, std::string_view code);

}  // namespace cairn::vault
