"""Tamper-evident audit logs: a hash chain and an RFC 6962 Merkle tree over the same entries.

Pure functions over raw leaf bytes (the 0x00 leaf prefix is added inside)::

    from cairn import audit
    root = audit.merkle_root([b"a", b"b", b"c"])
    proof = audit.inclusion_proof([b"a", b"b", b"c"], 1)
    audit.verify_inclusion(b"b", 1, 3, proof, root)          # True

The engine's stored log is ``engine.audit``::

    seq = engine.audit.append("alice", "secret.read", "db-url", resource_type="secret")
    head = engine.audit.tree_head()          # .size .root .time .signature, Ed25519-signed
    engine.audit.verify()                    # raises DataLossError with .seq and .damage
    engine.audit.export("audit.jsonl")       # check offline: verify_export(path, public_key_pem)
    engine.audit.export(binary_file)         # or stream it through any object with write(bytes)
"""

from ._core import audit as _audit

leaf_hash = _audit.leaf_hash
merkle_root = _audit.merkle_root
inclusion_proof = _audit.inclusion_proof
consistency_proof = _audit.consistency_proof
verify_inclusion = _audit.verify_inclusion
verify_consistency = _audit.verify_consistency
verify_export = _audit.verify_export
TreeHead = _audit.TreeHead
AuditLog = _audit.AuditLog

__all__ = [
    "AuditLog", "TreeHead", "consistency_proof", "inclusion_proof", "leaf_hash", "merkle_root",
    "verify_consistency", "verify_export", "verify_inclusion",
]
