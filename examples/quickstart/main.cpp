// cairn quickstart: a tour of what the engine can do today, on an embedded SQLite file.
//
//   cairn-quickstart [database-uri]      (default: sqlite:data/quickstart.db)
//
// Run it twice: the second run finds the same instance id, because the database persists.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "cairn/cairn.hpp"

namespace {

std::string format_time(cairn::Timestamp t) {
  auto seconds = std::chrono::floor<std::chrono::seconds>(t);
  std::time_t tt = std::chrono::system_clock::to_time_t(seconds);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&tt));
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a closed pipe is an error on write, not a silent exit
  std::string uri = argc > 1 ? argv[1] : "sqlite:data/quickstart.db";
  std::printf("cairn %s quickstart\n\n", cairn::version());

  // 1. Open an engine on an embedded SQLite file: created 0600 in a 0700 directory, WAL mode,
  //    migrated to the latest schema. The secrets master key comes from CAIRN_MASTER_KEY (64 hex
  //    characters, `openssl rand -hex 32`); the fixed demo key below is for this tour only.
  cairn::EngineOptions options;
  const char* master = std::getenv("CAIRN_MASTER_KEY");  // NOLINT(concurrency-mt-unsafe)
  auto master_key = cairn::secrets::MasterKey::from_hex(
      master != nullptr ? master
                        : "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  if (!master_key) {
    std::fprintf(stderr, "CAIRN_MASTER_KEY: %s\n", master_key.error().to_string().c_str());
    return 2;
  }
  options.master_key = *master_key;
  auto engine = cairn::Engine::open(uri, options);
  if (!engine) {
    std::fprintf(stderr, "open %s failed: %s\n", uri.c_str(), engine.error().to_string().c_str());
    return 1;
  }
  const cairn::Engine& e = **engine;
  std::printf("[engine]  opened %s\n", e.uri().c_str());
  std::printf("          backend        %s\n",
              std::string(cairn::storage::backend_name(e.backend())).c_str());
  std::printf("          schema version %lld (this build knows %lld)\n",
              static_cast<long long>(e.schema_version()),
              static_cast<long long>(cairn::storage::latest_schema_version()));
  std::printf("          instance id    %s (stays the same across runs)\n",
              e.instance_id().c_str());
  std::printf("          created at     %s\n", format_time(e.created_at()).c_str());

  // 2. The same engine API on the in-memory backend: a fresh database every time.
  auto memory = cairn::Engine::open("memory:");
  if (!memory) return 1;
  std::printf("[memory]  opened memory: with instance id %s\n", (*memory)->instance_id().c_str());

  // 3. One error model: every failure has a code, a stable reason, and a message.
  for (const char* bad : {"mysql://db/app", "sqlite:", "postgresql://localhost/app"}) {
    auto failed = cairn::Engine::open(bad);
    std::printf("[errors]  open(\"%s\") -> %s / %s (HTTP %d)\n", bad,
                std::string(cairn::code_name(failed.error().code)).c_str(),
                failed.error().reason.c_str(), cairn::http_status(failed.error().code));
  }

  // 4. A fixed clock and deterministic randomness for tests.
  cairn::FakeEnv fake;
  cairn::EngineOptions fake_options;
  fake_options.env = &fake;
  auto fixed = cairn::Engine::open("memory:", fake_options);
  if (!fixed) return 1;
  std::printf("[env]     with a FakeEnv the engine was created at %s, id %s\n",
              format_time((*fixed)->created_at()).c_str(), (*fixed)->instance_id().c_str());

  // 5. Crypto on OpenSSL 3: hashes, authenticated encryption, signatures, strict encodings.
  namespace crypto = cairn::crypto;
  namespace encoding = cairn::encoding;
  std::printf("[crypto]  sha256(\"abc\")  = %s\n",
              encoding::hex_encode(crypto::sha256(cairn::as_bytes("abc"))).c_str());
  cairn::Bytes key = crypto::random_bytes(crypto::kAesGcmKeyBytes);
  auto sealed = crypto::aes_gcm_encrypt(key, cairn::as_bytes("a secret"), cairn::as_bytes("ctx"));
  auto opened = crypto::aes_gcm_decrypt(key, *sealed, cairn::as_bytes("ctx"));
  auto wrong = crypto::aes_gcm_decrypt(key, *sealed, cairn::as_bytes("other ctx"));
  std::printf("          AES-256-GCM: %zu-byte blob opens to \"%s\"; with the wrong AAD -> %s\n",
              sealed->size(), cairn::to_string(*opened).c_str(), wrong.error().reason.c_str());
  for (auto alg : {crypto::SignatureAlgorithm::kEs256, crypto::SignatureAlgorithm::kEs384,
                   crypto::SignatureAlgorithm::kEd25519}) {
    auto signer = crypto::PrivateKey::generate(alg);
    auto signature = signer->sign(cairn::as_bytes("hello"));
    auto verifier = crypto::PublicKey::from_pem(signer->public_key().to_pem_body());
    std::printf("          %-7s signature %s... verifies: %s\n",
                std::string(crypto::algorithm_name(alg)).c_str(),
                encoding::b64url_encode(*signature).substr(0, 16).c_str(),
                verifier->verify(cairn::as_bytes("hello"), *signature) ? "yes" : "no");
  }
  auto bad = encoding::b64_decode("Zh==");
  std::printf("          b64_decode(\"Zh==\") -> %s (non-canonical trailing bits)\n",
              bad.error().reason.c_str());

  // 6. The audit log: hash chain + Merkle tree, signed tree heads, proofs, verification.
  cairn::audit::AuditLog& audit = (*engine)->audit();
  cairn::audit::EntryInput entry;
  entry.actor_id = "quickstart";
  entry.action = "tour.run";
  entry.resource_type = "example";
  entry.resource_id = "quickstart";
  entry.details = R"({"step":6,"token":"not-a-real-secret"})";
  entry.sensitive = {"token"};
  auto seq = audit.append(entry);
  auto head = audit.tree_head();
  auto proof = audit.prove_inclusion(*seq);
  auto stored = audit.entry(*seq);
  bool included =
      cairn::audit::verify_inclusion(stored->leaf, *seq, head->size, *proof, head->root);
  bool signed_ok = cairn::audit::verify_tree_head(*head, audit.public_key());
  std::printf("[audit]   appended entry %llu; the log holds %llu entries\n",
              static_cast<unsigned long long>(*seq), static_cast<unsigned long long>(head->size));
  std::printf("          tree head root %s... signed: %s\n",
              cairn::encoding::hex_encode(head->root).substr(0, 16).c_str(),
              signed_ok ? "valid" : "INVALID");
  std::printf("          inclusion proof of %zu hashes verifies: %s\n", proof->size(),
              included ? "yes" : "no");
  std::printf("          stored details (token kept only as an HMAC): %s\n",
              stored->entry.details.c_str());
  auto report = audit.check();
  std::printf("          verification: %s (%llu entries checked)\n",
              report->intact ? "intact" : report->detail.c_str(),
              static_cast<unsigned long long>(report->entries));

  // 7. Access control: the visibility ladder, a tenant policy, and decisions that explain why.
  namespace acl = cairn::access;
  acl::Subject reader;
  reader.id_tag = "ric.example.com";
  acl::Resource post;
  post.owner = "quickstart.example.com";
  post.visibility = acl::Visibility::kFollower;
  auto before = (*engine)->access().check("quickstart.example.com", reader, "action:read", post);
  (*engine)->relationships().follow("ric.example.com", "quickstart.example.com");
  auto after = (*engine)->access().check("quickstart.example.com", reader, "action:read", post);
  std::printf("[access]  a follower-only post: %s before following, %s after (step %s)\n",
              before->allowed ? "allowed" : "denied", after->allowed ? "allowed" : "denied",
              std::string(after->step).c_str());
  auto set =
      (*engine)->access().set_policy("quickstart.example.com",
                                     R"({"top": [{"effect": "deny", "actions": ["action:read"],
                   "when": [{"attr": "env.time", "op": "weekly",
                             "value": {"days": ["sat", "sun"], "from": "00:00", "to": "24:00"}}]}]})",
                                     "quickstart");
  acl::Environment weekend;
  weekend.time = 1767398400;  // Saturday 2026-01-03
  auto blocked =
      (*engine)->access().check("quickstart.example.com", reader, "action:read", post, weekend);
  std::printf("          with a weekend-blackout policy (%s): %s on Saturday, by rule %s\n",
              set ? "stored and audited" : set.error().to_string().c_str(),
              blocked->allowed ? "allowed" : "denied", blocked->rule().c_str());

  // 8. Auth: a user with an Argon2id password, a session, an API key, a magic login code, a JWT.
  cairn::auth::AuthService& auth = (*engine)->auth();
  auto user = auth.user_by_email("ada@example.com");
  if (!user) user = auth.create_user("ada@example.com", "Ada", "correct horse battery");
  auto login = auth.login_password("ada@example.com", "correct horse battery");
  auto bad_login = auth.login_password("ada@example.com", "wrong horse battery");
  std::printf("[auth]    password login: %s; wrong password: %s\n",
              login ? "ok" : login.error().to_string().c_str(), bad_login.error().reason.c_str());
  auto session = auth.create_session(user->id, {"203.0.113.7", "cairn-quickstart"});
  if (session) {
    auto checked = auth.validate_session(session->token);
    std::printf("          session %s valid: %s, expires %s\n", session->session.id.c_str(),
                checked ? "yes" : "no", format_time(session->session.expires_at).c_str());
    (void)auth.revoke_session(session->token);
    std::printf("          after revoke: %s\n",
                auth.validate_session(session->token).error().reason.c_str());
  }
  cairn::auth::ApiKeyOptions key_options;
  key_options.prefix = "cr_sa";
  key_options.scopes = {"secrets:read"};
  auto api_key = auth.create_api_key("sa-deploy", key_options);
  if (api_key) {
    std::printf("          API key %s... (checksum %s), validates as %s\n",
                api_key->key.display.c_str(),
                cairn::auth::api_key_checksum_ok(api_key->secret) ? "ok" : "bad",
                auth.validate_api_key(api_key->secret)->id.c_str());
  }
  auto code = auth.request_login_code("ada@example.com");
  if (code) {
    auto by_code = auth.verify_login_code("ada@example.com", *code);
    std::printf("          a %zu-digit login code (never printed) -> %s\n", code->size(),
                by_code ? "session" : by_code.error().reason.c_str());
  } else {
    std::printf("          login code: %s (retry in %lld s)\n", code.error().reason.c_str(),
                static_cast<long long>(code.error().retry_after.count() / 1000));
  }
  auto jwt_key = cairn::auth::JwtKey::signing(
      *cairn::crypto::PrivateKey::generate(cairn::crypto::SignatureAlgorithm::kEs256), "k1");
  auto jwt = cairn::auth::jwt_encode(R"({"sub":"ada","aud":"api","exp":4102444800})", jwt_key);
  cairn::auth::JwtKeySet jwt_keys;
  (void)jwt_keys.add(jwt_key);
  cairn::auth::JwtVerifyOptions verify;
  verify.algorithms = {cairn::auth::JwtAlgorithm::kEs256};
  verify.audience = "api";
  auto decoded = cairn::auth::jwt_decode(*jwt, jwt_keys, verify, (*engine)->env().now());
  std::printf("          ES256 JWT verified: %s; claims %s\n", decoded ? "yes" : "no",
              decoded ? decoded->claims.c_str() : decoded.error().reason.c_str());

  // 9. Secrets: an org, a project and environment, versioned encrypted values, an ACL rule with
  //    glob patterns, a service account, a reference, and an export.
  cairn::secrets::SecretsService& vault = *(*engine)->secrets().value();
  const char* owner = "ada@example.com";
  (void)vault.create_org("quickstart", owner);  // already there on a second run
  (void)vault.create_project("quickstart", "billing", owner);
  (void)vault.create_environment("quickstart", "billing", "prod", owner);
  (void)vault.set("quickstart", "billing", "prod", "DB_HOST", "db.internal", owner);
  auto version = vault.set("quickstart", "billing", "prod", "DB_URL",
                           "postgres://app@${DB_HOST}/billing", owner);
  auto expanded = vault.get("quickstart", "billing", "prod", "DB_URL", owner);
  std::printf("[secrets] DB_URL is at version %lld; expanded it is %zu characters long\n",
              static_cast<long long>(version.value_or(0)), expanded ? expanded->size() : 0);
  (void)vault.add_member("quickstart", "dev@example.com", cairn::secrets::Role::kMember, owner);
  (void)vault.grant("quickstart", "dev@example.com", "bill*", "{dev,prod}",
                    cairn::secrets::Permission::kWrite, owner);
  auto capped = vault.check("quickstart", "dev@example.com", "billing", "prod",
                            cairn::secrets::Permission::kWrite);
  std::printf("          a member with a write rule may write: %s (%s)\n",
              capped->allowed ? "yes" : "no", capped->reason.c_str());
  (void)vault.revoke_service_account("quickstart", "ci", owner);
  auto ci = vault.create_service_account("quickstart", "ci", owner, "billing");
  if (ci) {
    auto who = vault.authenticate_api_key(ci->api_key);
    std::printf("          service account key cr_sa_... authenticates as %s\n",
                who ? who->subject().c_str() : who.error().reason.c_str());
  }
  auto exported = vault.export_env("quickstart", "billing", "prod", owner);
  std::printf(
      "          export (dotenv): %zu lines\n",
      exported ? static_cast<size_t>(std::count(exported->begin(), exported->end(), '\n')) : 0);

  std::printf("\ndone.\n");
  return 0;
}
