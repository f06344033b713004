#include "cairn/auth/token_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "core/internal/private_files.hpp"

namespace cairn::auth {
namespace {

Unexpected<Error> io_error(const std::string& what, int err) {
  return fail(ErrorCode::kUnavailable, "AUTH_TOKEN_FILE_IO",
              what + ": " + std::system_category().message(err));
}

// A token is printable ASCII without spaces (every cairn token, JWT and API key is).
bool is_token_text(std::string_view token) {
  if (token.empty() || token.size() > kMaxTokenFileBytes) return false;
  for (char c : token) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

Unexpected<Error> not_a_token() {
  return fail(ErrorCode::kInvalidArgument, "AUTH_TOKEN_FILE_INVALID",
              "a token file holds one token: 1 to 16384 printable ASCII characters, no spaces");
}

}  // namespace

Status write_token_file(const std::string& path, std::string_view token) {
  if (!is_token_text(token)) return not_a_token();
  std::string data(token);
  data += '\n';
  int err = internal::write_private_file(path, data);
  if (err != 0) return io_error("cannot write token file " + path, err);
  return ok_status();
}

Result<std::string> read_token_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) {
      return fail(ErrorCode::kNotFound, "AUTH_TOKEN_FILE_NOT_FOUND", "no token file at " + path);
    }
    return io_error("cannot open token file " + path, errno);
  }
  // Checked on the open descriptor, so the file cannot be swapped between check and read.
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return io_error("cannot stat token file " + path, err);
  }
  if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
    ::close(fd);
    return fail(
        ErrorCode::kPermissionDenied, "AUTH_TOKEN_FILE_MODE",
        "token file " + path + " must be a regular file readable only by its owner (chmod 600)");
  }
  if (st.st_uid != ::geteuid() && st.st_uid != 0) {
    ::close(fd);
    return fail(ErrorCode::kPermissionDenied, "AUTH_TOKEN_FILE_OWNER",
                "token file " + path + " belongs to another user");
  }
  std::string data;
  char buffer[4096];
  while (data.size() <= kMaxTokenFileBytes + 2) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return io_error("cannot read token file " + path, err);
    }
    if (n == 0) break;
    data.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  while (!data.empty() && (data.back() == '\n' || data.back() == '\r' || data.back() == ' ' ||
                           data.back() == '\t')) {
    data.pop_back();
  }
  if (!is_token_text(data)) return not_a_token();
  return data;
}

}  // namespace cairn::auth
