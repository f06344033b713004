// cairn-vault's client mode: every command talks HTTP to a running server (it never opens the
// database). Sign-in keeps the session token in a 0600 file (auth/token_file.hpp); an API key in
// CAIRN_VAULT_API_KEY ("cr_sa_...") is sent as X-API-Key instead, for machines.
//
//   --server URL      CAIRN_VAULT_SERVER, default http://127.0.0.1:7100
//   --session FILE    CAIRN_VAULT_SESSION, default $XDG_CONFIG_HOME/cairn-vault/session
//                     (~/.config/cairn-vault/session)
//   --ca-file PEM     CAs to trust for https:// (default: the system's)
//   --json            print the server's JSON answers instead of text
//
// Exit status: 0 on success, 1 when the server refused (the error's code and reason on stderr),
// CLI11's codes (above 100) for a bad command line; `run` exits with its command's status.
//
// Thread-safety: for main()'s thread only.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace cairn::vault {

struct ClientSettings {
  std::string server;
  std::string session_file;
  std::string ca_file;
  bool json = false;
};

// Adds the client commands (auth, org, member, project, env, secret, acl, service-account,
// audit, backup, run) to `app`; they read `settings` when they run. A command that fails throws
// CLI::RuntimeError with the exit status, for app.exit().
void add_client_commands(CLI::App& app, ClientSettings& settings);

// The defaults of `settings` from the environment.
ClientSettings client_settings_from_environment();

}  // namespace cairn::vault
