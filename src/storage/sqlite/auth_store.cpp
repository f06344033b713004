#include "storage/sqlite/auth_store.hpp"

#include <nlohmann/json.hpp>

#include "storage/sqlite/rows.hpp"
#include "storage/sqlite/sqlite_database.hpp"

namespace cairn::storage::sqlite {
namespace {

using auth::LoginEvent;

std::string to_json_array(const std::vector<std::string>& items) {
  return nlohmann::json(items).dump();
}

std::vector<std::string> from_json_array(const std::string& text) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  std::vector<std::string> out;
  if (!json.is_array()) return out;
  for (const auto& item : json) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

std::optional<Timestamp> optional_time(const Statement& s, int index) {
  if (s.column_is_null(index)) return std::nullopt;
  return from_unix_micros(s.column_int64(index));
}

void bind_optional_time(Statement& s, int index, const std::optional<Timestamp>& t) {
  if (t) {
    s.bind(index, to_unix_micros(*t));
  } else {
    s.bind_null(index);
  }
}

Unexpected<Error> user_exists() {
  return fail(ErrorCode::kAlreadyExists, "AUTH_USER_EXISTS",
              "a user with this email already exists");
}

constexpr std::string_view kUserColumns =
    "id, email, name, roles, status, password_hash, created_at";

auth::UserRecord read_user(const Statement& s) {
  auth::UserRecord r;
  r.user.id = s.column_text(0);
  r.user.email = s.column_text(1);
  r.user.name = s.column_text(2);
  r.user.roles = from_json_array(s.column_text(3));
  r.user.status =
      s.column_text(4) == "suspended" ? auth::UserStatus::kSuspended : auth::UserStatus::kActive;
  r.password_hash = s.column_text(5);
  r.user.created_at = from_unix_micros(s.column_int64(6));
  return r;
}

constexpr std::string_view kSessionColumns =
    "id, token_hash, user_id, created_at, last_seen, absolute_expires_at, ip, user_agent";

auth::SessionRecord read_session(const Statement& s) {
  auth::SessionRecord r;
  r.id = s.column_text(0);
  r.token_hash = s.column_blob(1);
  r.user_id = s.column_text(2);
  r.created_at = from_unix_micros(s.column_int64(3));
  r.last_seen = from_unix_micros(s.column_int64(4));
  r.absolute_expires_at = from_unix_micros(s.column_int64(5));
  r.ip = s.column_text(6);
  r.user_agent = s.column_text(7);
  return r;
}

constexpr std::string_view kKeyColumns =
    "id, key_hash, owner_id, name, prefix, display, scopes, created_at, expires_at, last_used_at, "
    "revoked_at";

auth::ApiKeyRecord read_key(const Statement& s) {
  auth::ApiKeyRecord r;
  r.key.id = s.column_text(0);
  r.key_hash = s.column_blob(1);
  r.key.owner_id = s.column_text(2);
  r.key.name = s.column_text(3);
  r.key.prefix = s.column_text(4);
  r.key.display = s.column_text(5);
  r.key.scopes = from_json_array(s.column_text(6));
  r.key.created_at = from_unix_micros(s.column_int64(7));
  r.key.expires_at = optional_time(s, 8);
  r.key.last_used_at = optional_time(s, 9);
  r.key.revoked_at = optional_time(s, 10);
  return r;
}

std::string select_from(std::string_view columns, std::string_view rest) {
  std::string sql = "SELECT ";
  sql += columns;
  sql += ' ';
  sql += rest;
  return sql;
}

}  // namespace

// ---- Users

Status SqliteAuthStore::insert_user(const auth::UserRecord& r) {
  return db_.write([&](Connection& c) -> Status {
    CAIRN_ASSIGN_OR_RETURN(Statement check,
                           c.prepare("SELECT 1 FROM auth_users WHERE id = ?1 OR email = ?2"));
    check.bind(1, r.user.id).bind(2, r.user.email);
    CAIRN_ASSIGN_OR_RETURN(bool taken, check.step());
    if (taken) return user_exists();
    CAIRN_ASSIGN_OR_RETURN(
        Statement s, c.prepare("INSERT INTO auth_users (id, email, name, roles, status, "
                               "password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
    s.bind(1, r.user.id)
        .bind(2, r.user.email)
        .bind(3, r.user.name)
        .bind(4, to_json_array(r.user.roles))
        .bind(5, auth::user_status_name(r.user.status))
        .bind(6, r.password_hash)
        .bind(7, to_unix_micros(r.user.created_at));
    return s.run();
  });
}

Result<std::optional<auth::UserRecord>> SqliteAuthStore::user_by_id(std::string_view id) {
  return db_.read([&](Connection& c) -> Result<std::optional<auth::UserRecord>> {
    CAIRN_ASSIGN_OR_RETURN(Statement s,
                           c.prepare(select_from(kUserColumns, "FROM auth_users WHERE id = ?1")));
    s.bind(1, id);
    return one_row<auth::UserRecord>(s, read_user);
  });
}

Result<std::optional<auth::UserRecord>> SqliteAuthStore::user_by_email(std::string_view email) {
  return db_.read([&](Connection& c) -> Result<std::optional<auth::UserRecord>> {
    CAIRN_ASSIGN_OR_RETURN(
        Statement s, c.prepare(select_from(kUserColumns, "FROM auth_users WHERE email = ?1")));
    s.bind(1, email);
    return one_row<auth::UserRecord>(s, read_user);
  });
}

Result<bool> SqliteAuthStore::update_user(const auth::UserRecord& r) {
  return db_.write([&](Connection& c) -> Result<bool> {
    CAIRN_ASSIGN_OR_RETURN(Statement check,
                           c.prepare("SELECT 1 FROM auth_users WHERE email = ?1 AND id != ?2"));
    check.bind(1, r.user.email).bind(2, r.user.id);
    CAIRN_ASSIGN_OR_RETURN(bool taken, check.step());
    if (taken) return user_exists();
    CAIRN_ASSIGN_OR_RETURN(Statement s,
                           c.prepare("UPDATE auth_users SET email = ?2, name = ?3, roles = ?4, "
                                     "status = ?5, password_hash = ?6 WHERE id = ?1"));
    s.bind(1, r.user.id)
        .bind(2, r.user.email)
        .bind(3, r.user.name)
        .bind(4, to_json_array(r.user.roles))
        .bind(5, auth::user_status_name(r.user.status))
        .bind(6, r.password_hash);
    CAIRN_ASSIGN_OR_RETURN(int64_t n, changed(c, s));
    return n > 0;
  });
}

namespace {
// Runs `sql` (an UPDATE of auth_users by id ?1 with one more value ?2) and reports whether a row
// changed.
template <class Bind>
Result<bool> update_user_column(SqliteDatabase& db, std::string_view sql, std::string_view id,
                                Bind bind) {
  return db.write([&](Connection& c) -> Result<bool> {
    CAIRN_ASSIGN_OR_RETURN(Statement s, c.prepare(sql));
    s.bind(1, id);
    bind(s);
    CAIRN_ASSIGN_OR_RETURN(int64_t n, changed(c, s));
    return n > 0;
  });
}
}  // namespace

Result<bool> SqliteAuthStore::replace_password_hash(std::string_view id, std::string_view old_hash,
                                                    std::string_view new_hash) {
  return update_user_column(
      db_, "UPDATE auth_users SET password_hash = ?2 WHERE id = ?1 AND password_hash = ?3", id,
      [&](Statement& s) { s.bind(2, new_hash).bind(3, old_hash); });
}

Result<bool> SqliteAuthStore::set_password_hash(std::string_view id, std::string_view hash) {
  return update_user_column(db_, "UPDATE auth_users SET password_hash = ?2 WHERE id = ?1", id,
                            [&](Statement& s) { s.bind(2, hash); });
}

Result<bool> SqliteAuthStore::set_user_status(std::string_view id, auth::UserStatus status) {
  return update_user_column(db_, "UPDATE auth_users SET status = ?2 WHERE id = ?1", id,
                            [&](Statement& s) { s.bind(2, auth::user_status_name(status)); });
}

Result<bool> SqliteAuthStore::set_user_roles(std::string_view id,
                                             const std::vector<std::string>& roles) {
  return update_user_column(db_, "UPDATE auth_users SET roles = ?2 WHERE id = ?1", id,
                            [&](Statement& s) { s.bind(2, to_json_array(roles)); });
}

Result<std::vector<auth::User>> SqliteAuthStore::users() {
  return db_.read([&](Connection& c) -> Result<std::vector<auth::User>> {
    CAIRN_ASSIGN_OR_RETURN(Statement s,
                           c.prepare(select_from(kUserColumns, "FROM auth_users ORDER BY email")));
    return all_rows<auth::User>(s, [](const Statement& st) { return read_user(st).user; });
  });
}

// ---- Identities

Status SqliteAuthStore::insert_identity(const auth::Identity& identity) {
  return db_.write([&](Connection& c) -> Status {
    CAIRN_ASSIGN_OR_RETURN(Statement user, c.prepare("SELECT 1 FROM auth_users WHERE id = ?1"));
    user.bind(1, identity.user_id);
    CAIRN_ASSIGN_OR_RETURN(bool exists, user.step());
    if (!exists) return fail(ErrorCode::kNotFound, "AUTH_USER_NOT_FOUND", "no such user");
    CAIRN_ASSIGN_OR_RETURN(
        Statement check,
        c.prepare("SELECT 1 FROM auth_identities WHERE provider = ?1 AND subject = ?2"));
    check.bind(1, identity.provider).bind(2, identity.subject);
    CAIRN_ASSIGN_OR_RETURN(bool taken, check.step());
    if (taken) {
      return fail(ErrorCode::kAlreadyExists, "AUTH_IDENTITY_EXISTS",
                  "this external identity is already linked to a user");
    }
    CAIRN_ASSIGN_OR_RETURN(Statement s,
                           c.prepare("INSERT INTO auth_identities (provider, subject, user_id, "
                                     "created_at) VALUES (?1, ?2, ?3, ?4)"));
    s.bind(1, identity.provider)
        .bind(2, identity.subject)
        .bind(3, identity.user_id)
        .bind(4, to_unix_micros(identity.created_at));
    return s.run();
  });
}

namespace {
auth::Identity read_identity(const Statement& s) {
  return {s.column_text(0), s.column_text(1), s.column_text(2),
          from_unix_micros(s.column_int64(3))};
}
}  // namespace

Result<std::optional<auth::Identity>> SqliteAuthStore::identity(std::string_view provider,
                                                                std::string_view subject) {
  return db_.read([&](Connection& c) -> Result<std::optional<auth::Identity>> {
    CAIRN_ASSIGN_OR_RETURN(Statement s,
                           c.prepare("SELECT provider, subject, user_id, created_at FROM "
                                     "auth_identities WHERE provider = ?1 AND subject = ?2"));
    s.bind(1, provider).bind(2, subject);
    return one_row<auth::Identity>(s, read_identity);
  });
}

Result<std::vector<auth::Identity>> SqliteAuthStore::identities(std::string_view user_id) {
  return db_.read([&](Connection& c) -> Result<std::vector<auth::Identity>> {
    CAIRN_ASSIGN_OR_RETURN(
        Statement s, c.prepare("SELECT provider, subject, user_id, created_at FROM auth_identities "
                               "WHERE user_id = ?1 ORDER BY provider, subject"));
    s.bind(1, user_id);
    return all_rows<auth::Identity>(s, read_identity);
  });
}

// ---- Sessions

Status SqliteAuthStore::insert_session(const auth::SessionRecord& r) {
  return db_.write([&](Connection& c) -> Status {
    CAIRN_ASSIGN_OR_RETURN(Statement user,
                           c.prepare("SELECT status FROM auth_users WHERE id = ?1"));
    user.bind(1, r.user_id);
    CAIRN_ASSIGN_OR_RETURN(bool exists, user.step());
    if (!exists) return fail(ErrorCode::kNotFound, "AUTH_USER_NOT_FOUND", "no such user");
    if (user.column_text(0) != "active") {
      return fail(ErrorCode::kPermissionDenied, "AUTH_USER_SUSPENDED", "this user is suspended");
    }
    CAIRN_ASSIGN_OR_RETURN(
        Statement check, c.prepare("SELECT 1 FROM auth_sessions WHERE id = ?1 OR token_hash = ?2"));
    check.bind(1, r.id).bind_blob(2, r.token_hash);
    CAIRN_ASSIGN_OR_RETURN(bool taken, check.step());
    if (taken) {
      return fail(ErrorCode::kAlreadyExists, "AUTH_SESSION_EXISTS", "the session already exists");
    }
    CAIRN_ASSIGN_OR_RETURN(
        Statement s,
        c.prepare("INSERT INTO auth_sessions (id, token_hash, user_id, created_at, last_seen, "
                  "absolute_expires_at, ip, user_agent) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
    s.bind(1, r.id)
        .bind_blob(2, r.token_hash)
        .bind(3, r.user_id)
        .bind(4, to_unix_micros(r.created_at))
        .bind(5, to_unix_micros(r.last_seen))
        .bind(6, to_unix_micros(r.absolute_expires_at))
        .bind(7, r.ip)
        .bind(8, r.user_agent);
    return s.run();
  });
}

Result<std::optional<auth::SessionRecord>> SqliteAuthStore::session_by_hash(ByteView token_hash) {
  return db_.read([&](Connection& c) -> Result<std::optional<auth::SessionRecord>> {
    CAIRN_ASSIGN_OR_RETURN(
        Statement s,
        c.prepare(select_from(kSessionColumns, "FROM auth_sessions WHERE token_hash = ?1")));
    s.bind_blob(1, token_hash);
    return one_row<auth::SessionRecord>(s, read_session);
  });
}

Result<bool> SqliteAuthStore::touch_session(std::string_view id, Timestamp last_seen) {
  return db_.write([&](Connection& c) -> Result<bool> {
    CAIRN_ASSIGN_OR_RETURN(
        Statement s,
        c.prepare("UPDATE auth_sessions SET last_seen = max(last_seen, ?2) WHERE id = ?1"));
    s.bind(1, id).bind(2, to_unix_micros(last_seen));
    CAIRN_ASSIGN_OR_RETURN(int64_t n, changed(c, s));
    return n > 0;
  });
}

Result<bool> SqliteAuthStore::rotate_session(std::string_view id, ByteView old_hash,
                                             ByteView new_hash, Timestamp last_seen) {
  return db_.write([&](Connection& c) -> Result<bool> {
    CAIRN_ASSIGN_OR_RETURN(Statement s, c.prepare("UPDATE auth_sessions SET token_hash = ?3, "
                                                  "last_seen = max(last_seen, ?4) "
                                                  "WHERE id = ?1 AND token_hash = ?2"));
    s.bind(1, id).bind_blob(2, old_hash).bind_blob(3, new_hash).bind(4, to_unix_micros(last_seen));
    CAIRN_ASSIGN_OR_RETURN(int64_t n, changed(c, s));
    return n > 0;
  });
}

Result<bool> SqliteAuthStore::delete_session(std::string_view id) {
  return db_.write([&](Connection& c) -> Result<bool> {
    CAIRN_ASSIGN_OR_RETURN(Statement s, c.prepare("DELETE FROM auth_sessions WHERE id = ?1"));
    s.bind(1, id);
    CAIRN_ASSIGN_OR_RETURN(int64_t n, changed(c, s));
    return n > 0;
  });
}

Result<int64_t> SqliteAuthStore::delete_user_sessions(std::string_view user_id) {
  return db_.write([&](Connection& c) -> Result<int64_t> {
    CAIRN_ASSIGN_OR_RETURN(Statement s, c.prepare("DELETE FROM auth_sessions WHERE user_id = ?1"));
    s.bind(1, user_id);
    return changed(c, s);
  });
}

Result<std::vector<auth::SessionRecord>> SqliteAuthStore::user_sessions(std::string_view user_id) {
  return db_.read([&](Connection& c) -> Result<std::vector<auth::SessionRecord>> {
    CAIRN_ASSIGN_OR_RETURN(Statement s,
                           c.prepare(select_from(kSessionColumns,
                                                 "FROM auth_sessions WHERE user_id = ?1 "
                                                 "ORDER BY created_at DESC, id")));
    s.bind(1, user_id);
    return all_rows<auth::SessionRecord>(s, read_session);
  });
}

Result<int64_t> SqliteAuthStore::purge_sessions(Timestamp now, Timestamp idle_before) {
  return db_.write([&](Connection& c) -> Result<int64_t> {
    CAIRN_ASSIGN_OR_RETURN(
        Statement s,
        c.prepare("DELETE FROM auth_sessions WHERE absolute_expires_at <= ?1 OR last_seen <= ?2"));
    s.bind(1, to_unix_micros(now)).bind(2, to_unix_micros(idle_before));
    return changed(c, s);
  });
}

// ---- API keys

Status SqliteAuthStore::insert_api_key(const auth::ApiKeyRecord& r) {
  return db_.write([&](Connection& c) -> Status {
    CAIRN_ASSIGN_OR_RETURN(Statement check,
                           c.prepare("SELECT 1 FROM auth_api_keys WHERE id = ?1 OR key_hash = ?2"));
    check.bind(1, r.key.id).bind_blob(2, r.key_hash);
    CAIRN_ASSIGN_OR_RETURN(bool taken, check.step());
    if (taken) {
      return fail(ErrorCode::kAlreadyExists, "AUTH_KEY_EXISTS", "the API key already exists");
    }
    CAIRN_ASSIGN_OR_RETURN(
        Statement s,
        c.prepare("INSERT INTO auth_api_keys (id, key_hash, owner_id, name, prefix, display, "
                  "scopes, created_at, expires_at, last_used_at, revoked_at) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"));
    s.bind(1, r.key.id)
        .bind_blob(2, r.key_hash)
        .bind(3, r.key.owner_id)
        .bind(4, r.key.name)
        .bind(5, r.key.prefix)
        .bind(6, r.key.display)
        .bind(7, to_json_array(r.key.scopes))
        .bind(8, to_unix_micros(r.key.created_at));
    bind_optional_time(s, 9, r.key.expires_at);
    bind_optional_time(s, 10, r.key.last_used_at);
    bind_optional_time(s, 11, r.key.revoked_at);
    return s.run();
  });
}

Result<std::optional<auth::ApiKeyRecord>> SqliteAuthStore::api_key_by_hash(ByteView key_hash) {
  return db_.read([&](Connection& c) -> Result<std::optional<auth::ApiKeyRecord>> {
    CAIRN_ASSIGN_OR_RETURN(
        Statement s, c.prepare(select_from(kKeyColumns, "FROM auth_api_keys WHERE key_hash = ?1")));
    s.bind_blob(1, key_hash);
    return one_row<auth::ApiKeyRecord>(s, read_key);
  });
}

Result<std::optional<auth::ApiKey>> SqliteAuthStore::api_key(std::string_view id) {
  return db_.read([&](Connection& c) -> Result<std::optional<auth::ApiKey>> {
    CAIRN_ASSIGN_OR_RETURN(Statement s,
                           c.prepare(select_from(kKeyColumns, "FROM auth_api_keys WHERE id = ?1")));
    s.bind(1, id);
    return one_row<auth::ApiKey>(s, [](const Statement& st) { return read_key(st).key; });
  });
}

Result<bool> SqliteAuthStore::touch_api_key(std::string_view id, Timestamp at) {
  return db_.write([&](Connection& c) -> Result<bool> {
    CAIRN_ASSIGN_OR_RETURN(Statement s,
                           c.prepare("UPDATE auth_api_keys SET last_used_at = "
                                     "max(coalesce(last_used_at, ?2), ?2) WHERE id = ?1"));
    s.bind(1, id).bind(2, to_unix_micros(at));
    CAIRN_ASSIGN_OR_RETURN(int64_t n, changed(c, s));
    return n > 0;
  });
}

Result<bool> SqliteAuthStore::revoke_api_key(std::string_view id, Timestamp at) {
  return db_.write([&](Connection& c) -> Result<bool> {
    CAIRN_ASSIGN_OR_RETURN(
        Statement s,
        c.prepare("UPDATE auth_api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL"));
    s.bind(1, id).bind(2, to_unix_micros(at));
    CAIRN_ASSIGN_OR_RETURN(int64_t n, changed(c, s));
    return n > 0;
  });
}

Result<std::vector<auth::ApiKey>> SqliteAuthStore::api_keys(std::string_view owner_id) {
  return db_.read([&](Connection& c) -> Result<std::vector<auth::ApiKey>> {
    CAIRN_ASSIGN_OR_RETURN(
        Statement s,
        c.prepare(select_from(
            kKeyColumns, "FROM auth_api_keys WHERE owner_id = ?1 ORDER BY created_at DESC, id")));
    s.bind(1, owner_id);
    return all_rows<auth::ApiKey>(s, [](const Statement& st) { return read_key(st).key; });
  });
}

Result<int64_t> SqliteAuthStore::purge_api_keys(Timestamp now, Timestamp revoked_before) {
  return db_.write([&](Connection& c) -> Result<int64_t> {
    CAIRN_ASSIGN_OR_RETURN(Statement s,
                           c.prepare("DELETE FROM auth_api_keys WHERE expires_at <= ?1 OR "
                                     "revoked_at < ?2"));
    s.bind(1, to_unix_micros(now)).bind(2, to_unix_micros(revoked_before));
    return changed(c, s);
  });
}

// ---- Login codes and events

Status SqliteAuthStore::put_login_code(const auth::LoginCodeRecord& r) {
  return db_.write([&](Connection& c) -> Status {
    CAIRN_ASSIGN_OR_RETURN(
        Statement s,
        c.prepare("INSERT OR REPLACE INTO auth_login_codes (email, code_hash, created_at, "
                  "expires_at) VALUES (?1, ?2, ?3, ?4)"));
    s.bind(1, r.email)
        .bind_blob(2, r.code_hash)
        .bind(3, to_unix_micros(r.created_at))
        .bind(4, to_unix_micros(r.expires_at));
    return s.run();
  });
}

Result<std::optional<auth::LoginCodeRecord>> SqliteAuthStore::take_login_code(
    std::string_view email) {
  return db_.write([&](Connection& c) -> Result<std::optional<auth::LoginCodeRecord>> {
    CAIRN_ASSIGN_OR_RETURN(Statement s,
                           c.prepare("DELETE FROM auth_login_codes WHERE email = ?1 "
                                     "RETURNING email, code_hash, created_at, expires_at"));
    s.bind(1, email);
    CAIRN_ASSIGN_OR_RETURN(auto record, one_row<auth::LoginCodeRecord>(s, [](const Statement& st) {
                             return auth::LoginCodeRecord{st.column_text(0), st.column_blob(1),
                                                          from_unix_micros(st.column_int64(2)),
                                                          from_unix_micros(st.column_int64(3))};
                           }));
    // Finish the statement so the delete is complete before COMMIT.
    CAIRN_TRY(s.step());
    return record;
  });
}

Result<int64_t> SqliteAuthStore::purge_login_codes(Timestamp now) {
  return db_.write([&](Connection& c) -> Result<int64_t> {
    CAIRN_ASSIGN_OR_RETURN(Statement s,
                           c.prepare("DELETE FROM auth_login_codes WHERE expires_at <= ?1"));
    s.bind(1, to_unix_micros(now));
    return changed(c, s);
  });
}

namespace {
Result<std::vector<Timestamp>> events_since(Connection& c, std::string_view email, LoginEvent kind,
                                            Timestamp since) {
  CAIRN_ASSIGN_OR_RETURN(Statement s,
                         c.prepare("SELECT at FROM auth_login_events WHERE email = ?1 AND "
                                   "kind = ?2 AND at >= ?3 ORDER BY at"));
  s.bind(1, email).bind(2, static_cast<int64_t>(kind)).bind(3, to_unix_micros(since));
  return all_rows<Timestamp>(
      s, [](const Statement& st) { return from_unix_micros(st.column_int64(0)); });
}

Status insert_event(Connection& c, std::string_view email, LoginEvent kind, Timestamp at) {
  CAIRN_ASSIGN_OR_RETURN(
      Statement s,
      c.prepare("INSERT INTO auth_login_events (email, kind, at) VALUES (?1, ?2, ?3)"));
  s.bind(1, email).bind(2, static_cast<int64_t>(kind)).bind(3, to_unix_micros(at));
  return s.run();
}
}  // namespace

Result<std::optional<Timestamp>> SqliteAuthStore::admit_login_event(std::string_view email,
                                                                    LoginEvent kind, Timestamp at,
                                                                    Timestamp since,
                                                                    int64_t limit) {
  return db_.write([&](Connection& c) -> Result<std::optional<Timestamp>> {
    CAIRN_ASSIGN_OR_RETURN(std::vector<Timestamp> events, events_since(c, email, kind, since));
    if (static_cast<int64_t>(events.size()) >= limit) {
      return std::optional<Timestamp>(events[events.size() - static_cast<size_t>(limit)]);
    }
    CAIRN_TRY(insert_event(c, email, kind, at));
    return std::optional<Timestamp>();
  });
}

Status SqliteAuthStore::add_login_event(std::string_view email, LoginEvent kind, Timestamp at) {
  return db_.write([&](Connection& c) -> Status { return insert_event(c, email, kind, at); });
}

Result<std::vector<Timestamp>> SqliteAuthStore::login_events(std::string_view email,
                                                             LoginEvent kind, Timestamp since) {
  return db_.read([&](Connection& c) { return events_since(c, email, kind, since); });
}

Result<int64_t> SqliteAuthStore::purge_login_events(Timestamp before) {
  return db_.write([&](Connection& c) -> Result<int64_t> {
    CAIRN_ASSIGN_OR_RETURN(Statement s, c.prepare("DELETE FROM auth_login_events WHERE at < ?1"));
    s.bind(1, to_unix_micros(before));
    return changed(c, s);
  });
}

// ---- Rate states

Status SqliteAuthStore::update_rate_state(
    std::string_view key,
    const std::function<std::optional<int64_t>(std::optional<int64_t>)>& update) {
  return db_.write([&](Connection& c) -> Status {
    CAIRN_ASSIGN_OR_RETURN(Statement read,
                           c.prepare("SELECT tat FROM auth_rate_states WHERE key = ?1"));
    read.bind(1, key);
    CAIRN_ASSIGN_OR_RETURN(bool row, read.step());
    std::optional<int64_t> current;
    if (row) current = read.column_int64(0);
    std::optional<int64_t> next = update(current);
    if (!next) return ok_status();
    CAIRN_ASSIGN_OR_RETURN(
        Statement write,
        c.prepare("INSERT OR REPLACE INTO auth_rate_states (key, tat) VALUES (?1, ?2)"));
    write.bind(1, key).bind(2, *next);
    return write.run();
  });
}

Result<int64_t> SqliteAuthStore::purge_rate_states(int64_t before) {
  return db_.write([&](Connection& c) -> Result<int64_t> {
    CAIRN_ASSIGN_OR_RETURN(Statement s, c.prepare("DELETE FROM auth_rate_states WHERE tat < ?1"));
    s.bind(1, before);
    return changed(c, s);
  });
}

}  // namespace cairn::storage::sqlite
