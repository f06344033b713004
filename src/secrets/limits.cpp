#include "cairn/secrets/limits.hpp"

#include <algorithm>
#include <string>

#include "cairn/core/encoding.hpp"

namespace cairn::secrets {

Status check_name(std::string_view name, std::string_view what) {
  bool ok =
      !name.empty() && name.size() <= kMaxNameBytes &&
      ((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= '0' && name[0] <= '9')) &&
      std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
      });
  if (!ok) {
    std::string kind = what.empty() ? std::string() : std::string(what) + " ";
    return fail(ErrorCode::kInvalidArgument, "SECRETS_NAME_INVALID",
                kind + "names are 1-" + std::to_string(kMaxNameBytes) +
                    " characters of a-z, 0-9, '_', '.' and '-', starting with a letter or digit");
  }
  return ok_status();
}

Status check_key(std::string_view key) {
  auto head = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  bool ok = !key.empty() && key.size() <= kMaxKeyBytes && head(key[0]) &&
            std::all_of(key.begin(), key.end(),
                        [&](char c) { return head(c) || (c >= '0' && c <= '9'); });
  if (!ok) {
    return fail(ErrorCode::kInvalidArgument, "SECRETS_KEY_INVALID",
                "secret keys match [A-Za-z_][A-Za-z0-9_]* (at most " +
                    std::to_string(kMaxKeyBytes) + " characters)");
  }
  return ok_status();
}

Status check_value(std::string_view value) {
  if (value.size() > kMaxValueBytes || !encoding::is_valid_utf8(value)) {
    return fail(ErrorCode::kInvalidArgument, "SECRETS_VALUE_INVALID",
                "a secret value is at most 64 KiB of UTF-8");
  }
  return ok_status();
}

}  // namespace cairn::secrets
