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


def _micros(when, name):
    """Unix microseconds of a datetime (naive means UTC) or of int/float unix seconds."""
    if isinstance(when, _dt.datetime):
        if when.tzinfo is None or when.utcoffset() is None:
            when = when.replace(tzinfo=_dt.timezone.utc)
        return (when - _EPOCH) // _dt.timedelta(microseconds=1)
    if isinstance(when, (int, float)) and not isinstance(when, bool):
        return int(round(when * 1_000_000))
    raise TypeError(f"{name} must be a datetime or unix seconds, not {type(when).__name__}")


def _millis(duration, name):
    """Milliseconds of a timedelta or of int/float seconds; None stays None."""
    if duration is None:
        return None
    if isinstance(duration, _dt.timedelta):
        return duration // _dt.timedelta(milliseconds=1)
    if isinstance(duration, (int, float)) and not isinstance(duration, bool):
        return int(round(duration * 1000))
    raise TypeError(f"{name} must be seconds or a timedelta, not {type(duration).__name__}")


def _datetime(micros):
    return _EPOCH + _dt.timedelta(microseconds=micros)


@dataclasses.dataclass(frozen=True)
class Task:
    """A persistent task as stored (see :class:`Scheduler`).

    ``state`` is "pending", "running", "done", "failed" or "cancelled"; ``attempts`` counts runs
    started; ``errors`` holds every failed run's error as "CODE REASON: message", oldest first;
    ``output`` is the last successful run's result; ``next_run`` is when a pending task is due
    (None once it has ended or while it runs).
    """

    id: int
    kind: str
    input: str
    key: object
    state: str
    priority: str
    next_run: object
    created_at: _dt.datetime
    updated_at: _dt.datetime
    retry: object
    cron: object
    cron_utc_offset: int
    timeout: object
    on_dependency_failure: str
    depends_on: tuple
    attempts: int
    output: str
    errors: tuple

    @classmethod
    def _from_dict(cls, d):
        retry = d["retry"]
        return cls(
            id=d["id"], kind=d["kind"], input=d["input"], key=d["key"], state=d["state"],
            priority=d["priority"],
            next_run=_datetime(d["run_at"]) if d["state"] == "pending" else None,
            created_at=_datetime(d["created_at"]), updated_at=_datetime(d["updated_at"]),
            retry=RetryPolicy(*retry) if retry is not None else None, cron=d["cron"],
            cron_utc_offset=d["cron_utc_offset"],
            timeout=d["timeout_ms"] / 1000 if d["timeout_ms"] else None,
            on_dependency_failure=d["on_dependency_failure"],
            depends_on=tuple(d["depends_on"]), attempts=d["attempts"], output=d["output"],
            errors=tuple(d["errors"]))


@dataclasses.dataclass(frozen=True)
class TaskEvent:
    """A state change: ``type`` is "queued", "started", "retrying", "done", "failed" or
    "cancelled"; ``attempt`` the run it concerns (0 for "queued"); ``error`` the run's error for
    "retrying", "failed" and a cancellation caused by a dependency."""

    type: str
    task_id: int
    kind: str
    attempt: int
    error: str
    at: _dt.datetime


_WORKER_TIERS = ("high", "medium", "low")


class Scheduler:
    """``engine.jobs``: persistent tasks with priorities, dedup keys, dependencies, retries,
    cron schedules, timeouts, cancellation and events, kept in the engine's database.

    ::

        jobs = engine.jobs
        jobs.register("thumbnail", lambda input: make_thumbnail(input))
        task_id = jobs.enqueue("thumbnail", '{"file": "f1~..."}',
                               retry=RetryPolicy(min_delay=10, max_delay=600, attempts=5))
        jobs.start()                       # worker threads: 1 high, 2 medium, 1 low
        jobs.wait(task_id, timeout=30).state   # "done"
        jobs.stop()

    A handler takes the input string and returns the output string (or None). Raising a
    :class:`cairn.Error` whose code cannot be fixed by retrying (InvalidArgumentError,
    NotFoundError, AlreadyExistsError, PermissionDeniedError, FailedPreconditionError,
    OutOfRangeError, UnimplementedError, UnauthenticatedError) fails the task at once; any other
    exception is retried under the task's policy (a non-cairn exception is recorded as UNKNOWN
    JOB_HANDLER_RAISED). Registered with ``context=True``, the handler gets a
    :class:`TaskContext` instead (``.input``, ``.attempt``, ``.cancelled``).

    Several processes may share one SQLite database: each task runs once at a time, and a task
    whose process died is rescued when its lease runs out.
    """

    def __init__(self, raw):
        self._raw = raw

    def register(self, kind, handler, *, max_concurrency=0, context=False):
        """Registers ``handler`` for ``kind`` (only registered kinds run in this process).
        ``max_concurrency`` caps running tasks of the kind across every process (0: no cap)."""
        self._raw.register(kind, handler, max_concurrency, context)

    def enqueue(self, kind, input="", key=None, run_at=None, delay=None, depends_on=(),  # noqa: A002
                priority="medium", retry=None, cron=None, timeout=None,
                on_dependency_failure="cancel", cron_utc_offset=0):
        """Adds a task and returns its id.

        ``key``: enqueueing with the key of a pending task updates it in place (same id); with
        the key of a running task, it runs once more with the new values when the run ends.
        ``run_at`` (datetime, naive = UTC, or unix seconds) or ``delay`` (seconds or timedelta)
        set the first run; ``cron`` a 5-field schedule read at UTC + ``cron_utc_offset``
        minutes. ``depends_on``: task ids that must end first; when one fails or is cancelled
        this task is cancelled, or run anyway with ``on_dependency_failure="run"``.
        ``priority``: "high", "medium" or "low". ``timeout`` (seconds): after it the run sees
        ``cancelled`` and fails with DEADLINE_EXCEEDED (JOB_TIMEOUT).
        """
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise TypeError("retry must be a cairn.jobs.RetryPolicy")
        return self._raw.enqueue(
            kind, input, key or "",
            _micros(run_at, "run_at") if run_at is not None else None,
            _millis(delay, "delay"), list(depends_on), priority,
            (float(retry.min_delay), float(retry.max_delay), int(retry.attempts),
             bool(retry.jitter)) if retry is not None else None,
            cron or "", int(cron_utc_offset), _millis(timeout, "timeout") or 0,
            on_dependency_failure)

    def get(self, task_id):
        """The task; NotFoundError (JOB_TASK_NOT_FOUND) when there is none."""
        return Task._from_dict(self._raw.get(task_id))

    def cancel(self, task_id):
        """Cancels a pending task at once, or asks a running one to stop; returns the state
        afterwards ("running" while the cancellation is pending)."""
        return self._raw.cancel(task_id)

    def wait(self, task_id, timeout):
        """Waits up to ``timeout`` seconds for the task to end; returns it as it is then."""
        return Task._from_dict(self._raw.wait(task_id, _millis(timeout, "timeout")))

    def run_pending(self, max_tasks=None):
        """Runs due tasks on the calling thread until none is due (or ``max_tasks`` ran);
        returns how many ran. For tests and scripts."""
        return self._raw.run_pending(max_tasks)

    def purge_finished(self, older_than, kind=None):
        """Deletes the finished tasks (done, failed, cancelled) of ``kind`` (None: any kind)
        whose last change is more than ``older_than`` (seconds or timedelta) ago, with their
        errors; returns how many. A task that a pending or running task depends on stays until
        that task ends; pending and running tasks (cron tasks among them) are never deleted, nor
        is the newest task (ids are never reused). A negative age raises InvalidArgumentError
        (JOB_PURGE_INVALID)."""
        return self._raw.purge_finished(_millis(older_than, "older_than"), kind or "")

    def start(self, workers=None):
        """Starts worker threads: ``workers`` None (1 high, 2 medium, 1 low), a tuple
        (high, medium, low), or a dict with those keys. High workers run only high tasks,
        medium workers high then medium, low workers anything."""
        if workers is None:
            counts = (1, 2, 1)
        elif isinstance(workers, dict):
            unknown = set(workers) - set(_WORKER_TIERS)
            if unknown:
                raise TypeError(f"unknown worker tiers: {sorted(unknown)}")
            counts = tuple(int(workers.get(t, 0)) for t in _WORKER_TIERS)
        elif isinstance(workers, (tuple, list)) and len(workers) == 3:
            counts = tuple(int(n) for n in workers)
        else:
            raise TypeError("workers must be None, (high, medium, low) or a dict of those tiers")
        self._raw.start(*counts)

    def stop(self):
        """Stops the workers after their current runs; idempotent."""
        self._raw.stop()

    @property
    def running(self):
        """Whether the workers are running."""
        return self._raw.running

    @property
    def worker_id(self):
        """This process's name in task leases."""
        return self._raw.worker_id

    def subscribe(self, callback):
        """Calls ``callback(TaskEvent)`` on every state change this process makes or observes
        (on the thread that made it); returns an id for :meth:`unsubscribe`."""
        def relay(type_, task_id, kind, attempt, error, at_micros):
            callback(TaskEvent(type_, task_id, kind, attempt, error, _datetime(at_micros)))
        return self._raw.subscribe(relay)

    def unsubscribe(self, subscription):
        """Stops the calls of a :meth:`subscribe` callback."""
        self._raw.unsubscribe(subscription)


TaskContext = _jobs.TaskContext

__all__ = ["Dag", "DagNode", "RetryPolicy", "Scheduler", "Task", "TaskContext", "TaskEvent",
           "backoff", "check_cron", "cron_next"]
