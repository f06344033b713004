#!/usr/bin/python3
"""Re-check every published test vector in tests/data/ against Python's
hashlib / hmac / base64 and the `cryptography` package.

Run:  /usr/bin/python3 tests/data/verify_vectors.py
Prints one line per failure and ends with "N passed, M failed"; the exit
status is 0 only when nothing failed.
"""
import base64
import decimal
import hashlib
import hmac
import json
import os
import sys

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey, Ed25519PublicKey)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

HERE = os.path.dirname(os.path.abspath(__file__))
passed = 0
failed = 0


def result(label, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {label} {detail}".rstrip())


def load(name):
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        doc = json.load(f)
    if not doc.get("source"):
        result(f"{name}: top-level 'source'", False, "missing")
    return doc


def unhex(s):
    if s != s.lower():
        raise ValueError("hex must be lower-case")
    return bytes.fromhex(s)


def run(label, fn):
    try:
        ok = fn()
        result(label, bool(ok))
    except Exception as e:  # a malformed entry is a failure, not a crash
        result(label, False, f"({type(e).__name__}: {e})")


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def check_sha():
    for v in load("sha.json")["vectors"]:
        def f(v=v):
            data = unhex(v["input_hex"]) * v.get("repeat", 1)
            return hashlib.new(v["alg"], data).hexdigest() == v["digest_hex"]
        run(f"sha.json {v['alg']} {v['name']}", f)


def check_hmac():
    for v in load("hmac_sha256.json")["vectors"]:
        def f(v=v):
            mac = hmac.new(unhex(v["key_hex"]), unhex(v["data_hex"]),
                           hashlib.sha256).digest()
            if v["truncate_bytes"] is not None:
                mac = mac[:v["truncate_bytes"]]
            return mac == unhex(v["mac_hex"])
        run(f"hmac_sha256.json case {v['case']}", f)


def check_hkdf():
    for v in load("hkdf_sha256.json")["vectors"]:
        def f(v=v):
            ikm, salt, info = (unhex(v["ikm_hex"]), unhex(v["salt_hex"]),
                               unhex(v["info_hex"]))
            # Extract (RFC 5869 2.2: absent salt = HashLen zero octets).
            prk = hmac.new(salt or bytes(32), ikm, hashlib.sha256).digest()
            okm = HKDF(hashes.SHA256(), v["length"], salt or None,
                       info).derive(ikm)
            return prk == unhex(v["prk_hex"]) and okm == unhex(v["okm_hex"])
        run(f"hkdf_sha256.json case {v['case']}", f)


def check_gcm():
    for v in load("aes256_gcm.json")["vectors"]:
        def f(v=v):
            key, iv = unhex(v["key_hex"]), unhex(v["iv_hex"])
            pt, aad = unhex(v["plaintext_hex"]), unhex(v["aad_hex"])
            ct, tag = unhex(v["ciphertext_hex"]), unhex(v["tag_hex"])
            if len(key) != 32 or len(iv) != 12 or len(tag) != 16:
                return False
            g = AESGCM(key)
            if g.encrypt(iv, pt, aad or None) != ct + tag:
                return False
            if g.decrypt(iv, ct + tag, aad or None) != pt:
                return False
            bad = bytearray(tag)
            bad[0] ^= 1
            try:
                g.decrypt(iv, ct + bytes(bad), aad or None)
                return False
            except InvalidTag:
                return True
        run(f"aes256_gcm.json case {v['case']}", f)


def check_ed25519():
    for v in load("ed25519.json")["vectors"]:
        def f(v=v):
            sk = Ed25519PrivateKey.from_private_bytes(unhex(v["secret_key_hex"]))
            pk = sk.public_key().public_bytes(serialization.Encoding.Raw,
                                              serialization.PublicFormat.Raw)
            msg, sig = unhex(v["message_hex"]), unhex(v["signature_hex"])
            if pk != unhex(v["public_key_hex"]) or sk.sign(msg) != sig:
                return False
            Ed25519PublicKey.from_public_bytes(pk).verify(sig, msg)
            return True
        run(f"ed25519.json {v['name']}", f)


def check_es256():
    doc = load("es256_rfc7515.json")

    def f():
        jwk = doc["jwk"]
        if (jwk["kty"], jwk["crv"]) != ("EC", "P-256"):
            return False
        x = int.from_bytes(b64url_decode(jwk["x"]), "big")
        y = int.from_bytes(b64url_decode(jwk["y"]), "big")
        d = int.from_bytes(b64url_decode(jwk["d"]), "big")
        pub = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
        derived = ec.derive_private_key(d, ec.SECP256R1()).public_key()
        if (derived.public_numbers().x, derived.public_numbers().y) != (x, y):
            return False
        raw = b64url_decode(doc["signature_b64url"])
        if len(raw) != 64:
            return False
        der = utils.encode_dss_signature(int.from_bytes(raw[:32], "big"),
                                         int.from_bytes(raw[32:], "big"))
        data = doc["signing_input"].encode("ascii")
        pub.verify(der, data, ec.ECDSA(hashes.SHA256()))
        # A one-byte change of the signing input must not verify.
        try:
            pub.verify(der, data + b"x", ec.ECDSA(hashes.SHA256()))
            return False
        except InvalidSignature:
            return True
    run("es256_rfc7515.json RFC 7515 A.3", f)


def check_base64():
    doc = load("base64_rfc4648.json")
    for v in doc["vectors"]:
        def f(v=v):
            raw = v["input"].encode("ascii")
            return (base64.b16encode(raw).decode() == v["base16"]
                    and base64.b64encode(raw).decode() == v["base64"]
                    and base64.b16decode(v["base16"]) == raw
                    and base64.b64decode(v["base64"], validate=True) == raw)
        run(f"base64_rfc4648.json {v['input']!r}", f)
    for v in doc["base64url_extra"]:
        def f(v=v):
            raw = unhex(v["input_hex"])
            std = base64.b64encode(raw).decode()
            url = base64.urlsafe_b64encode(raw).decode()
            return (std == v["base64"] and ("+" in std or "/" in std)
                    and url == v["base64url"]
                    and url.rstrip("=") == v["base64url_nopad"]
                    and b64url_decode(v["base64url_nopad"]) == raw)
        run(f"base64_rfc4648.json base64url_extra {v['input_hex']}", f)


def check_content_ids():
    doc = load("content_id_vectors.json")
    for v in doc["vectors"]:
        def f(v=v):
            digest = hashlib.sha256(unhex(v["input_hex"])).digest()
            text = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
            return v["id"] == v["prefix"] + "1~" + text and len(text) == 43
        run(f"content_id_vectors.json {v['name']}", f)
    for v in doc["durations"]:
        def f(v=v):
            # Rust's {} for f64: shortest round-trip digits, no exponent, no trailing ".0".
            text = format(decimal.Decimal(repr(float(v["value"]))), "f")
            if "." in text:
                text = text.rstrip("0").rstrip(".")
            return text == v["text"] and float(v["text"]) == v["value"]
        run(f"content_id_vectors.json duration {v['value']!r}", f)


def check_field_cipher():
    # The field cipher's layout (include/cairn/crypto/field_cipher.hpp): the key by HKDF twice
    # (cryptography's HKDF and RFC 5869 spelled out with hmac), the aad rebuilt from its parts,
    # the ciphertext by AESGCM, and another row's aad must be refused.
    for v in load("field_cipher.json")["vectors"]:
        def f(v=v):
            master, family = unhex(v["master_key_hex"]), v["family"].encode("utf-8")
            key = HKDF(hashes.SHA256(), 32, None, family).derive(master)
            prk = hmac.new(bytes(32), master, hashlib.sha256).digest()
            okm = hmac.new(prk, family + b"\x01", hashlib.sha256).digest()
            if not (key == okm == unhex(v["key_hex"]) and len(master) == 32):
                return False
            aad = unhex(v["aad_hex"])
            if "table" in v:
                parts = [v[k].encode("utf-8") for k in ("table", "row_id", "column")]
                if aad != b"".join(len(p).to_bytes(4, "big") + p for p in parts):
                    return False
            nonce, pt = unhex(v["nonce_hex"]), unhex(v["plaintext_hex"])
            ct = unhex(v["ciphertext_hex"])
            g = AESGCM(key)
            if len(nonce) != 12 or ct != b"\x01" + nonce + g.encrypt(nonce, pt, aad):
                return False
            if len(ct) != 29 + len(pt) or g.decrypt(ct[1:13], ct[13:], aad) != pt:
                return False
            try:
                g.decrypt(ct[1:13], ct[13:], aad + b"x")
                return False
            except InvalidTag:
                return True
        run(f"field_cipher.json {v['name']}", f)


for check in (check_sha, check_hmac, check_hkdf, check_gcm, check_ed25519,
              check_es256, check_base64, check_content_ids, check_field_cipher):
    try:
        check()
    except Exception as e:  # e.g. a missing or unparsable file
        result(check.__name__, False, f"({type(e).__name__}: {e})")

print(f"{passed} passed, {failed} failed")
sys.exit(0 if failed == 0 else 1)
