// Forward-only schema migrations for the sqlite: backend, compiled into the binary.
//
// Each migration has a number one higher than the last and runs in its own transaction together
// with the row recording it in schema_migrations (version, name, applied_at), so a crash leaves
// the schema at a whole migration. A new domain store appends its migrations to the list in
// migrations.cpp; a migration, once released, never changes.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "cairn/core/result.hpp"

namespace cairn::storage::sqlite {

class Connection;

struct Migration {
  int64_t version;
  std::string_view name;
  std::string_view sql;
};

// Every migration, in order.
std::span<const Migration> migrations() noexcept;

// The version of the last migration.
int64_t latest_migration_version() noexcept;

// The SQLite application_id cairn stamps into its database files ('carn').
inline constexpr int64_t kApplicationId = 1667330670;

// Refuses a database that is not cairn's: a non-empty file without cairn's application_id.
// Reads only. Errors: FAILED_PRECONDITION / STORAGE_NOT_CAIRN_DATABASE.
Status check_application(Connection& connection);

// The highest migration recorded in the database on `connection` (0 for a new database). Reads
// only. Errors: FAILED_PRECONDITION / STORAGE_NOT_A_DATABASE, DATA_LOSS / STORAGE_CORRUPT.
Result<int64_t> applied_version(Connection& connection);

// Applies every migration newer than the database's. Errors: FAILED_PRECONDITION /
// STORAGE_SCHEMA_TOO_NEW when the database is newer than this binary; storage errors.
Result<int64_t> migrate(Connection& connection);

}  // namespace cairn::storage::sqlite
