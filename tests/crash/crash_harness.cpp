// crash_harness: proves that a crash loses nothing the engine acknowledged (issue 28, item 5).
//
// Two modes, one program:
//   crash_harness [--seconds S] [--iterations N] [--seed N] [--dir DIR]     the driver (default)
//   crash_harness writer --db URI --ack PATH --seed K                       the writer it starts
//
// The driver loops: it starts a writer (this program, fork + exec, so the child is a clean
// process), lets it run for a random 5-200 ms, kills it with SIGKILL, reaps it, reopens the
// database with cairn::Engine::open and checks it:
//   - every write the writer acknowledged is there, exactly as acknowledged;
//   - the audit log's chain and Merkle tree verify, and a fresh tree head signs and verifies;
//   - counters equal a recount: each post's vote_count equals the voters the harness knows of,
//     BoardService::recount() and a COUNT(*) over board_votes read with SQLite directly; the
//     audit log's size equals its rows.
// The database persists from one iteration to the next (each writer continues from it), so the
// checks cover recovery after many crashes in a row. The run stops after --iterations or
// --seconds, whichever comes first (default: 45 seconds); --seed fixes every random choice (the
// kill points still fall where timing puts them). Exit status: 0 nothing lost, 1 a loss or a
// failure (printed), 2 bad usage.
//
// Acknowledgements. After a call returned OK, and only then, the writer appends one line to the
// ack file and fsyncs it:
//   post <post id>                      BoardService::create_post (at startup)
//   audit <seq> <tag>                   AuditLog::append returned seq
//   secret <key> <version> <value>      SecretsService::set returned version
//   job <id> done <tag>                 the task ran to done (enqueue, run_pending, get)
//   try vote <post> <user> <state>      written BEFORE BoardService::vote (a toggle)
//   vote <post> <user> <state>          vote() returned state
//   record <id> <version> <value>       RecordsService::put returned version
// A last line without its newline was torn by the kill: it was never acknowledged; the driver
// ignores it and cuts it off before the next writer appends. Tags, values and record ids are
// unique to one write, so each acknowledged write has exactly one right answer. A vote toggle is
// the one write that a later write cannot be told apart from: a `try` with no `vote` after it may
// or may not have landed, so for that one post and user the driver accepts the last acknowledged
// state or the attempted one, and from then on expects what it found. Every other post and user
// must hold exactly its last acknowledged state, and the counts must match in any case.
//
// Test-only: --self-test-lose deletes one acknowledged secret version with raw SQL before a
// check, to show that the harness reports a loss (exit 1).
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "cairn/crypto/hash.hpp"
#include "cairn/engine.hpp"

namespace {

using cairn::Engine;
using cairn::EngineOptions;
using cairn::Error;
using cairn::Result;
using cairn::Status;
using Clock = std::chrono::steady_clock;

// What the writer builds on: one secrets environment, one board with a few posts and voters, one
// records collection, one job kind.
constexpr std::string_view kOrg = "crash";
constexpr std::string_view kProject = "harness";
constexpr std::string_view kEnv = "prod";
constexpr std::string_view kOwner = "owner@crash.test";
constexpr std::string_view kBoardProject = "crash";
constexpr std::string_view kCollection = "crash";
constexpr std::string_view kJobKind = "crash.settle";
constexpr std::string_view kAuditAction = "crash.append";
constexpr size_t kPosts = 3;
constexpr std::array<std::string_view, 3> kVoters = {"u0@crash.test", "u1@crash.test",
                                                     "u2@crash.test"};
constexpr uint64_t kSecretKeys = 4;

// Bounds. A writer is always killed within kMaxKillMs; it stops by itself after kWriterLifetime
// only if the driver is gone (it also dies with the driver: PR_SET_PDEATHSIG).
constexpr int kMinKillMs = 5;
constexpr int kMaxKillMs = 200;
constexpr auto kWriterLifetime = std::chrono::seconds(120);
constexpr auto kReapTimeout = std::chrono::seconds(10);
constexpr int kSettleRounds = 5;
constexpr size_t kMaxProblemsShown = 20;

constexpr int kExitOk = 0;
constexpr int kExitLost = 1;
constexpr int kExitUsage = 2;
constexpr int kExitWriterFailed = 3;

// The fixed test master key: SHA-256 of a constant, so every process derives the same one.
cairn::secrets::MasterKey test_master_key() {
  const cairn::crypto::Sha256Digest digest =
      cairn::crypto::sha256(cairn::as_bytes("cairn crash harness: fixed test master key v1"));
  Result<cairn::secrets::MasterKey> key = cairn::secrets::MasterKey::from_bytes(digest);
  if (!key) {
    std::cerr << "crash_harness: test master key: " << key.error().to_string() << "\n";
    std::abort();  // 32 bytes always make a key
  }
  return *key;
}

// The options both modes open the engine with. A short lease lets a writer rescue the task a
// killed writer held (its run counts as a lost attempt) instead of waiting 30 seconds.
EngineOptions engine_options() {
  EngineOptions options;
  options.master_key = test_master_key();
  options.audit.mode = cairn::audit::WriteMode::kFailClosed;
  options.jobs.lease = std::chrono::milliseconds(1000);
  return options;
}

std::string error_text(const Error& error) {
  return std::string(cairn::code_name(error.code)) + "/" + error.reason;
}

std::optional<uint64_t> parse_u64(std::string_view text) {
  uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

std::optional<int64_t> parse_i64(std::string_view text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

std::vector<std::string_view> split_words(std::string_view line) {
  std::vector<std::string_view> words;
  size_t start = 0;
  while (start <= line.size()) {
    const size_t space = line.find(' ', start);
    const size_t end = space == std::string_view::npos ? line.size() : space;
    words.push_back(line.substr(start, end - start));
    if (space == std::string_view::npos) break;
    start = space + 1;
  }
  return words;
}

// ---------------------------------------------------------------------------------------------
// The writer.

[[noreturn]] void writer_die(std::string_view what, const Error& error) {
  std::cerr << "crash_harness writer: " << what << ": " << error.to_string() << "\n";
  std::_Exit(kExitWriterFailed);  // std::cerr is unbuffered; nothing else needs flushing
}

[[noreturn]] void writer_die(std::string_view what) {
  std::cerr << "crash_harness writer: " << what << "\n";
  std::_Exit(kExitWriterFailed);
}

template <class T>
T must(Result<T> result, std::string_view what) {
  if (!result) writer_die(what, result.error());
  return std::move(*result);
}

void must(const Status& status, std::string_view what) {
  if (!status) writer_die(what, status.error());
}

// Creation that a crashed earlier writer may already have done.
template <class T>
void must_exist(const Result<T>& result, std::string_view what) {
  if (!result && result.error().code != cairn::ErrorCode::kAlreadyExists) {
    writer_die(what, result.error());
  }
}

// The ack file: one line per acknowledged write, each on disk before the next call starts.
class AckFile {
 public:
  explicit AckFile(const std::string& path)
      : fd_(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) {
    if (fd_ < 0) writer_die("cannot open the ack file (errno " + std::to_string(errno) + ")");
  }
  AckFile(const AckFile&) = delete;
  AckFile& operator=(const AckFile&) = delete;
  ~AckFile() { ::close(fd_); }

  // Writes `words` joined by spaces as one line, and fsyncs.
  void write(std::initializer_list<std::string_view> words) {
    std::string line;
    for (std::string_view word : words) {
      if (!line.empty()) line += ' ';
      line += word;
    }
    line += '\n';
    size_t done = 0;
    while (done < line.size()) {
      const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) writer_die("cannot write the ack file (errno " + std::to_string(errno) + ")");
      done += static_cast<size_t>(n);
    }
    if (::fsync(fd_) != 0)
      writer_die("cannot fsync the ack file (errno " + std::to_string(errno) + ")");
  }

 private:
  int fd_;
};

struct WriterArgs {
  std::string db;
  std::string ack;
  uint64_t seed = 0;
};

int run_writer(const WriterArgs& args) {
  Result<std::unique_ptr<Engine>> opened = Engine::open(args.db, engine_options());
  if (!opened) writer_die("open", opened.error());
  Engine& engine = **opened;
  AckFile ack(args.ack);

  // Setup, each step tolerating that an earlier writer did it.
  cairn::secrets::SecretsService* secrets = must(engine.secrets(), "secrets");
  must_exist(secrets->create_org(kOrg, kOwner), "create org");
  must_exist(secrets->create_project(kOrg, kProject, kOwner), "create project");
  must_exist(secrets->create_environment(kOrg, kProject, kEnv, kOwner), "create environment");

  cairn::board::BoardService& board = engine.board();
  must_exist(board.create_project(kBoardProject, "Crash harness"), "create board project");
  cairn::board::ListQuery query;
  query.sort = cairn::board::Sort::kOldest;
  query.limit = 100;
  const cairn::board::Page existing = must(board.list_posts(kBoardProject, query), "list posts");
  std::vector<std::string> posts;
  for (const cairn::board::Post& post : existing.items) posts.push_back(post.id);
  while (posts.size() < kPosts) {
    cairn::board::Post post =
        must(board.create_post(kBoardProject, kOwner, "Crash post " + std::to_string(posts.size())),
             "create post");
    ack.write({"post", post.id});
    posts.push_back(post.id);
  }
  // The writer's own view of the votes, read back after the previous writer's crash.
  std::map<std::pair<std::string, std::string>, bool> voted;
  for (const std::string& post : posts) {
    for (std::string_view user : kVoters) {
      voted[{post, std::string(user)}] = must(board.get_post(post, user), "read post").voted;
    }
  }

  cairn::records::RecordsService& records = engine.records();
  must(records.define(kCollection, {.unique = {}, .indexes = {"writer"}}), "define collection");

  cairn::jobs::Scheduler& jobs = engine.jobs();
  must(jobs.register_kind(kJobKind,
                          [](cairn::jobs::TaskContext& task) -> Result<std::string> {
                            return "done:" + task.input();
                          }),
       "register job kind");

  std::mt19937_64 rng(args.seed);
  const std::string run = "k" + std::to_string(args.seed);
  const Clock::time_point deadline = Clock::now() + kWriterLifetime;
  for (uint64_t n = 0; Clock::now() < deadline; ++n) {
    const std::string tag = run + "-" + std::to_string(n);

    cairn::audit::EntryInput entry;
    entry.actor_type = "system";
    entry.actor_id = "crash-writer";
    entry.action = std::string(kAuditAction);
    entry.resource_type = "crash";
    entry.resource_id = tag;
    const uint64_t seq = must(engine.audit().append(entry), "audit append");
    ack.write({"audit", std::to_string(seq), tag});

    const std::string key = "KEY_" + std::to_string(rng() % kSecretKeys);
    const int64_t version =
        must(secrets->set(kOrg, kProject, kEnv, key, tag, kOwner), "secret set");
    ack.write({"secret", key, std::to_string(version), tag});

    cairn::jobs::EnqueueOptions job;
    job.input = tag;
    const int64_t id = must(jobs.enqueue(kJobKind, job), "job enqueue");
    cairn::jobs::TaskState state = cairn::jobs::TaskState::kPending;
    // run_pending runs every due task, older ones a killed writer left behind included.
    for (int round = 0; round < kSettleRounds && !cairn::jobs::is_terminal(state); ++round) {
      (void)must(jobs.run_pending(), "job run");
      state = must(jobs.get(id), "job get").state;
    }
    if (state != cairn::jobs::TaskState::kDone) {
      writer_die("job " + std::to_string(id) + " is " + std::string(cairn::jobs::to_string(state)));
    }
    ack.write({"job", std::to_string(id), "done", tag});

    const std::string& post = posts[rng() % posts.size()];
    const std::string user(kVoters[rng() % kVoters.size()]);
    bool& current = voted[{post, user}];
    const bool next = !current;
    ack.write({"try", "vote", post, user, next ? "1" : "0"});
    const bool now = must(board.vote(post, user), "vote");
    if (now != next) writer_die("vote toggled to the state it had");
    current = now;
    ack.write({"vote", post, user, now ? "1" : "0"});

    const std::string record_id = "r-" + tag;
    // Compact JSON with sorted keys: the form the store keeps, so the check compares text.
    std::string value = R"({"n":)";
    value += std::to_string(n);
    value += R"(,"tag":")";
    value += tag;
    value += R"(","writer":")";
    value += run;
    value += R"("})";
    const int64_t record_version = must(records.put(kCollection, record_id, value), "record put");
    ack.write({"record", record_id, std::to_string(record_version), value});
  }
  return kExitOk;
}

// ---------------------------------------------------------------------------------------------
// The driver: what the writers acknowledged (the ledger), and the checks.

struct AuditAck {
  uint64_t seq = 0;
  std::string tag;
};
struct SecretAck {
  std::string key;
  int64_t version = 0;
  std::string value;
};
struct JobAck {
  int64_t id = 0;
  std::string tag;
};
struct RecordAck {
  std::string id;
  int64_t version = 0;
  std::string value;
};
// A user's vote on a post: the last acknowledged state, and the state of an attempt that was
// started but not acknowledged (resolved by the next check).
struct VoteState {
  bool voted = false;
  std::optional<bool> attempt;
};

struct Ledger {
  std::vector<AuditAck> audits;
  std::vector<SecretAck> secrets;
  std::vector<JobAck> jobs;
  std::vector<RecordAck> records;
  std::set<std::string> posts;
  std::map<std::pair<std::string, std::string>, VoteState> votes;
  uint64_t acked = 0;           // acknowledged writes (every line but `try vote`)
  uint64_t torn = 0;            // torn last lines cut off
  uint64_t attempts_found = 0;  // unacknowledged vote attempts that had landed
  uint64_t attempts_lost = 0;   // ... that had not (both are allowed)
};

// How far each list of the ledger has been checked.
struct Checked {
  size_t audits = 0;
  size_t secrets = 0;
  size_t jobs = 0;
  size_t records = 0;
};

// Applies one complete ack line. Returns a description of a protocol violation, or nullopt.
std::optional<std::string> apply_line(Ledger& ledger, std::string_view line) {
  const std::vector<std::string_view> w = split_words(line);
  const std::string bad = "malformed ack line \"" + std::string(line) + "\"";
  if (w[0] == "post" && w.size() == 2) {
    ledger.posts.insert(std::string(w[1]));
  } else if (w[0] == "audit" && w.size() == 3) {
    const std::optional<uint64_t> seq = parse_u64(w[1]);
    if (!seq) return bad;
    ledger.audits.push_back({*seq, std::string(w[2])});
  } else if (w[0] == "secret" && w.size() == 4) {
    const std::optional<int64_t> version = parse_i64(w[2]);
    if (!version) return bad;
    ledger.secrets.push_back({std::string(w[1]), *version, std::string(w[3])});
  } else if (w[0] == "job" && w.size() == 4 && w[2] == "done") {
    const std::optional<int64_t> id = parse_i64(w[1]);
    if (!id) return bad;
    ledger.jobs.push_back({*id, std::string(w[3])});
  } else if (w[0] == "try" && w.size() == 5 && w[1] == "vote" && (w[4] == "0" || w[4] == "1")) {
    VoteState& vote = ledger.votes[{std::string(w[2]), std::string(w[3])}];
    const bool state = w[4] == "1";
    if (vote.attempt) return "two vote attempts without an acknowledgement: " + std::string(line);
    // The writer toggles from what it read back; the check before it found the same.
    if (state == vote.voted) {
      return "the writer saw a vote the harness does not expect: " + std::string(line);
    }
    vote.attempt = state;
    return std::nullopt;  // not an acknowledgement
  } else if (w[0] == "vote" && w.size() == 4 && (w[3] == "0" || w[3] == "1")) {
    VoteState& vote = ledger.votes[{std::string(w[1]), std::string(w[2])}];
    const bool state = w[3] == "1";
    if (vote.attempt != state)
      return "a vote acknowledged without its attempt: " + std::string(line);
    vote.voted = state;
    vote.attempt.reset();
  } else if (w[0] == "record" && w.size() == 4) {
    const std::optional<int64_t> version = parse_i64(w[2]);
    if (!version) return bad;
    ledger.records.push_back({std::string(w[1]), *version, std::string(w[3])});
  } else {
    return bad;
  }
  ++ledger.acked;
  return std::nullopt;
}

// Reads the complete lines appended to the ack file since `offset`, cuts off a torn last line
// (never acknowledged) so the next writer starts on a fresh line, and advances `offset`.
// Returns false and sets `error` when the file cannot be read.
bool read_new_lines(const std::string& path, uint64_t& offset, std::vector<std::string>& lines,
                    uint64_t& torn, std::string& error) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return true;  // killed before it acknowledged anything
    error = "cannot open the ack file (errno " + std::to_string(errno) + ")";
    return false;
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    error = "cannot stat the ack file (errno " + std::to_string(errno) + ")";
    ::close(fd);
    return false;
  }
  const auto size = static_cast<uint64_t>(info.st_size);
  std::string text(size > offset ? size - offset : 0, '\0');
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n =
        ::pread(fd, text.data() + done, text.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = "cannot read the ack file (errno " + std::to_string(errno) + ")";
      ::close(fd);
      return false;
    }
    done += static_cast<size_t>(n);
  }
  const size_t last_newline = text.rfind('\n');
  const size_t complete = last_newline == std::string::npos ? 0 : last_newline + 1;
  if (complete < text.size()) {
    ++torn;
    if (::ftruncate(fd, static_cast<off_t>(offset + complete)) != 0 || ::fsync(fd) != 0) {
      error = "cannot cut the torn ack line (errno " + std::to_string(errno) + ")";
      ::close(fd);
      return false;
    }
  }
  ::close(fd);
  size_t start = 0;
  while (start < complete) {
    const size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  offset += complete;
  return true;
}

// A raw SQLite connection to the database file: for counts the engine does not keep itself, and
// for the self-test's damage.
using SqlitePtr = std::unique_ptr<sqlite3, decltype(&sqlite3_close)>;

SqlitePtr open_raw(const std::string& path, bool write) {
  sqlite3* db = nullptr;
  const int flags = write ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return {nullptr, &sqlite3_close};
  }
  sqlite3_busy_timeout(db, 5000);
  return {db, &sqlite3_close};
}

// Runs `sql` with text parameters ?1, ?2, ...; returns the first column of the first row (or
// the number of rows changed when there is no row), or nullopt on an error.
std::optional<int64_t> sql_int(sqlite3* db, const char* sql,
                               const std::vector<std::string>& params = {}) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) return std::nullopt;
  std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> guard(stmt, &sqlite3_finalize);
  for (size_t i = 0; i < params.size(); ++i) {
    sqlite3_bind_text(stmt, static_cast<int>(i + 1), params[i].data(),
                      static_cast<int>(params[i].size()), SQLITE_TRANSIENT);
  }
  const int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) return sqlite3_column_int64(stmt, 0);
  if (rc == SQLITE_DONE) return sqlite3_changes(db);
  return std::nullopt;
}

// Checks the reopened engine against the ledger: the acknowledged writes from `from` on, every
// vote, the audit log and the counters. Resolves pending vote attempts. Returns what it found
// wrong (empty: nothing).
std::vector<std::string> check(Engine& engine, const std::string& db_path, Ledger& ledger,
                               const Checked& from) {
  std::vector<std::string> problems;
  const SqlitePtr raw = open_raw(db_path, false);
  if (!raw) problems.push_back("cannot open the database file with SQLite");

  // The audit log first: the secrets reads below append entries of their own.
  cairn::audit::AuditLog& log = engine.audit();
  for (size_t i = from.audits; i < ledger.audits.size(); ++i) {
    const AuditAck& ack = ledger.audits[i];
    Result<cairn::audit::StoredEntry> entry = log.entry(ack.seq);
    if (!entry) {
      problems.push_back("lost: audit entry " + std::to_string(ack.seq) + " (" +
                         error_text(entry.error()) + ")");
    } else if (entry->entry.resource_id != ack.tag || entry->entry.action != kAuditAction) {
      problems.push_back("audit entry " + std::to_string(ack.seq) + " is another entry");
    }
  }
  Result<cairn::audit::VerifyReport> report = log.check();
  if (!report) {
    problems.push_back("audit check failed: " + error_text(report.error()));
  } else if (!report->intact) {
    problems.push_back("audit log damaged (" +
                       std::string(cairn::audit::damage_name(report->damage)) + " at " +
                       std::to_string(report->first_bad_seq) + "): " + report->detail);
  }
  Result<cairn::audit::TreeHead> head = log.tree_head();
  Result<uint64_t> size = log.size();
  if (!head || !size) {
    problems.push_back("audit tree head or size unreadable");
  } else {
    if (!cairn::audit::verify_tree_head(*head, log.public_key())) {
      problems.push_back("the audit tree head does not verify");
    }
    if (head->size != *size) problems.push_back("the audit tree head has another size");
    if (raw) {
      const std::optional<int64_t> rows =
          sql_int(raw.get(),
                  "SELECT count(*) FROM audit_entries"
                  " WHERE id >> 40 = (SELECT id FROM audit_logs WHERE name = 'main')");
      if (!rows || static_cast<uint64_t>(*rows) != *size) {
        problems.push_back("the audit log's size " + std::to_string(*size) + " is not its " +
                           (rows ? std::to_string(*rows) : std::string("(unreadable)")) + " rows");
      }
    }
  }

  if (from.secrets < ledger.secrets.size()) {
    Result<cairn::secrets::SecretsService*> secrets = engine.secrets();
    if (!secrets) {
      problems.push_back("secrets unavailable: " + error_text(secrets.error()));
    } else {
      for (size_t i = from.secrets; i < ledger.secrets.size(); ++i) {
        const SecretAck& ack = ledger.secrets[i];
        Result<std::string> value = (*secrets)->get(kOrg, kProject, kEnv, ack.key, kOwner,
                                                    ack.version, std::nullopt, false);
        const std::string what = "secret " + ack.key + " version " + std::to_string(ack.version);
        if (!value) {
          problems.push_back("lost: " + what + " (" + error_text(value.error()) + ")");
        } else if (*value != ack.value) {
          problems.push_back(what + " holds another value");
        }
      }
    }
  }

  for (size_t i = from.jobs; i < ledger.jobs.size(); ++i) {
    const JobAck& ack = ledger.jobs[i];
    Result<cairn::jobs::Task> task = engine.jobs().get(ack.id);
    const std::string what = "job " + std::to_string(ack.id);
    if (!task) {
      problems.push_back("lost: " + what + " (" + error_text(task.error()) + ")");
    } else if (task->state != cairn::jobs::TaskState::kDone) {
      problems.push_back("lost: " + what + " is " +
                         std::string(cairn::jobs::to_string(task->state)) + ", acknowledged done");
    } else if (task->output != "done:" + ack.tag) {
      problems.push_back(what + " has another output");
    }
  }

  for (size_t i = from.records; i < ledger.records.size(); ++i) {
    const RecordAck& ack = ledger.records[i];
    Result<std::optional<cairn::records::Record>> record =
        engine.records().get(kCollection, ack.id);
    const std::string what = "record " + ack.id;
    if (!record) {
      problems.push_back("lost: " + what + " (" + error_text(record.error()) + ")");
    } else if (!*record) {
      problems.push_back("lost: " + what);
    } else if ((*record)->version != ack.version || (*record)->value != ack.value) {
      problems.push_back(what + " is at version " + std::to_string((*record)->version) + " with " +
                         ((*record)->value == ack.value ? "its" : "another") +
                         " value; acknowledged version " + std::to_string(ack.version));
    }
  }

  // Votes: every post of the board (and every post ever acknowledged) for every voter.
  cairn::board::BoardService& board = engine.board();
  std::set<std::string> posts = ledger.posts;
  cairn::board::ListQuery query;
  query.sort = cairn::board::Sort::kOldest;
  query.limit = 100;
  Result<cairn::board::Page> page = board.list_posts(kBoardProject, query);
  if (page) {
    for (const cairn::board::Post& post : page->items) posts.insert(post.id);
  } else if (page.error().code != cairn::ErrorCode::kNotFound || !ledger.posts.empty()) {
    problems.push_back("board posts unreadable: " + error_text(page.error()));
  }
  for (const std::string& post_id : posts) {
    int64_t voters = 0;
    int64_t vote_count = -1;
    bool readable = true;
    for (std::string_view user : kVoters) {
      Result<cairn::board::Post> post = board.get_post(post_id, user);
      if (!post) {
        problems.push_back("lost: post " + post_id + " (" + error_text(post.error()) + ")");
        readable = false;
        break;
      }
      vote_count = post->vote_count;
      VoteState& vote = ledger.votes[{post_id, std::string(user)}];
      if (vote.attempt) {
        // The one ambiguous write: the attempt may or may not have landed.
        if (post->voted == *vote.attempt) {
          ++ledger.attempts_found;
        } else {
          ++ledger.attempts_lost;
        }
        vote.voted = post->voted;
        vote.attempt.reset();
      } else if (post->voted != vote.voted) {
        problems.push_back("lost: the vote of " + std::string(user) + " on post " + post_id +
                           " is " + (post->voted ? "on" : "off") + ", acknowledged " +
                           (vote.voted ? "on" : "off"));
        if (vote.voted) ++voters;
        vote.voted = post->voted;  // report each loss once
        continue;
      }
      if (vote.voted) ++voters;
    }
    if (!readable) continue;
    ledger.posts.insert(post_id);
    Result<cairn::board::Counts> counts = board.recount(post_id);
    std::optional<int64_t> rows;
    if (raw) {
      rows = sql_int(raw.get(),
                     "SELECT count(*) FROM board_votes v JOIN board_posts p ON p.seq = v.post_seq"
                     " WHERE p.id = ?1",
                     {post_id});
    }
    if (vote_count != voters || !counts || counts->votes != voters || !rows || *rows != voters) {
      problems.push_back("post " + post_id + ": vote_count " + std::to_string(vote_count) +
                         ", recount " + (counts ? std::to_string(counts->votes) : "(error)") +
                         ", rows " + (rows ? std::to_string(*rows) : "(error)") +
                         ", acknowledged voters " + std::to_string(voters));
    }
  }
  return problems;
}

// Deletes one acknowledged secret version behind the engine's back (--self-test-lose).
bool lose_one_secret(const std::string& db_path, const SecretAck& ack) {
  const SqlitePtr raw = open_raw(db_path, true);
  if (!raw) return false;
  const std::optional<int64_t> deleted =
      sql_int(raw.get(),
              "DELETE FROM secrets_versions WHERE version = CAST(?2 AS INTEGER) AND secret_id IN"
              " (SELECT id FROM secrets_secrets WHERE key = ?1 AND deleted_at IS NULL)",
              {ack.key, std::to_string(ack.version)});
  return deleted && *deleted == 1;
}

// Starts `self writer ...`. The child dies with the driver; returns -1 when fork fails.
pid_t spawn_writer(const std::string& self, const std::string& uri, const std::string& ack,
                   uint64_t seed) {
  std::vector<std::string> args = {self,    "writer", "--db",   uri,
                                   "--ack", ack,      "--seed", std::to_string(seed)};
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(kExitWriterFailed);
    ::execv(self.c_str(), argv.data());
    ::_exit(127);
  }
  return pid;
}

// Waits for `pid` to end, at most `timeout`; its wait status, or nullopt.
std::optional<int> reap(pid_t pid, std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return std::nullopt;
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

struct DriverArgs {
  std::optional<uint64_t> iterations;
  uint64_t seconds = 45;
  uint64_t seed = 1;
  std::string dir;
  bool self_test_lose = false;
};

void print_usage() {
  std::cerr << "usage: crash_harness [--seconds S] [--iterations N] [--seed N] [--dir DIR]\n"
               "       crash_harness writer --db URI --ack PATH --seed K\n";
}

// Removes the files a run writes in `dir`, so each run starts from an empty database.
void remove_run_files(const std::filesystem::path& dir) {
  for (const char* name :
       {"crash.db", "crash.db-wal", "crash.db-shm", "crash.db-journal", "ack.log"}) {
    std::error_code ec;
    std::filesystem::remove(dir / name, ec);
  }
}

int report(uint64_t iterations, const Ledger& ledger, size_t lost) {
  std::cout << "crash harness: " << iterations << " iterations, " << ledger.acked
            << " acked writes checked, " << lost << " lost\n";
  return lost == 0 ? kExitOk : kExitLost;
}

int fail_run(const std::string& what, uint64_t iteration, uint64_t writer_seed,
             const std::filesystem::path& dir) {
  std::cerr << "crash harness: FAILED at iteration " << iteration << " (writer --seed "
            << writer_seed << "): " << what << "\n  files kept in " << dir.string() << "\n";
  return kExitLost;
}

int run_driver(const DriverArgs& args) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) {
    std::cerr << "crash_harness: cannot find its own executable\n";
    return kExitLost;
  }
  std::filesystem::path dir;
  bool own_dir = false;  // made by this run: removed after a success
  if (args.dir.empty()) {
    std::string pattern = (std::filesystem::temp_directory_path() / "cairn-crash-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::cerr << "crash_harness: cannot create a temporary directory\n";
      return kExitLost;
    }
    dir = pattern;
    own_dir = true;
  } else {
    dir = args.dir;
    if (::mkdir(dir.c_str(), 0700) == 0) {
      own_dir = true;
    } else if (errno != EEXIST) {
      std::cerr << "crash_harness: cannot create " << dir.string() << "\n";
      return kExitLost;
    }
    remove_run_files(dir);
  }
  const std::string db_path = (dir / "crash.db").string();
  const std::string uri = "sqlite:" + db_path;
  const std::string ack_path = (dir / "ack.log").string();
  const EngineOptions options = engine_options();

  std::mt19937_64 rng(args.seed);
  std::uniform_int_distribution<int> kill_after(kMinKillMs, kMaxKillMs);
  std::set<uint64_t> writer_seeds;
  Ledger ledger;
  Checked checked;
  uint64_t ack_offset = 0;
  bool damaged = false;
  const Clock::time_point deadline = Clock::now() + std::chrono::seconds(args.seconds);
  uint64_t iteration = 0;
  uint64_t writer_seed = 0;
  while ((!args.iterations || iteration < *args.iterations) && Clock::now() < deadline) {
    do {
      writer_seed = rng();
    } while (!writer_seeds.insert(writer_seed).second);  // tags stay unique
    const std::chrono::milliseconds delay(kill_after(rng));

    const pid_t pid = spawn_writer(self.string(), uri, ack_path, writer_seed);
    if (pid < 0) return fail_run("fork failed", iteration, writer_seed, dir);
    std::this_thread::sleep_for(delay);
    ::kill(pid, SIGKILL);
    const std::optional<int> status = reap(pid, kReapTimeout);
    if (!status) {
      return fail_run("the writer did not end after SIGKILL", iteration, writer_seed, dir);
    }
    if (!WIFSIGNALED(*status) || WTERMSIG(*status) != SIGKILL) {
      return fail_run(
          "the writer ended by itself before the kill (status " + std::to_string(*status) + ")",
          iteration, writer_seed, dir);
    }
    ++iteration;

    std::vector<std::string> lines;
    std::string error;
    if (!read_new_lines(ack_path, ack_offset, lines, ledger.torn, error)) {
      return fail_run(error, iteration, writer_seed, dir);
    }
    for (const std::string& line : lines) {
      if (std::optional<std::string> violation = apply_line(ledger, line)) {
        return fail_run(*violation, iteration, writer_seed, dir);
      }
    }

    if (args.self_test_lose && !damaged && checked.secrets < ledger.secrets.size()) {
      if (!lose_one_secret(db_path, ledger.secrets.back())) {
        return fail_run("--self-test-lose could not delete a secret version", iteration,
                        writer_seed, dir);
      }
      damaged = true;
      std::cerr << "crash harness: self-test: deleted secret " << ledger.secrets.back().key
                << " version " << ledger.secrets.back().version << "\n";
    }

    Result<std::unique_ptr<Engine>> engine = Engine::open(uri, options);
    if (!engine) {
      return fail_run("reopen failed: " + engine.error().to_string(), iteration, writer_seed, dir);
    }
    const std::vector<std::string> problems = check(**engine, db_path, ledger, checked);
    engine->reset();
    checked = {ledger.audits.size(), ledger.secrets.size(), ledger.jobs.size(),
               ledger.records.size()};
    if (!problems.empty()) {
      for (size_t i = 0; i < problems.size() && i < kMaxProblemsShown; ++i) {
        std::cerr << "crash harness: " << problems[i] << "\n";
      }
      fail_run("problems found: " + std::to_string(problems.size()), iteration, writer_seed, dir);
      return report(iteration, ledger, problems.size());
    }
  }

  // Once more over everything: a later crash must not have lost an earlier write either.
  Result<std::unique_ptr<Engine>> engine = Engine::open(uri, options);
  if (!engine) {
    return fail_run("final reopen failed: " + engine.error().to_string(), iteration, writer_seed,
                    dir);
  }
  const std::vector<std::string> problems = check(**engine, db_path, ledger, Checked{});
  engine->reset();
  if (!problems.empty()) {
    for (size_t i = 0; i < problems.size() && i < kMaxProblemsShown; ++i) {
      std::cerr << "crash harness: " << problems[i] << "\n";
    }
    fail_run("problems found in the final check: " + std::to_string(problems.size()), iteration,
             writer_seed, dir);
    return report(iteration, ledger, problems.size());
  }
  std::cout << "crash harness: seed " << args.seed << "; " << ledger.audits.size() << " audit, "
            << ledger.secrets.size() << " secret, " << ledger.jobs.size() << " job, "
            << ledger.records.size() << " record acks; " << ledger.torn
            << " torn ack lines ignored; unacknowledged votes: " << ledger.attempts_found
            << " landed, " << ledger.attempts_lost << " did not\n";
  // Nothing to look at after a success: remove what this run made (a failure keeps it all).
  remove_run_files(dir);
  if (own_dir) ::rmdir(dir.c_str());
  return report(iteration, ledger, 0);
}

// Reads `--name value` pairs; false on anything else.
bool parse_writer_args(int argc, char** argv, WriterArgs& out) {
  bool have_seed = false;
  for (int i = 2; i < argc; i += 2) {
    if (i + 1 >= argc) return false;
    const std::string_view name = argv[i];
    const std::string_view value = argv[i + 1];
    if (name == "--db") {
      out.db = value;
    } else if (name == "--ack") {
      out.ack = value;
    } else if (name == "--seed") {
      const std::optional<uint64_t> seed = parse_u64(value);
      if (!seed) return false;
      out.seed = *seed;
      have_seed = true;
    } else {
      return false;
    }
  }
  return !out.db.empty() && !out.ack.empty() && have_seed;
}

bool parse_driver_args(int argc, char** argv, DriverArgs& out) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view name = argv[i];
    if (name == "--self-test-lose") {
      out.self_test_lose = true;
      continue;
    }
    if (i + 1 >= argc) return false;
    const std::string_view value = argv[++i];
    if (name == "--dir") {
      out.dir = value;
      continue;
    }
    const std::optional<uint64_t> number = parse_u64(value);
    if (!number) return false;
    if (name == "--seconds") {
      out.seconds = *number;
    } else if (name == "--iterations") {
      out.iterations = *number;
    } else if (name == "--seed") {
      out.seed = *number;
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::string_view(argv[1]) == "writer") {
    WriterArgs args;
    if (!parse_writer_args(argc, argv, args)) {
      print_usage();
      return kExitUsage;
    }
    return run_writer(args);
  }
  DriverArgs args;
  if (!parse_driver_args(argc, argv, args)) {
    print_usage();
    return kExitUsage;
  }
  return run_driver(args);
}
