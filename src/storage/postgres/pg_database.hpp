// The postgresql:// backend (libpq): a pool of connections shared by every store of a Database.
//
// Domain stores for PostgreSQL (src/storage/postgres/<domain>_store.cpp) reach the database only
// through PgDatabase::read() and ::write(), as the SQLite stores do through theirs: read() lends
// a pooled connection in autocommit mode for a group of queries; write() wraps them in BEGIN ...
// COMMIT, rolls back when the callback returns an error, and runs the whole callback again when
// PostgreSQL aborts the transaction for a serialization failure or a deadlock (SQLSTATE 40001,
// 40P01), at most kMaxAttempts times, then fails with ABORTED / STORAGE_CONFLICT. Where SQLite
// relied on BEGIN IMMEDIATE (one writer at a time), a PostgreSQL store takes the row locks it
// needs explicitly (SELECT ... FOR UPDATE, or an advisory transaction lock).
//
// Statements are prepared once per connection, the first time a connection runs them, named by
// their position in the connection's cache. Parameters go as text, or as binary for bytea; rows
// come back as text (bytea in PostgreSQL's hex form, which Rows::bytes() decodes).
//
// The pool opens connections as callers need them, up to kMaxConnections, and keeps them open;
// a caller that finds every connection lent waits for one. A connection that broke (the server
// restarted, the network dropped) is closed instead of going back to the pool.
//
// Schema: the tables live in the first schema of the connection's search_path (the URI may set
// it: ?options=-csearch_path%3Dname), created if missing. Migrations are forward-only and run
// under an advisory lock keyed by that schema, so processes opening a new database at the same
// time apply each migration once. The password of the URI never appears in an error, a log line
// or Database::uri() (which holds the URI with its password replaced by "***").
//
// Status: the database, its pool, its migrations and its MetaStore are complete; the domain
// stores are not there yet, so Engine::open() refuses postgresql:// (docs/storage.md).
#pragma once

#include <libpq-fe.h>

#include <condition_variable>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cairn/storage/database.hpp"

namespace cairn::storage::postgres {

// The URI with any password (user:password@ or password=...) replaced by "***".
std::string redacted_uri(std::string_view uri);

// The cairn Error for a failed libpq call while `doing` something (for the message): from the
// result's SQLSTATE when there is a result, else from the connection's state.
Error error_from_pg(const PGresult* result, PGconn* conn, std::string_view doing);

// One query parameter: text, bytes (sent in binary, for bytea columns) or NULL. libpq reads a
// text parameter up to its NUL and ignores the length it is given, so text is copied here, with
// its NUL; bytes are borrowed (binary parameters go by length) and must outlive the query.
class Param {
 public:
  static Param text(std::string_view value) {
    Param p;
    p.text_.assign(value);
    return p;
  }
  static Param bytes(std::span<const uint8_t> value) {
    Param p;
    p.bytes_ = value;
    p.format_ = 1;
    return p;
  }
  static Param null() {
    Param p;
    p.null_ = true;
    return p;
  }

  const char* data() const {
    if (null_) return nullptr;
    return format_ == 1 ? reinterpret_cast<const char*>(bytes_.data()) : text_.c_str();
  }
  int length() const { return static_cast<int>(format_ == 1 ? bytes_.size() : text_.size()); }
  int format() const { return format_; }

 private:
  Param() = default;
  std::string text_;
  std::span<const uint8_t> bytes_;
  int format_ = 0;
  bool null_ = false;
};

// The rows of a query's result, in text form. Owns the libpq result.
class Rows {
 public:
  explicit Rows(PGresult* result) : result_(result, &PQclear) {}

  int size() const { return PQntuples(result_.get()); }
  bool is_null(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
  std::string text(int row, int column) const;
  int64_t int64(int row, int column) const;
  // A bytea column (PostgreSQL's hex output, \x...), decoded.
  std::vector<uint8_t> bytes(int row, int column) const;
  // Rows inserted, updated or deleted by the statement.
  int64_t affected() const;
  // The libpq result itself.
  const PGresult* get() const { return result_.get(); }

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> result_;
};

// One libpq connection and its prepared statements. Not thread-safe: the pool lends it to one
// caller at a time.
class Connection {
 public:
  // Connects with `conninfo` (a postgresql:// URI or key=value pairs). Errors: UNAVAILABLE /
  // STORAGE_OPEN_FAILED (the server cannot be reached, or refuses the login).
  static Result<std::unique_ptr<Connection>> connect(const std::string& conninfo);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Runs `sql` (placeholders $1, $2, ...) with `params`, preparing it on this connection the
  // first time it runs here.
  Result<Rows> query(std::string_view sql, std::initializer_list<Param> params = {});
  // Runs one or more statements without parameters and without preparing them (schema changes,
  // BEGIN and COMMIT).
  Status exec(std::string_view sql);
  // `name` quoted as an SQL identifier.
  Result<std::string> quote_identifier(std::string_view name);
  // Whether the connection is still usable.
  bool healthy() const { return PQstatus(conn_) == CONNECTION_OK; }

 private:
  explicit Connection(PGconn* conn) : conn_(conn) {}
  PGconn* conn_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL text -> statement name
};

class PgMetaStore;

class PgDatabase final : public Database {
 public:
  static constexpr std::size_t kMaxConnections = 16;
  static constexpr int kMaxAttempts = 5;

  // Connects to `uri`, creates the schema if missing and migrates it (see database.hpp).
  static Result<std::shared_ptr<PgDatabase>> open(std::string uri, const OpenOptions& options);
  ~PgDatabase() override;

  int64_t schema_version() const override { return schema_version_; }
  MetaStore& meta() override;
  // A PostgreSQL database is backed up with pg_dump (docs/storage.md): UNIMPLEMENTED /
  // STORAGE_SNAPSHOT_UNSUPPORTED.
  Status snapshot_to(const std::string& path) override;

  // Runs f(Connection&) on a pooled connection in autocommit mode and returns what f returns.
  template <class F>
  auto read(F&& f) -> std::invoke_result_t<F&, Connection&> {
    CAIRN_ASSIGN_OR_RETURN(Lease lease, acquire());
    return f(*lease.connection);
  }

  // Runs f(Connection&) -> Result<T> or Status in one transaction: committed when f succeeds,
  // rolled back when it fails, and run again (at most kMaxAttempts times in all) when PostgreSQL
  // aborts it for a serialization failure or a deadlock.
  template <class F>
  auto write(F&& f) -> std::invoke_result_t<F&, Connection&> {
    for (int attempt = 1;; ++attempt) {
      CAIRN_ASSIGN_OR_RETURN(Lease lease, acquire());
      Connection& c = *lease.connection;
      CAIRN_TRY(c.exec("BEGIN"));
      auto result = f(c);
      Error error;
      if (result) {
        Status committed = c.exec("COMMIT");
        if (committed) return result;
        error = std::move(committed).error();
      } else {
        error = result.error();
      }
      (void)c.exec("ROLLBACK");
      if (error.reason != "STORAGE_CONFLICT" || attempt >= kMaxAttempts) return fail(error);
    }
  }

 private:
  // A connection lent by the pool, given back when the lease ends.
  struct Lease {
    Lease(PgDatabase* db, std::unique_ptr<Connection> c) : owner(db), connection(std::move(c)) {}
    Lease(Lease&& other) noexcept
        : owner(std::exchange(other.owner, nullptr)), connection(std::move(other.connection)) {}
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();
    PgDatabase* owner;
    std::unique_ptr<Connection> connection;
  };

  PgDatabase(std::string redacted, std::string conninfo);
  Result<Lease> acquire();
  void give_back(std::unique_ptr<Connection> c);
  Status migrate();

  std::string conninfo_;  // the URI as given (with its password): never in errors or logs
  std::mutex mu_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t open_ = 0;  // connections open, lent or idle
  int64_t schema_version_ = 0;
  std::unique_ptr<PgMetaStore> meta_;
};

// The migrations this build applies to a PostgreSQL database, and the highest of them.
int64_t latest_migration_version() noexcept;

}  // namespace cairn::storage::postgres
