#include "cairn/secrets/envelope.hpp"

#include "cairn/core/encoding.hpp"
#include "cairn/crypto/aead.hpp"
#include "cairn/crypto/mac.hpp"
#include "cairn/crypto/random.hpp"

namespace cairn::secrets {
namespace {

Unexpected<Error> decrypt_failed() {
  return fail(ErrorCode::kDataLoss, "SECRETS_DECRYPT_FAILED",
              "a secret could not be decrypted: wrong master key, or the stored row was altered");
}

void append_field(Bytes& out, std::string_view field) {
  // Length-prefixed, so no two different field lists give the same bytes.
  uint32_t n = static_cast<uint32_t>(field.size());
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(n >> shift));
  out.insert(out.end(), field.begin(), field.end());
}

}  // namespace

Bytes value_aad(std::string_view org_id, std::string_view project_id, std::string_view env_id,
                std::string_view key, int64_t version) {
  Bytes out;
  append_field(out, "cairn-secret-v1");
  append_field(out, org_id);
  append_field(out, project_id);
  append_field(out, env_id);
  append_field(out, key);
  append_field(out, std::to_string(version));
  return out;
}

Bytes key_aad(std::string_view secret_id, int64_t version) {
  Bytes out;
  append_field(out, "cairn-secret-dek-v1");
  append_field(out, secret_id);
  append_field(out, std::to_string(version));
  return out;
}

Bytes keyring_key_aad(std::string_view name) {
  Bytes out;
  append_field(out, "cairn-keyring-key-v1");
  append_field(out, name);
  return out;
}

Result<Sealed> seal_value(const MasterKey& master, ByteView value, ByteView value_aad_bytes,
                          ByteView key_aad_bytes) {
  crypto::SecretBytes dek(crypto::random_bytes(32));
  Sealed out;
  CAIRN_ASSIGN_OR_RETURN(out.ciphertext,
                         crypto::aes_gcm_encrypt(dek.view(), value, value_aad_bytes));
  CAIRN_ASSIGN_OR_RETURN(out.wrapped_key,
                         crypto::aes_gcm_encrypt(master.kek(), dek.view(), key_aad_bytes));
  return out;
}

Result<crypto::SecretBytes> open_value(const MasterKey& master, const Sealed& sealed,
                                       ByteView value_aad_bytes, ByteView key_aad_bytes) {
  auto dek = crypto::aes_gcm_decrypt(master.kek(), sealed.wrapped_key, key_aad_bytes);
  if (!dek) return decrypt_failed();
  crypto::SecretBytes dek_secret(std::move(*dek));
  auto value = crypto::aes_gcm_decrypt(dek_secret.view(), sealed.ciphertext, value_aad_bytes);
  if (!value) return decrypt_failed();
  return crypto::SecretBytes(std::move(*value));
}

Result<Bytes> wrap_key(const MasterKey& master, ByteView key, ByteView key_aad_bytes) {
  return crypto::aes_gcm_encrypt(master.kek(), key, key_aad_bytes);
}

Result<crypto::SecretBytes> unwrap_key(const MasterKey& master, ByteView wrapped_key,
                                       ByteView key_aad_bytes) {
  auto key = crypto::aes_gcm_decrypt(master.kek(), wrapped_key, key_aad_bytes);
  if (!key) return decrypt_failed();
  return crypto::SecretBytes(std::move(*key));
}

Result<Bytes> rewrap_key(const MasterKey& from, const MasterKey& to, ByteView wrapped_key,
                         ByteView key_aad_bytes) {
  auto dek = crypto::aes_gcm_decrypt(from.kek(), wrapped_key, key_aad_bytes);
  if (!dek) return decrypt_failed();
  crypto::SecretBytes dek_secret(std::move(*dek));
  return crypto::aes_gcm_encrypt(to.kek(), dek_secret.view(), key_aad_bytes);
}

}  // namespace cairn::secrets
