// The sqlite: backend's RecordStore (tables records_collections, records and record_fields of
// migrations 12 and 13). Listings are keyset queries over the records_created / records_updated
// indexes or over record_fields_order, joined with one record_fields row per `where` condition;
// no OFFSET.
//
// Rows name a collection by its integer id and a field by collection id * 16 + the field's
// position in the collection's sorted field list (migration 13). The store caches each
// collection's id and fields on first use: a declared collection never changes or goes away, so
// an entry never goes stale, and only collections read from the database are cached (a
// collection another process declares is found on first use).
//
// Thread-safety: safe for concurrent use; the cache is touched only inside SqliteDatabase::read()
// and ::write(), under the connection's lock.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cairn/records/store.hpp"

namespace cairn::storage::sqlite {

class Connection;
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
  // A declared collection as its rows key it.
  struct Collection {
    int64_t id = 0;
    std::vector<std::string> fields;  // unique and indexed fields, sorted: index = position
  };
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  // The collection `name`, read on first use; nullptr when it was never declared. Call only
  // inside db_.read() / db_.write().
  Result<const Collection*> find_collection(Connection& c, std::string_view name);
  // The SQL of a listing or count of shape `shape` (see records_store.cpp), built on first use.
  // Call only inside db_.read() / db_.write().
  const std::string& shaped_sql(uint32_t shape);

  SqliteDatabase& db_;
  // Both guarded by db_'s connection lock. Entries are never erased, so pointers into
  // collections_ stay valid.
  std::unordered_map<std::string, Collection, NameHash, std::equal_to<>> collections_;
  std::unordered_map<uint32_t, std::string> sql_;
};

}  // namespace cairn::storage::sqlite
