#include "vault/config.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "cairn/auth/token_file.hpp"
#include "cairn/core/encoding.hpp"
#include "cairn/crypto/random.hpp"
#include "cairn/secrets/master_key.hpp"

namespace cairn::vault {

namespace {

Error config_error(std::string message) {
  return {ErrorCode::kInvalidArgument, "VAULT_CONFIG_INVALID", std::move(message)};
}

const char* getenv_or_null(const char* name) {
  const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read at startup
  return value != nullptr && *value != '\0' ? value : nullptr;
}

Status number_from_env(const char* name, int64_t low, int64_t high, int64_t& out) {
  const char* value = getenv_or_null(name);
  if (value == nullptr) return ok_status();
  std::string_view text(value);
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n < low || n > high) {
    return fail(config_error(std::string(name) + " must be a whole number from " +
                             std::to_string(low) + " to " + std::to_string(high)));
  }
  out = n;
  return ok_status();
}

void text_from_env(const char* name, std::string& out) {
  if (const char* value = getenv_or_null(name)) out = value;
}

}  // namespace

Result<ServerConfig> config_from_environment() {
  ServerConfig c;
  text_from_env("CAIRN_VAULT_DATA_DIR", c.data_dir);
  text_from_env("CAIRN_VAULT_LISTEN", c.listen);
  text_from_env("CAIRN_VAULT_TLS_CERT", c.tls_cert);
  text_from_env("CAIRN_VAULT_TLS_KEY", c.tls_key);
  text_from_env("SMTP_HOST", c.smtp_host);
  text_from_env("SMTP_FROM", c.smtp_from);
  text_from_env("CAIRN_VAULT_ADMIN_EMAIL", c.admin_email);
  text_from_env("CAIRN_VAULT_TRUSTED_PROXIES", c.trusted_proxies);
  text_from_env("CAIRN_VAULT_PROXY_HEADER", c.proxy_header);
  if (const char* insecure = getenv_or_null("CAIRN_VAULT_INSECURE_LOG_CODES")) {
    std::string_view v(insecure);
    if (v != "1" && v != "true" && v != "0" && v != "false") {
      return fail(config_error("CAIRN_VAULT_INSECURE_LOG_CODES must be 1, true, 0 or false"));
    }
    c.insecure_log_codes = v == "1" || v == "true";
  }
  CAIRN_TRY(number_from_env("CAIRN_VAULT_AUTH_RATE", 0, 1000000, c.auth_rate_per_minute));
  CAIRN_TRY(number_from_env("CAIRN_VAULT_AUTH_CEILING", 0, 1000000, c.auth_ceiling_per_minute));
  CAIRN_TRY(number_from_env("CAIRN_VAULT_MAX_CONNECTIONS_PER_ADDRESS", 1, 1000000,
                            c.max_connections_per_address));
  int64_t port = c.smtp_port;
  CAIRN_TRY(number_from_env("SMTP_PORT", 1, 65535, port));
  c.smtp_port = static_cast<uint16_t>(port);
  CAIRN_TRY(number_from_env("BACKUP_SCHEDULE_HOURS", 0, int64_t{24} * 366, c.backup_hours));
  CAIRN_TRY(number_from_env("BACKUP_RETAIN_DAILY_DAYS", 0, 3660, c.retain_daily_days));
  CAIRN_TRY(number_from_env("BACKUP_RETAIN_WEEKLY_WEEKS", 0, 520, c.retain_weekly_weeks));
  return c;
}

Result<HostPort> parse_host_port(std::string_view text) {
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return fail(config_error("the listen address must be HOST:PORT or [IPV6]:PORT"));
  }
  std::string_view host = text.substr(0, colon);
  std::string_view port = text.substr(colon + 1);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') {
      return fail(config_error("an IPv6 listen address is written [::1]:7100"));
    }
    host = host.substr(1, host.size() - 2);
  }
  HostPort out{std::string(host), 0};
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), out.port);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size()) {
    return fail(config_error("the listen port must be a number from 0 to 65535"));
  }
  return out;
}

Status validate(const ServerConfig& config) {
  if (config.data_dir.empty()) return fail(config_error("the data directory is empty"));
  CAIRN_TRY(parse_host_port(config.listen));
  if (config.tls_cert.empty() != config.tls_key.empty()) {
    return fail(config_error("TLS needs both --tls-cert and --tls-key"));
  }
  if (config.smtp_host.empty()) return fail(config_error("SMTP_HOST is empty"));
  if (config.smtp_host == "log" && !config.insecure_log_codes) {
    CAIRN_ASSIGN_OR_RETURN(HostPort address, parse_host_port(config.listen));
    if (!is_loopback_host(address.host)) {
      return fail(config_error(
          "SMTP_HOST=log writes sign-in codes to the log, which is a sign-in for anyone who reads "
          "it: on " +
          config.listen +
          " (not loopback) set SMTP_HOST to a relay, or pass "
          "--insecure-log-codes (CAIRN_VAULT_INSECURE_LOG_CODES=1) to accept that"));
    }
  }
  if (config.backup_hours < 0 || config.retain_daily_days < 0 || config.retain_weekly_weeks < 0) {
    return fail(config_error("backup schedules and retention cannot be negative"));
  }
  return ok_status();
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost" || host == "::1") return true;
  // 127.0.0.0/8: "127." followed by digits and dots only.
  return host.starts_with("127.") &&
         host.find_first_not_of("0123456789.") == std::string_view::npos;
}

Status make_private_dir(const std::string& path) {
  std::error_code ec;
  std::filesystem::path p(path);
  if (std::filesystem::is_directory(p, ec)) return ok_status();
  if (p.has_parent_path() && !p.parent_path().empty()) {
    CAIRN_TRY(make_private_dir(p.parent_path().string()));
  }
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    return fail(ErrorCode::kUnavailable, "VAULT_DATA_DIR_FAILED",
                "cannot create directory " + path + ": " + std::generic_category().message(errno));
  }
  return ok_status();
}

Result<std::string> load_master_key(const ServerConfig& config, bool create, bool* created) {
  if (created != nullptr) *created = false;
  if (const char* env_key = getenv_or_null("CAIRN_MASTER_KEY")) {
    CAIRN_TRY(secrets::MasterKey::from_hex(env_key));
    return std::string(env_key);
  }
  auto stored = auth::read_token_file(config.key_file());
  if (stored) {
    CAIRN_TRY(secrets::MasterKey::from_hex(*stored));
    return *stored;
  }
  if (stored.error().reason != "AUTH_TOKEN_FILE_NOT_FOUND") return fail(stored.error());
  if (!create) {
    return fail(ErrorCode::kFailedPrecondition, "VAULT_MASTER_KEY_MISSING",
                "no master key: set CAIRN_MASTER_KEY or keep the key file " + config.key_file());
  }
  CAIRN_TRY(make_private_dir(config.data_dir));
  std::string key = encoding::hex_encode(crypto::random_bytes(32));
  CAIRN_TRY(auth::write_token_file(config.key_file(), key));
  if (created != nullptr) *created = true;
  return key;
}

}  // namespace cairn::vault
