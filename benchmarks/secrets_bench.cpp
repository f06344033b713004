// Secrets benchmarks, each paired with the limit it is judged against in the same run:
//
//   BM_SecretsAclCheck/1000         check() for a developer in an org with 1,000 rules (100
//                                   subjects x 10), the matching rule among the subject's 10
//   BM_SecretsAclGlobPeer/1000      the limit: only the 1,000 glob matches, no store reads
//   BM_SecretsGet                   get() on SQLite: ACL, store read, unwrap + decrypt, audit
//   BM_SecretsGetSqlitePeer         the limit: the same row read by a plain SQLite query plus
//                                   the two AES-256-GCM decryptions (no ACL, no audit)
//
// benchmarks/ratios.py prints the ratios recorded in docs/performance.md.
#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <filesystem>

#include "cairn/crypto/aead.hpp"
#include "cairn/engine.hpp"
#include "cairn/secrets/glob.hpp"

namespace {

using namespace cairn;  // NOLINT(google-build-using-namespace): benchmark file

constexpr const char* kMaster = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

std::string temp_path(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / "cairn-secrets-bench";
  std::filesystem::create_directories(dir);
  auto path = dir / name;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  return path.string();
}

std::unique_ptr<Engine> open_engine(const std::string& uri) {
  EngineOptions options;
  options.master_key = secrets::MasterKey::parse(kMaster).value();
  options.audit.mode = audit::WriteMode::kAsync;
  return std::move(Engine::open(uri, options).value());
}

// An org with `rules` rules: 100 developers, each with rules on "svc-<i>-*" projects.
std::unique_ptr<Engine> acl_engine(int rules) {
  auto engine = open_engine("memory:");
  auto& s = *engine->secrets().value();
  (void)s.create_org("acme", "owner@acme.io");
  for (int u = 0; u < 100; ++u) {
    std::string user = "dev" + std::to_string(u) + "@acme.io";
    (void)s.add_member("acme", user, secrets::Role::kDeveloper, "owner@acme.io");
    for (int r = 0; r < rules / 100; ++r) {
      (void)s.grant("acme", user, "svc-" + std::to_string(r) + "-*", "{dev,staging,prod}",
                    secrets::Permission::kRead, "owner@acme.io");
    }
  }
  return engine;
}

void BM_SecretsAclCheck(benchmark::State& state) {
  auto engine = acl_engine(static_cast<int>(state.range(0)));
  auto& s = *engine->secrets().value();
  for (auto _ : state) {
    auto d = s.check("acme", "dev42@acme.io", "svc-9-billing", "prod", secrets::Permission::kRead);
    if (!d || !d->allowed) state.SkipWithError("check failed");
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SecretsAclCheck)->Arg(1000);

void BM_SecretsAclGlobPeer(benchmark::State& state) {
  std::vector<std::pair<std::string, std::string>> patterns;
  for (int i = 0; i < state.range(0); ++i) {
    patterns.emplace_back("svc-" + std::to_string(i % 10) + "-*", "{dev,staging,prod}");
  }
  for (auto _ : state) {
    int matches = 0;
    for (const auto& [p, e] : patterns) {
      matches += secrets::glob_match(p, "svc-9-billing") && secrets::glob_match(e, "prod");
    }
    benchmark::DoNotOptimize(matches);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SecretsAclGlobPeer)->Arg(1000);

void BM_SecretsGet(benchmark::State& state) {
  auto engine = open_engine("sqlite:" + temp_path("get.db"));
  auto& s = *engine->secrets().value();
  (void)s.create_org("acme", "owner@acme.io");
  (void)s.create_project("acme", "billing", "owner@acme.io");
  (void)s.create_environment("acme", "billing", "prod", "owner@acme.io");
  for (int i = 0; i < 100; ++i) {
    (void)s.set("acme", "billing", "prod", "KEY_" + std::to_string(i),
                "postgres://user:pass@db/" + std::to_string(i), "owner@acme.io");
  }
  int i = 0;
  for (auto _ : state) {
    auto value = s.get("acme", "billing", "prod", "KEY_" + std::to_string(i++ % 100),
                       "owner@acme.io", std::nullopt, std::nullopt, false);
    if (!value) state.SkipWithError("get failed");
    benchmark::DoNotOptimize(value);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SecretsGet);

void BM_SecretsGetSqlitePeer(benchmark::State& state) {
  sqlite3* db = nullptr;
  sqlite3_open(temp_path("peer.db").c_str(), &db);
  sqlite3_exec(db,
               "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
               "CREATE TABLE v (env TEXT, key TEXT, ciphertext BLOB, wrapped BLOB,"
               " PRIMARY KEY (env, key)) WITHOUT ROWID;",
               nullptr, nullptr, nullptr);
  Bytes kek(32, 1);
  Bytes dek(32, 2);
  sqlite3_stmt* ins = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO v VALUES ('e', ?1, ?2, ?3)", -1, &ins, nullptr);
  for (int i = 0; i < 100; ++i) {
    std::string key = "KEY_" + std::to_string(i);
    Bytes ct =
        crypto::aes_gcm_encrypt(dek, as_bytes("postgres://user:pass@db/" + std::to_string(i)))
            .value();
    Bytes wrapped = crypto::aes_gcm_encrypt(kek, dek).value();
    sqlite3_bind_text(ins, 1, key.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(ins, 2, ct.data(), static_cast<int>(ct.size()), SQLITE_TRANSIENT);
    sqlite3_bind_blob(ins, 3, wrapped.data(), static_cast<int>(wrapped.size()), SQLITE_TRANSIENT);
    sqlite3_step(ins);
    sqlite3_reset(ins);
  }
  sqlite3_stmt* sel = nullptr;
  sqlite3_prepare_v2(db, "SELECT ciphertext, wrapped FROM v WHERE env = 'e' AND key = ?1", -1, &sel,
                     nullptr);
  int i = 0;
  for (auto _ : state) {
    std::string key = "KEY_" + std::to_string(i++ % 100);
    sqlite3_bind_text(sel, 1, key.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(sel) != SQLITE_ROW) state.SkipWithError("row not found");
    ByteView ct(static_cast<const uint8_t*>(sqlite3_column_blob(sel, 0)),
                static_cast<size_t>(sqlite3_column_bytes(sel, 0)));
    ByteView wrapped(static_cast<const uint8_t*>(sqlite3_column_blob(sel, 1)),
                     static_cast<size_t>(sqlite3_column_bytes(sel, 1)));
    auto key_bytes = crypto::aes_gcm_decrypt(kek, wrapped);
    auto value = crypto::aes_gcm_decrypt(*key_bytes, ct);
    sqlite3_reset(sel);
    if (!value) state.SkipWithError("decrypt failed");
    benchmark::DoNotOptimize(value);
  }
  sqlite3_finalize(sel);
  sqlite3_finalize(ins);
  sqlite3_close(db);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SecretsGetSqlitePeer);

}  // namespace

BENCHMARK_MAIN();
