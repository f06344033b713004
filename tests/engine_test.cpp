#include "cairn/engine.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "cairn/core/encoding.hpp"
#include "cairn/crypto/aead.hpp"
#include "cairn/crypto/mac.hpp"
#include "cairn/secrets/envelope.hpp"
#include "support/temp_dir.hpp"

namespace cairn {
namespace {

using cairn::testing::TempDir;

bool is_lower_hex(const std::string& s) {
  return s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

TEST(EngineTest, OpensAMemoryEngine) {
  auto engine = Engine::open("memory:");
  ASSERT_TRUE(engine) << engine.error().to_string();
  EXPECT_EQ((*engine)->backend(), storage::Backend::kMemory);
  EXPECT_EQ((*engine)->uri(), "memory:");
  EXPECT_EQ((*engine)->schema_version(), storage::latest_schema_version());
  EXPECT_EQ((*engine)->instance_id().size(), 32u);
  EXPECT_TRUE(is_lower_hex((*engine)->instance_id()));
  EXPECT_EQ(&(*engine)->env(), &Env::system());
}

TEST(EngineTest, InstanceIdAndCreationTimeSurviveReopen) {
  TempDir dir;
  std::string uri = "sqlite:" + dir.file("engine.db");
  FakeEnv first(from_unix_micros(1'700'000'000'000'000), 1);
  EngineOptions options;
  options.env = &first;
  std::string id;
  {
    auto engine = Engine::open(uri, options);
    ASSERT_TRUE(engine) << engine.error().to_string();
    id = (*engine)->instance_id();
    EXPECT_EQ(to_unix_micros((*engine)->created_at()), 1'700'000'000'000'000);
  }
  FakeEnv later(from_unix_micros(1'800'000'000'000'000), 2);
  options.env = &later;
  auto engine = Engine::open(uri, options);
  ASSERT_TRUE(engine);
  EXPECT_EQ((*engine)->instance_id(), id);
  EXPECT_EQ(to_unix_micros((*engine)->created_at()), 1'700'000'000'000'000);
}

TEST(EngineTest, FakeEnvMakesInstanceIdsDeterministic) {
  FakeEnv a(FakeEnv::kDefaultStart, 42), b(FakeEnv::kDefaultStart, 42);
  EngineOptions oa, ob;
  oa.env = &a;
  ob.env = &b;
  auto ea = Engine::open("memory:", oa);
  auto eb = Engine::open("memory:", ob);
  ASSERT_TRUE(ea && eb);
  EXPECT_EQ((*ea)->instance_id(), (*eb)->instance_id());
  EXPECT_EQ(&(*ea)->env(), &a);
  auto other = Engine::open("memory:");
  EXPECT_NE((*other)->instance_id(), (*ea)->instance_id());
}

TEST(EngineTest, ReportsStorageErrors) {
  auto bad = Engine::open("nosuch:thing");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().reason, "STORAGE_URI_INVALID");
  auto pg = Engine::open("postgresql://localhost/db");
  ASSERT_FALSE(pg);
  EXPECT_EQ(pg.error().reason, "STORAGE_BACKEND_UNAVAILABLE");
}

TEST(EngineTest, RejectsOutOfRangeOptionsBeforeOpening) {
  TempDir dir;
  for (int64_t ms : {int64_t{-1}, int64_t{1} << 31}) {
    EngineOptions options;
    options.busy_timeout = std::chrono::milliseconds(ms);
    auto engine = Engine::open("sqlite:" + dir.file("never.db"), options);
    ASSERT_FALSE(engine);
    EXPECT_EQ(engine.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(engine.error().reason, "ENGINE_OPTIONS_INVALID");
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("never.db")));
}

TEST(EngineTest, WithoutAMasterKeySecretsIsAFailedPrecondition) {
  auto engine = Engine::open("memory:");
  ASSERT_TRUE(engine) << engine.error().to_string();
  auto service = (*engine)->secrets();
  ASSERT_FALSE(service);
  EXPECT_EQ(service.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(service.error().reason, "SECRETS_MASTER_KEY_MISSING");
}

TEST(EngineTest, CorruptCreationTimeIsDataLoss) {
  TempDir dir;
  std::string uri = "sqlite:" + dir.file("corrupt.db");
  {
    auto db = storage::open(uri);
    ASSERT_TRUE(db);
    ASSERT_TRUE((*db)->meta().put("engine.created_at", "yesterday"));
  }
  auto engine = Engine::open(uri);
  ASSERT_FALSE(engine);
  EXPECT_EQ(engine.error().code, ErrorCode::kDataLoss);
  EXPECT_EQ(engine.error().reason, "STORAGE_CORRUPT");
}

// ---- The engine's own keys with a master key (engine.hpp): a copy of the database file is not
// enough to sign in with a pending login code or to re-sign the audit log.

constexpr const char* kMasterKey1 =
    "0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0";
constexpr const char* kMasterKey2 =
    "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";
constexpr const char* kEmail = "ada@example.com";

// A cell read straight from the file with SQLite, bypassing the engine.
struct Cell {
  bool found = false;
  Bytes bytes;
  std::string text() const { return {bytes.begin(), bytes.end()}; }
};

Cell query_cell(const std::string& path, const std::string& sql) {
  Cell out;
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
  if (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW) {
    out.found = true;
    const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(stmt, 0));
    out.bytes.assign(data, data + sqlite3_column_bytes(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

// Everything a copy of the database would hold: the file and, if present, its WAL.
std::string file_bytes(const std::string& path) {
  std::string out;
  for (const std::string& p : {path, path + "-wal"}) {
    std::ifstream in(p, std::ios::binary);
    out.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return out;
}

bool file_holds(const std::string& file, ByteView secret) {
  return std::search(file.begin(), file.end(), secret.begin(), secret.end()) != file.end();
}

// `secret` in no encoding the engine uses (raw, hex, base64, base64url) is in `file`.
void expect_not_in_file(const std::string& file, ByteView secret, const std::string& what) {
  EXPECT_FALSE(file_holds(file, secret)) << what << " is in the file";
  EXPECT_FALSE(file_holds(file, as_bytes(encoding::hex_encode(secret)))) << what << " (hex)";
  EXPECT_FALSE(file_holds(file, as_bytes(encoding::b64url_encode(secret)))) << what << " (b64)";
}

// The base64 body lines of a PEM: what a copy would need to find to use the key.
std::vector<std::string> pem_body_lines(const std::string& pem) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < pem.size()) {
    size_t end = pem.find('\n', start);
    if (end == std::string::npos) end = pem.size();
    std::string line = pem.substr(start, end - start);
    if (!line.empty() && !line.starts_with("-----")) out.push_back(line);
    start = end + 1;
  }
  return out;
}

Bytes derive(ByteView sealing, std::string_view info) {
  return *crypto::hkdf_sha256(sealing, {}, as_bytes(info), 32);
}

Bytes audit_aad(std::string_view label) {
  Bytes out(label.begin(), label.end());
  out.push_back(0);
  std::string_view log = "main";
  out.insert(out.end(), log.begin(), log.end());
  return out;
}

// The engine's keys as they are stored in the file, opened by hand with the master key as
// engine.hpp, secrets/keyring.hpp and audit/log.hpp document them.
struct EngineKeys {
  Bytes sealing;
  Bytes code_key;
  Bytes audit_seal;
  std::string signing_pem;
  Bytes redaction_key;
};

EngineKeys open_engine_keys(const std::string& path, const char* master_hex) {
  EngineKeys out;
  auto master = secrets::MasterKey::parse(master_hex);
  EXPECT_TRUE(master);
  Cell wrapped = query_cell(
      path, "SELECT wrapped_key FROM secrets_keyring_keys WHERE name = 'engine.sealing'");
  EXPECT_TRUE(wrapped.found);
  EXPECT_EQ(wrapped.bytes.size(), 60u);
  auto sealing =
      secrets::unwrap_key(*master, wrapped.bytes, secrets::keyring_key_aad("engine.sealing"));
  EXPECT_TRUE(sealing);
  if (!sealing) return out;
  out.sealing.assign(sealing->view().begin(), sealing->view().end());
  out.code_key = derive(out.sealing, "cairn.auth.login_codes");
  out.audit_seal = derive(out.sealing, "cairn.audit.keys");

  std::string pem_form =
      query_cell(path, "SELECT signing_key_pem FROM audit_logs WHERE name = 'main'").text();
  EXPECT_TRUE(pem_form.starts_with("cairn-sealed:v1:")) << "signing key stored in clear";
  auto blob = encoding::hex_decode(std::string_view(pem_form).substr(16));
  EXPECT_TRUE(blob);
  if (!blob) return out;
  auto pem =
      crypto::aes_gcm_decrypt(out.audit_seal, *blob, audit_aad("cairn-audit-signing-key-v1"));
  EXPECT_TRUE(pem);
  if (pem) out.signing_pem.assign(pem->begin(), pem->end());

  Bytes redaction_form =
      query_cell(path, "SELECT redaction_key FROM audit_logs WHERE name = 'main'").bytes;
  EXPECT_EQ(redaction_form.size(), 61u) << "redaction key stored in clear";
  if (redaction_form.size() != 61u) return out;
  EXPECT_EQ(redaction_form[0], 0x01);
  auto redaction = crypto::aes_gcm_decrypt(out.audit_seal, ByteView(redaction_form).subspan(1),
                                           audit_aad("cairn-audit-redaction-key-v1"));
  EXPECT_TRUE(redaction);
  if (redaction) out.redaction_key = *redaction;
  return out;
}

EngineOptions with_master(const char* key) {
  EngineOptions options;
  options.master_key = secrets::MasterKey::from_hex(key).value();
  return options;
}

audit::EntryInput sensitive_entry() {
  audit::EntryInput e;
  e.actor_id = "ada";
  e.action = "secret.write";
  e.resource_type = "secret";
  e.resource_id = "DB_URL";
  e.details = R"({"value":"hunter2"})";
  e.sensitive = {"value"};
  return e;
}

TEST(EngineKeysTest, WithAMasterKeyTheFileHoldsNoEngineKeyInClear) {
  TempDir dir;
  std::string path = dir.file("keys.db");
  std::string public_pem;
  {
    auto engine = Engine::open("sqlite:" + path, with_master(kMasterKey1));
    ASSERT_TRUE(engine) << engine.error().to_string();
    ASSERT_TRUE((*engine)->auth().request_login_code(kEmail));
    ASSERT_TRUE((*engine)->audit().append(sensitive_entry()));
    public_pem = (*engine)->audit().public_key_pem();
  }
  EXPECT_FALSE(query_cell(path, "SELECT value FROM cairn_meta WHERE key = 'auth.code_key'").found);
  EngineKeys keys = open_engine_keys(path, kMasterKey1);
  // What the file holds opens, with the master key, to the keys the engine uses.
  auto signing = crypto::PrivateKey::from_pem(keys.signing_pem);
  ASSERT_TRUE(signing);
  EXPECT_EQ(signing->public_key().to_pem(), public_pem);
  ASSERT_EQ(keys.redaction_key.size(), 32u);

  std::string file = file_bytes(path);
  EXPECT_EQ(file.find("PRIVATE KEY"), std::string::npos);
  for (const std::string& line : pem_body_lines(keys.signing_pem)) {
    EXPECT_EQ(file.find(line), std::string::npos) << "signing key PEM in the file";
  }
  expect_not_in_file(file, keys.redaction_key, "the redaction key");
  expect_not_in_file(file, keys.sealing, "the engine's sealing key");
  expect_not_in_file(file, keys.code_key, "the login-code key");
  expect_not_in_file(file, keys.audit_seal, "the audit seal key");
}

TEST(EngineKeysTest, PendingLoginCodesVerifyAfterReopen) {
  TempDir dir;
  std::string uri = "sqlite:" + dir.file("codes.db");
  std::string code;
  {
    auto engine = Engine::open(uri, with_master(kMasterKey1));
    ASSERT_TRUE(engine) << engine.error().to_string();
    auto requested = (*engine)->auth().request_login_code(kEmail);
    ASSERT_TRUE(requested) << requested.error().to_string();
    code = *requested;
  }
  auto engine = Engine::open(uri, with_master(kMasterKey1));
  ASSERT_TRUE(engine) << engine.error().to_string();
  auto session = (*engine)->auth().verify_login_code(kEmail, code);
  EXPECT_TRUE(session) << session.error().to_string();
}

TEST(EngineKeysTest, AuditKeyAndLoginCodesSurviveReopenAndMasterKeyRotation) {
  TempDir dir;
  std::string uri = "sqlite:" + dir.file("rotate.db");
  std::string public_pem;
  std::string code;
  {
    auto engine = Engine::open(uri, with_master(kMasterKey1));
    ASSERT_TRUE(engine) << engine.error().to_string();
    public_pem = (*engine)->audit().public_key_pem();
  }
  {
    auto engine = Engine::open(uri, with_master(kMasterKey1));
    ASSERT_TRUE(engine) << engine.error().to_string();
    EXPECT_EQ((*engine)->audit().public_key_pem(), public_pem);
    code = *(*engine)->auth().request_login_code(kEmail);
    ASSERT_TRUE(
        (*engine)->secrets().value()->rotate_master_key(*secrets::MasterKey::parse(kMasterKey2)));
    // The running engine's keys do not change: only their wrapping did.
    EXPECT_TRUE((*engine)->audit().append(sensitive_entry()));
  }
  auto old_key = Engine::open(uri, with_master(kMasterKey1));
  ASSERT_FALSE(old_key);
  EXPECT_EQ(old_key.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(old_key.error().reason, "SECRETS_MASTER_KEY_MISMATCH");

  auto engine = Engine::open(uri, with_master(kMasterKey2));
  ASSERT_TRUE(engine) << engine.error().to_string();
  EXPECT_EQ((*engine)->audit().public_key_pem(), public_pem);
  EXPECT_TRUE((*engine)->audit().verify());
  auto session = (*engine)->auth().verify_login_code(kEmail, code);
  EXPECT_TRUE(session) << session.error().to_string();
  engine->reset();
  EngineKeys keys = open_engine_keys(dir.file("rotate.db"), kMasterKey2);
  EXPECT_EQ(keys.redaction_key.size(), 32u);
}

TEST(EngineKeysTest, AnotherMasterKeyOrNoneIsRefused) {
  TempDir dir;
  std::string uri = "sqlite:" + dir.file("bound.db");
  ASSERT_TRUE(Engine::open(uri, with_master(kMasterKey1)));
  auto wrong = Engine::open(uri, with_master(kMasterKey2));
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(wrong.error().reason, "SECRETS_MASTER_KEY_MISMATCH");
  // Without the master key the audit log cannot be signed: refused rather than opened unsigned.
  auto none = Engine::open(uri);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(none.error().reason, "AUDIT_KEYS_SEALED");
}

TEST(EngineKeysTest, ALegacyDatabaseIsSealedOnTheFirstOpenWithAMasterKey) {
  TempDir dir;
  std::string path = dir.file("legacy.db");
  std::string uri = "sqlite:" + path;
  std::string public_pem;
  std::string code;
  std::string details;
  {
    auto engine = Engine::open(uri);  // as earlier versions, and any open without a master key
    ASSERT_TRUE(engine) << engine.error().to_string();
    code = *(*engine)->auth().request_login_code(kEmail);
    // Every append rewrites the log's row, keys included, leaving old copies in free space.
    for (int i = 0; i < 40; ++i) ASSERT_TRUE((*engine)->audit().append(sensitive_entry()));
    public_pem = (*engine)->audit().public_key_pem();
    details = (*engine)->audit().entry(0)->entry.details;
  }
  // In clear, as before.
  std::string legacy_pem =
      query_cell(path, "SELECT signing_key_pem FROM audit_logs WHERE name = 'main'").text();
  Bytes legacy_redaction =
      query_cell(path, "SELECT redaction_key FROM audit_logs WHERE name = 'main'").bytes;
  std::string legacy_code_key =
      query_cell(path, "SELECT value FROM cairn_meta WHERE key = 'auth.code_key'").text();
  ASSERT_TRUE(legacy_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
  ASSERT_EQ(legacy_redaction.size(), 32u);
  ASSERT_EQ(legacy_code_key.size(), 64u);
  ASSERT_NE(file_bytes(path).find(legacy_code_key), std::string::npos);

  {
    auto engine = Engine::open(uri, with_master(kMasterKey1));
    ASSERT_TRUE(engine) << engine.error().to_string();
    EXPECT_EQ((*engine)->audit().public_key_pem(), public_pem);
    ASSERT_TRUE((*engine)->audit().append(sensitive_entry()));
    EXPECT_EQ((*engine)->audit().entry(40)->entry.details, details);  // same redaction key
    EXPECT_TRUE((*engine)->audit().verify());
    // The plaintext login-code key is gone, and with it the codes pending when it went.
    auto stale = (*engine)->auth().verify_login_code(kEmail, code);
    ASSERT_FALSE(stale);
    EXPECT_EQ(stale.error().reason, "AUTH_CODE_INVALID");
  }
  EXPECT_FALSE(query_cell(path, "SELECT value FROM cairn_meta WHERE key = 'auth.code_key'").found);
  EngineKeys keys = open_engine_keys(path, kMasterKey1);
  EXPECT_EQ(keys.signing_pem, legacy_pem);
  EXPECT_EQ(keys.redaction_key, legacy_redaction);

  std::string file = file_bytes(path);
  EXPECT_EQ(file.find("PRIVATE KEY"), std::string::npos);
  for (const std::string& line : pem_body_lines(legacy_pem)) {
    EXPECT_EQ(file.find(line), std::string::npos) << "the old signing key PEM is still in the file";
  }
  expect_not_in_file(file, legacy_redaction, "the old redaction key");
  EXPECT_EQ(file.find(legacy_code_key), std::string::npos) << "the old login-code key";
  expect_not_in_file(file, keys.code_key, "the login-code key");

  EXPECT_EQ(Engine::open(uri).error().reason, "AUDIT_KEYS_SEALED");
}

TEST(EngineKeysTest, MemoryEnginesWithAMasterKeyWork) {
  auto engine = Engine::open("memory:", with_master(kMasterKey1));
  ASSERT_TRUE(engine) << engine.error().to_string();
  auto code = (*engine)->auth().request_login_code(kEmail);
  ASSERT_TRUE(code);
  EXPECT_TRUE((*engine)->auth().verify_login_code(kEmail, *code));
  EXPECT_TRUE((*engine)->audit().append(sensitive_entry()));
  auto service = (*engine)->secrets();
  ASSERT_TRUE(service);
  EXPECT_NE(*service, nullptr);
}

}  // namespace
}  // namespace cairn
