// cairn::net streamed bodies (body.hpp) without a server: byte ranges, entity tags, content types,
// file sources and generators, serve_file and serve_from_directory into a Response, and
// FileBodySink.
#include "cairn/net/body.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"

namespace cairn::net {
namespace {

using cairn::testing::TempDir;

void write_file(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Every byte of a source, read through a small buffer so pieces cross buffer boundaries.
std::string drain(BodySource& source, std::size_t buffer_size = 7) {
  std::string out;
  std::vector<char> buffer(buffer_size);
  for (int i = 0; i < 1'000'000; ++i) {
    Result<std::size_t> n = source.read(buffer);
    EXPECT_TRUE(n) << n.error().to_string();
    if (!n || *n == 0) break;
    out.append(buffer.data(), *n);
  }
  return out;
}

// The range parse_range finds, as "first-last", or "whole" / "416".
std::string range_of(std::string_view header, uint64_t size) {
  Result<std::optional<ByteRange>> r = parse_range(header, size);
  if (!r) {
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().reason, "HTTP_RANGE_NOT_SATISFIABLE");
    return "416";
  }
  if (!r->has_value()) return "whole";
  return std::to_string((*r)->first) + "-" + std::to_string((*r)->last);
}

Request get(std::string method = "GET") {
  Request req;
  req.method = std::move(method);
  req.path = "/files/x";
  return req;
}

// ---- parse_range

TEST(ParseRangeTest, ReadsTheThreeFormsOfOneRange) {
  EXPECT_EQ(range_of("bytes=0-99", 1000), "0-99");
  EXPECT_EQ(range_of("bytes=100-", 1000), "100-999");
  EXPECT_EQ(range_of("bytes=-500", 1000), "500-999");
  EXPECT_EQ(range_of("bytes=999-999", 1000), "999-999");
  EXPECT_EQ(range_of("bytes=0-0", 1000), "0-0");
}

TEST(ParseRangeTest, ClampsTheLastByteAndLongSuffixesToTheSize) {
  EXPECT_EQ(range_of("bytes=10-5000", 1000), "10-999");
  EXPECT_EQ(range_of("bytes=-5000", 1000), "0-999");
  EXPECT_EQ(range_of("bytes=0-18446744073709551615", 1000), "0-999");
}

TEST(ParseRangeTest, AllowsWhitespaceAroundAndACaseInsensitiveUnit) {
  EXPECT_EQ(range_of("  bytes=0-9 \t", 100), "0-9");
  EXPECT_EQ(range_of("bytes= 0-9 ", 100), "0-9");
  EXPECT_EQ(range_of("Bytes=0-9", 100), "0-9");
  EXPECT_EQ(range_of("bytes=0-9,", 100), "0-9");  // an empty list element is no second range
}

TEST(ParseRangeTest, SendsTheWholeRepresentationForSeveralRanges) {
  EXPECT_EQ(range_of("bytes=0-9,20-29", 100), "whole");
  EXPECT_EQ(range_of("bytes=0-9, -5", 100), "whole");
}

TEST(ParseRangeTest, IgnoresOtherUnitsAndMalformedHeaders) {
  for (std::string_view header :
       {"", "bytes", "bytes=", "bytes=-", "bytes=abc", "bytes=1", "bytes=a-9", "bytes=1-b",
        "bytes=9-1", "bytes=--5", "bytes=+1-2", "bytes=1 -2", "items=0-9", "bytes 0-9",
        "bytes=0-99999999999999999999", "bytes=-99999999999999999999", "bytes=0x1-2"}) {
    EXPECT_EQ(range_of(header, 100), "whole") << header;
  }
}

TEST(ParseRangeTest, RefusesRangesThatSelectNoByte) {
  EXPECT_EQ(range_of("bytes=100-", 100), "416");
  EXPECT_EQ(range_of("bytes=100-200", 100), "416");
  EXPECT_EQ(range_of("bytes=-0", 100), "416");
  EXPECT_EQ(range_of("bytes=0-", 0), "416");
  EXPECT_EQ(range_of("bytes=-1", 0), "416");
  EXPECT_EQ(range_of("bytes=0-0", 0), "416");
}

TEST(ParseRangeTest, HandlesOneByteRepresentations) {
  EXPECT_EQ(range_of("bytes=0-", 1), "0-0");
  EXPECT_EQ(range_of("bytes=0-0", 1), "0-0");
  EXPECT_EQ(range_of("bytes=-1", 1), "0-0");
  EXPECT_EQ(range_of("bytes=-2", 1), "0-0");
  EXPECT_EQ(range_of("bytes=1-", 1), "416");
  Result<std::optional<ByteRange>> r = parse_range("bytes=0-0", 1);
  ASSERT_TRUE(r && r->has_value());
  EXPECT_EQ((*r)->length(), 1U);
}

// ---- entity tags

TEST(FileEtagTest, IsSizeAndModificationTimeInHex) {
  EXPECT_EQ(file_etag(0, 0), "\"0-0\"");
  EXPECT_EQ(file_etag(255, 4096), "\"ff-1000\"");
  EXPECT_EQ(file_etag(1000, 1700000000123456789), "\"3e8-17979cfe3d85cd15\"");
  EXPECT_NE(file_etag(1000, 1), file_etag(1000, 2));
  EXPECT_NE(file_etag(1, 1000), file_etag(1000, 1));
}

TEST(IfNoneMatchTest, MatchesStarAndListedTagsWeakly) {
  std::string etag = "\"3e8-17\"";
  EXPECT_TRUE(if_none_match("*", etag));
  EXPECT_TRUE(if_none_match(" * ", etag));
  EXPECT_TRUE(if_none_match("\"3e8-17\"", etag));
  EXPECT_TRUE(if_none_match("W/\"3e8-17\"", etag));
  EXPECT_TRUE(if_none_match("\"a\", \"3e8-17\"", etag));
  EXPECT_TRUE(if_none_match("\"a\",W/\"b\" ,\t W/\"3e8-17\"", etag));
  EXPECT_TRUE(if_none_match("\"3e8-17\"", "W/\"3e8-17\""));
  EXPECT_TRUE(if_none_match("\"a,b\", \"3e8-17\"", etag));  // a comma inside a tag
}

TEST(IfNoneMatchTest, DoesNotMatchOtherTagsOrMalformedValues) {
  std::string etag = "\"3e8-17\"";
  EXPECT_FALSE(if_none_match("", etag));
  EXPECT_FALSE(if_none_match("\"3e8-18\"", etag));
  EXPECT_FALSE(if_none_match("3e8-17", etag));
  EXPECT_FALSE(if_none_match("\"3e8-17", etag));
  EXPECT_FALSE(if_none_match("w/\"3e8-17\"", etag));
  EXPECT_FALSE(if_none_match("\"a\", \"b\"", etag));
  EXPECT_FALSE(if_none_match("**", etag));
}

// ---- content types

TEST(ContentTypeTest, GuessesFromTheExtension) {
  EXPECT_EQ(content_type_for("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type_for("INDEX.HTML"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type_for("a/b.c/data.json"), "application/json");
  EXPECT_EQ(content_type_for("site.css"), "text/css; charset=utf-8");
  EXPECT_EQ(content_type_for("app.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(content_type_for("notes.txt"), "text/plain; charset=utf-8");
  EXPECT_EQ(content_type_for("p.png"), "image/png");
  EXPECT_EQ(content_type_for("p.jpg"), "image/jpeg");
  EXPECT_EQ(content_type_for("p.jpeg"), "image/jpeg");
  EXPECT_EQ(content_type_for("p.gif"), "image/gif");
  EXPECT_EQ(content_type_for("p.svg"), "image/svg+xml");
  EXPECT_EQ(content_type_for("p.webp"), "image/webp");
  EXPECT_EQ(content_type_for("doc.pdf"), "application/pdf");
  EXPECT_EQ(content_type_for("m.wasm"), "application/wasm");
  EXPECT_EQ(content_type_for("v.mp4"), "video/mp4");
  EXPECT_EQ(content_type_for("v.webm"), "video/webm");
}

TEST(ContentTypeTest, FallsBackToOctetStream) {
  EXPECT_EQ(content_type_for("README"), "application/octet-stream");
  EXPECT_EQ(content_type_for("archive.unknownext"), "application/octet-stream");
  EXPECT_EQ(content_type_for("dir.html/file"), "application/octet-stream");
  EXPECT_EQ(content_type_for("trailingdot."), "application/octet-stream");
  EXPECT_EQ(content_type_for(""), "application/octet-stream");
}

// ---- sources

TEST(FileSourceTest, ReadsTheRangeAndReportsItForSendfile) {
  TempDir dir;
  write_file(dir.file("f.bin"), "0123456789abcdef");
  Result<std::shared_ptr<BodySource>> source = file_source(dir.file("f.bin"), 4, 8);
  ASSERT_TRUE(source) << source.error().to_string();
  EXPECT_EQ((*source)->size(), std::optional<uint64_t>(8));
  EXPECT_GE((*source)->file_descriptor(), 0);
  EXPECT_EQ((*source)->file_offset(), 4U);
  (*source)->consumed(2);  // as if sendfile sent "45"
  EXPECT_EQ((*source)->file_offset(), 6U);
  EXPECT_EQ(drain(**source, 3), "6789ab");
  EXPECT_EQ((*source)->file_offset(), 12U);
}

TEST(FileSourceTest, RefusesMissingFilesDirectoriesAndRangesPastTheEnd) {
  TempDir dir;
  write_file(dir.file("f.bin"), "0123456789");
  Result<std::shared_ptr<BodySource>> missing = file_source(dir.file("none"), 0, 0);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().reason, "HTTP_FILE_NOT_FOUND");
  Result<std::shared_ptr<BodySource>> directory = file_source(dir.path().string(), 0, 0);
  ASSERT_FALSE(directory);
  EXPECT_EQ(directory.error().reason, "HTTP_FILE_NOT_FOUND");
  ASSERT_EQ(::mkfifo(dir.file("fifo").c_str(), 0600), 0);
  Result<std::shared_ptr<BodySource>> fifo = file_source(dir.file("fifo"), 0, 0);
  ASSERT_FALSE(fifo);  // and it did not wait for a writer
  EXPECT_EQ(fifo.error().reason, "HTTP_FILE_NOT_FOUND");
  Result<std::shared_ptr<BodySource>> past = file_source(dir.file("f.bin"), 5, 6);
  ASSERT_FALSE(past);
  EXPECT_EQ(past.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(past.error().reason, "HTTP_RANGE_INVALID");
  EXPECT_FALSE(file_source(dir.file("f.bin"), 11, 0));
  Result<std::shared_ptr<BodySource>> empty_tail = file_source(dir.file("f.bin"), 10, 0);
  ASSERT_TRUE(empty_tail);
  EXPECT_EQ(drain(**empty_tail), "");
}

TEST(FileSourceTest, FailsWhenTheFileShrinksUnderIt) {
  TempDir dir;
  write_file(dir.file("f.bin"), "0123456789");
  Result<std::shared_ptr<BodySource>> source = file_source(dir.file("f.bin"), 0, 10);
  ASSERT_TRUE(source);
  ASSERT_EQ(::truncate(dir.file("f.bin").c_str(), 4), 0);
  std::array<char, 16> buffer{};
  Result<std::size_t> first = (*source)->read(buffer);
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, 4U);
  Result<std::size_t> second = (*source)->read(buffer);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().reason, "HTTP_FILE_UNREADABLE");
}

TEST(GeneratorSourceTest, HandsOutEveryPieceThenEnds) {
  std::vector<std::string> pieces = {"hello", "", ", ", "streamed world", "!"};
  std::size_t next = 0;
  Result<std::shared_ptr<BodySource>> source =
      generator_source([&]() -> Result<std::optional<std::string>> {
        if (next == pieces.size()) return std::optional<std::string>();
        return std::optional<std::string>(pieces[next++]);
      });
  ASSERT_TRUE(source);
  EXPECT_EQ((*source)->size(), std::nullopt);
  EXPECT_EQ((*source)->file_descriptor(), -1);
  EXPECT_EQ(drain(**source, 4), "hello, streamed world!");
  EXPECT_EQ(next, pieces.size());
}

TEST(GeneratorSourceTest, PassesTheGeneratorsErrorOn) {
  int calls = 0;
  Result<std::shared_ptr<BodySource>> source =
      generator_source([&]() -> Result<std::optional<std::string>> {
        if (calls++ == 0) return std::optional<std::string>("abc");
        return fail(ErrorCode::kUnavailable, "TEST_GENERATOR_FAILED", "gone");
      });
  ASSERT_TRUE(source);
  std::array<char, 8> buffer{};
  Result<std::size_t> n = (*source)->read(buffer);
  ASSERT_TRUE(n);
  EXPECT_EQ(std::string(buffer.data(), *n), "abc");
  Result<std::size_t> failed = (*source)->read(buffer);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().reason, "TEST_GENERATOR_FAILED");
}

TEST(GeneratorSourceTest, RefusesNoFunctionAndEndlessEmptyPieces) {
  Result<std::shared_ptr<BodySource>> none = generator_source(nullptr);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().reason, "HTTP_BODY_SOURCE_INVALID");
  Result<std::shared_ptr<BodySource>> empty = generator_source(
      []() -> Result<std::optional<std::string>> { return std::optional<std::string>(""); });
  ASSERT_TRUE(empty);
  std::array<char, 8> buffer{};
  Result<std::size_t> n = (*empty)->read(buffer);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().reason, "HTTP_BODY_SOURCE_INVALID");
}

// ---- serve_file

class ServeFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    content_ = "The quick brown fox jumps over the lazy dog";
    path_ = dir_.file("fox.txt");
    write_file(path_, content_);
    struct stat st {};
    ASSERT_EQ(::stat(path_.c_str(), &st), 0);
    etag_ =
        file_etag(content_.size(), int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec);
  }
  TempDir dir_;
  std::string content_;
  std::string path_;
  std::string etag_;
};

TEST_F(ServeFileTest, AnswersTheWholeFileWithItsHeaders) {
  Request req = get();
  Response res;
  serve_file(req, res, path_);
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.headers.get("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(res.headers.get("ETag"), etag_);
  EXPECT_EQ(res.headers.get("Accept-Ranges"), "bytes");
  EXPECT_FALSE(res.headers.contains("Content-Range"));
  std::optional<std::string_view> modified = res.headers.get("Last-Modified");
  ASSERT_TRUE(modified);
  EXPECT_EQ(modified->size(), 29U);  // "Sun, 06 Nov 1994 08:49:37 GMT"
  EXPECT_TRUE(modified->ends_with(" GMT"));
  EXPECT_TRUE(res.body.empty());
  ASSERT_TRUE(res.body_source);
  EXPECT_EQ(res.body_source->size(), std::optional<uint64_t>(content_.size()));
  EXPECT_EQ(drain(*res.body_source), content_);
}

TEST_F(ServeFileTest, WritesLastModifiedAsAnImfFixdate) {
  // 2001-09-09T01:46:40Z, a Sunday.
  struct timespec times[2] = {{1000000000, 0}, {1000000000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path_.c_str(), times, 0), 0);
  Request req = get();
  Response res;
  serve_file(req, res, path_);
  EXPECT_EQ(res.headers.get("Last-Modified"), "Sun, 09 Sep 2001 01:46:40 GMT");
  EXPECT_EQ(res.headers.get("ETag"), file_etag(content_.size(), 1000000000LL * 1000000000));
}

TEST_F(ServeFileTest, AnswersARangeWith206) {
  Request req = get();
  req.headers.add("Range", "bytes=4-8");
  Response res;
  serve_file(req, res, path_);
  EXPECT_EQ(res.status, 206);
  EXPECT_EQ(res.headers.get("Content-Range"), "bytes 4-8/43");
  EXPECT_EQ(res.headers.get("ETag"), etag_);
  ASSERT_TRUE(res.body_source);
  EXPECT_EQ(res.body_source->size(), std::optional<uint64_t>(5));
  EXPECT_EQ(drain(*res.body_source), "quick");

  Request suffix = get();
  suffix.headers.add("Range", "bytes=-4");
  Response tail;
  serve_file(suffix, tail, path_);
  EXPECT_EQ(tail.status, 206);
  EXPECT_EQ(tail.headers.get("Content-Range"), "bytes 39-42/43");
  EXPECT_EQ(drain(*tail.body_source), " dog");
}

TEST_F(ServeFileTest, AnswersAnUnsatisfiableRangeWith416) {
  Request req = get();
  req.headers.add("Range", "bytes=43-");
  Response res;
  serve_file(req, res, path_);
  EXPECT_EQ(res.status, 416);
  EXPECT_EQ(res.headers.get("Content-Range"), "bytes */43");
  EXPECT_EQ(res.headers.get("ETag"), etag_);
  EXPECT_EQ(res.headers.get("Content-Type"), "application/json");
  EXPECT_FALSE(res.body_source);
  EXPECT_NE(res.body.find("\"reason\":\"HTTP_RANGE_NOT_SATISFIABLE\""), std::string::npos);
}

TEST_F(ServeFileTest, SendsTheWholeFileForSeveralRanges) {
  Request req = get();
  req.headers.add("Range", "bytes=0-1,5-6");
  Response res;
  serve_file(req, res, path_);
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(drain(*res.body_source), content_);
}

TEST_F(ServeFileTest, AnswersAMatchingIfNoneMatchWith304) {
  for (const std::string& value : {etag_, "W/" + etag_, "\"other\", " + etag_, std::string("*")}) {
    Request req = get();
    req.headers.add("If-None-Match", value);
    req.headers.add("Range", "bytes=0-3");  // If-None-Match wins over Range
    Response res;
    serve_file(req, res, path_);
    EXPECT_EQ(res.status, 304) << value;
    EXPECT_EQ(res.headers.get("ETag"), etag_);
    EXPECT_FALSE(res.body_source);
    EXPECT_TRUE(res.body.empty());
  }
  Request stale = get();
  stale.headers.add("If-None-Match", "\"not-it\"");
  Response res;
  serve_file(stale, res, path_);
  EXPECT_EQ(res.status, 200);
}

TEST_F(ServeFileTest, HonorsIfRangeOnlyForTheSameStrongTag) {
  Request same = get();
  same.headers.add("Range", "bytes=0-2");
  same.headers.add("If-Range", etag_);
  Response partial;
  serve_file(same, partial, path_);
  EXPECT_EQ(partial.status, 206);
  EXPECT_EQ(drain(*partial.body_source), "The");

  for (const std::string& value :
       {std::string("\"changed\""), "W/" + etag_, std::string("Sun, 09 Sep 2001 01:46:40 GMT")}) {
    Request req = get();
    req.headers.add("Range", "bytes=0-2");
    req.headers.add("If-Range", value);
    Response res;
    serve_file(req, res, path_);
    EXPECT_EQ(res.status, 200) << value;
    EXPECT_FALSE(res.headers.contains("Content-Range"));
    EXPECT_EQ(drain(*res.body_source), content_);
  }
}

TEST_F(ServeFileTest, AnswersHeadWithTheHeadersOfGet) {
  Request req = get("HEAD");
  req.headers.add("Range", "bytes=4-8");
  Response res;
  serve_file(req, res, path_);
  EXPECT_EQ(res.status, 206);
  EXPECT_EQ(res.headers.get("Content-Range"), "bytes 4-8/43");
  ASSERT_TRUE(res.body_source);  // for Content-Length; the connection sends no body
  EXPECT_EQ(res.body_source->size(), std::optional<uint64_t>(5));
}

TEST_F(ServeFileTest, RefusesOtherMethodsWith405) {
  Request req = get("PUT");
  Response res;
  serve_file(req, res, path_);
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(res.headers.get("Allow"), "GET, HEAD");
  EXPECT_NE(res.body.find("HTTP_METHOD_NOT_ALLOWED"), std::string::npos);
  EXPECT_FALSE(res.body_source);
}

TEST_F(ServeFileTest, AnswersMissingFilesAndDirectoriesWith404) {
  for (const std::string& path : {dir_.file("missing.txt"), dir_.path().string()}) {
    Request req = get();
    Response res;
    serve_file(req, res, path);
    EXPECT_EQ(res.status, 404) << path;
    EXPECT_NE(res.body.find("\"reason\":\"HTTP_FILE_NOT_FOUND\""), std::string::npos);
    EXPECT_FALSE(res.body_source);
  }
}

TEST_F(ServeFileTest, AnswersAnUnreadableFileWith403) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads every file";
  ASSERT_EQ(::chmod(path_.c_str(), 0), 0);
  Request req = get();
  Response res;
  serve_file(req, res, path_);
  EXPECT_EQ(res.status, 403);
  EXPECT_NE(res.body.find("\"reason\":\"HTTP_FILE_UNREADABLE\""), std::string::npos);
}

TEST_F(ServeFileTest, ServesAnEmptyFileWhole) {
  write_file(dir_.file("empty.bin"), "");
  Request req = get();
  Response res;
  serve_file(req, res, dir_.file("empty.bin"));
  EXPECT_EQ(res.status, 200);
  ASSERT_TRUE(res.body_source);
  EXPECT_EQ(res.body_source->size(), std::optional<uint64_t>(0));
  Request ranged = get();
  ranged.headers.add("Range", "bytes=0-");
  Response refused;
  serve_file(ranged, refused, dir_.file("empty.bin"));
  EXPECT_EQ(refused.status, 416);
  EXPECT_EQ(refused.headers.get("Content-Range"), "bytes */0");
}

// ---- serve_from_directory

class ServeFromDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = (outer_.path() / "root").string();
    std::filesystem::create_directories(root_ + "/sub");
    write_file(root_ + "/index.html", "<p>hi</p>");
    write_file(root_ + "/sub/data.json", "{\"a\":1}");
    write_file(outer_.file("secret.txt"), "outside the root");
  }
  int status_for(std::string_view relative, std::string* body = nullptr) {
    Request req = get();
    Response res;
    serve_from_directory(req, res, root_, relative);
    if (res.status == 200 && body != nullptr && res.body_source) *body = drain(*res.body_source);
    if (res.status == 404) {
      EXPECT_NE(res.body.find("\"reason\":\"HTTP_FILE_NOT_FOUND\""), std::string::npos);
    }
    return res.status;
  }
  TempDir outer_;
  std::string root_;
};

TEST_F(ServeFromDirectoryTest, ServesFilesUnderTheRoot) {
  std::string body;
  EXPECT_EQ(status_for("index.html", &body), 200);
  EXPECT_EQ(body, "<p>hi</p>");
  EXPECT_EQ(status_for("sub/data.json", &body), 200);
  EXPECT_EQ(body, "{\"a\":1}");
  Request req = get();
  Response res;
  serve_from_directory(req, res, root_, "sub/data.json");
  EXPECT_EQ(res.headers.get("Content-Type"), "application/json");
}

TEST_F(ServeFromDirectoryTest, RefusesTraversalAndOddSegments) {
  for (std::string_view relative :
       {"../secret.txt", "sub/../../secret.txt", "sub/../index.html", "./index.html",
        "sub//data.json", "/index.html", "index.html/", "", ".", "..", "sub/.", "sub"}) {
    EXPECT_EQ(status_for(relative), 404) << relative;
  }
  EXPECT_EQ(status_for(std::string_view("index.html\0x", 12)), 404);
}

TEST_F(ServeFromDirectoryTest, RefusesSymbolicLinksThatLeaveTheRoot) {
  std::filesystem::create_symlink(outer_.file("secret.txt"), root_ + "/link.txt");
  std::filesystem::create_directory_symlink(outer_.path(), root_ + "/up");
  EXPECT_EQ(status_for("link.txt"), 404);
  EXPECT_EQ(status_for("up/secret.txt"), 404);
  // A link that stays inside the root is followed.
  std::filesystem::create_symlink(root_ + "/index.html", root_ + "/alias.html");
  std::string body;
  EXPECT_EQ(status_for("alias.html", &body), 200);
  EXPECT_EQ(body, "<p>hi</p>");
}

TEST_F(ServeFromDirectoryTest, RefusesARootThatDoesNotExist) {
  Request req = get();
  Response res;
  serve_from_directory(req, res, outer_.file("none"), "index.html");
  EXPECT_EQ(res.status, 404);
}

// ---- FileBodySink

constexpr std::string_view kAbcSha256 =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";  // FIPS 180-2 B.1
constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

TEST(FileBodySinkTest, WritesAPrivateFileAndHashesIt) {
  TempDir dir;
  Result<std::unique_ptr<FileBodySink>> sink = FileBodySink::create(dir.path().string());
  ASSERT_TRUE(sink) << sink.error().to_string();
  FileBodySink& s = **sink;
  EXPECT_EQ(std::filesystem::path(s.path()).parent_path(), dir.path());
  struct stat st {};
  ASSERT_EQ(::stat(s.path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600U);
  ASSERT_TRUE(s.write("a"));
  ASSERT_TRUE(s.write(""));
  ASSERT_TRUE(s.write("bc"));
  EXPECT_EQ(s.size(), 3U);
  ASSERT_TRUE(s.finish());
  EXPECT_EQ(s.sha256_hex(), kAbcSha256);
  EXPECT_EQ(read_file(s.path()), "abc");
  Status late = s.write("d");
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().reason, "HTTP_BODY_SINK_FAILED");
}

TEST(FileBodySinkTest, HashesAnEmptyBody) {
  TempDir dir;
  Result<std::unique_ptr<FileBodySink>> sink = FileBodySink::create(dir.path().string());
  ASSERT_TRUE(sink);
  ASSERT_TRUE((*sink)->finish());
  EXPECT_EQ((*sink)->size(), 0U);
  EXPECT_EQ((*sink)->sha256_hex(), kEmptySha256);
}

TEST(FileBodySinkTest, RemovesAnUncommittedFileWhenDestroyed) {
  TempDir dir;
  std::string path;
  {
    Result<std::unique_ptr<FileBodySink>> sink = FileBodySink::create(dir.path().string());
    ASSERT_TRUE(sink);
    ASSERT_TRUE((*sink)->write("partial upload"));
    path = (*sink)->path();
    EXPECT_TRUE(std::filesystem::exists(path));
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(FileBodySinkTest, CommitMovesTheFileAndKeepsIt) {
  TempDir dir;
  std::filesystem::create_directory(dir.path() / "final");
  std::string destination = dir.file("final/upload.bin");
  std::string temporary;
  {
    Result<std::unique_ptr<FileBodySink>> sink = FileBodySink::create(dir.path().string());
    ASSERT_TRUE(sink);
    temporary = (*sink)->path();
    ASSERT_TRUE((*sink)->write("abc"));
    Status early = (*sink)->commit(destination);
    ASSERT_FALSE(early);
    EXPECT_EQ(early.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_EQ(early.error().reason, "HTTP_BODY_SINK_FAILED");
    ASSERT_TRUE((*sink)->finish());
    Status committed = (*sink)->commit(destination);
    ASSERT_TRUE(committed) << committed.error().to_string();
    Status again = (*sink)->commit(dir.file("again.bin"));
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
  }
  EXPECT_FALSE(std::filesystem::exists(temporary));
  EXPECT_EQ(read_file(destination), "abc");
  struct stat st {};
  ASSERT_EQ(::stat(destination.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600U);
}

TEST(FileBodySinkTest, ReportsAFailedRenameAndStillCleansUp) {
  TempDir dir;
  std::string temporary;
  {
    Result<std::unique_ptr<FileBodySink>> sink = FileBodySink::create(dir.path().string());
    ASSERT_TRUE(sink);
    temporary = (*sink)->path();
    ASSERT_TRUE((*sink)->finish());
    Status s = (*sink)->commit(dir.file("no/such/dir/file"));
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, ErrorCode::kUnavailable);
    EXPECT_EQ(s.error().reason, "HTTP_BODY_SINK_FAILED");
  }
  EXPECT_FALSE(std::filesystem::exists(temporary));
}

TEST(FileBodySinkTest, RefusesADirectoryThatDoesNotExist) {
  TempDir dir;
  Result<std::unique_ptr<FileBodySink>> sink = FileBodySink::create(dir.file("missing"));
  ASSERT_FALSE(sink);
  EXPECT_EQ(sink.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(sink.error().reason, "HTTP_BODY_SINK_FAILED");
}

TEST(FileBodySinkTest, GivesEachSinkItsOwnFile) {
  TempDir dir;
  Result<std::unique_ptr<FileBodySink>> a = FileBodySink::create(dir.path().string());
  Result<std::unique_ptr<FileBodySink>> b = FileBodySink::create(dir.path().string());
  ASSERT_TRUE(a && b);
  EXPECT_NE((*a)->path(), (*b)->path());
  ASSERT_TRUE((*a)->write("one"));
  ASSERT_TRUE((*b)->write("two"));
  EXPECT_EQ(read_file((*a)->path()), "one");
  EXPECT_EQ(read_file((*b)->path()), "two");
}

}  // namespace
}  // namespace cairn::net
