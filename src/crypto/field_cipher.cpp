#include "cairn/crypto/field_cipher.hpp"

#include <array>
#include <limits>

#include "cairn/core/encoding.hpp"
#include "cairn/crypto/aead.hpp"
#include "cairn/crypto/mac.hpp"
#include "cairn/crypto/random.hpp"

namespace cairn::crypto {
namespace {

static_assert(kFieldCiphertextOverhead == 1 + kAesGcmNonceBytes + kAesGcmTagBytes);
static_assert(kFieldMasterKeyBytes == kAesGcmKeyBytes);

// A part's length must fit its 4-byte prefix; AES-GCM limits the whole aad to 2 GiB anyway.
constexpr size_t kMaxAadPartBytes = std::numeric_limits<int32_t>::max();

Unexpected<Error> aad_required() {
  return fail(ErrorCode::kInvalidArgument, "CRYPTO_FIELD_AAD_REQUIRED",
              "a field value needs associated data naming its table, row id and column");
}

Unexpected<Error> master_key_invalid() {
  // Never echoes the text: it may be most of a key.
  return fail(ErrorCode::kInvalidArgument, "CRYPTO_KEY_INVALID",
              "a field cipher's master key is 32 bytes or 64 hex characters");
}

void append_part(Bytes& out, std::string_view part) {
  const auto n = static_cast<uint32_t>(part.size());
  const std::array<uint8_t, 4> length = {static_cast<uint8_t>(n >> 24),
                                         static_cast<uint8_t>(n >> 16),
                                         static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
  out.insert(out.end(), length.begin(), length.end());
  ByteView bytes = as_bytes(part);
  out.insert(out.end(), bytes.begin(), bytes.end());
}

}  // namespace

Result<Bytes> field_aad(std::string_view table, std::string_view row_id, std::string_view column) {
  for (std::string_view part : {table, row_id, column}) {
    if (part.empty()) return aad_required();
    if (part.size() > kMaxAadPartBytes) {
      return fail(ErrorCode::kInvalidArgument, "CRYPTO_MESSAGE_TOO_LARGE",
                  "each part of a field's associated data is limited to 2 GiB");
    }
  }
  Bytes out;
  out.reserve(12 + table.size() + row_id.size() + column.size());
  append_part(out, table);
  append_part(out, row_id);
  append_part(out, column);
  return out;
}

Result<FieldCipher> FieldCipher::create(ByteView master_key, std::string_view family) {
  if (master_key.size() != kFieldMasterKeyBytes) return master_key_invalid();
  if (family.empty() || family.size() > kFieldFamilyMaxBytes) {
    return fail(ErrorCode::kInvalidArgument, "CRYPTO_FIELD_FAMILY_INVALID",
                "a column family name is 1 to " + std::to_string(kFieldFamilyMaxBytes) +
                    " bytes, not " + std::to_string(family.size()));
  }
  // Tundra's KeyRing::family_cipher: HKDF-SHA256, salt None (RFC 5869: HashLen zero bytes),
  // ikm = the master key, info = the family string.
  CAIRN_ASSIGN_OR_RETURN(Bytes key, hkdf_sha256(master_key, {}, as_bytes(family), kAesGcmKeyBytes));
  return FieldCipher(std::string(family), SecretBytes(std::move(key)));
}

Result<FieldCipher> FieldCipher::from_hex(std::string_view master_key_hex,
                                          std::string_view family) {
  if (master_key_hex.size() != 2 * kFieldMasterKeyBytes) return master_key_invalid();
  auto decoded = encoding::hex_decode(master_key_hex);
  if (!decoded) return master_key_invalid();
  SecretBytes master(std::move(*decoded));  // wiped however create() ends
  return create(master.view(), family);
}

Result<Bytes> FieldCipher::seal(ByteView nonce, ByteView plaintext, ByteView aad) const {
  if (aad.empty()) return aad_required();
  CAIRN_ASSIGN_OR_RETURN(Bytes sealed, aes_gcm_seal(key_.view(), nonce, plaintext, aad));
  Bytes out;
  out.reserve(1 + nonce.size() + sealed.size());
  out.push_back(kFieldCipherVersion);
  out.insert(out.end(), nonce.begin(), nonce.end());
  out.insert(out.end(), sealed.begin(), sealed.end());
  return out;
}

Result<Bytes> FieldCipher::encrypt(ByteView plaintext, ByteView aad) const {
  std::array<uint8_t, kAesGcmNonceBytes> nonce{};
  random_bytes(nonce);
  return seal(nonce, plaintext, aad);
}

Result<Bytes> FieldCipher::decrypt(ByteView ciphertext, ByteView aad) const {
  if (aad.empty()) return aad_required();
  // The checks Tundra's decode makes, in its order: the length, then the version byte.
  if (ciphertext.size() < kFieldCiphertextOverhead) {
    return fail(ErrorCode::kDataLoss, "CRYPTO_FIELD_CIPHERTEXT_TOO_SHORT",
                "a field ciphertext is at least " + std::to_string(kFieldCiphertextOverhead) +
                    " bytes, not " + std::to_string(ciphertext.size()));
  }
  if (ciphertext[0] != kFieldCipherVersion) {
    return fail(ErrorCode::kFailedPrecondition, "CRYPTO_FIELD_VERSION_UNSUPPORTED",
                "field ciphertext version " + std::to_string(ciphertext[0]) +
                    " is not supported (this build reads version 1)");
  }
  auto plaintext = aes_gcm_open(key_.view(), ciphertext.subspan(1, kAesGcmNonceBytes),
                                ciphertext.subspan(1 + kAesGcmNonceBytes), aad);
  if (!plaintext && plaintext.error().reason == "CRYPTO_DECRYPT_FAILED") {
    return fail(ErrorCode::kDataLoss, "CRYPTO_FIELD_DECRYPT_FAILED",
                "the field value does not open under this family's key with this associated "
                "data: another row's, column's or table's value, another key, or a changed byte");
  }
  return plaintext;
}

}  // namespace cairn::crypto
