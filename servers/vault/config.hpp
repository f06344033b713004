// cairn-vault's configuration: where the data lives, which key opens it, where it listens and
// how it mails login codes. Every setting has a flag and an environment variable; the flag wins.
//
//   CAIRN_VAULT_DATA_DIR     --data-dir       ./data (created 0700; vault.db inside, 0600)
//   CAIRN_MASTER_KEY         (environment only: flags show up in `ps`)
//                                             64 hex characters; without it the key lives in
//                                             <data-dir>/master.key (0600), made on first start
//   CAIRN_VAULT_LISTEN       --listen         127.0.0.1:7100 ([::1]:7100 for IPv6; port 0: any)
//   CAIRN_VAULT_TLS_CERT     --tls-cert       PEM chain; with --tls-key the listener speaks TLS
//   CAIRN_VAULT_TLS_KEY      --tls-key
//   SMTP_HOST                --smtp-host      "log" (codes go to the server log: development)
//   SMTP_PORT                --smtp-port      25
//   SMTP_FROM                --smtp-from      cairn-vault@localhost
//   CAIRN_VAULT_INSECURE_LOG_CODES --insecure-log-codes
//                                             allow SMTP_HOST=log on a non-loopback listener
//                                             (codes in the log are sign-ins for anyone who
//                                             reads it); refused without it
//   CAIRN_VAULT_AUTH_RATE    --auth-rate      30 requests a minute per client address on the
//                                             anonymous sign-in routes (0: no per-address limit)
//   CAIRN_VAULT_AUTH_CEILING --auth-ceiling   600 requests a minute on those routes from all
//                                             addresses together (0: none)
//   CAIRN_VAULT_TRUSTED_PROXIES --trusted-proxies
//                                             comma-separated addresses whose X-Forwarded-For /
//                                             X-Real-IP name the client (default: none; the
//                                             socket peer is the client)
//   CAIRN_VAULT_PROXY_HEADER --proxy-header   X-Forwarded-For (or X-Real-IP): the header the
//                                             trusted proxies set
//   CAIRN_VAULT_MAX_CONNECTIONS_PER_ADDRESS --max-connections-per-address
//                                             64 open connections per client address
//   CAIRN_VAULT_ADMIN_EMAIL  --admin-email    the superadmin; unset: the first email to sign in
//   BACKUP_SCHEDULE_HOURS    --backup-hours   24 (0: no scheduled backups)
//   BACKUP_RETAIN_DAILY_DAYS   7              newest backup of each of the last 7 days
//   BACKUP_RETAIN_WEEKLY_WEEKS 4              newest backup of each of the last 4 ISO weeks
//
// Thread-safety: plain values and functions of their arguments (and of the environment).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cairn/core/result.hpp"

namespace cairn::vault {

struct ServerConfig {
  std::string data_dir = "./data";
  std::string listen = "127.0.0.1:7100";
  std::string tls_cert;
  std::string tls_key;
  std::string smtp_host = "log";
  uint16_t smtp_port = 25;
  std::string smtp_from = "cairn-vault@localhost";
  std::string admin_email;
  bool insecure_log_codes = false;
  int64_t auth_rate_per_minute = 30;
  int64_t auth_ceiling_per_minute = 600;
  std::string trusted_proxies;
  std::string proxy_header = "X-Forwarded-For";
  int64_t max_connections_per_address = 64;
  int64_t backup_hours = 24;
  int64_t retain_daily_days = 7;
  int64_t retain_weekly_weeks = 4;
  unsigned threads = 0;  // 0: one per core

  std::string database_path() const { return data_dir + "/vault.db"; }
  std::string key_file() const { return data_dir + "/master.key"; }
  std::string pid_file() const { return data_dir + "/vault.pid"; }
  std::string backup_dir() const { return data_dir + "/backups"; }
};

// The defaults overridden by the environment variables above. Errors: INVALID_ARGUMENT /
// VAULT_CONFIG_INVALID (a number that is not one, or out of range).
Result<ServerConfig> config_from_environment();

// Checks the settings together. Errors: INVALID_ARGUMENT / VAULT_CONFIG_INVALID (an empty data
// directory, a listen address that is not HOST:PORT, only one of the TLS files, negative
// schedules, SMTP_HOST=log on a listen address that is not loopback without
// insecure_log_codes).
Status validate(const ServerConfig& config);

// A listen address split into host and port: "127.0.0.1:7100", "[::1]:7100".
struct HostPort {
  std::string host;
  uint16_t port = 0;
};
// Errors: INVALID_ARGUMENT / VAULT_CONFIG_INVALID.
Result<HostPort> parse_host_port(std::string_view text);

// Whether `host` is a loopback address: localhost, ::1 or 127.0.0.0/8.
bool is_loopback_host(std::string_view host);

// Creates `path` (and missing parents) with mode 0700; an existing directory is left as it is.
// Errors: UNAVAILABLE / VAULT_DATA_DIR_FAILED.
Status make_private_dir(const std::string& path);

// The master key in hex: CAIRN_MASTER_KEY when set, else the key file. When neither exists and
// `create` is true, a new random key is written to the key file (0600) and `created` is set.
// Errors: INVALID_ARGUMENT / SECRETS_MASTER_KEY_INVALID (not 64 hex characters);
// FAILED_PRECONDITION / VAULT_MASTER_KEY_MISSING (none, and not asked to create one); the
// token-file errors of auth/token_file.hpp for an unsafe or unreadable key file.
Result<std::string> load_master_key(const ServerConfig& config, bool create, bool* created);

}  // namespace cairn::vault
