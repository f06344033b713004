"""Board: a feedback board's projects, posts, votes, threaded comments, statuses and their
history, ranking, full-text search and merging of duplicates (``engine.board``)::

    b = engine.board
    b.create_project("app", "My App")
    post = b.create_post("app", "ada", "Dark mode", "Please", category="feature", tags=["ui"])
    b.vote(post.id, "bob")                      # True: bob now votes for it
    b.comment(post.id, "carol", "+1")
    page = b.list_posts("app", sort="trending", viewer="bob")
    page.items[0].voted                         # True
    more = b.list_posts("app", sort="trending", viewer="bob", cursor=page.next_cursor)

Statuses are ``STATUSES``, categories ``CATEGORIES`` and sorts ``SORTS``; any other name raises
InvalidArgumentError (BOARD_STATUS_INVALID, BOARD_CATEGORY_INVALID, BOARD_SORT_INVALID). Vote and
comment counts are exact: ``recount(post_id)`` counts the stored rows and always equals them.
Cursors fix the listing's snapshot time, so paging neither repeats nor skips posts while posts
and votes arrive. Actors are recorded but never checked: who may do what is the caller's
decision. Times are aware datetimes in UTC. See docs/board.md.
"""

from ._core import board as _board

Project = _board.Project
Post = _board.Post
Comment = _board.Comment
StatusChange = _board.StatusChange
Page = _board.Page
BoardService = _board.BoardService

STATUSES = ("open", "planned", "in_progress", "done", "declined")
CATEGORIES = ("feedback", "bug", "feature", "question")
SORTS = ("newest", "oldest", "most_votes", "least_votes", "recently_updated", "trending", "hot")

__all__ = [
    "CATEGORIES", "SORTS", "STATUSES", "BoardService", "Comment", "Page", "Post", "Project",
    "StatusChange",
]
