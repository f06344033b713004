// Files only the owner may read: the one place that creates directories 0700 and files 0600 for
// databases, token files and exports. Functions return 0 or the errno that stopped them, so each
// caller words its own error.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace cairn::internal {

// Creates every missing directory on the way to `dir` (absolute or relative), each with mode
// 0700. ENOTDIR when `dir` exists but is not a directory.
int make_private_directories(const std::filesystem::path& dir);

// Replaces `path` with `data` atomically: writes a temporary file created 0600 in the same
// directory, fsyncs it, renames it over `path` and fsyncs the directory. Creates the directory
// (0700) when missing. On failure the old file, if any, is untouched.
int write_private_file(const std::string& path, std::string_view data);

}  // namespace cairn::internal
