// AuthService::Cache: recently validated sessions by token digest, and the lazily computed
// password hash that unknown-user logins are checked against.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <unordered_map>

#include "cairn/auth/service.hpp"

namespace cairn::auth {

struct AuthService::Cache {
  struct Entry {
    SessionRecord record;
    Timestamp fetched_at{};
  };
  static constexpr size_t kMaxEntries = 100000;

  std::mutex mu;
  std::unordered_map<std::string, Entry> sessions;  // key: the token's SHA-256, as bytes

  std::once_flag dummy_once;
  std::atomic<uint64_t> password_checks{0};
  // Bumped by every revocation and rotation: a store read that began before the bump must not
  // put its (possibly revoked) record into the cache.
  uint64_t generation = 0;

  uint64_t current_generation() {
    std::lock_guard lock(mu);
    return generation;
  }
  // Caches `record` unless a revocation happened since `read_generation`.
  void put(const SessionRecord& record, Timestamp now, uint64_t read_generation) {
    std::lock_guard lock(mu);
    if (generation != read_generation) return;
    if (sessions.size() >= kMaxEntries) sessions.clear();
    sessions[key(record.token_hash)] = Entry{record, now};
  }
  void erase_hash(ByteView hash) {
    std::lock_guard lock(mu);
    ++generation;
    sessions.erase(key(hash));
  }
  template <class Pred>
  void erase_if(Pred pred) {
    std::lock_guard lock(mu);
    ++generation;
    std::erase_if(sessions, [&](const auto& item) { return pred(item.second.record); });
  }
  static std::string key(ByteView hash) {
    return {reinterpret_cast<const char*>(hash.data()), hash.size()};
  }
};

}  // namespace cairn::auth
