// BoardStore on every backend, through BoardService.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>

#include "cairn/board/service.hpp"
#include "storage/internal/stores.hpp"
#include "support/conformance.hpp"

namespace cairn::testing {
namespace {

using board::BoardService;
using board::Category;
using board::ListQuery;
using board::Post;
using board::PostStatus;
using board::Sort;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

class BoardConformance : public StoreConformanceTest {
 protected:
  void SetUp() override {
    StoreConformanceTest::SetUp();
    store_ = storage::internal::make_board_store(database());
    service_ = std::make_unique<BoardService>(*store_, env_);
    ASSERT_TRUE(b().create_project("app", "My App"));
  }
  BoardService& b() { return *service_; }

  // A new post in "app", one second after the previous event.
  Post post(const std::string& title, const std::string& author = "ada",
            Category category = Category::kFeedback, std::vector<std::string> tags = {},
            const std::string& description = "") {
    env_.advance(seconds(1));
    auto p = b().create_post("app", author, title, description, category, tags);
    EXPECT_TRUE(p) << p.error().to_string();
    return p ? *p : Post{};
  }

  std::vector<std::string> ids(const std::vector<Post>& posts) {
    std::vector<std::string> out;
    for (const Post& p : posts) out.push_back(p.id);
    return out;
  }

  // Every page of a listing, following the cursors.
  std::vector<std::string> all_pages(ListQuery q) {
    std::vector<std::string> out;
    while (true) {
      auto page = b().list_posts("app", q);
      EXPECT_TRUE(page) << page.error().to_string();
      if (!page) return out;
      for (const Post& p : page->items) out.push_back(p.id);
      if (page->next_cursor.empty()) return out;
      q.cursor = page->next_cursor;
    }
  }

  // The counters of `post_id` equal a recount of its rows.
  void expect_exact(const std::string& post_id) {
    auto p = b().get_post(post_id);
    ASSERT_TRUE(p) << p.error().to_string();
    auto counts = b().recount(post_id);
    ASSERT_TRUE(counts);
    EXPECT_EQ(p->vote_count, counts->votes) << post_id;
    EXPECT_EQ(p->comment_count, counts->comments) << post_id;
  }

  FakeEnv env_;
  std::unique_ptr<board::BoardStore> store_;
  std::unique_ptr<BoardService> service_;
};

TEST_P(BoardConformance, ProjectsHaveUniqueValidSlugs) {
  EXPECT_EQ(b().create_project("app", "Again").error().reason, "BOARD_PROJECT_EXISTS");
  EXPECT_EQ(b().create_project("app", "Again").error().code, ErrorCode::kAlreadyExists);
  for (const char* slug : {"", "App", "a_b", "a b", "ü"}) {
    auto r = b().create_project(slug, "x");
    ASSERT_FALSE(r) << slug;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().reason, "BOARD_SLUG_INVALID");
  }
  EXPECT_EQ(b().create_project(std::string(65, 'a'), "x").error().reason, "BOARD_SLUG_INVALID");
  EXPECT_TRUE(b().create_project(std::string(64, 'a'), "x"));
  EXPECT_EQ(b().create_project("web", "  ").error().reason, "BOARD_PROJECT_NAME_INVALID");
  auto web = b().create_project("web-2", " Web ", "the site");
  ASSERT_TRUE(web);
  EXPECT_EQ(web->name, "Web");
  EXPECT_EQ(b().project("web-2")->description, "the site");
  EXPECT_EQ(b().project("nope").error().reason, "BOARD_PROJECT_NOT_FOUND");
  auto all = b().projects();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].slug, std::string(64, 'a'));
  EXPECT_EQ((*all)[1].slug, "app");
}

TEST_P(BoardConformance, BadInputIsRefusedAndNothingIsStored) {
  auto refused = [&](Result<Post> r, const char* reason) {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().reason, reason);
  };
  refused(b().create_post("app", "ada", "   "), "BOARD_TITLE_INVALID");
  refused(b().create_post("app", "ada", std::string(201, 'x')), "BOARD_TITLE_INVALID");
  refused(b().create_post("app", "ada", "\xff"), "BOARD_TITLE_INVALID");
  refused(b().create_post("app", "ada", "t", std::string(50001, 'd')), "BOARD_DESCRIPTION_INVALID");
  refused(b().create_post("app", "", "t"), "BOARD_USER_INVALID");
  refused(b().create_post("app", "a\nb", "t"), "BOARD_USER_INVALID");
  std::vector<std::string> bad_tag = {"Bad Tag"};
  refused(b().create_post("app", "ada", "t", "", Category::kBug, bad_tag), "BOARD_TAG_INVALID");
  EXPECT_EQ(b().create_post("nope", "ada", "t").error().reason, "BOARD_PROJECT_NOT_FOUND");
  EXPECT_TRUE(all_pages({}).empty());

  // The limits themselves are allowed; characters are code points, and titles are trimmed.
  std::string title;
  for (int i = 0; i < 200; ++i) title += "é";
  auto p = b().create_post("app", "ada", "  " + title + "\n", std::string(50000, 'd'));
  ASSERT_TRUE(p) << p.error().to_string();
  EXPECT_EQ(p->title, title);
  std::vector<std::string> tags = {"ui", "dark-mode", "ui"};
  auto q = b().create_post("app", "ada", "Tagged", "", Category::kFeature, tags);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->tags, (std::vector<std::string>{"dark-mode", "ui"}));
  EXPECT_EQ(b().get_post(q->id)->tags, q->tags);
  EXPECT_EQ(b().get_post(q->id)->category, Category::kFeature);
  EXPECT_EQ(b().get_post(q->id)->status, PostStatus::kOpen);
  // Enum values out of range from C++ callers are refused too, with nothing stored.
  EXPECT_EQ(b().set_status(q->id, static_cast<PostStatus>(7), "admin").error().reason,
            "BOARD_STATUS_INVALID");
  EXPECT_EQ(b().get_post(q->id)->status, PostStatus::kOpen);
  EXPECT_TRUE(b().status_history(q->id)->empty());
  EXPECT_EQ(b().create_post("app", "ada", "Title", "", static_cast<Category>(9)).error().reason,
            "BOARD_CATEGORY_INVALID");
  ListQuery bad_sort;
  bad_sort.sort = static_cast<Sort>(42);
  EXPECT_EQ(b().list_posts("app", bad_sort).error().reason, "BOARD_SORT_INVALID");

  // Unknown names are refused, never mapped to a default.
  EXPECT_EQ(board::parse_status("closed").error().reason, "BOARD_STATUS_INVALID");
  EXPECT_EQ(board::parse_status("Open").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(board::parse_category("idea").error().reason, "BOARD_CATEGORY_INVALID");
  EXPECT_EQ(board::parse_sort("top").error().reason, "BOARD_SORT_INVALID");
  EXPECT_EQ(*board::parse_status("in_progress"), PostStatus::kInProgress);
  EXPECT_EQ(board::status_name(PostStatus::kInProgress), "in_progress");

  ListQuery bad;
  bad.limit = 0;
  EXPECT_EQ(b().list_posts("app", bad).error().reason, "BOARD_LIMIT_INVALID");
  bad.limit = 101;
  EXPECT_EQ(b().list_posts("app", bad).error().reason, "BOARD_LIMIT_INVALID");
  bad.limit = 10;
  bad.cursor = "garbage!";
  EXPECT_EQ(b().list_posts("app", bad).error().reason, "BOARD_CURSOR_INVALID");
  EXPECT_EQ(
      b().set_status(q->id, PostStatus::kDone, "admin", std::string(2001, 'n')).error().reason,
      "BOARD_NOTE_INVALID");
  EXPECT_EQ(b().get_post(q->id)->status, PostStatus::kOpen);
  EXPECT_EQ(b().comment(q->id, "bob", " \t ").error().reason, "BOARD_COMMENT_INVALID");
  EXPECT_EQ(b().get_post(q->id)->comment_count, 0);
}

TEST_P(BoardConformance, VotesToggleAndSetIdempotently) {
  Post p = post("Dark mode");
  EXPECT_EQ(*b().vote(p.id, "bob"), true);
  EXPECT_EQ(*b().vote(p.id, "carol"), true);
  EXPECT_EQ(b().get_post(p.id)->vote_count, 2);
  EXPECT_TRUE(b().get_post(p.id, "bob")->voted);
  EXPECT_FALSE(b().get_post(p.id, "dave")->voted);
  EXPECT_FALSE(b().get_post(p.id)->voted);
  EXPECT_EQ(*b().vote(p.id, "bob"), false);
  EXPECT_FALSE(b().get_post(p.id, "bob")->voted);
  auto set = b().set_vote(p.id, "carol", true);
  ASSERT_TRUE(set);
  EXPECT_TRUE(set->voted);
  EXPECT_FALSE(set->changed);
  EXPECT_EQ(set->vote_count, 1);
  set = b().set_vote(p.id, "dave", true);
  EXPECT_TRUE(set->changed);
  EXPECT_EQ(set->vote_count, 2);
  set = b().set_vote(p.id, "erin", false);
  EXPECT_FALSE(set->changed);
  EXPECT_FALSE(set->voted);
  // Votes do not touch updated_at.
  EXPECT_EQ(b().get_post(p.id)->updated_at, p.created_at);
  EXPECT_EQ(b().vote("nope", "bob").error().reason, "BOARD_POST_NOT_FOUND");
  EXPECT_EQ(b().vote(p.id, "").error().reason, "BOARD_USER_INVALID");
  expect_exact(p.id);
}

TEST_P(BoardConformance, CommentsThreadAndDeletedOnesBecomeTombstones) {
  Post p = post("Dark mode");
  env_.advance(seconds(1));
  auto root = b().comment(p.id, "bob", "  first  ");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->content, "first");
  env_.advance(seconds(1));
  auto reply = b().comment(p.id, "carol", "reply", root->id);
  ASSERT_TRUE(reply);
  env_.advance(seconds(1));
  auto second = b().comment(p.id, "dave", "second");
  env_.advance(seconds(1));
  auto nested = b().comment(p.id, "erin", "nested", reply->id);
  ASSERT_TRUE(second && nested);
  EXPECT_EQ(b().get_post(p.id)->comment_count, 4);
  EXPECT_EQ(b().get_post(p.id)->updated_at, nested->created_at);

  auto thread = b().comments(p.id);
  ASSERT_TRUE(thread);
  std::vector<std::string> order;
  for (const auto& c : *thread) order.push_back(c.id);
  EXPECT_EQ(order, (std::vector<std::string>{root->id, reply->id, nested->id, second->id}));

  // Deleting a comment with replies leaves a tombstone; the thread stays whole.
  ASSERT_TRUE(b().delete_comment(root->id, "bob"));
  thread = b().comments(p.id);
  ASSERT_EQ(thread->size(), 4u);
  EXPECT_TRUE((*thread)[0].deleted);
  EXPECT_EQ((*thread)[0].content, "");
  EXPECT_EQ((*thread)[0].author, "");
  EXPECT_EQ((*thread)[1].parent_id, root->id);
  EXPECT_EQ(b().get_post(p.id)->comment_count, 3);
  expect_exact(p.id);

  // Once nothing live is below it, the tombstone is no longer shown.
  ASSERT_TRUE(b().delete_comment(nested->id, "erin"));
  ASSERT_TRUE(b().delete_comment(reply->id, "carol"));
  thread = b().comments(p.id);
  ASSERT_EQ(thread->size(), 1u);
  EXPECT_EQ((*thread)[0].id, second->id);
  EXPECT_EQ(b().get_post(p.id)->comment_count, 1);
  expect_exact(p.id);

  // Deleted comments cannot be deleted, edited or replied to again.
  EXPECT_EQ(b().delete_comment(root->id, "bob").error().reason, "BOARD_COMMENT_NOT_FOUND");
  EXPECT_EQ(b().edit_comment(root->id, "x", "bob").error().reason, "BOARD_COMMENT_NOT_FOUND");
  EXPECT_EQ(b().comment(p.id, "bob", "x", root->id).error().reason, "BOARD_PARENT_INVALID");
  EXPECT_EQ(b().comment(p.id, "bob", "x", "nope").error().reason, "BOARD_COMMENT_NOT_FOUND");
  Post other = post("Other");
  EXPECT_EQ(b().comment(other.id, "bob", "x", second->id).error().reason, "BOARD_PARENT_INVALID");
  EXPECT_EQ(b().get_post(other.id)->comment_count, 0);

  env_.advance(seconds(5));
  auto edited = b().edit_comment(second->id, " changed ", "dave");
  ASSERT_TRUE(edited);
  EXPECT_EQ(edited->content, "changed");
  EXPECT_TRUE(edited->edited);
  EXPECT_GT(edited->updated_at, edited->created_at);
  EXPECT_EQ((*b().comments(p.id))[0].content, "changed");
}

TEST_P(BoardConformance, RepliesAtTheSameTimeAsTheirParentKeepTheThread) {
  // Ids are random, so the order of equal times differs from run to run: try several.
  for (int round = 0; round < 10; ++round) {
    Post p = post("Same time " + std::to_string(round));
    auto root = b().comment(p.id, "bob", "root");
    auto reply = b().comment(p.id, "carol", "reply", root->id);
    auto nested = b().comment(p.id, "dave", "nested", reply->id);
    ASSERT_TRUE(b().delete_comment(root->id, "bob"));
    ASSERT_TRUE(b().delete_comment(reply->id, "carol"));
    auto thread = b().comments(p.id);
    ASSERT_TRUE(thread);
    std::vector<std::string> order;
    for (const auto& c : *thread) order.push_back(c.id);
    EXPECT_EQ(order, (std::vector<std::string>{root->id, reply->id, nested->id}));
  }
}

TEST_P(BoardConformance, AnOfficialResponseIsPinnedAndUnpinned) {
  Post p = post("Dark mode");
  auto c = b().comment(p.id, "admin", "We are on it");
  ASSERT_TRUE(c);
  auto pinned = b().set_official_comment(p.id, c->id, "admin");
  ASSERT_TRUE(pinned);
  EXPECT_EQ(pinned->official_comment_id, c->id);
  Post other = post("Other");
  auto foreign = b().comment(other.id, "bob", "hi");
  EXPECT_EQ(b().set_official_comment(p.id, foreign->id, "admin").error().reason,
            "BOARD_COMMENT_NOT_FOUND");
  EXPECT_EQ(b().get_post(p.id)->official_comment_id, c->id);
  ASSERT_TRUE(b().delete_comment(c->id, "admin"));
  EXPECT_EQ(b().get_post(p.id)->official_comment_id, "");
  auto again = b().comment(p.id, "admin", "Done");
  ASSERT_TRUE(b().set_official_comment(p.id, again->id, "admin"));
  EXPECT_EQ(b().set_official_comment(p.id, "", "admin")->official_comment_id, "");
}

TEST_P(BoardConformance, StatusChangesAreRecorded) {
  Post p = post("Dark mode");
  env_.advance(minutes(1));
  auto planned = b().set_status(p.id, PostStatus::kPlanned, "admin", "next sprint");
  ASSERT_TRUE(planned);
  EXPECT_EQ(planned->status, PostStatus::kPlanned);
  EXPECT_EQ(planned->updated_at, env_.now());
  env_.advance(minutes(1));
  ASSERT_TRUE(b().set_status(p.id, PostStatus::kPlanned, "admin"));  // no change: not recorded
  ASSERT_TRUE(b().set_status(p.id, PostStatus::kDone, "lead"));
  auto history = b().status_history(p.id);
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].from, PostStatus::kOpen);
  EXPECT_EQ((*history)[0].to, PostStatus::kPlanned);
  EXPECT_EQ((*history)[0].actor, "admin");
  EXPECT_EQ((*history)[0].note, "next sprint");
  EXPECT_EQ((*history)[0].at, p.created_at + minutes(1));
  EXPECT_EQ((*history)[1].from, PostStatus::kPlanned);
  EXPECT_EQ((*history)[1].to, PostStatus::kDone);
  EXPECT_EQ((*history)[1].actor, "lead");
  EXPECT_EQ((*history)[1].note, "");
  EXPECT_EQ(b().status_history("nope").error().reason, "BOARD_POST_NOT_FOUND");
}

TEST_P(BoardConformance, MergeMovesVotesWithoutCountingAUserTwice) {
  Post dup = post("Dark theme please");
  Post orig = post("Dark mode");
  for (const char* u : {"a", "b", "c"}) ASSERT_TRUE(b().vote(dup.id, u));
  for (const char* u : {"c", "d"}) ASSERT_TRUE(b().vote(orig.id, u));
  auto c1 = b().comment(dup.id, "a", "me too");
  auto c2 = b().comment(dup.id, "b", "reply", c1->id);
  auto gone = b().comment(dup.id, "b", "oops");
  ASSERT_TRUE(b().delete_comment(gone->id, "b"));
  ASSERT_TRUE(b().comment(orig.id, "e", "original"));
  ASSERT_TRUE(b().set_official_comment(dup.id, c1->id, "admin"));

  auto merged = b().merge(dup.id, orig.id, "admin");
  ASSERT_TRUE(merged) << merged.error().to_string();
  EXPECT_EQ(merged->id, orig.id);
  EXPECT_EQ(merged->vote_count, 4);  // a, b, c, d
  EXPECT_EQ(merged->comment_count, 3);
  for (const char* u : {"a", "b", "c", "d"}) EXPECT_TRUE(b().get_post(orig.id, u)->voted) << u;
  auto source = b().get_post(dup.id);
  ASSERT_TRUE(source);
  EXPECT_EQ(source->merged_into, orig.id);
  EXPECT_EQ(source->vote_count, 0);
  EXPECT_EQ(source->comment_count, 0);
  EXPECT_EQ(source->official_comment_id, "");
  expect_exact(dup.id);
  expect_exact(orig.id);
  auto thread = b().comments(orig.id);
  ASSERT_EQ(thread->size(), 3u);
  EXPECT_EQ((*thread)[1].id, c2->id);
  EXPECT_EQ((*thread)[1].parent_id, c1->id);

  // A merged post is read-only and out of listings.
  EXPECT_EQ(b().vote(dup.id, "z").error().reason, "BOARD_POST_MERGED");
  EXPECT_EQ(b().vote(dup.id, "z").error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(b().comment(dup.id, "z", "x").error().reason, "BOARD_POST_MERGED");
  EXPECT_EQ(b().merge(dup.id, orig.id, "admin").error().reason, "BOARD_POST_MERGED");
  EXPECT_EQ(b().merge(orig.id, dup.id, "admin").error().reason, "BOARD_POST_MERGED");
  EXPECT_EQ(b().merge(orig.id, orig.id, "admin").error().reason, "BOARD_MERGE_INVALID");
  EXPECT_EQ(all_pages({}), (std::vector<std::string>{orig.id}));
  ASSERT_TRUE(b().create_project("web", "Web"));
  auto elsewhere = b().create_post("web", "ada", "Elsewhere");
  EXPECT_EQ(b().merge(elsewhere->id, orig.id, "admin").error().reason, "BOARD_MERGE_INVALID");
  EXPECT_EQ(b().get_post(orig.id)->vote_count, 4);
}

TEST_P(BoardConformance, CountersEqualARecountAfterAnySequence) {
  std::mt19937 rng(7);
  std::vector<std::string> posts;
  std::vector<std::string> comments;
  std::set<std::string> gone;
  for (int i = 0; i < 8; ++i) posts.push_back(post("Post " + std::to_string(i)).id);
  const std::vector<std::string> users = {"u1", "u2", "u3", "u4", "u5"};
  auto pick = [&](const auto& v) { return v[rng() % v.size()]; };
  for (int step = 0; step < 400; ++step) {
    env_.advance(seconds(1));
    const std::string p = pick(posts);
    switch (rng() % 8) {
      case 0:
      case 1:
        (void)b().vote(p, pick(users));
        break;
      case 2:
        (void)b().set_vote(p, pick(users), rng() % 2 == 0);
        break;
      case 3: {
        std::string parent = comments.empty() || rng() % 2 == 0 ? "" : pick(comments);
        auto c = b().comment(p, pick(users), "text", parent);
        if (c) comments.push_back(c->id);
        break;
      }
      case 4:
        if (!comments.empty()) (void)b().delete_comment(pick(comments), "mod");
        break;
      case 5:
        if (rng() % 10 == 0) {
          (void)b().merge(p, pick(posts), "admin");
        }
        break;
      case 6:
        if (rng() % 20 == 0 && b().delete_post(p, "admin")) gone.insert(p);
        break;
      default:
        if (rng() % 10 == 0) posts.push_back(post("More " + std::to_string(step)).id);
        break;
    }
    for (const std::string& id : posts) {
      if (gone.count(id) == 0) expect_exact(id);
    }
    if (HasFailure()) return;
  }
  // Every vote of the live posts is counted exactly once across listings too.
  int64_t listed = 0;
  ListQuery q;
  q.limit = 100;
  auto listing = b().list_posts("app", q);
  ASSERT_TRUE(listing);
  for (const Post& p : listing->items) listed += p.vote_count;
  int64_t recounted = 0;
  for (const std::string& id : posts) {
    auto p = b().get_post(id);
    if (p && p->merged_into.empty()) recounted += b().recount(id)->votes;
  }
  EXPECT_EQ(listed, recounted);
}

TEST_P(BoardConformance, ListingFiltersAndPlainSorts) {
  Post a = post("A", "ada", Category::kBug, {"ui"});
  Post bb = post("B", "bob", Category::kFeature, {"api", "ui"});
  Post c = post("C", "ada", Category::kFeature);
  Post d = post("D", "carol", Category::kQuestion, {"api"});
  env_.advance(seconds(1));
  ASSERT_TRUE(b().set_status(c.id, PostStatus::kPlanned, "admin"));
  for (const char* u : {"x", "y", "z"}) ASSERT_TRUE(b().vote(bb.id, u));
  for (const char* u : {"x", "y"}) ASSERT_TRUE(b().vote(d.id, u));
  ASSERT_TRUE(b().vote(a.id, "x"));
  env_.advance(seconds(10));
  ASSERT_TRUE(b().comment(a.id, "bob", "bump"));
  Post deleted = post("E");
  ASSERT_TRUE(b().delete_post(deleted.id, "admin"));
  EXPECT_EQ(b().get_post(deleted.id).error().reason, "BOARD_POST_NOT_FOUND");
  EXPECT_EQ(b().delete_post(deleted.id, "admin").error().reason, "BOARD_POST_NOT_FOUND");

  auto sorted = [&](Sort sort) {
    ListQuery q;
    q.sort = sort;
    return all_pages(q);
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(sorted(Sort::kNewest), (V{d.id, c.id, bb.id, a.id}));
  EXPECT_EQ(sorted(Sort::kOldest), (V{a.id, bb.id, c.id, d.id}));
  EXPECT_EQ(sorted(Sort::kMostVotes), (V{bb.id, d.id, a.id, c.id}));
  EXPECT_EQ(sorted(Sort::kLeastVotes), (V{c.id, a.id, d.id, bb.id}));
  // a was commented on last, c's status changed after d was created.
  EXPECT_EQ(sorted(Sort::kRecentlyUpdated), (V{a.id, c.id, d.id, bb.id}));

  auto filtered = [&](auto set) {
    ListQuery q;
    set(q);
    return all_pages(q);
  };
  EXPECT_EQ(filtered([](ListQuery& q) { q.status = PostStatus::kPlanned; }), (V{c.id}));
  EXPECT_EQ(filtered([](ListQuery& q) { q.category = Category::kFeature; }), (V{c.id, bb.id}));
  EXPECT_EQ(filtered([](ListQuery& q) { q.tag = "ui"; }), (V{bb.id, a.id}));
  EXPECT_EQ(filtered([](ListQuery& q) { q.tag = "api"; }), (V{d.id, bb.id}));
  EXPECT_EQ(filtered([](ListQuery& q) { q.author = "ada"; }), (V{c.id, a.id}));
  EXPECT_EQ(filtered([](ListQuery& q) { q.voted_by = "y"; }), (V{d.id, bb.id}));
  EXPECT_EQ(filtered([](ListQuery& q) {
              q.voted_by = "x";
              q.tag = "ui";
              q.category = Category::kBug;
            }),
            (V{a.id}));

  ListQuery q;
  q.viewer = "z";
  auto page = b().list_posts("app", q);
  ASSERT_TRUE(page);
  for (const Post& p : page->items) EXPECT_EQ(p.voted, p.id == bb.id) << p.title;
  EXPECT_EQ(page->items[2].vote_count, 3);
  EXPECT_TRUE(page->next_cursor.empty());

  // A cursor belongs to its sort.
  q.limit = 1;
  auto first = b().list_posts("app", q);
  ASSERT_FALSE(first->next_cursor.empty());
  q.cursor = first->next_cursor;
  q.sort = Sort::kOldest;
  EXPECT_EQ(b().list_posts("app", q).error().reason, "BOARD_CURSOR_INVALID");
}

TEST_P(BoardConformance, TrendingFollowsFidersFormula) {
  // Fixed clock: t0 is the start; posts are created at known hours before "now".
  const Timestamp t0 = env_.now();
  env_.set_now(t0);
  Post old_popular = post("Old popular");  // created at t0 + 1s
  env_.set_now(t0 + hours(24 * 40));
  Post fresh = post("Fresh");
  env_.set_now(t0 + hours(24 * 40 + 1));
  Post mid = post("Mid");
  // Old votes (40 days ago) fall outside the 30-day window.
  env_.set_now(t0 + hours(1));
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(b().vote(old_popular.id, "old" + std::to_string(i)));
  env_.set_now(t0 + hours(24 * 40 + 5));
  ASSERT_TRUE(b().vote(old_popular.id, "recent"));
  ASSERT_TRUE(b().vote(fresh.id, "v1"));
  ASSERT_TRUE(b().vote(fresh.id, "v2"));
  ASSERT_TRUE(b().comment(fresh.id, "c1", "hi"));
  ASSERT_TRUE(b().vote(mid.id, "v1"));
  ASSERT_TRUE(b().comment(mid.id, "c1", "a"));
  ASSERT_TRUE(b().comment(mid.id, "c2", "b"));
  ASSERT_TRUE(b().comment(mid.id, "c3", "c"));
  const Timestamp now = t0 + hours(24 * 40 + 10);
  env_.set_now(now);

  auto hours_since = [&](const Post& p) {
    return static_cast<double>((now - p.created_at).count()) / 3600e6;
  };
  // By hand: (votes30 * 5 + comments30 * 3 - 1) / (hours + 2)^1.4.
  double s_old = (1 * 5 + 0 * 3 - 1) / std::pow(hours_since(old_popular) + 2, 1.4);
  double s_fresh = (2 * 5 + 1 * 3 - 1) / std::pow(hours_since(fresh) + 2, 1.4);
  double s_mid = (1 * 5 + 3 * 3 - 1) / std::pow(hours_since(mid) + 2, 1.4);
  EXPECT_DOUBLE_EQ(board::trending_score(2, 1, hours_since(fresh)), s_fresh);
  std::vector<std::pair<double, std::string>> expected = {
      {s_old, old_popular.id}, {s_fresh, fresh.id}, {s_mid, mid.id}};
  std::sort(expected.begin(), expected.end(), std::greater<>());
  ListQuery q;
  q.sort = Sort::kTrending;
  auto got = all_pages(q);
  ASSERT_EQ(got.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(got[i], expected[i].second) << i;
  // mid: 13 / 11^1.4 beats fresh: 12 / 12^1.4; the old post's 20 old votes do not count.
  EXPECT_EQ(got[0], mid.id);
  EXPECT_EQ(got[2], old_popular.id);

  // Hot (gravity 1.8) uses all votes: the old post's 21 votes do not beat its age.
  q.sort = Sort::kHot;
  auto hot = all_pages(q);
  double h_old = (21 - 1) / std::pow(hours_since(old_popular) + 2, 1.8);
  double h_fresh = (2 - 1) / std::pow(hours_since(fresh) + 2, 1.8);
  double h_mid = (1 - 1) / std::pow(hours_since(mid) + 2, 1.8);
  EXPECT_GT(h_fresh, h_old);
  EXPECT_GT(h_old, h_mid);
  EXPECT_EQ(hot, (std::vector<std::string>{fresh.id, old_popular.id, mid.id}));
}

TEST_P(BoardConformance, CursorsNeitherRepeatNorSkipWhilePostsAndVotesArrive) {
  std::mt19937 rng(3);
  std::vector<std::string> initial;
  for (int i = 0; i < 30; ++i) {
    Post p = post("Post " + std::to_string(i));
    initial.push_back(p.id);
    for (unsigned v = 0; v < rng() % 6; ++v) (void)b().vote(p.id, "u" + std::to_string(v));
    if (rng() % 3 == 0) (void)b().comment(p.id, "c", "hi");
  }
  std::vector<std::string> existing = initial;
  for (Sort sort : {Sort::kNewest, Sort::kOldest, Sort::kMostVotes, Sort::kLeastVotes,
                    Sort::kTrending, Sort::kHot}) {
    ListQuery q;
    q.sort = sort;
    q.limit = 7;
    std::vector<std::string> seen;
    int extra = 0;
    std::vector<std::string> created;
    while (true) {
      auto page = b().list_posts("app", q);
      ASSERT_TRUE(page) << page.error().to_string();
      for (const Post& p : page->items) seen.push_back(p.id);
      // Between pages: new posts, new votes (also on posts not yet listed), votes withdrawn.
      env_.advance(seconds(1));
      Post fresh = post("New " + std::to_string(extra++));
      created.push_back(fresh.id);
      (void)b().vote(fresh.id, "late");
      for (int k = 0; k < 10; ++k) {
        const std::string& target = initial[rng() % initial.size()];
        (void)b().vote(target, "z" + std::to_string(rng() % 8));
      }
      if (page->next_cursor.empty()) break;
      q.cursor = page->next_cursor;
    }
    std::set<std::string> unique(seen.begin(), seen.end());
    EXPECT_EQ(unique.size(), seen.size()) << "repeated posts, sort " << board::sort_name(sort);
    EXPECT_EQ(unique, std::set<std::string>(existing.begin(), existing.end()))
        << "sort " << board::sort_name(sort);
    existing.insert(existing.end(), created.begin(), created.end());
  }
}

TEST_P(BoardConformance, SearchRanksTitlesAndDescriptions) {
  Post title_hit = post("Dark mode for the editor", "ada", Category::kFeature, {},
                        "Night time is hard on the eyes");
  Post desc_hit = post("Editor theme", "bob", Category::kFeature, {},
                       "Something dark would be nice for the owls among us");
  Post other = post("Export to CSV", "carol", Category::kFeature, {}, "Spreadsheets please");
  Post merged = post("Darker colors", "dave");
  ASSERT_TRUE(b().merge(merged.id, title_hit.id, "admin"));
  Post deleted = post("Dark sidebar", "erin");
  ASSERT_TRUE(b().delete_post(deleted.id, "admin"));

  auto found = b().search("app", "dark");
  ASSERT_TRUE(found) << found.error().to_string();
  EXPECT_EQ(ids(*found), (std::vector<std::string>{title_hit.id, desc_hit.id}));
  // Prefixes match, case does not matter, every word must match.
  auto both = ids(*b().search("app", "DAR edit"));
  EXPECT_EQ(std::set<std::string>(both.begin(), both.end()),
            (std::set<std::string>{title_hit.id, desc_hit.id}));
  EXPECT_EQ(ids(*b().search("app", "dark spreadsheets")), std::vector<std::string>{});
  EXPECT_EQ(ids(*b().search("app", "csv")), std::vector<std::string>{other.id});
  EXPECT_EQ(ids(*b().search("app", "night-time")), std::vector<std::string>{title_hit.id});
  EXPECT_TRUE(b().search("app", " \"*() ")->empty());
  EXPECT_EQ(b().search("app", "dark", 1)->size(), 1u);
  EXPECT_EQ(b().search("app", std::string(501, 'a')).error().reason, "BOARD_QUERY_INVALID");
  EXPECT_EQ(b().search("nope", "dark").error().reason, "BOARD_PROJECT_NOT_FOUND");
  ASSERT_TRUE(b().vote(desc_hit.id, "me"));
  auto viewed = b().search("app", "theme", 20, "me");
  ASSERT_EQ(viewed->size(), 1u);
  EXPECT_TRUE((*viewed)[0].voted);
  // Edits are searchable at once.
  board::PostEdit edit;
  edit.title = "Spreadsheet export";
  ASSERT_TRUE(b().update_post(other.id, edit, "carol"));
  EXPECT_EQ(ids(*b().search("app", "spreadsheet export")), std::vector<std::string>{other.id});
  EXPECT_TRUE(b().search("app", "csv")->empty());
}

TEST_P(BoardConformance, UpdatePostChangesOnlyWhatIsGiven) {
  Post p = post("Dark mode", "ada", Category::kFeedback, {"ui"}, "desc");
  env_.advance(seconds(30));
  board::PostEdit edit;
  edit.category = Category::kBug;
  edit.tags = std::vector<std::string>{"b", "a"};
  auto updated = b().update_post(p.id, edit, "ada");
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->title, "Dark mode");
  EXPECT_EQ(updated->description, "desc");
  EXPECT_EQ(updated->category, Category::kBug);
  EXPECT_EQ(updated->tags, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(updated->updated_at, env_.now());
  edit = {};
  edit.title = " ";
  EXPECT_EQ(b().update_post(p.id, edit, "ada").error().reason, "BOARD_TITLE_INVALID");
  EXPECT_EQ(b().get_post(p.id)->title, "Dark mode");
}

TEST_P(BoardConformance, EverythingSurvivesReopening) {
  if (!persistent()) GTEST_SKIP() << "memory: forgets on reopen";
  Post p = post("Dark mode", "ada", Category::kBug, {"ui"});
  ASSERT_TRUE(b().vote(p.id, "bob"));
  auto c = b().comment(p.id, "bob", "yes");
  ASSERT_TRUE(b().set_status(p.id, PostStatus::kInProgress, "admin", "soon"));
  service_.reset();
  store_.reset();
  reopen();
  store_ = storage::internal::make_board_store(database());
  service_ = std::make_unique<BoardService>(*store_, env_);
  auto again = b().get_post(p.id, "bob");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->title, "Dark mode");
  EXPECT_EQ(again->project, "app");
  EXPECT_EQ(again->category, Category::kBug);
  EXPECT_EQ(again->status, PostStatus::kInProgress);
  EXPECT_EQ(again->tags, std::vector<std::string>{"ui"});
  EXPECT_TRUE(again->voted);
  EXPECT_EQ(again->vote_count, 1);
  EXPECT_EQ(again->comment_count, 1);
  EXPECT_EQ(b().comments(p.id)->at(0).id, c->id);
  EXPECT_EQ(b().status_history(p.id)->at(0).note, "soon");
  EXPECT_EQ(ids(*b().search("app", "dark")), std::vector<std::string>{p.id});
}

CAIRN_INSTANTIATE_CONFORMANCE(BoardConformance);

}  // namespace
}  // namespace cairn::testing
