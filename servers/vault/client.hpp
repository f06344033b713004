// cairn-vault's client mode: every command talks HTTP to a running server (it never opens the
// database). Sign-in keeps the session token in a 0600 file (auth/token_file.hpp), bound to the
// server that issued it: the token is sent to that server only. An API key in
// CAIRN_VAULT_API_KEY ("cr_sa_...") is sent as X-API-Key instead, for machines.
//
//   --server URL      CAIRN_VAULT_SERVER, default http://127.0.0.1:7100
//   --session FILE    CAIRN_VAULT_SESSION, default $XDG_CONFIG_HOME/cairn-vault/session
//                     (~/.config/cairn-vault/session); the issuing server's URL in FILE.server
//   --ca-file PEM     CAs to trust for https:// (default: the system's)
//   --json            print the server's JSON answers instead of text, and errors as
//                     {"error":{"code","reason","message"}} on stderr
//   --org, --project, --env   flags, else CAIRN_VAULT_ORG / _PROJECT / _ENV, else the nearest
//                     .cairn-vault.json ({"org","project","env"}) in the working directory or above
//
// Exit status: 0 on success; 1 when the server refused or the command failed (the error's code,
// reason and message on stderr); 2 for every usage error (a bad command line, CLI11's parse
// errors included, a missing org/project/env, a confirmation refused for want of a terminal);
// `run` exits with its command's status (126: not executable, 127: not found).
//
// Thread-safety: for main()'s thread only.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace cairn::vault {

inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

struct ClientSettings {
  std::string server;
  std::string session_file;
  std::string ca_file;
  bool json = false;
};

// Adds the client commands (auth, user, superadmin, org, member, project, env, secret, acl,
// service-account, audit, backup, run) and --version to `app`; they read `settings` when they run.
void add_client_commands(CLI::App& app, ClientSettings& settings);

// The defaults of `settings` from the environment.
ClientSettings client_settings_from_environment();

// Parses the command line and runs the chosen command's callback, turning every way out into an
// exit status: the command's errors are printed (as JSON with --json), CLI11's parse errors
// become kExitUsage, and any exception at all (from a server command too) is caught and reported,
// so no input can crash the binary. --help and --version print and return 0.
int run_command_line(CLI::App& app, int argc, char** argv, const ClientSettings& settings);

}  // namespace cairn::vault
