// The sqlite: backend's RecordStore (tables records_collections, records and record_fields of
// migration 12). Listings are keyset queries over the records_created / records_updated indexes or
// over record_fields_order, joined with one record_fields row per `where` condition; no OFFSET.
#pragma once

#include "cairn/records/store.hpp"

namespace cairn::storage::sqlite {

class SqliteDatabase;

class SqliteRecordStore final : public records::RecordStore {
 public:
  explicit SqliteRecordStore(SqliteDatabase& db) : db_(db) {}

  Result<records::CollectionSpec> define(std::string_view collection,
                                         const records::CollectionSpec& spec,
                                         Timestamp at) override;
  Result<std::optional<records::CollectionSpec>> spec(std::string_view collection) override;
  Result<std::vector<std::string>> collections() override;
  Result<std::vector<int64_t>> put(std::string_view collection,
                                   std::span<const records::RecordRow> rows, Timestamp at) override;
  Result<std::optional<records::Record>> get(std::string_view collection,
                                             std::string_view id) override;
  Status remove(std::string_view collection, std::string_view id,
                std::optional<int64_t> expected_version,
                std::span<const std::string> fields) override;
  Result<records::ListedRecords> list(std::string_view collection,
                                      const records::ListQuery& query) override;
  Result<int64_t> count(std::string_view collection, const records::Where& where) override;

 private:
  SqliteDatabase& db_;
};

}  // namespace cairn::storage::sqlite
