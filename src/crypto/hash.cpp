// SHA-256 and SHA-384 call OpenSSL's block-function API (SHA256_Init/Update/Final), deprecated in
// OpenSSL 3 but still shipped: it is the only path without per-call provider dispatch. On 64-byte
// inputs SHA256() (now a wrapper over EVP_Q_digest) costs about 4.5 times the hash and a reused
// EVP context about 1.5 times (benchmarks/crypto_bench.cpp). SHA3 has no such API and uses EVP.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "cairn/crypto/hash.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "crypto/internal/openssl.hpp"
#include "crypto/internal/worker_pool.hpp"

namespace cairn::crypto {

static_assert(sizeof(SHA256_CTX) <= 112 && alignof(SHA256_CTX) <= 8);
static_assert(sizeof(SHA512_CTX) <= 216 && alignof(SHA512_CTX) <= 8);

namespace internal {

namespace {
const EVP_MD* fetch(const char* name) {
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  if (md == nullptr) {
    // The default provider always has these; without it nothing in cairn can work.
    std::abort();
  }
  return md;  // kept for the life of the process
}
}  // namespace

const EVP_MD* sha256_md() {
  static const EVP_MD* md = fetch("SHA2-256");
  return md;
}
const EVP_MD* sha384_md() {
  static const EVP_MD* md = fetch("SHA2-384");
  return md;
}
const EVP_MD* sha3_256_md() {
  static const EVP_MD* md = fetch("SHA3-256");
  return md;
}

}  // namespace internal

namespace {

// One EVP context per thread for one-shot SHA3, reset (not reallocated) for every message.
EVP_MD_CTX* thread_sha3_context() {
  thread_local internal::MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) std::abort();
  return ctx.get();
}

void sha256_range(std::span<const ByteView> inputs, std::span<Sha256Digest> out) {
  for (size_t i = 0; i < inputs.size(); ++i) out[i] = sha256(inputs[i]);
}

// Inputs up to this size are padded here and fed to OpenSSL's compression function one block at a
// time (SHA256_Transform): SHA256_Update and SHA256_Final spend about a quarter of a 64-byte hash
// on buffering and bookkeeping that a message of one or two blocks does not need. Longer inputs go
// through SHA256_Update, which hands OpenSSL's block loop many blocks per call.
constexpr size_t kSmallInput = 183;  // padded, at most three blocks

// SHA-256's state words after hashing `data` (FIPS 180-4 §5.1.1 padding, §6.2 initial value).
Sha256Words small_input_words(ByteView data) noexcept {
  SHA256_CTX ctx;  // SHA256_Transform reads and writes only ctx.h
  static constexpr Sha256Words kInitial = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                           0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::memcpy(ctx.h, kInitial.data(), sizeof kInitial);
  const size_t n = data.size();
  const size_t full = n / 64;
  for (size_t i = 0; i < full; ++i) SHA256_Transform(&ctx, data.data() + 64 * i);
  // The rest, 0x80, zeros, and the length in bits as a 64-bit big-endian number: one block when
  // the rest leaves room for the 9 bytes, else two.
  const size_t rest = n - 64 * full;
  alignas(16) unsigned char tail[128] = {};
  if (rest != 0) std::memcpy(tail, data.data() + 64 * full, rest);
  tail[rest] = 0x80;
  const size_t blocks = rest < 56 ? 1 : 2;
  const uint64_t bits = static_cast<uint64_t>(n) * 8;
  for (int i = 0; i < 8; ++i)
    tail[64 * blocks - 1 - i] = static_cast<unsigned char>(bits >> (8 * i));
  SHA256_Transform(&ctx, tail);
  if (blocks == 2) SHA256_Transform(&ctx, tail + 64);
  Sha256Words words;
  std::memcpy(words.data(), ctx.h, sizeof words);
  return words;
}

Sha256Digest digest_of(const Sha256Words& words) noexcept {
  Sha256Digest digest;
  for (size_t i = 0; i < 8; ++i) {
    const uint32_t big_endian = __builtin_bswap32(words[i]);
    std::memcpy(digest.data() + 4 * i, &big_endian, 4);
  }
  return digest;
}

}  // namespace

Sha256Digest sha256(ByteView data) noexcept {
  if (data.size() <= kSmallInput) return digest_of(small_input_words(data));
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, data.data(), data.size());
  Sha256Digest digest;
  SHA256_Final(digest.data(), &ctx);
  return digest;
}

Sha256Words sha256_words(ByteView data) noexcept {
  if (data.size() <= kSmallInput) return small_input_words(data);
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, data.data(), data.size());
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256_Final(digest, &ctx);  // leaves the final state in ctx.h
  Sha256Words words;
  std::memcpy(words.data(), ctx.h, sizeof words);
  return words;
}

Sha384Digest sha384(ByteView data) noexcept {
  SHA512_CTX ctx;
  SHA384_Init(&ctx);
  SHA384_Update(&ctx, data.data(), data.size());
  Sha384Digest digest;
  SHA384_Final(digest.data(), &ctx);
  return digest;
}

Sha3_256Digest sha3_256(ByteView data) noexcept {
  EVP_MD_CTX* ctx = thread_sha3_context();
  Sha3_256Digest digest;
  unsigned int size = 0;
  EVP_DigestInit_ex2(ctx, internal::sha3_256_md(), nullptr);
  EVP_DigestUpdate(ctx, data.data(), data.size());
  EVP_DigestFinal_ex(ctx, digest.data(), &size);
  return digest;
}

void sha256_batch(std::span<const ByteView> inputs, std::span<Sha256Digest> out, unsigned threads) {
  // Waking a worker costs a few microseconds: about the time to hash 4 KiB. Below 16 KiB of work
  // in all, splitting costs more than it saves. Above, the work is cut into parts of about 8 KiB
  // (several microseconds each) that the threads take in turn, so a worker that joins late
  // still takes a fair share.
  constexpr size_t kMinBytesToSplit = size_t{16} * 1024;
  constexpr size_t kBytesPerPart = size_t{8} * 1024;
  size_t total = 0;
  for (ByteView input : inputs) total += input.size() + 64;  // + per-call overhead, in bytes
  internal::WorkerPool& pool = internal::WorkerPool::instance();
  const unsigned wanted = threads != 0 ? threads : pool.concurrency();
  if (wanted <= 1 || inputs.size() <= 1 || total < kMinBytesToSplit) {
    sha256_range(inputs, out);
    return;
  }
  const auto parts = static_cast<unsigned>(
      std::min<size_t>(inputs.size(), (total + kBytesPerPart - 1) / kBytesPerPart));
  const size_t chunk = (inputs.size() + parts - 1) / parts;
  pool.run(parts, wanted, [&](unsigned part) {
    size_t begin = std::min(inputs.size(), part * chunk);
    size_t count = std::min(chunk, inputs.size() - begin);
    sha256_range(inputs.subspan(begin, count), out.subspan(begin, count));
  });
}

// Streaming hashers

Sha256::Sha256() noexcept { SHA256_Init(reinterpret_cast<SHA256_CTX*>(state_)); }

Sha256& Sha256::update(ByteView data) noexcept {
  SHA256_Update(reinterpret_cast<SHA256_CTX*>(state_), data.data(), data.size());
  return *this;
}

Sha256Digest Sha256::finish() noexcept {
  Sha256Digest digest;
  auto* ctx = reinterpret_cast<SHA256_CTX*>(state_);
  SHA256_Final(digest.data(), ctx);
  SHA256_Init(ctx);
  return digest;
}

Sha384::Sha384() noexcept { SHA384_Init(reinterpret_cast<SHA512_CTX*>(state_)); }

Sha384& Sha384::update(ByteView data) noexcept {
  SHA384_Update(reinterpret_cast<SHA512_CTX*>(state_), data.data(), data.size());
  return *this;
}

Sha384Digest Sha384::finish() noexcept {
  Sha384Digest digest;
  auto* ctx = reinterpret_cast<SHA512_CTX*>(state_);
  SHA384_Final(digest.data(), ctx);
  SHA384_Init(ctx);
  return digest;
}

struct Sha3_256::Context {
  internal::MdCtxPtr ctx{EVP_MD_CTX_new()};
};

Sha3_256::Sha3_256() : context_(std::make_unique<Context>()) {
  if (!context_->ctx) throw std::bad_alloc();
  EVP_DigestInit_ex2(context_->ctx.get(), internal::sha3_256_md(), nullptr);
}
Sha3_256::Sha3_256(const Sha3_256& other) : context_(std::make_unique<Context>()) {
  if (!context_->ctx || EVP_MD_CTX_copy_ex(context_->ctx.get(), other.context_->ctx.get()) != 1) {
    throw std::bad_alloc();
  }
}
Sha3_256& Sha3_256::operator=(const Sha3_256& other) {
  if (this != &other) *this = Sha3_256(other);
  return *this;
}
Sha3_256::Sha3_256(Sha3_256&&) noexcept = default;
Sha3_256& Sha3_256::operator=(Sha3_256&&) noexcept = default;
Sha3_256::~Sha3_256() = default;

Sha3_256& Sha3_256::update(ByteView data) noexcept {
  EVP_DigestUpdate(context_->ctx.get(), data.data(), data.size());
  return *this;
}

Sha3_256Digest Sha3_256::finish() noexcept {
  Sha3_256Digest digest;
  unsigned int size = 0;
  EVP_DigestFinal_ex(context_->ctx.get(), digest.data(), &size);
  EVP_DigestInit_ex2(context_->ctx.get(), internal::sha3_256_md(), nullptr);
  return digest;
}

}  // namespace cairn::crypto
