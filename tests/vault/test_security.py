"""cairn-vault's security review (issue 19), end to end: each test failed on commit 33ebaa1.

The server binary on loopback, a real SMTP server (aiosmtpd), the client binary."""

import json
import os
import re
import socket
import subprocess
import threading
import time

import pytest

from conftest import BINARY, MASTER_KEY, Vault, vault_env

ORG = ("--org", "acme")
PLACE = ("--org", "acme", "--project", "billing", "--env", "prod")
SECRETS = "/api/orgs/acme/projects/billing/envs/prod/secrets"


def http_from(vault, method, path, body=None, forwarded=None):
    """(status, body, headers) of a request carrying X-Forwarded-For (believed only from trusted
    proxies)."""
    return vault.http(method, path, body,
                      headers={"X-Forwarded-For": forwarded} if forwarded else None,
                      with_headers=True)


def seed(vault):
    """ada (first sign-in: superadmin) makes acme/billing/prod; returns ada's token."""
    ada = vault.sign_in(vault.inbox, "ada@acme.io")
    for path, body in (("/api/orgs", {"name": "acme"}),
                       ("/api/orgs/acme/projects", {"name": "billing"}),
                       ("/api/orgs/acme/projects/billing/envs", {"name": "prod"})):
        status, out = vault.http("POST", path, body, token=ada)
        assert status == 201, out
    status, _ = vault.http("PUT", SECRETS + "/DB", {"value": "postgres://db"}, token=ada)
    assert status == 200
    return ada


def start_vault(tmp_path, smtp_port, *extra, name="data"):
    (tmp_path / "home").mkdir(exist_ok=True)
    v = Vault(tmp_path / name, vault_env(tmp_path, smtp_port, data=name), tmp_path / "home")
    return v.start(*extra)


# ---- 1. The superadmin role is handed out at most once per database


def test_first_sign_in_claim_is_closed_by_a_configured_admin_for_good(tmp_path, smtp):
    if not BINARY:
        pytest.skip("CAIRN_VAULT_BIN is not set")
    controller, inbox = smtp
    v = start_vault(tmp_path, controller.port, "--admin-email", "Boss@Ops.io")
    v.inbox = inbox
    try:
        boss = v.sign_in(inbox, "boss@ops.io")
        assert v.http("GET", "/api/auth/me", token=boss)[1]["superadmin"] is True
    finally:
        v.stop()
    # Restarted without CAIRN_VAULT_ADMIN_EMAIL: the next stranger must not become superadmin.
    v.start()
    try:
        eve = v.sign_in(inbox, "eve@evil.io")
        assert v.http("GET", "/api/auth/me", token=eve)[1]["superadmin"] is False
        status, out = v.http("GET", "/api/audit/verify", token=eve)
        assert status == 403 and out["error"]["reason"] == "VAULT_SUPERADMIN_REQUIRED"
    finally:
        v.stop()


def test_first_sign_in_claim_happens_once(vault):
    ada = vault.sign_in(vault.inbox, "ada@acme.io")
    bob = vault.sign_in(vault.inbox, "bob@acme.io")
    assert vault.http("GET", "/api/auth/me", token=ada)[1]["superadmin"] is True
    assert vault.http("GET", "/api/auth/me", token=bob)[1]["superadmin"] is False
    # Even with no superadmin left, nobody claims the role again.
    status, _ = vault.http("PUT", "/api/superadmins/bob@acme.io", token=ada)
    assert status == 200
    assert vault.http("DELETE", "/api/superadmins/ada@acme.io", token=bob)[0] == 204
    status, out = vault.http("DELETE", "/api/superadmins/bob@acme.io", token=bob)
    assert status == 400 and out["error"]["reason"] == "SECRETS_SUPERADMIN_SELF"
    carol = vault.sign_in(vault.inbox, "carol@acme.io")
    assert vault.http("GET", "/api/auth/me", token=carol)[1]["superadmin"] is False


# ---- 2. Nobody can lock an account out of sign-in; limits per client address


def test_wrong_codes_without_a_pending_code_lock_nobody_out(vault):
    seed(vault)
    for _ in range(12):
        status, out = vault.http("POST", "/api/auth/verify",
                                 {"email": "ada@acme.io", "code": "000000"})
        assert status == 401 and out["error"]["reason"] == "AUTH_CODE_INVALID"
    # ada still signs in: nothing was counted against her.
    assert vault.sign_in(vault.inbox, "ada@acme.io").startswith("cr_sess_")


def test_anonymous_sign_in_routes_are_limited_per_client_address(tmp_path, smtp):
    if not BINARY:
        pytest.skip("CAIRN_VAULT_BIN is not set")
    controller, inbox = smtp
    v = start_vault(tmp_path, controller.port, "--auth-rate", "3",
                    "--trusted-proxies", "127.0.0.1")
    try:
        for i in range(3):
            status, out, _ = http_from(v, "POST", "/api/auth/login",
                                       {"email": f"u{i}@x.io"}, forwarded="203.0.113.7")
            assert status == 200, out
        status, out, headers = http_from(v, "POST", "/api/auth/verify",
                                         {"email": "u0@x.io", "code": "123456"},
                                         forwarded="203.0.113.7")
        assert status == 429 and out["error"]["reason"] == "AUTH_RATE_LIMITED"
        assert int(headers["Retry-After"]) >= 1
        # Another client (as the trusted proxy reports it) is not affected.
        status, _, _ = http_from(v, "POST", "/api/auth/login", {"email": "u9@x.io"},
                                 forwarded="203.0.113.8")
        assert status == 200
        # A client-written entry left of the proxy's is not believed.
        status, _, _ = http_from(v, "POST", "/api/auth/login", {"email": "u9@x.io"},
                                 forwarded="198.51.100.1, 203.0.113.7")
        assert status == 429
        # Signed-in routes are not counted.
        assert v.http("GET", "/health")[0] == 200
    finally:
        v.stop()


def test_forwarded_addresses_are_ignored_without_trusted_proxies(tmp_path, smtp):
    if not BINARY:
        pytest.skip("CAIRN_VAULT_BIN is not set")
    controller, _ = smtp
    v = start_vault(tmp_path, controller.port, "--auth-rate", "2")
    try:
        codes = [http_from(v, "POST", "/api/auth/login", {"email": "a@x.io"},
                           forwarded=f"203.0.113.{i}")[0] for i in range(3)]
        assert codes == [200, 200, 429]
    finally:
        v.stop()


# ---- 3. One email normalization, control characters refused


@pytest.mark.parametrize("email", ["\nada@acme.io", "ada@acme.io\r", "ada\n@acme.io",
                                   "ada@acme.io\x00", "sa:x@acme.io"])
def test_emails_with_control_characters_are_refused_before_anything_is_counted(vault, email):
    status, out = vault.http("POST", "/api/auth/login", {"email": email})
    assert status == 400 and out["error"]["reason"] == "AUTH_EMAIL_INVALID"
    status, out = vault.http("POST", "/api/auth/verify", {"email": email, "code": "123456"})
    assert status == 400 and out["error"]["reason"] == "AUTH_EMAIL_INVALID"
    time.sleep(0.3)
    assert vault.inbox.messages == []


def test_member_emails_are_normalized_like_sign_in(vault):
    ada = seed(vault)
    status, out = vault.http("POST", "/api/orgs/acme/members",
                             {"email": "  Bob@ACME.io\t", "role": "member"}, token=ada)
    assert status == 201 and out["email"] == "bob@acme.io"
    status, out = vault.http("POST", "/api/orgs/acme/members",
                             {"email": "bob@acme.io\n", "role": "member"}, token=ada)
    assert status == 400 and out["error"]["reason"] == "AUTH_EMAIL_INVALID"


# ---- 4. Anonymous requests neither stall the server nor grow the audit log


def hanging_relay():
    """A TCP server that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held = []

    def accept():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            held.append(conn)

    threading.Thread(target=accept, daemon=True).start()
    return server, held


def test_a_relay_that_never_answers_does_not_stall_sign_in_or_health(tmp_path):
    if not BINARY:
        pytest.skip("CAIRN_VAULT_BIN is not set")
    relay, held = hanging_relay()
    (tmp_path / "home").mkdir()
    v = Vault(tmp_path / "data", vault_env(tmp_path, relay.getsockname()[1]), tmp_path / "home")
    v.start("--threads", "2")
    try:
        for i in range(4):
            status, out = v.http("POST", "/api/auth/login", {"email": f"u{i}@x.io"})
            assert status == 200, out
        # The mail worker is stuck on the silent relay; the HTTP threads are not.
        deadline = time.monotonic() + 10
        while not held and time.monotonic() < deadline:
            time.sleep(0.05)
        assert held, "the mail worker never reached the relay"
        assert v.http("GET", "/health")[0] == 200
    finally:
        v.stop()
        relay.close()


def test_a_dead_relay_is_reported_in_the_server_log(tmp_path):
    if not BINARY:
        pytest.skip("CAIRN_VAULT_BIN is not set")
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (tmp_path / "home").mkdir()
    v = Vault(tmp_path / "data", vault_env(tmp_path, port), tmp_path / "home")
    v.start()
    try:
        assert v.http("POST", "/api/auth/login", {"email": "ada@acme.io"})[0] == 200
        deadline = time.monotonic() + 20
        while "VAULT_MAIL_FAILED" not in v.log() and time.monotonic() < deadline:
            time.sleep(0.1)
        log = v.log()
        assert "mail to ada@acme.io failed" in log and "VAULT_MAIL_FAILED" in log
        assert not re.search(r"\b\d{6}\b.*sign-in", log)
    finally:
        v.stop()


def test_unknown_emails_leave_no_audit_entries(vault):
    ada = seed(vault)
    before = vault.http("GET", "/api/audit/verify", token=ada)[1]["entries"]
    for i in range(5):
        assert vault.http("POST", "/api/auth/login", {"email": f"ghost{i}@x.io"})[0] == 200
        vault.http("POST", "/api/auth/verify", {"email": f"ghost{i}@x.io", "code": "000000"})
    after = vault.http("GET", "/api/audit/verify", token=ada)[1]["entries"]
    assert after == before


# ---- 6. rotate-key never loses the new key


def key_file_vault(tmp_path):
    """A vault whose master key lives in data/master.key, started once (so the database and the
    key exist) and stopped: (vault, env, data dir, key)."""
    if not BINARY:
        pytest.skip("CAIRN_VAULT_BIN is not set")
    env = vault_env(tmp_path, master_key=None)
    (tmp_path / "home").mkdir(exist_ok=True)
    data = tmp_path / "data"
    v = Vault(data, env, tmp_path / "home").start()
    v.stop()
    return v, env, data, (data / "master.key").read_text().strip()


def test_rotate_key_with_a_closed_stdout_keeps_the_new_key(tmp_path):
    v, env, data, old_key = key_file_vault(tmp_path)
    # stdout is a pipe nobody reads: on 33ebaa1 SIGPIPE killed it between commit and key file.
    r, w = os.pipe()
    os.close(r)
    proc = subprocess.run([BINARY, "server", "rotate-key", "--generate"], env=env, stdout=w,
                          stderr=subprocess.PIPE, text=True, timeout=60)
    os.close(w)
    assert proc.returncode == 0, proc.stderr
    new_key = (data / "master.key").read_text().strip()
    assert new_key != old_key and not (data / "master.key.new").exists()
    v.start()
    v.stop()


def test_a_rotation_interrupted_before_the_switch_is_finished_at_start(tmp_path):
    v, env, data, old_key = key_file_vault(tmp_path)
    rotated = subprocess.run([BINARY, "server", "rotate-key", "--generate"], env=env,
                             capture_output=True, text=True, timeout=60)
    assert rotated.returncode == 0, rotated.stderr
    new_key = rotated.stdout.strip()
    # As if killed after the commit and before master.key was replaced.
    (data / "master.key").write_text(old_key + "\n")
    (data / "master.key.new").write_text(new_key + "\n")
    os.chmod(data / "master.key.new", 0o600)
    v.start()
    try:
        assert "completed the key rotation" in v.log()
    finally:
        v.stop()
    assert (data / "master.key").read_text().strip() == new_key
    assert not (data / "master.key.new").exists()
    # As if killed before the commit: the new key is useless and goes.
    (data / "master.key.new").write_text("ab" * 32 + "\n")
    os.chmod(data / "master.key.new", 0o600)
    busy = subprocess.run([BINARY, "server", "rotate-key", "--generate"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert busy.returncode == 2 and "VAULT_ROTATION_PENDING" in busy.stderr
    v.start()
    v.stop()
    assert (data / "master.key").read_text().strip() == new_key
    assert not (data / "master.key.new").exists()


# ---- 8. Outsiders get one answer for missing and existing names


def test_outsiders_cannot_tell_existing_names_from_missing_ones(vault):
    ada = seed(vault)
    eve = vault.sign_in(vault.inbox, "eve@evil.io")
    answers = []
    for org in ("acme", "nope"):
        for path in (f"/api/orgs/{org}", f"/api/orgs/{org}/projects",
                     f"/api/orgs/{org}/projects/billing/envs",
                     f"/api/orgs/{org}/projects/billing/envs/prod/secrets/DB",
                     f"/api/orgs/{org}/projects/nope/envs/prod/secrets/DB",
                     f"/api/orgs/{org}/members"):
            status, out = vault.http("GET", path, token=eve)
            answers.append((path.replace(org, "ORG", 1), status, out))
    by_path = {}
    for path, status, out in answers:
        by_path.setdefault(path, []).append((status, out))
    for path, (existing, missing) in by_path.items():
        assert existing == missing, path
        assert existing[0] == 404 and existing[1]["error"]["reason"] == "SECRETS_ORG_NOT_FOUND"
    # A service account of another org gets the same answer.
    vault.http("POST", "/api/orgs", {"name": "other"}, token=ada)
    status, out = vault.http("POST", "/api/orgs/other/service-accounts", {"name": "ci"},
                             token=ada)
    key = out["api_key"]
    for org in ("acme", "nope"):
        status, out = vault.http("GET", f"/api/orgs/{org}/projects", api_key=key)
        assert status == 404 and out["error"]["reason"] == "SECRETS_ORG_NOT_FOUND"


# ---- 15. Removing a member removes their rules; no rules for non-members


def test_removed_members_lose_their_rules_and_non_members_get_none(vault):
    ada = seed(vault)
    bob = vault.sign_in(vault.inbox, "bob@acme.io")
    status, out = vault.http("POST", "/api/orgs/acme/acl",
                             {"email": "bob@acme.io", "project_pattern": "*", "env_pattern": "*",
                              "permission": "read"}, token=ada)
    assert status == 400 and out["error"]["reason"] == "SECRETS_SUBJECT_NOT_MEMBER"
    assert vault.http("POST", "/api/orgs/acme/members",
                      {"email": "bob@acme.io", "role": "developer"}, token=ada)[0] == 201
    status, _ = vault.http("POST", "/api/orgs/acme/acl",
                           {"email": "bob@acme.io", "project_pattern": "*",
                            "env_pattern": "*", "permission": "read"}, token=ada)
    assert status == 201
    assert vault.http("GET", SECRETS + "/DB", token=bob)[0] == 200
    assert vault.http("DELETE", "/api/orgs/acme/members/bob@acme.io", token=ada)[0] == 204
    assert vault.http("GET", "/api/orgs/acme/acl", token=ada)[1]["rules"] == []
    assert vault.http("POST", "/api/orgs/acme/members",
                      {"email": "bob@acme.io", "role": "developer"}, token=ada)[0] == 201
    status, out = vault.http("GET", SECRETS + "/DB", token=bob)
    assert status == 403 and out["error"]["reason"] == "SECRETS_ACCESS_DENIED"


# ---- 10. Defaults


def test_log_codes_on_a_public_address_need_an_explicit_flag(tmp_path):
    if not BINARY:
        pytest.skip("CAIRN_VAULT_BIN is not set")
    env = vault_env(tmp_path)  # SMTP_HOST=log
    refused = subprocess.run([BINARY, "server", "start", "--listen", "0.0.0.0:0"], env=env,
                             capture_output=True, text=True, timeout=30)
    assert refused.returncode == 2 and "VAULT_CONFIG_INVALID" in refused.stderr
    assert "--insecure-log-codes" in refused.stderr
    (tmp_path / "home").mkdir()
    v = Vault(tmp_path / "data", env, tmp_path / "home")
    v.start()  # loopback: fine
    v.stop()


def test_the_master_key_leaves_the_environment_and_core_dumps_are_off(vault):
    pid = vault.proc.pid
    environ = open(f"/proc/{pid}/environ", "rb").read()
    assert b"CAIRN_MASTER_KEY" not in environ and MASTER_KEY.encode() not in environ
    limits = open(f"/proc/{pid}/limits").read()
    core = next(line for line in limits.splitlines() if line.startswith("Max core file size"))
    assert core.split()[4] == "0"


def test_sessions_can_be_listed_and_ended_and_users_offboarded(vault):
    ada = seed(vault)
    bob1 = vault.sign_in(vault.inbox, "bob@acme.io")
    bob2 = vault.sign_in(vault.inbox, "bob@acme.io")
    status, out = vault.http("GET", "/api/auth/sessions", token=bob1)
    assert status == 200 and len(out["sessions"]) == 2
    assert sum(s["current"] for s in out["sessions"]) == 1
    other = next(s["id"] for s in out["sessions"] if not s["current"])
    assert vault.http("DELETE", f"/api/auth/sessions/{other}", token=bob1)[0] == 204
    assert vault.http("GET", "/api/auth/me", token=bob2)[0] == 401
    bob3 = vault.sign_in(vault.inbox, "bob@acme.io")
    status, out = vault.http("DELETE", "/api/auth/sessions", token=bob3)
    assert status == 200 and out["revoked"] == 2
    assert vault.http("GET", "/api/auth/me", token=bob1)[0] == 401
    # Superadmins see and end anyone's sessions, and disable users.
    bob4 = vault.sign_in(vault.inbox, "bob@acme.io")
    status, out = vault.http("GET", "/api/users/bob@acme.io/sessions", token=ada)
    assert status == 200 and len(out["sessions"]) == 1
    assert vault.http("GET", "/api/users/bob@acme.io/sessions", token=bob4)[0] == 403
    status, out = vault.http("PATCH", "/api/users/bob@acme.io", {"disabled": True}, token=ada)
    assert status == 200 and out["status"] == "disabled"
    assert vault.http("GET", "/api/auth/me", token=bob4)[0] == 401
    vault.http("POST", "/api/auth/login", {"email": "bob@acme.io"})
    status, out = vault.http("POST", "/api/auth/verify",
                             {"email": "bob@acme.io", "code": vault.inbox.code_for("bob@acme.io")})
    assert status == 403 and out["error"]["reason"] == "AUTH_USER_SUSPENDED"
    users = {u["email"]: u for u in vault.http("GET", "/api/users", token=ada)[1]["users"]}
    assert users["bob@acme.io"]["status"] == "disabled" and users["ada@acme.io"]["superadmin"]


def test_audit_exports_are_audited(vault):
    ada = seed(vault)
    status, _ = vault.http("GET", "/api/audit/export", token=ada)
    assert status == 200
    status, out = vault.http("GET", "/api/audit?action=audit.export", token=ada)
    assert status == 200 and [e["actor_id"] for e in out["entries"]] == ["ada@acme.io"]


# ---- 14. A 5xx answer hides its cause from the client, not from the operator


def test_a_5xx_answer_logs_its_cause_for_the_operator(vault):
    ada = seed(vault)
    status, backup = vault.http("POST", "/api/backups", token=ada)
    assert status == 201 and backup["kind"] == "manual"
    path = os.path.join(vault.data_dir, "backups", backup["id"] + ".crbu")
    raw = bytearray(open(path, "rb").read())
    raw[-20] ^= 0x01  # in the ciphertext: the tag no longer verifies
    open(path, "wb").write(bytes(raw))
    status, out = vault.http("POST", f"/api/backups/{backup['id']}/restore", token=ada)
    assert status == 500
    assert out["error"]["reason"] == "VAULT_BACKUP_CORRUPT"
    assert out["error"]["message"] == "Internal Server Error"
    deadline = time.monotonic() + 5
    while "VAULT_BACKUP_CORRUPT" not in vault.log() and time.monotonic() < deadline:
        time.sleep(0.05)
    line = next(line for line in vault.log().splitlines() if "VAULT_BACKUP_CORRUPT" in line)
    logged = json.loads(line.split(" ", 1)[1])
    assert logged["status"] == 500 and logged["error"]["code"] == "DATA_LOSS"
    assert logged["error"]["message"] not in ("", "Internal Server Error")


# ---- 12. Manual backups are never pruned; pruning is reported


def test_manual_backups_survive_retention_and_the_output_says_so(vault):
    seed(vault)
    vault.cli("auth", "login", "--email", "ada@acme.io")
    vault.cli("auth", "verify", "--code", vault.inbox.code_for("ada@acme.io"))
    ids = []
    for _ in range(3):
        out = vault.cli("backup", "create").stdout
        assert "manual" in out, out
        ids.append(out.split()[1])
    listed = vault.cli_json("backup", "list")["backups"]
    assert sorted(b["id"] for b in listed) == sorted(ids)
    assert {b["kind"] for b in listed} == {"manual"}
