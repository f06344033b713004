#include "storage/memory/board_store.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "board/internal/validate.hpp"

namespace cairn::storage::memory {
namespace {

using board::Comment;
using board::Post;

Unexpected<Error> post_not_found() {
  return fail(ErrorCode::kNotFound, "BOARD_POST_NOT_FOUND", "no such post");
}
Unexpected<Error> comment_not_found() {
  return fail(ErrorCode::kNotFound, "BOARD_COMMENT_NOT_FOUND", "no such comment");
}

}  // namespace

MemoryBoardStore::PostRow* MemoryBoardStore::live_post(std::string_view id) {
  auto it = posts_.find(id);
  if (it == posts_.end() || it->second.deleted) return nullptr;
  return &it->second;
}

Result<MemoryBoardStore::PostRow*> MemoryBoardStore::find_post(std::string_view id, bool unmerged) {
  PostRow* row = live_post(id);
  if (row == nullptr) return post_not_found();
  if (unmerged && !row->post.merged_into.empty()) {
    return fail(ErrorCode::kFailedPrecondition, "BOARD_POST_MERGED",
                "the post was merged into another one");
  }
  return row;
}

Post MemoryBoardStore::view(const PostRow& row, std::string_view viewer) const {
  Post p = row.post;
  p.voted = false;
  if (!viewer.empty()) {
    auto it = votes_.find(p.id);
    p.voted = it != votes_.end() && it->second.find(viewer) != it->second.end();
  }
  return p;
}

Status MemoryBoardStore::insert_project(const board::Project& project) {
  std::lock_guard lock(mu_);
  if (projects_.count(project.slug) > 0) {
    return fail(ErrorCode::kAlreadyExists, "BOARD_PROJECT_EXISTS", "a project has this slug");
  }
  projects_.emplace(project.slug, project);
  return ok_status();
}

Result<std::optional<board::Project>> MemoryBoardStore::project_by_slug(std::string_view slug) {
  std::lock_guard lock(mu_);
  auto it = projects_.find(slug);
  if (it == projects_.end()) return std::optional<board::Project>();
  return std::optional<board::Project>(it->second);
}

Result<std::vector<board::Project>> MemoryBoardStore::projects() {
  std::lock_guard lock(mu_);
  std::vector<board::Project> out;
  for (const auto& [slug, p] : projects_) out.push_back(p);
  return out;
}

Status MemoryBoardStore::insert_post(const Post& post) {
  std::lock_guard lock(mu_);
  PostRow row;
  row.post = post;
  row.post.vote_count = 0;
  row.post.comment_count = 0;
  posts_.emplace(post.id, std::move(row));
  return ok_status();
}

Result<std::optional<Post>> MemoryBoardStore::post(std::string_view id, std::string_view viewer) {
  std::lock_guard lock(mu_);
  PostRow* row = live_post(id);
  if (row == nullptr) return std::optional<Post>();
  return std::optional<Post>(view(*row, viewer));
}

Result<std::vector<Post>> MemoryBoardStore::posts(std::span<const std::string> ids,
                                                  std::string_view viewer) {
  std::lock_guard lock(mu_);
  std::vector<Post> out;
  for (const std::string& id : ids) {
    if (PostRow* row = live_post(id); row != nullptr) out.push_back(view(*row, viewer));
  }
  return out;
}

Result<Post> MemoryBoardStore::update_post(std::string_view id, const board::PostEdit& edit,
                                           std::string_view actor, Timestamp at) {
  std::lock_guard lock(mu_);
  CAIRN_ASSIGN_OR_RETURN(PostRow * row, find_post(id, true));
  if (edit.title) row->post.title = *edit.title;
  if (edit.description) row->post.description = *edit.description;
  if (edit.category) row->post.category = *edit.category;
  if (edit.tags) row->post.tags = *edit.tags;
  row->post.updated_at = at;
  row->edited_by = std::string(actor);
  return view(*row, {});
}

Result<bool> MemoryBoardStore::delete_post(std::string_view id, std::string_view actor,
                                           Timestamp /*at*/) {
  std::lock_guard lock(mu_);
  PostRow* row = live_post(id);
  if (row == nullptr) return false;
  row->deleted = true;
  row->deleted_by = std::string(actor);
  return true;
}

Result<board::VoteResult> MemoryBoardStore::change_vote(std::string_view post_id,
                                                        std::string_view user,
                                                        std::optional<bool> want, Timestamp at) {
  std::lock_guard lock(mu_);
  CAIRN_ASSIGN_OR_RETURN(PostRow * row, find_post(post_id, true));
  auto& voters = votes_[row->post.id];
  auto it = voters.find(user);
  bool has = it != voters.end();
  bool wanted = want.value_or(!has);
  board::VoteResult r{has, false, row->post.vote_count};
  if (wanted == has) return r;
  int64_t now = to_unix_micros(at);
  if (wanted) {
    voters.emplace(std::string(user), VoteRow{now, now});
    ++row->post.vote_count;
  } else {
    removed_votes_[row->post.id].push_back({it->second.voted_at, it->second.added_at, now});
    voters.erase(it);
    --row->post.vote_count;
  }
  return board::VoteResult{wanted, true, row->post.vote_count};
}

Status MemoryBoardStore::insert_comment(const Comment& comment) {
  std::lock_guard lock(mu_);
  CAIRN_ASSIGN_OR_RETURN(PostRow * row, find_post(comment.post_id, true));
  if (!comment.parent_id.empty()) {
    auto parent = comments_.find(comment.parent_id);
    if (parent == comments_.end()) return comment_not_found();
    if (parent->second.comment.post_id != comment.post_id || parent->second.comment.deleted) {
      return fail(ErrorCode::kInvalidArgument, "BOARD_PARENT_INVALID",
                  "a reply's parent must be a live comment of the same post");
    }
  }
  comments_.emplace(comment.id, CommentRow{comment, 0, {}, {}});
  post_comments_[comment.post_id].push_back(comment.id);
  ++row->post.comment_count;
  row->post.updated_at = comment.created_at;
  return ok_status();
}

Result<std::optional<Comment>> MemoryBoardStore::comment(std::string_view id) {
  std::lock_guard lock(mu_);
  auto it = comments_.find(id);
  if (it == comments_.end()) return std::optional<Comment>();
  return std::optional<Comment>(it->second.comment);
}

Result<Comment> MemoryBoardStore::edit_comment(std::string_view id, std::string_view content,
                                               std::string_view actor, Timestamp at) {
  std::lock_guard lock(mu_);
  auto it = comments_.find(id);
  if (it == comments_.end() || it->second.comment.deleted ||
      live_post(it->second.comment.post_id) == nullptr) {
    return comment_not_found();
  }
  Comment& c = it->second.comment;
  c.content = std::string(content);
  c.updated_at = at;
  c.edited = true;
  it->second.edited_by = std::string(actor);
  return c;
}

Result<bool> MemoryBoardStore::delete_comment(std::string_view id, std::string_view actor,
                                              Timestamp at) {
  std::lock_guard lock(mu_);
  auto it = comments_.find(id);
  if (it == comments_.end() || it->second.comment.deleted) return false;
  PostRow* row = live_post(it->second.comment.post_id);
  if (row == nullptr) return false;
  Comment& c = it->second.comment;
  c.deleted = true;
  c.content.clear();
  c.author.clear();
  it->second.deleted_at = to_unix_micros(at);
  it->second.deleted_by = std::string(actor);
  --row->post.comment_count;
  if (row->post.official_comment_id == c.id) row->post.official_comment_id.clear();
  return true;
}

Result<std::vector<Comment>> MemoryBoardStore::comments(std::string_view post_id) {
  std::lock_guard lock(mu_);
  std::vector<Comment> out;
  auto ids = post_comments_.find(post_id);
  if (ids == post_comments_.end()) return out;
  for (const std::string& id : ids->second) out.push_back(comments_.at(id).comment);
  std::sort(out.begin(), out.end(), [](const Comment& a, const Comment& b) {
    return a.created_at != b.created_at ? a.created_at < b.created_at : a.id < b.id;
  });
  return out;
}

Result<Post> MemoryBoardStore::set_official(std::string_view post_id, std::string_view comment_id,
                                            std::string_view /*actor*/, Timestamp at) {
  std::lock_guard lock(mu_);
  CAIRN_ASSIGN_OR_RETURN(PostRow * row, find_post(post_id, true));
  if (!comment_id.empty()) {
    auto it = comments_.find(comment_id);
    if (it == comments_.end() || it->second.comment.deleted ||
        it->second.comment.post_id != row->post.id) {
      return comment_not_found();
    }
  }
  row->post.official_comment_id = std::string(comment_id);
  row->post.updated_at = at;
  return view(*row, {});
}

Result<Post> MemoryBoardStore::set_status(const board::StatusChange& change) {
  std::lock_guard lock(mu_);
  CAIRN_ASSIGN_OR_RETURN(PostRow * row, find_post(change.post_id, true));
  if (row->post.status != change.to) {
    board::StatusChange recorded = change;
    recorded.from = row->post.status;
    history_[row->post.id].push_back(std::move(recorded));
    row->post.status = change.to;
    row->post.updated_at = change.at;
  }
  return view(*row, {});
}

Result<std::vector<board::StatusChange>> MemoryBoardStore::status_history(
    std::string_view post_id) {
  std::lock_guard lock(mu_);
  CAIRN_TRY(find_post(post_id, false));
  auto it = history_.find(post_id);
  if (it == history_.end()) return std::vector<board::StatusChange>();
  return it->second;
}

Result<Post> MemoryBoardStore::merge(std::string_view source, std::string_view target,
                                     std::string_view actor, Timestamp at) {
  std::lock_guard lock(mu_);
  CAIRN_ASSIGN_OR_RETURN(PostRow * from, find_post(source, true));
  CAIRN_ASSIGN_OR_RETURN(PostRow * to, find_post(target, true));
  if (from == to || from->post.project_id != to->post.project_id) {
    return fail(ErrorCode::kInvalidArgument, "BOARD_MERGE_INVALID",
                "only two different posts of one project can be merged");
  }
  int64_t now = to_unix_micros(at);
  auto& from_votes = votes_[from->post.id];
  auto& to_votes = votes_[to->post.id];
  auto& removed = removed_votes_[from->post.id];
  for (const auto& [user, vote] : from_votes) {
    removed.push_back({vote.voted_at, vote.added_at, now});
    if (to_votes.emplace(user, VoteRow{vote.voted_at, now}).second) ++to->post.vote_count;
  }
  from_votes.clear();
  from->post.vote_count = 0;
  auto& moving = post_comments_[from->post.id];
  auto& into = post_comments_[to->post.id];
  for (const std::string& id : moving) {
    Comment& c = comments_.at(id).comment;
    c.post_id = to->post.id;
    if (!c.deleted) ++to->post.comment_count;
    into.push_back(id);
  }
  moving.clear();
  from->post.comment_count = 0;
  from->post.official_comment_id.clear();
  from->post.merged_into = to->post.id;
  from->post.updated_at = at;
  from->merged_by = std::string(actor);
  to->post.updated_at = at;
  return view(*to, {});
}

Result<board::Counts> MemoryBoardStore::recount(std::string_view post_id) {
  std::lock_guard lock(mu_);
  CAIRN_TRY(find_post(post_id, false));
  board::Counts counts;
  if (auto v = votes_.find(post_id); v != votes_.end()) {
    counts.votes = static_cast<int64_t>(v->second.size());
  }
  for (const auto& [id, row] : comments_) {
    if (row.comment.post_id == post_id && !row.comment.deleted) ++counts.comments;
  }
  return counts;
}

Result<std::vector<board::RankRow>> MemoryBoardStore::rank_inputs(
    const board::RankFilter& filter, Timestamp as_of, std::optional<Timestamp> window_start) {
  std::lock_guard lock(mu_);
  const int64_t t = to_unix_micros(as_of);
  const int64_t since = window_start ? to_unix_micros(*window_start) : 0;
  std::vector<board::RankRow> out;
  for (const auto& [id, row] : posts_) {
    const Post& p = row.post;
    if (row.deleted || !p.merged_into.empty() || p.project_id != filter.project_id ||
        to_unix_micros(p.created_at) > t) {
      continue;
    }
    if ((filter.status && p.status != *filter.status) ||
        (filter.category && p.category != *filter.category) ||
        (!filter.author.empty() && p.author != filter.author) ||
        (!filter.tag.empty() && !std::binary_search(p.tags.begin(), p.tags.end(), filter.tag))) {
      continue;
    }
    auto voters = votes_.find(id);
    if (!filter.voted_by.empty() &&
        (voters == votes_.end() || voters->second.find(filter.voted_by) == voters->second.end())) {
      continue;
    }
    board::RankRow r;
    r.id = id;
    r.created_at = to_unix_micros(p.created_at);
    r.updated_at = to_unix_micros(p.updated_at);
    auto count = [&](int64_t voted_at) {
      ++r.votes;
      if (window_start && voted_at > since) ++r.recent_votes;
    };
    if (voters != votes_.end()) {
      for (const auto& [user, v] : voters->second) {
        if (v.added_at <= t) count(v.voted_at);
      }
    }
    if (auto gone = removed_votes_.find(id); gone != removed_votes_.end()) {
      for (const RemovedVote& v : gone->second) {
        if (v.added_at <= t && v.removed_at > t) count(v.voted_at);
      }
    }
    if (window_start) {
      if (auto ids = post_comments_.find(id); ids != post_comments_.end()) {
        for (const std::string& cid : ids->second) {
          const CommentRow& c = comments_.at(cid);
          int64_t created = to_unix_micros(c.comment.created_at);
          if (created > since && created <= t && (!c.comment.deleted || c.deleted_at > t)) {
            ++r.recent_comments;
          }
        }
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::vector<std::string>> MemoryBoardStore::search(std::string_view project_id,
                                                          std::span<const std::string> terms,
                                                          int limit) {
  std::lock_guard lock(mu_);
  // FTS5's bm25(): N and the average lengths are over every indexed row (all posts).
  constexpr double kK1 = 1.2;
  constexpr double kB = 0.75;
  constexpr std::array<double, 2> kWeights = {2.0, 1.0};
  struct Doc {
    const Post* post;
    std::array<std::vector<std::string>, 2> columns;
  };
  std::vector<Doc> docs;
  std::array<double, 2> total_length = {0, 0};
  for (const auto& [id, row] : posts_) {
    Doc d{&row.post,
          {board::internal::search_terms(row.post.title),
           board::internal::search_terms(row.post.description)}};
    for (std::size_t c = 0; c < 2; ++c) total_length[c] += static_cast<double>(d.columns[c].size());
    docs.push_back(std::move(d));
  }
  const auto n_docs = static_cast<double>(docs.size());
  auto hits = [](const std::vector<std::string>& tokens, const std::string& term) {
    return static_cast<double>(std::count_if(tokens.begin(), tokens.end(), [&](const auto& tok) {
      return tok.compare(0, term.size(), term) == 0;
    }));
  };
  std::vector<double> idf;
  for (const std::string& term : terms) {
    double containing = 0;
    for (const Doc& d : docs) {
      if (hits(d.columns[0], term) + hits(d.columns[1], term) > 0) containing += 1;
    }
    double value = std::log((n_docs - containing + 0.5) / (containing + 0.5));
    idf.push_back(value <= 0 ? 1e-6 : value);
  }
  // As FTS5 does: per term, the column-weighted frequency against the whole row's length.
  const double total = total_length[0] + total_length[1];
  const double avg = n_docs > 0 ? total / n_docs : 0;
  std::vector<std::pair<double, std::string>> scored;
  for (const Doc& d : docs) {
    const PostRow& row = posts_.at(d.post->id);
    if (row.deleted || !d.post->merged_into.empty() || d.post->project_id != project_id) continue;
    const auto len = static_cast<double>(d.columns[0].size() + d.columns[1].size());
    const double norm = avg > 0 ? len / avg : 0;
    double score = 0;
    bool all = true;
    for (std::size_t i = 0; i < terms.size() && all; ++i) {
      double f = 0;
      double found = 0;
      for (std::size_t c = 0; c < 2; ++c) {
        double hits_c = hits(d.columns[c], terms[i]);
        f += kWeights[c] * hits_c;
        found += hits_c;
      }
      score += idf[i] * (f * (kK1 + 1)) / (f + kK1 * (1 - kB + kB * norm));
      all = found > 0;
    }
    if (all) scored.emplace_back(score, d.post->id);
  }
  std::sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::vector<std::string> out;
  for (std::size_t i = 0; i < scored.size() && static_cast<int>(i) < limit; ++i) {
    out.push_back(scored[i].second);
  }
  return out;
}

}  // namespace cairn::storage::memory
