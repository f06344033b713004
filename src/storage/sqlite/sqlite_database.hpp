// The sqlite: backend: one SQLite connection per Database, used by one thread at a time.
//
// Domain stores for SQLite (src/storage/sqlite/<domain>_store.cpp) reach the database only through
// SqliteDatabase::read() and ::write(): read() gives exclusive use of the connection for a group of
// queries; write() also wraps them in BEGIN IMMEDIATE ... COMMIT and rolls back when the callback
// returns an error, so a failed store operation leaves the database exactly as it was.
// Prepared statements are cached per connection, keyed by their SQL text.
//
// Why one connection under a mutex: SQLite serializes writers anyway, and in WAL mode a single
// connection with cached statements is faster than a pool for the short operations stores make.
// A reader pool can be added behind read() without changing any store.
#pragma once

#include <sqlite3.h>

#include <functional>
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

namespace cairn::storage::sqlite {

// The cairn Error for SQLite result code `rc` while `doing` something (for the message).
Error error_from_sqlite(int rc, sqlite3* db, std::string_view doing);

// A prepared statement borrowed from the connection's cache. Destroying it resets the statement
// and clears its bindings, ready for the next user. Bind indexes start at 1, column indexes at 0.
class Statement {
 public:
  // `checked_out`: the cache's in-use flag for `stmt`, cleared on destruction so that the cache
  // can hand the statement out again; nullptr for a statement the Statement owns, which it
  // finalizes on destruction instead.
  Statement(sqlite3_stmt* stmt, sqlite3* db, bool* checked_out)
      : stmt_(stmt), db_(db), checked_out_(checked_out) {}
  Statement(Statement&& other) noexcept
      : stmt_(std::exchange(other.stmt_, nullptr)),
        db_(other.db_),
        checked_out_(std::exchange(other.checked_out_, nullptr)),
        bind_rc_(other.bind_rc_) {}
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, int64_t value);
  Statement& bind_blob(int index, std::span<const uint8_t> bytes);
  Statement& bind_null(int index);
  // The same without a copy: SQLite reads the caller's bytes when the statement runs. REQUIRES:
  // they stay alive and unchanged until the statement is rebound at `index` or destroyed. For
  // bulk writes (an audit batch binds eleven strings per entry, and each copy is an allocation).
  Statement& bind_unowned(int index, std::string_view text);
  Statement& bind_blob_unowned(int index, std::span<const uint8_t> bytes);

  // Advances to the next row: true when a row is ready, false when the statement is done.
  Result<bool> step();
  // Runs the statement to completion, ignoring any rows.
  Status run();
  // Resets the statement to run again with new bindings (earlier bindings are kept until rebound).
  void reset() { sqlite3_reset(stmt_); }

  int64_t column_int64(int index) const;
  std::string column_text(int index) const;
  std::vector<uint8_t> column_blob(int index) const;
  bool column_is_null(int index) const;

 private:
  // `copy`: SQLITE_TRANSIENT (SQLite copies the bytes) or SQLITE_STATIC (it reads the caller's).
  Statement& bind_text(int index, std::string_view text, sqlite3_destructor_type copy);
  Statement& bind_bytes(int index, std::span<const uint8_t> bytes, sqlite3_destructor_type copy);
  void note_bind(int rc) {
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  }
  sqlite3_stmt* stmt_;
  sqlite3* db_;
  bool* checked_out_;  // nullptr: owned, finalized on destruction
  int bind_rc_ = SQLITE_OK;
};

// One open SQLite connection and its statement cache. Not thread-safe: SqliteDatabase serializes
// access to it.
class Connection {
 public:
  // Opens the existing file at `path` (open() in sqlite_database.cpp creates it first).
  static Result<std::unique_ptr<Connection>> open(const std::string& path,
                                                  const OpenOptions& options);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // The cached statement for `sql`, prepared on first use.
  Result<Statement> prepare(std::string_view sql);
  // Runs one or more statements without caching them (schema changes, pragmas).
  Status exec(std::string_view sql);
  // Runs one statement through the cache (prepare() then run()): for statements a connection
  // runs over and over without results, such as BEGIN and COMMIT around every transaction.
  Status run_cached(std::string_view sql);
  // The value of a pragma that answers with one text row.
  Result<std::string> pragma_text(std::string_view pragma);

  // False while a transaction is open on the connection.
  bool in_autocommit() const { return sqlite3_get_autocommit(db_) != 0; }

  // Rows changed by the last INSERT, UPDATE or DELETE.
  int64_t changes() const { return sqlite3_changes64(db_); }

 private:
  // A cached statement and whether a live Statement holds it. The flag, not sqlite3_stmt_busy(),
  // decides whether the statement can be handed out: a statement that has run to completion is
  // not "busy" to SQLite, yet its holder may still read its columns, rebind or rerun it.
  struct CachedStatement {
    sqlite3_stmt* stmt = nullptr;
    bool checked_out = false;
  };
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  // Node-based: the address of each entry's flag is stable while Statements point at it.
  // Looked up by the caller's string_view, so a cache hit allocates nothing.
  struct SqlHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view sql) const noexcept {
      return std::hash<std::string_view>{}(sql);
    }
  };
  std::unordered_map<std::string, CachedStatement, SqlHash, std::equal_to<>> cache_;
};

class SqliteMetaStore;

// storage::inspect_snapshot() for an SQLite file (see database.hpp).
Result<SnapshotInfo> inspect_snapshot(const std::string& path);

class SqliteDatabase final : public Database {
 public:
  // Opens or creates the database file at `path` and migrates it (see database.hpp).
  static Result<std::shared_ptr<SqliteDatabase>> open(std::string uri, const std::string& path,
                                                      const OpenOptions& options);
  ~SqliteDatabase() override;

  int64_t schema_version() const override { return schema_version_; }
  MetaStore& meta() override;
  // VACUUM INTO on a second connection (see database.hpp).
  Status snapshot_to(const std::string& path) override;

  // Runs f(Connection&) with exclusive use of the connection and returns what f returns.
  template <class F>
  auto read(F&& f) -> std::invoke_result_t<F&, Connection&> {
    std::lock_guard lock(mu_);
    return f(*connection_);
  }

  // Runs f(Connection&) -> Result<T> or Status in one read transaction (a deferred BEGIN ...
  // COMMIT), so that all of f's statements see the same committed state while other processes
  // write: for reads that take several statements.
  template <class F>
  auto snapshot(F&& f) -> std::invoke_result_t<F&, Connection&> {
    std::lock_guard lock(mu_);
    if (!connection_->in_autocommit()) (void)connection_->exec("ROLLBACK");
    CAIRN_TRY(connection_->run_cached("BEGIN"));
    RollbackGuard guard{connection_.get()};
    auto result = f(*connection_);
    if (!result) return result;
    CAIRN_TRY(connection_->run_cached("COMMIT"));
    guard.connection = nullptr;
    return result;
  }

  // Runs f(Connection&) -> Result<T> or Status in one IMMEDIATE transaction: committed when f
  // succeeds, rolled back when f fails or throws.
  template <class F>
  auto write(F&& f) -> std::invoke_result_t<F&, Connection&> {
    std::lock_guard lock(mu_);
    // A failed ROLLBACK can leave a transaction open; end it rather than fail every later write.
    if (!connection_->in_autocommit()) (void)connection_->exec("ROLLBACK");
    CAIRN_TRY(connection_->run_cached("BEGIN IMMEDIATE"));
    RollbackGuard guard{connection_.get()};
    auto result = f(*connection_);
    if (!result) return result;
    CAIRN_TRY(connection_->run_cached("COMMIT"));
    guard.connection = nullptr;
    return result;
  }

 private:
  struct RollbackGuard {
    Connection* connection;
    ~RollbackGuard() {
      if (connection != nullptr) (void)connection->exec("ROLLBACK");
    }
  };

  SqliteDatabase(std::string uri, std::string path, OpenOptions options,
                 std::unique_ptr<Connection> connection, int64_t schema_version);

  std::string path_;  // the database file, for the snapshot connection
  OpenOptions options_;
  std::mutex mu_;
  std::unique_ptr<Connection> connection_;
  int64_t schema_version_;
  std::unique_ptr<SqliteMetaStore> meta_;
};

}  // namespace cairn::storage::sqlite
