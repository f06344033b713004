#include "cairn/content/blob_store.hpp"

#include <algorithm>
#include <limits>

#include "cairn/content/id.hpp"
#include "cairn/core/encoding.hpp"
#include "content/internal/blob_backends.hpp"

namespace cairn::content {
namespace {

constexpr std::string_view kMemoryScheme = "memory:";
constexpr std::string_view kFileScheme = "file:";

// The piece of a stream read at a time: large enough that per-call costs vanish, small enough
// to stay in cache.
constexpr std::size_t kStreamChunk = std::size_t{64} * 1024;

// A blob's ID is its file name, and file names stop at 255 bytes on every common file system.
constexpr std::size_t kMaxIdLength = 255;
// The file layout takes two shard directories of two characters each from the digest text.
constexpr std::size_t kMinDigestText = 4;

Unexpected<Error> invalid_uri(std::string message) {
  return fail(ErrorCode::kInvalidArgument, "CONTENT_BLOB_STORE_URI_INVALID", std::move(message));
}

Unexpected<Error> malformed_id(std::string message) {
  return fail(ErrorCode::kInvalidArgument, "CONTENT_ID_MALFORMED", std::move(message));
}

Status check_tenant(int64_t tenant) {
  if (tenant < 0) {
    return fail(ErrorCode::kInvalidArgument, "CONTENT_TENANT_INVALID",
                "a tenant is an integer >= 0, not " + std::to_string(tenant));
  }
  return ok_status();
}

Unexpected<Error> hash_mismatch(std::string_view expected, std::string_view actual) {
  return fail(
      ErrorCode::kDataLoss, "CONTENT_HASH_MISMATCH",
      "blob hash mismatch: expected " + std::string(expected) + ", got " + std::string(actual));
}

}  // namespace

namespace internal {

// Only IDs parse_id accepts, in canonical form, reach a backend: their characters are letters,
// digits, '~', '-' and '_', so an ID can never name a path outside its tenant's directory, and
// two spellings of one ID never name two files.
Result<ContentId> check_id(std::string_view id) {
  if (id.size() > kMaxIdLength) return malformed_id("a content ID is at most 255 characters");
  CAIRN_ASSIGN_OR_RETURN(ContentId parsed, parse_id(id));
  if (parsed.to_string() != id) return malformed_id("a content ID must be in canonical form");
  std::size_t tilde = id.find('~');
  if (tilde == std::string_view::npos || id.size() - tilde - 1 < kMinDigestText) {
    return malformed_id("a stored content ID needs at least 4 digest characters");
  }
  return parsed;
}

Unexpected<Error> blob_not_found(std::string_view id) {
  return fail(ErrorCode::kNotFound, "CONTENT_BLOB_NOT_FOUND", "no blob " + std::string(id));
}

Unexpected<Error> range_invalid(uint64_t offset, uint64_t size) {
  return fail(ErrorCode::kOutOfRange, "CONTENT_RANGE_INVALID",
              "offset " + std::to_string(offset) + " is past the end of a blob of " +
                  std::to_string(size) + " bytes");
}

}  // namespace internal

BlobStore::~BlobStore() = default;

Result<std::unique_ptr<BlobStore>> BlobStore::open(std::string_view uri) {
  if (uri.find('\0') != std::string_view::npos) {
    return invalid_uri("blob store URI contains a NUL byte");
  }
  if (!encoding::is_valid_utf8(uri)) return invalid_uri("blob store URI is not UTF-8");
  if (uri == kMemoryScheme) return internal::make_memory_blob_store();
  if (uri.starts_with(kMemoryScheme)) {
    return invalid_uri("a memory: URI takes nothing after the colon");
  }
  if (uri.starts_with(kFileScheme)) {
    std::string_view path = uri.substr(kFileScheme.size());
    if (path.starts_with("//")) {
      // URL form: file:///abs/dir; a host part (file://host/dir) means nothing here.
      path.remove_prefix(2);
      if (!path.starts_with('/')) {
        return invalid_uri("file:// URIs take no host: write file:///absolute/dir");
      }
    }
    if (path.empty()) return invalid_uri("a file: URI needs a directory, as in file:data/blobs");
    return internal::open_file_blob_store(path);
  }
  return invalid_uri("unknown blob store URI scheme; use memory: or file:<directory>");
}

Result<std::string> BlobStore::put(int64_t tenant, ByteView data,
                                   std::optional<std::string_view> expected_id) {
  CAIRN_TRY(check_tenant(tenant));
  uint32_t version = kCurrentIdVersion;
  if (expected_id) {
    CAIRN_ASSIGN_OR_RETURN(ContentId expected, internal::check_id(*expected_id));
    version = expected.version;
  }
  // The whole blob is at hand: hash it before touching the backend, so a mismatch costs no I/O.
  std::string id = IdHasher(kBlobPrefix, version).update(data).finish();
  if (expected_id && id != *expected_id) return hash_mismatch(*expected_id, id);
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<Writer> writer, begin_put(tenant));
  CAIRN_TRY(writer->append(data));
  CAIRN_TRY(writer->commit(id));
  return id;
}

Result<std::string> BlobStore::put_stream(int64_t tenant, const BlobReader& read,
                                          std::optional<std::string_view> expected_id) {
  CAIRN_TRY(check_tenant(tenant));
  uint32_t version = kCurrentIdVersion;
  if (expected_id) {
    CAIRN_ASSIGN_OR_RETURN(ContentId expected, internal::check_id(*expected_id));
    version = expected.version;
  }
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<Writer> writer, begin_put(tenant));
  IdHasher hasher(kBlobPrefix, version);
  Bytes buffer(kStreamChunk);
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(std::size_t n, read(std::span<uint8_t>(buffer)));
    if (n == 0) break;
    if (n > buffer.size()) {
      return fail(ErrorCode::kInvalidArgument, "CONTENT_STREAM_INVALID",
                  "a blob reader returned more bytes than its buffer holds");
    }
    ByteView chunk(buffer.data(), n);
    hasher.update(chunk);
    CAIRN_TRY(writer->append(chunk));
  }
  std::string id = hasher.finish();
  if (expected_id && id != *expected_id) return hash_mismatch(*expected_id, id);
  CAIRN_TRY(writer->commit(id));
  return id;
}

Result<Bytes> BlobStore::get(int64_t tenant, std::string_view id) {
  return get_range(tenant, id, 0, std::numeric_limits<uint64_t>::max());
}

Result<Bytes> BlobStore::get_range(int64_t tenant, std::string_view id, uint64_t offset,
                                   uint64_t length) {
  CAIRN_TRY(check_tenant(tenant));
  CAIRN_TRY(internal::check_id(id));
  return read_range(tenant, id, offset, length);
}

Result<BlobInfo> BlobStore::stat(int64_t tenant, std::string_view id) {
  CAIRN_TRY(check_tenant(tenant));
  CAIRN_TRY(internal::check_id(id));
  return stat_blob(tenant, id);
}

Result<bool> BlobStore::exists(int64_t tenant, std::string_view id) {
  Result<BlobInfo> info = stat(tenant, id);
  if (info) return true;
  if (info.error().code == ErrorCode::kNotFound) return false;
  return fail(std::move(info).error());
}

Status BlobStore::remove(int64_t tenant, std::string_view id) {
  CAIRN_TRY(check_tenant(tenant));
  CAIRN_TRY(internal::check_id(id));
  return remove_blob(tenant, id);
}

Result<std::vector<std::string>> BlobStore::list(int64_t tenant) {
  CAIRN_TRY(check_tenant(tenant));
  CAIRN_ASSIGN_OR_RETURN(std::vector<std::string> ids, list_blobs(tenant));
  std::sort(ids.begin(), ids.end());
  return ids;
}

Status BlobStore::verify(int64_t tenant, std::string_view id) {
  CAIRN_TRY(check_tenant(tenant));
  CAIRN_ASSIGN_OR_RETURN(ContentId parsed, internal::check_id(id));
  IdHasher hasher(parsed.prefix, parsed.version);
  CAIRN_TRY(read_all(tenant, id, [&](ByteView piece) { hasher.update(piece); }));
  std::string actual = hasher.finish();
  if (actual != id) return hash_mismatch(id, actual);
  return ok_status();
}

}  // namespace cairn::content
