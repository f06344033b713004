// cairn::storage::MetaStore: small named settings kept by the engine itself in every database
// (the instance id, the creation time), and the model every domain store follows.
//
// Keys are 1 to 128 characters of [a-z0-9_.-]; values are well-formed UTF-8 of at most 64 KiB.
// The public methods validate their input and then call the backend's do_* method, so every backend
// rejects bad input identically and never sees it.
//
// Thread-safety: every implementation is safe for concurrent use. Each call is atomic.
// Ownership: owned by its storage::Database; references stay valid while the Database lives.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cairn/core/result.hpp"

namespace cairn::storage {

// The key under which cairn::Engine keeps the database's instance id (32 lower-case hex
// characters, fixed when the database is created); inspect_snapshot() reads it from a snapshot.
inline constexpr std::string_view kInstanceIdKey = "engine.instance_id";

class MetaStore {
 public:
  MetaStore() = default;
  MetaStore(const MetaStore&) = delete;
  MetaStore& operator=(const MetaStore&) = delete;
  virtual ~MetaStore() = default;

  static constexpr size_t kMaxKeyBytes = 128;
  static constexpr size_t kMaxValueBytes = size_t{64} * 1024;

  // The value stored under `key`. Errors: NOT_FOUND / STORAGE_META_NOT_FOUND;
  // INVALID_ARGUMENT / STORAGE_META_KEY_INVALID.
  Result<std::string> get(std::string_view key);

  // Stores `value` under `key` unless the key already has a value, atomically, and returns the
  // value now stored (the old one if there was one). Errors: INVALID_ARGUMENT /
  // STORAGE_META_KEY_INVALID or STORAGE_META_VALUE_INVALID; storage errors.
  Result<std::string> put_if_absent(std::string_view key, std::string_view value);

  // Stores `value` under `key`, replacing any value. Errors as put_if_absent.
  Status put(std::string_view key, std::string_view value);

  // Removes the value stored under `key`, atomically; true when there was one. Errors:
  // INVALID_ARGUMENT / STORAGE_META_KEY_INVALID; storage errors.
  Result<bool> erase(std::string_view key);

  // Every (key, value) whose key starts with `prefix`, ordered by key.
  Result<std::vector<std::pair<std::string, std::string>>> list(std::string_view prefix);

  // Checks a key without storing anything: INVALID_ARGUMENT / STORAGE_META_KEY_INVALID.
  static Status validate_key(std::string_view key);
  // Checks a value without storing anything: INVALID_ARGUMENT / STORAGE_META_VALUE_INVALID.
  static Status validate_value(std::string_view value);

 protected:
  // Backends implement these; arguments are already validated.
  virtual Result<std::string> do_get(std::string_view key) = 0;
  virtual Result<std::string> do_put_if_absent(std::string_view key, std::string_view value) = 0;
  virtual Status do_put(std::string_view key, std::string_view value) = 0;
  virtual Result<bool> do_erase(std::string_view key) = 0;
  virtual Result<std::vector<std::pair<std::string, std::string>>> do_list(
      std::string_view prefix) = 0;
};

}  // namespace cairn::storage
