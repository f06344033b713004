"""Writes tests/data/content_id_vectors.json: Cloudillo-style content IDs
(<prefix>1~ + unpadded base64url of SHA-256) and descriptor duration texts, computed with
Python's own hashlib, base64 and decimal modules (Debian /usr/bin/python3), independently of
cairn's SHA-256 and base64url code, for cairn's content tests.

    /usr/bin/python3 tests/data/make_content_id_vectors.py > tests/data/content_id_vectors.json

The ID rule is from Cloudillo's hasher.rs (see the reference notes): there are no published
input/ID pairs, so these are computed from the rule. Durations follow Rust's `{}` for f64: the
shortest decimal that reads back as the same double, without an exponent and without ".0".
"""

import base64
import decimal
import hashlib
import json


def content_id(prefix, data):
    digest = hashlib.sha256(data).digest()
    return prefix + "1~" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


INPUTS = [
    ("b", "empty", b""),
    ("b", "abc", b"abc"),
    ("b", "one zero byte", b"\x00"),
    ("b", "55 bytes (one block with padding)", bytes(range(55))),
    ("b", "56 bytes (padding spills into a second block)", bytes(range(56))),
    ("b", "64 bytes", bytes(range(64))),
    ("b", "1000 bytes", bytes(i * 7 % 256 for i in range(1000))),
    ("b", "all byte values", bytes(range(256))),
    ("a", "compact JWT (RFC 7519 3.1 example)",
     b"eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
     b".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
     b".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
    ("f", "canonical descriptor, no root",
     b"d2,vis.tn:b1~abc123:f=webp:s=2048:r=128x128;vid.hd:b1~def456:f=mp4:s=51200:r=1920x1080"
     b":dur=120.5:br=5000"),
    ("f", "canonical descriptor with root",
     b"d2,R=f1~rootid;vis.tn:b1~abc123:f=webp:s=2048:r=128x128"),
    ("r", "UTF-8 text", "Grüße, 世界".encode("utf-8")),
    ("xyz", "longer prefix", b"hello"),
]


def rust_display(x):
    text = format(decimal.Decimal(repr(x)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


DURATIONS = [120.5, 120.0, 0.5, 1.0, 0.1, 0.1 + 0.2, 1 / 3, 3600.25, 1e-7, 1.5e-10, 1e21,
             123456789012345680000.0, 2.0 ** 53, 2.0 ** 53 + 2, 5e-324, 1.7976931348623157e308,
             86399.999, 42.0]

vectors = [{"name": name, "prefix": prefix, "input_hex": data.hex(), "id": content_id(prefix, data)}
           for prefix, name, data in INPUTS]
durations = [{"value": x, "text": rust_display(x)} for x in DURATIONS]
print(json.dumps({
    "source": "computed from Cloudillo's ID rule (prefix + '1~' + base64url-nopad(SHA-256)) with "
              "Python hashlib/base64 (Debian python3); durations with decimal, as Rust {} prints f64",
    "vectors": vectors,
    "durations": durations,
}, indent=1, ensure_ascii=True))
