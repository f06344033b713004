// libFuzzer target for cairn::secrets' env documents (env_document.hpp): the dotenv and JSON
// forms secrets are imported from (parse_env_document, SecretsService::import_env) and exported
// in (SecretsService::export_env, whose dotenv lines are KEY= + internal::dotenv_quote(value)).
//
// Properties (a broken one aborts):
// - parsing is deterministic; it succeeds or fails with SECRETS_IMPORT_INVALID;
// - every entry it yields has a valid key (check_key) and a valid value (check_value: UTF-8, at
//   most kMaxValueBytes); keys are unique (the last of a repeated key wins);
// - parse -> format as export_env writes it -> parse gives the same entries: dotenv (KEY="..."
//   lines, sorted by key as the export does) and JSON (an object of strings);
// - a JSON document holding a raw NUL byte is refused (it is not JSON).
//
// The first input byte picks the format the rest is read as (bit 0: JSON). Seeds:
// corpus/dotenv/ (docs/secrets.md's examples, tests/secrets' documents and broken lines);
// tokens: dotenv.dict. See tests/fuzz/CMakeLists.txt for how it is built and run.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cairn/secrets/env_document.hpp"
#include "cairn/secrets/limits.hpp"
#include "secrets/internal/service_internal.hpp"

namespace {

namespace secrets = cairn::secrets;
using Entries = std::vector<std::pair<std::string, std::string>>;

constexpr std::size_t kMaxInputBytes = std::size_t{64} * 1024;

// The document export_env writes for `entries`: sorted by key.
std::string export_document(Entries entries, secrets::ExportFormat format) {
  std::sort(entries.begin(), entries.end());
  if (format == secrets::ExportFormat::kJson) {
    nlohmann::ordered_json json = nlohmann::ordered_json::object();
    for (const auto& [key, value] : entries) json[key] = value;
    return json.dump(2) + "\n";
  }
  std::string out;
  for (const auto& [key, value] : entries) {
    out += key + "=" + secrets::internal::dotenv_quote(value) + "\n";
  }
  return out;
}

Entries sorted(Entries entries) {
  std::sort(entries.begin(), entries.end());
  return entries;
}

void check_read_back(const Entries& entries, secrets::ExportFormat format) {
  cairn::Result<Entries> back =
      secrets::parse_env_document(export_document(entries, format), format);
  if (!back || sorted(*back) != sorted(entries)) std::abort();
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, std::size_t size) {
  if (size == 0) return 0;
  const auto format =
      (bytes[0] & 1U) != 0 ? secrets::ExportFormat::kJson : secrets::ExportFormat::kDotenv;
  std::string_view document(reinterpret_cast<const char*>(bytes + 1),
                            std::min(size - 1, kMaxInputBytes));

  cairn::Result<Entries> entries = secrets::parse_env_document(document, format);
  cairn::Result<Entries> again = secrets::parse_env_document(document, format);
  if (entries.has_value() != again.has_value()) std::abort();
  if (!entries) {
    if (entries.error().reason != "SECRETS_IMPORT_INVALID" ||
        entries.error().message != again.error().message) {
      std::abort();
    }
    return 0;
  }
  if (*entries != *again) std::abort();
  // JSON text never holds a raw NUL byte (nlohmann's parser would stop reading there).
  if (format == secrets::ExportFormat::kJson && document.find('\0') != std::string_view::npos) {
    std::abort();
  }
  for (std::size_t i = 0; i < entries->size(); ++i) {
    const auto& [key, value] = (*entries)[i];
    if (!secrets::check_key(key) || !secrets::check_value(value)) std::abort();
    for (std::size_t j = 0; j < i; ++j) {
      if ((*entries)[j].first == key) std::abort();
    }
  }
  check_read_back(*entries, secrets::ExportFormat::kDotenv);
  check_read_back(*entries, secrets::ExportFormat::kJson);
  return 0;
}
