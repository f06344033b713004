// AuthService::Cache: recently validated sessions by token digest, and the lazily computed
// password hash that unknown-user logins are checked against.
#pragma once

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

  void put(const SessionRecord& record, Timestamp now) {
    std::lock_guard lock(mu);
    if (sessions.size() >= kMaxEntries) sessions.clear();
    sessions[key(record.token_hash)] = Entry{record, now};
  }
  void erase_hash(ByteView hash) {
    std::lock_guard lock(mu);
    sessions.erase(key(hash));
  }
  template <class Pred>
  void erase_if(Pred pred) {
    std::lock_guard lock(mu);
    std::erase_if(sessions, [&](const auto& item) { return pred(item.second.record); });
  }
  static std::string key(ByteView hash) {
    return {reinterpret_cast<const char*>(hash.data()), hash.size()};
  }
};

}  // namespace cairn::auth
