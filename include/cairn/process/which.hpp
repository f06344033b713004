// cairn::process::which: the absolute path of a program found on PATH.
//
// The search is the one run() and Child::spawn() use for an argv[0] without a '/': each entry of
// PATH in order, the first regular file there that this process may execute. Empty and relative
// entries of PATH are skipped (POSIX reads an empty entry as the working directory, which lets
// whoever controls that directory choose the program). A name containing a '/' is not searched:
// it is returned unchanged when it names an executable regular file.
//
// Example:
//   std::optional<std::string> git = process::which("git");
//   if (!git) return fail(ErrorCode::kFailedPrecondition, "GIT_MISSING", "git is not installed");
//
// Thread-safety: safe from any thread. which(name) reads this process's PATH, like getenv(), so it
// races with a thread that calls setenv() at the same time.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cairn::process {

// The absolute path of `name` on this process's PATH (or "/bin:/usr/bin" when PATH is unset), or
// nullopt when it is found nowhere, is empty or contains a NUL byte.
std::optional<std::string> which(std::string_view name);

// The same search on `path_list`, a PATH value ("/usr/local/bin:/usr/bin:/bin").
std::optional<std::string> which(std::string_view name, std::string_view path_list);

}  // namespace cairn::process
