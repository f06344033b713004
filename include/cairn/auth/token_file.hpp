// Token files: a bearer token kept on disk for a CLI or a local service (Remote Dev's service and
// CLI tokens, Coldrune's ~/.config/coldrune/session).
//
// write_token_file() creates the file with mode 0600 from the first byte (never briefly readable
// by others, unlike chmod-after-write), in a directory it creates 0700 when missing, writing to a
// temporary file that is fsynced and renamed over the old one, so a reader sees the old token or
// the new one, never a torn file. read_token_file() refuses, as ssh does with private keys, a file
// that is group- or world-accessible, not a regular file, or owned by another user.
//
// Thread-safety: both functions are safe to call concurrently (the rename is atomic).
#pragma once

#include <string>
#include <string_view>

#include "cairn/core/result.hpp"

namespace cairn::auth {

// The longest token a token file may hold, in bytes.
inline constexpr size_t kMaxTokenFileBytes = size_t{16} * 1024;

// Writes `token` and a newline to `path`. Errors: INVALID_ARGUMENT / AUTH_TOKEN_FILE_INVALID
// (empty, too long, or not printable ASCII without spaces); UNAVAILABLE / AUTH_TOKEN_FILE_IO.
Status write_token_file(const std::string& path, std::string_view token);

// The token in `path`, trailing whitespace removed. Errors: NOT_FOUND / AUTH_TOKEN_FILE_NOT_FOUND;
// PERMISSION_DENIED / AUTH_TOKEN_FILE_MODE (group or world bits set, or not a regular file),
// AUTH_TOKEN_FILE_OWNER (owned by another user than this process's or root);
// INVALID_ARGUMENT / AUTH_TOKEN_FILE_INVALID (empty, too long, or not a token);
// UNAVAILABLE / AUTH_TOKEN_FILE_IO.
Result<std::string> read_token_file(const std::string& path);

}  // namespace cairn::auth
