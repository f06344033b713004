"""cairn's WebSocket client and server against an independent implementation: Python's websockets
10.4 (Debian python3-websockets), in both roles.

- websockets' client against `websocket_client_driver serve` (a cairn net::Server with /ws/echo):
  echoes of every length class, subprotocol negotiation, the server's 4001 close, the 1 MiB cap,
  and raw frames that break the protocol (bad UTF-8, an unmasked frame) closed with 1007 / 1002.
- `websocket_client_driver client` (HttpClient::websocket) against websockets' server: echoes,
  ping/pong both ways, the client's close, the server's 1001 close, and a raw server that sends a
  masked frame (the client must fail with 1002).
Over plain TCP, and TLS with a certificate made here. Every wait is bounded by TIMEOUT.
"""

import asyncio
import base64
import datetime
import hashlib
import ipaddress
import json
import os
import select
import socket
import ssl
import struct
import subprocess
import threading

import pytest
import websockets
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

DRIVER = os.environ.get("CAIRN_WEBSOCKET_CLIENT_DRIVER", "")
TIMEOUT = 30
GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
SIZES = [0, 125, 126, 65536, (1 << 20) - 1]


# ---- The driver as a subprocess, read line by line with a timeout


class Driver:
    def __init__(self, *args):
        if not DRIVER:
            pytest.fail("CAIRN_WEBSOCKET_CLIENT_DRIVER is not set (run through ctest)")
        self.proc = subprocess.Popen([DRIVER, *args], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, bufsize=0)
        self.buffer = b""

    def line(self, timeout=TIMEOUT):
        fd = self.proc.stdout.fileno()
        for _ in range(100000):
            if b"\n" in self.buffer:
                line, self.buffer = self.buffer.split(b"\n", 1)
                return json.loads(line)
            ready, _, _ = select.select([fd], [], [], timeout)
            assert ready, "the driver did not answer in time"
            chunk = os.read(fd, 1 << 20)
            assert chunk, "the driver exited: %r" % self.proc.poll()
            self.buffer += chunk
        raise AssertionError("unreachable")

    def cmd(self, **command):
        self.proc.stdin.write((json.dumps(command) + "\n").encode())
        return self.line()

    def stop(self):
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            return self.proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=TIMEOUT)
            raise


def client_driver(url, *protocols, ca=None):
    args = ["client"] + (["--ca", ca] if ca else []) + [url, *protocols]
    d = Driver(*args)
    return d, d.line()


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 and localhost, and its key."""
    directory = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path = directory / "cert.pem"
    key_path = directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    os.chmod(key_path, 0o600)
    return str(cert_path), str(key_path)


@pytest.fixture
def cairn_server():
    server = Driver("serve")
    port = server.line()["port"]
    yield port
    assert server.stop() == 0


@pytest.fixture
def cairn_tls_server(tls_files):
    server = Driver("serve", "--tls", *tls_files)
    port = server.line()["port"]
    yield port
    assert server.stop() == 0


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, TIMEOUT))


def payloads():
    for size in SIZES:
        text = ("\u00e9" * (size // 2)) + ("a" * (size % 2))  # 2-byte characters: `size` bytes
        assert len(text.encode()) == size
        yield text
        yield bytes((i * 7) & 0xFF for i in range(size))


# ---- websockets' client against cairn's server


def test_python_client_echo_every_length_class(cairn_server):
    async def go():
        async with websockets.connect(f"ws://127.0.0.1:{cairn_server}/ws/echo") as ws:
            for message in payloads():
                await ws.send(message)
                echoed = await ws.recv()
                assert type(echoed) is type(message)
                assert echoed == message
            await ws.close()
            assert ws.close_code == 1000
    run(go())


def test_python_client_subprotocol_negotiation(cairn_server):
    async def chosen(offer):
        async with websockets.connect(f"ws://127.0.0.1:{cairn_server}/ws/echo",
                                      subprotocols=offer) as ws:
            return ws.subprotocol
    assert run(chosen(["chat"])) == "chat"
    assert run(chosen(["chat", "chat.v2"])) == "chat.v2"  # the server's preference wins
    assert run(chosen(["other"])) is None


def test_python_client_sees_the_servers_4001_close(cairn_server):
    async def go():
        async with websockets.connect(f"ws://127.0.0.1:{cairn_server}/ws/echo") as ws:
            await ws.send("close-me")
            with pytest.raises(websockets.ConnectionClosed):
                await ws.recv()
            await ws.wait_closed()
            return ws.close_code, ws.close_reason
    assert run(go()) == (4001, "asked")


def test_python_client_message_over_the_cap_is_closed_with_1009(cairn_server):
    async def go():
        async with websockets.connect(f"ws://127.0.0.1:{cairn_server}/ws/echo",
                                      max_size=None) as ws:
            await ws.send(b"x" * ((1 << 20) + 1))
            with pytest.raises(websockets.ConnectionClosed):
                await ws.recv()
            await ws.wait_closed()
            return ws.close_code
    assert run(go()) == 1009


def test_python_client_over_tls(cairn_tls_server, tls_files):
    context = ssl.create_default_context(cafile=tls_files[0])

    async def go():
        async with websockets.connect(f"wss://127.0.0.1:{cairn_tls_server}/ws/echo",
                                      ssl=context, subprotocols=["chat"]) as ws:
            assert ws.subprotocol == "chat"
            await ws.send("over tls")
            assert await ws.recv() == "over tls"
            await ws.send(b"\x00\x01" * 40000)
            assert await ws.recv() == b"\x00\x01" * 40000
    run(go())


# ---- Raw frames: what websockets' client will not send


def handshake(sock, port, path="/ws/echo"):
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                  "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        assert chunk, "closed during the handshake"
        head += chunk
    head, rest = head.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 101 ")
    accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest())
    assert b"Sec-WebSocket-Accept: " + accept in head
    return rest


def frame(opcode, payload, *, mask, fin=True):
    head = bytes([(0x80 if fin else 0) | opcode])
    bit = 0x80 if mask else 0
    if len(payload) < 126:
        head += bytes([bit | len(payload)])
    elif len(payload) < 65536:
        head += bytes([bit | 126]) + struct.pack("!H", len(payload))
    else:
        head += bytes([bit | 127]) + struct.pack("!Q", len(payload))
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def read_frame(sock, rest):
    """(opcode, payload, masked, rest) of the next frame, or None at EOF."""
    buf = rest

    def need(n):
        nonlocal buf
        while len(buf) < n:
            chunk = sock.recv(65536)
            if not chunk:
                return False
            buf += chunk
        return True

    if not need(2):
        return None
    opcode, length, masked = buf[0] & 0x0F, buf[1] & 0x7F, bool(buf[1] & 0x80)
    offset = 2
    if length == 126:
        need(4)
        length, offset = struct.unpack("!H", buf[2:4])[0], 4
    elif length == 127:
        need(10)
        length, offset = struct.unpack("!Q", buf[2:10])[0], 10
    key = b""
    if masked:
        need(offset + 4)
        key, offset = buf[offset:offset + 4], offset + 4
    assert need(offset + length)
    payload = buf[offset:offset + length]
    if masked:
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return opcode, payload, masked, buf[offset + length:]


def close_code_of(payload):
    return struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005


def raw_violation(port, bad_frame):
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        rest = handshake(sock, port)
        sock.sendall(frame(0x1, b"fine", mask=True))
        opcode, payload, masked, rest = read_frame(sock, rest)
        assert (opcode, payload, masked) == (0x1, b"fine", False)
        sock.sendall(bad_frame)
        got = read_frame(sock, rest)
        assert got is not None, "closed without a close frame"
        opcode, payload, _, rest = got
        assert opcode == 0x8
        # Then the server closes the connection.
        assert read_frame(sock, rest) is None
        return close_code_of(payload)


def test_raw_client_invalid_utf8_is_closed_with_1007(cairn_server):
    assert raw_violation(cairn_server, frame(0x1, b"ok \xff\xfe", mask=True)) == 1007


def test_raw_client_invalid_utf8_across_fragments_is_closed_with_1007(cairn_server):
    bad = frame(0x1, b"caf\xc3", mask=True, fin=False) + frame(0x0, b"(", mask=True)
    assert raw_violation(cairn_server, bad) == 1007


def test_raw_client_unmasked_frame_is_closed_with_1002(cairn_server):
    assert raw_violation(cairn_server, frame(0x1, b"bare", mask=False)) == 1002


# ---- cairn's client against websockets' server


class PyServer:
    """websockets.serve on its own event loop thread."""

    def __init__(self, handler, ssl_context=None, **kwargs):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

        async def start():
            return await websockets.serve(handler, "127.0.0.1", 0, ssl=ssl_context, **kwargs)
        self.server = asyncio.run_coroutine_threadsafe(start(), self.loop).result(TIMEOUT)
        self.port = self.server.sockets[0].getsockname()[1]

    def close(self):
        async def stop():
            self.server.close()
            await self.server.wait_closed()
        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(TIMEOUT)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(TIMEOUT)


@pytest.fixture
def py_server():
    servers = []

    def make(handler, **kwargs):
        servers.append(PyServer(handler, **kwargs))
        return servers[-1]
    yield make
    for s in servers:
        s.close()


class Seen:
    """What a server handler saw, readable from the test's thread once it has finished."""

    def __init__(self):
        self.items = []
        self.done = threading.Event()

    def finish(self, item):
        self.items.append(item)
        self.done.set()

    def wait(self):
        assert self.done.wait(TIMEOUT), "the server handler did not finish"
        return self.items


def echo_handler(seen):
    async def handler(ws):
        try:
            async for message in ws:
                await ws.send(message)
        finally:
            seen.finish(("closed", ws.close_code, ws.close_reason))
    return handler


def test_cairn_client_echo_every_length_class(py_server):
    seen = Seen()
    server = py_server(echo_handler(seen), subprotocols=["chat"], max_size=None)
    client, opened = client_driver(f"ws://127.0.0.1:{server.port}/echo", "chat.v2", "chat")
    assert opened == {"open": True, "subprotocol": "chat"}
    for message in payloads():
        if isinstance(message, str):
            assert client.cmd(op="send_text", data=message) == {"ok": True}
            assert client.cmd(op="receive") == {"opcode": "text", "data": message}
        else:
            assert client.cmd(op="send_binary", hex=message.hex()) == {"ok": True}
            assert client.cmd(op="receive") == {"opcode": "binary", "hex": message.hex()}
    assert client.cmd(op="close", code=1000, reason="done") == {"code": 1000}
    assert client.stop() == 0
    assert seen.wait() == [("closed", 1000, "done")]


def test_cairn_client_ping_and_pong_both_ways(py_server):
    pong = []

    async def handler(ws):
        waiter = await ws.ping(b"from python")
        await asyncio.wait_for(waiter, TIMEOUT)  # the cairn client answered inside receive()
        pong.append(True)
        await ws.send("pinged")
        await ws.wait_closed()

    server = py_server(handler)
    client, opened = client_driver(f"ws://127.0.0.1:{server.port}/")
    assert opened["open"] is True and opened["subprotocol"] == ""
    assert client.cmd(op="receive") == {"opcode": "text", "data": "pinged"}
    assert pong == [True]
    assert client.cmd(op="ping", data="hello") == {"ok": True}
    assert client.cmd(op="receive") == {"opcode": "pong", "hex": b"hello".hex()}
    assert client.cmd(op="close") == {"code": 1000}
    assert client.stop() == 0


def test_cairn_client_sees_the_servers_1001_close(py_server):
    async def handler(ws):
        await ws.recv()
        await ws.close(1001, "going away")

    server = py_server(handler)
    client, _ = client_driver(f"ws://127.0.0.1:{server.port}/")
    assert client.cmd(op="send_text", data="bye?") == {"ok": True}
    assert client.cmd(op="receive") == {"opcode": "close", "code": 1001, "reason": "going away"}
    answer = client.cmd(op="send_text", data="late")
    assert answer["error"]["reason"] == "WEBSOCKET_CLOSED"
    assert client.stop() == 0


def test_cairn_client_receive_timeout_keeps_the_session(py_server):
    seen = Seen()
    server = py_server(echo_handler(seen))
    client, _ = client_driver(f"ws://127.0.0.1:{server.port}/")
    timeout = client.cmd(op="receive", timeout_ms=50)
    assert timeout["error"]["code"] == "DEADLINE_EXCEEDED"
    assert timeout["error"]["reason"] == "NET_TIMEOUT"
    assert client.cmd(op="send_text", data="still here") == {"ok": True}
    assert client.cmd(op="receive") == {"opcode": "text", "data": "still here"}
    assert client.cmd(op="close", code=4100, reason="custom") == {"code": 4100}
    assert client.stop() == 0
    assert seen.wait() == [("closed", 4100, "custom")]


def test_cairn_client_over_tls(py_server, tls_files):
    seen = Seen()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*tls_files)
    server = py_server(echo_handler(seen), ssl_context=context)
    client, opened = client_driver(f"wss://127.0.0.1:{server.port}/", ca=tls_files[0])
    assert opened["open"] is True
    assert client.cmd(op="send_binary", hex="00ff" * 5000) == {"ok": True}
    assert client.cmd(op="receive") == {"opcode": "binary", "hex": "00ff" * 5000}
    assert client.cmd(op="close") == {"code": 1000}
    assert client.stop() == 0
    assert seen.wait() == [("closed", 1000, "")]


def test_cairn_client_refuses_an_untrusted_tls_server(py_server, tls_files):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*tls_files)
    server = py_server(echo_handler(Seen()), ssl_context=context)
    client, opened = client_driver(f"wss://127.0.0.1:{server.port}/")  # the system's CAs only
    assert opened["error"]["reason"] == "NET_TLS_FAILED"
    assert client.stop() == 1


def test_cairn_client_fails_a_masked_server_frame_with_1002():
    """A raw server (websockets never masks a server's frame) sends a masked one."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(TIMEOUT)
    port = listener.getsockname()[1]
    got = {}

    def serve():
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(TIMEOUT)
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                head += chunk
            key = next(line.split(b":", 1)[1].strip() for line in head.split(b"\r\n")
                       if line.lower().startswith(b"sec-websocket-key:"))
            accept = base64.b64encode(hashlib.sha1(key + GUID.encode()).digest())
            conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                         b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n")
            conn.sendall(frame(0x1, b"masked by a server", mask=True))
            answer = read_frame(conn, b"")
            if answer is not None:
                opcode, payload, masked, rest = answer
                got["close"] = (opcode, close_code_of(payload), masked)
                got["eof"] = read_frame(conn, rest) is None

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        client, opened = client_driver(f"ws://127.0.0.1:{port}/")
        assert opened["open"] is True
        answer = client.cmd(op="receive")
        assert answer["error"]["code"] == "INVALID_ARGUMENT"
        assert answer["error"]["reason"] == "WEBSOCKET_MASK_INVALID"
        assert client.cmd(op="receive")["error"]["reason"] == "WEBSOCKET_CLOSED"
        assert client.stop() == 0
        thread.join(TIMEOUT)
    finally:
        listener.close()
    assert got == {"close": (0x8, 1002, True), "eof": True}


def test_cairn_client_against_cairn_server_over_a_unix_socket(tmp_path):
    path = str(tmp_path / "ws.sock")
    server = Driver("serve", "--unix", path)
    assert server.line() == {"path": path}
    try:
        client = Driver("client", "--target", "/ws/echo", f"unix:{path}", "chat")
        assert client.line() == {"open": True, "subprotocol": "chat"}
        assert client.cmd(op="send_text", data="local") == {"ok": True}
        assert client.cmd(op="receive") == {"opcode": "text", "data": "local"}
        assert client.cmd(op="send_text", data="close-me") == {"ok": True}
        assert client.cmd(op="receive") == {"opcode": "close", "code": 4001, "reason": "asked"}
        assert client.stop() == 0
    finally:
        assert server.stop() == 0
