// Streamed bodies for cairn::net::Server: a request body that goes into a sink as it arrives
// (uploads far larger than memory), and a response body read from a source as the connection
// sends it (a file, a range of one, or a generator).
//
// An upload route that keeps the body in a file, and a download route:
//
// Example:
//   net::Router router;
//   net::RouteOptions upload;
//   upload.max_body_bytes = std::size_t{512} << 20;            // 413 past 512 MiB
//   upload.stream_body = [](const net::Request&) -> Result<std::shared_ptr<net::BodySink>> {
//     CAIRN_ASSIGN_OR_RETURN(auto sink, net::FileBodySink::create("/var/lib/hub/incoming"));
//     return std::shared_ptr<net::BodySink>(std::move(sink));
//   };
//   auto put = [](const net::Request& req, net::Response& res) {
//     auto* file = static_cast<net::FileBodySink*>(req.body_sink.get());
//     Status saved = file->commit("/var/lib/hub/files/" + std::string(req.param("name")));
//     if (!saved) return res.error(saved.error());
//     res.json_text("{\"size\":" + std::to_string(file->size()) + "}", 201);
//   };
//   CAIRN_TRY(router.add("PUT", "/files/{name}", put, upload));
//   auto get = [](const net::Request& req, net::Response& res) {
//     net::serve_from_directory(req, res, "/var/lib/hub/files", req.param("rest"));
//   };
//   CAIRN_TRY(router.add("GET", "/files/{rest...}", get));
//
// Thread-safety: a sink or source is used by one connection, on one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "cairn/core/result.hpp"
#include "cairn/net/http.hpp"

namespace cairn::net {

// Where a streamed request body goes. The server calls write() with each piece as it arrives
// (never more than the route's max_body_bytes in total: past it the client gets 413 and the
// sink is dropped without finish()), then finish() once after the last piece, then the route's
// handler with Request::body_sink set to the sink and Request::body empty. An error from write()
// or finish() is answered as the response (its status from the code; 5xx bodies hide the
// message) and the connection is closed; the handler does not run.
class BodySink {
 public:
  virtual ~BodySink() = default;
  virtual Status write(std::string_view piece) = 0;
  virtual Status finish() { return ok_status(); }
};

// Makes the sink for one request, after its headers arrived and before any body byte is read
// (RouteOptions::stream_body). An error is answered at once (say 403 for a caller who may not
// upload) and the body is not read.
using BodySinkFactory = std::function<Result<std::shared_ptr<BodySink>>(const Request&)>;

// A sink that writes the body to a new file (0600) in a directory, counting its size and SHA-256
// as it goes. The file is removed when the sink is destroyed unless commit() moved it.
class FileBodySink final : public BodySink {
 public:
  // Creates a uniquely named temporary file in `directory` (which must exist). Errors:
  // UNAVAILABLE / HTTP_BODY_SINK_FAILED (the file cannot be created).
  static Result<std::unique_ptr<FileBodySink>> create(const std::string& directory);
  ~FileBodySink() override;
  FileBodySink(const FileBodySink&) = delete;
  FileBodySink& operator=(const FileBodySink&) = delete;

  // Errors: UNAVAILABLE / HTTP_BODY_SINK_FAILED (a failed write: disk full, ...).
  Status write(std::string_view piece) override;
  // Flushes the file to disk (fsync). Errors: UNAVAILABLE / HTTP_BODY_SINK_FAILED.
  Status finish() override;

  // The temporary file's path, its size so far, and the SHA-256 of the whole body (64 lower-case
  // hex digits; after finish()).
  const std::string& path() const { return path_; }
  uint64_t size() const { return size_; }
  std::string sha256_hex() const;
  // Renames the file to `destination` (same file system) and fsyncs its directory; the sink no
  // longer removes it. Errors: FAILED_PRECONDITION / HTTP_BODY_SINK_FAILED before finish() or
  // after a commit; UNAVAILABLE / HTTP_BODY_SINK_FAILED when the rename fails.
  Status commit(const std::string& destination);

 private:
  FileBodySink() = default;
  struct Hash;
  int fd_ = -1;
  std::string path_;
  uint64_t size_ = 0;
  bool finished_ = false;
  bool committed_ = false;
  std::unique_ptr<Hash> hash_;
  std::string digest_hex_;
};

// Where a streamed response body comes from (Response::body_source). The connection calls
// read() for the next bytes as the client takes them, until it returns 0.
class BodySource {
 public:
  virtual ~BodySource() = default;
  // Fills the front of `buffer` and returns how many bytes it wrote; 0 at the end. An error
  // after the headers were sent cannot change the status: the connection is closed early, so
  // the client sees a body shorter than its Content-Length (or an unterminated chunked body).
  virtual Result<std::size_t> read(std::span<char> buffer) = 0;
  // The total length when known (sent as Content-Length); nullopt sends the body chunked (or,
  // to an HTTP/1.0 client, delimited by closing the connection).
  virtual std::optional<uint64_t> size() const = 0;
  // For a source that is a range of an open file: its descriptor and current offset, so a plain
  // TCP or unix connection may use sendfile(2) instead of read(). -1 when not a file.
  virtual int file_descriptor() const { return -1; }
  virtual uint64_t file_offset() const { return 0; }
  // Tells the source that `n` bytes were sent from its descriptor by sendfile (advances it).
  virtual void consumed(uint64_t n) { (void)n; }
};

// `length` bytes of a file from `offset`. Errors: NOT_FOUND / HTTP_FILE_NOT_FOUND (no such file,
// or not a regular file); PERMISSION_DENIED / HTTP_FILE_UNREADABLE; INVALID_ARGUMENT /
// HTTP_RANGE_INVALID (the range goes past the end).
Result<std::shared_ptr<BodySource>> file_source(const std::string& path, uint64_t offset,
                                                uint64_t length);
// The bytes a generator returns, piece by piece, until it returns nullopt; sent chunked.
Result<std::shared_ptr<BodySource>> generator_source(
    std::function<Result<std::optional<std::string>>()> next);

// One byte range of a representation of `size` bytes: first..last inclusive.
struct ByteRange {
  uint64_t first = 0;
  uint64_t last = 0;
  uint64_t length() const { return last - first + 1; }
};

// How a Range header applies to a representation of `size` bytes (RFC 9110 section 14):
//   nullopt             the header is absent, not a bytes range, malformed, or asks for more
//                       than one range: send the whole representation (200), as the RFC allows;
//   a ByteRange         one satisfiable range ("bytes=0-99", "bytes=100-", "bytes=-500"), clamped
//                       to the size: answer 206;
//   INVALID_ARGUMENT / HTTP_RANGE_NOT_SATISFIABLE   no byte of it exists (a first byte at or past
//                       the end, or an empty file): answer 416 with Content-Range: bytes */size.
Result<std::optional<ByteRange>> parse_range(std::string_view range_header, uint64_t size);

// The strong entity tag the server gives a file: "\"<size hex>-<mtime ns hex>\"" (quotes
// included), the same for the same size and modification time.
std::string file_etag(uint64_t size, int64_t mtime_ns);

// Whether an If-None-Match header value matches `etag` (weak comparison, RFC 9110 13.1.2): "*"
// or any listed tag equal to it, ignoring W/ prefixes.
bool if_none_match(std::string_view header_value, std::string_view etag);

// Answers `req` (GET or HEAD) with the regular file at `path`:
//   304 when If-None-Match matches its ETag (no body);
//   206 with Content-Range for a satisfiable single Range (If-Range is honored: a Range with an
//       If-Range that does not match the ETag gets the whole file);
//   416 with Content-Range: bytes */size for an unsatisfiable one;
//   200 with the whole file otherwise.
// Every answer carries ETag, Last-Modified, Accept-Ranges: bytes and a Content-Type guessed from
// the extension (application/octet-stream when unknown). 404 (HTTP_FILE_NOT_FOUND) for a missing
// file or a directory, 403 (HTTP_FILE_UNREADABLE) for one the server may not read, 405 for other
// methods. The body is a file_source, so the file is never read into memory.
void serve_file(const Request& req, Response& res, const std::string& path);

// serve_file for `relative` (a path under `root`, as a {rest...} route parameter gives it):
// refuses with 404 (HTTP_FILE_NOT_FOUND) any path with an empty, "." or ".." segment, a NUL, or
// one that resolves (through symbolic links) outside `root`.
void serve_from_directory(const Request& req, Response& res, const std::string& root,
                          std::string_view relative);

// The Content-Type for a file name's extension (".html" text/html; charset=utf-8, ".json",
// ".css", ".js", ".txt", ".png", ".jpg", ".gif", ".svg", ".webp", ".pdf", ".wasm", ".mp4",
// ".webm", ...); application/octet-stream when unknown.
std::string_view content_type_for(std::string_view file_name);

}  // namespace cairn::net
