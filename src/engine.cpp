#include "cairn/engine.hpp"

#include <array>
#include <charconv>
#include <cstdint>

#include "cairn/cairn.hpp"
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
  // Last: destroyed (workers stopped) before anything its handlers may use.
  std::unique_ptr<jobs::JobStore> job_store;
  std::unique_ptr<jobs::Scheduler> jobs;
};

namespace {

constexpr std::string_view kInstanceIdKey = "engine.instance_id";
constexpr std::string_view kCreatedAtKey = "engine.created_at";
constexpr std::string_view kCodeKeyKey = "auth.code_key";

Result<Timestamp> parse_created_at(std::string_view text) {
  int64_t micros = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), micros);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return fail(ErrorCode::kDataLoss, "STORAGE_CORRUPT",
                "the engine's recorded creation time is not a number");
  }
  return from_unix_micros(micros);
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
  state->audit_store = storage::internal::make_audit_store(*state->database);
  CAIRN_ASSIGN_OR_RETURN(
      state->audit, audit::AuditLog::open(*state->audit_store, "main", *state->env, options.audit));
  state->policy_store = storage::internal::make_policy_store(*state->database);
  state->access = std::make_unique<access::AccessService>(*state->policy_store, *state->audit,
                                                          *state->env, &state->relationships);
  // The key login codes are MACed with: random per database, kept with it.
  std::array<uint8_t, 32> code_key{};
  state->env->random_bytes(code_key);
  CAIRN_ASSIGN_OR_RETURN(std::string code_key_hex,
                         meta.put_if_absent(kCodeKeyKey, encoding::hex_encode(code_key)));
  crypto::secure_wipe(code_key);
  auto stored_key = encoding::hex_decode(code_key_hex);
  if (!stored_key || stored_key->size() != 32) {
    return fail(ErrorCode::kDataLoss, "STORAGE_CORRUPT", "the engine's login code key is damaged");
  }
  state->auth_store = storage::internal::make_auth_store(*state->database);
  CAIRN_ASSIGN_OR_RETURN(state->auth,
                         auth::AuthService::create(*state->auth_store, *state->audit, *state->env,
                                                   *stored_key, options.auth));
  crypto::secure_wipe(*stored_key);
  state->secrets_store = storage::internal::make_secrets_store(*state->database);
  if (!options.master_key.empty()) {
    CAIRN_ASSIGN_OR_RETURN(secrets::MasterKey master,
                           secrets::MasterKey::parse(options.master_key));
    CAIRN_ASSIGN_OR_RETURN(state->secrets,
                           secrets::SecretsService::create(*state->secrets_store, *state->audit,
                                                           *state->env, std::move(master)));
  }
  state->board_store = storage::internal::make_board_store(*state->database);
  state->board = std::make_unique<board::BoardService>(*state->board_store, *state->env);
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
secrets::SecretsService* Engine::secrets() noexcept { return state_->secrets.get(); }
board::BoardService& Engine::board() noexcept { return *state_->board; }
jobs::Scheduler& Engine::jobs() noexcept { return *state_->jobs; }

const char* version() noexcept { return CAIRN_VERSION_STRING; }

}  // namespace cairn
