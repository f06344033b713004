#include "cairn/audit/log.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "audit/internal/sealed_keys.hpp"
#include "audit/internal/verifier.hpp"
#include "cairn/core/encoding.hpp"
#include "cairn/crypto/aead.hpp"
#include "cairn/crypto/random.hpp"
#include "cairn/crypto/secure.hpp"

namespace cairn::audit {
namespace {

constexpr size_t kMaxBatch = 1000;
constexpr size_t kMaxQueryLimit = 1000;
constexpr size_t kVerifyChunk = 4096;

// Reads persisted tree nodes of one log.
class StoreNodes final : public NodeReader {
 public:
  StoreNodes(AuditStore& store, std::string_view log) : store_(store), log_(log) {}
  Result<Hash> node(uint32_t level, uint64_t index) override {
    return store_.node(log_, level, index);
  }

 private:
  AuditStore& store_;
  std::string_view log_;
};

void put_u64(Bytes& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

Unexpected<Error> size_out_of_range(uint64_t asked, uint64_t size) {
  return fail(ErrorCode::kOutOfRange, "AUDIT_INDEX_OUT_OF_RANGE",
              "size " + std::to_string(asked) + " is beyond the log's " + std::to_string(size) +
                  " entries");
}

}  // namespace

Bytes TreeHead::signed_bytes() const {
  static constexpr std::string_view kLabel = "cairn-audit-tree-head-v1";
  Bytes out(kLabel.begin(), kLabel.end());
  put_u64(out, size);
  out.insert(out.end(), root.begin(), root.end());
  out.insert(out.end(), chain_head.begin(), chain_head.end());
  put_u64(out, static_cast<uint64_t>(to_unix_micros(time)));
  return out;
}

bool verify_tree_head(const TreeHead& head, const crypto::PublicKey& key) {
  return key.verify(head.signed_bytes(), head.signature);
}

std::string_view damage_name(Damage damage) noexcept {
  switch (damage) {
    case Damage::kNone:
      return "none";
    case Damage::kModified:
      return "modified";
    case Damage::kDeleted:
      return "deleted";
    case Damage::kInserted:
      return "inserted";
    case Damage::kReordered:
      return "reordered";
    case Damage::kTruncated:
      return "truncated";
    case Damage::kTreeHead:
      return "tree_head";
  }
  return "unknown";
}

Error chain_broken(const VerifyReport& report) {
  return {ErrorCode::kDataLoss, "AUDIT_CHAIN_BROKEN",
          "audit log damaged (" + std::string(damage_name(report.damage)) + ") at sequence " +
              std::to_string(report.first_bad_seq) + ": " + report.detail};
}

struct AuditLog::State {
  AuditStore& store;
  std::string name;
  Env& env;
  LogOptions options;
  crypto::PrivateKey signing_key;
  crypto::PublicKey public_key;
  Bytes redaction_key;

  // The asynchronous writer (kAsync only).
  std::mutex mu;
  std::condition_variable wake;
  std::condition_variable idle;
  std::deque<EntryInput> queue;
  bool writing = false;
  bool stopping = false;
  std::atomic<uint64_t> dropped{0};
  std::thread writer;

  State(AuditStore& s, std::string n, Env& e, const LogOptions& o, crypto::PrivateKey key,
        Bytes redaction)
      : store(s),
        name(std::move(n)),
        env(e),
        options(o),
        signing_key(std::move(key)),
        public_key(signing_key.public_key()),
        redaction_key(std::move(redaction)) {}

  // Appending: the invariants.
  //
  // Let H be the log's head in the store (size n, chain head c, Merkle frontier F, last time t)
  // and e_0 .. e_{n-1} its entries. Before and after every append:
  //
  //   (I1) Entry i has seq i: sequence numbers are dense, start at 0, and never repeat.
  //   (I2) leaf_i = leaf_hash(encode(e_i)) (RFC 6962: SHA-256(0x00 || encoding)); the encoding
  //        covers every field of the entry, seq and time included.
  //   (I3) link_i = SHA-256(link_{i-1} || leaf_i) with link_{-1} = 32 zero bytes, and c is
  //        link_{n-1} (32 zero bytes for an empty log).
  //   (I4) F holds the peaks of the Merkle tree over leaf_0 .. leaf_{n-1}, and every perfect
  //        subtree node of that tree is persisted (what proofs and root(m) read).
  //   (I5) time_i <= time_{i+1}, and t = time_{n-1}: a time range is a sequence range.
  //   (I6) Entries and nodes, once written, are never updated or deleted by the log (only the
  //        head and its summaries are rewritten, by the append itself). Sensitive detail values
  //        were replaced by their HMAC (redaction key) before hashing: no plaintext secret reaches
  //        a leaf.
  //
  // How an append keeps them: validation and canonicalization (normalize) run first, outside
  // any lock, and touch nothing. Then AuditStore::append runs the planner below *inside* the
  // store's per-log critical section: SQLite's BEGIN IMMEDIATE transaction (one writer across
  // threads and processes sharing the file, since the write lock is the database's), or the
  // memory store's mutex. The planner reads the head H the store just read in that section,
  // numbers the new entries from H.size (I1), stamps them with max(now, t) (I5: a clock that
  // steps back cannot reorder time), hashes and links each from H.chain_head (I2, I3), and
  // extends H.frontier, collecting the perfect-subtree nodes it completes (I4). The store writes
  // entries, nodes and the new head in the same transaction, so either all of them land or none
  // do: a failed planner (AUDIT_SIZE_MISMATCH when `expected` is not H.size) or a failed write
  // leaves the store as it was, and two appenders can never both build on the same head.
  //
  // Why tampering shows: by (I3) each link commits to every earlier entry, and by (I4) each
  // root does too; a signed tree head (size, root, chain head) therefore commits to the whole
  // prefix it covers. Changing, removing, inserting or reordering a stored entry breaks the
  // recomputation of its leaf, a link, or the root, which check() and verify_export() redo from
  // the entries alone; truncating is caught against any tree head signed earlier (consistency
  // proofs). The store is trusted to be atomic, not honest: the log verifies what it reads.
  //
  // What is locked: nothing of the AuditLog itself. `mu` guards only the kAsync queue; the
  // writer thread releases it before calling append(), so the store's lock is never taken while
  // `mu` is held and there is no lock order between them. The planner takes no lock and calls
  // only env.now() and hashing, so it cannot deadlock inside the store's section.
  Result<uint64_t> append(std::span<const EntryInput> inputs, std::optional<uint64_t> expected) {
    if (inputs.empty()) {
      return fail(ErrorCode::kInvalidArgument, "AUDIT_ENTRY_INVALID", "no entries to append");
    }
    // Validate and canonicalize before taking the log's lock.
    std::vector<Entry> entries;
    entries.reserve(inputs.size());
    for (const EntryInput& input : inputs) {
      Result<Entry> normalized = normalize(input, redaction_key);
      if (!normalized) return fail(std::move(normalized).error());
      entries.push_back(std::move(normalized).value());
    }
    uint64_t first = 0;
    auto planner = [&](const LogHead& head) -> Result<AppendPlan> {
      if (expected && *expected != head.size()) {
        return fail(ErrorCode::kAborted, "AUDIT_SIZE_MISMATCH",
                    "the log has " + std::to_string(head.size()) + " entries, not the expected " +
                        std::to_string(*expected));
      }
      AppendPlan plan;
      plan.head = head;
      first = head.size();
      Timestamp now = std::max(env.now(), head.last_time);
      plan.entries.reserve(entries.size());
      plan.nodes.reserve(2 * entries.size() + 64);  // a leaf and, on average, one node above it
      for (Entry& e : entries) {
        e.seq = plan.head.size();
        e.time = now;
        StoredEntry& stored = plan.entries.emplace_back();
        stored.leaf = leaf_hash(encode(e));
        stored.link = chain_link(plan.head.chain_head, stored.leaf);
        plan.head.chain_head = stored.link;
        plan.head.frontier.append(stored.leaf, plan.nodes);
        stored.entry = std::move(e);
      }
      plan.head.last_time = now;
      return plan;
    };
    CAIRN_TRY(store.append(name, planner));
    return first;
  }

  void run_writer() {
    std::unique_lock lock(mu);
    while (true) {
      wake.wait(lock, [&] { return stopping || !queue.empty(); });
      if (queue.empty() && stopping) return;
      std::vector<EntryInput> batch;
      while (!queue.empty() && batch.size() < kMaxBatch) {
        batch.push_back(std::move(queue.front()));
        queue.pop_front();
      }
      writing = true;
      lock.unlock();
      if (!append(batch, std::nullopt)) dropped += batch.size();
      lock.lock();
      writing = false;
      if (queue.empty()) idle.notify_all();
    }
  }
};

Result<std::unique_ptr<AuditLog>> AuditLog::open(AuditStore& store, std::string name, Env& env,
                                                 const LogOptions& options) {
  if (options.mode == WriteMode::kAsync && options.queue_capacity == 0) {
    return fail(ErrorCode::kInvalidArgument, "AUDIT_OPTIONS_INVALID",
                "an asynchronous audit log needs a queue capacity above 0");
  }
  const ByteView seal_key = options.seal_key;
  if (!seal_key.empty() && seal_key.size() != crypto::kAesGcmKeyBytes) {
    return fail(ErrorCode::kInvalidArgument, "AUDIT_OPTIONS_INVALID",
                "an audit log's seal key is 32 bytes");
  }
  // Fresh keys in case the log is new; sealed before the store sees them.
  LogKeys fresh;
  CAIRN_ASSIGN_OR_RETURN(crypto::PrivateKey key,
                         crypto::PrivateKey::generate(crypto::SignatureAlgorithm::kEd25519));
  fresh.signing_key_pem = key.to_pem();
  fresh.redaction_key = crypto::random_bytes(32);
  fresh.created_at = env.now();
  if (!seal_key.empty()) {
    auto sealed = internal::seal_keys(fresh, seal_key, name);
    internal::wipe(fresh);
    if (!sealed) return fail(std::move(sealed).error());
    fresh = std::move(*sealed);
  }
  CAIRN_ASSIGN_OR_RETURN(LogKeys stored, store.open_log(name, fresh));
  CAIRN_ASSIGN_OR_RETURN(LogKeys keys, internal::open_keys(stored, seal_key, name));
  auto signing = crypto::PrivateKey::from_pem(keys.signing_key_pem);
  if (!signing) {
    internal::wipe(keys);
    return fail(std::move(signing).error());
  }
  if (!seal_key.empty()) {
    // A log made without a seal key: seal its keys in place. If another process changed them
    // first (sealing them too), the keys themselves are the same and there is nothing left to do.
    CAIRN_ASSIGN_OR_RETURN(bool sealed, internal::keys_sealed(stored));
    if (!sealed) {
      CAIRN_ASSIGN_OR_RETURN(LogKeys resealed, internal::seal_keys(stored, seal_key, name));
      CAIRN_TRY(store.replace_keys(name, stored, resealed));
    }
  }
  LogOptions kept = options;  // without the seal key: the log needs it no more
  crypto::secure_wipe(kept.seal_key);
  kept.seal_key.clear();
  auto state = std::make_unique<State>(store, std::move(name), env, kept, std::move(*signing),
                                       std::move(keys.redaction_key));
  internal::wipe(keys);
  internal::wipe(stored);
  internal::wipe(fresh);
  std::unique_ptr<AuditLog> log(new AuditLog(std::move(state)));
  if (options.mode == WriteMode::kAsync) {
    log->state_->writer = std::thread([s = log->state_.get()] { s->run_writer(); });
  }
  return log;
}

AuditLog::AuditLog(std::unique_ptr<State> state) : state_(std::move(state)) {}

AuditLog::~AuditLog() {
  if (state_->writer.joinable()) {
    {
      std::lock_guard lock(state_->mu);
      state_->stopping = true;
    }
    state_->wake.notify_all();
    state_->writer.join();
  }
}

const std::string& AuditLog::name() const noexcept { return state_->name; }
WriteMode AuditLog::mode() const noexcept { return state_->options.mode; }

Result<uint64_t> AuditLog::append(const EntryInput& entry, std::optional<uint64_t> expected_size) {
  return state_->append(std::span<const EntryInput>(&entry, 1), expected_size);
}

Result<uint64_t> AuditLog::append_batch(std::span<const EntryInput> entries,
                                        std::optional<uint64_t> expected_size) {
  return state_->append(entries, expected_size);
}

Status AuditLog::record(const EntryInput& entry) {
  if (state_->options.mode == WriteMode::kFailClosed) {
    CAIRN_TRY(append(entry));
    return ok_status();
  }
  // Reject bad input now: the caller is there to hear about it, the writer thread is not.
  CAIRN_TRY(normalize(entry, state_->redaction_key));
  {
    std::lock_guard lock(state_->mu);
    if (state_->queue.size() >= state_->options.queue_capacity) {
      ++state_->dropped;
      return ok_status();
    }
    state_->queue.push_back(entry);
  }
  state_->wake.notify_one();
  return ok_status();
}

Status AuditLog::flush() {
  if (state_->options.mode != WriteMode::kAsync) return ok_status();
  std::unique_lock lock(state_->mu);
  state_->idle.wait(lock, [&] { return state_->queue.empty() && !state_->writing; });
  return ok_status();
}

uint64_t AuditLog::dropped() const noexcept { return state_->dropped.load(); }

Result<uint64_t> AuditLog::size() {
  CAIRN_ASSIGN_OR_RETURN(LogHead head, state_->store.head(state_->name));
  return head.size();
}

Result<TreeHead> AuditLog::tree_head() {
  CAIRN_ASSIGN_OR_RETURN(LogHead head, state_->store.head(state_->name));
  TreeHead th;
  th.size = head.size();
  th.root = head.frontier.root();
  th.chain_head = head.chain_head;
  th.time = state_->env.now();
  CAIRN_ASSIGN_OR_RETURN(th.signature, state_->signing_key.sign(th.signed_bytes()));
  return th;
}

Result<Hash> AuditLog::root(uint64_t size) {
  CAIRN_ASSIGN_OR_RETURN(LogHead head, state_->store.head(state_->name));
  if (size > head.size()) return size_out_of_range(size, head.size());
  if (size == head.size()) return head.frontier.root();
  StoreNodes nodes(state_->store, state_->name);
  return audit::root(nodes, size);
}

Result<std::vector<Hash>> AuditLog::prove_inclusion(uint64_t seq, std::optional<uint64_t> size) {
  CAIRN_ASSIGN_OR_RETURN(LogHead head, state_->store.head(state_->name));
  uint64_t n = size.value_or(head.size());
  if (n > head.size()) return size_out_of_range(n, head.size());
  StoreNodes nodes(state_->store, state_->name);
  return inclusion_proof(nodes, seq, n);
}

Result<std::vector<Hash>> AuditLog::prove_consistency(uint64_t m, std::optional<uint64_t> n) {
  CAIRN_ASSIGN_OR_RETURN(LogHead head, state_->store.head(state_->name));
  uint64_t size = n.value_or(head.size());
  if (size > head.size()) return size_out_of_range(size, head.size());
  StoreNodes nodes(state_->store, state_->name);
  return consistency_proof(nodes, m, size);
}

Result<StoredEntry> AuditLog::entry(uint64_t seq) { return state_->store.entry(state_->name, seq); }

Result<std::vector<StoredEntry>> AuditLog::entries(uint64_t from_seq, size_t limit) {
  return state_->store.scan(state_->name, from_seq, std::min<size_t>(limit, 10000));
}

Result<QueryPage> AuditLog::query(const EntryQuery& filters, std::string_view cursor) {
  if (filters.limit == 0 || filters.limit > kMaxQueryLimit) {
    return fail(ErrorCode::kInvalidArgument, "AUDIT_QUERY_INVALID",
                "a query's limit must be between 1 and 1000");
  }
  EntryQuery q = filters;
  q.after_seq.reset();
  if (!cursor.empty()) {
    auto decoded = encoding::b64url_decode(cursor);
    if (!decoded || decoded->size() != 8) {
      return fail(ErrorCode::kInvalidArgument, "AUDIT_CURSOR_INVALID", "not a cursor from query()");
    }
    uint64_t after = 0;
    for (uint8_t b : *decoded) after = (after << 8) | b;
    q.after_seq = after;
  }
  // One extra row tells whether another page follows.
  q.limit = filters.limit + 1;
  CAIRN_ASSIGN_OR_RETURN(std::vector<StoredEntry> rows, state_->store.query(state_->name, q));
  QueryPage page;
  bool more = rows.size() > filters.limit;
  if (more) rows.resize(filters.limit);
  for (StoredEntry& row : rows) page.entries.push_back(std::move(row.entry));
  if (more) {
    Bytes raw;
    put_u64(raw, page.entries.back().seq);
    page.next_cursor = encoding::b64url_encode(raw);
  }
  return page;
}

Result<VerifyReport> AuditLog::check() {
  AuditStore& store = state_->store;
  const std::string& log = state_->name;
  CAIRN_ASSIGN_OR_RETURN(LogHead head, store.head(log));
  internal::ChainVerifier verifier(head.size());
  uint64_t from = 0;
  while (true) {
    CAIRN_ASSIGN_OR_RETURN(std::vector<StoredEntry> chunk, store.scan(log, from, kVerifyChunk));
    if (chunk.empty()) break;
    uint64_t first_seq = chunk.front().entry.seq;
    CAIRN_ASSIGN_OR_RETURN(std::vector<Hash> leaves, store.nodes(log, 0, first_seq, chunk.size()));
    for (size_t i = 0; i < chunk.size(); ++i) {
      uint64_t offset = chunk[i].entry.seq - first_seq;
      std::optional<Hash> persisted;
      if (chunk[i].entry.seq >= first_seq && offset < leaves.size()) persisted = leaves[offset];
      verifier.add(chunk[i], persisted);
    }
    from = chunk.back().entry.seq + 1;
  }
  return verifier.finish(head.frontier.root(), head.chain_head);
}

Status AuditLog::verify() {
  CAIRN_ASSIGN_OR_RETURN(VerifyReport report, check());
  if (!report.intact) return fail(chain_broken(report));
  return ok_status();
}

std::string AuditLog::public_key_pem() const { return state_->public_key.to_pem(); }
const crypto::PublicKey& AuditLog::public_key() const noexcept { return state_->public_key; }

}  // namespace cairn::audit
