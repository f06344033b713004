// SecretsStore on every backend, through SecretsService.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cairn/secrets/service.hpp"
#include "storage/internal/stores.hpp"
#include "support/conformance.hpp"

namespace cairn::testing {
namespace {

using secrets::MasterKey;
using secrets::Permission;
using secrets::Role;
using secrets::SecretsService;

constexpr const char* kKey1 = "1111111111111111111111111111111111111111111111111111111111111111";
constexpr const char* kKey2 = "2222222222222222222222222222222222222222222222222222222222222222";
constexpr const char* kOwner = "owner@acme.io";
constexpr const char* kDev = "dev@acme.io";
constexpr const char* kMember = "member@acme.io";

class SecretsConformance : public StoreConformanceTest {
 protected:
  void SetUp() override {
    StoreConformanceTest::SetUp();
    open_all(kKey1);
  }
  void open_all(const char* master) {
    service_.reset();
    log_.reset();
    audit_store_.reset();
    store_ = storage::internal::make_secrets_store(database());
    audit_store_ = storage::internal::make_audit_store(database());
    log_ = audit::AuditLog::open(*audit_store_, "main", env_).value();
    auto created = SecretsService::create(*store_, *log_, env_, *MasterKey::parse(master));
    if (created) service_ = std::move(*created);
  }
  void restart(const char* master) {
    service_.reset();
    log_.reset();
    audit_store_.reset();
    store_.reset();
    reopen();
    open_all(master);
  }
  SecretsService& s() { return *service_; }
  // acme / billing / {dev, prod}, with a developer and a member.
  void seed() {
    ASSERT_TRUE(s().create_org("acme", kOwner));
    ASSERT_TRUE(s().add_member("acme", kDev, Role::kDeveloper, kOwner));
    ASSERT_TRUE(s().add_member("acme", kMember, Role::kMember, kOwner));
    ASSERT_TRUE(s().create_project("acme", "billing", kOwner));
    ASSERT_TRUE(s().create_project("acme", "web", kOwner));
    ASSERT_TRUE(s().create_environment("acme", "billing", "dev", kOwner));
    ASSERT_TRUE(s().create_environment("acme", "billing", "prod", kOwner));
    ASSERT_TRUE(s().create_environment("acme", "web", "prod", kOwner));
  }
  std::vector<nlohmann::json> audit_entries() {
    std::vector<nlohmann::json> out;
    auto entries = log_->entries(0, 10000);
    EXPECT_TRUE(entries);
    for (const auto& e : *entries) {
      out.push_back({{"actor", e.entry.actor_id},
                     {"action", e.entry.action},
                     {"resource", e.entry.resource_id},
                     {"outcome", e.entry.outcome},
                     {"details", e.entry.details}});
    }
    return out;
  }

  FakeEnv env_;
  std::unique_ptr<secrets::SecretsStore> store_;
  std::unique_ptr<audit::AuditStore> audit_store_;
  std::unique_ptr<audit::AuditLog> log_;
  std::unique_ptr<SecretsService> service_;
};

TEST_P(SecretsConformance, VersionsAsOfRollbackDeleteRestore) {
  seed();
  Timestamp t0 = env_.now();
  EXPECT_EQ(*s().set("acme", "billing", "prod", "DB_URL", "v1-value", kOwner), 1);
  env_.advance(std::chrono::seconds(10));
  EXPECT_EQ(*s().set("acme", "billing", "prod", "DB_URL", "v2-value", kOwner), 2);
  env_.advance(std::chrono::seconds(10));
  EXPECT_EQ(*s().get("acme", "billing", "prod", "DB_URL", kOwner), "v2-value");
  EXPECT_EQ(*s().get("acme", "billing", "prod", "DB_URL", kOwner, 1), "v1-value");
  EXPECT_EQ(*s().get("acme", "billing", "prod", "DB_URL", kOwner, std::nullopt,
                     t0 + std::chrono::seconds(5)),
            "v1-value");
  EXPECT_EQ(s().get("acme", "billing", "prod", "DB_URL", kOwner, std::nullopt,
                    t0 - std::chrono::seconds(1))
                .error()
                .reason,
            "SECRET_VERSION_NOT_FOUND");
  EXPECT_EQ(s().get("acme", "billing", "prod", "DB_URL", kOwner, 7).error().reason,
            "SECRET_VERSION_NOT_FOUND");
  EXPECT_EQ(s().get("acme", "billing", "prod", "DB_URL", kOwner, 1, t0).error().reason,
            "SECRETS_VERSION_SELECTOR_INVALID");
  EXPECT_EQ(*s().rollback("acme", "billing", "prod", "DB_URL", 1, kOwner), 3);
  EXPECT_EQ(*s().get("acme", "billing", "prod", "DB_URL", kOwner), "v1-value");
  auto versions = *s().versions("acme", "billing", "prod", "DB_URL", kOwner);
  ASSERT_EQ(versions.size(), 3u);
  EXPECT_EQ(versions[0].created_at, t0);
  EXPECT_EQ(versions[2].created_by, kOwner);
  EXPECT_EQ(*s().list("acme", "billing", "prod", kOwner), std::vector<std::string>{"DB_URL"});

  ASSERT_TRUE(s().remove("acme", "billing", "prod", "DB_URL", kOwner));
  EXPECT_EQ(s().get("acme", "billing", "prod", "DB_URL", kOwner).error().reason,
            "SECRET_NOT_FOUND");
  EXPECT_TRUE(s().list("acme", "billing", "prod", kOwner)->empty());
  ASSERT_TRUE(s().restore("acme", "billing", "prod", "DB_URL", kOwner));
  EXPECT_EQ(*s().get("acme", "billing", "prod", "DB_URL", kOwner), "v1-value");
  // Name reuse after deletion starts a new secret; the old one cannot come back over it.
  ASSERT_TRUE(s().remove("acme", "billing", "prod", "DB_URL", kOwner));
  EXPECT_EQ(*s().set("acme", "billing", "prod", "DB_URL", "fresh", kOwner), 1);
  EXPECT_EQ(s().restore("acme", "billing", "prod", "DB_URL", kOwner).error().reason,
            "SECRET_EXISTS");
  EXPECT_EQ(*s().get("acme", "billing", "prod", "DB_URL", kOwner), "fresh");
}

TEST_P(SecretsConformance, AclFollowsColdrunesRules) {
  seed();
  ASSERT_TRUE(s().set("acme", "billing", "prod", "API_KEY", "k", kOwner));
  // Deny by default.
  auto denied = s().get("acme", "billing", "prod", "API_KEY", kDev);
  EXPECT_EQ(denied.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(denied.error().reason, "SECRETS_ACCESS_DENIED");
  // A member cannot write even with a write rule; a developer can.
  auto member_rule = s().grant("acme", kMember, "*", "*", Permission::kWrite, kOwner);
  ASSERT_TRUE(member_rule);
  EXPECT_TRUE(s().get("acme", "billing", "prod", "API_KEY", kMember));
  EXPECT_EQ(s().set("acme", "billing", "prod", "API_KEY", "x", kMember).error().reason,
            "SECRETS_ACCESS_DENIED");
  auto check = *s().check("acme", kMember, "billing", "prod", Permission::kWrite);
  EXPECT_FALSE(check.allowed);
  EXPECT_EQ(check.reason, "capped by role member");
  auto dev_rule = *s().grant("acme", kDev, "bill*", "{dev,staging}", Permission::kRead, kOwner);
  EXPECT_TRUE(s().check("acme", kDev, "billing", "dev", Permission::kRead)->allowed);
  EXPECT_EQ(s().check("acme", kDev, "billing", "dev", Permission::kRead)->rule, dev_rule);
  EXPECT_FALSE(s().check("acme", kDev, "billing", "prod", Permission::kRead)->allowed);
  EXPECT_FALSE(s().check("acme", kDev, "billing", "dev", Permission::kWrite)->allowed);
  // Granting the same subject and patterns again updates the rule.
  EXPECT_EQ(*s().grant("acme", kDev, "bill*", "{dev,staging}", Permission::kWrite, kOwner),
            dev_rule);
  EXPECT_TRUE(s().check("acme", kDev, "billing", "dev", Permission::kWrite)->allowed);
  EXPECT_EQ(s().rules("acme", kOwner)->size(), 2u);
  // Owners, admins and superadmins bypass.
  EXPECT_EQ(s().check("acme", kOwner, "x", "y", Permission::kAdmin)->rule, "role:owner");
  ASSERT_TRUE(s().add_member("acme", "admin@acme.io", Role::kAdmin, kOwner));
  EXPECT_EQ(s().check("acme", "admin@acme.io", "x", "y", Permission::kAdmin)->rule, "role:admin");
  EXPECT_FALSE(*s().is_superadmin("root@ops.io"));
  ASSERT_TRUE(s().set_superadmin("root@ops.io"));
  EXPECT_TRUE(*s().is_superadmin("root@ops.io"));
  EXPECT_FALSE(*s().is_superadmin("sa:root@ops.io"));
  EXPECT_EQ(s().check("acme", "root@ops.io", "x", "y", Permission::kAdmin)->rule, "superadmin");
  EXPECT_FALSE(s().check("acme", "stranger@x.io", "billing", "dev", Permission::kRead)->allowed);
  // Only admins manage rules; bad patterns are refused at grant time.
  EXPECT_EQ(s().grant("acme", kDev, "*", "*", Permission::kAdmin, kDev).error().reason,
            "SECRETS_ACCESS_DENIED");
  EXPECT_EQ(s().grant("acme", kDev, "{a", "*", Permission::kRead, kOwner).error().reason,
            "ACL_PATTERN_INVALID");
  ASSERT_TRUE(s().revoke("acme", dev_rule, kOwner));
  EXPECT_FALSE(s().check("acme", kDev, "billing", "dev", Permission::kRead)->allowed);
  EXPECT_EQ(s().revoke("acme", dev_rule, kOwner).error().reason, "ACL_RULE_NOT_FOUND");
  EXPECT_EQ(s().add_member("acme", "x@acme.io", Role::kOwner, "admin@acme.io").error().reason,
            "SECRETS_ACCESS_DENIED");
}

TEST_P(SecretsConformance, ServiceAccountsNeedRulesAndStayInTheirProject) {
  seed();
  ASSERT_TRUE(s().set("acme", "billing", "prod", "TOKEN", "t", kOwner));
  ASSERT_TRUE(s().set("acme", "web", "prod", "TOKEN", "w", kOwner));
  auto created = s().create_service_account("acme", "ci", kOwner, "billing");
  ASSERT_TRUE(created) << created.error().to_string();
  EXPECT_TRUE(created->api_key.starts_with("cr_sa_"));
  EXPECT_EQ(created->account.subject(), "sa:ci");
  auto account = s().authenticate_api_key(created->api_key);
  ASSERT_TRUE(account);
  EXPECT_EQ(account->name, "ci");
  EXPECT_FALSE(s().get("acme", "billing", "prod", "TOKEN", "sa:ci"));  // no rule yet
  ASSERT_TRUE(s().grant("acme", "sa:ci", "*", "prod", Permission::kRead, kOwner));
  EXPECT_EQ(*s().get("acme", "billing", "prod", "TOKEN", "sa:ci"), "t");
  auto other = s().get("acme", "web", "prod", "TOKEN", "sa:ci");
  EXPECT_EQ(other.error().reason, "SECRETS_ACCESS_DENIED");
  EXPECT_EQ(s().grant("acme", "sa:nobody", "*", "*", Permission::kRead, kOwner).error().reason,
            "SECRETS_SERVICE_ACCOUNT_NOT_FOUND");
  std::string typo = created->api_key;
  typo[8] = typo[8] == 'a' ? 'b' : 'a';
  EXPECT_EQ(s().authenticate_api_key(typo).error().reason, "AUTH_TOKEN_INVALID");
  ASSERT_TRUE(s().create_service_account("acme", "deploy", kOwner));
  auto listed = s().service_accounts("acme", kOwner);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 2U);
  EXPECT_EQ((*listed)[0].name, "ci");
  EXPECT_EQ((*listed)[0].project, "billing");
  EXPECT_EQ((*listed)[1].name, "deploy");
  EXPECT_EQ(s().service_accounts("acme", "sa:ci").error().reason, "SECRETS_ACCESS_DENIED");
  ASSERT_TRUE(s().revoke_service_account("acme", "ci", kOwner));
  EXPECT_EQ(s().service_accounts("acme", kOwner)->size(), 1U);
  EXPECT_EQ(s().authenticate_api_key(created->api_key).error().reason, "AUTH_TOKEN_INVALID");
  EXPECT_TRUE(s().rules("acme", kOwner)->empty());  // its rules went with it
  // The name is free again, with a new key and no rules.
  auto again = s().create_service_account("acme", "ci", kOwner);
  ASSERT_TRUE(again);
  EXPECT_FALSE(s().get("acme", "billing", "prod", "TOKEN", "sa:ci"));
}

TEST_P(SecretsConformance, ReferencesExpandWithAccessChecksAndCycleDetection) {
  seed();
  ASSERT_TRUE(s().set("acme", "billing", "prod", "HOST", "db.internal", kOwner));
  ASSERT_TRUE(s().set("acme", "billing", "prod", "PASS", "pw", kOwner));
  ASSERT_TRUE(s().set("acme", "billing", "dev", "USER", "app", kOwner));
  ASSERT_TRUE(s().set("acme", "web", "prod", "PORT", "5432", kOwner));
  ASSERT_TRUE(s().set("acme", "billing", "prod", "URL",
                      "postgres://${dev.USER}:${PASS}@${HOST}:${web.prod.PORT}/x?a=$${literal}",
                      kOwner));
  EXPECT_EQ(*s().get("acme", "billing", "prod", "URL", kOwner),
            "postgres://app:pw@db.internal:5432/x?a=${literal}");
  EXPECT_EQ(*s().get("acme", "billing", "prod", "URL", kOwner, std::nullopt, std::nullopt, false),
            "postgres://${dev.USER}:${PASS}@${HOST}:${web.prod.PORT}/x?a=$${literal}");
  // A reader of billing/prod who cannot read web/prod gets a denial, not a partial value.
  ASSERT_TRUE(s().grant("acme", kDev, "billing", "*", Permission::kRead, kOwner));
  EXPECT_EQ(s().get("acme", "billing", "prod", "URL", kDev).error().reason,
            "SECRETS_ACCESS_DENIED");
  ASSERT_TRUE(s().set("acme", "billing", "prod", "A", "${B}", kOwner));
  ASSERT_TRUE(s().set("acme", "billing", "prod", "B", "x${A}", kOwner));
  EXPECT_EQ(s().get("acme", "billing", "prod", "A", kOwner).error().reason,
            "SECRETS_REFERENCE_CYCLE");
  // A chain of 12 references is too deep.
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(s().set("acme", "billing", "dev", "R" + std::to_string(i),
                        "${R" + std::to_string(i + 1) + "}", kOwner));
  }
  ASSERT_TRUE(s().set("acme", "billing", "dev", "R12", "end", kOwner));
  EXPECT_EQ(s().get("acme", "billing", "dev", "R0", kOwner).error().reason,
            "SECRETS_REFERENCE_TOO_DEEP");
  EXPECT_EQ(*s().get("acme", "billing", "dev", "R5", kOwner), "end");
  // One read resolves at most 100 references.
  std::string many;
  for (int i = 0; i < 101; ++i) many += "${HOST}";
  ASSERT_TRUE(s().set("acme", "billing", "prod", "MANY", many, kOwner));
  EXPECT_EQ(s().get("acme", "billing", "prod", "MANY", kOwner).error().reason,
            "SECRETS_REFERENCE_LIMIT");
  // A past version's references read what was current then.
  ASSERT_TRUE(s().set("acme", "billing", "prod", "PASS", "new-pw", kOwner));
  auto url_versions = *s().versions("acme", "billing", "prod", "URL", kOwner);
  EXPECT_EQ(url_versions.size(), 1u);
  EXPECT_EQ(*s().get("acme", "billing", "prod", "URL", kOwner),
            "postgres://app:new-pw@db.internal:5432/x?a=${literal}");
  ASSERT_TRUE(s().set("acme", "billing", "dev", "BAD", "${a.b.c.D}", kOwner));
  EXPECT_EQ(s().get("acme", "billing", "dev", "BAD", kOwner).error().reason,
            "SECRETS_REFERENCE_INVALID");
}

TEST_P(SecretsConformance, ExportAndImport) {
  seed();
  ASSERT_TRUE(s().set("acme", "billing", "prod", "B_MULTI", "line1\nline2 \"q\" $HOME \\", kOwner));
  ASSERT_TRUE(s().set("acme", "billing", "prod", "A_PLAIN", "hello", kOwner));
  auto dotenv = s().export_env("acme", "billing", "prod", kOwner);
  ASSERT_TRUE(dotenv);
  EXPECT_EQ(*dotenv, "A_PLAIN=\"hello\"\nB_MULTI=\"line1\\nline2 \\\"q\\\" \\$HOME \\\\\"\n");
  auto json = s().export_env("acme", "billing", "prod", kOwner, secrets::ExportFormat::kJson);
  EXPECT_EQ(nlohmann::json::parse(*json)["B_MULTI"], "line1\nline2 \"q\" $HOME \\");
  // Round trip into another environment.
  EXPECT_EQ(*s().import_env("acme", "billing", "dev", *dotenv, kOwner), 2);
  EXPECT_EQ(*s().get("acme", "billing", "dev", "B_MULTI", kOwner), "line1\nline2 \"q\" $HOME \\");
  EXPECT_EQ(*s().import_env("acme", "billing", "dev", *json, kOwner, secrets::ExportFormat::kJson),
            0);  // nothing changed
  EXPECT_EQ(*s().import_env("acme", "billing", "dev",
                            "# comment\nexport NEW='single $x'\nBARE = spaced  \n", kOwner),
            2);
  EXPECT_EQ(*s().get("acme", "billing", "dev", "NEW", kOwner), "single $x");
  EXPECT_EQ(*s().get("acme", "billing", "dev", "BARE", kOwner), "spaced");
  // Repeated keys: the last wins, one version. Unknown escapes and inline comments.
  EXPECT_EQ(*s().import_env("acme", "billing", "dev",
                            "DUP=1\nDUP=2\nWIN=\"C:\\temp\\x\"\nPORT=5432 # primary\n", kOwner),
            3);
  EXPECT_EQ(s().versions("acme", "billing", "dev", "DUP", kOwner)->size(), 1u);
  EXPECT_EQ(*s().get("acme", "billing", "dev", "DUP", kOwner), "2");
  EXPECT_EQ(*s().get("acme", "billing", "dev", "WIN", kOwner), "C:\\temp\\x");
  EXPECT_EQ(*s().get("acme", "billing", "dev", "PORT", kOwner), "5432");
  auto bad = s().import_env("acme", "billing", "dev", "GOOD=1\n9BAD=2\n", kOwner);
  EXPECT_EQ(bad.error().reason, "SECRETS_IMPORT_INVALID");
  EXPECT_EQ(s().get("acme", "billing", "dev", "GOOD", kOwner).error().reason, "SECRET_NOT_FOUND");
}

TEST_P(SecretsConformance, ExportExpandsReferencesInOneAuditEntry) {
  seed();
  ASSERT_TRUE(s().set("acme", "billing", "dev", "DB_HOST", "dev-db.internal", kOwner));
  ASSERT_TRUE(s().set("acme", "billing", "prod", "HOST", "db.internal", kOwner));
  ASSERT_TRUE(s().set("acme", "billing", "prod", "URL", "pg://${HOST}/app $${X}", kOwner));
  ASSERT_TRUE(s().set("acme", "billing", "prod", "DEV_URL", "pg://${dev.DB_HOST}", kOwner));
  size_t before = audit_entries().size();

  auto json = s().export_env("acme", "billing", "prod", kOwner, secrets::ExportFormat::kJson, true);
  ASSERT_TRUE(json) << json.error().to_string();
  EXPECT_EQ(nlohmann::json::parse(*json), nlohmann::json({{"DEV_URL", "pg://dev-db.internal"},
                                                          {"HOST", "db.internal"},
                                                          {"URL", "pg://db.internal/app ${X}"}}));
  auto entries = audit_entries();
  ASSERT_EQ(entries.size(), before + 1);  // one entry for the whole read, references included
  EXPECT_EQ(entries.back()["action"], "secrets.export");
  auto details = nlohmann::json::parse(entries.back()["details"].get<std::string>());
  EXPECT_EQ(details["references"],
            nlohmann::json({"acme/billing/dev/DB_HOST", "acme/billing/prod/HOST"}));

  auto dotenv =
      s().export_env("acme", "billing", "prod", kOwner, secrets::ExportFormat::kDotenv, true);
  ASSERT_TRUE(dotenv);
  EXPECT_EQ(*dotenv,
            "DEV_URL=\"pg://dev-db.internal\"\nHOST=\"db.internal\"\n"
            "URL=\"pg://db.internal/app \\${X}\"\n");
  // Unexpanded unless asked, as before.
  auto raw = s().export_env("acme", "billing", "prod", kOwner, secrets::ExportFormat::kJson);
  EXPECT_EQ(nlohmann::json::parse(*raw)["URL"], "pg://${HOST}/app $${X}");

  // A reader who may not read a referenced secret gets no export at all.
  ASSERT_TRUE(s().grant("acme", kMember, "billing", "prod", Permission::kRead, kOwner));
  EXPECT_TRUE(s().export_env("acme", "billing", "prod", kMember));
  auto denied =
      s().export_env("acme", "billing", "prod", kMember, secrets::ExportFormat::kJson, true);
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().reason, "SECRETS_ACCESS_DENIED");
  // Cycles fail as they do in get().
  ASSERT_TRUE(s().set("acme", "billing", "prod", "A", "${B}", kOwner));
  ASSERT_TRUE(s().set("acme", "billing", "prod", "B", "${A}", kOwner));
  EXPECT_EQ(s().export_env("acme", "billing", "prod", kOwner, secrets::ExportFormat::kJson, true)
                .error()
                .reason,
            "SECRETS_REFERENCE_CYCLE");
}

TEST(EnvDocumentTest, ParsesAsImportDoes) {
  auto entries =
      secrets::parse_env_document("# comment\nexport A='x $y'\nB=\"one\\ntwo\"\nA=2 # inline\n",
                                  secrets::ExportFormat::kDotenv);
  ASSERT_TRUE(entries);
  using Entries = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(*entries, (Entries{{"B", "one\ntwo"}, {"A", "2"}}));
  EXPECT_EQ(*secrets::parse_env_document(R"({"K":"v"})", secrets::ExportFormat::kJson),
            (Entries{{"K", "v"}}));
  EXPECT_EQ(secrets::parse_env_document("K=\xff\n", secrets::ExportFormat::kDotenv).error().reason,
            "SECRETS_IMPORT_INVALID");
  EXPECT_EQ(secrets::parse_env_document("[1]", secrets::ExportFormat::kJson).error().reason,
            "SECRETS_IMPORT_INVALID");
}

TEST_P(SecretsConformance, AuditRecordsReadsAndDenialsButNeverValues) {
  seed();
  ASSERT_TRUE(s().set("acme", "billing", "prod", "TOKEN", "very-secret-value", kOwner));
  ASSERT_TRUE(s().get("acme", "billing", "prod", "TOKEN", kOwner));
  ASSERT_FALSE(s().get("acme", "billing", "prod", "TOKEN", kDev));
  auto entries = audit_entries();
  bool read = false;
  bool denial = false;
  for (const auto& e : entries) {
    EXPECT_EQ(e.dump().find("very-secret-value"), std::string::npos);
    if (e["action"] == "secrets.get" && e["outcome"] == "ok") {
      read = true;
      EXPECT_EQ(e["resource"], "acme/billing/prod/TOKEN");
      EXPECT_EQ(nlohmann::json::parse(e["details"].get<std::string>())["rule"], "role:owner");
    }
    if (e["action"] == "secrets.get" && e["outcome"] == "denied") {
      denial = true;
      EXPECT_EQ(e["actor"], kDev);
    }
  }
  EXPECT_TRUE(read);
  EXPECT_TRUE(denial);
}

TEST_P(SecretsConformance, RotationRewrapsEverythingAndBindsTheNewKey) {
  seed();
  ASSERT_TRUE(s().set("acme", "billing", "prod", "A", "alpha", kOwner));
  ASSERT_TRUE(s().set("acme", "billing", "prod", "A", "alpha2", kOwner));
  ASSERT_TRUE(s().set("acme", "billing", "dev", "B", "beta", kOwner));
  ASSERT_TRUE(s().rotate_master_key(*MasterKey::parse(kKey2)));
  EXPECT_EQ(*s().get("acme", "billing", "prod", "A", kOwner, 1), "alpha");
  EXPECT_EQ(*s().get("acme", "billing", "dev", "B", kOwner), "beta");
  if (!persistent()) return;
  restart(kKey1);
  EXPECT_EQ(service_, nullptr);  // the old key no longer opens the store
  auto wrong = SecretsService::create(*store_, *log_, env_, *MasterKey::parse(kKey1));
  EXPECT_EQ(wrong.error().reason, "SECRETS_MASTER_KEY_MISMATCH");
  restart(kKey2);
  ASSERT_NE(service_, nullptr);
  EXPECT_EQ(*s().get("acme", "billing", "prod", "A", kOwner), "alpha2");
}

TEST_P(SecretsConformance, BadInputChangesNothing) {
  seed();
  EXPECT_EQ(s().set("acme", "billing", "prod", "9KEY", "x", kOwner).error().reason,
            "SECRETS_KEY_INVALID");
  EXPECT_EQ(s().set("acme", "billing", "prod", "K", std::string("\xff\xfe"), kOwner).error().reason,
            "SECRETS_VALUE_INVALID");
  EXPECT_EQ(s().set("acme", "nope", "prod", "K", "x", kOwner).error().reason,
            "SECRETS_PROJECT_NOT_FOUND");
  EXPECT_EQ(s().set("acme", "billing", "nope", "K", "x", kOwner).error().reason,
            "SECRETS_ENVIRONMENT_NOT_FOUND");
  EXPECT_EQ(s().set("nope", "billing", "prod", "K", "x", kOwner).error().reason,
            "SECRETS_ORG_NOT_FOUND");
  EXPECT_EQ(s().create_org("Bad Name", kOwner).error().reason, "SECRETS_NAME_INVALID");
  EXPECT_EQ(s().create_org(std::string(64, 'o'), kOwner).error().reason, "SECRETS_NAME_INVALID");
  EXPECT_EQ(s().set("acme", "billing", "prod", std::string(65, 'K'), "x", kOwner).error().reason,
            "SECRETS_KEY_INVALID");
  EXPECT_EQ(s().set_superadmin("sa:ci").error().reason, "SECRETS_SUBJECT_INVALID");
  EXPECT_EQ(s().create_org("acme", kOwner).error().reason, "SECRETS_ORG_EXISTS");
  EXPECT_EQ(s().create_project("acme", "billing", kOwner).error().reason, "SECRETS_PROJECT_EXISTS");
  EXPECT_EQ(s().create_project("acme", "ops", kDev).error().reason, "SECRETS_ACCESS_DENIED");
  EXPECT_TRUE(s().list("acme", "billing", "prod", kOwner)->empty());
}

TEST_P(SecretsConformance, OrganizationsKeepAnOwner) {
  seed();
  EXPECT_EQ(s().remove_member("acme", kOwner, kOwner).error().reason, "SECRETS_LAST_OWNER");
  EXPECT_EQ(s().add_member("acme", kOwner, Role::kAdmin, kOwner).error().reason,
            "SECRETS_LAST_OWNER");
  ASSERT_TRUE(s().add_member("acme", "second@acme.io", Role::kOwner, kOwner));
  ASSERT_TRUE(s().remove_member("acme", kOwner, "second@acme.io"));
  // A former member is an outsider: the org looks missing to them.
  EXPECT_EQ(s().members("acme", kOwner).error().reason, "SECRETS_ORG_NOT_FOUND");
  EXPECT_EQ(s().remove_member("acme", "nobody@acme.io", "second@acme.io").error().reason,
            "SECRETS_MEMBER_NOT_FOUND");
}

TEST_P(SecretsConformance, BatchWritesAreAllOrNothing) {
  seed();
  ASSERT_TRUE(s().set("acme", "billing", "prod", "A", "a1", kOwner));
  auto env = *store_->environment(
      (*store_->project((*store_->org_by_name("acme"))->id, "billing"))->id, "prod");
  Bytes check = *store_->init_key_check(Bytes(32, 0));  // returns the stored check
  std::vector<secrets::VersionWrite> writes = {{"A", "unused"}, {"B", "secret-b"}};
  auto failed = store_->append_versions(
      env->id, writes, check,
      [&](std::size_t i, const std::string&, int64_t) -> Result<secrets::SealedVersion> {
        if (i == 1) return fail(ErrorCode::kInternal, "TEST_SEAL_FAILED", "the second seal fails");
        return secrets::SealedVersion{};
      });
  EXPECT_EQ(failed.error().reason, "TEST_SEAL_FAILED");
  EXPECT_EQ(s().list("acme", "billing", "prod", kOwner).value(), std::vector<std::string>{"A"});
  EXPECT_EQ(s().versions("acme", "billing", "prod", "A", kOwner)->size(), 1U);

  // import_env writes through one batch: a bad key anywhere imports nothing.
  EXPECT_EQ(s().import_env("acme", "billing", "prod", "A=a2\nB=b\n", kOwner).value(), 2);
  EXPECT_EQ(*s().get("acme", "billing", "prod", "A", kOwner), "a2");
  std::string too_long = "C=c\nD=" + std::string(64 * 1024 + 1, 'x') + "\n";
  EXPECT_EQ(s().import_env("acme", "billing", "prod", too_long, kOwner).error().reason,
            "SECRETS_IMPORT_INVALID");
  EXPECT_EQ(s().list("acme", "billing", "prod", kOwner).value(),
            (std::vector<std::string>{"A", "B"}));
}

TEST_P(SecretsConformance, DeletedEnvironmentsProjectsAndOrgsFreeTheirNames) {
  seed();
  ASSERT_TRUE(s().set("acme", "billing", "prod", "DB_URL", "old", kOwner));
  ASSERT_TRUE(s().add_member("acme", "admin@acme.io", Role::kAdmin, kOwner));

  // Environments: admins only; the secrets below are gone and the name starts empty.
  EXPECT_EQ(s().delete_environment("acme", "billing", "prod", kDev).error().reason,
            "SECRETS_ACCESS_DENIED");
  ASSERT_TRUE(s().delete_environment("acme", "billing", "prod", "admin@acme.io"));
  EXPECT_EQ(s().get("acme", "billing", "prod", "DB_URL", kOwner).error().reason,
            "SECRETS_ENVIRONMENT_NOT_FOUND");
  EXPECT_EQ(s().environments("acme", "billing", kOwner).value(), std::vector<std::string>{"dev"});
  EXPECT_EQ(s().delete_environment("acme", "billing", "prod", kOwner).error().reason,
            "SECRETS_ENVIRONMENT_NOT_FOUND");
  ASSERT_TRUE(s().create_environment("acme", "billing", "prod", kOwner));
  EXPECT_TRUE(s().list("acme", "billing", "prod", kOwner)->empty());
  EXPECT_EQ(s().get("acme", "billing", "prod", "DB_URL", kOwner).error().reason,
            "SECRET_NOT_FOUND");
  EXPECT_EQ(*s().set("acme", "billing", "prod", "DB_URL", "new", kOwner), 1);

  // Projects, likewise.
  ASSERT_TRUE(s().set("acme", "web", "prod", "TOKEN", "w", kOwner));
  EXPECT_EQ(s().delete_project("acme", "web", kMember).error().reason, "SECRETS_ACCESS_DENIED");
  EXPECT_EQ(s().delete_project("acme", "nope", kOwner).error().reason, "SECRETS_PROJECT_NOT_FOUND");
  EXPECT_EQ(s().delete_project("acme", "../web", kOwner).error().reason, "SECRETS_NAME_INVALID");
  ASSERT_TRUE(s().delete_project("acme", "web", kOwner));
  EXPECT_EQ(s().projects("acme", kOwner).value(), std::vector<std::string>{"billing"});
  EXPECT_EQ(s().get("acme", "web", "prod", "TOKEN", kOwner).error().reason,
            "SECRETS_PROJECT_NOT_FOUND");
  ASSERT_TRUE(s().create_project("acme", "web", kOwner));
  EXPECT_EQ(s().environments("acme", "web", kOwner)->size(), 0U);

  // Orgs: owners (or a superadmin) only; service-account keys die with the org.
  auto account = s().create_service_account("acme", "ci", kOwner);
  ASSERT_TRUE(account);
  EXPECT_EQ(s().delete_org("acme", "admin@acme.io").error().reason, "SECRETS_ACCESS_DENIED");
  ASSERT_TRUE(s().delete_org("acme", kOwner));
  EXPECT_EQ(s().org("acme").error().reason, "SECRETS_ORG_NOT_FOUND");
  EXPECT_TRUE(s().orgs(kOwner)->empty());
  EXPECT_EQ(s().authenticate_api_key(account->api_key).error().reason, "AUTH_TOKEN_INVALID");
  EXPECT_EQ(s().delete_org("acme", kOwner).error().reason, "SECRETS_ORG_NOT_FOUND");

  // The name is free: a new org of that name is empty, and the old members are not in it.
  ASSERT_TRUE(s().create_org("acme", "new@acme.io"));
  EXPECT_TRUE(s().projects("acme", "new@acme.io")->empty());
  EXPECT_EQ(s().projects("acme", kOwner).error().reason, "SECRETS_ORG_NOT_FOUND");
  ASSERT_TRUE(s().set_superadmin("root@acme.io"));
  ASSERT_TRUE(s().delete_org("acme", "root@acme.io"));

  // Every step was audited, denials included.
  int deletes = 0;
  int denied = 0;
  for (const auto& e : audit_entries()) {
    std::string action = e["action"];
    if (action.ends_with(".delete") && action.starts_with("secrets.")) {
      ++deletes;
      if (e["outcome"] == "denied") ++denied;
    }
  }
  EXPECT_EQ(deletes, 7);
  EXPECT_EQ(denied, 3);
}

TEST_P(SecretsConformance, WritesUnderAStaleMasterKeyAreRefused) {
  seed();
  // What a second process would do after a first one rotated the key: its check is stale.
  auto env = *store_->environment(
      (*store_->project((*store_->org_by_name("acme"))->id, "billing"))->id, "prod");
  bool sealed = false;
  std::vector<secrets::VersionWrite> writes = {{"K", "secret-x"}};
  auto stale = store_->append_versions(
      env->id, writes, Bytes(32, 0),
      [&](std::size_t, const std::string&, int64_t) -> Result<secrets::SealedVersion> {
        sealed = true;
        return secrets::SealedVersion{};
      });
  EXPECT_EQ(stale.error().reason, "SECRETS_MASTER_KEY_MISMATCH");
  EXPECT_FALSE(sealed);
  EXPECT_TRUE(s().list("acme", "billing", "prod", kOwner)->empty());
  // And failed revocations are not audited as done.
  size_t before = audit_entries().size();
  EXPECT_EQ(s().revoke("acme", "no-such-rule", kOwner).error().reason, "ACL_RULE_NOT_FOUND");
  EXPECT_EQ(s().revoke_service_account("acme", "ghost", kOwner).error().reason,
            "SECRETS_SERVICE_ACCOUNT_NOT_FOUND");
  EXPECT_EQ(audit_entries().size(), before);
}

CAIRN_INSTANTIATE_CONFORMANCE(SecretsConformance);

}  // namespace
TEST_P(SecretsConformance, RemovingAMemberRemovesTheirRules) {
  seed();
  auto denied = s().grant("acme", "stranger@acme.io", "*", "*", Permission::kRead, kOwner);
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().reason, "SECRETS_SUBJECT_NOT_MEMBER");
  ASSERT_TRUE(s().grant("acme", kDev, "*", "*", Permission::kWrite, kOwner));
  ASSERT_TRUE(s().set("acme", "billing", "dev", "K", "v", kDev));
  ASSERT_TRUE(s().remove_member("acme", kDev, kOwner));
  EXPECT_TRUE(s().rules("acme", kOwner)->empty());
  ASSERT_TRUE(s().add_member("acme", kDev, Role::kDeveloper, kOwner));
  auto read = s().get("acme", "billing", "dev", "K", kDev);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().reason, "SECRETS_ACCESS_DENIED");
  if (!persistent()) return;
  restart(kKey1);
  auto rules = s().rules("acme", kOwner);
  ASSERT_TRUE(rules) << rules.error().to_string();
  EXPECT_TRUE(rules->empty());
}

TEST_P(SecretsConformance, OutsidersCannotTellExistingOrgsFromMissingOnes) {
  seed();
  for (std::string_view org : {"acme", "nope"}) {
    EXPECT_EQ(s().projects(org, "eve@evil.io").error().reason, "SECRETS_ORG_NOT_FOUND") << org;
    EXPECT_EQ(s().members(org, "eve@evil.io").error().reason, "SECRETS_ORG_NOT_FOUND") << org;
    EXPECT_EQ(s().get(org, "billing", "prod", "K", "eve@evil.io").error().reason,
              "SECRETS_ORG_NOT_FOUND")
        << org;
    EXPECT_EQ(s().get(org, "nope", "prod", "K", "eve@evil.io").error().reason,
              "SECRETS_ORG_NOT_FOUND")
        << org;
  }
  EXPECT_TRUE(s().visible_org("acme", kMember));
}

TEST_P(SecretsConformance, TheFirstSuperadminIsClaimedOncePerDatabase) {
  EXPECT_TRUE(s().superadmins()->empty());
  EXPECT_EQ(s().claim_first_superadmin("ada@acme.io").value(), true);
  EXPECT_EQ(s().claim_first_superadmin("eve@evil.io").value(), false);
  ASSERT_TRUE(s().grant_superadmin("bob@acme.io", "ada@acme.io"));
  EXPECT_EQ(s().revoke_superadmin("ada@acme.io", "ada@acme.io").error().reason,
            "SECRETS_SUPERADMIN_SELF");
  EXPECT_EQ(s().grant_superadmin("eve@evil.io", "eve@evil.io").error().reason,
            "SECRETS_ACCESS_DENIED");
  ASSERT_TRUE(s().revoke_superadmin("ada@acme.io", "bob@acme.io"));
  ASSERT_TRUE(s().revoke_superadmin("bob@acme.io", "bob@acme.io").error().reason ==
              "SECRETS_SUPERADMIN_SELF");
  EXPECT_EQ(*s().superadmins(), std::vector<std::string>{"bob@acme.io"});
  if (persistent()) restart(kKey1);
  // Closed for good, also with nobody left after a host unmakes the last one.
  ASSERT_TRUE(s().set_superadmin("bob@acme.io", false));
  EXPECT_EQ(s().claim_first_superadmin("eve@evil.io").value(), false);
  EXPECT_FALSE(s().is_superadmin("eve@evil.io").value());
}

TEST_P(SecretsConformance, ASuperadminSetByTheHostClosesTheClaim) {
  ASSERT_TRUE(s().set_superadmin("root@ops.io"));
  ASSERT_TRUE(s().set_superadmin("root@ops.io", false));
  EXPECT_EQ(s().claim_first_superadmin("eve@evil.io").value(), false);
}

// An account acting under its bound subject (ServiceAccount::actor()) never reaches another
// org, even one with an account of the same name and a rule for it; a project-bound account
// reaches its project only. The service decides: no host checks a scope.
TEST_P(SecretsConformance, ServiceAccountsNeverLeaveTheirOrganization) {
  seed();
  ASSERT_TRUE(s().set("acme", "billing", "prod", "TOKEN", "acme-token", kOwner));
  ASSERT_TRUE(s().create_org("globex", kOwner));
  ASSERT_TRUE(s().create_project("globex", "billing", kOwner));
  ASSERT_TRUE(s().create_environment("globex", "billing", "prod", kOwner));
  ASSERT_TRUE(s().set("globex", "billing", "prod", "TOKEN", "globex-token", kOwner));
  auto acme_ci = s().create_service_account("acme", "ci", kOwner);
  auto globex_ci = s().create_service_account("globex", "ci", kOwner);
  ASSERT_TRUE(acme_ci && globex_ci);
  ASSERT_TRUE(s().grant("acme", "sa:ci", "*", "*", Permission::kWrite, kOwner));
  ASSERT_TRUE(s().grant("globex", "sa:ci", "*", "*", Permission::kWrite, kOwner));
  if (persistent()) restart(kKey1);

  auto account = s().authenticate_api_key(acme_ci->api_key);
  ASSERT_TRUE(account);
  std::string actor = account->actor().to_string();
  EXPECT_EQ(actor, "sa:" + account->org_id + ":ci");
  EXPECT_EQ(*s().get("acme", "billing", "prod", "TOKEN", actor), "acme-token");
  // globex has an account "ci" with a rule, but this is acme's: globex looks missing to it.
  EXPECT_EQ(s().get("globex", "billing", "prod", "TOKEN", actor).error().reason,
            "SECRETS_ORG_NOT_FOUND");
  EXPECT_EQ(s().set("globex", "billing", "prod", "TOKEN", "x", actor).error().reason,
            "SECRETS_ORG_NOT_FOUND");
  EXPECT_EQ(s().visible_org("globex", actor).error().reason, "SECRETS_ORG_NOT_FOUND");
  EXPECT_EQ(s().list("globex", "billing", "prod", actor).error().reason, "SECRETS_ORG_NOT_FOUND");
  auto decision = s().check("globex", actor, "billing", "prod", Permission::kRead);
  ASSERT_TRUE(decision);
  EXPECT_FALSE(decision->allowed);
  EXPECT_EQ(decision->reason, "the service account belongs to another organization");
  // A rule in globex cannot name acme's account by its bound form either.
  EXPECT_EQ(s().grant("globex", actor, "*", "*", Permission::kRead, kOwner).error().reason,
            "SECRETS_SERVICE_ACCOUNT_NOT_FOUND");
  EXPECT_EQ(*s().get("globex", "billing", "prod", "TOKEN", "sa:ci"), "globex-token");

  // Audit entries name it within its org: "sa:ci".
  bool recorded = false;
  for (const auto& e : audit_entries()) {
    if (e["action"] == "secrets.get" && e["resource"] == "acme/billing/prod/TOKEN" &&
        e["outcome"] == "ok" && e["actor"] == "sa:ci") {
      recorded = true;
    }
  }
  EXPECT_TRUE(recorded);
}

TEST_P(SecretsConformance, AProjectBoundServiceAccountReachesItsProjectOnly) {
  seed();
  ASSERT_TRUE(s().set("acme", "billing", "prod", "TOKEN", "b", kOwner));
  ASSERT_TRUE(s().set("acme", "web", "prod", "TOKEN", "w", kOwner));
  auto created = s().create_service_account("acme", "deploy", kOwner, "billing");
  ASSERT_TRUE(created);
  // Even a rule for every project does not lift the binding.
  ASSERT_TRUE(s().grant("acme", "sa:deploy", "*", "*", Permission::kWrite, kOwner));
  if (persistent()) restart(kKey1);
  std::string actor = s().authenticate_api_key(created->api_key)->actor().to_string();
  EXPECT_EQ(*s().get("acme", "billing", "prod", "TOKEN", actor), "b");
  EXPECT_TRUE(s().set("acme", "billing", "dev", "TOKEN", "d", actor));
  EXPECT_EQ(s().get("acme", "web", "prod", "TOKEN", actor).error().reason, "SECRETS_ACCESS_DENIED");
  EXPECT_EQ(s().set("acme", "web", "prod", "TOKEN", "x", actor).error().reason,
            "SECRETS_ACCESS_DENIED");
  EXPECT_EQ(s().export_env("acme", "web", "prod", actor).error().reason, "SECRETS_ACCESS_DENIED");
  EXPECT_EQ(*s().get("acme", "web", "prod", "TOKEN", kOwner), "w");  // nothing was written
  // Service accounts manage nothing: not even their own org's accounts.
  EXPECT_EQ(s().service_accounts("acme", actor).error().reason, "SECRETS_ACCESS_DENIED");
  EXPECT_EQ(s().create_project("acme", "new", actor).error().reason, "SECRETS_ACCESS_DENIED");
}

TEST_P(SecretsConformance, SubjectsAreCheckedBeforeAnythingIsLookedUp) {
  seed();
  for (const char* bad : {"", "sa:", "sa:UPPER", "sa::ci", "sa:xyz:ci", "has space@acme.io"}) {
    EXPECT_EQ(s().get("acme", "billing", "prod", "TOKEN", bad).error().reason,
              "SECRETS_SUBJECT_INVALID")
        << bad;
    EXPECT_EQ(s().grant("acme", bad, "*", "*", Permission::kRead, kOwner).error().reason,
              "SECRETS_SUBJECT_INVALID")
        << bad;
  }
}

}  // namespace cairn::testing
