// cairn::secrets keyring: named 32-byte keys the engine keeps for itself, such as the engine's
// sealing key "engine.sealing" (the login-code MAC key and the audit log's seal key are derived
// from it; see engine.hpp).
//
// A keyring key is random, made on first use, and stored only wrapped under the master key's KEK
// (envelope.hpp), next to the secrets' data keys. Rotating the master key
// (SecretsService::rotate_master_key) re-wraps keyring keys in the same atomic step as the data
// keys, so a keyring key itself never changes and whatever it protects stays readable.
//
// open_keyring_key() works on the store alone, so it can run before the services that need the
// key (the audit log, which the secrets service itself writes to) exist.
//
// Thread-safety: thread-safe; concurrent first uses, also from several processes, agree on one key.
#pragma once

#include <cstddef>
#include <string_view>

#include "cairn/core/env.hpp"
#include "cairn/core/result.hpp"
#include "cairn/crypto/secure.hpp"
#include "cairn/secrets/envelope.hpp"
#include "cairn/secrets/store.hpp"

namespace cairn::secrets {

inline constexpr size_t kKeyringKeyBytes = 32;

// The keyring key `name` ([a-z0-9][a-z0-9_.-]{0,62}) of `store`, unwrapped. On first use it is
// drawn from `env`'s randomness and stored wrapped. Like SecretsService::create, this first checks
// the master key against the store's check value, binding a store that has none to `master`.
// Errors: INVALID_ARGUMENT / SECRETS_NAME_INVALID; FAILED_PRECONDITION /
// SECRETS_MASTER_KEY_MISMATCH (the store is under another master key); DATA_LOSS /
// SECRETS_DECRYPT_FAILED (the stored wrapped key was altered or moved), STORAGE_CORRUPT (it does
// not hold 32 bytes); storage errors.
Result<crypto::SecretBytes> open_keyring_key(SecretsStore& store, const MasterKey& master,
                                             std::string_view name, Env& env);

}  // namespace cairn::secrets
