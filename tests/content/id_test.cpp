#include "cairn/content/id.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "cairn/core/encoding.hpp"
#include "cairn/crypto/hash.hpp"
#include "support/vectors.hpp"

namespace cairn::content {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

struct Vector {
  std::string name;
  std::string prefix;
  Bytes input;
  std::string id;
};

std::vector<Vector> id_vectors() {
  std::vector<Vector> out;
  auto file = testing::load_vectors("content_id_vectors.json");
  for (const auto& v : file["vectors"]) {
    out.push_back({v["name"], v["prefix"], testing::unhex(v["input_hex"]), v["id"]});
  }
  return out;
}

std::string text_of(const Bytes& bytes) { return to_string(ByteView(bytes)); }

// A valid version-1 ID to mutate.
const std::string& sample_id() {
  static const std::string id = blob_id(std::string_view("sample"));
  return id;
}

void expect_rejected(std::string_view id, const char* reason) {
  Result<ContentId> r = parse_id(id);
  ASSERT_FALSE(r) << id;
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << id;
  EXPECT_EQ(r.error().reason, reason) << id;
  EXPECT_FALSE(verify_id(id, std::string_view("sample"))) << id;
}

// A version-N algorithm for tests: SHA-384, 48-byte digests.
IdAlgorithm sha384_algorithm() {
  struct Stream : IdAlgorithm::Stream {
    crypto::Sha384 h;
    void update(ByteView data) override { h.update(data); }
    Bytes finish() override {
      crypto::Sha384Digest d = h.finish();
      return {d.begin(), d.end()};
    }
  };
  IdAlgorithm algorithm;
  algorithm.digest_size = 48;
  algorithm.make_stream = [] { return std::make_unique<Stream>(); };
  return algorithm;
}

TEST(ContentIdTest, MatchesPythonVectors) {
  std::vector<Vector> vectors = id_vectors();
  ASSERT_EQ(vectors.size(), 13u);
  for (const Vector& v : vectors) {
    EXPECT_EQ(hash_id(v.prefix, ByteView(v.input)), v.id) << v.name;
    EXPECT_EQ(hash_id(v.prefix, text_of(v.input)), v.id) << v.name;
    if (v.prefix == kBlobPrefix) {
      EXPECT_EQ(blob_id(ByteView(v.input)), v.id) << v.name;
      EXPECT_EQ(blob_id(text_of(v.input)), v.id) << v.name;
    } else if (v.prefix == kFilePrefix) {
      EXPECT_EQ(file_id(text_of(v.input)), v.id) << v.name;
    } else if (v.prefix == kActionPrefix) {
      EXPECT_EQ(action_id(text_of(v.input)), v.id) << v.name;
    }
    EXPECT_EQ(v.id.size(), v.prefix.size() + 2 + 43) << v.name;
    EXPECT_TRUE(verify_id(v.id, ByteView(v.input))) << v.name;
    EXPECT_TRUE(verify_id(v.id, text_of(v.input))) << v.name;
  }
}

TEST(ContentIdTest, ParsesAndPrintsBack) {
  for (const Vector& v : id_vectors()) {
    Result<ContentId> id = parse_id(v.id);
    ASSERT_TRUE(id) << v.name << ": " << id.error().to_string();
    EXPECT_EQ(id->prefix, v.prefix);
    EXPECT_EQ(id->version, 1u);
    crypto::Sha256Digest digest = crypto::sha256(v.input);
    EXPECT_EQ(id->digest, Bytes(digest.begin(), digest.end())) << v.name;
    EXPECT_EQ(id->to_string(), v.id);
  }
  // Upper-case prefixes are letters too.
  std::string upper = hash_id("B", std::string_view("x"));
  ASSERT_TRUE(parse_id(upper));
  EXPECT_EQ(parse_id(upper)->prefix, "B");
  EXPECT_TRUE(verify_id(upper, std::string_view("x")));
}

TEST(ContentIdTest, StreamingEqualsOneShot) {
  for (const Vector& v : id_vectors()) {
    for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{63}, std::size_t{64},
                              std::size_t{65}, std::size_t{4096}}) {
      IdHasher hasher(v.prefix);
      ByteView all(v.input);
      for (std::size_t at = 0; at < all.size(); at += chunk) {
        hasher.update(all.subspan(at, std::min(chunk, all.size() - at)));
      }
      EXPECT_EQ(hasher.finish(), v.id) << v.name << " in chunks of " << chunk;
      // finish() reset the hasher: the next message starts from nothing.
      EXPECT_EQ(hasher.update(text_of(v.input)).finish(), v.id) << v.name;
    }
  }
  IdHasher empty("b");
  EXPECT_EQ(empty.finish(), blob_id(std::string_view("")));
  IdHasher moved = std::move(empty);
  EXPECT_EQ(moved.update(std::string_view("abc")).finish(), blob_id(std::string_view("abc")));
}

TEST(ContentIdTest, BatchEqualsOneShot) {
  std::vector<Bytes> data;
  for (std::size_t i = 0; i < 1500; ++i) {
    Bytes b(i % 200);
    for (std::size_t j = 0; j < b.size(); ++j) b[j] = static_cast<uint8_t>(i * 31 + j);
    data.push_back(std::move(b));
  }
  std::vector<ByteView> views(data.begin(), data.end());
  for (unsigned threads : {0u, 1u, 2u, 4u}) {
    // Strings already there (short, long) are overwritten.
    std::vector<std::string> out(views.size(), std::string(100, 'x'));
    out[0] = "";
    blob_ids_batch(views, out, threads);
    for (std::size_t i = 0; i < views.size(); ++i) {
      ASSERT_EQ(out[i], blob_id(views[i])) << i << " with " << threads << " threads";
    }
  }
  for (const Vector& v : id_vectors()) {
    if (v.prefix != kBlobPrefix) continue;
    std::vector<ByteView> one{ByteView(v.input)};
    std::vector<std::string> out(1);
    blob_ids_batch(one, out);
    EXPECT_EQ(out[0], v.id) << v.name;
  }
  blob_ids_batch({}, {});  // nothing to do
}

TEST(ContentIdTest, EncodesDigestsAsTheGenericEncoderDoes) {
  // Every bit position of the digest, through the fast encoder, against encoding::b64url_encode.
  for (uint32_t i = 0; i < 3000; ++i) {
    std::string data = "input " + std::to_string(i);
    crypto::Sha256Digest digest = crypto::sha256(as_bytes(data));
    ASSERT_EQ(blob_id(data), "b1~" + encoding::b64url_encode(digest)) << data;
    ASSERT_EQ(hash_id("Qz", data), "Qz1~" + encoding::b64url_encode(digest)) << data;
  }
}

TEST(ContentIdTest, VerifyRejectsOtherData) {
  std::string id = blob_id(std::string_view("hello"));
  EXPECT_TRUE(verify_id(id, std::string_view("hello")));
  EXPECT_FALSE(verify_id(id, std::string_view("hello!")));
  EXPECT_FALSE(verify_id(id, std::string_view("")));
  // Same digest under another prefix is another ID, and it verifies under its own prefix.
  std::string as_file = "f" + id.substr(1);
  EXPECT_TRUE(verify_id(as_file, std::string_view("hello")));
  EXPECT_EQ(as_file, file_id("hello"));
  EXPECT_FALSE(verify_id("not an id", std::string_view("hello")));
}

TEST(ContentIdTest, RejectsMalformedIds) {
  const std::string& good = sample_id();  // "b1~" + 43
  std::string digest = good.substr(3);
  ASSERT_EQ(digest.size(), 43u);
  for (const std::string& bad : std::vector<std::string>{
           "",
           "b",
           "b1",
           "b1~",
           "~" + digest,
           "1~" + digest,
           "b~" + digest,         // no version
           "b01~" + digest,       // leading zero
           "b00~" + digest,       // leading zero
           "b1x~" + digest,       // letters after the version
           "b2c1~" + digest,      // a prefix with digits
           "b-1~" + digest,       // a sign
           "b+1~" + digest,       // a sign
           "@12",                 // a temporary placeholder, not a content ID
           "@12~" + digest,       //
           " b1~" + digest,       // whitespace
           "b1~" + digest + " ",  //
           "b1 ~" + digest,       //
           "b\xc3\xa9"
           "1~" +
               digest,               // a non-ASCII letter
           "b4294967296~" + digest,  // version beyond 32 bits
           "b99999999999999999999~" + digest,
           "b1~" + digest.substr(0, 42),         // too short
           "b1~" + digest + "A",                 // too long
           "b1~" + digest + "=",                 // padding
           "b1~" + digest.substr(0, 42) + "=",   // padding in place of a character
           "b1~" + digest.substr(0, 41) + "==",  //
           "b1~" + digest.substr(0, 20) + "+" + digest.substr(21),  // standard base64
           "b1~" + digest.substr(0, 20) + "/" + digest.substr(21),  //
           "b1~" + digest.substr(0, 20) + "." + digest.substr(21),  //
           "b1~" + digest.substr(0, 20) + "~" + digest.substr(21),  // a second '~'
           "b1~" + digest.substr(0, 20) + std::string(1, '\0') + digest.substr(21),
           "f1~../../etc/passwd",
           "f1~ab/cd/evil",
           "f1~1234567890",  // the reference's shard-path example: too short for SHA-256
           "f1~6A_MV8F8cImk_6XZsDgvKgnA0gDmREC0rFhLLYbOJWs=",
       }) {
    expect_rejected(bad, "CONTENT_ID_MALFORMED");
  }
  // The reference's real-looking ID is well-formed.
  EXPECT_TRUE(parse_id("f1~6A_MV8F8cImk_6XZsDgvKgnA0gDmREC0rFhLLYbOJWs"));
}

TEST(ContentIdTest, ChecksPrefixes) {
  // One or more ASCII letters, upper or lower case: every such prefix names IDs that parse back.
  for (std::string_view good : {"b", "f", "a", "B", "xyz", "AbCdEfGhIjKlMnOpQrStUvWxYz"}) {
    EXPECT_TRUE(check_prefix(good)) << good;
    Result<ContentId> parsed = parse_id(hash_id(good, std::string_view("data")));
    ASSERT_TRUE(parsed) << good;
    EXPECT_EQ(parsed->prefix, good);
  }
  // Anything else is refused, with the reason and message the C and Python edges pass on.
  for (std::string_view bad :
       {std::string_view(""), std::string_view("b1"), std::string_view("1"), std::string_view("b~"),
        std::string_view("b-"), std::string_view(" b"), std::string_view("b "),
        std::string_view("@"), std::string_view("b\xc3\xa9"), std::string_view("b\0c", 3)}) {
    Status st = check_prefix(bad);
    ASSERT_FALSE(st) << "prefix of " << bad.size() << " bytes accepted";
    EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(st.error().reason, "CONTENT_ID_MALFORMED");
    EXPECT_EQ(st.error().message, "a content ID prefix is one or more ASCII letters");
  }
}

TEST(ContentIdTest, RejectsNonCanonicalTrailingBits) {
  // 32 bytes are 256 bits; 43 characters carry 258, so the last character's two low bits must be
  // zero. Setting one spells the same bytes a second way.
  const std::string& good = sample_id();
  std::string_view alphabet(kAlphabet);
  std::size_t last = alphabet.find(good.back());
  ASSERT_NE(last, std::string_view::npos);
  ASSERT_EQ(last & 3, 0u);
  for (std::size_t low : {1u, 2u, 3u}) {
    std::string bad = good;
    bad.back() = kAlphabet[last | low];
    expect_rejected(bad, "CONTENT_ID_MALFORMED");
  }
}

TEST(ContentIdTest, RejectsUnknownVersions) {
  std::string digest = sample_id().substr(3);
  expect_rejected("b0~" + digest, "CONTENT_ID_VERSION_UNKNOWN");
  expect_rejected("b2~" + digest, "CONTENT_ID_VERSION_UNKNOWN");
  expect_rejected("b4294967295~" + digest, "CONTENT_ID_VERSION_UNKNOWN");
}

TEST(ContentIdTest, RegistersANewVersion) {
  constexpr uint32_t kVersion = 384;
  ASSERT_TRUE(register_id_version(kVersion, sha384_algorithm()));

  std::string_view data = "versioned content";
  crypto::Sha384Digest digest = crypto::sha384(as_bytes(data));
  std::string expected = "b384~" + encoding::b64url_encode(digest);
  ASSERT_EQ(expected.size(), 5u + 64u);

  IdHasher hasher("b", kVersion);
  hasher.update(data.substr(0, 5)).update(data.substr(5));
  EXPECT_EQ(hasher.finish(), expected);
  EXPECT_EQ(hasher.update(data).finish(), expected);  // reset after finish

  Result<ContentId> id = parse_id(expected);
  ASSERT_TRUE(id) << id.error().to_string();
  EXPECT_EQ(id->version, kVersion);
  EXPECT_EQ(id->digest.size(), 48u);
  EXPECT_EQ(id->to_string(), expected);
  EXPECT_TRUE(verify_id(expected, data));
  EXPECT_FALSE(verify_id(expected, std::string_view("other")));

  // A version-1-length digest under the new version is the wrong length.
  expect_rejected("b384~" + sample_id().substr(3), "CONTENT_ID_MALFORMED");
  // Version 1 is unaffected.
  EXPECT_TRUE(verify_id(sample_id(), std::string_view("sample")));
  // New IDs still use version 1.
  EXPECT_EQ(hash_id("b", data).substr(0, 3), "b1~");
}

TEST(ContentIdTest, RefusesTakenVersionsAndBadAlgorithms) {
  Status one = register_id_version(1, sha384_algorithm());
  ASSERT_FALSE(one);
  EXPECT_EQ(one.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(one.error().reason, "CONTENT_ID_VERSION_TAKEN");

  ASSERT_TRUE(register_id_version(385, sha384_algorithm()));
  Status again = register_id_version(385, sha384_algorithm());
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(again.error().reason, "CONTENT_ID_VERSION_TAKEN");

  IdAlgorithm no_size = sha384_algorithm();
  no_size.digest_size = 0;
  IdAlgorithm no_stream = sha384_algorithm();
  no_stream.make_stream = nullptr;
  for (auto [version, algorithm] : std::vector<std::pair<uint32_t, IdAlgorithm>>{
           {0, sha384_algorithm()}, {386, no_size}, {387, no_stream}}) {
    Status s = register_id_version(version, algorithm);
    ASSERT_FALSE(s) << version;
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(s.error().reason, "CONTENT_ID_ALGORITHM_INVALID");
  }
  // A refused registration leaves the version free.
  expect_rejected("b386~" + sample_id().substr(3), "CONTENT_ID_VERSION_UNKNOWN");
}

TEST(ContentIdTest, RegistryIsSafeUnderConcurrentUse) {
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  readers.reserve(3);
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      std::string data = "concurrent";
      std::string id = blob_id(data);
      while (!stop.load()) {
        if (!verify_id(id, data)) ++failures;
        // Version 1000 is unknown until registered, then this digest is the wrong length.
        Result<ContentId> later = parse_id("b1000~" + sample_id().substr(3));
        if (later || (later.error().reason != "CONTENT_ID_VERSION_UNKNOWN" &&
                      later.error().reason != "CONTENT_ID_MALFORMED")) {
          ++failures;
        }
      }
    });
  }
  for (uint32_t v = 1000; v < 1050; ++v) {
    ASSERT_TRUE(register_id_version(v, sha384_algorithm()));
    IdHasher h("x", v);
    EXPECT_EQ(h.update(std::string_view("a")).finish().substr(0, 6), "x" + std::to_string(v) + "~");
  }
  stop = true;
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace cairn::content

namespace cairn::content {
namespace {

TEST(ContentIdTest, WritingIntoAReusedStringGivesTheSameIds) {
  std::string out = "something longer than any content ID, to be replaced entirely......";
  for (std::size_t n : {0U, 1U, 64U, 1000U}) {
    Bytes data(n, static_cast<uint8_t>(n));
    blob_id_to(data, out);
    EXPECT_EQ(out, blob_id(data));
    hash_id_to("xyz", data, out);
    EXPECT_EQ(out, hash_id("xyz", data));
  }
}

}  // namespace
}  // namespace cairn::content
