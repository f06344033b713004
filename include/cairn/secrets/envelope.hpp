// Envelope encryption of secret values (Coldrune's two-level scheme, a key-encryption key
// derived from the master key wrapping one random data key per value, plus associated data):
//
//   KEK   = HKDF-SHA256(master key, salt "", info "cairn-secrets-kek-v1"), 32 bytes
//   check = HMAC-SHA256(KEK, "cairn-secrets-key-check-v1")   (stored; proves which master key)
//   per version: a random 32-byte data key (DEK);
//     ciphertext  = AES-256-GCM(DEK, value, aad = value AAD)   as nonce || ciphertext || tag
//     wrapped_key = AES-256-GCM(KEK, DEK,   aad = key AAD)     as nonce || ciphertext || tag
//
// The value AAD binds the ciphertext to its place ("cairn-secret-v1", org, project and environment
// ids, key and version), so a ciphertext copied onto another row fails to decrypt; the key AAD
// binds the wrapped DEK to its secret id and version. Key rotation re-wraps DEKs only.
//
// Keyring keys (keyring.hpp), keys the engine keeps for itself, are wrapped like DEKs:
//     wrapped_key = AES-256-GCM(KEK, key, aad = keyring key AAD)   as nonce || ciphertext || tag
// where the keyring key AAD ("cairn-keyring-key-v1", name) binds the wrapped key to its name.
//
// Thread-safety: the functions are thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "cairn/core/bytes.hpp"
#include "cairn/core/result.hpp"
#include "cairn/crypto/secure.hpp"
#include "cairn/secrets/master_key.hpp"

namespace cairn::secrets {

// The associated data of a value and of its wrapped data key.
Bytes value_aad(std::string_view org_id, std::string_view project_id, std::string_view env_id,
                std::string_view key, int64_t version);
Bytes key_aad(std::string_view secret_id, int64_t version);
// The associated data of the keyring key `name`.
Bytes keyring_key_aad(std::string_view name);

struct Sealed {
  Bytes ciphertext;
  Bytes wrapped_key;
};

// Seals `value` under a fresh data key wrapped with `master`. Errors: those of AES-GCM.
Result<Sealed> seal_value(const MasterKey& master, ByteView value, ByteView value_aad,
                          ByteView key_aad);
// The value, or DATA_LOSS / SECRETS_DECRYPT_FAILED (wrong key, or the row was altered or moved).
Result<crypto::SecretBytes> open_value(const MasterKey& master, const Sealed& sealed,
                                       ByteView value_aad, ByteView key_aad);
// `key` wrapped under `master` (nonce || ciphertext || tag). Errors: those of AES-GCM.
Result<Bytes> wrap_key(const MasterKey& master, ByteView key, ByteView key_aad);
// The key `wrapped_key` holds, or DATA_LOSS / SECRETS_DECRYPT_FAILED (wrong master key, or the
// wrapped key was altered or moved to another name).
Result<crypto::SecretBytes> unwrap_key(const MasterKey& master, ByteView wrapped_key,
                                       ByteView key_aad);
// `wrapped_key` re-wrapped from `from` to `to`. Errors: as open_value.
Result<Bytes> rewrap_key(const MasterKey& from, const MasterKey& to, ByteView wrapped_key,
                         ByteView key_aad);

}  // namespace cairn::secrets
