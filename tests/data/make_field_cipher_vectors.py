"""Writes tests/data/field_cipher.json: field cipher vectors computed with Python's
`cryptography` (Debian python3-cryptography: HKDF and AESGCM), independently of cairn, from fixed
master keys, families, nonces, associated data and plaintexts. The layout is the one
include/cairn/crypto/field_cipher.hpp documents (Tundra's EncryptedField plus mandatory aad):

    key        = HKDF-SHA256(ikm = master key, salt = none, info = family), 32 bytes
    aad        = for table, row id, column: 4-byte big-endian length, then the UTF-8 bytes
    ciphertext = 0x01 | nonce (12) | AES-256-GCM ciphertext | tag (16)

    /usr/bin/python3 tests/data/make_field_cipher_vectors.py > tests/data/field_cipher.json
"""

import json

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def field_aad(table, row_id, column):
    out = b""
    for part in (table, row_id, column):
        raw = part.encode("utf-8")
        out += len(raw).to_bytes(4, "big") + raw
    return out


def vector(name, master, family, nonce, plaintext, place=None, aad=None):
    key = HKDF(hashes.SHA256(), 32, None, family.encode("utf-8")).derive(master)
    if place is not None:
        aad = field_aad(*place)
    sealed = AESGCM(key).encrypt(nonce, plaintext, aad)
    v = {
        "name": name,
        "master_key_hex": master.hex(),
        "family": family,
        "key_hex": key.hex(),
    }
    if place is not None:
        v.update({"table": place[0], "row_id": place[1], "column": place[2]})
    v.update({
        "aad_hex": aad.hex(),
        "nonce_hex": nonce.hex(),
        "plaintext_hex": plaintext.hex(),
        "ciphertext_hex": (b"\x01" + nonce + sealed).hex(),
    })
    return v


MASTER_A = bytes(range(32))
MASTER_B = bytes.fromhex("9f" * 16 + "3c" * 16)

VECTORS = [
    vector("env var of site 42", MASTER_A, "tundra:v1:site:env_var", bytes(range(12)),
           b'"DATABASE_URL=postgres://db/app"', place=("sites", "42", "env_var")),
    vector("empty plaintext", MASTER_A, "tundra:v1:site:env_var", bytes(12), b"",
           place=("sites", "42", "env_var")),
    vector("totp secret, binary plaintext", MASTER_A, "tundra:v1:identity:totp_secret",
           bytes.fromhex("ffeeddccbbaa998877665544"), bytes(range(256)) + bytes(range(7)),
           place=("operators", "7f3e0c1a-5b2d-4e8f-9a10-0123456789ab", "totp_secret")),
    vector("same value, row 43", MASTER_A, "tundra:v1:site:env_var", bytes(range(12)),
           b'"DATABASE_URL=postgres://db/app"', place=("sites", "43", "env_var")),
    vector("UTF-8 parts, other master key", MASTER_B, "tundra:v1:db_user:password",
           bytes.fromhex("0102030405060708090a0b0c"), "pässwörd ✓".encode("utf-8"),
           place=("db_users", "ü-1", "password")),
    vector("caller's own aad bytes", MASTER_B, "tundra:v1:plugin:settings",
           bytes.fromhex("a0a1a2a3a4a5a6a7a8a9aaab"), b'{"token":"x"}', aad=b"plugin_settings/9"),
    vector("128-byte family", MASTER_B, "f" * 128, bytes.fromhex("cafebabedeadbeef00112233"),
           b"x" * 33, place=("t", "r", "c")),
]

print(json.dumps({
    "source": "computed with python3-cryptography (HKDF, AESGCM) by "
              "tests/data/make_field_cipher_vectors.py; layout from Tundra's EncryptedField "
              "(crates/tundrad-crypto) plus cairn's length-prefixed associated data",
    "vectors": VECTORS,
}, indent=1, ensure_ascii=False))
