"""cairn-vault end to end: the server binary on loopback, its client binary, a real SMTP server.

Run by CTest as python.vault (CAIRN_VAULT_BIN names the binary)."""

import json
import os
import pathlib
import signal
import stat
import subprocess
import threading
import time

import pytest

from conftest import BINARY, MASTER_KEY, Vault, vault_env

ORG = ("--org", "acme")
PLACE = ("--org", "acme", "--project", "billing", "--env", "prod")
SECRETS = "/api/orgs/acme/projects/billing/envs/prod/secrets"


def cli_sign_in(vault, email):
    vault.cli("auth", "login", "--email", email)
    code = vault.inbox.code_for(email)
    return vault.cli_json("auth", "verify", "--code", code)


def seed(vault):
    """ada signs in through the CLI (first sign-in: superadmin) and makes acme/billing/prod."""
    me = cli_sign_in(vault, "ada@acme.io")
    assert me["email"] == "ada@acme.io" and me["superadmin"] is True
    vault.cli("org", "create", "acme")
    vault.cli("project", "create", *ORG, "billing")
    vault.cli("env", "create", *ORG, "--project", "billing", "prod")
    vault.cli("env", "create", *ORG, "--project", "billing", "staging")


def test_sign_in_with_a_mailed_code_and_the_whole_secret_lifecycle(vault):
    seed(vault)
    session = pathlib.Path(vault.home) / "session"
    assert stat.S_IMODE(session.stat().st_mode) == 0o600
    token = session.read_text().strip()
    assert token.startswith("cr_sess_")
    who = vault.cli_json("auth", "whoami")
    assert who["email"] == "ada@acme.io" and who["orgs"] == ["acme"] and who["superadmin"]

    assert vault.cli_json("secret", "set", *PLACE, "DATABASE_URL", "postgres://v1")["version"] == 1
    assert vault.cli("secret", "set", *PLACE, "DATABASE_URL", "-",
                     input="postgres://v2\n").stdout.strip() == "DATABASE_URL is version 2"
    assert vault.cli("secret", "get", *PLACE, "DATABASE_URL").stdout == "postgres://v2\n"
    assert vault.cli_json("secret", "get", *PLACE, "DATABASE_URL", "--version", "1")["value"] == \
        "postgres://v1"
    versions = vault.cli_json("secret", "versions", *PLACE, "DATABASE_URL")["versions"]
    assert [v["version"] for v in versions] == [1, 2]
    assert {v["created_by"] for v in versions} == {"ada@acme.io"}
    rolled = vault.cli_json("secret", "rollback", *PLACE, "DATABASE_URL", "--version", "1")
    assert rolled["version"] == 3 and rolled["rolled_back_to"] == 1
    assert vault.cli_json("secret", "get", *PLACE, "DATABASE_URL")["value"] == "postgres://v1"
    vault.cli("secret", "set", *PLACE, "API_TOKEN", "t0k3n")
    assert vault.cli_json("secret", "list", *PLACE)["keys"] == ["API_TOKEN", "DATABASE_URL"]
    vault.cli("secret", "delete", *PLACE, "API_TOKEN")
    gone = vault.cli("secret", "get", *PLACE, "API_TOKEN", check=False)
    assert gone.returncode == 1 and "NOT_FOUND SECRET_NOT_FOUND" in gone.stderr
    # Client options may also follow the command.
    assert json.loads(vault.cli("secret", "list", *PLACE, "--json").stdout)["keys"] == \
        ["DATABASE_URL"]

    # The same through HTTP, with the common error body.
    status, body = vault.http("GET", SECRETS + "/DATABASE_URL", token=token)
    assert status == 200 and body == {"key": "DATABASE_URL", "value": "postgres://v1"}
    status, body = vault.http("PUT", SECRETS + "/bad-key", {"value": "x"}, token=token)
    assert status == 400 and body["error"]["reason"] == "SECRETS_KEY_INVALID"
    status, body = vault.http("PUT", SECRETS + "/K", raw=b"{not json", token=token)
    assert status == 400 and body["error"]["reason"] == "HTTP_BODY_NOT_JSON"
    status, body = vault.http("PUT", SECRETS + "/K", {"value": 5}, token=token)
    assert status == 400 and body["error"]["reason"] == "VAULT_FIELD_INVALID"
    status, body = vault.http("GET", SECRETS, token=token)
    assert body["keys"] == ["DATABASE_URL"]  # nothing was written by the refused calls

    # Signing out ends the session at the server and removes the file.
    vault.cli("auth", "logout")
    assert not session.exists()
    status, body = vault.http("GET", "/api/auth/me", token=token)
    assert status == 401 and body["error"]["reason"] == "AUTH_TOKEN_INVALID"


def test_acl_denials_and_role_caps(vault):
    seed(vault)
    vault.cli("secret", "set", *PLACE, "DB", "prod-db")
    # Emails are compared as sign-in stores them: trimmed and in lower case.
    vault.cli("member", "add", *ORG, "--email", "Bob@ACME.io", "--role", "member")
    bob = vault.sign_in(vault.inbox, "bob@acme.io")

    status, body = vault.http("GET", SECRETS + "/DB", token=bob)
    assert status == 403 and body["error"] == {
        "code": "PERMISSION_DENIED", "reason": "SECRETS_ACCESS_DENIED",
        "message": body["error"]["message"]}
    rule = vault.cli_json("acl", "grant", *ORG, "--email", "BOB@acme.io", "--project", "bill*",
                          "--env", "{prod,staging}", "--permission", "write")
    assert rule["subject"] == "bob@acme.io" and rule["permission"] == "write"
    status, body = vault.http("GET", SECRETS + "/DB", token=bob)
    assert status == 200 and body["value"] == "prod-db"
    # A member cannot write, whatever the rule says (the role caps it).
    status, body = vault.http("PUT", SECRETS + "/DB", {"value": "hijack"}, token=bob)
    assert status == 403 and body["error"]["reason"] == "SECRETS_ACCESS_DENIED"
    # Nor manage rules, members or backups.
    status, body = vault.http("GET", "/api/orgs/acme/acl", token=bob)
    assert status == 403
    status, body = vault.http("POST", "/api/backups", token=bob)
    assert status == 403 and body["error"]["reason"] == "VAULT_SUPERADMIN_REQUIRED"
    status, body = vault.http("GET", "/api/audit/verify", token=bob)
    assert status == 403 and body["error"]["reason"] == "VAULT_SUPERADMIN_REQUIRED"
    # Promoted to developer, the same rule lets bob write.
    vault.cli("member", "add", *ORG, "--email", "bob@acme.io", "--role", "developer")
    status, body = vault.http("PUT", SECRETS + "/DB", {"value": "bob-db"}, token=bob)
    assert status == 200 and body["version"] == 2
    # Revoked by subject: denied again.
    assert len(vault.cli_json("acl", "revoke", *ORG, "--subject", "bob@acme.io")["revoked"]) == 1
    status, _ = vault.http("GET", SECRETS + "/DB", token=bob)
    assert status == 403

    # No credentials, bad credentials, a wrong code.
    status, body = vault.http("GET", SECRETS + "/DB")
    assert status == 401 and body["error"]["reason"] == "AUTH_CREDENTIALS_MISSING"
    status, body = vault.http("GET", SECRETS + "/DB", token="cr_sess_" + "x" * 43)
    assert status == 401 and body["error"]["reason"] == "AUTH_TOKEN_INVALID"
    status, _ = vault.http("POST", "/api/auth/login", {"email": "eve@acme.io"})
    code = vault.inbox.code_for("eve@acme.io")
    wrong = "%06d" % ((int(code) + 1) % 1000000)
    status, body = vault.http("POST", "/api/auth/verify", {"email": "eve@acme.io", "code": wrong})
    assert status == 401 and body["error"]["reason"] == "AUTH_CODE_INVALID"
    # One wrong guess used the code up.
    status, body = vault.http("POST", "/api/auth/verify", {"email": "eve@acme.io", "code": code})
    assert status == 401 and body["error"]["reason"] == "AUTH_CODE_INVALID"
    # "sa:" names service accounts: nobody signs in under such a name.
    status, body = vault.http("POST", "/api/auth/login", {"email": "sa:ci@acme.io"})
    assert status == 400 and body["error"]["reason"] == "AUTH_EMAIL_INVALID"
    # Eve signs in later but is not the superadmin (ada was first) and sees no org.
    eve = vault.sign_in(vault.inbox, "eve@acme.io")
    status, body = vault.http("GET", "/api/auth/me", token=eve)
    assert body["superadmin"] is False and body["orgs"] == []


def test_service_account_access_run_and_audit(vault):
    seed(vault)
    vault.cli("secret", "set", *PLACE, "DB", "prod-db")
    vault.cli("secret", "set", *PLACE, "URL", "https://${DB}@host")
    vault.cli("secret", "set", "--org", "acme", "--project", "billing", "--env", "staging",
              "DB", "staging-db")
    created = vault.cli_json("service-account", "create", *ORG, "--name", "ci")
    key = created["api_key"]
    assert key.startswith("cr_sa_") and created["name"] == "ci"
    assert [a["name"] for a in
            vault.cli_json("service-account", "list", *ORG)["service_accounts"]] == ["ci"]
    assert key not in vault.cli("service-account", "list", *ORG).stdout

    # Deny by default, even for an account an owner made.
    status, body = vault.http("GET", SECRETS + "/DB", api_key=key)
    assert status == 403 and body["error"]["reason"] == "SECRETS_ACCESS_DENIED"
    vault.cli("acl", "grant", *ORG, "--subject", "ci", "--project", "*", "--env", "prod",
              "--permission", "read")
    status, body = vault.http("GET", SECRETS + "/DB", api_key=key)
    assert status == 200 and body["value"] == "prod-db"
    status, body = vault.http("GET", "/api/orgs/acme/projects/billing/envs/staging/secrets/DB",
                              api_key=key)
    assert status == 403
    status, body = vault.http("PUT", SECRETS + "/DB", {"value": "x"}, api_key=key)
    assert status == 403
    who = vault.cli_json("auth", "whoami", api_key=key)
    assert who["type"] == "service_account" and who["name"] == "ci"

    # `run` puts the environment's secrets (references expanded) into the command's environment.
    out = vault.cli("run", *PLACE, "--", "sh", "-c", 'printf "%s|%s" "$DB" "$URL"', api_key=key)
    assert out.stdout == "prod-db|https://prod-db@host"
    failed = vault.cli("run", *PLACE, "--", "sh", "-c", "exit 7", api_key=key, check=False)
    assert failed.returncode == 7

    # Another org's routes are out of reach for the account.
    vault.cli("org", "create", "other")
    status, body = vault.http("GET", "/api/orgs/other/projects", api_key=key)
    # Out of reach and indistinguishable from a missing org.
    assert status == 404 and body["error"]["reason"] == "SECRETS_ORG_NOT_FOUND"
    # Also when that org has an account of the same name with a rule: the engine keeps the key
    # in its own org, whatever name it carries.
    vault.cli("project", "create", "--org", "other", "billing")
    vault.cli("env", "create", "--org", "other", "--project", "billing", "prod")
    vault.cli("secret", "set", "--org", "other", "--project", "billing", "--env", "prod",
              "DB", "other-db")
    vault.cli_json("service-account", "create", "--org", "other", "--name", "ci")
    vault.cli("acl", "grant", "--org", "other", "--subject", "ci", "--project", "*", "--env", "*",
              "--permission", "read")
    status, body = vault.http("GET", "/api/orgs/other/projects/billing/envs/prod/secrets/DB",
                              api_key=key)
    assert status == 404 and body["error"]["reason"] == "SECRETS_ORG_NOT_FOUND"
    assert "other-db" not in json.dumps(body)

    # The audit log holds what happened, verifies, and never a value.
    report = vault.cli_json("audit", "verify")
    assert report["intact"] is True and report["entries"] > 10
    assert report["tree_head"]["size"] == report["entries"]
    status, page = vault.http("GET", "/api/audit?actor=sa:ci&limit=1000",
                              token=(pathlib.Path(vault.home) / "session").read_text().strip())
    actions = {(e["action"], e["outcome"]) for e in page["entries"]}
    ada = (pathlib.Path(vault.home) / "session").read_text().strip()
    for since in ("2026-11-22T-1:00:00Z", "2026-11-22T 1:00:00Z", "yesterday"):
        status, body = vault.http("GET", "/api/audit?since=" + since.replace(" ", "%20"),
                                  token=ada)
        assert status == 400 and body["error"]["reason"] == "VAULT_FIELD_INVALID", since
    assert ("secrets.get", "ok") in actions and ("secrets.get", "denied") in actions
    assert ("secrets.set", "denied") in actions
    export = pathlib.Path(vault.home) / "audit.jsonl"
    vault.cli("audit", "export", "--out", str(export))
    assert stat.S_IMODE(export.stat().st_mode) == 0o600
    text = export.read_text()
    lines = [json.loads(line) for line in text.splitlines()]
    assert len(lines) >= report["entries"] + 1
    assert "prod-db" not in text and key not in text

    # Revoked: the key stops working at once.
    vault.cli("service-account", "revoke", *ORG, "--name", "ci")
    status, body = vault.http("GET", SECRETS + "/DB", api_key=key)
    assert status == 401 and body["error"]["reason"] == "AUTH_TOKEN_INVALID"


def test_backup_is_encrypted_and_restores_into_a_fresh_data_directory(vault, tmp_path):
    seed(vault)
    vault.cli("secret", "set", *PLACE, "DB", "backed-up-value")
    backup = vault.cli_json("backup", "create")
    backup_id = backup["id"]
    listed = vault.cli_json("backup", "list")["backups"]
    assert [b["id"] for b in listed] == [backup_id]
    path = pathlib.Path(vault.data_dir) / "backups" / (backup_id + ".crbu")
    raw = path.read_bytes()
    assert raw[:5] == b"CRBU\x02" and b"SQLite format 3" not in raw
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    # Decrypts with the documented key derivation (independent implementation).
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"cairn-vault-backup-key").derive(bytes.fromhex(MASTER_KEY))
    # Header: magic, version, the instance id and the backup id (each after its length byte);
    # all of it is the associated data, so a renamed or foreign backup fails to open.
    n = raw[5]
    m = raw[6 + n]
    h = 7 + n + m
    assert raw[7 + n:h].decode() == backup_id
    snapshot = AESGCM(key).decrypt(raw[h:h + 12], raw[h + 12:], raw[:h])
    assert snapshot.startswith(b"SQLite format 3\x00")

    # Staged next to the database, checked, nothing replaced.
    staged = vault.cli_json("backup", "restore", "--id", backup_id)
    assert staged["path"].endswith("vault.db.restore." + backup_id)
    assert pathlib.Path(staged["path"]).read_bytes()[:16] == b"SQLite format 3\x00"
    status, body = vault.http("POST", "/api/backups/not-an-id/restore",
                              token=(pathlib.Path(vault.home) / "session").read_text().strip())
    assert status == 400 and body["error"]["reason"] == "VAULT_BACKUP_ID_INVALID"
    vault.cli("secret", "set", *PLACE, "DB", "after-the-backup")
    vault.stop()

    # A changed byte: refused, and nothing is created.
    fresh = tmp_path / "fresh"
    env = vault_env(tmp_path, data="fresh")
    tampered = tmp_path / "tampered.crbu"
    tampered.write_bytes(raw[:100] + bytes([raw[100] ^ 1]) + raw[101:])
    out = subprocess.run([BINARY, "server", "restore", "--file", str(tampered)], env=env,
                         capture_output=True, text=True)
    assert out.returncode == 1 and "VAULT_BACKUP_CORRUPT" in out.stderr
    assert not (fresh / "vault.db").exists()
    # Another master key cannot open it either.
    other = dict(env, CAIRN_MASTER_KEY="ab" * 32)
    out = subprocess.run([BINARY, "server", "restore", "--file", str(path)], env=other,
                         capture_output=True, text=True)
    assert out.returncode == 1 and "VAULT_BACKUP_CORRUPT" in out.stderr

    out = subprocess.run([BINARY, "server", "restore", "--file", str(path)], env=env,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert stat.S_IMODE((fresh / "vault.db").stat().st_mode) == 0o600
    again = subprocess.run([BINARY, "server", "restore", "--file", str(path)], env=env,
                           capture_output=True, text=True)
    assert again.returncode == 1 and "VAULT_RESTORE_TARGET_EXISTS" in again.stderr

    restored = Vault(fresh, dict(env, SMTP_HOST="127.0.0.1", SMTP_PORT=vault.env["SMTP_PORT"]),
                     vault.home)
    restored.inbox = vault.inbox
    restored.start()
    try:
        # The session in the backup is still valid, and the data is as of the backup.
        assert restored.cli_json("secret", "get", *PLACE, "DB")["value"] == "backed-up-value"
        assert restored.cli_json("audit", "verify")["intact"] is True
    finally:
        restored.stop()


def test_acknowledged_writes_survive_kill_9(vault):
    seed(vault)
    token = (pathlib.Path(vault.home) / "session").read_text().strip()
    acknowledged = []
    stop = threading.Event()

    def writer(worker):
        n = 0
        while not stop.is_set() and n < 400:
            key, value = f"K{worker}_{n % 7}", f"value-{worker}-{n}"
            try:
                status, body = vault.http("PUT", SECRETS + "/" + key, {"value": value},
                                          token=token)
            except OSError:
                return  # the server died mid-request: not acknowledged
            if status != 200:
                return
            acknowledged.append((key, body["version"], value))
            n += 1

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(3)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < 60 and time.monotonic() < deadline:
        time.sleep(0.01)
    vault.stop(signal.SIGKILL)
    stop.set()
    for t in threads:
        t.join(30)
    assert len(acknowledged) >= 60

    vault.start()
    assert "unclean stop" in vault.log()
    for key, version, value in acknowledged:
        status, body = vault.http("GET", f"{SECRETS}/{key}?version={version}", token=token)
        assert status == 200 and body["value"] == value, (key, version)
    report = vault.cli_json("audit", "verify")
    assert report["intact"] is True


def test_first_start_makes_a_key_file_explains_sign_in_and_rotation_works(tmp_path):
    if not BINARY:
        pytest.skip("CAIRN_VAULT_BIN is not set")
    (tmp_path / "home").mkdir()
    env = vault_env(tmp_path, master_key=None)  # SMTP_HOST=log, key file
    v = Vault(tmp_path / "data", env, tmp_path / "home")
    v.start("--admin-email", "root@ops.io")
    data = tmp_path / "data"
    try:
        assert "First start" in v.log() and "root@ops.io is superadmin" in v.log()
        assert stat.S_IMODE(data.stat().st_mode) == 0o700
        for name in ("master.key", "vault.db"):
            assert stat.S_IMODE((data / name).stat().st_mode) == 0o600, name
        assert len((data / "master.key").read_text().strip()) == 64
        # SMTP_HOST=log: the code is in the server's log.
        v.cli("auth", "login", "--email", "root@ops.io")
        deadline = time.monotonic() + 10
        code = None
        while code is None and time.monotonic() < deadline:
            import re
            m = re.findall(r"sign-in code is (\d{6})", v.log())
            code = m[-1] if m else None
            time.sleep(0.05)
        assert v.cli_json("auth", "verify", "--email", "root@ops.io", "--code", code)["superadmin"]
        v.cli("org", "create", "acme")
        v.cli("project", "create", *ORG, "billing")
        v.cli("env", "create", *ORG, "--project", "billing", "prod")
        v.cli("secret", "set", *PLACE, "DB", "before-rotation")
        # Rotation refuses while the server runs.
        busy = subprocess.run([BINARY, "server", "rotate-key", "--generate"], env=env,
                              capture_output=True, text=True)
        assert busy.returncode == 2 and "VAULT_SERVER_RUNNING" in busy.stderr
    finally:
        v.stop()
    old_key = (data / "master.key").read_text().strip()
    # Only 64 hex characters make a key (32 raw characters would be taken as bytes elsewhere).
    bad = subprocess.run([BINARY, "server", "rotate-key"],
                         env=dict(env, CAIRN_NEW_MASTER_KEY="k" * 32), capture_output=True,
                         text=True)
    assert bad.returncode == 2 and "SECRETS_MASTER_KEY_INVALID" in bad.stderr
    assert (data / "master.key").read_text().strip() == old_key
    rotated = subprocess.run([BINARY, "server", "rotate-key", "--generate"], env=env,
                             capture_output=True, text=True)
    assert rotated.returncode == 0, rotated.stderr
    new_key = rotated.stdout.strip()
    assert len(new_key) == 64 and new_key != old_key
    assert (data / "master.key").read_text().strip() == new_key
    assert stat.S_IMODE((data / "master.key").stat().st_mode) == 0o600
    # The old key no longer opens the database.
    wrong = subprocess.run([BINARY, "server", "start", "--listen", "127.0.0.1:0"],
                           env=dict(env, CAIRN_MASTER_KEY=old_key), capture_output=True,
                           text=True, timeout=30)
    assert wrong.returncode == 2 and "SECRETS_MASTER_KEY_MISMATCH" in wrong.stderr
    v.start()
    try:
        assert "First start" not in v.log()
        assert v.cli_json("secret", "get", *PLACE, "DB")["value"] == "before-rotation"
        assert v.cli_json("audit", "verify")["intact"] is True
    finally:
        v.stop()


def test_openapi_document_matches_the_router():
    if not BINARY:
        pytest.skip("CAIRN_VAULT_BIN is not set")
    routes = json.loads(subprocess.run([BINARY, "server", "routes"], capture_output=True,
                                       text=True, check=True).stdout)
    served = {(method.lower(), path) for method, path in routes}
    doc_path = pathlib.Path(__file__).resolve().parents[2] / "docs" / "vault-openapi.json"
    doc = json.loads(doc_path.read_text())
    documented = {(method, path) for path, ops in doc["paths"].items() for method in ops
                  if method in {"get", "put", "post", "delete", "patch"}}
    assert served - documented == set(), "routes missing from docs/vault-openapi.json"
    assert documented - served == set(), "documented routes the server does not have"
    assert len(served) == len(routes)
