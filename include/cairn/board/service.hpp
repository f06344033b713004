// cairn::board::BoardService: a feedback board (Rungu's, with Fider's most asked-for
// features) as a library. engine.board() hands one out.
//
// Example:
//   auto& b = engine.board();
//   CAIRN_TRY(b.create_project("app", "My App"));
//   CAIRN_ASSIGN_OR_RETURN(board::Post post, b.create_post("app", "ada", "Dark mode", "Please",
//                                                         board::Category::kFeature));
//   CAIRN_ASSIGN_OR_RETURN(bool voted, b.vote(post.id, "bob"));  // true: bob now votes for it
//   CAIRN_TRY(b.comment(post.id, "carol", "+1, and for the editor too"));
//   board::ListQuery q;
//   q.sort = board::Sort::kTrending;
//   q.viewer = "bob";
//   auto page = b.list_posts("app", q);                       // page->items[0].voted == true
//
// Actors: every operation takes the acting user and records it (authors, status history,
// deletions, merges). Who may do what is the caller's decision (the reference server asks
// cairn::access): the service never refuses an operation because of who the actor is.
//
// Validation (INVALID_ARGUMENT, nothing stored): titles 1-200 characters after trimming
// (BOARD_TITLE_INVALID), descriptions at most 50,000 (BOARD_DESCRIPTION_INVALID), comments 1-10,000
// after trimming (BOARD_COMMENT_INVALID), notes at most 2,000 (BOARD_NOTE_INVALID), all valid
// UTF-8; slugs [a-z0-9-]{1,64} (BOARD_SLUG_INVALID); project names 1-100 characters
// (BOARD_PROJECT_NAME_INVALID); tags [a-z0-9-]{1,32}, at most 10 per post (BOARD_TAG_INVALID);
// users 1-254 bytes of UTF-8 without control characters (BOARD_USER_INVALID); limits 1..100
// (BOARD_LIMIT_INVALID). Characters are Unicode code points.
//
// Missing things are NOT_FOUND: BOARD_PROJECT_NOT_FOUND, BOARD_POST_NOT_FOUND (also for a
// deleted post), BOARD_COMMENT_NOT_FOUND. A merged post can be read but not changed:
// FAILED_PRECONDITION / BOARD_POST_MERGED.
//
// Storage errors (UNAVAILABLE / STORAGE_BUSY, ...) can come from every call.
//
// Thread-safety: safe for concurrent use. Ownership: borrows its store and Env.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/board/posts.hpp"
#include "cairn/board/store.hpp"
#include "cairn/core/env.hpp"

namespace cairn::board {

class BoardService {
 public:
  BoardService(BoardStore& store, Env& env) : store_(store), env_(env) {}
  BoardService(const BoardService&) = delete;
  BoardService& operator=(const BoardService&) = delete;

  // ---- Projects
  // Creates a project. Errors: BOARD_SLUG_INVALID, BOARD_PROJECT_NAME_INVALID,
  // BOARD_DESCRIPTION_INVALID; ALREADY_EXISTS / BOARD_PROJECT_EXISTS.
  Result<Project> create_project(std::string_view slug, std::string_view name,
                                 std::string_view description = {});
  // The project with this slug. Errors: BOARD_SLUG_INVALID; BOARD_PROJECT_NOT_FOUND.
  Result<Project> project(std::string_view slug);
  // Every project, ordered by slug.
  Result<std::vector<Project>> projects();

  // ---- Posts
  // Creates an open post in project `project` (a slug). The title is stored trimmed; tags are
  // stored sorted and without repeats. Errors: the validation errors above;
  // BOARD_PROJECT_NOT_FOUND.
  Result<Post> create_post(std::string_view project, std::string_view author,
                           std::string_view title, std::string_view description = {},
                           Category category = Category::kFeedback,
                           std::span<const std::string> tags = {});
  // The post, with Post::voted for `viewer` ("": nobody). Merged posts are returned (see
  // merged_into); deleted ones are BOARD_POST_NOT_FOUND.
  Result<Post> get_post(std::string_view post_id, std::string_view viewer = {});
  // Changes title, description, category or tags (see PostEdit). Errors: validation;
  // BOARD_POST_NOT_FOUND.
  Result<Post> update_post(std::string_view post_id, const PostEdit& edit, std::string_view actor);
  // Deletes the post: it disappears from every read. Errors: BOARD_POST_NOT_FOUND.
  Status delete_post(std::string_view post_id, std::string_view actor);

  // ---- Votes (one per user per post; votes do not change updated_at)
  // Toggles `user`'s vote; returns whether the user now votes for the post. Errors:
  // BOARD_USER_INVALID; BOARD_POST_NOT_FOUND; BOARD_POST_MERGED.
  Result<bool> vote(std::string_view post_id, std::string_view user);
  // Makes `user` vote or not, idempotently; the result says whether anything changed. Errors: as
  // vote().
  Result<VoteResult> set_vote(std::string_view post_id, std::string_view user, bool voted);

  // ---- Comments
  // Adds a comment (a reply when parent_id is not empty) and sets the post's updated_at.
  // Errors: BOARD_COMMENT_INVALID, BOARD_USER_INVALID; BOARD_POST_NOT_FOUND; BOARD_POST_MERGED;
  // BOARD_COMMENT_NOT_FOUND (no such parent); BOARD_PARENT_INVALID (the parent is deleted or on
  // another post).
  Result<Comment> comment(std::string_view post_id, std::string_view author,
                          std::string_view content, std::string_view parent_id = {});
  // Replaces a comment's content. Errors: BOARD_COMMENT_INVALID; BOARD_COMMENT_NOT_FOUND (also
  // for a deleted comment).
  Result<Comment> edit_comment(std::string_view comment_id, std::string_view content,
                               std::string_view actor);
  // Deletes a comment: it no longer counts, and it is shown as a tombstone only while it has
  // replies that are shown. Errors: BOARD_COMMENT_NOT_FOUND.
  Status delete_comment(std::string_view comment_id, std::string_view actor);
  // The post's comments in thread order: each comment is followed by its replies (depth first,
  // oldest first at every level). Deleted comments appear (as tombstones) only when a reply below
  // them is live. Errors: BOARD_POST_NOT_FOUND.
  Result<std::vector<Comment>> comments(std::string_view post_id);
  // Pins a live comment of the post as its official response; "" unpins. Errors:
  // BOARD_POST_NOT_FOUND; BOARD_COMMENT_NOT_FOUND.
  Result<Post> set_official_comment(std::string_view post_id, std::string_view comment_id,
                                    std::string_view actor);

  // ---- Statuses
  // Sets the status; a change is recorded in the history (actor, time, from, to, note) and sets
  // updated_at. Setting the current status again records nothing. Errors: BOARD_NOTE_INVALID,
  // BOARD_USER_INVALID; BOARD_POST_NOT_FOUND; BOARD_POST_MERGED.
  Result<Post> set_status(std::string_view post_id, PostStatus status, std::string_view actor,
                          std::string_view note = {});
  // The post's status changes, oldest first. Errors: BOARD_POST_NOT_FOUND.
  Result<std::vector<StatusChange>> status_history(std::string_view post_id);

  // ---- Listing, search
  // One page of the project's live, unmerged posts (see ListQuery and docs/board.md). The first
  // page fixes a snapshot time, carried in the cursor: later pages rank by the votes and comments
  // as they were then and leave out posts created since, so a listing neither repeats nor skips
  // posts while posts and votes arrive. Errors: BOARD_LIMIT_INVALID, BOARD_USER_INVALID,
  // BOARD_TAG_INVALID; BOARD_CURSOR_INVALID (not a cursor of this sort); BOARD_PROJECT_NOT_FOUND.
  Result<Page> list_posts(std::string_view project, const ListQuery& query);
  // Up to `limit` live, unmerged posts whose title or description contain every word of `query`
  // (case-insensitive, each word also matching as a prefix), best match first. A query without
  // words finds nothing. Errors: BOARD_QUERY_INVALID (over 500 bytes or not UTF-8);
  // BOARD_LIMIT_INVALID; BOARD_PROJECT_NOT_FOUND.
  Result<std::vector<Post>> search(std::string_view project, std::string_view query, int limit = 20,
                                   std::string_view viewer = {});

  // ---- Duplicates
  // Merges `source` into `target` (see BoardStore::merge): votes move without counting a user
  // twice, comments move, the source points at the target. Returns the target. Errors:
  // BOARD_POST_NOT_FOUND; BOARD_POST_MERGED; BOARD_MERGE_INVALID (same post, other project).
  Result<Post> merge(std::string_view source_id, std::string_view target_id,
                     std::string_view actor);

  // The post's votes and live comments counted from the stored rows (always equal to
  // vote_count and comment_count). Errors: BOARD_POST_NOT_FOUND.
  Result<Counts> recount(std::string_view post_id);

 private:
  BoardStore& store_;
  Env& env_;
};

}  // namespace cairn::board
