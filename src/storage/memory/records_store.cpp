#include "storage/memory/records_store.hpp"

#include <algorithm>
#include <tuple>

namespace cairn::storage::memory {
namespace {

using records::FieldValue;
using records::ListPosition;
using records::Record;
using records::SortBy;

Unexpected<Error> version_conflict(std::string_view prefix, std::string_view id,
                                   std::optional<int64_t> expected, int64_t actual) {
  std::string message = std::string(prefix) + "record '" + std::string(id) + "' ";
  message += actual == 0 ? "does not exist" : "is at version " + std::to_string(actual);
  message += ", expected " + (expected && *expected == 0 ? std::string("none")
                                                         : "version " + std::to_string(*expected));
  return fail(ErrorCode::kAborted, "RECORDS_VERSION_CONFLICT", message);
}

}  // namespace

Result<records::CollectionSpec> MemoryRecordStore::define(std::string_view collection,
                                                          const records::CollectionSpec& spec,
                                                          Timestamp /*at*/) {
  std::lock_guard lock(mu_);
  auto it = collections_.find(collection);
  if (it == collections_.end()) {
    it = collections_.emplace(std::string(collection), Collection{spec, {}}).first;
  }
  return it->second.spec;
}

Result<std::optional<records::CollectionSpec>> MemoryRecordStore::spec(
    std::string_view collection) {
  std::lock_guard lock(mu_);
  auto it = collections_.find(collection);
  if (it == collections_.end()) return std::optional<records::CollectionSpec>();
  return std::optional<records::CollectionSpec>(it->second.spec);
}

Result<std::vector<std::string>> MemoryRecordStore::collections() {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, c] : collections_) out.push_back(name);
  return out;
}

Result<std::vector<int64_t>> MemoryRecordStore::put(std::string_view collection,
                                                    std::span<const records::RecordRow> rows,
                                                    Timestamp at) {
  std::lock_guard lock(mu_);
  auto cit = collections_.find(collection);
  if (cit == collections_.end()) {
    return fail(ErrorCode::kNotFound, "RECORDS_COLLECTION_NOT_FOUND", "no such collection");
  }
  Collection& c = cit->second;
  // Rows are checked against the records as this batch leaves them: staged wins over stored.
  std::map<std::string, Stored, std::less<>> staged;
  auto current = [&](std::string_view id) -> const Stored* {
    if (auto s = staged.find(id); s != staged.end()) return &s->second;
    if (auto r = c.records.find(id); r != c.records.end()) return &r->second;
    return nullptr;
  };
  std::vector<int64_t> versions;
  versions.reserve(rows.size());
  for (const records::RecordRow& row : rows) {
    const std::string prefix = rows.size() > 1 ? "record '" + row.id + "': " : std::string();
    const Stored* old = current(row.id);
    const int64_t actual = old ? old->record.version : 0;
    if (row.expected_version && *row.expected_version != actual) {
      return version_conflict(prefix, row.id, row.expected_version, actual);
    }
    for (const records::FieldEntry& f : row.fields) {
      if (!f.unique || !f.value) continue;
      auto clashes = [&](const std::string& id, const Stored& s) {
        if (id == row.id) return false;
        auto v = s.fields.find(f.field);
        return v != s.fields.end() && v->second == f.value;
      };
      bool clash = false;
      for (const auto& [id, s] : staged) clash = clash || clashes(id, s);
      for (const auto& [id, s] : c.records) {
        clash = clash || (!staged.contains(id) && clashes(id, s));
      }
      if (clash) {
        return fail(ErrorCode::kAlreadyExists, "RECORDS_UNIQUE_VIOLATION",
                    prefix + "another record has the same value of unique field '" + f.field + "'");
      }
    }
    Stored next;
    next.record.id = row.id;
    next.record.version = actual + 1;
    next.record.value = row.value;
    next.record.created_at = old ? old->record.created_at : at;
    next.record.updated_at = at;
    for (const records::FieldEntry& f : row.fields) next.fields[f.field] = f.value;
    staged.insert_or_assign(row.id, std::move(next));
    versions.push_back(actual + 1);
  }
  for (auto& [id, s] : staged) c.records.insert_or_assign(id, std::move(s));
  return versions;
}

Result<std::optional<Record>> MemoryRecordStore::get(std::string_view collection,
                                                     std::string_view id) {
  std::lock_guard lock(mu_);
  auto cit = collections_.find(collection);
  if (cit == collections_.end()) return std::optional<Record>();
  auto it = cit->second.records.find(id);
  if (it == cit->second.records.end()) return std::optional<Record>();
  return std::optional<Record>(it->second.record);
}

Status MemoryRecordStore::remove(std::string_view collection, std::string_view id,
                                 std::optional<int64_t> expected_version,
                                 std::span<const std::string> /*fields*/) {
  std::lock_guard lock(mu_);
  auto cit = collections_.find(collection);
  if (cit != collections_.end()) {
    auto& recs = cit->second.records;
    if (auto it = recs.find(id); it != recs.end()) {
      if (expected_version && *expected_version != it->second.record.version) {
        return version_conflict("", id, expected_version, it->second.record.version);
      }
      recs.erase(it);
      return ok_status();
    }
  }
  return fail(ErrorCode::kNotFound, "RECORDS_RECORD_NOT_FOUND",
              "no record '" + std::string(id) + "'");
}

namespace {

// The position of `s` in a listing by `query`.
ListPosition position_of(
    const Record& r, const std::map<std::string, std::optional<FieldValue>, std::less<>>& fields,
    const records::ListQuery& query) {
  ListPosition p;
  p.id = r.id;
  switch (query.sort) {
    case SortBy::kCreatedAt:
      p.key = to_unix_micros(r.created_at);
      break;
    case SortBy::kUpdatedAt:
      p.key = to_unix_micros(r.updated_at);
      break;
    case SortBy::kId:
      break;
    case SortBy::kField:
      if (auto it = fields.find(query.field); it != fields.end()) p.key = it->second;
      break;
  }
  return p;
}

// Absent first, then bool < integer < string (std::variant orders by alternative first).
bool before(const ListPosition& a, const ListPosition& b) {
  return std::tie(a.key, a.id) < std::tie(b.key, b.id);
}

template <class Fields>
bool matches(const Fields& fields, const records::Where& where) {
  return std::all_of(where.begin(), where.end(), [&](const auto& cond) {
    auto it = fields.find(cond.first);
    return it != fields.end() && it->second && *it->second == cond.second;
  });
}

}  // namespace

Result<records::ListedRecords> MemoryRecordStore::list(std::string_view collection,
                                                       const records::ListQuery& query) {
  std::lock_guard lock(mu_);
  records::ListedRecords out;
  auto cit = collections_.find(collection);
  if (cit == collections_.end()) return out;
  std::vector<std::pair<ListPosition, const Record*>> hits;
  for (const auto& [id, s] : cit->second.records) {
    if (!matches(s.fields, query.where)) continue;
    ListPosition p = position_of(s.record, s.fields, query);
    if (query.after) {
      bool past = query.descending ? before(p, *query.after) : before(*query.after, p);
      if (!past) continue;
    }
    hits.emplace_back(std::move(p), &s.record);
  }
  std::sort(hits.begin(), hits.end(), [&](const auto& a, const auto& b) {
    return query.descending ? before(b.first, a.first) : before(a.first, b.first);
  });
  const auto n = std::min(hits.size(), static_cast<std::size_t>(std::max(query.limit, 0)));
  out.records.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.records.push_back(*hits[i].second);
  if (n > 0 && hits.size() > n) out.next_after = hits[n - 1].first;
  return out;
}

Result<int64_t> MemoryRecordStore::count(std::string_view collection, const records::Where& where) {
  std::lock_guard lock(mu_);
  auto cit = collections_.find(collection);
  if (cit == collections_.end()) return int64_t{0};
  int64_t n = 0;
  for (const auto& [id, s] : cit->second.records) n += matches(s.fields, where) ? 1 : 0;
  return n;
}

}  // namespace cairn::storage::memory
