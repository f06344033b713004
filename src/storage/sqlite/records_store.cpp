#include "storage/sqlite/records_store.hpp"

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

Result<Current> current(Connection& c, std::string_view collection, std::string_view id) {
  CAIRN_ASSIGN_OR_RETURN(
      Statement s, c.prepare("SELECT version, seq FROM records WHERE collection = ?1 AND id = ?2"));
  s.bind(1, collection).bind(2, id);
  CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
  if (!row) return Current{};
  return Current{s.column_int64(0), s.column_int64(1)};
}

// Field rows are keyed by their record's seq and the field's position in the collection's sorted
// field list (migration 12): the rows of record `seq` are keys [first_field_key(seq),
// first_field_key(seq + 1)).
constexpr int64_t kFieldSlots = static_cast<int64_t>(records::kMaxIndexedFields);
constexpr int64_t first_field_key(int64_t seq) { return seq * kFieldSlots; }

// SQL text and the values to bind, built together so that parameter numbers stay in step.
class QueryBuilder {
 public:
  int param(int64_t v) {
    values_.emplace_back(v);
    return static_cast<int>(values_.size());
  }
  int param(std::string_view v) {
    values_.emplace_back(std::string(v));
    return static_cast<int>(values_.size());
  }
  std::string p(int64_t v) { return "?" + std::to_string(param(v)); }
  std::string p(std::string_view v) { return "?" + std::to_string(param(v)); }

  // One JOIN per condition of `where`, on record_fields rows of the record `alias`.id.
  std::string where_joins(const records::Where& where, const std::string& alias,
                          int collection_param) {
    std::string sql;
    const std::string coll = "?" + std::to_string(collection_param);
    for (std::size_t i = 0; i < where.size(); ++i) {
      const std::string w = "w" + std::to_string(i);
      Columns c = columns_of(where[i].second);
      sql += " JOIN record_fields ";
      sql += w;
      sql += " ON ";
      bool first = true;
      for (const auto& [column, value] :
           {std::pair<const char*, std::string>{".collection = ", coll},
            {".id = ", alias + ".id"},
            {".field = ", p(where[i].first)},
            {".kind = ", p(c.kind)},
            {".int_value = ", p(c.int_value)},
            {".text_value = ", p(c.text_value)}}) {
        if (!first) sql += " AND ";
        first = false;
        sql += w;
        sql += column;
        sql += value;
      }
    }
    return sql;
  }

  void bind(Statement& s) const {
    for (std::size_t i = 0; i < values_.size(); ++i) {
      const int index = static_cast<int>(i) + 1;
      if (const int64_t* v = std::get_if<int64_t>(&values_[i])) {
        s.bind(index, *v);
      } else {
        s.bind(index, std::get<std::string>(values_[i]));
      }
    }
  }

 private:
  std::vector<std::variant<int64_t, std::string>> values_;
};

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

constexpr const char* kRecordColumns = "r.id, r.version, r.value, r.created_at, r.updated_at";

}  // namespace

Result<records::CollectionSpec> SqliteRecordStore::define(std::string_view collection,
                                                          const records::CollectionSpec& spec,
                                                          Timestamp at) {
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
    std::vector<int64_t> versions;
    versions.reserve(rows.size());
    for (const records::RecordRow& row : rows) {
      const std::string prefix = rows.size() > 1 ? "record '" + row.id + "': " : std::string();
      CAIRN_ASSIGN_OR_RETURN(Current now_at, current(c, collection, row.id));
      const int64_t actual = now_at.version;
      int64_t seq = now_at.seq;
      if (row.expected_version && *row.expected_version != actual) {
        return version_conflict(prefix, row.id, row.expected_version, actual);
      }
      if (row.fields.size() > records::kMaxIndexedFields) {
        return fail(ErrorCode::kInternal, "STORAGE_ERROR",
                    "a record has more indexed fields than the store has room for");
      }
      if (actual == 0) {
        // Plain INSERT ... RETURNING: portable, and the same statement the PostgreSQL store uses.
        CAIRN_ASSIGN_OR_RETURN(
            Statement insert,
            c.prepare("INSERT INTO records (collection, id, version, value, created_at, "
                      "updated_at) VALUES (?1, ?2, 1, ?3, ?4, ?4) RETURNING seq"));
        insert.bind(1, collection).bind(2, row.id).bind(3, row.value).bind(4, now);
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
            c.prepare("INSERT INTO record_fields (key, collection, field, id, seq, kind, "
                      "int_value, text_value, is_unique) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
                      "?9) ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, "
                      "int_value = excluded.int_value, text_value = excluded.text_value, "
                      "is_unique = excluded.is_unique"));
        field.bind(1, key).bind(2, collection).bind(3, f.field).bind(4, row.id).bind(5, seq);
        bind_columns(field, 6, value);
        field.bind(9, is_unique);
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
        update.bind(1, collection)
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
    CAIRN_ASSIGN_OR_RETURN(Statement s,
                           c.prepare("SELECT id, version, value, created_at, updated_at "
                                     "FROM records WHERE collection = ?1 AND id = ?2"));
    s.bind(1, collection).bind(2, id);
    return one_row<Record>(s, read_record);
  });
}

Status SqliteRecordStore::remove(std::string_view collection, std::string_view id,
                                 std::optional<int64_t> expected_version,
                                 std::span<const std::string> /*fields*/) {
  return db_.write([&](Connection& c) -> Status {
    CAIRN_ASSIGN_OR_RETURN(Current now_at, current(c, collection, id));
    const int64_t actual = now_at.version;
    if (actual == 0) {
      return fail(ErrorCode::kNotFound, "RECORDS_RECORD_NOT_FOUND",
                  "no record '" + std::string(id) + "'");
    }
    if (expected_version && *expected_version != actual) {
      return version_conflict("", id, expected_version, actual);
    }
    CAIRN_ASSIGN_OR_RETURN(Statement del,
                           c.prepare("DELETE FROM records WHERE collection = ?1 AND id = ?2"));
    del.bind(1, collection).bind(2, id);
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
  QueryBuilder q;
  const int coll = q.param(collection);
  const std::string cmp = query.descending ? " < " : " > ";
  const std::string dir = query.descending ? " DESC" : "";
  std::string sql = std::string("SELECT ") + kRecordColumns;
  if (query.sort == SortBy::kField) {
    sql += " FROM record_fields o JOIN records r ON r.seq = o.seq";
    sql += q.where_joins(query.where, "o", coll);
    sql += " WHERE o.collection = ?" + std::to_string(coll) + " AND o.field = " + q.p(query.field);
    if (query.after) {
      Columns c = columns_of(query.after->key);
      sql += " AND (o.kind, o.int_value, o.text_value, o.id)" + cmp + "(" + q.p(c.kind) + ", " +
             q.p(c.int_value) + ", " + q.p(c.text_value) + ", " + q.p(query.after->id) + ")";
    }
    sql +=
        " ORDER BY o.kind" + dir + ", o.int_value" + dir + ", o.text_value" + dir + ", o.id" + dir;
  } else {
    sql += " FROM records r";
    sql += q.where_joins(query.where, "r", coll);
    sql += " WHERE r.collection = ?" + std::to_string(coll);
    const std::string column = query.sort == SortBy::kCreatedAt ? "r.created_at" : "r.updated_at";
    if (query.sort == SortBy::kId) {
      if (query.after) sql += " AND r.id" + cmp + q.p(query.after->id);
      sql += " ORDER BY r.id" + dir;
    } else {
      if (query.after) {
        const auto* key = query.after->key ? std::get_if<int64_t>(&*query.after->key) : nullptr;
        sql += " AND (" + column + ", r.id)" + cmp + "(" + q.p(key ? *key : 0) + ", " +
               q.p(query.after->id) + ")";
      }
      sql += " ORDER BY " + column + dir + ", r.id" + dir;
    }
  }
  // One record more than the page tells whether another page follows.
  const auto limit = static_cast<std::size_t>(std::max(query.limit, 0));
  if (limit == 0) return records::ListedRecords{};
  sql += " LIMIT " + q.p(static_cast<int64_t>(limit) + 1);
  return db_.read([&](Connection& c) -> Result<records::ListedRecords> {
    CAIRN_ASSIGN_OR_RETURN(Statement s, c.prepare(sql));
    q.bind(s);
    records::ListedRecords out;
    out.records.reserve(std::min<std::size_t>(limit, 128));
    while (true) {
      CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
      if (!row) break;
      if (out.records.size() == limit) {
        std::optional<FieldValue> key;
        if (query.sort == SortBy::kField) {
          // One lookup for the last record's key, rather than three more result columns on
          // every row (they cost more than this, measured).
          CAIRN_ASSIGN_OR_RETURN(
              Statement k,
              c.prepare("SELECT f.kind, f.int_value, f.text_value FROM records r "
                        "JOIN record_fields f ON f.key >= r.seq * ?4 AND f.key < (r.seq + 1) * ?4 "
                        "WHERE r.collection = ?1 AND r.id = ?3 AND f.field = ?2"));
          k.bind(1, collection).bind(2, query.field).bind(3, out.records.back().id);
          k.bind(4, kFieldSlots);
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
  QueryBuilder q;
  const int coll = q.param(collection);
  std::string sql;
  if (where.empty()) {
    sql = "SELECT count(*) FROM records r WHERE r.collection = ?" + std::to_string(coll);
  } else {
    // The index rows alone answer: no record row is read.
    Columns c = columns_of(where[0].second);
    records::Where rest(where.begin() + 1, where.end());
    sql = "SELECT count(*) FROM record_fields f" + q.where_joins(rest, "f", coll) +
          " WHERE f.collection = ?" + std::to_string(coll) +
          " AND f.field = " + q.p(where[0].first) + " AND f.kind = " + q.p(c.kind) +
          " AND f.int_value = " + q.p(c.int_value) + " AND f.text_value = " + q.p(c.text_value);
  }
  return db_.read([&](Connection& c) -> Result<int64_t> {
    CAIRN_ASSIGN_OR_RETURN(Statement s, c.prepare(sql));
    q.bind(s);
    CAIRN_TRY(s.step());
    return s.column_int64(0);
  });
}

}  // namespace cairn::storage::sqlite
