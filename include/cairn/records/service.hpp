// cairn::records::RecordsService: engine.records(), JSON records in named collections (record.hpp
// has the values and limits). Every call is one atomic operation on the engine's database: it
// fully happens or, when it fails, changes nothing.
//
// Example:
//   records::RecordsService& records = engine.records();
//   CAIRN_TRY(records.define("sessions", {.unique = {"name"}, .indexes = {"folder", "state"}}));
//   CAIRN_ASSIGN_OR_RETURN(int64_t v1, records.put("sessions", "s1",
//                                                  R"({"name":"api","folder":"/srv","state":"up"})"));
//   CAIRN_ASSIGN_OR_RETURN(records::Page page,
//                          records.list("sessions", {.where = {{"state", std::string("up")}}}));
//   use(v1, page.items);
//
// Versions: put() returns the record's new version (1 when created). With an expected_version,
// put and remove are compare-and-swap: 0 means "must not exist", n "must be at version n";
// otherwise ABORTED / RECORDS_VERSION_CONFLICT and nothing changes. remove() deletes for good
// (no tombstone is kept); the id may be used again, starting at version 1.
//
// Thread-safety: every method is safe for concurrent use.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/core/env.hpp"
#include "cairn/core/result.hpp"
#include "cairn/records/record.hpp"

namespace cairn::records {

class RecordStore;

class RecordsService {
 public:
  RecordsService(RecordStore& store, Env& env);
  ~RecordsService();
  RecordsService(const RecordsService&) = delete;
  RecordsService& operator=(const RecordsService&) = delete;

  // Declares `collection`. Declaring it again with the same spec (in any order) is a no-op.
  // Errors: INVALID_ARGUMENT / RECORDS_COLLECTION_NAME_INVALID, RECORDS_FIELD_NAME_INVALID,
  // RECORDS_SPEC_INVALID (a field listed twice, more than kMaxIndexedFields);
  // FAILED_PRECONDITION / RECORDS_COLLECTION_SPEC_MISMATCH (declared before with another spec).
  Status define(std::string_view collection, const CollectionSpec& spec);
  // The spec `collection` was declared with. Errors: NOT_FOUND / RECORDS_COLLECTION_NOT_FOUND.
  Result<CollectionSpec> spec(std::string_view collection);
  // Every declared collection, by name.
  Result<std::vector<std::string>> collections();

  // Creates or replaces record `id` with `value_json` (a JSON object); returns its new version.
  // Errors: NOT_FOUND / RECORDS_COLLECTION_NOT_FOUND; INVALID_ARGUMENT / RECORDS_ID_INVALID,
  // RECORDS_VALUE_INVALID (not a JSON object), RECORDS_VALUE_TOO_LARGE (over kMaxRecordBytes),
  // RECORDS_FIELD_VALUE_INVALID (an indexed field holding an object, an array, a fraction, or a
  // string over kMaxIndexedStringBytes); ABORTED / RECORDS_VERSION_CONFLICT; ALREADY_EXISTS /
  // RECORDS_UNIQUE_VIOLATION (the message names the field); UNAVAILABLE / STORAGE_BUSY.
  Result<int64_t> put(std::string_view collection, std::string_view id, std::string_view value_json,
                      std::optional<int64_t> expected_version = std::nullopt);
  // Record `id`, or nullopt. Errors: NOT_FOUND / RECORDS_COLLECTION_NOT_FOUND; INVALID_ARGUMENT /
  // RECORDS_ID_INVALID.
  Result<std::optional<Record>> get(std::string_view collection, std::string_view id);
  // Deletes record `id`. Errors: as get(), and NOT_FOUND / RECORDS_RECORD_NOT_FOUND; ABORTED /
  // RECORDS_VERSION_CONFLICT.
  Status remove(std::string_view collection, std::string_view id,
                std::optional<int64_t> expected_version = std::nullopt);
  // One page of the records matching options.where, in options.order_by order. Errors: NOT_FOUND
  // / RECORDS_COLLECTION_NOT_FOUND; INVALID_ARGUMENT / RECORDS_FIELD_NOT_INDEXED (a where or
  // order_by field that is not indexed), RECORDS_LIMIT_INVALID, RECORDS_CURSOR_INVALID (not a
  // cursor of this listing).
  Result<Page> list(std::string_view collection, const ListOptions& options = {});
  // How many records match `where`. Errors: as list().
  Result<int64_t> count(std::string_view collection, const Where& where = {});
  // Writes every record of `writes` into `collection` at once, or none of them; returns their
  // new versions in order. Errors: as put() (the first failing record decides, and its id is in
  // the message), INVALID_ARGUMENT / RECORDS_BATCH_INVALID (empty, over kMaxBatchRecords, or an
  // id twice).
  Result<std::vector<int64_t>> put_many(std::string_view collection,
                                        std::span<const RecordWrite> writes);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn::records
