"""Strict text encodings of bytes: hex, base64 and base64url (RFC 4648).

Decoders reject bad characters, bad padding and non-canonical trailing bits with
InvalidArgumentError (ENCODING_INVALID_HEX / ENCODING_INVALID_BASE64).
"""

from ._core import encoding as _encoding

hex_encode = _encoding.hex_encode
hex_decode = _encoding.hex_decode
b64_encode = _encoding.b64_encode
b64_decode = _encoding.b64_decode
b64url_encode = _encoding.b64url_encode
b64url_decode = _encoding.b64url_decode

__all__ = ["b64_decode", "b64_encode", "b64url_decode", "b64url_encode", "hex_decode",
           "hex_encode"]
