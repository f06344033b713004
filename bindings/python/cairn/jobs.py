"""The job scheduler's parts: cron schedules, retry backoff and the in-memory DAG executor.

    from datetime import datetime, timezone
    from cairn import jobs

    jobs.cron_next("*/15 9-17 * * MON-FRI", datetime(2026, 1, 5, 9, 7, tzinfo=timezone.utc))
    # datetime(2026, 1, 5, 9, 15, tzinfo=timezone.utc)

    policy = jobs.RetryPolicy(min_delay=1, max_delay=60, attempts=5)
    [jobs.backoff(policy, a) for a in range(4)]      # [1.0, 2.0, 4.0, 8.0]

Cron expressions have 5 fields (minute, hour, day of month, month, day of week) with ranges,
steps, lists, month and weekday names, and the macros @hourly, @daily, @weekly, @monthly and
@yearly. When both day-of-month and day-of-week are restricted, either may match. Bad
expressions raise InvalidArgumentError (JOB_CRON_INVALID).

``Dag`` runs Python callables in dependency order on a work-stealing thread pool (nothing is
persisted)::

    dag = jobs.Dag()
    load = dag.add(lambda: print("load"))
    left, right = dag.add(lambda: print("left")), dag.add(lambda: print("right"))
    total = dag.add(lambda: print("total"))
    load.precede(left).precede(right)
    total.succeed(left).succeed(right)
    dag.run()               # workers=None: one per core

``run`` releases the GIL while it waits and each task takes the GIL to call its function, so
Python tasks run one at a time, whatever the worker count (the C++ executor is what runs native
work in parallel). The first exception a task raises propagates out of ``run`` unchanged, and no
task starts after it; a cycle raises InvalidArgumentError (JOB_DEPENDENCY_CYCLE) before any task
runs. A Dag may be run again, and grown between runs, but not changed while it runs
(FailedPreconditionError, JOB_DAG_BUSY).
"""

import dataclasses
import datetime as _dt

from ._core import jobs as _jobs

Dag = _jobs.Dag
DagNode = _jobs.DagNode

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)


def cron_next(expr, after):
    """The first run of ``expr`` strictly after ``after`` (a datetime; naive means UTC).

    The fields are read in ``after``'s UTC offset (a fixed offset: the offset of ``after``
    itself), and the result is an aware datetime in the same timezone (UTC for naive input).
    """
    if after.tzinfo is None or after.utcoffset() is None:
        after = after.replace(tzinfo=_dt.timezone.utc)
    offset = after.utcoffset()
    micros = (after - _EPOCH) // _dt.timedelta(microseconds=1)
    offset_minutes = offset // _dt.timedelta(minutes=1)
    result = _jobs.cron_next(expr, micros, offset_minutes)
    return (_EPOCH + _dt.timedelta(microseconds=result)).astimezone(after.tzinfo)


def check_cron(expr):
    """Raises InvalidArgumentError (JOB_CRON_INVALID) unless ``expr`` is a valid schedule."""
    _jobs.check_cron(expr)


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff: retry ``n`` (0-based) waits ``min(min_delay * 2**n, max_delay)``
    seconds; with ``jitter`` a uniform draw from [half, all] of that. ``attempts`` counts every
    run, the first included. Bad values raise InvalidArgumentError (JOB_RETRY_POLICY_INVALID).
    """

    min_delay: float
    max_delay: float
    attempts: int
    jitter: bool = False

    def __post_init__(self):
        _jobs.check_retry_policy(float(self.min_delay), float(self.max_delay), int(self.attempts),
                                 bool(self.jitter))


def backoff(policy, attempt):
    """The delay in seconds before retry number ``attempt`` (0-based) under ``policy``."""
    return _jobs.backoff(float(policy.min_delay), float(policy.max_delay), int(policy.attempts),
                         bool(policy.jitter), int(attempt))


__all__ = ["Dag", "DagNode", "RetryPolicy", "backoff", "check_cron", "cron_next"]
