// The BlobStore backends, made by BlobStore::open, and the errors they share.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "cairn/content/blob_store.hpp"
#include "cairn/content/id.hpp"

namespace cairn::content::internal {

// A store in this process's memory.
std::unique_ptr<BlobStore> make_memory_blob_store();

// A store in directory `dir` (created 0700 when missing; a relative path is made absolute).
Result<std::unique_ptr<BlobStore>> open_file_blob_store(std::string_view dir);

// `id` parsed, when it may name a stored blob: parse_id accepts it, it is canonical, at most 255
// characters and has at least 4 digest characters. INVALID_ARGUMENT / CONTENT_ID_MALFORMED or
// CONTENT_ID_VERSION_UNKNOWN otherwise.
Result<ContentId> check_id(std::string_view id);

// NOT_FOUND / CONTENT_BLOB_NOT_FOUND for blob `id`.
Unexpected<Error> blob_not_found(std::string_view id);

// OUT_OF_RANGE / CONTENT_RANGE_INVALID for an offset past the end of a blob of `size` bytes.
Unexpected<Error> range_invalid(uint64_t offset, uint64_t size);

}  // namespace cairn::content::internal
