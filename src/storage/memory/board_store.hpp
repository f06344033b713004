// The memory: backend's BoardStore: every row in maps under one mutex. Search ranks with the same
// BM25 formula as SQLite's FTS5 bm25() (k1 1.2, b 0.75; per term, the frequency weighted by
// column, title twice, against the length of the whole row).
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "cairn/board/store.hpp"

namespace cairn::storage::memory {

class MemoryBoardStore final : public board::BoardStore {
 public:
  Status insert_project(const board::Project& project) override;
  Result<std::optional<board::Project>> project_by_slug(std::string_view slug) override;
  Result<std::vector<board::Project>> projects() override;
  Status insert_post(const board::Post& post) override;
  Result<std::optional<board::Post>> post(std::string_view id, std::string_view viewer) override;
  Result<std::vector<board::Post>> posts(std::span<const std::string> ids,
                                         std::string_view viewer) override;
  Result<board::Post> update_post(std::string_view id, const board::PostEdit& edit,
                                  std::string_view actor, Timestamp at) override;
  Result<bool> delete_post(std::string_view id, std::string_view actor, Timestamp at) override;
  Result<board::VoteResult> change_vote(std::string_view post_id, std::string_view user,
                                        std::optional<bool> want, Timestamp at) override;
  Status insert_comment(const board::Comment& comment) override;
  Result<std::optional<board::Comment>> comment(std::string_view id) override;
  Result<board::Comment> edit_comment(std::string_view id, std::string_view content,
                                      std::string_view actor, Timestamp at) override;
  Result<bool> delete_comment(std::string_view id, std::string_view actor, Timestamp at) override;
  Result<std::vector<board::Comment>> comments(std::string_view post_id) override;
  Result<board::Post> set_official(std::string_view post_id, std::string_view comment_id,
                                   std::string_view actor, Timestamp at) override;
  Result<board::Post> set_status(const board::StatusChange& change) override;
  Result<std::vector<board::StatusChange>> status_history(std::string_view post_id) override;
  Result<board::Post> merge(std::string_view source, std::string_view target,
                            std::string_view actor, Timestamp at) override;
  Result<board::Counts> recount(std::string_view post_id) override;
  Result<std::vector<board::RankRow>> rank_inputs(const board::RankFilter& filter, Timestamp as_of,
                                                  std::optional<Timestamp> window_start) override;
  Result<std::vector<std::string>> search(std::string_view project_id,
                                          std::span<const std::string> terms, int limit) override;

 private:
  struct PostRow {
    board::Post post;  // `voted` unused
    bool deleted = false;
    std::string deleted_by;
    std::string edited_by;
    std::string merged_by;
  };
  struct VoteRow {
    int64_t voted_at = 0;  // when the user voted
    int64_t added_at = 0;  // when the vote reached this post (later than voted_at after a merge)
  };
  struct RemovedVote {
    int64_t voted_at = 0;
    int64_t added_at = 0;
    int64_t removed_at = 0;
  };
  struct CommentRow {
    board::Comment comment;
    int64_t deleted_at = 0;
    std::string deleted_by;
    std::string edited_by;
  };

  // The live post `id`, or nullptr.
  PostRow* live_post(std::string_view id);
  // The live post `id`, or NOT_FOUND / BOARD_POST_NOT_FOUND; with `unmerged`, also
  // FAILED_PRECONDITION / BOARD_POST_MERGED for a merged post.
  Result<PostRow*> find_post(std::string_view id, bool unmerged);
  board::Post view(const PostRow& row, std::string_view viewer) const;

  std::mutex mu_;
  std::map<std::string, board::Project, std::less<>> projects_;  // by slug
  std::map<std::string, PostRow, std::less<>> posts_;            // by id
  // Live votes: post id -> user -> vote.
  std::map<std::string, std::map<std::string, VoteRow, std::less<>>, std::less<>> votes_;
  std::map<std::string, std::vector<RemovedVote>, std::less<>> removed_votes_;  // by post id
  std::map<std::string, CommentRow, std::less<>> comments_;                     // by id
  std::map<std::string, std::vector<std::string>, std::less<>> post_comments_;  // post -> ids
  std::map<std::string, std::vector<board::StatusChange>, std::less<>> history_;
};

}  // namespace cairn::storage::memory
