#include "cairn/secrets/keyring.hpp"

#include <array>

#include "secrets/internal/service_internal.hpp"

namespace cairn::secrets {

Result<crypto::SecretBytes> open_keyring_key(SecretsStore& store, const MasterKey& master,
                                             std::string_view name, Env& env) {
  CAIRN_TRY(internal::check_name(name, "keyring key"));
  CAIRN_ASSIGN_OR_RETURN(Bytes check, store.init_key_check(master.check()));
  if (!crypto::constant_time_equal(check, master.check())) {
    return fail(ErrorCode::kFailedPrecondition, "SECRETS_MASTER_KEY_MISMATCH",
                "this database's secrets are under another master key");
  }
  Bytes aad = keyring_key_aad(name);
  // A candidate: kept only if no key of this name is stored yet (the store decides, atomically).
  std::array<uint8_t, kKeyringKeyBytes> fresh{};
  env.random_bytes(fresh);
  auto wrapped = wrap_key(master, fresh, aad);
  crypto::secure_wipe(fresh);
  if (!wrapped) return fail(std::move(wrapped).error());
  CAIRN_ASSIGN_OR_RETURN(Bytes stored, store.init_keyring_key(name, master.check(), *wrapped));
  CAIRN_ASSIGN_OR_RETURN(crypto::SecretBytes key, unwrap_key(master, stored, aad));
  if (key.size() != kKeyringKeyBytes) {
    return fail(ErrorCode::kDataLoss, "STORAGE_CORRUPT", "a keyring key has the wrong length");
  }
  return key;
}

}  // namespace cairn::secrets
