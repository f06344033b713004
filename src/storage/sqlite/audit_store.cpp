#include "storage/sqlite/audit_store.hpp"

#include <algorithm>
#include <iterator>
#include <map>
#include <span>

#include "storage/internal/audit_errors.hpp"
#include "storage/sqlite/rows.hpp"
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

// Skip index blocks: 1024 consecutive entries each.
constexpr int kBlockBits = 10;
int64_t block_id(int64_t log, uint64_t block) { return (log << 30) | static_cast<int64_t>(block); }

// FNV-1a, 64-bit: stable across processes and versions (it is stored), and fast. Collisions only
// make a query scan a block it did not need to.
uint64_t key_hash(std::string_view text) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

// A block's summary: one sorted set of key hashes per filterable column.
struct BlockKeys {
  std::vector<uint64_t> actors, resources, actions;
};

std::vector<uint64_t> hashes_of_blob(const Bytes& blob) {
  std::vector<uint64_t> out(blob.size() / 8);
  for (size_t i = 0; i < out.size(); ++i) {
    uint64_t v = 0;
    for (int b = 0; b < 8; ++b) v = (v << 8) | blob[i * 8 + static_cast<size_t>(b)];
    out[i] = v;
  }
  return out;
}

Bytes blob_of_hashes(const std::vector<uint64_t>& hashes) {
  Bytes out;
  out.reserve(hashes.size() * 8);
  for (uint64_t v : hashes) {
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
  }
  return out;
}

// Adds `more` (unsorted, with repeats) to the sorted set `set`.
void merge_into(std::vector<uint64_t>& set, std::vector<uint64_t> more) {
  std::sort(more.begin(), more.end());
  std::vector<uint64_t> merged;
  merged.reserve(set.size() + more.size());
  std::set_union(set.begin(), set.end(), more.begin(), more.end(), std::back_inserter(merged));
  merged.erase(std::unique(merged.begin(), merged.end()), merged.end());
  set = std::move(merged);
}

bool contains(const std::vector<uint64_t>& set, const std::optional<std::string>& key) {
  return !key || std::binary_search(set.begin(), set.end(), key_hash(*key));
}

// Adds the batch's keys to the summaries of the blocks it touches (one or two per batch).
Status update_blocks(Connection& c, int64_t log, const std::vector<StoredEntry>& entries) {
  std::map<uint64_t, BlockKeys> added;
  for (const StoredEntry& s : entries) {
    BlockKeys& k = added[s.entry.seq >> kBlockBits];
    k.actors.push_back(key_hash(s.entry.actor_id));
    k.resources.push_back(key_hash(s.entry.resource_id));
    k.actions.push_back(key_hash(s.entry.action));
  }
  CAIRN_ASSIGN_OR_RETURN(
      Statement read,
      c.prepare("SELECT actors, resources, actions FROM audit_blocks WHERE id = ?1"));
  CAIRN_ASSIGN_OR_RETURN(
      Statement write,
      c.prepare("INSERT OR REPLACE INTO audit_blocks (id, actors, resources, actions) "
                "VALUES (?1, ?2, ?3, ?4)"));
  for (auto& [block, keys] : added) {
    BlockKeys current;
    read.bind(1, block_id(log, block));
    CAIRN_ASSIGN_OR_RETURN(bool row, read.step());
    if (row) {
      current.actors = hashes_of_blob(read.column_blob(0));
      current.resources = hashes_of_blob(read.column_blob(1));
      current.actions = hashes_of_blob(read.column_blob(2));
    }
    read.reset();
    merge_into(current.actors, std::move(keys.actors));
    merge_into(current.resources, std::move(keys.resources));
    merge_into(current.actions, std::move(keys.actions));
    write.bind(1, block_id(log, block))
        .bind_blob(2, blob_of_hashes(current.actors))
        .bind_blob(3, blob_of_hashes(current.resources))
        .bind_blob(4, blob_of_hashes(current.actions));
    CAIRN_TRY(write.run());
    write.reset();
  }
  return ok_status();
}

Result<Hash> to_hash(const Bytes& bytes) {
  if (bytes.size() != 32) {
    return fail(ErrorCode::kDataLoss, "STORAGE_CORRUPT", "a stored audit hash is not 32 bytes");
  }
  Hash h;
  std::copy(bytes.begin(), bytes.end(), h.begin());
  return h;
}

// Tree nodes are stored in tiles (migration 15): one audit_tiles row per 16 consecutive nodes of
// a level, keyed like a node row by the tile's number (index / 16), holding the nodes' hashes in
// order (32 bytes each; a tile at the right edge of the tree holds fewer and is rewritten as it
// fills). A batch of 1000 entries writes about 130 tile rows instead of about 2000 node rows,
// which was a third of an append. Logs written before keep their audit_nodes rows: a position
// not found in a tile is read from there, and the first tile a newer append completes copies the
// older nodes it starts with.
constexpr uint64_t kTileNodes = 16;

// Appends to `out` up to `count` hashes of `level` from `index` on, read from tiles, stopping at
// the first position no tile holds; returns how many.
Result<size_t> read_tiled(Connection& c, int64_t log, uint32_t level, uint64_t index, size_t count,
                          std::vector<Hash>& out) {
  CAIRN_ASSIGN_OR_RETURN(
      Statement s,
      c.prepare("SELECT id - ?3, hashes FROM audit_tiles WHERE id >= ?1 AND id <= ?2 ORDER BY id"));
  const uint64_t last = index + count - 1;
  s.bind(1, node_id(log, level, index / kTileNodes))
      .bind(2, node_id(log, level, last / kTileNodes))
      .bind(3, node_id(log, level, 0));
  size_t got = 0;
  while (got < count) {
    CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row) break;
    const auto tile = static_cast<uint64_t>(s.column_int64(0));
    const uint64_t at = index + got;     // the next position wanted
    if (tile != at / kTileNodes) break;  // a missing tile
    const Bytes hashes = s.column_blob(1);
    if (hashes.empty() || hashes.size() % 32 != 0 || hashes.size() > 32 * kTileNodes) {
      return fail(ErrorCode::kDataLoss, "STORAGE_CORRUPT", "a stored audit tile is malformed");
    }
    const uint64_t held = hashes.size() / 32;
    for (uint64_t i = at % kTileNodes; i < held && got < count; ++i, ++got) {
      Hash h;
      std::copy_n(hashes.begin() + static_cast<std::ptrdiff_t>(32 * i), 32, h.begin());
      out.push_back(h);
    }
    if (held < kTileNodes) break;  // the tree's right edge: nothing after it
  }
  return got;
}

// The same from audit_nodes rows (logs written before migration 15).
Result<size_t> read_untiled(Connection& c, int64_t log, uint32_t level, uint64_t index,
                            size_t count, std::vector<Hash>& out) {
  CAIRN_ASSIGN_OR_RETURN(
      Statement s, c.prepare("SELECT id - ?3, hash FROM audit_nodes WHERE id >= ?1 AND id < ?2 "
                             "ORDER BY id"));
  s.bind(1, node_id(log, level, index))
      .bind(2, node_id(log, level, index + count))
      .bind(3, node_id(log, level, 0));
  size_t got = 0;
  while (true) {
    CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row) break;
    // Stop at a hole: callers index the result by offset from `index`.
    if (static_cast<uint64_t>(s.column_int64(0)) != index + got) break;
    CAIRN_ASSIGN_OR_RETURN(Hash h, to_hash(s.column_blob(1)));
    out.push_back(h);
    ++got;
  }
  return got;
}

// Up to `count` hashes of `level` from `index` on, from tiles and older node rows, stopping at
// the first position neither holds.
Result<std::vector<Hash>> read_nodes(Connection& c, int64_t log, uint32_t level, uint64_t index,
                                     size_t count) {
  std::vector<Hash> out;
  out.reserve(std::min<size_t>(count, 4096));
  while (out.size() < count) {
    const uint64_t at = index + out.size();
    const size_t left = count - out.size();
    CAIRN_ASSIGN_OR_RETURN(size_t tiled, read_tiled(c, log, level, at, left, out));
    if (tiled != 0) continue;
    CAIRN_ASSIGN_OR_RETURN(size_t untiled, read_untiled(c, log, level, at, left, out));
    if (untiled == 0) break;
  }
  return out;
}

// Writes the nodes an append created (`nodes`: in creation order; each level's in index order,
// continuing where the level ended) into their tiles.
Status write_nodes(Connection& c, int64_t log, std::span<const audit::Frontier::NewNode> nodes) {
  std::map<uint32_t, std::pair<uint64_t, std::vector<const Hash*>>> levels;  // first index, hashes
  for (const auto& n : nodes) {
    auto [it, fresh] = levels.try_emplace(n.level);
    if (fresh) it->second.first = n.index;
    if (n.index != it->second.first + it->second.second.size()) {
      return fail(ErrorCode::kInternal, "STORAGE_ERROR", "audit nodes out of order");
    }
    it->second.second.push_back(&n.hash);
  }
  CAIRN_ASSIGN_OR_RETURN(
      Statement write,
      c.prepare("INSERT OR REPLACE INTO audit_tiles (id, hashes) VALUES (?1, ?2)"));
  Bytes tile;
  tile.reserve(32 * kTileNodes);
  for (const auto& [level, run] : levels) {
    const auto& [first, hashes] = run;
    uint64_t index = first - first % kTileNodes;  // the first tile's first position
    tile.clear();
    if (index != first) {
      // The tile holds nodes already: read them, to write the tile whole.
      std::vector<Hash> held;
      CAIRN_ASSIGN_OR_RETURN(held, read_nodes(c, log, level, index, first - index));
      if (held.size() != first - index) {
        return internal::audit_node_missing(level, index + held.size());
      }
      for (const Hash& h : held) tile.insert(tile.end(), h.begin(), h.end());
    }
    for (size_t i = 0; i < hashes.size(); ++i) {
      tile.insert(tile.end(), hashes[i]->begin(), hashes[i]->end());
      if (tile.size() == 32 * kTileNodes || i + 1 == hashes.size()) {
        write.bind(1, node_id(log, level, index / kTileNodes)).bind_blob_unowned(2, tile);
        CAIRN_TRY(write.run());
        write.reset();
        index += tile.size() / 32;
        tile.clear();
      }
    }
  }
  return ok_status();
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

Result<bool> SqliteAuditStore::replace_keys(std::string_view log, const audit::LogKeys& current,
                                            const audit::LogKeys& replacement) {
  // The keys replaced are secrets (plaintext keys being sealed): they must not stay readable in
  // the file's unused space. secure_delete zeroes the row's old bytes; earlier copies left behind
  // by the log's appends (each rewrites the row; SQLite builds without SQLITE_SECURE_DELETE leave
  // the old bytes) go only when the file is rebuilt: VACUUM below.
  CAIRN_ASSIGN_OR_RETURN(bool replaced, db_.write([&](Connection& c) {
    return with_secure_delete(c, [&]() -> Result<bool> {
      CAIRN_ASSIGN_OR_RETURN(
          Statement s,
          c.prepare("UPDATE audit_logs SET signing_key_pem = ?4, redaction_key = ?5 "
                    "WHERE name = ?1 AND signing_key_pem = ?2 AND redaction_key = ?3"));
      s.bind(1, log)
          .bind(2, current.signing_key_pem)
          .bind_blob(3, current.redaction_key)
          .bind(4, replacement.signing_key_pem)
          .bind_blob(5, replacement.redaction_key);
      CAIRN_ASSIGN_OR_RETURN(int64_t n, changed(c, s));
      if (n > 0) return true;
      CAIRN_ASSIGN_OR_RETURN(Statement exists,
                             c.prepare("SELECT 1 FROM audit_logs WHERE name = ?1"));
      exists.bind(1, log);
      CAIRN_ASSIGN_OR_RETURN(bool row, exists.step());
      if (!row) return internal::audit_log_not_found(log);
      return false;
    });
  }));
  if (replaced) {
    // Best effort, once per log: the keys are replaced already, and a failed compaction (another
    // process busy with the file) must not fail the open. docs/audit.md says how to redo it.
    (void)db_.read([](Connection& c) { return c.exec("VACUUM"); });
  }
  return replaced;
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
      // `p` outlives `insert` (declared before it), so its bytes need no copies.
      insert.bind(1, entry_id(id, e.seq))
          .bind(3, to_unix_micros(e.time))
          .bind_unowned(4, e.actor_type)
          .bind_unowned(5, e.actor_id)
          .bind_unowned(6, e.action)
          .bind_unowned(7, e.resource_type)
          .bind_unowned(8, e.resource_id)
          .bind_unowned(9, e.outcome)
          .bind_unowned(10, e.details)
          .bind_unowned(11, e.ip)
          .bind_unowned(12, e.user_agent)
          .bind_unowned(13, e.request_id)
          .bind_blob_unowned(14, s.leaf)
          .bind_blob_unowned(15, s.link);
      CAIRN_TRY(insert.run());
      insert.reset();
    }
    CAIRN_TRY(write_nodes(c, id, p.nodes));
    CAIRN_TRY(update_blocks(c, id, p.entries));
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
    auto bind_text = [&](int i, const std::optional<std::string>& v) {
      if (v) {
        s.bind(i, *v);
      } else {
        s.bind_null(i);
      }
    };
    // Scans entries [from, to) with the filters, appending matches until the limit.
    auto scan_range = [&](uint64_t from, uint64_t to) -> Status {
      s.bind(1, entry_id(id, from)).bind(2, entry_id(id, to));
      bind_text(3, q.actor_id);
      bind_text(4, q.action);
      bind_text(5, q.resource_id);
      s.bind(6, static_cast<int64_t>(q.limit - out.size()));
      CAIRN_ASSIGN_OR_RETURN(std::vector<StoredEntry> found, read_entries(s));
      s.reset();
      for (StoredEntry& e : found) out.push_back(std::move(e));
      return ok_status();
    };
    if (!q.actor_id && !q.action && !q.resource_id) {
      CAIRN_TRY(scan_range(begin, end));
      return out;
    }
    // Key filters: walk the block summaries in order and scan only blocks that can match.
    CAIRN_ASSIGN_OR_RETURN(Statement blocks,
                           c.prepare("SELECT id, actors, resources, actions FROM audit_blocks "
                                     "WHERE id >= ?1 AND id <= ?2 ORDER BY id"));
    uint64_t first_block = begin >> kBlockBits;
    uint64_t last_block = (end - 1) >> kBlockBits;
    blocks.bind(1, block_id(id, first_block)).bind(2, block_id(id, last_block));
    uint64_t expected_block = first_block;
    auto scan_block = [&](uint64_t block) -> Status {
      uint64_t from = std::max(begin, block << kBlockBits);
      uint64_t to = std::min(end, (block + 1) << kBlockBits);
      return from < to ? scan_range(from, to) : ok_status();
    };
    while (out.size() < q.limit) {
      CAIRN_ASSIGN_OR_RETURN(bool row, blocks.step());
      uint64_t block =
          row ? static_cast<uint64_t>(blocks.column_int64(0) - block_id(id, 0)) : last_block + 1;
      // A block without a summary (a damaged log) is scanned rather than skipped.
      for (; expected_block < block && out.size() < q.limit; ++expected_block) {
        CAIRN_TRY(scan_block(expected_block));
      }
      if (!row || out.size() >= q.limit) break;
      expected_block = block + 1;
      if (contains(hashes_of_blob(blocks.column_blob(1)), q.actor_id) &&
          contains(hashes_of_blob(blocks.column_blob(2)), q.resource_id) &&
          contains(hashes_of_blob(blocks.column_blob(3)), q.action)) {
        CAIRN_TRY(scan_block(block));
      }
    }
    return out;
  });
}

Result<Hash> SqliteAuditStore::node(std::string_view log, uint32_t level, uint64_t index) {
  CAIRN_ASSIGN_OR_RETURN(int64_t id, log_id(log));
  return db_.read([&](Connection& c) -> Result<Hash> {
    CAIRN_ASSIGN_OR_RETURN(std::vector<Hash> found, read_nodes(c, id, level, index, 1));
    if (found.empty()) return internal::audit_node_missing(level, index);
    return found.front();
  });
}

Result<std::vector<Hash>> SqliteAuditStore::nodes(std::string_view log, uint32_t level,
                                                  uint64_t index, size_t count) {
  CAIRN_ASSIGN_OR_RETURN(int64_t id, log_id(log));
  if (count == 0) return std::vector<Hash>();
  return db_.read([&](Connection& c) -> Result<std::vector<Hash>> {
    return read_nodes(c, id, level, index, count);
  });
}

}  // namespace cairn::storage::sqlite
