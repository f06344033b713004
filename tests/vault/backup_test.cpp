// cairn-vault's backups: the CRBU format and its binding, retention by kind, snapshots of a live
// database, staging and restoring, audit entries, durable renames and leftover sweeping.
#include "vault/backup.hpp"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "cairn/core/encoding.hpp"
#include "cairn/crypto/aead.hpp"
#include "cairn/crypto/mac.hpp"
#include "cairn/engine.hpp"
#include "support/temp_dir.hpp"

namespace {

// Every directory fsynced in this process, so tests can see that renames were made durable.
std::mutex& synced_mu() {
  static std::mutex mu;
  return mu;
}
std::vector<std::string>& synced_dirs() {
  static std::vector<std::string> dirs;
  return dirs;
}

}  // namespace

// A test seam: fsync(2) as the test binary sees it notes directories, then calls the real one.
extern "C" int fsync(int fd) {
  using Fsync = int (*)(int);
  static Fsync real = reinterpret_cast<Fsync>(::dlsym(RTLD_NEXT, "fsync"));
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    char link[64];
    std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    char target[PATH_MAX];
    ssize_t n = ::readlink(link, target, sizeof target - 1);
    if (n > 0) {
      std::lock_guard lock(synced_mu());
      synced_dirs().emplace_back(target, static_cast<std::size_t>(n));
    }
  }
  return real(fd);
}

namespace cairn::vault {
namespace {

using std::chrono::hours;

std::string master_hex() { return std::string(64, 'a'); }

Bytes master() { return *encoding::hex_decode(master_hex()); }

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

// How many times `dir` has been fsynced so far.
size_t syncs_of(const std::string& dir) {
  std::string canonical = std::filesystem::canonical(dir).string();
  std::lock_guard lock(synced_mu());
  return static_cast<size_t>(std::count(synced_dirs().begin(), synced_dirs().end(), canonical));
}

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& item : std::filesystem::directory_iterator(dir)) {
    out.push_back(item.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The backup entries of an audit log, in order.
std::vector<audit::Entry> backup_entries(audit::AuditLog& log) {
  std::vector<audit::Entry> out;
  auto all = log.entries(0, 10000);
  EXPECT_TRUE(all);
  for (const auto& stored : *all) {
    if (stored.entry.resource_type == "backup") out.push_back(stored.entry);
  }
  return out;
}

// A vault database opened by the engine, so it has an instance id.
struct Vault {
  explicit Vault(const std::string& path, Env* env = nullptr) : db(path) {
    EngineOptions options;
    options.master_key = secrets::MasterKey::from_hex(master_hex()).value();
    options.env = env;
    auto opened = Engine::open("sqlite:" + db, options);
    EXPECT_TRUE(opened) << opened.error().to_string();
    engine = std::move(*opened);
  }
  std::string db;
  std::unique_ptr<Engine> engine;
};

BackupInfo scheduled(std::string id, Timestamp t) {
  return {std::move(id), t, 0, BackupKind::kScheduled};
}

BackupBinding binding() {
  return {"0123456789abcdef0123456789abcdef", "20261122T101500Z-0a1b2c3d-manual"};
}

TEST(VaultBackupTest, FormatBindsTheInstanceAndIdInTheAssociatedData) {
  FakeEnv env;
  Bytes snapshot = to_bytes("SQLite format 3\0 and the rest of a database");
  Bytes key = backup_key(master());
  // The documented derivation, computed here independently of backup_key().
  EXPECT_EQ(key, *crypto::hkdf_sha256(master(), {}, as_bytes("cairn-vault-backup-key"), 32));
  auto sealed = seal_backup(key, binding(), snapshot, env);
  ASSERT_TRUE(sealed);
  // "CRBU" | 0x02 | u8 32 | instance id | u8 32 | backup id | nonce | ciphertext | tag
  size_t header = 5 + 1 + 32 + 1 + 32;
  ASSERT_EQ(sealed->size(), header + 12 + snapshot.size() + 16);
  ByteView file(*sealed);
  EXPECT_EQ(to_string(file.first(4)), "CRBU");
  EXPECT_EQ(file[4], 2);
  EXPECT_EQ(file[5], 32);
  EXPECT_EQ(to_string(file.subspan(6, 32)), binding().instance_id);
  EXPECT_EQ(file[38], 32);
  EXPECT_EQ(to_string(file.subspan(39, 32)), binding().backup_id);
  auto plain = crypto::aes_gcm_open(key, file.subspan(header, 12), file.subspan(header + 12),
                                    file.first(header));
  ASSERT_TRUE(plain);
  EXPECT_EQ(*plain, snapshot);
  EXPECT_EQ(*open_backup(key, file, binding()), snapshot);
  auto bound = read_backup_binding(file);
  ASSERT_TRUE(bound);
  EXPECT_EQ(bound->instance_id, binding().instance_id);
  EXPECT_EQ(bound->backup_id, binding().backup_id);
  // Two backups of the same data never share a nonce.
  EXPECT_NE(*seal_backup(key, binding(), snapshot, env), *sealed);
  EXPECT_EQ(seal_backup(key, {"", binding().backup_id}, snapshot, env).error().reason,
            "VAULT_BACKUP_ID_INVALID");
  EXPECT_EQ(
      seal_backup(key, {std::string(256, 'a'), binding().backup_id}, snapshot, env).error().reason,
      "VAULT_BACKUP_ID_INVALID");
}

TEST(VaultBackupTest, RefusesChangedTruncatedForeignAndOtherVersions) {
  FakeEnv env;
  Bytes key = backup_key(master());
  Bytes sealed = *seal_backup(key, binding(), to_bytes("snapshot bytes"), env);
  for (size_t i = 0; i < sealed.size(); ++i) {
    Bytes changed = sealed;
    changed[i] ^= 0x01;
    auto opened = open_backup(key, changed, binding());
    ASSERT_FALSE(opened) << i;
    // The version byte names another format; any other change fails the tag or the header.
    EXPECT_EQ(opened.error().reason,
              i == 4 ? "VAULT_BACKUP_VERSION_UNSUPPORTED" : "VAULT_BACKUP_CORRUPT")
        << i;
  }
  for (size_t n : {0, 4, 5, 20, 71, 82}) {
    EXPECT_EQ(open_backup(key, ByteView(sealed).first(n), binding()).error().code,
              ErrorCode::kDataLoss)
        << n;
  }
  Bytes other = backup_key(Bytes(32, 7));
  EXPECT_EQ(open_backup(other, sealed, binding()).error().reason, "VAULT_BACKUP_CORRUPT");
}

TEST(VaultBackupTest, RefusesAnIntactBackupBoundToAnotherIdOrInstance) {
  FakeEnv env;
  Bytes key = backup_key(master());
  Bytes sealed = *seal_backup(key, binding(), to_bytes("snapshot bytes"), env);
  auto renamed =
      open_backup(key, sealed, {binding().instance_id, "20261122T101500Z-ffffffff-manual"});
  EXPECT_EQ(renamed.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(renamed.error().reason, "VAULT_BACKUP_MISMATCH");
  auto rekinded =
      open_backup(key, sealed, {binding().instance_id, "20261122T101500Z-0a1b2c3d-scheduled"});
  EXPECT_EQ(rekinded.error().reason, "VAULT_BACKUP_MISMATCH");
  auto foreign = open_backup(key, sealed, {std::string(32, 'f'), binding().backup_id});
  EXPECT_EQ(foreign.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(foreign.error().reason, "VAULT_BACKUP_MISMATCH");
}

TEST(VaultBackupTest, RefusesFormatOneWithAClearReason) {
  // Format 1: "CRBU" | 0x01 | nonce | GCM with the 5 header bytes as associated data.
  FakeEnv env;
  Bytes key = backup_key(master());
  Bytes v1 = to_bytes("CRBU");
  v1.push_back(1);
  Bytes nonce(12, 3);
  Bytes sealed = *crypto::aes_gcm_seal(key, nonce, to_bytes("snapshot"), ByteView(v1).first(5));
  v1.insert(v1.end(), nonce.begin(), nonce.end());
  v1.insert(v1.end(), sealed.begin(), sealed.end());
  auto opened = open_backup(key, v1, binding());
  EXPECT_EQ(opened.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(opened.error().reason, "VAULT_BACKUP_VERSION_UNSUPPORTED");
  EXPECT_EQ(read_backup_binding(v1).error().reason, "VAULT_BACKUP_VERSION_UNSUPPORTED");

  testing::TempDir dir;
  std::string file = dir.file("20261122T101500Z-0a1b2c3d.crbu");
  std::ofstream(file, std::ios::binary)
      .write(reinterpret_cast<const char*>(v1.data()), static_cast<std::streamsize>(v1.size()));
  EXPECT_EQ(restore_file(file, master(), dir.file("fresh/vault.db")).error().reason,
            "VAULT_BACKUP_VERSION_UNSUPPORTED");
  EXPECT_FALSE(std::filesystem::exists(dir.file("fresh/vault.db")));
}

TEST(VaultBackupTest, IdsAreTimeRandomHexAndKind) {
  EXPECT_TRUE(backup_id_ok("20261122T101500Z-0a1b2c3d-manual"));
  EXPECT_TRUE(backup_id_ok("20261122T101500Z-0a1b2c3d-scheduled"));
  EXPECT_EQ(backup_id_kind("20261122T101500Z-0a1b2c3d-manual"), BackupKind::kManual);
  EXPECT_EQ(backup_id_kind("20261122T101500Z-0a1b2c3d-scheduled"), BackupKind::kScheduled);
  EXPECT_EQ(backup_id_kind("nope"), std::nullopt);
  EXPECT_FALSE(backup_id_ok("20261122T101500Z-0a1b2c3d"));  // format 1 ids had no kind
  EXPECT_FALSE(backup_id_ok("20261122T101500Z-0a1b2c3d-"));
  EXPECT_FALSE(backup_id_ok("20261122T101500Z-0a1b2c3d-hourly"));
  EXPECT_FALSE(backup_id_ok("20261122T101500Z-0a1b2c3dxmanual"));
  EXPECT_FALSE(backup_id_ok("20261122T101500Z-0A1B2C3D-manual"));
  EXPECT_FALSE(backup_id_ok("../../etc/passwd"));
  EXPECT_FALSE(backup_id_ok("20261122T101500Z-0a1b2c3-manual"));
  EXPECT_FALSE(backup_id_ok("2026112xT101500Z-0a1b2c3d-manual"));
  EXPECT_FALSE(backup_id_ok(""));
}

TEST(VaultBackupTest, RetentionKeepsTheNewestScheduledOfEachDayAndIsoWeek) {
  // Now: Sunday 2026-11-22. Daily keeps 2 days (21st, 22nd); weekly keeps 2 ISO weeks (the one
  // starting Monday 16th and the one starting Monday 9th).
  Timestamp now = at(2026, 11, 22, 18);
  std::vector<BackupInfo> all = {
      scheduled("a-22-late", at(2026, 11, 22, 12)), scheduled("a-22-early", at(2026, 11, 22, 1)),
      scheduled("b-21", at(2026, 11, 21)),          scheduled("c-20", at(2026, 11, 20)),
      scheduled("d-15", at(2026, 11, 15)),          scheduled("e-10", at(2026, 11, 10)),
      scheduled("f-09", at(2026, 11, 9)),           scheduled("g-01", at(2026, 11, 1)),
  };
  auto expired = expired_backups(all, now, {2, 2});
  std::sort(expired.begin(), expired.end());
  // Kept: a-22-late (day 22 and week of 16th), b-21 (day 21), d-15 (newest of week of 9th).
  EXPECT_EQ(expired, (std::vector<std::string>{"a-22-early", "c-20", "e-10", "f-09", "g-01"}));
  EXPECT_TRUE(expired_backups(all, now, {0, 0}).empty());
  EXPECT_EQ(expired_backups(all, now, {1, 0}).size(), all.size() - 1);

  // Manual backups are never expired, and never take a scheduled backup's place: the newest
  // manual of the 22nd does not push the scheduled a-22-late out.
  all.push_back({"m-22-newest", at(2026, 11, 22, 17), 0, BackupKind::kManual});
  all.push_back({"m-01", at(2026, 11, 1), 0, BackupKind::kManual});
  auto with_manual = expired_backups(all, now, {2, 2});
  std::sort(with_manual.begin(), with_manual.end());
  EXPECT_EQ(with_manual, expired);
}

TEST(VaultBackupTest, SnapshotsALiveDatabaseAndStagesARestoreWithoutReplacingIt) {
  testing::TempDir dir;
  Vault vault(dir.file("vault.db"));
  const std::string& db = vault.db;
  auto& s = *vault.engine->secrets().value();
  ASSERT_TRUE(s.create_org("acme", "ada@acme.io"));
  ASSERT_TRUE(s.create_project("acme", "web", "ada@acme.io"));
  ASSERT_TRUE(s.create_environment("acme", "web", "prod", "ada@acme.io"));
  ASSERT_TRUE(s.set("acme", "web", "prod", "DB", "in-the-backup", "ada@acme.io"));

  Backups backups(vault.engine->database(), dir.file("backups"), master(), vault.engine->env(),
                  vault.engine->instance_id());
  auto info = backups.create();
  ASSERT_TRUE(info) << info.error().to_string();
  EXPECT_TRUE(backup_id_ok(info->id));
  EXPECT_EQ(info->kind, BackupKind::kManual);
  EXPECT_TRUE(info->id.ends_with("-manual"));
  std::string file = dir.file("backups/" + info->id + ".crbu");
  EXPECT_EQ(mode_of(file), 0600);
  EXPECT_EQ(mode_of(dir.file("backups")), 0700);
  // Only the encrypted file remains: no plaintext snapshot, no temporary.
  EXPECT_EQ(names_in(dir.file("backups")), (std::vector<std::string>{info->id + ".crbu"}));
  ASSERT_TRUE(s.set("acme", "web", "prod", "DB", "after-the-backup", "ada@acme.io"));
  auto listed = backups.list();
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1U);
  EXPECT_EQ((*listed)[0].id, info->id);
  EXPECT_EQ((*listed)[0].size, info->size);
  EXPECT_EQ((*listed)[0].kind, BackupKind::kManual);

  EXPECT_EQ(backups.stage_restore("nope").error().reason, "VAULT_BACKUP_ID_INVALID");
  EXPECT_EQ(backups.stage_restore("20000101T000000Z-00000000-manual").error().reason,
            "VAULT_BACKUP_NOT_FOUND");
  auto staged = backups.stage_restore(info->id);
  ASSERT_TRUE(staged) << staged.error().to_string();
  EXPECT_EQ(*staged, db + ".restore." + info->id);
  EXPECT_EQ(mode_of(*staged), 0600);
  auto inspected = storage::inspect_snapshot(*staged);
  ASSERT_TRUE(inspected) << inspected.error().to_string();
  EXPECT_EQ(inspected->instance_id, vault.engine->instance_id());
  EXPECT_FALSE(std::filesystem::exists(*staged + ".tmp"));
  // The live database is untouched and still serves the newer value.
  EXPECT_EQ(*s.get("acme", "web", "prod", "DB", "ada@acme.io"), "after-the-backup");
  // Staging again replaces the earlier staging.
  ASSERT_TRUE(backups.stage_restore(info->id));

  // Installed into an empty data directory, the backup opens with the same master key and is
  // the same instance.
  std::string target = dir.file("fresh/vault.db");
  ASSERT_TRUE(restore_file(file, master(), target));
  EXPECT_EQ(mode_of(target), 0600);
  EXPECT_FALSE(std::filesystem::exists(target + ".restore.tmp"));
  EXPECT_EQ(restore_file(file, master(), target).error().reason, "VAULT_RESTORE_TARGET_EXISTS");
  {
    EngineOptions options;
    options.master_key = secrets::MasterKey::from_hex(master_hex()).value();
    auto restored = Engine::open("sqlite:" + target, options);
    ASSERT_TRUE(restored) << restored.error().to_string();
    EXPECT_EQ((*restored)->instance_id(), vault.engine->instance_id());
    EXPECT_EQ(*(*restored)->secrets().value()->get("acme", "web", "prod", "DB", "ada@acme.io"),
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

TEST(VaultBackupTest, ARenamedBackupIsRefusedAndRestoresUnderItsOwnName) {
  testing::TempDir dir;
  Vault vault(dir.file("vault.db"));
  Backups backups(vault.engine->database(), dir.file("backups"), master(), vault.engine->env(),
                  vault.engine->instance_id());
  auto info = backups.create();
  ASSERT_TRUE(info) << info.error().to_string();
  std::string original = dir.file("backups/" + info->id + ".crbu");
  // Renamed to another valid id in the same directory: staging it is refused.
  std::string other_id = "20000101T000000Z-00000000-manual";
  std::filesystem::rename(original, dir.file("backups/" + other_id + ".crbu"));
  auto staged = backups.stage_restore(other_id);
  ASSERT_FALSE(staged);
  EXPECT_EQ(staged.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(staged.error().reason, "VAULT_BACKUP_MISMATCH");
  EXPECT_FALSE(std::filesystem::exists(vault.db + ".restore." + other_id));
  EXPECT_FALSE(std::filesystem::exists(vault.db + ".restore." + other_id + ".tmp"));
  // A backup renamed from manual to scheduled (so retention would prune it) is refused too.
  std::string rekinded = info->id.substr(0, 25) + "-scheduled";
  std::filesystem::rename(dir.file("backups/" + other_id + ".crbu"),
                          dir.file("backups/" + rekinded + ".crbu"));
  EXPECT_EQ(backups.stage_restore(rekinded).error().reason, "VAULT_BACKUP_MISMATCH");

  // Offline, the file name gives the id: a renamed copy is refused, nothing is installed...
  std::string copy = dir.file("copy.crbu");
  std::filesystem::copy_file(dir.file("backups/" + rekinded + ".crbu"), copy);
  auto refused = restore_file(copy, master(), dir.file("fresh/vault.db"));
  EXPECT_EQ(refused.error().reason, "VAULT_BACKUP_MISMATCH");
  EXPECT_FALSE(std::filesystem::exists(dir.file("fresh/vault.db")));
  // ... and the same bytes under their own name restore.
  std::string own_name = dir.file(info->id + ".crbu");
  std::filesystem::rename(copy, own_name);
  EXPECT_TRUE(restore_file(own_name, master(), dir.file("fresh/vault.db")));
}

TEST(VaultBackupTest, ABackupFromAnotherInstanceIsRefused) {
  testing::TempDir dir;
  Vault first(dir.file("one/vault.db"));
  Vault second(dir.file("two/vault.db"));
  ASSERT_NE(first.engine->instance_id(), second.engine->instance_id());
  Backups from_first(first.engine->database(), dir.file("one/backups"), master(),
                     first.engine->env(), first.engine->instance_id());
  auto info = from_first.create();
  ASSERT_TRUE(info) << info.error().to_string();
  // Same master key, same file name, copied into the second vault's backups.
  std::filesystem::create_directories(dir.file("two/backups"));
  std::filesystem::copy_file(dir.file("one/backups/" + info->id + ".crbu"),
                             dir.file("two/backups/" + info->id + ".crbu"));
  Backups configured(second.engine->database(), dir.file("two/backups"), master(),
                     second.engine->env(), second.engine->instance_id());
  auto staged = configured.stage_restore(info->id);
  ASSERT_FALSE(staged);
  EXPECT_EQ(staged.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(staged.error().reason, "VAULT_BACKUP_MISMATCH");
  EXPECT_FALSE(std::filesystem::exists(second.db + ".restore." + info->id));
  // Backups are bound to the engine's instance id: without one, none is taken or staged.
  Backups unconfigured(second.engine->database(), dir.file("two/backups"), master(),
                       second.engine->env(), "");
  EXPECT_EQ(unconfigured.create().error().reason, "VAULT_BACKUP_FAILED");
  EXPECT_EQ(unconfigured.stage_restore(info->id).error().reason, "VAULT_BACKUP_FAILED");
  // A Backups told the wrong instance refuses to take backups of this database.
  Backups wrong(second.engine->database(), dir.file("two/backups"), master(), second.engine->env(),
                first.engine->instance_id());
  EXPECT_EQ(wrong.create().error().reason, "VAULT_BACKUP_MISMATCH");
}

TEST(VaultBackupTest, RecordsCreateRestoreAndPruneInTheAuditLog) {
  testing::TempDir dir;
  FakeEnv env(at(2026, 11, 1));
  Vault vault(dir.file("vault.db"), &env);
  audit::AuditLog& log = vault.engine->audit();
  Backups backups(vault.engine->database(), dir.file("backups"), master(), env,
                  vault.engine->instance_id(), &log);
  auto old = backups.create(BackupKind::kScheduled, "system");
  ASSERT_TRUE(old) << old.error().to_string();
  env.set_now(at(2026, 11, 22));
  auto manual = backups.create(BackupKind::kManual, "ada@acme.io");
  ASSERT_TRUE(manual) << manual.error().to_string();
  ASSERT_TRUE(backups.stage_restore(manual->id, "ada@acme.io"));
  EXPECT_FALSE(backups.stage_restore("20000101T000000Z-00000000-manual", "bob@acme.io"));
  EXPECT_FALSE(backups.stage_restore("../../etc/passwd", "bob@acme.io"));
  auto pruned = backups.prune({1, 0}, "system");
  ASSERT_TRUE(pruned);
  EXPECT_EQ(*pruned, (std::vector<std::string>{old->id}));

  auto entries = backup_entries(log);
  ASSERT_EQ(entries.size(), 6U);
  struct Expected {
    std::string actor_type, actor_id, action, resource_id, outcome, details;
  };
  std::vector<Expected> expected = {
      {"system", "system", "backup.create", old->id, "ok", R"({"kind":"scheduled"})"},
      {"user", "ada@acme.io", "backup.create", manual->id, "ok", R"({"kind":"manual"})"},
      {"user", "ada@acme.io", "backup.restore", manual->id, "ok", R"({"kind":"manual"})"},
      {"user", "bob@acme.io", "backup.restore", "20000101T000000Z-00000000-manual", "failed",
       R"({"kind":"manual","reason":"VAULT_BACKUP_NOT_FOUND"})"},
      {"user", "bob@acme.io", "backup.restore", "", "failed",
       R"({"reason":"VAULT_BACKUP_ID_INVALID"})"},
      {"system", "system", "backup.prune", old->id, "ok", R"({"kind":"scheduled"})"},
  };
  for (size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(entries[i].actor_type, expected[i].actor_type);
    EXPECT_EQ(entries[i].actor_id, expected[i].actor_id);
    EXPECT_EQ(entries[i].action, expected[i].action);
    EXPECT_EQ(entries[i].resource_type, "backup");
    EXPECT_EQ(entries[i].resource_id, expected[i].resource_id);
    EXPECT_EQ(entries[i].outcome, expected[i].outcome);
    EXPECT_EQ(entries[i].details, expected[i].details);
  }

  // A failed create is recorded too: a memory: database has no file form to snapshot.
  auto memory = storage::open("memory:");
  ASSERT_TRUE(memory);
  Backups broken(**memory, dir.file("backups"), master(), env, vault.engine->instance_id(), &log);
  auto failed = broken.create(BackupKind::kManual, "ada@acme.io");
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(failed.error().reason, "VAULT_BACKUP_FAILED");
  EXPECT_NE(failed.error().message.find("STORAGE_SNAPSHOT_UNSUPPORTED"), std::string::npos);
  entries = backup_entries(log);
  ASSERT_EQ(entries.size(), 7U);
  EXPECT_EQ(entries[6].action, "backup.create");
  EXPECT_EQ(entries[6].outcome, "failed");
  EXPECT_TRUE(backup_id_ok(entries[6].resource_id));
  EXPECT_EQ(entries[6].details, R"({"kind":"manual","reason":")" + failed.error().reason + "\"}");
  EXPECT_TRUE(log.verify());
}

TEST(VaultBackupTest, SyncsTheDirectoryAfterEachRename) {
  testing::TempDir dir;
  Vault vault(dir.file("vault.db"));
  Backups backups(vault.engine->database(), dir.file("backups"), master(), vault.engine->env(),
                  vault.engine->instance_id());
  ASSERT_TRUE(backups.list());  // creates nothing
  std::filesystem::create_directories(dir.file("backups"));
  size_t backup_dir = syncs_of(dir.file("backups"));
  auto info = backups.create();
  ASSERT_TRUE(info) << info.error().to_string();
  EXPECT_GT(syncs_of(dir.file("backups")), backup_dir);

  size_t data_dir = syncs_of(dir.path().string());
  ASSERT_TRUE(backups.stage_restore(info->id));
  EXPECT_GT(syncs_of(dir.path().string()), data_dir);

  std::filesystem::create_directories(dir.file("fresh"));
  size_t fresh_dir = syncs_of(dir.file("fresh"));
  ASSERT_TRUE(restore_file(dir.file("backups/" + info->id + ".crbu"), master(),
                           dir.file("fresh/vault.db")));
  EXPECT_GT(syncs_of(dir.file("fresh")), fresh_dir);
}

TEST(VaultBackupTest, SweepsLeftoverSnapshotsAndTemporariesOnly) {
  testing::TempDir dir;
  std::string db = dir.file("vault.db");
  std::filesystem::create_directories(dir.file("backups"));
  auto touch = [](const std::string& path) { std::ofstream(path) << "x"; };
  const std::string id = "20261122T101500Z-0a1b2c3d-manual";
  for (const char* name : {"a.snapshot", "a.snapshot-journal", "a.snapshot-wal", "b.tmp",
                           "kept.crbu", "notes.txt", "tmp"}) {
    touch(dir.file(std::string("backups/") + name));
  }
  auto database = storage::open("sqlite:" + db);
  ASSERT_TRUE(database) << database.error().to_string();
  touch(db + ".restore.tmp");
  touch(db + ".restore." + id + ".tmp");
  touch(db + ".restore." + id + ".tmp-wal");
  touch(db + ".restore." + id);  // a finished staging waits for the operator
  touch(dir.file("other.tmp"));  // not the database's

  Backups backups(**database, dir.file("backups"), master(), Env::system(), "");
  auto removed = backups.sweep_leftovers();
  ASSERT_TRUE(removed) << removed.error().to_string();
  std::vector<std::string> expected = {
      dir.file("backups/a.snapshot"),
      dir.file("backups/a.snapshot-journal"),
      dir.file("backups/a.snapshot-wal"),
      dir.file("backups/b.tmp"),
      db + ".restore." + id + ".tmp",
      db + ".restore." + id + ".tmp-wal",
      db + ".restore.tmp",
  };
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(*removed, expected);
  EXPECT_EQ(names_in(dir.file("backups")),
            (std::vector<std::string>{"kept.crbu", "notes.txt", "tmp"}));
  EXPECT_TRUE(std::filesystem::exists(db + ".restore." + id));
  EXPECT_TRUE(std::filesystem::exists(dir.file("other.tmp")));
  EXPECT_TRUE(backups.sweep_leftovers()->empty());
  // A missing backup directory is nothing to sweep.
  auto nowhere = storage::open("sqlite:" + dir.file("nowhere/vault.db"));
  ASSERT_TRUE(nowhere);
  Backups none(**nowhere, dir.file("nowhere/backups"), master(), Env::system(), "");
  EXPECT_TRUE(none.sweep_leftovers()->empty());
}

TEST(VaultBackupTest, ABackupHoldingNoCairnDatabaseIsCorrupt) {
  testing::TempDir dir;
  Vault vault(dir.file("vault.db"));
  Backups backups(vault.engine->database(), dir.file("backups"), master(), vault.engine->env(),
                  vault.engine->instance_id());
  // Sealed correctly, bound correctly, but the plaintext is not a database.
  const std::string id = "20261122T101500Z-0a1b2c3d-manual";
  Bytes junk = to_bytes("SQLite format 3\0 and then nothing a database holds");
  auto sealed = seal_backup(backup_key(master()), {vault.engine->instance_id(), id}, junk,
                            vault.engine->env());
  ASSERT_TRUE(sealed);
  std::filesystem::create_directories(dir.file("backups"));
  std::ofstream(dir.file("backups/" + id + ".crbu"), std::ios::binary)
      .write(reinterpret_cast<const char*>(sealed->data()),
             static_cast<std::streamsize>(sealed->size()));
  auto staged = backups.stage_restore(id);
  ASSERT_FALSE(staged);
  EXPECT_EQ(staged.error().code, ErrorCode::kDataLoss);
  EXPECT_EQ(staged.error().reason, "VAULT_BACKUP_CORRUPT");
  EXPECT_FALSE(std::filesystem::exists(vault.db + ".restore." + id));
  EXPECT_FALSE(std::filesystem::exists(vault.db + ".restore." + id + ".tmp"));
}

TEST(VaultBackupTest, PruneDeletesOnlyScheduledBackupsRetentionNoLongerKeeps) {
  testing::TempDir dir;
  FakeEnv env(at(2026, 11, 1));
  Vault vault(dir.file("vault.db"), &env);
  Backups backups(vault.engine->database(), dir.file("backups"), master(), env,
                  vault.engine->instance_id());
  auto old_scheduled = backups.create(BackupKind::kScheduled);
  auto old_manual = backups.create(BackupKind::kManual);
  env.set_now(at(2026, 11, 22, 9));
  auto earlier_scheduled = backups.create(BackupKind::kScheduled);
  // An operator's backup a second before the day's second scheduled one (issue 19 item 12).
  env.set_now(at(2026, 11, 22, 9) + std::chrono::minutes(59) + std::chrono::seconds(59));
  auto manual = backups.create();
  env.set_now(at(2026, 11, 22, 10));
  auto newest = backups.create(BackupKind::kScheduled);
  ASSERT_TRUE(old_scheduled && old_manual && earlier_scheduled && manual && newest);
  auto pruned = backups.prune({1, 0});
  ASSERT_TRUE(pruned);
  std::sort(pruned->begin(), pruned->end());
  EXPECT_EQ(*pruned, (std::vector<std::string>{old_scheduled->id, earlier_scheduled->id}));
  auto left = backups.list();
  ASSERT_TRUE(left);
  std::vector<std::string> left_ids;
  for (const auto& b : *left) left_ids.push_back(b.id);
  // Newest first.
  EXPECT_EQ(left_ids, (std::vector<std::string>{newest->id, manual->id, old_manual->id}));
  EXPECT_EQ((*left)[0].kind, BackupKind::kScheduled);
  EXPECT_EQ((*left)[1].kind, BackupKind::kManual);
  EXPECT_TRUE(backups.prune({1, 0})->empty());
}

}  // namespace
}  // namespace cairn::vault
