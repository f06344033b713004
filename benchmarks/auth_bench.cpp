// Auth benchmarks, each paired with the limit it is judged against in the same run:
//
//   BM_AuthSessionValidate          validate_session() on SQLite, cache off (a store read each
//   time) BM_AuthSessionValidateCached    the same with session_cache_ttl = 60 s (the in-process
//   cache) BM_AuthSessionLookupSqlitePeer  the limit: SHA-256 of the token plus one plain SQLite
//   point
//                                   query on a unique 32-byte blob index, same row shape
//   BM_AuthJwtVerifyEs256           jwt_decode() of an ES256 token with 6 claims (parse, checks,
//                                   signature)
//   BM_AuthJwtVerifyEs256OpenSsl    the peer: OpenSSL EVP_DigestVerify of the same signing input
//                                   (signature only; goal: cairn >= 90% of its rate)
//   BM_AuthPasswordHash             hash_password() at OWASP's Argon2id minimum (19 MiB, t=2)
//   BM_AuthPasswordHashArgon2Raw    the limit: libargon2's argon2id_hash_raw with the same input
//
// benchmarks/ratios.py prints the ratios recorded in docs/performance.md.
#include <argon2.h>
#include <benchmark/benchmark.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sqlite3.h>

#include <filesystem>

#include "cairn/auth/jwt.hpp"
#include "cairn/core/encoding.hpp"
#include "cairn/crypto/hash.hpp"
#include "cairn/crypto/password.hpp"
#include "cairn/engine.hpp"

namespace {

using namespace cairn;  // NOLINT(google-build-using-namespace): benchmark file

constexpr int kSessions = 1000;

std::string temp_path(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / "cairn-auth-bench";
  std::filesystem::create_directories(dir);
  auto path = dir / name;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  return path.string();
}

void validate_sessions(benchmark::State& state, std::chrono::seconds cache_ttl) {
  EngineOptions options;
  options.auth.session_cache_ttl = cache_ttl;
  auto engine = Engine::open("sqlite:" + temp_path("sessions.db"), options).value();
  auto user = engine->auth().create_user("bench@example.com").value();
  std::vector<std::string> tokens;
  for (int i = 0; i < kSessions; ++i) {
    tokens.push_back(engine->auth().create_session(user.id, {"192.0.2.1", "bench"})->token);
  }
  size_t i = 0;
  for (auto _ : state) {
    auto session = engine->auth().validate_session(tokens[i++ % tokens.size()]);
    if (!session) state.SkipWithError("validation failed");
    benchmark::DoNotOptimize(session);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_AuthSessionValidate(benchmark::State& state) {
  validate_sessions(state, std::chrono::seconds(0));
}
BENCHMARK(BM_AuthSessionValidate);

void BM_AuthSessionValidateCached(benchmark::State& state) {
  validate_sessions(state, std::chrono::seconds(60));
}
BENCHMARK(BM_AuthSessionValidateCached);

void BM_AuthSessionLookupSqlitePeer(benchmark::State& state) {
  sqlite3* db = nullptr;
  sqlite3_open(temp_path("peer.db").c_str(), &db);
  sqlite3_exec(db,
               "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
               "CREATE TABLE s (id TEXT PRIMARY KEY, token_hash BLOB NOT NULL UNIQUE, user_id TEXT,"
               " created_at INTEGER, last_seen INTEGER, absolute_expires_at INTEGER, ip TEXT,"
               " user_agent TEXT);",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO s VALUES (?1, ?2, 'u', 1, 1, 9, '192.0.2.1', 'bench')", -1,
                     &insert, nullptr);
  std::vector<std::string> tokens;
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  for (int i = 0; i < kSessions; ++i) {
    tokens.push_back("cairn_s_" + std::to_string(i) + std::string(40, 'x'));
    crypto::Sha256Digest d = crypto::sha256(as_bytes(tokens.back()));
    std::string id = std::to_string(i);
    sqlite3_bind_text(insert, 1, id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(insert, 2, d.data(), static_cast<int>(d.size()), SQLITE_TRANSIENT);
    sqlite3_step(insert);
    sqlite3_reset(insert);
  }
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_stmt* select = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT id, token_hash, user_id, created_at, last_seen, absolute_expires_at,"
                     " ip, user_agent FROM s WHERE token_hash = ?1",
                     -1, &select, nullptr);
  size_t i = 0;
  for (auto _ : state) {
    crypto::Sha256Digest d = crypto::sha256(as_bytes(tokens[i++ % tokens.size()]));
    sqlite3_bind_blob(select, 1, d.data(), static_cast<int>(d.size()), SQLITE_STATIC);
    bool found = sqlite3_step(select) == SQLITE_ROW;
    std::string row = found ? reinterpret_cast<const char*>(sqlite3_column_text(select, 0)) : "";
    sqlite3_reset(select);
    if (!found) state.SkipWithError("row not found");
    benchmark::DoNotOptimize(row);
  }
  sqlite3_finalize(select);
  sqlite3_finalize(insert);
  sqlite3_close(db);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AuthSessionLookupSqlitePeer);

struct JwtFixture {
  crypto::PrivateKey key = crypto::PrivateKey::generate(crypto::SignatureAlgorithm::kEs256).value();
  auth::JwtKeySet keys;
  std::string token;
  auth::JwtVerifyOptions options;
  Timestamp now = from_unix_micros(1800000000LL * 1000000);
  JwtFixture() {
    auto signer = auth::JwtKey::signing(key, "2026-11");
    (void)keys.add(auth::JwtKey::verifying(key.public_key(), "2026-11"));
    token = auth::jwt_encode(R"({"iss":"https://hub.example","sub":"u_123","aud":"api",)"
                             R"("iat":1799999000,"exp":1800003600,"role":"admin"})",
                             signer)
                .value();
    options.algorithms = {auth::JwtAlgorithm::kEs256};
    options.audience = "api";
    options.issuer = "https://hub.example";
  }
};

void BM_AuthJwtVerifyEs256(benchmark::State& state) {
  JwtFixture f;
  for (auto _ : state) {
    auto jwt = auth::jwt_decode(f.token, f.keys, f.options, f.now);
    if (!jwt) state.SkipWithError("token did not verify");
    benchmark::DoNotOptimize(jwt);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AuthJwtVerifyEs256);

void BM_AuthJwtVerifyEs256OpenSsl(benchmark::State& state) {
  JwtFixture f;
  std::string input = f.token.substr(0, f.token.rfind('.'));
  Bytes raw = encoding::b64url_decode(f.token.substr(f.token.rfind('.') + 1)).value();
  // The peer gets the DER signature OpenSSL wants, converted outside the timed loop.
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(raw.data(), 32, nullptr), BN_bin2bn(raw.data() + 32, 32, nullptr));
  Bytes der(static_cast<size_t>(i2d_ECDSA_SIG(sig, nullptr)));
  unsigned char* p = der.data();
  i2d_ECDSA_SIG(sig, &p);
  ECDSA_SIG_free(sig);
  std::string pem = f.key.public_key().to_pem();
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* pkey = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  for (auto _ : state) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    int ok =
        EVP_DigestVerifyInit_ex(ctx, nullptr, "SHA2-256", nullptr, nullptr, pkey, nullptr) == 1 &&
        EVP_DigestVerify(ctx, der.data(), der.size(),
                         reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok) state.SkipWithError("signature did not verify");
    benchmark::DoNotOptimize(ok);
  }
  EVP_PKEY_free(pkey);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AuthJwtVerifyEs256OpenSsl);

void BM_AuthPasswordHash(benchmark::State& state) {
  Bytes salt(16, 7);
  for (auto _ : state) {
    auto phc = crypto::hash_password("correct horse battery staple", {}, salt);
    if (!phc) state.SkipWithError("hash failed");
    benchmark::DoNotOptimize(phc);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AuthPasswordHash)->Unit(benchmark::kMillisecond);

void BM_AuthPasswordHashArgon2Raw(benchmark::State& state) {
  Bytes salt(16, 7);
  std::string password = "correct horse battery staple";
  uint8_t out[32];
  for (auto _ : state) {
    int rc = argon2id_hash_raw(2, 19456, 1, password.data(), password.size(), salt.data(),
                               salt.size(), out, sizeof out);
    if (rc != ARGON2_OK) state.SkipWithError("hash failed");
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AuthPasswordHashArgon2Raw)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
