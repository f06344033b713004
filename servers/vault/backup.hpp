// cairn-vault's encrypted backups (Coldrune reference B.9), kept in a directory of the data dir.
//
// A backup is a consistent snapshot of the engine's database (storage::Database::snapshot_to():
// SQLite's VACUUM INTO on a connection of its own, so the server keeps serving; checked with
// storage::inspect_snapshot(); the vault itself neither links SQLite nor reads cairn's tables),
// encrypted as one file, format 2:
//
//   "CRBU" | version 0x02 | u8 n | instance id (n bytes) | u8 m | backup id (m bytes)
//          | 12-byte nonce | AES-256-GCM ciphertext and 16-byte tag
//
// under the backup key HKDF-SHA256(master key, salt "", info "cairn-vault-backup-key", 32 bytes).
// Everything before the nonce is the GCM associated data, so the version, the instance id (the
// engine's instance_id() of the database backed up) and the backup id are bound to the contents:
// a file renamed to another id, or copied from another vault instance, is refused
// (FAILED_PRECONDITION / VAULT_BACKUP_MISMATCH) rather than restored. Format 1 (no binding) is no
// longer read (FAILED_PRECONDITION / VAULT_BACKUP_VERSION_UNSUPPORTED). Rotating the master key
// changes the backup key: older backups need the old key.
//
// Backup ids are "YYYYMMDDTHHMMSSZ-" + 8 hex characters + "-manual" or "-scheduled" (the UTC time
// taken, randomness so two in one second differ, and the kind); the file is <dir>/<id>.crbu, mode
// 0600. The plaintext snapshot exists only briefly, 0600, inside the 0700 backup directory, and
// is removed on every path; files are written under a temporary name, fsynced, renamed, and the
// directory is fsynced after the rename. sweep_leftovers() removes what a crash left behind.
//
// Retention applies to scheduled backups only: manual ones are never pruned automatically.
//
// Restore never replaces a database: stage_restore() decrypts a backup next to the database as
// vault.db.restore.<id> after checking it (GCM tag, binding, then storage::inspect_snapshot():
// SQLite header, cairn's application id, PRAGMA integrity_check, a cairn schema; and that the
// snapshot's own instance id is the one in the header), and the operator swaps the files with the
// server stopped; restore_file() does the same into a data directory that has no database yet.
//
// Audit: given an audit log, Backups records "backup.create", "backup.restore" (staging) and
// "backup.prune" entries (resource_type "backup", resource_id the backup id, outcome "ok" or
// "failed", details {"kind":..} and, when failed, {"reason":..}). The actor string of each call
// is the entry's actor_id; its actor_type is "system" for the actor "system" and "user" otherwise.
// An "ok" entry is written once a new file is in place, and the call fails (the file removed
// again) if it cannot be written; a prune writes its entry before deleting, so with a fail-closed
// log nothing is deleted unrecorded.
//
// Thread-safety: a Backups may be used from several threads (the server's handlers and the
// scheduled job); creating, pruning, staging and sweeping are serialized by an internal lock,
// taken before any lock of the audit log. Ownership: the Env and the audit log are borrowed and
// must outlive the Backups.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/audit/log.hpp"
#include "cairn/core/bytes.hpp"
#include "cairn/core/env.hpp"
#include "cairn/core/result.hpp"
#include "cairn/storage/database.hpp"

namespace cairn::vault {

inline constexpr std::string_view kBackupMagic = "CRBU";
inline constexpr uint8_t kBackupVersion = 2;

// Who took a backup: an operator (`backup create`), or the schedule. Only scheduled backups are
// subject to retention.
enum class BackupKind { kManual, kScheduled };

// "manual" or "scheduled": the id suffix and the audit details' "kind".
std::string_view backup_kind_name(BackupKind kind) noexcept;

struct BackupInfo {
  std::string id;
  Timestamp created_at{};
  int64_t size = 0;  // bytes of the encrypted file
  BackupKind kind = BackupKind::kManual;
};

// What a backup file is bound to: carried in its header and covered by the GCM tag.
struct BackupBinding {
  std::string instance_id;  // the engine's instance_id() of the database backed up
  std::string backup_id;    // the backup's id, which is also its file name
};

// How many scheduled backups to keep: the newest of each of the last `daily_days` UTC days and
// the newest of each of the last `weekly_weeks` ISO weeks (Coldrune's BACKUP_RETAIN_*). 0 and 0
// keep all.
struct Retention {
  int64_t daily_days = 7;
  int64_t weekly_weeks = 4;
};

// The backup key of a master key (32 raw bytes).
Bytes backup_key(ByteView master);
// Encrypts a snapshot into the CRBU format, bound to `binding`, with a fresh nonce from `env`.
// Errors: INVALID_ARGUMENT / VAULT_BACKUP_ID_INVALID (an id that is empty or over 255 bytes).
Result<Bytes> seal_backup(ByteView key, const BackupBinding& binding, ByteView snapshot, Env& env);
// The binding in a CRBU file's header, not yet authenticated (open_backup() checks it). Errors:
// DATA_LOSS / VAULT_BACKUP_CORRUPT (not CRBU, truncated); FAILED_PRECONDITION /
// VAULT_BACKUP_VERSION_UNSUPPORTED (a format version other than kBackupVersion).
Result<BackupBinding> read_backup_binding(ByteView file);
// The snapshot inside a CRBU file that must be bound to `expected`. Errors: those of
// read_backup_binding(); DATA_LOSS / VAULT_BACKUP_CORRUPT (the tag does not verify: a changed
// file or another key); FAILED_PRECONDITION / VAULT_BACKUP_MISMATCH (an intact backup bound to
// another id or instance). The tag is checked first, so a changed header is CORRUPT.
Result<Bytes> open_backup(ByteView key, ByteView file, const BackupBinding& expected);
// The ids to delete under `policy`, of `backups` (any order), as of `now`. Only scheduled backups
// are considered: manual ones are neither deleted nor counted.
std::vector<std::string> expired_backups(const std::vector<BackupInfo>& backups, Timestamp now,
                                         const Retention& policy);
// Whether `id` has the shape of a backup id (so it can name a file safely).
bool backup_id_ok(std::string_view id) noexcept;
// The kind a backup id names, or nullopt when `id` is not a backup id.
std::optional<BackupKind> backup_id_kind(std::string_view id) noexcept;

class Backups {
 public:
  // `database`: the engine's database (engine.database()), which backups are snapshots of and
  // next to whose file restores are staged (a memory: database can neither); `dir`: where
  // backups live (created 0700 when missing); `master`: the master key (32 raw bytes), wiped
  // here; `instance_id`: the engine's instance_id(), which backups are bound to; `audit`: where
  // to record backup entries (null: none).
  Backups(storage::Database& database, std::string dir, Bytes master, Env& env,
          std::string instance_id, audit::AuditLog* audit = nullptr);

  const std::string& dir() const noexcept { return dir_; }

  // Takes a snapshot now and stores it encrypted, as a backup of `kind`, recorded as done by
  // `actor`. Errors: UNAVAILABLE / VAULT_BACKUP_FAILED (the message names the storage error:
  // STORAGE_SNAPSHOT_UNSUPPORTED for a memory: database, STORAGE_BUSY, ...); FAILED_PRECONDITION
  // / VAULT_BACKUP_MISMATCH (the database is not instance `instance_id`); the audit log's errors.
  Result<BackupInfo> create(BackupKind kind = BackupKind::kManual,
                            std::string_view actor = "operator");
  // Every backup, newest first. Errors: UNAVAILABLE / VAULT_BACKUP_FAILED.
  Result<std::vector<BackupInfo>> list();
  // Deletes the scheduled backups the policy no longer keeps and returns their ids. Errors:
  // UNAVAILABLE / VAULT_BACKUP_FAILED; the audit log's errors (that backup is then kept).
  Result<std::vector<std::string>> prune(const Retention& policy,
                                         std::string_view actor = "system");
  // Decrypts and checks backup `id` into <database>.restore.<id> (0600) and returns that path.
  // Errors: INVALID_ARGUMENT / VAULT_BACKUP_ID_INVALID; NOT_FOUND / VAULT_BACKUP_NOT_FOUND;
  // DATA_LOSS / VAULT_BACKUP_CORRUPT and FAILED_PRECONDITION / VAULT_BACKUP_MISMATCH or
  // VAULT_BACKUP_VERSION_UNSUPPORTED (nothing is left behind); UNAVAILABLE / VAULT_BACKUP_FAILED;
  // the audit log's errors.
  Result<std::string> stage_restore(std::string_view id, std::string_view actor = "operator");
  // Removes what an interrupted backup or staging left behind: *.snapshot and *.tmp files (and
  // their SQLite -wal, -shm, -journal companions) in the backup directory, and
  // <database>.restore.*.tmp next to the database. Returns the paths removed. Call it at start,
  // before any backup runs. Errors: UNAVAILABLE / VAULT_BACKUP_FAILED.
  Result<std::vector<std::string>> sweep_leftovers();

 private:
  std::string file_of(std::string_view id) const;
  Result<std::vector<BackupInfo>> list_locked();
  // The instance id backups are bound to. Errors: UNAVAILABLE / VAULT_BACKUP_FAILED when none
  // was given.
  Result<std::string> instance_id_locked();
  // Snapshots, seals and stores backup `id`; returns the file's size.
  Result<int64_t> create_locked(const std::string& id);
  Result<std::string> stage_locked(std::string_view id);
  // Records an entry when there is a log; `reason` empty means outcome "ok".
  Status record(std::string_view action, std::string_view actor, std::string_view id,
                std::optional<BackupKind> kind, std::string_view reason);

  storage::Database& database_;
  std::string database_path_;  // its SQLite file, "" for memory:
  std::string dir_;
  Bytes key_;
  Env& env_;
  std::string instance_id_;
  audit::AuditLog* audit_;
  std::mutex mu_;
};

// Decrypts the backup file `backup` with `master`, checks it, and installs it as `database`,
// which must not exist (FAILED_PRECONDITION / VAULT_RESTORE_TARGET_EXISTS). There is no instance
// to compare with yet: the file must be bound to the instance id in its own header (which the
// snapshot's own instance id must match) and to the id its file name gives (<id>.crbu), so a
// renamed file is refused with VAULT_BACKUP_MISMATCH naming the id it holds. Errors: as
// stage_restore(); NOT_FOUND / VAULT_BACKUP_NOT_FOUND when `backup` cannot be read.
Status restore_file(const std::string& backup, ByteView master, const std::string& database);

}  // namespace cairn::vault
