"""Content addressing as Cloudillo does it: IDs, file descriptors, variant choice and blob stores.

    from cairn import content

    content.blob_id(b"hello world")       # 'b1~uU0nuZNNPgilLlLX2n2r-sSE7-N6U4DukIj3rOLvzek'
    content.parse_id(content.blob_id(b""))  # ('b', 1, <32 digest bytes>)

    d = content.Descriptor([
        content.Variant("vis.tn", tn_id, "webp", 2048, 128, 128),
        content.Variant("vis.hd", hd_id, "webp", 81920, 1920, 1080),
    ])
    d.to_string()                          # 'd2,vis.tn:b1~...:f=webp:s=2048:r=128x128;vis.hd:...'
    d.file_id()                            # 'f1~...', the hash of that text
    content.best_variant(d, "vis.sd", available={"vis.tn"}).name   # 'vis.tn'

    store = content.BlobStore.open("file:/var/lib/hub/blobs")     # or "memory:"
    blob = store.put(b"bytes", tenant=1)
    store.get(blob, tenant=1)              # b'bytes'
    with open("video.mp4", "rb") as f:
        store.put_stream(f, tenant=1)      # hashed while it streams

Action tokens are ES384 JWTs in Cloudillo's claim order (iss, k, t, c, p, a, aud, sub, iat, exp,
f, v, _)::

    key = cairn.crypto.generate_key("ES384")
    token = content.create_action_token(key, {"iss": "alice.example.com", "t": "POST",
                                              "c": "hi"}, key_id=content.action_key_id())
    content.verify_action_token(token, key.public_key())    # the claims, checked
    content.verify_tree(token, descriptors, blobs)          # the Merkle chain below it

An ID is ``<prefix>1~<base64url SHA-256, no padding>``: ``b`` blobs (raw bytes), ``f`` files (the
descriptor text), ``a`` actions (the compact JWT as received). Data arguments are bytes-like
objects, or str hashed as UTF-8.

Descriptors are Cloudillo's d2 text, canonical because the text is hashed: variants sorted by
(size, width, height, name), optional ``dur=``/``br=``/``pg=`` only when set and non-zero.
``Descriptor.variants`` returns a new list on every read; assign a list to change it.

The blob store keeps blobs under ``<dir>/<tenant>/<h[0:2]>/<h[2:4]>/<id>`` (``h``: the ID after
its ``~``), directories 0700 and files 0600, and writes each blob whole or not at all. Every
store method takes ``tenant`` (an int >= 0, default 0) last; pass it by keyword. Store calls
release the GIL; a BlobStore is safe to share between threads.

Errors: InvalidArgumentError ('CONTENT_ID_MALFORMED', 'CONTENT_ID_VERSION_UNKNOWN',
'CONTENT_DESCRIPTOR_INVALID', 'CONTENT_DESCRIPTOR_MALFORMED', 'CONTENT_TENANT_INVALID',
'CONTENT_BLOB_STORE_URI_INVALID', 'CONTENT_STREAM_INVALID'), NotFoundError
('CONTENT_VARIANT_NOT_FOUND', 'CONTENT_BLOB_NOT_FOUND'), DataLossError ('CONTENT_HASH_MISMATCH'),
OutOfRangeError ('CONTENT_RANGE_INVALID'), ResourceExhaustedError ('CONTENT_BLOB_STORE_FULL') and
UnavailableError ('CONTENT_BLOB_STORE_IO').
"""

from ._core import content as _content

hash_id = _content.hash_id
blob_id = _content.blob_id
file_id = _content.file_id
action_id = _content.action_id
verify_id = _content.verify_id
parse_id = _content.parse_id
blob_ids = _content.blob_ids
IdHasher = _content.IdHasher
Variant = _content.Variant
Descriptor = _content.Descriptor
best_variant = _content.best_variant
BlobInfo = _content.BlobInfo
BlobStore = _content.BlobStore
action_key_id = _content.action_key_id
create_action_token = _content.create_action_token
verify_action_token = _content.verify_action_token
decode_action_token = _content.decode_action_token
check_id_tag = _content.check_id_tag
verify_tree = _content.verify_tree

__all__ = [
    "action_key_id", "check_id_tag", "create_action_token", "decode_action_token",
    "verify_action_token", "verify_tree",
    "BlobInfo", "BlobStore", "Descriptor", "IdHasher", "Variant", "action_id", "best_variant",
    "blob_id", "blob_ids", "file_id", "hash_id", "parse_id", "verify_id",
]
