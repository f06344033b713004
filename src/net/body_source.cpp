// Body sources: a range of a file (read with pread, or sent by the connection with sendfile from
// the same descriptor), and a generator of pieces.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <system_error>
#include <utility>

#include "cairn/net/body.hpp"
#include "net/internal/file_source.hpp"

namespace cairn::net {
namespace {

// A range of an open regular file. The descriptor is owned; the offset is this source's own (pread
// and sendfile with an explicit offset never move the file position), so one file can back
// several sources at once.
class FileSource final : public BodySource {
 public:
  FileSource(int fd, uint64_t offset, uint64_t length)
      : fd_(fd), offset_(offset), left_(length), length_(length) {}
  ~FileSource() override { ::close(fd_); }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  Result<std::size_t> read(std::span<char> buffer) override {
    std::size_t want = static_cast<std::size_t>(std::min<uint64_t>(buffer.size(), left_));
    if (want == 0) return std::size_t{0};
    for (;;) {
      ssize_t n = ::pread(fd_, buffer.data(), want, static_cast<off_t>(offset_));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        return fail(ErrorCode::kUnavailable, "HTTP_FILE_UNREADABLE",
                    "cannot read the file: " + std::system_category().message(errno));
      }
      if (n == 0) {
        // The file shrank after it was opened: the promised length can no longer be sent.
        return fail(ErrorCode::kUnavailable, "HTTP_FILE_UNREADABLE",
                    "the file ended before the range did");
      }
      consumed(static_cast<uint64_t>(n));
      return static_cast<std::size_t>(n);
    }
  }

  std::optional<uint64_t> size() const override { return length_; }
  int file_descriptor() const override { return fd_; }
  uint64_t file_offset() const override { return offset_; }
  void consumed(uint64_t n) override {
    n = std::min(n, left_);
    offset_ += n;
    left_ -= n;
  }

 private:
  int fd_;
  uint64_t offset_;
  uint64_t left_;
  uint64_t length_;
};

// Pieces from a function, handed out through a buffer that may be smaller than a piece.
class GeneratorSource final : public BodySource {
 public:
  explicit GeneratorSource(std::function<Result<std::optional<std::string>>()> next)
      : next_(std::move(next)) {}

  Result<std::size_t> read(std::span<char> buffer) override {
    if (buffer.empty()) return std::size_t{0};
    // Empty pieces would read as the end; skip them, but not forever: a generator that only
    // returns empty pieces would hold the connection's thread.
    static constexpr int kMaxEmptyPieces = 1024;
    for (int calls = 0; !done_ && used_ == pending_.size(); ++calls) {
      if (calls == kMaxEmptyPieces) {
        return fail(ErrorCode::kInternal, "HTTP_BODY_SOURCE_INVALID",
                    "the generator returned only empty pieces");
      }
      Result<std::optional<std::string>> piece = next_();
      if (!piece) return fail(std::move(piece).error());
      if (!piece->has_value()) {
        done_ = true;
        break;
      }
      pending_ = std::move(**piece);
      used_ = 0;
    }
    if (used_ == pending_.size()) return std::size_t{0};
    std::size_t n = std::min(buffer.size(), pending_.size() - used_);
    std::copy_n(pending_.data() + used_, n, buffer.data());
    used_ += n;
    return n;
  }

  std::optional<uint64_t> size() const override { return std::nullopt; }

 private:
  std::function<Result<std::optional<std::string>>()> next_;
  std::string pending_;
  std::size_t used_ = 0;
  bool done_ = false;
};

}  // namespace

namespace detail {

Result<int> open_regular_file(const std::string& path, struct stat& st) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer; it has no effect
  // on the regular files that pass the check below.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    int err = errno;
    if (err == EACCES || err == EPERM) {
      return fail(ErrorCode::kPermissionDenied, "HTTP_FILE_UNREADABLE", "the file may not be read");
    }
    if (err == ENOENT || err == ENOTDIR || err == ELOOP || err == ENAMETOOLONG) {
      return fail(ErrorCode::kNotFound, "HTTP_FILE_NOT_FOUND", "no such file");
    }
    return fail(ErrorCode::kUnavailable, "HTTP_FILE_UNREADABLE",
                "cannot open the file: " + std::system_category().message(err));
  }
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(ErrorCode::kNotFound, "HTTP_FILE_NOT_FOUND", "not a regular file");
  }
  return fd;
}

std::shared_ptr<BodySource> file_range_source(int fd, uint64_t offset, uint64_t length) {
  return std::make_shared<FileSource>(fd, offset, length);
}

}  // namespace detail

Result<std::shared_ptr<BodySource>> file_source(const std::string& path, uint64_t offset,
                                                uint64_t length) {
  struct stat st {};
  CAIRN_ASSIGN_OR_RETURN(int fd, detail::open_regular_file(path, st));
  auto size = static_cast<uint64_t>(st.st_size);
  if (offset > size || length > size - offset) {
    ::close(fd);
    return fail(ErrorCode::kInvalidArgument, "HTTP_RANGE_INVALID",
                "the range goes past the end of the file");
  }
  return detail::file_range_source(fd, offset, length);
}

Result<std::shared_ptr<BodySource>> generator_source(
    std::function<Result<std::optional<std::string>>()> next) {
  if (!next) {
    return fail(ErrorCode::kInvalidArgument, "HTTP_BODY_SOURCE_INVALID", "no generator was given");
  }
  return std::shared_ptr<BodySource>(std::make_shared<GeneratorSource>(std::move(next)));
}

}  // namespace cairn::net
