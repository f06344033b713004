"""cairn.open and the Engine handle."""

import gc
import os
import re
import stat
import subprocess
import sys
import threading

import pytest

import cairn


def test_version_matches_the_header():
    header = open(os.path.join(os.path.dirname(__file__), "../../../include/cairn/version.h")).read()
    assert cairn.__version__ == re.search(r'CAIRN_VERSION_STRING "([^"]+)"', header).group(1)


def test_open_memory(engine):
    assert engine.backend == "memory"
    assert engine.uri == "memory:"
    assert engine.schema_version == cairn.latest_schema_version() >= 1
    assert re.fullmatch(r"[0-9a-f]{32}", engine.instance_id)
    assert not engine.closed


def test_sqlite_file_is_private_and_persists(sqlite_uri, tmp_path):
    with cairn.open(sqlite_uri) as first:
        assert first.backend == "sqlite"
        instance_id = first.instance_id
        created = first.created_at_unix_micros
    path = tmp_path / "data" / "app.db"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
    with cairn.open(sqlite_uri) as second:
        assert second.instance_id == instance_id
        assert second.created_at_unix_micros == created


def test_context_manager_closes(sqlite_uri):
    with cairn.open(sqlite_uri) as e:
        pass
    assert e.closed
    with pytest.raises(cairn.FailedPreconditionError) as info:
        e.instance_id
    assert info.value.reason == "ENGINE_CLOSED"
    e.close()  # idempotent


def test_exceptions_inside_with_propagate_and_close():
    with pytest.raises(KeyError):
        with cairn.open("memory:") as e:
            raise KeyError("boom")
    assert e.closed


def test_fake_env_fixes_clock_and_ids():
    env = cairn.FakeEnv(start_unix_micros=1_700_000_000_000_000, seed=5)
    assert env.now_unix_micros() == 1_700_000_000_000_000
    env.advance_micros(10)
    assert env.now_unix_micros() == 1_700_000_000_000_010
    with cairn.open("memory:", env=env) as a, cairn.open("memory:", env=cairn.FakeEnv(seed=5)) as b:
        assert a.created_at_unix_micros == 1_700_000_000_000_010
        assert b.created_at_unix_micros == cairn.FakeEnv().now_unix_micros()
    with cairn.open("memory:", env=cairn.FakeEnv(seed=9)) as c, \
            cairn.open("memory:", env=cairn.FakeEnv(seed=9)) as d:
        assert c.instance_id == d.instance_id
    assert cairn.FakeEnv(seed=3).random_bytes(16) == cairn.FakeEnv(seed=3).random_bytes(16)
    env.advance_micros(-10)
    assert env.now_unix_micros() == 1_700_000_000_000_000


def test_engine_keeps_its_fake_env_alive():
    e = cairn.open("memory:", env=cairn.FakeEnv(start_unix_micros=77))
    assert e.created_at_unix_micros == 77
    e.close()


def test_services_keep_their_engine_alive():
    # Each service borrows the engine: it must keep the Engine object alive on its own.
    audit = cairn.open("memory:").audit
    access = cairn.open("memory:").access
    auth = cairn.open("memory:").auth
    gc.collect()
    assert audit.size() == 0
    assert access.policy("t") is None
    assert auth.users() == []
    limiter = cairn.open("memory:").auth.rate_limiter("api", 1, 1)
    gc.collect()
    assert limiter.hit("k") == (True, 0.0)


def test_bad_options_are_rejected():
    with pytest.raises(cairn.InvalidArgumentError) as info:
        cairn.open("memory:", busy_timeout_ms=-1)
    assert info.value.reason == "ENGINE_OPTIONS_INVALID"
    with pytest.raises(TypeError):
        cairn.open("memory:", env="not an env")


def test_not_a_database(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("x" * 4096)
    with pytest.raises(cairn.FailedPreconditionError) as info:
        cairn.open(f"sqlite:{path}")
    assert info.value.reason == "STORAGE_NOT_A_DATABASE"
    assert path.read_text() == "x" * 4096


def test_newer_schema_is_refused(sqlite_uri, tmp_path):
    import sqlite3
    cairn.open(sqlite_uri).close()
    db = sqlite3.connect(tmp_path / "data" / "app.db")
    db.execute("INSERT INTO schema_migrations VALUES (9999, 'future', 0)")
    db.commit()
    db.close()
    with pytest.raises(cairn.FailedPreconditionError) as info:
        cairn.open(sqlite_uri)
    assert info.value.reason == "STORAGE_SCHEMA_TOO_NEW"


def test_threads_share_one_engine(sqlite_uri):
    with cairn.open(sqlite_uri) as e:
        seen = []
        threads = [threading.Thread(target=lambda: seen.append(e.instance_id)) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(set(seen)) == 1 and len(seen) == 8


def test_import_works_from_any_directory(tmp_path):
    out = subprocess.run([sys.executable, "-c", "import cairn; print(cairn.__version__)"],
                         cwd=tmp_path, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == cairn.__version__
