"""cairn-vault against hostile clients (issue 28 item 6): endless headers, endless chunked bodies
(on the anonymous sign-in route and on an authenticated one), pipelined requests nobody reads,
and connections until refused by --max-connections-per-address. Each attack runs with the
server's VmRSS sampled every 100 ms; its peak must stay within BOUND_KIB of the baseline taken
just before, and GET /health must answer 200 on a fresh connection afterwards. cairn-vault has no
WebSocket route; tests/net/test_resource_limits.py covers those attacks on cairn-http-example.

BOUND_KIB (64 MiB) is justified as there (tests/net/test_resource_limits.py): the per-connection
limits (16 KiB of headers, a 1 MiB body) times the 8 attackers at once stay within ~16 MiB
(measured peak, VmHWM included: +16 MiB), and each attack offers at least twice the bound.

The binary comes from CAIRN_VAULT_BIN (ctest sets it); the attacks come from
tests/net/resource_limits.py.
"""

import os
import subprocess
import sys
import threading
import time

import pytest

from conftest import BINARY, Vault, vault_env

# Appended, not prepended: nothing in tests/net may shadow a module of this directory.
sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "net"))
from resource_limits import (KIB, MIB, TIMEOUT, RssSampler, connection_flood,  # noqa: E402
                             endless_chunked_body, endless_headers, health_ok, health_status,
                             pipelined_requests, split_url, still_open)

BOUND_KIB = 64 * 1024
OTHER_CLIENT = "127.0.0.2"  # another loopback address: another client to the per-address limit
PER_ADDRESS = 64  # --max-connections-per-address for these tests
ATTACKERS = 8


@pytest.fixture
def server(tmp_path):
    """cairn-vault on 127.0.0.1:0 (mail codes to its log: no SMTP needed), always stopped."""
    if not BINARY:
        pytest.skip("CAIRN_VAULT_BIN is not set")
    (tmp_path / "home").mkdir()
    v = Vault(tmp_path / "data", vault_env(tmp_path), tmp_path / "home")
    try:
        v.start("--threads", "2", "--max-connections-per-address", str(PER_ADDRESS))
        v.host, v.port = split_url(v.url)
        # Up, and its baseline taken after it has served a request (from another address, so
        # the per-address count of 127.0.0.1 starts at zero).
        assert health_ok(v.url, source=OTHER_CLIENT)
        yield v
    finally:
        if v.proc is not None:
            try:
                v.stop()
            except subprocess.TimeoutExpired:
                v.proc.kill()
                v.proc.wait(TIMEOUT)


def assert_bounded(rss, v):
    print(rss.describe())  # shown with -rP, and on a failure
    assert rss.error is None, rss.describe()
    assert rss.within(BOUND_KIB), rss.describe() + "\n" + v.log()[-2000:]


def assert_healthy(v):
    assert v.proc.poll() is None, "the server died:\n" + v.log()[-2000:]
    assert health_ok(v.url)


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


@pytest.mark.parametrize("line,reason", [(b"X-a: b\r\n", "HTTP_HEADERS_TOO_MANY"),
                                         (b"X-a: ", "HTTP_HEADERS_TOO_LARGE")],
                         ids=["manyfields", "oneendlessfield"])
def test_endless_headers_are_refused_with_431_within_bounded_memory(server, line, reason):
    limit = 2 * BOUND_KIB * KIB
    with RssSampler(server.proc.pid) as rss:
        outcomes = in_parallel(
            lambda: endless_headers(server.host, server.port, "/api/secrets", line=line,
                                    limit=limit))
    for out in outcomes:
        assert (out.status, out.reason) == (431, reason), out
        assert out.closed and not out.limit_reached and not out.stalled, out
    assert_bounded(rss, server)
    assert_healthy(server)


@pytest.mark.parametrize("path", ["/api/auth/login", "/api/orgs"], ids=["signin", "authed"])
def test_endless_chunked_bodies_are_refused_with_413_within_bounded_memory(server, path):
    limit = 256 * MIB
    with RssSampler(server.proc.pid) as rss:
        outcomes = in_parallel(
            lambda: endless_chunked_body(server.host, server.port, path, limit=limit,
                                         headers=b"Authorization: Bearer not-a-token\r\n"))
    for out in outcomes:
        assert (out.status, out.reason) == (413, "HTTP_BODY_TOO_LARGE"), out
        assert out.closed and not out.limit_reached and not out.stalled, out
    assert_bounded(rss, server)
    assert_healthy(server)


def test_pipelined_requests_nobody_reads_meet_backpressure(server):
    count = 1_000_000
    with RssSampler(server.proc.pid) as rss:
        out = pipelined_requests(server.host, server.port, "/health", count=count)
    assert out.blocked and 0 < out.sent < count, out
    assert out.answered == out.sent and out.statuses == {200}, out
    assert_bounded(rss, server)
    assert_healthy(server)


def test_a_connection_flood_is_refused_per_address_within_bounded_memory(server):
    with RssSampler(server.proc.pid) as rss:
        with connection_flood(server.host, server.port, limit=4096) as flood:
            rss.sample()  # with every connection held
            assert (flood.refusal, flood.refused_reason) == (503, "HTTP_TOO_MANY_CONNECTIONS")
            assert len(flood.held) == PER_ADDRESS
            # The flood holds one address's share; another client still gets in.
            assert health_status(server.url, source=OTHER_CLIENT) == 200
            flood.release(PER_ADDRESS // 2)
            # Closed connections are given back a moment after the client closes them.
            status = None
            for i in range(100):
                if i:
                    time.sleep(0.1)
                status = health_status(server.url)
                if status == 200:
                    break
            assert status == 200
            assert still_open(flood.held) == min(16, len(flood.held))  # the rest still served
    assert_bounded(rss, server)
    assert_healthy(server)
