#include "cairn/net/pid_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <filesystem>
#include <system_error>
#include <utility>

#include "core/internal/private_files.hpp"

namespace cairn::net {
namespace {

Unexpected<Error> pid_failed(const std::string& what, int err) {
  return fail(ErrorCode::kUnavailable, "NET_PID_FILE_FAILED",
              what + ": " + std::system_category().message(err));
}

// The number in the file open as `fd`, if it holds one.
std::optional<int64_t> read_pid(int fd) {
  char buf[32] = {};
  ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return std::nullopt;
  int64_t pid = 0;
  const char* end = buf + n;
  auto [p, ec] = std::from_chars(buf, end, pid);
  if (ec != std::errc() || pid <= 0) return std::nullopt;
  return pid;
}

}  // namespace

Result<PidFile> PidFile::acquire(const std::string& path) {
  std::filesystem::path p(path);
  if (p.has_parent_path()) {
    if (int err = cairn::internal::make_private_directories(p.parent_path()); err != 0) {
      return pid_failed("cannot create the directory of " + path, err);
    }
  }
  int fd = -1;
  // The file we lock must still be the one at `path`: an owner that is shutting down unlinks it
  // while holding the lock, and a lock won on that unlinked file would protect nothing.
  for (int attempt = 0;; ++attempt) {
    fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return pid_failed("cannot open " + path, errno);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) break;  // held: reported below
    struct stat locked {};
    struct stat named {};
    if (::fstat(fd, &locked) == 0 && ::stat(path.c_str(), &named) == 0 &&
        locked.st_dev == named.st_dev && locked.st_ino == named.st_ino) {
      break;
    }
    ::close(fd);
    if (attempt == 10) return pid_failed("cannot lock " + path, EAGAIN);
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    std::optional<int64_t> owner = read_pid(fd);
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return fail(ErrorCode::kFailedPrecondition, "NET_ALREADY_RUNNING",
                  "a server is already running" +
                      (owner ? " with pid " + std::to_string(*owner) : std::string()) + " (" +
                      path + ")");
    }
    return pid_failed("cannot lock " + path, err);
  }
  std::optional<int64_t> previous = read_pid(fd);
  std::string text = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size()) ||
      ::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    return pid_failed("cannot write " + path, err);
  }
  ::fchmod(fd, 0600);
  return PidFile(path, fd, previous);
}

PidFile::PidFile(PidFile&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      previous_pid_(other.previous_pid_) {}

PidFile& PidFile::operator=(PidFile&& other) noexcept {
  if (this != &other) {
    release();
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
    previous_pid_ = other.previous_pid_;
  }
  return *this;
}

PidFile::~PidFile() { release(); }

void PidFile::release() {
  if (fd_ < 0) return;
  // Unlink while still holding the lock; acquire() checks that the file it locked is still the
  // one at the path, so a process that opened this one just before is sent to try again.
  ::unlink(path_.c_str());
  ::close(fd_);
  fd_ = -1;
}

std::optional<int64_t> PidFile::running_pid(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return std::nullopt;
  std::optional<int64_t> pid;
  if (::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
    pid = read_pid(fd);
  } else {
    ::flock(fd, LOCK_UN);
  }
  ::close(fd);
  return pid;
}

}  // namespace cairn::net
