import pytest

import cairn


@pytest.fixture
def sqlite_uri(tmp_path):
    return f"sqlite:{tmp_path / 'data' / 'app.db'}"


@pytest.fixture
def engine():
    with cairn.open("memory:") as e:
        yield e
