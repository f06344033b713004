"""engine.jobs: the persistent scheduler on memory: and sqlite:, checked against croniter and
cairn.jobs.backoff, and with worker processes sharing one SQLite file."""

import datetime as dt
import os
import subprocess
import sys
import textwrap
import threading

import pytest
from croniter import croniter

import cairn
from cairn import jobs

UTC = dt.timezone.utc
START = 1767225600.0  # 2026-01-01T00:00:00Z


@pytest.fixture(params=["memory", "sqlite"])
def uri(request, tmp_path):
    return "memory:" if request.param == "memory" else f"sqlite:{tmp_path / 'jobs.db'}"


@pytest.fixture
def clock():
    return [START]


@pytest.fixture
def engine(uri, clock):
    with cairn.open(uri, clock=lambda: dt.datetime.fromtimestamp(clock[0], UTC)) as e:
        yield e


def test_a_task_runs_and_keeps_its_output(engine):
    engine.jobs.register("upper", lambda text: text.upper())
    task_id = engine.jobs.enqueue("upper", "hello")
    task = engine.jobs.get(task_id)
    assert (task.state, task.kind, task.input, task.attempts) == ("pending", "upper", "hello", 0)
    assert task.next_run == dt.datetime.fromtimestamp(START, UTC)
    assert engine.jobs.run_pending() == 1
    task = engine.jobs.get(task_id)
    assert (task.state, task.output, task.attempts, task.errors) == ("done", "HELLO", 1, ())
    assert task.next_run is None
    assert engine.jobs.run_pending() == 0


def test_delay_and_run_at_wait_for_the_clock(engine, clock):
    engine.jobs.register("echo", lambda text: text)
    later = engine.jobs.enqueue("echo", delay=10)
    at = engine.jobs.enqueue("echo", run_at=dt.datetime(2026, 1, 1, 0, 0, 20, tzinfo=UTC))
    assert engine.jobs.get(at).next_run == dt.datetime(2026, 1, 1, 0, 0, 20, tzinfo=UTC)
    assert engine.jobs.run_pending() == 0
    clock[0] += 10
    assert engine.jobs.run_pending() == 1
    assert engine.jobs.get(later).state == "done"
    clock[0] += 10
    assert engine.jobs.run_pending() == 1
    assert engine.jobs.get(at).state == "done"


def test_retries_follow_backoff_and_keep_every_error(engine, clock):
    policy = jobs.RetryPolicy(min_delay=2, max_delay=5, attempts=4)
    engine.jobs.register("flaky", lambda text: (_ for _ in ()).throw(
        cairn.UnavailableError("down", reason="UPSTREAM_DOWN")))
    task_id = engine.jobs.enqueue("flaky", retry=policy)
    for attempt in range(3):
        assert engine.jobs.run_pending() == 1
        task = engine.jobs.get(task_id)
        assert task.state == "pending"
        expected = dt.datetime.fromtimestamp(clock[0] + jobs.backoff(policy, attempt), UTC)
        assert task.next_run == expected
        clock[0] += jobs.backoff(policy, attempt)
    assert engine.jobs.run_pending() == 1
    task = engine.jobs.get(task_id)
    assert task.state == "failed"
    assert task.attempts == 4
    assert task.errors == ("UNAVAILABLE UPSTREAM_DOWN: down",) * 4
    assert task.retry == policy


def test_error_kinds_decide_whether_to_retry(engine):
    policy = jobs.RetryPolicy(min_delay=0, max_delay=0, attempts=3)

    def refuse(_):
        raise cairn.InvalidArgumentError("bad input", reason="INPUT_BAD")

    def crash(_):
        raise ValueError("no such thing")

    engine.jobs.register("refuse", refuse)
    engine.jobs.register("crash", crash)
    engine.jobs.register("wrong_type", lambda _: 42)
    refused = engine.jobs.enqueue("refuse", retry=policy)
    crashed = engine.jobs.enqueue("crash", retry=policy)
    typed = engine.jobs.enqueue("wrong_type", retry=policy)
    assert engine.jobs.run_pending() == 5  # refuse once, crash 3 times, wrong_type once
    assert engine.jobs.get(refused).errors == ("INVALID_ARGUMENT INPUT_BAD: bad input",)
    task = engine.jobs.get(crashed)
    assert (task.state, task.attempts) == ("failed", 3)
    assert task.errors[0] == "UNKNOWN JOB_HANDLER_RAISED: ValueError: no such thing"
    assert engine.jobs.get(typed).errors[0].startswith("INVALID_ARGUMENT JOB_OUTPUT_INVALID")


def test_cron_tasks_follow_croniter_and_survive_failures(engine, clock):
    runs = []

    def tick(_):
        runs.append(clock[0])
        if len(runs) == 2:
            raise RuntimeError("second run fails")
        return f"run {len(runs)}"

    engine.jobs.register("tick", tick)
    clock[0] = START + 7 * 60 + 30
    task_id = engine.jobs.enqueue("tick", cron="*/5 9-17 * * MON-FRI")
    it = croniter("*/5 9-17 * * MON-FRI", dt.datetime.fromtimestamp(clock[0], UTC))
    for _ in range(3):
        expected = it.get_next(dt.datetime)
        task = engine.jobs.get(task_id)
        assert task.state == "pending"
        assert task.next_run == expected
        clock[0] = expected.timestamp()
        assert engine.jobs.run_pending() == 1
    task = engine.jobs.get(task_id)
    assert task.output == "run 3"
    assert len(task.errors) == 1 and "RuntimeError: second run fails" in task.errors[0]
    with pytest.raises(cairn.InvalidArgumentError) as e:
        engine.jobs.enqueue("tick", cron="* * * *")
    assert e.value.reason == "JOB_CRON_INVALID"


def test_a_timeout_cancels_and_fails_the_run(engine, clock):
    def slow(ctx):
        clock[0] += 5
        return "late" if ctx.cancelled else "in time"

    engine.jobs.register("slow", slow, context=True)
    task_id = engine.jobs.enqueue("slow", timeout=2)
    assert engine.jobs.get(task_id).timeout == 2
    engine.jobs.run_pending()
    task = engine.jobs.get(task_id)
    assert task.state == "failed"
    assert task.errors[0].startswith("DEADLINE_EXCEEDED JOB_TIMEOUT")


def test_events_follow_the_task(engine):
    events = []
    sub = engine.jobs.subscribe(lambda e: events.append((e.type, e.attempt, e.kind)))
    calls = []

    def once_flaky(_):
        calls.append(1)
        if len(calls) == 1:
            raise cairn.UnavailableError("again", reason="DOWN")
        return "ok"

    engine.jobs.register("f", once_flaky)
    engine.jobs.enqueue("f", retry=jobs.RetryPolicy(0, 0, 2))
    engine.jobs.run_pending()
    assert events == [("queued", 0, "f"), ("started", 1, "f"), ("retrying", 1, "f"),
                      ("started", 2, "f"), ("done", 2, "f")]
    engine.jobs.unsubscribe(sub)
    engine.jobs.enqueue("f")
    assert len(events) == 5


def test_workers_run_tasks_and_wait_returns_them(uri):
    with cairn.open(uri) as engine:
        engine.jobs.register("square", lambda text: str(int(text) ** 2))
        ids = [engine.jobs.enqueue("square", str(n), priority=["high", "medium", "low"][n % 3])
               for n in range(30)]
        engine.jobs.start()
        assert engine.jobs.running
        for n, task_id in enumerate(ids):
            task = engine.jobs.wait(task_id, timeout=20)
            assert (task.state, task.output) == ("done", str(n * n))
        with pytest.raises(cairn.FailedPreconditionError):
            engine.jobs.start()
        engine.jobs.stop()
        assert not engine.jobs.running
        later = engine.jobs.enqueue("square", "2", delay=3600)
        assert engine.jobs.wait(later, timeout=0.02).state == "pending"


def test_closing_the_engine_stops_running_workers(uri):
    engine = cairn.open(uri)
    started = threading.Event()

    def wait_a_bit(_):
        started.set()
        return "ok"

    engine.jobs.register("w", wait_a_bit)
    engine.jobs.start(workers=(0, 1, 1))
    engine.jobs.enqueue("w")
    assert started.wait(20)
    engine.close()
    with pytest.raises(cairn.FailedPreconditionError):
        engine.jobs.get(1)


@pytest.mark.parametrize("bad, reason", [
    (dict(priority="urgent"), "JOB_PRIORITY_INVALID"),
    (dict(on_dependency_failure="ignore"), "JOB_OPTIONS_INVALID"),
    (dict(run_at=dt.datetime.fromtimestamp(START, UTC), delay=1), "JOB_OPTIONS_INVALID"),
    (dict(retry=jobs.RetryPolicy(1, 2, 3), cron="@daily", depends_on=[1]),
     "JOB_DEPENDENCY_INVALID"),
])
def test_bad_options_are_refused_and_nothing_is_stored(engine, bad, reason):
    with pytest.raises(cairn.InvalidArgumentError) as e:
        engine.jobs.enqueue("k", **bad)
    assert e.value.reason == reason
    with pytest.raises(cairn.NotFoundError):
        engine.jobs.get(1)
    with pytest.raises(cairn.InvalidArgumentError) as e:
        engine.jobs.enqueue("")
    assert e.value.reason == "JOB_KIND_INVALID"
    with pytest.raises(TypeError):
        engine.jobs.enqueue("k", retry=(1, 2, 3))
    with pytest.raises(TypeError):
        engine.jobs.start(workers={"urgent": 1})
    with pytest.raises(cairn.InvalidArgumentError):
        engine.jobs.start(workers=(0, 0, 0))


def test_pending_tasks_survive_a_restart(tmp_path, clock):
    uri = f"sqlite:{tmp_path / 'restart.db'}"
    policy = jobs.RetryPolicy(min_delay=1.5, max_delay=90, attempts=7, jitter=True)
    with cairn.open(uri, clock=lambda: dt.datetime.fromtimestamp(clock[0], UTC)) as engine:
        task_id = engine.jobs.enqueue("echo", "payload", key="k", delay=30, priority="low",
                                      retry=policy, timeout=9)
        before = engine.jobs.get(task_id)
    with cairn.open(uri, clock=lambda: dt.datetime.fromtimestamp(clock[0], UTC)) as engine:
        after = engine.jobs.get(task_id)
        assert after == before
        assert after.retry == policy
        engine.jobs.register("echo", lambda text: text)
        clock[0] += 30
        assert engine.jobs.run_pending() == 1
        assert engine.jobs.get(task_id).output == "payload"


WORKER = textwrap.dedent("""
    import os, sys, time
    import cairn
    uri, log, total, ready = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    with cairn.open(uri, busy_timeout=20, jobs_poll_interval=0.02) as engine:
        def count(text):
            fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            os.write(fd, f"{text} {os.getpid()}\\n".encode())
            os.close(fd)
            time.sleep(0.005)
            return text
        engine.jobs.register("count", count)
        # Start together, so that every process gets a share of the work.
        open(os.path.join(ready, str(os.getpid())), "w").close()
        deadline = time.time() + 30
        while len(os.listdir(ready)) < 3 and time.time() < deadline:
            time.sleep(0.01)
        engine.jobs.start(workers=(0, 1, 1))
        deadline = time.time() + 60
        while time.time() < deadline:
            if all(engine.jobs.get(i).state == "done" for i in range(1, total + 1)):
                break
            time.sleep(0.05)
        engine.jobs.stop()
""")


def test_worker_processes_on_one_sqlite_file_run_every_task_exactly_once(tmp_path):
    uri = f"sqlite:{tmp_path / 'shared.db'}"
    log = tmp_path / "runs.log"
    total = 120
    with cairn.open(uri) as engine:
        ids = [engine.jobs.enqueue("count", str(n)) for n in range(total)]
    assert ids == list(range(1, total + 1))
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    env = dict(os.environ)
    ready = tmp_path / "ready"
    ready.mkdir()
    procs = [subprocess.Popen([sys.executable, str(script), uri, str(log), str(total), str(ready)],
                              env=env)
             for _ in range(3)]
    for p in procs:
        assert p.wait(timeout=120) == 0
    lines = log.read_text().split()
    ran = lines[0::2]
    pids = set(lines[1::2])
    assert sorted(ran, key=int) == [str(n) for n in range(total)]  # each exactly once
    assert len(pids) >= 2  # the work was shared
    with cairn.open(uri) as engine:
        for task_id in ids:
            task = engine.jobs.get(task_id)
            assert (task.state, task.attempts) == ("done", 1)


def test_closing_from_a_worker_thread_is_refused_and_stop_only_asks(uri):
    with cairn.open(uri) as engine:
        seen = {}

        def rude(_):
            try:
                engine.close()
            except cairn.FailedPreconditionError as e:
                seen["close"] = e.reason
            engine.jobs.stop()  # only asks: this thread cannot join itself
            return "ok"

        engine.jobs.register("rude", rude)
        task_id = engine.jobs.enqueue("rude")
        engine.jobs.start(workers=(0, 1, 0))
        assert engine.jobs.wait(task_id, timeout=20).state == "done"
        assert seen == {"close": "JOB_SCHEDULER_SELF_STOP"}
        engine.jobs.stop()
        assert not engine.jobs.running
        with pytest.raises(TypeError):
            engine.jobs.start(workers=4)


HANGING_WORKER = textwrap.dedent("""
    import sys, time
    import cairn
    uri, started = sys.argv[1], sys.argv[2]
    engine = cairn.open(uri, busy_timeout=20, jobs_lease=0.5, jobs_poll_interval=0.02)
    def hang(text):
        open(started, "w").close()
        time.sleep(3600)
    engine.jobs.register("work", hang)
    engine.jobs.start(workers=(0, 1, 0))
    time.sleep(3600)
""")


def test_a_task_of_a_killed_worker_process_is_rescued_and_run_once_more(tmp_path):
    import signal
    import time
    uri = f"sqlite:{tmp_path / 'killed.db'}"
    started = tmp_path / "started"
    with cairn.open(uri, jobs_lease=0.5) as engine:
        task_id = engine.jobs.enqueue("work", "payload")
    script = tmp_path / "hang.py"
    script.write_text(HANGING_WORKER)
    proc = subprocess.Popen([sys.executable, str(script), uri, str(started)])
    try:
        deadline = time.time() + 30
        while not started.exists() and time.time() < deadline:
            time.sleep(0.01)
        assert started.exists()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    with cairn.open(uri, jobs_lease=0.5) as engine:
        assert engine.jobs.get(task_id).state == "running"  # the dead worker's lease
        engine.jobs.register("work", lambda text: "rescued " + text)
        deadline = time.time() + 30
        while engine.jobs.run_pending() == 0 and time.time() < deadline:
            time.sleep(0.05)
        task = engine.jobs.get(task_id)
        assert (task.state, task.output, task.attempts) == ("done", "rescued payload", 2)
        assert task.errors[0].startswith("UNAVAILABLE JOB_LEASE_EXPIRED")


def test_every_scheduler_call_and_task_field_crosses(engine, clock):
    # The rules behind them: tests/jobs/scheduler_conformance_test.cpp. Here: reachable, and every
    # argument and field converted (times as aware datetimes, durations as float seconds).
    s = engine.jobs
    assert isinstance(s.worker_id, str) and s.worker_id and s.running is False
    first = s.enqueue("echo", "a")
    policy = jobs.RetryPolicy(1, 60, 3, jitter=True)
    second = s.enqueue("echo", "b", key="k", depends_on=[first], priority="high", retry=policy,
                       timeout=dt.timedelta(seconds=2), on_dependency_failure="run")
    t = s.get(second)
    assert (t.key, t.priority, t.retry, t.retry.jitter, t.timeout) == ("k", "high", policy, True, 2.0)
    assert (t.on_dependency_failure, t.depends_on, t.cron) == ("run", (first,), None)
    t = s.get(s.enqueue("tick", cron="*/5 * * * *", cron_utc_offset=60))
    assert (t.cron, t.cron_utc_offset, t.key, t.timeout) == ("*/5 * * * *", 60, None, None)
    s.cancel(t.id)
    assert s.enqueue("echo", "c", key="k", depends_on=[first]) == second  # same key: same task
    lone = s.enqueue("echo", "d")
    events = []
    subscription = s.subscribe(events.append)
    assert s.cancel(lone) == "cancelled"
    s.unsubscribe(subscription)
    assert [(e.type, e.task_id, e.kind, e.attempt, e.error) for e in events] == \
        [("cancelled", lone, "echo", 0, "")]
    assert events[0].at == dt.datetime.fromtimestamp(clock[0], UTC)
    newest = s.enqueue("echo", "e")
    clock[0] += 3600
    assert s.purge_finished(older_than=dt.timedelta(minutes=30), kind="other") == 0
    assert s.purge_finished(1800.0) == 2  # the cancelled cron task and lone
    with pytest.raises(cairn.NotFoundError) as info:
        s.get(lone)
    assert info.value.reason == "JOB_TASK_NOT_FOUND"
    assert s.get(newest).state == "pending"
    with pytest.raises(cairn.InvalidArgumentError) as info:
        s.purge_finished(-1)
    assert info.value.reason == "JOB_PURGE_INVALID"


# ---- Listing and counting (the rules: tests/jobs/listing_conformance_test.cpp)

STATES = ["pending", "scheduled", "blocked", "running", "lease_expired", "done", "failed",
          "cancelled"]


def ids(page):
    return [t.id for t in page.items]


def test_list_filters_by_kind_state_and_literal_key_prefix(engine):
    s = engine.jobs
    assert (ids(s.list()), s.list().next_cursor) == ([], None)
    pct = s.enqueue("alpha", "1", key="a%1")
    und = s.enqueue("alpha", "2", key="a_1")
    plain = s.enqueue("alpha", "3", key="ax1")
    beta = s.enqueue("beta", key="a%2")
    s.register("run", lambda text: text.upper())
    done = s.enqueue("run", "x", key="r")
    assert s.run_pending() == 1

    page = s.list()
    assert isinstance(page, jobs.Page) and page.next_cursor is None and len(page) == 5
    assert [t.id for t in page] == [pct, und, plain, beta, done]
    assert all(isinstance(t, jobs.Task) for t in page.items)
    assert page.items[0] == s.get(pct) and page.items[4].output == "X"
    assert ids(s.list("alpha")) == [pct, und, plain]
    assert ids(s.list(kind="beta")) == [beta]
    assert ids(s.list(state="done")) == [done]
    assert ids(s.list(state="pending", kind="alpha")) == [pct, und, plain]
    assert ids(s.list(key_prefix="a%")) == [pct, beta]
    assert ids(s.list(key_prefix="a_")) == [und]
    assert ids(s.list(key_prefix="%")) == []
    assert ids(s.list(kind="alpha", key_prefix="a%")) == [pct]
    assert ids(s.list(kind="alpha", key_prefix="a%", state="done")) == []


def test_pages_walk_to_the_end_while_tasks_are_added(engine):
    s = engine.jobs
    expected = [s.enqueue("page") for _ in range(12)]
    for _ in range(3):
        s.enqueue("other")
    seen, cursor = [], None
    for round_ in range(20):
        page = s.list(kind="page", limit=5, cursor=cursor)
        seen += ids(page)
        if page.next_cursor is None:
            break
        assert len(page) == 5 and isinstance(page.next_cursor, str)
        cursor = page.next_cursor
        if round_ < 2:
            expected.append(s.enqueue("page"))
    assert seen == expected


def test_list_refuses_bad_limits_states_and_foreign_cursors(engine):
    s = engine.jobs
    for _ in range(3):
        s.enqueue("k", key=None)
    cursor = s.list(kind="k", limit=1).next_cursor
    assert cursor is not None
    assert len(s.list(kind="k", limit=10, cursor=cursor)) == 2
    cases = [
        (dict(limit=0), "JOB_LIST_INVALID"),
        (dict(limit=1001), "JOB_LIST_INVALID"),
        (dict(key_prefix="p" * 257), "JOB_LIST_INVALID"),
        (dict(state="waiting"), "JOB_STATE_INVALID"),
        (dict(state="Pending"), "JOB_STATE_INVALID"),
        (dict(kind=""), "JOB_KIND_INVALID"),
        (dict(cursor="nonsense!"), "JOB_CURSOR_INVALID"),
        (dict(cursor=cursor), "JOB_CURSOR_INVALID"),               # made for kind="k"
        (dict(kind="other", cursor=cursor), "JOB_CURSOR_INVALID"),
        (dict(kind="k", state="pending", cursor=cursor), "JOB_CURSOR_INVALID"),
    ]
    for kwargs, reason in cases:
        with pytest.raises(cairn.InvalidArgumentError) as info:
            s.list(**kwargs)
        assert info.value.reason == reason, kwargs
    assert len(s.list(limit=1000)) == 3


def test_counts_every_state_and_a_run_past_its_lease(engine, clock):
    s = engine.jobs
    assert s.counts() == {name: 0 for name in STATES}
    s.register("ok", lambda text: "")

    def bad(text):
        raise cairn.InvalidArgumentError("no", reason="TEST_BAD_INPUT")

    s.register("bad", bad)
    done = s.enqueue("ok")
    failed = s.enqueue("bad")
    cancelled = s.enqueue("ok", depends_on=[failed])
    assert s.run_pending() == 2
    ready = s.enqueue("idle")
    later = s.enqueue("idle", delay=3600)
    blocked = s.enqueue("idle", depends_on=[ready])
    seen = {}

    def slow(text):
        clock[0] += 31  # the lease is 30 s: this run outlives it
        seen["counts"] = s.counts()
        seen["lapsed"] = ids(s.list(state="lease_expired"))
        seen["running"] = ids(s.list(state="running"))
        return "late"

    s.register("slow", slow)
    slow_id = s.enqueue("slow")
    assert s.run_pending() == 1
    assert seen["counts"] == {"pending": 3, "scheduled": 1, "blocked": 1, "running": 1,
                              "lease_expired": 1, "done": 1, "failed": 1, "cancelled": 1}
    assert seen["lapsed"] == seen["running"] == [slow_id]
    counts = s.counts()
    assert list(counts) == STATES
    assert counts == {"pending": 3, "scheduled": 1, "blocked": 1, "running": 0,
                      "lease_expired": 0, "done": 2, "failed": 1, "cancelled": 1}
    expected = {"pending": [ready, later, blocked], "scheduled": [later], "blocked": [blocked],
                "running": [], "lease_expired": [], "done": [done, slow_id], "failed": [failed],
                "cancelled": [cancelled]}
    for name in STATES:
        assert ids(s.list(state=name)) == expected[name], name
        assert counts[name] == len(expected[name])
