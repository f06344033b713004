// cairn-vault's server-side commands: `server start`, `server rotate-key`, `server restore` and
// `server routes`. Each returns the process exit status: 0 on success, 1 when the operation
// failed, 2 for a bad configuration.
//
// Thread-safety: called once from main().
#pragma once

#include <string>

#include "vault/config.hpp"

namespace cairn::vault {

// Serves the API until SIGTERM or SIGINT (then drains and stops the scheduler). One server per
// data directory (a PID file with a lock). The first start creates the data directory, the
// database and, without CAIRN_MASTER_KEY, the key file, and explains how to sign in.
int run_server(const ServerConfig& config);

// Re-wraps every data key under a new master key with the server stopped: the new key is
// CAIRN_NEW_MASTER_KEY, or a random one with `generate`. It is printed once; a key file in the
// data directory is replaced with it.
int rotate_key(const ServerConfig& config, bool generate);

// Installs the encrypted backup `backup_file` as the database of a data directory that has none
// (the master key must be the one the backup was made under).
int restore_into(const ServerConfig& config, const std::string& backup_file);

// Prints the API's routes as JSON ([["GET","/api/orgs"],...]): what the OpenAPI test compares.
int print_routes();

}  // namespace cairn::vault
