// Content-addressed IDs in Cloudillo's format: `<prefix><version>~<base64url-nopad(digest)>`.
//
// Version 1 is SHA-256, so a version-1 ID is the prefix, "1~" and 43 base64url characters
// (`b1~...` 46 characters in all). Blob IDs hash the raw bytes (prefix "b"), file IDs the
// descriptor string (prefix "f"), action IDs the compact JWT string exactly as received
// (prefix "a"). A prefix is one or more ASCII letters; the version is the digits before the
// first '~'.
//
// Algorithm agility: a process-wide registry maps a version number to a digest function, so a
// later version can be added (register_id_version) while version-1 IDs stay valid. Version 1 is
// always registered and cannot be replaced.
//
// Thread-safety: the free functions are safe from any thread; register_id_version may run
// concurrently with them. An IdHasher is used by one thread at a time. Ownership: results are
// new values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "cairn/core/bytes.hpp"
#include "cairn/core/result.hpp"

namespace cairn::content {

// The prefixes Cloudillo uses.
inline constexpr std::string_view kBlobPrefix = "b";
inline constexpr std::string_view kFilePrefix = "f";
inline constexpr std::string_view kActionPrefix = "a";

// The version every new ID uses.
inline constexpr uint32_t kCurrentIdVersion = 1;

// A parsed ID.
struct ContentId {
  std::string prefix;  // "b", "f", "a", ...
  uint32_t version = 0;
  Bytes digest;  // the decoded digest (32 bytes for version 1)

  // The canonical text of this ID.
  std::string to_string() const;
};

// OK when `prefix` can name IDs: one or more ASCII letters (A-Z, a-z). hash_id, hash_id_to and
// IdHasher require such a prefix; edges that take a prefix from their caller (the C ABI, Python)
// check it here first. Errors: INVALID_ARGUMENT / CONTENT_ID_MALFORMED ("a content ID prefix is
// one or more ASCII letters").
Status check_prefix(std::string_view prefix);

// The ID of `data` under `prefix` with the current version. REQUIRES: check_prefix(prefix) is OK
// (a programmer error otherwise).
std::string hash_id(std::string_view prefix, ByteView data);
std::string hash_id(std::string_view prefix, std::string_view data);

// Shorthands: blob_id hashes raw bytes, file_id a descriptor string, action_id a compact JWT.
std::string blob_id(ByteView data);
std::string blob_id(std::string_view data);
std::string file_id(std::string_view descriptor);
std::string action_id(std::string_view token);

// As hash_id / blob_id, written into `out` (replacing its contents, reusing its storage): for
// loops that make many IDs, where allocating each result string would cost more than encoding.
void hash_id_to(std::string_view prefix, ByteView data, std::string& out);
void blob_id_to(ByteView data, std::string& out);

// Blob IDs of many inputs at once: out[i] = blob_id(inputs[i]). The hashing is spread over up to
// `threads` threads (0: one per core) as crypto::sha256_batch does; small batches stay on the
// calling thread. Strings already in `out` are overwritten, reusing their storage.
// REQUIRES: out.size() == inputs.size().
void blob_ids_batch(std::span<const ByteView> inputs, std::span<std::string> out,
                    unsigned threads = 0);

// Parses `id`: the prefix (ASCII letters), the version (decimal, no leading zeros, up to the first
// '~') and the digest (unpadded base64url, exactly the registered digest size, in its one
// canonical spelling). Returns the parts; to_string() gives `id` back. Errors: INVALID_ARGUMENT /
// CONTENT_ID_MALFORMED for an empty or non-letter prefix, a missing or malformed version, a
// missing '~', characters outside base64url (path separators, '.', '='), a digest of the wrong
// length, or non-zero trailing bits; INVALID_ARGUMENT / CONTENT_ID_VERSION_UNKNOWN for a version
// that is not registered.
Result<ContentId> parse_id(std::string_view id);

// True when `id` is well-formed and is the ID of `data` under its own prefix and version
// (computed again and compared). False for a malformed ID or a mismatch.
bool verify_id(std::string_view id, ByteView data);
bool verify_id(std::string_view id, std::string_view data);

// Streaming: update() any number of times, then finish(). The result equals
// hash_id(prefix, all bytes). finish() resets the hasher for the next message.
class IdHasher {
 public:
  // Errors are programmer errors: `prefix` must be letters (asserted) and `version` registered
  // (the process aborts otherwise).
  explicit IdHasher(std::string_view prefix, uint32_t version = kCurrentIdVersion);
  ~IdHasher();
  IdHasher(IdHasher&&) noexcept;
  IdHasher& operator=(IdHasher&&) noexcept;
  IdHasher(const IdHasher&) = delete;
  IdHasher& operator=(const IdHasher&) = delete;

  IdHasher& update(ByteView data);
  IdHasher& update(std::string_view data);
  std::string finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// A digest algorithm for one ID version: makes a fresh streaming state.
struct IdAlgorithm {
  std::size_t digest_size = 0;
  // Returns an object that absorbs bytes and finally yields the digest, exactly digest_size
  // bytes (a different size aborts the process). finish() is called once per stream.
  struct Stream {
    virtual ~Stream() = default;
    virtual void update(ByteView data) = 0;
    virtual Bytes finish() = 0;
  };
  std::function<std::unique_ptr<Stream>()> make_stream;
};

// Registers `algorithm` for `version` (> 1). A registration is permanent for the process.
// Errors: INVALID_ARGUMENT / CONTENT_ID_VERSION_TAKEN when the version is already registered
// (version 1 always is); INVALID_ARGUMENT / CONTENT_ID_ALGORITHM_INVALID for version 0, a
// digest_size of 0 or an empty make_stream.
Status register_id_version(uint32_t version, IdAlgorithm algorithm);

}  // namespace cairn::content
