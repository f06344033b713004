"""Authentication: Argon2id passwords, checksummed API keys, JWTs, GCRA rate limits, token files,
and the engine's users, sessions, API keys and magic login codes (``engine.auth``).

Times are aware datetimes (``expires_at`` and ``now`` arguments too); durations float seconds.

    from cairn import auth

    phc = auth.hash_password("correct horse battery")       # '$argon2id$v=19$m=19456,t=2,p=1$...'
    auth.verify_password_hash(phc, "correct horse battery")  # True

    token = auth.jwt_encode({"sub": "u1", "exp": 1790000000}, key, "ES256", kid="2026-11")
    claims = auth.jwt_decode(token, {"2026-11": key.public_key()}, ["ES256"])

    limiter = auth.RateLimiter(5, burst=10)                 # 5/s on average, bursts of 10
    allowed, retry_after = limiter.hit("203.0.113.7")

The engine's service::

    user = engine.auth.create_user("ada@example.com", "Ada", "correct horse battery")
    session, token = engine.auth.create_session(user.id, ip="203.0.113.7")
    engine.auth.validate_session(token)                     # on every request
    key_record, key = engine.auth.create_api_key(user.id, prefix="cr_sa", scopes=["secrets:read"])
    code = engine.auth.request_login_code("ada@example.com")   # deliver it by mail
    session, token = engine.auth.verify_login_code("ada@example.com", code)

Every failed credential check raises UnauthenticatedError (AUTH_INVALID_CREDENTIALS,
AUTH_TOKEN_INVALID, AUTH_TOKEN_EXPIRED, AUTH_CODE_INVALID, AUTH_JWT_*, ...); limits and lockouts
raise ResourceExhaustedError (AUTH_RATE_LIMITED, AUTH_LOCKED_OUT) with ``.retry_after`` in seconds.
"""

from ._core import auth as _auth

hash_password = _auth.hash_password
verify_password_hash = _auth.verify_password_hash
generate_api_key = _auth.generate_api_key
api_key_checksum_ok = _auth.api_key_checksum_ok
normalize_email = _auth.normalize_email
jwt_encode = _auth.jwt_encode
jwks = _auth.jwks
write_token_file = _auth.write_token_file
read_token_file = _auth.read_token_file
RateLimiter = _auth.RateLimiter
User = _auth.User
Session = _auth.Session
ApiKey = _auth.ApiKey
AuthService = _auth.AuthService


def jwt_decode(token, key_or_keys, algorithms, audience=None, issuer=None, leeway=0, *, now=None,
               required=(), typ=None):
    """Verify ``token`` and return its claims as a dict (RFC 7519, with RFC 8725's rules).

    ``key_or_keys``: bytes (an HS256 secret of at least 32 bytes), a :class:`cairn.crypto.PublicKey`
    or :class:`cairn.crypto.PrivateKey` (its public half verifies), a list of those, a dict
    ``{kid: key}``, or a JWKS dict ``{"keys": [...]}``. ``algorithms``: the names accepted, from
    "HS256", "ES256", "ES384" and "EdDSA" ("none" never verifies). A token is checked only with a
    key of the algorithm its header names, so an HMAC secret is never confused with a public key.

    ``audience``: when given, the token's "aud" must contain it; when None, a token that has an
    "aud" is rejected. ``issuer``: when given, "iss" must equal it. ``leeway``: seconds tolerated
    on "exp", "nbf" and "iat". ``now``: an aware datetime to check against (default: the system clock).
    ``required``: claims that must be present. ``typ``: when given, the header's "typ" must match.

    Raises UnauthenticatedError (AUTH_TOKEN_INVALID, AUTH_JWT_ALGORITHM_REJECTED,
    AUTH_TOKEN_EXPIRED, AUTH_TOKEN_NOT_YET_VALID, AUTH_JWT_AUDIENCE_INVALID,
    AUTH_JWT_ISSUER_INVALID, AUTH_JWT_CLAIM_MISSING) or InvalidArgumentError
    (AUTH_JWT_ALGORITHM_UNSUPPORTED, AUTH_JWT_OPTIONS_INVALID, AUTH_JWT_KEY_WEAK, AUTH_JWK_INVALID).
    """
    if isinstance(algorithms, (str, bytes)):
        raise TypeError('algorithms is a list of names, such as ["ES256"]')
    return _auth.jwt_decode(token, key_or_keys, list(algorithms), audience, issuer, leeway,
                            now=now, required=list(required), typ=typ)


__all__ = [
    "ApiKey", "AuthService", "RateLimiter", "Session", "User", "api_key_checksum_ok",
    "normalize_email",
    "generate_api_key", "hash_password", "jwks", "jwt_decode", "jwt_encode", "read_token_file",
    "verify_password_hash", "write_token_file",
]
