// libFuzzer target for content IDs (cairn/content/id.hpp): parse_id on arbitrary text, and the IDs
// the hashers make of arbitrary bytes. Properties checked:
//   - an ID that parses has a letter prefix (check_prefix agrees), a registered version, a digest
//     of that version's size, and to_string() gives the input back byte for byte (one spelling
//     per ID); parsing twice gives the same parts;
//   - blob_id, hash_id, hash_id_to, blob_ids_batch and IdHasher (fed in chunks) agree on the same
//     bytes, their ID parses back to the SHA-256 of the bytes and verify_id accepts it;
//   - verify_id never accepts the ID with a version or digest character replaced (the prefix is
//     not hashed, so it is left alone), nor the ID of other bytes.
// A test-only version 2 (a 20-byte digest) is registered so the registry path is covered too.
//
// The first input byte picks the IdHasher chunk size (bits 0-3, plus one), the position of the
// character to replace (bits 4-7 with the second byte) and its new value (the third byte); the
// rest is both the text parsed as an ID and the bytes hashed. Seeds: corpus/content_id/; tokens:
// content_id.dict. See tests/fuzz/CMakeLists.txt for how it is built and run.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/content/id.hpp"
#include "cairn/crypto/hash.hpp"

namespace {

namespace content = cairn::content;

constexpr std::size_t kMaxInput = std::size_t{64} * 1024;
constexpr uint32_t kTestVersion = 2;
constexpr std::size_t kTestDigestSize = 20;

// Version 2 for this target: SHA-256 of everything, truncated to 20 bytes.
struct TruncatedSha256 : content::IdAlgorithm::Stream {
  std::string data;
  void update(cairn::ByteView bytes) override { data.append(bytes.begin(), bytes.end()); }
  cairn::Bytes finish() override {
    cairn::crypto::Sha256Digest digest = cairn::crypto::sha256(cairn::as_bytes(data));
    return {digest.begin(), digest.begin() + kTestDigestSize};
  }
};

void register_test_version() {
  static const bool kRegistered = [] {
    content::IdAlgorithm algorithm;
    algorithm.digest_size = kTestDigestSize;
    algorithm.make_stream = [] { return std::make_unique<TruncatedSha256>(); };
    if (!content::register_id_version(kTestVersion, std::move(algorithm))) std::abort();
    return true;
  }();
  (void)kRegistered;
}

void check_parse(std::string_view text) {
  cairn::Result<content::ContentId> id = content::parse_id(text);
  cairn::Result<content::ContentId> again = content::parse_id(text);
  if (id.has_value() != again.has_value()) std::abort();
  if (!id) {
    if (again.error().reason != id.error().reason) std::abort();
    if (id.error().reason != "CONTENT_ID_MALFORMED" &&
        id.error().reason != "CONTENT_ID_VERSION_UNKNOWN") {
      std::abort();
    }
    return;
  }
  if (id->prefix != again->prefix || id->version != again->version || id->digest != again->digest) {
    std::abort();
  }
  if (!content::check_prefix(id->prefix)) std::abort();
  if (id->version != 1 && id->version != kTestVersion) std::abort();
  std::size_t size = id->version == 1 ? 32 : kTestDigestSize;
  if (id->digest.size() != size) std::abort();
  if (id->to_string() != text) std::abort();
}

void check_hashers(std::string_view data, std::size_t chunk) {
  std::string blob = content::blob_id(data);
  if (content::hash_id(content::kBlobPrefix, data) != blob) std::abort();
  std::string out = "leftover";
  content::blob_id_to(cairn::as_bytes(data), out);
  if (out != blob) std::abort();
  content::hash_id_to("Xy", cairn::as_bytes(data), out);
  if (out.substr(0, 2) != "Xy" || out.substr(2) != blob.substr(1)) std::abort();

  content::IdHasher hasher(content::kBlobPrefix);
  for (std::size_t at = 0; at < data.size(); at += chunk) hasher.update(data.substr(at, chunk));
  if (hasher.finish() != blob) std::abort();
  // finish() resets: the same hasher makes the same ID again.
  hasher.update(data);
  if (hasher.finish() != blob) std::abort();

  std::string_view tail = data.empty() ? data : data.substr(1);
  std::array<cairn::ByteView, 2> inputs{cairn::as_bytes(data), cairn::as_bytes(tail)};
  std::array<std::string, 2> batch;
  content::blob_ids_batch(inputs, batch, 1);
  if (batch[0] != blob || batch[1] != content::blob_id(tail)) std::abort();

  cairn::Result<content::ContentId> parsed = content::parse_id(blob);
  if (!parsed || parsed->prefix != "b" || parsed->version != 1) std::abort();
  cairn::crypto::Sha256Digest digest = cairn::crypto::sha256(cairn::as_bytes(data));
  if (parsed->digest != cairn::Bytes(digest.begin(), digest.end())) std::abort();
  if (!content::verify_id(blob, data)) std::abort();
  // Other bytes never verify.
  if (!data.empty() && content::verify_id(blob, tail)) std::abort();

  content::IdHasher v2(content::kFilePrefix, kTestVersion);
  for (std::size_t at = 0; at < data.size(); at += chunk) v2.update(data.substr(at, chunk));
  std::string file2 = v2.finish();
  cairn::Result<content::ContentId> parsed2 = content::parse_id(file2);
  if (!parsed2 || parsed2->version != kTestVersion || parsed2->prefix != "f") std::abort();
  if (parsed2->digest.size() != kTestDigestSize || parsed2->to_string() != file2) std::abort();
  if (!content::verify_id(file2, data)) std::abort();
}

// Replaces the character at `position` (counted from the version) by `value`: verify_id must
// refuse the result unless the character did not change.
void check_mutation(std::string_view data, std::size_t position, char value) {
  std::string id = content::blob_id(data);
  std::size_t at = 1 + position % (id.size() - 1);  // never the prefix
  std::string mutated = id;
  mutated[at] = value;
  bool accepted = content::verify_id(mutated, data);
  if (accepted != (mutated == id)) std::abort();
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the entry point libFuzzer names.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, std::size_t size) {
  register_test_version();
  if (size < 3) return 0;
  std::size_t chunk = 1 + (bytes[0] & 0x0f);
  std::size_t position = (static_cast<std::size_t>(bytes[0] >> 4) << 8) | bytes[1];
  auto value = static_cast<char>(bytes[2]);
  std::string_view rest(reinterpret_cast<const char*>(bytes + 3), size - 3);
  if (rest.size() > kMaxInput) rest = rest.substr(0, kMaxInput);

  check_parse(rest);
  check_hashers(rest, chunk);
  check_mutation(rest, position, value);
  return 0;
}
