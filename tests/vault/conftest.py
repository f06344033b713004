"""Fixtures for cairn-vault's end-to-end tests: a real SMTP server (aiosmtpd), the server binary
on a loopback port of its own, and the client binary pointed at it."""

import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest
from aiosmtpd.controller import Controller

BINARY = os.environ.get("CAIRN_VAULT_BIN", "")
MASTER_KEY = "4f1c" * 16  # 64 hex characters


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """Collects the messages the SMTP server receives."""

    def __init__(self):
        self.messages = []
        self.cond = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        with self.cond:
            self.messages.append(envelope)
            self.cond.notify_all()
        return "250 OK"

    def code_for(self, email, timeout=10.0):
        """The newest sign-in code mailed to email."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for env in reversed(self.messages):
                    if email in env.rcpt_tos:
                        text = env.content.decode()
                        match = re.search(r"sign-in code is (\d{6})", text)
                        assert match, text
                        self.messages.remove(env)
                        return match.group(1)
                left = deadline - time.monotonic()
                assert left > 0, f"no mail for {email}"
                self.cond.wait(left)


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


class Vault:
    """A running cairn-vault server and helpers to talk to it over HTTP and through the CLI."""

    def __init__(self, data_dir, env, home):
        self.data_dir = str(data_dir)
        self.env = env
        self.home = str(home)
        self.proc = None
        self.lines = []
        self.url = None

    def start(self, *extra, expect_url=True):
        args = [BINARY, "server", "start", "--listen", "127.0.0.1:0", *extra]
        self.proc = subprocess.Popen(args, env=self.env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self.lines = []
        found = threading.Event()

        def read():
            for line in self.proc.stdout:
                self.lines.append(line)
                m = re.search(r"listening on (https?://[0-9.:\[\]]+)", line)
                if m and not found.is_set():
                    self.url = m.group(1)
                    found.set()
            found.set()

        threading.Thread(target=read, daemon=True).start()
        found.wait(30)
        if expect_url:
            assert self.url, "".join(self.lines)
            self.follow_session()
        return self

    def follow_session(self):
        """A restarted test server listens on a new port: move the client's session (bound to the
        URL that issued it) along, as an operator whose server keeps its address never has to."""
        bound = os.path.join(self.home, "session.server")
        if os.path.exists(bound):
            fd = os.open(bound, os.O_WRONLY | os.O_TRUNC, 0o600)
            os.write(fd, (self.url + "\n").encode())
            os.close(fd)

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(30)
        self.proc = None

    def log(self):
        return "".join(self.lines)

    def cli(self, *args, api_key=None, check=True, input=None):
        env = dict(self.env, CAIRN_VAULT_SERVER=self.url,
                   CAIRN_VAULT_SESSION=os.path.join(self.home, "session"))
        if api_key:
            env["CAIRN_VAULT_API_KEY"] = api_key
        proc = subprocess.run([BINARY, *args], env=env, capture_output=True, text=True,
                              input=input, timeout=60)
        if check:
            assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
        return proc

    def cli_json(self, *args, **kw):
        return json.loads(self.cli("--json", *args, **kw).stdout)

    def http(self, method, path, body=None, token=None, api_key=None, raw=None, headers=None,
             with_headers=False):
        """(status, parsed JSON or text) of one request; with_headers: (status, body, headers)."""
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", "Bearer " + token)
        if api_key:
            req.add_header("X-API-Key", api_key)
        for name, value in (headers or {}).items():
            req.add_header(name, value)
        try:
            with urllib.request.urlopen(req, timeout=30) as res:
                status, text, got = res.status, res.read().decode(), dict(res.headers)
        except urllib.error.HTTPError as e:
            status, text, got = e.code, e.read().decode(), dict(e.headers)
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = text
        return (status, parsed, got) if with_headers else (status, parsed)

    def sign_in(self, inbox, email):
        """A session token for email, through the HTTP API and a code received by SMTP."""
        status, _ = self.http("POST", "/api/auth/login", {"email": email})
        assert status == 200
        status, out = self.http("POST", "/api/auth/verify",
                                {"email": email, "code": inbox.code_for(email)})
        assert status == 200, out
        return out["token"]


def vault_env(tmp_path, smtp_port=None, master_key=MASTER_KEY, data="data"):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CAIRN_", "SMTP_", "BACKUP_"))}
    env["CAIRN_VAULT_DATA_DIR"] = str(tmp_path / data)
    env["HOME"] = str(tmp_path / "home")
    if master_key:
        env["CAIRN_MASTER_KEY"] = master_key
    if smtp_port:
        env["SMTP_HOST"] = "127.0.0.1"
        env["SMTP_PORT"] = str(smtp_port)
    else:
        env["SMTP_HOST"] = "log"
    return env


@pytest.fixture
def vault(tmp_path, smtp):
    if not BINARY:
        pytest.skip("CAIRN_VAULT_BIN is not set")
    controller, inbox = smtp
    (tmp_path / "home").mkdir()
    v = Vault(tmp_path / "data", vault_env(tmp_path, controller.port), tmp_path / "home")
    v.inbox = inbox
    v.start()
    try:
        yield v
    finally:
        v.stop()
