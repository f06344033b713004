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
from conftest import at


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
        created = first.created_at
    path = tmp_path / "data" / "app.db"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
    with cairn.open(sqlite_uri) as second:
        assert second.instance_id == instance_id
        assert second.created_at == created


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
    env = cairn.FakeEnv(start=at(1_700_000_000), seed=5)
    assert env.now() == at(1_700_000_000)
    env.advance(0.00001)
    assert env.now() == at(1_700_000_000.00001)
    with cairn.open("memory:", env=env) as a, cairn.open("memory:", env=cairn.FakeEnv(seed=5)) as b:
        assert a.created_at == at(1_700_000_000.00001)
        assert b.created_at == cairn.FakeEnv().now()
    with cairn.open("memory:", env=cairn.FakeEnv(seed=9)) as c, \
            cairn.open("memory:", env=cairn.FakeEnv(seed=9)) as d:
        assert c.instance_id == d.instance_id
    assert cairn.FakeEnv(seed=3).random_bytes(16) == cairn.FakeEnv(seed=3).random_bytes(16)
    env.advance(-0.00001)
    assert env.now() == at(1_700_000_000)


def test_engine_keeps_its_fake_env_alive():
    e = cairn.open("memory:", env=cairn.FakeEnv(start=at(77)))
    assert e.created_at == at(77)
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
        cairn.open("memory:", busy_timeout=-1)
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


# ---------------------------------------------------------------------------------------------
# The engine's own keys under a master key (engine.hpp): a copy of the database file alone
# neither recovers login codes nor re-signs the audit log. Opened by hand here with
# python3-cryptography, following the documented formats.

MASTER = bytes(range(32))
MASTER2 = bytes(range(100, 132))


def _fields(*parts):
    return b"".join(len(p).to_bytes(4, "big") + p for p in parts)


def _hkdf(key, info):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(key)


def _open_gcm(key, blob, aad):
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    return AESGCM(key).decrypt(blob[:12], blob[12:], aad)


def _stored(path):
    import sqlite3
    db = sqlite3.connect(path)
    try:
        pem, redaction = db.execute(
            "SELECT signing_key_pem, redaction_key FROM audit_logs WHERE name = 'main'").fetchone()
        code_key = db.execute("SELECT value FROM cairn_meta WHERE key = 'auth.code_key'").fetchone()
        wrapped = db.execute("SELECT wrapped_key FROM secrets_keyring_keys "
                             "WHERE name = 'engine.sealing'").fetchone()
    finally:
        db.close()
    return pem, bytes(redaction), code_key, wrapped and bytes(wrapped[0])


def _open_engine_keys(path, master):
    """The engine's keys as stored, opened with the master key: (sealing, code, pem, redaction)."""
    pem_form, redaction_form, code_key, wrapped = _stored(path)
    assert code_key is None, "a login-code key is stored"
    assert len(wrapped) == 12 + 32 + 16
    kek = _hkdf(master, b"cairn-secrets-kek-v1")
    sealing = _open_gcm(kek, wrapped, _fields(b"cairn-keyring-key-v1", b"engine.sealing"))
    seal = _hkdf(sealing, b"cairn.audit.keys")
    assert pem_form.startswith("cairn-sealed:v1:"), "the signing key is stored in clear"
    pem = _open_gcm(seal, bytes.fromhex(pem_form[16:]), b"cairn-audit-signing-key-v1\0main")
    assert len(redaction_form) == 61 and redaction_form[0] == 1
    redaction = _open_gcm(seal, redaction_form[1:], b"cairn-audit-redaction-key-v1\0main")
    return sealing, _hkdf(sealing, b"cairn.auth.login_codes"), pem, redaction


def _public_pem(private_pem):
    from cryptography.hazmat.primitives import serialization
    key = serialization.load_pem_private_key(private_pem, password=None)
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def _file_bytes(path):
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def _reason(cls, reason, fn):
    with pytest.raises(cls) as info:
        fn()
    assert info.value.reason == reason


def test_a_master_key_seals_every_key_the_engine_keeps(sqlite_uri, tmp_path):
    path = tmp_path / "data" / "app.db"
    with cairn.open(sqlite_uri, master_key=MASTER) as e:
        code = e.auth.request_login_code("ada@example.com")
        e.audit.append("ada", "secret.write", "DB_URL", details={"value": "hunter2"},
                       sensitive=["value"])
        public_pem = e.audit.public_key_pem()
    sealing, code_key, pem, redaction = _open_engine_keys(path, MASTER)
    assert _public_pem(pem) == public_pem
    data = _file_bytes(path)
    assert b"PRIVATE KEY" not in data
    for secret in (sealing, code_key, redaction):
        assert secret not in data and secret.hex().encode() not in data

    # Everything still works after a reopen: the pending code, the same audit key.
    with cairn.open(sqlite_uri, master_key=MASTER.hex()) as e:
        assert e.audit.public_key_pem() == public_pem
        e.auth.verify_login_code("ada@example.com", code)
        e.secrets.rotate_master_key(MASTER2)
    # Rotation re-wrapped the keyring key: the same keys under the new master key only.
    assert _open_engine_keys(path, MASTER2)[0] == sealing
    _reason(cairn.FailedPreconditionError, "SECRETS_MASTER_KEY_MISMATCH",
            lambda: cairn.open(sqlite_uri, master_key=MASTER))
    _reason(cairn.FailedPreconditionError, "AUDIT_KEYS_SEALED", lambda: cairn.open(sqlite_uri))
    with cairn.open(sqlite_uri, master_key=MASTER2) as e:
        assert e.audit.public_key_pem() == public_pem
        e.audit.verify()


def test_a_database_made_without_a_master_key_is_sealed_on_first_use_of_one(sqlite_uri, tmp_path):
    path = tmp_path / "data" / "app.db"
    with cairn.open(sqlite_uri) as e:
        code = e.auth.request_login_code("ada@example.com")
        public_pem = e.audit.public_key_pem()
    legacy_pem, legacy_redaction, legacy_code_key, _ = _stored(path)
    assert legacy_pem.startswith("-----BEGIN PRIVATE KEY-----") and len(legacy_redaction) == 32
    assert legacy_code_key is not None  # in clear, as before

    with cairn.open(sqlite_uri, master_key=MASTER) as e:
        assert e.audit.public_key_pem() == public_pem
        # Codes pending when the plaintext key went stop working.
        _reason(cairn.UnauthenticatedError, "AUTH_CODE_INVALID",
                lambda: e.auth.verify_login_code("ada@example.com", code))
    _, code_key, pem, redaction = _open_engine_keys(path, MASTER)
    assert pem.decode() == legacy_pem and redaction == legacy_redaction
    data = _file_bytes(path)
    assert b"PRIVATE KEY" not in data
    assert legacy_code_key[0].encode() not in data
    assert legacy_redaction not in data and code_key not in data


def test_snapshots_are_written_and_inspected(sqlite_uri, tmp_path):
    with cairn.open(sqlite_uri) as engine:
        engine.audit.append("ada", "test.before", "r")
        engine.snapshot(tmp_path / "snap.db")
        engine.audit.append("ada", "test.after", "r")
        instance_id = engine.instance_id
    info = cairn.inspect_snapshot(str(tmp_path / "snap.db"))
    assert isinstance(info, cairn.SnapshotInfo)
    assert (info.schema_version, info.instance_id) == (cairn.latest_schema_version(), instance_id)
    assert stat.S_IMODE((tmp_path / "snap.db").stat().st_mode) == 0o600
    with cairn.open(f"sqlite:{tmp_path / 'snap.db'}") as copy:
        assert copy.instance_id == instance_id and copy.audit.size() == 1
    with pytest.raises(cairn.UnimplementedError) as info:
        cairn.open("memory:").snapshot(tmp_path / "m.db")
    assert info.value.reason == "STORAGE_SNAPSHOT_UNSUPPORTED"
    (tmp_path / "junk.db").write_bytes(b"not a database" * 100)
    with pytest.raises(cairn.FailedPreconditionError) as info:
        cairn.inspect_snapshot(tmp_path / "junk.db")
    assert info.value.reason == "STORAGE_NOT_A_DATABASE"
