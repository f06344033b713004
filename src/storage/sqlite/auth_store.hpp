// The sqlite: backend's AuthStore (tables auth_* of migration 4).
#pragma once

#include "cairn/auth/store.hpp"

namespace cairn::storage::sqlite {

class SqliteDatabase;

class SqliteAuthStore final : public auth::AuthStore {
 public:
  explicit SqliteAuthStore(SqliteDatabase& db) : db_(db) {}

  Status insert_user(const auth::UserRecord& record) override;
  Result<std::optional<auth::UserRecord>> user_by_id(std::string_view id) override;
  Result<std::optional<auth::UserRecord>> user_by_email(std::string_view email) override;
  Result<bool> update_user(const auth::UserRecord& record) override;
  Result<bool> replace_password_hash(std::string_view id, std::string_view old_hash,
                                     std::string_view new_hash) override;
  Result<bool> set_password_hash(std::string_view id, std::string_view hash) override;
  Result<bool> set_user_status(std::string_view id, auth::UserStatus status) override;
  Result<bool> set_user_roles(std::string_view id, const std::vector<std::string>& roles) override;
  Result<std::vector<auth::User>> users() override;
  Status insert_identity(const auth::Identity& identity) override;
  Result<std::optional<auth::Identity>> identity(std::string_view provider,
                                                 std::string_view subject) override;
  Result<std::vector<auth::Identity>> identities(std::string_view user_id) override;
  Status insert_session(const auth::SessionRecord& record) override;
  Result<std::optional<auth::SessionRecord>> session_by_hash(ByteView token_hash) override;
  Result<bool> touch_session(std::string_view id, Timestamp last_seen) override;
  Result<bool> rotate_session(std::string_view id, ByteView old_hash, ByteView new_hash,
                              Timestamp last_seen) override;
  Result<bool> delete_session(std::string_view id) override;
  Result<int64_t> delete_user_sessions(std::string_view user_id) override;
  Result<std::vector<auth::SessionRecord>> user_sessions(std::string_view user_id) override;
  Result<int64_t> purge_sessions(Timestamp now, Timestamp idle_before) override;
  Status insert_api_key(const auth::ApiKeyRecord& record) override;
  Result<std::optional<auth::ApiKeyRecord>> api_key_by_hash(ByteView key_hash) override;
  Result<std::optional<auth::ApiKey>> api_key(std::string_view id) override;
  Result<bool> touch_api_key(std::string_view id, Timestamp at) override;
  Result<bool> revoke_api_key(std::string_view id, Timestamp at) override;
  Result<std::vector<auth::ApiKey>> api_keys(std::string_view owner_id) override;
  Result<int64_t> purge_api_keys(Timestamp now, Timestamp revoked_before) override;
  Status put_login_code(const auth::LoginCodeRecord& record) override;
  Result<std::optional<auth::LoginCodeRecord>> take_login_code(std::string_view email) override;
  Result<int64_t> purge_login_codes(Timestamp now) override;
  Result<std::optional<Timestamp>> admit_login_event(std::string_view email, auth::LoginEvent kind,
                                                     Timestamp at, Timestamp since,
                                                     int64_t limit) override;
  Status add_login_event(std::string_view email, auth::LoginEvent kind, Timestamp at) override;
  Result<std::vector<Timestamp>> login_events(std::string_view email, auth::LoginEvent kind,
                                              Timestamp since) override;
  Result<int64_t> purge_login_events(Timestamp before) override;
  Status update_rate_state(
      std::string_view key,
      const std::function<std::optional<int64_t>(std::optional<int64_t>)>& update) override;
  Result<int64_t> purge_rate_states(int64_t before) override;

 private:
  SqliteDatabase& db_;
};

}  // namespace cairn::storage::sqlite
