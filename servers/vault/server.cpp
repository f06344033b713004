#include "vault/server.hpp"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>

#include "cairn/auth/email.hpp"
#include "cairn/auth/token_file.hpp"
#include "cairn/core/encoding.hpp"
#include "cairn/core/time.hpp"
#include "cairn/crypto/mac.hpp"
#include "cairn/crypto/random.hpp"
#include "cairn/crypto/secure.hpp"
#include "cairn/engine.hpp"
#include "cairn/net/middleware.hpp"
#include "cairn/net/pid_file.hpp"
#include "cairn/net/server.hpp"
#include "vault/api.hpp"
#include "vault/api_fields.hpp"
#include "vault/login_mail.hpp"

namespace cairn::vault {

namespace {

std::mutex log_mu;

// One line on stdout, stamped with the UTC time.
void log_line(std::string_view text) {
  std::string stamp = format_rfc3339(Env::system().now(), TimePrecision::kSeconds);
  std::lock_guard lock(log_mu);
  std::fprintf(stdout, "%s %.*s\n", stamp.c_str(), static_cast<int>(text.size()), text.data());
  std::fflush(stdout);
}

int report(const Error& error, int code = 1) {
  std::fprintf(stderr, "cairn-vault: %s\n", error.to_string().c_str());
  return code;
}

EngineOptions engine_options(secrets::MasterKey master_key) {
  EngineOptions options;
  options.master_key = std::move(master_key);
  options.auth.session_prefix = "cr_sess";
  return options;
}

std::string database_uri(const ServerConfig& config) {
  return "sqlite:" + std::filesystem::absolute(config.database_path()).string();
}

// The cron expression of "every `hours` hours": below a day, at the hours of the day divisible by
// it (cron's step: with 5, at 0, 5, 10, 15 and 20 h UTC); from a day on, at 03:00 UTC on the days
// of the month divisible by hours/24 (every day for 24).
std::string backup_cron(int64_t hours) {
  if (hours < 24) return "0 */" + std::to_string(hours) + " * * *";
  int64_t days = hours / 24;
  return days <= 1 ? "0 3 * * *" : "0 3 */" + std::to_string(days) + " * *";
}

Status schedule_background_work(Engine& engine, VaultContext& ctx, const ServerConfig& config) {
  jobs::Scheduler& jobs = engine.jobs();
  CAIRN_TRY(register_login_mail(ctx));
  CAIRN_TRY(
      jobs.register_kind("vault.maintenance", [&engine](jobs::TaskContext&) -> Result<std::string> {
        CAIRN_ASSIGN_OR_RETURN(auth::PurgeCounts n, engine.auth().purge_expired());
        // Sign-in mails are one task per anonymous request: keep the finished ones an hour (for
        // a look at failures), then let them go, so anonymous requests cannot grow the database.
        CAIRN_ASSIGN_OR_RETURN(int64_t mails,
                               engine.jobs().purge_finished(std::chrono::hours(1), "vault.mail"));
        nlohmann::json out = {{"mail_tasks", mails},
                              {"sessions", n.sessions},
                              {"login_codes", n.login_codes},
                              {"api_keys", n.api_keys},
                              {"login_events", n.login_events},
                              {"rate_states", n.rate_states}};
        return out.dump();
      }));
  int64_t hours = config.backup_hours;
  CAIRN_TRY(
      jobs.register_kind("vault.backup", [&ctx, hours](jobs::TaskContext&) -> Result<std::string> {
        if (hours == 0) return std::string("{\"disabled\":true}");
        CAIRN_ASSIGN_OR_RETURN(BackupInfo info,
                               ctx.backups.create(BackupKind::kScheduled, "system"));
        CAIRN_ASSIGN_OR_RETURN(auto pruned, ctx.backups.prune(ctx.retention, "system"));
        if (ctx.log) {
          ctx.log("backup " + info.id + " taken (" + std::to_string(info.size) + " bytes, " +
                  std::to_string(pruned.size()) + " pruned)");
        }
        nlohmann::json out = {{"id", info.id}, {"pruned", pruned}};
        return out.dump();
      }));
  jobs::EnqueueOptions maintenance;
  maintenance.key = "vault.maintenance";
  maintenance.cron = "0 * * * *";
  maintenance.priority = jobs::Priority::kLow;
  CAIRN_TRY(jobs.enqueue("vault.maintenance", maintenance));
  jobs::EnqueueOptions backup;
  backup.key = "vault.backup";
  backup.cron = backup_cron(hours == 0 ? 24 : hours);
  backup.priority = jobs::Priority::kLow;
  CAIRN_TRY(jobs.enqueue("vault.backup", backup));
  return jobs.start(jobs::WorkerCounts{1, 1, 1});
}

std::string new_key_file(const ServerConfig& config) { return config.key_file() + ".new"; }

// Finishes or undoes a key rotation that stopped half-way: rotate-key writes the new key to
// master.key.new before it commits and moves it over master.key after. Whichever key opens the
// database is the one kept. Returns the engine opened with it and the key (hex) in `key`.
Result<std::unique_ptr<Engine>> open_with_recovered_key(const ServerConfig& config,
                                                        std::string& key, bool key_file_in_use) {
  CAIRN_ASSIGN_OR_RETURN(secrets::MasterKey master, secrets::MasterKey::from_hex(key));
  auto engine = Engine::open(database_uri(config), engine_options(master));
  auto pending = auth::read_token_file(new_key_file(config));
  if (!pending) return engine;  // no rotation in progress (or an unreadable file: left alone)
  if (engine) {
    // The rotation never committed: the new key is useless.
    ::unlink(new_key_file(config).c_str());
    log_line("removed " + new_key_file(config) + ": the key rotation did not complete");
    return engine;
  }
  if (engine.error().reason != "SECRETS_MASTER_KEY_MISMATCH") return engine;
  CAIRN_ASSIGN_OR_RETURN(secrets::MasterKey pending_master, secrets::MasterKey::from_hex(*pending));
  auto with_new = Engine::open(database_uri(config), engine_options(pending_master));
  if (!with_new) return engine;  // neither key: report the first error
  crypto::secure_wipe({reinterpret_cast<uint8_t*>(key.data()), key.size()});
  key = *pending;
  if (key_file_in_use) {
    CAIRN_TRY(auth::write_token_file(config.key_file(), key));
    ::unlink(new_key_file(config).c_str());
    log_line("completed the key rotation: " + config.key_file() + " holds the new key");
  } else {
    log_line("the database is under the key in " + new_key_file(config) +
             "; set CAIRN_MASTER_KEY to it and remove the file");
  }
  return with_new;
}

// Removes `name` from the environment and overwrites its original "NAME=value" text, which
// /proc/<pid>/environ keeps showing after unsetenv(). Call before any thread starts.
void scrub_environment_variable(const char* name) {
  char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): single-threaded here
  if (value == nullptr) return;
  std::size_t name_length = std::strlen(name) + 1;  // with the '='
  char* entry = value - name_length;
  std::size_t length = name_length + std::strlen(value);
  ::unsetenv(name);  // NOLINT(concurrency-mt-unsafe)
  crypto::secure_wipe({reinterpret_cast<uint8_t*>(entry), length});
}

// No core files (they would hold the master key and decrypted secrets) and no ptrace by other
// processes of the same user.
void harden_process() {
  rlimit none{0, 0};
  (void)::setrlimit(RLIMIT_CORE, &none);
  (void)::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

// Limits on the anonymous sign-in routes, counted in memory before any handler runs (so a
// refused request writes nothing to the database).
struct SignInLimits {
  std::unique_ptr<auth::MemoryRateLimiter> per_client;
  std::unique_ptr<auth::MemoryRateLimiter> overall;
};

Result<SignInLimits> sign_in_limits(const ServerConfig& config) {
  SignInLimits out;
  if (config.auth_rate_per_minute > 0) {
    auth::RateLimit limit{static_cast<double>(config.auth_rate_per_minute) / 60.0,
                          static_cast<uint32_t>(config.auth_rate_per_minute)};
    CAIRN_ASSIGN_OR_RETURN(out.per_client, auth::MemoryRateLimiter::create(limit));
  }
  if (config.auth_ceiling_per_minute > 0) {
    auth::RateLimit limit{static_cast<double>(config.auth_ceiling_per_minute) / 60.0,
                          static_cast<uint32_t>(config.auth_ceiling_per_minute)};
    CAIRN_ASSIGN_OR_RETURN(out.overall, auth::MemoryRateLimiter::create(limit));
  }
  return out;
}

void explain_first_start(const ServerConfig& config, const std::string& url, bool key_created) {
  std::printf("\nFirst start: a new vault in %s (database vault.db, mode 0600).\n",
              config.data_dir.c_str());
  if (key_created) {
    std::printf(
        "The master key was created in %s (mode 0600). Keep a copy somewhere safe: without it\n"
        "neither the secrets nor the backups can be decrypted.\n",
        config.key_file().c_str());
  }
  std::string who =
      config.admin_email.empty() ? std::string("you@example.com") : config.admin_email;
  std::printf(
      "\nSign in as the first superadmin:\n"
      "  cairn-vault --server %s auth login --email %s\n",
      url.c_str(), who.c_str());
  if (config.smtp_host == "log") {
    std::printf("  (SMTP_HOST=log: the 6-digit code appears in this log, not in a mail)\n");
  } else {
    std::printf("  (the 6-digit code is mailed through %s:%u)\n", config.smtp_host.c_str(),
                static_cast<unsigned>(config.smtp_port));
  }
  std::printf("  cairn-vault --server %s auth verify --email %s --code <CODE>\n", url.c_str(),
              who.c_str());
  if (config.admin_email.empty()) {
    std::printf(
        "The first email to sign in becomes superadmin (set CAIRN_VAULT_ADMIN_EMAIL to "
        "choose it instead).\n");
  } else {
    std::printf("%s is superadmin (CAIRN_VAULT_ADMIN_EMAIL).\n", config.admin_email.c_str());
  }
  std::printf(
      "Then: cairn-vault org create acme; cairn-vault project create --org acme web; "
      "docs/vault.md has the rest.\n\n");
  std::fflush(stdout);
}

}  // namespace

int run_server(const ServerConfig& config) {
  harden_process();
  if (Status s = validate(config); !s) return report(s.error(), 2);
  if (Status s = make_private_dir(config.data_dir); !s) return report(s.error(), 2);
  auto pid = net::PidFile::acquire(config.pid_file());
  if (!pid) return report(pid.error(), 2);
  if (pid->previous_pid()) {
    log_line("recovering after an unclean stop of pid " + std::to_string(*pid->previous_pid()));
  }
  std::error_code ec;
  bool first_start = !std::filesystem::exists(config.database_path(), ec);
  bool key_created = false;
  const char* env_key = std::getenv("CAIRN_MASTER_KEY");  // NOLINT(concurrency-mt-unsafe)
  bool key_file_in_use = env_key == nullptr || *env_key == '\0';
  // A key is made only for a new database: an existing one without its key must not start.
  auto key = load_master_key(config, /*create=*/first_start, &key_created);
  // Read once, then gone from the environment: children and /proc/<pid>/environ never see it.
  scrub_environment_variable("CAIRN_MASTER_KEY");
  if (!key) return report(key.error(), 2);
  std::string admin_email;
  if (!config.admin_email.empty()) {
    auto normalized = auth::normalize_email(config.admin_email);
    if (!normalized) {
      return report({ErrorCode::kInvalidArgument, "VAULT_CONFIG_INVALID",
                     "CAIRN_VAULT_ADMIN_EMAIL: " + normalized.error().message},
                    2);
    }
    admin_email = *normalized;
  }
  std::vector<std::string> proxies;
  if (auto parsed = net::parse_addresses(config.trusted_proxies)) {
    proxies = std::move(*parsed);
  } else {
    return report({ErrorCode::kInvalidArgument, "VAULT_CONFIG_INVALID",
                   "CAIRN_VAULT_TRUSTED_PROXIES: " + parsed.error().message},
                  2);
  }
  auto proxy_header = net::parse_proxy_header(config.proxy_header);
  if (!proxy_header) {
    return report({ErrorCode::kInvalidArgument, "VAULT_CONFIG_INVALID",
                   "CAIRN_VAULT_PROXY_HEADER: " + proxy_header.error().message},
                  2);
  }
  auto limits = sign_in_limits(config);
  if (!limits) return report(limits.error(), 2);
  auto engine = open_with_recovered_key(config, *key, key_file_in_use);
  if (!engine) {
    crypto::secure_wipe({reinterpret_cast<uint8_t*>(key->data()), key->size()});
    return report(engine.error(), 2);
  }
  auto master = encoding::hex_decode(*key);
  crypto::secure_wipe({reinterpret_cast<uint8_t*>(key->data()), key->size()});
  if (!master) return report(master.error(), 2);
  Engine& e = **engine;
  auto mail_key = crypto::hkdf_sha256(*master, {}, as_bytes("cairn-vault login mail"), 32);
  if (!mail_key) return report(mail_key.error(), 2);

  Mailer mailer({config.smtp_host, config.smtp_port, config.smtp_from}, log_line);
  Backups backups(e.database(), config.backup_dir(), std::move(*master), e.env(), e.instance_id(),
                  &e.audit());
  if (auto swept = backups.sweep_leftovers(); !swept) {
    log_line("cannot sweep the backup directory: " + swept.error().to_string());
  } else {
    for (const std::string& path : *swept) log_line("removed leftover " + path);
  }
  auto service = e.secrets();
  if (!service) return report(service.error(), 2);
  VaultContext ctx{e,
                   **service,
                   mailer,
                   backups,
                   {config.retain_daily_days, config.retain_weekly_weeks},
                   admin_email,
                   log_line,
                   config.data_dir,
                   std::move(*mail_key)};
  if (!ctx.admin_email.empty()) {
    if (auto s = claim_superadmin(ctx, ctx.admin_email); !s) return report(s.error(), 2);
  }
  auto router = make_router(ctx);
  if (!router) return report(router.error());

  net::ServerOptions options;
  options.access_log = [](std::string_view line) { log_line(line); };
  options.limits.max_connections_per_address =
      static_cast<std::size_t>(config.max_connections_per_address);
  options.limits.unlimited_addresses = proxies;  // a proxy carries many clients' connections
  net::Server server(std::move(*router), std::move(options));
  if (!proxies.empty()) server.use(net::trust_proxies(proxies, *proxy_header));
  server.use(net::limit_clients(limits->per_client.get(), limits->overall.get(),
                                {"/api/auth/login", "/api/auth/verify"}));
  server.use(resolve_caller(ctx));
  auto address = parse_host_port(config.listen);
  if (!address) return report(address.error(), 2);
  Status listening = config.tls_cert.empty() ? server.listen_tcp(address->host, address->port)
                                             : server.listen_tls(address->host, address->port,
                                                                 {config.tls_cert, config.tls_key});
  if (!listening) return report(listening.error(), 2);
  if (Status s = schedule_background_work(e, ctx, config); !s) return report(s.error());
  server.stop_on_signals();
  if (Status s = server.start(config.threads); !s) {
    e.jobs().stop();  // its tasks borrow ctx, which ends before the engine
    return report(s.error());
  }

  std::string scheme = config.tls_cert.empty() ? "http://" : "https://";
  std::string url = scheme + server.endpoints().front();
  // The explanation comes first: whoever waits for "listening on" then has all of it.
  if (first_start) explain_first_start(config, url, key_created);
  log_line("cairn-vault listening on " + url + " (data " + config.data_dir + ", mail " +
           (mailer.logs_only() ? std::string("to this log") : config.smtp_host) + ")");
  server.wait();
  e.jobs().stop();
  log_line("cairn-vault stopped");
  return 0;
}

int rotate_key(const ServerConfig& config, bool generate) {
  if (Status s = validate(config); !s) return report(s.error(), 2);
  // Holding the PID file keeps a server from starting while keys change.
  auto pid = net::PidFile::acquire(config.pid_file());
  if (!pid) {
    return report({ErrorCode::kFailedPrecondition, "VAULT_SERVER_RUNNING",
                   "stop the server first: " + pid.error().message},
                  2);
  }
  std::error_code ec;
  if (!std::filesystem::exists(config.database_path(), ec)) {
    return report(
        {ErrorCode::kNotFound, "VAULT_DATABASE_NOT_FOUND", "no database in " + config.data_dir}, 2);
  }
  if (std::filesystem::exists(new_key_file(config), ec)) {
    return report({ErrorCode::kFailedPrecondition, "VAULT_ROTATION_PENDING",
                   "an earlier rotation left " + new_key_file(config) +
                       "; start the server once (it keeps the key that opens the database)"},
                  2);
  }
  const char* from_env = std::getenv("CAIRN_MASTER_KEY");  // NOLINT(concurrency-mt-unsafe)
  bool key_file_in_use = from_env == nullptr || *from_env == '\0';
  auto old_key = load_master_key(config, /*create=*/false, nullptr);
  if (!old_key) return report(old_key.error(), 2);
  std::string new_key;
  if (generate) {
    new_key = encoding::hex_encode(crypto::random_bytes(32));
  } else if (const char* given = std::getenv("CAIRN_NEW_MASTER_KEY");  // NOLINT
             given != nullptr && *given != '\0') {
    new_key = given;
  } else {
    return report({ErrorCode::kFailedPrecondition, "VAULT_MASTER_KEY_MISSING",
                   "give the new key in CAIRN_NEW_MASTER_KEY, or pass --generate"},
                  2);
  }
  auto parsed = secrets::MasterKey::from_hex(new_key);
  if (!parsed) return report(parsed.error(), 2);
  auto old_master = secrets::MasterKey::from_hex(*old_key);
  if (!old_master) return report(old_master.error(), 2);
  // The new key is on disk, durably, before the database depends on it: a closed stdout, a
  // kill -9 or a full disk after the commit can no longer lose it. The next start keeps whichever
  // key opens the database (open_with_recovered_key).
  if (Status s = auth::write_token_file(new_key_file(config), new_key); !s) {
    return report(s.error());
  }
  {
    auto engine = Engine::open(database_uri(config), engine_options(*old_master));
    if (!engine) {
      ::unlink(new_key_file(config).c_str());  // nothing was committed
      return report(engine.error());
    }
    auto service = (*engine)->secrets();
    if (!service) return report(service.error());
    if (Status s = (*service)->rotate_master_key(std::move(*parsed), "operator"); !s) {
      // master.key.new stays: an error reported after the commit reached the log would otherwise
      // delete the only copy. The next start keeps whichever key opens the database.
      return report(s.error());
    }
  }
  if (key_file_in_use) {
    if (Status s = auth::write_token_file(config.key_file(), new_key); !s) {
      std::fprintf(stderr,
                   "cairn-vault: the data keys are rotated; the new key is in %s, but %s could "
                   "not be replaced (%s): the next start finishes the switch\n",
                   new_key_file(config).c_str(), config.key_file().c_str(),
                   s.error().to_string().c_str());
      return 1;
    }
    ::unlink(new_key_file(config).c_str());
    std::fprintf(stderr, "cairn-vault: rotated; %s holds the new key. ", config.key_file().c_str());
  } else {
    std::fprintf(stderr,
                 "cairn-vault: rotated; set CAIRN_MASTER_KEY to the new key (also in %s: remove "
                 "that file once it is stored elsewhere). ",
                 new_key_file(config).c_str());
  }
  std::fprintf(stderr,
               "Take a new backup after the restart: older backups stay under the old key.\n");
  // Printed last, after the key is safe on disk: stdout may be a closed pipe.
  if (std::printf("%s\n", new_key.c_str()) < 0 || std::fflush(stdout) != 0) {
    std::fprintf(stderr, "cairn-vault: could not print the new key; it is in the key file\n");
  }
  crypto::secure_wipe({reinterpret_cast<uint8_t*>(new_key.data()), new_key.size()});
  return 0;
}

int restore_into(const ServerConfig& config, const std::string& backup_file) {
  if (Status s = validate(config); !s) return report(s.error(), 2);
  if (Status s = make_private_dir(config.data_dir); !s) return report(s.error(), 2);
  auto pid = net::PidFile::acquire(config.pid_file());
  if (!pid) return report(pid.error(), 2);
  auto key = load_master_key(config, /*create=*/false, nullptr);
  if (!key) return report(key.error(), 2);
  auto master = encoding::hex_decode(*key);
  if (!master) return report(master.error(), 2);
  Status restored = restore_file(backup_file, *master, config.database_path());
  crypto::secure_wipe(*master);
  if (!restored) return report(restored.error());
  std::printf("restored %s into %s\n", backup_file.c_str(), config.database_path().c_str());
  return 0;
}

int print_routes() {
  // The routes do not depend on the context's contents, only on its shape: build them against
  // an in-memory engine.
  auto master = secrets::MasterKey::from_bytes(Bytes(secrets::kMasterKeyBytes));
  if (!master) return report(master.error());
  auto engine = Engine::open("memory:", engine_options(*master));
  if (!engine) return report(engine.error());
  auto service = (*engine)->secrets();
  if (!service) return report(service.error());
  Mailer mailer({}, nullptr);
  Backups backups((*engine)->database(), "", Bytes(32), (*engine)->env(), (*engine)->instance_id());
  VaultContext ctx{**engine, **service, mailer, backups, {}, "", nullptr, "", Bytes(32)};
  auto router = make_router(ctx);
  if (!router) return report(router.error());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [method, pattern] : router->routes()) out.push_back({method, pattern});
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

}  // namespace cairn::vault
