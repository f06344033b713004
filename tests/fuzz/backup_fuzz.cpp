// libFuzzer target for backup files: cairn-vault's encrypted backup format (servers/vault/
// backup.hpp: "CRBU" | version | instance id | backup id | nonce | AES-256-GCM) and the engine's
// snapshot check under it (storage::inspect_snapshot). At start it builds a reference: a cairn
// SQLite database with one record, snapshotted, sealed under a fixed master key as backup
// kBackupId of the database's instance (FakeEnv: the same bytes on every run).
//
// Properties (a broken one aborts):
// - reading a file is deterministic, and fails only with VAULT_BACKUP_CORRUPT or
//   VAULT_BACKUP_VERSION_UNSUPPORTED: bytes that are not the reference never open (the GCM tag
//   covers header, nonce and ciphertext), never report VAULT_BACKUP_MISMATCH (that needs an
//   intact file), and the reference opens to exactly its snapshot;
// - restore_file installs a database only from the unchanged reference; any other file is
//   refused and leaves no database and no staging file behind;
// - inspect_snapshot of arbitrary or corrupted snapshot bytes never crashes, is deterministic,
//   and fails only with its documented reasons.
//
// The vault half is compiled when vault/backup.hpp is reachable, that is when fuzz_backup links
// the cairn_vault library (servers/vault); without it only the snapshot half is. Files live in
// /tmp/cairn-fuzz-backup-<pid>/, removed at exit.
//
// The first input byte picks the mode: bit 0 off, the rest is a file's bytes; on, an edit script
// for the reference (3-byte steps: op, position, argument; positions scale to the file's size)
// that flips, sets, inserts or deletes bytes or truncates. Bit 1: also run restore_file on the
// result. Bit 2: run the same bytes or edits against the plaintext snapshot through
// inspect_snapshot instead. Seeds: corpus/backup/; tokens: backup.dict.
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "cairn/core/bytes.hpp"
#include "cairn/engine.hpp"
#include "cairn/storage/database.hpp"

#if __has_include("vault/backup.hpp")
#include "vault/backup.hpp"
#define CAIRN_FUZZ_BACKUP_VAULT 1
#endif

namespace {

namespace storage = cairn::storage;
using cairn::Bytes;

constexpr std::size_t kMaxInputBytes = std::size_t{64} * 1024;
constexpr std::size_t kMaxEditSteps = 32;

std::string work_dir() { return "/tmp/cairn-fuzz-backup-" + std::to_string(::getpid()); }

void remove_work_dir() {
  std::error_code ec;
  std::filesystem::remove_all(work_dir(), ec);
}

Bytes read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_file(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) std::abort();
}

#ifdef CAIRN_FUZZ_BACKUP_VAULT
constexpr std::string_view kBackupId = "20260101T000000Z-0123abcd-manual";
#endif

struct Reference {
  Bytes snapshot;  // a cairn database file
  std::string instance_id;
#ifdef CAIRN_FUZZ_BACKUP_VAULT
  Bytes master = Bytes(32, 0x42);
  Bytes file;  // the snapshot sealed as kBackupId of instance_id
#endif
};

Reference build_reference() {
  remove_work_dir();
  std::filesystem::create_directories(work_dir());
  std::filesystem::permissions(work_dir(), std::filesystem::perms::owner_all);
  std::atexit(remove_work_dir);
  Reference ref;
  cairn::FakeEnv env;
  {
    cairn::EngineOptions options;
    options.env = &env;
    auto engine = cairn::Engine::open("sqlite:" + work_dir() + "/source.db", options);
    if (!engine) std::abort();
    cairn::records::RecordsService& records = (*engine)->records();
    if (!records.define("notes", {}) || !records.put("notes", "n1", R"({"text":"keep me"})")) {
      std::abort();
    }
    if (!(*engine)->database().snapshot_to(work_dir() + "/snapshot.db")) std::abort();
    ref.instance_id = (*engine)->instance_id();
  }
  ref.snapshot = read_file(work_dir() + "/snapshot.db");
  auto info = storage::inspect_snapshot(work_dir() + "/snapshot.db");
  if (!info || info->instance_id != ref.instance_id) std::abort();
#ifdef CAIRN_FUZZ_BACKUP_VAULT
  const Bytes key = cairn::vault::backup_key(ref.master);
  const cairn::vault::BackupBinding binding{ref.instance_id, std::string(kBackupId)};
  auto sealed = cairn::vault::seal_backup(key, binding, ref.snapshot, env);
  if (!sealed) std::abort();
  ref.file = std::move(*sealed);
  auto opened = cairn::vault::open_backup(key, ref.file, binding);
  if (!opened || *opened != ref.snapshot) std::abort();
  auto other = cairn::vault::open_backup(key, ref.file, {ref.instance_id, "other"});
  if (other || other.error().reason != "VAULT_BACKUP_MISMATCH") std::abort();
#endif
  for (const char* name : {"source.db", "source.db-wal", "source.db-shm", "snapshot.db"}) {
    std::error_code ec;
    std::filesystem::remove(work_dir() + "/" + name, ec);
  }
  return ref;
}

const Reference& reference() {
  static const Reference* ref = new Reference(build_reference());  // lives to the end
  return *ref;
}

Bytes apply_edits(Bytes bytes, std::string_view script) {
  for (std::size_t step = 0; step + 3 <= script.size() && step / 3 < kMaxEditSteps; step += 3) {
    const auto op = static_cast<std::uint8_t>(script[step]) % 5U;
    const auto scaled = static_cast<std::uint8_t>(script[step + 1]);
    const auto arg = static_cast<std::uint8_t>(script[step + 2]);
    if (bytes.empty()) break;
    // The position byte spreads over the file; the op's high bits pick a byte within the slice.
    const std::size_t slice = bytes.size() / 256 + 1;
    const std::size_t pos = std::min(
        bytes.size() - 1, scaled * slice + (static_cast<std::uint8_t>(script[step]) / 5U) % slice);
    const auto at = bytes.begin() + static_cast<std::ptrdiff_t>(pos);
    switch (op) {
      case 0:
        bytes[pos] ^= arg == 0 ? 1 : arg;
        break;
      case 1:
        bytes[pos] = arg;
        break;
      case 2:
        bytes.insert(at, arg);
        break;
      case 3:
        bytes.erase(at, at + std::min<std::ptrdiff_t>(arg % 16 + 1, bytes.end() - at));
        break;
      default:
        bytes.resize(pos);
        break;
    }
  }
  return bytes;
}

void check_snapshot(const Bytes& bytes) {
  const std::string path = work_dir() + "/inspect.db";
  write_file(path, bytes);
  auto info = storage::inspect_snapshot(path);
  auto again = storage::inspect_snapshot(path);
  if (info.has_value() != again.has_value()) std::abort();
  if (info) {
    if (info->instance_id != again->instance_id || info->schema_version != again->schema_version ||
        info->schema_version < 1) {
      std::abort();
    }
  } else {
    const std::string& reason = info.error().reason;
    if (reason != again.error().reason) std::abort();
    if (reason != "STORAGE_NOT_A_DATABASE" && reason != "STORAGE_NOT_CAIRN_DATABASE" &&
        reason != "STORAGE_CORRUPT" && reason != "STORAGE_OPEN_FAILED") {
      std::fprintf(stderr, "inspect_snapshot: unexpected %s\n", info.error().to_string().c_str());
      std::abort();
    }
  }
  std::error_code ec;
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
    std::filesystem::remove(path + suffix, ec);
  }
}

#ifdef CAIRN_FUZZ_BACKUP_VAULT
void check_backup_file(const Reference& ref, const Bytes& file, bool restore) {
  namespace vault = cairn::vault;
  const Bytes key = vault::backup_key(ref.master);
  const vault::BackupBinding binding{ref.instance_id, std::string(kBackupId)};
  const bool unchanged = file == ref.file;

  auto header = vault::read_backup_binding(file);
  auto header_again = vault::read_backup_binding(file);
  if (header.has_value() != header_again.has_value()) std::abort();
  if (header && (header->instance_id != header_again->instance_id ||
                 header->backup_id != header_again->backup_id)) {
    std::abort();
  }
  auto opened = vault::open_backup(key, file, binding);
  if (opened.has_value() != unchanged) std::abort();
  if (opened && *opened != ref.snapshot) std::abort();
  if (!opened) {
    const std::string& reason = opened.error().reason;
    if (reason != "VAULT_BACKUP_CORRUPT" && reason != "VAULT_BACKUP_VERSION_UNSUPPORTED") {
      std::abort();
    }
    if (header && reason != "VAULT_BACKUP_CORRUPT") std::abort();
  }
  if (!restore) return;

  const std::string backup = work_dir() + "/" + std::string(kBackupId) + ".crbu";
  const std::string database = work_dir() + "/restored/vault.db";
  write_file(backup, file);
  cairn::Status restored = vault::restore_file(backup, ref.master, database);
  std::error_code ec;
  const bool installed = std::filesystem::exists(database, ec);
  const bool staged_left = std::filesystem::exists(database + ".restore.tmp", ec);
  if (restored.has_value() != unchanged || installed != unchanged || staged_left) std::abort();
  if (!restored && restored.error().reason == "VAULT_BACKUP_MISMATCH") std::abort();
  std::filesystem::remove_all(work_dir() + "/restored", ec);
  std::filesystem::remove(backup, ec);
}
#endif

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, std::size_t size) {
  const Reference& ref = reference();
  if (size == 0) return 0;
  const std::uint8_t control = bytes[0];
  std::string_view rest(reinterpret_cast<const char*>(bytes + 1),
                        std::min(size - 1, kMaxInputBytes));
  const bool edit = (control & 1U) != 0;
  const Bytes raw(rest.begin(), rest.end());
#ifdef CAIRN_FUZZ_BACKUP_VAULT
  if ((control & 4U) == 0) {
    check_backup_file(ref, edit ? apply_edits(ref.file, rest) : raw, (control & 2U) != 0);
    return 0;
  }
#endif
  check_snapshot(edit ? apply_edits(ref.snapshot, rest) : raw);
  return 0;
}
