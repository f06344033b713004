"""cairn.crypto against published vectors (tests/data) and against python3-cryptography."""

import hashlib
import hmac
import json
import pathlib

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

import cairn
from cairn import crypto, encoding

DATA = pathlib.Path(__file__).resolve().parents[3] / "tests" / "data"


def vectors(name):
    return json.loads((DATA / name).read_text())


# Published vectors


@pytest.mark.parametrize("v", vectors("sha.json")["vectors"], ids=lambda v: f"{v['alg']}-{v['name']}")
def test_hashes_match_published_vectors(v):
    data = bytes.fromhex(v["input_hex"]) * v.get("repeat", 1)
    assert getattr(crypto, v["alg"])(data).hex() == v["digest_hex"]
    if v["alg"] == "sha256":
        h = crypto.Sha256()
        for i in range(0, len(data), 4099):
            h.update(data[i:i + 4099])
        assert h.digest().hex() == v["digest_hex"]


@pytest.mark.parametrize("name", ["Sha256", "Sha384", "Sha3_256"])
def test_streaming_hashers_behave_like_hashlib(name):
    h = getattr(crypto, name)()
    ref = hashlib.new(name.lower().replace("sha3_256", "sha3_256"))
    for part in (b"a", bytearray(b"b"), memoryview(b"c")):
        h.update(part)
        ref.update(part)
        assert h.digest() == ref.digest()  # digest() does not end the message
    assert h.digest() == ref.digest()


def test_strided_buffers_are_refused_not_misread():
    with pytest.raises(TypeError):
        crypto.sha256(memoryview(b"abcdef")[::2])
    with pytest.raises(TypeError):
        encoding.hex_encode(memoryview(bytes(range(64)))[::-1])
    assert crypto.sha256(memoryview(b"abcdef")[1:4]) == hashlib.sha256(b"bcd").digest()


def test_batch_hashing_works_in_a_forked_child():
    import os
    inputs = [bytes([i]) * 4096 for i in range(64)]
    expected = [hashlib.sha256(x).digest() for x in inputs]
    assert crypto.sha256_batch(inputs) == expected
    pid = os.fork()
    if pid == 0:
        os._exit(0 if crypto.sha256_batch(inputs) == expected else 1)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def test_public_key_of_a_private_key_holds_no_private_material():
    key = crypto.generate_key("ES256")
    pub = key.public_key()
    assert "PRIVATE" not in pub.public_pem()
    assert pub.verify(b"m", key.sign(b"m"))


def test_seal_and_open_with_an_explicit_nonce():
    v = vectors("aes256_gcm.json")["vectors"][3]
    key, iv = bytes.fromhex(v["key_hex"]), bytes.fromhex(v["iv_hex"])
    sealed = crypto.aes_gcm_seal(key, iv, bytes.fromhex(v["plaintext_hex"]), bytes.fromhex(v["aad_hex"]))
    assert sealed.hex() == v["ciphertext_hex"] + v["tag_hex"]
    assert crypto.aes_gcm_open(key, iv, sealed, bytes.fromhex(v["aad_hex"])).hex() == v["plaintext_hex"]
    with pytest.raises(cairn.InvalidArgumentError) as info:
        crypto.aes_gcm_seal(key, b"short", b"x")
    assert info.value.reason == "CRYPTO_NONCE_INVALID"


def test_batch_equals_one_shot():
    inputs = [bytes([i % 256]) * (i % 300) for i in range(2000)]
    assert crypto.sha256_batch(inputs, threads=2) == [hashlib.sha256(x).digest() for x in inputs]


@pytest.mark.parametrize("v", vectors("hmac_sha256.json")["vectors"], ids=lambda v: f"case{v['case']}")
def test_hmac_matches_rfc4231(v):
    mac = crypto.hmac_sha256(bytes.fromhex(v["key_hex"]), bytes.fromhex(v["data_hex"]))
    if v["truncate_bytes"]:
        mac = mac[:v["truncate_bytes"]]
    assert mac.hex() == v["mac_hex"]


@pytest.mark.parametrize("v", vectors("hkdf_sha256.json")["vectors"], ids=lambda v: f"case{v['case']}")
def test_hkdf_matches_rfc5869(v):
    okm = crypto.hkdf_sha256(bytes.fromhex(v["ikm_hex"]), bytes.fromhex(v["salt_hex"]),
                             bytes.fromhex(v["info_hex"]), v["length"])
    assert okm.hex() == v["okm_hex"]


def test_hkdf_rejects_impossible_lengths():
    for length in (0, 8161):
        with pytest.raises(cairn.InvalidArgumentError) as info:
            crypto.hkdf_sha256(b"k", b"", b"", length)
        assert info.value.reason == "CRYPTO_HKDF_LENGTH_INVALID"


@pytest.mark.parametrize("v", vectors("aes256_gcm.json")["vectors"], ids=lambda v: f"case{v['case']}")
def test_aes_gcm_decrypts_published_vectors(v):
    blob = bytes.fromhex(v["iv_hex"] + v["ciphertext_hex"] + v["tag_hex"])
    plaintext = crypto.aes_gcm_decrypt(bytes.fromhex(v["key_hex"]), blob, bytes.fromhex(v["aad_hex"]))
    assert plaintext.hex() == v["plaintext_hex"]


@pytest.mark.parametrize("v", vectors("ed25519.json")["vectors"], ids=lambda v: v["name"])
def test_ed25519_matches_rfc8032(v):
    key = crypto.private_key_from_raw("Ed25519", bytes.fromhex(v["secret_key_hex"]))
    assert key.public_key().raw().hex() == v["public_key_hex"]
    message = bytes.fromhex(v["message_hex"])
    assert key.sign(message).hex() == v["signature_hex"]
    pub = crypto.public_key_from_raw("Ed25519", bytes.fromhex(v["public_key_hex"]))
    assert pub.verify(message, bytes.fromhex(v["signature_hex"]))


def test_es256_signature_from_rfc7515_verifies():
    v = vectors("es256_rfc7515.json")
    point = b"\x04" + encoding.b64url_decode(v["jwk"]["x"]) + encoding.b64url_decode(v["jwk"]["y"])
    key = crypto.public_key_from_raw("ES256", point)
    signature = encoding.b64url_decode(v["signature_b64url"])
    assert key.verify(v["signing_input"].encode(), signature)
    assert not key.verify(v["signing_input"].encode() + b".", signature)


# Interoperability with python3-cryptography


CURVES = {"ES256": (ec.SECP256R1(), hashes.SHA256(), 32), "ES384": (ec.SECP384R1(), hashes.SHA384(), 48)}


@pytest.mark.parametrize("alg", ["ES256", "ES384", "Ed25519"])
def test_cairn_signatures_verify_in_cryptography(alg):
    key = crypto.generate_key(alg)
    assert key.algorithm == alg
    message = b"signed by cairn"
    signature = key.sign(message)
    theirs = serialization.load_pem_public_key(key.public_pem().encode())
    if alg == "Ed25519":
        assert len(signature) == 64
        theirs.verify(signature, message)
        with pytest.raises(InvalidSignature):
            theirs.verify(signature, message + b"!")
    else:
        curve, digest, size = CURVES[alg]
        assert len(signature) == 2 * size
        der = encode_dss_signature(int.from_bytes(signature[:size], "big"),
                                   int.from_bytes(signature[size:], "big"))
        theirs.verify(der, message, ec.ECDSA(digest))
        with pytest.raises(InvalidSignature):
            theirs.verify(der, message + b"!", ec.ECDSA(digest))
    # The private key itself loads there, and signs what cairn verifies.
    private = serialization.load_pem_private_key(key.private_pem().encode(), password=None)
    assert private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode() == key.public_pem()


@pytest.mark.parametrize("alg", ["ES256", "ES384", "Ed25519"])
def test_cryptography_signatures_verify_in_cairn(alg):
    if alg == "Ed25519":
        theirs = ed25519.Ed25519PrivateKey.generate()
        signature = theirs.sign(b"signed elsewhere")
    else:
        curve, digest, size = CURVES[alg]
        theirs = ec.generate_private_key(curve)
        r, s = decode_dss_signature(theirs.sign(b"signed elsewhere", ec.ECDSA(digest)))
        signature = r.to_bytes(size, "big") + s.to_bytes(size, "big")
    pem = theirs.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    body = "".join(line for line in pem.splitlines() if not line.startswith("-----"))
    for form in (pem, body):
        key = crypto.load_public_key(form)
        assert key.algorithm == alg
        assert key.verify(b"signed elsewhere", signature)
        assert not key.verify(b"signed elsewhere!", signature)
    private_pem = theirs.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()).decode()
    mine = crypto.load_private_key(private_pem)
    assert mine.public_pem() == pem
    mine_body = crypto.load_private_key(
        "".join(line for line in private_pem.splitlines() if not line.startswith("-----")))
    assert mine_body.verify(b"x", mine.sign(b"x"))


def test_aes_gcm_interoperates_both_ways():
    key = crypto.random_bytes(32)
    blob = crypto.aes_gcm_encrypt(key, b"from cairn", aad=b"ctx")
    assert AESGCM(key).decrypt(blob[:12], blob[12:], b"ctx") == b"from cairn"
    nonce = crypto.random_bytes(12)
    theirs = nonce + AESGCM(key).encrypt(nonce, b"from cryptography", b"ctx2")
    assert crypto.aes_gcm_decrypt(key, theirs, aad=b"ctx2") == b"from cryptography"
    assert crypto.aes_gcm_decrypt(key, crypto.aes_gcm_encrypt(key, b"")) == b""


def test_aes_gcm_rejects_tampering_and_bad_keys():
    key = crypto.random_bytes(32)
    blob = bytearray(crypto.aes_gcm_encrypt(key, b"secret", aad=b"a"))
    for mutate in (lambda b: b.__setitem__(0, b[0] ^ 1), lambda b: b.__setitem__(-1, b[-1] ^ 1),
                   lambda b: b.__setitem__(15, b[15] ^ 1)):
        bad = bytearray(blob)
        mutate(bad)
        with pytest.raises(cairn.DataLossError) as info:
            crypto.aes_gcm_decrypt(key, bytes(bad), aad=b"a")
        assert info.value.reason == "CRYPTO_DECRYPT_FAILED"
    with pytest.raises(cairn.DataLossError):
        crypto.aes_gcm_decrypt(key, bytes(blob), aad=b"b")
    with pytest.raises(cairn.DataLossError):
        crypto.aes_gcm_decrypt(key, bytes(blob[:20]), aad=b"a")
    with pytest.raises(cairn.InvalidArgumentError) as info:
        crypto.aes_gcm_encrypt(b"short key", b"x")
    assert info.value.reason == "CRYPTO_KEY_INVALID"


def test_hmac_and_hashes_agree_with_the_standard_library():
    for size in (0, 1, 55, 56, 64, 1000, 100_000):
        data = bytes(range(256)) * (size // 256) + bytes(size % 256)
        assert crypto.sha256(data) == hashlib.sha256(data).digest()
        assert crypto.sha384(data) == hashlib.sha384(data).digest()
        assert crypto.sha3_256(data) == hashlib.sha3_256(data).digest()
        assert crypto.hmac_sha256(b"k" * (size % 100), data) == hmac.new(
            b"k" * (size % 100), data, hashlib.sha256).digest()


def test_random_and_constant_time_equal():
    a, b = crypto.random_bytes(32), crypto.random_bytes(32)
    assert len(a) == 32 and a != b
    assert crypto.random_bytes(0) == b""
    assert crypto.constant_time_equal(a, bytes(a))
    assert not crypto.constant_time_equal(a, b)
    assert not crypto.constant_time_equal(a, a[:-1])


def test_bad_keys_and_algorithms():
    with pytest.raises(cairn.InvalidArgumentError) as info:
        crypto.generate_key("RS256")
    assert info.value.reason == "CRYPTO_ALGORITHM_UNKNOWN"
    with pytest.raises(cairn.InvalidArgumentError) as info:
        crypto.load_public_key("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
    assert info.value.reason == "CRYPTO_KEY_INVALID"
    k1 = ec.generate_private_key(ec.SECP256K1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    with pytest.raises(cairn.InvalidArgumentError) as info:
        crypto.load_public_key(k1)
    assert info.value.reason == "CRYPTO_KEY_UNSUPPORTED"
    with pytest.raises(TypeError):
        crypto.sha256("text is not bytes")
    key = crypto.generate_key("Ed25519")
    assert not key.verify(b"m", b"short")


# FieldCipher: one key per column family, values bound to (table, row id, column)

FIELD_VECTORS = vectors("field_cipher.json")["vectors"]
MASTER = bytes(range(32))
FAMILY = "tundra:v1:site:env_var"
ROW_42 = ("sites", "42", "env_var")


def family_key(master, family):
    return HKDF(hashes.SHA256(), 32, None, family.encode()).derive(master)


def reference_aad(table, row_id, column):
    return b"".join(len(p.encode()).to_bytes(4, "big") + p.encode() for p in (table, row_id, column))


@pytest.mark.parametrize("v", FIELD_VECTORS, ids=lambda v: v["name"])
def test_field_cipher_decrypts_the_vectors(v):
    cipher = crypto.FieldCipher(bytes.fromhex(v["master_key_hex"]), v["family"])
    assert cipher.family == v["family"]
    aad = bytes.fromhex(v["aad_hex"])
    ciphertext = bytes.fromhex(v["ciphertext_hex"])
    assert cipher.decrypt(ciphertext, aad) == bytes.fromhex(v["plaintext_hex"])
    if "table" in v:
        place = (v["table"], v["row_id"], v["column"])
        assert crypto.field_aad(*place) == aad
        assert cipher.decrypt(ciphertext, place) == bytes.fromhex(v["plaintext_hex"])


def test_field_cipher_interoperates_with_cryptography_both_ways():
    key = family_key(MASTER, FAMILY)
    aad = reference_aad(*ROW_42)
    cipher = crypto.FieldCipher(MASTER, FAMILY)
    for plaintext in (b"", b"x", b'{"token":"t0p"}', bytes(range(256)) * 5):
        ours = cipher.encrypt(plaintext, ROW_42)
        assert len(ours) == 29 + len(plaintext) and ours[0] == 1
        assert AESGCM(key).decrypt(ours[1:13], ours[13:], aad) == plaintext
        nonce = crypto.random_bytes(12)
        theirs = b"\x01" + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)
        assert cipher.decrypt(theirs, ROW_42) == plaintext
        assert cipher.decrypt(bytearray(theirs), memoryview(aad)) == plaintext


def test_field_cipher_takes_the_master_key_as_hex_too():
    sealed = crypto.FieldCipher(MASTER, FAMILY).encrypt(b"v", ROW_42)
    for text in (MASTER.hex(), MASTER.hex().upper()):
        assert crypto.FieldCipher(text, FAMILY).decrypt(sealed, ROW_42) == b"v"
    with pytest.raises(cairn.InvalidArgumentError) as info:
        crypto.FieldCipher(MASTER.hex()[:-1] + "g", FAMILY)
    assert info.value.reason == "CRYPTO_KEY_INVALID"
    with pytest.raises(cairn.InvalidArgumentError) as info:
        crypto.FieldCipher(MASTER[:31], FAMILY)
    assert info.value.reason == "CRYPTO_KEY_INVALID"
    with pytest.raises(TypeError):
        crypto.FieldCipher(12345, FAMILY)


def test_field_value_copied_onto_another_row_is_data_loss():
    cipher = crypto.FieldCipher(MASTER, FAMILY)
    sealed = cipher.encrypt(b"row 42's secret", ROW_42)
    for other in (("sites", "43", "env_var"), ("sites", "42", "env_vars"), ("site", "42", "env_var"),
                  ("sites", "4", "2env_var"), reference_aad(*ROW_42) + b"x"):
        with pytest.raises(cairn.DataLossError) as info:
            cipher.decrypt(sealed, other)
        assert info.value.reason == "CRYPTO_FIELD_DECRYPT_FAILED"
    for other_cipher in (crypto.FieldCipher(MASTER, "tundra:v1:plugin:settings"),
                         crypto.FieldCipher(bytes(32), FAMILY)):
        with pytest.raises(cairn.DataLossError) as info:
            other_cipher.decrypt(sealed, ROW_42)
        assert info.value.reason == "CRYPTO_FIELD_DECRYPT_FAILED"


def test_field_cipher_refuses_bad_input():
    cipher = crypto.FieldCipher(MASTER, FAMILY)
    sealed = cipher.encrypt(b"", ROW_42)
    cases = [
        (lambda: cipher.encrypt(b"x", b""), cairn.InvalidArgumentError, "CRYPTO_FIELD_AAD_REQUIRED"),
        (lambda: cipher.decrypt(sealed, b""), cairn.InvalidArgumentError,
         "CRYPTO_FIELD_AAD_REQUIRED"),
        (lambda: cipher.encrypt(b"x", ("sites", "", "env_var")), cairn.InvalidArgumentError,
         "CRYPTO_FIELD_AAD_REQUIRED"),
        (lambda: cipher.decrypt(sealed[:28], ROW_42), cairn.DataLossError,
         "CRYPTO_FIELD_CIPHERTEXT_TOO_SHORT"),
        (lambda: cipher.decrypt(b"\x02" + sealed[1:], ROW_42), cairn.FailedPreconditionError,
         "CRYPTO_FIELD_VERSION_UNSUPPORTED"),
        (lambda: crypto.FieldCipher(MASTER, ""), cairn.InvalidArgumentError,
         "CRYPTO_FIELD_FAMILY_INVALID"),
        (lambda: crypto.FieldCipher(MASTER, "f" * 129), cairn.InvalidArgumentError,
         "CRYPTO_FIELD_FAMILY_INVALID"),
    ]
    for call, error, reason in cases:
        with pytest.raises(error) as info:
            call()
        assert info.value.reason == reason
    assert crypto.FieldCipher(MASTER, "f" * 128).family == "f" * 128
    for bad_aad in (("sites", "42"), ("sites", 42, "env_var"), "sites/42/env_var", None):
        with pytest.raises(TypeError):
            cipher.encrypt(b"x", bad_aad)


def test_field_cipher_repr_shows_no_key_material():
    text = repr(crypto.FieldCipher(MASTER.hex(), FAMILY))
    assert FAMILY in text
    assert MASTER.hex()[:8] not in text and family_key(MASTER, FAMILY).hex()[:8] not in text
