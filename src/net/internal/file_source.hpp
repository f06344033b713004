// The file pieces body_source.cpp and file_serving.cpp share: serve_file needs the descriptor,
// its stat and the source from one open(), so that the ETag, the range and the bytes sent all
// describe the same file. Private to cairn::net.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <memory>
#include <string>

#include "cairn/core/result.hpp"
#include "cairn/net/body.hpp"

namespace cairn::net::detail {

// The file at `path` opened for reading: a regular file, described by `st` (O_NONBLOCK, so a FIFO
// never blocks the open). Errors: NOT_FOUND / HTTP_FILE_NOT_FOUND (missing, not a regular file);
// PERMISSION_DENIED / HTTP_FILE_UNREADABLE; UNAVAILABLE / HTTP_FILE_UNREADABLE (other open errors).
Result<int> open_regular_file(const std::string& path, struct stat& st);

// A source for `length` bytes of `fd` from `offset`; it takes over the descriptor.
std::shared_ptr<BodySource> file_range_source(int fd, uint64_t offset, uint64_t length);

}  // namespace cairn::net::detail
