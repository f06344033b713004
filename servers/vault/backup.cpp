#include "vault/backup.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <system_error>

#include "cairn/core/encoding.hpp"
#include "cairn/core/time.hpp"
#include "cairn/crypto/aead.hpp"
#include "cairn/crypto/mac.hpp"
#include "cairn/crypto/secure.hpp"
#include "vault/config.hpp"

namespace cairn::vault {

namespace {

using std::chrono::days;
using std::chrono::floor;

constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;
constexpr std::size_t kMaxBoundBytes = 255;  // an id's length is one byte in the header
constexpr std::size_t kIdStemBytes = 25;     // YYYYMMDDTHHMMSSZ-xxxxxxxx
constexpr std::string_view kSuffix = ".crbu";

Error corrupt(std::string message) {
  return {ErrorCode::kDataLoss, "VAULT_BACKUP_CORRUPT", std::move(message)};
}
Error mismatch(std::string message) {
  return {ErrorCode::kFailedPrecondition, "VAULT_BACKUP_MISMATCH", std::move(message)};
}
Error io_failed(const std::string& what) {
  return {ErrorCode::kUnavailable, "VAULT_BACKUP_FAILED",
          what + ": " + std::generic_category().message(errno)};
}

// Wipes a plaintext snapshot on every way out of a scope.
class WipeGuard {
 public:
  explicit WipeGuard(Bytes& bytes) : bytes_(bytes) {}
  ~WipeGuard() { crypto::secure_wipe(bytes_); }
  WipeGuard(const WipeGuard&) = delete;
  WipeGuard& operator=(const WipeGuard&) = delete;

 private:
  Bytes& bytes_;
};

// The directory holding `path` ("." for a bare file name).
std::string parent_dir(const std::string& path) {
  std::string parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

// Makes a rename (or unlink) in `dir` durable: without it a crash can leave the old name.
Status sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return fail(io_failed("cannot open directory " + dir));
  if (::fsync(fd) != 0) {
    Error e = io_failed("cannot sync directory " + dir);
    ::close(fd);
    return fail(std::move(e));
  }
  ::close(fd);
  return ok_status();
}

// Renames `from` to `to` (same directory) and syncs the directory.
Status rename_durably(const std::string& from, const std::string& to, const std::string& what) {
  if (::rename(from.c_str(), to.c_str()) != 0) return fail(io_failed("cannot " + what));
  return sync_dir(parent_dir(to));
}

// A CRBU header: the binding and where the nonce starts (the associated data is what precedes).
struct Header {
  BackupBinding binding;
  std::size_t bytes = 0;
};

Result<Header> parse_header(ByteView file) {
  if (file.size() < kBackupMagic.size() + 1 ||
      !std::equal(kBackupMagic.begin(), kBackupMagic.end(), file.begin())) {
    return fail(corrupt("not a cairn-vault backup (no CRBU header, or truncated)"));
  }
  uint8_t version = file[kBackupMagic.size()];
  if (version != kBackupVersion) {
    std::string message = "backup format version " + std::to_string(version) +
                          " is not read by this build (it reads version " +
                          std::to_string(kBackupVersion) + ")";
    if (version == 1) {
      message += ": format 1 predates binding a backup to its id and vault instance";
    }
    return fail(ErrorCode::kFailedPrecondition, "VAULT_BACKUP_VERSION_UNSUPPORTED",
                std::move(message));
  }
  Header h;
  std::size_t at = kBackupMagic.size() + 1;
  auto field = [&](std::string& out) {
    if (at >= file.size()) return false;
    std::size_t n = file[at++];
    if (n == 0 || file.size() - at < n) return false;
    out.assign(reinterpret_cast<const char*>(file.data() + at), n);
    at += n;
    return true;
  };
  if (!field(h.binding.instance_id) || !field(h.binding.backup_id) ||
      file.size() - at < kNonceBytes + kTagBytes) {
    return fail(corrupt("not a cairn-vault backup (truncated header)"));
  }
  h.bytes = at;
  return h;
}

// Writes `data` to a new file `path` (0600; it must not exist), fsynced.
Status write_new_file(const std::string& path, ByteView data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return fail(io_failed("cannot create " + path));
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Error e = io_failed("cannot write " + path);
      ::close(fd);
      ::unlink(path.c_str());
      return fail(std::move(e));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Error e = io_failed("cannot sync " + path);
    ::close(fd);
    ::unlink(path.c_str());
    return fail(std::move(e));
  }
  ::close(fd);
  return ok_status();
}

Result<Bytes> read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(ErrorCode::kNotFound, "VAULT_BACKUP_NOT_FOUND", "no backup file " + path);
  }
  Bytes out(std::istreambuf_iterator<char>(in), {});
  if (in.bad()) return fail(io_failed("cannot read " + path));
  return out;
}

// The file of an SQLite database ("" for a database without one, such as memory:).
std::string database_file(const storage::Database& database) {
  auto location = storage::parse_uri(database.uri());
  return location && location->backend == storage::Backend::kSqlite ? location->path : "";
}

// Removes a file (and SQLite's -wal/-shm companions) when it goes out of scope, unless kept.
class FileGuard {
 public:
  explicit FileGuard(std::string path) : path_(std::move(path)) {}
  ~FileGuard() {
    if (keep_) return;
    ::unlink(path_.c_str());
    ::unlink((path_ + "-wal").c_str());
    ::unlink((path_ + "-shm").c_str());
  }
  FileGuard(const FileGuard&) = delete;
  FileGuard& operator=(const FileGuard&) = delete;
  void keep() { keep_ = true; }

 private:
  std::string path_;
  bool keep_ = false;
};

// The instance id inside the decrypted snapshot at `path`, once the storage layer has found it
// an intact cairn database. Errors: DATA_LOSS / VAULT_BACKUP_CORRUPT.
Result<std::string> snapshot_instance(const std::string& path) {
  auto info = storage::inspect_snapshot(path);
  if (!info) {
    return fail(
        corrupt("the backup does not hold an intact cairn database: " + info.error().reason));
  }
  return std::move(info->instance_id);
}

// "YYYYMMDDTHHMMSSZ" of `t`: RFC 3339 UTC to the second, in ISO 8601's basic form.
std::string compact_utc(Timestamp t) {
  std::string text = format_rfc3339(t, TimePrecision::kSeconds);
  std::erase_if(text, [](char c) { return c == '-' || c == ':'; });
  return text;
}

// The time in a backup id (its shape already checked): its stem read back as RFC 3339.
Timestamp id_time(std::string_view id) {
  std::string text = std::string(id.substr(0, 4)) + "-" + std::string(id.substr(4, 2)) + "-" +
                     std::string(id.substr(6, 5)) + ":" + std::string(id.substr(11, 2)) + ":" +
                     std::string(id.substr(13, 3));
  auto t = parse_rfc3339(text);
  return t ? *t : Timestamp{};
}

// The Monday starting the ISO week of `day`.
std::chrono::sys_days week_of(std::chrono::sys_days day) {
  std::chrono::weekday wd(day);
  return day - days((wd.c_encoding() + 6) % 7);
}

}  // namespace

std::string_view backup_kind_name(BackupKind kind) noexcept {
  return kind == BackupKind::kScheduled ? "scheduled" : "manual";
}

Bytes backup_key(ByteView master) {
  auto key = crypto::hkdf_sha256(master, {}, as_bytes("cairn-vault-backup-key"), 32);
  return key ? *key : Bytes();
}

Result<Bytes> seal_backup(ByteView key, const BackupBinding& binding, ByteView snapshot, Env& env) {
  for (const std::string* bound : {&binding.instance_id, &binding.backup_id}) {
    if (bound->empty() || bound->size() > kMaxBoundBytes) {
      return fail(ErrorCode::kInvalidArgument, "VAULT_BACKUP_ID_INVALID",
                  "a backup's id and instance id are 1 to 255 bytes");
    }
  }
  Bytes out(kBackupMagic.begin(), kBackupMagic.end());
  out.push_back(kBackupVersion);
  for (const std::string* bound : {&binding.instance_id, &binding.backup_id}) {
    out.push_back(static_cast<uint8_t>(bound->size()));
    out.insert(out.end(), bound->begin(), bound->end());
  }
  std::size_t header_bytes = out.size();
  Bytes nonce(kNonceBytes);
  env.random_bytes(nonce);
  CAIRN_ASSIGN_OR_RETURN(
      Bytes sealed, crypto::aes_gcm_seal(key, nonce, snapshot, ByteView(out.data(), header_bytes)));
  out.insert(out.end(), nonce.begin(), nonce.end());
  out.insert(out.end(), sealed.begin(), sealed.end());
  return out;
}

Result<BackupBinding> read_backup_binding(ByteView file) {
  CAIRN_ASSIGN_OR_RETURN(Header h, parse_header(file));
  return std::move(h.binding);
}

Result<Bytes> open_backup(ByteView key, ByteView file, const BackupBinding& expected) {
  CAIRN_ASSIGN_OR_RETURN(Header h, parse_header(file));
  // The tag first: a binding that differs is only worth reporting when the header is intact.
  auto plain = crypto::aes_gcm_open(key, file.subspan(h.bytes, kNonceBytes),
                                    file.subspan(h.bytes + kNonceBytes), file.first(h.bytes));
  if (!plain) {
    return fail(
        corrupt("the backup does not decrypt: it was changed, or made under another "
                "master key"));
  }
  const BackupBinding& bound = h.binding;
  if (bound.backup_id != expected.backup_id) {
    crypto::secure_wipe(*plain);
    return fail(mismatch("this file holds backup " + bound.backup_id + ", not " +
                         expected.backup_id +
                         ": a backup file keeps the name it was taken under (" + bound.backup_id +
                         std::string(kSuffix) + ")"));
  }
  if (bound.instance_id != expected.instance_id) {
    crypto::secure_wipe(*plain);
    return fail(mismatch("backup " + bound.backup_id + " was taken from vault instance " +
                         bound.instance_id + ", not from this one (" + expected.instance_id + ")"));
  }
  return std::move(*plain);
}

std::optional<BackupKind> backup_id_kind(std::string_view id) noexcept {
  // YYYYMMDDTHHMMSSZ-xxxxxxxx-manual, YYYYMMDDTHHMMSSZ-xxxxxxxx-scheduled
  if (id.size() <= kIdStemBytes + 1 || id[8] != 'T' || id[15] != 'Z' || id[16] != '-' ||
      id[kIdStemBytes] != '-') {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < kIdStemBytes; ++i) {
    if (i == 8 || i == 15 || i == 16) continue;
    char c = id[i];
    bool digit = c >= '0' && c <= '9';
    bool hex = digit || (c >= 'a' && c <= 'f');
    if (i < 16 ? !digit : !hex) return std::nullopt;
  }
  std::string_view kind = id.substr(kIdStemBytes + 1);
  if (kind == backup_kind_name(BackupKind::kManual)) return BackupKind::kManual;
  if (kind == backup_kind_name(BackupKind::kScheduled)) return BackupKind::kScheduled;
  return std::nullopt;
}

bool backup_id_ok(std::string_view id) noexcept { return backup_id_kind(id).has_value(); }

std::vector<std::string> expired_backups(const std::vector<BackupInfo>& backups, Timestamp now,
                                         const Retention& policy) {
  if (policy.daily_days <= 0 && policy.weekly_weeks <= 0) return {};
  // Manual backups are an operator's: neither deleted nor counted as a day's or week's backup,
  // so a manual backup never pushes a scheduled one out and a scheduled one never deletes it.
  std::vector<const BackupInfo*> newest_first;
  newest_first.reserve(backups.size());
  for (const BackupInfo& b : backups) {
    if (b.kind == BackupKind::kScheduled) newest_first.push_back(&b);
  }
  std::sort(newest_first.begin(), newest_first.end(),
            [](const BackupInfo* a, const BackupInfo* b) { return a->created_at > b->created_at; });
  auto today = floor<days>(now);
  auto this_week = week_of(today);
  std::set<std::chrono::sys_days> days_kept;
  std::set<std::chrono::sys_days> weeks_kept;
  std::vector<std::string> expired;
  for (const BackupInfo* b : newest_first) {
    auto day = floor<days>(b->created_at);
    auto week = week_of(day);
    bool keep = false;
    if (day > today - days(policy.daily_days) && days_kept.insert(day).second) keep = true;
    if (week > this_week - days(7 * policy.weekly_weeks) && weeks_kept.insert(week).second) {
      keep = true;
    }
    if (!keep) expired.push_back(b->id);
  }
  return expired;
}

Backups::Backups(storage::Database& database, std::string dir, Bytes master, Env& env,
                 std::string instance_id, audit::AuditLog* audit)
    : database_(database),
      database_path_(database_file(database)),
      dir_(std::move(dir)),
      key_(backup_key(master)),
      env_(env),
      instance_id_(std::move(instance_id)),
      audit_(audit) {
  crypto::secure_wipe(master);
}

std::string Backups::file_of(std::string_view id) const {
  return dir_ + "/" + std::string(id) + std::string(kSuffix);
}

Status Backups::record(std::string_view action, std::string_view actor, std::string_view id,
                       std::optional<BackupKind> kind, std::string_view reason) {
  if (audit_ == nullptr) return ok_status();
  audit::EntryInput entry;
  entry.actor_type = actor == "system" ? "system" : "user";
  entry.actor_id = std::string(actor);
  entry.action = std::string(action);
  entry.resource_type = "backup";
  entry.resource_id = std::string(id);
  entry.outcome = reason.empty() ? "ok" : "failed";
  nlohmann::json details = nlohmann::json::object();
  if (kind) details["kind"] = backup_kind_name(*kind);
  if (!reason.empty()) details["reason"] = reason;
  entry.details = details.dump();
  return audit_->record(entry);
}

Result<std::string> Backups::instance_id_locked() {
  if (instance_id_.empty()) {
    return fail(ErrorCode::kUnavailable, "VAULT_BACKUP_FAILED",
                "backups need the engine's instance id");
  }
  return instance_id_;
}

Result<BackupInfo> Backups::create(BackupKind kind, std::string_view actor) {
  std::lock_guard lock(mu_);
  Bytes random(4);
  env_.random_bytes(random);
  BackupInfo info;
  info.id = compact_utc(env_.now()) + "-" + encoding::hex_encode(random) + "-" +
            std::string(backup_kind_name(kind));
  info.created_at = id_time(info.id);
  info.kind = kind;
  auto size = create_locked(info.id);
  if (!size) {
    (void)record("backup.create", actor, info.id, kind, size.error().reason);
    return fail(size.error());
  }
  info.size = *size;
  if (Status s = record("backup.create", actor, info.id, kind, ""); !s) {
    // Fail closed: no backup exists that the log does not know of.
    ::unlink(file_of(info.id).c_str());
    (void)sync_dir(dir_);
    return fail(s.error());
  }
  return info;
}

Result<int64_t> Backups::create_locked(const std::string& id) {
  CAIRN_ASSIGN_OR_RETURN(std::string instance, instance_id_locked());
  CAIRN_TRY(make_private_dir(dir_));
  // The storage layer writes the snapshot atomically, 0600, inside the 0700 backup directory
  // (its temporary file ends in .tmp, which sweep_leftovers() removes after a crash).
  std::string snapshot_path = dir_ + "/" + id + ".snapshot";
  FileGuard snapshot_guard(snapshot_path);
  if (Status s = database_.snapshot_to(snapshot_path); !s) {
    return fail(ErrorCode::kUnavailable, "VAULT_BACKUP_FAILED",
                "cannot take a snapshot: " + s.error().to_string());
  }
  // A snapshot that does not pass its own checks is never sealed.
  auto info = storage::inspect_snapshot(snapshot_path);
  if (!info) {
    return fail(ErrorCode::kUnavailable, "VAULT_BACKUP_FAILED",
                "the snapshot failed its check: " + info.error().to_string());
  }
  // Bound to the instance id the snapshot itself records, which must be the engine's.
  if (info->instance_id.empty() || info->instance_id.size() > kMaxBoundBytes) {
    return fail(ErrorCode::kUnavailable, "VAULT_BACKUP_FAILED",
                "the snapshot has no valid instance id (not a database cairn's Engine opened)");
  }
  if (info->instance_id != instance) {
    return fail(mismatch("the database " + database_path_ + " is vault instance " +
                         info->instance_id + ", not " + instance));
  }
  auto snapshot = read_whole_file(snapshot_path);
  if (!snapshot) return fail(io_failed("cannot read the snapshot"));
  WipeGuard wipe(*snapshot);
  CAIRN_ASSIGN_OR_RETURN(Bytes sealed, seal_backup(key_, {instance, id}, *snapshot, env_));
  std::string tmp = dir_ + "/" + id + ".tmp";
  CAIRN_TRY(write_new_file(tmp, sealed));
  FileGuard tmp_guard(tmp);
  CAIRN_TRY(rename_durably(tmp, file_of(id), "store the backup"));
  tmp_guard.keep();
  return static_cast<int64_t>(sealed.size());
}

Result<std::vector<BackupInfo>> Backups::list() {
  std::lock_guard lock(mu_);
  return list_locked();
}

Result<std::vector<BackupInfo>> Backups::list_locked() {
  std::vector<BackupInfo> out;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir_, ec)) return out;
  std::filesystem::directory_iterator it(dir_, ec);
  if (ec) return fail(io_failed("cannot list " + dir_));
  for (const auto& item : it) {
    std::string name = item.path().filename().string();
    if (!name.ends_with(kSuffix)) continue;
    std::string id = name.substr(0, name.size() - kSuffix.size());
    std::optional<BackupKind> kind = backup_id_kind(id);
    std::error_code item_ec;
    if (!kind || !item.is_regular_file(item_ec)) continue;
    auto size = item.file_size(item_ec);
    if (item_ec) continue;  // removed meanwhile
    out.push_back({id, id_time(id), static_cast<int64_t>(size), *kind});
  }
  std::sort(out.begin(), out.end(), [](const BackupInfo& a, const BackupInfo& b) {
    return a.created_at != b.created_at ? a.created_at > b.created_at : a.id > b.id;
  });
  return out;
}

Result<std::vector<std::string>> Backups::prune(const Retention& policy, std::string_view actor) {
  std::lock_guard lock(mu_);
  CAIRN_ASSIGN_OR_RETURN(auto all, list_locked());
  std::vector<std::string> pruned;
  auto finish = [&](Status status) -> Result<std::vector<std::string>> {
    if (!pruned.empty()) {
      Status synced = sync_dir(dir_);
      if (status && !synced) status = std::move(synced);
    }
    if (!status) return fail(status.error());
    return pruned;
  };
  for (const std::string& id : expired_backups(all, env_.now(), policy)) {
    // Recorded before deleting: a fail-closed log that cannot take the entry keeps the backup.
    if (Status s = record("backup.prune", actor, id, BackupKind::kScheduled, ""); !s) {
      return finish(std::move(s));
    }
    std::string path = file_of(id);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      Error e = io_failed("cannot delete " + path);
      (void)record("backup.prune", actor, id, BackupKind::kScheduled, e.reason);
      return finish(fail(std::move(e)));
    }
    pruned.push_back(id);
  }
  return finish(ok_status());
}

Result<std::string> Backups::stage_restore(std::string_view id, std::string_view actor) {
  std::lock_guard lock(mu_);
  std::optional<BackupKind> kind = backup_id_kind(id);
  // An invalid id is caller input of any shape: it is not copied into the log.
  std::string_view logged_id = kind ? id : std::string_view();
  auto staged = stage_locked(id);
  if (!staged) {
    (void)record("backup.restore", actor, logged_id, kind, staged.error().reason);
    return staged;
  }
  if (Status s = record("backup.restore", actor, logged_id, kind, ""); !s) {
    ::unlink(staged->c_str());
    (void)sync_dir(parent_dir(*staged));
    return fail(s.error());
  }
  return staged;
}

Result<std::string> Backups::stage_locked(std::string_view id) {
  if (!backup_id_ok(id)) {
    return fail(ErrorCode::kInvalidArgument, "VAULT_BACKUP_ID_INVALID",
                "a backup id looks like 20261122T101500Z-0a1b2c3d-manual");
  }
  std::string path = file_of(id);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return fail(ErrorCode::kNotFound, "VAULT_BACKUP_NOT_FOUND", "no backup " + std::string(id));
  }
  CAIRN_ASSIGN_OR_RETURN(Bytes file, read_whole_file(path));
  CAIRN_ASSIGN_OR_RETURN(std::string instance, instance_id_locked());
  CAIRN_ASSIGN_OR_RETURN(Bytes snapshot, open_backup(key_, file, {instance, std::string(id)}));
  WipeGuard wipe(snapshot);
  if (database_path_.empty()) {
    return fail(ErrorCode::kUnavailable, "VAULT_BACKUP_FAILED",
                "restores are staged next to an SQLite database file; this database has none");
  }
  std::string staged = database_path_ + ".restore." + std::string(id);
  std::string tmp = staged + ".tmp";
  ::unlink(tmp.c_str());  // left by an interrupted staging
  CAIRN_TRY(write_new_file(tmp, snapshot));
  FileGuard guard(tmp);
  CAIRN_ASSIGN_OR_RETURN(std::string inside, snapshot_instance(tmp));
  if (inside != instance) {
    return fail(corrupt("the snapshot's own instance id is not the one its header names"));
  }
  // In place atomically, replacing an earlier staging of the same backup.
  CAIRN_TRY(rename_durably(tmp, staged, "stage the restore"));
  guard.keep();
  return staged;
}

Result<std::vector<std::string>> Backups::sweep_leftovers() {
  std::lock_guard lock(mu_);
  // A name, less a SQLite companion suffix.
  auto base = [](std::string_view name) {
    for (std::string_view companion : {"-wal", "-shm", "-journal"}) {
      if (name.ends_with(companion)) return name.substr(0, name.size() - companion.size());
    }
    return name;
  };
  std::vector<std::string> doomed;
  auto scan = [&](const std::string& dir, auto matches) -> Status {
    std::error_code ec;
    if (dir.empty() || !std::filesystem::is_directory(dir, ec)) return ok_status();
    std::filesystem::directory_iterator it(dir, ec);
    if (ec) return fail(io_failed("cannot list " + dir));
    for (const auto& item : it) {
      std::error_code item_ec;
      if (item.is_directory(item_ec)) continue;
      std::string name = item.path().filename().string();
      if (matches(base(name))) doomed.push_back((std::filesystem::path(dir) / name).string());
    }
    return ok_status();
  };
  CAIRN_TRY(scan(dir_, [](std::string_view name) {
    return name.ends_with(".snapshot") || name.ends_with(".tmp");
  }));
  if (!database_path_.empty()) {
    std::string prefix = std::filesystem::path(database_path_).filename().string() + ".restore.";
    CAIRN_TRY(scan(parent_dir(database_path_), [&prefix](std::string_view name) {
      return name.starts_with(prefix) && name.ends_with(".tmp");
    }));
  }
  std::vector<std::string> removed;
  for (const std::string& path : doomed) {
    if (::unlink(path.c_str()) == 0) {
      removed.push_back(path);
    } else if (errno != ENOENT) {
      return fail(io_failed("cannot remove " + path));
    }
  }
  std::sort(removed.begin(), removed.end());
  return removed;
}

Status restore_file(const std::string& backup, ByteView master, const std::string& database) {
  std::error_code ec;
  if (std::filesystem::exists(database, ec)) {
    return fail(ErrorCode::kFailedPrecondition, "VAULT_RESTORE_TARGET_EXISTS",
                database + " exists: restore into a data directory without a database");
  }
  CAIRN_ASSIGN_OR_RETURN(Bytes file, read_whole_file(backup));
  // No instance exists yet to compare with: the header names the instance (checked below against
  // the snapshot's own record), and the file name names the backup.
  CAIRN_ASSIGN_OR_RETURN(BackupBinding header, read_backup_binding(file));
  std::string name = std::filesystem::path(backup).filename().string();
  if (name.ends_with(kSuffix)) name.resize(name.size() - kSuffix.size());
  Bytes key = backup_key(master);
  auto snapshot = open_backup(key, file, {header.instance_id, name});
  crypto::secure_wipe(key);
  if (!snapshot) return fail(snapshot.error());
  WipeGuard wipe(*snapshot);
  std::filesystem::path target(database);
  if (target.has_parent_path()) CAIRN_TRY(make_private_dir(target.parent_path().string()));
  std::string staged = database + ".restore.tmp";
  ::unlink(staged.c_str());
  CAIRN_TRY(write_new_file(staged, *snapshot));
  FileGuard guard(staged);
  CAIRN_ASSIGN_OR_RETURN(std::string inside, snapshot_instance(staged));
  if (inside != header.instance_id) {
    return fail(corrupt("the snapshot's own instance id is not the one its header names"));
  }
  CAIRN_TRY(rename_durably(staged, database, "install " + database));
  guard.keep();
  return ok_status();
}

}  // namespace cairn::vault
