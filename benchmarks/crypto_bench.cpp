// Crypto core benchmarks, each paired with the limit it is judged against, in the same binary:
//
//   BM_CryptoSha256/N            cairn::crypto::sha256 on N bytes
//   BM_CryptoSha256OpenSslRaw/N  the limit: OpenSSL's block API (SHA256_Init/Update/Final)
//   BM_CryptoSha256OpenSslEvp/N  context: EVP with a fetched algorithm and a reused context
//   BM_CryptoSha256OpenSslOneShot/N  context: OpenSSL 3's SHA256() convenience call
//   BM_CryptoSha256Batch/T       4096 inputs of 64 bytes through sha256_batch on T threads
//   BM_CryptoSha256BatchRawLoop  the same inputs through the raw call on one thread
//   BM_CryptoVerify<Alg>         cairn PublicKey::verify (raw r||s signature)
//   BM_CryptoVerify<Alg>OpenSsl  OpenSSL's own EVP_DigestVerify on the same key and message
//
// benchmarks/ratios.py turns the JSON output into the ratios recorded in docs/performance.md.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <benchmark/benchmark.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <vector>

#include "cairn/crypto/hash.hpp"
#include "cairn/crypto/sign.hpp"
#include "crypto/internal/openssl.hpp"

namespace {

using cairn::Bytes;
using cairn::ByteView;
namespace crypto = cairn::crypto;

Bytes input_of(size_t n) {
  Bytes data(n);
  for (size_t i = 0; i < n; ++i) data[i] = static_cast<uint8_t>(i * 131 + 7);
  return data;
}

void BM_CryptoSha256(benchmark::State& state) {
  Bytes data = input_of(static_cast<size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(crypto::sha256(data));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

void BM_CryptoSha256OpenSslRaw(benchmark::State& state) {
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
}

void BM_CryptoSha256OpenSslEvp(benchmark::State& state) {
  Bytes data = input_of(static_cast<size_t>(state.range(0)));
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned char out[SHA256_DIGEST_LENGTH];
  unsigned int size = 0;
  for (auto _ : state) {
    EVP_DigestInit_ex2(ctx, md, nullptr);
    EVP_DigestUpdate(ctx, data.data(), data.size());
    EVP_DigestFinal_ex(ctx, out, &size);
    benchmark::DoNotOptimize(out);
  }
  EVP_MD_CTX_free(ctx);
  EVP_MD_free(md);
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

void BM_CryptoSha256OpenSslOneShot(benchmark::State& state) {
  Bytes data = input_of(static_cast<size_t>(state.range(0)));
  unsigned char out[SHA256_DIGEST_LENGTH];
  for (auto _ : state) {
    SHA256(data.data(), data.size(), out);
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

#define SHA_SIZES Arg(64)->Arg(1024)->Arg(16 * 1024)->Arg(1024 * 1024)
BENCHMARK(BM_CryptoSha256)->SHA_SIZES;
BENCHMARK(BM_CryptoSha256OpenSslRaw)->SHA_SIZES;
BENCHMARK(BM_CryptoSha256OpenSslEvp)->SHA_SIZES;
BENCHMARK(BM_CryptoSha256OpenSslOneShot)->Arg(64)->Arg(1024);

constexpr size_t kBatchInputs = 4096;

struct BatchInputs {
  std::vector<Bytes> storage;
  std::vector<ByteView> views;
  BatchInputs() {
    for (size_t i = 0; i < kBatchInputs; ++i) {
      Bytes b = input_of(64);
      b[0] = static_cast<uint8_t>(i);
      b[1] = static_cast<uint8_t>(i >> 8);
      storage.push_back(std::move(b));
    }
    views.assign(storage.begin(), storage.end());
  }
};

void BM_CryptoSha256Batch(benchmark::State& state) {
  BatchInputs inputs;
  std::vector<crypto::Sha256Digest> out(kBatchInputs);
  for (auto _ : state) {
    crypto::sha256_batch(inputs.views, out, static_cast<unsigned>(state.range(0)));
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kBatchInputs));
}
BENCHMARK(BM_CryptoSha256Batch)->Arg(1)->Arg(2)->UseRealTime();

void BM_CryptoSha256BatchRawLoop(benchmark::State& state) {
  BatchInputs inputs;
  std::vector<crypto::Sha256Digest> out(kBatchInputs);
  for (auto _ : state) {
    for (size_t i = 0; i < kBatchInputs; ++i) {
      SHA256_CTX ctx;
      SHA256_Init(&ctx);
      SHA256_Update(&ctx, inputs.views[i].data(), inputs.views[i].size());
      SHA256_Final(out[i].data(), &ctx);
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kBatchInputs));
}
BENCHMARK(BM_CryptoSha256BatchRawLoop)->UseRealTime();

// Signature verification: cairn against OpenSSL's own call on the same key and message.

struct VerifyFixture {
  crypto::PrivateKey key;
  crypto::PublicKey pub;
  Bytes message = input_of(256);
  Bytes signature;      // cairn's raw form
  Bytes der_signature;  // what OpenSSL's own API takes
  explicit VerifyFixture(crypto::SignatureAlgorithm alg)
      : key(crypto::PrivateKey::generate(alg).value()), pub(key.public_key()) {
    signature = key.sign(message).value();
    der_signature = signature;
    if (alg != crypto::SignatureAlgorithm::kEd25519) {
      size_t half = signature.size() / 2;
      ECDSA_SIG* sig = ECDSA_SIG_new();
      ECDSA_SIG_set0(sig, BN_bin2bn(signature.data(), static_cast<int>(half), nullptr),
                     BN_bin2bn(signature.data() + half, static_cast<int>(half), nullptr));
      der_signature.resize(static_cast<size_t>(i2d_ECDSA_SIG(sig, nullptr)));
      unsigned char* p = der_signature.data();
      i2d_ECDSA_SIG(sig, &p);
      ECDSA_SIG_free(sig);
    }
  }
};

EVP_PKEY* load_openssl_key(const crypto::PublicKey& pub) {
  std::string pem = pub.to_pem();
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* pkey = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return pkey;
}

void verify_cairn(benchmark::State& state, crypto::SignatureAlgorithm alg) {
  VerifyFixture f(alg);
  for (auto _ : state) {
    bool ok = f.pub.verify(f.message, f.signature);
    if (!ok) state.SkipWithError("signature did not verify");
    benchmark::DoNotOptimize(ok);
  }
  state.SetItemsProcessed(state.iterations());
}

void verify_openssl(benchmark::State& state, crypto::SignatureAlgorithm alg) {
  VerifyFixture f(alg);
  EVP_PKEY* pkey = load_openssl_key(f.pub);
  const char* md = alg == crypto::SignatureAlgorithm::kEs256   ? "SHA2-256"
                   : alg == crypto::SignatureAlgorithm::kEs384 ? "SHA2-384"
                                                               : nullptr;
  for (auto _ : state) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    int ok = EVP_DigestVerifyInit_ex(ctx, nullptr, md, nullptr, nullptr, pkey, nullptr) == 1 &&
             EVP_DigestVerify(ctx, f.der_signature.data(), f.der_signature.size(), f.message.data(),
                              f.message.size()) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok) state.SkipWithError("signature did not verify");
    benchmark::DoNotOptimize(ok);
  }
  EVP_PKEY_free(pkey);
  state.SetItemsProcessed(state.iterations());
}

void BM_CryptoVerifyEs256(benchmark::State& s) {
  verify_cairn(s, crypto::SignatureAlgorithm::kEs256);
}
void BM_CryptoVerifyEs256OpenSsl(benchmark::State& s) {
  verify_openssl(s, crypto::SignatureAlgorithm::kEs256);
}
void BM_CryptoVerifyEs384(benchmark::State& s) {
  verify_cairn(s, crypto::SignatureAlgorithm::kEs384);
}
void BM_CryptoVerifyEs384OpenSsl(benchmark::State& s) {
  verify_openssl(s, crypto::SignatureAlgorithm::kEs384);
}
void BM_CryptoVerifyEd25519(benchmark::State& s) {
  verify_cairn(s, crypto::SignatureAlgorithm::kEd25519);
}
void BM_CryptoVerifyEd25519OpenSsl(benchmark::State& s) {
  verify_openssl(s, crypto::SignatureAlgorithm::kEd25519);
}
BENCHMARK(BM_CryptoVerifyEs256);
BENCHMARK(BM_CryptoVerifyEs256OpenSsl);
BENCHMARK(BM_CryptoVerifyEs384);
BENCHMARK(BM_CryptoVerifyEs384OpenSsl);
BENCHMARK(BM_CryptoVerifyEd25519);
BENCHMARK(BM_CryptoVerifyEd25519OpenSsl);

}  // namespace

BENCHMARK_MAIN();
