// Content-addressing benchmarks, each paired with the limit it is judged against, in one binary:
//
//   BM_ContentBlobId/N             content::blob_id on N bytes (SHA-256 + "b1~" + base64url)
//   BM_ContentBlobIdTo/N           content::blob_id_to: the same into a reused string
//   BM_ContentSha256Raw/N          the limit: OpenSSL's SHA-256 block API on the same N bytes
//   BM_ContentBlobIdBatch/T        4096 inputs of 1 KiB through blob_ids_batch on T threads
//   BM_ContentActionVerify         content::verify_action_token (ES384 + claim and type checks)
//   BM_ContentEs384VerifyOpenSsl   the limit: OpenSSL EVP_DigestVerify of the same signature
//
// benchmarks/ratios.py turns the JSON output into the ratios recorded in docs/performance.md.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <benchmark/benchmark.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <string>
#include <vector>

#include "cairn/content/action.hpp"
#include "cairn/content/id.hpp"
#include "cairn/core/encoding.hpp"

namespace {

using cairn::Bytes;
using cairn::ByteView;
namespace content = cairn::content;
namespace crypto = cairn::crypto;

Bytes input_of(size_t n) {
  Bytes data(n);
  for (size_t i = 0; i < n; ++i) data[i] = static_cast<uint8_t>(i * 131 + 7);
  return data;
}

#define ID_SIZES Arg(64)->Arg(1024)->Arg(1 << 20)

void BM_ContentBlobId(benchmark::State& state) {
  Bytes data = input_of(static_cast<size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(content::blob_id(ByteView(data)));
  state.SetBytesProcessed(state.iterations() * state.range(0));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ContentBlobId)->ID_SIZES;

// The same IDs written into one reused string (blob_id_to): no allocation per ID.
void BM_ContentBlobIdTo(benchmark::State& state) {
  Bytes data = input_of(static_cast<size_t>(state.range(0)));
  std::string id;
  for (auto _ : state) {
    content::blob_id_to(data, id);
    benchmark::DoNotOptimize(id.data());
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ContentBlobIdTo)->ID_SIZES;

void BM_ContentSha256Raw(benchmark::State& state) {
  Bytes data = input_of(static_cast<size_t>(state.range(0)));
  unsigned char out[SHA256_DIGEST_LENGTH];
  for (auto _ : state) {
    SHA256_CTX ctx;
    SHA256_Init(&ctx);
    SHA256_Update(&ctx, data.data(), data.size());
    SHA256_Final(out, &ctx);
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ContentSha256Raw)->ID_SIZES;

constexpr size_t kBatchInputs = 4096;

void BM_ContentBlobIdBatch(benchmark::State& state) {
  std::vector<Bytes> storage;
  for (size_t i = 0; i < kBatchInputs; ++i) {
    Bytes b = input_of(1024);
    b[0] = static_cast<uint8_t>(i);
    b[1] = static_cast<uint8_t>(i >> 8);
    storage.push_back(std::move(b));
  }
  std::vector<ByteView> views(storage.begin(), storage.end());
  std::vector<std::string> out(kBatchInputs);
  for (auto _ : state) {
    content::blob_ids_batch(views, out, static_cast<unsigned>(state.range(0)));
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kBatchInputs));
}
BENCHMARK(BM_ContentBlobIdBatch)->Arg(1)->Arg(2)->UseRealTime();

// A signed post with an attachment, as an inbox receives it.
struct TokenFixture {
  crypto::PrivateKey key = crypto::PrivateKey::generate(crypto::SignatureAlgorithm::kEs384).value();
  crypto::PublicKey pub = key.public_key();
  cairn::Timestamp now = cairn::from_unix_micros(int64_t{1795348800} * 1000000);
  std::string token =
      content::create_action_token(
          R"({"iss":"alice.example.com","t":"POST:IMG","c":"A picture of the harbour at dusk.",)"
          R"("a":["f1~6A_MV8F8cImk_6XZsDgvKgnA0gDmREC0rFhLLYbOJWs"],"f":"RC","v":"P"})",
          key, "261122", now)
          .value();
};

void BM_ContentActionVerify(benchmark::State& state) {
  TokenFixture f;
  for (auto _ : state) {
    auto action = content::verify_action_token(f.token, f.pub, f.now);
    if (!action) state.SkipWithError("the token did not verify");
    benchmark::DoNotOptimize(action);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ContentActionVerify);

void BM_ContentEs384VerifyOpenSsl(benchmark::State& state) {
  TokenFixture f;
  size_t dot = f.token.rfind('.');
  std::string signing_input = f.token.substr(0, dot);
  Bytes raw = cairn::encoding::b64url_decode(std::string_view(f.token).substr(dot + 1)).value();
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(raw.data(), 48, nullptr), BN_bin2bn(raw.data() + 48, 48, nullptr));
  Bytes der(static_cast<size_t>(i2d_ECDSA_SIG(sig, nullptr)));
  unsigned char* p = der.data();
  i2d_ECDSA_SIG(sig, &p);
  ECDSA_SIG_free(sig);
  std::string pem = f.pub.to_pem();
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* pkey = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  for (auto _ : state) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    int ok =
        EVP_DigestVerifyInit_ex(ctx, nullptr, "SHA2-384", nullptr, nullptr, pkey, nullptr) == 1 &&
        EVP_DigestVerify(ctx, der.data(), der.size(),
                         reinterpret_cast<const unsigned char*>(signing_input.data()),
                         signing_input.size()) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok) state.SkipWithError("the signature did not verify");
    benchmark::DoNotOptimize(ok);
  }
  EVP_PKEY_free(pkey);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ContentEs384VerifyOpenSsl);

}  // namespace

BENCHMARK_MAIN();
