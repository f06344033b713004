// cairn::content::BlobStore: immutable blobs kept under their content ID (`b1~<base64url
// SHA-256>`), separated by tenant, in memory or in a directory laid out exactly as Cloudillo's fs
// adapter.
//
// Example:
//   CAIRN_ASSIGN_OR_RETURN(auto store, content::BlobStore::open("file:/var/lib/hub/blobs"));
//   const int64_t tenant = 1;
//   const Bytes data = {'h', 'i'};
//   CAIRN_ASSIGN_OR_RETURN(std::string id, store->put(tenant, data));   // "b1~..."
//   CAIRN_ASSIGN_OR_RETURN(Bytes same, store->get(tenant, id));
//
// Backends, chosen by URI at open():
//   memory:                a map in this process; gone when the store is destroyed.
//   file:/abs/dir          a directory (created 0700 when missing). Also file:///abs/dir and
//   file:relative/dir      file:relative/dir (resolved against the working directory at open).
// The file layout is Cloudillo's: `<dir>/<tenant>/<h[0..2]>/<h[2..4]>/<id>`, where `h` is the text
// of the ID after its '~'. Directories are created 0700 and blob files 0600. A put writes a
// temporary file `<dir>/<tenant>/.tmp-<random>` while hashing, fsyncs it, renames it into place and
// fsyncs the directory, so readers see a blob whole or not at all, and concurrent puts of the same
// blob from several threads or processes all succeed. A process that dies mid-put can leave a
// `.tmp-*` file behind; list() never reports it. Empty shard directories are never removed (a
// concurrent put may be about to rename into them).
//
// IDs: every method that takes an ID accepts any ID parse_id accepts in canonical form (any
// prefix, any registered version), so a blob ID can never name a path outside the tenant's
// directory. put always computes the ID itself; the caller can only state what it expects.
//
// Tenants are Cloudillo's tn_id: an integer >= 0. Blobs of different tenants are separate even
// when their bytes are identical.
//
// Reads trust the store: get and get_range return the stored bytes without hashing them again
// (that would cost a full read for every range). verify() re-hashes a stored blob, for scrubbing.
//
// Thread-safety: a BlobStore is safe for concurrent use by any number of threads. The file
// backend is also safe against other processes using the same directory.
// Ownership: open() hands out the store; results are new values owned by the caller.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/core/bytes.hpp"
#include "cairn/core/env.hpp"
#include "cairn/core/result.hpp"

namespace cairn::content {

// What stat() reports about a stored blob.
struct BlobInfo {
  std::string id;
  uint64_t size = 0;
  // When the blob was last stored (a put of a blob already present counts): the file's
  // modification time on the file backend. Useful as a grace period for garbage collection.
  Timestamp modified{};
};

// Fills `buffer` with the next bytes of a stream and returns how many it wrote (at most
// buffer.size()); 0 means the stream has ended. An error stops the put.
using BlobReader = std::function<Result<std::size_t>(std::span<uint8_t> buffer)>;

class BlobStore {
 public:
  // Opens the store named by `uri` (see the top of this file). Errors: INVALID_ARGUMENT /
  // CONTENT_BLOB_STORE_URI_INVALID for another scheme, an empty path, a host part
  // (file://host/...), a NUL byte or text that is not UTF-8; UNAVAILABLE / CONTENT_BLOB_STORE_IO
  // when the directory cannot be created or is not a directory.
  static Result<std::unique_ptr<BlobStore>> open(std::string_view uri);

  virtual ~BlobStore();
  BlobStore(const BlobStore&) = delete;
  BlobStore& operator=(const BlobStore&) = delete;

  // Stores `data` and returns its ID (`b1~...`). Storing a blob that is already there succeeds
  // and rewrites it (which also repairs a damaged copy). With `expected_id`, the data is hashed
  // with that ID's version and must produce exactly that ID; otherwise nothing is stored.
  // Errors: INVALID_ARGUMENT / CONTENT_TENANT_INVALID for a tenant < 0; INVALID_ARGUMENT /
  // CONTENT_ID_MALFORMED or CONTENT_ID_VERSION_UNKNOWN for a bad `expected_id`; DATA_LOSS /
  // CONTENT_HASH_MISMATCH when the data's ID is not `expected_id` (for instance an `f1~` ID);
  // RESOURCE_EXHAUSTED / CONTENT_BLOB_STORE_FULL when the disk is full; UNAVAILABLE /
  // CONTENT_BLOB_STORE_IO for other file system errors.
  [[nodiscard]] Result<std::string> put(int64_t tenant, ByteView data,
                                        std::optional<std::string_view> expected_id = std::nullopt);

  // As put, reading the data from `read` until it returns 0. The blob is hashed as it streams
  // (the file backend writes it to a temporary file meanwhile, never holding it all in memory).
  // An error from `read` is returned as it is and stores nothing; so does an exception, which
  // propagates. Errors: those of put; INVALID_ARGUMENT / CONTENT_STREAM_INVALID when `read`
  // claims more bytes than the buffer holds.
  [[nodiscard]] Result<std::string> put_stream(
      int64_t tenant, const BlobReader& read,
      std::optional<std::string_view> expected_id = std::nullopt);

  // The bytes of blob `id` (not re-hashed; see verify). Errors: INVALID_ARGUMENT /
  // CONTENT_TENANT_INVALID, CONTENT_ID_MALFORMED or CONTENT_ID_VERSION_UNKNOWN; NOT_FOUND /
  // CONTENT_BLOB_NOT_FOUND; UNAVAILABLE / CONTENT_BLOB_STORE_IO.
  [[nodiscard]] Result<Bytes> get(int64_t tenant, std::string_view id);

  // Up to `length` bytes of blob `id` from `offset`: a range reaching past the end is cut at the
  // end, and offset == size gives no bytes. Errors: those of get; OUT_OF_RANGE /
  // CONTENT_RANGE_INVALID when `offset` is beyond the end of the blob.
  [[nodiscard]] Result<Bytes> get_range(int64_t tenant, std::string_view id, uint64_t offset,
                                        uint64_t length);

  // The size and modification time of blob `id`. Errors: those of get.
  [[nodiscard]] Result<BlobInfo> stat(int64_t tenant, std::string_view id);

  // Whether blob `id` is stored. Errors: those of get except NOT_FOUND.
  [[nodiscard]] Result<bool> exists(int64_t tenant, std::string_view id);

  // Removes blob `id`; removing a blob that is not there succeeds. Errors: INVALID_ARGUMENT /
  // CONTENT_TENANT_INVALID, CONTENT_ID_MALFORMED or CONTENT_ID_VERSION_UNKNOWN; UNAVAILABLE /
  // CONTENT_BLOB_STORE_IO.
  [[nodiscard]] Status remove(int64_t tenant, std::string_view id);

  // The IDs of every blob of `tenant`, sorted (byte order), for garbage collection. Temporary
  // files and anything else that is not a blob in its right place are skipped. Errors:
  // INVALID_ARGUMENT / CONTENT_TENANT_INVALID; UNAVAILABLE / CONTENT_BLOB_STORE_IO.
  [[nodiscard]] Result<std::vector<std::string>> list(int64_t tenant);

  // Reads blob `id` in full and checks that its bytes still hash to `id`. Errors: those of get;
  // DATA_LOSS / CONTENT_HASH_MISMATCH when they do not (the file was damaged or tampered with).
  [[nodiscard]] Status verify(int64_t tenant, std::string_view id);

 protected:
  BlobStore() = default;

  // The hooks a backend implements. The public methods above check the tenant and ID, do all
  // the hashing and comparing, and pass on only valid, canonical IDs, so every backend behaves
  // the same. Every hook must be safe for concurrent use.

  // One blob being written. Destroying it without a successful commit() leaves nothing behind.
  class Writer {
   public:
    Writer() = default;
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;
    virtual ~Writer() = default;
    // Appends `data` to the blob.
    virtual Status append(ByteView data) = 0;
    // Makes the blob visible under `id` (already checked to be the hash of what was appended),
    // replacing a stored copy.
    virtual Status commit(std::string_view id) = 0;
  };

  // Starts a new blob for `tenant`.
  virtual Result<std::unique_ptr<Writer>> begin_put(int64_t tenant) = 0;
  // Bytes [offset, offset + length) of the blob, cut at its end; OUT_OF_RANGE /
  // CONTENT_RANGE_INVALID for offset > size; NOT_FOUND / CONTENT_BLOB_NOT_FOUND.
  virtual Result<Bytes> read_range(int64_t tenant, std::string_view id, uint64_t offset,
                                   uint64_t length) = 0;
  // Passes the whole blob to `sink`, in pieces; NOT_FOUND / CONTENT_BLOB_NOT_FOUND.
  virtual Status read_all(int64_t tenant, std::string_view id,
                          const std::function<void(ByteView)>& sink) = 0;
  virtual Result<BlobInfo> stat_blob(int64_t tenant, std::string_view id) = 0;
  virtual Status remove_blob(int64_t tenant, std::string_view id) = 0;
  // Every blob ID of `tenant`, in any order.
  virtual Result<std::vector<std::string>> list_blobs(int64_t tenant) = 0;
};

}  // namespace cairn::content
