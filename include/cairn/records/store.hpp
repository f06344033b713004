// cairn::records::RecordStore: the records service's storage. Implementations for memory: and
// sqlite: (src/storage/*/records_store.cpp), checked by one conformance suite (tests/records).
// Every method is one atomic operation: it fully happens or, when it fails, leaves the store as it
// was.
//
// Division of work: RecordsService validates names, ids and JSON, canonicalizes each value
// (compact JSON) and extracts its indexed fields; it hands the store plain rows. The store does
// what depends on stored state, in one transaction: the version check, the unique check and the
// write of the record row with one index row per indexed field.
//
// Listings are keyset pages, never OFFSET: the store returns the records strictly after a
// position (sort key, id). The service turns the last position of a page into the opaque cursor
// (base64url of the sort key, the id and a fingerprint of the collection, where, order_by and
// direction, so a cursor of another listing is refused). remove() deletes for good.
//
// SQLite layout (migrations 12 and 13, no SQLite-only constructs, so PostgreSQL takes it as is):
// records_collections(id, name, spec, created_at); records(seq, collection -- the collection's
// integer id --, id, version, value, created_at, updated_at) and one record_fields row per indexed
// field per record (kind 0 when absent or null) whose `field` is the collection's id * 16 + the
// field's position in the sorted field list, ordered by the index (field, kind, int_value,
// text_value, id, seq); seq, the record's integer key, makes the join from a field row to its
// record one lookup, and a field row's own key is seq * 16 + the field's position, so a record's
// field rows are one key range (no other index to maintain on a put). Unique fields are backed by
// a partial unique index, which also does the unique check of a put.
//
// Order of indexed values (listings and cursors): absent or null first, then booleans (false,
// true), then integers, then strings (bytewise, as SQLite's BINARY collation and PostgreSQL's
// COLLATE "C" compare); ties broken by record id.
//
// Thread-safety: every implementation is safe for concurrent use.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/core/env.hpp"
#include "cairn/core/result.hpp"
#include "cairn/records/record.hpp"

namespace cairn::records {

// One indexed field of a record as written: its name, whether it is unique, and its value
// (nullopt when the record has no such field or it is null: such values are never unique-checked).
struct FieldEntry {
  std::string field;
  bool unique = false;
  std::optional<FieldValue> value;
};

// A record as the service hands it to put(): validated and canonical.
struct RecordRow {
  std::string id;
  std::string value;  // compact JSON object
  // One entry per unique or indexed field of the collection, in the order of the spec's fields
  // sorted by name (the same list for every record of a collection).
  std::vector<FieldEntry> fields;
  // nullopt: write whatever is there; 0: must not exist; n: must be at version n.
  std::optional<int64_t> expected_version;
};

// What a listing is ordered by.
enum class SortBy { kCreatedAt, kUpdatedAt, kId, kField };

// A position in a listing: the sort value of a record and its id. The value is the time in unix
// microseconds (int64_t) for kCreatedAt / kUpdatedAt, unused (nullopt) for kId, and the field's
// value (nullopt: absent or null) for kField.
struct ListPosition {
  std::optional<FieldValue> key;
  std::string id;
};

struct ListQuery {
  Where where;  // every field is indexed
  SortBy sort = SortBy::kCreatedAt;
  std::string field;  // the indexed field, for SortBy::kField
  bool descending = false;
  std::optional<ListPosition> after;  // start strictly after this position
  int32_t limit = 100;                // records to return at most
};

// One page as the store returns it.
struct ListedRecords {
  std::vector<Record> records;
  // The position of the last record when more matching records follow it; nullopt otherwise.
  std::optional<ListPosition> next_after;
};

class RecordStore {
 public:
  virtual ~RecordStore() = default;

  // Declares `collection` with `spec` (lists sorted, checked by the service) unless it exists;
  // returns the spec the collection has afterwards (the stored one when it existed).
  virtual Result<CollectionSpec> define(std::string_view collection, const CollectionSpec& spec,
                                        Timestamp at) = 0;
  // The stored spec of `collection`, or nullopt.
  virtual Result<std::optional<CollectionSpec>> spec(std::string_view collection) = 0;
  // Every collection name, sorted.
  virtual Result<std::vector<std::string>> collections() = 0;

  // Writes `rows` in order, all or none, stamping `at` as updated_at (and created_at for new
  // records); returns each record's new version. Errors: ABORTED / RECORDS_VERSION_CONFLICT,
  // ALREADY_EXISTS / RECORDS_UNIQUE_VIOLATION (naming the field); when `rows` has more than one
  // record, the message starts with the id of the failing record.
  virtual Result<std::vector<int64_t>> put(std::string_view collection,
                                           std::span<const RecordRow> rows, Timestamp at) = 0;
  virtual Result<std::optional<Record>> get(std::string_view collection, std::string_view id) = 0;
  // Deletes the record and its index rows (`fields`: the collection's indexed fields). Errors:
  // NOT_FOUND / RECORDS_RECORD_NOT_FOUND; ABORTED / RECORDS_VERSION_CONFLICT.
  virtual Status remove(std::string_view collection, std::string_view id,
                        std::optional<int64_t> expected_version,
                        std::span<const std::string> fields) = 0;
  // Up to query.limit records matching query.where, in query order, after query.after; and
  // where the next page starts when there is one.
  virtual Result<ListedRecords> list(std::string_view collection, const ListQuery& query) = 0;
  virtual Result<int64_t> count(std::string_view collection, const Where& where) = 0;
};

}  // namespace cairn::records
