// The values of the board domain (a feedback board: Rungu, with what Fider's users ask for):
// projects, posts, votes, threaded comments, statuses and their history, and the listing options.
//
// Statuses, categories and sorts cross every edge (C, Python, HTTP) as their snake_case names;
// parse_*() refuses any other string with INVALID_ARGUMENT rather than mapping it to a default.
//
// Thread-safety: plain value types; the free functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/core/env.hpp"
#include "cairn/core/result.hpp"

namespace cairn::board {

// Where a post stands. New posts are kOpen.
enum class PostStatus { kOpen = 0, kPlanned = 1, kInProgress = 2, kDone = 3, kDeclined = 4 };
// What kind of post it is. The default is kFeedback.
enum class Category { kFeedback = 0, kBug = 1, kFeature = 2, kQuestion = 3 };
// How list_posts orders posts (formulas in docs/board.md):
//   kNewest / kOldest        creation time
//   kMostVotes / kLeastVotes vote count
//   kRecentlyUpdated         last change of the post (edits, status, comments; not votes)
//   kTrending                Fider: (30-day votes * 5 + 30-day comments * 3 - 1) / (hours + 2)^1.4
//   kHot                     Hacker News: (votes - 1) / (hours + 2)^1.8
// Ties are broken by post id, so the order is total.
enum class Sort {
  kNewest = 0,
  kOldest = 1,
  kMostVotes = 2,
  kLeastVotes = 3,
  kRecentlyUpdated = 4,
  kTrending = 5,
  kHot = 6
};

// "open", "planned", "in_progress", "done", "declined".
std::string_view status_name(PostStatus status) noexcept;
// "feedback", "bug", "feature", "question".
std::string_view category_name(Category category) noexcept;
// "newest", "oldest", "most_votes", "least_votes", "recently_updated", "trending", "hot".
std::string_view sort_name(Sort sort) noexcept;
// The value named `name` (exactly, case-sensitive). Errors: INVALID_ARGUMENT /
// BOARD_STATUS_INVALID, BOARD_CATEGORY_INVALID, BOARD_SORT_INVALID.
Result<PostStatus> parse_status(std::string_view name);
Result<Category> parse_category(std::string_view name);
Result<Sort> parse_sort(std::string_view name);

// Fider's trending score: (votes_30d * 5 + comments_30d * 3 - 1) / (hours + 2)^1.4, where hours is
// the post's age in hours (never below 0) and the counts are of the last 30 days.
double trending_score(int64_t votes_30d, int64_t comments_30d, double hours) noexcept;
// The Hacker News score with gravity 1.8: (votes - 1) / (hours + 2)^1.8.
double hot_score(int64_t votes, double hours) noexcept;

// A board: posts live in exactly one project. The slug ([a-z0-9-]{1,64}) is its stable name.
struct Project {
  std::string id;  // 32 hex characters
  std::string slug;
  std::string name;
  std::string description;
  Timestamp created_at{};
};

// A post as a viewer sees it.
struct Post {
  std::string id;  // 32 hex characters
  std::string project_id;
  std::string project;  // the project's slug
  std::string title;
  std::string description;
  PostStatus status = PostStatus::kOpen;
  Category category = Category::kFeedback;
  std::vector<std::string> tags;  // sorted, distinct
  std::string author;             // the user who created it
  // Exact: the number of stored votes and of live (not deleted) comments.
  int64_t vote_count = 0;
  int64_t comment_count = 0;
  Timestamp created_at{};
  // The last change to the post itself: edits, status, new comments, the official response.
  // Votes do not change it.
  Timestamp updated_at{};
  // The post this one was merged into (a duplicate), or "".
  std::string merged_into;
  // The comment an admin pinned as the official response, or "".
  std::string official_comment_id;
  // Whether the viewer the post was read for votes for it (false without a viewer).
  bool voted = false;
};

// What update_post changes: fields left empty stay as they are.
struct PostEdit {
  std::optional<std::string> title;
  std::optional<std::string> description;
  std::optional<Category> category;
  std::optional<std::vector<std::string>> tags;
};

// A comment. Comments form threads through parent_id. A deleted comment that still has replies
// is kept as a tombstone (deleted = true, content and author empty) so the thread stays whole.
struct Comment {
  std::string id;  // 32 hex characters
  std::string post_id;
  std::string parent_id;  // "" for a top-level comment
  std::string author;
  std::string content;
  Timestamp created_at{};
  Timestamp updated_at{};  // the last edit (created_at when never edited)
  bool edited = false;
  bool deleted = false;
};

// One status change of a post: who, when, from what to what, and why.
struct StatusChange {
  std::string post_id;
  PostStatus from = PostStatus::kOpen;
  PostStatus to = PostStatus::kOpen;
  std::string actor;
  std::string note;  // "" when none was given
  Timestamp at{};
};

// What list_posts returns: one page and the cursor of the next (empty on the last page).
struct Page {
  std::vector<Post> items;
  std::string next_cursor;
};

// The options of list_posts. Filters left empty do not filter.
struct ListQuery {
  Sort sort = Sort::kNewest;
  std::optional<PostStatus> status;
  std::optional<Category> category;
  std::string tag;
  std::string author;
  std::string voted_by;  // only posts this user votes for ("my votes")
  std::string viewer;    // fills Post::voted
  int limit = 20;        // 1..100
  std::string cursor;    // next_cursor of the previous page, or "" for the first page
};

// The result of a vote change.
struct VoteResult {
  bool voted = false;      // whether the user now votes for the post
  bool changed = false;    // whether this call changed anything
  int64_t vote_count = 0;  // the post's vote count afterwards
};

// Counts recomputed from the stored rows (BoardService::recount).
struct Counts {
  int64_t votes = 0;
  int64_t comments = 0;
};

}  // namespace cairn::board
