// The memory: backend: every store kept in process memory, private to one Database.
//
// It is the test double for every backend (the store conformance suites run against it first) and
// a real choice for short-lived processes. Nothing survives close().
#pragma once

#include <string>

#include "cairn/storage/database.hpp"
#include "storage/memory/meta_store.hpp"

namespace cairn::storage::memory {

class MemoryDatabase final : public Database {
 public:
  explicit MemoryDatabase(std::string uri) : Database(Backend::kMemory, std::move(uri)) {}

  // A memory database has no migrations to run: it is always at the latest schema.
  int64_t schema_version() const override { return latest_schema_version(); }
  MetaStore& meta() override { return meta_; }
  // A memory database has no file form to copy into: a clear error rather than a half-copy.
  Status snapshot_to(const std::string& /*path*/) override {
    return fail(ErrorCode::kUnimplemented, "STORAGE_SNAPSHOT_UNSUPPORTED",
                "a memory: database cannot be snapshotted to a file; use a sqlite: database");
  }

 private:
  MemoryMetaStore meta_;
};

}  // namespace cairn::storage::memory
