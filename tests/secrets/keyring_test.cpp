// Keyring keys (secrets/keyring.hpp) on every backend: made once, stored only wrapped under the
// master key, re-wrapped with the data keys when the master key rotates.
#include "cairn/secrets/keyring.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>

#include "cairn/core/encoding.hpp"
#include "cairn/secrets/service.hpp"
#include "storage/internal/stores.hpp"
#include "support/conformance.hpp"
#include "support/temp_dir.hpp"

namespace cairn::testing {
namespace {

using secrets::MasterKey;
using secrets::open_keyring_key;

constexpr const char* kKey1 = "1111111111111111111111111111111111111111111111111111111111111111";
constexpr const char* kKey2 = "2222222222222222222222222222222222222222222222222222222222222222";

Bytes bytes_of(const crypto::SecretBytes& key) { return {key.view().begin(), key.view().end()}; }

// Whether `needle` occurs in `haystack`.
bool contains(const std::string& haystack, ByteView needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) !=
         haystack.end();
}

class KeyringConformance : public StoreConformanceTest {
 protected:
  void SetUp() override {
    StoreConformanceTest::SetUp();
    store_ = storage::internal::make_secrets_store(database());
  }
  void restart() {
    store_.reset();
    reopen();
    store_ = storage::internal::make_secrets_store(database());
  }
  Result<crypto::SecretBytes> open(const char* master, std::string_view name = "engine.sealing") {
    return open_keyring_key(*store_, *MasterKey::parse(master), name, env_);
  }

  FakeEnv env_;
  std::unique_ptr<secrets::SecretsStore> store_;
};

TEST_P(KeyringConformance, FirstUseMakesAKeyThatLaterUsesReturn) {
  auto first = open(kKey1);
  ASSERT_TRUE(first) << first.error().to_string();
  EXPECT_EQ(first->size(), secrets::kKeyringKeyBytes);
  auto again = open(kKey1);
  ASSERT_TRUE(again);
  EXPECT_EQ(bytes_of(*again), bytes_of(*first));
  auto other = open(kKey1, "other.key");
  ASSERT_TRUE(other);
  EXPECT_NE(bytes_of(*other), bytes_of(*first));
  if (!persistent()) return;
  restart();
  auto reopened = open(kKey1);
  ASSERT_TRUE(reopened) << reopened.error().to_string();
  EXPECT_EQ(bytes_of(*reopened), bytes_of(*first));
}

TEST_P(KeyringConformance, BindsTheStoreToItsMasterKeyAndRefusesAnother) {
  ASSERT_TRUE(open(kKey1));
  auto wrong = open(kKey2);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(wrong.error().reason, "SECRETS_MASTER_KEY_MISMATCH");
  // Also for a name not used yet: nothing is stored under the wrong key.
  EXPECT_EQ(open(kKey2, "new.key").error().reason, "SECRETS_MASTER_KEY_MISMATCH");
  auto stale = store_->init_keyring_key("new.key", MasterKey::parse(kKey2)->check(), Bytes(60, 1));
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().reason, "SECRETS_MASTER_KEY_MISMATCH");
  // With the stored check, the first wrapped key stored under a name is kept.
  EXPECT_EQ(
      store_->init_keyring_key("new.key", MasterKey::parse(kKey1)->check(), Bytes(60, 1)).value(),
      Bytes(60, 1));
  EXPECT_EQ(
      store_->init_keyring_key("new.key", MasterKey::parse(kKey1)->check(), Bytes(60, 2)).value(),
      Bytes(60, 1));
}

TEST_P(KeyringConformance, RejectsBadNames) {
  for (std::string_view name : {"", "Engine", "a/b", "has space"}) {
    auto r = open(kKey1, name);
    ASSERT_FALSE(r) << name;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().reason, "SECRETS_NAME_INVALID");
  }
}

TEST_P(KeyringConformance, MasterKeyRotationRewrapsKeyringKeysWithTheDataKeys) {
  auto key = open(kKey1);
  ASSERT_TRUE(key);
  auto audit_store = storage::internal::make_audit_store(database());
  auto log = audit::AuditLog::open(*audit_store, "main", env_).value();
  auto service = secrets::SecretsService::create(*store_, *log, env_, *MasterKey::parse(kKey1));
  ASSERT_TRUE(service) << service.error().to_string();
  ASSERT_TRUE((*service)->create_org("acme", "owner@acme.io"));
  ASSERT_TRUE((*service)->create_project("acme", "web", "owner@acme.io"));
  ASSERT_TRUE((*service)->create_environment("acme", "web", "prod", "owner@acme.io"));
  ASSERT_TRUE((*service)->set("acme", "web", "prod", "TOKEN", "t0k3n", "owner@acme.io"));
  ASSERT_TRUE((*service)->rotate_master_key(*MasterKey::parse(kKey2)));

  auto after = open(kKey2);
  ASSERT_TRUE(after) << after.error().to_string();
  EXPECT_EQ(bytes_of(*after), bytes_of(*key));
  EXPECT_EQ(open(kKey1).error().reason, "SECRETS_MASTER_KEY_MISMATCH");
  EXPECT_EQ(*(*service)->get("acme", "web", "prod", "TOKEN", "owner@acme.io"), "t0k3n");
}

TEST_P(KeyringConformance, AFailedRewrapChangesNothing) {
  auto key = open(kKey1);
  ASSERT_TRUE(key);
  MasterKey one = *MasterKey::parse(kKey1);
  MasterKey two = *MasterKey::parse(kKey2);
  auto keep_data_key = [](const std::string&, const secrets::SealedVersion& v) -> Result<Bytes> {
    return v.wrapped_key;
  };
  auto failing = [](const std::string&, ByteView) -> Result<Bytes> {
    return fail(ErrorCode::kDataLoss, "SECRETS_DECRYPT_FAILED", "test: refuse");
  };
  auto failed = store_->rewrap_all(one.check(), two.check(), keep_data_key, failing);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().reason, "SECRETS_DECRYPT_FAILED");
  auto still = open(kKey1);
  ASSERT_TRUE(still) << still.error().to_string();
  EXPECT_EQ(bytes_of(*still), bytes_of(*key));
  // The keyring callback sees each key once, by name, as it was wrapped.
  std::vector<std::string> seen;
  auto rewrap = [&](const std::string& name, ByteView wrapped) -> Result<Bytes> {
    seen.push_back(name);
    return secrets::rewrap_key(one, two, wrapped, secrets::keyring_key_aad(name));
  };
  ASSERT_TRUE(store_->rewrap_all(one.check(), two.check(), keep_data_key, rewrap));
  EXPECT_EQ(seen, std::vector<std::string>{"engine.sealing"});
  EXPECT_EQ(bytes_of(*open(kKey2)), bytes_of(*key));
}

CAIRN_INSTANTIATE_CONFORMANCE(KeyringConformance);

TEST(KeyringEnvelopeTest, WrappedKeysOpenOnlyUnderTheirName) {
  MasterKey master = *MasterKey::parse(kKey1);
  Bytes key(32, 7);
  Bytes wrapped = *secrets::wrap_key(master, key, secrets::keyring_key_aad("a.key"));
  EXPECT_EQ(wrapped.size(), 12u + 32u + 16u);
  auto opened = secrets::unwrap_key(master, wrapped, secrets::keyring_key_aad("a.key"));
  ASSERT_TRUE(opened);
  EXPECT_EQ(bytes_of(*opened), key);
  auto moved = secrets::unwrap_key(master, wrapped, secrets::keyring_key_aad("b.key"));
  EXPECT_EQ(moved.error().reason, "SECRETS_DECRYPT_FAILED");
  auto other =
      secrets::unwrap_key(*MasterKey::parse(kKey2), wrapped, secrets::keyring_key_aad("a.key"));
  EXPECT_EQ(other.error().reason, "SECRETS_DECRYPT_FAILED");
  // The AAD is length-prefixed: a name cannot borrow bytes from the label.
  EXPECT_NE(secrets::keyring_key_aad("ab"), secrets::keyring_key_aad("a"));
}

// The SQLite file itself: what a copy of it holds.
class KeyringSqliteTest : public ::testing::Test {
 protected:
  std::string path() const { return dir_.file("keyring.db"); }
  std::string read_file() const {
    std::ifstream in(path(), std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  // Runs `sql` on the file directly, collecting the first column's blobs.
  std::vector<Bytes> blobs(const std::string& sql) {
    sqlite3* db = nullptr;
    std::vector<Bytes> out;
    EXPECT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(stmt, 0));
      out.emplace_back(data, data + sqlite3_column_bytes(stmt, 0));
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return out;
  }

  TempDir dir_;
  FakeEnv env_;
};

TEST_F(KeyringSqliteTest, StoresKeysOnlyWrappedAndDetectsTampering) {
  Bytes key;
  {
    auto db = storage::open("sqlite:" + path()).value();
    auto store = storage::internal::make_secrets_store(*db);
    auto opened = open_keyring_key(*store, *MasterKey::parse(kKey1), "engine.sealing", env_);
    ASSERT_TRUE(opened) << opened.error().to_string();
    key = bytes_of(*opened);
  }
  auto stored = blobs("SELECT wrapped_key FROM secrets_keyring_keys WHERE name = 'engine.sealing'");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].size(), 12u + 32u + 16u);
  std::string file = read_file();
  EXPECT_FALSE(contains(file, key)) << "the keyring key is in the file in clear";
  EXPECT_FALSE(contains(file, as_bytes(encoding::hex_encode(key))));

  blobs("UPDATE secrets_keyring_keys SET wrapped_key = zeroblob(60)");
  auto db = storage::open("sqlite:" + path()).value();
  auto store = storage::internal::make_secrets_store(*db);
  auto altered = open_keyring_key(*store, *MasterKey::parse(kKey1), "engine.sealing", env_);
  ASSERT_FALSE(altered);
  EXPECT_EQ(altered.error().code, ErrorCode::kDataLoss);
  EXPECT_EQ(altered.error().reason, "SECRETS_DECRYPT_FAILED");
}

}  // namespace
}  // namespace cairn::testing
