#include "vault/backup.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <system_error>

#include "cairn/core/encoding.hpp"
#include "cairn/crypto/aead.hpp"
#include "cairn/crypto/mac.hpp"
#include "cairn/crypto/secure.hpp"
#include "vault/config.hpp"

namespace cairn::vault {

namespace {

using std::chrono::days;
using std::chrono::floor;

constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kHeaderBytes = 5;
constexpr std::size_t kTagBytes = 16;
constexpr std::string_view kSuffix = ".crbu";

Error corrupt(std::string message) {
  return {ErrorCode::kDataLoss, "VAULT_BACKUP_CORRUPT", std::move(message)};
}
Error io_failed(const std::string& what) {
  return {ErrorCode::kUnavailable, "VAULT_BACKUP_FAILED",
          what + ": " + std::generic_category().message(errno)};
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

struct SqliteHandle {
  sqlite3* db = nullptr;
  ~SqliteHandle() { sqlite3_close_v2(db); }
};

// Runs `sql` (one statement) and returns the first column of its first row, or "".
Result<std::string> first_text(sqlite3* db, const char* sql, const std::string* bind = nullptr) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) {
    return fail(corrupt(std::string("the snapshot cannot be read: ") + sqlite3_errmsg(db)));
  }
  std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> guard(stmt, &sqlite3_finalize);
  if (bind != nullptr) {
    sqlite3_bind_text(stmt, 1, bind->c_str(), static_cast<int>(bind->size()), SQLITE_TRANSIENT);
  }
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(stmt, 0);
    return std::string(text != nullptr ? reinterpret_cast<const char*>(text) : "");
  }
  if (rc == SQLITE_DONE) return std::string();
  return fail(corrupt(std::string("the snapshot cannot be read: ") + sqlite3_errmsg(db)));
}

// "YYYYMMDDTHHMMSSZ" of `t`.
std::string compact_utc(Timestamp t) {
  auto secs = floor<std::chrono::seconds>(t);
  auto day = floor<days>(secs);
  std::chrono::year_month_day ymd(day);
  std::chrono::hh_mm_ss hms(secs - day);
  char text[32];
  std::snprintf(text, sizeof text, "%04d%02u%02uT%02d%02d%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return text;
}

// The time in a backup id (its shape already checked).
Timestamp id_time(std::string_view id) {
  auto num = [&](std::size_t at, std::size_t len) {
    int v = 0;
    for (std::size_t i = at; i < at + len; ++i) v = v * 10 + (id[i] - '0');
    return v;
  };
  std::chrono::year_month_day ymd{std::chrono::year(num(0, 4)),
                                  std::chrono::month(static_cast<unsigned>(num(4, 2))),
                                  std::chrono::day(static_cast<unsigned>(num(6, 2)))};
  auto t = std::chrono::sys_days(ymd) + std::chrono::hours(num(9, 2)) +
           std::chrono::minutes(num(11, 2)) + std::chrono::seconds(num(13, 2));
  return std::chrono::time_point_cast<std::chrono::microseconds>(t);
}

// The Monday starting the ISO week of `day`.
std::chrono::sys_days week_of(std::chrono::sys_days day) {
  std::chrono::weekday wd(day);
  return day - days((wd.c_encoding() + 6) % 7);
}

}  // namespace

Bytes backup_key(ByteView master) {
  auto key = crypto::hkdf_sha256(master, {}, as_bytes("cairn-vault-backup-key"), 32);
  return key ? *key : Bytes();
}

Result<Bytes> seal_backup(ByteView key, ByteView snapshot, Env& env) {
  Bytes out(kBackupMagic.begin(), kBackupMagic.end());
  out.push_back(kBackupVersion);
  Bytes nonce(kNonceBytes);
  env.random_bytes(nonce);
  CAIRN_ASSIGN_OR_RETURN(
      Bytes sealed, crypto::aes_gcm_seal(key, nonce, snapshot, ByteView(out.data(), kHeaderBytes)));
  out.insert(out.end(), nonce.begin(), nonce.end());
  out.insert(out.end(), sealed.begin(), sealed.end());
  return out;
}

Result<Bytes> open_backup(ByteView key, ByteView file) {
  if (file.size() < kHeaderBytes + kNonceBytes + kTagBytes ||
      !std::equal(kBackupMagic.begin(), kBackupMagic.end(), file.begin())) {
    return fail(corrupt("not a cairn-vault backup (no CRBU header, or truncated)"));
  }
  if (file[4] != kBackupVersion) {
    return fail(corrupt("backup format version " + std::to_string(file[4]) + " is not known"));
  }
  auto plain =
      crypto::aes_gcm_open(key, file.subspan(kHeaderBytes, kNonceBytes),
                           file.subspan(kHeaderBytes + kNonceBytes), file.subspan(0, kHeaderBytes));
  if (!plain) {
    return fail(
        corrupt("the backup does not decrypt: it was changed, or made under another "
                "master key"));
  }
  return std::move(*plain);
}

Status check_snapshot(const std::string& path) {
  {
    std::ifstream in(path, std::ios::binary);
    char header[16] = {};
    in.read(header, sizeof header);
    if (!in || std::memcmp(header, "SQLite format 3\0", 16) != 0) {
      return fail(corrupt("the backup does not hold an SQLite database"));
    }
  }
  SqliteHandle h;
  if (sqlite3_open_v2(path.c_str(), &h.db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    return fail(corrupt("the snapshot cannot be opened"));
  }
  CAIRN_ASSIGN_OR_RETURN(std::string integrity, first_text(h.db, "PRAGMA integrity_check"));
  if (integrity != "ok") return fail(corrupt("the snapshot fails its integrity check"));
  CAIRN_ASSIGN_OR_RETURN(std::string version,
                         first_text(h.db, "SELECT max(version) FROM schema_migrations"));
  if (version.empty() || version == "0") {
    return fail(corrupt("the snapshot is not a cairn database (no schema migrations)"));
  }
  return ok_status();
}

bool backup_id_ok(std::string_view id) noexcept {
  // YYYYMMDDTHHMMSSZ-xxxxxxxx
  if (id.size() != 25 || id[8] != 'T' || id[15] != 'Z' || id[16] != '-') return false;
  for (std::size_t i = 0; i < id.size(); ++i) {
    if (i == 8 || i == 15 || i == 16) continue;
    char c = id[i];
    bool digit = c >= '0' && c <= '9';
    bool hex = digit || (c >= 'a' && c <= 'f');
    if (i < 16 ? !digit : !hex) return false;
  }
  return true;
}

std::vector<std::string> expired_backups(const std::vector<BackupInfo>& backups, Timestamp now,
                                         const Retention& policy) {
  if (policy.daily_days <= 0 && policy.weekly_weeks <= 0) return {};
  std::vector<const BackupInfo*> newest_first;
  newest_first.reserve(backups.size());
  for (const BackupInfo& b : backups) newest_first.push_back(&b);
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

Backups::Backups(std::string database, std::string dir, Bytes master, Env& env)
    : database_(std::move(database)), dir_(std::move(dir)), key_(backup_key(master)), env_(env) {
  crypto::secure_wipe(master);
}

Result<BackupInfo> Backups::create() {
  std::lock_guard lock(mu_);
  CAIRN_TRY(make_private_dir(dir_));
  Bytes suffix(4);
  env_.random_bytes(suffix);
  BackupInfo info;
  Timestamp now = env_.now();
  info.id = compact_utc(now) + "-" + encoding::hex_encode(suffix);
  info.created_at = id_time(info.id);
  std::string snapshot_path = dir_ + "/" + info.id + ".snapshot";
  // VACUUM INTO wants an empty or missing file: an empty one made 0600 keeps the plaintext
  // snapshot private whatever the umask.
  CAIRN_TRY(write_new_file(snapshot_path, {}));
  FileGuard snapshot_guard(snapshot_path);
  {
    SqliteHandle h;
    if (sqlite3_open_v2(database_.c_str(), &h.db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      return fail(ErrorCode::kUnavailable, "VAULT_BACKUP_FAILED",
                  "cannot open the database for a snapshot");
    }
    sqlite3_busy_timeout(h.db, 10000);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(h.db, "VACUUM INTO ?1", -1, &stmt, nullptr) != SQLITE_OK) {
      return fail(ErrorCode::kUnavailable, "VAULT_BACKUP_FAILED",
                  std::string("cannot take a snapshot: ") + sqlite3_errmsg(h.db));
    }
    sqlite3_bind_text(stmt, 1, snapshot_path.c_str(), -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) {
      return fail(ErrorCode::kUnavailable, "VAULT_BACKUP_FAILED",
                  std::string("cannot take a snapshot: ") + sqlite3_errmsg(h.db));
    }
  }
  // A snapshot that does not pass its own checks is never sealed.
  if (Status s = check_snapshot(snapshot_path); !s) {
    return fail(ErrorCode::kUnavailable, "VAULT_BACKUP_FAILED",
                "the snapshot failed its check: " + s.error().message);
  }
  auto snapshot = read_whole_file(snapshot_path);
  if (!snapshot) return fail(io_failed("cannot read the snapshot"));
  CAIRN_ASSIGN_OR_RETURN(Bytes sealed, seal_backup(key_, *snapshot, env_));
  crypto::secure_wipe(*snapshot);
  std::string tmp = dir_ + "/" + info.id + ".tmp";
  CAIRN_TRY(write_new_file(tmp, sealed));
  std::string final_path = dir_ + "/" + info.id + std::string(kSuffix);
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    Error e = io_failed("cannot store the backup");
    ::unlink(tmp.c_str());
    return fail(std::move(e));
  }
  info.size = static_cast<int64_t>(sealed.size());
  return info;
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
    std::error_code item_ec;
    if (!backup_id_ok(id) || !item.is_regular_file(item_ec)) continue;
    auto size = item.file_size(item_ec);
    if (item_ec) continue;  // removed meanwhile
    out.push_back({id, id_time(id), static_cast<int64_t>(size)});
  }
  std::sort(out.begin(), out.end(), [](const BackupInfo& a, const BackupInfo& b) {
    return a.created_at != b.created_at ? a.created_at > b.created_at : a.id > b.id;
  });
  return out;
}

Result<std::vector<std::string>> Backups::prune(const Retention& policy) {
  std::lock_guard lock(mu_);
  CAIRN_ASSIGN_OR_RETURN(auto all, list_locked());
  std::vector<std::string> expired = expired_backups(all, env_.now(), policy);
  for (const std::string& id : expired) {
    std::string path = dir_ + "/" + id + std::string(kSuffix);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return fail(io_failed("cannot delete " + path));
    }
  }
  return expired;
}

Result<std::string> Backups::stage_restore(std::string_view id) {
  if (!backup_id_ok(id)) {
    return fail(ErrorCode::kInvalidArgument, "VAULT_BACKUP_ID_INVALID",
                "a backup id looks like 20261122T101500Z-0a1b2c3d");
  }
  std::lock_guard lock(mu_);
  std::string path = dir_ + "/" + std::string(id) + std::string(kSuffix);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return fail(ErrorCode::kNotFound, "VAULT_BACKUP_NOT_FOUND", "no backup " + std::string(id));
  }
  CAIRN_ASSIGN_OR_RETURN(Bytes file, read_whole_file(path));
  CAIRN_ASSIGN_OR_RETURN(Bytes snapshot, open_backup(key_, file));
  std::string staged = database_ + ".restore." + std::string(id);
  ::unlink(staged.c_str());  // an earlier staging of the same backup
  CAIRN_TRY(write_new_file(staged, snapshot));
  crypto::secure_wipe(snapshot);
  FileGuard guard(staged);
  CAIRN_TRY(check_snapshot(staged));
  guard.keep();
  return staged;
}

Status restore_file(const std::string& backup, ByteView master, const std::string& database) {
  std::error_code ec;
  if (std::filesystem::exists(database, ec)) {
    return fail(ErrorCode::kFailedPrecondition, "VAULT_RESTORE_TARGET_EXISTS",
                database + " exists: restore into a data directory without a database");
  }
  CAIRN_ASSIGN_OR_RETURN(Bytes file, read_whole_file(backup));
  Bytes key = backup_key(master);
  auto snapshot = open_backup(key, file);
  crypto::secure_wipe(key);
  if (!snapshot) return fail(snapshot.error());
  std::filesystem::path target(database);
  if (target.has_parent_path()) CAIRN_TRY(make_private_dir(target.parent_path().string()));
  std::string staged = database + ".restore.tmp";
  ::unlink(staged.c_str());
  CAIRN_TRY(write_new_file(staged, *snapshot));
  crypto::secure_wipe(*snapshot);
  FileGuard guard(staged);
  CAIRN_TRY(check_snapshot(staged));
  if (::rename(staged.c_str(), database.c_str()) != 0) {
    return fail(io_failed("cannot install " + database));
  }
  guard.keep();
  return ok_status();
}

}  // namespace cairn::vault
