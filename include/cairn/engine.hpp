// cairn::Engine: the one façade. Opens every store on one database and hands out the domain
// services.
//
// Example:
//   Result<std::unique_ptr<cairn::Engine>> db = cairn::Engine::open("sqlite:data/app.db");
//   if (!db) {
//     log(db.error().to_string());
//     return fail(db.error());
//   }
//   log((*db)->instance_id());
//
// Each database gets an instance id (32 random hex characters) and a creation time when it is first
// opened; both survive reopening and identify the deployment (for example in exported audit logs).
//
// Keys the engine keeps for itself: the login-code MAC key and the audit log's signing and
// redaction keys. Opened with a master key, the engine keeps one keyring key, "engine.sealing",
// wrapped under the master key (secrets/keyring.hpp), and derives from it with HKDF-SHA256 the
// login-code key (info "cairn.auth.login_codes", never stored) and the audit log's seal key
// (info "cairn.audit.keys", which seals the log's keys in the database). A copy of the database
// without the master key then neither recovers login codes nor re-signs the audit log. Keys left
// in plaintext by an earlier open without a master key are sealed (audit) or deleted (login
// codes: codes pending at that moment stop working) on the first open with one. Opened without
// a master key, those keys are stored in plaintext in the database, as in earlier versions, and a
// database whose audit keys are sealed no longer opens (AUDIT_KEYS_SEALED).
//
// Thread-safety: an Engine is safe for concurrent use from many threads.
// Ownership: open() returns sole ownership; destroying the Engine closes its database. The Env in
// EngineOptions is borrowed and must outlive the Engine.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cairn/access/service.hpp"
#include "cairn/audit/log.hpp"
#include "cairn/auth/service.hpp"
#include "cairn/board/service.hpp"
#include "cairn/core/env.hpp"
#include "cairn/core/result.hpp"
#include "cairn/jobs/scheduler.hpp"
#include "cairn/records/service.hpp"
#include "cairn/secrets/master_key.hpp"
#include "cairn/secrets/service.hpp"
#include "cairn/storage/database.hpp"

namespace cairn {

// How to open an Engine.
struct EngineOptions {
  // Clock and randomness for all domain code. nullptr means Env::system().
  Env* env = nullptr;
  // SQLite: how long a call waits for another connection's lock before UNAVAILABLE / STORAGE_BUSY.
  std::chrono::milliseconds busy_timeout{5000};
  // The audit log's write mode and, for kAsync, its queue size (see audit/log.hpp). With a master
  // key the engine sets audit.seal_key itself (a value given here is replaced).
  audit::LogOptions audit;
  // Password parameters, session timeouts, login-code rules (see auth/service.hpp).
  auth::AuthOptions auth;
  // The secrets master key, parsed where it was read (secrets/master_key.hpp). None:
  // engine.secrets() is FAILED_PRECONDITION / SECRETS_MASTER_KEY_MISSING and the engine's own keys
  // are stored in plaintext. The first engine opened with a key binds the database to it.
  std::optional<secrets::MasterKey> master_key;
  // Leases, polling and the worker name of engine.jobs() (see jobs/scheduler.hpp).
  jobs::SchedulerOptions jobs;
};

class Engine {
 public:
  // Opens the database at `uri` (see storage/database.hpp for the URI forms), migrating it to the
  // latest schema. Errors: INVALID_ARGUMENT / ENGINE_OPTIONS_INVALID (busy_timeout outside
  // 0..2^31-1 ms); FAILED_PRECONDITION /
  // SECRETS_MASTER_KEY_MISMATCH (the database is bound to another master key), AUDIT_KEYS_SEALED
  // (opened without a master key, but the audit log's keys are sealed under one),
  // AUDIT_KEYS_SEAL_MISMATCH (the sealed audit keys do not open with the keyring's key: altered);
  // DATA_LOSS / SECRETS_DECRYPT_FAILED (the stored keyring key was altered); those of
  // storage::open(), audit::AuditLog::open() and auth::AuthService::create().
  static Result<std::unique_ptr<Engine>> open(std::string_view uri,
                                              const EngineOptions& options = {});

  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
  ~Engine();

  // The URI the engine was opened with.
  const std::string& uri() const noexcept;
  // The storage backend behind it.
  storage::Backend backend() const noexcept;
  // The highest schema migration applied to its database.
  int64_t schema_version() const;
  // This database's instance id: 32 lower-case hex characters, fixed when it was created.
  const std::string& instance_id() const noexcept;
  // When this database was created.
  Timestamp created_at() const noexcept;
  // The clock and randomness the engine's services use.
  Env& env() const noexcept;
  // The database itself, for code that adds its own stores.
  storage::Database& database() noexcept;

  // The engine's audit log (named "main"), which every domain service writes to.
  audit::AuditLog& audit() noexcept;

  // Per-tenant access policies and decisions. Its relationships start as relationships(); call
  // access().set_relationships() to use the host application's instead.
  access::AccessService& access() noexcept;
  // The in-memory relationships the access service uses by default.
  access::MemoryRelationships& relationships() noexcept;

  // Users, passwords, sessions, API keys, login codes and rate limits.
  auth::AuthService& auth() noexcept;

  // Organizations, projects, environments, encrypted versioned secrets, ACL rules and service
  // accounts: never null on success. Errors: FAILED_PRECONDITION / SECRETS_MASTER_KEY_MISSING
  // (the engine was opened without a master key).
  //
  // Example:
  //   CAIRN_ASSIGN_OR_RETURN(secrets::SecretsService* s, engine.secrets());
  [[nodiscard]] Result<secrets::SecretsService*> secrets() noexcept;

  // The feedback board: projects, posts, votes, comments, statuses, ranking, search, merging.
  board::BoardService& board() noexcept;

  // JSON records in declared collections: the document store a server keeps its own entities in
  // (see records/service.hpp).
  records::RecordsService& records() noexcept;

  // The persistent task scheduler on this database. Its workers start only when asked
  // (jobs().start()); destroying the Engine stops them first.
  jobs::Scheduler& jobs() noexcept;

 private:
  struct State;
  explicit Engine(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace cairn
