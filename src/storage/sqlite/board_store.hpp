// The sqlite: backend's BoardStore (tables board_* of migration 7; search through the FTS5 table
// board_posts_fts).
#pragma once

#include "cairn/board/store.hpp"

namespace cairn::storage::sqlite {

class SqliteDatabase;

class SqliteBoardStore final : public board::BoardStore {
 public:
  explicit SqliteBoardStore(SqliteDatabase& db) : db_(db) {}

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
  SqliteDatabase& db_;
};

}  // namespace cairn::storage::sqlite
