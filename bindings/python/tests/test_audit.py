"""cairn.audit: RFC 6962 functions checked against published roots and an independent
hashlib implementation, and the engine's stored log end to end."""

import hashlib
import io
import json
import pathlib
import sqlite3

import pytest
from cryptography.hazmat.primitives import serialization

import cairn
from conftest import at
from cairn import audit

DATA = pathlib.Path(__file__).resolve().parents[3] / "tests" / "data" / "rfc6962_merkle.json"


# An independent RFC 6962 implementation (section 2.1), straight from the text.

def H(b):
    return hashlib.sha256(b).digest()


def mth(leaves):
    if not leaves:
        return H(b"")
    if len(leaves) == 1:
        return H(b"\x00" + leaves[0])
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return H(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))


def path(m, leaves):
    if len(leaves) <= 1:
        return []
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    if m < k:
        return path(m, leaves[:k]) + [mth(leaves[k:])]
    return path(m - k, leaves[k:]) + [mth(leaves[:k])]


def subproof(m, leaves, complete):
    n = len(leaves)
    if m == n:
        return [] if complete else [mth(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return subproof(m, leaves[:k], complete) + [mth(leaves[k:])]
    return subproof(m - k, leaves[k:], False) + [mth(leaves[:k])]


LEAVES = [i.to_bytes(2, "big") * (i % 3 + 1) for i in range(33)]


def test_roots_match_published_vectors():
    v = json.loads(DATA.read_text())
    leaves = [bytes.fromhex(x) for x in v["leaves_hex"]]
    for n, expected in enumerate(v["roots_by_size"]):
        assert audit.merkle_root(leaves[:n]).hex() == expected
    assert audit.merkle_root([]) == hashlib.sha256(b"").digest()
    assert audit.leaf_hash(b"") .hex() == v["hasher"]["leaf_empty"]


def test_proofs_match_an_independent_implementation():
    for n in range(1, len(LEAVES) + 1):
        root = mth(LEAVES[:n])
        assert audit.merkle_root(LEAVES[:n]) == root
        for i in range(n):
            proof = audit.inclusion_proof(LEAVES, i, n)
            assert proof == path(i, LEAVES[:n])
            assert audit.verify_inclusion(LEAVES[i], i, n, proof, root)
            assert not audit.verify_inclusion(LEAVES[i] + b"x", i, n, proof, root)
        for m in range(1, n + 1):
            proof = audit.consistency_proof(LEAVES, m, n)
            expected = [] if m == n else subproof(m, LEAVES[:n], True)
            assert proof == expected, (m, n)
            assert audit.verify_consistency(m, n, mth(LEAVES[:m]), root, proof)
            if m < n:
                assert not audit.verify_consistency(m, n, root, root, proof)


def test_default_sizes_and_bad_arguments():
    assert audit.inclusion_proof(LEAVES, 3) == path(3, LEAVES)
    assert audit.consistency_proof(LEAVES, 5) == subproof(5, LEAVES, True)
    with pytest.raises(cairn.OutOfRangeError) as info:
        audit.inclusion_proof(LEAVES, len(LEAVES))
    assert info.value.reason == "AUDIT_INDEX_OUT_OF_RANGE"
    with pytest.raises(cairn.InvalidArgumentError) as info:
        audit.verify_inclusion(b"x", 0, 1, [], b"short")
    assert info.value.reason == "AUDIT_HASH_INVALID"


# The stored log


def append_some(log, n, start=0):
    return [log.append(f"user{i}", "secret.read", f"KEY_{i}", resource_type="secret",
                       ip="192.0.2.1", user_agent="pytest", request_id=f"r{i}",
                       details={"i": i}) for i in range(start, start + n)]


@pytest.mark.parametrize("uri_kind", ["memory", "sqlite"])
def test_append_entries_and_proofs(uri_kind, tmp_path):
    uri = "memory:" if uri_kind == "memory" else f"sqlite:{tmp_path / 'a.db'}"
    with cairn.open(uri) as engine:
        log = engine.audit
        assert append_some(log, 10) == list(range(10))
        assert log.size() == 10
        e = log.entry(3)
        assert e["actor"] == "user3" and e["resource"] == "KEY_3" and e["details"] == {"i": 3}
        assert e["leaf"] == hashlib.sha256(b"\x00" + e["encoded"]).digest()
        encoded = [log.entry(i)["encoded"] for i in range(10)]
        assert log.root() == mth(encoded)
        for i in range(10):
            proof = log.prove_inclusion(i)
            assert proof == path(i, encoded)
            assert audit.verify_inclusion(encoded[i], i, 10, proof, log.root())
        assert log.prove_consistency(4, 10) == subproof(4, encoded, True)
        assert log.prove_inclusion(2, 5) == path(2, encoded[:5])


def test_tree_head_signature_verifies_with_cryptography():
    with cairn.open("memory:") as engine:
        append_some(engine.audit, 3)
        head = engine.audit.tree_head()
        assert head.size == 3 and head.root == engine.audit.root() and len(head.signature) == 64
        key = serialization.load_pem_public_key(engine.audit.public_key_pem().encode())
        key.verify(head.signature, head.signed_bytes())  # raises if invalid
        assert head.verify(engine.audit.public_key_pem())
        other = cairn.crypto.generate_key("Ed25519").public_pem()
        assert not head.verify(other)


def test_bad_entries_and_stale_sizes_are_refused():
    with cairn.open("memory:") as engine:
        log = engine.audit
        for kwargs in ({"actor": "", "action": "x", "resource": ""},
                       {"actor": "a", "action": "x", "resource": "", "ip": "not-an-ip"},
                       {"actor": "a", "action": "x", "resource": "", "details": "[1]"},
                       {"actor": "a", "action": "x", "resource": "", "actor_type": "Robot!"}):
            with pytest.raises(cairn.InvalidArgumentError) as info:
                log.append(**kwargs)
            assert info.value.reason == "AUDIT_ENTRY_INVALID"
        assert log.size() == 0
        log.append("a", "x", "", expected_size=0)
        with pytest.raises(cairn.AbortedError) as info:
            log.append("a", "x", "", expected_size=0)
        assert info.value.reason == "AUDIT_SIZE_MISMATCH"
        assert log.size() == 1


def test_sensitive_details_are_hmacs():
    with cairn.open("memory:") as engine:
        log = engine.audit
        log.append("a", "secret.write", "K", details={"value": "hunter2", "len": 7},
                   sensitive=["value"])
        log.append("b", "secret.write", "K", details={"value": "hunter2"}, sensitive=["value"])
        first, second = log.entry(0)["details"], log.entry(1)["details"]
        assert first["len"] == 7
        assert first["value"].startswith("hmac-sha256:") and "hunter2" not in json.dumps(first)
        assert first["value"] == second["value"]


def test_query_pages_through_matches():
    with cairn.open("memory:", env=cairn.FakeEnv(start=at(1))) as engine:
        log = engine.audit
        for i in range(12):
            log.append("alice" if i % 2 else "bob", "read", f"r{i % 3}")
        seen, cursor = [], ""
        while True:
            entries, cursor = log.query(actor="alice", limit=4, cursor=cursor or "")
            seen += [e["seq"] for e in entries]
            if cursor is None:
                break
        assert seen == [1, 3, 5, 7, 9, 11]
        entries, _ = log.query(resource="r0", since=at(1), until=at(1.000001))
        assert [e["seq"] for e in entries] == [0, 3, 6, 9]
        with pytest.raises(cairn.InvalidArgumentError) as info:
            log.query(limit=0)
        assert info.value.reason == "AUDIT_QUERY_INVALID"


def test_verify_reports_the_first_bad_sequence_number(tmp_path):
    db = tmp_path / "a.db"
    with cairn.open(f"sqlite:{db}") as engine:
        append_some(engine.audit, 8)
        assert engine.audit.verify() == 8
    raw = sqlite3.connect(db)
    # Row ids pack (log << 40) | seq; the engine's log is log 1.
    raw.execute("UPDATE audit_entries SET ip = '198.51.100.7' WHERE id = ?", ((1 << 40) + 5,))
    raw.commit()
    raw.close()
    with cairn.open(f"sqlite:{db}") as engine:
        with pytest.raises(cairn.DataLossError) as info:
            engine.audit.verify()
        assert info.value.reason == "AUDIT_CHAIN_BROKEN"
        assert info.value.seq == 5 and info.value.damage == "modified"


def test_export_verifies_offline_and_detects_edits(tmp_path):
    out = tmp_path / "audit.jsonl"
    with cairn.open("memory:") as engine:
        append_some(engine.audit, 6)
        engine.audit.export(str(out))
        pem = engine.audit.public_key_pem()
    assert (out.stat().st_mode & 0o777) == 0o600
    report = audit.verify_export(str(out), pem)
    assert report["intact"] and report["entries"] == 6 and report["first_bad_seq"] is None
    lines = out.read_text().splitlines()
    del lines[2]
    out.write_text("\n".join(lines) + "\n")
    report = audit.verify_export(str(out), pem)
    assert not report["intact"] and report["damage"] == "deleted" and report["first_bad_seq"] == 2


def test_async_mode_queues_and_flushes(tmp_path):
    with cairn.open(f"sqlite:{tmp_path / 'q.db'}", audit_mode="async", audit_queue_capacity=500) as engine:
        log = engine.audit
        assert log.mode == "async"
        for i in range(100):
            log.record(f"u{i}", "x", "")
        log.flush()
        assert log.size() + log.dropped == 100
        assert log.dropped == 0
        with pytest.raises(cairn.InvalidArgumentError):
            log.record("", "x", "")
    with pytest.raises(cairn.InvalidArgumentError) as info:
        cairn.open("memory:", audit_mode="sometimes")
    assert info.value.reason == "ENGINE_OPTIONS_INVALID"


def test_audit_after_close_raises():
    engine = cairn.open("memory:")
    log = engine.audit
    engine.close()
    with pytest.raises(cairn.FailedPreconditionError) as info:
        log.size()
    assert info.value.reason == "ENGINE_CLOSED"


def test_export_streams_through_a_file_object(tmp_path):
    with cairn.open(f"sqlite:{tmp_path / 'a.db'}") as engine:
        for i in range(3):
            engine.audit.append("alice", "read", f"r{i}")
        engine.audit.export(tmp_path / "by-path.jsonl")
        stream = io.BytesIO()
        engine.audit.export(stream)
        pem = engine.audit.public_key_pem()

        class Broken:
            def write(self, chunk):
                raise OSError("disk full")
        with pytest.raises(OSError, match="disk full"):
            engine.audit.export(Broken())
        with pytest.raises(TypeError):
            engine.audit.export(42)
    streamed = stream.getvalue().splitlines()
    written = (tmp_path / "by-path.jsonl").read_bytes().splitlines()
    assert len(streamed) == 4 and streamed[:-1] == written[:-1]  # the tree heads are signed apart
    (tmp_path / "streamed.jsonl").write_bytes(stream.getvalue())
    assert audit.verify_export(str(tmp_path / "streamed.jsonl"), pem)["intact"] is True
