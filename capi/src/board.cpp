// The C ABI's board: engine.board() behind cairn_board_*. Records go out as JSON text; the logic
// is all in cairn::board.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cairn/board/service.hpp"
#include "common.hpp"
#include "engine_handle.hpp"
#include "json_out.hpp"

using cairn::capi::from_status;
using cairn::capi::guard;
using cairn::capi::hand_out_array;
using cairn::capi::hand_out_json;
using cairn::capi::Json;
using cairn::capi::null_argument;
using cairn::capi::set_error;
using cairn::capi::set_ok;
namespace board = cairn::board;

namespace {

// NULL as "".
std::string_view view(const char* s) {
  return s != nullptr ? std::string_view(s) : std::string_view();
}

int64_t micros(cairn::Timestamp t) { return cairn::to_unix_micros(t); }

Json id_or_null(const std::string& id) { return id.empty() ? Json(nullptr) : Json(id); }

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

// The engine's board in `out`. Errors: CAPI_NULL_ARGUMENT for a NULL engine.
cairn_status board_of(cairn_engine* engine, board::BoardService*& out) {
  if (engine == nullptr) return null_argument("engine");
  out = &engine->engine->board();
  return set_ok();
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
  return guard([&] {
    if (out_json == nullptr) return null_argument("out_json");
    *out_json = nullptr;
    if (slug == nullptr || name == nullptr) return null_argument("slug and name");
    board::BoardService* b = nullptr;
    if (cairn_status st = board_of(engine, b); st != CAIRN_OK || b == nullptr) return st;
    return hand_out_json(b->create_project(slug, name, view(description)), out_json, project_json);
  });
}

cairn_status cairn_board_project(char** out_json, cairn_engine* engine, const char* slug) {
  return guard([&] {
    if (out_json == nullptr) return null_argument("out_json");
    *out_json = nullptr;
    if (slug == nullptr) return null_argument("slug");
    board::BoardService* b = nullptr;
    if (cairn_status st = board_of(engine, b); st != CAIRN_OK || b == nullptr) return st;
    return hand_out_json(b->project(slug), out_json, project_json);
  });
}

cairn_status cairn_board_projects(char** out_json, cairn_engine* engine) {
  return guard([&] {
    if (out_json == nullptr) return null_argument("out_json");
    *out_json = nullptr;
    board::BoardService* b = nullptr;
    if (cairn_status st = board_of(engine, b); st != CAIRN_OK || b == nullptr) return st;
    return hand_out_array(b->projects(), out_json, project_json);
  });
}

cairn_status cairn_board_create_post(char** out_json, cairn_engine* engine, const char* project,
                                     const char* author, const char* title, const char* description,
                                     const char* category, const char* const* tags,
                                     size_t tag_count) {
  return guard([&] {
    if (out_json == nullptr) return null_argument("out_json");
    *out_json = nullptr;
    if (project == nullptr || author == nullptr || title == nullptr) {
      return null_argument("project, author and title");
    }
    board::BoardService* b = nullptr;
    if (cairn_status st = board_of(engine, b); st != CAIRN_OK || b == nullptr) return st;
    std::optional<board::Category> cat;
    if (cairn_status st = optional_name(category, board::parse_category, cat); st != CAIRN_OK) {
      return st;
    }
    std::vector<std::string> tag_list;
    if (cairn_status st = tags_of(tags, tag_count, tag_list); st != CAIRN_OK) return st;
    return hand_out_json(b->create_post(project, author, title, view(description),
                                        cat.value_or(board::Category::kFeedback), tag_list),
                         out_json, post_json);
  });
}

cairn_status cairn_board_get_post(char** out_json, cairn_engine* engine, const char* post_id,
                                  const char* viewer) {
  return guard([&] {
    if (out_json == nullptr) return null_argument("out_json");
    *out_json = nullptr;
    if (post_id == nullptr) return null_argument("post_id");
    board::BoardService* b = nullptr;
    if (cairn_status st = board_of(engine, b); st != CAIRN_OK || b == nullptr) return st;
    return hand_out_json(b->get_post(post_id, view(viewer)), out_json, post_json);
  });
}

cairn_status cairn_board_update_post(char** out_json, cairn_engine* engine, const char* post_id,
                                     const char* title, const char* description,
                                     const char* category, int set_tags, const char* const* tags,
                                     size_t tag_count, const char* actor) {
  return guard([&] {
    if (out_json == nullptr) return null_argument("out_json");
    *out_json = nullptr;
    if (post_id == nullptr || actor == nullptr) return null_argument("post_id and actor");
    board::BoardService* b = nullptr;
    if (cairn_status st = board_of(engine, b); st != CAIRN_OK || b == nullptr) return st;
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
    return hand_out_json(b->update_post(post_id, edit, actor), out_json, post_json);
  });
}

cairn_status cairn_board_delete_post(cairn_engine* engine, const char* post_id, const char* actor) {
  return guard([&] {
    if (post_id == nullptr || actor == nullptr) return null_argument("post_id and actor");
    board::BoardService* b = nullptr;
    if (cairn_status st = board_of(engine, b); st != CAIRN_OK || b == nullptr) return st;
    return from_status(b->delete_post(post_id, actor));
  });
}

cairn_status cairn_board_vote(int* out_voted, cairn_engine* engine, const char* post_id,
                              const char* user) {
  return guard([&] {
    if (out_voted == nullptr) return null_argument("out_voted");
    *out_voted = 0;
    if (post_id == nullptr || user == nullptr) return null_argument("post_id and user");
    board::BoardService* b = nullptr;
    if (cairn_status st = board_of(engine, b); st != CAIRN_OK || b == nullptr) return st;
    auto voted = b->vote(post_id, user);
    if (!voted) return set_error(voted.error());
    *out_voted = *voted ? 1 : 0;
    return set_ok();
  });
}

cairn_status cairn_board_set_vote(char** out_json, cairn_engine* engine, const char* post_id,
                                  const char* user, int voted) {
  return guard([&] {
    if (out_json == nullptr) return null_argument("out_json");
    *out_json = nullptr;
    if (post_id == nullptr || user == nullptr) return null_argument("post_id and user");
    board::BoardService* b = nullptr;
    if (cairn_status st = board_of(engine, b); st != CAIRN_OK || b == nullptr) return st;
    return hand_out_json(
        b->set_vote(post_id, user, voted != 0), out_json, [](const board::VoteResult& r) {
          return Json{{"voted", r.voted}, {"changed", r.changed}, {"vote_count", r.vote_count}};
        });
  });
}

cairn_status cairn_board_comment(char** out_json, cairn_engine* engine, const char* post_id,
                                 const char* author, const char* content, const char* parent_id) {
  return guard([&] {
    if (out_json == nullptr) return null_argument("out_json");
    *out_json = nullptr;
    if (post_id == nullptr || author == nullptr || content == nullptr) {
      return null_argument("post_id, author and content");
    }
    board::BoardService* b = nullptr;
    if (cairn_status st = board_of(engine, b); st != CAIRN_OK || b == nullptr) return st;
    return hand_out_json(b->comment(post_id, author, content, view(parent_id)), out_json,
                         comment_json);
  });
}

cairn_status cairn_board_edit_comment(char** out_json, cairn_engine* engine, const char* comment_id,
                                      const char* content, const char* actor) {
  return guard([&] {
    if (out_json == nullptr) return null_argument("out_json");
    *out_json = nullptr;
    if (comment_id == nullptr || content == nullptr || actor == nullptr) {
      return null_argument("comment_id, content and actor");
    }
    board::BoardService* b = nullptr;
    if (cairn_status st = board_of(engine, b); st != CAIRN_OK || b == nullptr) return st;
    return hand_out_json(b->edit_comment(comment_id, content, actor), out_json, comment_json);
  });
}

cairn_status cairn_board_delete_comment(cairn_engine* engine, const char* comment_id,
                                        const char* actor) {
  return guard([&] {
    if (comment_id == nullptr || actor == nullptr) return null_argument("comment_id and actor");
    board::BoardService* b = nullptr;
    if (cairn_status st = board_of(engine, b); st != CAIRN_OK || b == nullptr) return st;
    return from_status(b->delete_comment(comment_id, actor));
  });
}

cairn_status cairn_board_comments(char** out_json, cairn_engine* engine, const char* post_id) {
  return guard([&] {
    if (out_json == nullptr) return null_argument("out_json");
    *out_json = nullptr;
    if (post_id == nullptr) return null_argument("post_id");
    board::BoardService* b = nullptr;
    if (cairn_status st = board_of(engine, b); st != CAIRN_OK || b == nullptr) return st;
    return hand_out_array(b->comments(post_id), out_json, comment_json);
  });
}

cairn_status cairn_board_set_official_comment(char** out_json, cairn_engine* engine,
                                              const char* post_id, const char* comment_id,
                                              const char* actor) {
  return guard([&] {
    if (out_json == nullptr) return null_argument("out_json");
    *out_json = nullptr;
    if (post_id == nullptr || actor == nullptr) return null_argument("post_id and actor");
    board::BoardService* b = nullptr;
    if (cairn_status st = board_of(engine, b); st != CAIRN_OK || b == nullptr) return st;
    return hand_out_json(b->set_official_comment(post_id, view(comment_id), actor), out_json,
                         post_json);
  });
}

cairn_status cairn_board_set_status(char** out_json, cairn_engine* engine, const char* post_id,
                                    const char* status, const char* actor, const char* note) {
  return guard([&] {
    if (out_json == nullptr) return null_argument("out_json");
    *out_json = nullptr;
    if (post_id == nullptr || status == nullptr || actor == nullptr) {
      return null_argument("post_id, status and actor");
    }
    board::BoardService* b = nullptr;
    if (cairn_status st = board_of(engine, b); st != CAIRN_OK || b == nullptr) return st;
    auto parsed = board::parse_status(status);
    if (!parsed) return set_error(parsed.error());
    return hand_out_json(b->set_status(post_id, *parsed, actor, view(note)), out_json, post_json);
  });
}

cairn_status cairn_board_status_history(char** out_json, cairn_engine* engine,
                                        const char* post_id) {
  return guard([&] {
    if (out_json == nullptr) return null_argument("out_json");
    *out_json = nullptr;
    if (post_id == nullptr) return null_argument("post_id");
    board::BoardService* b = nullptr;
    if (cairn_status st = board_of(engine, b); st != CAIRN_OK || b == nullptr) return st;
    return hand_out_array(b->status_history(post_id), out_json, change_json);
  });
}

cairn_status cairn_board_list_posts(char** out_json, cairn_engine* engine, const char* project,
                                    const cairn_board_query* query) {
  return guard([&] {
    if (out_json == nullptr) return null_argument("out_json");
    *out_json = nullptr;
    if (project == nullptr) return null_argument("project");
    board::BoardService* b = nullptr;
    if (cairn_status st = board_of(engine, b); st != CAIRN_OK || b == nullptr) return st;
    board::ListQuery q;
    if (query != nullptr) {
      if (query->version == 0 || query->version > CAIRN_BOARD_QUERY_VERSION) {
        return set_error({cairn::ErrorCode::kInvalidArgument, "CAPI_OPTIONS_VERSION_UNSUPPORTED",
                          "cairn_board_query version " + std::to_string(query->version) +
                              " is not supported by this library"});
      }
      std::optional<board::Sort> sort;
      if (cairn_status st = optional_name(query->sort, board::parse_sort, sort); st != CAIRN_OK) {
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
    return hand_out_json(b->list_posts(project, q), out_json, [](const board::Page& page) {
      Json items = Json::array();
      for (const board::Post& p : page.items) items.push_back(post_json(p));
      return Json{{"items", std::move(items)}, {"next_cursor", id_or_null(page.next_cursor)}};
    });
  });
}

cairn_status cairn_board_search(char** out_json, cairn_engine* engine, const char* project,
                                const char* query, int32_t limit, const char* viewer) {
  return guard([&] {
    if (out_json == nullptr) return null_argument("out_json");
    *out_json = nullptr;
    if (project == nullptr || query == nullptr) return null_argument("project and query");
    board::BoardService* b = nullptr;
    if (cairn_status st = board_of(engine, b); st != CAIRN_OK || b == nullptr) return st;
    return hand_out_array(b->search(project, query, limit, view(viewer)), out_json, post_json);
  });
}

cairn_status cairn_board_merge(char** out_json, cairn_engine* engine, const char* source_id,
                               const char* target_id, const char* actor) {
  return guard([&] {
    if (out_json == nullptr) return null_argument("out_json");
    *out_json = nullptr;
    if (source_id == nullptr || target_id == nullptr || actor == nullptr) {
      return null_argument("source_id, target_id and actor");
    }
    board::BoardService* b = nullptr;
    if (cairn_status st = board_of(engine, b); st != CAIRN_OK || b == nullptr) return st;
    return hand_out_json(b->merge(source_id, target_id, actor), out_json, post_json);
  });
}

cairn_status cairn_board_recount(int64_t* out_votes, int64_t* out_comments, cairn_engine* engine,
                                 const char* post_id) {
  return guard([&] {
    if (out_votes == nullptr || out_comments == nullptr) {
      return null_argument("out_votes and out_comments");
    }
    *out_votes = 0;
    *out_comments = 0;
    if (post_id == nullptr) return null_argument("post_id");
    board::BoardService* b = nullptr;
    if (cairn_status st = board_of(engine, b); st != CAIRN_OK || b == nullptr) return st;
    auto counts = b->recount(post_id);
    if (!counts) return set_error(counts.error());
    *out_votes = counts->votes;
    *out_comments = counts->comments;
    return set_ok();
  });
}
