"""cairn: an embeddable engine for self-hosted services.

    import cairn

    with cairn.open("sqlite:data/app.db") as engine:
        print(engine.instance_id, engine.schema_version)

Errors are raised as subclasses of :class:`cairn.Error` (see :mod:`cairn.errors`); each carries
``.code``, ``.reason`` and ``.http_status``.

Times, in every module: a time is an aware :class:`datetime.datetime` (UTC when cairn returns
it; any zone when you pass one; a naive datetime is a TypeError). A duration is float seconds
when cairn returns it, and int or float seconds or a :class:`datetime.timedelta` when you pass
one.
"""

from . import _core, access, audit, auth, board, content, crypto, encoding, errors, jobs, secrets
from . import records
from .errors import (
    AbortedError,
    AlreadyExistsError,
    CancelledError,
    DataLossError,
    DeadlineExceededError,
    Error,
    ErrorCode,
    FailedPreconditionError,
    InternalError,
    InvalidArgumentError,
    NotFoundError,
    OutOfRangeError,
    PermissionDeniedError,
    ResourceExhaustedError,
    UnauthenticatedError,
    UnavailableError,
    UnimplementedError,
    UnknownError,
)

__version__: str = _core.version()

Engine = _core.Engine
FakeEnv = _core.FakeEnv
SnapshotInfo = _core.SnapshotInfo
inspect_snapshot = _core.inspect_snapshot
latest_schema_version = _core.latest_schema_version


def open(uri, *, env=None, clock=None, busy_timeout=5.0,  # noqa: A001
         audit_mode="fail_closed", audit_queue_capacity=10000, master_key=None,
         jobs_lease=30.0, jobs_poll_interval=0.25):
    """Open (creating and migrating as needed) the database at ``uri`` and return an Engine.

    ``uri`` is ``"memory:"``, ``"sqlite:relative/path.db"``, ``"sqlite:/abs/path.db"`` or
    ``"sqlite:///abs/path.db"``. ``env`` is a :class:`FakeEnv` for tests (default: the system
    clock and CSPRNG). ``clock`` is another way to set the engine's clock: a callable returning
    an aware datetime, such as ``lambda: now[0]`` over a list a test moves; randomness then
    stays the system's CSPRNG. The engine keeps the callable and calls it from whichever thread
    needs the time, taking the GIL to do so. It is called once here: what it raises propagates,
    and a result that is not an aware datetime is refused with TypeError. Should it raise or
    return something else later, the error goes to :func:`sys.unraisablehook` (it cannot reach
    the engine call that asked for the time) and that one reading falls back to the system clock. Pass ``env`` or ``clock``, not both
    (InvalidArgumentError, ENGINE_OPTIONS_INVALID).

    ``audit_mode`` is ``"fail_closed"`` (an audit write that fails fails the operation) or
    ``"async"`` (a bounded queue of ``audit_queue_capacity`` entries, written in the background).
    The engine is a context manager; ``close()`` is idempotent. ``engine.snapshot(path)``
    writes a consistent copy of a sqlite: database to a new file, which
    :func:`inspect_snapshot` checks without changing it.

    ``master_key`` enables ``engine.secrets`` (see :mod:`cairn.secrets`): 32 bytes (any
    bytes-like object) or a str of 64 hex characters. The first engine opened with a key binds the
    database to it; opening it later with another key raises FailedPreconditionError
    (SECRETS_MASTER_KEY_MISMATCH). Without a key, ``engine.secrets`` raises
    FailedPreconditionError (SECRETS_MASTER_KEY_MISSING). With a key the engine's own keys (the
    login-code key, the audit log's signing keys) are sealed under it, so a database once opened
    with a key no longer opens without one (FailedPreconditionError, AUDIT_KEYS_SEALED).

    ``busy_timeout`` (seconds) is how long a call waits for a database another connection
    holds. ``jobs_lease`` and ``jobs_poll_interval`` (seconds) tune ``engine.jobs`` (see
    :mod:`cairn.jobs`): how long a running task stays leased without renewal (a crashed
    process's tasks are rescued after it), and how often idle workers look for work that other
    processes enqueued. Values that are not positive raise InvalidArgumentError
    (JOB_OPTIONS_INVALID).

    Raises InvalidArgumentError (STORAGE_URI_INVALID, ENGINE_OPTIONS_INVALID,
    SECRETS_MASTER_KEY_INVALID), UnimplementedError (STORAGE_BACKEND_UNAVAILABLE),
    FailedPreconditionError (STORAGE_SCHEMA_TOO_NEW, STORAGE_NOT_A_DATABASE,
    SECRETS_MASTER_KEY_MISMATCH) or UnavailableError (STORAGE_OPEN_FAILED, STORAGE_BUSY).
    """
    return _core.open(uri, env=env, clock=clock, busy_timeout=busy_timeout,
                      audit_mode=audit_mode, audit_queue_capacity=audit_queue_capacity,
                      master_key=master_key, jobs_lease=jobs_lease,
                      jobs_poll_interval=jobs_poll_interval)


__all__ = [
    "AbortedError",
    "AlreadyExistsError",
    "CancelledError",
    "DataLossError",
    "DeadlineExceededError",
    "Engine",
    "Error",
    "ErrorCode",
    "FailedPreconditionError",
    "FakeEnv",
    "InternalError",
    "InvalidArgumentError",
    "NotFoundError",
    "OutOfRangeError",
    "PermissionDeniedError",
    "ResourceExhaustedError",
    "SnapshotInfo",
    "UnauthenticatedError",
    "UnavailableError",
    "UnimplementedError",
    "UnknownError",
    "__version__",
    "access",
    "audit",
    "auth",
    "board",
    "content",
    "crypto",
    "encoding",
    "errors",
    "inspect_snapshot",
    "jobs",
    "latest_schema_version",
    "open",
    "records",
    "secrets",
]
