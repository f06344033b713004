#include "storage/internal/stores.hpp"

#include "storage/memory/audit_store.hpp"
#include "storage/memory/auth_store.hpp"
#include "storage/memory/board_store.hpp"
#include "storage/memory/jobs_store.hpp"
#include "storage/memory/policy_store.hpp"
#include "storage/memory/records_store.hpp"
#include "storage/memory/secrets_store.hpp"
#include "storage/sqlite/audit_store.hpp"
#include "storage/sqlite/auth_store.hpp"
#include "storage/sqlite/board_store.hpp"
#include "storage/sqlite/jobs_store.hpp"
#include "storage/sqlite/policy_store.hpp"
#include "storage/sqlite/records_store.hpp"
#include "storage/sqlite/secrets_store.hpp"
#include "storage/sqlite/sqlite_database.hpp"

namespace cairn::storage::internal {

std::unique_ptr<audit::AuditStore> make_audit_store(Database& db) {
  if (db.backend() == Backend::kSqlite) {
    return std::make_unique<sqlite::SqliteAuditStore>(static_cast<sqlite::SqliteDatabase&>(db));
  }
  return std::make_unique<memory::MemoryAuditStore>();
}

std::unique_ptr<access::PolicyStore> make_policy_store(Database& db) {
  if (db.backend() == Backend::kSqlite) {
    return std::make_unique<sqlite::SqlitePolicyStore>(static_cast<sqlite::SqliteDatabase&>(db));
  }
  return std::make_unique<memory::MemoryPolicyStore>();
}

std::unique_ptr<auth::AuthStore> make_auth_store(Database& db) {
  if (db.backend() == Backend::kSqlite) {
    return std::make_unique<sqlite::SqliteAuthStore>(static_cast<sqlite::SqliteDatabase&>(db));
  }
  return std::make_unique<memory::MemoryAuthStore>();
}

std::unique_ptr<secrets::SecretsStore> make_secrets_store(Database& db) {
  if (db.backend() == Backend::kSqlite) {
    return std::make_unique<sqlite::SqliteSecretsStore>(static_cast<sqlite::SqliteDatabase&>(db));
  }
  return std::make_unique<memory::MemorySecretsStore>();
}

std::unique_ptr<board::BoardStore> make_board_store(Database& db) {
  if (db.backend() == Backend::kSqlite) {
    return std::make_unique<sqlite::SqliteBoardStore>(static_cast<sqlite::SqliteDatabase&>(db));
  }
  return std::make_unique<memory::MemoryBoardStore>();
}

std::unique_ptr<jobs::JobStore> make_job_store(Database& db) {
  if (db.backend() == Backend::kSqlite) {
    return std::make_unique<sqlite::SqliteJobStore>(static_cast<sqlite::SqliteDatabase&>(db));
  }
  return std::make_unique<memory::MemoryJobStore>();
}

std::unique_ptr<records::RecordStore> make_records_store(Database& db) {
  if (db.backend() == Backend::kSqlite) {
    return std::make_unique<sqlite::SqliteRecordStore>(static_cast<sqlite::SqliteDatabase&>(db));
  }
  return std::make_unique<memory::MemoryRecordStore>();
}

}  // namespace cairn::storage::internal
