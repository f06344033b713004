// The C ABI's board: engine.board() behind cairn_board_*. Records go out as JSON text; the logic
// is all in cairn::board.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cairn/board/service.hpp"
#include "engine_handle.hpp"
#include "entry_point.hpp"

using cairn::capi::Json;
using cairn::capi::none;
using cairn::capi::null_argument;
using cairn::capi::put_array;
using cairn::capi::put_json;
using cairn::capi::set_error;
using cairn::capi::set_ok;
using cairn::capi::view;
namespace board = cairn::board;
using Board = board::BoardService;

namespace {

// ---- The board records' JSON (cairn.h lists the same members in the same order)

int64_t micros(cairn::Timestamp t) { return cairn::to_unix_micros(t); }

Json id_or_null(const std::string& id) { return cairn::capi::text_or_null(id); }

Json project_json(const board::Project& p) {
  return {{"id", p.id},
          {"slug", p.slug},
          {"name", p.name},
          {"description", p.description},
          {"created_at_micros", micros(p.created_at)}};
}

Json post_json(const board::Post& p) {
  return {{"id", p.id},
          {"project_id", p.project_id},
          {"project", p.project},
          {"title", p.title},
          {"description", p.description},
          {"status", board::status_name(p.status)},
          {"category", board::category_name(p.category)},
          {"tags", p.tags},
          {"author", p.author},
          {"vote_count", p.vote_count},
          {"comment_count", p.comment_count},
          {"created_at_micros", micros(p.created_at)},
          {"updated_at_micros", micros(p.updated_at)},
          {"merged_into", id_or_null(p.merged_into)},
          {"official_comment_id", id_or_null(p.official_comment_id)},
          {"voted", p.voted}};
}

Json comment_json(const board::Comment& c) {
  return {{"id", c.id},
          {"post_id", c.post_id},
          {"parent_id", id_or_null(c.parent_id)},
          {"author", c.author},
          {"content", c.content},
          {"created_at_micros", micros(c.created_at)},
          {"updated_at_micros", micros(c.updated_at)},
          {"edited", c.edited},
          {"deleted", c.deleted}};
}

Json change_json(const board::StatusChange& c) {
  return {{"post_id", c.post_id},
          {"from", board::status_name(c.from)},
          {"to", board::status_name(c.to)},
          {"actor", c.actor},
          {"note", c.note},
          {"at_micros", micros(c.at)}};
}

Json page_json(const board::Page& page) {
  Json items = Json::array();
  for (const board::Post& p : page.items) items.push_back(post_json(p));
  return {{"items", std::move(items)}, {"next_cursor", id_or_null(page.next_cursor)}};
}

Json vote_json(const board::VoteResult& r) {
  return {{"voted", r.voted}, {"changed", r.changed}, {"vote_count", r.vote_count}};
}

// ---- The entry point on the engine's board

template <class Body>
cairn_status on_board(cairn::capi::Check outs, cairn::capi::Check ins, cairn_engine* engine,
                      Body&& body) noexcept {
  return cairn::capi::service_entry(
      outs, ins, [&] { return cairn::Result<Board*>(&engine->engine->board()); }, body);
}

// `count` tags from `tags` (NULL only with a count of 0) in `out`.
cairn_status tags_of(const char* const* tags, size_t count, std::vector<std::string>& out) {
  if (tags == nullptr && count != 0) return null_argument("tags");
  for (size_t i = 0; i < count; ++i) {
    if (tags[i] == nullptr) return null_argument("tags[i]");
    out.emplace_back(tags[i]);
  }
  return set_ok();
}

// Parses an optional name: NULL leaves `out` unset.
template <class T, class Parse>
cairn_status optional_name(const char* name, Parse parse, std::optional<T>& out) {
  if (name == nullptr) return set_ok();
  auto parsed = parse(name);
  if (!parsed) return set_error(parsed.error());
  out = *parsed;
  return set_ok();
}

}  // namespace

cairn_status cairn_board_create_project(char** out_json, cairn_engine* engine, const char* slug,
                                        const char* name, const char* description) {
  return on_board(
      CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine, slug, name), engine, [&](Board& b) {
        return put_json(out_json, b.create_project(slug, name, view(description)), project_json);
      });
}

cairn_status cairn_board_project(char** out_json, cairn_engine* engine, const char* slug) {
  return on_board(CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine, slug), engine,
                  [&](Board& b) { return put_json(out_json, b.project(slug), project_json); });
}

cairn_status cairn_board_projects(char** out_json, cairn_engine* engine) {
  return on_board(CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine), engine,
                  [&](Board& b) { return put_array(out_json, b.projects(), project_json); });
}

cairn_status cairn_board_create_post(char** out_json, cairn_engine* engine, const char* project,
                                     const char* author, const char* title, const char* description,
                                     const char* category, const char* const* tags,
                                     size_t tag_count) {
  return on_board(
      CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine, project, author, title), engine,
      [&](Board& b) -> cairn_status {
        std::optional<board::Category> cat;
        if (cairn_status st = optional_name(category, board::parse_category, cat); st != CAIRN_OK) {
          return st;
        }
        std::vector<std::string> tag_list;
        if (cairn_status st = tags_of(tags, tag_count, tag_list); st != CAIRN_OK) return st;
        return put_json(out_json,
                        b.create_post(project, author, title, view(description),
                                      cat.value_or(board::Category::kFeedback), tag_list),
                        post_json);
      });
}

cairn_status cairn_board_get_post(char** out_json, cairn_engine* engine, const char* post_id,
                                  const char* viewer) {
  return on_board(CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine, post_id), engine, [&](Board& b) {
    return put_json(out_json, b.get_post(post_id, view(viewer)), post_json);
  });
}

cairn_status cairn_board_update_post(char** out_json, cairn_engine* engine, const char* post_id,
                                     const char* title, const char* description,
                                     const char* category, int set_tags, const char* const* tags,
                                     size_t tag_count, const char* actor) {
  return on_board(
      CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine, post_id, actor), engine,
      [&](Board& b) -> cairn_status {
        board::PostEdit edit;
        if (title != nullptr) edit.title = title;
        if (description != nullptr) edit.description = description;
        if (cairn_status st = optional_name(category, board::parse_category, edit.category);
            st != CAIRN_OK) {
          return st;
        }
        if (set_tags != 0) {
          std::vector<std::string> tag_list;
          if (cairn_status st = tags_of(tags, tag_count, tag_list); st != CAIRN_OK) return st;
          edit.tags = std::move(tag_list);
        }
        return put_json(out_json, b.update_post(post_id, edit, actor), post_json);
      });
}

cairn_status cairn_board_delete_post(cairn_engine* engine, const char* post_id, const char* actor) {
  return on_board(none(), CAIRN_CAPI_IN(engine, post_id, actor), engine,
                  [&](Board& b) { return b.delete_post(post_id, actor); });
}

cairn_status cairn_board_vote(int* out_voted, cairn_engine* engine, const char* post_id,
                              const char* user) {
  return on_board(CAIRN_CAPI_OUT(out_voted), CAIRN_CAPI_IN(engine, post_id, user), engine,
                  [&](Board& b) -> cairn_status {
                    auto voted = b.vote(post_id, user);
                    if (!voted) return set_error(voted.error());
                    *out_voted = *voted ? 1 : 0;
                    return set_ok();
                  });
}

cairn_status cairn_board_set_vote(char** out_json, cairn_engine* engine, const char* post_id,
                                  const char* user, int voted) {
  return on_board(CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine, post_id, user), engine,
                  [&](Board& b) {
                    return put_json(out_json, b.set_vote(post_id, user, voted != 0), vote_json);
                  });
}

cairn_status cairn_board_comment(char** out_json, cairn_engine* engine, const char* post_id,
                                 const char* author, const char* content, const char* parent_id) {
  return on_board(CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine, post_id, author, content), engine,
                  [&](Board& b) {
                    return put_json(out_json, b.comment(post_id, author, content, view(parent_id)),
                                    comment_json);
                  });
}

cairn_status cairn_board_edit_comment(char** out_json, cairn_engine* engine, const char* comment_id,
                                      const char* content, const char* actor) {
  return on_board(CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine, comment_id, content, actor),
                  engine, [&](Board& b) {
                    return put_json(out_json, b.edit_comment(comment_id, content, actor),
                                    comment_json);
                  });
}

cairn_status cairn_board_delete_comment(cairn_engine* engine, const char* comment_id,
                                        const char* actor) {
  return on_board(none(), CAIRN_CAPI_IN(engine, comment_id, actor), engine,
                  [&](Board& b) { return b.delete_comment(comment_id, actor); });
}

cairn_status cairn_board_comments(char** out_json, cairn_engine* engine, const char* post_id) {
  return on_board(CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine, post_id), engine,
                  [&](Board& b) { return put_array(out_json, b.comments(post_id), comment_json); });
}

cairn_status cairn_board_set_official_comment(char** out_json, cairn_engine* engine,
                                              const char* post_id, const char* comment_id,
                                              const char* actor) {
  return on_board(
      CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine, post_id, actor), engine, [&](Board& b) {
        return put_json(out_json, b.set_official_comment(post_id, view(comment_id), actor),
                        post_json);
      });
}

cairn_status cairn_board_set_status(char** out_json, cairn_engine* engine, const char* post_id,
                                    const char* status, const char* actor, const char* note) {
  return on_board(CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine, post_id, status, actor), engine,
                  [&](Board& b) -> cairn_status {
                    auto parsed = board::parse_status(status);
                    if (!parsed) return set_error(parsed.error());
                    return put_json(out_json, b.set_status(post_id, *parsed, actor, view(note)),
                                    post_json);
                  });
}

cairn_status cairn_board_status_history(char** out_json, cairn_engine* engine,
                                        const char* post_id) {
  return on_board(CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine, post_id), engine, [&](Board& b) {
    return put_array(out_json, b.status_history(post_id), change_json);
  });
}

cairn_status cairn_board_list_posts(char** out_json, cairn_engine* engine, const char* project,
                                    const cairn_board_query* query) {
  return on_board(
      CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine, project), engine,
      [&](Board& b) -> cairn_status {
        board::ListQuery q;
        if (query != nullptr) {
          if (query->version == 0 || query->version > CAIRN_BOARD_QUERY_VERSION) {
            return set_error({cairn::ErrorCode::kInvalidArgument,
                              "CAPI_OPTIONS_VERSION_UNSUPPORTED",
                              "cairn_board_query version " + std::to_string(query->version) +
                                  " is not supported by this library"});
          }
          std::optional<board::Sort> sort;
          if (cairn_status st = optional_name(query->sort, board::parse_sort, sort);
              st != CAIRN_OK) {
            return st;
          }
          q.sort = sort.value_or(board::Sort::kNewest);
          if (cairn_status st = optional_name(query->status, board::parse_status, q.status);
              st != CAIRN_OK) {
            return st;
          }
          if (cairn_status st = optional_name(query->category, board::parse_category, q.category);
              st != CAIRN_OK) {
            return st;
          }
          q.tag = view(query->tag);
          q.author = view(query->author);
          q.voted_by = view(query->voted_by);
          q.viewer = view(query->viewer);
          q.limit = query->limit;
          q.cursor = view(query->cursor);
        }
        return put_json(out_json, b.list_posts(project, q), page_json);
      });
}

cairn_status cairn_board_search(char** out_json, cairn_engine* engine, const char* project,
                                const char* query, int32_t limit, const char* viewer) {
  return on_board(
      CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine, project, query), engine, [&](Board& b) {
        return put_array(out_json, b.search(project, query, limit, view(viewer)), post_json);
      });
}

cairn_status cairn_board_merge(char** out_json, cairn_engine* engine, const char* source_id,
                               const char* target_id, const char* actor) {
  return on_board(CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine, source_id, target_id, actor),
                  engine, [&](Board& b) {
                    return put_json(out_json, b.merge(source_id, target_id, actor), post_json);
                  });
}

cairn_status cairn_board_recount(int64_t* out_votes, int64_t* out_comments, cairn_engine* engine,
                                 const char* post_id) {
  return on_board(CAIRN_CAPI_OUT(out_votes, out_comments), CAIRN_CAPI_IN(engine, post_id), engine,
                  [&](Board& b) -> cairn_status {
                    auto counts = b.recount(post_id);
                    if (!counts) return set_error(counts.error());
                    *out_votes = counts->votes;
                    *out_comments = counts->comments;
                    return set_ok();
                  });
}
