"""Cryptography on OpenSSL 3: hashes, HMAC, HKDF, AES-256-GCM, randomness and signatures.

    from cairn import crypto

    crypto.sha256(b"abc").hex()
    key = crypto.generate_key("ES256")            # also "ES384", "Ed25519"
    sig = key.sign(b"message")                    # raw r||s for ECDSA (JWS format)
    crypto.load_public_key(key.public_pem()).verify(b"message", sig)   # True

    k = crypto.random_bytes(32)
    blob = crypto.aes_gcm_encrypt(k, b"secret", aad=b"context")   # nonce || ciphertext || tag
    crypto.aes_gcm_decrypt(k, blob, aad=b"context")               # b"secret"

    # One database column: a key per column family, the value bound to its row.
    cipher = crypto.FieldCipher(master_key, "tundra:v1:site:env_var")  # 32 bytes or 64 hex
    sealed = cipher.encrypt(b"DATABASE_URL=...", ("sites", "42", "env_var"))
    cipher.decrypt(sealed, ("sites", "42", "env_var"))   # b"DATABASE_URL=..."
    cipher.decrypt(sealed, ("sites", "43", "env_var"))   # DataLossError

Errors: InvalidArgumentError (CRYPTO_KEY_INVALID, CRYPTO_KEY_UNSUPPORTED,
CRYPTO_ALGORITHM_UNKNOWN, CRYPTO_HKDF_LENGTH_INVALID, CRYPTO_FIELD_FAMILY_INVALID,
CRYPTO_FIELD_AAD_REQUIRED), DataLossError (CRYPTO_DECRYPT_FAILED, CRYPTO_FIELD_DECRYPT_FAILED,
CRYPTO_FIELD_CIPHERTEXT_TOO_SHORT) and FailedPreconditionError (CRYPTO_FIELD_VERSION_UNSUPPORTED).
"""

from ._core import crypto as _crypto

sha256 = _crypto.sha256
sha384 = _crypto.sha384
sha3_256 = _crypto.sha3_256
sha256_batch = _crypto.sha256_batch
Sha256 = _crypto.Sha256
Sha384 = _crypto.Sha384
Sha3_256 = _crypto.Sha3_256
aes_gcm_seal = _crypto.aes_gcm_seal
aes_gcm_open = _crypto.aes_gcm_open
hmac_sha256 = _crypto.hmac_sha256
hkdf_sha256 = _crypto.hkdf_sha256
aes_gcm_encrypt = _crypto.aes_gcm_encrypt
aes_gcm_decrypt = _crypto.aes_gcm_decrypt
random_bytes = _crypto.random_bytes
constant_time_equal = _crypto.constant_time_equal
PrivateKey = _crypto.PrivateKey
PublicKey = _crypto.PublicKey
generate_key = _crypto.generate_key
load_private_key = _crypto.load_private_key
load_public_key = _crypto.load_public_key
private_key_from_raw = _crypto.private_key_from_raw
public_key_from_raw = _crypto.public_key_from_raw
FieldCipher = _crypto.FieldCipher
field_aad = _crypto.field_aad

__all__ = [
    "FieldCipher", "PrivateKey", "PublicKey", "Sha256", "Sha384", "Sha3_256", "aes_gcm_decrypt",
    "aes_gcm_encrypt", "aes_gcm_open", "aes_gcm_seal",
    "constant_time_equal", "field_aad", "generate_key", "hkdf_sha256", "hmac_sha256",
    "load_private_key",
    "load_public_key", "private_key_from_raw", "public_key_from_raw", "random_bytes", "sha256",
    "sha256_batch", "sha384", "sha3_256",
]
