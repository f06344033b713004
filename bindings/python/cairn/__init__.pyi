import datetime
from typing import Callable, Optional, Union

from . import (
    access as access,
    audit as audit,
    auth as auth,
    board as board,
    content as content,
    crypto as crypto,
    encoding as encoding,
    errors as errors,
    jobs as jobs,
    records as records,
    secrets as secrets,
)
from ._core import (
    Engine as Engine,
    FakeEnv as FakeEnv,
    SnapshotInfo as SnapshotInfo,
    inspect_snapshot as inspect_snapshot,
)
from .errors import (
    AbortedError as AbortedError,
    AlreadyExistsError as AlreadyExistsError,
    CancelledError as CancelledError,
    DataLossError as DataLossError,
    DeadlineExceededError as DeadlineExceededError,
    Error as Error,
    ErrorCode as ErrorCode,
    FailedPreconditionError as FailedPreconditionError,
    InternalError as InternalError,
    InvalidArgumentError as InvalidArgumentError,
    NotFoundError as NotFoundError,
    OutOfRangeError as OutOfRangeError,
    PermissionDeniedError as PermissionDeniedError,
    ResourceExhaustedError as ResourceExhaustedError,
    UnauthenticatedError as UnauthenticatedError,
    UnavailableError as UnavailableError,
    UnimplementedError as UnimplementedError,
    UnknownError as UnknownError,
)

__version__: str

def latest_schema_version() -> int: ...
def open(uri: str, *, env: Optional[FakeEnv] = ...,
         clock: Optional[Callable[[], datetime.datetime]] = ...,
         busy_timeout: Union[datetime.timedelta, int, float] = ...,
         audit_mode: str = ..., audit_queue_capacity: int = ...,
         master_key: Optional[Union[bytes, bytearray, memoryview, str]] = ...,
         jobs_lease: Union[datetime.timedelta, int, float] = ...,
         jobs_poll_interval: Union[datetime.timedelta, int, float] = ...) -> Engine: ...
