// cairn::records: JSON records in named collections -- the small document store a server builds
// its own entities on (sessions, folders, sites, deployments, profiles). This header has the
// values and limits; service.hpp has the calls (engine.records()).
//
// A collection is declared once with its unique fields and its indexed fields: top-level fields of
// the record whose values are strings, integers or booleans. Unique fields are indexed too. Only
// indexed fields may appear in a `where` or an `order_by`. A record's value is a JSON object, kept
// as compact JSON text; each record carries its id, a version (1 on creation, +1 per write),
// created_at and updated_at.
//
// Thread-safety: plain values. Ownership: they own their strings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "cairn/core/env.hpp"

namespace cairn::records {

// A collection name: 1-64 bytes of [a-z0-9_], starting with a letter.
inline constexpr std::size_t kMaxCollectionNameBytes = 64;
// A record id: 1-128 bytes of [A-Za-z0-9._:@-].
inline constexpr std::size_t kMaxIdBytes = 128;
// A record's value as compact JSON text: at most 256 KiB.
inline constexpr std::size_t kMaxRecordBytes = std::size_t{256} * 1024;
// A field name: 1-64 bytes of [A-Za-z0-9_], not starting with a digit.
inline constexpr std::size_t kMaxFieldNameBytes = 64;
// Unique and indexed fields of one collection together.
inline constexpr std::size_t kMaxIndexedFields = 16;
// The value of a unique or indexed field, when it is a string: at most 512 bytes.
inline constexpr std::size_t kMaxIndexedStringBytes = 512;
// list(): at most this many records per page.
inline constexpr int32_t kMaxListLimit = 1000;
// put_many(): at most this many records in one atomic write.
inline constexpr std::size_t kMaxBatchRecords = 1000;

// How a collection is declared.
struct CollectionSpec {
  std::vector<std::string> unique;   // no two records share a value of any of these
  std::vector<std::string> indexes;  // may be filtered and ordered by

  friend bool operator==(const CollectionSpec&, const CollectionSpec&) = default;
};

// The value of an indexed field, as `where` compares it. A JSON number with no fraction is an
// integer; a record whose field is absent or null matches no `where` on that field.
using FieldValue = std::variant<bool, int64_t, std::string>;

// Conditions that must all hold: field == value.
using Where = std::vector<std::pair<std::string, FieldValue>>;

struct Record {
  std::string id;
  int64_t version = 0;
  std::string value;  // a JSON object, compact
  Timestamp created_at;
  Timestamp updated_at;
};

struct ListOptions {
  Where where;
  // "" or "created_at" (the default), "updated_at", "id", or an indexed field. Ties are broken by
  // id, so the order is total; records whose field is absent or null come first (ascending).
  std::string order_by;
  bool descending = false;
  int32_t limit = 100;  // 1..kMaxListLimit
  // "" for the first page, else the next_cursor of the previous page (with the same where,
  // order_by and descending). Cursors are stable: records written meanwhile are neither repeated
  // nor skipped unless their sort key changed.
  std::string cursor;
};

struct Page {
  std::vector<Record> items;
  std::string next_cursor;  // "" when this is the last page
};

// One record of an atomic put_many().
struct RecordWrite {
  std::string id;
  std::string value;  // a JSON object
  // nullopt: write whatever is there; 0: the record must not exist; n: it must be at version n.
  std::optional<int64_t> expected_version;
};

}  // namespace cairn::records
