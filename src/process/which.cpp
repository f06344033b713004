// cairn::process::which (which.hpp): the PATH search that run() and Child::spawn() also use.
#include "cairn/process/which.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

namespace cairn::process {

namespace {

// A regular file this process may execute (effective ids, as exec checks them).
bool is_executable_file(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
         ::faccessat(AT_FDCWD, path.c_str(), X_OK, AT_EACCESS) == 0;
}

}  // namespace

std::optional<std::string> which(std::string_view name, std::string_view path_list) {
  if (name.empty() || name.find('\0') != std::string_view::npos) return std::nullopt;
  if (name.find('/') != std::string_view::npos) {
    std::string path(name);
    if (is_executable_file(path)) return path;
    return std::nullopt;
  }
  while (true) {
    size_t colon = path_list.find(':');
    std::string_view dir = path_list.substr(0, colon);
    // Empty and relative entries are skipped: they depend on the working directory.
    if (!dir.empty() && dir.front() == '/' && dir.find('\0') == std::string_view::npos) {
      std::string candidate(dir);
      if (candidate.back() != '/') candidate += '/';
      candidate += name;
      if (is_executable_file(candidate)) return candidate;
    }
    if (colon == std::string_view::npos) break;
    path_list.remove_prefix(colon + 1);
  }
  return std::nullopt;
}

std::optional<std::string> which(std::string_view name) {
  const char* path = ::secure_getenv("PATH");  // NOLINT(concurrency-mt-unsafe): documented
  return which(name, path != nullptr ? std::string_view(path) : std::string_view("/bin:/usr/bin"));
}

}  // namespace cairn::process
