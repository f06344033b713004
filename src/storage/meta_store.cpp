#include "cairn/storage/meta_store.hpp"

#include "cairn/core/encoding.hpp"

namespace cairn::storage {

Status MetaStore::validate_key(std::string_view key) {
  bool ok = !key.empty() && key.size() <= kMaxKeyBytes;
  for (char c : key) {
    ok = ok &&
         ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-');
  }
  if (!ok) {
    return fail(ErrorCode::kInvalidArgument, "STORAGE_META_KEY_INVALID",
                "a setting name is 1 to 128 characters of a-z, 0-9, '_', '.', '-'");
  }
  return ok_status();
}

Status MetaStore::validate_value(std::string_view value) {
  if (value.size() > kMaxValueBytes || !encoding::is_valid_utf8(value)) {
    return fail(ErrorCode::kInvalidArgument, "STORAGE_META_VALUE_INVALID",
                "a setting value is well-formed UTF-8 of at most 64 KiB");
  }
  return ok_status();
}

Result<std::string> MetaStore::get(std::string_view key) {
  CAIRN_TRY(validate_key(key));
  return do_get(key);
}

Result<std::string> MetaStore::put_if_absent(std::string_view key, std::string_view value) {
  CAIRN_TRY(validate_key(key));
  CAIRN_TRY(validate_value(value));
  return do_put_if_absent(key, value);
}

Status MetaStore::put(std::string_view key, std::string_view value) {
  CAIRN_TRY(validate_key(key));
  CAIRN_TRY(validate_value(value));
  return do_put(key, value);
}

Result<bool> MetaStore::erase(std::string_view key) {
  CAIRN_TRY(validate_key(key));
  return do_erase(key);
}

Result<std::vector<std::pair<std::string, std::string>>> MetaStore::list(std::string_view prefix) {
  if (prefix.size() > kMaxKeyBytes) {
    return fail(ErrorCode::kInvalidArgument, "STORAGE_META_KEY_INVALID",
                "a setting name prefix is at most 128 characters");
  }
  return do_list(prefix);
}

}  // namespace cairn::storage
