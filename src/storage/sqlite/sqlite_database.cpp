#include "storage/sqlite/sqlite_database.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "cairn/core/encoding.hpp"
#include "cairn/core/env.hpp"
#include "core/internal/private_files.hpp"
#include "storage/sqlite/meta_store.hpp"
#include "storage/sqlite/migrations.hpp"

namespace cairn::storage::sqlite {
namespace {

Unexpected<Error> open_failed(const std::string& what, int err) {
  return fail(ErrorCode::kUnavailable, "STORAGE_OPEN_FAILED",
              what + ": " + std::system_category().message(err));
}

// Database files hold secrets, so cairn never creates a directory others can list.
Status create_private_directories(const std::filesystem::path& dir) {
  int err = internal::make_private_directories(dir);
  if (err == ENOTDIR) {
    return fail(ErrorCode::kUnavailable, "STORAGE_OPEN_FAILED", "not a directory: " + dir.string());
  }
  if (err != 0) return open_failed("cannot create directory " + dir.string(), err);
  return ok_status();
}

// Creates the database file with mode 0600 when it does not exist yet. SQLite gives its -wal and
// -shm files the mode of the main file, so they are private too.
Status create_private_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    return ok_status();
  }
  if (errno == EEXIST) return ok_status();
  return open_failed("cannot create database file " + path, errno);
}

}  // namespace

Error error_from_sqlite(int rc, sqlite3* db, std::string_view doing) {
  std::string message = "sqlite: " + std::string(doing) + ": " +
                        (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return {ErrorCode::kUnavailable, "STORAGE_BUSY", std::move(message)};
    case SQLITE_CORRUPT:
      return {ErrorCode::kDataLoss, "STORAGE_CORRUPT", std::move(message)};
    case SQLITE_NOTADB:
      return {ErrorCode::kFailedPrecondition, "STORAGE_NOT_A_DATABASE", std::move(message)};
    case SQLITE_FULL:
      return {ErrorCode::kResourceExhausted, "STORAGE_FULL", std::move(message)};
    case SQLITE_READONLY:
      return {ErrorCode::kFailedPrecondition, "STORAGE_READ_ONLY", std::move(message)};
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
      return {ErrorCode::kUnavailable, "STORAGE_OPEN_FAILED", std::move(message)};
    case SQLITE_IOERR:
      return {ErrorCode::kUnavailable, "STORAGE_IO_ERROR", std::move(message)};
    case SQLITE_TOOBIG:
      return {ErrorCode::kInvalidArgument, "STORAGE_VALUE_TOO_BIG", std::move(message)};
    case SQLITE_CONSTRAINT:
      return {ErrorCode::kFailedPrecondition, "STORAGE_CONSTRAINT", std::move(message)};
    case SQLITE_ERROR:
      // A file with SQLite's magic but format fields SQLite cannot read (schema format, file
      // format versions) fails the schema load with this generic code and this fixed message
      // (sqlite3InitOne); it is a damaged or foreign file, not an error of ours.
      if (db != nullptr && std::string_view(sqlite3_errmsg(db)) == "unsupported file format") {
        return {ErrorCode::kDataLoss, "STORAGE_CORRUPT", std::move(message)};
      }
      return {ErrorCode::kInternal, "STORAGE_ERROR", std::move(message)};
    default:
      return {ErrorCode::kInternal, "STORAGE_ERROR", std::move(message)};
  }
}

// Statement

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  if (checked_out_ == nullptr) {
    sqlite3_finalize(stmt_);
    return;
  }
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  *checked_out_ = false;
}

Statement& Statement::bind(int index, std::string_view text) {
  return bind_text(index, text, SQLITE_TRANSIENT);
}

Statement& Statement::bind(int index, int64_t value) {
  note_bind(sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

Statement& Statement::bind_blob(int index, std::span<const uint8_t> bytes) {
  return bind_bytes(index, bytes, SQLITE_TRANSIENT);
}

Statement& Statement::bind_unowned(int index, std::string_view text) {
  return bind_text(index, text, SQLITE_STATIC);
}

Statement& Statement::bind_blob_unowned(int index, std::span<const uint8_t> bytes) {
  return bind_bytes(index, bytes, SQLITE_STATIC);
}

Statement& Statement::bind_text(int index, std::string_view text, sqlite3_destructor_type copy) {
  note_bind(sqlite3_bind_text64(stmt_, index, text.data(), text.size(), copy, SQLITE_UTF8));
  return *this;
}

Statement& Statement::bind_bytes(int index, std::span<const uint8_t> bytes,
                                 sqlite3_destructor_type copy) {
  // A zero-length blob must still be a blob, not NULL: bind_zeroblob keeps that distinction.
  note_bind(bytes.empty() ? sqlite3_bind_zeroblob(stmt_, index, 0)
                          : sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), copy));
  return *this;
}

Statement& Statement::bind_null(int index) {
  note_bind(sqlite3_bind_null(stmt_, index));
  return *this;
}

Result<bool> Statement::step() {
  if (bind_rc_ != SQLITE_OK) return fail(error_from_sqlite(bind_rc_, db_, "binding a parameter"));
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return fail(error_from_sqlite(rc, db_, "running a statement"));
}

Status Statement::run() {
  while (true) {
    CAIRN_ASSIGN_OR_RETURN(bool row, step());
    if (!row) return ok_status();
  }
}

int64_t Statement::column_int64(int index) const { return sqlite3_column_int64(stmt_, index); }

std::string Statement::column_text(int index) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
  int size = sqlite3_column_bytes(stmt_, index);
  return text != nullptr ? std::string(text, static_cast<size_t>(size)) : std::string();
}

std::vector<uint8_t> Statement::column_blob(int index) const {
  const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, index));
  int size = sqlite3_column_bytes(stmt_, index);
  return data != nullptr ? std::vector<uint8_t>(data, data + size) : std::vector<uint8_t>();
}

bool Statement::column_is_null(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

// Connection

Result<std::unique_ptr<Connection>> Connection::open(const std::string& path,
                                                     const OpenOptions& options) {
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE, nullptr);
  if (rc != SQLITE_OK) {
    Error error = error_from_sqlite(rc, db, "opening " + path);
    sqlite3_close_v2(db);
    return fail(std::move(error));
  }
  std::unique_ptr<Connection> connection(new Connection(db));
  sqlite3_busy_timeout(db, static_cast<int>(options.busy_timeout.count()));
  // Per connection, never stored in the file: must be set on every open. The page cache (64 MiB,
  // the default is 2 MiB) keeps the B-trees a batch touches in memory: with the default, a
  // 1000-entry audit batch spills and re-reads pages and runs at a quarter of the speed.
  CAIRN_TRY(connection->exec(
      "PRAGMA foreign_keys = ON; PRAGMA trusted_schema = OFF; PRAGMA cache_size = -65536;"));
  return connection;
}

Connection::~Connection() {
  for (auto& [sql, cached] : cache_) sqlite3_finalize(cached.stmt);
  sqlite3_close_v2(db_);
}

Result<Statement> Connection::prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end() && !it->second.checked_out) {
    it->second.checked_out = true;
    return Statement(it->second.stmt, db_, &it->second.checked_out);
  }
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return fail(error_from_sqlite(rc, db_, "preparing a statement"));
  // The cached copy is held further up the stack (a nested use of the same SQL, running or done):
  // this one gets its own statement, finalized after use, so neither rebinds, resets or clears
  // the other's statement.
  if (it != cache_.end()) return Statement(stmt, db_, nullptr);
  auto inserted = cache_.emplace(std::string(sql), CachedStatement{stmt, true}).first;
  return Statement(stmt, db_, &inserted->second.checked_out);
}

Status Connection::run_cached(std::string_view sql) {
  CAIRN_ASSIGN_OR_RETURN(Statement statement, prepare(sql));
  return statement.run();
}

Status Connection::exec(std::string_view sql) {
  std::string text(sql);
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return fail(error_from_sqlite(rc, db_, "executing SQL"));
  return ok_status();
}

Result<std::string> Connection::pragma_text(std::string_view pragma) {
  std::string sql = "PRAGMA " + std::string(pragma);
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr);
  if (rc != SQLITE_OK) return fail(error_from_sqlite(rc, db_, "preparing a pragma"));
  rc = sqlite3_step(stmt);
  std::string value;
  if (rc == SQLITE_ROW) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    if (text != nullptr) value = text;
    rc = SQLITE_OK;
  } else if (rc == SQLITE_DONE) {
    rc = SQLITE_OK;
  }
  // A failed step leaves its error on the connection; read it before finalize can replace it.
  Error error = rc != SQLITE_OK ? error_from_sqlite(rc, db_, "running a pragma") : Error{};
  sqlite3_finalize(stmt);
  if (rc != SQLITE_OK) return fail(std::move(error));
  return value;
}

// SqliteDatabase

SqliteDatabase::SqliteDatabase(std::string uri, std::string path, OpenOptions options,
                               std::unique_ptr<Connection> connection, int64_t schema_version)
    : Database(Backend::kSqlite, std::move(uri)),
      path_(std::move(path)),
      options_(options),
      connection_(std::move(connection)),
      schema_version_(schema_version),
      meta_(std::make_unique<SqliteMetaStore>(*this)) {}

SqliteDatabase::~SqliteDatabase() = default;

MetaStore& SqliteDatabase::meta() { return *meta_; }

Result<std::shared_ptr<SqliteDatabase>> SqliteDatabase::open(std::string uri,
                                                             const std::string& path,
                                                             const OpenOptions& options) {
  CAIRN_TRY(create_private_directories(std::filesystem::path(path).parent_path()));
  CAIRN_TRY(create_private_file(path));
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection, Connection::open(path, options));

  // Refuse someone else's database, or a newer schema, before changing anything, even the
  // journal mode.
  CAIRN_TRY(check_application(*connection));
  CAIRN_ASSIGN_OR_RETURN(int64_t applied, applied_version(*connection));
  if (applied > latest_migration_version()) {
    return fail(ErrorCode::kFailedPrecondition, "STORAGE_SCHEMA_TOO_NEW",
                "the database schema is at version " + std::to_string(applied) +
                    " but this build of cairn knows only up to " +
                    std::to_string(latest_migration_version()) + "; upgrade cairn");
  }

  CAIRN_ASSIGN_OR_RETURN(std::string journal, connection->pragma_text("journal_mode = WAL"));
  if (journal != "wal") {
    return fail(ErrorCode::kFailedPrecondition, "STORAGE_WAL_UNAVAILABLE",
                "SQLite could not switch " + path + " to WAL mode (it reports '" + journal + "')");
  }
  // FULL: a committed transaction survives a power loss, not only a crash of the process.
  CAIRN_TRY(connection->exec("PRAGMA synchronous = FULL"));
  CAIRN_ASSIGN_OR_RETURN(int64_t version, migrate(*connection));
  return std::shared_ptr<SqliteDatabase>(
      new SqliteDatabase(std::move(uri), path, options, std::move(connection), version));
}

// Snapshots
//
// snapshot_to() never writes `path` until the copy is whole and on disk: VACUUM INTO fills a
// temporary file next to it (created 0600 first: VACUUM INTO accepts an empty file and would
// otherwise create one with the umask's mode), the copy is switched to a rollback journal so it
// is one self-contained file, fsynced, then renamed into place and the directory fsynced.
// VACUUM INTO runs on a connection of its own inside one read transaction: WAL lets the
// database's own connection go on writing meanwhile, and the copy sees one committed state.

namespace {

Unexpected<Error> snapshot_failed(const std::string& what, int err) {
  return fail(ErrorCode::kUnavailable, "STORAGE_SNAPSHOT_FAILED",
              what + ": " + std::system_category().message(err));
}

Unexpected<Error> snapshot_path_invalid(std::string message) {
  return fail(ErrorCode::kInvalidArgument, "STORAGE_SNAPSHOT_PATH_INVALID", std::move(message));
}

// Refuses a target that would overwrite the live database or cannot be a file.
Status check_snapshot_target(const std::string& target, const std::string& database) {
  if (target.empty()) return snapshot_path_invalid("a snapshot needs a file path");
  if (target.find('\0') != std::string::npos) {
    return snapshot_path_invalid("the snapshot path contains a NUL byte");
  }
  std::error_code ec;
  if (std::filesystem::is_directory(target, ec)) {
    return snapshot_path_invalid("the snapshot path is a directory: " + target);
  }
  auto canonical_target = std::filesystem::weakly_canonical(target, ec);
  if (ec) return snapshot_failed("cannot resolve " + target, ec.value());
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    auto own = std::filesystem::weakly_canonical(database + suffix, ec);
    if (!ec && own == canonical_target) {
      return snapshot_path_invalid("a snapshot cannot replace the database's own files");
    }
  }
  return ok_status();
}

// fsyncs the file or directory at `path`.
Status sync_path(const std::string& path, bool directory) {
  int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return snapshot_failed("cannot open " + path, errno);
  if (::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    return snapshot_failed("cannot sync " + path, err);
  }
  ::close(fd);
  return ok_status();
}

// Removes a temporary file (and any companion SQLite made for it) unless released.
class TempFile {
 public:
  explicit TempFile(std::string path) : path_(std::move(path)) {}
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (path_.empty()) return;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      ::unlink((path_ + suffix).c_str());
    }
  }
  const std::string& path() const { return path_; }
  void release() { path_.clear(); }

 private:
  std::string path_;
};

}  // namespace

Status SqliteDatabase::snapshot_to(const std::string& path) {
  CAIRN_TRY(check_snapshot_target(path, path_));
  std::filesystem::path target(path);
  std::string dir = target.has_parent_path() ? target.parent_path().string() : ".";
  Bytes nonce(8);
  Env::system().random_bytes(nonce);
  TempFile tmp(path + "." + encoding::hex_encode(nonce) + ".tmp");
  int fd = ::open(tmp.path().c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) return snapshot_failed("cannot create " + tmp.path(), errno);
  ::close(fd);
  {
    CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<Connection> source, Connection::open(path_, options_));
    CAIRN_ASSIGN_OR_RETURN(Statement vacuum, source->prepare("VACUUM INTO ?1"));
    vacuum.bind(1, tmp.path());
    CAIRN_TRY(vacuum.run());
  }
  {
    // One self-contained file: no -wal needed to read it, whatever mode VACUUM INTO left.
    CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<Connection> copy, Connection::open(tmp.path(), {}));
    CAIRN_ASSIGN_OR_RETURN(std::string journal, copy->pragma_text("journal_mode = DELETE"));
    if (journal != "delete") {
      return fail(ErrorCode::kUnavailable, "STORAGE_SNAPSHOT_FAILED",
                  "cannot take the snapshot out of WAL mode (SQLite reports '" + journal + "')");
    }
  }
  CAIRN_TRY(sync_path(tmp.path(), false));
  if (::rename(tmp.path().c_str(), path.c_str()) != 0) {
    return snapshot_failed("cannot rename the snapshot to " + path, errno);
  }
  tmp.release();
  return sync_path(dir, true);
}

Result<SnapshotInfo> inspect_snapshot(const std::string& path) {
  {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return open_failed("cannot open " + path, errno);
    char header[16] = {};
    ssize_t n = ::read(fd, header, sizeof header);
    ::close(fd);
    if (n != static_cast<ssize_t>(sizeof header) ||
        std::memcmp(header, "SQLite format 3\0", sizeof header) != 0) {
      return fail(ErrorCode::kFailedPrecondition, "STORAGE_NOT_A_DATABASE",
                  path + " is not an SQLite database");
    }
  }
  // Reads only. A read-write connection all the same, so that a file left in WAL mode opens too.
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<Connection> c, Connection::open(path, {}));
  CAIRN_TRY(check_application(*c));
  Result<std::string> integrity = c->pragma_text("integrity_check");
  if (!integrity) return fail(integrity.error());
  if (*integrity != "ok") {
    return fail(ErrorCode::kDataLoss, "STORAGE_CORRUPT", path + " fails SQLite's integrity check");
  }
  SnapshotInfo info;
  CAIRN_ASSIGN_OR_RETURN(info.schema_version, applied_version(*c));
  if (info.schema_version <= 0) {
    return fail(ErrorCode::kFailedPrecondition, "STORAGE_NOT_CAIRN_DATABASE",
                path + " holds no cairn schema");
  }
  CAIRN_ASSIGN_OR_RETURN(Statement meta, c->prepare("SELECT value FROM cairn_meta WHERE key = ?1"));
  meta.bind(1, kInstanceIdKey);
  CAIRN_ASSIGN_OR_RETURN(bool row, meta.step());
  if (row) info.instance_id = meta.column_text(0);
  return info;
}

}  // namespace cairn::storage::sqlite
