#include "cairn/secrets/master_key.hpp"

#include "cairn/core/encoding.hpp"
#include "cairn/crypto/mac.hpp"

namespace cairn::secrets {

// What a master key leaves behind once parsed; the KEK wipes itself (SecretBytes).
struct MasterKey::Material {
  crypto::SecretBytes kek;
  Bytes check;
};

namespace {

Unexpected<Error> invalid(const char* message) {
  return fail(ErrorCode::kInvalidArgument, "SECRETS_MASTER_KEY_INVALID", message);
}

}  // namespace

Result<MasterKey> MasterKey::from_bytes(ByteView master) {
  if (master.size() != kMasterKeyBytes) {
    return invalid("the master key must be 32 bytes (or 64 hex characters)");
  }
  CAIRN_ASSIGN_OR_RETURN(
      Bytes kek,
      crypto::hkdf_sha256(master, {}, as_bytes("cairn-secrets-kek-v1"), kMasterKeyBytes));
  crypto::Sha256Digest check = crypto::hmac_sha256(kek, as_bytes("cairn-secrets-key-check-v1"));
  auto material = std::make_shared<const Material>(
      Material{crypto::SecretBytes(std::move(kek)), Bytes(check.begin(), check.end())});
  return MasterKey(std::move(material));
}

Result<MasterKey> MasterKey::from_hex(std::string_view hex) {
  if (hex.size() != kMasterKeyHexChars) {
    return invalid("a master key in text is 64 hex characters");
  }
  auto bytes = encoding::hex_decode(hex);
  if (!bytes) return invalid("a 64-character master key must be hex");
  auto key = from_bytes(*bytes);
  crypto::secure_wipe(*bytes);
  return key;
}

Result<MasterKey> MasterKey::parse(std::string_view hex_or_bytes) {
  if (hex_or_bytes.size() == kMasterKeyHexChars) return from_hex(hex_or_bytes);
  return from_bytes(as_bytes(hex_or_bytes));
}

const Bytes& MasterKey::check() const noexcept { return material_->check; }
ByteView MasterKey::kek() const noexcept { return material_->kek.view(); }

}  // namespace cairn::secrets
