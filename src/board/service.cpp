// BoardService: validation, ids and times, then one store call per operation; plus the parts
// that are the same for every backend: ranking, cursors and comment threads.
#include "cairn/board/service.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstring>
#include <map>
#include <unordered_map>

#include "board/internal/validate.hpp"
#include "cairn/core/encoding.hpp"
#include "core/internal/ids.hpp"

namespace cairn::board {
namespace {

// Enum values from C++ callers are checked like the strings the bindings parse: a value outside
// the enumeration is refused, never mapped to a default.
Status check_status(PostStatus status) {
  if (static_cast<unsigned>(status) > static_cast<unsigned>(PostStatus::kDeclined)) {
    return fail(ErrorCode::kInvalidArgument, "BOARD_STATUS_INVALID", "unknown post status");
  }
  return ok_status();
}

Status check_category(Category category) {
  if (static_cast<unsigned>(category) > static_cast<unsigned>(Category::kQuestion)) {
    return fail(ErrorCode::kInvalidArgument, "BOARD_CATEGORY_INVALID", "unknown post category");
  }
  return ok_status();
}

Status check_sort(Sort sort) {
  if (static_cast<unsigned>(sort) > static_cast<unsigned>(Sort::kHot)) {
    return fail(ErrorCode::kInvalidArgument, "BOARD_SORT_INVALID", "unknown sort");
  }
  return ok_status();
}

// A cursor's snapshot time must be a plausible time: from the epoch to a day past now.
constexpr int64_t kCursorSlackMicros = int64_t{24} * 3600 * 1000000;

using internal::check_user;
using internal::trim;

constexpr int64_t kMicrosPerHour = 3600LL * 1000000;
constexpr int64_t kTrendingWindowMicros = 30LL * 24 * kMicrosPerHour;

Unexpected<Error> project_not_found() {
  return fail(ErrorCode::kNotFound, "BOARD_PROJECT_NOT_FOUND", "no project has this slug");
}
Unexpected<Error> post_not_found() {
  return fail(ErrorCode::kNotFound, "BOARD_POST_NOT_FOUND", "no such post");
}
Unexpected<Error> comment_not_found() {
  return fail(ErrorCode::kNotFound, "BOARD_COMMENT_NOT_FOUND", "no such comment");
}
Unexpected<Error> cursor_invalid(const char* why) {
  return fail(ErrorCode::kInvalidArgument, "BOARD_CURSOR_INVALID", why);
}

// Sorts whose keys go from high to low.
bool descending(Sort sort) { return sort != Sort::kOldest && sort != Sort::kLeastVotes; }

// The sort key of `row` as of `as_of` (microseconds fit a double exactly below 2^53).
double key_of(Sort sort, const RankRow& row, int64_t as_of) {
  double hours = static_cast<double>(as_of - row.created_at) / static_cast<double>(kMicrosPerHour);
  switch (sort) {
    case Sort::kNewest:
    case Sort::kOldest:
      return static_cast<double>(row.created_at);
    case Sort::kMostVotes:
    case Sort::kLeastVotes:
      return static_cast<double>(row.votes);
    case Sort::kRecentlyUpdated:
      return static_cast<double>(row.updated_at);
    case Sort::kTrending:
      return trending_score(row.recent_votes, row.recent_comments, hours);
    case Sort::kHot:
      return hot_score(row.votes, hours);
  }
  return 0;
}

// A position in a listing: the snapshot time and the last post shown (its key and id).
struct Cursor {
  Sort sort = Sort::kNewest;
  int64_t as_of = 0;
  double key = 0;
  std::string id;
};

// "c1.<sort>.<as_of>.<key bits in hex>.<id>" in base64url: opaque to callers, exact for doubles.
std::string encode_cursor(const Cursor& c) {
  char bits[17];
  uint64_t raw = std::bit_cast<uint64_t>(c.key);
  for (int i = 15; i >= 0; --i) {
    bits[i] = "0123456789abcdef"[raw & 0xF];
    raw >>= 4;
  }
  bits[16] = '\0';
  std::string text = "c1.";
  text.append(sort_name(c.sort)).append(".").append(std::to_string(c.as_of)).append(".");
  text.append(bits).append(".").append(c.id);
  return encoding::b64url_encode(as_bytes(text));
}

Result<Cursor> decode_cursor(std::string_view cursor) {
  auto raw = encoding::b64url_decode(cursor);
  if (!raw || raw->size() > 200) return cursor_invalid("the cursor is damaged");
  std::string text(raw->begin(), raw->end());
  std::vector<std::string_view> parts;
  std::string_view rest = text;
  for (std::size_t dot = rest.find('.'); dot != std::string_view::npos; dot = rest.find('.')) {
    parts.push_back(rest.substr(0, dot));
    rest.remove_prefix(dot + 1);
  }
  parts.push_back(rest);
  if (parts.size() != 5 || parts[0] != "c1" || parts[3].size() != 16) {
    return cursor_invalid("the cursor is damaged");
  }
  Cursor c;
  auto sort = parse_sort(parts[1]);
  if (!sort) return cursor_invalid("the cursor is damaged");
  c.sort = *sort;
  auto [end, ec] = std::from_chars(parts[2].data(), parts[2].data() + parts[2].size(), c.as_of);
  uint64_t bits = 0;
  auto [end2, ec2] = std::from_chars(parts[3].data(), parts[3].data() + parts[3].size(), bits, 16);
  if (ec != std::errc() || end != parts[2].data() + parts[2].size() || ec2 != std::errc() ||
      end2 != parts[3].data() + parts[3].size() || parts[4].empty()) {
    return cursor_invalid("the cursor is damaged");
  }
  c.key = std::bit_cast<double>(bits);
  c.id = std::string(parts[4]);
  return c;
}

}  // namespace

// ---- Projects

Result<Project> BoardService::create_project(std::string_view slug, std::string_view name,
                                             std::string_view description) {
  CAIRN_TRY(internal::check_slug(slug));
  CAIRN_TRY(internal::check_project_name(name));
  CAIRN_TRY(internal::check_description(description));
  Project p{cairn::internal::random_hex_id(env_), std::string(slug), std::string(trim(name)),
            std::string(description), env_.now()};
  CAIRN_TRY(store_.insert_project(p));
  return p;
}

Result<Project> BoardService::project(std::string_view slug) {
  CAIRN_TRY(internal::check_slug(slug));
  CAIRN_ASSIGN_OR_RETURN(std::optional<Project> p, store_.project_by_slug(slug));
  if (!p) return project_not_found();
  return std::move(*p);
}

Result<std::vector<Project>> BoardService::projects() { return store_.projects(); }

// ---- Posts

Result<Post> BoardService::create_post(std::string_view project, std::string_view author,
                                       std::string_view title, std::string_view description,
                                       Category category, std::span<const std::string> tags) {
  CAIRN_TRY(check_user(author));
  CAIRN_TRY(check_category(category));
  std::string_view trimmed = trim(title);
  CAIRN_TRY(internal::check_title(trimmed));
  CAIRN_TRY(internal::check_description(description));
  CAIRN_ASSIGN_OR_RETURN(std::vector<std::string> clean_tags, internal::normalize_tags(tags));
  CAIRN_ASSIGN_OR_RETURN(Project p, this->project(project));
  Post post;
  post.id = cairn::internal::random_hex_id(env_);
  post.project_id = p.id;
  post.project = p.slug;
  post.title = std::string(trimmed);
  post.description = std::string(description);
  post.category = category;
  post.tags = std::move(clean_tags);
  post.author = std::string(author);
  post.created_at = env_.now();
  post.updated_at = post.created_at;
  CAIRN_TRY(store_.insert_post(post));
  return post;
}

Result<Post> BoardService::get_post(std::string_view post_id, std::string_view viewer) {
  CAIRN_ASSIGN_OR_RETURN(std::optional<Post> post, store_.post(post_id, viewer));
  if (!post) return post_not_found();
  return std::move(*post);
}

Result<Post> BoardService::update_post(std::string_view post_id, const PostEdit& edit,
                                       std::string_view actor) {
  CAIRN_TRY(check_user(actor));
  PostEdit clean;
  if (edit.title) {
    std::string_view trimmed = trim(*edit.title);
    CAIRN_TRY(internal::check_title(trimmed));
    clean.title = std::string(trimmed);
  }
  if (edit.description) {
    CAIRN_TRY(internal::check_description(*edit.description));
    clean.description = edit.description;
  }
  if (edit.category) CAIRN_TRY(check_category(*edit.category));
  clean.category = edit.category;
  if (edit.tags) {
    CAIRN_ASSIGN_OR_RETURN(clean.tags, internal::normalize_tags(*edit.tags));
  }
  return store_.update_post(post_id, clean, actor, env_.now());
}

Status BoardService::delete_post(std::string_view post_id, std::string_view actor) {
  CAIRN_TRY(check_user(actor));
  CAIRN_ASSIGN_OR_RETURN(bool deleted, store_.delete_post(post_id, actor, env_.now()));
  if (!deleted) return post_not_found();
  return ok_status();
}

// ---- Votes

Result<bool> BoardService::vote(std::string_view post_id, std::string_view user) {
  CAIRN_TRY(check_user(user));
  CAIRN_ASSIGN_OR_RETURN(VoteResult r, store_.change_vote(post_id, user, std::nullopt, env_.now()));
  return r.voted;
}

Result<VoteResult> BoardService::set_vote(std::string_view post_id, std::string_view user,
                                          bool voted) {
  CAIRN_TRY(check_user(user));
  return store_.change_vote(post_id, user, voted, env_.now());
}

// ---- Comments

Result<Comment> BoardService::comment(std::string_view post_id, std::string_view author,
                                      std::string_view content, std::string_view parent_id) {
  CAIRN_TRY(check_user(author));
  std::string_view trimmed = trim(content);
  CAIRN_TRY(internal::check_comment(trimmed));
  Comment c;
  c.id = cairn::internal::random_hex_id(env_);
  c.post_id = std::string(post_id);
  c.parent_id = std::string(parent_id);
  c.author = std::string(author);
  c.content = std::string(trimmed);
  c.created_at = env_.now();
  c.updated_at = c.created_at;
  CAIRN_TRY(store_.insert_comment(c));
  return c;
}

Result<Comment> BoardService::edit_comment(std::string_view comment_id, std::string_view content,
                                           std::string_view actor) {
  CAIRN_TRY(check_user(actor));
  std::string_view trimmed = trim(content);
  CAIRN_TRY(internal::check_comment(trimmed));
  return store_.edit_comment(comment_id, trimmed, actor, env_.now());
}

Status BoardService::delete_comment(std::string_view comment_id, std::string_view actor) {
  CAIRN_TRY(check_user(actor));
  CAIRN_ASSIGN_OR_RETURN(bool deleted, store_.delete_comment(comment_id, actor, env_.now()));
  if (!deleted) return comment_not_found();
  return ok_status();
}

Result<std::vector<Comment>> BoardService::comments(std::string_view post_id) {
  CAIRN_ASSIGN_OR_RETURN(std::optional<Post> post, store_.post(post_id, {}));
  if (!post) return post_not_found();
  CAIRN_ASSIGN_OR_RETURN(std::vector<Comment> rows, store_.comments(post_id));
  // Children in the store's order (oldest first); a parent that is not on the post makes a root.
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < rows.size(); ++i) index.emplace(rows[i].id, i);
  std::vector<std::vector<std::size_t>> children(rows.size());
  std::vector<std::size_t> roots;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    auto parent = rows[i].parent_id.empty() ? index.end() : index.find(rows[i].parent_id);
    if (parent == index.end()) {
      roots.push_back(i);
    } else {
      children[parent->second].push_back(i);
    }
  }
  // Depth first from the roots: a parent comes before its replies, so walking that order
  // backwards settles the replies first. A comment is shown when it is live or when something
  // below it is shown. (Times alone cannot order them: a reply may share its parent's time.)
  std::vector<std::size_t> preorder;
  std::vector<std::size_t> stack(roots.rbegin(), roots.rend());
  while (!stack.empty()) {
    std::size_t i = stack.back();
    stack.pop_back();
    preorder.push_back(i);
    for (auto it = children[i].rbegin(); it != children[i].rend(); ++it) stack.push_back(*it);
  }
  std::vector<char> shown(rows.size(), 0);
  for (auto it = preorder.rbegin(); it != preorder.rend(); ++it) {
    if (!rows[*it].deleted) shown[*it] = 1;
    for (std::size_t child : children[*it]) {
      shown[*it] = static_cast<char>(shown[*it] | shown[child]);
    }
  }
  std::vector<Comment> out;
  for (std::size_t i : preorder) {
    if (shown[i] != 0) out.push_back(rows[i]);
  }
  return out;
}

Result<Post> BoardService::set_official_comment(std::string_view post_id,
                                                std::string_view comment_id,
                                                std::string_view actor) {
  CAIRN_TRY(check_user(actor));
  return store_.set_official(post_id, comment_id, actor, env_.now());
}

// ---- Statuses

Result<Post> BoardService::set_status(std::string_view post_id, PostStatus status,
                                      std::string_view actor, std::string_view note) {
  CAIRN_TRY(check_user(actor));
  CAIRN_TRY(check_status(status));
  CAIRN_TRY(internal::check_note(note));
  StatusChange change;
  change.post_id = std::string(post_id);
  change.to = status;
  change.actor = std::string(actor);
  change.note = std::string(note);
  change.at = env_.now();
  return store_.set_status(change);
}

Result<std::vector<StatusChange>> BoardService::status_history(std::string_view post_id) {
  return store_.status_history(post_id);
}

// ---- Listing, search

Result<Page> BoardService::list_posts(std::string_view project, const ListQuery& query) {
  CAIRN_TRY(internal::check_limit(query.limit));
  CAIRN_TRY(check_sort(query.sort));
  if (query.status) CAIRN_TRY(check_status(*query.status));
  if (query.category) CAIRN_TRY(check_category(*query.category));
  for (const std::string* user : {&query.author, &query.voted_by, &query.viewer}) {
    if (!user->empty()) CAIRN_TRY(check_user(*user));
  }
  if (!query.tag.empty()) CAIRN_TRY(internal::check_tag(query.tag));
  std::optional<Cursor> after;
  if (!query.cursor.empty()) {
    CAIRN_ASSIGN_OR_RETURN(after, decode_cursor(query.cursor));
    if (after->sort != query.sort) return cursor_invalid("the cursor is of another sort");
    if (after->as_of < 0 || after->as_of > to_unix_micros(env_.now()) + kCursorSlackMicros) {
      return cursor_invalid("the cursor's time is out of range");
    }
  }
  CAIRN_ASSIGN_OR_RETURN(Project p, this->project(project));
  const int64_t as_of = after ? after->as_of : to_unix_micros(env_.now());
  RankFilter filter{p.id, query.status, query.category, query.tag, query.author, query.voted_by};
  std::optional<Timestamp> window;
  if (query.sort == Sort::kTrending) window = from_unix_micros(as_of - kTrendingWindowMicros);
  CAIRN_ASSIGN_OR_RETURN(std::vector<RankRow> rows,
                         store_.rank_inputs(filter, from_unix_micros(as_of), window));

  struct Keyed {
    double key;
    const std::string* id;
  };
  const bool desc = descending(query.sort);
  auto before = [desc](const Keyed& a, const Keyed& b) {
    if (a.key != b.key) return desc ? a.key > b.key : a.key < b.key;
    return *a.id < *b.id;
  };
  std::vector<Keyed> keyed;
  keyed.reserve(rows.size());
  std::optional<Keyed> cursor_key;
  if (after) cursor_key = Keyed{after->key, &after->id};
  for (const RankRow& row : rows) {
    Keyed k{key_of(query.sort, row, as_of), &row.id};
    if (cursor_key && !before(*cursor_key, k)) continue;
    keyed.push_back(k);
  }
  const auto want = static_cast<std::size_t>(query.limit);
  const std::size_t take = std::min(keyed.size(), want + 1);
  std::partial_sort(keyed.begin(), keyed.begin() + static_cast<std::ptrdiff_t>(take), keyed.end(),
                    before);
  const std::size_t shown = std::min(take, want);
  std::vector<std::string> ids;
  ids.reserve(shown);
  for (std::size_t i = 0; i < shown; ++i) ids.push_back(*keyed[i].id);
  Page page;
  CAIRN_ASSIGN_OR_RETURN(page.items, store_.posts(ids, query.viewer));
  if (take > want) {
    page.next_cursor = encode_cursor({query.sort, as_of, keyed[shown - 1].key, ids.back()});
  }
  return page;
}

Result<std::vector<Post>> BoardService::search(std::string_view project, std::string_view query,
                                               int limit, std::string_view viewer) {
  if (query.size() > 500 || !encoding::is_valid_utf8(query)) {
    return fail(ErrorCode::kInvalidArgument, "BOARD_QUERY_INVALID",
                "a search query is at most 500 bytes of UTF-8");
  }
  CAIRN_TRY(internal::check_limit(limit));
  if (!viewer.empty()) CAIRN_TRY(check_user(viewer));
  CAIRN_ASSIGN_OR_RETURN(Project p, this->project(project));
  std::vector<std::string> terms = internal::search_terms(query);
  if (terms.empty()) return std::vector<Post>();
  CAIRN_ASSIGN_OR_RETURN(std::vector<std::string> ids, store_.search(p.id, terms, limit));
  return store_.posts(ids, viewer);
}

// ---- Duplicates, counts

Result<Post> BoardService::merge(std::string_view source_id, std::string_view target_id,
                                 std::string_view actor) {
  CAIRN_TRY(check_user(actor));
  if (source_id == target_id) {
    return fail(ErrorCode::kInvalidArgument, "BOARD_MERGE_INVALID",
                "a post cannot be merged into itself");
  }
  return store_.merge(source_id, target_id, actor, env_.now());
}

Result<Counts> BoardService::recount(std::string_view post_id) { return store_.recount(post_id); }

}  // namespace cairn::board
