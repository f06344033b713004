// cairn::secrets::MasterKey: the 256-bit key every secret, data key and keyring key of a database
// is wrapped under (envelope.hpp), parsed once at the edge that receives it.
//
// Example:
//   std::string hex(64, 'a');  // the operator's key: 64 hex characters, read once
//   auto key = cairn::secrets::MasterKey::from_hex(hex);
//   if (!key) return cairn::fail(key.error());   // INVALID_ARGUMENT / SECRETS_MASTER_KEY_INVALID
//   cairn::EngineOptions options;
//   options.master_key = *key;
//
// A MasterKey holds only what is derived from the key (the KEK, HKDF-SHA256 of the key with info
// "cairn-secrets-kek-v1", and the check value HMAC-SHA256(KEK, "cairn-secrets-key-check-v1")
// stored next to the data); the raw key is wiped as soon as those are derived. It cannot be
// printed, logged or formatted (there is no accessor for the key, and operator<< is deleted); the
// KEK is wiped when the last copy is destroyed.
//
// Thread-safety: immutable; copies share the same key material and may be used from any thread.
// Ownership: a value type; copying is cheap (the material is shared, never duplicated).
#pragma once

#include <cstddef>
#include <iosfwd>
#include <memory>
#include <string_view>

#include "cairn/core/bytes.hpp"
#include "cairn/core/result.hpp"
#include "cairn/crypto/secure.hpp"

namespace cairn::secrets {

// A master key is 32 bytes; in text, 64 hex characters (as `openssl rand -hex 32` prints).
inline constexpr size_t kMasterKeyBytes = 32;
inline constexpr size_t kMasterKeyHexChars = 2 * kMasterKeyBytes;

class MasterKey {
 public:
  // From exactly 64 hex characters (either case). Errors: INVALID_ARGUMENT /
  // SECRETS_MASTER_KEY_INVALID (any other length, or a character that is not hex).
  static Result<MasterKey> from_hex(std::string_view hex);
  // From exactly 32 raw bytes. Errors: INVALID_ARGUMENT / SECRETS_MASTER_KEY_INVALID.
  static Result<MasterKey> from_bytes(ByteView master);
  // Either form, told apart by length: 64 characters are read as hex, 32 bytes as raw bytes;
  // anything else is refused. For keys read from files or environment variables. Errors:
  // INVALID_ARGUMENT / SECRETS_MASTER_KEY_INVALID.
  static Result<MasterKey> parse(std::string_view hex_or_bytes);

  // The check value stored next to the data: proves which master key a database is under
  // without revealing it.
  const Bytes& check() const noexcept;
  // The key-encryption key, for envelope.hpp's functions.
  ByteView kek() const noexcept;

 private:
  struct Material;
  explicit MasterKey(std::shared_ptr<const Material> material) : material_(std::move(material)) {}
  std::shared_ptr<const Material> material_;
};

// A master key is never written to a stream: `std::cout << key` is a compile error, not a leak.
std::ostream& operator<<(std::ostream& out, const MasterKey& key) = delete;

}  // namespace cairn::secrets
