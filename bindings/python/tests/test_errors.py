"""The Python side of the one error table."""

import builtins
import pathlib
import pickle
import re

import pytest

import cairn
from cairn import errors

REPO = pathlib.Path(__file__).resolve().parents[3]

EXPECTED = {
    # name: (number, http, class, extra builtin base)
    "CANCELLED": (1, 499, "CancelledError", None),
    "UNKNOWN": (2, 500, "UnknownError", None),
    "INVALID_ARGUMENT": (3, 400, "InvalidArgumentError", ValueError),
    "DEADLINE_EXCEEDED": (4, 504, "DeadlineExceededError", TimeoutError),
    "NOT_FOUND": (5, 404, "NotFoundError", LookupError),
    "ALREADY_EXISTS": (6, 409, "AlreadyExistsError", None),
    "PERMISSION_DENIED": (7, 403, "PermissionDeniedError", PermissionError),
    "RESOURCE_EXHAUSTED": (8, 429, "ResourceExhaustedError", None),
    "FAILED_PRECONDITION": (9, 400, "FailedPreconditionError", None),
    "ABORTED": (10, 409, "AbortedError", None),
    "OUT_OF_RANGE": (11, 400, "OutOfRangeError", None),
    "UNIMPLEMENTED": (12, 501, "UnimplementedError", NotImplementedError),
    "INTERNAL": (13, 500, "InternalError", None),
    "UNAVAILABLE": (14, 503, "UnavailableError", None),
    "DATA_LOSS": (15, 500, "DataLossError", None),
    "UNAUTHENTICATED": (16, 401, "UnauthenticatedError", None),
}


def test_error_codes_follow_google_rpc_numbering():
    assert cairn.ErrorCode.OK == 0
    for name, (number, _, _, _) in EXPECTED.items():
        assert cairn.ErrorCode[name] == number


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_code_has_its_class(name):
    number, http, class_name, base = EXPECTED[name]
    cls = getattr(cairn, class_name)
    assert cls is getattr(errors, class_name)
    assert issubclass(cls, cairn.Error)
    assert cls.code == number and cls.code.name == name
    assert cls.http_status == http
    if base is not None:
        assert issubclass(cls, base)
    exc = cls("what happened", reason="SOME_REASON")
    assert exc.message == "what happened"
    assert exc.reason == "SOME_REASON"
    assert str(exc) == f"{name} SOME_REASON: what happened"
    again = pickle.loads(pickle.dumps(exc))
    assert type(again) is cls and again.reason == "SOME_REASON" and again.message == "what happened"


def test_builtin_handlers_catch_cairn_errors():
    with pytest.raises(LookupError):
        raise cairn.NotFoundError("missing", reason="SECRET_NOT_FOUND")
    with pytest.raises(ValueError):
        raise cairn.InvalidArgumentError("bad", reason="X")
    with pytest.raises(PermissionError):
        raise cairn.PermissionDeniedError("no", reason="X")


def test_engine_errors_arrive_as_the_right_class():
    with pytest.raises(cairn.InvalidArgumentError) as info:
        cairn.open("mysql://db/app")
    assert info.value.code == cairn.ErrorCode.INVALID_ARGUMENT
    assert info.value.reason == "STORAGE_URI_INVALID"
    assert info.value.http_status == 400
    assert isinstance(info.value, ValueError)

    with pytest.raises(cairn.UnimplementedError) as info:
        cairn.open("postgresql://localhost/app")
    assert info.value.reason == "STORAGE_BACKEND_UNAVAILABLE"


def test_stub_lists_exactly_the_generated_classes():
    stub = (REPO / "bindings/python/cairn/errors.pyi").read_text()
    stub_classes = dict(re.findall(r"^class (\w+)\((.*)\): \.\.\.$", stub, re.M))
    generated = {name: cls for name, cls in vars(errors).items()
                 if isinstance(cls, type) and issubclass(cls, cairn.Error) and cls is not cairn.Error}
    assert set(stub_classes) == set(generated)
    for name, bases in stub_classes.items():
        extra = [b.strip() for b in bases.split(",")[1:]]
        expected_extra = [b.__name__ for b in generated[name].__bases__[1:]]
        assert extra == expected_extra, name
    assert set(re.findall(r"^    ([A-Z_]+) = \d+$", stub, re.M)) == {c.name for c in cairn.ErrorCode}


def test_table_matches_the_inc_file():
    inc = (REPO / "include/cairn/core/error_codes.inc").read_text()
    rows = re.findall(r'^CAIRN_ERROR_CODE\(k\w+, (\w+), (\d+), (\d+), "(\w*)", "(\w*)", (?:true|false)\)$',
                      inc, re.M)
    assert len(rows) == 17
    for wire, number, http, cls, base in rows:
        assert cairn.ErrorCode[wire] == int(number)
        if int(number):
            assert getattr(errors, cls).http_status == int(http)
            if base:
                assert issubclass(getattr(errors, cls), getattr(builtins, base))


def test_retryable_comes_from_the_table():
    inc = (REPO / "include/cairn/core/error_codes.inc").read_text()
    rows = dict(re.findall(r'^CAIRN_ERROR_CODE\(k\w+, (\w+), \d+, \d+, "\w*", "\w*", (true|false)\)$',
                           inc, re.M))
    assert len(rows) == 17
    for wire, flag in rows.items():
        if wire == "OK":
            continue
        cls = getattr(errors, EXPECTED[wire][2])
        assert cls.retryable is (flag == "true"), wire
        assert cls("m", reason="R").retryable is (flag == "true")
    assert errors.Error.retryable is False
    assert errors.InvalidArgumentError.retryable is False  # the input is wrong: never retried
