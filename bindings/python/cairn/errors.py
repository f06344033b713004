"""The cairn exception hierarchy, generated from the engine's one error table.

Every error raised by cairn is an instance of :class:`Error` and of exactly one subclass per
code (``NotFoundError`` for NOT_FOUND, ...). Some subclasses also derive from the matching
built-in exception, so ordinary Python handlers work::

    NotFoundError          also LookupError
    InvalidArgumentError   also ValueError
    PermissionDeniedError  also PermissionError
    DeadlineExceededError  also TimeoutError
    UnimplementedError     also NotImplementedError

Each instance carries ``.code`` (an :class:`ErrorCode`), ``.reason`` (a stable SCREAMING_SNAKE
detail listed in docs/errors.md), ``.message``, ``.http_status``, ``.retryable`` (whether the same
call tried again later can succeed: the error table's column, the rule the job scheduler follows)
and ``.retry_after`` (seconds until a retry can succeed, for limits and lockouts; otherwise None). Branch on ``code`` and
``reason``, never on the message.
"""

import builtins
import enum

from . import _core

_TABLE = _core.error_code_table()

#: The error codes, google.rpc numbering: ``ErrorCode.NOT_FOUND == 5``.
ErrorCode = enum.IntEnum("ErrorCode", [(row[1], row[0]) for row in _TABLE], module=__name__)


class Error(Exception):
    """Base class of every cairn error."""

    code = ErrorCode.UNKNOWN
    http_status = 500
    retryable = False

    def __init__(self, message="", *, reason="", retry_after=None):
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.retry_after = retry_after

    def __str__(self):
        return f"{self.code.name} {self.reason}: {self.message}" if self.reason else self.message

    def __reduce__(self):
        return (_make_error, (int(self.code), self.reason, self.message, self.retry_after))


def _new_through(builtin_base):
    # OSError subclasses (PermissionError, TimeoutError) map errno-style arguments in __new__ and
    # take no keywords; hand the base only the message so it stays the message.
    def __new__(cls, message="", *args, **kwargs):
        return builtin_base.__new__(cls, message)

    return __new__


_BY_CODE = {}
for _number, _wire, _http, _class_name, _base, _retryable in _TABLE:
    if _number == 0:
        continue
    _bases = (Error, getattr(builtins, _base)) if _base else (Error,)
    _cls = type(
        _class_name,
        _bases,
        {
            "code": ErrorCode(_number),
            "http_status": _http,
            "retryable": _retryable,
            "__doc__": f"{_wire} (code {_number}, HTTP {_http}).",
            "__module__": __name__,
            "__new__": _new_through(getattr(builtins, _base) if _base else Exception),
        },
    )
    globals()[_class_name] = _cls
    _BY_CODE[_number] = _cls
del _number, _wire, _http, _class_name, _base, _retryable, _bases, _cls


def _make_error(code, reason, message, retry_after=None):
    """Builds the exception for an engine error (used by cairn._core and unpickling)."""
    cls = _BY_CODE.get(code, _BY_CODE[int(ErrorCode.UNKNOWN)])
    return cls(message, reason=reason, retry_after=retry_after)


__all__ = ["Error", "ErrorCode"] + sorted(cls.__name__ for cls in _BY_CODE.values())
