"""cairn-vault's client CLI end to end: the binary against a real server on loopback.

Input that is not UTF-8, the session's binding to the server that issued it, warnings before
credentials cross plain HTTP, `run`'s environment, export/import/diff, the audit listing, usage
errors and their exit status, JSON errors, scope defaults, Retry-After, and the session and user
management commands. Values and keys are never printed: assertions compare them without showing
them."""

import json
import os
import pathlib
import pty
import re
import stat
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import BINARY

ORG = ("--org", "acme")
PLACE = ("--org", "acme", "--project", "billing", "--env", "prod")
STAGING = ("--org", "acme", "--project", "billing", "--env", "staging")
ROOT = pathlib.Path(__file__).resolve().parents[2]


def run(vault, *args, env=None, cwd=None, input=None, stdin=None, api_key=None, server=None,
        text=True):
    """The client binary with the fixture's server and session file (and extra `env`)."""
    e = dict(vault.env, CAIRN_VAULT_SERVER=server or vault.url,
             CAIRN_VAULT_SESSION=os.path.join(vault.home, "session"))
    if api_key:
        e["CAIRN_VAULT_API_KEY"] = api_key
    e.update(env or {})
    return subprocess.run([BINARY, *args], env=e, cwd=cwd, capture_output=True, input=input,
                          stdin=stdin, text=text, timeout=60)


def error_of(proc):
    """The {"code","reason","message"} a --json command printed on stderr."""
    stderr = proc.stderr if isinstance(proc.stderr, str) else proc.stderr.decode()
    return json.loads(stderr.strip().splitlines()[-1])["error"]


def sign_in(vault, email):
    vault.cli("auth", "login", "--email", email)
    return vault.cli_json("auth", "verify", "--code", vault.inbox.code_for(email))


def seed(vault):
    """ada (superadmin) signs in through the CLI and makes acme/billing/{prod,staging}."""
    sign_in(vault, "ada@acme.io")
    vault.cli("org", "create", "acme")
    vault.cli("project", "create", *ORG, "billing")
    vault.cli("env", "create", *ORG, "--project", "billing", "prod")
    vault.cli("env", "create", *ORG, "--project", "billing", "staging")


def session_token(vault):
    return (pathlib.Path(vault.home) / "session").read_text().strip()


def audit_entries(vault):
    status, page = vault.http("GET", "/api/audit?limit=1000", token=session_token(vault))
    assert status == 200
    return page["entries"]


def require_routes(*wanted):
    """Skips the test while the server lacks any of the (method, pattern) routes."""
    out = subprocess.run([BINARY, "server", "routes"], capture_output=True, text=True,
                         timeout=60)
    routes = {tuple(r) for r in json.loads(out.stdout)} if out.returncode == 0 else set()
    missing = [r for r in wanted if r not in routes]
    if missing:
        pytest.skip(f"the server has no route {missing[0]} yet")


class Recorder(BaseHTTPRequestHandler):
    """A stand-in server that records what reaches it and accepts every sign-in request."""

    seen = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        type(self).seen.append((self.path, self.headers.get("Authorization"),
                                self.headers.get("X-API-Key")))
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b'{"message":"a code was sent"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST

    def log_message(self, *args):
        pass


@pytest.fixture
def other_server():
    Recorder.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", Recorder.seen
    finally:
        httpd.shutdown()
        httpd.server_close()


# ---------------------------------------------------------------------------------------------
# Item 11: input that is not UTF-8


def test_input_that_is_not_utf8_is_refused_never_a_crash(vault, tmp_path):
    seed(vault)
    out = run(vault, "secret", "set", *PLACE, "KEY", "-", input=b"\xff\xfe", text=False)
    assert out.returncode == 1
    assert b"INVALID_ARGUMENT VAULT_INPUT_NOT_UTF8" in out.stderr and b"base64" in out.stderr
    out = run(vault, "--json", "secret", "set", *PLACE, "KEY", b"caf\xe9", text=False)
    assert out.returncode == 1 and error_of(out)["reason"] == "VAULT_INPUT_NOT_UTF8"
    out = run(vault, "--json", "org", "create", b"\xff", text=False)
    assert out.returncode == 1 and error_of(out)["reason"] == "VAULT_INPUT_NOT_UTF8"
    out = run(vault, "--json", "member", "add", *ORG, "--email", b"\xc3(@acme.io", "--role",
              "member", text=False)
    assert out.returncode == 1 and error_of(out)["reason"] == "VAULT_INPUT_NOT_UTF8"
    out = run(vault, "--json", "audit", "list", "--actor", b"\xff", text=False)
    assert out.returncode == 1 and error_of(out)["reason"] == "VAULT_INPUT_NOT_UTF8"
    document = tmp_path / "binary.env"
    document.write_bytes(b"GOOD=1\nBAD=\xff\xfe\n")
    out = run(vault, "--json", "secret", "import", *PLACE, str(document))
    assert out.returncode == 1 and error_of(out)["reason"] == "VAULT_INPUT_NOT_UTF8"
    # Nothing reached the server.
    assert vault.cli_json("secret", "list", *PLACE)["keys"] == []
    assert [o["name"] for o in vault.cli_json("org", "list")["orgs"]] == ["acme"]
    # A URL that is not UTF-8 fails like any other bad URL, and the JSON error is still JSON.
    out = run(vault, "--json", "--server", b"http://\xff:1", "auth", "whoami", text=False)
    assert out.returncode == 1 and error_of(out)["code"]
    # UTF-8 that is not ASCII is text like any other.
    vault.cli("secret", "set", *PLACE, "KEY", "-", input="pässwörd\n")
    assert vault.cli_json("secret", "get", *PLACE, "KEY")["value"] == "pässwörd"


# ---------------------------------------------------------------------------------------------
# Item 13: the session goes only to the server that issued it


def test_the_session_token_goes_only_to_the_server_that_issued_it(vault, other_server):
    seed(vault)
    session = pathlib.Path(vault.home) / "session"
    binding = pathlib.Path(vault.home) / "session.server"
    assert stat.S_IMODE(session.stat().st_mode) == 0o600
    assert stat.S_IMODE(binding.stat().st_mode) == 0o600
    assert binding.read_text().strip() == vault.url
    # The same server, however its URL is spelled.
    for spelling in (vault.url + "/", vault.url.replace("http://", "HTTP://")):
        assert run(vault, "--server", spelling, "auth", "whoami").returncode == 0, spelling

    url, seen = other_server
    out = run(vault, "--json", "--server", url, "auth", "whoami")
    assert out.returncode == 1
    error = error_of(out)
    assert error["code"] == "FAILED_PRECONDITION"
    assert error["reason"] == "VAULT_SESSION_OTHER_SERVER"
    assert url in error["message"] and "sign in" in error["message"]
    out = run(vault, "secret", "list", *PLACE, server=url)  # CAIRN_VAULT_SERVER too
    assert out.returncode == 1 and "VAULT_SESSION_OTHER_SERVER" in out.stderr
    assert seen == []  # nothing reached the other server at all
    # Signing in there sends no credentials.
    out = run(vault, "--server", url, "auth", "login", "--email", "ada@acme.io")
    assert out.returncode == 0, out.stderr
    assert seen == [("/api/auth/login", None, None)]
    # A session file that names no server (written by an older client) is not sent anywhere.
    binding.unlink()
    out = run(vault, "--json", "auth", "whoami")
    assert out.returncode == 1 and error_of(out)["reason"] == "VAULT_SESSION_OTHER_SERVER"
    # Signing in again binds the new session; signing out removes both files.
    sign_in(vault, "ada@acme.io")
    assert binding.read_text().strip() == vault.url
    vault.cli("auth", "logout")
    assert not session.exists() and not binding.exists()


# ---------------------------------------------------------------------------------------------
# Item 10: plain HTTP to a host that is not loopback


def test_credentials_over_plain_http_to_a_remote_host_are_warned_about(vault):
    seed(vault)
    created = vault.cli_json("service-account", "create", *ORG, "--name", "ci")
    key = created["api_key"]
    vault.cli("acl", "grant", *ORG, "--subject", "ci", "--project", "*", "--env", "*",
              "--permission", "read")
    # Loopback addresses are quiet.
    for url in (vault.url, vault.url.replace("127.0.0.1", "localhost")):
        out = run(vault, "secret", "list", *PLACE, api_key=key, server=url)
        assert out.returncode == 0 and out.stderr == "", out.stderr
    # 0.0.0.0 reaches this machine but is no loopback address: the warning comes first.
    remote = vault.url.replace("127.0.0.1", "0.0.0.0")
    out = run(vault, "secret", "list", *PLACE, api_key=key, server=remote)
    assert out.returncode == 0, out.stderr
    assert "warning: sending your API key (CAIRN_VAULT_API_KEY) over plain http:// to 0.0.0.0" \
        in out.stderr
    assert out.stderr.count("warning") == 1
    leaked = key in out.stderr + out.stdout
    assert not leaked, "the API key was printed"
    # The sign-in code and, afterwards, the session token.
    vault.cli("auth", "login", "--email", "bob@acme.io")
    out = run(vault, "--server", remote, "auth", "verify", "--email", "bob@acme.io", "--code",
              vault.inbox.code_for("bob@acme.io"))
    assert out.returncode == 0, out.stderr
    assert "warning: sending your sign-in code over plain http://" in out.stderr
    out = run(vault, "--server", remote, "auth", "whoami")
    assert out.returncode == 0 and "warning: sending your session token" in out.stderr
    # Signing in sends no credential: nothing to warn about.
    out = run(vault, "--server", remote, "auth", "login", "--email", "bob@acme.io")
    assert out.returncode == 0 and "warning" not in out.stderr


# ---------------------------------------------------------------------------------------------
# Item 7: run


def test_run_withholds_credentials_resolves_the_command_first_and_reads_once(vault, tmp_path):
    seed(vault)
    decoy = tmp_path / "decoy"
    decoy.mkdir()
    (decoy / "sh").write_text("#!/bin/sh\necho DECOY\n")
    (decoy / "sh").chmod(0o755)
    vault.cli("secret", "set", *PLACE, "PATH", str(decoy))
    vault.cli("secret", "set", *PLACE, "HOST", "db.internal")
    vault.cli("secret", "set", *PLACE, "URL", "pg://${HOST}/app")
    before = max(e["seq"] for e in audit_entries(vault))

    script = ('test -z "${CAIRN_VAULT_API_KEY+x}" && test -z "${CAIRN_VAULT_SESSION+x}" && '
              'printf "%s|%s" "$URL" "$PATH"')
    out = run(vault, "run", *PLACE, "--", "sh", "-c", script)
    assert out.returncode == 0, out.stderr
    # The real sh ran (a secret named PATH did not choose it), and it got the secrets.
    assert out.stdout == f"pg://db.internal/app|{decoy}"
    # One read: a single secrets.* audit entry, the export.
    after = [(e["action"], e["actor_id"]) for e in audit_entries(vault)
             if e["seq"] > before and e["action"].startswith("secrets.")]
    assert after == [("secrets.export", "ada@acme.io")]

    # A service account's key stays with the client too.
    key = vault.cli_json("service-account", "create", *ORG, "--name", "ci")["api_key"]
    vault.cli("acl", "grant", *ORG, "--subject", "ci", "--project", "billing", "--env", "prod",
              "--permission", "read")
    out = run(vault, "run", *PLACE, "--", "sh", "-c", script, api_key=key)
    assert out.returncode == 0 and out.stdout.startswith("pg://db.internal/app|"), out.stderr

    # The command gets SIGPIPE's default action back (the client ignores it for itself).
    out = run(vault, "run", *PLACE, "--", "sh", "-c", "kill -s PIPE $$; echo survived")
    assert out.returncode == -13 and "survived" not in out.stdout
    out = run(vault, "--json", "run", *PLACE, "--", "no-such-command-anywhere")
    assert out.returncode == 127 and error_of(out)["reason"] == "VAULT_COMMAND_NOT_FOUND"
    out = run(vault, "run", *PLACE, "--", "sh", "-c", "exit 7")
    assert out.returncode == 7


# ---------------------------------------------------------------------------------------------
# Item 17: export, import, diff, get --as-of / --raw, audit list


def test_export_import_and_diff(vault, tmp_path):
    seed(vault)
    vault.cli("secret", "set", *PLACE, "HOST", "db.internal")
    vault.cli("secret", "set", *PLACE, "URL", "pg://${HOST}/app")
    vault.cli("secret", "set", *PLACE, "PLAIN", "value")
    vault.cli("secret", "set", *PLACE, "MULTI", "-", input="a\nb\n")

    expanded = ('HOST="db.internal"\nMULTI="a\\nb"\nPLAIN="value"\n'
                'URL="pg://db.internal/app"\n')
    assert vault.cli("secret", "export", *PLACE).stdout == expanded
    assert vault.cli("secret", "export", *PLACE, "--no-expand").stdout == \
        expanded.replace("pg://db.internal/app", "pg://\\${HOST}/app")
    as_json = json.loads(vault.cli("secret", "export", *PLACE, "--format", "json").stdout)
    assert as_json == {"HOST": "db.internal", "MULTI": "a\nb", "PLAIN": "value",
                       "URL": "pg://db.internal/app"}
    assert json.loads(vault.cli("--json", "secret", "export", *PLACE).stdout) == as_json
    out_file = tmp_path / "prod.env"
    vault.cli("secret", "export", *PLACE, "--out", str(out_file))
    assert stat.S_IMODE(out_file.stat().st_mode) == 0o600
    assert out_file.read_text() == expanded

    # Import: every key of the file, reported one by one.
    out = vault.cli("secret", "import", *STAGING, str(out_file))
    assert sorted(out.stdout.splitlines()) == [
        "HOST is version 1", "MULTI is version 1", "PLAIN is version 1", "URL is version 1"]
    assert vault.cli_json("secret", "get", *STAGING, "MULTI")["value"] == "a\nb"
    report = vault.cli_json("secret", "import", *STAGING, "--format", "json", "-",
                            input=json.dumps({"EXTRA": "new", "PLAIN": "changed"}))
    assert report == {"set": [{"key": "EXTRA", "version": 1}, {"key": "PLAIN", "version": 2}]}
    vault.cli("secret", "delete", *STAGING, "HOST")
    # A bad document sets nothing.
    bad = tmp_path / "bad.env"
    bad.write_text("GOOD=1\n9BAD=2\n")
    out = run(vault, "--json", "secret", "import", *STAGING, str(bad))
    assert out.returncode == 1 and error_of(out)["reason"] == "SECRETS_IMPORT_INVALID"
    assert "GOOD" not in vault.cli_json("secret", "list", *STAGING)["keys"]

    # Diff: keys only, unless asked for values.
    out = vault.cli("secret", "diff", *ORG, "--project", "billing", "prod", "staging")
    assert out.stdout == "- HOST\n+ EXTRA\n~ PLAIN\n"
    for text in ("value", "changed", "db.internal", "new"):
        shown = text in out.stdout
        assert not shown, "diff printed a value"
    diff = vault.cli_json("secret", "diff", *ORG, "billing/prod", "billing/staging")
    assert diff == {"a": "billing/prod", "b": "billing/staging", "only_in_a": ["HOST"],
                    "only_in_b": ["EXTRA"], "changed": ["PLAIN"]}
    # URL was imported expanded: the same value, unless compared as stored.
    raw = vault.cli_json("secret", "diff", *ORG, "--project", "billing", "prod", "staging",
                         "--no-expand")
    assert raw["changed"] == ["PLAIN", "URL"]
    out = vault.cli("secret", "diff", *ORG, "--project", "billing", "prod", "staging",
                    "--show-values")
    assert '~ PLAIN: "value" -> "changed"' in out.stdout
    assert "- HOST: \"db.internal\" -> \n" in out.stdout


def test_get_as_of_a_time_and_raw(vault):
    seed(vault)
    vault.cli("secret", "set", *PLACE, "HOST", "old.internal")
    vault.cli("secret", "set", *PLACE, "URL", "pg://${HOST}")
    first = vault.cli_json("secret", "versions", *PLACE, "URL")["versions"][0]["created_at"]
    time.sleep(0.05)
    vault.cli("secret", "set", *PLACE, "HOST", "new.internal")
    assert vault.cli("secret", "get", *PLACE, "HOST", "--as-of", first).stdout == \
        "old.internal\n"
    assert vault.cli("secret", "get", *PLACE, "URL").stdout == "pg://new.internal\n"
    assert vault.cli("secret", "get", *PLACE, "URL", "--as-of", first).stdout == \
        "pg://old.internal\n"
    assert vault.cli("secret", "get", *PLACE, "URL", "--raw").stdout == "pg://${HOST}\n"
    out = run(vault, "--json", "secret", "get", *PLACE, "HOST", "--as-of", "yesterday")
    assert out.returncode == 1 and error_of(out)["reason"] == "VAULT_FIELD_INVALID"
    out = run(vault, "secret", "get", *PLACE, "HOST", "--as-of", first, "--version", "1")
    assert out.returncode == 2


def test_audit_list_pages_and_filters(vault):
    seed(vault)
    for value in ("one", "two", "three"):
        vault.cli("secret", "set", *PLACE, "K", value)
    page = vault.cli_json("audit", "list", "--action", "secrets.set", "--limit", "2")
    assert [e["action"] for e in page["entries"]] == ["secrets.set", "secrets.set"]
    assert page["next_cursor"]
    rest = vault.cli_json("audit", "list", "--action", "secrets.set", "--cursor",
                          page["next_cursor"])
    assert [e["resource_id"] for e in rest["entries"]] == ["acme/billing/prod/K"]
    assert rest["entries"][0]["seq"] > page["entries"][-1]["seq"]
    mine = vault.cli_json("audit", "list", "--actor", "ada@acme.io", "--resource",
                          "acme/billing/prod/K", "--since", "2000-01-01T00:00:00Z")
    assert len(mine["entries"]) == 3
    text = vault.cli("audit", "list", "--action", "secrets.set", "--limit", "1")
    assert len(text.stdout.splitlines()) == 1 and "\tsecrets.set\t" in text.stdout
    assert "more: --cursor " in text.stderr
    out = run(vault, "--json", "audit", "list", "--until", "not-a-time")
    assert out.returncode == 1 and error_of(out)["reason"] == "VAULT_FIELD_INVALID"
    assert run(vault, "audit", "list", "--limit", "0").returncode == 2


# ---------------------------------------------------------------------------------------------
# Item 17: --version, confirmation, usage errors, JSON errors, scope defaults, Retry-After


def test_version(vault):
    header = (ROOT / "include" / "cairn" / "version.h").read_text()
    version = re.search(r'#define CAIRN_VERSION_STRING "([^"]+)"', header).group(1)
    out = run(vault, "--version")
    assert out.returncode == 0 and out.stdout == f"cairn-vault {version}\n"


def test_org_delete_asks_to_type_the_name(vault):
    seed(vault)
    vault.cli("org", "create", "doomed")
    # No terminal and no --yes: a usage error, nothing deleted.
    out = run(vault, "--json", "org", "delete", "doomed", input="doomed\n")
    assert out.returncode == 2 and error_of(out)["reason"] == "VAULT_CONFIRMATION_REQUIRED"

    def in_terminal(typed):
        master, slave = pty.openpty()
        env = dict(vault.env, CAIRN_VAULT_SERVER=vault.url,
                   CAIRN_VAULT_SESSION=os.path.join(vault.home, "session"))
        proc = subprocess.Popen([BINARY, "org", "delete", "doomed"], env=env, stdin=slave,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        os.close(slave)
        os.write(master, typed.encode() + b"\n")
        out, err = proc.communicate(timeout=60)
        os.close(master)
        return proc.returncode, out, err

    code, _, err = in_terminal("doomd")
    assert code == 1 and "VAULT_CONFIRMATION_MISMATCH" in err and "Type its name" in err
    assert "doomed" in [o["name"] for o in vault.cli_json("org", "list")["orgs"]]
    code, out, err = in_terminal("doomed")
    assert code == 0 and out == "deleted doomed\n", err
    vault.cli("org", "create", "doomed")
    assert vault.cli_json("org", "delete", "doomed", "--yes") == {"deleted": "doomed"}
    assert "doomed" not in [o["name"] for o in vault.cli_json("org", "list")["orgs"]]


@pytest.mark.parametrize("args", [
    ("bogus",),
    ("secret",),
    ("secret", "get", *PLACE),
    ("secret", "get", *PLACE, "K", "--no-such-flag"),
    ("secret", "get", *PLACE, "K", "--version", "0"),
    ("secret", "export", *PLACE, "--format", "yaml"),
    ("acl", "revoke", *ORG),
    ("acl", "grant", *ORG, "--email", "a@b.c", "--subject", "ci", "--project", "*", "--env",
     "*", "--permission", "read"),
    ("auth", "verify", "--code", "123456"),
    ("server", "restore"),
])
def test_every_usage_error_exits_2(vault, args):
    out = run(vault, *args)
    assert out.returncode == 2, out.stderr
    out = run(vault, "--json", *args)
    assert out.returncode == 2
    error = error_of(out)
    assert error["code"] == "INVALID_ARGUMENT" and error["reason"] == "VAULT_USAGE_INVALID"
    assert error["message"]


def test_help_exits_0(vault):
    assert run(vault, "--help").returncode == 0
    out = run(vault, "secret", "diff", "--help")
    assert out.returncode == 0 and "--show-values" in out.stdout


def test_errors_are_json_with_json(vault):
    seed(vault)
    out = run(vault, "--json", "secret", "get", *PLACE, "MISSING")
    assert out.returncode == 1 and out.stdout == ""
    assert set(error_of(out)) == {"code", "reason", "message"}
    assert error_of(out)["code"] == "NOT_FOUND" and error_of(out)["reason"] == "SECRET_NOT_FOUND"
    out = run(vault, "secret", "get", *PLACE, "MISSING")
    assert out.returncode == 1 and out.stderr.startswith("cairn-vault: NOT_FOUND SECRET_NOT_FOUND")


def test_scope_defaults_from_the_environment_and_the_project_file(vault, tmp_path):
    seed(vault)
    vault.cli("secret", "set", *PLACE, "IN_PROD", "1")
    vault.cli("secret", "set", *STAGING, "IN_STAGING", "1")
    all_vars = {"CAIRN_VAULT_ORG": "acme", "CAIRN_VAULT_PROJECT": "billing",
                "CAIRN_VAULT_ENV": "prod"}
    empty = tmp_path / "empty"
    empty.mkdir()

    def keys(*args, **kw):
        out = run(vault, "--json", "secret", "list", *args, **kw)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)["keys"]

    assert keys(env=all_vars, cwd=empty) == ["IN_PROD"]
    # Nothing anywhere: a usage error naming what is missing.
    out = run(vault, "--json", "secret", "list", cwd=empty)
    assert out.returncode == 2 and error_of(out)["reason"] == "VAULT_USAGE_INVALID"
    assert "--org" in error_of(out)["message"]

    work = tmp_path / "work"
    (work / "deep" / "down").mkdir(parents=True)
    (work / ".cairn-vault.json").write_text(
        json.dumps({"org": "acme", "project": "billing", "env": "staging"}))
    assert keys(cwd=work / "deep" / "down") == ["IN_STAGING"]
    # Environment variables win over the file, flags over both.
    assert keys(env={"CAIRN_VAULT_ENV": "prod"}, cwd=work) == ["IN_PROD"]
    assert keys("--env", "staging", env={"CAIRN_VAULT_ENV": "prod"}, cwd=work) == ["IN_STAGING"]
    # A broken project file is a usage error.
    (work / ".cairn-vault.json").write_text('{"org": 5}')
    out = run(vault, "--json", "secret", "list", cwd=work)
    assert out.returncode == 2 and error_of(out)["reason"] == "VAULT_PROJECT_FILE_INVALID"


def test_rate_limits_say_when_to_retry(vault):
    email = "busy@acme.io"
    answers = [run(vault, "--json", "auth", "login", "--email", email) for _ in range(6)]
    refused = [a for a in answers if a.returncode != 0]
    assert refused, "the sign-in rate limit did not apply"
    error = error_of(refused[0])
    assert error["reason"] == "AUTH_RATE_LIMITED" and error["retry_after_seconds"] > 0
    assert re.search(r"retry in \d+ s \(after \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)",
                     error["message"])
    out = run(vault, "auth", "login", "--email", email)
    assert out.returncode == 1 and "AUTH_RATE_LIMITED" in out.stderr and "retry in" in out.stderr


# ---------------------------------------------------------------------------------------------
# Items 10 and 16: sessions and users


def test_own_sessions_list_revoke_and_log_out_everywhere(vault):
    require_routes(("GET", "/api/auth/sessions"), ("DELETE", "/api/auth/sessions"),
                   ("DELETE", "/api/auth/sessions/{id}"))
    seed(vault)
    second = vault.sign_in(vault.inbox, "ada@acme.io")
    sessions = vault.cli_json("auth", "sessions")["sessions"]
    assert len(sessions) == 2 and [s["current"] for s in sessions].count(True) == 1
    other = next(s for s in sessions if not s["current"])
    assert set(other) >= {"id", "created_at", "last_seen_at", "expires_at", "ip", "user_agent"}
    text = vault.cli("auth", "sessions").stdout
    assert len(text.splitlines()) == 2 and "(current)" in text

    assert vault.cli_json("auth", "revoke", "--id", other["id"]) == {"revoked": other["id"]}
    status, _ = vault.http("GET", "/api/auth/me", token=second)
    assert status == 401
    assert len(vault.cli_json("auth", "sessions")["sessions"]) == 1

    third = vault.sign_in(vault.inbox, "ada@acme.io")
    assert vault.cli_json("auth", "logout", "--all")["revoked"] == 2
    status, _ = vault.http("GET", "/api/auth/me", token=third)
    assert status == 401
    assert not (pathlib.Path(vault.home) / "session").exists()


def test_superadmins_manage_users_and_their_sessions(vault):
    require_routes(("GET", "/api/users"), ("PATCH", "/api/users/{email}"),
                   ("GET", "/api/users/{email}/sessions"),
                   ("DELETE", "/api/users/{email}/sessions"),
                   ("PUT", "/api/superadmins/{email}"), ("DELETE", "/api/superadmins/{email}"))
    seed(vault)
    bob = vault.sign_in(vault.inbox, "bob@acme.io")
    users = {u["email"]: u for u in vault.cli_json("user", "list")["users"]}
    assert users["ada@acme.io"]["superadmin"] is True
    assert users["bob@acme.io"]["status"] == "active"
    assert users["bob@acme.io"]["superadmin"] is False

    assert vault.cli_json("user", "disable", "--email", "bob@acme.io") == \
        {"email": "bob@acme.io", "status": "disabled"}
    status, _ = vault.http("GET", "/api/auth/me", token=bob)
    assert status == 401
    assert vault.cli("user", "enable", "--email", "bob@acme.io").stdout == \
        "bob@acme.io is active\n"
    bob = vault.sign_in(vault.inbox, "bob@acme.io")
    sessions = vault.cli_json("user", "sessions", "--email", "bob@acme.io")["sessions"]
    assert len(sessions) == 1 and sessions[0]["current"] is False
    assert vault.cli_json("user", "revoke-sessions", "--email", "bob@acme.io") == {"revoked": 1}
    status, _ = vault.http("GET", "/api/auth/me", token=bob)
    assert status == 401

    assert vault.cli_json("superadmin", "add", "--email", "bob@acme.io") == \
        {"email": "bob@acme.io", "superadmin": True}
    users = {u["email"]: u for u in vault.cli_json("user", "list")["users"]}
    assert users["bob@acme.io"]["superadmin"] is True
    vault.cli("superadmin", "remove", "--email", "bob@acme.io")
    users = {u["email"]: u for u in vault.cli_json("user", "list")["users"]}
    assert users["bob@acme.io"]["superadmin"] is False
    out = run(vault, "--json", "superadmin", "remove", "--email", "ada@acme.io")
    assert out.returncode == 1 and error_of(out)["reason"]
    # Not for everyone.
    vault.cli("member", "add", *ORG, "--email", "bob@acme.io", "--role", "member")
    bob = vault.sign_in(vault.inbox, "bob@acme.io")
    status, body = vault.http("GET", "/api/users", token=bob)
    assert status == 403
