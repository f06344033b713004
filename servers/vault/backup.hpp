// cairn-vault's encrypted backups (Coldrune reference B.9), kept in a directory of the data dir.
//
// A backup is a consistent snapshot of the SQLite database (VACUUM INTO on a connection of its
// own: it takes no write lock, so the server keeps serving), encrypted as one file:
//
//   "CRBU" | version 0x01 | 12-byte nonce | AES-256-GCM ciphertext and 16-byte tag
//
// under the backup key HKDF-SHA256(master key, salt "", info "cairn-vault-backup-key", 32 bytes);
// the 5 header bytes are the GCM associated data, so a changed version byte fails like a changed
// ciphertext. Rotating the master key changes the backup key: older backups need the old key.
//
// Backup ids are "YYYYMMDDTHHMMSSZ-" + 8 hex characters (the UTC time taken, and randomness so two
// in one second differ); the file is <dir>/<id>.crbu, mode 0600. The plaintext snapshot exists
// only briefly, 0600, inside the 0700 backup directory, and is removed on every path.
//
// Restore never replaces a database: stage_restore() decrypts a backup next to the database as
// vault.db.restore.<id> after checking it (GCM tag, SQLite header, PRAGMA integrity_check and a
// cairn schema), and the operator swaps the files with the server stopped; restore_file() does the
// same into a data directory that has no database yet.
//
// Thread-safety: a Backups may be used from several threads (the server's handlers and the
// scheduled job); creating, pruning and staging are serialized by an internal lock.
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/core/bytes.hpp"
#include "cairn/core/env.hpp"
#include "cairn/core/result.hpp"

namespace cairn::vault {

inline constexpr std::string_view kBackupMagic = "CRBU";
inline constexpr uint8_t kBackupVersion = 1;

struct BackupInfo {
  std::string id;
  Timestamp created_at{};
  int64_t size = 0;  // bytes of the encrypted file
};

// How many backups to keep: the newest of each of the last `daily_days` UTC days and the newest
// of each of the last `weekly_weeks` ISO weeks (Coldrune's BACKUP_RETAIN_*). 0 and 0 keep all.
struct Retention {
  int64_t daily_days = 7;
  int64_t weekly_weeks = 4;
};

// The backup key of a master key (32 raw bytes).
Bytes backup_key(ByteView master);
// Encrypts a snapshot into the CRBU format with a fresh nonce from `env`.
Result<Bytes> seal_backup(ByteView key, ByteView snapshot, Env& env);
// The snapshot inside a CRBU file. Errors: DATA_LOSS / VAULT_BACKUP_CORRUPT (not CRBU, an unknown
// version, truncated, or the tag does not verify: a changed file or another key).
Result<Bytes> open_backup(ByteView key, ByteView file);
// Checks that `path` is an intact cairn SQLite database. Errors: DATA_LOSS / VAULT_BACKUP_CORRUPT.
Status check_snapshot(const std::string& path);
// The ids to delete under `policy`, of `backups` (any order), as of `now`.
std::vector<std::string> expired_backups(const std::vector<BackupInfo>& backups, Timestamp now,
                                         const Retention& policy);
// Whether `id` has the shape of a backup id (so it can name a file safely).
bool backup_id_ok(std::string_view id) noexcept;

class Backups {
 public:
  // `database`: the SQLite file; `dir`: where backups live (created 0700 when missing).
  Backups(std::string database, std::string dir, Bytes master, Env& env);

  const std::string& dir() const noexcept { return dir_; }

  // Takes a snapshot now and stores it encrypted. Errors: UNAVAILABLE / VAULT_BACKUP_FAILED.
  Result<BackupInfo> create();
  // Every backup, newest first.
  Result<std::vector<BackupInfo>> list();
  // Deletes the backups the policy no longer keeps; returns their ids.
  Result<std::vector<std::string>> prune(const Retention& policy);
  // Decrypts and checks backup `id` into <database>.restore.<id> (0600) and returns that path.
  // Errors: INVALID_ARGUMENT / VAULT_BACKUP_ID_INVALID; NOT_FOUND / VAULT_BACKUP_NOT_FOUND;
  // DATA_LOSS / VAULT_BACKUP_CORRUPT (nothing is left behind); UNAVAILABLE / VAULT_BACKUP_FAILED.
  Result<std::string> stage_restore(std::string_view id);

 private:
  Result<std::vector<BackupInfo>> list_locked();

  std::string database_;
  std::string dir_;
  Bytes key_;
  Env& env_;
  std::mutex mu_;
};

// Decrypts the backup file `backup` with `master`, checks it, and installs it as `database`,
// which must not exist (FAILED_PRECONDITION / VAULT_RESTORE_TARGET_EXISTS). Errors: as
// stage_restore(); NOT_FOUND / VAULT_BACKUP_NOT_FOUND when `backup` cannot be read.
Status restore_file(const std::string& backup, ByteView master, const std::string& database);

}  // namespace cairn::vault
