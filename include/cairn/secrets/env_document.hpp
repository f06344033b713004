// cairn::secrets env documents: the dotenv and JSON forms in which an environment's secrets are
// exported (SecretsService::export_env) and imported (SecretsService::import_env,
// parse_env_document).
//
// Dotenv, as written: KEY="value" lines, sorted by key, values double-quoted with \\, \", \n, \r
// and \$ escapes (so shells and dotenv loaders do not expand "$"). Dotenv, as read: KEY=value
// lines, blank lines and '#' comments skipped, an optional "export " prefix, values bare
// (trimmed, ending at " #"), single-quoted (literal) or double-quoted (the escapes above; an
// unknown escape stays as written). JSON: one object whose members are strings.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cairn/core/result.hpp"

namespace cairn::secrets {

// Export formats.
enum class ExportFormat { kDotenv, kJson };
// "dotenv" or "json". Errors: INVALID_ARGUMENT / SECRETS_FORMAT_INVALID.
Result<ExportFormat> parse_export_format(std::string_view name);

// The entries of a dotenv or JSON document as import_env() reads them, in document order; of
// repeated keys the last wins (as when a shell sources the file). Pure: for clients that import
// through another API (cairn-vault's CLI). Errors: INVALID_ARGUMENT / SECRETS_IMPORT_INVALID (the
// message names the line: a malformed line, a key that is not a valid name, a value that is not
// UTF-8 or longer than kMaxValueBytes; limits.hpp).
Result<std::vector<std::pair<std::string, std::string>>> parse_env_document(
    std::string_view document, ExportFormat format);

}  // namespace cairn::secrets
