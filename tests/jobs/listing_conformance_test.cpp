// Listing and counting the scheduler's tasks on every store backend: filters alone and combined,
// literal key prefixes, cursors that walk to the end while tasks are added, refused input, and
// the count of every state, a run whose lease ran out among them.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "cairn/jobs/scheduler.hpp"
#include "storage/internal/stores.hpp"
#include "support/conformance.hpp"

namespace cairn::jobs {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

class JobListingConformance : public cairn::testing::StoreConformanceTest {
 protected:
  void SetUp() override {
    StoreConformanceTest::SetUp();
    store_ = storage::internal::make_job_store(database());
    auto s = Scheduler::create(*store_, env_);
    ASSERT_TRUE(s) << s.error().to_string();
    scheduler_ = std::move(*s);
  }
  void TearDown() override {
    scheduler_.reset();
    store_.reset();
  }

  Scheduler& jobs() { return *scheduler_; }

  int64_t enqueue(std::string_view kind, const EnqueueOptions& options = {}) {
    auto id = jobs().enqueue(kind, options);
    EXPECT_TRUE(id) << id.error().to_string();
    return id ? *id : 0;
  }

  int64_t keyed(std::string_view kind, std::string key) {
    EnqueueOptions o;
    o.key = std::move(key);
    return enqueue(kind, o);
  }

  // The ids of one page.
  std::vector<int64_t> ids(const TaskFilter& filter, int32_t limit = kMaxListLimit) {
    auto page = jobs().list(filter, limit);
    EXPECT_TRUE(page) << page.error().to_string();
    std::vector<int64_t> out;
    if (!page) return out;
    EXPECT_TRUE(page->next_cursor.empty());
    for (const Task& t : page->items) out.push_back(t.id);
    return out;
  }

  static TaskFilter of_kind(std::string kind) {
    TaskFilter f;
    f.kind = std::move(kind);
    return f;
  }
  static TaskFilter in_state(ListState state) {
    TaskFilter f;
    f.state = state;
    return f;
  }
  static TaskFilter with_prefix(std::string prefix) {
    TaskFilter f;
    f.key_prefix = std::move(prefix);
    return f;
  }

  // Claims the first due task of `kind` for a worker of another process.
  int64_t claim(const std::string& kind, std::chrono::seconds lease) {
    ClaimRequest request;
    request.worker = "other-worker";
    request.now = env_.now();
    request.lease_expires = env_.now() + lease;
    request.kinds = {kind};
    auto claimed = store_->claim(request);
    EXPECT_TRUE(claimed && *claimed);
    return claimed && *claimed ? (*claimed)->id : 0;
  }

  FakeEnv env_;
  std::unique_ptr<JobStore> store_;
  std::unique_ptr<Scheduler> scheduler_;
};

TEST_P(JobListingConformance, ListsEveryTaskInIdOrderWithItsValues) {
  EXPECT_TRUE(ids({}).empty());
  EnqueueOptions o;
  o.input = "in-1";
  o.key = "k-1";
  int64_t a = enqueue("alpha", o);
  int64_t b = enqueue("beta");
  EnqueueOptions after;
  after.depends_on = {a, b};
  int64_t c = enqueue("alpha", after);
  auto page = jobs().list();
  ASSERT_TRUE(page) << page.error().to_string();
  ASSERT_EQ(page->items.size(), 3U);
  EXPECT_TRUE(page->next_cursor.empty());
  EXPECT_EQ(page->items[0].id, a);
  EXPECT_EQ(page->items[0].kind, "alpha");
  EXPECT_EQ(page->items[0].input, "in-1");
  EXPECT_EQ(page->items[0].key, "k-1");
  EXPECT_EQ(page->items[0].state, TaskState::kPending);
  EXPECT_EQ(page->items[1].id, b);
  EXPECT_EQ(page->items[2].id, c);
  EXPECT_EQ(page->items[2].depends_on, (std::vector<int64_t>{a, b}));
  // What list() returns is what get() returns.
  EXPECT_EQ(page->items[2].depends_on, jobs().get(c)->depends_on);
}

TEST_P(JobListingConformance, ListedTasksCarryTheirErrors) {
  ASSERT_TRUE(jobs().register_kind("bad", [](TaskContext&) -> Result<std::string> {
    return fail(ErrorCode::kInvalidArgument, "TEST_BAD_INPUT", "no");
  }));
  int64_t bad = enqueue("bad");
  EnqueueOptions after;
  after.depends_on = {bad};
  int64_t dependent = enqueue("idle", after);
  ASSERT_EQ(*jobs().run_pending(), 1);
  auto page = jobs().list();
  ASSERT_TRUE(page) << page.error().to_string();
  ASSERT_EQ(page->items.size(), 2U);
  EXPECT_EQ(page->items[0].state, TaskState::kFailed);
  EXPECT_EQ(page->items[0].errors, jobs().get(bad)->errors);
  ASSERT_EQ(page->items[0].errors.size(), 1U);
  EXPECT_EQ(page->items[0].errors[0], "INVALID_ARGUMENT TEST_BAD_INPUT: no");
  EXPECT_EQ(page->items[1].id, dependent);
  EXPECT_EQ(page->items[1].state, TaskState::kCancelled);
  ASSERT_EQ(page->items[1].errors.size(), 1U);
  EXPECT_EQ(page->items[1].errors[0].rfind("CANCELLED JOB_DEPENDENCY_FAILED", 0), 0U);
}

TEST_P(JobListingConformance, FiltersByKindStateAndKeyPrefixAloneAndCombined) {
  ASSERT_TRUE(jobs().register_kind("run", [](TaskContext&) -> Result<std::string> { return ""; }));
  int64_t a1 = keyed("alpha", "user/1");
  int64_t a2 = keyed("alpha", "user/2");
  int64_t a3 = keyed("alpha", "team/1");
  int64_t b1 = keyed("beta", "user/3");
  int64_t b2 = enqueue("beta");
  int64_t r1 = keyed("run", "user/4");
  ASSERT_EQ(*jobs().run_pending(), 1);  // r1 is done

  EXPECT_EQ(ids(of_kind("alpha")), (std::vector<int64_t>{a1, a2, a3}));
  EXPECT_EQ(ids(of_kind("beta")), (std::vector<int64_t>{b1, b2}));
  EXPECT_TRUE(ids(of_kind("gamma")).empty());
  EXPECT_EQ(ids(in_state(ListState::kPending)), (std::vector<int64_t>{a1, a2, a3, b1, b2}));
  EXPECT_EQ(ids(in_state(ListState::kDone)), (std::vector<int64_t>{r1}));
  EXPECT_TRUE(ids(in_state(ListState::kFailed)).empty());
  EXPECT_EQ(ids(with_prefix("user/")), (std::vector<int64_t>{a1, a2, b1, r1}));
  EXPECT_EQ(ids(with_prefix("user/2")), (std::vector<int64_t>{a2}));
  EXPECT_TRUE(ids(with_prefix("user/22")).empty());
  EXPECT_TRUE(ids(with_prefix("User/")).empty());  // bytes, not case-folded

  TaskFilter kind_and_prefix = of_kind("alpha");
  kind_and_prefix.key_prefix = "user/";
  EXPECT_EQ(ids(kind_and_prefix), (std::vector<int64_t>{a1, a2}));
  TaskFilter prefix_and_state = with_prefix("user/");
  prefix_and_state.state = ListState::kDone;
  EXPECT_EQ(ids(prefix_and_state), (std::vector<int64_t>{r1}));
  TaskFilter all_three = of_kind("beta");
  all_three.state = ListState::kPending;
  all_three.key_prefix = "user/";
  EXPECT_EQ(ids(all_three), (std::vector<int64_t>{b1}));
  all_three.state = ListState::kDone;
  EXPECT_TRUE(ids(all_three).empty());
}

TEST_P(JobListingConformance, KeyPrefixTakesPercentAndUnderscoreLiterally) {
  int64_t percent = keyed("k", "a%b");
  int64_t underscore = keyed("k", "a_b");
  int64_t plain = keyed("k", "axb");
  int64_t double_percent = keyed("k", "a%%");
  int64_t backslash = keyed("k", "a\\b");
  keyed("k", "ab");
  EXPECT_EQ(ids(with_prefix("a%")), (std::vector<int64_t>{percent, double_percent}));
  EXPECT_EQ(ids(with_prefix("a_")), (std::vector<int64_t>{underscore}));
  EXPECT_EQ(ids(with_prefix("a\\")), (std::vector<int64_t>{backslash}));
  EXPECT_EQ(ids(with_prefix("axb")), (std::vector<int64_t>{plain}));
  EXPECT_TRUE(ids(with_prefix("%")).empty());
  EXPECT_TRUE(ids(with_prefix("_")).empty());
  EXPECT_EQ(ids(with_prefix("a")).size(), 6U);
  // Multi-byte UTF-8 prefixes compare as bytes too.
  int64_t accented = keyed("k", "caf\xc3\xa9/1");
  keyed("k", "cafe/1");
  EXPECT_EQ(ids(with_prefix("caf\xc3\xa9")), (std::vector<int64_t>{accented}));
}

TEST_P(JobListingConformance, PagesWalkToTheEndWithoutRepeatsOrSkipsWhileTasksAreAdded) {
  std::vector<int64_t> expected;
  for (int i = 0; i < 20; ++i) {
    expected.push_back(enqueue("page"));
    enqueue("other");
  }
  TaskFilter filter = of_kind("page");
  std::vector<int64_t> seen;
  std::string cursor;
  int pages = 0;
  for (; pages < 100; ++pages) {
    auto page = jobs().list(filter, 7, cursor);
    ASSERT_TRUE(page) << page.error().to_string();
    EXPECT_LE(page->items.size(), 7U);
    for (const Task& t : page->items) {
      EXPECT_EQ(t.kind, "page");
      seen.push_back(t.id);
    }
    if (page->next_cursor.empty()) break;
    EXPECT_EQ(page->items.size(), 7U);
    cursor = page->next_cursor;
    // Work keeps arriving during the walk, for the first few pages.
    if (pages < 4) {
      expected.push_back(enqueue("page"));
      enqueue("other");
    }
  }
  EXPECT_LT(pages, 100);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(std::set<int64_t>(seen.begin(), seen.end()).size(), seen.size());
  EXPECT_EQ(seen, expected);
}

TEST_P(JobListingConformance, AFullLastPageHasNoCursor) {
  for (int i = 0; i < 3; ++i) enqueue("k");
  auto page = jobs().list({}, 3);
  ASSERT_TRUE(page) << page.error().to_string();
  EXPECT_EQ(page->items.size(), 3U);
  EXPECT_TRUE(page->next_cursor.empty());
  auto first = jobs().list({}, 2);
  ASSERT_TRUE(first);
  ASSERT_FALSE(first->next_cursor.empty());
  auto rest = jobs().list({}, 2, first->next_cursor);
  ASSERT_TRUE(rest) << rest.error().to_string();
  ASSERT_EQ(rest->items.size(), 1U);
  EXPECT_EQ(rest->items[0].id, first->items[1].id + 1);
  EXPECT_TRUE(rest->next_cursor.empty());
}

TEST_P(JobListingConformance, ACursorOnlyWorksWithTheFilterItWasMadeFor) {
  for (int i = 0; i < 3; ++i) keyed("alpha", "user/" + std::to_string(i));
  TaskFilter filter = of_kind("alpha");
  auto first = jobs().list(filter, 1);
  ASSERT_TRUE(first);
  ASSERT_FALSE(first->next_cursor.empty());
  const std::string cursor = first->next_cursor;

  std::vector<TaskFilter> others;
  others.push_back({});               // no filter
  others.push_back(of_kind("beta"));  // another kind
  TaskFilter with_state = filter;     // one more field
  with_state.state = ListState::kPending;
  others.push_back(with_state);
  TaskFilter with_key = filter;
  with_key.key_prefix = "user/";
  others.push_back(with_key);
  for (const TaskFilter& other : others) {
    auto page = jobs().list(other, 1, cursor);
    ASSERT_FALSE(page);
    EXPECT_EQ(page.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(page.error().reason, "JOB_CURSOR_INVALID");
  }
  // The same filter (another limit is fine) continues.
  auto next = jobs().list(filter, 5, cursor);
  ASSERT_TRUE(next) << next.error().to_string();
  EXPECT_EQ(next->items.size(), 2U);

  const std::vector<std::string> bad_cursors{
      "x",
      "not a cursor!",
      "ajE6MTox",
      "ajE6LTE6MA",
      "j1:1:1",
      "ajE6MTo5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5"};
  for (const std::string& bad : bad_cursors) {
    auto page = jobs().list(filter, 1, bad);
    ASSERT_FALSE(page) << bad;
    EXPECT_EQ(page.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(page.error().reason, "JOB_CURSOR_INVALID") << bad;
  }
}

TEST_P(JobListingConformance, RefusesBadLimitsKindsStatesAndPrefixes) {
  enqueue("k");
  for (int32_t limit : {0, -1, kMaxListLimit + 1}) {
    auto page = jobs().list({}, limit);
    ASSERT_FALSE(page) << limit;
    EXPECT_EQ(page.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(page.error().reason, "JOB_LIST_INVALID");
  }
  EXPECT_TRUE(jobs().list({}, 1));
  EXPECT_TRUE(jobs().list({}, kMaxListLimit));

  auto empty_kind = jobs().list(of_kind(""));
  ASSERT_FALSE(empty_kind);
  EXPECT_EQ(empty_kind.error().reason, "JOB_KIND_INVALID");
  auto long_prefix = jobs().list(with_prefix(std::string(257, 'p')));
  ASSERT_FALSE(long_prefix);
  EXPECT_EQ(long_prefix.error().reason, "JOB_LIST_INVALID");
  EXPECT_TRUE(jobs().list(with_prefix(std::string(256, 'p'))));
  auto not_utf8 = jobs().list(with_prefix("\xff"));
  ASSERT_FALSE(not_utf8);
  EXPECT_EQ(not_utf8.error().reason, "JOB_LIST_INVALID");

  for (std::string_view bad : {"", "Pending", "waiting", "lease-expired", "unknown"}) {
    auto state = parse_list_state(bad);
    ASSERT_FALSE(state) << bad;
    EXPECT_EQ(state.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(state.error().reason, "JOB_STATE_INVALID");
  }
  for (ListState state : kListStates) {
    auto parsed = parse_list_state(to_string(state));
    ASSERT_TRUE(parsed) << to_string(state);
    EXPECT_EQ(*parsed, state);
  }
}

TEST_P(JobListingConformance, CountsEveryStateAndListsTheSameTasks) {
  auto none = jobs().counts();
  ASSERT_TRUE(none) << none.error().to_string();
  for (ListState state : kListStates) EXPECT_EQ(none->of(state), 0) << to_string(state);

  ASSERT_TRUE(jobs().register_kind("ok", [](TaskContext&) -> Result<std::string> { return ""; }));
  ASSERT_TRUE(jobs().register_kind("bad", [](TaskContext&) -> Result<std::string> {
    return fail(ErrorCode::kInvalidArgument, "TEST_BAD_INPUT", "no");
  }));
  int64_t done = enqueue("ok");
  int64_t failed = enqueue("bad");
  EnqueueOptions after_failed;
  after_failed.depends_on = {failed};
  int64_t cancelled = enqueue("ok", after_failed);
  ASSERT_EQ(*jobs().run_pending(), 2);

  // Kinds no handler here runs stay as they are.
  int64_t ready = enqueue("idle");
  EnqueueOptions later;
  later.delay = hours(1);
  int64_t scheduled = enqueue("idle", later);
  EnqueueOptions after_ready;
  after_ready.depends_on = {ready};
  int64_t blocked = enqueue("idle", after_ready);
  after_ready.delay = hours(1);
  int64_t blocked_later = enqueue("idle", after_ready);  // blocked wins over scheduled
  enqueue("lease");
  enqueue("lease");
  int64_t leased = claim("lease", seconds(30));
  int64_t lapsing = claim("lease", seconds(10));
  env_.advance(seconds(20));  // `lapsing`'s worker stopped renewing 10 s ago

  auto counts = jobs().counts();
  ASSERT_TRUE(counts) << counts.error().to_string();
  EXPECT_EQ(counts->pending, 4);
  EXPECT_EQ(counts->scheduled, 1);
  EXPECT_EQ(counts->blocked, 2);
  EXPECT_EQ(counts->running, 2);
  EXPECT_EQ(counts->lease_expired, 1);
  EXPECT_EQ(counts->done, 1);
  EXPECT_EQ(counts->failed, 1);
  EXPECT_EQ(counts->cancelled, 1);

  const std::map<ListState, std::vector<int64_t>> expected{
      {ListState::kPending, {ready, scheduled, blocked, blocked_later}},
      {ListState::kScheduled, {scheduled}},
      {ListState::kBlocked, {blocked, blocked_later}},
      {ListState::kRunning, {leased, lapsing}},
      {ListState::kLeaseExpired, {lapsing}},
      {ListState::kDone, {done}},
      {ListState::kFailed, {failed}},
      {ListState::kCancelled, {cancelled}},
  };
  for (ListState state : kListStates) {
    EXPECT_EQ(ids(in_state(state)), expected.at(state)) << to_string(state);
    EXPECT_EQ(counts->of(state), static_cast<int64_t>(expected.at(state).size()))
        << to_string(state);
  }

  // The clock moves the refinements: the delayed task becomes due, the other lease lapses too.
  env_.advance(hours(1));
  counts = jobs().counts();
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->scheduled, 0);
  EXPECT_EQ(counts->blocked, 2);
  EXPECT_EQ(counts->lease_expired, 2);
  EXPECT_EQ(counts->running, 2);
  // A rescue settles the lapsed runs: no lease is expired afterwards.
  ASSERT_TRUE(jobs().run_pending());
  counts = jobs().counts();
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->lease_expired, 0);
  EXPECT_EQ(counts->running, 0);
  EXPECT_EQ(counts->pending, 6);  // both rescued runs are retried (no policy: 3 runs)
}

CAIRN_INSTANTIATE_CONFORMANCE(JobListingConformance);

}  // namespace
}  // namespace cairn::jobs
