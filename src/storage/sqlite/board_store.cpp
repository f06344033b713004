#include "storage/sqlite/board_store.hpp"

#include <unordered_map>

#include "storage/sqlite/rows.hpp"
#include "storage/sqlite/sqlite_database.hpp"

namespace cairn::storage::sqlite {
namespace {

using board::Comment;
using board::Post;

Unexpected<Error> post_not_found() {
  return fail(ErrorCode::kNotFound, "BOARD_POST_NOT_FOUND", "no such post");
}
Unexpected<Error> comment_not_found() {
  return fail(ErrorCode::kNotFound, "BOARD_COMMENT_NOT_FOUND", "no such comment");
}

std::string join_tags(const std::vector<std::string>& tags) {
  std::string out;
  for (const std::string& t : tags) {
    if (!out.empty()) out += ',';
    out += t;
  }
  return out;
}

std::vector<std::string> split_tags(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

// The CHECK constraints of migration 7 keep other names out of these columns.
board::PostStatus status_of(const std::string& name) {
  return board::parse_status(name).value_or(board::PostStatus::kOpen);
}
board::Category category_of(const std::string& name) {
  return board::parse_category(name).value_or(board::Category::kFeedback);
}

Statement& bind_optional(Statement& s, int index, std::string_view text) {
  return text.empty() ? s.bind_null(index) : s.bind(index, text);
}

board::Project read_project(const Statement& s) {
  return {s.column_text(0), s.column_text(1), s.column_text(2), s.column_text(3),
          from_unix_micros(s.column_int64(4))};
}

// ?1 the post id, ?2 the viewer (NULL: nobody).
constexpr const char* kPostQuery =
    "SELECT p.id, p.project_id, pr.slug, p.title, p.description, p.status, p.category, p.tags,\n"
    "       p.author, p.vote_count, p.comment_count, p.created_at, p.updated_at,\n"
    "       coalesce(p.merged_into, ''), coalesce(p.official_comment_id, ''),\n"
    "       ?2 IS NOT NULL AND EXISTS (SELECT 1 FROM board_votes v\n"
    "                                  WHERE v.post_seq = p.seq AND v.user = ?2)\n"
    "FROM board_posts p JOIN board_projects pr ON pr.id = p.project_id\n"
    "WHERE p.id = ?1 AND p.deleted_at IS NULL";

Post read_post(const Statement& s) {
  Post p;
  p.id = s.column_text(0);
  p.project_id = s.column_text(1);
  p.project = s.column_text(2);
  p.title = s.column_text(3);
  p.description = s.column_text(4);
  p.status = status_of(s.column_text(5));
  p.category = category_of(s.column_text(6));
  p.tags = split_tags(s.column_text(7));
  p.author = s.column_text(8);
  p.vote_count = s.column_int64(9);
  p.comment_count = s.column_int64(10);
  p.created_at = from_unix_micros(s.column_int64(11));
  p.updated_at = from_unix_micros(s.column_int64(12));
  p.merged_into = s.column_text(13);
  p.official_comment_id = s.column_text(14);
  p.voted = s.column_int64(15) != 0;
  return p;
}

Result<std::optional<Post>> load_post(Connection& c, std::string_view id, std::string_view viewer) {
  CAIRN_ASSIGN_OR_RETURN(Statement s, c.prepare(kPostQuery));
  s.bind(1, id);
  bind_optional(s, 2, viewer);
  return one_row<Post>(s, read_post);
}

Result<Post> must_load(Connection& c, std::string_view id) {
  CAIRN_ASSIGN_OR_RETURN(std::optional<Post> p, load_post(c, id, {}));
  if (!p) return post_not_found();
  return std::move(*p);
}

// What the writers need to know of a live post.
struct PostState {
  int64_t seq = 0;
  std::string id;
  std::string project_id;
  bool merged = false;
  board::PostStatus status = board::PostStatus::kOpen;
  std::string official;
};

// The live post `id`. Errors: BOARD_POST_NOT_FOUND; BOARD_POST_MERGED when `unmerged`.
Result<PostState> find_post(Connection& c, std::string_view id, bool unmerged) {
  CAIRN_ASSIGN_OR_RETURN(Statement s,
                         c.prepare("SELECT seq, id, project_id, merged_into IS NOT NULL, status,\n"
                                   "       coalesce(official_comment_id, '')\n"
                                   "FROM board_posts WHERE id = ?1 AND deleted_at IS NULL"));
  s.bind(1, id);
  CAIRN_ASSIGN_OR_RETURN(auto row, one_row<PostState>(s, [](const Statement& st) {
                           return PostState{st.column_int64(0),
                                            st.column_text(1),
                                            st.column_text(2),
                                            st.column_int64(3) != 0,
                                            status_of(st.column_text(4)),
                                            st.column_text(5)};
                         }));
  if (!row) return post_not_found();
  if (unmerged && row->merged) {
    return fail(ErrorCode::kFailedPrecondition, "BOARD_POST_MERGED",
                "the post was merged into another one");
  }
  return std::move(*row);
}

constexpr const char* kCommentColumns =
    "SELECT c.id, p.id, coalesce(c.parent_id, ''), c.author, c.content, c.created_at,\n"
    "       c.updated_at, c.edited, c.deleted_at IS NOT NULL\n"
    "FROM board_comments c JOIN board_posts p ON p.seq = c.post_seq ";

Comment read_comment(const Statement& s) {
  Comment c;
  c.id = s.column_text(0);
  c.post_id = s.column_text(1);
  c.parent_id = s.column_text(2);
  c.author = s.column_text(3);
  c.content = s.column_text(4);
  c.created_at = from_unix_micros(s.column_int64(5));
  c.updated_at = from_unix_micros(s.column_int64(6));
  c.edited = s.column_int64(7) != 0;
  c.deleted = s.column_int64(8) != 0;
  return c;
}

Result<std::optional<Comment>> load_comment(Connection& c, std::string_view id) {
  CAIRN_ASSIGN_OR_RETURN(Statement s, c.prepare(std::string(kCommentColumns) + "WHERE c.id = ?1"));
  s.bind(1, id);
  return one_row<Comment>(s, read_comment);
}

// Runs `sql` with ?1 = a and, when given, ?2 = b.
Status run(Connection& c, const char* sql, int64_t a, std::optional<int64_t> b = std::nullopt) {
  CAIRN_ASSIGN_OR_RETURN(Statement s, c.prepare(sql));
  s.bind(1, a);
  if (b) s.bind(2, *b);
  return s.run();
}

// Removes ("delete") or adds ("insert") the FTS5 entry of post `seq` as its row reads now; an
// external-content table must be told the old values to remove an entry.
Status fts_change(Connection& c, int64_t seq, std::string_view what) {
  CAIRN_ASSIGN_OR_RETURN(
      Statement s,
      c.prepare(what == "delete"
                    ? "INSERT INTO board_posts_fts (board_posts_fts, rowid, title, description)\n"
                      "SELECT 'delete', seq, title, description FROM board_posts WHERE seq = ?1"
                    : "INSERT INTO board_posts_fts (rowid, title, description)\n"
                      "SELECT seq, title, description FROM board_posts WHERE seq = ?1"));
  s.bind(1, seq);
  return s.run();
}

}  // namespace

Status SqliteBoardStore::insert_project(const board::Project& p) {
  return db_.write([&](Connection& c) -> Status {
    CAIRN_ASSIGN_OR_RETURN(Statement taken,
                           c.prepare("SELECT 1 FROM board_projects WHERE slug = ?1"));
    taken.bind(1, p.slug);
    CAIRN_ASSIGN_OR_RETURN(bool exists, taken.step());
    if (exists) {
      return fail(ErrorCode::kAlreadyExists, "BOARD_PROJECT_EXISTS", "a project has this slug");
    }
    CAIRN_ASSIGN_OR_RETURN(Statement s,
                           c.prepare("INSERT INTO board_projects (id, slug, name, description, "
                                     "created_at) VALUES (?1, ?2, ?3, ?4, ?5)"));
    s.bind(1, p.id).bind(2, p.slug).bind(3, p.name).bind(4, p.description);
    s.bind(5, to_unix_micros(p.created_at));
    return s.run();
  });
}

Result<std::optional<board::Project>> SqliteBoardStore::project_by_slug(std::string_view slug) {
  return db_.read([&](Connection& c) -> Result<std::optional<board::Project>> {
    CAIRN_ASSIGN_OR_RETURN(Statement s, c.prepare("SELECT id, slug, name, description, created_at "
                                                  "FROM board_projects WHERE slug = ?1"));
    s.bind(1, slug);
    return one_row<board::Project>(s, read_project);
  });
}

Result<std::vector<board::Project>> SqliteBoardStore::projects() {
  return db_.read([&](Connection& c) -> Result<std::vector<board::Project>> {
    CAIRN_ASSIGN_OR_RETURN(Statement s, c.prepare("SELECT id, slug, name, description, created_at "
                                                  "FROM board_projects ORDER BY slug"));
    return all_rows<board::Project>(s, read_project);
  });
}

Status SqliteBoardStore::insert_post(const Post& p) {
  return db_.write([&](Connection& c) -> Status {
    CAIRN_ASSIGN_OR_RETURN(
        Statement s,
        c.prepare("INSERT INTO board_posts (id, project_id, title, description, status, "
                  "category, tags, author, created_at, updated_at) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
    s.bind(1, p.id).bind(2, p.project_id).bind(3, p.title).bind(4, p.description);
    s.bind(5, board::status_name(p.status)).bind(6, board::category_name(p.category));
    s.bind(7, join_tags(p.tags)).bind(8, p.author);
    s.bind(9, to_unix_micros(p.created_at)).bind(10, to_unix_micros(p.updated_at));
    CAIRN_TRY(s.run());
    CAIRN_ASSIGN_OR_RETURN(
        Statement fts, c.prepare("INSERT INTO board_posts_fts (rowid, title, description)\n"
                                 "SELECT seq, title, description FROM board_posts WHERE id = ?1"));
    fts.bind(1, p.id);
    return fts.run();
  });
}

Result<std::optional<Post>> SqliteBoardStore::post(std::string_view id, std::string_view viewer) {
  return db_.snapshot([&](Connection& c) { return load_post(c, id, viewer); });
}

Result<std::vector<Post>> SqliteBoardStore::posts(std::span<const std::string> ids,
                                                  std::string_view viewer) {
  return db_.snapshot([&](Connection& c) -> Result<std::vector<Post>> {
    std::vector<Post> out;
    out.reserve(ids.size());
    for (const std::string& id : ids) {
      CAIRN_ASSIGN_OR_RETURN(std::optional<Post> p, load_post(c, id, viewer));
      if (p) out.push_back(std::move(*p));
    }
    return out;
  });
}

Result<Post> SqliteBoardStore::update_post(std::string_view id, const board::PostEdit& edit,
                                           std::string_view actor, Timestamp at) {
  return db_.write([&](Connection& c) -> Result<Post> {
    CAIRN_ASSIGN_OR_RETURN(PostState state, find_post(c, id, true));
    const bool reindex = edit.title || edit.description;
    if (reindex) CAIRN_TRY(fts_change(c, state.seq, "delete"));
    CAIRN_ASSIGN_OR_RETURN(
        Statement s,
        c.prepare("UPDATE board_posts SET title = coalesce(?2, title),\n"
                  "  description = coalesce(?3, description), category = coalesce(?4, category),\n"
                  "  tags = coalesce(?5, tags), updated_at = ?6, edited_by = ?7 WHERE seq = ?1"));
    s.bind(1, state.seq);
    if (edit.title) s.bind(2, *edit.title);
    if (edit.description) s.bind(3, *edit.description);
    if (edit.category) s.bind(4, board::category_name(*edit.category));
    if (edit.tags) s.bind(5, join_tags(*edit.tags));
    s.bind(6, to_unix_micros(at)).bind(7, actor);
    CAIRN_TRY(s.run());
    if (reindex) CAIRN_TRY(fts_change(c, state.seq, "insert"));
    return must_load(c, id);
  });
}

Result<bool> SqliteBoardStore::delete_post(std::string_view id, std::string_view actor,
                                           Timestamp at) {
  return db_.write([&](Connection& c) -> Result<bool> {
    CAIRN_ASSIGN_OR_RETURN(Statement s,
                           c.prepare("UPDATE board_posts SET deleted_at = ?2, deleted_by = ?3 "
                                     "WHERE id = ?1 AND deleted_at IS NULL"));
    s.bind(1, id).bind(2, to_unix_micros(at)).bind(3, actor);
    CAIRN_ASSIGN_OR_RETURN(int64_t n, changed(c, s));
    return n > 0;
  });
}

Result<board::VoteResult> SqliteBoardStore::change_vote(std::string_view post_id,
                                                        std::string_view user,
                                                        std::optional<bool> want, Timestamp at) {
  return db_.write([&](Connection& c) -> Result<board::VoteResult> {
    CAIRN_ASSIGN_OR_RETURN(PostState state, find_post(c, post_id, true));
    CAIRN_ASSIGN_OR_RETURN(
        Statement existing,
        c.prepare("SELECT voted_at, added_at FROM board_votes WHERE post_seq = ?1 AND user = ?2"));
    existing.bind(1, state.seq).bind(2, user);
    CAIRN_ASSIGN_OR_RETURN(auto vote,
                           (one_row<std::pair<int64_t, int64_t>>(existing, [](const Statement& st) {
                             return std::make_pair(st.column_int64(0), st.column_int64(1));
                           })));
    const bool has = vote.has_value();
    const bool wanted = want.value_or(!has);
    const int64_t now = to_unix_micros(at);
    if (wanted != has) {
      if (wanted) {
        CAIRN_ASSIGN_OR_RETURN(Statement ins,
                               c.prepare("INSERT INTO board_votes (post_seq, user, voted_at, "
                                         "added_at) VALUES (?1, ?2, ?3, ?3)"));
        ins.bind(1, state.seq).bind(2, user).bind(3, now);
        CAIRN_TRY(ins.run());
      } else {
        CAIRN_ASSIGN_OR_RETURN(
            Statement del, c.prepare("DELETE FROM board_votes WHERE post_seq = ?1 AND user = ?2"));
        del.bind(1, state.seq).bind(2, user);
        CAIRN_TRY(del.run());
        CAIRN_ASSIGN_OR_RETURN(Statement log,
                               c.prepare("INSERT INTO board_removed_votes (post_seq, voted_at, "
                                         "added_at, removed_at) VALUES (?1, ?2, ?3, ?4)"));
        log.bind(1, state.seq).bind(2, vote->first).bind(3, vote->second).bind(4, now);
        CAIRN_TRY(log.run());
      }
      CAIRN_TRY(run(c, "UPDATE board_posts SET vote_count = vote_count + ?2 WHERE seq = ?1",
                    state.seq, wanted ? 1 : -1));
    }
    CAIRN_ASSIGN_OR_RETURN(Statement count,
                           c.prepare("SELECT vote_count FROM board_posts WHERE seq = ?1"));
    count.bind(1, state.seq);
    CAIRN_TRY(count.step());
    return board::VoteResult{wanted, wanted != has, count.column_int64(0)};
  });
}

Status SqliteBoardStore::insert_comment(const Comment& comment) {
  return db_.write([&](Connection& c) -> Status {
    CAIRN_ASSIGN_OR_RETURN(PostState state, find_post(c, comment.post_id, true));
    if (!comment.parent_id.empty()) {
      CAIRN_ASSIGN_OR_RETURN(std::optional<Comment> parent, load_comment(c, comment.parent_id));
      if (!parent) return comment_not_found();
      if (parent->post_id != state.id || parent->deleted) {
        return fail(ErrorCode::kInvalidArgument, "BOARD_PARENT_INVALID",
                    "a reply's parent must be a live comment of the same post");
      }
    }
    CAIRN_ASSIGN_OR_RETURN(
        Statement s,
        c.prepare("INSERT INTO board_comments (id, post_seq, parent_id, author, content, "
                  "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)"));
    s.bind(1, comment.id).bind(2, state.seq);
    bind_optional(s, 3, comment.parent_id);
    s.bind(4, comment.author).bind(5, comment.content).bind(6, to_unix_micros(comment.created_at));
    CAIRN_TRY(s.run());
    return run(c,
               "UPDATE board_posts SET comment_count = comment_count + 1, updated_at = ?2 "
               "WHERE seq = ?1",
               state.seq, to_unix_micros(comment.created_at));
  });
}

Result<std::optional<Comment>> SqliteBoardStore::comment(std::string_view id) {
  return db_.read([&](Connection& c) { return load_comment(c, id); });
}

Result<Comment> SqliteBoardStore::edit_comment(std::string_view id, std::string_view content,
                                               std::string_view actor, Timestamp at) {
  return db_.write([&](Connection& c) -> Result<Comment> {
    CAIRN_ASSIGN_OR_RETURN(
        Statement s,
        c.prepare("UPDATE board_comments SET content = ?2, updated_at = ?3, edited = 1,\n"
                  "  edited_by = ?4\n"
                  "WHERE id = ?1 AND deleted_at IS NULL AND post_seq IN\n"
                  "  (SELECT seq FROM board_posts WHERE deleted_at IS NULL)"));
    s.bind(1, id).bind(2, content).bind(3, to_unix_micros(at)).bind(4, actor);
    CAIRN_ASSIGN_OR_RETURN(int64_t n, changed(c, s));
    if (n == 0) return comment_not_found();
    CAIRN_ASSIGN_OR_RETURN(std::optional<Comment> out, load_comment(c, id));
    if (!out) return comment_not_found();
    return std::move(*out);
  });
}

Result<bool> SqliteBoardStore::delete_comment(std::string_view id, std::string_view actor,
                                              Timestamp at) {
  return db_.write([&](Connection& c) -> Result<bool> {
    CAIRN_ASSIGN_OR_RETURN(
        Statement find,
        c.prepare("SELECT c.post_seq FROM board_comments c JOIN board_posts p ON p.seq = "
                  "c.post_seq WHERE c.id = ?1 AND c.deleted_at IS NULL AND p.deleted_at IS NULL"));
    find.bind(1, id);
    CAIRN_ASSIGN_OR_RETURN(
        std::optional<int64_t> post_seq,
        one_row<int64_t>(find, [](const Statement& st) { return st.column_int64(0); }));
    if (!post_seq) return false;
    CAIRN_ASSIGN_OR_RETURN(Statement s,
                           c.prepare("UPDATE board_comments SET deleted_at = ?2, deleted_by = ?3,"
                                     " content = '', author = '' WHERE id = ?1"));
    s.bind(1, id).bind(2, to_unix_micros(at)).bind(3, actor);
    CAIRN_TRY(s.run());
    CAIRN_ASSIGN_OR_RETURN(
        Statement post,
        c.prepare("UPDATE board_posts SET comment_count = comment_count - 1,\n"
                  "  official_comment_id = CASE WHEN official_comment_id = ?2 THEN NULL\n"
                  "                             ELSE official_comment_id END\n"
                  "WHERE seq = ?1"));
    post.bind(1, *post_seq).bind(2, id);
    CAIRN_TRY(post.run());
    return true;
  });
}

Result<std::vector<Comment>> SqliteBoardStore::comments(std::string_view post_id) {
  return db_.read([&](Connection& c) -> Result<std::vector<Comment>> {
    CAIRN_ASSIGN_OR_RETURN(Statement s, c.prepare(std::string(kCommentColumns) +
                                                  "WHERE p.id = ?1 ORDER BY c.created_at, c.id"));
    s.bind(1, post_id);
    return all_rows<Comment>(s, read_comment);
  });
}

Result<Post> SqliteBoardStore::set_official(std::string_view post_id, std::string_view comment_id,
                                            std::string_view /*actor*/, Timestamp at) {
  return db_.write([&](Connection& c) -> Result<Post> {
    CAIRN_ASSIGN_OR_RETURN(PostState state, find_post(c, post_id, true));
    if (!comment_id.empty()) {
      CAIRN_ASSIGN_OR_RETURN(std::optional<Comment> comment, load_comment(c, comment_id));
      if (!comment || comment->deleted || comment->post_id != state.id) {
        return comment_not_found();
      }
    }
    CAIRN_ASSIGN_OR_RETURN(
        Statement s, c.prepare("UPDATE board_posts SET official_comment_id = ?2, updated_at = ?3 "
                               "WHERE seq = ?1"));
    s.bind(1, state.seq);
    bind_optional(s, 2, comment_id);
    s.bind(3, to_unix_micros(at));
    CAIRN_TRY(s.run());
    return must_load(c, post_id);
  });
}

Result<Post> SqliteBoardStore::set_status(const board::StatusChange& change) {
  return db_.write([&](Connection& c) -> Result<Post> {
    CAIRN_ASSIGN_OR_RETURN(PostState state, find_post(c, change.post_id, true));
    if (state.status != change.to) {
      CAIRN_ASSIGN_OR_RETURN(
          Statement log,
          c.prepare("INSERT INTO board_status_changes (post_seq, from_status, to_status, actor, "
                    "note, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
      log.bind(1, state.seq).bind(2, board::status_name(state.status));
      log.bind(3, board::status_name(change.to)).bind(4, change.actor).bind(5, change.note);
      log.bind(6, to_unix_micros(change.at));
      CAIRN_TRY(log.run());
      CAIRN_ASSIGN_OR_RETURN(
          Statement s,
          c.prepare("UPDATE board_posts SET status = ?2, updated_at = ?3 WHERE seq = ?1"));
      s.bind(1, state.seq).bind(2, board::status_name(change.to));
      s.bind(3, to_unix_micros(change.at));
      CAIRN_TRY(s.run());
    }
    return must_load(c, change.post_id);
  });
}

Result<std::vector<board::StatusChange>> SqliteBoardStore::status_history(
    std::string_view post_id) {
  return db_.read([&](Connection& c) -> Result<std::vector<board::StatusChange>> {
    CAIRN_ASSIGN_OR_RETURN(PostState state, find_post(c, post_id, false));
    CAIRN_ASSIGN_OR_RETURN(Statement s,
                           c.prepare("SELECT from_status, to_status, actor, note, at FROM "
                                     "board_status_changes WHERE post_seq = ?1 ORDER BY seq"));
    s.bind(1, state.seq);
    return all_rows<board::StatusChange>(s, [&](const Statement& st) {
      return board::StatusChange{state.id,
                                 status_of(st.column_text(0)),
                                 status_of(st.column_text(1)),
                                 st.column_text(2),
                                 st.column_text(3),
                                 from_unix_micros(st.column_int64(4))};
    });
  });
}

Result<Post> SqliteBoardStore::merge(std::string_view source, std::string_view target,
                                     std::string_view actor, Timestamp at) {
  return db_.write([&](Connection& c) -> Result<Post> {
    CAIRN_ASSIGN_OR_RETURN(PostState from, find_post(c, source, true));
    CAIRN_ASSIGN_OR_RETURN(PostState to, find_post(c, target, true));
    if (from.seq == to.seq || from.project_id != to.project_id) {
      return fail(ErrorCode::kInvalidArgument, "BOARD_MERGE_INVALID",
                  "only two different posts of one project can be merged");
    }
    const int64_t now = to_unix_micros(at);
    // Every source vote is remembered as removed from the source; those of users who do not
    // vote for the target yet reach it now, keeping when they were cast.
    CAIRN_ASSIGN_OR_RETURN(
        Statement log,
        c.prepare("INSERT INTO board_removed_votes (post_seq, voted_at, added_at, removed_at)\n"
                  "SELECT post_seq, voted_at, added_at, ?2 FROM board_votes WHERE post_seq = ?1"));
    log.bind(1, from.seq).bind(2, now);
    CAIRN_TRY(log.run());
    CAIRN_ASSIGN_OR_RETURN(
        Statement move,
        c.prepare("INSERT OR IGNORE INTO board_votes (post_seq, user, voted_at, added_at)\n"
                  "SELECT ?2, user, voted_at, ?3 FROM board_votes WHERE post_seq = ?1"));
    move.bind(1, from.seq).bind(2, to.seq).bind(3, now);
    CAIRN_ASSIGN_OR_RETURN(int64_t moved, changed(c, move));
    CAIRN_TRY(run(c, "DELETE FROM board_votes WHERE post_seq = ?1", from.seq));
    CAIRN_ASSIGN_OR_RETURN(
        Statement live,
        c.prepare(
            "SELECT count(*) FROM board_comments WHERE post_seq = ?1 AND deleted_at IS NULL"));
    live.bind(1, from.seq);
    CAIRN_TRY(live.step());
    const int64_t live_comments = live.column_int64(0);
    CAIRN_TRY(
        run(c, "UPDATE board_comments SET post_seq = ?2 WHERE post_seq = ?1", from.seq, to.seq));
    CAIRN_ASSIGN_OR_RETURN(
        Statement src,
        c.prepare(
            "UPDATE board_posts SET vote_count = 0, comment_count = 0,\n"
            "  official_comment_id = NULL, merged_into = ?2, merged_by = ?3, updated_at = ?4\n"
            "WHERE seq = ?1"));
    src.bind(1, from.seq).bind(2, to.id).bind(3, actor).bind(4, now);
    CAIRN_TRY(src.run());
    CAIRN_ASSIGN_OR_RETURN(
        Statement dst,
        c.prepare("UPDATE board_posts SET vote_count = vote_count + ?2,\n"
                  "  comment_count = comment_count + ?3, updated_at = ?4 WHERE seq = ?1"));
    dst.bind(1, to.seq).bind(2, moved).bind(3, live_comments).bind(4, now);
    CAIRN_TRY(dst.run());
    return must_load(c, target);
  });
}

Result<board::Counts> SqliteBoardStore::recount(std::string_view post_id) {
  return db_.snapshot([&](Connection& c) -> Result<board::Counts> {
    CAIRN_ASSIGN_OR_RETURN(PostState state, find_post(c, post_id, false));
    CAIRN_ASSIGN_OR_RETURN(
        Statement s, c.prepare("SELECT (SELECT count(*) FROM board_votes WHERE post_seq = ?1),\n"
                               "       (SELECT count(*) FROM board_comments\n"
                               "        WHERE post_seq = ?1 AND deleted_at IS NULL)"));
    s.bind(1, state.seq);
    CAIRN_TRY(s.step());
    return board::Counts{s.column_int64(0), s.column_int64(1)};
  });
}

Result<std::vector<board::RankRow>> SqliteBoardStore::rank_inputs(
    const board::RankFilter& filter, Timestamp as_of, std::optional<Timestamp> window_start) {
  return db_.snapshot([&](Connection& c) -> Result<std::vector<board::RankRow>> {
    const int64_t t = to_unix_micros(as_of);
    const int64_t since = window_start ? to_unix_micros(*window_start) : 0;
    std::vector<board::RankRow> rows;
    std::unordered_map<int64_t, std::size_t> by_seq;
    {
      CAIRN_ASSIGN_OR_RETURN(
          Statement s,
          c.prepare("SELECT seq, id, created_at, updated_at, vote_count FROM board_posts p\n"
                    "WHERE project_id = ?1 AND deleted_at IS NULL AND merged_into IS NULL\n"
                    "  AND created_at <= ?2 AND (?3 IS NULL OR status = ?3)\n"
                    "  AND (?4 IS NULL OR category = ?4) AND (?5 IS NULL OR author = ?5)\n"
                    "  AND (?6 IS NULL OR instr(',' || tags || ',', ',' || ?6 || ',') > 0)\n"
                    "  AND (?7 IS NULL OR EXISTS (SELECT 1 FROM board_votes v\n"
                    "                             WHERE v.post_seq = p.seq AND v.user = ?7))"));
      s.bind(1, filter.project_id).bind(2, t);
      if (filter.status) s.bind(3, board::status_name(*filter.status));
      if (filter.category) s.bind(4, board::category_name(*filter.category));
      bind_optional(s, 5, filter.author);
      bind_optional(s, 6, filter.tag);
      bind_optional(s, 7, filter.voted_by);
      while (true) {
        CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
        if (!row) break;
        by_seq.emplace(s.column_int64(0), rows.size());
        board::RankRow r;
        r.id = s.column_text(1);
        r.created_at = s.column_int64(2);
        r.updated_at = s.column_int64(3);
        r.votes = s.column_int64(4);
        rows.push_back(std::move(r));
      }
    }
    // Runs `sql` (?1 and, when given, ?2 bound) and calls f(row, statement) for each of its
    // rows whose first column is the seq of a post in `rows`.
    auto each = [&](const char* sql, int64_t a, std::optional<int64_t> b, auto&& f) -> Status {
      CAIRN_ASSIGN_OR_RETURN(Statement s, c.prepare(sql));
      s.bind(1, a);
      if (b) s.bind(2, *b);
      while (true) {
        CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
        if (!row) return ok_status();
        auto it = by_seq.find(s.column_int64(0));
        if (it != by_seq.end()) f(rows[it->second], s);
      }
    };
    // vote_count is now; undo what happened after the snapshot.
    CAIRN_TRY(each("SELECT post_seq FROM board_votes WHERE added_at > ?1", t, std::nullopt,
                   [](board::RankRow& r, const Statement&) { --r.votes; }));
    CAIRN_TRY(
        each("SELECT post_seq, voted_at FROM board_removed_votes\n"
             "WHERE removed_at > ?1 AND added_at <= ?1",
             t, std::nullopt, [&](board::RankRow& r, const Statement& s) {
               ++r.votes;
               if (window_start && s.column_int64(1) > since) ++r.recent_votes;
             }));
    if (window_start) {
      CAIRN_TRY(each("SELECT post_seq FROM board_votes WHERE voted_at > ?1 AND added_at <= ?2",
                     since, t, [](board::RankRow& r, const Statement&) { ++r.recent_votes; }));
      CAIRN_TRY(
          each("SELECT post_seq FROM board_comments WHERE created_at > ?1\n"
               "  AND created_at <= ?2 AND (deleted_at IS NULL OR deleted_at > ?2)",
               since, t, [](board::RankRow& r, const Statement&) { ++r.recent_comments; }));
    }
    return rows;
  });
}

Result<std::vector<std::string>> SqliteBoardStore::search(std::string_view project_id,
                                                          std::span<const std::string> terms,
                                                          int limit) {
  // Terms hold only letters, digits and non-ASCII bytes, so quoting each one is safe; the
  // trailing * makes it a prefix query, and FTS5 ANDs the phrases.
  std::string match;
  for (const std::string& term : terms) {
    if (!match.empty()) match += ' ';
    match.append("\"").append(term).append("\"*");
  }
  return db_.read([&](Connection& c) -> Result<std::vector<std::string>> {
    CAIRN_ASSIGN_OR_RETURN(
        Statement s,
        c.prepare("SELECT p.id FROM board_posts_fts f JOIN board_posts p ON p.seq = f.rowid\n"
                  "WHERE board_posts_fts MATCH ?1 AND p.project_id = ?2\n"
                  "  AND p.deleted_at IS NULL AND p.merged_into IS NULL\n"
                  "ORDER BY bm25(board_posts_fts, 2.0, 1.0), p.id LIMIT ?3"));
    s.bind(1, match).bind(2, project_id).bind(3, static_cast<int64_t>(limit));
    return all_rows<std::string>(s, [](const Statement& st) { return st.column_text(0); });
  });
}

}  // namespace cairn::storage::sqlite
