#include "cairn/engine.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <optional>

#include "cairn/cairn.hpp"
#include "cairn/secrets/keyring.hpp"
#include "storage/internal/stores.hpp"

namespace cairn {

struct Engine::State {
  Env* env;
  std::shared_ptr<storage::Database> database;
  std::string instance_id;
  Timestamp created_at;
  // Declared after the database they borrow, so destroyed before it.
  std::unique_ptr<audit::AuditStore> audit_store;
  std::unique_ptr<audit::AuditLog> audit;
  std::unique_ptr<access::PolicyStore> policy_store;
  access::MemoryRelationships relationships;
  std::unique_ptr<access::AccessService> access;
  std::unique_ptr<auth::AuthStore> auth_store;
  std::unique_ptr<auth::AuthService> auth;
  std::unique_ptr<secrets::SecretsStore> secrets_store;
  std::unique_ptr<secrets::SecretsService> secrets;
  std::unique_ptr<board::BoardStore> board_store;
  std::unique_ptr<board::BoardService> board;
  std::unique_ptr<records::RecordStore> records_store;
  std::unique_ptr<records::RecordsService> records;
  // Last: destroyed (workers stopped) before anything its handlers may use.
  std::unique_ptr<jobs::JobStore> job_store;
  std::unique_ptr<jobs::Scheduler> jobs;
};

namespace {

using storage::kInstanceIdKey;  // "engine.instance_id": inspect_snapshot() reads it too
constexpr std::string_view kCreatedAtKey = "engine.created_at";
// Without a master key only: the login-code MAC key, in plaintext.
constexpr std::string_view kCodeKeyKey = "auth.code_key";
// With a master key: the keyring key every other engine key is derived from, and what for.
constexpr std::string_view kSealingKeyName = "engine.sealing";
constexpr std::string_view kCodeKeyInfo = "cairn.auth.login_codes";
constexpr std::string_view kAuditSealInfo = "cairn.audit.keys";
constexpr size_t kDerivedKeyBytes = 32;

Result<Timestamp> parse_created_at(std::string_view text) {
  int64_t micros = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), micros);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return fail(ErrorCode::kDataLoss, "STORAGE_CORRUPT",
                "the engine's recorded creation time is not a number");
  }
  return from_unix_micros(micros);
}

// A 32-byte key for one purpose (`info`), derived from the engine's sealing key.
Result<crypto::SecretBytes> derive_key(const crypto::SecretBytes& sealing, std::string_view info) {
  CAIRN_ASSIGN_OR_RETURN(Bytes key,
                         crypto::hkdf_sha256(sealing.view(), {}, as_bytes(info), kDerivedKeyBytes));
  return crypto::SecretBytes(std::move(key));
}

// Without a master key, the login-code key is random per database and kept with it, in plaintext.
Result<crypto::SecretBytes> plaintext_code_key(storage::MetaStore& meta, Env& env) {
  std::array<uint8_t, kDerivedKeyBytes> fresh{};
  env.random_bytes(fresh);
  auto stored = meta.put_if_absent(kCodeKeyKey, encoding::hex_encode(fresh));
  crypto::secure_wipe(fresh);
  if (!stored) return fail(std::move(stored).error());
  std::string hex = std::move(*stored);
  auto key = encoding::hex_decode(hex);
  crypto::secure_wipe({reinterpret_cast<uint8_t*>(hex.data()), hex.size()});
  if (!key || key->size() != kDerivedKeyBytes) {
    return fail(ErrorCode::kDataLoss, "STORAGE_CORRUPT", "the engine's login code key is damaged");
  }
  return crypto::SecretBytes(std::move(*key));
}

}  // namespace

Result<std::unique_ptr<Engine>> Engine::open(std::string_view uri, const EngineOptions& options) {
  if (options.busy_timeout.count() < 0 || options.busy_timeout.count() > INT32_MAX) {
    return fail(ErrorCode::kInvalidArgument, "ENGINE_OPTIONS_INVALID",
                "busy_timeout must be between 0 and 2147483647 milliseconds");
  }
  auto state = std::make_unique<State>();
  state->env = options.env != nullptr ? options.env : &Env::system();
  storage::OpenOptions open_options;
  open_options.busy_timeout = options.busy_timeout;
  CAIRN_ASSIGN_OR_RETURN(state->database, storage::open(uri, open_options));

  // Both settings are written once, the first time the database is opened, and read back after.
  storage::MetaStore& meta = state->database->meta();
  std::array<uint8_t, 16> id_bytes{};
  state->env->random_bytes(id_bytes);
  CAIRN_ASSIGN_OR_RETURN(state->instance_id,
                         meta.put_if_absent(kInstanceIdKey, encoding::hex_encode(id_bytes)));
  CAIRN_ASSIGN_OR_RETURN(
      std::string created,
      meta.put_if_absent(kCreatedAtKey, std::to_string(to_unix_micros(state->env->now()))));
  CAIRN_ASSIGN_OR_RETURN(state->created_at, parse_created_at(created));

  // The keys the engine keeps. With a master key, one keyring key ("engine.sealing", stored
  // wrapped under the master key) and keys derived from it for each use, so a copy of the
  // database alone opens none of them; without one, as before: in plaintext in the database.
  state->secrets_store = storage::internal::make_secrets_store(*state->database);
  std::optional<secrets::MasterKey> master;
  crypto::SecretBytes code_key;
  audit::LogOptions audit_options = options.audit;
  if (options.master_key) {
    master = *options.master_key;
    CAIRN_ASSIGN_OR_RETURN(
        crypto::SecretBytes sealing,
        secrets::open_keyring_key(*state->secrets_store, *master, kSealingKeyName, *state->env));
    CAIRN_ASSIGN_OR_RETURN(code_key, derive_key(sealing, kCodeKeyInfo));
    CAIRN_ASSIGN_OR_RETURN(crypto::SecretBytes audit_seal, derive_key(sealing, kAuditSealInfo));
    audit_options.seal_key.assign(audit_seal.view().begin(), audit_seal.view().end());
  } else {
    CAIRN_ASSIGN_OR_RETURN(code_key, plaintext_code_key(meta, *state->env));
  }

  state->audit_store = storage::internal::make_audit_store(*state->database);
  auto audit = audit::AuditLog::open(*state->audit_store, "main", *state->env, audit_options);
  crypto::secure_wipe(audit_options.seal_key);
  if (!audit) return fail(std::move(audit).error());
  state->audit = std::move(*audit);
  state->policy_store = storage::internal::make_policy_store(*state->database);
  state->access = std::make_unique<access::AccessService>(*state->policy_store, *state->audit,
                                                          *state->env, &state->relationships);
  state->auth_store = storage::internal::make_auth_store(*state->database);
  CAIRN_ASSIGN_OR_RETURN(state->auth,
                         auth::AuthService::create(*state->auth_store, *state->audit, *state->env,
                                                   code_key.view(), options.auth));
  if (master) {
    // A plaintext login-code key left by opening without a master key goes: codes it MACed (any
    // pending at this moment) stop verifying, and a copy of the database no longer recovers codes.
    CAIRN_TRY(meta.erase(kCodeKeyKey));
    CAIRN_ASSIGN_OR_RETURN(state->secrets,
                           secrets::SecretsService::create(*state->secrets_store, *state->audit,
                                                           *state->env, std::move(*master)));
  }
  state->board_store = storage::internal::make_board_store(*state->database);
  state->board = std::make_unique<board::BoardService>(*state->board_store, *state->env);
  state->records_store = storage::internal::make_records_store(*state->database);
  state->records = std::make_unique<records::RecordsService>(*state->records_store, *state->env);
  state->job_store = storage::internal::make_job_store(*state->database);
  CAIRN_ASSIGN_OR_RETURN(state->jobs,
                         jobs::Scheduler::create(*state->job_store, *state->env, options.jobs));
  return std::unique_ptr<Engine>(new Engine(std::move(state)));
}

Engine::Engine(std::unique_ptr<State> state) : state_(std::move(state)) {}
Engine::~Engine() = default;

const std::string& Engine::uri() const noexcept { return state_->database->uri(); }
storage::Backend Engine::backend() const noexcept { return state_->database->backend(); }
int64_t Engine::schema_version() const { return state_->database->schema_version(); }
const std::string& Engine::instance_id() const noexcept { return state_->instance_id; }
Timestamp Engine::created_at() const noexcept { return state_->created_at; }
Env& Engine::env() const noexcept { return *state_->env; }
storage::Database& Engine::database() noexcept { return *state_->database; }
audit::AuditLog& Engine::audit() noexcept { return *state_->audit; }
access::AccessService& Engine::access() noexcept { return *state_->access; }
access::MemoryRelationships& Engine::relationships() noexcept { return state_->relationships; }
auth::AuthService& Engine::auth() noexcept { return *state_->auth; }
Result<secrets::SecretsService*> Engine::secrets() noexcept {
  if (!state_->secrets) {
    return fail(ErrorCode::kFailedPrecondition, "SECRETS_MASTER_KEY_MISSING",
                "the engine was opened without a secrets master key");
  }
  return state_->secrets.get();
}
board::BoardService& Engine::board() noexcept { return *state_->board; }
records::RecordsService& Engine::records() noexcept { return *state_->records; }
jobs::Scheduler& Engine::jobs() noexcept { return *state_->jobs; }

const char* version() noexcept { return CAIRN_VERSION_STRING; }

}  // namespace cairn
