"""Hostile clients for resource-limit tests (issue 28 item 6), shared by every server's suite.

Each attack is one bounded function on plain sockets (Python's standard library only):

- endless_headers: one request whose header block never ends (many short fields, or one endless
  field); the server must answer 431 and close long before `limit` bytes.
- endless_chunked_body: a chunked body that never ends; the server must answer 413 and close.
- tiny_websocket_frames: a million 1-byte masked frames (binary messages, or pings) on one
  WebSocket, answers read in another thread (or only after the last frame: a slow reader): the
  server keeps up or drops the connection, either is fine.
- pipelined_requests: keep-alive requests back to back, no answer read: the server must stop
  reading (backpressure) rather than queue answers without bound.
- connection_flood: connections (each with one keep-alive GET) until the server refuses one
  (503, or a reset), or `limit` are open; a context manager that closes what it holds.

and the measurements: rss_kib(pid), RssSampler (the peak VmRSS, sampled every 100 ms in a thread
while an attack runs, and the kernel's exact high-water mark VmHWM where it can be reset),
health_ok(url) (GET /health on a fresh connection answers 200).

Every loop has a count bound, every socket a timeout (TIMEOUT), every thread a join timeout, so a
server that stalls makes an attack fail, never hang. Servers are reached at a host and port
(127.0.0.1 in the suites); `source` binds the client side to another loopback address, which is a
different client address to a per-address connection limit.
"""

import base64
import dataclasses
import hashlib
import http.client
import json
import os
import resource
import select
import socket
import struct
import threading
import urllib.parse

TIMEOUT = 10.0  # seconds, for every socket operation and every wait
MIB = 1 << 20
KIB = 1 << 10

# ---- Measurements


def _status_kib(pid, field):
    with open("/proc/%d/status" % pid, "rb") as status:
        for line in status:
            if line.startswith(field + b":"):
                return int(line.split()[1])
    raise RuntimeError("no %s for pid %d (a zombie?)" % (field.decode(), pid))


def rss_kib(pid):
    """The resident set size of process `pid` in KiB (VmRSS of /proc/PID/status)."""
    return _status_kib(pid, b"VmRSS")


def reset_peak_rss(pid):
    """Resets the kernel's high-water mark of `pid`'s resident set (VmHWM; writing 5 to
    /proc/PID/clear_refs, Linux 4.0+); False when this process may not."""
    try:
        with open("/proc/%d/clear_refs" % pid, "w") as clear:
            clear.write("5")
        return True
    except OSError:
        return False


class RssSampler:
    """Samples rss_kib(pid) every `interval` seconds in a thread between __enter__ and __exit__:
    `baseline` is the first sample, `peak` the largest, `samples` how many were taken (at most
    `max_samples`: the thread stops by itself after that many). When the kernel's high-water mark
    could be reset at the start, `peak` also counts VmHWM at the end, so a peak shorter than the
    interval is not missed."""

    def __init__(self, pid, interval=0.1, max_samples=6000):
        self.pid = pid
        self.interval = interval
        self.max_samples = max_samples
        self.baseline = rss_kib(pid)
        self.peak = self.baseline
        self.samples = 1
        self.error = None
        self.exact = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while self.samples < self.max_samples and not self._stop.wait(self.interval):
            self.sample()

    def sample(self):
        """Takes one sample now (the thread does every `interval`; a test may add its own)."""
        try:
            value = rss_kib(self.pid)
        except (OSError, RuntimeError, ValueError) as e:  # the process went away
            self.error = repr(e)
            self._stop.set()
            return
        self.peak = max(self.peak, value)
        self.samples += 1

    def __enter__(self):
        self.exact = reset_peak_rss(self.pid)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(TIMEOUT)
        self.sample()  # the state after the attack counts too
        if self.exact and self.error is None:
            try:
                self.peak = max(self.peak, _status_kib(self.pid, b"VmHWM"))
            except (OSError, RuntimeError, ValueError) as e:
                self.error = repr(e)

    def growth_kib(self):
        return self.peak - self.baseline

    def within(self, bound_kib):
        """Whether the peak stayed within `bound_kib` of the baseline. Always true when
        CAIRN_SKIP_RSS_BOUNDS is set (make test-sanitize): a sanitized server's RSS is mostly
        ASan's shadow memory and quarantine, not its own; the attacks and answers still run."""
        return bool(os.environ.get("CAIRN_SKIP_RSS_BOUNDS")) or self.growth_kib() < bound_kib

    def describe(self):
        return "RSS baseline %d KiB, peak %d KiB (+%d KiB), %d samples%s%s" % (
            self.baseline, self.peak, self.growth_kib(), self.samples,
            " and VmHWM" if self.exact else "",
            ", sampler error " + self.error if self.error else "")


def split_url(url):
    """(host, port) of an http://HOST:PORT URL."""
    parts = urllib.parse.urlsplit(url)
    return parts.hostname, parts.port


def health_status(url, source=None, timeout=TIMEOUT):
    """The status of GET /health on a fresh connection to `url` (from `source`, an address to bind
    the client side to), or None when no answer came (refused, reset, timed out)."""
    host, port = split_url(url)
    conn = http.client.HTTPConnection(host, port, timeout=timeout,
                                      source_address=(source, 0) if source else None)
    try:
        conn.request("GET", "/health")
        res = conn.getresponse()
        res.read()
        return res.status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def health_ok(url, source=None, timeout=TIMEOUT):
    """True when GET /health on a fresh connection to `url` answers 200."""
    return health_status(url, source, timeout) == 200


def raise_nofile(wanted):
    """Raises this process's soft RLIMIT_NOFILE towards `wanted` (never past the hard limit) and
    returns the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


# ---- HTTP answers


@dataclasses.dataclass
class Outcome:
    """How an HTTP attack ended. `sent`: bytes written before the server answered or closed;
    `status` and `reason` (error.reason of a JSON body): the answer, None when there was none;
    `closed`: the server ended the connection (EOF or reset); `stalled`: it neither read nor
    answered within TIMEOUT; `limit_reached`: the attack ran to its bound without an answer."""
    sent: int = 0
    status: int = None
    reason: str = None
    closed: bool = False
    stalled: bool = False
    limit_reached: bool = False
    answer: bytes = b""


def parse_answer(raw):
    """(status, error reason) of the raw HTTP answer `raw`; (None, None) when it has no status."""
    head, _, body = raw.partition(b"\r\n\r\n")
    line = head.split(b"\r\n", 1)[0].split()
    if len(line) < 2 or not line[0].startswith(b"HTTP/") or not line[1].isdigit():
        return None, None
    reason = None
    try:
        reason = json.loads(body)["error"]["reason"]
    except (ValueError, KeyError, TypeError):
        pass
    return int(line[1]), reason


def _read_to_end(sock, out, limit=MIB):
    """Reads into `out` until EOF, a reset or `limit` bytes; True when the server closed."""
    for _ in range(limit // 4096 + 2):
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return False
        except OSError:
            return True  # reset
        if not chunk:
            return True
        out.extend(chunk)
        if len(out) >= limit:
            return False
    return False


def _readable(sock, timeout=0.0):
    ready, _, _ = select.select([sock], [], [], timeout)
    return bool(ready)


def _connect(host, port, source=None, timeout=TIMEOUT):
    return socket.create_connection((host, port), timeout=timeout,
                                    source_address=(source, 0) if source else None)


def stream_until_answer(host, port, head, piece, limit, source=None):
    """Sends `head`, then `piece` again and again until the server answers or closes, or `limit`
    bytes were sent; then reads the answer to the end. The common core of the HTTP attacks."""
    out = Outcome()
    with _connect(host, port, source) as sock:
        try:
            sock.sendall(head)
            out.sent = len(head)
            for _ in range(limit // len(piece) + 1):
                if _readable(sock):
                    break
                sock.sendall(piece)
                out.sent += len(piece)
                if out.sent >= limit:
                    out.limit_reached = True
                    break
        except socket.timeout:
            out.stalled = True
        except OSError:
            out.closed = True  # EPIPE or a reset: the server is gone from this connection
        raw = bytearray()
        if not out.closed:
            try:
                sock.shutdown(socket.SHUT_WR)  # so a lingering server sees EOF at once
            except OSError:
                pass
        # Even after a reset, whatever the server answered before it may still be readable.
        out.closed = _read_to_end(sock, raw) or out.closed
        out.answer = bytes(raw)
        out.status, out.reason = parse_answer(out.answer)
    return out


# ---- The attacks


def endless_headers(host, port, path="/health", line=b"X-a: b\r\n", limit=64 * MIB, source=None):
    """GET `path` with header field `line` repeated until the server answers or `limit` bytes.
    `line` without CRLF makes one endless field (its value grows forever)."""
    head = b"GET %s HTTP/1.1\r\nHost: attack\r\n" % path.encode()
    if line.endswith(b"\r\n"):
        piece = line * max(1, (64 * KIB) // len(line))
    else:
        head += line
        piece = b"a" * (64 * KIB)
    return stream_until_answer(host, port, head, piece, limit, source)


def endless_chunked_body(host, port, path="/", chunk=64 * KIB, limit=256 * MIB, source=None,
                         headers=b""):
    """POST `path` with a chunked body of `chunk`-byte chunks that never ends (until the server
    answers or closes, or `limit` bytes)."""
    head = (b"POST %s HTTP/1.1\r\nHost: attack\r\nContent-Type: application/octet-stream\r\n"
            b"Transfer-Encoding: chunked\r\n%s\r\n" % (path.encode(), headers))
    one = b"%x\r\n" % chunk + b"a" * chunk + b"\r\n"
    piece = one * max(1, (64 * KIB) // len(one))  # tiny chunks go out many to a write
    return stream_until_answer(host, port, head, piece, limit, source)


@dataclasses.dataclass
class PipelineOutcome:
    """How pipelined_requests ended. `sent`: requests written; `blocked`: the socket took no
    more for send_timeout (the server stopped reading: backpressure); `answered`: answers read
    back; `statuses`: their distinct status codes; `closed`: the server closed the connection."""
    sent: int = 0
    blocked: bool = False
    answered: int = 0
    statuses: set = dataclasses.field(default_factory=set)
    closed: bool = False


def pipelined_requests(host, port, path="/health", count=200_000, send_timeout=2.0, source=None):
    """Sends `count` keep-alive GETs of `path` back to back without reading a single answer, until
    all are sent or the socket takes nothing for `send_timeout` seconds; then ends its side and
    reads every answer there is."""
    out = PipelineOutcome()
    request = b"GET %s HTTP/1.1\r\nHost: attack\r\n\r\n" % path.encode()
    batch = memoryview(request * max(1, (64 * KIB) // len(request)))
    total = count * len(request)
    sent = 0
    with _connect(host, port, source) as sock:
        sock.settimeout(send_timeout)
        try:
            # Each send() takes at least one byte or raises. A batch holds whole requests, so
            # `sent` modulo the batch is where the next request starts.
            for _ in range(total):
                offset = sent % len(batch)
                if sent == total:
                    break
                sent += sock.send(batch[offset:offset + min(total - sent, len(batch) - offset)])
        except socket.timeout:
            out.blocked = True
        except OSError:
            out.closed = True
        # A request cut short is never answered: the server sees it end with the connection.
        out.sent = sent // len(request)
        sock.settimeout(TIMEOUT)
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        tail = b""
        for _ in range(count * 64 + 1024):  # each read returns at least one byte
            try:
                chunk = sock.recv(256 * KIB)
            except socket.timeout:
                break
            except OSError:
                out.closed = True
                break
            if not chunk:
                out.closed = True
                break
            data = tail + chunk
            at = data.find(b"HTTP/1.1 ")
            while at >= 0 and at + 12 <= len(data):
                out.answered += 1
                out.statuses.add(int(data[at + 9:at + 12]))
                at = data.find(b"HTTP/1.1 ", at + 12)
            # An answer's start cut by this read is found again with the next one.
            tail = data[at:] if at >= 0 else data[-8:]
    return out


# ---- WebSocket

OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x1, 0x2, 0x8, 0x9, 0xA
_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def masked_frame(opcode, payload, mask=None):
    """One final client frame (RFC 6455 5.2), masked with `mask` (4 bytes; random when None)."""
    mask = mask or os.urandom(4)
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return head + mask + body


def websocket_connect(host, port, path, source=None):
    """A socket that completed the opening handshake on `path`; raises AssertionError when the
    server did not answer 101 with the right Sec-WebSocket-Accept."""
    sock = _connect(host, port, source)
    key = base64.b64encode(os.urandom(16))
    sock.sendall(b"GET %s HTTP/1.1\r\nHost: attack\r\nUpgrade: websocket\r\n"
                 b"Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                 b"Sec-WebSocket-Version: 13\r\n\r\n" % (path.encode(), key))
    raw = b""
    for _ in range(64):
        if b"\r\n\r\n" in raw:
            break
        chunk = sock.recv(4096)
        if not chunk:
            break
        raw += chunk
    head, sep, rest = raw.partition(b"\r\n\r\n")
    accept = base64.b64encode(hashlib.sha1(key + _GUID).digest())
    if not sep or not head.startswith(b"HTTP/1.1 101") or accept not in head:
        sock.close()
        raise AssertionError("no WebSocket upgrade: %r" % raw[:512])
    return sock, rest


@dataclasses.dataclass
class WebSocketOutcome:
    """How tiny_websocket_frames ended. `sent`: frames written; `messages`: data frames received
    back; `pongs`; `close_code`: of the server's close frame (None: none came); `dropped`: the
    server closed the TCP connection without a close frame (or reset it); `stalled`: a write or
    the reader waited TIMEOUT with nothing happening."""
    sent: int = 0
    messages: int = 0
    message_bytes: int = 0
    pongs: int = 0
    close_code: int = None
    dropped: bool = False
    stalled: bool = False


class _FrameReader:
    """Counts the server's frames as they arrive (unmasked, RFC 6455 5.2)."""

    def __init__(self, sock, initial, out, expected):
        self.sock = sock
        self.buf = bytearray(initial)
        self.out = out
        self.expected = expected
        self.echoed = threading.Event()  # `expected` answers came, or the reader ended

    def parse(self):
        """Consumes the complete frames in the buffer; True after a close frame."""
        buf, pos, n = self.buf, 0, len(self.buf)
        while n - pos >= 2:
            opcode, length = buf[pos] & 0x0F, buf[pos + 1] & 0x7F
            start = pos + 2
            if length == 126:
                if n - start < 2:
                    break
                length = struct.unpack_from("!H", buf, start)[0]
                start += 2
            elif length == 127:
                if n - start < 8:
                    break
                length = struct.unpack_from("!Q", buf, start)[0]
                start += 8
            if n - start < length:
                break
            if opcode in (OP_TEXT, OP_BINARY, 0x0):
                self.out.messages += 1
                self.out.message_bytes += length
            elif opcode == OP_PONG:
                self.out.pongs += 1
            if self.out.messages + self.out.pongs >= self.expected:
                self.echoed.set()
            if opcode == OP_CLOSE:
                self.out.close_code = (struct.unpack_from("!H", buf, start)[0] if length >= 2
                                       else 1005)
                del buf[:start + length]
                return True
            pos = start + length
        del buf[:pos]
        return False

    def run(self, max_reads):
        """Reads until the server's close frame, EOF, a reset, TIMEOUT of silence or max_reads."""
        try:
            self._read(max_reads)
        finally:
            self.echoed.set()

    def _read(self, max_reads):
        for _ in range(max_reads):
            if self.parse():
                return
            try:
                chunk = self.sock.recv(256 * KIB)
            except socket.timeout:
                self.out.stalled = True
                return
            except OSError:
                self.out.dropped = True
                return
            if not chunk:
                self.out.dropped = True
                return
            self.buf += chunk


def tiny_websocket_frames(host, port, path, count=1_000_000, payload=b"x", opcode=OP_BINARY,
                          read=True, echoes=None, source=None, batch=10_000):
    """Opens a WebSocket on `path` and sends `count` masked frames of `payload` (a 1-byte binary
    message each by default) as fast as the socket takes them. With `read` a thread reads and
    counts what comes back meanwhile; without, nothing is read until every frame was sent (a slow
    reader). Then it waits for `echoes` answers (data frames and pongs; default `count`, as an
    echo server sends) and sends a close (1000). Returns a WebSocketOutcome once the server's close
    frame, EOF or a reset came (or TIMEOUT passed with nothing)."""
    out = WebSocketOutcome()
    echoes = count if echoes is None else echoes
    sock, rest = websocket_connect(host, port, path, source)
    with sock:
        reader = _FrameReader(sock, rest, out, echoes)
        # Generous: every read returns at least one byte, and all that can come back is the echo.
        max_reads = count * (len(payload) + 14) + 1024
        thread = threading.Thread(target=reader.run, args=(max_reads,), daemon=True)
        if read:
            thread.start()
        # Distinct masks inside a batch; the batch is sent again and again.
        per_batch = min(batch, count)
        frames = b"".join(masked_frame(opcode, payload) for _ in range(per_batch))
        try:
            for _ in range(count // per_batch):
                sock.sendall(frames)
                out.sent += per_batch
            left = count - out.sent
            if left:
                sock.sendall(frames[:left * (len(frames) // per_batch)])
                out.sent += left
        except socket.timeout:
            out.stalled = True
        except OSError:
            out.dropped = True
        if not read:
            thread.start()
        # Set when the answers are in or the reader ended (close, EOF, reset, TIMEOUT of silence).
        if not out.dropped and not out.stalled:
            if not reader.echoed.wait(TIMEOUT * 6):
                out.stalled = True
            try:
                sock.sendall(masked_frame(OP_CLOSE, struct.pack("!H", 1000)))
            except OSError:
                pass  # the reader reports how the connection ended
        thread.join(TIMEOUT * 2)
        if thread.is_alive():
            out.stalled = True
            sock.shutdown(socket.SHUT_RDWR)
            thread.join(TIMEOUT)
    return out


# ---- Connection flood


class ConnectionFlood:
    """connection_flood's result and the connections it holds (closed by close() or on leaving a
    `with` block). `held`: sockets the server admitted (each answered a GET /health with 200 and
    stays open, keep-alive); `refusal`: how the first refused one ended (503, "reset", "eof",
    "timeout", or "connect: " and the error's text), None when `limit` connections were admitted;
    `refused_reason`: the 503's error.reason."""

    def __init__(self):
        self.held = []
        self.refusal = None
        self.refused_reason = None

    def release(self, n):
        """Closes the `n` connections opened last."""
        for _ in range(min(n, len(self.held))):
            self.held.pop().close()

    def close(self):
        self.release(len(self.held))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


_PROBE = b"GET /health HTTP/1.1\r\nHost: flood\r\n\r\n"


def _probe(sock):
    """Sends one keep-alive GET /health and reads its answer: (status, reason) or (what, None)
    when the server ended the connection without one."""
    raw = b""
    try:
        sock.sendall(_PROBE)
        for _ in range(256):
            chunk = sock.recv(65536)
            if not chunk:
                break
            raw += chunk
            head, sep, body = raw.partition(b"\r\n\r\n")
            if not sep:
                continue
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            if len(body) >= length:
                return parse_answer(raw)
    except socket.timeout:
        return "timeout", None
    except OSError:
        status, reason = parse_answer(raw)
        return (status, reason) if status else ("reset", None)
    status, reason = parse_answer(raw)
    return (status, reason) if status else ("eof", None)


def connection_flood(host, port, limit=4096, source=None, connect_timeout=TIMEOUT):
    """Opens connections to host:port, each asking GET /health once and then held open, until
    one is refused or `limit` are held (fewer when this process's RLIMIT_NOFILE, raised as far as
    the hard limit allows, leaves less room). Returns a ConnectionFlood (a context manager)."""
    room = raise_nofile(limit + 256) - 64
    flood = ConnectionFlood()
    try:
        for _ in range(min(limit, room)):
            try:
                sock = _connect(host, port, source, connect_timeout)
            except socket.timeout:
                flood.refusal = "timeout"
                break
            except OSError as e:
                flood.refusal = "connect: " + (os.strerror(e.errno) if e.errno else repr(e))
                break
            status, reason = _probe(sock)
            if status != 200:
                sock.close()
                flood.refusal, flood.refused_reason = status, reason
                break
            flood.held.append(sock)
    except BaseException:
        flood.close()
        raise
    return flood


def still_open(socks, sample=16):
    """How many of up to `sample` held sockets (spread over the list) still answer a keep-alive
    GET /health with 200."""
    if not socks:
        return 0
    step = max(1, len(socks) // sample)
    return sum(1 for sock in socks[::step][:sample] if _probe(sock)[0] == 200)


__all__ = [
    "TIMEOUT", "MIB", "KIB", "rss_kib", "reset_peak_rss", "RssSampler", "health_status",
    "health_ok", "split_url", "raise_nofile", "Outcome", "parse_answer", "stream_until_answer",
    "endless_headers", "endless_chunked_body", "PipelineOutcome", "pipelined_requests", "OP_TEXT",
    "OP_BINARY", "OP_CLOSE", "OP_PING", "OP_PONG", "masked_frame", "websocket_connect",
    "WebSocketOutcome", "tiny_websocket_frames", "ConnectionFlood", "connection_flood",
    "still_open",
]
