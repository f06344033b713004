"""Secrets: organizations, projects, environments and encrypted, versioned secrets behind
role- and rule-based access, with service accounts and master key rotation (``engine.secrets``).

Open the engine with a master key (32 random bytes, or the 64 hex characters
``openssl rand -hex 32`` prints); without one ``engine.secrets`` raises FailedPreconditionError
(SECRETS_MASTER_KEY_MISSING)::

    engine = cairn.open("sqlite:data/app.db", master_key=os.environ['CAIRN_MASTER_KEY'])
    s = engine.secrets
    s.create_org("acme", "ada@acme.io")
    s.create_project("acme", "billing", "ada@acme.io")
    s.create_environment("acme", "billing", "prod", "ada@acme.io")
    s.set("acme", "billing", "prod", 'DATABASE_URL', "postgres://...", "ada@acme.io")   # 1
    s.get("acme", "billing", "prod", 'DATABASE_URL', "ada@acme.io")

    s.add_member("acme", "bob@acme.io", "developer", "ada@acme.io")
    s.grant("acme", "bob@acme.io", "billing", "{dev,staging}", "write", "ada@acme.io")
    account, key = s.create_service_account("acme", "ci", "ada@acme.io", project="billing")
    s.grant("acme", account.subject, "billing", "*", "read", "ada@acme.io")

Every value is sealed with its own data key (AES-256-GCM), itself wrapped with a key derived
from the master key; the database never holds a plaintext. Owners, admins and superadmins may do
anything in their org; developers and members need ACL rules (capped by their role: members read,
developers read and write); service accounts need rules. Denials raise PermissionDeniedError
(SECRETS_ACCESS_DENIED). Every call, reads and denials included, is audited (actions
``secrets.*``), never with a value.

Roles are "owner", "admin", "developer" and "member"; permissions "read", "write" and "admin".
Times are aware datetimes in UTC (``as_of`` takes an aware datetime in any zone).

The limits the service enforces are the constants ``MAX_NAME_BYTES`` (63), ``MAX_KEY_BYTES``
(64), ``MAX_VALUE_BYTES`` (65536), ... read from the engine; :func:`check_name` and
:func:`check_key` apply its name rules. A service account acts as ``account.actor``
(``"sa:<org id>:<name>"``), which keeps it inside its organization and project.

ACL patterns (:func:`glob_match`): ``*`` any run of characters, ``?`` one character, ``{a,b}``
one of the alternatives; ``check_pattern`` raises InvalidArgumentError (ACL_PATTERN_INVALID) for
an invalid one.
"""

from ._core import secrets as _secrets

glob_match = _secrets.glob_match
check_pattern = _secrets.check_pattern
check_name = _secrets.check_name
check_key = _secrets.check_key
# The limits the engine enforces (cairn/secrets/limits.hpp), read from it.
MAX_NAME_BYTES = _secrets.limits["max_name_bytes"]
MAX_KEY_BYTES = _secrets.limits["max_key_bytes"]
MAX_VALUE_BYTES = _secrets.limits["max_value_bytes"]
MAX_USER_BYTES = _secrets.limits["max_user_bytes"]
MAX_PATTERN_BYTES = _secrets.limits["max_pattern_bytes"]
MAX_PATTERN_GROUPS = _secrets.limits["max_pattern_groups"]
MAX_PATTERN_COMBINATIONS = _secrets.limits["max_pattern_combinations"]
MAX_REFERENCE_DEPTH = _secrets.limits["max_reference_depth"]
MAX_REFERENCES = _secrets.limits["max_references"]
MAX_EXPANDED_BYTES = _secrets.limits["max_expanded_bytes"]
Organization = _secrets.Organization
Project = _secrets.Project
Environment = _secrets.Environment
SecretVersion = _secrets.SecretVersion
AclRule = _secrets.AclRule
ServiceAccount = _secrets.ServiceAccount
Decision = _secrets.Decision
SecretsService = _secrets.SecretsService

ROLES = ("owner", "admin", "developer", "member")
PERMISSIONS = ("read", "write", "admin")

__all__ = [
    "PERMISSIONS", "ROLES", "AclRule", "Decision", "Environment", "Organization", "Project",
    "SecretVersion", "SecretsService", "ServiceAccount", "check_key", "check_name",
    "check_pattern", "glob_match",
] + sorted(name.upper() for name in _secrets.limits)
