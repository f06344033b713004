// Files as HTTP answers: byte ranges (RFC 9110 section 14), entity tags and If-None-Match
// (section 13), content types by extension, and serving a file under a root directory without
// letting a request path leave it.
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <ctime>
#include <string>
#include <utility>

#include "cairn/net/body.hpp"
#include "net/internal/file_source.hpp"

namespace cairn::net {

namespace {

bool is_ows(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

// A run of decimal digits as a number; nullopt when empty, not all digits, or over 2^64 - 1.
std::optional<uint64_t> parse_digits(std::string_view s) {
  if (s.empty()) return std::nullopt;
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// "Sun, 06 Nov 1994 08:49:37 GMT" (IMF-fixdate, RFC 9110 5.6.7), independent of the locale.
std::string imf_fixdate(std::time_t when) {
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm tm{};
  if (gmtime_r(&when, &tm) == nullptr || tm.tm_wday < 0 || tm.tm_wday > 6 || tm.tm_mon < 0 ||
      tm.tm_mon > 11) {
    when = 0;
    gmtime_r(&when, &tm);
  }
  std::array<char, 64> text{};
  int n = std::snprintf(text.data(), text.size(), "%s, %02d %s %04d %02d:%02d:%02d GMT",
                        kDays[static_cast<std::size_t>(tm.tm_wday)], tm.tm_mday,
                        kMonths[static_cast<std::size_t>(tm.tm_mon)], tm.tm_year + 1900, tm.tm_hour,
                        tm.tm_min, tm.tm_sec);
  return std::string(text.data(), static_cast<std::size_t>(std::max(n, 0)));
}

// The opaque part of an entity tag ("\"abc\"" for both "\"abc\"" and "W/\"abc\"").
std::string_view opaque_tag(std::string_view tag) {
  if (tag.starts_with("W/")) tag.remove_prefix(2);
  return tag;
}

// Whether an If-Range value names exactly this (strong) entity tag. RFC 9110 13.1.5 requires
// the strong comparison; a date (the other form) is treated as not matching, so the whole file
// is sent, which is always correct.
bool if_range_matches(std::string_view value, std::string_view etag) {
  value = trim(value);
  return !value.starts_with("W/") && !etag.starts_with("W/") && value == etag;
}

void add_file_headers(Response& res, std::string_view etag, const std::string& last_modified) {
  res.headers.set("ETag", std::string(etag));
  res.headers.set("Last-Modified", last_modified);
  res.headers.set("Accept-Ranges", "bytes");
}

// serve_file for an open regular file; takes over `fd`.
void serve_open_file(const Request& req, Response& res, int fd, const struct stat& st,
                     std::string_view name) {
  auto size = static_cast<uint64_t>(st.st_size);
  int64_t mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  std::string etag = file_etag(size, mtime_ns);
  std::string last_modified = imf_fixdate(st.st_mtim.tv_sec);
  res.body.clear();
  res.body_source = nullptr;

  // If-None-Match is evaluated before Range (RFC 9110 13.2.2).
  if (auto inm = req.headers.get("If-None-Match"); inm && if_none_match(*inm, etag)) {
    ::close(fd);
    res.status = 304;
    add_file_headers(res, etag, last_modified);
    return;
  }
  std::optional<ByteRange> range;
  auto range_header = req.headers.get("Range");
  auto if_range = req.headers.get("If-Range");
  if (range_header && (!if_range || if_range_matches(*if_range, etag))) {
    Result<std::optional<ByteRange>> parsed = parse_range(*range_header, size);
    if (!parsed) {
      ::close(fd);
      res.error(parsed.error());
      res.status = 416;
      res.headers.set("Content-Range", "bytes */" + std::to_string(size));
      add_file_headers(res, etag, last_modified);
      return;
    }
    range = *parsed;
  }
  res.headers.set("Content-Type", std::string(content_type_for(name)));
  add_file_headers(res, etag, last_modified);
  if (range) {
    res.status = 206;
    res.headers.set("Content-Range", "bytes " + std::to_string(range->first) + "-" +
                                         std::to_string(range->last) + "/" + std::to_string(size));
    res.body_source = detail::file_range_source(fd, range->first, range->length());
  } else {
    res.status = 200;
    res.body_source = detail::file_range_source(fd, 0, size);
  }
}

bool method_allowed(const Request& req, Response& res) {
  if (req.method == "GET" || req.method == "HEAD") return true;
  res.error(ErrorCode::kUnimplemented, "HTTP_METHOD_NOT_ALLOWED",
            "files are served to GET and HEAD only");
  res.status = 405;
  res.headers.set("Allow", "GET, HEAD");
  return false;
}

void not_found(Response& res) {
  res.error(ErrorCode::kNotFound, "HTTP_FILE_NOT_FOUND", "no such file");
}

// The last path segment of `path`, for its extension.
std::string_view file_name_of(std::string_view path) {
  std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// realpath(3) as a string, or nullopt.
std::optional<std::string> real_path(const std::string& path) {
  std::unique_ptr<char, decltype(&std::free)> resolved(::realpath(path.c_str(), nullptr),
                                                       &std::free);
  if (!resolved) return std::nullopt;
  return std::string(resolved.get());
}

// `relative` under `root` opened for reading in one lookup the kernel keeps beneath `root`
// (openat2 with RESOLVE_BENEATH, Linux 5.6): no ".." or symbolic link can take it
// out, and the check and the open are one step. nullopt when this cannot decide and the
// realpath() route must: openat2 is missing (ENOSYS, or EPERM from a seccomp filter), the path
// crosses a symbolic link the kernel does not follow beneath a root (an absolute one: EXDEV),
// the file is missing or not a regular file (the slow route then answers as it always has).
// The fast route costs one path walk instead of one readlink(2) per path component.
std::optional<int> open_beneath(const std::string& root, std::string_view relative,
                                struct stat& st) {
#ifdef SYS_openat2
  int dir = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return std::nullopt;
  open_how how{};
  how.flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;  // as open_regular_file
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  std::string path(relative);
  long fd = ::syscall(SYS_openat2, dir, path.c_str(), &how, sizeof how);
  ::close(dir);
  if (fd < 0) return std::nullopt;
  if (::fstat(static_cast<int>(fd), &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(static_cast<int>(fd));
    return std::nullopt;
  }
  return static_cast<int>(fd);
#else
  (void)root;
  (void)relative;
  (void)st;
  return std::nullopt;
#endif
}

bool is_under(std::string_view path, const std::string& root) {
  if (root == "/") return path.size() > 1 && path.front() == '/';
  return path.size() > root.size() + 1 && path.starts_with(root) && path[root.size()] == '/';
}

}  // namespace

Result<std::optional<ByteRange>> parse_range(std::string_view range_header, uint64_t size) {
  std::string_view header = trim(range_header);
  std::size_t equals = header.find('=');
  if (equals == std::string_view::npos) return std::optional<ByteRange>();
  if (!iequals(trim(header.substr(0, equals)), "bytes")) return std::optional<ByteRange>();
  std::string_view set = header.substr(equals + 1);
  // 1#range-spec: one spec, allowing the empty list elements RFC 9110 5.6.1 tolerates. Several
  // specs are allowed to be served as the whole representation (14.2), which we do.
  std::string_view spec;
  int specs = 0;
  while (!set.empty()) {
    std::size_t comma = set.find(',');
    std::string_view item = trim(set.substr(0, comma));
    set = comma == std::string_view::npos ? std::string_view() : set.substr(comma + 1);
    if (item.empty()) continue;
    spec = item;
    if (++specs > 1) return std::optional<ByteRange>();
  }
  if (specs == 0) return std::optional<ByteRange>();
  std::size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return std::optional<ByteRange>();
  std::string_view first_text = spec.substr(0, dash);
  std::string_view last_text = spec.substr(dash + 1);
  auto unsatisfiable = [&] {
    return fail(ErrorCode::kInvalidArgument, "HTTP_RANGE_NOT_SATISFIABLE",
                "the range starts at or past the end of the " + std::to_string(size) +
                    "-byte representation");
  };
  if (first_text.empty()) {
    // A suffix: the last n bytes.
    std::optional<uint64_t> n = parse_digits(last_text);
    if (!n) return std::optional<ByteRange>();
    if (*n == 0 || size == 0) return unsatisfiable();
    return std::optional<ByteRange>(ByteRange{size - std::min(*n, size), size - 1});
  }
  std::optional<uint64_t> first = parse_digits(first_text);
  if (!first) return std::optional<ByteRange>();
  uint64_t last = UINT64_MAX;
  if (!last_text.empty()) {
    std::optional<uint64_t> parsed = parse_digits(last_text);
    if (!parsed || *parsed < *first) return std::optional<ByteRange>();  // invalid: ignored
    last = *parsed;
  }
  if (*first >= size) return unsatisfiable();
  return std::optional<ByteRange>(ByteRange{*first, std::min(last, size - 1)});
}

std::string file_etag(uint64_t size, int64_t mtime_ns) {
  auto hex = [](uint64_t value) {
    std::array<char, 16> digits{};  // 2^64 - 1 has 16 hex digits
    auto [end, ec] = std::to_chars(digits.begin(), digits.end(), value, 16);
    (void)ec;  // 16 digits always fit
    return std::string(digits.data(), end);
  };
  return "\"" + hex(size) + "-" + hex(static_cast<uint64_t>(mtime_ns)) + "\"";
}

bool if_none_match(std::string_view header_value, std::string_view etag) {
  std::string_view value = trim(header_value);
  if (value == "*") return true;
  std::string_view want = opaque_tag(etag);
  // #entity-tag; an entity tag's opaque part may itself hold commas, so it is scanned, not split.
  // Each pass consumes at least one character, so the loop ends.
  while (!value.empty()) {
    char c = value.front();
    if (c == ',' || is_ows(c)) {
      value.remove_prefix(1);
      continue;
    }
    std::string_view rest = value.starts_with("W/") ? value.substr(2) : value;
    if (rest.empty() || rest.front() != '"') return false;  // malformed: matches nothing more
    std::size_t close = rest.find('"', 1);
    if (close == std::string_view::npos) return false;
    if (rest.substr(0, close + 1) == want) return true;
    value = rest.substr(close + 1);
  }
  return false;
}

void serve_file(const Request& req, Response& res, const std::string& path) {
  if (!method_allowed(req, res)) return;
  struct stat st {};
  Result<int> fd = detail::open_regular_file(path, st);
  if (!fd) return res.error(fd.error());
  serve_open_file(req, res, *fd, st, file_name_of(path));
}

void serve_from_directory(const Request& req, Response& res, const std::string& root,
                          std::string_view relative) {
  if (!method_allowed(req, res)) return;
  if (relative.empty() || relative.find('\0') != std::string_view::npos) return not_found(res);
  for (std::string_view rest = relative;;) {
    std::size_t slash = rest.find('/');
    std::string_view segment = rest.substr(0, slash);
    if (segment.empty() || segment == "." || segment == "..") return not_found(res);
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  struct stat st {};
  if (std::optional<int> fd = open_beneath(root, relative, st)) {
    return serve_open_file(req, res, *fd, st, file_name_of(relative));
  }
  std::optional<std::string> real_root = real_path(root);
  if (!real_root) return not_found(res);
  std::optional<std::string> target = real_path(*real_root + "/" + std::string(relative));
  if (!target || !is_under(*target, *real_root)) return not_found(res);
  Result<int> fd = detail::open_regular_file(*target, st);
  if (!fd) return res.error(fd.error());
  // A directory inside the root could have been swapped for a symbolic link between realpath()
  // and open(): check where the descriptor really points, when /proc can say.
  std::array<char, PATH_MAX> link{};
  std::string proc = "/proc/self/fd/" + std::to_string(*fd);
  ssize_t n = ::readlink(proc.c_str(), link.data(), link.size());
  if (n > 0 && static_cast<std::size_t>(n) < link.size() &&
      !is_under(std::string_view(link.data(), static_cast<std::size_t>(n)), *real_root)) {
    ::close(*fd);
    return not_found(res);
  }
  serve_open_file(req, res, *fd, st, file_name_of(relative));
}

std::string_view content_type_for(std::string_view file_name) {
  struct Type {
    std::string_view extension;
    std::string_view content_type;
  };
  static constexpr std::array<Type, 36> kTypes = {{
      {"html", "text/html; charset=utf-8"},
      {"htm", "text/html; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"json", "application/json"},
      {"map", "application/json"},
      {"txt", "text/plain; charset=utf-8"},
      {"md", "text/markdown; charset=utf-8"},
      {"csv", "text/csv; charset=utf-8"},
      {"xml", "application/xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"svg", "image/svg+xml"},
      {"webp", "image/webp"},
      {"avif", "image/avif"},
      {"ico", "image/vnd.microsoft.icon"},
      {"pdf", "application/pdf"},
      {"wasm", "application/wasm"},
      {"mp4", "video/mp4"},
      {"webm", "video/webm"},
      {"mp3", "audio/mpeg"},
      {"ogg", "audio/ogg"},
      {"wav", "audio/wav"},
      {"woff", "font/woff"},
      {"woff2", "font/woff2"},
      {"ttf", "font/ttf"},
      {"otf", "font/otf"},
      {"zip", "application/zip"},
      {"gz", "application/gzip"},
      {"tar", "application/x-tar"},
      {"zst", "application/zstd"},
      {"webmanifest", "application/manifest+json"},
      {"bin", "application/octet-stream"},
  }};
  std::size_t dot = file_name.rfind('.');
  std::size_t slash = file_name.rfind('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) {
    return "application/octet-stream";
  }
  std::string_view extension = file_name.substr(dot + 1);
  for (const Type& type : kTypes) {
    if (iequals(type.extension, extension)) return type.content_type;
  }
  return "application/octet-stream";
}

}  // namespace cairn::net
