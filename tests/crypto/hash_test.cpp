#include "cairn/crypto/hash.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "crypto/internal/worker_pool.hpp"
#include "support/vectors.hpp"

namespace cairn::crypto {
namespace {

using cairn::testing::load_vectors;
using cairn::testing::unhex;
using encoding::hex_encode;

Bytes vector_input(const nlohmann::json& v) {
  Bytes unit = unhex(v["input_hex"]);
  size_t repeat = v.value("repeat", 1);
  Bytes input;
  input.reserve(unit.size() * repeat);
  for (size_t i = 0; i < repeat; ++i) input.insert(input.end(), unit.begin(), unit.end());
  return input;
}

std::string one_shot(const std::string& alg, ByteView input) {
  if (alg == "sha256") return hex_encode(sha256(input));
  if (alg == "sha384") return hex_encode(sha384(input));
  return hex_encode(sha3_256(input));
}

// Feeds `input` in uneven pieces (1, 2, 3, ... bytes, then the rest) to exercise buffering.
template <class Hasher>
std::string streamed(ByteView input) {
  Hasher h;
  size_t pos = 0;
  for (size_t step = 1; pos < input.size() && step < 200; ++step) {
    size_t n = std::min(step, input.size() - pos);
    h.update(input.subspan(pos, n));
    pos += n;
  }
  h.update(input.subspan(pos));
  return hex_encode(h.finish());
}

std::string streaming(const std::string& alg, ByteView input) {
  if (alg == "sha256") return streamed<Sha256>(input);
  if (alg == "sha384") return streamed<Sha384>(input);
  return streamed<Sha3_256>(input);
}

TEST(HashTest, MatchesPublishedVectors) {
  auto vectors = load_vectors("sha.json")["vectors"];
  ASSERT_GE(vectors.size(), 12u);
  for (const auto& v : vectors) {
    Bytes input = vector_input(v);
    std::string alg = v["alg"];
    EXPECT_EQ(one_shot(alg, input), v["digest_hex"]) << alg << " " << v["name"];
    EXPECT_EQ(streaming(alg, input), v["digest_hex"]) << alg << " streamed " << v["name"];
  }
}

TEST(HashTest, FinishResetsTheHasher) {
  Sha256 h;
  h.update(as_bytes("abc"));
  auto first = h.finish();
  h.update(as_bytes("abc"));
  EXPECT_EQ(h.finish(), first);
  EXPECT_EQ(h.finish(), sha256({}));

  Sha3_256 h3;
  h3.update(as_bytes("abc"));
  auto abc = h3.finish();
  EXPECT_EQ(abc, sha3_256(as_bytes("abc")));
  EXPECT_EQ(h3.finish(), sha3_256({}));
  Sha3_256 moved = std::move(h3);
  moved.update(as_bytes("abc"));
  EXPECT_EQ(moved.finish(), abc);
}

TEST(HashTest, CopiedHasherContinuesIndependently) {
  Sha384 a;
  a.update(as_bytes("ab"));
  Sha384 b = a;
  a.update(as_bytes("c"));
  b.update(as_bytes("d"));
  EXPECT_EQ(a.finish(), sha384(as_bytes("abc")));
  EXPECT_EQ(b.finish(), sha384(as_bytes("abd")));
}

TEST(HashTest, StateWordsAreTheDigestReadBigEndian) {
  // "abc" (FIPS 180-4 example): ba7816bf 8f01cfea 414140de 5dae2223 b00361a3 96177a9c b410ff61
  // f20015ad.
  const Sha256Words expected = {0xba7816bf, 0x8f01cfea, 0x414140de, 0x5dae2223,
                                0xb00361a3, 0x96177a9c, 0xb410ff61, 0xf20015ad};
  EXPECT_EQ(sha256_words(as_bytes(std::string_view("abc"))), expected);
  for (size_t n : {0, 1, 55, 56, 64, 1000}) {
    Bytes input(n, 0x5a);
    Sha256Digest digest = sha256(input);
    Sha256Words words = sha256_words(input);
    for (size_t i = 0; i < 32; ++i) {
      ASSERT_EQ(digest[i], static_cast<uint8_t>(words[i / 4] >> (24 - 8 * (i % 4)))) << n;
    }
  }
}

// One-shot SHA-256 pads inputs of up to three blocks itself (src/crypto/hash.cpp); the streaming
// hasher goes through OpenSSL's own padding. Every length around the block and padding edges,
// and past the short path, must agree.
TEST(HashTest, OneShotEqualsStreamingForEveryLengthTo300) {
  Bytes input(300);
  for (size_t i = 0; i < input.size(); ++i) input[i] = static_cast<uint8_t>(i * 151 + 3);
  for (size_t n = 0; n <= input.size(); ++n) {
    ByteView data(input.data(), n);
    Sha256Digest streamed = Sha256().update(data).finish();
    ASSERT_EQ(sha256(data), streamed) << "length " << n;
    Sha256Words words = sha256_words(data);
    for (size_t i = 0; i < 32; ++i) {
      ASSERT_EQ(streamed[i], static_cast<uint8_t>(words[i / 4] >> (24 - 8 * (i % 4))))
          << "length " << n;
    }
  }
}

TEST(HashTest, BatchEqualsOneShotForEverySizeAndThreadCount) {
  std::vector<Bytes> storage;
  for (size_t i = 0; i < 3000; ++i)
    storage.emplace_back(i % 97 + (i % 7 == 0 ? 5000 : 0), static_cast<uint8_t>(i));
  std::vector<ByteView> inputs(storage.begin(), storage.end());
  for (unsigned threads : {0u, 1u, 2u, 3u, 8u}) {
    std::vector<Sha256Digest> out(inputs.size());
    sha256_batch(inputs, out, threads);
    for (size_t i = 0; i < inputs.size(); ++i) {
      ASSERT_EQ(out[i], sha256(inputs[i])) << "input " << i << " threads " << threads;
    }
  }
  std::vector<Sha256Digest> none;
  sha256_batch({}, none);
}

TEST(HashTest, ConcurrentBatchesShareThePool) {
  std::vector<Bytes> storage;
  for (size_t i = 0; i < 2000; ++i) storage.emplace_back(64 + i % 50, static_cast<uint8_t>(i));
  std::vector<ByteView> inputs(storage.begin(), storage.end());
  std::vector<Sha256Digest> expected(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) expected[i] = sha256(inputs[i]);
  std::vector<std::thread> callers;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&] {
      for (int round = 0; round < 20; ++round) {
        std::vector<Sha256Digest> out(inputs.size());
        sha256_batch(inputs, out);
        if (out != expected) ++mismatches;
      }
    });
  }
  for (auto& c : callers) c.join();
  EXPECT_EQ(mismatches.load(), 0);
}

// The pool hands out parts one at a time: every part runs exactly once, on at most `threads`
// threads, whether a worker joins at once (back to back, while it still polls), late, or not at
// all (calls spaced so that it has gone to sleep).
TEST(WorkerPoolTest, EveryPartRunsOnceOnAtMostTheThreadsAsked) {
  internal::WorkerPool& pool = internal::WorkerPool::instance();
  for (int round = 0; round < 300; ++round) {
    const unsigned parts = 1 + static_cast<unsigned>(round % 97);
    const unsigned threads = 1 + static_cast<unsigned>(round % 3);
    std::vector<std::atomic<int>> runs(parts);
    std::mutex mu;
    std::set<std::thread::id> seen;
    pool.run(parts, threads, [&](unsigned part) {
      runs[part].fetch_add(1);
      std::lock_guard lock(mu);
      seen.insert(std::this_thread::get_id());
    });
    for (unsigned i = 0; i < parts; ++i) ASSERT_EQ(runs[i].load(), 1) << "round " << round;
    ASSERT_LE(seen.size(), std::min(threads, pool.concurrency())) << "round " << round;
    if (round % 50 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

}  // namespace
}  // namespace cairn::crypto
