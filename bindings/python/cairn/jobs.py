"""Jobs: the engine's persistent task scheduler (``engine.jobs``), cron schedules, retry backoff
and the in-memory DAG executor.

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

``engine.jobs`` is a :class:`Scheduler`: persistent tasks with priorities, dedup keys,
dependencies, retries, cron schedules, timeouts, cancellation and events::

    jobs = engine.jobs
    jobs.register("thumbnail", lambda input: make_thumbnail(input))
    task_id = jobs.enqueue("thumbnail", '{"file": "f1~..."}',
                           retry=RetryPolicy(min_delay=10, max_delay=600, attempts=5))
    jobs.start()                       # worker threads: 1 high, 2 medium, 1 low
    jobs.wait(task_id, timeout=30).state   # "done"
    jobs.stop()

A handler takes the input string and returns the output string (or None). Raising a
:class:`cairn.Error` that is not ``retryable`` (InvalidArgumentError, NotFoundError,
AlreadyExistsError, PermissionDeniedError, FailedPreconditionError, OutOfRangeError,
UnimplementedError, UnauthenticatedError: the error table's column) fails the task at once; any
other exception is retried under the task's policy (a non-cairn exception is recorded as UNKNOWN
JOB_HANDLER_RAISED). Registered with ``context=True``, the handler gets a :class:`TaskContext`
instead (``.input``, ``.attempt``, ``.cancelled``).

Several processes may share one SQLite database: each task runs once at a time, and a task whose
process died is rescued when its lease runs out.

``engine.jobs.list()`` pages through the tasks, filtered by kind, state and key prefix, and
``engine.jobs.counts()`` counts them per state::

    page = jobs.list(kind="thumbnail", state="failed", limit=50)
    while True:
        for task in page.items:             # ascending ids
            print(task.id, task.errors[-1])
        if page.next_cursor is None:
            break
        page = jobs.list(kind="thumbnail", state="failed", limit=50, cursor=page.next_cursor)

    jobs.counts()   # {"pending": 3, "scheduled": 1, "blocked": 1, "running": 2,
                    #  "lease_expired": 0, "done": 40, "failed": 2, "cancelled": 0}

``state`` is one of the ``counts()`` keys: the five task states, and ``scheduled`` (pending, due
later), ``blocked`` (pending, a dependency is pending or running; blocked wins over scheduled)
and ``lease_expired`` (running, but its worker stopped renewing the lease). ``pending`` and
``running`` count those refinements too. ``key_prefix`` matches the dedup key's first bytes
(``%`` and ``_`` are plain characters). A cursor is opaque and works only with the filters it
came with (InvalidArgumentError, JOB_CURSOR_INVALID); ``limit`` is 1 to 1000
(JOB_LIST_INVALID). Walking the pages to the end sees every matching task once, tasks added
meanwhile included.

Times are aware datetimes (``run_at``, ``Task.created_at``, ``TaskEvent.at``; a naive datetime is
a TypeError); durations are float seconds (``delay``, ``timeout``, ``RetryPolicy.min_delay``; a
``timedelta`` is accepted wherever a duration goes in).
"""

from ._core import jobs as _jobs

Dag = _jobs.Dag
DagNode = _jobs.DagNode
Page = _jobs.Page
RetryPolicy = _jobs.RetryPolicy
Scheduler = _jobs.Scheduler
Task = _jobs.Task
TaskContext = _jobs.TaskContext
TaskEvent = _jobs.TaskEvent
backoff = _jobs.backoff
check_cron = _jobs.check_cron
cron_next = _jobs.cron_next

__all__ = ["Dag", "DagNode", "Page", "RetryPolicy", "Scheduler", "Task", "TaskContext",
           "TaskEvent", "backoff", "check_cron", "cron_next"]
