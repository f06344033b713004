// cairn::crypto::FieldCipher: encryption of single database values ("fields"), one key per
// column family, in the layout of Tundra's EncryptedField, with associated data made mandatory.
//
// Key: HKDF-SHA256 of the 32-byte master key, with no salt and info = the family name
// ("tundra:v1:site:env_var"), 32 bytes, derived once when the cipher is made, exactly as Tundra's
// KeyRing::family_cipher derives it. Each family has its own key: a value of one family never
// opens under another. (Tundra binds no associated data, so its stored values do not open here
// as they are; docs/crypto.md says how to move them.)
//
// Ciphertext: 0x01 | 12-byte random nonce | AES-256-GCM ciphertext | 16-byte tag, so
// kFieldCiphertextOverhead (29) bytes longer than the plaintext.
//
// Associated data is mandatory and must name where the value lives: its table, its row's id and
// its column. field_aad() builds it from the three parts unambiguously, so a value copied onto
// another row (or column, or table) fails to decrypt with DATA_LOSS instead of reading as that
// row's secret. Callers that pass their own aad bytes must include all three themselves.
//
// Example:
//   std::vector<uint8_t> master(32, 7);  // the operator's 32-byte master key, read once
//   auto cipher = cairn::crypto::FieldCipher::create(master, "tundra:v1:site:env_var");
//   if (!cipher) return cairn::fail(cipher.error());
//   auto aad = cairn::crypto::field_aad("sites", "42", "env_var");
//   if (!aad) return cairn::fail(aad.error());
//   auto sealed = cipher->encrypt(cairn::as_bytes("DATABASE_URL=postgres://..."), *aad);
//   if (!sealed) return cairn::fail(sealed.error());
//   auto opened = cipher->decrypt(*sealed, *aad);  // the plaintext again
//   if (!opened) return cairn::fail(opened.error());  // DATA_LOSS: another row's aad, tampering
//
// Thread-safety: a FieldCipher is immutable after create(); encrypt() and decrypt() may be called
// from any number of threads at once. field_aad() is a pure function.
// Ownership: a FieldCipher owns its derived key (wiped when the cipher is destroyed, also when
// moved from); it never keeps the master key. It is movable, not copyable, and cannot be printed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>

#include "cairn/core/bytes.hpp"
#include "cairn/core/result.hpp"
#include "cairn/crypto/secure.hpp"

namespace cairn::crypto {

// The first byte of every field ciphertext this build writes and the only one it reads.
inline constexpr uint8_t kFieldCipherVersion = 0x01;
// Version byte + nonce + tag: the ciphertext is this many bytes longer than the plaintext, and no
// ciphertext is shorter.
inline constexpr size_t kFieldCiphertextOverhead = 1 + 12 + 16;
// The master key a cipher is made from: 32 raw bytes (64 hex characters for from_hex()).
inline constexpr size_t kFieldMasterKeyBytes = 32;
// Family names are 1 to 128 bytes.
inline constexpr size_t kFieldFamilyMaxBytes = 128;

// The associated data naming a value's place: for each of table, row_id and column, its length as
// 4 bytes big-endian, then its bytes. Length prefixes keep ("ab", "c", ...) and ("a", "bc", ...)
// apart. Errors: INVALID_ARGUMENT / CRYPTO_FIELD_AAD_REQUIRED (a part is empty);
// INVALID_ARGUMENT / CRYPTO_MESSAGE_TOO_LARGE (a part over 2 GiB).
Result<Bytes> field_aad(std::string_view table, std::string_view row_id, std::string_view column);

namespace internal {
struct FieldCipherAccess;  // tests' fixed-nonce hook (src/crypto/internal/field_cipher.hpp)
}  // namespace internal

class FieldCipher {
 public:
  // The cipher of `family` under the 32-byte `master_key`. Errors: INVALID_ARGUMENT /
  // CRYPTO_KEY_INVALID (a master key that is not 32 bytes); INVALID_ARGUMENT /
  // CRYPTO_FIELD_FAMILY_INVALID (an empty family name, or one over 128 bytes).
  static Result<FieldCipher> create(ByteView master_key, std::string_view family);
  // As create(), with the master key as 64 hex characters (either case; `openssl rand -hex 32`).
  // Errors: as create(); CRYPTO_KEY_INVALID also for text that is not 64 hex characters.
  static Result<FieldCipher> from_hex(std::string_view master_key_hex, std::string_view family);

  // The family name the key was derived for.
  const std::string& family() const noexcept { return family_; }

  // 0x01 | random nonce | ciphertext | tag of `plaintext` (any length, empty too), bound to
  // `aad`. Errors: INVALID_ARGUMENT / CRYPTO_FIELD_AAD_REQUIRED (empty aad); INVALID_ARGUMENT /
  // CRYPTO_MESSAGE_TOO_LARGE (plaintext or aad over 2 GiB).
  Result<Bytes> encrypt(ByteView plaintext, ByteView aad) const;

  // The plaintext of an encrypt() result made under the same master key, family and aad; nothing
  // of it when anything differs. Errors: INVALID_ARGUMENT / CRYPTO_FIELD_AAD_REQUIRED (empty
  // aad); DATA_LOSS / CRYPTO_FIELD_CIPHERTEXT_TOO_SHORT (under 29 bytes: not a field ciphertext,
  // or a truncated one); FAILED_PRECONDITION / CRYPTO_FIELD_VERSION_UNSUPPORTED (a first byte
  // other than 0x01); DATA_LOSS / CRYPTO_FIELD_DECRYPT_FAILED (another master key, family or aad
  // -- a value copied from another row -- or a changed byte).
  Result<Bytes> decrypt(ByteView ciphertext, ByteView aad) const;

  FieldCipher(FieldCipher&&) noexcept = default;
  FieldCipher& operator=(FieldCipher&&) noexcept = default;
  FieldCipher(const FieldCipher&) = delete;
  FieldCipher& operator=(const FieldCipher&) = delete;
  ~FieldCipher() = default;

 private:
  friend struct internal::FieldCipherAccess;
  FieldCipher(std::string family, SecretBytes key) noexcept
      : family_(std::move(family)), key_(std::move(key)) {}
  // 0x01 | nonce | ciphertext | tag under the caller's nonce; encrypt() passes a random one.
  Result<Bytes> seal(ByteView nonce, ByteView plaintext, ByteView aad) const;

  std::string family_;
  SecretBytes key_;
};

// A cipher is never written to a stream.
std::ostream& operator<<(std::ostream& out, const FieldCipher& cipher) = delete;

}  // namespace cairn::crypto
