// Board benchmarks, each paired with the limit it is judged against in the same run:
//
//   BM_BoardVoteToggle           vote() on SQLite: one write transaction (post check, vote row,
//                                removed-vote log or insert, counter), 1,000 posts x 1,000 users
//   BM_BoardVoteSqlitePeer       the limit: a plain SQLite write transaction doing the same row
//                                work (look up, insert or delete, counter), same durability
//   BM_BoardListTrending         list_posts(sort=trending, limit=50) with 100,000 posts and
//                                1,000,000 votes (a snapshot ranking, see docs/board.md)
//   BM_BoardTrendingSqlPeer      the limit: one hand-written SQL query ranking the same posts by
//                                the same formula (no snapshot, no viewer, ids only)
//   BM_BoardListNewest, BM_BoardListMostVotes   the other sorts on the same data, for context
//
// The 100,000 posts and 1,000,000 votes are written straight into the board tables in one
// transaction (the benchmark's own bulk path; the engine has none), then read through the engine.
// The FTS5 index is left empty: search is not measured here.
// benchmarks/ratios.py prints the ratios recorded in docs/performance.md.
#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <random>

#include "cairn/engine.hpp"

namespace {

using namespace cairn;  // NOLINT(google-build-using-namespace): benchmark file

constexpr int64_t kHour = 3600LL * 1000000;

std::string temp_path(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / "cairn-board-bench";
  std::filesystem::create_directories(dir);
  auto path = dir / name;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  return path.string();
}

void BM_BoardVoteToggle(benchmark::State& state) {
  auto engine = std::move(Engine::open("sqlite:" + temp_path("votes.db")).value());
  auto& b = engine->board();
  (void)b.create_project("app", "App");
  std::vector<std::string> posts;
  for (int i = 0; i < 1000; ++i) posts.push_back(b.create_post("app", "ada", "Post")->id);
  std::mt19937 rng(1);
  for (auto _ : state) {
    auto voted = b.vote(posts[rng() % posts.size()], "user" + std::to_string(rng() % 1000));
    if (!voted) state.SkipWithError("vote failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BoardVoteToggle)->UseRealTime();

void BM_BoardVoteSqlitePeer(benchmark::State& state) {
  sqlite3* db = nullptr;
  sqlite3_open(temp_path("votes-peer.db").c_str(), &db);
  sqlite3_exec(db,
               "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
               "CREATE TABLE posts (seq INTEGER PRIMARY KEY, votes INTEGER NOT NULL);"
               "CREATE TABLE votes (post INTEGER, user TEXT, at INTEGER,"
               " PRIMARY KEY (post, user)) WITHOUT ROWID;",
               nullptr, nullptr, nullptr);
  for (int i = 0; i < 1000; ++i) {
    sqlite3_exec(db, "INSERT INTO posts (votes) VALUES (0)", nullptr, nullptr, nullptr);
  }
  sqlite3_stmt* find = nullptr;
  sqlite3_stmt* ins = nullptr;
  sqlite3_stmt* del = nullptr;
  sqlite3_stmt* count = nullptr;
  sqlite3_prepare_v2(db, "SELECT 1 FROM votes WHERE post = ?1 AND user = ?2", -1, &find, nullptr);
  sqlite3_prepare_v2(db, "INSERT INTO votes VALUES (?1, ?2, 0)", -1, &ins, nullptr);
  sqlite3_prepare_v2(db, "DELETE FROM votes WHERE post = ?1 AND user = ?2", -1, &del, nullptr);
  sqlite3_prepare_v2(db, "UPDATE posts SET votes = votes + ?2 WHERE seq = ?1", -1, &count, nullptr);
  std::mt19937 rng(1);
  for (auto _ : state) {
    int post = static_cast<int>(rng() % 1000) + 1;
    std::string user = "user" + std::to_string(rng() % 1000);
    sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    sqlite3_bind_int(find, 1, post);
    sqlite3_bind_text(find, 2, user.c_str(), -1, SQLITE_TRANSIENT);
    bool has = sqlite3_step(find) == SQLITE_ROW;
    sqlite3_reset(find);
    sqlite3_stmt* change = has ? del : ins;
    sqlite3_bind_int(change, 1, post);
    sqlite3_bind_text(change, 2, user.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_step(change);
    sqlite3_reset(change);
    sqlite3_bind_int(count, 1, post);
    sqlite3_bind_int(count, 2, has ? -1 : 1);
    sqlite3_step(count);
    sqlite3_reset(count);
    if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
      state.SkipWithError("commit failed");
    }
  }
  for (sqlite3_stmt* s : {find, ins, del, count}) sqlite3_finalize(s);
  sqlite3_close(db);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BoardVoteSqlitePeer)->UseRealTime();

// 100,000 posts created over the last 180 days and 10 votes each, cast between a post's creation
// and now (so almost half fall in the 30-day trending window), written once.
struct BigBoard {
  std::string path;
  std::unique_ptr<Engine> engine;
  std::string project_id;
  int64_t now = 0;
};

BigBoard& big_board() {
  static BigBoard* board = [] {
    auto* out = new BigBoard;
    out->path = temp_path("big.db");
    out->engine = std::move(Engine::open("sqlite:" + out->path).value());
    out->project_id = out->engine->board().create_project("app", "App")->id;
    out->now = to_unix_micros(out->engine->env().now());
    sqlite3* db = nullptr;
    sqlite3_open(out->path.c_str(), &db);
    sqlite3_busy_timeout(db, 10000);
    sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    sqlite3_stmt* post = nullptr;
    sqlite3_stmt* vote = nullptr;
    sqlite3_prepare_v2(db,
                       "INSERT INTO board_posts (seq, id, project_id, title, description, status,"
                       " category, tags, author, vote_count, created_at, updated_at)"
                       " VALUES (?1, ?2, ?3, ?4, 'Seeded for the benchmark', 'open', 'feedback',"
                       " '', 'ada', 10, ?5, ?5)",
                       -1, &post, nullptr);
    sqlite3_prepare_v2(db, "INSERT INTO board_votes VALUES (?1, ?2, ?3, ?3)", -1, &vote, nullptr);
    std::mt19937_64 rng(42);
    const int64_t span = 180 * 24 * kHour;
    for (int64_t i = 1; i <= 100000; ++i) {
      char id[33];
      std::snprintf(id, sizeof id, "%032llx", static_cast<unsigned long long>(i));
      int64_t created = out->now - static_cast<int64_t>(rng() % static_cast<uint64_t>(span));
      std::string title = "Post " + std::to_string(i);
      sqlite3_bind_int64(post, 1, i);
      sqlite3_bind_text(post, 2, id, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(post, 3, out->project_id.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(post, 4, title.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(post, 5, created);
      sqlite3_step(post);
      sqlite3_reset(post);
      for (int k = 0; k < 10; ++k) {
        std::string user = "user" + std::to_string(i * 10 + k);
        int64_t at =
            created + static_cast<int64_t>(rng() % static_cast<uint64_t>(out->now - created + 1));
        sqlite3_bind_int64(vote, 1, i);
        sqlite3_bind_text(vote, 2, user.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(vote, 3, at);
        sqlite3_step(vote);
        sqlite3_reset(vote);
      }
    }
    sqlite3_finalize(post);
    sqlite3_finalize(vote);
    if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) std::abort();
    sqlite3_exec(db, "ANALYZE", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    return out;
  }();
  return *board;
}

void list(benchmark::State& state, board::Sort sort) {
  BigBoard& big = big_board();
  board::ListQuery q;
  q.sort = sort;
  q.limit = 50;
  q.viewer = "user5";
  for (auto _ : state) {
    auto page = big.engine->board().list_posts("app", q);
    if (!page || page->items.size() != 50) state.SkipWithError("listing failed");
    benchmark::DoNotOptimize(page);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_BoardListTrending(benchmark::State& state) { list(state, board::Sort::kTrending); }
BENCHMARK(BM_BoardListTrending)->Unit(benchmark::kMillisecond)->UseRealTime();
void BM_BoardListNewest(benchmark::State& state) { list(state, board::Sort::kNewest); }
BENCHMARK(BM_BoardListNewest)->Unit(benchmark::kMillisecond)->UseRealTime();
void BM_BoardListMostVotes(benchmark::State& state) { list(state, board::Sort::kMostVotes); }
BENCHMARK(BM_BoardListMostVotes)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_BoardTrendingSqlPeer(benchmark::State& state) {
  BigBoard& big = big_board();
  sqlite3* db = nullptr;
  sqlite3_open(big.path.c_str(), &db);
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(
          db,
          "SELECT p.id FROM board_posts p\n"
          "LEFT JOIN (SELECT post_seq, count(*) AS n FROM board_votes WHERE voted_at > ?2\n"
          "           GROUP BY post_seq) v ON v.post_seq = p.seq\n"
          "LEFT JOIN (SELECT post_seq, count(*) AS n FROM board_comments\n"
          "           WHERE created_at > ?2 AND deleted_at IS NULL GROUP BY post_seq) c\n"
          "  ON c.post_seq = p.seq\n"
          "WHERE p.project_id = ?1 AND p.deleted_at IS NULL AND p.merged_into IS NULL\n"
          "ORDER BY (coalesce(v.n, 0) * 5 + coalesce(c.n, 0) * 3 - 1.0)\n"
          "         / pow((?3 - p.created_at) / 3600e6 + 2, 1.4) DESC, p.id LIMIT 50",
          -1, &s, nullptr) != SQLITE_OK) {
    state.SkipWithError(sqlite3_errmsg(db));
    sqlite3_close(db);
    return;
  }
  for (auto _ : state) {
    sqlite3_bind_text(s, 1, big.project_id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, big.now - 30 * 24 * kHour);
    sqlite3_bind_int64(s, 3, big.now);
    int rows = 0;
    while (sqlite3_step(s) == SQLITE_ROW) ++rows;
    sqlite3_reset(s);
    if (rows != 50) state.SkipWithError("query failed");
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BoardTrendingSqlPeer)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
