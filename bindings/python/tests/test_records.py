"""cairn.records and engine.records on memory: and sqlite:."""

import collections
import threading

import pytest

import cairn
from cairn import records
from conftest import at

T0 = 1_800_000_000


class Clock:
    """A clock a test moves by hand: the engine's `clock=` callable."""

    def __init__(self, start=T0):
        self.now = start

    def __call__(self):
        return at(self.now)


@pytest.fixture(params=["memory", "sqlite"])
def setup(request, tmp_path):
    clock = Clock()
    uri = "memory:" if request.param == "memory" else f"sqlite:{tmp_path / 'records.db'}"
    with cairn.open(uri, clock=clock) as engine:
        engine.records.define("sessions", unique=["name"], indexes=["folder", "state", "n", "up"])
        yield engine.records, clock


def reason_of(info):
    return info.value.reason


SESSIONS = {
    "s1": {"name": "a", "folder": "/srv", "state": "up", "n": 3, "up": True},
    "s2": {"name": "b", "folder": "/srv", "state": "down", "n": 1, "up": False},
    "s3": {"name": "c", "folder": "/home", "state": "up", "n": 2, "up": True},
    "s4": {"name": "d", "folder": "/srv", "state": "up", "n": 5, "up": True},
    "s5": {"name": "e", "state": "up", "up": True},
}


def fill(r, clock):
    for id_, value in SESSIONS.items():
        clock.now += 1
        assert r.put("sessions", id_, value) == 1


def walk(r, **kwargs):
    """Every page of a listing (at most 20), as the ids in order."""
    ids, cursor = [], None
    for _ in range(20):
        page = r.list("sessions", cursor=cursor, **kwargs)
        ids += [item.id for item in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return ids
    pytest.fail("the listing did not end")


def test_the_service_and_its_types_are_exported(engine):
    assert isinstance(engine.records, records.RecordsService)
    assert records.MAX_RECORD_BYTES == 256 * 1024
    assert records.MAX_COLLECTION_NAME_BYTES == 64
    assert records.MAX_ID_BYTES == 128
    assert records.MAX_LIST_LIMIT == 1000
    assert records.MAX_BATCH_RECORDS == 1000
    assert records.MAX_INDEXED_FIELDS == 16
    assert records.MAX_FIELD_NAME_BYTES == 64
    assert records.MAX_INDEXED_STRING_BYTES == 512
    assert "records" in cairn.__all__


def test_define_is_idempotent_and_refuses_another_spec(setup):
    r, _ = setup
    r.define("sessions", unique=["name"], indexes=["up", "n", "state", "folder"])
    spec = r.spec("sessions")
    assert isinstance(spec, records.CollectionSpec)
    assert spec.unique == ["name"]
    assert sorted(spec.indexes) == ["folder", "n", "state", "up"]
    with pytest.raises(cairn.FailedPreconditionError) as info:
        r.define("sessions", indexes=["folder"])
    assert reason_of(info) == "RECORDS_COLLECTION_SPEC_MISMATCH"
    r.define("notes")
    assert r.spec("notes").unique == [] and r.spec("notes").indexes == []
    assert r.collections() == ["notes", "sessions"]
    with pytest.raises(cairn.InvalidArgumentError) as info:
        r.define("Bad-Name")
    assert reason_of(info) == "RECORDS_COLLECTION_NAME_INVALID"
    with pytest.raises(cairn.InvalidArgumentError) as info:
        r.define("other", indexes=["a b"])
    assert reason_of(info) == "RECORDS_FIELD_NAME_INVALID"
    with pytest.raises(cairn.InvalidArgumentError) as info:
        r.define("other", indexes=["a", "a"])
    assert reason_of(info) == "RECORDS_SPEC_INVALID"
    with pytest.raises(cairn.NotFoundError) as info:
        r.spec("other")
    assert reason_of(info) == "RECORDS_COLLECTION_NOT_FOUND"
    with pytest.raises(TypeError):
        r.define("other", indexes="folder")


def test_put_get_versions_and_times(setup):
    r, clock = setup
    assert r.put("sessions", "s1", {"name": "api", "folder": "/srv", "tags": ["x"], "n": 1}) == 1
    record = r.get("sessions", "s1")
    assert isinstance(record, records.Record)
    assert (record.id, record.version) == ("s1", 1)
    assert record.value == {"name": "api", "folder": "/srv", "tags": ["x"], "n": 1}
    assert record.created_at == at(T0) and record.updated_at == at(T0)
    assert record.created_at.tzinfo is not None
    record.value["name"] = "changed"  # a new dict each time
    assert r.get("sessions", "s1").value["name"] == "api"
    clock.now += 5
    assert r.put("sessions", "s1", {"name": "api", "state": "down"}, expected_version=1) == 2
    record = r.get("sessions", "s1")
    assert record.version == 2 and record.value == {"name": "api", "state": "down"}
    assert record.created_at == at(T0) and record.updated_at == at(T0 + 5)
    assert r.put("sessions", "s1", {"name": "api"}) == 3
    assert r.get("sessions", "nope") is None
    assert "s1" in repr(record)


def test_compare_and_swap(setup):
    r, _ = setup
    assert r.put("sessions", "s1", {"name": "a"}, expected_version=0) == 1
    for expected in (0, 2):
        with pytest.raises(cairn.AbortedError) as info:
            r.put("sessions", "s1", {"name": "b"}, expected_version=expected)
        assert reason_of(info) == "RECORDS_VERSION_CONFLICT"
    with pytest.raises(cairn.AbortedError) as info:
        r.put("sessions", "s9", {"name": "c"}, expected_version=1)
    assert reason_of(info) == "RECORDS_VERSION_CONFLICT"
    assert r.get("sessions", "s1").value == {"name": "a"}
    assert r.get("sessions", "s9") is None
    with pytest.raises(cairn.AbortedError) as info:
        r.delete("sessions", "s1", expected_version=2)
    assert reason_of(info) == "RECORDS_VERSION_CONFLICT"
    r.delete("sessions", "s1", expected_version=1)
    assert r.get("sessions", "s1") is None
    with pytest.raises(TypeError):
        r.put("sessions", "s1", {"name": "a"}, expected_version="1")


def test_cas_between_two_threads_lets_one_win(setup):
    r, _ = setup
    r.put("sessions", "s1", {"name": "a", "n": 0})
    outcomes = []

    def write(n):
        try:
            outcomes.append(r.put("sessions", "s1", {"name": "a", "n": n}, expected_version=1))
        except cairn.AbortedError as e:
            outcomes.append(e.reason)

    threads = [threading.Thread(target=write, args=(n,)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes, key=str) == [2, "RECORDS_VERSION_CONFLICT"]
    assert r.get("sessions", "s1").version == 2


def test_unique_fields(setup):
    r, _ = setup
    r.put("sessions", "s1", {"name": "api", "state": "up"})
    with pytest.raises(cairn.AlreadyExistsError) as info:
        r.put("sessions", "s2", {"name": "api"})
    assert reason_of(info) == "RECORDS_UNIQUE_VIOLATION"
    assert isinstance(info.value, cairn.Error)
    assert r.get("sessions", "s2") is None
    assert r.count("sessions") == 1
    r.put("sessions", "s1", {"name": "web"})  # the record itself may change its value
    r.put("sessions", "s2", {"name": "api"})  # and the old value is free again
    assert r.count("sessions") == 2


def test_delete(setup):
    r, _ = setup
    r.put("sessions", "s1", {"name": "a"})
    r.put("sessions", "s1", {"name": "a"})
    r.delete("sessions", "s1")
    assert r.get("sessions", "s1") is None
    with pytest.raises(cairn.NotFoundError) as info:
        r.delete("sessions", "s1")
    assert reason_of(info) == "RECORDS_RECORD_NOT_FOUND"
    assert r.put("sessions", "s1", {"name": "a"}) == 1  # the id starts again


def test_bad_input_is_refused_and_changes_nothing(setup):
    r, _ = setup
    r.put("sessions", "s1", {"name": "a", "n": 1})
    cases = [
        (lambda: r.put("sessions", "s2", [1, 2]), cairn.InvalidArgumentError,
         "RECORDS_VALUE_INVALID"),
        (lambda: r.put("sessions", "s2", "text"), cairn.InvalidArgumentError,
         "RECORDS_VALUE_INVALID"),
        (lambda: r.put("sessions", "s2", {"folder": ["x"]}), cairn.InvalidArgumentError,
         "RECORDS_FIELD_VALUE_INVALID"),
        (lambda: r.put("sessions", "s2", {"n": 1.5}), cairn.InvalidArgumentError,
         "RECORDS_FIELD_VALUE_INVALID"),
        (lambda: r.put("sessions", "s2", {"blob": "x" * records.MAX_RECORD_BYTES}),
         cairn.InvalidArgumentError, "RECORDS_VALUE_TOO_LARGE"),
        (lambda: r.put("sessions", "bad id", {}), cairn.InvalidArgumentError,
         "RECORDS_ID_INVALID"),
        (lambda: r.put("nope", "s2", {}), cairn.NotFoundError, "RECORDS_COLLECTION_NOT_FOUND"),
        (lambda: r.get("sessions", "bad id"), cairn.InvalidArgumentError, "RECORDS_ID_INVALID"),
        (lambda: r.get("nope", "s1"), cairn.NotFoundError, "RECORDS_COLLECTION_NOT_FOUND"),
        (lambda: r.delete("nope", "s1"), cairn.NotFoundError, "RECORDS_COLLECTION_NOT_FOUND"),
        (lambda: r.list("sessions", where={"color": "red"}), cairn.InvalidArgumentError,
         "RECORDS_FIELD_NOT_INDEXED"),
        (lambda: r.list("sessions", order_by="color"), cairn.InvalidArgumentError,
         "RECORDS_FIELD_NOT_INDEXED"),
        (lambda: r.list("sessions", limit=0), cairn.InvalidArgumentError,
         "RECORDS_LIMIT_INVALID"),
        (lambda: r.list("sessions", limit=records.MAX_LIST_LIMIT + 1), cairn.InvalidArgumentError,
         "RECORDS_LIMIT_INVALID"),
        (lambda: r.list("sessions", cursor="not-a-cursor"), cairn.InvalidArgumentError,
         "RECORDS_CURSOR_INVALID"),
        (lambda: r.list("nope"), cairn.NotFoundError, "RECORDS_COLLECTION_NOT_FOUND"),
        (lambda: r.count("sessions", where={"color": "red"}), cairn.InvalidArgumentError,
         "RECORDS_FIELD_NOT_INDEXED"),
        (lambda: r.count("nope"), cairn.NotFoundError, "RECORDS_COLLECTION_NOT_FOUND"),
    ]
    for call, error, reason in cases:
        with pytest.raises(error) as info:
            call()
        assert reason_of(info) == reason
    assert r.count("sessions") == 1
    assert r.get("sessions", "s1").value == {"name": "a", "n": 1}
    assert r.get("sessions", "s1").version == 1


def test_values_python_cannot_express_as_where_are_type_errors(setup):
    r, _ = setup
    for where in ({"n": 1.5}, {"n": None}, {"n": [1]}, {1: "x"}, ["n"]):
        with pytest.raises(TypeError):
            r.count("sessions", where=where)
    with pytest.raises(OverflowError):
        r.count("sessions", where={"n": 2**63})
    with pytest.raises(TypeError):
        r.put("sessions", "s1", {"f": object()})  # json.dumps cannot write it
    with pytest.raises(ValueError):
        r.put("sessions", "s1", {"f": float("nan")})
    assert r.count("sessions") == 0


def test_where_on_text_integers_and_booleans(setup):
    r, clock = setup
    fill(r, clock)
    assert r.count("sessions") == 5
    assert r.count("sessions", where=None) == 5
    assert r.count("sessions", where={}) == 5
    assert r.count("sessions", where={"state": "up"}) == 4
    assert r.count("sessions", where={"n": 1}) == 1
    assert r.count("sessions", where={"up": False}) == 1
    assert r.count("sessions", where={"up": True, "folder": "/srv"}) == 2
    # A bool is not the integer 1, and an integer is not the text "1".
    assert r.count("sessions", where={"n": True}) == 0
    assert r.count("sessions", where={"n": "1"}) == 0
    # Any mapping will do.
    assert r.count("sessions", where=collections.OrderedDict(state="down")) == 1
    page = r.list("sessions", where={"up": True, "folder": "/srv"})
    assert [item.id for item in page.items] == ["s1", "s4"]
    assert page.next_cursor is None
    assert len(page) == 2 and [item.id for item in page] == ["s1", "s4"]


def test_order_and_pages_walked_to_the_end(setup):
    r, clock = setup
    fill(r, clock)
    # Absent fields first, then by value, ties by id.
    assert walk(r, where={"state": "up"}, order_by="n", limit=2) == ["s5", "s3", "s1", "s4"]
    assert walk(r, where={"state": "up"}, order_by="n", descending=True, limit=2) == \
        ["s4", "s1", "s3", "s5"]
    assert walk(r, order_by="folder", limit=1) == ["s5", "s3", "s1", "s2", "s4"]
    assert walk(r, order_by="up", limit=3) == ["s2", "s1", "s3", "s4", "s5"]
    assert walk(r, limit=2) == ["s1", "s2", "s3", "s4", "s5"]
    assert walk(r, order_by="created_at", descending=True, limit=2) == \
        ["s5", "s4", "s3", "s2", "s1"]
    assert walk(r, order_by="id", descending=True, limit=4) == ["s5", "s4", "s3", "s2", "s1"]
    clock.now += 10
    r.put("sessions", "s2", SESSIONS["s2"])
    assert walk(r, order_by="updated_at", limit=2)[-1] == "s2"


def test_cursors_are_stable_and_belong_to_their_listing(setup):
    r, clock = setup
    fill(r, clock)
    first = r.list("sessions", order_by="n", limit=2)
    assert [item.id for item in first.items] == ["s5", "s2"]
    # A record written ahead of the cursor is not repeated; one written after it is seen.
    clock.now += 1
    r.put("sessions", "s0", {"name": "z", "n": 0})
    r.put("sessions", "s6", {"name": "y", "n": 4})
    rest = walk_from(r, first.next_cursor, order_by="n", limit=2)
    assert rest == ["s3", "s1", "s6", "s4"]
    with pytest.raises(cairn.InvalidArgumentError) as info:
        r.list("sessions", order_by="folder", limit=2, cursor=first.next_cursor)
    assert reason_of(info) == "RECORDS_CURSOR_INVALID"
    with pytest.raises(cairn.InvalidArgumentError) as info:
        r.list("sessions", order_by="n", descending=True, limit=2, cursor=first.next_cursor)
    assert reason_of(info) == "RECORDS_CURSOR_INVALID"
    with pytest.raises(cairn.InvalidArgumentError) as info:
        r.list("sessions", where={"up": True}, order_by="n", limit=2, cursor=first.next_cursor)
    assert reason_of(info) == "RECORDS_CURSOR_INVALID"


def walk_from(r, cursor, **kwargs):
    ids = []
    for _ in range(20):
        page = r.list("sessions", cursor=cursor, **kwargs)
        ids += [item.id for item in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return ids
    pytest.fail("the listing did not end")


def test_put_many_is_all_or_nothing(setup):
    r, _ = setup
    r.put("sessions", "s1", {"name": "a"})
    assert r.put_many("sessions", [("b1", {"name": "b1", "n": 10}, None),
                                   ("b2", {"name": "b2"}, 0),
                                   ["s1", {"name": "a", "n": 4}, 1],
                                   ("b3", {"name": "b3"})]) == [1, 1, 2, 1]
    assert r.count("sessions") == 4
    assert r.get("sessions", "s1").value == {"name": "a", "n": 4}
    failing = [
        ([("c1", {"name": "c1"}, None), ("c2", {"name": "b1"}, None)], cairn.AlreadyExistsError,
         "RECORDS_UNIQUE_VIOLATION"),
        ([("c1", {"name": "c1"}, None), ("b1", {"name": "b1"}, 7)], cairn.AbortedError,
         "RECORDS_VERSION_CONFLICT"),
        ([("c1", {"name": "c1"}, None), ("c2", [1], None)], cairn.InvalidArgumentError,
         "RECORDS_VALUE_INVALID"),
        ([("c1", {"name": "c1"}, None), ("c1", {"name": "c2"}, None)], cairn.InvalidArgumentError,
         "RECORDS_BATCH_INVALID"),
        ([], cairn.InvalidArgumentError, "RECORDS_BATCH_INVALID"),
    ]
    for writes, error, reason in failing:
        with pytest.raises(error) as info:
            r.put_many("sessions", writes)
        assert reason_of(info) == reason
    assert r.count("sessions") == 4
    assert r.get("sessions", "c1") is None
    with pytest.raises(cairn.NotFoundError) as info:
        r.put_many("nope", [("c1", {}, None)])
    assert reason_of(info) == "RECORDS_COLLECTION_NOT_FOUND"
    for writes in ([("c1",)], [("c1", {}, None, 1)], ["c1"], [(1, {}, None)]):
        with pytest.raises(TypeError):
            r.put_many("sessions", writes)
    # A generator works as well as a list.
    assert r.put_many("sessions", ((f"g{i}", {"name": f"g{i}"}, 0) for i in range(3))) == [1, 1, 1]


def test_records_persist_in_a_sqlite_file(sqlite_uri):
    clock = Clock()
    with cairn.open(sqlite_uri, clock=clock) as engine:
        engine.records.define("sites", unique=["host"], indexes=["owner"])
        engine.records.put("sites", "w1", {"host": "a.example", "owner": "ada"})
        engine.records.put("sites", "w1", {"host": "a.example", "owner": "bob"})
    clock.now += 60
    with cairn.open(sqlite_uri, clock=clock) as engine:
        record = engine.records.get("sites", "w1")
        assert (record.version, record.value["owner"]) == (2, "bob")
        assert record.created_at == at(T0)
        assert engine.records.count("sites", where={"owner": "bob"}) == 1
        assert engine.records.collections() == ["sites"]
        engine.records.define("sites", unique=["host"], indexes=["owner"])
        with pytest.raises(cairn.AlreadyExistsError):
            engine.records.put("sites", "w2", {"host": "a.example"})


def test_the_service_follows_the_engine_lifetime():
    engine = cairn.open("memory:")
    service = engine.records
    engine.close()
    with pytest.raises(cairn.FailedPreconditionError) as info:
        service.collections()
    assert reason_of(info) == "ENGINE_CLOSED"
