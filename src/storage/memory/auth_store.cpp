#include "storage/memory/auth_store.hpp"

#include <algorithm>

namespace cairn::storage::memory {
namespace {

using auth::LoginEvent;

std::string key_of(ByteView hash) {
  return {reinterpret_cast<const char*>(hash.data()), hash.size()};
}

Unexpected<Error> user_exists() {
  return fail(ErrorCode::kAlreadyExists, "AUTH_USER_EXISTS",
              "a user with this email already exists");
}

}  // namespace

Status MemoryAuthStore::insert_user(const auth::UserRecord& record) {
  std::lock_guard lock(mu_);
  if (users_.contains(record.user.id) || user_by_email_.contains(record.user.email)) {
    return user_exists();
  }
  users_.emplace(record.user.id, record);
  user_by_email_.emplace(record.user.email, record.user.id);
  return ok_status();
}

Result<std::optional<auth::UserRecord>> MemoryAuthStore::user_by_id(std::string_view id) {
  std::lock_guard lock(mu_);
  auto it = users_.find(id);
  if (it == users_.end()) return std::optional<auth::UserRecord>();
  return std::optional<auth::UserRecord>(it->second);
}

Result<std::optional<auth::UserRecord>> MemoryAuthStore::user_by_email(std::string_view email) {
  std::lock_guard lock(mu_);
  auto it = user_by_email_.find(email);
  if (it == user_by_email_.end()) return std::optional<auth::UserRecord>();
  return std::optional<auth::UserRecord>(users_.at(it->second));
}

Result<bool> MemoryAuthStore::update_user(const auth::UserRecord& record) {
  std::lock_guard lock(mu_);
  auto it = users_.find(record.user.id);
  if (it == users_.end()) return false;
  if (it->second.user.email != record.user.email) {
    if (user_by_email_.contains(record.user.email)) return user_exists();
    user_by_email_.erase(it->second.user.email);
    user_by_email_.emplace(record.user.email, record.user.id);
  }
  auth::UserRecord updated = record;
  updated.user.created_at = it->second.user.created_at;
  it->second = std::move(updated);
  return true;
}

Result<bool> MemoryAuthStore::replace_password_hash(std::string_view id, std::string_view old_hash,
                                                    std::string_view new_hash) {
  std::lock_guard lock(mu_);
  auto it = users_.find(id);
  if (it == users_.end() || it->second.password_hash != old_hash) return false;
  it->second.password_hash = std::string(new_hash);
  return true;
}

Result<bool> MemoryAuthStore::set_password_hash(std::string_view id, std::string_view hash) {
  std::lock_guard lock(mu_);
  auto it = users_.find(id);
  if (it == users_.end()) return false;
  it->second.password_hash = std::string(hash);
  return true;
}

Result<bool> MemoryAuthStore::set_user_status(std::string_view id, auth::UserStatus status) {
  std::lock_guard lock(mu_);
  auto it = users_.find(id);
  if (it == users_.end()) return false;
  it->second.user.status = status;
  return true;
}

Result<bool> MemoryAuthStore::set_user_roles(std::string_view id,
                                             const std::vector<std::string>& roles) {
  std::lock_guard lock(mu_);
  auto it = users_.find(id);
  if (it == users_.end()) return false;
  it->second.user.roles = roles;
  return true;
}

Result<std::vector<auth::User>> MemoryAuthStore::users() {
  std::lock_guard lock(mu_);
  std::vector<auth::User> out;
  for (const auto& [email, id] : user_by_email_) out.push_back(users_.at(id).user);
  return out;
}

Status MemoryAuthStore::insert_identity(const auth::Identity& identity) {
  std::lock_guard lock(mu_);
  if (!users_.contains(identity.user_id)) {
    return fail(ErrorCode::kNotFound, "AUTH_USER_NOT_FOUND", "no such user");
  }
  Key key{identity.provider, identity.subject};
  if (identities_.contains(key)) {
    return fail(ErrorCode::kAlreadyExists, "AUTH_IDENTITY_EXISTS",
                "this external identity is already linked to a user");
  }
  identities_.emplace(std::move(key), identity);
  return ok_status();
}

Result<std::optional<auth::Identity>> MemoryAuthStore::identity(std::string_view provider,
                                                                std::string_view subject) {
  std::lock_guard lock(mu_);
  auto it = identities_.find(Key{provider, subject});
  if (it == identities_.end()) return std::optional<auth::Identity>();
  return std::optional<auth::Identity>(it->second);
}

Result<std::vector<auth::Identity>> MemoryAuthStore::identities(std::string_view user_id) {
  std::lock_guard lock(mu_);
  std::vector<auth::Identity> out;
  for (const auto& [key, identity] : identities_) {
    if (identity.user_id == user_id) out.push_back(identity);
  }
  return out;
}

Status MemoryAuthStore::insert_session(const auth::SessionRecord& record) {
  std::lock_guard lock(mu_);
  auto user = users_.find(record.user_id);
  if (user == users_.end())
    return fail(ErrorCode::kNotFound, "AUTH_USER_NOT_FOUND", "no such user");
  if (user->second.user.status != auth::UserStatus::kActive) {
    return fail(ErrorCode::kPermissionDenied, "AUTH_USER_SUSPENDED", "this user is suspended");
  }
  std::string hash = key_of(record.token_hash);
  if (sessions_.contains(record.id) || session_by_hash_.contains(hash)) {
    return fail(ErrorCode::kAlreadyExists, "AUTH_SESSION_EXISTS", "the session already exists");
  }
  sessions_.emplace(record.id, record);
  session_by_hash_.emplace(std::move(hash), record.id);
  return ok_status();
}

Result<std::optional<auth::SessionRecord>> MemoryAuthStore::session_by_hash(ByteView token_hash) {
  std::lock_guard lock(mu_);
  auto it = session_by_hash_.find(key_of(token_hash));
  if (it == session_by_hash_.end()) return std::optional<auth::SessionRecord>();
  return std::optional<auth::SessionRecord>(sessions_.at(it->second));
}

Result<bool> MemoryAuthStore::touch_session(std::string_view id, Timestamp last_seen) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return false;
  it->second.last_seen = std::max(it->second.last_seen, last_seen);
  return true;
}

Result<bool> MemoryAuthStore::rotate_session(std::string_view id, ByteView old_hash,
                                             ByteView new_hash, Timestamp last_seen) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end() || key_of(it->second.token_hash) != key_of(old_hash)) return false;
  session_by_hash_.erase(key_of(old_hash));
  session_by_hash_.emplace(key_of(new_hash), it->second.id);
  it->second.token_hash.assign(new_hash.begin(), new_hash.end());
  it->second.last_seen = std::max(it->second.last_seen, last_seen);
  return true;
}

Result<bool> MemoryAuthStore::delete_session(std::string_view id) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return false;
  session_by_hash_.erase(key_of(it->second.token_hash));
  sessions_.erase(it);
  return true;
}

Result<int64_t> MemoryAuthStore::delete_user_sessions(std::string_view user_id) {
  std::lock_guard lock(mu_);
  int64_t count = 0;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->second.user_id == user_id) {
      session_by_hash_.erase(key_of(it->second.token_hash));
      it = sessions_.erase(it);
      ++count;
    } else {
      ++it;
    }
  }
  return count;
}

Result<std::vector<auth::SessionRecord>> MemoryAuthStore::user_sessions(std::string_view user_id) {
  std::lock_guard lock(mu_);
  std::vector<auth::SessionRecord> out;
  for (const auto& [id, record] : sessions_) {
    if (record.user_id == user_id) out.push_back(record);
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.created_at != b.created_at ? a.created_at > b.created_at : a.id < b.id;
  });
  return out;
}

Result<int64_t> MemoryAuthStore::purge_sessions(Timestamp now, Timestamp idle_before) {
  std::lock_guard lock(mu_);
  int64_t count = 0;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->second.absolute_expires_at <= now || it->second.last_seen <= idle_before) {
      session_by_hash_.erase(key_of(it->second.token_hash));
      it = sessions_.erase(it);
      ++count;
    } else {
      ++it;
    }
  }
  return count;
}

Status MemoryAuthStore::insert_api_key(const auth::ApiKeyRecord& record) {
  std::lock_guard lock(mu_);
  std::string hash = key_of(record.key_hash);
  if (api_keys_.contains(record.key.id) || api_key_by_hash_.contains(hash)) {
    return fail(ErrorCode::kAlreadyExists, "AUTH_KEY_EXISTS", "the API key already exists");
  }
  api_keys_.emplace(record.key.id, record);
  api_key_by_hash_.emplace(std::move(hash), record.key.id);
  return ok_status();
}

Result<std::optional<auth::ApiKeyRecord>> MemoryAuthStore::api_key_by_hash(ByteView key_hash) {
  std::lock_guard lock(mu_);
  auto it = api_key_by_hash_.find(key_of(key_hash));
  if (it == api_key_by_hash_.end()) return std::optional<auth::ApiKeyRecord>();
  return std::optional<auth::ApiKeyRecord>(api_keys_.at(it->second));
}

Result<std::optional<auth::ApiKey>> MemoryAuthStore::api_key(std::string_view id) {
  std::lock_guard lock(mu_);
  auto it = api_keys_.find(id);
  if (it == api_keys_.end()) return std::optional<auth::ApiKey>();
  return std::optional<auth::ApiKey>(it->second.key);
}

Result<bool> MemoryAuthStore::touch_api_key(std::string_view id, Timestamp at) {
  std::lock_guard lock(mu_);
  auto it = api_keys_.find(id);
  if (it == api_keys_.end()) return false;
  auto& last = it->second.key.last_used_at;
  if (!last || *last < at) last = at;
  return true;
}

Result<bool> MemoryAuthStore::revoke_api_key(std::string_view id, Timestamp at) {
  std::lock_guard lock(mu_);
  auto it = api_keys_.find(id);
  if (it == api_keys_.end() || it->second.key.revoked_at) return false;
  it->second.key.revoked_at = at;
  return true;
}

Result<std::vector<auth::ApiKey>> MemoryAuthStore::api_keys(std::string_view owner_id) {
  std::lock_guard lock(mu_);
  std::vector<auth::ApiKey> out;
  for (const auto& [id, record] : api_keys_) {
    if (record.key.owner_id == owner_id) out.push_back(record.key);
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.created_at != b.created_at ? a.created_at > b.created_at : a.id < b.id;
  });
  return out;
}

Result<int64_t> MemoryAuthStore::purge_api_keys(Timestamp now, Timestamp revoked_before) {
  std::lock_guard lock(mu_);
  int64_t count = 0;
  for (auto it = api_keys_.begin(); it != api_keys_.end();) {
    const auth::ApiKey& key = it->second.key;
    if ((key.expires_at && *key.expires_at <= now) ||
        (key.revoked_at && *key.revoked_at < revoked_before)) {
      api_key_by_hash_.erase(key_of(it->second.key_hash));
      it = api_keys_.erase(it);
      ++count;
    } else {
      ++it;
    }
  }
  return count;
}

Status MemoryAuthStore::put_login_code(const auth::LoginCodeRecord& record) {
  std::lock_guard lock(mu_);
  codes_[record.email] = record;
  return ok_status();
}

Result<std::optional<auth::LoginCodeRecord>> MemoryAuthStore::take_login_code(
    std::string_view email) {
  std::lock_guard lock(mu_);
  auto it = codes_.find(email);
  if (it == codes_.end()) return std::optional<auth::LoginCodeRecord>();
  std::optional<auth::LoginCodeRecord> out(std::move(it->second));
  codes_.erase(it);
  return out;
}

Result<int64_t> MemoryAuthStore::purge_login_codes(Timestamp now) {
  std::lock_guard lock(mu_);
  return static_cast<int64_t>(
      std::erase_if(codes_, [&](const auto& item) { return item.second.expires_at <= now; }));
}

Result<std::optional<Timestamp>> MemoryAuthStore::admit_login_event(std::string_view email,
                                                                    LoginEvent kind, Timestamp at,
                                                                    Timestamp since,
                                                                    int64_t limit) {
  std::lock_guard lock(mu_);
  auto key = std::make_pair(std::string(email), static_cast<int>(kind));
  auto [begin, end] = login_events_.equal_range(key);
  std::vector<Timestamp> in_window;
  for (auto it = begin; it != end; ++it) {
    if (it->second >= since) in_window.push_back(it->second);
  }
  if (static_cast<int64_t>(in_window.size()) >= limit) {
    std::sort(in_window.begin(), in_window.end());
    return std::optional<Timestamp>(in_window[in_window.size() - static_cast<size_t>(limit)]);
  }
  login_events_.emplace(std::move(key), at);
  return std::optional<Timestamp>();
}

Status MemoryAuthStore::add_login_event(std::string_view email, LoginEvent kind, Timestamp at) {
  std::lock_guard lock(mu_);
  login_events_.emplace(std::make_pair(std::string(email), static_cast<int>(kind)), at);
  return ok_status();
}

Result<std::vector<Timestamp>> MemoryAuthStore::login_events(std::string_view email,
                                                             LoginEvent kind, Timestamp since) {
  std::lock_guard lock(mu_);
  auto [begin, end] =
      login_events_.equal_range(std::make_pair(std::string(email), static_cast<int>(kind)));
  std::vector<Timestamp> out;
  for (auto it = begin; it != end; ++it) {
    if (it->second >= since) out.push_back(it->second);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<int64_t> MemoryAuthStore::purge_login_events(Timestamp before) {
  std::lock_guard lock(mu_);
  return static_cast<int64_t>(
      std::erase_if(login_events_, [&](const auto& item) { return item.second < before; }));
}

Status MemoryAuthStore::update_rate_state(
    std::string_view key,
    const std::function<std::optional<int64_t>(std::optional<int64_t>)>& update) {
  std::lock_guard lock(mu_);
  auto it = rate_states_.find(key);
  std::optional<int64_t> current;
  if (it != rate_states_.end()) current = it->second;
  std::optional<int64_t> next = update(current);
  if (next) rate_states_[std::string(key)] = *next;
  return ok_status();
}

Result<int64_t> MemoryAuthStore::purge_rate_states(int64_t before) {
  std::lock_guard lock(mu_);
  return static_cast<int64_t>(
      std::erase_if(rate_states_, [&](const auto& item) { return item.second < before; }));
}

}  // namespace cairn::storage::memory
