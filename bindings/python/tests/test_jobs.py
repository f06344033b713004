"""cairn.jobs: cron schedules against croniter (Debian python3-croniter), retry backoff."""

import datetime as dt
import random

import pytest
from croniter import croniter

import cairn
from cairn import jobs

UTC = dt.timezone.utc

EXPRESSIONS = [
    "* * * * *", "*/5 * * * *", "0 */2 * * *", "15 3 * * 1-5", "0 0 1,15 * *", "0 12 * * SUN",
    "30 6 1 JAN,APR,JUL,OCT *", "0 0 29 2 *", "0 0 13 * FRI", "59 23 31 * *",
    "@hourly", "@daily", "@weekly", "@monthly", "@yearly", "*/10 8-18/2 * 3-9 2,4",
]


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_cron_next_matches_croniter(expr):
    rng = random.Random(expr)
    for _ in range(20):
        start = dt.datetime(2026, 1, 1, tzinfo=UTC) + dt.timedelta(
            seconds=rng.randrange(0, 4 * 365 * 86400))
        ours, theirs = start, croniter(expr, start)
        for _ in range(3):
            ours = jobs.cron_next(expr, ours)
            assert ours == theirs.get_next(dt.datetime), (expr, start)
            assert ours.tzinfo is not None


def test_cron_next_refuses_naive_times_and_keeps_offsets():
    with pytest.raises(TypeError):
        jobs.cron_next("0 9 * * *", dt.datetime(2026, 1, 1, 10, 0))
    plus2 = dt.timezone(dt.timedelta(hours=2))
    local = jobs.cron_next("0 9 * * *", dt.datetime(2026, 1, 1, 8, 30, tzinfo=plus2))
    assert local == dt.datetime(2026, 1, 1, 9, 0, tzinfo=plus2)
    assert local.utcoffset() == dt.timedelta(hours=2)
    # Strictly after: a matching instant moves on to the next one.
    assert jobs.cron_next("0 * * * *", dt.datetime(2026, 1, 1, 5, 0, tzinfo=UTC)) == \
        dt.datetime(2026, 1, 1, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize("bad", ["", "* * * *", "61 * * * *", "* * * * MOO", "@sometimes",
                                 "0 0 30 2 *", "*/0 * * * *"])
def test_bad_cron_is_refused(bad):
    with pytest.raises(cairn.InvalidArgumentError) as info:
        jobs.cron_next(bad, dt.datetime(2026, 1, 1, tzinfo=UTC))
    assert info.value.reason == "JOB_CRON_INVALID"
    with pytest.raises(cairn.InvalidArgumentError):
        jobs.check_cron(bad)


def test_backoff_is_capped_exponential():
    policy = jobs.RetryPolicy(0.5, 10, 8)
    for attempt in range(10):
        assert jobs.backoff(policy, attempt) == min(0.5 * 2 ** attempt, 10)
    jittered = jobs.RetryPolicy(1, 60, 5, jitter=True)
    draws = {jobs.backoff(jittered, 3) for _ in range(50)}
    assert all(4 <= d <= 8 for d in draws) and len(draws) > 1


@pytest.mark.parametrize("args", [(-1, 1, 1), (5, 1, 1), (1, 2, 0), (1, 90 * 86400, 3)])
def test_bad_policies_are_refused(args):
    with pytest.raises(cairn.InvalidArgumentError) as info:
        jobs.RetryPolicy(*args)
    assert info.value.reason == "JOB_RETRY_POLICY_INVALID"


# ---- the in-memory DAG executor ----

def _recording_dag(n, edges):
    """A Dag of n tasks appending their index to a list, with the given (before, after) edges."""
    dag, order = jobs.Dag(), []
    nodes = [dag.add(lambda i=i: order.append(i)) for i in range(n)]
    for before, after in edges:
        nodes[before].precede(nodes[after])
    return dag, nodes, order


@pytest.mark.parametrize("workers", [None, 1, 2, 4])
def test_dag_diamond_runs_in_order(workers):
    dag, (a, b, c, d), order = _recording_dag(4, [])
    assert a.precede(b).precede(c) is not None
    d.succeed(b).succeed(c)
    assert len(dag) == 4 and d.index == 3
    dag.run(workers=workers)
    assert sorted(order) == [0, 1, 2, 3]
    assert order[0] == 0 and order[-1] == 3


@pytest.mark.parametrize("workers", [1, 2, 4])
def test_dag_random_respects_every_edge_and_runs_each_once(workers):
    rng = random.Random(workers)
    for _ in range(5):
        n = rng.randrange(1, 300)
        labels = list(range(n))
        rng.shuffle(labels)  # a topological order that is not index order
        edges = [(labels[rng.randrange(i)], labels[i]) for i in range(1, n) for _ in range(3)]
        dag, _, order = _recording_dag(n, edges)
        dag.run(workers)
        assert sorted(order) == list(range(n))
        position = {task: k for k, task in enumerate(order)}
        assert all(position[before] < position[after] for before, after in edges)
        order.clear()
        dag.run(workers)  # a Dag runs again
        assert sorted(order) == list(range(n))


def test_dag_empty_and_single():
    jobs.Dag().run()
    dag, _, order = _recording_dag(1, [])
    dag.run(1)
    assert order == [0]


class _Boom(Exception):
    pass


@pytest.mark.parametrize("workers", [1, 2])
def test_dag_exception_propagates_unchanged_and_stops_the_run(workers):
    raised = _Boom("boom")
    ran = []
    dag = jobs.Dag()
    nodes = [dag.add(lambda i=i: ran.append(i)) for i in range(10)]

    def fail():
        raise raised

    bad = dag.add(fail)
    nodes[4].precede(bad)
    bad.precede(nodes[5])
    for before, after in zip(nodes[5:], nodes[6:]):
        before.precede(after)
    with pytest.raises(_Boom) as info:
        dag.run(workers)
    assert info.value is raised
    assert not {5, 6, 7, 8, 9} & set(ran)
    # Still usable: another Dag runs, and so does this one (it raises again).
    other, _, order = _recording_dag(3, [(0, 1), (1, 2)])
    other.run(workers)
    assert order == [0, 1, 2]
    with pytest.raises(_Boom):
        dag.run(workers)


def test_dag_cycle_is_refused_before_anything_runs():
    dag, (a, b, c), order = _recording_dag(3, [(0, 1), (1, 2)])
    c.precede(a)
    with pytest.raises(cairn.InvalidArgumentError) as info:
        dag.run()
    assert info.value.reason == "JOB_DEPENDENCY_CYCLE"
    assert order == []
    with pytest.raises(cairn.InvalidArgumentError) as info:
        a.precede(jobs.Dag().add(lambda: None))
    assert info.value.reason == "JOB_DAG_NODE_INVALID"


def test_dag_cannot_change_or_rerun_while_running():
    dag = jobs.Dag()
    dag.add(lambda: dag.add(lambda: None))
    with pytest.raises(cairn.FailedPreconditionError) as info:
        dag.run(2)
    assert info.value.reason == "JOB_DAG_BUSY"
    again = jobs.Dag()
    again.add(lambda: again.run())
    with pytest.raises(cairn.FailedPreconditionError):
        again.run()
    assert len(dag) == 1


def test_dag_tasks_can_wait_on_other_python_threads():
    # Tasks hold the GIL only while Python code runs, so a task may wait on another Python thread.
    import threading
    seen = []
    started = threading.Event()
    worker = threading.Thread(target=lambda: (started.set(), seen.append("thread")))
    dag = jobs.Dag()
    dag.add(lambda: (worker.start(), started.wait(5)))
    dag.run(2)
    worker.join(5)
    assert seen == ["thread"]
