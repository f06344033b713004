"""cairn.encoding against RFC 4648 and Python's base64 module."""

import base64
import json
import os
import pathlib

import pytest

import cairn
from cairn import encoding

DATA = pathlib.Path(__file__).resolve().parents[3] / "tests" / "data" / "base64_rfc4648.json"


def test_rfc4648_vectors():
    data = json.loads(DATA.read_text())
    for v in data["vectors"]:
        raw = v["input"].encode()
        assert encoding.b64_encode(raw) == v["base64"]
        assert encoding.b64_decode(v["base64"]) == raw
        assert encoding.hex_decode(v["base16"]) == raw
        assert encoding.hex_encode(raw) == v["base16"].lower()
    for v in data["base64url_extra"]:
        raw = bytes.fromhex(v["input_hex"])
        assert encoding.b64url_encode(raw, pad=True) == v["base64url"]
        assert encoding.b64url_encode(raw) == v["base64url_nopad"]
        assert encoding.b64url_decode(v["base64url_nopad"]) == raw
        assert encoding.b64url_decode(v["base64url"]) == raw


def test_agrees_with_the_standard_library_on_random_bytes():
    for n in range(0, 70):
        raw = os.urandom(n)
        assert encoding.b64_encode(raw) == base64.b64encode(raw).decode()
        assert encoding.b64url_encode(raw, pad=True) == base64.urlsafe_b64encode(raw).decode()
        assert encoding.b64url_encode(raw) == base64.urlsafe_b64encode(raw).decode().rstrip("=")
        assert encoding.b64_decode(base64.b64encode(raw).decode()) == raw
        assert encoding.hex_decode(raw.hex()) == raw


@pytest.mark.parametrize("text", ["Zh==", "Zm9=", "Zg", "Zg=", "Zg===", "Z", "Zm 9v", "-_8=", "Zm9v\n"])
def test_b64_decode_is_strict(text):
    with pytest.raises(cairn.InvalidArgumentError) as info:
        encoding.b64_decode(text)
    assert info.value.reason == "ENCODING_INVALID_BASE64"
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("text", ["Zh", "+/8", "Zg=", "a", "Zg==="])
def test_b64url_decode_is_strict(text):
    with pytest.raises(cairn.InvalidArgumentError) as info:
        encoding.b64url_decode(text)
    assert info.value.reason == "ENCODING_INVALID_BASE64"


def test_hex_decode_is_strict():
    for text in ("abc", "0g", "0x00"):
        with pytest.raises(cairn.InvalidArgumentError) as info:
            encoding.hex_decode(text)
        assert info.value.reason == "ENCODING_INVALID_HEX"
