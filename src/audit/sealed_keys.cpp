#include "audit/internal/sealed_keys.hpp"

#include "cairn/core/encoding.hpp"
#include "cairn/crypto/aead.hpp"
#include "cairn/crypto/secure.hpp"

namespace cairn::audit::internal {
namespace {

constexpr std::string_view kSealedPemPrefix = "cairn-sealed:v1:";
constexpr std::string_view kSealedPrefixAnyVersion = "cairn-sealed:";
constexpr uint8_t kSealedBlobVersion = 0x01;
constexpr size_t kRedactionKeyBytes = 32;
constexpr size_t kSealedRedactionKeyBytes =
    1 + crypto::kAesGcmNonceBytes + kRedactionKeyBytes + crypto::kAesGcmTagBytes;

Unexpected<Error> corrupt(std::string_view what) {
  return fail(ErrorCode::kDataLoss, "STORAGE_CORRUPT",
              "the audit log's stored " + std::string(what) + " is in no known form");
}

Unexpected<Error> seal_mismatch() {
  return fail(ErrorCode::kFailedPrecondition, "AUDIT_KEYS_SEAL_MISMATCH",
              "the audit log's keys are sealed under another key (another master key), or they "
              "were altered");
}

Bytes aad(std::string_view label, std::string_view log) {
  // The label has a fixed length, so label || log is unambiguous.
  Bytes out(label.begin(), label.end());
  out.push_back(0);
  out.insert(out.end(), log.begin(), log.end());
  return out;
}

Bytes signing_aad(std::string_view log) { return aad("cairn-audit-signing-key-v1", log); }
Bytes redaction_aad(std::string_view log) { return aad("cairn-audit-redaction-key-v1", log); }

Result<bool> signing_sealed(const std::string& pem) {
  if (pem.starts_with(kSealedPemPrefix)) return true;
  if (pem.starts_with(kSealedPrefixAnyVersion)) return corrupt("signing key");
  return false;
}

Result<bool> redaction_sealed(const Bytes& key) {
  if (key.size() == kRedactionKeyBytes) return false;
  if (key.size() == kSealedRedactionKeyBytes && key[0] == kSealedBlobVersion) return true;
  return corrupt("redaction key");
}

void wipe(std::string& text) noexcept {
  crypto::secure_wipe({reinterpret_cast<uint8_t*>(text.data()), text.size()});
}

}  // namespace

Result<bool> keys_sealed(const LogKeys& stored) {
  CAIRN_ASSIGN_OR_RETURN(bool signing, signing_sealed(stored.signing_key_pem));
  CAIRN_ASSIGN_OR_RETURN(bool redaction, redaction_sealed(stored.redaction_key));
  return signing && redaction;
}

Result<LogKeys> seal_keys(const LogKeys& keys, ByteView seal_key, std::string_view log) {
  LogKeys out;
  out.created_at = keys.created_at;
  CAIRN_ASSIGN_OR_RETURN(bool signing, signing_sealed(keys.signing_key_pem));
  if (signing) {
    out.signing_key_pem = keys.signing_key_pem;
  } else {
    CAIRN_ASSIGN_OR_RETURN(
        Bytes sealed,
        crypto::aes_gcm_encrypt(seal_key, as_bytes(keys.signing_key_pem), signing_aad(log)));
    out.signing_key_pem = std::string(kSealedPemPrefix) + encoding::hex_encode(sealed);
  }
  CAIRN_ASSIGN_OR_RETURN(bool redaction, redaction_sealed(keys.redaction_key));
  if (redaction) {
    out.redaction_key = keys.redaction_key;
  } else {
    CAIRN_ASSIGN_OR_RETURN(
        Bytes sealed, crypto::aes_gcm_encrypt(seal_key, keys.redaction_key, redaction_aad(log)));
    out.redaction_key.reserve(1 + sealed.size());
    out.redaction_key.push_back(kSealedBlobVersion);
    out.redaction_key.insert(out.redaction_key.end(), sealed.begin(), sealed.end());
  }
  return out;
}

Result<LogKeys> open_keys(const LogKeys& stored, ByteView seal_key, std::string_view log) {
  CAIRN_ASSIGN_OR_RETURN(bool signing, signing_sealed(stored.signing_key_pem));
  CAIRN_ASSIGN_OR_RETURN(bool redaction, redaction_sealed(stored.redaction_key));
  if ((signing || redaction) && seal_key.empty()) {
    return fail(ErrorCode::kFailedPrecondition, "AUDIT_KEYS_SEALED",
                "the audit log's keys are sealed: open it with its seal key (the engine's master "
                "key)");
  }
  LogKeys out;
  out.created_at = stored.created_at;
  if (signing) {
    auto blob = encoding::hex_decode(
        std::string_view(stored.signing_key_pem).substr(kSealedPemPrefix.size()));
    if (!blob) return corrupt("signing key");
    auto pem = crypto::aes_gcm_decrypt(seal_key, *blob, signing_aad(log));
    if (!pem) return seal_mismatch();
    out.signing_key_pem.assign(pem->begin(), pem->end());
    crypto::secure_wipe(*pem);
  } else {
    out.signing_key_pem = stored.signing_key_pem;
  }
  if (redaction) {
    auto key = crypto::aes_gcm_decrypt(seal_key, ByteView(stored.redaction_key).subspan(1),
                                       redaction_aad(log));
    if (!key) {
      wipe(out);
      return seal_mismatch();
    }
    out.redaction_key = std::move(*key);
  } else {
    out.redaction_key = stored.redaction_key;
  }
  return out;
}

void wipe(LogKeys& keys) noexcept {
  wipe(keys.signing_key_pem);
  crypto::secure_wipe(keys.redaction_key);
}

}  // namespace cairn::audit::internal
