#include "cairn/content/id.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include "cairn/core/encoding.hpp"
#include "cairn/crypto/hash.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace cairn::content {
namespace {

constexpr std::size_t kV1DigestSize = 32;  // SHA-256
constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

bool is_ascii_letter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

bool is_b64url_char(char c) {
  return is_ascii_letter(c) || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool is_valid_prefix(std::string_view prefix) {
  if (prefix.empty()) return false;
  for (char c : prefix) {
    if (!is_ascii_letter(c)) return false;
  }
  return true;
}

// Length of the unpadded base64url text of `n` bytes.
constexpr std::size_t encoded_size(std::size_t n) {
  return n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
}

// Unpadded base64url of `n` bytes written to `out` (encoded_size(n) characters): the same
// alphabet and output as encoding::b64url_encode, but in place, so that a version-1 ID costs one
// allocation (its own string) on top of the hash. IDs are made for many small inputs, and the
// benchmark holds blob_id to 90% of the speed of bare SHA-256 on 64-byte inputs.
void encode_b64url(const uint8_t* in, std::size_t n, char* out) {
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t{in[i]} << 16) | (uint32_t{in[i + 1]} << 8) | in[i + 2];
    *out++ = kBase64Url[v >> 18];
    *out++ = kBase64Url[(v >> 12) & 63];
    *out++ = kBase64Url[(v >> 6) & 63];
    *out++ = kBase64Url[v & 63];
  }
  std::size_t rest = n - i;
  if (rest > 0) {
    uint32_t v = uint32_t{in[i]} << 16;
    if (rest == 2) v |= uint32_t{in[i + 1]} << 8;
    *out++ = kBase64Url[v >> 18];
    *out++ = kBase64Url[(v >> 12) & 63];
    if (rest == 2) *out++ = kBase64Url[(v >> 6) & 63];
  }
}

// The portable path for state words: the digest's bytes, then encode_b64url.
void encode_words_portable(const crypto::Sha256Words& words, char* out) {
  std::array<uint8_t, kV1DigestSize> bytes;
  for (std::size_t i = 0; i < words.size(); ++i) {
    bytes[4 * i] = static_cast<uint8_t>(words[i] >> 24);
    bytes[4 * i + 1] = static_cast<uint8_t>(words[i] >> 16);
    bytes[4 * i + 2] = static_cast<uint8_t>(words[i] >> 8);
    bytes[4 * i + 3] = static_cast<uint8_t>(words[i]);
  }
  encode_b64url(bytes.data(), bytes.size(), out);
}

#if defined(__x86_64__)
// The 43 characters of a 32-byte digest with SSSE3, after Wojciech Muła's base64 encoder
// (http://0x80.pl/notesen/2016-01-12-sse-base64-encoding.html): 12 bytes become 16 characters
// per step, with shifts and multiplies for the 6-bit groups and one byte shuffle for the
// alphabet. In perf, encode_b64url's 43 table lookups were the largest part of a blob ID's cost
// over bare SHA-256 on 64-byte inputs, ahead of allocating the result string.
// `in` holds the 12 bytes of one group in the order `spread` names: the shuffle gives each 32-bit
// lane bytes [b1 b0 b2 b1] of its 3-byte group ...
__attribute__((target("ssse3"))) __m128i encode_12_bytes(__m128i in, __m128i spread) {
  in = _mm_shuffle_epi8(in, spread);
  // ... from which multiplies move the four 6-bit groups into the four bytes.
  __m128i hi =
      _mm_mulhi_epu16(_mm_and_si128(in, _mm_set1_epi32(0x0fc0fc00)), _mm_set1_epi32(0x04000040));
  __m128i lo =
      _mm_mullo_epi16(_mm_and_si128(in, _mm_set1_epi32(0x003f03f0)), _mm_set1_epi32(0x01000010));
  __m128i index = _mm_or_si128(hi, lo);
  // The offset from index to character: 0..25 'A', 26..51 'a', 52..61 '0', 62 '-', 63 '_'.
  __m128i which = _mm_subs_epu8(index, _mm_set1_epi8(51));  // 52..63 -> 1..12, else 0
  __m128i below_26 = _mm_cmpgt_epi8(_mm_set1_epi8(26), index);
  which = _mm_or_si128(which, _mm_and_si128(below_26, _mm_set1_epi8(13)));
  const __m128i offsets =
      _mm_setr_epi8('a' - 26, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
                    '0' - 52, '0' - 52, '0' - 52, '-' - 62, '_' - 63, 'A', 0, 0);
  return _mm_add_epi8(_mm_shuffle_epi8(offsets, which), index);
}

// Stores the 43 characters of three encoded groups (16 + 16 + 11). The last 11 go out in one
// 16-byte store that ends at character 43 and repeats the 5 before them.
__attribute__((target("ssse3"))) void store_43(__m128i a, __m128i b, __m128i tail, char* out) {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), a);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16), b);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 27), _mm_alignr_epi8(tail, b, 11));
}

// The digest as bytes in order.
__attribute__((target("ssse3"))) void encode_digest_ssse3(const uint8_t* d, char* out) {
  const __m128i spread = _mm_setr_epi8(1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10);
  // The digest was just written by SHA256_Final in 4-byte stores; 16-byte loads spanning them
  // would stall on store forwarding, so read it as the eight 4-byte words it was written as.
  auto word = [d](std::size_t i) { return _mm_loadu_si32(d + 4 * i); };
  __m128i w01 = _mm_unpacklo_epi32(word(0), word(1));
  __m128i w23 = _mm_unpacklo_epi32(word(2), word(3));
  __m128i w34 = _mm_unpacklo_epi32(word(3), word(4));
  __m128i w56 = _mm_unpacklo_epi32(word(5), word(6));
  __m128i w67 = _mm_unpacklo_epi32(word(6), word(7));
  // Bytes 0..11, 12..23, and 24..31 followed by zeros (the zeros are the unpadded tail bits).
  store_43(encode_12_bytes(_mm_unpacklo_epi64(w01, w23), spread),
           encode_12_bytes(_mm_unpacklo_epi64(w34, w56), spread), encode_12_bytes(w67, spread),
           out);
}

// The digest as SHA-256's state words in host (little-endian) order: digest byte 4i+j is byte
// 3-j of word i, so the spreading shuffle also undoes the byte swap, and the words are read in
// two 16-byte loads.
__attribute__((target("ssse3"))) void encode_words_ssse3(const crypto::Sha256Words& w, char* out) {
  const __m128i spread = _mm_setr_epi8(2, 3, 1, 2, 7, 0, 6, 7, 4, 5, 11, 4, 9, 10, 8, 9);
  __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w.data()));
  __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w.data() + 4));
  // Words 0..2, words 3..5, and words 6..7 followed by zeros.
  store_43(encode_12_bytes(lo, spread), encode_12_bytes(_mm_alignr_epi8(hi, lo, 12), spread),
           encode_12_bytes(_mm_srli_si128(hi, 8), spread), out);
}

bool detect_ssse3() noexcept {
  __builtin_cpu_init();  // needed because this runs during static initialization
  return __builtin_cpu_supports("ssse3");
}
// False (zero-initialized) until this file's static initialization has run; IDs made before that
// use the portable encoder.
const bool kHaveSsse3 = detect_ssse3();
#endif

// The 43 characters of a SHA-256 digest.
void encode_digest(const crypto::Sha256Digest& digest, char* out) {
#if defined(__x86_64__)
  if (kHaveSsse3) {
    encode_digest_ssse3(digest.data(), out);
#ifndef NDEBUG
    // Debug builds (the tests) check the vector path against the portable one on every ID.
    std::array<char, encoded_size(kV1DigestSize)> portable;
    encode_b64url(digest.data(), digest.size(), portable.data());
    assert(std::memcmp(portable.data(), out, portable.size()) == 0);
#endif
    return;
  }
#endif
  encode_b64url(digest.data(), digest.size(), out);
}

// The 43 characters of a SHA-256 digest given as state words.
void encode_words(const crypto::Sha256Words& words, char* out) {
#if defined(__x86_64__)
  if (kHaveSsse3) {
    encode_words_ssse3(words, out);
#ifndef NDEBUG
    std::array<char, encoded_size(kV1DigestSize)> portable;
    encode_words_portable(words, portable.data());
    assert(std::memcmp(portable.data(), out, portable.size()) == 0);
#endif
    return;
  }
#endif
  encode_words_portable(words, out);
}

// "<prefix>1~<43 characters>" into `out`, reusing its storage.
void write_v1_id(std::string_view prefix, const crypto::Sha256Words& words, std::string& out) {
  constexpr std::size_t kText = encoded_size(kV1DigestSize);
  out.resize(prefix.size() + 2 + kText);
  char* p = out.data();
  std::memcpy(p, prefix.data(), prefix.size());
  p += prefix.size();
  *p++ = '1';
  *p++ = '~';
  encode_words(words, p);
}

// "<prefix>1~<43 characters>" into `out`, reusing its storage.
void write_v1_id(std::string_view prefix, const crypto::Sha256Digest& digest, std::string& out) {
  constexpr std::size_t kText = encoded_size(kV1DigestSize);
  out.resize(prefix.size() + 2 + kText);
  char* p = out.data();
  std::memcpy(p, prefix.data(), prefix.size());
  p += prefix.size();
  *p++ = '1';
  *p++ = '~';
  encode_digest(digest, p);
}

// The version-1 ID of `data`: hashes it.
std::string hash_v1_id(std::string_view prefix, ByteView data) {
  std::string out;
  write_v1_id(prefix, crypto::sha256_words(data), out);
  return out;
}

std::string make_id(std::string_view prefix, uint32_t version, ByteView digest) {
  std::string out(prefix);
  out += std::to_string(version);
  out += '~';
  out += encoding::b64url_encode(digest);
  return out;
}

// Versions above 1. Version 1 is built in and never looked up, so the common path takes no lock.
// Entries are never removed or replaced, so a pointer to one stays valid after the lock is gone.
struct Registry {
  std::shared_mutex mu;
  std::map<uint32_t, IdAlgorithm> algorithms;
};

Registry& registry() {
  static Registry r;  // never destroyed before use: function-local static
  return r;
}

const IdAlgorithm* find_algorithm(uint32_t version) {
  Registry& r = registry();
  std::shared_lock lock(r.mu);
  auto it = r.algorithms.find(version);
  return it == r.algorithms.end() ? nullptr : &it->second;
}

Unexpected<Error> malformed(const char* why) {
  // The ID itself is not echoed: it may be arbitrary bytes from the network.
  return fail(ErrorCode::kInvalidArgument, "CONTENT_ID_MALFORMED",
              std::string("malformed content ID: ") + why);
}

Bytes digest_with(const IdAlgorithm& algorithm, ByteView data) {
  std::unique_ptr<IdAlgorithm::Stream> stream = algorithm.make_stream();
  if (!stream) std::abort();  // a registered algorithm broke its contract
  stream->update(data);
  Bytes digest = stream->finish();
  if (digest.size() != algorithm.digest_size) std::abort();
  return digest;
}

}  // namespace

std::string ContentId::to_string() const { return make_id(prefix, version, digest); }

Status check_prefix(std::string_view prefix) {
  if (!is_valid_prefix(prefix)) {
    return fail(ErrorCode::kInvalidArgument, "CONTENT_ID_MALFORMED",
                "a content ID prefix is one or more ASCII letters");
  }
  return ok_status();
}

std::string hash_id(std::string_view prefix, ByteView data) {
  static_assert(kCurrentIdVersion == 1, "hash_id's fast path makes version-1 IDs");
  assert(is_valid_prefix(prefix) && "a content ID prefix is one or more ASCII letters");
  return hash_v1_id(prefix, data);
}

std::string hash_id(std::string_view prefix, std::string_view data) {
  return hash_id(prefix, as_bytes(data));
}

std::string blob_id(ByteView data) { return hash_v1_id(kBlobPrefix, data); }
std::string blob_id(std::string_view data) { return blob_id(as_bytes(data)); }
std::string file_id(std::string_view descriptor) {
  return hash_v1_id(kFilePrefix, as_bytes(descriptor));
}
std::string action_id(std::string_view token) { return hash_v1_id(kActionPrefix, as_bytes(token)); }

void hash_id_to(std::string_view prefix, ByteView data, std::string& out) {
  assert(is_valid_prefix(prefix) && "a content ID prefix is one or more ASCII letters");
  write_v1_id(prefix, crypto::sha256_words(data), out);
}

void blob_id_to(ByteView data, std::string& out) {
  write_v1_id(kBlobPrefix, crypto::sha256_words(data), out);
}

void blob_ids_batch(std::span<const ByteView> inputs, std::span<std::string> out,
                    unsigned threads) {
  assert(out.size() == inputs.size() && "blob_ids_batch: out.size() != inputs.size()");
  std::vector<crypto::Sha256Digest> digests(inputs.size());
  crypto::sha256_batch(inputs, digests, threads);
  for (std::size_t i = 0; i < digests.size(); ++i) write_v1_id(kBlobPrefix, digests[i], out[i]);
}

Result<ContentId> parse_id(std::string_view id) {
  std::size_t tilde = id.find('~');
  if (tilde == std::string_view::npos) return malformed("no '~' after the version");
  std::string_view head = id.substr(0, tilde);
  std::string_view text = id.substr(tilde + 1);

  std::size_t letters = 0;
  while (letters < head.size() && is_ascii_letter(head[letters])) ++letters;
  if (letters == 0) return malformed("the prefix must be one or more ASCII letters");
  std::string_view digits = head.substr(letters);
  if (digits.empty()) return malformed("no version number");
  for (char c : digits) {
    if (c < '0' || c > '9') return malformed("the prefix must be ASCII letters only");
  }
  if (digits.size() > 1 && digits[0] == '0') return malformed("leading zero in the version");
  uint32_t version = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), version);
  if (ec != std::errc() || end != digits.data() + digits.size()) {
    return malformed("version number out of range");
  }

  for (char c : text) {
    if (!is_b64url_char(c)) return malformed("the digest is not unpadded base64url");
  }
  std::size_t digest_size = kV1DigestSize;
  if (version != 1) {
    const IdAlgorithm* algorithm = find_algorithm(version);
    if (algorithm == nullptr) {
      return fail(ErrorCode::kInvalidArgument, "CONTENT_ID_VERSION_UNKNOWN",
                  "content ID version " + std::to_string(version) + " is not registered");
    }
    digest_size = algorithm->digest_size;
  }
  if (text.size() != encoded_size(digest_size)) return malformed("wrong digest length");
  Result<Bytes> digest = encoding::b64url_decode(text);
  if (!digest || digest->size() != digest_size) return malformed("bad base64url digest");
  // Only one spelling per digest: the last character must not carry stray low bits.
  if (encoding::b64url_encode(*digest) != text) return malformed("non-canonical base64url");
  return ContentId{std::string(head.substr(0, letters)), version, std::move(*digest)};
}

bool verify_id(std::string_view id, ByteView data) {
  Result<ContentId> parsed = parse_id(id);
  if (!parsed) return false;
  if (parsed->version == 1) {
    crypto::Sha256Digest digest = crypto::sha256(data);
    return std::equal(digest.begin(), digest.end(), parsed->digest.begin(), parsed->digest.end());
  }
  const IdAlgorithm* algorithm = find_algorithm(parsed->version);
  if (algorithm == nullptr) return false;  // parse_id found it; kept for safety
  return digest_with(*algorithm, data) == parsed->digest;
}

bool verify_id(std::string_view id, std::string_view data) { return verify_id(id, as_bytes(data)); }

// IdHasher

struct IdHasher::State {
  std::string prefix;
  uint32_t version = 1;
  crypto::Sha256 sha256;                        // version 1
  const IdAlgorithm* algorithm = nullptr;       // other versions
  std::unique_ptr<IdAlgorithm::Stream> stream;  // other versions
};

IdHasher::IdHasher(std::string_view prefix, uint32_t version) : state_(std::make_unique<State>()) {
  assert(is_valid_prefix(prefix) && "a content ID prefix is one or more ASCII letters");
  state_->prefix = std::string(prefix);
  state_->version = version;
  if (version != 1) {
    state_->algorithm = find_algorithm(version);
    // An unregistered version is a programmer error; hashing on with another algorithm would
    // produce IDs that can never verify.
    if (state_->algorithm == nullptr) std::abort();
    state_->stream = state_->algorithm->make_stream();
    if (!state_->stream) std::abort();
  }
}

IdHasher::~IdHasher() = default;
IdHasher::IdHasher(IdHasher&&) noexcept = default;
IdHasher& IdHasher::operator=(IdHasher&&) noexcept = default;

IdHasher& IdHasher::update(ByteView data) {
  assert(state_ && "IdHasher used after move");
  if (state_->version == 1) {
    state_->sha256.update(data);
  } else {
    state_->stream->update(data);
  }
  return *this;
}

IdHasher& IdHasher::update(std::string_view data) { return update(as_bytes(data)); }

std::string IdHasher::finish() {
  assert(state_ && "IdHasher used after move");
  if (state_->version == 1) {
    std::string out;
    write_v1_id(state_->prefix, state_->sha256.finish(), out);
    return out;
  }
  Bytes digest = state_->stream->finish();
  if (digest.size() != state_->algorithm->digest_size) std::abort();
  state_->stream = state_->algorithm->make_stream();  // ready for the next message
  if (!state_->stream) std::abort();
  return make_id(state_->prefix, state_->version, digest);
}

// Registry

Status register_id_version(uint32_t version, IdAlgorithm algorithm) {
  if (version == 0 || algorithm.digest_size == 0 || !algorithm.make_stream) {
    return fail(ErrorCode::kInvalidArgument, "CONTENT_ID_ALGORITHM_INVALID",
                "an ID version needs a number above 0, a digest size and a stream factory");
  }
  if (version == 1) {
    return fail(ErrorCode::kInvalidArgument, "CONTENT_ID_VERSION_TAKEN",
                "content ID version 1 is SHA-256 and cannot be replaced");
  }
  Registry& r = registry();
  std::unique_lock lock(r.mu);
  auto [it, inserted] = r.algorithms.try_emplace(version);
  if (!inserted) {
    return fail(ErrorCode::kInvalidArgument, "CONTENT_ID_VERSION_TAKEN",
                "content ID version " + std::to_string(version) + " is already registered");
  }
  it->second = std::move(algorithm);
  return ok_status();
}

}  // namespace cairn::content
