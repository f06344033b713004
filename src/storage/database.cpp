#include "cairn/storage/database.hpp"

#include "cairn/core/encoding.hpp"
#include "storage/memory/memory_database.hpp"
#include "storage/sqlite/migrations.hpp"
#include "storage/sqlite/sqlite_database.hpp"

namespace cairn::storage {
namespace {

constexpr std::string_view kMemoryScheme = "memory:";
constexpr std::string_view kSqliteScheme = "sqlite:";

Unexpected<Error> invalid_uri(std::string message) {
  return fail(ErrorCode::kInvalidArgument, "STORAGE_URI_INVALID", std::move(message));
}

}  // namespace

std::string_view backend_name(Backend backend) noexcept {
  switch (backend) {
    case Backend::kMemory:
      return "memory";
    case Backend::kSqlite:
      return "sqlite";
    case Backend::kPostgres:
      return "postgresql";
  }
  return "unknown";
}

Result<Location> parse_uri(std::string_view uri) {
  if (uri.find('\0') != std::string_view::npos) {
    return invalid_uri("database URI contains a NUL byte");
  }
  if (!encoding::is_valid_utf8(uri)) return invalid_uri("database URI is not UTF-8");
  if (uri == kMemoryScheme) return Location{Backend::kMemory, {}};
  if (uri.starts_with(kMemoryScheme)) {
    return invalid_uri("a memory: URI takes nothing after the colon");
  }
  if (uri.starts_with(kSqliteScheme)) {
    std::string_view rest = uri.substr(kSqliteScheme.size());
    if (rest.starts_with("//")) {
      // URL form: sqlite:///abs/path; a host part (sqlite://host/...) means nothing for a file.
      rest.remove_prefix(2);
      if (!rest.starts_with('/')) {
        return invalid_uri("sqlite:// URIs take no host: write sqlite:///absolute/path.db");
      }
    }
    if (rest.empty() || rest.ends_with('/')) {
      return invalid_uri("a sqlite: URI needs a file path, as in sqlite:data/app.db");
    }
    return Location{Backend::kSqlite, std::string(rest)};
  }
  if (uri.starts_with("postgresql://") || uri.starts_with("postgres://")) {
    return Location{Backend::kPostgres, {}};
  }
  return invalid_uri("unknown database URI scheme; use memory:, sqlite:<path> or postgresql://...");
}

int64_t latest_schema_version() noexcept { return sqlite::latest_migration_version(); }

Result<SnapshotInfo> inspect_snapshot(const std::string& path) {
  return sqlite::inspect_snapshot(path);
}

Result<std::shared_ptr<Database>> open(std::string_view uri, const OpenOptions& options) {
  CAIRN_ASSIGN_OR_RETURN(Location location, parse_uri(uri));
  switch (location.backend) {
    case Backend::kMemory:
      return std::shared_ptr<Database>(std::make_shared<memory::MemoryDatabase>(std::string(uri)));
    case Backend::kSqlite: {
      CAIRN_ASSIGN_OR_RETURN(
          auto db, sqlite::SqliteDatabase::open(std::string(uri), location.path, options));
      return std::shared_ptr<Database>(std::move(db));
    }
    case Backend::kPostgres:
      break;
  }
  // The PostgreSQL backend (src/storage/postgres) has its database, pool, migrations and
  // settings, but not yet the domain stores: an engine opened on it would have nowhere durable
  // for secrets, audit or jobs, so it is not offered here until it does.
  return fail(ErrorCode::kUnimplemented, "STORAGE_BACKEND_UNAVAILABLE",
              "the PostgreSQL backend is not complete in this build of cairn (it has no domain "
              "stores yet); use sqlite:<path>");
}

}  // namespace cairn::storage
