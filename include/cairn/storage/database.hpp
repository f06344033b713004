// cairn::storage: opening a database by URI, and the handle every domain store is built on.
//
// URIs (the backend is chosen by scheme, the way SQLite chooses a VFS by name):
//   memory:                  a fresh private in-memory database; gone when closed
//   sqlite:/abs/file.db      an SQLite file; sqlite:rel/file.db is relative to the working
//   sqlite:///abs/file.db    directory; missing parent directories are created (mode 0700) and a
//                            new file is created with mode 0600
//   postgresql://...         PostgreSQL: not offered yet (UNIMPLEMENTED /
//                            STORAGE_BACKEND_UNAVAILABLE): the backend is being built
//                            (src/storage/postgres, docs/storage.md) and has no domain stores
//
// SQLite databases run in WAL mode with foreign_keys=ON, a busy timeout and synchronous=FULL (an
// acknowledged write survives a crash of the process or the machine). Their schema is built by
// forward-only migrations compiled into the binary and recorded in the table schema_migrations;
// a database migrated by a newer cairn is refused (FAILED_PRECONDITION / STORAGE_SCHEMA_TOO_NEW)
// before anything in it is changed.
//
// Snapshots: Database::snapshot_to() writes a consistent copy of a whole database to a new file
// (SQLite's VACUUM INTO, on a connection of its own, so the database keeps serving reads and
// writes meanwhile), and inspect_snapshot() checks such a file and reports what it is without
// opening it as a Database: servers back up and restore without linking SQLite or reading cairn's
// tables themselves.
//
// Thread-safety: a Database and the stores it hands out are safe for concurrent use.
// Ownership: open() returns shared ownership; stores borrowed from a Database live as long as it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "cairn/core/result.hpp"
#include "cairn/storage/meta_store.hpp"

namespace cairn::storage {

// The storage backends cairn knows of.
enum class Backend { kMemory, kSqlite, kPostgres };

// "memory", "sqlite" or "postgresql".
std::string_view backend_name(Backend backend) noexcept;

// A parsed database URI.
struct Location {
  Backend backend = Backend::kMemory;
  std::string path;  // SQLite: the file path as given (relative or absolute); empty otherwise
};

// Parses `uri` without touching anything. Errors: INVALID_ARGUMENT / STORAGE_URI_INVALID for an
// unknown scheme, an empty path, a URL with a host, or a NUL byte.
Result<Location> parse_uri(std::string_view uri);

// How to open a database.
struct OpenOptions {
  // How long an SQLite call waits for a lock held by another connection before failing with
  // UNAVAILABLE / STORAGE_BUSY.
  std::chrono::milliseconds busy_timeout{5000};
};

// The highest schema migration this build of cairn knows.
int64_t latest_schema_version() noexcept;

// An open database: the storage behind one Engine.
class Database {
 public:
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  virtual ~Database() = default;

  // Which backend this is.
  Backend backend() const noexcept { return backend_; }
  // The URI it was opened with.
  const std::string& uri() const noexcept { return uri_; }
  // The highest schema migration applied to this database (latest_schema_version() after open).
  virtual int64_t schema_version() const = 0;
  // The engine's own settings in this database.
  virtual MetaStore& meta() = 0;

  // Writes a consistent snapshot of the whole database (every committed transaction up to one
  // moment, none after) to the file `path`, as a standalone SQLite database file (rollback
  // journal, no -wal companion) that storage::open() and inspect_snapshot() accept. Atomic and
  // durable: the snapshot is written to a temporary file in the same directory (<path>.<16 hex
  // digits>.tmp, for a sweep after a crash to find), created 0600,
  // fsynced, renamed over `path` (replacing a file there) and the directory fsynced; on failure
  // `path` is untouched and the temporary file removed. The directory must exist. Other callers
  // keep reading and writing meanwhile (the copy runs on a connection of its own, in one read
  // transaction). Errors: INVALID_ARGUMENT / STORAGE_SNAPSHOT_PATH_INVALID (empty, a NUL byte, a
  // directory, or the database's own file or one of its companions); UNIMPLEMENTED /
  // STORAGE_SNAPSHOT_UNSUPPORTED (memory: has no file form: use sqlite: to take snapshots);
  // UNAVAILABLE / STORAGE_SNAPSHOT_FAILED (the file cannot be created, written, synced or
  // renamed); storage errors (STORAGE_BUSY, STORAGE_FULL, ...).
  virtual Status snapshot_to(const std::string& path) = 0;

 protected:
  Database(Backend backend, std::string uri) : backend_(backend), uri_(std::move(uri)) {}

 private:
  Backend backend_;
  std::string uri_;
};

// What inspect_snapshot() found in a database file.
struct SnapshotInfo {
  int64_t schema_version = 0;  // the highest migration applied (1 .. latest_schema_version())
  std::string instance_id;     // the Engine's instance id (meta key kInstanceIdKey); "" if none
};

// Checks that the SQLite file at `path` (a snapshot_to() output, or a database file not open
// elsewhere) is an intact cairn database: SQLite's header, cairn's application id, PRAGMA
// integrity_check, at least one applied migration; then reports its schema version and instance
// id. Runs only reads and migrates nothing, so a snapshot can be checked before it is installed.
// A schema newer than this build is reported, not refused (storage::open() refuses it).
// Errors: UNAVAILABLE / STORAGE_OPEN_FAILED (missing, unreadable); FAILED_PRECONDITION /
// STORAGE_NOT_A_DATABASE (not an SQLite file), STORAGE_NOT_CAIRN_DATABASE (another
// application's, or no cairn schema); DATA_LOSS / STORAGE_CORRUPT (fails its integrity check).
Result<SnapshotInfo> inspect_snapshot(const std::string& path);

// Opens (creating if missing, and migrating to the latest schema) the database at `uri`.
// Errors: INVALID_ARGUMENT / STORAGE_URI_INVALID; UNIMPLEMENTED / STORAGE_BACKEND_UNAVAILABLE;
// FAILED_PRECONDITION / STORAGE_SCHEMA_TOO_NEW or STORAGE_NOT_A_DATABASE; UNAVAILABLE /
// STORAGE_OPEN_FAILED or STORAGE_BUSY; DATA_LOSS / STORAGE_CORRUPT.
Result<std::shared_ptr<Database>> open(std::string_view uri, const OpenOptions& options = {});

}  // namespace cairn::storage
