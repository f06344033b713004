// The per-backend factories for domain stores: the one place that knows which class implements
// which store on which backend.
#pragma once

#include <memory>

#include "cairn/access/store.hpp"
#include "cairn/audit/store.hpp"
#include "cairn/auth/store.hpp"
#include "cairn/board/store.hpp"
#include "cairn/jobs/store.hpp"
#include "cairn/records/store.hpp"
#include "cairn/secrets/store.hpp"
#include "cairn/storage/database.hpp"

namespace cairn::storage::internal {

// The audit store of `db`, borrowing it (db must outlive the store).
std::unique_ptr<audit::AuditStore> make_audit_store(Database& db);

// The access policy store of `db`, borrowing it.
std::unique_ptr<access::PolicyStore> make_policy_store(Database& db);

// The auth store of `db`, borrowing it.
std::unique_ptr<auth::AuthStore> make_auth_store(Database& db);

// The secrets store of `db`, borrowing it.
std::unique_ptr<secrets::SecretsStore> make_secrets_store(Database& db);

// The board store of `db`, borrowing it.
std::unique_ptr<board::BoardStore> make_board_store(Database& db);

// The job store of `db`, borrowing it.
std::unique_ptr<jobs::JobStore> make_job_store(Database& db);

// The records store of `db`, borrowing it.
std::unique_ptr<records::RecordStore> make_records_store(Database& db);

}  // namespace cairn::storage::internal
