"""cairn-http-example (examples/http) end to end, checked by independent peers only:

- curl for /files: single ranges (first-last, open-ended, suffix), 416 with `bytes */N`, several
  ranges answered whole, ETag then If-None-Match -> 304, If-Range, HEAD, the SHA-256 of a 5 MiB file
  fetched whole and in ranges, and path traversal (dot segments, percent-encoded, a symbolic link
  out of the root) refused with 400 or 404;
- curl --unix-socket for /whoami: our uid and gid, and the pid of the curl process itself;
- TLS with a CA and client certificates made by the `openssl` command here: /whoami answers the
  certificate's CN and the SHA-256 fingerprint `openssl x509 -fingerprint -sha256` prints; a
  client without a certificate, or with one from another CA, fails the handshake;
- Python's websockets (Debian python3-websockets 10.4) on /ws/echo over TCP, the unix socket and
  TLS: text, binary, 200 KiB messages, and the close handshake (1000);
- the command line: a bad one exits 2.

The binary comes from CAIRN_HTTP_EXAMPLE (ctest sets it). Every wait is bounded by TIMEOUT.
"""

import asyncio
import hashlib
import json
import os
import select
import ssl
import subprocess

import pytest
import websockets

BINARY = os.environ.get("CAIRN_HTTP_EXAMPLE", "")
TIMEOUT = 30
BIG = 5 << 20  # the 5 MiB file


# ---- The server as a subprocess


class Example:
    """cairn-http-example started with `args`, its endpoints read back from stdout."""

    def __init__(self, *args, endpoints=1):
        if not BINARY:
            pytest.fail("CAIRN_HTTP_EXAMPLE is not set (run through ctest)")
        self.proc = subprocess.Popen([BINARY, "--threads", "2", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.endpoints = []
        seen = b""
        fd = self.proc.stdout.fileno()
        for _ in range(1000):
            if len(self.endpoints) == endpoints:
                return
            if b"\n" not in seen:
                ready, _, _ = select.select([fd], [], [], TIMEOUT)
                chunk = os.read(fd, 4096) if ready else b""
                if not chunk:
                    self.stop()
                    pytest.fail("cairn-http-example did not start: %r %r"
                                % (seen, self.proc.stderr.read()))
                seen += chunk
                continue
            line, seen = seen.split(b"\n", 1)
            if line.startswith(b"listening on "):
                self.endpoints.append(line[len(b"listening on "):].decode())
        pytest.fail("cairn-http-example printed too much before listening")

    def port(self, index=0):
        return int(self.endpoints[index].rsplit(":", 1)[1])

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
            self.proc.stderr.close()


# ---- curl


class Answer:
    def __init__(self, raw):
        head, _, self.body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()

    def reason(self):
        return json.loads(self.body)["error"]["reason"]


def curl(url, *args, unix=None, tls=None):
    """One request by curl; the answer's status, headers and body. `tls`: extra curl options."""
    command = ["curl", "-s", "-S", "-i", "--max-time", str(TIMEOUT), "--path-as-is"]
    if unix:
        command += ["--unix-socket", unix]
    command += list(tls or []) + list(args) + [url]
    done = subprocess.run(command, capture_output=True, timeout=TIMEOUT * 2)
    assert done.returncode == 0, done.stderr.decode()
    return Answer(done.stdout)


def head(url):
    command = ["curl", "-s", "-S", "-I", "--max-time", str(TIMEOUT), url]
    done = subprocess.run(command, capture_output=True, timeout=TIMEOUT * 2)
    assert done.returncode == 0, done.stderr.decode()
    return Answer(done.stdout)


# ---- Fixtures


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The served directory: a 5 MiB random file, a small text file, an empty file, a symbolic
    link that points out of it; and beside it a secret that must never be served."""
    base = tmp_path_factory.mktemp("example")
    root = base / "www"
    (root / "sub").mkdir(parents=True)
    data = os.urandom(BIG)
    (root / "big.bin").write_bytes(data)
    (root / "sub" / "hello.txt").write_bytes(b"Hello, files!\n")
    (root / "empty").write_bytes(b"")
    (base / "secret.txt").write_bytes(b"the secret outside the root\n")
    (root / "out").symlink_to(base)
    return {"base": base, "root": root, "big": data}


@pytest.fixture(scope="module")
def server(files):
    sock = files["base"] / "run" / "example.sock"
    example = Example("--listen", "127.0.0.1:0", "--unix", str(sock), "--files",
                      str(files["root"]), endpoints=2)
    try:
        assert example.endpoints[0].startswith("http://127.0.0.1:")
        assert example.endpoints[1] == "unix:" + str(sock)
        yield {"url": "http://127.0.0.1:%d" % example.port(), "unix": str(sock),
               "ws": "ws://127.0.0.1:%d/ws/echo" % example.port()}
    finally:
        assert example.stop() == 0  # SIGTERM drains and exits 0


def openssl(*args, cwd):
    done = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, timeout=TIMEOUT * 2)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode()


def make_ca(directory, name):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", name + ".key", "-out", name + ".pem", "-days", "2", "-subj", "/CN=" + name,
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=directory)


def make_leaf(directory, name, ca, cn, extensions, serial):
    (directory / (name + ".ext")).write_text(extensions)
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + cn, cwd=directory)
    openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key",
            "-set_serial", str(serial), "-days", "2", "-out", name + ".pem",
            "-extfile", name + ".ext", cwd=directory)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    d = tmp_path_factory.mktemp("pki")
    make_ca(d, "ca")
    make_ca(d, "other-ca")
    make_leaf(d, "server", "ca", "127.0.0.1",
              "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n", 1)
    make_leaf(d, "agent", "ca", "agent-7", "extendedKeyUsage=clientAuth\n", 2)
    make_leaf(d, "stranger", "other-ca", "agent-7", "extendedKeyUsage=clientAuth\n", 3)
    printed = openssl("x509", "-noout", "-fingerprint", "-sha256", "-in", "agent.pem", cwd=d)
    fingerprint = printed.strip().split("=", 1)[1].replace(":", "").lower()
    return {"dir": d, "agent_sha256": fingerprint}


@pytest.fixture(scope="module")
def tls_server(pki, files):
    d = pki["dir"]
    example = Example("--listen", "127.0.0.1:0", "--files", str(files["root"]),
                      "--tls-cert", str(d / "server.pem"), "--tls-key", str(d / "server.key"),
                      "--client-ca", str(d / "ca.pem"))
    try:
        assert example.endpoints[0].startswith("https://127.0.0.1:")
        yield {"url": "https://127.0.0.1:%d" % example.port(), "port": example.port()}
    finally:
        assert example.stop() == 0


def agent_curl_options(pki, who="agent"):
    d = pki["dir"]
    return ["--cacert", str(d / "ca.pem"), "--cert", str(d / (who + ".pem")),
            "--key", str(d / (who + ".key"))]


# ---- /files: ranges, ETags, HEAD


def test_whole_file_has_validators_and_the_right_type(server):
    a = curl(server["url"] + "/files/sub/hello.txt")
    assert a.status == 200
    assert a.body == b"Hello, files!\n"
    assert a.headers["content-length"] == "14"
    assert a.headers["content-type"] == "text/plain; charset=utf-8"
    assert a.headers["accept-ranges"] == "bytes"
    assert a.headers["etag"].startswith('"') and a.headers["etag"].endswith('"')
    assert a.headers["last-modified"].endswith(" GMT")


def test_first_hundred_bytes(server, files):
    a = curl(server["url"] + "/files/big.bin", "-r", "0-99")
    assert a.status == 206
    assert a.headers["content-range"] == "bytes 0-99/%d" % BIG
    assert a.headers["content-length"] == "100"
    assert a.body == files["big"][:100]


def test_open_ended_and_suffix_ranges(server, files):
    a = curl(server["url"] + "/files/big.bin", "-r", "%d-" % (BIG - 1000))
    assert a.status == 206
    assert a.headers["content-range"] == "bytes %d-%d/%d" % (BIG - 1000, BIG - 1, BIG)
    assert a.body == files["big"][-1000:]
    b = curl(server["url"] + "/files/big.bin", "-r", "-500")
    assert b.status == 206
    assert b.headers["content-range"] == "bytes %d-%d/%d" % (BIG - 500, BIG - 1, BIG)
    assert b.body == files["big"][-500:]
    # A last byte past the end is clamped to the size.
    c = curl(server["url"] + "/files/sub/hello.txt", "-r", "7-1000")
    assert c.status == 206
    assert c.headers["content-range"] == "bytes 7-13/14"
    assert c.body == b"files!\n"


def test_unsatisfiable_range_is_416_with_the_size(server):
    a = curl(server["url"] + "/files/big.bin", "-r", "%d-" % BIG)
    assert a.status == 416
    assert a.headers["content-range"] == "bytes */%d" % BIG
    assert a.reason() == "HTTP_RANGE_NOT_SATISFIABLE"
    b = curl(server["url"] + "/files/empty", "-r", "0-0")
    assert b.status == 416
    assert b.headers["content-range"] == "bytes */0"


def test_several_ranges_get_the_whole_file(server):
    a = curl(server["url"] + "/files/sub/hello.txt", "-r", "0-1,5-6")
    assert a.status == 200
    assert "content-range" not in a.headers
    assert a.body == b"Hello, files!\n"


def test_etag_then_if_none_match_is_304(server):
    first = curl(server["url"] + "/files/sub/hello.txt")
    etag = first.headers["etag"]
    again = curl(server["url"] + "/files/sub/hello.txt", "-H", "If-None-Match: " + etag)
    assert again.status == 304
    assert again.body == b""
    assert again.headers["etag"] == etag
    weak = curl(server["url"] + "/files/sub/hello.txt",
                "-H", 'If-None-Match: "nope", W/' + etag)
    assert weak.status == 304
    other = curl(server["url"] + "/files/sub/hello.txt", "-H", 'If-None-Match: "nope"')
    assert other.status == 200
    assert other.body == b"Hello, files!\n"


def test_if_range_with_a_stale_etag_gets_the_whole_file(server, files):
    etag = curl(server["url"] + "/files/big.bin", "-r", "0-0").headers["etag"]
    fresh = curl(server["url"] + "/files/big.bin", "-r", "10-19", "-H", "If-Range: " + etag)
    assert fresh.status == 206
    assert fresh.body == files["big"][10:20]
    stale = curl(server["url"] + "/files/sub/hello.txt", "-r", "0-1", "-H", 'If-Range: "old"')
    assert stale.status == 200
    assert stale.body == b"Hello, files!\n"


def test_head_has_the_length_and_no_body(server):
    a = head(server["url"] + "/files/big.bin")
    assert a.status == 200
    assert a.headers["content-length"] == str(BIG)
    assert a.headers["accept-ranges"] == "bytes"
    assert a.body == b""


def test_big_file_whole_and_in_ranges_has_the_same_sha256(server, files):
    want = hashlib.sha256(files["big"]).hexdigest()
    whole = curl(server["url"] + "/files/big.bin")
    assert whole.status == 200
    assert whole.headers["content-length"] == str(BIG)
    assert hashlib.sha256(whole.body).hexdigest() == want
    # Uneven pieces, so range edges fall anywhere relative to the server's buffers.
    step = 700001
    pieces = []
    for first in range(0, BIG, step):
        last = min(first + step, BIG) - 1
        a = curl(server["url"] + "/files/big.bin", "-r", "%d-%d" % (first, last))
        assert a.status == 206
        assert a.headers["content-range"] == "bytes %d-%d/%d" % (first, last, BIG)
        pieces.append(a.body)
    assert len(pieces) == (BIG + step - 1) // step
    assert hashlib.sha256(b"".join(pieces)).hexdigest() == want


def test_files_over_the_unix_socket(server, files):
    a = curl("http://localhost/files/big.bin", "-r", "1000-1999", unix=server["unix"])
    assert a.status == 206
    assert a.body == files["big"][1000:2000]


def test_missing_file_directory_and_method(server):
    a = curl(server["url"] + "/files/nothing-here")
    assert (a.status, a.reason()) == (404, "HTTP_FILE_NOT_FOUND")
    b = curl(server["url"] + "/files/sub")
    assert (b.status, b.reason()) == (404, "HTTP_FILE_NOT_FOUND")
    c = curl(server["url"] + "/files/sub/hello.txt", "-X", "POST", "-d", "x")
    assert (c.status, c.reason()) == (405, "HTTP_METHOD_NOT_ALLOWED")


MALFORMED = (400, "HTTP_REQUEST_MALFORMED")  # the server refuses dot segments before routing
NO_FILE = (404, "HTTP_FILE_NOT_FOUND")  # serve_from_directory refuses what is left


@pytest.mark.parametrize("path,answer", [
    ("/files/../secret.txt", MALFORMED),
    ("/files/sub/../../secret.txt", MALFORMED),
    ("/files/%2e%2e/secret.txt", MALFORMED),
    ("/files/%2E%2E%2Fsecret.txt", MALFORMED),
    ("/files/sub/%2e%2e/%2e%2e/secret.txt", MALFORMED),
    ("/files/..%2fsecret.txt", MALFORMED),
    ("/files/.%2e/secret.txt", MALFORMED),
    ("/files/./sub/hello.txt", MALFORMED),
    ("/files/sub/hello.txt%00", MALFORMED),
    ("/files/sub//hello.txt", NO_FILE),
])
def test_traversal_is_refused(server, path, answer):
    a = curl(server["url"] + path)
    assert (a.status, a.reason()) == answer, path
    assert b"secret outside" not in a.body
    assert b"Hello, files" not in a.body


def test_symbolic_link_out_of_the_root_is_404(server):
    a = curl(server["url"] + "/files/out/secret.txt")
    assert (a.status, a.reason()) == (404, "HTTP_FILE_NOT_FOUND")
    assert b"secret outside" not in a.body


def test_without_files_the_route_is_absent(files):
    example = Example("--listen", "127.0.0.1:0")
    try:
        a = curl("http://127.0.0.1:%d/files/sub/hello.txt" % example.port())
        assert (a.status, a.reason()) == (404, "HTTP_ROUTE_NOT_FOUND")
    finally:
        assert example.stop() == 0


# ---- /whoami: unix peer credentials and client certificates


def test_whoami_on_the_unix_socket_is_the_curl_process(server):
    command = ["curl", "-s", "-S", "--max-time", str(TIMEOUT), "--unix-socket", server["unix"],
               "http://localhost/whoami"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(timeout=TIMEOUT * 2)
    assert proc.returncode == 0, err.decode()
    peer = json.loads(out)
    assert peer == {"uid": os.geteuid(), "gid": os.getegid(), "pid": proc.pid}
    assert peer["pid"] > 0


def test_whoami_on_plain_tcp_is_404(server):
    a = curl(server["url"] + "/whoami")
    assert (a.status, a.reason()) == (404, "HTTP_ROUTE_NOT_FOUND")


def test_whoami_over_tls_is_the_client_certificate(tls_server, pki):
    a = curl(tls_server["url"] + "/whoami", tls=agent_curl_options(pki))
    assert a.status == 200
    assert json.loads(a.body) == {"cn": "agent-7", "sha256": pki["agent_sha256"]}
    assert len(pki["agent_sha256"]) == 64


def test_tls_serves_ranges_to_a_certified_client(tls_server, pki, files):
    a = curl(tls_server["url"] + "/files/big.bin", "-r", "4096-8191", tls=agent_curl_options(pki))
    assert a.status == 206
    assert a.body == files["big"][4096:8192]


@pytest.mark.parametrize("who", [None, "stranger"])
def test_tls_without_a_trusted_client_certificate_fails_the_handshake(tls_server, pki, who):
    d = pki["dir"]
    options = ["--cacert", str(d / "ca.pem")] if who is None else agent_curl_options(pki, who)
    command = ["curl", "-s", "-S", "-i", "--max-time", str(TIMEOUT), *options,
               tls_server["url"] + "/whoami"]
    done = subprocess.run(command, capture_output=True, timeout=TIMEOUT * 2)
    # 35: the handshake failed; 56: (TLS 1.3) the server's alert arrived on the first read.
    assert done.returncode in (35, 56), (done.returncode, done.stderr)
    assert not done.stdout.startswith(b"HTTP/")


# ---- /ws/echo with Python's websockets


async def echo_session(connect):
    # websockets 10.4 binds a connection to the running loop when it is made, so it is made here.
    async with connect() as ws:
        for message in ["hello", "h\u00e9llo \u2603", "", b"\x00\x01\xfe\xff", b"",
                        os.urandom(200 * 1024), "x" * (200 * 1024)]:
            await asyncio.wait_for(ws.send(message), TIMEOUT)
            back = await asyncio.wait_for(ws.recv(), TIMEOUT)
            assert type(back) is type(message)
            assert back == message
        await asyncio.wait_for(ws.close(), TIMEOUT)
        return ws.close_code


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, TIMEOUT * 2))


def test_websocket_echo_over_tcp(server):
    def connect():
        return websockets.connect(server["ws"], open_timeout=TIMEOUT, close_timeout=TIMEOUT)

    assert run(echo_session(connect)) == 1000


def test_websocket_echo_over_the_unix_socket(server):
    def connect():
        return websockets.unix_connect(server["unix"], "ws://localhost/ws/echo",
                                       open_timeout=TIMEOUT, close_timeout=TIMEOUT)

    assert run(echo_session(connect)) == 1000


def test_websocket_echo_over_tls_with_a_client_certificate(tls_server, pki):
    d = pki["dir"]
    context = ssl.create_default_context(cafile=str(d / "ca.pem"))
    context.load_cert_chain(str(d / "agent.pem"), str(d / "agent.key"))
    def connect():
        return websockets.connect("wss://127.0.0.1:%d/ws/echo" % tls_server["port"],
                                  ssl=context, open_timeout=TIMEOUT, close_timeout=TIMEOUT)

    assert run(echo_session(connect)) == 1000


def test_a_bad_upgrade_is_refused(server):
    a = curl(server["url"] + "/ws/echo")
    assert (a.status, a.reason()) == (400, "WEBSOCKET_UPGRADE_INVALID")
    b = curl(server["url"] + "/ws/echo", "-H", "Upgrade: websocket", "-H", "Connection: Upgrade",
             "-H", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "-H", "Sec-WebSocket-Version: 8")
    assert (b.status, b.reason()) == (426, "WEBSOCKET_VERSION_UNSUPPORTED")
    assert b.headers["sec-websocket-version"] == "13"


# ---- The command line


@pytest.mark.parametrize("args", [
    ["--tls-cert", "cert.pem"],
    ["--tls-key", "key.pem"],
    ["--client-ca", "ca.pem"],
    ["--listen", "127.0.0.1"],
    ["--threads", "many"],
])
def test_a_bad_command_line_exits_2(args):
    if not BINARY:
        pytest.fail("CAIRN_HTTP_EXAMPLE is not set (run through ctest)")
    done = subprocess.run([BINARY, *args], capture_output=True, timeout=TIMEOUT)
    assert done.returncode == 2, done.stderr


def test_files_must_be_a_directory(files):
    done = subprocess.run([BINARY, "--listen", "127.0.0.1:0", "--files",
                           str(files["root"] / "big.bin")], capture_output=True, timeout=TIMEOUT)
    assert done.returncode == 2
    assert b"--files" in done.stderr


def test_tls_files_that_do_not_load_exit_2(pki):
    d = pki["dir"]
    done = subprocess.run([BINARY, "--listen", "127.0.0.1:0", "--tls-cert", str(d / "server.pem"),
                           "--tls-key", str(d / "agent.key")], capture_output=True,
                          timeout=TIMEOUT)
    assert done.returncode == 2
    assert b"NET_TLS_CONFIG_INVALID" in done.stderr
