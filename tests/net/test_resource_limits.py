"""cairn-http-example (examples/http) against hostile clients (issue 28 item 6): endless headers,
endless chunked bodies, a million tiny WebSocket frames (read, and not read), a million pings,
pipelined requests nobody reads, and connections until refused (per client address, and at the
limit derived from RLIMIT_NOFILE). Each attack runs with the server's VmRSS sampled every 100 ms;
its peak must stay within BOUND_KIB of the baseline taken just before, and GET /health must answer
200 on a fresh connection afterwards. The attacks live in resource_limits.py, beside this file.

Why BOUND_KIB (64 MiB) holds for a server that keeps its limits (the ServerLimits and
WebSocketOptions defaults): one attacking connection can make it hold at most 16 KiB of headers,
a 1 MiB body (its buffer may reserve 2 MiB while growing), a 1 MiB WebSocket message and 4 MiB
of frames queued for the peer; a held connection costs a 16 KiB read buffer and a few KiB more.
So the 8 attackers at once stay within ~16 MiB and 256 held connections within ~5 MiB (measured
peaks, VmHWM included: +10 MiB here, +16 MiB for cairn-vault), leaving the allocator room. Each
attack offers at least twice the bound (128 MiB of headers, 256 MiB of body, 131 MB of pings),
or a million messages whose per-message cost would show, so a server that kept what it was sent,
or queued what it cannot write, goes past it.

The binary comes from CAIRN_HTTP_EXAMPLE (ctest sets it). Every wait is bounded by TIMEOUT.
"""

import os
import resource
import select
import subprocess
import threading
import time

import pytest

from resource_limits import (KIB, MIB, OP_PING, TIMEOUT, RssSampler, connection_flood,
                             endless_chunked_body, endless_headers, health_ok, health_status,
                             pipelined_requests, still_open, tiny_websocket_frames)

BINARY = os.environ.get("CAIRN_HTTP_EXAMPLE", "")
BOUND_KIB = 64 * 1024
HOST = "127.0.0.1"
OTHER_CLIENT = "127.0.0.2"  # another loopback address: another client to the per-address limit
PER_ADDRESS = 256  # ServerLimits::max_connections_per_address's default
ATTACKERS = 8  # HTTP attacks run this many connections at once


class Example:
    """cairn-http-example on 127.0.0.1:0 (with RLIMIT_NOFILE `nofile` when given)."""

    def __init__(self, nofile=None):
        if not BINARY:
            pytest.fail("CAIRN_HTTP_EXAMPLE is not set (run through ctest)")

        def limit_files():
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

        self.proc = subprocess.Popen([BINARY, "--threads", "2", "--listen", HOST + ":0"],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     preexec_fn=limit_files if nofile else None)
        self.pid = self.proc.pid
        seen = b""
        fd = self.proc.stdout.fileno()
        for _ in range(100):
            if b"\n" in seen:
                break
            ready, _, _ = select.select([fd], [], [], TIMEOUT)
            chunk = os.read(fd, 4096) if ready else b""
            if not chunk:
                break
            seen += chunk
        line = seen.split(b"\n", 1)[0].decode()
        if not line.startswith("listening on http://"):
            self.stop()
            pytest.fail("cairn-http-example did not start: %r" % seen)
        self.port = int(line.rsplit(":", 1)[1])
        self.url = "http://%s:%d" % (HOST, self.port)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            return self.proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=TIMEOUT)
            raise
        finally:
            self.proc.stdout.close()


@pytest.fixture
def server():
    example = Example()
    try:
        # Up, and its baseline taken after it has served a request (from another address, so
        # the per-address count of HOST starts at zero).
        assert health_ok(example.url, source=OTHER_CLIENT)
        yield example
    finally:
        assert example.stop() == 0  # SIGTERM drains and exits 0


@pytest.fixture
def small_server():
    """The server with 256 descriptors: at most 192 connections (derived_max_connections)."""
    # No request before the flood: every connection the server counts is the flood's.
    example = Example(nofile=256)
    try:
        yield example
    finally:
        assert example.stop() == 0


def assert_bounded(rss):
    print(rss.describe())  # shown with -rP, and on a failure
    assert rss.error is None, rss.describe()
    assert rss.within(BOUND_KIB), rss.describe()


def assert_healthy(example):
    assert example.proc.poll() is None, "the server died"
    assert health_ok(example.url)


def in_parallel(attack, n=ATTACKERS):
    """The results of `attack()` run on n threads at once."""
    results = [None] * n
    errors = []

    def run(i):
        try:
            results[i] = attack()
        except Exception as e:  # reported below, in the test's thread
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT * 6)
    assert not any(t.is_alive() for t in threads), "an attack did not end"
    assert not errors, errors
    return results


def wait_for_health(url, source=None, tries=100):
    """GET /health until it answers 200 (closed connections are released by the server a moment
    after the client closes them): the last status seen."""
    status = None
    for i in range(tries):
        if i:
            time.sleep(0.1)
        status = health_status(url, source)
        if status == 200:
            break
    return status


# ---- Headers and bodies


@pytest.mark.parametrize("line,reason", [(b"X-a: b\r\n", "HTTP_HEADERS_TOO_MANY"),
                                         (b"X-a: ", "HTTP_HEADERS_TOO_LARGE")],
                         ids=["manyfields", "oneendlessfield"])
def test_endless_headers_are_refused_with_431_within_bounded_memory(server, line, reason):
    limit = 2 * BOUND_KIB * KIB
    with RssSampler(server.pid) as rss:
        outcomes = in_parallel(lambda: endless_headers(HOST, server.port, line=line, limit=limit))
    for out in outcomes:
        assert (out.status, out.reason) == (431, reason), out
        assert out.closed and not out.limit_reached and not out.stalled, out
        assert out.sent < limit, out
    assert_bounded(rss)
    assert_healthy(server)


@pytest.mark.parametrize("chunk", [64 * KIB, 1], ids=["64KiBchunks", "1bytechunks"])
def test_endless_chunked_bodies_are_refused_with_413_within_bounded_memory(server, chunk):
    limit = 256 * MIB
    with RssSampler(server.pid) as rss:
        outcomes = in_parallel(
            lambda: endless_chunked_body(HOST, server.port, "/plaintext", chunk=chunk, limit=limit))
    for out in outcomes:
        assert (out.status, out.reason) == (413, "HTTP_BODY_TOO_LARGE"), out
        assert out.closed and not out.limit_reached and not out.stalled, out
    assert_bounded(rss)
    assert_healthy(server)


def test_pipelined_requests_nobody_reads_meet_backpressure(server):
    count = 1_000_000
    with RssSampler(server.pid) as rss:
        out = pipelined_requests(HOST, server.port, "/plaintext", count=count)
    # The server stops reading while its answers are not taken (the socket stops taking
    # requests), then answers every request it read.
    assert out.blocked and 0 < out.sent < count, out
    assert out.answered == out.sent and out.statuses == {200}, out
    assert_bounded(rss)
    assert_healthy(server)


# ---- WebSocket


@pytest.mark.parametrize("read", [True, False], ids=["reader", "slowreader"])
def test_a_million_tiny_websocket_frames_are_echoed_or_dropped(server, read):
    count = 1_000_000
    with RssSampler(server.pid) as rss:
        out = tiny_websocket_frames(HOST, server.port, "/ws/echo", count=count, read=read)
    assert not out.stalled, out
    if out.dropped:
        # Too slow a reader: dropped once max_queued_bytes (4 MiB) of echoes waited.
        assert out.close_code is None and out.messages < count, out
    else:
        assert out.sent == count and out.messages == count, out
        assert out.message_bytes == count and out.close_code == 1000, out
    assert_bounded(rss)
    assert_healthy(server)


def test_a_million_pings_are_answered_within_bounded_memory(server):
    count = 1_000_000
    with RssSampler(server.pid) as rss:
        out = tiny_websocket_frames(HOST, server.port, "/ws/echo", count=count, opcode=OP_PING)
    assert not out.stalled and not out.dropped, out
    assert (out.pongs, out.messages, out.close_code) == (count, 0, 1000), out
    assert_bounded(rss)
    assert_healthy(server)


# Found by this test (issue 28 item 6): pongs were queued without the max_queued_bytes check, so
# a peer that pings and never reads grew the server by every pong (+126 MiB for a million).
def test_unread_pongs_stay_within_bounded_memory(server):
    count = 1_000_000  # 125-byte pings: 131 MB sent, twice BOUND_KIB
    with RssSampler(server.pid) as rss:
        out = tiny_websocket_frames(HOST, server.port, "/ws/echo", count=count, opcode=OP_PING,
                                    payload=b"p" * 125, read=False)
    assert not out.stalled, out
    if not out.dropped:
        assert (out.pongs, out.close_code) == (count, 1000), out
    assert_bounded(rss)
    assert_healthy(server)


# ---- Connections


def test_a_connection_flood_is_refused_per_address_within_bounded_memory(server):
    with RssSampler(server.pid) as rss:
        with connection_flood(HOST, server.port, limit=4096) as flood:
            rss.sample()  # with every connection held
            assert (flood.refusal, flood.refused_reason) == (503, "HTTP_TOO_MANY_CONNECTIONS")
            assert len(flood.held) == PER_ADDRESS
            # The flood holds one address's share; another client still gets in.
            assert health_status(server.url, source=OTHER_CLIENT) == 200
            flood.release(PER_ADDRESS // 2)
            assert wait_for_health(server.url) == 200  # a released place is free again
            assert still_open(flood.held) == min(16, len(flood.held))  # the rest still served
    assert_bounded(rss)
    assert_healthy(server)


def test_a_connection_flood_is_refused_at_the_descriptor_limit(small_server):
    derived = 256 - 64  # derived_max_connections() for RLIMIT_NOFILE 256
    with RssSampler(small_server.pid) as rss:
        with connection_flood(HOST, small_server.port, limit=4096) as flood:
            rss.sample()  # with every connection held
            assert (flood.refusal, flood.refused_reason) == (503, "HTTP_TOO_MANY_CONNECTIONS")
            assert len(flood.held) == derived
            # This limit is for every client together.
            assert health_status(small_server.url, source=OTHER_CLIENT) == 503
            flood.release(derived // 2)
            assert wait_for_health(small_server.url, source=OTHER_CLIENT) == 200
            assert still_open(flood.held) == min(16, len(flood.held))
    assert_bounded(rss)
    assert_healthy(small_server)
