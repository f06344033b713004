// cairn-vault: a secrets manager for a small team (Coldrune, re-created on the cairn engine).
//
//   cairn-vault server start [--data-dir D] [--listen HOST:PORT] ...   serve the API
//   cairn-vault server rotate-key [--generate]                          new master key, offline
//   cairn-vault server restore --file BACKUP.crbu [--data-dir D]        install a backup
//   cairn-vault server routes                                           the API's routes (JSON)
//   cairn-vault auth login --email E | auth verify --code C | ...        client commands
//
// docs/vault.md is the guide. The client commands talk HTTP only; `--json` makes every one print
// JSON. Exit status: 0, 1 when a command failed, 2 for a usage error or a bad configuration.
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <exception>

#include "vault/client.hpp"
#include "vault/server.hpp"

namespace vault = cairn::vault;

// run_command_line() catches what parsing and the commands throw; the function-try-block
// catches what setting them up could, so that nothing ends the process with an exception.
int main(int argc, char** argv) try {
  // A closed pipe is an error on write (EPIPE), reported like any other, never a silent exit.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"cairn-vault: secrets with ACLs, audit and backups (docs/vault.md)"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "help on every command");

  auto config = vault::config_from_environment();
  if (!config) {
    std::fprintf(stderr, "cairn-vault: %s\n", config.error().to_string().c_str());
    return 2;
  }
  vault::ServerConfig& c = *config;
  CLI::App* server =
      app.add_subcommand("server", "run or maintain the server")->require_subcommand(1);
  server->add_option("--data-dir", c.data_dir, "data directory (CAIRN_VAULT_DATA_DIR)");
  CLI::App* start = server->add_subcommand("start", "serve the API until SIGTERM or SIGINT");
  start->add_option("--listen", c.listen, "HOST:PORT (CAIRN_VAULT_LISTEN)");
  start->add_option("--tls-cert", c.tls_cert, "certificate chain, PEM (CAIRN_VAULT_TLS_CERT)");
  start->add_option("--tls-key", c.tls_key, "private key, PEM (CAIRN_VAULT_TLS_KEY)");
  start->add_option("--smtp-host", c.smtp_host, "SMTP relay, or \"log\" (SMTP_HOST)");
  start->add_option("--smtp-port", c.smtp_port, "SMTP port (SMTP_PORT)");
  start->add_option("--smtp-from", c.smtp_from, "sender address (SMTP_FROM)");
  start->add_option("--admin-email", c.admin_email, "the superadmin (CAIRN_VAULT_ADMIN_EMAIL)");
  start->add_flag("--insecure-log-codes", c.insecure_log_codes,
                  "allow SMTP_HOST=log on a non-loopback address (CAIRN_VAULT_INSECURE_LOG_CODES)");
  start
      ->add_option("--auth-rate", c.auth_rate_per_minute,
                   "sign-in requests a minute per client address, 0: no limit "
                   "(CAIRN_VAULT_AUTH_RATE)")
      ->check(CLI::Range(int64_t{0}, int64_t{1000000}));
  start
      ->add_option("--auth-ceiling", c.auth_ceiling_per_minute,
                   "sign-in requests a minute from all addresses, 0: no ceiling "
                   "(CAIRN_VAULT_AUTH_CEILING)")
      ->check(CLI::Range(int64_t{0}, int64_t{1000000}));
  start->add_option("--trusted-proxies", c.trusted_proxies,
                    "proxies whose --proxy-header names the client, comma-separated "
                    "(CAIRN_VAULT_TRUSTED_PROXIES)");
  start->add_option("--proxy-header", c.proxy_header,
                    "the header the trusted proxies name the client in: X-Forwarded-For or "
                    "X-Real-IP (CAIRN_VAULT_PROXY_HEADER)");
  start
      ->add_option("--max-connections-per-address", c.max_connections_per_address,
                   "open connections per client address (CAIRN_VAULT_MAX_CONNECTIONS_PER_ADDRESS)")
      ->check(CLI::Range(int64_t{1}, int64_t{1000000}));
  start->add_option("--backup-hours", c.backup_hours, "hours between backups, 0: none")
      ->check(CLI::Range(int64_t{0}, int64_t{24} * 366));
  start->add_option("--threads", c.threads, "server threads (default: one per core)");
  bool generate = false;
  CLI::App* rotate = server->add_subcommand(
      "rotate-key", "re-wrap every data key under a new master key (server stopped)");
  rotate->add_flag("--generate", generate, "make a random key (else CAIRN_NEW_MASTER_KEY)");
  std::string backup_file;
  CLI::App* restore = server->add_subcommand(
      "restore", "install an encrypted backup into a data directory without a database");
  restore->add_option("--file", backup_file, "the .crbu file")->required();
  CLI::App* routes = server->add_subcommand("routes", "print the API's routes as JSON");
  // `server start --data-dir D` and `server --data-dir D start` both work.
  for (CLI::App* sub : {start, rotate, restore, routes}) sub->fallthrough();

  vault::ClientSettings settings = vault::client_settings_from_environment();
  vault::add_client_commands(app, settings);

  int status = 0;
  start->callback([&] { status = vault::run_server(c); });
  rotate->callback([&] { status = vault::rotate_key(c, generate); });
  restore->callback([&] { status = vault::restore_into(c, backup_file); });
  routes->callback([&] { status = vault::print_routes(); });
  // Every way out of the command line becomes an exit status: usage errors 2, no exception
  // escapes.
  int parsed = vault::run_command_line(app, argc, argv, settings);
  return parsed != 0 ? parsed : status;
} catch (const std::exception& e) {
  std::fprintf(stderr, "cairn-vault: INTERNAL VAULT_CLIENT_INTERNAL: %s\n", e.what());
  return 1;
} catch (...) {
  std::fprintf(stderr, "cairn-vault: INTERNAL VAULT_CLIENT_INTERNAL: an unexpected failure\n");
  return 1;
}
