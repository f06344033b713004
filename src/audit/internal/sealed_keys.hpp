// Sealing a log's keys in its store (LogOptions::seal_key), so a copy of the database is not
// enough to re-sign the log or to recompute redacted values.
//
// Stored forms (the plaintext forms never start the same way, so each key tells which it is):
//   signing key:   plaintext PKCS#8 PEM ("-----BEGIN ..."), or
//                  "cairn-sealed:v1:" + hex(nonce || AES-256-GCM(seal key, PEM) || tag)
//   redaction key: plaintext 32 bytes, or
//                  0x01 || nonce || AES-256-GCM(seal key, key) || tag   (61 bytes)
// The AAD names the key and the log ("cairn-audit-signing-key-v1" or
// "cairn-audit-redaction-key-v1", then the log name), so a sealed key moved to another field or
// another log does not open.
#pragma once

#include <string_view>

#include "cairn/audit/store.hpp"
#include "cairn/core/bytes.hpp"
#include "cairn/core/result.hpp"

namespace cairn::audit::internal {

// Whether both stored keys are sealed (false when one or both are plaintext). Errors: DATA_LOSS /
// STORAGE_CORRUPT (a key in neither form).
Result<bool> keys_sealed(const LogKeys& stored);

// `keys` with every plaintext key sealed under the 32-byte `seal_key` for log `log`; keys already
// sealed are kept as they are. Errors: DATA_LOSS / STORAGE_CORRUPT; those of AES-GCM.
Result<LogKeys> seal_keys(const LogKeys& keys, ByteView seal_key, std::string_view log);

// `stored` with every sealed key opened with `seal_key` (empty: none given). Errors:
// FAILED_PRECONDITION / AUDIT_KEYS_SEALED (a sealed key and no seal key),
// AUDIT_KEYS_SEAL_MISMATCH (a sealed key the seal key does not open: another key, or altered);
// DATA_LOSS / STORAGE_CORRUPT.
Result<LogKeys> open_keys(const LogKeys& stored, ByteView seal_key, std::string_view log);

// Overwrites the key material in `keys` with zeros.
void wipe(LogKeys& keys) noexcept;

}  // namespace cairn::audit::internal
