// cairn-vault's backups: the CRBU format, retention, snapshots of a live database, staging and
// restoring.
#include "vault/backup.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "cairn/core/encoding.hpp"
#include "cairn/crypto/aead.hpp"
#include "cairn/crypto/mac.hpp"
#include "cairn/engine.hpp"
#include "support/temp_dir.hpp"

namespace cairn::vault {
namespace {

using std::chrono::hours;

const std::string kMasterHex(64, 'a');

Bytes master() { return *encoding::hex_decode(kMasterHex); }

Timestamp at(int year, unsigned month, unsigned day, int hour = 12) {
  auto t = std::chrono::sys_days(std::chrono::year_month_day{
               std::chrono::year(year), std::chrono::month(month), std::chrono::day(day)}) +
           hours(hour);
  return std::chrono::time_point_cast<std::chrono::microseconds>(t);
}

int mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return static_cast<int>(st.st_mode & 0777);
}

TEST(VaultBackupTest, FormatIsMagicVersionNonceAndGcmUnderTheHkdfKey) {
  FakeEnv env;
  Bytes snapshot = to_bytes("SQLite format 3\0 and the rest of a database");
  Bytes key = backup_key(master());
  // The documented derivation, computed here independently of backup_key().
  EXPECT_EQ(key, *crypto::hkdf_sha256(master(), {}, as_bytes("cairn-vault-backup-key"), 32));
  auto sealed = seal_backup(key, snapshot, env);
  ASSERT_TRUE(sealed);
  ASSERT_EQ(sealed->size(), 5 + 12 + snapshot.size() + 16);
  EXPECT_EQ(to_string(ByteView(*sealed).first(4)), "CRBU");
  EXPECT_EQ((*sealed)[4], 1);
  auto plain = crypto::aes_gcm_open(key, ByteView(*sealed).subspan(5, 12),
                                    ByteView(*sealed).subspan(17), ByteView(*sealed).first(5));
  ASSERT_TRUE(plain);
  EXPECT_EQ(*plain, snapshot);
  EXPECT_EQ(*open_backup(key, *sealed), snapshot);
  // Two backups of the same data never share a nonce.
  EXPECT_NE(ByteView(*seal_backup(key, snapshot, env)).subspan(5, 12).size(), 0U);
  EXPECT_NE(*seal_backup(key, snapshot, env), *sealed);
}

TEST(VaultBackupTest, RefusesChangedTruncatedForeignAndUnknownVersions) {
  FakeEnv env;
  Bytes key = backup_key(master());
  Bytes sealed = *seal_backup(key, to_bytes("snapshot bytes"), env);
  for (size_t i = 0; i < sealed.size(); ++i) {
    Bytes changed = sealed;
    changed[i] ^= 0x01;
    EXPECT_EQ(open_backup(key, changed).error().reason, "VAULT_BACKUP_CORRUPT") << i;
  }
  EXPECT_EQ(open_backup(key, ByteView(sealed).first(20)).error().code, ErrorCode::kDataLoss);
  EXPECT_EQ(open_backup(key, {}).error().reason, "VAULT_BACKUP_CORRUPT");
  Bytes other = backup_key(Bytes(32, 7));
  EXPECT_EQ(open_backup(other, sealed).error().reason, "VAULT_BACKUP_CORRUPT");
}

TEST(VaultBackupTest, IdsAreTimeAndRandomHexOnly) {
  EXPECT_TRUE(backup_id_ok("20261122T101500Z-0a1b2c3d"));
  EXPECT_FALSE(backup_id_ok("20261122T101500Z-0A1B2C3D"));
  EXPECT_FALSE(backup_id_ok("../../etc/passwd"));
  EXPECT_FALSE(backup_id_ok("20261122T101500Z-0a1b2c3"));
  EXPECT_FALSE(backup_id_ok("2026112xT101500Z-0a1b2c3d"));
  EXPECT_FALSE(backup_id_ok(""));
}

TEST(VaultBackupTest, RetentionKeepsTheNewestOfEachDayAndIsoWeek) {
  // Now: Sunday 2026-11-22. Daily keeps 2 days (21st, 22nd); weekly keeps 2 ISO weeks (the one
  // starting Monday 16th and the one starting Monday 9th).
  Timestamp now = at(2026, 11, 22, 18);
  std::vector<BackupInfo> all = {
      {"a-22-late", at(2026, 11, 22, 12)}, {"a-22-early", at(2026, 11, 22, 1)},
      {"b-21", at(2026, 11, 21)},          {"c-20", at(2026, 11, 20)},
      {"d-15", at(2026, 11, 15)},          {"e-10", at(2026, 11, 10)},
      {"f-09", at(2026, 11, 9)},           {"g-01", at(2026, 11, 1)},
  };
  auto expired = expired_backups(all, now, {2, 2});
  std::sort(expired.begin(), expired.end());
  // Kept: a-22-late (day 22 and week of 16th), b-21 (day 21), d-15 (newest of week of 9th).
  EXPECT_EQ(expired, (std::vector<std::string>{"a-22-early", "c-20", "e-10", "f-09", "g-01"}));
  EXPECT_TRUE(expired_backups(all, now, {0, 0}).empty());
  EXPECT_EQ(expired_backups(all, now, {1, 0}).size(), all.size() - 1);
}

TEST(VaultBackupTest, SnapshotsALiveDatabaseAndStagesARestoreWithoutReplacingIt) {
  testing::TempDir dir;
  std::string db = dir.file("vault.db");
  EngineOptions options;
  options.master_key = kMasterHex;
  auto engine = Engine::open("sqlite:" + db, options);
  ASSERT_TRUE(engine);
  auto& s = *(*engine)->secrets();
  ASSERT_TRUE(s.create_org("acme", "ada@acme.io"));
  ASSERT_TRUE(s.create_project("acme", "web", "ada@acme.io"));
  ASSERT_TRUE(s.create_environment("acme", "web", "prod", "ada@acme.io"));
  ASSERT_TRUE(s.set("acme", "web", "prod", "DB", "in-the-backup", "ada@acme.io"));

  Backups backups(db, dir.file("backups"), master(), (*engine)->env());
  auto info = backups.create();
  ASSERT_TRUE(info) << info.error().to_string();
  EXPECT_TRUE(backup_id_ok(info->id));
  std::string file = dir.file("backups/" + info->id + ".crbu");
  EXPECT_EQ(mode_of(file), 0600);
  EXPECT_EQ(mode_of(dir.file("backups")), 0700);
  // Only the encrypted file remains: no plaintext snapshot, no temporary.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.file("backups")),
                          std::filesystem::directory_iterator()),
            1);
  ASSERT_TRUE(s.set("acme", "web", "prod", "DB", "after-the-backup", "ada@acme.io"));
  auto listed = backups.list();
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1U);
  EXPECT_EQ((*listed)[0].id, info->id);
  EXPECT_EQ((*listed)[0].size, info->size);

  EXPECT_EQ(backups.stage_restore("nope").error().reason, "VAULT_BACKUP_ID_INVALID");
  EXPECT_EQ(backups.stage_restore("20000101T000000Z-00000000").error().reason,
            "VAULT_BACKUP_NOT_FOUND");
  auto staged = backups.stage_restore(info->id);
  ASSERT_TRUE(staged) << staged.error().to_string();
  EXPECT_EQ(*staged, db + ".restore." + info->id);
  EXPECT_EQ(mode_of(*staged), 0600);
  EXPECT_TRUE(check_snapshot(*staged));
  // The live database is untouched and still serves the newer value.
  EXPECT_EQ(*s.get("acme", "web", "prod", "DB", "ada@acme.io"), "after-the-backup");

  // Installed into an empty data directory, the backup opens with the same master key.
  std::string target = dir.file("fresh/vault.db");
  ASSERT_TRUE(restore_file(file, master(), target));
  EXPECT_EQ(mode_of(target), 0600);
  EXPECT_EQ(restore_file(file, master(), target).error().reason, "VAULT_RESTORE_TARGET_EXISTS");
  {
    auto restored = Engine::open("sqlite:" + target, options);
    ASSERT_TRUE(restored) << restored.error().to_string();
    EXPECT_EQ(*(*restored)->secrets()->get("acme", "web", "prod", "DB", "ada@acme.io"),
              "in-the-backup");
    EXPECT_TRUE((*restored)->audit().verify());
  }
  EXPECT_EQ(restore_file(file, Bytes(32, 1), dir.file("other/vault.db")).error().reason,
            "VAULT_BACKUP_CORRUPT");
  EXPECT_FALSE(std::filesystem::exists(dir.file("other/vault.db")));
  EXPECT_EQ(
      restore_file(dir.file("missing.crbu"), master(), dir.file("other/vault.db")).error().reason,
      "VAULT_BACKUP_NOT_FOUND");
}

TEST(VaultBackupTest, SnapshotCheckRefusesWhatIsNotACairnDatabase) {
  testing::TempDir dir;
  std::string junk = dir.file("junk.db");
  std::ofstream(junk) << "not a database at all, just text long enough";
  EXPECT_EQ(check_snapshot(junk).error().reason, "VAULT_BACKUP_CORRUPT");
  // A database cairn made passes.
  std::string plain = dir.file("plain.db");
  {
    auto db = storage::open("sqlite:" + plain);  // has schema_migrations: a cairn database
    ASSERT_TRUE(db);
  }
  EXPECT_TRUE(check_snapshot(plain));
}

TEST(VaultBackupTest, PruneDeletesWhatRetentionNoLongerKeeps) {
  testing::TempDir dir;
  std::string db = dir.file("vault.db");
  EngineOptions options;
  options.master_key = kMasterHex;
  FakeEnv env(at(2026, 11, 1));
  options.env = &env;
  auto engine = Engine::open("sqlite:" + db, options);
  ASSERT_TRUE(engine);
  Backups backups(db, dir.file("backups"), master(), env);
  ASSERT_TRUE(backups.create());
  env.set_now(at(2026, 11, 22, 9));
  auto old_same_day = backups.create();
  env.set_now(at(2026, 11, 22, 10));
  auto newest = backups.create();
  ASSERT_TRUE(newest && old_same_day);
  auto pruned = backups.prune({1, 0});
  ASSERT_TRUE(pruned);
  EXPECT_EQ(pruned->size(), 2U);
  auto left = backups.list();
  ASSERT_EQ(left->size(), 1U);
  EXPECT_EQ((*left)[0].id, newest->id);
}

}  // namespace
}  // namespace cairn::vault
