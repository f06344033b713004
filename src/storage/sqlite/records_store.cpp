#include "storage/sqlite/records_store.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <variant>

#include "storage/sqlite/rows.hpp"
#include "storage/sqlite/sqlite_database.hpp"

namespace cairn::storage::sqlite {
namespace {

using records::FieldValue;
using records::ListQuery;
using records::Record;
using records::SortBy;

// An indexed value as the three columns (kind, int_value, text_value) hold it.
struct Columns {
  int64_t kind = 0;
  int64_t int_value = 0;
  std::string_view text_value = "";  // never a null pointer: that would bind SQL NULL
};

// The columns borrow the string of `v`, which must outlive them.
Columns columns_of(const FieldValue& v) {
  if (const bool* b = std::get_if<bool>(&v)) return {1, *b ? 1 : 0, ""};
  if (const int64_t* i = std::get_if<int64_t>(&v)) return {2, *i, ""};
  return {3, 0, std::get<std::string>(v)};
}
Columns columns_of(const std::optional<FieldValue>& v) { return v ? columns_of(*v) : Columns{}; }

// Binds `c` at index, index + 1, index + 2.
void bind_columns(Statement& s, int index, const Columns& c) {
  s.bind(index, c.kind).bind(index + 1, c.int_value).bind(index + 2, c.text_value);
}

// A record from columns 0-4 (id, version, value, created_at, updated_at) of `s`.
Record read_record(const Statement& s) {
  return {s.column_text(0), s.column_int64(1), s.column_text(2),
          from_unix_micros(s.column_int64(3)), from_unix_micros(s.column_int64(4))};
}

Unexpected<Error> version_conflict(const std::string& prefix, std::string_view id,
                                   std::optional<int64_t> expected, int64_t actual) {
  std::string message = prefix + "record '" + std::string(id) + "' ";
  message += actual == 0 ? "does not exist" : "is at version " + std::to_string(actual);
  message += ", expected " + (expected && *expected == 0 ? std::string("none")
                                                         : "version " + std::to_string(*expected));
  return fail(ErrorCode::kAborted, "RECORDS_VERSION_CONFLICT", message);
}

Unexpected<Error> collection_not_found(std::string_view collection) {
  return fail(ErrorCode::kNotFound, "RECORDS_COLLECTION_NOT_FOUND",
              "no collection '" + std::string(collection) + "' was declared");
}

std::string spec_text(const records::CollectionSpec& spec) {
  return nlohmann::json{{"indexes", spec.indexes}, {"unique", spec.unique}}.dump();
}

Result<records::CollectionSpec> parse_spec(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  records::CollectionSpec spec;
  auto read = [&](const char* key, std::vector<std::string>& out) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_array()) return false;
    for (const auto& f : *it) {
      if (!f.is_string()) return false;
      out.push_back(f.get<std::string>());
    }
    return true;
  };
  if (!j.is_object() || !read("indexes", spec.indexes) || !read("unique", spec.unique)) {
    return fail(ErrorCode::kDataLoss, "STORAGE_CORRUPT", "a stored collection spec is unreadable");
  }
  return spec;
}

// The version (0: no such record) and seq of record `id`.
struct Current {
  int64_t version = 0;
  int64_t seq = 0;
};

Result<Current> current(Connection& c, int64_t collection, std::string_view id) {
  CAIRN_ASSIGN_OR_RETURN(
      Statement s, c.prepare("SELECT version, seq FROM records WHERE collection = ?1 AND id = ?2"));
  s.bind(1, collection).bind(2, id);
  CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
  if (!row) return Current{};
  return Current{s.column_int64(0), s.column_int64(1)};
}

// Field rows are keyed by their record's seq and the field's position in the collection's sorted
// field list: the rows of record `seq` are keys [first_field_key(seq), first_field_key(seq + 1)).
// A field itself is numbered the same way from its collection's id (migration 13).
constexpr int64_t kFieldSlots = static_cast<int64_t>(records::kMaxIndexedFields);
static_assert(kFieldSlots == 16, "migrations 12 and 13 number field rows and fields by 16");
constexpr int64_t first_field_key(int64_t seq) { return seq * kFieldSlots; }
constexpr int64_t field_id(int64_t collection, std::size_t position) {
  return collection * kFieldSlots + static_cast<int64_t>(position);
}

// The position of `field` in `fields` (sorted), or -1.
int64_t position_of(const std::vector<std::string>& fields, std::string_view field) {
  auto it = std::lower_bound(fields.begin(), fields.end(), field);
  if (it == fields.end() || *it != field) return -1;
  return it - fields.begin();
}

// ---- Listing and count SQL
//
// The text of a query depends only on its shape (what it sorts by, the direction, whether it
// starts after a position, how many `where` conditions it has), never on the values, so each
// shape is built once and every call binds its values to fixed parameter numbers:
//   ?1 collection id, ?2 the order field's id, ?3 ?4 ?5 the key a page starts after (kind,
//   int_value, text_value; for a time order ?4 alone), ?6 the id it starts after, ?7 the row
//   limit, and per `where` condition i: ?(8 + 4i) field id, then kind, int_value, text_value.

constexpr uint32_t kShapeSortMask = 3;  // the SortBy value
constexpr uint32_t kShapeDescending = 1U << 2;
constexpr uint32_t kShapeAfter = 1U << 3;
constexpr uint32_t kShapeCount = 1U << 4;
constexpr int kShapeWhereShift = 8;

uint32_t list_shape(const ListQuery& q) {
  return static_cast<uint32_t>(q.sort) | (q.descending ? kShapeDescending : 0) |
         (q.after ? kShapeAfter : 0) | (static_cast<uint32_t>(q.where.size()) << kShapeWhereShift);
}
uint32_t count_shape(const records::Where& where) {
  return kShapeCount | (static_cast<uint32_t>(where.size()) << kShapeWhereShift);
}

constexpr int kWhereParam = 8;
std::string param(int n) { return "?" + std::to_string(n); }

// The field row wI of `where` condition i, on the record whose id is `id_column`.
std::string where_join(std::size_t i, const std::string& id_column) {
  const int p = kWhereParam + 4 * static_cast<int>(i);
  const std::string w = "w" + std::to_string(i);
  return " JOIN record_fields " + w + " ON " + w + ".field = " + param(p) + " AND " + w +
         ".kind = " + param(p + 1) + " AND " + w + ".int_value = " + param(p + 2) + " AND " + w +
         ".text_value = " + param(p + 3) + " AND " + w + ".id = " + id_column;
}

std::string build_sql(uint32_t shape) {
  const std::size_t conditions = shape >> kShapeWhereShift;
  if ((shape & kShapeCount) != 0) {
    if (conditions == 0) return "SELECT count(*) FROM records WHERE collection = ?1";
    // The index rows alone answer: no record row is read. Condition 0 drives, the rest join.
    std::string sql = "SELECT count(*) FROM record_fields w0";
    for (std::size_t i = 1; i < conditions; ++i) sql += where_join(i, "w0.id");
    return sql + " WHERE w0.field = ?8 AND w0.kind = ?9 AND w0.int_value = ?10" +
           " AND w0.text_value = ?11";
  }
  const auto sort = static_cast<SortBy>(shape & kShapeSortMask);
  const bool descending = (shape & kShapeDescending) != 0;
  const bool after = (shape & kShapeAfter) != 0;
  const std::string cmp = descending ? " < " : " > ";
  const std::string dir = descending ? " DESC" : "";
  std::string sql;
  if (sort == SortBy::kField) {
    // The id from the index entry, which the listing reads anyway, not from the record row.
    sql = "SELECT o.id, r.version, r.value, r.created_at, r.updated_at";
    sql += " FROM record_fields o JOIN records r ON r.seq = o.seq";
    for (std::size_t i = 0; i < conditions; ++i) sql += where_join(i, "o.id");
    sql += " WHERE o.field = ?2";
    if (after) sql += " AND (o.kind, o.int_value, o.text_value, o.id)" + cmp + "(?3, ?4, ?5, ?6)";
    sql +=
        " ORDER BY o.kind" + dir + ", o.int_value" + dir + ", o.text_value" + dir + ", o.id" + dir;
  } else {
    sql = "SELECT r.id, r.version, r.value, r.created_at, r.updated_at FROM records r";
    for (std::size_t i = 0; i < conditions; ++i) sql += where_join(i, "r.id");
    sql += " WHERE r.collection = ?1";
    if (sort == SortBy::kId) {
      if (after) sql += " AND r.id" + cmp + "?6";
      sql += " ORDER BY r.id" + dir;
    } else {
      const std::string column = sort == SortBy::kCreatedAt ? "r.created_at" : "r.updated_at";
      if (after) sql += " AND (" + column + ", r.id)" + cmp + "(?4, ?6)";
      sql += " ORDER BY " + column + dir + ", r.id" + dir;
    }
  }
  return sql + " LIMIT ?7";
}

// Binds the `where` conditions at their parameters (`fields`: the collection's, sorted).
void bind_where(Statement& s, int64_t collection, const std::vector<std::string>& fields,
                const records::Where& where) {
  for (std::size_t i = 0; i < where.size(); ++i) {
    const int p = kWhereParam + 4 * static_cast<int>(i);
    const int64_t position = position_of(fields, where[i].first);
    // A field the collection does not index matches nothing (the service refuses it before).
    s.bind(p,
           position < 0 ? int64_t{-1} : field_id(collection, static_cast<std::size_t>(position)));
    bind_columns(s, p + 1, columns_of(where[i].second));
  }
}

// The field value in columns index .. index + 2 (kind, int_value, text_value) of `s`.
std::optional<FieldValue> field_key(const Statement& s, int index) {
  switch (s.column_int64(index)) {
    case 1:
      return FieldValue(s.column_int64(index + 1) != 0);
    case 2:
      return FieldValue(s.column_int64(index + 1));
    case 3:
      return FieldValue(s.column_text(index + 2));
    default:
      return std::nullopt;
  }
}

// The position of `last` in a listing by `sort` (`field_value`: its key, for SortBy::kField).
records::ListPosition position_after(const Record& last, SortBy sort,
                                     std::optional<FieldValue> field_value) {
  records::ListPosition p;
  p.id = last.id;
  if (sort == SortBy::kCreatedAt) p.key = to_unix_micros(last.created_at);
  if (sort == SortBy::kUpdatedAt) p.key = to_unix_micros(last.updated_at);
  if (sort == SortBy::kField) p.key = std::move(field_value);
  return p;
}

}  // namespace

Result<const SqliteRecordStore::Collection*> SqliteRecordStore::find_collection(
    Connection& c, std::string_view name) {
  if (auto it = collections_.find(name); it != collections_.end()) return &it->second;
  CAIRN_ASSIGN_OR_RETURN(Statement s,
                         c.prepare("SELECT id, spec FROM records_collections WHERE name = ?1"));
  s.bind(1, name);
  CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
  if (!row) return static_cast<const Collection*>(nullptr);
  CAIRN_ASSIGN_OR_RETURN(records::CollectionSpec spec, parse_spec(s.column_text(1)));
  Collection entry;
  entry.id = s.column_int64(0);
  entry.fields = std::move(spec.unique);
  entry.fields.insert(entry.fields.end(), spec.indexes.begin(), spec.indexes.end());
  std::sort(entry.fields.begin(), entry.fields.end());
  auto inserted = collections_.emplace(std::string(name), std::move(entry)).first;
  return &inserted->second;
}

const std::string& SqliteRecordStore::shaped_sql(uint32_t shape) {
  auto it = sql_.find(shape);
  if (it == sql_.end()) it = sql_.emplace(shape, build_sql(shape)).first;
  return it->second;
}

Result<records::CollectionSpec> SqliteRecordStore::define(std::string_view collection,
                                                          const records::CollectionSpec& spec,
                                                          Timestamp at) {
  // Not cached here: this transaction may yet roll back.
  return db_.write([&](Connection& c) -> Result<records::CollectionSpec> {
    CAIRN_ASSIGN_OR_RETURN(Statement insert,
                           c.prepare("INSERT INTO records_collections (name, spec, created_at) "
                                     "VALUES (?1, ?2, ?3) ON CONFLICT (name) DO NOTHING"));
    insert.bind(1, collection).bind(2, spec_text(spec)).bind(3, to_unix_micros(at));
    CAIRN_TRY(insert.run());
    CAIRN_ASSIGN_OR_RETURN(Statement read,
                           c.prepare("SELECT spec FROM records_collections WHERE name = ?1"));
    read.bind(1, collection);
    CAIRN_TRY(read.step());
    return parse_spec(read.column_text(0));
  });
}

Result<std::optional<records::CollectionSpec>> SqliteRecordStore::spec(
    std::string_view collection) {
  return db_.read([&](Connection& c) -> Result<std::optional<records::CollectionSpec>> {
    CAIRN_ASSIGN_OR_RETURN(Statement s,
                           c.prepare("SELECT spec FROM records_collections WHERE name = ?1"));
    s.bind(1, collection);
    CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row) return std::optional<records::CollectionSpec>();
    CAIRN_ASSIGN_OR_RETURN(records::CollectionSpec spec, parse_spec(s.column_text(0)));
    return std::optional<records::CollectionSpec>(std::move(spec));
  });
}

Result<std::vector<std::string>> SqliteRecordStore::collections() {
  return db_.read([&](Connection& c) -> Result<std::vector<std::string>> {
    CAIRN_ASSIGN_OR_RETURN(Statement s,
                           c.prepare("SELECT name FROM records_collections ORDER BY name"));
    return all_rows<std::string>(s, [](const Statement& st) { return st.column_text(0); });
  });
}

Result<std::vector<int64_t>> SqliteRecordStore::put(std::string_view collection,
                                                    std::span<const records::RecordRow> rows,
                                                    Timestamp at) {
  const int64_t now = to_unix_micros(at);
  return db_.write([&](Connection& c) -> Result<std::vector<int64_t>> {
    CAIRN_ASSIGN_OR_RETURN(const Collection* coll, find_collection(c, collection));
    if (coll == nullptr) return collection_not_found(collection);
    std::vector<int64_t> versions;
    versions.reserve(rows.size());
    for (const records::RecordRow& row : rows) {
      const std::string prefix = rows.size() > 1 ? "record '" + row.id + "': " : std::string();
      CAIRN_ASSIGN_OR_RETURN(Current now_at, current(c, coll->id, row.id));
      const int64_t actual = now_at.version;
      int64_t seq = now_at.seq;
      if (row.expected_version && *row.expected_version != actual) {
        return version_conflict(prefix, row.id, row.expected_version, actual);
      }
      if (row.fields.size() > coll->fields.size()) {
        return fail(ErrorCode::kInternal, "STORAGE_ERROR",
                    "a record has more indexed fields than its collection declares");
      }
      if (actual == 0) {
        // Plain INSERT ... RETURNING: portable, and the same statement the PostgreSQL store uses.
        CAIRN_ASSIGN_OR_RETURN(
            Statement insert,
            c.prepare("INSERT INTO records (collection, id, version, value, created_at, "
                      "updated_at) VALUES (?1, ?2, 1, ?3, ?4, ?4) RETURNING seq"));
        insert.bind(1, coll->id).bind(2, row.id).bind(3, row.value).bind(4, now);
        CAIRN_TRY(insert.step());
        seq = insert.column_int64(0);
      }
      for (std::size_t i = 0; i < row.fields.size(); ++i) {
        const records::FieldEntry& f = row.fields[i];
        const int64_t key = first_field_key(seq) + static_cast<int64_t>(i);
        const Columns value = columns_of(f.value);
        const int64_t is_unique = f.unique ? 1 : 0;
        if (actual != 0) {
          // An unchanged value needs no write (so no index rows are rewritten for it).
          CAIRN_ASSIGN_OR_RETURN(Statement old,
                                 c.prepare("SELECT kind, int_value, text_value, is_unique "
                                           "FROM record_fields WHERE key = ?1"));
          old.bind(1, key);
          CAIRN_ASSIGN_OR_RETURN(bool found, old.step());
          if (found && old.column_int64(0) == value.kind &&
              old.column_int64(1) == value.int_value && old.column_text(2) == value.text_value &&
              old.column_int64(3) == is_unique) {
            continue;
          }
        }
        CAIRN_ASSIGN_OR_RETURN(
            Statement field,
            c.prepare("INSERT INTO record_fields (key, field, id, seq, kind, int_value, "
                      "text_value, is_unique) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
                      "ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, "
                      "int_value = excluded.int_value, text_value = excluded.text_value, "
                      "is_unique = excluded.is_unique"));
        field.bind(1, key).bind(2, field_id(coll->id, i)).bind(3, row.id).bind(4, seq);
        bind_columns(field, 5, value);
        field.bind(8, is_unique);
        // record_fields_unique does the unique check (no SELECT before the write): the only
        // constraint this statement can break is that index, and only for a unique field's present
        // value. A failed statement leaves the transaction to be rolled back, as every error here
        // does (PostgreSQL aborts it; SQLite undoes the statement).
        if (Status written = field.run(); !written) {
          if (f.unique && f.value && written.error().reason == "STORAGE_CONSTRAINT") {
            return fail(
                ErrorCode::kAlreadyExists, "RECORDS_UNIQUE_VIOLATION",
                prefix + "another record has the same value of unique field '" + f.field + "'");
          }
          return Unexpected<Error>(written.error());
        }
      }
      if (actual != 0) {
        CAIRN_ASSIGN_OR_RETURN(
            Statement update,
            c.prepare("UPDATE records SET version = ?3, value = ?4, updated_at = ?5 "
                      "WHERE collection = ?1 AND id = ?2"));
        update.bind(1, coll->id)
            .bind(2, row.id)
            .bind(3, actual + 1)
            .bind(4, row.value)
            .bind(5, now);
        CAIRN_TRY(update.run());
      }
      versions.push_back(actual + 1);
    }
    return versions;
  });
}

Result<std::optional<Record>> SqliteRecordStore::get(std::string_view collection,
                                                     std::string_view id) {
  return db_.read([&](Connection& c) -> Result<std::optional<Record>> {
    CAIRN_ASSIGN_OR_RETURN(const Collection* coll, find_collection(c, collection));
    if (coll == nullptr) return std::optional<Record>();
    // The id is the one asked for: not read back.
    CAIRN_ASSIGN_OR_RETURN(Statement s,
                           c.prepare("SELECT version, value, created_at, updated_at "
                                     "FROM records WHERE collection = ?1 AND id = ?2"));
    s.bind(1, coll->id).bind(2, id);
    return one_row<Record>(s, [&](const Statement& st) {
      return Record{std::string(id), st.column_int64(0), st.column_text(1),
                    from_unix_micros(st.column_int64(2)), from_unix_micros(st.column_int64(3))};
    });
  });
}

Status SqliteRecordStore::remove(std::string_view collection, std::string_view id,
                                 std::optional<int64_t> expected_version,
                                 std::span<const std::string> /*fields*/) {
  return db_.write([&](Connection& c) -> Status {
    CAIRN_ASSIGN_OR_RETURN(const Collection* coll, find_collection(c, collection));
    if (coll == nullptr) return collection_not_found(collection);
    CAIRN_ASSIGN_OR_RETURN(Current now_at, current(c, coll->id, id));
    const int64_t actual = now_at.version;
    if (actual == 0) {
      return fail(ErrorCode::kNotFound, "RECORDS_RECORD_NOT_FOUND",
                  "no record '" + std::string(id) + "'");
    }
    if (expected_version && *expected_version != actual) {
      return version_conflict("", id, expected_version, actual);
    }
    CAIRN_ASSIGN_OR_RETURN(Statement del, c.prepare("DELETE FROM records WHERE seq = ?1"));
    del.bind(1, now_at.seq);
    CAIRN_TRY(del.run());
    // The record's field rows are a key range: `fields` is not needed to find them.
    CAIRN_ASSIGN_OR_RETURN(Statement s,
                           c.prepare("DELETE FROM record_fields WHERE key >= ?1 AND key < ?2"));
    s.bind(1, first_field_key(now_at.seq)).bind(2, first_field_key(now_at.seq + 1));
    CAIRN_TRY(s.run());
    return ok_status();
  });
}

Result<records::ListedRecords> SqliteRecordStore::list(std::string_view collection,
                                                       const ListQuery& query) {
  // One record more than the page tells whether another page follows.
  const auto limit = static_cast<std::size_t>(std::max(query.limit, 0));
  if (limit == 0) return records::ListedRecords{};
  return db_.read([&](Connection& c) -> Result<records::ListedRecords> {
    CAIRN_ASSIGN_OR_RETURN(const Collection* coll, find_collection(c, collection));
    if (coll == nullptr) return records::ListedRecords{};
    int64_t order_field = -1;
    if (query.sort == SortBy::kField) {
      const int64_t position = position_of(coll->fields, query.field);
      if (position < 0) return records::ListedRecords{};  // the service refuses it before
      order_field = field_id(coll->id, static_cast<std::size_t>(position));
    }
    CAIRN_ASSIGN_OR_RETURN(Statement s, c.prepare(shaped_sql(list_shape(query))));
    if (query.sort == SortBy::kField) {
      s.bind(2, order_field);
    } else {
      s.bind(1, coll->id);
    }
    if (query.after) {
      if (query.sort == SortBy::kField) {
        bind_columns(s, 3, columns_of(query.after->key));
      } else if (query.sort != SortBy::kId) {
        const auto* key = query.after->key ? std::get_if<int64_t>(&*query.after->key) : nullptr;
        s.bind(4, key != nullptr ? *key : 0);
      }
      s.bind(6, query.after->id);
    }
    s.bind(7, static_cast<int64_t>(limit) + 1);
    bind_where(s, coll->id, coll->fields, query.where);
    records::ListedRecords out;
    out.records.reserve(std::min<std::size_t>(limit, 128));
    while (true) {
      CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
      if (!row) break;
      if (out.records.size() == limit) {
        std::optional<FieldValue> key;
        if (query.sort == SortBy::kField) {
          // One lookup of the last record's key, rather than three more result columns on every
          // row (they cost more than this, measured). The listing's read transaction is still
          // open, so this sees the same state.
          CAIRN_ASSIGN_OR_RETURN(Statement k,
                                 c.prepare("SELECT kind, int_value, text_value FROM record_fields "
                                           "WHERE key = (SELECT seq FROM records "
                                           "WHERE collection = ?1 AND id = ?2) * ?3 + ?4"));
          k.bind(1, coll->id).bind(2, out.records.back().id).bind(3, kFieldSlots);
          k.bind(4, order_field - coll->id * kFieldSlots);
          CAIRN_ASSIGN_OR_RETURN(bool found, k.step());
          if (found) key = field_key(k, 0);
        }
        out.next_after = position_after(out.records.back(), query.sort, std::move(key));
        break;
      }
      out.records.push_back(read_record(s));
    }
    return out;
  });
}

Result<int64_t> SqliteRecordStore::count(std::string_view collection, const records::Where& where) {
  return db_.read([&](Connection& c) -> Result<int64_t> {
    CAIRN_ASSIGN_OR_RETURN(const Collection* coll, find_collection(c, collection));
    if (coll == nullptr) return int64_t{0};
    CAIRN_ASSIGN_OR_RETURN(Statement s, c.prepare(shaped_sql(count_shape(where))));
    if (where.empty()) s.bind(1, coll->id);
    bind_where(s, coll->id, coll->fields, where);
    CAIRN_TRY(s.step());
    return s.column_int64(0);
  });
}

}  // namespace cairn::storage::sqlite
