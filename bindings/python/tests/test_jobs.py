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


def test_cron_next_naive_means_utc_and_offsets_are_kept():
    naive = jobs.cron_next("0 9 * * *", dt.datetime(2026, 1, 1, 10, 0))
    assert naive == dt.datetime(2026, 1, 2, 9, 0, tzinfo=UTC)
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
        jobs.cron_next(bad, dt.datetime(2026, 1, 1))
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
