// libFuzzer target for database URIs (cairn/storage/database.hpp): storage::parse_uri on
// arbitrary text; nothing is opened. There is no formatter in the API, so the target writes the
// canonical URI of a Location itself ("memory:", "sqlite:<relative path>",
// "sqlite://<absolute path>", "postgresql://") and checks that it parses back to the same
// Location. Properties checked:
//   - parsing is deterministic and fails only with STORAGE_URI_INVALID;
//   - memory: is exactly "memory:"; postgresql is a postgresql:// or postgres:// URI with no path;
//   - an SQLite path is non-empty UTF-8 without NUL bytes, does not end in '/', and is the text
//     after "sqlite:" (or after "sqlite://" for the URL form);
//   - format -> parse gives the same Location; an absolute path not starting with "//" also
//     round-trips in the short form "sqlite:<path>";
//   - any text usable as a path (non-empty UTF-8, no NUL, no trailing '/') written in canonical
//     form parses back to exactly that path.
// The whole input (at most 4 KiB) is the URI, and also the path of the last property. Seeds:
// corpus/storage_uri/ (the URIs of database.hpp and tests/storage/database_test.cpp); tokens:
// storage_uri.dict. See tests/fuzz/CMakeLists.txt for how it is built and run.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cairn/core/encoding.hpp"
#include "cairn/storage/database.hpp"

namespace {

namespace storage = cairn::storage;

constexpr std::size_t kMaxInput = std::size_t{4} * 1024;

std::string format(const storage::Location& location) {
  switch (location.backend) {
    case storage::Backend::kMemory:
      return "memory:";
    case storage::Backend::kPostgres:
      return "postgresql://";
    case storage::Backend::kSqlite:
      // The URL form keeps a path that starts with "//" from reading as a host.
      return (location.path.starts_with('/') ? "sqlite://" : "sqlite:") + location.path;
  }
  std::abort();
}

bool same(const storage::Location& a, const storage::Location& b) {
  return a.backend == b.backend && a.path == b.path;
}

bool usable_path(std::string_view path) {
  return !path.empty() && path.find('\0') == std::string_view::npos && !path.ends_with('/') &&
         cairn::encoding::is_valid_utf8(path);
}

void check_parsed(std::string_view uri, const storage::Location& location) {
  if (storage::backend_name(location.backend).empty()) std::abort();
  switch (location.backend) {
    case storage::Backend::kMemory:
      if (uri != "memory:" || !location.path.empty()) std::abort();
      break;
    case storage::Backend::kPostgres:
      if (!location.path.empty()) std::abort();
      if (!uri.starts_with("postgresql://") && !uri.starts_with("postgres://")) std::abort();
      break;
    case storage::Backend::kSqlite: {
      if (!usable_path(location.path)) std::abort();
      bool url = uri.starts_with("sqlite://");
      std::string expected(uri.substr(url ? 9 : 7));
      if (location.path != expected) std::abort();
      if (url && !location.path.starts_with('/')) std::abort();
      break;
    }
  }
  cairn::Result<storage::Location> back = storage::parse_uri(format(location));
  if (!back || !same(*back, location)) std::abort();
  if (location.backend == storage::Backend::kSqlite && location.path.starts_with('/') &&
      !location.path.starts_with("//")) {
    cairn::Result<storage::Location> short_form = storage::parse_uri("sqlite:" + location.path);
    if (!short_form || !same(*short_form, location)) std::abort();
  }
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the entry point libFuzzer names.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, std::size_t size) {
  std::string_view uri(reinterpret_cast<const char*>(bytes), std::min(size, kMaxInput));
  cairn::Result<storage::Location> location = storage::parse_uri(uri);
  cairn::Result<storage::Location> again = storage::parse_uri(uri);
  if (location.has_value() != again.has_value()) std::abort();
  if (location) {
    if (!same(*location, *again)) std::abort();
    check_parsed(uri, *location);
  } else if (location.error().reason != "STORAGE_URI_INVALID" ||
             location.error().code != cairn::ErrorCode::kInvalidArgument) {
    std::abort();
  }

  if (usable_path(uri)) {
    storage::Location as_path{storage::Backend::kSqlite, std::string(uri)};
    cairn::Result<storage::Location> back = storage::parse_uri(format(as_path));
    if (!back || !same(*back, as_path)) std::abort();
  }
  return 0;
}
