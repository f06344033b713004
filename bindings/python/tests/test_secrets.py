"""engine.secrets across the Python edge: every call reachable, errors, records and times
converted, one end-to-end flow. The rules themselves are specified in tests/secrets/*.cpp. The
envelope encryption is checked independently with the `cryptography` package against the SQLite
file."""

import contextlib
import json
import sqlite3
import threading

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

import cairn
from conftest import at
from cairn import secrets

T0 = 1_800_000_000  # 2027-01-15T08:00:00Z: any fixed start works
KEY = bytes(range(32))
KEY2 = bytes(range(100, 132))
OWNER = "ada@acme.io"


class Clock:
    """A clock a test moves by hand: the engine's `clock=` callable."""

    def __init__(self, start=T0):
        self.now = start

    def __call__(self):
        return at(self.now)

    def advance(self, seconds):
        self.now += seconds


@contextlib.contextmanager
def raises(cls, reason):
    """pytest.raises that also checks the reason."""
    with pytest.raises(cls) as info:
        yield info
    assert info.value.reason == reason, str(info.value)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture(params=["memory", "sqlite"])
def uri(request, tmp_path):
    return "memory:" if request.param == "memory" else f"sqlite:{tmp_path / 'data' / 'secrets.db'}"


@pytest.fixture
def engine(uri, clock):
    with cairn.open(uri, clock=clock, master_key=KEY) as e:
        yield e


@pytest.fixture
def s(engine):
    """engine.secrets with org acme (owner ada), projects billing and web, environments
    dev, staging and prod in each."""
    s = engine.secrets
    s.create_org("acme", OWNER)
    for project in ("billing", "web"):
        s.create_project("acme", project, OWNER)
        for env in ("dev", "staging", "prod"):
            s.create_environment("acme", project, env, OWNER)
    return s


def db_path(uri):
    return uri[len("sqlite:"):]


# ---------------------------------------------------------------------------------------------
# Glob patterns (their rules: tests/secrets/glob_test.cpp)


def test_glob_functions_cross_the_edge():
    assert secrets.glob_match("api-{v1,v2}", "api-v2") is True
    assert secrets.glob_match("api-{v1,v2}", "api-v3") is False
    assert secrets.check_pattern("{dev,staging}") is None
    with raises(cairn.InvalidArgumentError, "ACL_PATTERN_INVALID"):
        secrets.check_pattern("{a,b")
    assert secrets.glob_match("{a,b", "a") is False




# ---------------------------------------------------------------------------------------------
# Master keys and the engine handle


def test_secrets_need_a_master_key(uri):
    with cairn.open(uri) as e:
        with raises(cairn.FailedPreconditionError, "SECRETS_MASTER_KEY_MISSING"):
            e.secrets


@pytest.mark.parametrize("key", [KEY, bytearray(KEY), memoryview(KEY), KEY.hex(),
                                 KEY.hex().upper()])
def test_master_key_forms(tmp_path, key):
    uri = f"sqlite:{tmp_path / 'k.db'}"
    with cairn.open(uri, master_key=KEY) as e:
        e.secrets.create_org("acme", OWNER)
    with cairn.open(uri, master_key=key) as e:  # the same key in another form
        assert e.secrets.org("acme").name == "acme"


@pytest.mark.parametrize("key", [b"", KEY[:31], KEY + b"\0", KEY.hex()[:63], KEY.hex() + "0",
                                 "z" * 64, "x" * 32, KEY.hex().encode()])
def test_master_key_invalid(key):
    with raises(cairn.InvalidArgumentError, "SECRETS_MASTER_KEY_INVALID"):
        cairn.open("memory:", master_key=key)


def test_master_key_wrong_type():
    with pytest.raises(TypeError):
        cairn.open("memory:", master_key=12345)


def test_closed_engine(uri):
    e = cairn.open(uri, master_key=KEY)
    s = e.secrets
    s.create_org("acme", OWNER)
    e.close()
    with raises(cairn.FailedPreconditionError, "ENGINE_CLOSED"):
        s.org("acme")
    with raises(cairn.FailedPreconditionError, "ENGINE_CLOSED"):
        e.secrets


def test_the_service_keeps_the_engine_alive():
    s = cairn.open("memory:", master_key=KEY).secrets  # the engine has no other reference
    s.create_org("acme", OWNER)
    assert s.org("acme").name == "acme"


def test_database_is_bound_to_its_master_key(tmp_path):
    uri = f"sqlite:{tmp_path / 'bound.db'}"
    with cairn.open(uri, master_key=KEY) as e:
        e.secrets.create_org("acme", OWNER)
    with raises(cairn.FailedPreconditionError, "SECRETS_MASTER_KEY_MISMATCH"):
        cairn.open(uri, master_key=KEY2)
    # Without the key the audit log's keys stay sealed (docs/audit.md): the engine does not open.
    with raises(cairn.FailedPreconditionError, "AUDIT_KEYS_SEALED"):
        cairn.open(uri)
    with cairn.open(uri, master_key=KEY) as e:
        assert e.secrets.org("acme").name == "acme"


# ---------------------------------------------------------------------------------------------
# Organizations, members, projects, environments


def test_orgs_members_projects_environments(s, clock):
    org = s.org("acme")
    assert len(org.id) == 32 and org.name == "acme" and org.created_at == at(T0)
    assert [o.name for o in s.orgs(OWNER)] == ["acme"]
    assert s.orgs("nobody") == []
    assert s.projects("acme", OWNER) == ["billing", "web"]
    assert s.environments("acme", "billing", OWNER) == ["dev", "prod", "staging"]  # by name

    s.add_member("acme", "bob", "developer", OWNER)
    s.add_member("acme", "carol", "member", OWNER)
    assert s.members("acme", OWNER) == [(OWNER, "owner"), ("bob", "developer"),
                                        ("carol", "member")]
    s.add_member("acme", "carol", "admin", OWNER)  # changes the role
    assert ("carol", "admin") in s.members("acme", OWNER)
    s.remove_member("acme", "carol", OWNER)
    assert [u for u, _ in s.members("acme", OWNER)] == [OWNER, "bob"]
    assert [o.name for o in s.orgs("bob")] == ["acme"]

    clock.advance(5)
    project = s.create_project("acme", "api", OWNER)
    assert project.name == "api" and project.org_id == org.id and project.created_at == at(T0 + 5)
    env = s.create_environment("acme", "api", "prod", OWNER)
    assert env.name == "prod" and env.project_id == project.id

    with raises(cairn.AlreadyExistsError, "SECRETS_ORG_EXISTS"):
        s.create_org("acme", "someone")
    with raises(cairn.AlreadyExistsError, "SECRETS_PROJECT_EXISTS"):
        s.create_project("acme", "api", OWNER)
    with raises(cairn.AlreadyExistsError, "SECRETS_ENVIRONMENT_EXISTS"):
        s.create_environment("acme", "api", "prod", OWNER)
    with raises(cairn.NotFoundError, "SECRETS_ORG_NOT_FOUND"):
        s.org("nope")
    with raises(cairn.InvalidArgumentError, "SECRETS_NAME_INVALID"):
        s.create_org("Acme Corp", OWNER)
    with raises(cairn.InvalidArgumentError, "SECRETS_ROLE_INVALID"):
        s.add_member("acme", "dan", "boss", OWNER)


# ---------------------------------------------------------------------------------------------
# Versions


def test_versions_get_by_version_and_as_of(s, clock):
    p = ("acme", "billing", "prod")
    assert s.set(*p, "DB_URL", "postgres://one", OWNER) == 1
    clock.advance(10)
    assert s.set(*p, "DB_URL", "postgres://two", OWNER) == 2
    clock.advance(10.5)
    s.add_member("acme", "bob", "developer", OWNER)
    s.grant("acme", "bob", "billing", "prod", "write", OWNER)
    assert s.set(*p, "DB_URL", "postgres://three", "bob") == 3

    versions = s.versions(*p, "DB_URL", OWNER)
    assert [(v.version, v.created_at, v.created_by) for v in versions] == [
        (1, at(T0), OWNER), (2, at(T0 + 10), OWNER), (3, at(T0 + 20.5), "bob")]
    assert "postgres" not in repr(versions)

    assert s.get(*p, "DB_URL", OWNER) == "postgres://three"
    assert s.get(*p, "DB_URL", OWNER, version=1) == "postgres://one"
    assert s.get(*p, "DB_URL", OWNER, 2) == "postgres://two"
    assert s.get(*p, "DB_URL", OWNER, as_of=at(T0)) == "postgres://one"  # at or before
    assert s.get(*p, "DB_URL", OWNER, as_of=at(T0 + 9.999999)) == "postgres://one"
    assert s.get(*p, "DB_URL", OWNER, as_of=at(T0 + 10)) == "postgres://two"
    assert s.get(*p, "DB_URL", OWNER, as_of=at(T0 + 20.4)) == "postgres://two"
    assert s.get(*p, "DB_URL", OWNER, as_of=at(T0 + 20.5)) == "postgres://three"
    assert s.get(*p, "DB_URL", OWNER, as_of=at(T0 + 10**6)) == "postgres://three"
    with raises(cairn.NotFoundError, "SECRET_VERSION_NOT_FOUND"):
        s.get(*p, "DB_URL", OWNER, as_of=at(T0 - 1))
    with raises(cairn.NotFoundError, "SECRET_VERSION_NOT_FOUND"):
        s.get(*p, "DB_URL", OWNER, version=4)
    with raises(cairn.NotFoundError, "SECRET_NOT_FOUND"):
        s.get(*p, "NOPE", OWNER)
    with pytest.raises(TypeError):
        s.get(*p, "DB_URL", OWNER, as_of="yesterday")
    with pytest.raises(TypeError):
        s.get(*p, "DB_URL", OWNER, as_of=float("nan"))

    clock.advance(1)
    assert s.rollback(*p, "DB_URL", 1, OWNER) == 4
    assert s.get(*p, "DB_URL", OWNER) == "postgres://one"
    assert [v.version for v in s.versions(*p, "DB_URL", OWNER)] == [1, 2, 3, 4]
    assert s.versions(*p, "DB_URL", OWNER)[-1].created_at == at(T0 + 21.5)
    assert s.get(*p, "DB_URL", OWNER, as_of=at(T0 + 21.5)) == "postgres://one"
    assert s.get(*p, "DB_URL", OWNER, as_of=at(T0 + 21.4)) == "postgres://three"
    with raises(cairn.NotFoundError, "SECRET_VERSION_NOT_FOUND"):
        s.rollback(*p, "DB_URL", 9, OWNER)


def test_delete_restore_and_name_reuse(s, clock):
    p = ("acme", "billing", "prod")
    s.set(*p, "TOKEN", "t1", OWNER)
    s.set(*p, "TOKEN", "t2", OWNER)
    s.set(*p, "OTHER", "o", OWNER)
    assert s.list(*p, OWNER) == ["OTHER", "TOKEN"]

    s.delete(*p, "TOKEN", OWNER)
    assert s.list(*p, OWNER) == ["OTHER"]
    with raises(cairn.NotFoundError, "SECRET_NOT_FOUND"):
        s.get(*p, "TOKEN", OWNER)
    with raises(cairn.NotFoundError, "SECRET_NOT_FOUND"):
        s.delete(*p, "TOKEN", OWNER)

    s.restore(*p, "TOKEN", OWNER)
    assert s.get(*p, "TOKEN", OWNER) == "t2"
    assert [v.version for v in s.versions(*p, "TOKEN", OWNER)] == [1, 2]

    # Deleting frees the name: a new secret starts again at version 1.
    s.delete(*p, "TOKEN", OWNER)
    assert s.set(*p, "TOKEN", "fresh", OWNER) == 1
    assert s.get(*p, "TOKEN", OWNER) == "fresh"
    assert [v.version for v in s.versions(*p, "TOKEN", OWNER)] == [1]
    with raises(cairn.AlreadyExistsError, "SECRET_EXISTS"):
        s.restore(*p, "TOKEN", OWNER)
    assert s.get(*p, "TOKEN", OWNER) == "fresh"

    # Restoring brings back the most recently deleted one.
    s.delete(*p, "TOKEN", OWNER)
    s.restore(*p, "TOKEN", OWNER)
    assert s.get(*p, "TOKEN", OWNER) == "fresh"
    with raises(cairn.NotFoundError, "SECRET_NOT_FOUND"):
        s.restore(*p, "NEVER", OWNER)


# ---------------------------------------------------------------------------------------------
# Access


def test_grant_upserts_and_revoke(s, clock):
    s.add_member("acme", "bob", "developer", OWNER)
    first = s.grant("acme", "bob", "billing", "*", "read", OWNER)
    clock.advance(1)
    again = s.grant("acme", "bob", "billing", "*", "write", OWNER)
    assert again == first
    other = s.grant("acme", "bob", "web", "*", "read", OWNER)
    assert other != first
    rules = s.rules("acme", OWNER)
    assert [(r.id, r.subject, r.project_pattern, r.env_pattern, r.permission) for r in rules] == [
        (first, "bob", "billing", "*", "write"), (other, "bob", "web", "*", "read")]
    assert rules[0].org_id == s.org("acme").id and rules[0].created_at == at(T0)
    assert s.check("acme", "bob", "billing", "dev", "write").allowed

    s.revoke("acme", first, OWNER)
    assert [r.id for r in s.rules("acme", OWNER)] == [other]
    assert not s.check("acme", "bob", "billing", "dev", "read").allowed
    with raises(cairn.NotFoundError, "ACL_RULE_NOT_FOUND"):
        s.revoke("acme", first, OWNER)
    with raises(cairn.InvalidArgumentError, "SECRETS_PERMISSION_INVALID"):
        s.grant("acme", "bob", "*", "*", "delete", OWNER)
    with raises(cairn.InvalidArgumentError, "SECRETS_PERMISSION_INVALID"):
        s.check("acme", "bob", "billing", "dev", "READ")


def test_service_accounts(s):
    p = ("acme", "billing", "prod")
    s.set(*p, "A", "a", OWNER)
    s.set("acme", "web", "prod", "W", "w", OWNER)

    account, key = s.create_service_account("acme", "ci", OWNER)
    assert account.name == "ci" and account.subject == "sa:ci" and account.project is None
    assert account.org_id == s.org("acme").id and account.created_at == at(T0)
    assert key.startswith("cr_sa_")
    assert s.authenticate_api_key(key).id == account.id
    with raises(cairn.UnauthenticatedError, "AUTH_TOKEN_INVALID"):
        s.authenticate_api_key(key[:-1] + ("A" if key[-1] != "A" else "B"))
    with raises(cairn.AlreadyExistsError, "SECRETS_SERVICE_ACCOUNT_EXISTS"):
        s.create_service_account("acme", "ci", OWNER)

    # Service accounts need rules.
    with raises(cairn.PermissionDeniedError, "SECRETS_ACCESS_DENIED"):
        s.get(*p, "A", account.subject)
    rule = s.grant("acme", account.subject, "*", "prod", "read", OWNER)
    assert s.get(*p, "A", account.subject) == "a"
    assert s.get("acme", "web", "prod", "W", account.subject) == "w"
    assert s.check("acme", "sa:ci", "billing", "prod", "read").rule == rule
    with raises(cairn.PermissionDeniedError, "SECRETS_ACCESS_DENIED"):
        s.set(*p, "A", "b", account.subject)

    # One created for a project reaches only that project, whatever its rules say.
    deploy, deploy_key = s.create_service_account("acme", "deploy", OWNER, project="billing")
    assert deploy.project == "billing" and deploy.subject == "sa:deploy"
    assert s.authenticate_api_key(deploy_key).project == "billing"
    s.grant("acme", "sa:deploy", "*", "*", "read", OWNER)
    assert s.get(*p, "A", "sa:deploy") == "a"
    assert not s.check("acme", "sa:deploy", "web", "prod", "read").allowed
    with raises(cairn.PermissionDeniedError, "SECRETS_ACCESS_DENIED"):
        s.get("acme", "web", "prod", "W", "sa:deploy")

    assert [(a.name, a.project) for a in s.service_accounts("acme", OWNER)] == [
        ("ci", None), ("deploy", "billing")]
    with raises(cairn.PermissionDeniedError, "SECRETS_ACCESS_DENIED"):
        s.service_accounts("acme", "sa:ci")

    # Revoking ends the key and removes the account's rules.
    s.revoke_service_account("acme", "ci", OWNER)
    assert [a.name for a in s.service_accounts("acme", OWNER)] == ["deploy"]
    with raises(cairn.UnauthenticatedError, "AUTH_TOKEN_INVALID"):
        s.authenticate_api_key(key)
    assert [r.subject for r in s.rules("acme", OWNER)] == ["sa:deploy"]
    assert not s.check("acme", "sa:ci", "billing", "prod", "read").allowed
    with raises(cairn.NotFoundError, "SECRETS_ORG_NOT_FOUND"):
        s.get(*p, "A", "sa:ci")  # a revoked account is an outsider
    with raises(cairn.NotFoundError, "SECRETS_SERVICE_ACCOUNT_NOT_FOUND"):
        s.revoke_service_account("acme", "ci", OWNER)
    assert s.authenticate_api_key(deploy_key).id == deploy.id

    # The name is free again, with a new key.
    again, new_key = s.create_service_account("acme", "ci", OWNER)
    assert again.id != account.id and new_key != key
    with raises(cairn.UnauthenticatedError, "AUTH_TOKEN_INVALID"):
        s.authenticate_api_key(key)


# ---------------------------------------------------------------------------------------------
# References


def test_references_expand(s):
    s.set("acme", "billing", "prod", "HOST", "db.internal", OWNER)
    s.set("acme", "billing", "dev", "USER", "dev-user", OWNER)
    s.set("acme", "web", "staging", "PORT", "5432", OWNER)
    template = "postgres://${dev.USER}@${HOST}:${web.staging.PORT}/x"
    s.set("acme", "billing", "prod", "URL", template, OWNER)
    expanded = "postgres://dev-user@db.internal:5432/x"
    assert s.get("acme", "billing", "prod", "URL", OWNER) == expanded
    assert s.get("acme", "billing", "prod", "URL", OWNER, expand=False) == template
    # Nested references, and "$${" for a literal "${".
    s.set("acme", "billing", "prod", "OUTER", "[${URL}]", OWNER)
    assert s.get("acme", "billing", "prod", "OUTER", OWNER) == f"[{expanded}]"
    s.set("acme", "billing", "prod", "LITERAL", "$${HOST} is ${HOST}", OWNER)
    assert s.get("acme", "billing", "prod", "LITERAL", OWNER) == "${HOST} is db.internal"
    # A reference to a missing secret.
    s.set("acme", "billing", "prod", "DANGLING", "${MISSING}", OWNER)
    with raises(cairn.NotFoundError, "SECRET_NOT_FOUND"):
        s.get("acme", "billing", "prod", "DANGLING", OWNER)
    # Export leaves references alone.
    assert "${HOST}" in s.export("acme", "billing", "prod", OWNER)


# ---------------------------------------------------------------------------------------------
# Export and import

VALUES = {
    "PLAIN": "value",
    "QUOTED": 'say "hi" \\ bye',
    "MULTI": "line1\nline2",
    "EMPTY": "",
    "UNICODE": "pässwörd",
}


def test_export_dotenv_and_json(s):
    p = ("acme", "billing", "prod")
    for k, v in VALUES.items():
        s.set(*p, k, v, OWNER)
    assert s.export(*p, OWNER) == (
        'EMPTY=""\n'
        'MULTI="line1\\nline2"\n'
        'PLAIN="value"\n'
        'QUOTED="say \\"hi\\" \\\\ bye"\n'
        'UNICODE="pässwörd"\n'
    )
    assert s.export(*p, OWNER, format="dotenv") == s.export(*p, OWNER)
    as_json = s.export(*p, OWNER, format="json")
    assert json.loads(as_json) == VALUES
    assert as_json == json.dumps(dict(sorted(VALUES.items())), indent=2,
                                 ensure_ascii=False) + "\n"
    with raises(cairn.InvalidArgumentError, "SECRETS_FORMAT_INVALID"):
        s.export(*p, OWNER, format="yaml")
    assert s.export("acme", "web", "dev", OWNER) == ""
    assert json.loads(s.export("acme", "web", "dev", OWNER, format="json")) == {}


def test_export_expanded_reads_everything_in_one_audit_entry(engine, s):
    p = ("acme", "billing", "prod")
    s.set("acme", "billing", "dev", "DB_HOST", "dev-db.internal", OWNER)
    s.set(*p, "HOST", "db.internal", OWNER)
    s.set(*p, "URL", "pg://${HOST}/app $${X}", OWNER)
    s.set(*p, "DEV_URL", "pg://${dev.DB_HOST}", OWNER)
    before, _ = engine.audit.query(limit=1000)
    assert json.loads(s.export(*p, OWNER, format="json", expand=True)) == {
        "DEV_URL": "pg://dev-db.internal", "HOST": "db.internal",
        "URL": "pg://db.internal/app ${X}"}
    assert s.export(*p, OWNER, expand=True) == (
        'DEV_URL="pg://dev-db.internal"\n'
        'HOST="db.internal"\n'
        'URL="pg://db.internal/app \\${X}"\n')
    after, _ = engine.audit.query(limit=1000)
    exports = after[len(before):]
    assert [x["action"] for x in exports] == ["secrets.export", "secrets.export"]
    # Unexpanded by default, as before.
    assert json.loads(s.export(*p, OWNER, format="json"))["URL"] == "pg://${HOST}/app $${X}"
    # A reader who may not read a referenced secret gets nothing.
    s.add_member("acme", "bob", "member", OWNER)
    s.grant("acme", "bob", "billing", "prod", "read", OWNER)
    assert "DEV_URL" in s.export(*p, "bob")
    with raises(cairn.PermissionDeniedError, "SECRETS_ACCESS_DENIED"):
        s.export(*p, "bob", expand=True)


@pytest.mark.parametrize("format", ["dotenv", "json"])
def test_import_round_trip(s, format):
    for k, v in VALUES.items():
        s.set("acme", "billing", "prod", k, v, OWNER)
    document = s.export("acme", "billing", "prod", OWNER, format=format)
    assert s.import_env("acme", "billing", "staging", document, OWNER, format=format) == len(VALUES)
    assert s.export("acme", "billing", "staging", OWNER, format=format) == document
    for k, v in VALUES.items():
        assert s.get("acme", "billing", "staging", k, OWNER) == v
    # Only changed values get a new version.
    assert s.import_env("acme", "billing", "staging", document, OWNER, format=format) == 0
    s.set("acme", "billing", "staging", "PLAIN", "changed", OWNER)
    assert s.import_env("acme", "billing", "staging", document, OWNER, format=format) == 1
    assert [v.version for v in s.versions("acme", "billing", "staging", "PLAIN", OWNER)] == \
        [1, 2, 3]


# ---------------------------------------------------------------------------------------------
# Audit


def test_reads_and_denials_are_audited_without_values(engine, s):
    value = "audit-canary-3f9a1c"
    p = ("acme", "billing", "prod")
    s.set(*p, "TOKEN", value, OWNER)
    s.get(*p, "TOKEN", OWNER)
    s.add_member("acme", "bob", "developer", OWNER)
    with raises(cairn.PermissionDeniedError, "SECRETS_ACCESS_DENIED"):
        s.get(*p, "TOKEN", "bob")
    s.export(*p, OWNER)
    s.versions(*p, "TOKEN", OWNER)

    entries, _ = engine.audit.query(limit=1000)
    actions = {x["action"] for x in entries}
    assert all(a.startswith("secrets.") for a in actions)
    reads, _ = engine.audit.query(action="secrets.get")
    assert [(x["actor"], x["resource"], x["outcome"]) for x in reads] == [
        (OWNER, "acme/billing/prod/TOKEN", "ok"), ("bob", "acme/billing/prod/TOKEN", "denied")]
    assert value not in json.dumps(entries, default=str)
    assert engine.audit.verify() == len(entries)


# ---------------------------------------------------------------------------------------------
# Envelope encryption, checked against the SQLite file with `cryptography`


def kek_of(master):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"cairn-secrets-kek-v1").derive(master)


def fields(*parts):
    out = b""
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode()
        out += len(data).to_bytes(4, "big") + data
    return out


def aes_gcm_open(key, blob, aad):
    assert len(blob) >= 12 + 16
    return AESGCM(key).decrypt(blob[:12], blob[12:], aad)


def stored_versions(path):
    """(secret_id, env_id, key, version, ciphertext, wrapped_key) of every stored version."""
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        return db.execute(STORED_VERSIONS_SQL).fetchall()


STORED_VERSIONS_SQL = """
    SELECT s.id, s.env_id, s.key, v.version, v.ciphertext, v.wrapped_key
    FROM secrets_secrets s JOIN secrets_versions v ON v.secret_id = s.id
    ORDER BY s.key, v.version
"""


def decrypt_independently(master, row, org_id, project_id):
    secret_id, env_id, key, version, ciphertext, wrapped_key = row
    dek = aes_gcm_open(kek_of(master), wrapped_key,
                       fields(b"cairn-secret-dek-v1", secret_id, version))
    assert len(dek) == 32
    return aes_gcm_open(dek, ciphertext,
                        fields(b"cairn-secret-v1", org_id, project_id, env_id, key, version))


@pytest.fixture
def sqlite_secrets(tmp_path, clock):
    path = tmp_path / "enc.db"
    e = cairn.open(f"sqlite:{path}", clock=clock, master_key=KEY)
    s = e.secrets
    org = s.create_org("acme", OWNER)
    project = s.create_project("acme", "billing", OWNER)
    s.create_environment("acme", "billing", "prod", OWNER)
    yield e, path, org.id, project.id
    e.close()


def test_values_are_sealed_as_documented(sqlite_secrets):
    e, path, org_id, project_id = sqlite_secrets
    s = e.secrets
    plain = {("API_KEY", 1): "plaintext-canary-one-7c41",
             ("API_KEY", 2): "plaintext-canary-two-93be",
             ("DB", 1): "plaintext-canary-db-0d22"}
    for (key, _), value in sorted(plain.items()):
        s.set("acme", "billing", "prod", key, value, OWNER)
    rows = stored_versions(path)
    assert [(r[2], r[3]) for r in rows] == [("API_KEY", 1), ("API_KEY", 2), ("DB", 1)]
    for row in rows:
        assert decrypt_independently(KEY, row, org_id, project_id).decode() == plain[row[2], row[3]]
        assert len(row[4]) == 12 + len(plain[row[2], row[3]].encode()) + 16
        assert len(row[5]) == 12 + 32 + 16
    # Fresh nonces and data keys per version.
    assert len({r[4][:12] for r in rows} | {r[5][:12] for r in rows}) == 2 * len(rows)

    e.close()
    files = [p for p in path.parent.iterdir() if p.name.startswith(path.name)]
    for f in files:
        data = f.read_bytes()
        for value in plain.values():
            assert value.encode() not in data, f.name


def tamper(path, sql, *args):
    with contextlib.closing(sqlite3.connect(str(path))) as db:
        db.execute(sql, args)
        db.commit()


def test_rotate_master_key(sqlite_secrets, clock):
    e, path, org_id, project_id = sqlite_secrets
    s = e.secrets
    s.set("acme", "billing", "prod", "A", "before rotation", OWNER)
    s.set("acme", "billing", "prod", "A", "before rotation 2", OWNER)
    before = stored_versions(path)
    s.rotate_master_key(KEY2.hex(), actor=OWNER)
    assert s.get("acme", "billing", "prod", "A", OWNER, version=1) == "before rotation"
    s.set("acme", "billing", "prod", "A", "after rotation", OWNER)
    after = stored_versions(path)
    # Only the wrapped keys changed, and the new master key opens them.
    assert [r[:5] for r in after[:2]] == [r[:5] for r in before]
    assert all(x[5] != y[5] for x, y in zip(after, before))
    for row in after:
        decrypt_independently(KEY2, row, org_id, project_id)
    with pytest.raises(Exception):
        decrypt_independently(KEY, after[0], org_id, project_id)
    e.close()

    with raises(cairn.FailedPreconditionError, "SECRETS_MASTER_KEY_MISMATCH"):
        cairn.open(f"sqlite:{path}", master_key=KEY)
    with cairn.open(f"sqlite:{path}", master_key=KEY2) as e2:
        assert e2.secrets.get("acme", "billing", "prod", "A", OWNER) == "after rotation"
        assert e2.secrets.get("acme", "billing", "prod", "A", OWNER, version=1) == \
            "before rotation"
        e2.secrets.rotate_master_key(KEY)  # bytes, and back
    with cairn.open(f"sqlite:{path}", master_key=KEY.hex()) as e3:
        assert e3.secrets.get("acme", "billing", "prod", "A", OWNER) == "after rotation"
        with raises(cairn.InvalidArgumentError, "SECRETS_MASTER_KEY_INVALID"):
            e3.secrets.rotate_master_key(b"short")
        with pytest.raises(TypeError):
            e3.secrets.rotate_master_key(None)


def test_rotation_in_memory(engine, s):
    s.set("acme", "billing", "prod", "A", "v", OWNER)
    s.rotate_master_key(bytearray(KEY2))
    assert s.get("acme", "billing", "prod", "A", OWNER) == "v"
    rotations, _ = engine.audit.query(action="secrets.master_key.rotate")
    assert [x["actor"] for x in rotations] == ["system"]


# ---------------------------------------------------------------------------------------------
# Threads: calls release the GIL, also with a Python clock


def test_concurrent_calls_with_a_python_clock(s):
    errors = []

    def work(i):
        try:
            for n in range(20):
                s.set("acme", "billing", "prod", f"K{i}", f"v{n}", OWNER)
                assert s.get("acme", "billing", "prod", f"K{i}", OWNER) == f"v{n}"
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert s.list("acme", "billing", "prod", OWNER) == ["K0", "K1", "K2", "K3"]
    assert [v.version for v in s.versions("acme", "billing", "prod", "K0", OWNER)] == \
        list(range(1, 21))


def test_reprs_hold_no_values(s):
    s.set("acme", "billing", "prod", "A", "repr-canary", OWNER)
    account, key = s.create_service_account("acme", "ci", OWNER)
    text = " ".join(repr(x) for x in [s.org("acme"), account, s.check("acme", OWNER, "billing",
                                                                       "prod", "read")]
                    + s.versions("acme", "billing", "prod", "A", OWNER))
    assert "repr-canary" not in text and key not in text
    assert secrets.ROLES == ("owner", "admin", "developer", "member")
    assert secrets.PERMISSIONS == ("read", "write", "admin")


def test_superadmins_are_claimed_once_and_managed_by_superadmins(engine):
    s = engine.secrets
    assert s.superadmins() == []
    assert s.claim_first_superadmin("ada@acme.io") is True
    assert s.claim_first_superadmin("eve@evil.io") is False
    with raises(cairn.PermissionDeniedError, "SECRETS_ACCESS_DENIED"):
        s.grant_superadmin("eve@evil.io", "eve@evil.io")
    s.grant_superadmin("bob@acme.io", "ada@acme.io")
    with raises(cairn.FailedPreconditionError, "SECRETS_SUPERADMIN_SELF"):
        s.revoke_superadmin("ada@acme.io", "ada@acme.io")
    with raises(cairn.NotFoundError, "SECRETS_SUPERADMIN_NOT_FOUND"):
        s.revoke_superadmin("eve@evil.io", "ada@acme.io")
    s.revoke_superadmin("ada@acme.io", "bob@acme.io")
    assert s.superadmins() == ["bob@acme.io"]



def test_limits_and_name_rules_come_from_the_engine(s):
    assert (secrets.MAX_NAME_BYTES, secrets.MAX_KEY_BYTES, secrets.MAX_VALUE_BYTES) == \
        (63, 64, 65536)
    assert secrets.MAX_PATTERN_BYTES == 128 and secrets.MAX_USER_BYTES == 254
    assert secrets.check_name("a" * secrets.MAX_NAME_BYTES) is None
    with raises(cairn.InvalidArgumentError, "SECRETS_NAME_INVALID"):
        secrets.check_name("a" * (secrets.MAX_NAME_BYTES + 1), "project")
    assert secrets.check_key("K" * secrets.MAX_KEY_BYTES) is None
    with raises(cairn.InvalidArgumentError, "SECRETS_KEY_INVALID"):
        secrets.check_key("1KEY")
    s.set("acme", "billing", "dev", "K" * secrets.MAX_KEY_BYTES, "x" * secrets.MAX_VALUE_BYTES,
          OWNER)
    with raises(cairn.InvalidArgumentError, "SECRETS_KEY_INVALID"):
        s.set("acme", "billing", "dev", "K" * (secrets.MAX_KEY_BYTES + 1), "x", OWNER)


def test_a_service_account_acts_bound_to_its_org(s):
    account, key = s.create_service_account("acme", "ci", OWNER, project="billing")
    org = s.org("acme")
    assert account.actor == f"sa:{org.id}:ci" and account.subject == "sa:ci"
    assert s.authenticate_api_key(key).actor == account.actor
    s.grant("acme", account.subject, "billing", "*", "read", OWNER)
    s.set("acme", "billing", "dev", "K", "v", OWNER)
    assert s.get("acme", "billing", "dev", "K", account.actor) == "v"
    with pytest.raises(cairn.Error):
        s.get("acme", "web", "dev", "K", account.actor)


def test_deletes_and_superadmin_calls_cross_the_edge(s):
    # The rules behind them: tests/secrets/secrets_service_conformance_test.cpp.
    s.set("acme", "web", "dev", "K", "v", OWNER)
    s.delete_environment("acme", "web", "dev", OWNER)
    assert s.environments("acme", "web", OWNER) == ["prod", "staging"]
    s.delete_project("acme", "web", OWNER)
    assert s.projects("acme", OWNER) == ["billing"]
    assert s.is_superadmin("root@acme.io") is False
    s.set_superadmin("root@acme.io")
    assert s.is_superadmin("root@acme.io") is True and s.superadmins() == ["root@acme.io"]
    s.set_superadmin("root@acme.io", superadmin=False)
    assert s.superadmins() == []
    s.delete_org("acme", OWNER)
    with raises(cairn.NotFoundError, "SECRETS_ORG_NOT_FOUND"):
        s.org("acme")
