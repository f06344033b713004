// Hash functions: SHA-256, SHA-384 and SHA3-256, one-shot, streaming and batched.
//
// Built on OpenSSL 3. SHA-256 and SHA-384 use OpenSSL's block-function API directly: its
// convenience calls (SHA256(), EVP_Q_digest) and even a reused EVP context cost more than the hash
// itself on small inputs, and content IDs and Merkle trees hash many small inputs
// (docs/performance.md has the measurements). SHA3-256 goes through EVP with the algorithm
// fetched once and a context reused per thread.
//
// Thread-safety: the free functions are safe from any thread. A hasher object (Sha256, ...) is
// used by one thread at a time.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "cairn/core/bytes.hpp"

namespace cairn::crypto {

using Sha256Digest = std::array<uint8_t, 32>;
using Sha384Digest = std::array<uint8_t, 48>;
using Sha3_256Digest = std::array<uint8_t, 32>;

// SHA-256 (FIPS 180-4) of `data`.
Sha256Digest sha256(ByteView data) noexcept;
// The same SHA-256 as its eight 32-bit state words in host byte order: word i is digest bytes
// 4i..4i+3 read as a big-endian number. For encoders that shuffle bytes anyway (content IDs),
// which then skip the digest's byte swaps and read it in two 16-byte loads.
using Sha256Words = std::array<uint32_t, 8>;
Sha256Words sha256_words(ByteView data) noexcept;
// SHA-384 (FIPS 180-4) of `data`.
Sha384Digest sha384(ByteView data) noexcept;
// SHA3-256 (FIPS 202) of `data`.
Sha3_256Digest sha3_256(ByteView data) noexcept;

// SHA-256 of every input: out[i] = sha256(inputs[i]). Spreads large batches over up to `threads`
// threads (0: one per core) of a process-wide worker pool, the calling thread included; small
// batches stay on the calling thread, where waking workers would cost more than it saves.
// REQUIRES: out.size() == inputs.size().
void sha256_batch(std::span<const ByteView> inputs, std::span<Sha256Digest> out,
                  unsigned threads = 0);

// Streaming SHA-256: update() any number of times, then finish(). finish() resets the hasher,
// so it can be reused for the next message.
class Sha256 {
 public:
  Sha256() noexcept;
  Sha256(const Sha256&) noexcept = default;
  Sha256& operator=(const Sha256&) noexcept = default;

  Sha256& update(ByteView data) noexcept;
  Sha256Digest finish() noexcept;

 private:
  alignas(8) unsigned char state_[112];  // OpenSSL's SHA256_CTX, checked in hash.cpp
};

// Streaming SHA-384, as Sha256.
class Sha384 {
 public:
  Sha384() noexcept;
  Sha384(const Sha384&) noexcept = default;
  Sha384& operator=(const Sha384&) noexcept = default;

  Sha384& update(ByteView data) noexcept;
  Sha384Digest finish() noexcept;

 private:
  alignas(8) unsigned char state_[216];  // OpenSSL's SHA512_CTX, checked in hash.cpp
};

// Streaming SHA3-256, as Sha256. Copying duplicates the OpenSSL context.
class Sha3_256 {  // NOLINT(readability-identifier-naming): the algorithm is SHA3-256
 public:
  Sha3_256();
  Sha3_256(const Sha3_256& other);
  Sha3_256& operator=(const Sha3_256& other);
  Sha3_256(Sha3_256&&) noexcept;
  Sha3_256& operator=(Sha3_256&&) noexcept;
  ~Sha3_256();

  Sha3_256& update(ByteView data) noexcept;
  Sha3_256Digest finish() noexcept;

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

}  // namespace cairn::crypto
