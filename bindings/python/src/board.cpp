// cairn._core.board: engine.board (projects, posts, votes, comments, statuses, ranking, search,
// merging duplicates).
//
// Statuses, categories and sorts cross this edge as their names; times as aware datetimes
// (conversions.hpp). Every call that reaches the engine goes through ServiceHandle.
#include <pybind11/stl.h>

#include <optional>

#include "cairn/board/service.hpp"
#include "conversions.hpp"
#include "engine.hpp"

namespace cairn::python {
namespace {

using board::BoardService;
using board::Comment;
using board::Page;
using board::Post;
using board::Project;
using board::StatusChange;

BoardService& board_of(Engine& engine) { return engine.board(); }

// engine.board.
using PyBoard = ServiceHandle<BoardService, &board_of>;

py::object text_or_none(const std::string& text) {
  if (text.empty()) return py::none();
  return py::str(text);
}

py::str name_of(std::string_view name) { return {name.data(), name.size()}; }

std::string opt(const std::optional<std::string>& text) { return text.value_or(std::string()); }

}  // namespace

void bind_board(py::module_& core, py::class_<PyEngine>& engine_class) {
  py::module_ m = core.def_submodule("board", "The engine's feedback board (engine.board).");

  py::class_<Project>(m, "Project", "A board: posts live in exactly one project.")
      .def_readonly("id", &Project::id)
      .def_readonly("slug", &Project::slug)
      .def_readonly("name", &Project::name)
      .def_readonly("description", &Project::description)
      .def_readonly("created_at", &Project::created_at)
      .def("__repr__", [](const Project& p) { return "<cairn.board.Project " + p.slug + ">"; });

  py::class_<Post>(m, "Post", "A post as its viewer sees it.")
      .def_readonly("id", &Post::id)
      .def_readonly("project_id", &Post::project_id)
      .def_readonly("project", &Post::project, "The project's slug.")
      .def_readonly("title", &Post::title)
      .def_readonly("description", &Post::description)
      .def_property_readonly("status", [](const Post& p) { return name_of(status_name(p.status)); })
      .def_property_readonly("category",
                             [](const Post& p) { return name_of(category_name(p.category)); })
      .def_property_readonly("tags",
                             [](const Post& p) {
                               py::tuple out(p.tags.size());
                               for (size_t i = 0; i < p.tags.size(); ++i) out[i] = p.tags[i];
                               return out;
                             })
      .def_readonly("author", &Post::author)
      .def_readonly("vote_count", &Post::vote_count)
      .def_readonly("comment_count", &Post::comment_count)
      .def_readonly("created_at", &Post::created_at)
      .def_readonly("updated_at", &Post::updated_at)
      .def_property_readonly(
          "merged_into", [](const Post& p) { return text_or_none(p.merged_into); },
          "The id of the post this one was merged into, or None.")
      .def_property_readonly(
          "official_comment_id", [](const Post& p) { return text_or_none(p.official_comment_id); },
          "The comment pinned as the official response, or None.")
      .def_readonly("voted", &Post::voted, "Whether the viewer votes for the post.")
      .def("__repr__", [](const Post& p) {
        return "<cairn.board.Post " + p.id + " " + p.title + " (" +
               std::string(status_name(p.status)) + ", " + std::to_string(p.vote_count) +
               " votes)>";
      });

  py::class_<Comment>(m, "Comment",
                      "A comment; a deleted one with replies is a tombstone (deleted, no author "
                      "or content).")
      .def_readonly("id", &Comment::id)
      .def_readonly("post_id", &Comment::post_id)
      .def_property_readonly("parent_id",
                             [](const Comment& c) { return text_or_none(c.parent_id); })
      .def_readonly("author", &Comment::author)
      .def_readonly("content", &Comment::content)
      .def_readonly("created_at", &Comment::created_at)
      .def_readonly("updated_at", &Comment::updated_at)
      .def_readonly("edited", &Comment::edited)
      .def_readonly("deleted", &Comment::deleted)
      .def("__repr__", [](const Comment& c) {
        return "<cairn.board.Comment " + c.id + (c.deleted ? " (deleted)" : " by " + c.author) +
               ">";
      });

  py::class_<StatusChange>(m, "StatusChange", "One status change: who, when, from, to, why.")
      .def_readonly("post_id", &StatusChange::post_id)
      .def_property_readonly("from_status",
                             [](const StatusChange& c) { return name_of(status_name(c.from)); })
      .def_property_readonly("to_status",
                             [](const StatusChange& c) { return name_of(status_name(c.to)); })
      .def_readonly("actor", &StatusChange::actor)
      .def_property_readonly("note", [](const StatusChange& c) { return text_or_none(c.note); })
      .def_readonly("at", &StatusChange::at)
      .def("__repr__", [](const StatusChange& c) {
        return "<cairn.board.StatusChange " + std::string(status_name(c.from)) + " -> " +
               std::string(status_name(c.to)) + " by " + c.actor + ">";
      });

  py::class_<Page>(m, "Page", "One page of posts and the cursor of the next (None at the end).")
      .def_readonly("items", &Page::items)
      .def_property_readonly("next_cursor",
                             [](const Page& p) { return text_or_none(p.next_cursor); })
      .def("__len__", [](const Page& p) { return p.items.size(); })
      .def(
          "__iter__",
          [](const Page& p) { return py::make_iterator(p.items.begin(), p.items.end()); },
          py::keep_alive<0, 1>());

  using Str = const std::string&;
  using OptStr = const std::optional<std::string>&;
  py::class_<PyBoard>(m, "BoardService",
                      "The engine's feedback board. Actors are recorded, never checked: who may "
                      "do what is the caller's decision.")
      .def(
          "create_project",
          [](PyBoard& s, Str slug, Str name, Str description) {
            return s.call(
                [&](BoardService& b) { return b.create_project(slug, name, description); });
          },
          py::arg("slug"), py::arg("name"), py::arg("description") = "",
          "Creates a project. slug: [a-z0-9-]{1,64}. AlreadyExistsError (BOARD_PROJECT_EXISTS).")
      .def(
          "project",
          [](PyBoard& s, Str slug) {
            return s.call([&](BoardService& b) { return b.project(slug); });
          },
          py::arg("slug"), "NotFoundError (BOARD_PROJECT_NOT_FOUND) when there is none.")
      .def(
          "projects",
          [](PyBoard& s) { return s.call([&](BoardService& b) { return b.projects(); }); },
          "Every project, ordered by slug.")
      .def(
          "create_post",
          [](PyBoard& s, Str project, Str author, Str title, Str description, Str category,
             const std::vector<std::string>& tags) {
            board::Category c = unwrap(board::parse_category(category));
            return s.call([&](BoardService& b) {
              return b.create_post(project, author, title, description, c, tags);
            });
          },
          py::arg("project"), py::arg("author"), py::arg("title"), py::arg("description") = "",
          py::arg("category") = "feedback", py::arg("tags") = std::vector<std::string>(),
          "Creates an open post in project (a slug).")
      .def(
          "get_post",
          [](PyBoard& s, Str post_id, OptStr viewer) {
            return s.call([&](BoardService& b) { return b.get_post(post_id, opt(viewer)); });
          },
          py::arg("post_id"), py::arg("viewer") = py::none(),
          "The post, with .voted for viewer. NotFoundError (BOARD_POST_NOT_FOUND).")
      .def(
          "update_post",
          [](PyBoard& s, Str post_id, Str actor, OptStr title, OptStr description, OptStr category,
             const std::optional<std::vector<std::string>>& tags) {
            board::PostEdit edit;
            edit.title = title;
            edit.description = description;
            if (category) edit.category = unwrap(board::parse_category(*category));
            edit.tags = tags;
            return s.call([&](BoardService& b) { return b.update_post(post_id, edit, actor); });
          },
          py::arg("post_id"), py::arg("actor"), py::kw_only(), py::arg("title") = py::none(),
          py::arg("description") = py::none(), py::arg("category") = py::none(),
          py::arg("tags") = py::none(), "Changes the fields given; the others stay.")
      .def(
          "delete_post",
          [](PyBoard& s, Str post_id, Str actor) {
            s.call([&](BoardService& b) { return b.delete_post(post_id, actor); });
          },
          py::arg("post_id"), py::arg("actor"), "Deletes the post: it disappears from every read.")
      .def(
          "vote",
          [](PyBoard& s, Str post_id, Str user) {
            return s.call([&](BoardService& b) { return b.vote(post_id, user); });
          },
          py::arg("post_id"), py::arg("user"),
          "Toggles user's vote; True when the user now votes for the post.")
      .def(
          "set_vote",
          [](PyBoard& s, Str post_id, Str user, bool voted) {
            return s.call([&](BoardService& b) { return b.set_vote(post_id, user, voted); })
                .changed;
          },
          py::arg("post_id"), py::arg("user"), py::arg("voted"),
          "Makes user vote or not (idempotent); True when this changed anything.")
      .def(
          "comment",
          [](PyBoard& s, Str post_id, Str author, Str content, OptStr parent_id) {
            return s.call([&](BoardService& b) {
              return b.comment(post_id, author, content, opt(parent_id));
            });
          },
          py::arg("post_id"), py::arg("author"), py::arg("content"),
          py::arg("parent_id") = py::none(), "Adds a comment, or a reply to parent_id.")
      .def(
          "edit_comment",
          [](PyBoard& s, Str comment_id, Str content, Str actor) {
            return s.call(
                [&](BoardService& b) { return b.edit_comment(comment_id, content, actor); });
          },
          py::arg("comment_id"), py::arg("content"), py::arg("actor"))
      .def(
          "delete_comment",
          [](PyBoard& s, Str comment_id, Str actor) {
            s.call([&](BoardService& b) { return b.delete_comment(comment_id, actor); });
          },
          py::arg("comment_id"), py::arg("actor"),
          "Deletes a comment; one with live replies stays as a tombstone.")
      .def(
          "comments",
          [](PyBoard& s, Str post_id) {
            return s.call([&](BoardService& b) { return b.comments(post_id); });
          },
          py::arg("post_id"), "The post's comments in thread order.")
      .def(
          "set_official_comment",
          [](PyBoard& s, Str post_id, OptStr comment_id, Str actor) {
            return s.call([&](BoardService& b) {
              return b.set_official_comment(post_id, opt(comment_id), actor);
            });
          },
          py::arg("post_id"), py::arg("comment_id"), py::arg("actor"),
          "Pins a comment as the official response (None unpins).")
      .def(
          "set_status",
          [](PyBoard& s, Str post_id, Str status, Str actor, OptStr note) {
            board::PostStatus st = unwrap(board::parse_status(status));
            return s.call(
                [&](BoardService& b) { return b.set_status(post_id, st, actor, opt(note)); });
          },
          py::arg("post_id"), py::arg("status"), py::arg("actor"), py::arg("note") = py::none(),
          "Sets the status; a change is recorded in status_history().")
      .def(
          "status_history",
          [](PyBoard& s, Str post_id) {
            return s.call([&](BoardService& b) { return b.status_history(post_id); });
          },
          py::arg("post_id"), "The post's status changes, oldest first.")
      .def(
          "list_posts",
          [](PyBoard& s, Str project, Str sort, OptStr status, OptStr category, OptStr tag,
             OptStr author, OptStr voted_by, OptStr viewer, int limit, OptStr cursor) {
            board::ListQuery q;
            q.sort = unwrap(board::parse_sort(sort));
            if (status) q.status = unwrap(board::parse_status(*status));
            if (category) q.category = unwrap(board::parse_category(*category));
            q.tag = opt(tag);
            q.author = opt(author);
            q.voted_by = opt(voted_by);
            q.viewer = opt(viewer);
            q.limit = limit;
            q.cursor = opt(cursor);
            return s.call([&](BoardService& b) { return b.list_posts(project, q); });
          },
          py::arg("project"), py::arg("sort") = "newest", py::arg("status") = py::none(),
          py::arg("category") = py::none(), py::arg("tag") = py::none(),
          py::arg("author") = py::none(), py::arg("voted_by") = py::none(),
          py::arg("viewer") = py::none(), py::arg("limit") = 20, py::arg("cursor") = py::none(),
          "One page of the project's posts; pass page.next_cursor for the next one.")
      .def(
          "search",
          [](PyBoard& s, Str project, Str query, int limit, OptStr viewer) {
            return s.call(
                [&](BoardService& b) { return b.search(project, query, limit, opt(viewer)); });
          },
          py::arg("project"), py::arg("query"), py::arg("limit") = 20,
          py::arg("viewer") = py::none(), "Posts matching every word of query, best first.")
      .def(
          "merge",
          [](PyBoard& s, Str source_id, Str target_id, Str actor) {
            return s.call([&](BoardService& b) { return b.merge(source_id, target_id, actor); });
          },
          py::arg("source_id"), py::arg("target_id"), py::arg("actor"),
          "Merges a duplicate into target_id; returns the target.")
      .def(
          "recount",
          [](PyBoard& s, Str post_id) {
            board::Counts c = s.call([&](BoardService& b) { return b.recount(post_id); });
            return py::make_tuple(c.votes, c.comments);
          },
          py::arg("post_id"), "(votes, comments) counted from the stored rows.");

  bind_service_property<PyBoard>(engine_class, "board", "The engine's feedback board.");
}

}  // namespace cairn::python
