#include "storage/sqlite/audit_store.hpp"

#include "storage/internal/audit_errors.hpp"
#include "storage/sqlite/sqlite_database.hpp"

namespace cairn::storage::sqlite {
namespace {

using audit::Hash;
using audit::StoredEntry;

constexpr std::string_view kEntryColumns =
    "id & 1099511627775, time, actor_type, actor_id, action, resource_type, resource_id, "
    "outcome, details, ip, user_agent, request_id, leaf, link";

// Row ids (migration 2): entries (log << 40) | seq, nodes (log << 47) | (level << 41) | index.
// Limits: 2^40 entries per log, 2^16 logs.
constexpr int kSeqBits = 40;
int64_t entry_id(int64_t log, uint64_t seq) {
  return (log << kSeqBits) | static_cast<int64_t>(seq);
}
int64_t node_id(int64_t log, uint32_t level, uint64_t index) {
  return (log << 47) | (static_cast<int64_t>(level) << 41) | static_cast<int64_t>(index);
}

Result<Hash> to_hash(const Bytes& bytes) {
  if (bytes.size() != 32) {
    return fail(ErrorCode::kDataLoss, "STORAGE_CORRUPT", "a stored audit hash is not 32 bytes");
  }
  Hash h;
  std::copy(bytes.begin(), bytes.end(), h.begin());
  return h;
}

Result<StoredEntry> read_entry(const Statement& s) {
  StoredEntry out;
  audit::Entry& e = out.entry;
  e.seq = static_cast<uint64_t>(s.column_int64(0));
  e.time = from_unix_micros(s.column_int64(1));
  e.actor_type = s.column_text(2);
  e.actor_id = s.column_text(3);
  e.action = s.column_text(4);
  e.resource_type = s.column_text(5);
  e.resource_id = s.column_text(6);
  e.outcome = s.column_text(7);
  e.details = s.column_text(8);
  e.ip = s.column_text(9);
  e.user_agent = s.column_text(10);
  e.request_id = s.column_text(11);
  CAIRN_ASSIGN_OR_RETURN(out.leaf, to_hash(s.column_blob(12)));
  CAIRN_ASSIGN_OR_RETURN(out.link, to_hash(s.column_blob(13)));
  return out;
}

Result<std::vector<StoredEntry>> read_entries(Statement& s) {
  std::vector<StoredEntry> out;
  while (true) {
    CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row) return out;
    CAIRN_ASSIGN_OR_RETURN(StoredEntry e, read_entry(s));
    out.push_back(std::move(e));
  }
}

Result<audit::LogHead> read_head(Connection& c, int64_t id) {
  CAIRN_ASSIGN_OR_RETURN(
      Statement s, c.prepare("SELECT size, chain_head, frontier FROM audit_logs WHERE id = ?1"));
  s.bind(1, id);
  CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
  if (!row) return internal::audit_log_not_found(std::to_string(id));
  audit::LogHead head;
  head.frontier.size = static_cast<uint64_t>(s.column_int64(0));
  head.last_time = from_unix_micros(s.column_int64(3));
  CAIRN_ASSIGN_OR_RETURN(head.chain_head, to_hash(s.column_blob(1)));
  Bytes peaks = s.column_blob(2);
  if (peaks.size() != 32 * static_cast<size_t>(std::popcount(head.frontier.size))) {
    return fail(ErrorCode::kDataLoss, "STORAGE_CORRUPT",
                "the audit log's stored frontier does not match its size");
  }
  for (size_t i = 0; i < peaks.size(); i += 32) {
    Hash h;
    std::copy(peaks.begin() + static_cast<ptrdiff_t>(i),
              peaks.begin() + static_cast<ptrdiff_t>(i + 32), h.begin());
    head.frontier.peaks.push_back(h);
  }
  return head;
}

}  // namespace

Result<int64_t> SqliteAuditStore::log_id(std::string_view log) {
  {
    std::lock_guard lock(ids_mu_);
    auto it = ids_.find(std::string(log));
    if (it != ids_.end()) return it->second;
  }
  auto id = db_.read([&](Connection& c) -> Result<int64_t> {
    CAIRN_ASSIGN_OR_RETURN(Statement s, c.prepare("SELECT id FROM audit_logs WHERE name = ?1"));
    s.bind(1, log);
    CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row) return internal::audit_log_not_found(log);
    return s.column_int64(0);
  });
  if (id) {
    std::lock_guard lock(ids_mu_);
    ids_.emplace(std::string(log), *id);
  }
  return id;
}

Result<audit::LogKeys> SqliteAuditStore::open_log(std::string_view log,
                                                  const audit::LogKeys& fresh) {
  CAIRN_TRY(db_.write([&](Connection& c) -> Status {
    CAIRN_ASSIGN_OR_RETURN(
        Statement s,
        c.prepare("INSERT INTO audit_logs (name, signing_key_pem, redaction_key, created_at, "
                  "size, chain_head, frontier, last_time) VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, 0) "
                  "ON CONFLICT (name) DO NOTHING"));
    Hash genesis = audit::kGenesisLink;
    s.bind(1, log)
        .bind(2, fresh.signing_key_pem)
        .bind_blob(3, fresh.redaction_key)
        .bind(4, to_unix_micros(fresh.created_at))
        .bind_blob(5, genesis)
        .bind_blob(6, {});
    return s.run();
  }));
  return db_.read([&](Connection& c) -> Result<audit::LogKeys> {
    CAIRN_ASSIGN_OR_RETURN(
        Statement s, c.prepare("SELECT signing_key_pem, redaction_key, created_at FROM audit_logs "
                               "WHERE name = ?1"));
    s.bind(1, log);
    CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row) return internal::audit_log_not_found(log);
    audit::LogKeys keys;
    keys.signing_key_pem = s.column_text(0);
    keys.redaction_key = s.column_blob(1);
    keys.created_at = from_unix_micros(s.column_int64(2));
    return keys;
  });
}

Result<audit::LogHead> SqliteAuditStore::head(std::string_view log) {
  CAIRN_ASSIGN_OR_RETURN(int64_t id, log_id(log));
  return db_.read([&](Connection& c) { return read_head(c, id); });
}

Result<audit::LogHead> SqliteAuditStore::append(std::string_view log, const Planner& plan) {
  CAIRN_ASSIGN_OR_RETURN(int64_t id, log_id(log));
  return db_.write([&](Connection& c) -> Result<audit::LogHead> {
    // Inside BEGIN IMMEDIATE: no other connection, in this process or another, can append now.
    CAIRN_ASSIGN_OR_RETURN(audit::LogHead head, read_head(c, id));
    CAIRN_ASSIGN_OR_RETURN(audit::AppendPlan p, plan(head));
    CAIRN_ASSIGN_OR_RETURN(
        Statement insert,
        c.prepare("INSERT INTO audit_entries (id, time, actor_type, actor_id, action, "
                  "resource_type, resource_id, outcome, details, ip, user_agent, request_id, "
                  "leaf, link) VALUES (?1, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
                  "?15)"));
    for (const StoredEntry& s : p.entries) {
      const audit::Entry& e = s.entry;
      insert.bind(1, entry_id(id, e.seq))
          .bind(3, to_unix_micros(e.time))
          .bind(4, e.actor_type)
          .bind(5, e.actor_id)
          .bind(6, e.action)
          .bind(7, e.resource_type)
          .bind(8, e.resource_id)
          .bind(9, e.outcome)
          .bind(10, e.details)
          .bind(11, e.ip)
          .bind(12, e.user_agent)
          .bind(13, e.request_id)
          .bind_blob(14, s.leaf)
          .bind_blob(15, s.link);
      CAIRN_TRY(insert.run());
      insert.reset();
    }
    CAIRN_ASSIGN_OR_RETURN(Statement node,
                           c.prepare("INSERT INTO audit_nodes (id, hash) VALUES (?1, ?2)"));
    for (const auto& n : p.nodes) {
      node.bind(1, node_id(id, n.level, n.index)).bind_blob(2, n.hash);
      CAIRN_TRY(node.run());
      node.reset();
    }
    Bytes peaks;
    for (const Hash& h : p.head.frontier.peaks) peaks.insert(peaks.end(), h.begin(), h.end());
    CAIRN_ASSIGN_OR_RETURN(
        Statement update,
        c.prepare("UPDATE audit_logs SET size = ?2, chain_head = ?3, frontier = ?4, "
                  "last_time = ?5 WHERE id = ?1"));
    update.bind(1, id)
        .bind(2, static_cast<int64_t>(p.head.size()))
        .bind_blob(3, p.head.chain_head)
        .bind_blob(4, peaks)
        .bind(5, to_unix_micros(p.head.last_time));
    CAIRN_TRY(update.run());
    return p.head;
  });
}

Result<StoredEntry> SqliteAuditStore::entry(std::string_view log, uint64_t seq) {
  CAIRN_ASSIGN_OR_RETURN(int64_t id, log_id(log));
  return db_.read([&](Connection& c) -> Result<StoredEntry> {
    CAIRN_ASSIGN_OR_RETURN(Statement s, c.prepare("SELECT " + std::string(kEntryColumns) +
                                                  " FROM audit_entries WHERE id = ?1"));
    s.bind(1, entry_id(id, seq));
    CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row) return internal::audit_entry_not_found(seq);
    return read_entry(s);
  });
}

Result<std::vector<StoredEntry>> SqliteAuditStore::scan(std::string_view log, uint64_t from_seq,
                                                        size_t limit) {
  CAIRN_ASSIGN_OR_RETURN(int64_t id, log_id(log));
  return db_.read([&](Connection& c) -> Result<std::vector<StoredEntry>> {
    CAIRN_ASSIGN_OR_RETURN(Statement s, c.prepare("SELECT " + std::string(kEntryColumns) +
                                                  " FROM audit_entries WHERE id >= ?1 AND id <= ?2 "
                                                  "ORDER BY id LIMIT ?3"));
    s.bind(1, entry_id(id, from_seq))
        .bind(2, entry_id(id, (uint64_t{1} << kSeqBits) - 1))
        .bind(3, static_cast<int64_t>(limit));
    return read_entries(s);
  });
}

namespace {

// The first seq in [lo, hi) whose entry time is >= t, by binary search (times never decrease).
Result<uint64_t> first_at_or_after(Connection& c, int64_t log, uint64_t lo, uint64_t hi,
                                   Timestamp t) {
  CAIRN_ASSIGN_OR_RETURN(Statement s, c.prepare("SELECT time FROM audit_entries WHERE id = ?1"));
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo) / 2;
    s.bind(1, entry_id(log, mid));
    CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
    // A missing row (a damaged log) counts as "later", keeping the search bounded.
    bool before = row && s.column_int64(0) < to_unix_micros(t);
    s.reset();
    if (before) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

}  // namespace

Result<std::vector<StoredEntry>> SqliteAuditStore::query(std::string_view log,
                                                         const audit::EntryQuery& q) {
  CAIRN_ASSIGN_OR_RETURN(int64_t id, log_id(log));
  return db_.read([&](Connection& c) -> Result<std::vector<StoredEntry>> {
    CAIRN_ASSIGN_OR_RETURN(audit::LogHead head, read_head(c, id));
    uint64_t begin = q.after_seq ? *q.after_seq + 1 : 0;
    uint64_t end = head.size();
    if (q.since) {
      CAIRN_ASSIGN_OR_RETURN(begin, first_at_or_after(c, id, begin, end, *q.since));
    }
    if (q.until) {
      CAIRN_ASSIGN_OR_RETURN(end, first_at_or_after(c, id, begin, end, *q.until));
    }
    std::vector<StoredEntry> out;
    if (begin >= end) return out;
    // One statement for every filter combination: an unset filter binds NULL and matches all.
    CAIRN_ASSIGN_OR_RETURN(
        Statement s, c.prepare("SELECT " + std::string(kEntryColumns) +
                               " FROM audit_entries WHERE id >= ?1 AND id < ?2"
                               " AND (?3 IS NULL OR actor_id = ?3) AND (?4 IS NULL OR action = ?4)"
                               " AND (?5 IS NULL OR resource_id = ?5) ORDER BY id LIMIT ?6"));
    s.bind(1, entry_id(id, begin)).bind(2, entry_id(id, end));
    auto bind_text = [&](int i, const std::optional<std::string>& v) {
      if (v) {
        s.bind(i, *v);
      } else {
        s.bind_null(i);
      }
    };
    bind_text(3, q.actor_id);
    bind_text(4, q.action);
    bind_text(5, q.resource_id);
    s.bind(6, static_cast<int64_t>(q.limit));
    return read_entries(s);
  });
}

Result<Hash> SqliteAuditStore::node(std::string_view log, uint32_t level, uint64_t index) {
  CAIRN_ASSIGN_OR_RETURN(int64_t id, log_id(log));
  return db_.read([&](Connection& c) -> Result<Hash> {
    CAIRN_ASSIGN_OR_RETURN(Statement s, c.prepare("SELECT hash FROM audit_nodes WHERE id = ?1"));
    s.bind(1, node_id(id, level, index));
    CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row) return internal::audit_node_missing(level, index);
    return to_hash(s.column_blob(0));
  });
}

Result<std::vector<Hash>> SqliteAuditStore::nodes(std::string_view log, uint32_t level,
                                                  uint64_t index, size_t count) {
  CAIRN_ASSIGN_OR_RETURN(int64_t id, log_id(log));
  return db_.read([&](Connection& c) -> Result<std::vector<Hash>> {
    CAIRN_ASSIGN_OR_RETURN(
        Statement s, c.prepare("SELECT id - ?3, hash FROM audit_nodes WHERE id >= ?1 AND id < ?2 "
                               "ORDER BY id"));
    s.bind(1, node_id(id, level, index))
        .bind(2, node_id(id, level, index + count))
        .bind(3, node_id(id, level, 0));
    std::vector<Hash> out;
    while (true) {
      CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
      if (!row) break;
      // Stop at a hole: callers index the result by offset from `index`.
      if (static_cast<uint64_t>(s.column_int64(0)) != index + out.size()) break;
      CAIRN_ASSIGN_OR_RETURN(Hash h, to_hash(s.column_blob(1)));
      out.push_back(h);
    }
    return out;
  });
}

}  // namespace cairn::storage::sqlite
