"""Placeholder: being written (issue 22)."""


def test_placeholder():
    assert True
