// RecordsService: validation, canonical JSON, indexed-field extraction and cursors; then one store
// call per operation (the store does the version check, the unique check and the writes in one
// transaction). nlohmann/json is used here only: public headers carry JSON as text.
//
// Collection specs never change once declared, so the service caches them: a put, get or list
// costs no extra store round trip for its spec. The cache only holds collections that exist
// (no negative entries), so a collection declared by another process sharing the database is
// found on first use.
#include "cairn/records/service.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <nlohmann/json.hpp>
#include <shared_mutex>
#include <unordered_map>

#include "cairn/core/encoding.hpp"
#include "cairn/core/json_text.hpp"
#include "cairn/crypto/hash.hpp"
#include "cairn/records/store.hpp"

namespace cairn::records {
namespace {

using json = nlohmann::json;

// JSON nesting deeper than this is refused before parsing (no record needs it, and the
// recursive dump must not exhaust the stack).
constexpr std::size_t kMaxJsonDepth = 128;
// Text longer than this is refused before parsing: whitespace aside, it cannot dump to
// kMaxRecordBytes.
constexpr std::size_t kMaxInputBytes = 8 * kMaxRecordBytes;

constexpr uint8_t kCursorVersion = 1;
constexpr std::size_t kFingerprintBytes = 8;

// Names reserved for a record's own properties in order_by.
bool reserved_field(std::string_view name) {
  return name == "id" || name == "created_at" || name == "updated_at";
}

bool lower_or_digit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool alnum(char c) { return lower_or_digit(c) || (c >= 'A' && c <= 'Z'); }

bool valid_collection_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxCollectionNameBytes) return false;
  if (name[0] < 'a' || name[0] > 'z') return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return lower_or_digit(c) || c == '_'; });
}

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdBytes) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return alnum(c) || c == '.' || c == '_' || c == ':' || c == '@' || c == '-';
  });
}

bool valid_field_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxFieldNameBytes) return false;
  if (name[0] >= '0' && name[0] <= '9') return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return alnum(c) || c == '_'; });
}

Unexpected<Error> collection_name_invalid() {
  return fail(ErrorCode::kInvalidArgument, "RECORDS_COLLECTION_NAME_INVALID",
              "a collection name is 1-64 bytes of a-z, 0-9 and _, starting with a letter");
}
Unexpected<Error> id_invalid() {
  return fail(ErrorCode::kInvalidArgument, "RECORDS_ID_INVALID",
              "a record id is 1-128 bytes of A-Z, a-z, 0-9 and . _ : @ -");
}
Unexpected<Error> collection_not_found(std::string_view collection) {
  return fail(ErrorCode::kNotFound, "RECORDS_COLLECTION_NOT_FOUND",
              "no collection '" + std::string(collection) + "' was declared");
}
Unexpected<Error> cursor_invalid() {
  return fail(ErrorCode::kInvalidArgument, "RECORDS_CURSOR_INVALID",
              "the cursor is not one of this listing (same where, order_by and descending)");
}

// A declared collection as the service uses it.
struct CollectionInfo {
  CollectionSpec spec;              // lists sorted
  std::vector<std::string> fields;  // unique and indexed fields, sorted
  std::vector<bool> unique;         // per entry of `fields`
};

std::shared_ptr<const CollectionInfo> make_info(CollectionSpec spec) {
  auto info = std::make_shared<CollectionInfo>();
  for (const std::string& f : spec.unique) info->fields.push_back(f);
  for (const std::string& f : spec.indexes) info->fields.push_back(f);
  std::sort(info->fields.begin(), info->fields.end());
  for (const std::string& f : info->fields) {
    info->unique.push_back(std::binary_search(spec.unique.begin(), spec.unique.end(), f));
  }
  info->spec = std::move(spec);
  return info;
}

bool is_indexed(const CollectionInfo& info, std::string_view field) {
  return std::binary_search(info.fields.begin(), info.fields.end(), field);
}

// The indexed value of `field` in the object `object`: nullopt when absent or null.
Result<std::optional<FieldValue>> field_value(const json& object, const std::string& field) {
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return std::optional<FieldValue>();
  const json& v = *it;
  auto bad = [&](const char* what) {
    return fail(ErrorCode::kInvalidArgument, "RECORDS_FIELD_VALUE_INVALID",
                "indexed field '" + field + "' holds " + what +
                    "; indexed values are strings, integers or booleans");
  };
  if (v.is_boolean()) return std::optional<FieldValue>(v.get<bool>());
  if (v.is_number_integer() && !v.is_number_unsigned()) {
    return std::optional<FieldValue>(v.get<int64_t>());
  }
  if (v.is_number_unsigned()) {
    auto u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) return bad("an integer beyond 64 bits");
    return std::optional<FieldValue>(static_cast<int64_t>(u));
  }
  if (v.is_number_float()) {
    // 2.0 or 1e3 is an integer written another way; 2.5 is not.
    double d = v.get<double>();
    if (std::isfinite(d) && std::trunc(d) == d && d >= -9223372036854775808.0 &&
        d < 9223372036854775808.0) {
      return std::optional<FieldValue>(static_cast<int64_t>(d));
    }
    return bad("a number with a fraction");
  }
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (s.size() > kMaxIndexedStringBytes) {
      return fail(ErrorCode::kInvalidArgument, "RECORDS_FIELD_VALUE_INVALID",
                  "indexed field '" + field + "' holds a string over " +
                      std::to_string(kMaxIndexedStringBytes) + " bytes");
    }
    return std::optional<FieldValue>(s);
  }
  return bad(v.is_object() ? "an object" : "an array");
}

// Parses `text` as a JSON object. Errors: RECORDS_VALUE_INVALID, RECORDS_VALUE_TOO_LARGE.
Result<json> parse_object(std::string_view text) {
  if (text.size() > kMaxInputBytes) {
    return fail(ErrorCode::kInvalidArgument, "RECORDS_VALUE_TOO_LARGE",
                "the record is over " + std::to_string(kMaxRecordBytes) + " bytes");
  }
  if (std::optional<std::string> why = json_text_refusal(text, kMaxJsonDepth)) {
    return fail(ErrorCode::kInvalidArgument, "RECORDS_VALUE_INVALID",
                "the value is not acceptable JSON: " + *why);
  }
  json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    return fail(ErrorCode::kInvalidArgument, "RECORDS_VALUE_INVALID",
                "the value is not valid JSON (UTF-8)");
  }
  if (!value.is_object()) {
    return fail(ErrorCode::kInvalidArgument, "RECORDS_VALUE_INVALID",
                "the value is not a JSON object");
  }
  return value;
}

// The store row for one record: canonical value and indexed fields.
Result<RecordRow> make_row(const CollectionInfo& info, std::string_view id,
                           std::string_view value_json, std::optional<int64_t> expected_version) {
  if (!valid_id(id)) return id_invalid();
  RecordRow row;
  row.id = std::string(id);
  row.expected_version = expected_version;
  try {
    CAIRN_ASSIGN_OR_RETURN(json value, parse_object(value_json));
    row.value = value.dump();
    if (row.value.size() > kMaxRecordBytes) {
      return fail(ErrorCode::kInvalidArgument, "RECORDS_VALUE_TOO_LARGE",
                  "the record is " + std::to_string(row.value.size()) +
                      " bytes as compact JSON, over " + std::to_string(kMaxRecordBytes));
    }
    row.fields.reserve(info.fields.size());
    for (std::size_t i = 0; i < info.fields.size(); ++i) {
      CAIRN_ASSIGN_OR_RETURN(std::optional<FieldValue> v, field_value(value, info.fields[i]));
      row.fields.push_back(FieldEntry{info.fields[i], info.unique[i], std::move(v)});
    }
  } catch (const std::exception&) {
    return fail(ErrorCode::kInvalidArgument, "RECORDS_VALUE_INVALID",
                "the value is not valid JSON (UTF-8)");
  }
  return row;
}

// ---- Cursors: base64url of
//   version (1) | fingerprint (8) | key tag (1: 0 none, 1 bool, 2 integer, 3 string) | key | id
// where a bool key is 1 byte, an integer 8 bytes big-endian, a string a 4-byte big-endian length
// and its bytes. The fingerprint is SHA-256 of the listing (collection, where, order, direction),
// truncated: a cursor of another listing is refused rather than read with the wrong meaning.

void put_u64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
}
uint64_t get_u64(std::string_view in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(in[i]);
  return v;
}

void append_value(std::string& out, const FieldValue& v) {
  if (const bool* b = std::get_if<bool>(&v)) {
    out += *b ? "b1" : "b0";
  } else if (const int64_t* i = std::get_if<int64_t>(&v)) {
    out += "i" + std::to_string(*i);
  } else {
    const auto& s = std::get<std::string>(v);
    out += "s" + std::to_string(s.size()) + ":" + s;
  }
}

std::string fingerprint(std::string_view collection, const Where& where, std::string_view order,
                        bool descending) {
  Where sorted = where;
  std::sort(sorted.begin(), sorted.end());
  std::string text = "cairn.records.cursor\n" + std::string(collection) + "\n" +
                     std::string(order) + (descending ? "\ndesc\n" : "\nasc\n");
  for (const auto& [field, value] : sorted) {
    text += field;
    text += '=';
    append_value(text, value);
    text += '\n';
  }
  crypto::Sha256Digest digest = crypto::sha256(as_bytes(text));
  return {reinterpret_cast<const char*>(digest.data()), kFingerprintBytes};
}

std::string encode_cursor(const std::string& print, const ListPosition& pos) {
  std::string raw;
  raw.push_back(static_cast<char>(kCursorVersion));
  raw += print;
  if (!pos.key) {
    raw.push_back(0);
  } else if (const bool* b = std::get_if<bool>(&*pos.key)) {
    raw.push_back(1);
    raw.push_back(*b ? 1 : 0);
  } else if (const int64_t* i = std::get_if<int64_t>(&*pos.key)) {
    raw.push_back(2);
    put_u64(raw, static_cast<uint64_t>(*i));
  } else {
    const auto& s = std::get<std::string>(*pos.key);
    raw.push_back(3);
    uint64_t n = s.size();
    for (int shift = 24; shift >= 0; shift -= 8)
      raw.push_back(static_cast<char>((n >> shift) & 0xff));
    raw += s;
  }
  raw += pos.id;
  return encoding::b64url_encode(as_bytes(raw));
}

Result<ListPosition> decode_cursor(std::string_view cursor, const std::string& print, SortBy sort) {
  auto bytes = encoding::b64url_decode(cursor);
  if (!bytes || cursor.find('=') != std::string_view::npos) return cursor_invalid();
  std::string_view raw(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  if (raw.size() < 2 + kFingerprintBytes || static_cast<uint8_t>(raw[0]) != kCursorVersion ||
      raw.substr(1, kFingerprintBytes) != print) {
    return cursor_invalid();
  }
  raw.remove_prefix(1 + kFingerprintBytes);
  auto tag = static_cast<uint8_t>(raw[0]);
  raw.remove_prefix(1);
  ListPosition pos;
  switch (tag) {
    case 0:
      break;
    case 1:
      if (raw.empty() || static_cast<uint8_t>(raw[0]) > 1) return cursor_invalid();
      pos.key = raw[0] == 1;
      raw.remove_prefix(1);
      break;
    case 2:
      if (raw.size() < 8) return cursor_invalid();
      pos.key = static_cast<int64_t>(get_u64(raw));
      raw.remove_prefix(8);
      break;
    case 3: {
      if (raw.size() < 4) return cursor_invalid();
      std::size_t n = 0;
      for (int i = 0; i < 4; ++i) n = (n << 8) | static_cast<uint8_t>(raw[i]);
      raw.remove_prefix(4);
      if (n > kMaxIndexedStringBytes || raw.size() < n) return cursor_invalid();
      pos.key = std::string(raw.substr(0, n));
      raw.remove_prefix(n);
      break;
    }
    default:
      return cursor_invalid();
  }
  const bool time_sort = sort == SortBy::kCreatedAt || sort == SortBy::kUpdatedAt;
  if (time_sort && tag != 2) return cursor_invalid();
  if (sort == SortBy::kId && tag != 0) return cursor_invalid();
  if (!valid_id(raw)) return cursor_invalid();
  pos.id = std::string(raw);
  return pos;
}

}  // namespace

struct RecordsService::Impl {
  Impl(RecordStore& s, Env& e) : store(s), env(e) {}
  RecordStore& store;
  Env& env;
  std::shared_mutex mu;
  std::unordered_map<std::string, std::shared_ptr<const CollectionInfo>> cache;  // guarded by mu

  // The declared collection `name`. Errors: RECORDS_COLLECTION_NAME_INVALID,
  // RECORDS_COLLECTION_NOT_FOUND.
  Result<std::shared_ptr<const CollectionInfo>> info(std::string_view name) {
    if (!valid_collection_name(name)) return collection_name_invalid();
    std::string key(name);
    {
      std::shared_lock lock(mu);
      auto it = cache.find(key);
      if (it != cache.end()) return it->second;
    }
    CAIRN_ASSIGN_OR_RETURN(std::optional<CollectionSpec> stored, store.spec(name));
    if (!stored) return collection_not_found(name);
    return remember(key, std::move(*stored));
  }

  std::shared_ptr<const CollectionInfo> remember(const std::string& name, CollectionSpec spec) {
    std::unique_lock lock(mu);
    auto [it, inserted] = cache.try_emplace(name);
    if (inserted) it->second = make_info(std::move(spec));
    return it->second;
  }

  Status check_where(const CollectionInfo& c, const Where& where) {
    for (const auto& [field, value] : where) {
      if (!is_indexed(c, field)) {
        return fail(ErrorCode::kInvalidArgument, "RECORDS_FIELD_NOT_INDEXED",
                    "field '" + field + "' is not indexed in this collection");
      }
    }
    return ok_status();
  }
};

RecordsService::RecordsService(RecordStore& store, Env& env)
    : impl_(std::make_unique<Impl>(store, env)) {}
RecordsService::~RecordsService() = default;

Status RecordsService::define(std::string_view collection, const CollectionSpec& spec) {
  if (!valid_collection_name(collection)) return collection_name_invalid();
  CollectionSpec canonical = spec;
  std::sort(canonical.unique.begin(), canonical.unique.end());
  std::sort(canonical.indexes.begin(), canonical.indexes.end());
  std::vector<std::string> all = canonical.unique;
  all.insert(all.end(), canonical.indexes.begin(), canonical.indexes.end());
  for (const std::string& f : all) {
    if (!valid_field_name(f)) {
      return fail(ErrorCode::kInvalidArgument, "RECORDS_FIELD_NAME_INVALID",
                  "a field name is 1-64 bytes of A-Z, a-z, 0-9 and _, not starting with a digit");
    }
    if (reserved_field(f)) {
      return fail(ErrorCode::kInvalidArgument, "RECORDS_FIELD_NAME_INVALID",
                  "'" + f + "' names a property of every record; it cannot be indexed");
    }
  }
  std::sort(all.begin(), all.end());
  if (std::adjacent_find(all.begin(), all.end()) != all.end()) {
    return fail(ErrorCode::kInvalidArgument, "RECORDS_SPEC_INVALID",
                "a field is listed twice (unique fields are indexed already)");
  }
  if (all.size() > kMaxIndexedFields) {
    return fail(ErrorCode::kInvalidArgument, "RECORDS_SPEC_INVALID",
                "more than " + std::to_string(kMaxIndexedFields) + " unique and indexed fields");
  }
  std::string name(collection);
  {
    std::shared_lock lock(impl_->mu);
    auto it = impl_->cache.find(name);
    if (it != impl_->cache.end()) {
      if (it->second->spec == canonical) return ok_status();
      return fail(ErrorCode::kFailedPrecondition, "RECORDS_COLLECTION_SPEC_MISMATCH",
                  "collection '" + name + "' was declared with other unique or indexed fields");
    }
  }
  CAIRN_ASSIGN_OR_RETURN(CollectionSpec stored,
                         impl_->store.define(collection, canonical, impl_->env.now()));
  if (!(stored == canonical)) {
    return fail(ErrorCode::kFailedPrecondition, "RECORDS_COLLECTION_SPEC_MISMATCH",
                "collection '" + name + "' was declared with other unique or indexed fields");
  }
  impl_->remember(name, std::move(stored));
  return ok_status();
}

Result<CollectionSpec> RecordsService::spec(std::string_view collection) {
  CAIRN_ASSIGN_OR_RETURN(auto info, impl_->info(collection));
  return info->spec;
}

Result<std::vector<std::string>> RecordsService::collections() {
  return impl_->store.collections();
}

Result<int64_t> RecordsService::put(std::string_view collection, std::string_view id,
                                    std::string_view value_json,
                                    std::optional<int64_t> expected_version) {
  CAIRN_ASSIGN_OR_RETURN(auto info, impl_->info(collection));
  CAIRN_ASSIGN_OR_RETURN(RecordRow row, make_row(*info, id, value_json, expected_version));
  CAIRN_ASSIGN_OR_RETURN(std::vector<int64_t> versions,
                         impl_->store.put(collection, std::span(&row, 1), impl_->env.now()));
  return versions.at(0);
}

Result<std::optional<Record>> RecordsService::get(std::string_view collection,
                                                  std::string_view id) {
  CAIRN_ASSIGN_OR_RETURN(auto info, impl_->info(collection));
  if (!valid_id(id)) return id_invalid();
  return impl_->store.get(collection, id);
}

Status RecordsService::remove(std::string_view collection, std::string_view id,
                              std::optional<int64_t> expected_version) {
  CAIRN_ASSIGN_OR_RETURN(auto info, impl_->info(collection));
  if (!valid_id(id)) return id_invalid();
  return impl_->store.remove(collection, id, expected_version, info->fields);
}

Result<Page> RecordsService::list(std::string_view collection, const ListOptions& options) {
  CAIRN_ASSIGN_OR_RETURN(auto info, impl_->info(collection));
  if (options.limit < 1 || options.limit > kMaxListLimit) {
    return fail(ErrorCode::kInvalidArgument, "RECORDS_LIMIT_INVALID",
                "limit must be 1 to " + std::to_string(kMaxListLimit));
  }
  CAIRN_TRY(impl_->check_where(*info, options.where));
  ListQuery query;
  query.where = options.where;
  query.descending = options.descending;
  query.limit = options.limit;
  std::string order = options.order_by.empty() ? "created_at" : options.order_by;
  if (order == "created_at") {
    query.sort = SortBy::kCreatedAt;
  } else if (order == "updated_at") {
    query.sort = SortBy::kUpdatedAt;
  } else if (order == "id") {
    query.sort = SortBy::kId;
  } else if (is_indexed(*info, order)) {
    query.sort = SortBy::kField;
    query.field = order;
  } else {
    return fail(ErrorCode::kInvalidArgument, "RECORDS_FIELD_NOT_INDEXED",
                "cannot order by '" + order + "': it is not an indexed field");
  }
  std::string print = fingerprint(collection, options.where, order, options.descending);
  if (!options.cursor.empty()) {
    CAIRN_ASSIGN_OR_RETURN(query.after, decode_cursor(options.cursor, print, query.sort));
  }
  CAIRN_ASSIGN_OR_RETURN(ListedRecords rows, impl_->store.list(collection, query));
  Page page;
  page.items = std::move(rows.records);
  if (rows.next_after) page.next_cursor = encode_cursor(print, *rows.next_after);
  return page;
}

Result<int64_t> RecordsService::count(std::string_view collection, const Where& where) {
  CAIRN_ASSIGN_OR_RETURN(auto info, impl_->info(collection));
  CAIRN_TRY(impl_->check_where(*info, where));
  return impl_->store.count(collection, where);
}

Result<std::vector<int64_t>> RecordsService::put_many(std::string_view collection,
                                                      std::span<const RecordWrite> writes) {
  CAIRN_ASSIGN_OR_RETURN(auto info, impl_->info(collection));
  if (writes.empty() || writes.size() > kMaxBatchRecords) {
    return fail(ErrorCode::kInvalidArgument, "RECORDS_BATCH_INVALID",
                "a batch holds 1 to " + std::to_string(kMaxBatchRecords) + " records");
  }
  std::vector<RecordRow> rows;
  rows.reserve(writes.size());
  for (const RecordWrite& w : writes) {
    auto row = make_row(*info, w.id, w.value, w.expected_version);
    if (!row) {
      Error e = std::move(row).error();
      if (valid_id(w.id)) e.message = "record '" + w.id + "': " + e.message;
      return fail(std::move(e));
    }
    rows.push_back(std::move(*row));
  }
  std::vector<std::string_view> ids;
  ids.reserve(rows.size());
  for (const RecordRow& r : rows) ids.emplace_back(r.id);
  std::sort(ids.begin(), ids.end());
  if (auto dup = std::adjacent_find(ids.begin(), ids.end()); dup != ids.end()) {
    return fail(ErrorCode::kInvalidArgument, "RECORDS_BATCH_INVALID",
                "record '" + std::string(*dup) + "' appears twice in the batch");
  }
  return impl_->store.put(collection, rows, impl_->env.now());
}

}  // namespace cairn::records
