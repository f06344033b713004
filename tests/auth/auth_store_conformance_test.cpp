// AuthStore on every backend, and AuthService on top of it.
#include <gtest/gtest.h>

#include "cairn/auth/service.hpp"
#include "cairn/crypto/password.hpp"
#include "storage/internal/stores.hpp"
#include "support/conformance.hpp"

namespace cairn::testing {
namespace {

using auth::AuthService;
using auth::LoginEvent;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

const std::vector<uint8_t> kCodeKey(32, 0x42);

Bytes digest(uint8_t fill) { return Bytes(32, fill); }

class AuthStoreConformance : public StoreConformanceTest {
 protected:
  void SetUp() override {
    StoreConformanceTest::SetUp();
    open_stores();
  }
  void open_stores() {
    service_.reset();
    log_.reset();
    audit_store_.reset();
    store_ = storage::internal::make_auth_store(database());
    audit_store_ = storage::internal::make_audit_store(database());
    log_ = audit::AuditLog::open(*audit_store_, "main", env_).value();
  }
  AuthService& service(const auth::AuthOptions& options = {}) {
    if (!service_) service_ = AuthService::create(*store_, *log_, env_, kCodeKey, options).value();
    return *service_;
  }
  // Reopens the database (sqlite) and every store and the service on it.
  void restart() {
    service_.reset();
    log_.reset();
    audit_store_.reset();
    store_.reset();
    reopen();
    open_stores();
  }
  std::vector<std::string> audit_actions() {
    std::vector<std::string> out;
    auto entries = log_->entries(0, 1000);
    EXPECT_TRUE(entries);
    for (const auto& e : *entries) out.push_back(e.entry.action + "/" + e.entry.outcome);
    return out;
  }

  FakeEnv env_;
  std::unique_ptr<auth::AuthStore> store_;
  std::unique_ptr<audit::AuditStore> audit_store_;
  std::unique_ptr<audit::AuditLog> log_;
  std::unique_ptr<AuthService> service_;
};

auth::UserRecord user_record(std::string id, std::string email) {
  auth::UserRecord r;
  r.user.id = std::move(id);
  r.user.email = std::move(email);
  r.user.name = "N";
  r.user.roles = {"admin", "dev"};
  r.user.created_at = FakeEnv::kDefaultStart;
  r.password_hash = "$argon2id$...";
  return r;
}

// ---- Store

TEST_P(AuthStoreConformance, UsersInsertLookupUpdate) {
  ASSERT_TRUE(store_->insert_user(user_record("u1", "a@x.io")));
  EXPECT_EQ(store_->insert_user(user_record("u2", "a@x.io")).error().reason, "AUTH_USER_EXISTS");
  EXPECT_EQ(store_->insert_user(user_record("u1", "b@x.io")).error().reason, "AUTH_USER_EXISTS");
  ASSERT_TRUE(store_->insert_user(user_record("u2", "b@x.io")));
  auto got = *store_->user_by_email("a@x.io");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->user.id, "u1");
  EXPECT_EQ(got->user.roles, (std::vector<std::string>{"admin", "dev"}));
  EXPECT_EQ(got->password_hash, "$argon2id$...");
  EXPECT_EQ(got->user.created_at, FakeEnv::kDefaultStart);
  got->user.status = auth::UserStatus::kSuspended;
  got->user.email = "b@x.io";
  EXPECT_EQ(store_->update_user(*got).error().reason, "AUTH_USER_EXISTS");
  got->user.email = "c@x.io";
  EXPECT_TRUE(*store_->update_user(*got));
  EXPECT_FALSE(store_->user_by_email("a@x.io")->has_value());
  EXPECT_EQ((*store_->user_by_id("u1"))->user.status, auth::UserStatus::kSuspended);
  EXPECT_FALSE(*store_->update_user(user_record("u9", "z@x.io")));
  auto all = *store_->users();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].email, "b@x.io");
  EXPECT_EQ(all[1].email, "c@x.io");
}

TEST_P(AuthStoreConformance, IdentitiesBelongToExistingUsers) {
  ASSERT_TRUE(store_->insert_user(user_record("u1", "a@x.io")));
  auth::Identity id{"github", "12345", "u1", FakeEnv::kDefaultStart};
  ASSERT_TRUE(store_->insert_identity(id));
  EXPECT_EQ(store_->insert_identity(id).error().reason, "AUTH_IDENTITY_EXISTS");
  EXPECT_EQ(store_->insert_identity({"google", "1", "nobody", {}}).error().reason,
            "AUTH_USER_NOT_FOUND");
  EXPECT_EQ((*store_->identity("github", "12345"))->user_id, "u1");
  EXPECT_FALSE(store_->identity("github", "999")->has_value());
  EXPECT_EQ(store_->identities("u1")->size(), 1u);
}

TEST_P(AuthStoreConformance, SessionsTouchRotateDeleteAndPurge) {
  Timestamp t0 = FakeEnv::kDefaultStart;
  ASSERT_TRUE(store_->insert_user(user_record("u1", "a@x.io")));
  auth::SessionRecord s{"s1", digest(1), "u1", t0, t0, t0 + hours(10), "203.0.113.7", "curl/8"};
  ASSERT_TRUE(store_->insert_session(s));
  EXPECT_EQ(store_->insert_session(s).error().reason, "AUTH_SESSION_EXISTS");
  auth::SessionRecord s2{"s2",          digest(2), "u1", t0 + seconds(1), t0 + seconds(1),
                         t0 + hours(1), "",        ""};
  ASSERT_TRUE(store_->insert_session(s2));
  auto found = *store_->session_by_hash(digest(1));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->ip, "203.0.113.7");
  EXPECT_EQ(found->absolute_expires_at, t0 + hours(10));
  EXPECT_TRUE(*store_->touch_session("s1", t0 + minutes(5)));
  EXPECT_TRUE(*store_->touch_session("s1", t0 + minutes(1)));  // never backwards
  EXPECT_EQ((*store_->session_by_hash(digest(1)))->last_seen, t0 + minutes(5));
  EXPECT_FALSE(*store_->rotate_session("s1", digest(9), digest(3), t0));
  EXPECT_TRUE(*store_->rotate_session("s1", digest(1), digest(3), t0 + minutes(6)));
  EXPECT_FALSE(store_->session_by_hash(digest(1))->has_value());
  EXPECT_EQ((*store_->session_by_hash(digest(3)))->id, "s1");
  auto listed = *store_->user_sessions("u1");
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].id, "s2");  // newest first
  // s2's absolute expiry passed; s1 is idle since t0+6min.
  EXPECT_EQ(*store_->purge_sessions(t0 + hours(2), t0), 1);
  EXPECT_EQ(*store_->purge_sessions(t0 + hours(2), t0 + minutes(7)), 1);
  EXPECT_TRUE(store_->user_sessions("u1")->empty());
  ASSERT_TRUE(store_->insert_session(s));
  EXPECT_TRUE(*store_->delete_session("s1"));
  EXPECT_FALSE(*store_->delete_session("s1"));
  ASSERT_TRUE(store_->insert_session(s));
  ASSERT_TRUE(store_->insert_session(s2));
  EXPECT_EQ(*store_->delete_user_sessions("u1"), 2);
}

TEST_P(AuthStoreConformance, SessionsNeedAnActiveUserAtInsert) {
  Timestamp t0 = FakeEnv::kDefaultStart;
  auth::SessionRecord s{"s1", digest(1), "u1", t0, t0, t0 + hours(1), "", ""};
  EXPECT_EQ(store_->insert_session(s).error().reason, "AUTH_USER_NOT_FOUND");
  ASSERT_TRUE(store_->insert_user(user_record("u1", "a@x.io")));
  ASSERT_TRUE(*store_->set_user_status("u1", auth::UserStatus::kSuspended));
  EXPECT_EQ(store_->insert_session(s).error().reason, "AUTH_USER_SUSPENDED");
  EXPECT_TRUE(store_->user_sessions("u1")->empty());
}

TEST_P(AuthStoreConformance, NarrowUserUpdatesDoNotOverwriteEachOther) {
  ASSERT_TRUE(store_->insert_user(user_record("u1", "a@x.io")));
  ASSERT_TRUE(*store_->set_user_status("u1", auth::UserStatus::kSuspended));
  // A rehash computed from a stale read only lands if the hash is unchanged, and touches
  // nothing else.
  EXPECT_TRUE(*store_->replace_password_hash("u1", "$argon2id$...", "$argon2id$new"));
  EXPECT_FALSE(*store_->replace_password_hash("u1", "$argon2id$...", "$argon2id$newer"));
  ASSERT_TRUE(*store_->set_user_roles("u1", {"viewer"}));
  auto got = **store_->user_by_id("u1");
  EXPECT_EQ(got.password_hash, "$argon2id$new");
  EXPECT_EQ(got.user.status, auth::UserStatus::kSuspended);
  EXPECT_EQ(got.user.roles, (std::vector<std::string>{"viewer"}));
  EXPECT_TRUE(*store_->set_password_hash("u1", ""));
  EXPECT_EQ((*store_->user_by_id("u1"))->password_hash, "");
  EXPECT_FALSE(*store_->set_user_status("u9", auth::UserStatus::kActive));
  EXPECT_FALSE(*store_->set_user_roles("u9", {}));
  EXPECT_FALSE(*store_->set_password_hash("u9", ""));
}

TEST_P(AuthStoreConformance, ApiKeysTouchRevokeAndPurge) {
  Timestamp t0 = FakeEnv::kDefaultStart;
  auth::ApiKeyRecord k;
  k.key.id = "k1";
  k.key.owner_id = "sa1";
  k.key.name = "ci";
  k.key.prefix = "cr_sa";
  k.key.display = "cr_sa_AbCd";
  k.key.scopes = {"secrets:read"};
  k.key.created_at = t0;
  k.key.expires_at = t0 + hours(1);
  k.key_hash = digest(7);
  ASSERT_TRUE(store_->insert_api_key(k));
  EXPECT_EQ(store_->insert_api_key(k).error().reason, "AUTH_KEY_EXISTS");
  auto found = *store_->api_key_by_hash(digest(7));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->key.scopes, k.key.scopes);
  EXPECT_EQ(found->key.expires_at, t0 + hours(1));
  EXPECT_FALSE(found->key.last_used_at);
  EXPECT_TRUE(*store_->touch_api_key("k1", t0 + minutes(2)));
  EXPECT_EQ((*store_->api_key("k1"))->last_used_at, t0 + minutes(2));
  EXPECT_TRUE(*store_->revoke_api_key("k1", t0 + minutes(3)));
  EXPECT_FALSE(*store_->revoke_api_key("k1", t0 + minutes(4)));
  EXPECT_EQ((*store_->api_key("k1"))->revoked_at, t0 + minutes(3));
  k.key.id = "k2";
  k.key.expires_at.reset();
  k.key_hash = digest(8);
  k.key.created_at = t0 + seconds(1);
  ASSERT_TRUE(store_->insert_api_key(k));
  EXPECT_EQ(store_->api_keys("sa1")->front().id, "k2");
  EXPECT_EQ(*store_->purge_api_keys(t0, t0), 0);
  EXPECT_EQ(*store_->purge_api_keys(t0 + hours(2), t0), 1);  // k1 expired
  EXPECT_EQ(store_->api_keys("sa1")->size(), 1u);
}

TEST_P(AuthStoreConformance, LoginCodesAndEventWindows) {
  Timestamp t0 = FakeEnv::kDefaultStart;
  ASSERT_TRUE(store_->put_login_code({"a@x.io", digest(1), t0, t0 + minutes(10)}));
  ASSERT_TRUE(store_->put_login_code({"a@x.io", digest(2), t0, t0 + minutes(10)}));
  auto taken = *store_->take_login_code("a@x.io");
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->code_hash, digest(2));
  EXPECT_FALSE(store_->take_login_code("a@x.io")->has_value());
  ASSERT_TRUE(store_->put_login_code({"b@x.io", digest(1), t0, t0 + minutes(10)}));
  EXPECT_EQ(*store_->purge_login_codes(t0 + minutes(10)), 1);

  for (int i = 0; i < 3; ++i) {
    auto admitted =
        store_->admit_login_event("a@x.io", LoginEvent::kCodeRequest, t0 + minutes(i), t0, 3);
    ASSERT_TRUE(admitted);
    EXPECT_FALSE(admitted->has_value());
  }
  auto refused =
      *store_->admit_login_event("a@x.io", LoginEvent::kCodeRequest, t0 + minutes(5), t0, 3);
  ASSERT_TRUE(refused);
  EXPECT_EQ(*refused, t0);
  // The window slid past the first event.
  EXPECT_FALSE(store_
                   ->admit_login_event("a@x.io", LoginEvent::kCodeRequest, t0 + minutes(6),
                                       t0 + seconds(1), 3)
                   ->has_value());
  ASSERT_TRUE(store_->add_login_event("a@x.io", LoginEvent::kFailedVerification, t0));
  EXPECT_EQ(store_->login_events("a@x.io", LoginEvent::kCodeRequest, t0)->size(), 4u);
  EXPECT_EQ(store_->login_events("a@x.io", LoginEvent::kFailedVerification, t0)->size(), 1u);
  EXPECT_EQ(*store_->purge_login_events(t0 + minutes(2)), 3);
}

TEST_P(AuthStoreConformance, RateStateUpdatesAtomically) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(store_->update_rate_state(
        "k", [](std::optional<int64_t> v) { return std::optional<int64_t>(v.value_or(0) + 10); }));
  }
  ASSERT_TRUE(store_->update_rate_state("k", [](std::optional<int64_t> v) {
    EXPECT_EQ(v, 30);
    return std::optional<int64_t>();  // leaves it alone
  }));
  EXPECT_EQ(*store_->purge_rate_states(30), 0);
  EXPECT_EQ(*store_->purge_rate_states(31), 1);
}

// ---- Service

TEST_P(AuthStoreConformance, PasswordLoginAnswersUnknownUsersLikeWrongPasswords) {
  auto& auth = service();
  auto user = auth.create_user("  Ada@Example.COM ", "Ada", "correct horse battery", {"admin"});
  ASSERT_TRUE(user) << user.error().to_string();
  EXPECT_EQ(user->email, "ada@example.com");
  EXPECT_EQ(user->id.size(), 32u);
  EXPECT_EQ(auth.create_user("ada@example.com").error().reason, "AUTH_USER_EXISTS");
  EXPECT_EQ(auth.create_user("bob@example.com", "", "short").error().reason, "AUTH_PASSWORD_WEAK");
  EXPECT_EQ(auth.create_user("not-an-email").error().reason, "AUTH_EMAIL_INVALID");

  auto ok = auth.login_password("ADA@example.com", "correct horse battery");
  ASSERT_TRUE(ok) << ok.error().to_string();
  EXPECT_EQ(ok->id, user->id);
  auto wrong = auth.login_password("ada@example.com", "wrong horse battery");
  auto unknown = auth.login_password("eve@example.com", "correct horse battery");
  EXPECT_EQ(wrong.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(wrong.error().reason, "AUTH_INVALID_CREDENTIALS");
  EXPECT_EQ(unknown.error().code, wrong.error().code);
  EXPECT_EQ(unknown.error().reason, wrong.error().reason);
  EXPECT_EQ(unknown.error().message, wrong.error().message);
  // The same Argon2id work for every failed login, whatever the reason.
  uint64_t checks = auth.password_checks();
  ASSERT_FALSE(auth.login_password("eve@example.com", "x"));
  EXPECT_EQ(auth.password_checks(), checks + 1);
  ASSERT_FALSE(auth.login_password("ada@example.com", "x"));
  EXPECT_EQ(auth.password_checks(), checks + 2);

  ASSERT_TRUE(auth.set_status(user->id, auth::UserStatus::kSuspended, "root"));
  EXPECT_EQ(auth.login_password("ada@example.com", "correct horse battery").error().reason,
            "AUTH_USER_SUSPENDED");
  EXPECT_EQ(audit_actions(),
            (std::vector<std::string>{"auth.user.create/ok", "auth.login/ok", "auth.login/failed",
                                      "auth.login/failed", "auth.login/failed", "auth.login/failed",
                                      "auth.user.status/ok", "auth.session.revoke/ok",
                                      "auth.login/denied"}));
}

TEST_P(AuthStoreConformance, LoginRehashesWhenParametersWereRaised) {
  ASSERT_TRUE(service().create_user("ada@example.com", "", "correct horse battery"));
  auth::AuthOptions stronger;
  stronger.password = {19456, 3, 1};
  service_.reset();
  auto& auth = service(stronger);
  ASSERT_TRUE(auth.login_password("ada@example.com", "correct horse battery"));
  auto record = *store_->user_by_email("ada@example.com");
  EXPECT_EQ(crypto::password_hash_params(record->password_hash)->iterations, 3u);
  EXPECT_TRUE(auth.login_password("ada@example.com", "correct horse battery"));
}

TEST_P(AuthStoreConformance, SessionsExpireIdleAndAbsolute) {
  auth::AuthOptions options;
  options.session_idle_timeout = hours(1);
  options.session_absolute_timeout = hours(3);
  auto& auth = service(options);
  auto user = *auth.create_user("ada@example.com");
  auto created = auth.create_session(user.id, {"2001:db8::1", "cairn-test/1"});
  ASSERT_TRUE(created) << created.error().to_string();
  auto [session, token] = *created;
  EXPECT_TRUE(token.starts_with("cairn_s_"));
  EXPECT_EQ(token.size(), 8 + 43u);
  EXPECT_EQ(session.expires_at, env_.now() + hours(1));
  EXPECT_EQ(session.ip, "2001:db8::1");
  Timestamp start = env_.now();

  env_.advance(seconds(30));  // inside the touch interval: no write
  EXPECT_EQ(auth.validate_session(token)->last_seen, start);
  env_.advance(minutes(50));
  auto touched = *auth.validate_session(token);
  EXPECT_EQ(touched.last_seen, env_.now());
  EXPECT_EQ(touched.expires_at, env_.now() + hours(1));
  for (int i = 0; i < 2; ++i) {
    env_.advance(minutes(50));
    ASSERT_TRUE(auth.validate_session(token)) << i;
  }
  env_.advance(minutes(50));
  // 3h20 after creation: the absolute timeout has passed though the session was busy.
  auto absolute = auth.validate_session(token);
  EXPECT_EQ(absolute.error().reason, "AUTH_TOKEN_EXPIRED");

  auto idle = *auth.create_session(user.id);
  env_.advance(hours(1));
  EXPECT_EQ(auth.validate_session(idle.token).error().reason, "AUTH_TOKEN_EXPIRED");
  EXPECT_EQ(auth.validate_session("cairn_s_" + std::string(43, 'A')).error().reason,
            "AUTH_TOKEN_INVALID");
  EXPECT_EQ(auth.validate_session("garbage").error().reason, "AUTH_TOKEN_INVALID");
  auto purged = *auth.purge_expired();
  EXPECT_EQ(purged.sessions, 2);
}

TEST_P(AuthStoreConformance, RotationRevocationAndListing) {
  auto& auth = service();
  auto user = *auth.create_user("ada@example.com");
  auto first = *auth.create_session(user.id);
  env_.advance(seconds(1));
  auto second = *auth.create_session(user.id);
  auto rotated = auth.rotate_session(first.token);
  ASSERT_TRUE(rotated);
  EXPECT_EQ(rotated->session.id, first.session.id);
  EXPECT_EQ(rotated->session.created_at, first.session.created_at);
  EXPECT_NE(rotated->token, first.token);
  EXPECT_EQ(auth.validate_session(first.token).error().reason, "AUTH_TOKEN_INVALID");
  EXPECT_TRUE(auth.validate_session(rotated->token));
  EXPECT_EQ(auth.rotate_session(first.token).error().reason, "AUTH_TOKEN_INVALID");

  auto listed = *auth.sessions(user.id);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].id, second.session.id);
  ASSERT_TRUE(auth.revoke_session(second.token));
  EXPECT_EQ(auth.validate_session(second.token).error().reason, "AUTH_TOKEN_INVALID");
  EXPECT_EQ(auth.revoke_session_id(user.id, "nope").error().reason, "AUTH_SESSION_NOT_FOUND");
  auto third = *auth.create_session(user.id);
  EXPECT_EQ(*auth.revoke_all_sessions(user.id), 2);
  EXPECT_EQ(auth.validate_session(third.token).error().reason, "AUTH_TOKEN_INVALID");
  EXPECT_EQ(auth.create_session("nobody").error().reason, "AUTH_USER_NOT_FOUND");
  EXPECT_EQ(auth.create_session(user.id, {"not an ip", ""}).error().reason, "AUTH_REQUEST_INVALID");
}

TEST_P(AuthStoreConformance, CachedValidationStillSeesRevocationsAtOnce) {
  auth::AuthOptions options;
  options.session_cache_ttl = seconds(30);
  auto& auth = service(options);
  auto user = *auth.create_user("ada@example.com");
  auto a = *auth.create_session(user.id);
  auto b = *auth.create_session(user.id);
  ASSERT_TRUE(auth.validate_session(a.token));
  ASSERT_TRUE(auth.validate_session(b.token));
  ASSERT_TRUE(auth.revoke_session(a.token));
  EXPECT_EQ(auth.validate_session(a.token).error().reason, "AUTH_TOKEN_INVALID");
  ASSERT_TRUE(auth.set_status(user.id, auth::UserStatus::kSuspended, "root"));
  EXPECT_EQ(auth.validate_session(b.token).error().reason, "AUTH_TOKEN_INVALID");
}

TEST_P(AuthStoreConformance, ApiKeysValidateExpireAndRevoke) {
  auto& auth = service();
  auth::ApiKeyOptions options;
  options.prefix = "cr_sa_";
  options.name = "deploy";
  options.scopes = {"secrets:read", "secrets:read", "secrets:write"};
  options.expires_at = env_.now() + hours(1);
  auto created = auth.create_api_key("sa-1", options);
  ASSERT_TRUE(created) << created.error().to_string();
  EXPECT_TRUE(created->secret.starts_with("cr_sa_"));
  EXPECT_EQ(created->key.display, created->secret.substr(0, 10));
  EXPECT_EQ(created->key.scopes, (std::vector<std::string>{"secrets:read", "secrets:write"}));
  auto valid = auth.validate_api_key(created->secret);
  ASSERT_TRUE(valid);
  EXPECT_EQ(valid->id, created->key.id);
  EXPECT_EQ(valid->last_used_at, env_.now());

  std::string typo = created->secret;
  typo[10] = typo[10] == 'x' ? 'y' : 'x';
  EXPECT_EQ(auth.validate_api_key(typo).error().reason, "AUTH_TOKEN_INVALID");
  env_.advance(hours(1));
  EXPECT_EQ(auth.validate_api_key(created->secret).error().reason, "AUTH_TOKEN_EXPIRED");

  auto forever = *auth.create_api_key("sa-1");
  EXPECT_TRUE(forever.secret.starts_with("cairn_"));
  ASSERT_TRUE(auth.revoke_api_key(forever.key.id, "admin"));
  EXPECT_EQ(auth.validate_api_key(forever.secret).error().reason, "AUTH_TOKEN_INVALID");
  EXPECT_EQ(auth.revoke_api_key(forever.key.id).error().reason, "AUTH_KEY_NOT_FOUND");
  EXPECT_EQ(auth.api_keys("sa-1")->size(), 2u);
  options.expires_at = env_.now();
  EXPECT_EQ(auth.create_api_key("sa-1", options).error().reason, "AUTH_KEY_EXPIRY_INVALID");
  options.expires_at.reset();
  options.scopes = {"has space"};
  EXPECT_EQ(auth.create_api_key("sa-1", options).error().reason, "AUTH_KEY_SCOPE_INVALID");
  EXPECT_EQ(auth.create_api_key("").error().reason, "AUTH_OWNER_INVALID");
  auto counts = *auth.purge_expired();
  EXPECT_EQ(counts.api_keys, 1);  // the expired one; the revoked one stays listed for 30 days
  env_.advance(hours(24 * 31));
  EXPECT_EQ(auth.purge_expired()->api_keys, 1);
}

TEST_P(AuthStoreConformance, LoginCodesFollowColdrunesRules) {
  auto& auth = service();
  auto code = auth.request_login_code("new@example.com");
  ASSERT_TRUE(code) << code.error().to_string();
  EXPECT_EQ(code->size(), 6u);
  EXPECT_TRUE(std::all_of(code->begin(), code->end(), ::isdigit));
  // Right code: a session, and the user is created (passwordless sign-up).
  auto session = auth.verify_login_code("NEW@example.com", *code);
  ASSERT_TRUE(session) << session.error().to_string();
  EXPECT_EQ(auth.user(session->session.user_id)->email, "new@example.com");
  // Used up.
  EXPECT_EQ(auth.verify_login_code("new@example.com", *code).error().reason, "AUTH_CODE_INVALID");

  // One wrong guess invalidates the code.
  env_.advance(minutes(1));
  auto second = *auth.request_login_code("new@example.com");
  std::string wrong = second == "000000" ? "000001" : "000000";
  EXPECT_EQ(auth.verify_login_code("new@example.com", wrong).error().reason, "AUTH_CODE_INVALID");
  EXPECT_EQ(auth.verify_login_code("new@example.com", second).error().reason, "AUTH_CODE_INVALID");

  // A malformed code is a typing slip: it uses nothing up and counts nothing.
  auto kept = *auth.request_login_code("new@example.com");
  EXPECT_EQ(auth.verify_login_code("new@example.com", "12 345").error().reason,
            "AUTH_CODE_MALFORMED");
  EXPECT_EQ(auth.verify_login_code("new@example.com", "12345").error().reason,
            "AUTH_CODE_MALFORMED");
  EXPECT_TRUE(auth.verify_login_code("new@example.com", kept));

  // Expiry after 10 minutes.
  auto third = *auth.request_login_code("new@example.com");
  env_.advance(minutes(10));
  EXPECT_EQ(auth.verify_login_code("new@example.com", third).error().reason, "AUTH_CODE_EXPIRED");
}

TEST_P(AuthStoreConformance, CodeRequestsAreLimitedPerEmailAndSurviveRestart) {
  Timestamp start = env_.now();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(service().request_login_code("a@example.com")) << i;
    env_.advance(minutes(1));
  }
  restart();
  auto limited = service().request_login_code("a@example.com");
  if (persistent()) {
    ASSERT_FALSE(limited);
    EXPECT_EQ(limited.error().code, ErrorCode::kResourceExhausted);
    EXPECT_EQ(limited.error().reason, "AUTH_RATE_LIMITED");
    // The first request leaves the 15-minute window at start + 15 min; it is now start + 5 min.
    EXPECT_EQ(limited.error().retry_after, minutes(10));
    EXPECT_TRUE(service().request_login_code("b@example.com"));
    env_.set_now(start + minutes(15));
    EXPECT_TRUE(service().request_login_code("a@example.com"));
  } else {
    EXPECT_TRUE(limited);  // memory: a restart forgets
  }
}

// A guess that is not `code`.
std::string wrong_guess(const std::string& code) { return code == "123456" ? "654321" : "123456"; }

TEST_P(AuthStoreConformance, TenFailuresLockOneAddressOutForTheRestOfTheHour) {
  auto& auth = service();
  ASSERT_TRUE(auth.create_user("a@example.com"));
  auth::RequestInfo stranger{"203.0.113.1", ""};
  auth::RequestInfo owner{"198.51.100.7", ""};
  Timestamp start = env_.now();
  for (int i = 0; i < 10; ++i) {
    auto code = auth.request_login_code("a@example.com", stranger);
    ASSERT_TRUE(code) << i << " " << code.error().to_string();
    auto r = auth.verify_login_code("a@example.com", wrong_guess(*code), stranger);
    EXPECT_EQ(r.error().reason, "AUTH_CODE_INVALID") << i;
    env_.advance(minutes(4));
  }
  auto locked = auth.request_login_code("a@example.com", stranger);
  ASSERT_FALSE(locked);
  EXPECT_EQ(locked.error().reason, "AUTH_LOCKED_OUT");
  EXPECT_EQ(locked.error().retry_after, minutes(20));  // first failure at start, now start+40
  EXPECT_EQ(auth.verify_login_code("a@example.com", "123456", stranger).error().reason,
            "AUTH_LOCKED_OUT");
  // The owner, from elsewhere, is not locked out by the stranger.
  auto mine = auth.request_login_code("a@example.com", owner);
  ASSERT_TRUE(mine) << mine.error().to_string();
  EXPECT_TRUE(auth.verify_login_code("a@example.com", *mine, owner));
  env_.set_now(start + hours(1));
  EXPECT_TRUE(auth.request_login_code("a@example.com", stranger));
  auto actions = audit_actions();
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "auth.lockout/ok"), 1);
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "auth.code.verify/failed"), 10);
}

TEST_P(AuthStoreConformance, GuessesWithoutAPendingCodeCountForNothing) {
  auto& auth = service();
  ASSERT_TRUE(auth.create_user("a@example.com"));
  for (int i = 0; i < 25; ++i) {
    EXPECT_EQ(auth.verify_login_code("a@example.com", "123456").error().reason, "AUTH_CODE_INVALID")
        << i;
  }
  auto code = auth.request_login_code("a@example.com");
  ASSERT_TRUE(code) << code.error().to_string();
  EXPECT_TRUE(auth.verify_login_code("a@example.com", *code));
  auto actions = audit_actions();
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "auth.code.verify/failed"), 0);
}

TEST_P(AuthStoreConformance, CodeRequestsAreLimitedPerAddressAndPerEmail) {
  auto& auth = service();
  auto from = [](int i) { return auth::RequestInfo{"203.0.113." + std::to_string(i), ""}; };
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(auth.request_login_code("a@example.com", from(1)));
  EXPECT_EQ(auth.request_login_code("a@example.com", from(1)).error().reason, "AUTH_RATE_LIMITED");
  // Other addresses have their own budget, up to 20 requests for the email from everyone.
  for (int a = 2; a <= 4; ++a) {
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(auth.request_login_code("a@example.com", from(a))) << a << " " << i;
    }
  }
  auto ceiling = auth.request_login_code("a@example.com", from(5));
  ASSERT_FALSE(ceiling);
  EXPECT_EQ(ceiling.error().reason, "AUTH_RATE_LIMITED");
  EXPECT_GT(ceiling.error().retry_after.count(), 0);
}

TEST_P(AuthStoreConformance, AnIPv6ClientIsCountedByItsSlash64) {
  auto& auth = service();
  for (int i = 1; i <= 5; ++i) {
    auth::RequestInfo from{"2001:db8:7:7::" + std::to_string(i), ""};
    ASSERT_TRUE(auth.request_login_code("a@example.com", from)) << i;
  }
  auto limited = auth.request_login_code("a@example.com", {"2001:db8:7:7:ffff::1", ""});
  ASSERT_FALSE(limited);
  EXPECT_EQ(limited.error().reason, "AUTH_RATE_LIMITED");
  EXPECT_TRUE(auth.request_login_code("a@example.com", {"2001:db8:7:8::1", ""}));
}

TEST_P(AuthStoreConformance, UnknownEmailsLeaveNoAuditEntries) {
  auto& auth = service();
  size_t before = audit_actions().size();
  auto code = auth.request_login_code("ghost@example.com");
  ASSERT_TRUE(code);
  EXPECT_FALSE(auth.verify_login_code("ghost@example.com", wrong_guess(*code)));
  EXPECT_EQ(audit_actions().size(), before);
}

TEST_P(AuthStoreConformance, EmailsWithControlCharactersAreRefusedBeforeAnythingIsCounted) {
  auto& auth = service();
  for (std::string_view email : {"\nvictim@example.com", "victim@example.com\r",
                                 "vic\ttim@example.com", "victim@exa\x7fmple.com"}) {
    auto requested = auth.request_login_code(email);
    ASSERT_FALSE(requested) << email;
    EXPECT_EQ(requested.error().reason, "AUTH_EMAIL_INVALID") << email;
    EXPECT_EQ(auth.verify_login_code(email, "123456").error().reason, "AUTH_EMAIL_INVALID");
  }
  // Nothing was counted against the real address.
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(auth.request_login_code("victim@example.com")) << i;
  EXPECT_EQ(*auth::normalize_email(" \tVictim@Example.COM\t "), "victim@example.com");
}

TEST_P(AuthStoreConformance, CodesForSuspendedUsersGiveNoSession) {
  auto& auth = service();
  auto user = *auth.create_user("a@example.com");
  ASSERT_TRUE(auth.set_status(user.id, auth::UserStatus::kSuspended, "root"));
  auto code = *auth.request_login_code("a@example.com");
  EXPECT_EQ(auth.verify_login_code("a@example.com", code).error().reason, "AUTH_USER_SUSPENDED");
}

TEST_P(AuthStoreConformance, StoreBackedRateLimiterHoldsAcrossRestarts) {
  auto limiter = *service().rate_limiter("api", {1.0, 2});
  EXPECT_TRUE(limiter->hit("10.0.0.1")->allowed);
  EXPECT_TRUE(limiter->hit("10.0.0.1")->allowed);
  EXPECT_FALSE(limiter->hit("10.0.0.1")->allowed);
  limiter.reset();
  restart();
  auto again = *service().rate_limiter("api", {1.0, 2});
  auto decision = *again->hit("10.0.0.1");
  EXPECT_EQ(decision.allowed, !persistent());
  if (persistent()) {
    EXPECT_EQ(decision.retry_after, seconds(1));
  }
  EXPECT_TRUE((*service().rate_limiter("other", {1.0, 1}))->hit("10.0.0.1")->allowed);
  EXPECT_EQ(service().rate_limiter("", {1.0, 1}).error().reason, "AUTH_RATE_LIMIT_NAME_INVALID");
  EXPECT_EQ(service().rate_limiter("api:ip", {1.0, 1}).error().reason,
            "AUTH_RATE_LIMIT_NAME_INVALID");
}

TEST_P(AuthStoreConformance, IdentitiesRolesAndPasswordChanges) {
  auto& auth = service();
  auto user = *auth.create_user("a@example.com", "A");
  ASSERT_TRUE(auth.link_identity(user.id, "github", "583231"));
  EXPECT_EQ(auth.link_identity(user.id, "github", "583231").error().reason, "AUTH_IDENTITY_EXISTS");
  EXPECT_EQ(auth.user_by_identity("github", "583231")->id, user.id);
  EXPECT_EQ(auth.user_by_identity("github", "1").error().reason, "AUTH_IDENTITY_NOT_FOUND");
  ASSERT_TRUE(auth.set_roles(user.id, {"admin", "admin", "viewer"}, "root"));
  EXPECT_EQ(auth.user(user.id)->roles, (std::vector<std::string>{"admin", "viewer"}));
  EXPECT_EQ(auth.set_roles(user.id, {"Admin"}, "root").error().reason, "AUTH_ROLE_INVALID");
  EXPECT_EQ(auth.login_password("a@example.com", "").error().reason, "AUTH_INVALID_CREDENTIALS");
  ASSERT_TRUE(auth.set_password(user.id, "a new passphrase"));
  EXPECT_TRUE(auth.login_password("a@example.com", "a new passphrase"));
  EXPECT_EQ(auth.set_password("nobody", "a new passphrase").error().reason, "AUTH_USER_NOT_FOUND");
}

TEST_P(AuthStoreConformance, FailedChangesLeaveTheStoreUntouched) {
  auto& auth = service();
  auto before = log_->size().value();
  EXPECT_FALSE(auth.create_user("a@example.com", std::string(300, 'n')));
  auth::ApiKeyOptions bad_prefix;
  bad_prefix.prefix = "Bad";
  EXPECT_FALSE(auth.create_api_key("o", bad_prefix));
  EXPECT_TRUE(store_->users()->empty());
  EXPECT_TRUE(store_->api_keys("o")->empty());
  EXPECT_EQ(log_->size().value(), before);
}

CAIRN_INSTANTIATE_CONFORMANCE(AuthStoreConformance);

}  // namespace
}  // namespace cairn::testing
