"""cairn.board and engine.board on memory: and sqlite:."""

import pytest

import cairn
from conftest import at
from cairn import board

T0 = 1_800_000_000  # any fixed start works


class Clock:
    """A clock a test moves by hand: the engine's `clock=` callable."""

    def __init__(self, start=T0):
        self.now = start

    def __call__(self):
        return at(self.now)


@pytest.fixture(params=["memory", "sqlite"])
def setup(request, tmp_path):
    clock = Clock()
    uri = "memory:" if request.param == "memory" else f"sqlite:{tmp_path / 'board.db'}"
    with cairn.open(uri, clock=clock) as engine:
        engine.board.create_project("app", "My App", "feedback for the app")
        yield engine.board, clock


def make(b, clock, title, **kwargs):
    clock.now += 1
    return b.create_post("app", kwargs.pop("author", "ada"), title, **kwargs)


def test_posts_votes_and_the_viewer(setup):
    b, clock = setup
    post = make(b, clock, "Dark mode", description="Please", category="feature", tags=["ui", "ui"])
    assert isinstance(post, board.Post)
    assert (post.title, post.status, post.category, post.tags) == \
        ("Dark mode", "open", "feature", ("ui",))
    assert (post.vote_count, post.comment_count, post.voted, post.merged_into) == (0, 0, False, None)
    assert post.project == "app" and post.author == "ada" and post.created_at == at(T0 + 1)
    assert b.vote(post.id, "bob") is True
    assert b.vote(post.id, "carol") is True
    assert b.vote(post.id, "carol") is False
    assert b.set_vote(post.id, "bob", True) is False
    assert b.set_vote(post.id, "dave", True) is True
    assert b.get_post(post.id, viewer="bob").voted is True
    assert b.get_post(post.id, viewer="carol").voted is False
    assert b.get_post(post.id).vote_count == 2
    assert b.recount(post.id) == (2, 0)
    assert b.project("app").description == "feedback for the app"
    assert [p.slug for p in b.projects()] == ["app"]


def test_bad_input_is_refused(setup):
    b, clock = setup
    with pytest.raises(cairn.InvalidArgumentError) as e:
        b.create_post("app", "ada", "   ")
    assert e.value.reason == "BOARD_TITLE_INVALID"
    with pytest.raises(ValueError) as e:
        b.create_post("app", "ada", "x" * 201)
    assert e.value.reason == "BOARD_TITLE_INVALID"
    with pytest.raises(cairn.InvalidArgumentError) as e:
        b.create_post("app", "ada", "t", category="idea")
    assert e.value.reason == "BOARD_CATEGORY_INVALID"
    with pytest.raises(cairn.InvalidArgumentError) as e:
        b.create_project("Bad Slug", "x")
    assert e.value.reason == "BOARD_SLUG_INVALID"
    with pytest.raises(cairn.AlreadyExistsError) as e:
        b.create_project("app", "x")
    assert e.value.reason == "BOARD_PROJECT_EXISTS"
    with pytest.raises(cairn.NotFoundError) as e:
        b.get_post("nope")
    assert e.value.reason == "BOARD_POST_NOT_FOUND"
    post = make(b, clock, "Fine")
    with pytest.raises(cairn.InvalidArgumentError) as e:
        b.set_status(post.id, "closed", "admin")
    assert e.value.reason == "BOARD_STATUS_INVALID"
    with pytest.raises(cairn.InvalidArgumentError) as e:
        b.list_posts("app", sort="top")
    assert e.value.reason == "BOARD_SORT_INVALID"
    with pytest.raises(cairn.InvalidArgumentError) as e:
        b.list_posts("app", limit=0)
    assert e.value.reason == "BOARD_LIMIT_INVALID"
    assert [p.id for p in b.list_posts("app").items] == [post.id]


def test_comments_tombstones_and_the_official_response(setup):
    b, clock = setup
    post = make(b, clock, "Dark mode")
    first = b.comment(post.id, "bob", "first")
    assert isinstance(first, board.Comment) and first.parent_id is None
    reply = b.comment(post.id, "carol", "reply", parent_id=first.id)
    assert reply.parent_id == first.id
    assert b.set_official_comment(post.id, reply.id, "admin").official_comment_id == reply.id
    b.delete_comment(first.id, "bob")
    thread = b.comments(post.id)
    assert [c.id for c in thread] == [first.id, reply.id]
    assert thread[0].deleted and thread[0].content == "" and thread[0].author == ""
    assert b.get_post(post.id).comment_count == 1
    assert b.edit_comment(reply.id, "edited", "carol").edited
    with pytest.raises(cairn.InvalidArgumentError) as e:
        b.comment(post.id, "x", "y", parent_id=first.id)
    assert e.value.reason == "BOARD_PARENT_INVALID"
    b.delete_comment(reply.id, "carol")
    assert b.comments(post.id) == []
    assert b.get_post(post.id).official_comment_id is None
    assert b.recount(post.id) == (0, 0)


def test_status_history(setup):
    b, clock = setup
    post = make(b, clock, "Dark mode")
    clock.now += 60
    assert b.set_status(post.id, "planned", "admin", note="next sprint").status == "planned"
    clock.now += 60
    b.set_status(post.id, "in_progress", "lead")
    history = b.status_history(post.id)
    assert [(h.from_status, h.to_status, h.actor, h.note) for h in history] == [
        ("open", "planned", "admin", "next sprint"), ("planned", "in_progress", "lead", None)]
    assert history[0].at == at(T0 + 61)
    assert b.get_post(post.id).updated_at == at(T0 + 121)


def test_search_and_merge(setup):
    b, clock = setup
    orig = make(b, clock, "Dark mode", description="for the editor")
    dup = make(b, clock, "Dark theme please")
    other = make(b, clock, "Export to CSV")
    for u in ("a", "b"):
        b.vote(dup.id, u)
    b.vote(orig.id, "b")
    b.comment(dup.id, "a", "me too")
    assert {p.id for p in b.search("app", "dark")} == {orig.id, dup.id}
    assert [p.id for p in b.search("app", "EDIT")] == [orig.id]
    assert [p.id for p in b.search("app", "csv", limit=1)] == [other.id]
    assert b.search("app", "   ") == []
    target = b.merge(dup.id, orig.id, "admin")
    assert (target.id, target.vote_count, target.comment_count) == (orig.id, 2, 1)
    assert b.get_post(dup.id).merged_into == orig.id
    assert b.recount(dup.id) == (0, 0) and b.recount(orig.id) == (2, 1)
    with pytest.raises(cairn.FailedPreconditionError) as e:
        b.vote(dup.id, "z")
    assert e.value.reason == "BOARD_POST_MERGED"
    assert [p.id for p in b.search("app", "dark")] == [orig.id]
    b.delete_post(other.id, "admin")
    with pytest.raises(cairn.NotFoundError):
        b.get_post(other.id)
    updated = b.update_post(orig.id, "admin", title="Dark mode everywhere", tags=["ui"])
    assert updated.title == "Dark mode everywhere" and updated.tags == ("ui",)
    assert updated.description == "for the editor"


def test_board_needs_an_open_engine():
    engine = cairn.open("memory:")
    b = engine.board
    engine.close()
    with pytest.raises(cairn.FailedPreconditionError) as e:
        b.projects()
    assert e.value.reason == "ENGINE_CLOSED"
