import datetime

import pytest

import cairn


@pytest.fixture
def sqlite_uri(tmp_path):
    return f"sqlite:{tmp_path / 'data' / 'app.db'}"


@pytest.fixture
def engine():
    with cairn.open("memory:") as e:
        yield e


EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def at(seconds):
    """The aware UTC datetime `seconds` after the epoch: how tests write times cairn returns."""
    return EPOCH + datetime.timedelta(seconds=seconds)
