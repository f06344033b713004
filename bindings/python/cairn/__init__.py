"""cairn: an embeddable engine for self-hosted services.

    import cairn

    with cairn.open("sqlite:data/app.db") as engine:
        print(engine.instance_id, engine.schema_version)

Errors are raised as subclasses of :class:`cairn.Error` (see :mod:`cairn.errors`); each carries
``.code``, ``.reason`` and ``.http_status``.
"""

from . import _core, access, audit, crypto, encoding
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
latest_schema_version = _core.latest_schema_version


def open(uri, *, env=None, busy_timeout_ms=5000, audit_mode="fail_closed",  # noqa: A001
         audit_queue_capacity=10000):
    """Open (creating and migrating as needed) the database at ``uri`` and return an Engine.

    ``uri`` is ``"memory:"``, ``"sqlite:relative/path.db"``, ``"sqlite:/abs/path.db"`` or
    ``"sqlite:///abs/path.db"``. ``env`` is a :class:`FakeEnv` for tests (default: the system
    clock and CSPRNG). ``audit_mode`` is ``"fail_closed"`` (an audit write that fails fails the
    operation) or ``"async"`` (a bounded queue of ``audit_queue_capacity`` entries, written in the
    background). The engine is a context manager; ``close()`` is idempotent.

    Raises InvalidArgumentError (STORAGE_URI_INVALID), UnimplementedError
    (STORAGE_BACKEND_UNAVAILABLE), FailedPreconditionError (STORAGE_SCHEMA_TOO_NEW,
    STORAGE_NOT_A_DATABASE) or UnavailableError (STORAGE_OPEN_FAILED, STORAGE_BUSY).
    """
    return _core.open(uri, env=env, busy_timeout_ms=busy_timeout_ms, audit_mode=audit_mode,
                      audit_queue_capacity=audit_queue_capacity)


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
    "UnauthenticatedError",
    "UnavailableError",
    "UnimplementedError",
    "UnknownError",
    "__version__",
    "access",
    "audit",
    "crypto",
    "encoding",
    "latest_schema_version",
    "open",
]
