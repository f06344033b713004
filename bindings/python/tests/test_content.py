"""cairn.content against an independent implementation (hashlib + base64) and Cloudillo's
repository vectors (reference/cloudillo.md, sections 1.1 to 1.3)."""

import base64
import concurrent.futures
import decimal
import hashlib
import io
import os
import random
import stat
import time

import pytest

import cairn
from conftest import at
from cairn import content

PREFIXES = ["a", "b", "f", "r", "Q", "xyz", "AbC"]


def ref_id(prefix, data):
    """The ID rule of reference/cloudillo.md 1.1, written with the standard library only."""
    if isinstance(data, str):
        data = data.encode()
    digest = hashlib.sha256(bytes(data)).digest()
    return prefix + "1~" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def random_inputs(seed, count=40):
    rng = random.Random(seed)
    sizes = [0, 1, 2, 3, 31, 32, 33, 55, 56, 63, 64, 65, 1000, 65535, 65536, 65537, 200_003]
    sizes += [rng.randrange(0, 5000) for _ in range(count - len(sizes))]
    return [rng.randbytes(n) for n in sizes]


# IDs


@pytest.mark.parametrize("prefix", PREFIXES)
def test_hash_id_matches_an_independent_implementation(prefix):
    for data in random_inputs(hash(prefix) & 0xFFFF):
        expected = ref_id(prefix, data)
        assert content.hash_id(prefix, data) == expected
        assert content.hash_id(prefix, bytearray(data)) == expected
        assert content.hash_id(prefix, memoryview(data)) == expected
        assert len(expected) == len(prefix) + 2 + 43


def test_shorthands_use_their_prefixes():
    for data in random_inputs(7, count=25):
        assert content.blob_id(data) == ref_id("b", data)
        assert content.file_id(data) == ref_id("f", data)
        assert content.action_id(data) == ref_id("a", data)


def test_str_is_hashed_as_utf8():
    text = "d2,vis.tn:b1~é✓:f=webp:s=1:r=1x1"
    assert content.file_id(text) == ref_id("f", text.encode("utf-8"))
    assert content.hash_id("r", text) == content.hash_id("r", text.encode())
    assert content.verify_id(content.blob_id(text), text)
    with pytest.raises(UnicodeEncodeError):
        content.blob_id("\ud800")  # a lone surrogate has no UTF-8 form


def test_known_blob_ids():
    # Computed with hashlib + base64 (see ref_id); also pinned in tests/content/blob_store_test.cpp.
    assert content.blob_id(b"hello world") == "b1~uU0nuZNNPgilLlLX2n2r-sSE7-N6U4DukIj3rOLvzek"
    assert content.blob_id(b"") == "b1~47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"


@pytest.mark.parametrize("prefix", ["", "1", "b1", "b~", "é", "a b", "a-b"])
def test_prefixes_other_than_letters_are_refused(prefix):
    with pytest.raises(cairn.InvalidArgumentError) as e:
        content.hash_id(prefix, b"x")
    assert e.value.reason == "CONTENT_ID_MALFORMED"
    with pytest.raises(cairn.InvalidArgumentError):
        content.IdHasher(prefix)


def test_data_must_be_bytes_like_or_str():
    for bad in (None, 1, 1.5, [b"a"], memoryview(b"abcdef")[::2]):
        with pytest.raises(TypeError):
            content.blob_id(bad)


def test_verify_id():
    rng = random.Random(3)
    for prefix in PREFIXES:
        data = rng.randbytes(rng.randrange(0, 300))
        good = ref_id(prefix, data)
        assert content.verify_id(good, data)
        assert not content.verify_id(good, data + b"\0")
        # The prefix names the kind of ID; only the data is hashed.
        assert content.verify_id("c" + good[len(prefix):], data)
    big = rng.randbytes(300_000)
    assert content.verify_id(ref_id("b", big), big)
    for malformed in ["", "b1~", "b1~abc", "f1~../../etc/passwd", ref_id("b", b"") + "="]:
        assert content.verify_id(malformed, b"") is False


def test_blob_ids_batch_matches_one_at_a_time():
    inputs = random_inputs(11, count=300)
    expected = [ref_id("b", d) for d in inputs]
    assert content.blob_ids(inputs) == expected
    assert content.blob_ids(inputs, threads=1) == expected
    assert content.blob_ids(inputs, threads=3) == expected
    assert content.blob_ids([b"a", bytearray(b"b"), "c"]) == [ref_id("b", x) for x in "abc"]
    assert content.blob_ids([]) == []


def test_id_hasher_streaming_equals_one_shot():
    rng = random.Random(5)
    for prefix in PREFIXES:
        data = rng.randbytes(rng.randrange(0, 400_000))
        h = content.IdHasher(prefix)
        pos = 0
        while pos < len(data):
            step = rng.choice([0, 1, 7, 64, 1000, 70_000])
            assert h.update(data[pos:pos + step]) is h  # chains
            pos += step
        assert h.finish() == ref_id(prefix, data)
        # finish() starts a new message
        assert h.finish() == ref_id(prefix, b"")
        assert h.update("é").update(bytearray(b"x")).finish() == ref_id(prefix, "éx".encode())


# parse_id


@pytest.mark.parametrize("prefix", PREFIXES)
def test_parse_id_round_trip(prefix):
    for data in random_inputs(17, count=20):
        id_ = ref_id(prefix, data)
        assert content.parse_id(id_) == (prefix, 1, hashlib.sha256(data).digest())


def _malformed_ids():
    good = ref_id("b", b"hello")
    digest = good[3:]
    # The last of 43 characters carries 2 unused bits; a set one is a second spelling.
    last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".index(digest[-1])
    alias = digest[:-1] + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[
        last | 1]
    return {
        "empty": "",
        "no tilde": "b1" + digest,
        "no prefix": "1~" + digest,
        "no version": "b~" + digest,
        "digit in prefix": "b2b1~" + digest,
        "leading zero": "b01~" + digest,
        "huge version": "b99999999999~" + digest,
        "bad chars": "b1~" + digest[:-1] + "!",
        "plus slash": "b1~" + "+" + digest[1:-1] + "/",
        "padding": "b1~" + digest + "=",
        "padded std": "b1~" + base64.b64encode(hashlib.sha256(b"hello").digest()).decode(),
        "too short": "b1~" + digest[:-1],
        "too long": "b1~" + digest + "A",
        "empty digest": "b1~",
        "path traversal": "f1~../../etc/passwd",
        "slashes": "f1~ab/cd/evil",
        "space": " " + good,
        "non-ascii": "b1~" + digest[:-1] + "é",
        "non-canonical": "b1~" + alias,
    }


# Descriptors: the repository vectors of reference/cloudillo.md 1.3, verbatim


def V(name, blob, fmt, size, w, h, **kw):  # noqa: N802
    return content.Variant(name, blob, fmt, size, w, h, **kw)


def test_reference_parse_two_variants():
    d = content.Descriptor.parse(
        "d2,vis.tn:b1~abc123:f=webp:s=2048:r=128x128;"
        "vis.sd:b1~def456:f=webp:s=10240:r=720x720:dur=120.5:br=5000")
    assert d.root is None
    assert len(d.variants) == 2
    tn, sd = d.variants
    assert (tn.name, tn.blob_id, tn.format, tn.size, tn.width, tn.height) == (
        "vis.tn", "b1~abc123", "webp", 2048, 128, 128)
    assert tn.duration is None and tn.bitrate is None and tn.pages is None
    assert (sd.name, sd.blob_id, sd.format, sd.size, sd.width, sd.height) == (
        "vis.sd", "b1~def456", "webp", 10240, 720, 720)
    assert sd.duration == 120.5 and sd.bitrate == 5000 and sd.pages is None
    assert tn.available and sd.available


def test_reference_generate_without_root():
    d = content.Descriptor([
        V("vis.tn", "b1~abc123", "webp", 2048, 128, 128),
        V("vid.hd", "b1~def456", "mp4", 51200, 1920, 1080, duration=120.5, bitrate=5000),
    ])
    text = d.to_string()
    assert text.startswith("d2,")
    for part in ("vis.tn:b1~abc123", "vid.hd:b1~def456", ":dur=120.5", ":br=5000", ";vid.hd"):
        assert part in text
    assert text == ("d2,vis.tn:b1~abc123:f=webp:s=2048:r=128x128;"
                    "vid.hd:b1~def456:f=mp4:s=51200:r=1920x1080:dur=120.5:br=5000")
    assert str(d) == text
    assert d.file_id() == ref_id("f", text) == content.file_id(text) == content.file_id(d)


def test_reference_generate_with_root():
    d = content.Descriptor([
        V("vis.tn", "b1~abc123", "webp", 2048, 128, 128),
        V("vid.hd", "b1~def456", "mp4", 51200, 1920, 1080, duration=120.5, bitrate=5000),
    ], root="f1~rootid")
    assert d.to_string().startswith("d2,R=f1~rootid;")
    assert d.file_id() != content.Descriptor(d.variants).file_id()  # the root is hashed


def test_reference_parse_with_root():
    d = content.Descriptor.parse("d2,R=f1~rootid;vis.tn:b1~abc123:f=webp:s=2048:r=128x128")
    assert d.root == "f1~rootid"
    assert [v.name for v in d.variants] == ["vis.tn"]


@pytest.mark.parametrize("root", ["", "f1~a;b", "f1~\x00", "f1~\t"])
def test_to_string_refuses_a_bad_root(root):
    d = content.Descriptor([V("vis.tn", "b1~abc", "webp", 1, 1, 1)], root=root)
    with pytest.raises(cairn.InvalidArgumentError) as e:
        d.to_string()
    assert e.value.reason == "CONTENT_DESCRIPTOR_INVALID"


# Descriptors: round-trip property against a reference generator

DURATIONS = [120.5, 120.0, 0.1, 1e-7, 1e21, 1e22, 1.2345678901234568e20, 5e-324,
             1.7976931348623157e308, 2.5e-5, 3.0, 0.0, 1 / 3, 86400.04]


def ref_duration(seconds):
    """Rust's `{}` for f64: shortest round-trip digits, no exponent, no trailing '.0'."""
    text = format(decimal.Decimal(repr(seconds)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def ref_descriptor(variants, root):
    entries = []
    for v in sorted(variants, key=lambda v: (v.size, v.width, v.height, v.name.encode())):
        e = f"{v.name}:{v.blob_id}:f={v.format}:s={v.size}:r={v.width}x{v.height}"
        if v.duration:
            e += ":dur=" + ref_duration(v.duration)
        if v.bitrate:
            e += f":br={v.bitrate}"
        if v.pages:
            e += f":pg={v.pages}"
        entries.append(e)
    return "d2," + (f"R={root};" if root is not None else "") + ";".join(entries)


NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-~=+/ é✓日"


def random_descriptor(rng):
    names, count = set(), rng.randrange(0, 8)
    while len(names) < count:
        names.add(rng.choice(["orig", "vis.tn", "vis.sd", "vid.hd", "aud.md", "doc.orig", "sd"])
                  if rng.random() < 0.5 else
                  "".join(rng.choice(NAME_CHARS) for _ in range(rng.randrange(1, 12))))
    names = [n for n in names if not n.startswith("R=")]
    variants = []
    for name in names:
        big = rng.random() < 0.2
        variants.append(content.Variant(
            name,
            content.blob_id(rng.randbytes(8)) if rng.random() < 0.8 else "b1~" + name[:3] + "x",
            rng.choice(["avif", "webp", "mp4", "pdf", "jpeg", "x-ñ"]),
            rng.randrange(0, 2**64) if big else rng.randrange(0, 3),
            rng.randrange(0, 2**32) if big else rng.randrange(0, 3),
            rng.randrange(0, 2**32) if big else rng.randrange(0, 3),
            duration=rng.choice([None, rng.choice(DURATIONS), rng.uniform(0, 1e4),
                                 rng.random() * 10.0 ** rng.randrange(-300, 300)]),
            bitrate=rng.choice([None, 0, 1, rng.randrange(0, 2**32)]),
            pages=rng.choice([None, 0, 7, rng.randrange(0, 2**32)]),
        ))
    root = rng.choice([None, None, content.file_id(rng.randbytes(4)), "f1~rootid"])
    return content.Descriptor(variants, root=root)


def test_descriptor_round_trip_property():
    rng = random.Random(20260101)
    for _ in range(1500):
        d = random_descriptor(rng)
        text = d.to_string()
        assert text == ref_descriptor(d.variants, d.root)
        assert d.file_id() == ref_id("f", text.encode("utf-8"))
        back = content.Descriptor.parse(text)
        assert back.to_string() == text
        assert back.file_id() == d.file_id()
        assert back.root == d.root
        # Parsing keeps every field to_string writes (zeros are written as absent).
        def norm(v):
            return (v.name, v.blob_id, v.format, v.size, v.width, v.height,
                    v.duration or None, v.bitrate or None, v.pages or None)
        assert sorted(map(norm, back.variants), key=repr) == sorted(map(norm, d.variants),
                                                                     key=repr)


# Variant and Descriptor objects


def test_variant_fields_are_read_write():
    v = V("vis.tn", "b1~abc", "webp", 2048, 128, 96)
    assert (v.duration, v.bitrate, v.pages, v.available) == (None, None, None, True)
    v.name, v.blob_id, v.format = "vid.sd", "b1~def", "mp4"
    v.size, v.width, v.height = 2**64 - 1, 2**32 - 1, 0
    v.duration, v.bitrate, v.pages, v.available = 1.5, 64, 3, False
    assert (v.name, v.blob_id, v.format, v.size, v.width, v.height) == (
        "vid.sd", "b1~def", "mp4", 2**64 - 1, 2**32 - 1, 0)
    assert (v.duration, v.bitrate, v.pages, v.available) == (1.5, 64, 3, False)
    v.duration = None
    assert v.duration is None
    assert "vid.sd" in repr(v) and "available=False" in repr(v)


def test_variant_equality_and_keywords():
    a = content.Variant(name="x", blob_id="b1~x", format="avif", size=1, width=2, height=3,
                        duration=4.0, bitrate=5, pages=6, available=False)
    b = content.Variant("x", "b1~x", "avif", 1, 2, 3, 4.0, 5, 6, available=False)
    assert a == b and not (a != b)
    b.available = True
    assert a != b
    assert a != "x"
    with pytest.raises(TypeError):
        content.Variant("x", "b1~x", "avif", 1, 2, 3, None, None, None, False)  # keyword only
    with pytest.raises(TypeError):
        hash(a)  # mutable: unhashable


@pytest.mark.parametrize("field,value", [("size", -1), ("size", 2**64), ("width", 2**32),
                                         ("height", -1), ("bitrate", 2**32), ("pages", -1),
                                         ("size", 1.5)])
def test_variant_numbers_out_of_range_are_type_errors(field, value):
    v = V("x", "b1~x", "avif", 1, 1, 1)
    with pytest.raises(TypeError):
        setattr(v, field, value)


def test_descriptor_object():
    tn = V("vis.tn", "b1~abc", "webp", 2048, 128, 128)
    d = content.Descriptor([tn], root="f1~r")
    assert d.variants == [tn] and d.root == "f1~r"
    assert d == content.Descriptor.parse(d.to_string())
    assert d != content.Descriptor([tn])
    d.variants = d.variants + [V("orig", "b1~o", "png", 9, 9, 9)]
    d.root = None
    assert len(d.variants) == 2 and d.to_string().startswith("d2,orig:")  # by size
    assert "Descriptor(" in repr(d)
    with pytest.raises(TypeError):
        content.Descriptor(["not a variant"])


# best_variant (reference/cloudillo.md 1.2)


def ladder(available=("vis.hd", "vis.md", "vis.sd", "vis.tn", "vis.pf")):
    sizes = {"vis.hd": (1920, 1080, 900), "vis.md": (1280, 720, 400), "vis.sd": (720, 480, 200),
             "vis.tn": (128, 128, 20), "vis.pf": (64, 64, 5)}
    return [V(n, "b1~" + n.replace(".", ""), "webp", s, w, h, available=n in available)
            for n, (w, h, s) in sizes.items()]


def test_available_accepts_blob_ids_and_checks_its_type():
    assert content.best_variant(ladder(), "vis.hd", available=("b1~vismd",)).name == "vis.md"
    with pytest.raises(TypeError):
        content.best_variant(ladder(), "vis.hd", available="vis.md")
    with pytest.raises(TypeError):
        content.best_variant("d2,", "vis.hd")


def test_best_variant_not_found():
    for variants, requested, available in [
        ([], "vis.hd", None),
        (ladder(available=()), "vis.hd", None),
        (ladder(), "vis.hd", []),
        (ladder(), "vid.hd", None),  # a class filters
        (content.Descriptor([]), None, None),
    ]:
        with pytest.raises(cairn.NotFoundError) as e:
            content.best_variant(variants, requested, available)
        assert e.value.reason == "CONTENT_VARIANT_NOT_FOUND"
        assert isinstance(e.value, LookupError)


def test_best_variant_returns_a_copy():
    variants = ladder()
    chosen = content.best_variant(variants, "vis.hd")
    chosen.name = "changed"
    assert variants[0].name == "vis.hd"


# BlobStore


@pytest.fixture(params=["memory", "file"])
def backend(request, tmp_path):
    if request.param == "memory":
        return "memory:", None
    base = tmp_path / "blobs"
    return f"file:{base}", base


@pytest.fixture
def store(backend):
    return content.BlobStore.open(backend[0])


def files_under(base):
    return sorted(p for p in base.rglob("*") if p.is_file()) if base and base.exists() else []


def test_put_get_stat_exists_list_delete(store):
    data = random.Random(1).randbytes(100_000)
    before = datetime.datetime.now(datetime.timezone.utc)
    id_ = store.put(data)
    assert id_ == ref_id("b", data)
    assert store.put(data) == id_  # storing again succeeds
    assert store.get(id_) == data
    assert store.exists(id_) is True
    info = store.stat(id_)
    assert (info.id, info.size) == (id_, len(data))
    slack = datetime.timedelta(seconds=5)
    assert before - slack <= info.modified <= datetime.datetime.now(datetime.timezone.utc) + slack
    assert info.modified.utcoffset() == datetime.timedelta(0)
    other = store.put("text é")
    assert other == ref_id("b", "text é".encode())
    assert store.get(other) == "text é".encode()
    assert store.list() == sorted([id_, other])
    store.verify(id_)
    store.delete(id_)
    assert store.exists(id_) is False
    store.delete(id_)  # deleting what is not there succeeds
    assert store.list() == [other]
    with pytest.raises(cairn.NotFoundError) as e:
        store.get(id_)
    assert e.value.reason == "CONTENT_BLOB_NOT_FOUND"
    for call in (store.stat, store.verify, lambda i: store.get_range(i, 0, 1)):
        with pytest.raises(cairn.NotFoundError):
            call(id_)


def test_expected_id(store, backend):
    data = b"some bytes"
    right = ref_id("b", data)
    assert store.put(data, expected_id=right) == right
    store.delete(right)
    for wrong in (ref_id("b", b"other"), ref_id("f", data)):
        with pytest.raises(cairn.DataLossError) as e:
            store.put(data, expected_id=wrong)
        assert e.value.reason == "CONTENT_HASH_MISMATCH"
        with pytest.raises(cairn.DataLossError) as e:
            store.put_stream(io.BytesIO(data), expected_id=wrong)
        assert e.value.reason == "CONTENT_HASH_MISMATCH"
    with pytest.raises(cairn.InvalidArgumentError) as e:
        store.put(data, expected_id="b1~nope")
    assert e.value.reason == "CONTENT_ID_MALFORMED"
    with pytest.raises(cairn.InvalidArgumentError) as e:
        store.put(data, expected_id="b2~" + right[3:])
    assert e.value.reason == "CONTENT_ID_VERSION_UNKNOWN"
    assert store.list() == []
    assert files_under(backend[1]) == []  # nothing stored, not even a temporary file


def test_put_stream_from_a_file_like_object(store):
    data = random.Random(2).randbytes(300_001)
    id_ = store.put_stream(io.BytesIO(data))
    assert id_ == ref_id("b", data)
    assert store.get(id_) == data
    store.verify(id_)


def test_put_stream_from_a_real_file(store, tmp_path):
    path = tmp_path / "upload.bin"
    data = os.urandom(200_000)
    path.write_bytes(data)
    with open(path, "rb") as f:
        assert store.put_stream(f, tenant=4) == ref_id("b", data)
    assert store.get(ref_id("b", data), tenant=4) == data


def test_put_stream_from_a_generator(store):
    rng = random.Random(3)
    pieces = [rng.randbytes(rng.choice([0, 1, 100, 65536, 65537, 150_000])) for _ in range(20)]

    def chunks():
        for i, p in enumerate(pieces):
            yield (p, bytearray(p), memoryview(p))[i % 3]

    id_ = store.put_stream(chunks())
    whole = b"".join(pieces)
    assert id_ == ref_id("b", whole) and store.get(id_) == whole
    assert store.put_stream([b"ab", b"", "c"]) == ref_id("b", b"abc")  # b"" does not end it
    assert store.put_stream(iter([])) == ref_id("b", b"")


def test_put_stream_reads_whatever_read_returns():
    class Odd:
        def __init__(self, parts):
            self.parts = list(parts)

        def read(self, n):
            assert n > 0
            return self.parts.pop(0) if self.parts else b""

    store = content.BlobStore.open("memory:")
    parts = [b"x" * 200_000, bytearray(b"y"), memoryview(b"zz")]  # more than asked is fine
    assert store.put_stream(Odd(parts)) == ref_id("b", b"".join(bytes(p) for p in parts))


def test_a_failing_stream_propagates_and_stores_nothing(store, backend):
    boom = KeyError("boom")

    def chunks():
        yield b"a" * 100_000
        yield b"b" * 100_000
        raise boom

    with pytest.raises(KeyError) as e:
        store.put_stream(chunks(), tenant=2)
    assert e.value is boom  # the same exception, unchanged

    class Broken(io.RawIOBase):
        def __init__(self):
            self.calls = 0

        def read(self, n=-1):
            self.calls += 1
            if self.calls > 2:
                raise OSError(5, "disk on fire")
            return b"c" * n

    with pytest.raises(OSError, match="disk on fire"):
        store.put_stream(Broken(), tenant=2)
    assert store.list(tenant=2) == []
    assert files_under(backend[1]) == []


@pytest.mark.parametrize("bad", [
    [b"a", 1], [b"a", None], [b"ok", [b"nested"]], (1.5,),
])
def test_put_stream_refuses_bad_chunks(store, backend, bad):
    with pytest.raises(TypeError):
        store.put_stream(bad)
    assert store.list() == [] and files_under(backend[1]) == []


def test_put_stream_refuses_non_streams(store):
    for bad in (b"bytes", bytearray(b"x"), "text", 42, None):
        with pytest.raises(TypeError):
            store.put_stream(bad)

    class NoneReader:
        def read(self, n):
            return None

    with pytest.raises(TypeError):
        store.put_stream(NoneReader())


def test_tenants_are_separate(store):
    data = b"shared bytes"
    id_ = store.put(data, tenant=1)
    assert store.exists(id_, tenant=1) and not store.exists(id_, tenant=2)
    assert not store.exists(id_)  # tenant 0
    with pytest.raises(cairn.NotFoundError):
        store.get(id_, tenant=2)
    assert store.put(data, tenant=2) == id_
    store.delete(id_, tenant=1)
    assert store.get(id_, tenant=2) == data
    assert store.list(tenant=1) == [] and store.list(tenant=2) == [id_]
    big = 2**63 - 1
    assert store.put(b"x", tenant=big) == ref_id("b", b"x")
    assert store.list(tenant=big) == [ref_id("b", b"x")]
    for call in (lambda: store.put(b"x", tenant=-1), lambda: store.get(id_, tenant=-1),
                 lambda: store.list(tenant=-1), lambda: store.delete(id_, tenant=-1),
                 lambda: store.put_stream([b"x"], tenant=-1)):
        with pytest.raises(cairn.InvalidArgumentError) as e:
            call()
        assert e.value.reason == "CONTENT_TENANT_INVALID"


@pytest.mark.parametrize("bad", ["", "b1~", "b1~abc", "f1~../../etc/passwd", "f1~ab/cd/evil",
                                 "b1~" + "A" * 42 + "=", "../b1~x", "b1~" + "A" * 44])
def test_bad_ids_are_refused_by_every_method(store, bad):
    for call in (store.get, store.stat, store.exists, store.delete, store.verify,
                 lambda i: store.get_range(i, 0, 1)):
        with pytest.raises(cairn.InvalidArgumentError) as e:
            call(bad)
        assert e.value.reason == "CONTENT_ID_MALFORMED"


def test_concurrent_puts_from_threads(store):
    blobs = [os.urandom(50_000 + i) for i in range(16)]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        ids = list(pool.map(lambda b: store.put(b, tenant=9), blobs * 2))
        streamed = list(pool.map(lambda b: store.put_stream(io.BytesIO(b), tenant=9), blobs))
    assert ids == [ref_id("b", b) for b in blobs] * 2 == streamed * 2
    assert store.list(tenant=9) == sorted(set(ids))


def test_open_refuses_bad_uris(tmp_path):
    for uri in ["", "http://x", "memory:x", "memory", "file:", "file://host/x", "sqlite:x.db",
                f"file:{tmp_path}\0x"]:
        with pytest.raises(cairn.InvalidArgumentError) as e:
            content.BlobStore.open(uri)
        assert e.value.reason == "CONTENT_BLOB_STORE_URI_INVALID"
    with pytest.raises(TypeError):
        content.BlobStore()
    (tmp_path / "a_file").write_bytes(b"")
    with pytest.raises(cairn.UnavailableError) as e:
        content.BlobStore.open(f"file:{tmp_path / 'a_file'}")
    assert e.value.reason == "CONTENT_BLOB_STORE_IO"


# The file backend's layout


def test_file_layout_modes_and_shards(tmp_path):
    base = tmp_path / "blobs"
    store = content.BlobStore.open(f"file:{base}")
    assert stat.S_IMODE(base.stat().st_mode) == 0o700
    data = b"laid out like cloudillo"
    id_ = store.put(data, tenant=42)
    h = id_.split("~", 1)[1]
    path = base / "42" / h[0:2] / h[2:4] / id_
    assert path.is_file() and path.read_bytes() == data
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for d in (base / "42", base / "42" / h[0:2], base / "42" / h[0:2] / h[2:4]):
        assert stat.S_IMODE(d.stat().st_mode) == 0o700
    assert files_under(base) == [path]
    streamed = store.put_stream(io.BytesIO(b"streamed"), tenant=42)
    h2 = streamed.split("~", 1)[1]
    path2 = base / "42" / h2[0:2] / h2[2:4] / streamed
    assert stat.S_IMODE(path2.stat().st_mode) == 0o600
    assert files_under(base) == sorted([path, path2])


def test_file_store_persists_and_detects_damage(tmp_path):
    base = tmp_path / "blobs"
    id_ = content.BlobStore.open(f"file:///{str(base).lstrip('/')}").put(b"original", tenant=1)
    again = content.BlobStore.open(f"file:{base}")
    assert again.get(id_, tenant=1) == b"original"
    assert abs(again.stat(id_, tenant=1).modified.timestamp() - time.time()) < 60
    h = id_.split("~", 1)[1]
    path = base / "1" / h[0:2] / h[2:4] / id_
    path.write_bytes(b"tampered")
    assert again.get(id_, tenant=1) == b"tampered"  # reads trust the store
    with pytest.raises(cairn.DataLossError) as e:
        again.verify(id_, tenant=1)
    assert e.value.reason == "CONTENT_HASH_MISMATCH"
    assert again.put(b"original", tenant=1) == id_  # a put repairs it
    again.verify(id_, tenant=1)
    (base / "1" / ".tmp-leftover").write_bytes(b"x")  # a crashed put's leftovers
    (base / "1" / "stray").write_bytes(b"x")
    assert again.list(tenant=1) == [id_]


def test_relative_file_uri(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store = content.BlobStore.open("file:rel/blobs")
    id_ = store.put(b"relative")
    monkeypatch.chdir("/")
    assert store.get(id_) == b"relative"  # resolved at open
    assert (tmp_path / "rel" / "blobs" / "0").is_dir()


# ---------------------------------------------------------------------------------------------
# Action tokens, checked against PyJWT and python3-cryptography


import datetime
import json

import jwt as pyjwt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from cairn import crypto

NOW = 1795348800  # 2026-11-22T12:00:00Z
FILE = "f1~6A_MV8F8cImk_6XZsDgvKgnA0gDmREC0rFhLLYbOJWs"


def b64url_json(segment):
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


@pytest.fixture(scope="module")
def p384():
    return crypto.generate_key("ES384")


def test_action_key_id_is_the_utc_date():
    for t in (0, NOW, 1736899199, 1736899200):
        want = datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%y%m%d")
        assert content.action_key_id(at(t)) == want
    assert len(content.action_key_id()) == 6


def test_created_tokens_verify_with_pyjwt_and_cryptography(p384):
    claims = {"v": "P", "c": "hi \u00e9t\u00e9", "t": "POST:TEXT", "a": [FILE],
              "iss": "alice.example.com", "exp": NOW + 3600}
    token = content.create_action_token(p384, claims, key_id="261122", now=at(NOW))
    header, payload, signature = token.split(".")
    assert json.loads(base64.urlsafe_b64decode(header + "==")) == {"typ": "JWT", "alg": "ES384"}
    assert base64.urlsafe_b64decode(header + "==") == b'{"typ":"JWT","alg":"ES384"}'
    decoded = b64url_json(payload)
    assert list(decoded) == ["iss", "k", "t", "c", "a", "iat", "exp", "v"]
    assert decoded["k"] == "261122" and decoded["iat"] == NOW

    # An independent verifier accepts it.
    public = serialization.load_pem_public_key(p384.public_pem().encode())
    got = pyjwt.decode(token, public, algorithms=["ES384"], options={"verify_aud": False,
                                                                     "verify_exp": False})
    assert got == decoded
    raw = base64.urlsafe_b64decode(signature + "==")
    assert len(raw) == 96
    der = encode_dss_signature(int.from_bytes(raw[:48], "big"), int.from_bytes(raw[48:], "big"))
    public.verify(der, f"{header}.{payload}".encode(), ec.ECDSA(hashes.SHA384()))

    # And cairn reads it back, with its ID the hash of the text.
    assert content.verify_action_token(token, p384.public_key(), now=at(NOW)) == decoded
    assert content.decode_action_token(token) == decoded
    assert content.action_id(token) == ref_id("a", token)


def test_tokens_from_pyjwt_verify_in_cairn():
    private = ec.generate_private_key(ec.SECP384R1())
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    body = "".join(line for line in pem.splitlines() if not line.startswith("-----"))
    key = crypto.load_private_key(body)             # Cloudillo's armor-less PEM body
    claims = {"iss": "bob.example.com", "k": "250114", "t": "REACT:LIKE", "sub": "a1~x",
              "iat": NOW}
    token = pyjwt.encode(claims, private, algorithm="ES384")
    assert content.verify_action_token(token, key.public_key(), now=at(NOW))["t"] == "REACT:LIKE"
    # A token PyJWT signed with HS256 is refused whatever its claims.
    hs = pyjwt.encode(claims, "k" * 32, algorithm="HS256")
    with pytest.raises(cairn.UnauthenticatedError) as e:
        content.verify_action_token(hs, key.public_key(), now=at(NOW))
    assert e.value.reason == "AUTH_JWT_ALGORITHM_REJECTED"


def test_verify_rejects_expired_and_tampered_tokens(p384):
    token = content.create_action_token(
        p384, {"iss": "alice.example.com", "t": "POST", "c": "x", "exp": NOW + 10},
        key_id="261122", now=at(NOW))
    content.verify_action_token(token, p384.public_key(), now=at(NOW + 69))
    with pytest.raises(cairn.UnauthenticatedError) as e:
        content.verify_action_token(token, p384.public_key(), now=at(NOW + 71))
    assert e.value.reason == "AUTH_TOKEN_EXPIRED"
    content.verify_action_token(token, p384.public_key(), now=at(NOW + 71), leeway=120)
    header, payload, signature = token.split(".")
    forged_claims = b64url_json(payload)
    forged_claims["c"] = "y"
    forged = ".".join([header, base64.urlsafe_b64encode(json.dumps(
        forged_claims, separators=(",", ":")).encode()).rstrip(b"=").decode(), signature])
    with pytest.raises(cairn.UnauthenticatedError) as e:
        content.verify_action_token(forged, p384.public_key(), now=at(NOW))
    assert e.value.reason == "AUTH_TOKEN_INVALID"


def test_id_tags():
    content.check_id_tag("alice.example.com")
    for bad in ["Alice.example.com", "a_b.example", "abc", "x" * 63, "a..b.example"]:
        with pytest.raises(cairn.InvalidArgumentError) as e:
            content.check_id_tag(bad)
        assert e.value.reason == "CONTENT_ID_TAG_INVALID"


def test_verify_tree_walks_the_whole_chain(p384):
    tn, sd = os.urandom(300), os.urandom(5000)
    d = content.Descriptor([content.Variant("vis.sd", ref_id("b", sd), "avif", 5000, 720, 720),
                            content.Variant("vis.tn", ref_id("b", tn), "avif", 300, 128, 128)])
    text = d.to_string()
    file_id = ref_id("f", text)
    token = content.create_action_token(
        p384, {"iss": "alice.example.com", "t": "POST:IMG", "c": "look", "a": [file_id]},
        key_id="261122", now=at(NOW))
    descriptors = {file_id: text}
    blobs = {ref_id("b", tn): tn, ref_id("b", sd): sd}
    assert content.verify_tree(token, descriptors, blobs, action_id=ref_id("a", token)) is None
    content.verify_tree(token, {file_id: d}, blobs)

    def reason_of(descriptors, blobs, action_id=None):
        with pytest.raises(cairn.Error) as e:
            content.verify_tree(token, descriptors, blobs, action_id=action_id)
        return type(e.value), e.value.reason, str(e.value)

    broken = dict(blobs)
    broken[ref_id("b", sd)] = sd[:-1] + bytes([sd[-1] ^ 1])
    cls, reason, message = reason_of(descriptors, broken, action_id="a1~wrong")
    assert (cls, reason) == (cairn.DataLossError, "CONTENT_HASH_MISMATCH")
    assert ref_id("b", sd) in message
    cls, reason, message = reason_of({file_id: text.replace("avif", "webp")}, blobs)
    assert (cls, reason) == (cairn.DataLossError, "CONTENT_HASH_MISMATCH") and file_id in message
    assert reason_of(descriptors, blobs, action_id="a1~" + "A" * 43)[1] == "CONTENT_HASH_MISMATCH"
    assert reason_of({}, blobs)[:2] == (cairn.NotFoundError, "CONTENT_DESCRIPTOR_NOT_FOUND")
    assert reason_of(descriptors, {ref_id("b", tn): tn})[1] == "CONTENT_BLOB_NOT_FOUND"
