// FileBodySink: a request body written to a private temporary file as it arrives, hashed on the
// way, and moved into place by commit(). The temporary file is created with O_EXCL under a random
// name, so two uploads into one directory never share a file and a planted symbolic link is never
// followed.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>

#include "cairn/core/encoding.hpp"
#include "cairn/crypto/hash.hpp"
#include "cairn/crypto/random.hpp"
#include "cairn/net/body.hpp"

namespace cairn::net {
namespace {

Unexpected<Error> sink_failed(const std::string& what, int err) {
  return fail(ErrorCode::kUnavailable, "HTTP_BODY_SINK_FAILED",
              what + ": " + std::system_category().message(err));
}

// fsync on a directory makes the entries created or renamed in it durable.
int sync_directory(const std::filesystem::path& dir) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  int err = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  return err;
}

}  // namespace

struct FileBodySink::Hash {
  crypto::Sha256 sha256;
};

Result<std::unique_ptr<FileBodySink>> FileBodySink::create(const std::string& directory) {
  std::unique_ptr<FileBodySink> sink(new FileBodySink());
  sink->hash_ = std::make_unique<Hash>();
  std::filesystem::path dir(directory.empty() ? "." : directory);
  // A name collision is all but impossible with 96 random bits; O_EXCL makes it harmless anyway.
  static constexpr int kAttempts = 4;
  int err = 0;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    std::string name = ".upload-" + encoding::hex_encode(crypto::random_bytes(12)) + ".part";
    std::string path = (dir / name).string();
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd >= 0) {
      sink->fd_ = fd;
      sink->path_ = std::move(path);
      return sink;
    }
    err = errno;
    if (err != EEXIST) break;
  }
  return sink_failed("cannot create a file in " + directory, err);
}

FileBodySink::~FileBodySink() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !path_.empty()) ::unlink(path_.c_str());
}

Status FileBodySink::write(std::string_view piece) {
  if (fd_ < 0 || finished_) {
    return fail(ErrorCode::kFailedPrecondition, "HTTP_BODY_SINK_FAILED",
                "the body file is already finished");
  }
  const char* data = piece.data();
  std::size_t left = piece.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return sink_failed("cannot write the body file", errno);
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
  hash_->sha256.update(as_bytes(piece));
  size_ += piece.size();
  return ok_status();
}

Status FileBodySink::finish() {
  if (finished_) return ok_status();
  if (fd_ < 0) {
    return fail(ErrorCode::kFailedPrecondition, "HTTP_BODY_SINK_FAILED", "no body file is open");
  }
  if (::fsync(fd_) != 0) return sink_failed("cannot flush the body file", errno);
  crypto::Sha256Digest digest = hash_->sha256.finish();
  digest_hex_ = encoding::hex_encode(digest);
  finished_ = true;
  return ok_status();
}

std::string FileBodySink::sha256_hex() const { return digest_hex_; }

Status FileBodySink::commit(const std::string& destination) {
  if (!finished_ || committed_) {
    return fail(
        ErrorCode::kFailedPrecondition, "HTTP_BODY_SINK_FAILED",
        committed_ ? "the body file was already committed" : "the body file is not finished");
  }
  if (::rename(path_.c_str(), destination.c_str()) != 0) {
    return sink_failed("cannot move the body file into place", errno);
  }
  committed_ = true;
  path_ = destination;
  if (int err = sync_directory(std::filesystem::path(destination).parent_path()); err != 0) {
    return sink_failed("cannot flush the directory of the body file", err);
  }
  return ok_status();
}

}  // namespace cairn::net
