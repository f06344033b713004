"""cairn's WebSocket codec against an independent implementation: the sans-I/O frames module of
Python's websockets (Debian python3-websockets).

websockets serializes, cairn parses (websocket_frame_driver frames/messages), and the other way
round (encode); both must agree on every generated frame, message and close payload, and both must
refuse the same malformed frames. Generation is seeded and bounded.
"""

import json
import os
import random
import subprocess

import pytest
from websockets import frames
from websockets.exceptions import ProtocolError
from websockets.streams import StreamReader

DRIVER = os.environ.get("CAIRN_WEBSOCKET_DRIVER", "")
OP = frames.Opcode
SIZES = [0, 1, 2, 5, 125, 126, 127, 200, 65535, 65536, 70000]


def driver(args, lines):
    if not DRIVER:
        pytest.fail("CAIRN_WEBSOCKET_DRIVER is not set (run through ctest)")
    result = subprocess.run([DRIVER, *args], input="".join(line + "\n" for line in lines),
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def py_parse(data, *, mask):
    """Every frame websockets parses from `data`, or the exception it raises."""
    reader = StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    out = []
    while reader.buffer:  # at_eof() is a coroutine in websockets' sans-I/O reader
        parser = frames.Frame.parse(reader.read_exact, mask=mask)
        try:
            next(parser)
        except StopIteration as done:
            out.append(done.value)
        except ProtocolError as error:
            return out, error
        else:
            raise AssertionError("websockets wanted more bytes")
    return out, None


def random_payload(rng, text):
    size = rng.choice(SIZES)
    if text:
        alphabet = "aZ09 \u00e9\u20ac\U0001f600\u0800\uffff"
        return "".join(rng.choice(alphabet) for _ in range(size)).encode("utf-8")
    return rng.randbytes(size)


def random_session(rng):
    """Frames of a few messages (some fragmented, with control frames between fragments), ending
    with a close frame, and the messages they carry."""
    out, messages = [], []
    for _ in range(rng.randint(1, 5)):
        text = rng.random() < 0.5
        data = random_payload(rng, text)
        cuts = sorted(rng.sample(range(len(data) + 1), min(rng.randint(0, 3), len(data) + 1)))
        parts = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)])]
        for i, part in enumerate(parts):
            opcode = (OP.TEXT if text else OP.BINARY) if i == 0 else OP.CONT
            out.append(frames.Frame(opcode, part, fin=i == len(parts) - 1))
            if i == len(parts) - 1:
                messages.append((1 if text else 2, data.hex(), 0))
            if rng.random() < 0.3:
                control = frames.Frame(rng.choice([OP.PING, OP.PONG]), rng.randbytes(rng.randint(0, 125)))
                out.append(control)
                messages.append((int(control.opcode), control.data.hex(), 0))
    code = rng.choice([1000, 1001, 1003, 1008, 1011, 1012, 3000, 4999])
    reason = rng.choice(["", "bye", "\u00e9t\u00e9", "x" * 123])
    out.append(frames.Frame(OP.CLOSE, frames.Close(code, reason).serialize()))
    messages.append((8, reason.encode().hex(), code))
    return out, messages


def chunks(rng, data):
    """`data` as hex lines cut at random places (some one byte long)."""
    lines, i = [], 0
    while i < len(data):
        n = rng.choice([1, 2, 3, 7, 100, 5000, 70000])
        lines.append(data[i:i + n].hex())
        i += n
    return lines or [""]


@pytest.mark.parametrize("role", ["server", "client"])
def test_cairn_parses_what_websockets_serializes(role):
    rng = random.Random(6455 if role == "server" else 1337)
    mask = role == "server"  # a server parses the client's masked frames
    for _ in range(40):
        session, messages = random_session(rng)
        wire = b"".join(f.serialize(mask=mask) for f in session)
        lines = chunks(rng, wire)
        got = driver(["frames", role], lines)
        assert got == [{"opcode": int(f.opcode), "fin": f.fin, "payload": f.data.hex()}
                       for f in session]
        got = driver(["messages", role], lines)
        assert [(m["opcode"], m["payload"], m["close_code"]) for m in got] == messages


@pytest.mark.parametrize("masked", [False, True])
def test_websockets_parses_what_cairn_encodes(masked, monkeypatch):
    rng = random.Random(42 if masked else 43)
    key = bytes([0x37, 0xFA, 0x21, 0x3D])
    # websockets takes its masking key from secrets.token_bytes: fix it to compare bytes exactly.
    monkeypatch.setattr(frames.secrets, "token_bytes", lambda n: key[:n])
    specs = []
    for _ in range(150):
        opcode = rng.choice([OP.CONT, OP.TEXT, OP.BINARY, OP.CLOSE, OP.PING, OP.PONG])
        control = opcode in (OP.CLOSE, OP.PING, OP.PONG)
        data = rng.randbytes(rng.randint(0, 125) if control else rng.choice(SIZES))
        specs.append(frames.Frame(opcode, data, fin=control or rng.random() < 0.7))
    lines = [f"{int(f.opcode)} {int(f.fin)} {f.data.hex() or '-'}" + (f" {key.hex()}" if masked else "")
             for f in specs]
    got = driver(["encode"], lines)
    assert len(got) == len(specs)
    for frame, answer in zip(specs, got):
        wire = bytes.fromhex(answer["wire"])
        assert wire == frame.serialize(mask=masked)
        parsed, error = py_parse(wire, mask=masked)
        assert error is None
        assert (parsed[0].opcode, parsed[0].fin, parsed[0].data) == (frame.opcode, frame.fin, frame.data)


def test_both_refuse_malformed_frames():
    rng = random.Random(7)
    cases = []
    for _ in range(200):
        frame = frames.Frame(rng.choice([OP.TEXT, OP.BINARY, OP.PING]), rng.randbytes(rng.randint(0, 20)))
        wire = bytearray(frame.serialize(mask=True))
        kind = rng.choice(["rsv", "opcode", "unmasked", "long control", "fragmented control"])
        if kind == "rsv":
            wire[0] |= rng.choice([0x40, 0x20, 0x10])
        elif kind == "opcode":
            wire[0] = (wire[0] & 0xF0) | rng.choice([3, 4, 5, 6, 7, 11, 12, 13, 14, 15])
        elif kind == "unmasked":
            wire = bytearray(frame.serialize(mask=False))
        elif kind == "long control":
            wire = bytearray(frames.Frame(OP.BINARY, rng.randbytes(126 + rng.randint(0, 200)))
                             .serialize(mask=True))
            wire[0] = 0x80 | rng.choice([8, 9, 10])
        else:
            wire[0] = rng.choice([8, 9, 10])  # FIN clear
        cases.append(bytes(wire))
    for wire in cases:
        _, error = py_parse(wire, mask=True)
        assert isinstance(error, ProtocolError), wire.hex()
        got = driver(["frames", "server"], [wire.hex()])
        assert got[-1].get("close_code") == 1002, (wire.hex(), got)


def test_close_payloads_agree_on_every_code():
    payloads = []
    for code in list(range(0, 5100)) + [65535]:
        payloads.append(code.to_bytes(2, "big") + b"ok")
    payloads += [b"", b"\x03", b"\x03\xe8\xff", b"\x03\xe8\xc3\xa9", b"\x03\xe8" + b"r" * 123]
    got = driver(["close"], [p.hex() or "-" for p in payloads])
    assert len(got) == len(payloads)
    for payload, answer in zip(payloads, got):
        try:
            close = frames.Close.parse(payload)
        except (ProtocolError, UnicodeDecodeError):
            assert "error" in answer, payload.hex()
        else:
            assert answer == {"code": close.code, "reason": close.reason.encode().hex()}, payload.hex()
