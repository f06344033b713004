// cairn::board::BoardStore: the board service's storage. Implementations for memory: and sqlite:
// (src/storage/*/board_store.cpp), checked by one conformance suite (tests/board). Every method is
// one atomic operation: it fully happens or, when it fails, leaves the store as it was.
//
// Input reaches the store already validated by BoardService; the store checks only what depends
// on stored state (does the post exist, is it merged, is the slug taken).
//
// Counters: a post's vote_count is the number of its vote rows and its comment_count the number
// of its comments that are not deleted. Every method that adds or removes such rows updates the
// counters in the same step, so recount() always equals them.
//
// Snapshots: votes removed are remembered (when they were added and removed), so rank_inputs()
// can give each post's vote count as it was at an earlier time. That is what keeps cursor
// pagination from repeating or skipping posts while votes arrive.
//
// Thread-safety: every implementation is safe for concurrent use.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/board/posts.hpp"
#include "cairn/core/result.hpp"

namespace cairn::board {

// Which posts of a project rank_inputs() considers. Empty strings do not filter.
struct RankFilter {
  std::string project_id;
  std::optional<PostStatus> status;
  std::optional<Category> category;
  std::string tag;
  std::string author;
  std::string voted_by;  // posts this user votes for now
};

// What ranking needs of one post, as of a point in time.
struct RankRow {
  std::string id;
  int64_t created_at = 0;  // unix microseconds
  int64_t updated_at = 0;  // unix microseconds (now, not as of the snapshot)
  int64_t votes = 0;       // votes the post had at the snapshot
  // Votes cast and comments written inside the window (window_start, as_of] that the post still
  // had at the snapshot; zero when no window was asked for.
  int64_t recent_votes = 0;
  int64_t recent_comments = 0;
};

class BoardStore {
 public:
  virtual ~BoardStore() = default;

  // ---- Projects
  // Errors: ALREADY_EXISTS / BOARD_PROJECT_EXISTS when the slug is taken.
  virtual Status insert_project(const Project& project) = 0;
  virtual Result<std::optional<Project>> project_by_slug(std::string_view slug) = 0;
  // Every project, ordered by slug.
  virtual Result<std::vector<Project>> projects() = 0;

  // ---- Posts. A deleted post is gone for every method below (NOT_FOUND / BOARD_POST_NOT_FOUND
  // or nullopt); a merged post can still be read but not voted on, commented on or merged
  // (FAILED_PRECONDITION / BOARD_POST_MERGED).
  // Stores a new post (counters 0, not merged, no official comment).
  virtual Status insert_post(const Post& post) = 0;
  // The live post `id` with Post::voted filled for `viewer` ("" : false).
  virtual Result<std::optional<Post>> post(std::string_view id, std::string_view viewer) = 0;
  // The live posts among `ids`, in the order of `ids`.
  virtual Result<std::vector<Post>> posts(std::span<const std::string> ids,
                                          std::string_view viewer) = 0;
  // Applies `edit` and sets updated_at to `at`; returns the post afterwards.
  virtual Result<Post> update_post(std::string_view id, const PostEdit& edit,
                                   std::string_view actor, Timestamp at) = 0;
  // Soft-deletes the post (recording who and when); false when there is no live post `id`.
  virtual Result<bool> delete_post(std::string_view id, std::string_view actor, Timestamp at) = 0;

  // ---- Votes
  // Makes `user` vote (want true) or not (want false) for the post; toggles when want is
  // nullopt. Errors: BOARD_POST_NOT_FOUND, BOARD_POST_MERGED.
  virtual Result<VoteResult> change_vote(std::string_view post_id, std::string_view user,
                                         std::optional<bool> want, Timestamp at) = 0;

  // ---- Comments
  // Stores a new comment, counts it and sets the post's updated_at to its creation time.
  // Errors: NOT_FOUND / BOARD_POST_NOT_FOUND; FAILED_PRECONDITION / BOARD_POST_MERGED;
  // NOT_FOUND / BOARD_COMMENT_NOT_FOUND (no such parent); INVALID_ARGUMENT / BOARD_PARENT_INVALID
  // (the parent is deleted or belongs to another post).
  virtual Status insert_comment(const Comment& comment) = 0;
  // The comment `id`, deleted ones included (as tombstones), whatever the state of its post.
  virtual Result<std::optional<Comment>> comment(std::string_view id) = 0;
  // Replaces the content of the live comment `id`. Errors: NOT_FOUND / BOARD_COMMENT_NOT_FOUND.
  virtual Result<Comment> edit_comment(std::string_view id, std::string_view content,
                                       std::string_view actor, Timestamp at) = 0;
  // Marks the live comment `id` deleted (its content and author are erased), uncounts it and
  // unpins it if it was the official response; false when there is no live comment `id`.
  virtual Result<bool> delete_comment(std::string_view id, std::string_view actor,
                                      Timestamp at) = 0;
  // Every comment of the post, deleted ones included, oldest first (ties by id).
  virtual Result<std::vector<Comment>> comments(std::string_view post_id) = 0;
  // Pins the live comment `comment_id` of the post as its official response ("" unpins) and sets
  // updated_at. Errors: BOARD_POST_NOT_FOUND; BOARD_COMMENT_NOT_FOUND; BOARD_PARENT_INVALID is
  // not used: a comment of another post is BOARD_COMMENT_NOT_FOUND too.
  virtual Result<Post> set_official(std::string_view post_id, std::string_view comment_id,
                                    std::string_view actor, Timestamp at) = 0;

  // ---- Statuses
  // Sets the post's status to change.to; when that differs from the stored one, records `change`
  // (with its `from` filled in) in the history and sets updated_at. Returns the post afterwards.
  virtual Result<Post> set_status(const StatusChange& change) = 0;
  // The post's status changes, oldest first. Errors: BOARD_POST_NOT_FOUND.
  virtual Result<std::vector<StatusChange>> status_history(std::string_view post_id) = 0;

  // ---- Merging
  // Merges `source` into `target` (two live, unmerged posts of one project): each vote of the
  // source moves to the target unless its user already votes for the target (then it is
  // dropped), every comment moves (keeping its thread), the source's official response is
  // unpinned, and the source records `target` as merged_into. Returns the target afterwards.
  // Errors: BOARD_POST_NOT_FOUND; BOARD_POST_MERGED; INVALID_ARGUMENT / BOARD_MERGE_INVALID
  // (the same post, or posts of two projects).
  virtual Result<Post> merge(std::string_view source, std::string_view target,
                             std::string_view actor, Timestamp at) = 0;

  // The post's vote and live-comment counts, counted from the rows (not the counters).
  // Errors: BOARD_POST_NOT_FOUND.
  virtual Result<Counts> recount(std::string_view post_id) = 0;

  // ---- Listing and search
  // The live, unmerged posts matching `filter` created at or before `as_of`, with their vote
  // counts as of `as_of` and, when `window_start` is set, their votes and comments of the window
  // (window_start, as_of] as of `as_of`. In no particular order.
  virtual Result<std::vector<RankRow>> rank_inputs(const RankFilter& filter, Timestamp as_of,
                                                   std::optional<Timestamp> window_start) = 0;
  // The ids of up to `limit` live, unmerged posts of the project whose title or description
  // contain every term of `terms` (lower-case; a term matches any word it is a prefix of), best
  // match first (BM25; title words weigh twice). REQUIRES: terms is not empty.
  virtual Result<std::vector<std::string>> search(std::string_view project_id,
                                                  std::span<const std::string> terms,
                                                  int limit) = 0;
};

}  // namespace cairn::board
