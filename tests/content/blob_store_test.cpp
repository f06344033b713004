// BlobStore: the same behaviour on memory: and file:, then what only the file layout promises.
#include "cairn/content/blob_store.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "cairn/content/id.hpp"
#include "support/temp_dir.hpp"

namespace cairn::testing {
namespace {

namespace fs = std::filesystem;
using content::BlobReader;
using content::BlobStore;

// Computed independently with Debian's Python:
//   python3 -c "import hashlib,base64;print('b1~'+base64.urlsafe_b64encode(
//       hashlib.sha256(b'hello world').digest()).rstrip(b'=').decode())"
constexpr std::string_view kHelloWorldId = "b1~uU0nuZNNPgilLlLX2n2r-sSE7-N6U4DukIj3rOLvzek";
// The same for b'' (the empty blob).
constexpr std::string_view kEmptyId = "b1~47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU";

// Bytes that are not all alike, so a misplaced chunk changes the hash.
Bytes pattern(std::size_t size) {
  Bytes out(size);
  uint32_t x = 2463534242u;
  for (auto& b : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b = static_cast<uint8_t>(x);
  }
  return out;
}

// A reader handing out `data` in pieces of the sizes in `sizes`, cycling, never more than the
// buffer holds.
BlobReader chunked(ByteView data, std::vector<std::size_t> sizes) {
  auto position = std::make_shared<std::size_t>(0);
  auto turn = std::make_shared<std::size_t>(0);
  return [data, sizes, position, turn](std::span<uint8_t> buffer) -> Result<std::size_t> {
    std::size_t want = sizes[(*turn)++ % sizes.size()];
    std::size_t n = std::min({want, buffer.size(), data.size() - *position});
    std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(*position), n, buffer.begin());
    *position += n;
    return n;
  };
}

// Every regular file below `dir` (blobs and temporary files alike).
std::vector<fs::path> regular_files(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  return files;
}

struct BlobBackend {
  std::string name;
  bool on_disk;
};

class BlobStoreConformance : public ::testing::TestWithParam<BlobBackend> {
 protected:
  void SetUp() override {
    auto opened = BlobStore::open(uri());
    ASSERT_TRUE(opened) << opened.error().to_string();
    store_ = std::move(*opened);
  }

  std::string uri() const {
    return GetParam().on_disk ? "file:" + dir_.file("blobs") : std::string("memory:");
  }
  BlobStore& store() { return *store_; }
  // Regular files the store left on disk (none for memory:).
  std::size_t files_on_disk() const {
    return GetParam().on_disk ? regular_files(dir_.path()).size() : 0;
  }

 private:
  TempDir dir_;
  std::unique_ptr<BlobStore> store_;
};

TEST_P(BlobStoreConformance, PutReturnsTheIndependentlyComputedId) {
  auto id = store().put(0, as_bytes("hello world"));
  ASSERT_TRUE(id) << id.error().to_string();
  EXPECT_EQ(*id, kHelloWorldId);
  EXPECT_EQ(*id, content::blob_id(std::string_view("hello world")));
  auto got = store().get(0, kHelloWorldId);
  ASSERT_TRUE(got) << got.error().to_string();
  EXPECT_EQ(to_string(*got), "hello world");

  auto empty = store().put(0, ByteView());
  ASSERT_TRUE(empty);
  EXPECT_EQ(*empty, kEmptyId);
  EXPECT_TRUE(store().get(0, kEmptyId)->empty());
}

TEST_P(BlobStoreConformance, PutOfAStoredBlobSucceedsAgain) {
  ASSERT_TRUE(store().put(3, as_bytes("hello world")));
  auto again = store().put(3, as_bytes("hello world"), kHelloWorldId);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, kHelloWorldId);
  EXPECT_EQ(*store().list(3), std::vector<std::string>{std::string(kHelloWorldId)});
}

TEST_P(BlobStoreConformance, StreamingInOddChunksEqualsOneShot) {
  Bytes data = pattern(300'000);
  std::string one_shot = content::blob_id(ByteView(data));
  auto streamed = store().put_stream(1, chunked(data, {1, 7, 4093, 65'536, 13, 100'003}));
  ASSERT_TRUE(streamed) << streamed.error().to_string();
  EXPECT_EQ(*streamed, one_shot);
  EXPECT_EQ(*store().get(1, one_shot), data);

  auto with_expected = store().put_stream(1, chunked(data, {999}), one_shot);
  ASSERT_TRUE(with_expected);
  EXPECT_EQ(*with_expected, one_shot);

  auto empty = store().put_stream(1, chunked(ByteView(), {5}));
  ASSERT_TRUE(empty);
  EXPECT_EQ(*empty, kEmptyId);
}

TEST_P(BlobStoreConformance, MismatchStoresNothing) {
  // The right digest under another prefix is still not this blob's ID.
  std::string wrong_prefix = "f" + std::string(kHelloWorldId.substr(1));
  for (std::string_view expected : {kEmptyId, std::string_view(wrong_prefix)}) {
    auto r = store().put(0, as_bytes("hello world"), expected);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kDataLoss);
    EXPECT_EQ(r.error().reason, "CONTENT_HASH_MISMATCH");

    Bytes data = pattern(200'000);
    auto s = store().put_stream(0, chunked(data, {70'000}), expected);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, ErrorCode::kDataLoss);
    EXPECT_EQ(s.error().reason, "CONTENT_HASH_MISMATCH");
  }
  EXPECT_TRUE(store().list(0)->empty());
  EXPECT_FALSE(*store().exists(0, kHelloWorldId));
  EXPECT_EQ(files_on_disk(), 0u);
}

TEST_P(BlobStoreConformance, ReaderErrorIsReturnedAndStoresNothing) {
  int calls = 0;
  BlobReader failing = [&](std::span<uint8_t> buffer) -> Result<std::size_t> {
    if (++calls == 3) return fail(ErrorCode::kCancelled, "TEST_READ_FAILED", "stop");
    std::fill(buffer.begin(), buffer.end(), uint8_t{7});
    return buffer.size();
  };
  auto r = store().put_stream(0, failing);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kCancelled);
  EXPECT_EQ(r.error().reason, "TEST_READ_FAILED");
  EXPECT_TRUE(store().list(0)->empty());
  EXPECT_EQ(files_on_disk(), 0u);
}

TEST_P(BlobStoreConformance, ReaderClaimingMoreThanItsBufferIsRejected) {
  BlobReader lying = [](std::span<uint8_t> buffer) -> Result<std::size_t> {
    return buffer.size() + 1;
  };
  auto r = store().put_stream(0, lying);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().reason, "CONTENT_STREAM_INVALID");
  EXPECT_EQ(files_on_disk(), 0u);
}

TEST_P(BlobStoreConformance, RangesAreCutAtTheEnd) {
  auto id = *store().put(0, as_bytes("0123456789"));
  EXPECT_EQ(to_string(*store().get_range(0, id, 2, 3)), "234");
  EXPECT_EQ(to_string(*store().get_range(0, id, 7, 100)), "789");
  EXPECT_EQ(to_string(*store().get_range(0, id, 0, UINT64_MAX)), "0123456789");
  EXPECT_EQ(to_string(*store().get_range(0, id, 4, 0)), "");
  auto at_end = store().get_range(0, id, 10, 5);
  ASSERT_TRUE(at_end);
  EXPECT_TRUE(at_end->empty());
  for (uint64_t offset : {uint64_t{11}, UINT64_MAX}) {
    auto past = store().get_range(0, id, offset, 1);
    ASSERT_FALSE(past);
    EXPECT_EQ(past.error().code, ErrorCode::kOutOfRange);
    EXPECT_EQ(past.error().reason, "CONTENT_RANGE_INVALID");
  }
}

TEST_P(BlobStoreConformance, MissingBlobIsNotFound) {
  auto get = store().get(0, kHelloWorldId);
  ASSERT_FALSE(get);
  EXPECT_EQ(get.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(get.error().reason, "CONTENT_BLOB_NOT_FOUND");
  EXPECT_EQ(store().get_range(0, kHelloWorldId, 0, 1).error().reason, "CONTENT_BLOB_NOT_FOUND");
  EXPECT_EQ(store().stat(0, kHelloWorldId).error().reason, "CONTENT_BLOB_NOT_FOUND");
  EXPECT_EQ(store().verify(0, kHelloWorldId).error().reason, "CONTENT_BLOB_NOT_FOUND");
  auto exists = store().exists(0, kHelloWorldId);
  ASSERT_TRUE(exists);
  EXPECT_FALSE(*exists);
}

TEST_P(BlobStoreConformance, StatReportsSizeAndTime) {
  Bytes data = pattern(12'345);
  auto id = *store().put(9, data);
  auto info = store().stat(9, id);
  ASSERT_TRUE(info) << info.error().to_string();
  EXPECT_EQ(info->id, id);
  EXPECT_EQ(info->size, 12'345u);
  auto age = Env::system().now() - info->modified;
  EXPECT_GE(age, std::chrono::seconds(-5));
  EXPECT_LE(age, std::chrono::minutes(5));
  EXPECT_TRUE(*store().exists(9, id));
}

TEST_P(BlobStoreConformance, RemoveIsIdempotent) {
  auto id = *store().put(0, as_bytes("hello world"));
  ASSERT_TRUE(store().remove(0, id));
  EXPECT_FALSE(*store().exists(0, id));
  EXPECT_EQ(store().get(0, id).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(store().remove(0, id));
  EXPECT_TRUE(store().remove(12, id));  // a tenant that never stored anything
  EXPECT_TRUE(store().list(0)->empty());
  EXPECT_EQ(*store().put(0, as_bytes("hello world")), id);  // can come back
}

TEST_P(BlobStoreConformance, ListIsSortedAndPerTenant) {
  std::vector<std::string> ids;
  for (int i = 0; i < 40; ++i) ids.push_back(*store().put(5, pattern(static_cast<std::size_t>(i))));
  ASSERT_TRUE(store().put(6, as_bytes("hello world")));
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(*store().list(5), ids);
  EXPECT_EQ(*store().list(6), std::vector<std::string>{std::string(kHelloWorldId)});
  EXPECT_TRUE(store().list(7)->empty());
  // Tenants are separate even for identical bytes.
  EXPECT_FALSE(*store().exists(5, kHelloWorldId));
  ASSERT_TRUE(store().remove(6, kHelloWorldId));
  EXPECT_EQ(store().list(5)->size(), 40u);
}

TEST_P(BlobStoreConformance, RejectsIdsThatAreNotContentIds) {
  const std::string nul("b1~uU0nuZNNPgilLlLX2n2r-sSE7-N6U4DukIj3rOLvze\0k", 47);
  std::vector<std::string> bad = {"",
                                  "f1~../../etc/passwd",
                                  "f1~ab/cd/evil",
                                  "/etc/passwd",
                                  "../b1~uU0nuZNNPgilLlLX2n2r-sSE7-N6U4DukIj3rOLvzek",
                                  "b1~uU0nuZNNPgilLlLX2n2r-sSE7-N6U4DukIj3rOLvzek/..",
                                  "b1~uU0nuZNNPgilLlLX2n2r-sSE7-N6U4DukIj3rOLvzek=",
                                  "b1~uU0nuZNNPgilLlLX2n2r+sSE7/N6U4DukIj3rOLvzek",
                                  "b1~abcd",
                                  "1~uU0nuZNNPgilLlLX2n2r-sSE7-N6U4DukIj3rOLvzek",
                                  "b1uU0nuZNNPgilLlLX2n2r-sSE7-N6U4DukIj3rOLvzek",
                                  nul,
                                  std::string(300, 'b')};
  ASSERT_TRUE(store().put(0, as_bytes("hello world")));
  for (const std::string& id : bad) {
    SCOPED_TRACE(id);
    auto get = store().get(0, id);
    ASSERT_FALSE(get);
    EXPECT_EQ(get.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(get.error().reason, "CONTENT_ID_MALFORMED");
    EXPECT_EQ(store().get_range(0, id, 0, 1).error().reason, "CONTENT_ID_MALFORMED");
    EXPECT_EQ(store().stat(0, id).error().reason, "CONTENT_ID_MALFORMED");
    EXPECT_EQ(store().exists(0, id).error().reason, "CONTENT_ID_MALFORMED");
    EXPECT_EQ(store().remove(0, id).error().reason, "CONTENT_ID_MALFORMED");
    EXPECT_EQ(store().verify(0, id).error().reason, "CONTENT_ID_MALFORMED");
    EXPECT_EQ(store().put(0, as_bytes("x"), id).error().reason, "CONTENT_ID_MALFORMED");
    EXPECT_EQ(store().put_stream(0, chunked(as_bytes("x"), {1}), id).error().reason,
              "CONTENT_ID_MALFORMED");
  }
  EXPECT_EQ(store().list(0)->size(), 1u);
}

TEST_P(BlobStoreConformance, RejectsUnknownIdVersions) {
  std::string id = "b999~" + std::string(kHelloWorldId.substr(3));
  auto r = store().get(0, id);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().reason, "CONTENT_ID_VERSION_UNKNOWN");
  EXPECT_EQ(store().put(0, as_bytes("hello world"), id).error().reason,
            "CONTENT_ID_VERSION_UNKNOWN");
}

TEST_P(BlobStoreConformance, AcceptsIdsOfAnyPrefixForReads) {
  std::string file_id = content::file_id("d2,orig:b1~x:f=png:s=1:r=1x1");
  auto r = store().get(0, file_id);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, "CONTENT_BLOB_NOT_FOUND");
  EXPECT_TRUE(store().remove(0, file_id));
  EXPECT_FALSE(*store().exists(0, file_id));
}

TEST_P(BlobStoreConformance, RejectsNegativeTenants) {
  auto put = store().put(-1, as_bytes("hello world"));
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(put.error().reason, "CONTENT_TENANT_INVALID");
  EXPECT_EQ(store().put_stream(-1, chunked(as_bytes("x"), {1})).error().reason,
            "CONTENT_TENANT_INVALID");
  EXPECT_EQ(store().get(-1, kHelloWorldId).error().reason, "CONTENT_TENANT_INVALID");
  EXPECT_EQ(store().get_range(-1, kHelloWorldId, 0, 1).error().reason, "CONTENT_TENANT_INVALID");
  EXPECT_EQ(store().stat(-1, kHelloWorldId).error().reason, "CONTENT_TENANT_INVALID");
  EXPECT_EQ(store().exists(-1, kHelloWorldId).error().reason, "CONTENT_TENANT_INVALID");
  EXPECT_EQ(store().remove(-1, kHelloWorldId).error().reason, "CONTENT_TENANT_INVALID");
  EXPECT_EQ(store().list(INT64_MIN).error().reason, "CONTENT_TENANT_INVALID");
  EXPECT_EQ(store().verify(-1, kHelloWorldId).error().reason, "CONTENT_TENANT_INVALID");
  EXPECT_EQ(files_on_disk(), 0u);
  EXPECT_TRUE(store().put(INT64_MAX, as_bytes("hello world")));
}

TEST_P(BlobStoreConformance, VerifyAcceptsAnIntactBlob) {
  auto id = *store().put(0, pattern(100'000));
  EXPECT_TRUE(store().verify(0, id));
  auto empty = *store().put(0, ByteView());
  EXPECT_TRUE(store().verify(0, empty));
}

TEST_P(BlobStoreConformance, ConcurrentPutsOfOneBlobAllSucceed) {
  Bytes data = pattern(256 * 1024);
  std::string expected = content::blob_id(ByteView(data));
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      auto r = t % 2 == 0 ? store().put(0, data)
                          : store().put_stream(0, chunked(data, {4096 + static_cast<size_t>(t)}));
      if (r && *r == expected) ++ok;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(*store().list(0), std::vector<std::string>{expected});
  EXPECT_EQ(*store().get(0, expected), data);
  if (GetParam().on_disk) {
    EXPECT_EQ(files_on_disk(), 1u);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, BlobStoreConformance,
                         ::testing::Values(BlobBackend{"memory", false}, BlobBackend{"file", true}),
                         [](const auto& test_param) { return test_param.param.name; });

// What only the file: backend promises: Cloudillo's layout, private modes, durability across
// reopening, and scrubbing.
class FileBlobStoreTest : public ::testing::Test {
 protected:
  fs::path base() const { return dir_.path() / "blobs"; }
  std::unique_ptr<BlobStore> open() {
    auto store = BlobStore::open("file:" + base().string());
    EXPECT_TRUE(store) << store.error().to_string();
    return store ? std::move(*store) : nullptr;
  }
  static unsigned mode_of(const fs::path& path) {
    struct stat st {};
    EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
    return st.st_mode & 07777;
  }

  TempDir dir_;
};

TEST_F(FileBlobStoreTest, UsesCloudilloShardPathsAndPrivateModes) {
  mode_t old_umask = ::umask(0);  // the store must not depend on the caller's umask
  auto store = open();
  auto id = store->put(42, as_bytes("hello world"));
  ::umask(old_umask);
  ASSERT_TRUE(id);
  // hash = "uU0nuZ...": shards "uU" and "0n".
  fs::path file = base() / "42" / "uU" / "0n" / std::string(kHelloWorldId);
  ASSERT_TRUE(fs::is_regular_file(file));
  EXPECT_EQ(regular_files(dir_.path()), std::vector<fs::path>{file});
  EXPECT_EQ(mode_of(file), 0600u);
  EXPECT_EQ(mode_of(base()), 0700u);
  EXPECT_EQ(mode_of(base() / "42"), 0700u);
  EXPECT_EQ(mode_of(base() / "42" / "uU"), 0700u);
  EXPECT_EQ(mode_of(base() / "42" / "uU" / "0n"), 0700u);
  std::ifstream in(file, std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "hello world");
}

TEST_F(FileBlobStoreTest, BlobsSurviveReopening) {
  auto id = *open()->put(0, pattern(5000));
  auto again = open();
  EXPECT_EQ(*again->get(0, id), pattern(5000));
  EXPECT_EQ(*again->list(0), std::vector<std::string>{id});
}

TEST_F(FileBlobStoreTest, VerifyDetectsATamperedFile) {
  auto store = open();
  auto id = *store->put(0, as_bytes("hello world"));
  ASSERT_TRUE(store->verify(0, id));
  fs::path file = base() / "0" / "uU" / "0n" / id;
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << "hello World";
  }
  // Reads do not re-hash (documented); verify does.
  EXPECT_EQ(to_string(*store->get(0, id)), "hello World");
  auto r = store->verify(0, id);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kDataLoss);
  EXPECT_EQ(r.error().reason, "CONTENT_HASH_MISMATCH");
  // Putting the blob again repairs it.
  ASSERT_TRUE(store->put(0, as_bytes("hello world")));
  EXPECT_TRUE(store->verify(0, id));
}

TEST_F(FileBlobStoreTest, ListSkipsTemporaryFilesAndStrays) {
  auto store = open();
  auto id = *store->put(0, as_bytes("hello world"));
  std::ofstream(base() / "0" / ".tmp-0123456789abcdef") << "partial";
  std::ofstream(base() / "0" / "uU" / "0n" / "notes.txt") << "stray";
  // A well-formed ID in the wrong shard is not a blob either.
  fs::create_directories(base() / "0" / "zz" / "zz");
  std::ofstream(base() / "0" / "zz" / "zz" / std::string(kEmptyId)) << "";
  EXPECT_EQ(*store->list(0), std::vector<std::string>{id});
}

TEST_F(FileBlobStoreTest, SymbolicLinksAreNotBlobs) {
  auto store = open();
  fs::path outside = dir_.path() / "secret";
  std::ofstream(outside) << "hello world";
  fs::create_directories(base() / "0" / "uU" / "0n");
  fs::create_symlink(outside, base() / "0" / "uU" / "0n" / std::string(kHelloWorldId));
  auto r = store->get(0, kHelloWorldId);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, "CONTENT_BLOB_STORE_IO");
  EXPECT_TRUE(store->list(0)->empty());
}

TEST_F(FileBlobStoreTest, ConcurrentProcessesPutOneBlob) {
  Bytes data = pattern(128 * 1024);
  std::string expected = content::blob_id(ByteView(data));
  ASSERT_TRUE(open());  // creates the base directory before the race
  std::vector<pid_t> children;
  for (int i = 0; i < 4; ++i) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto store = BlobStore::open("file:" + base().string());
      bool good = true;
      for (int round = 0; round < 5 && good; ++round) {
        auto r = store ? (*store)->put(0, data) : Result<std::string>(fail(store.error()));
        good = r && *r == expected;
      }
      ::_exit(good ? 0 : 1);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  EXPECT_EQ(regular_files(dir_.path()).size(), 1u);
  EXPECT_EQ(*open()->get(0, expected), data);
}

TEST(BlobStoreOpenTest, AcceptsMemoryAndFileUris) {
  TempDir dir;
  EXPECT_TRUE(BlobStore::open("memory:"));
  auto url_form = BlobStore::open("file://" + dir.file("a/b"));
  ASSERT_TRUE(url_form) << url_form.error().to_string();
  EXPECT_TRUE(fs::is_directory(dir.path() / "a" / "b"));
  fs::path relative = fs::relative(dir.path() / "rel", fs::current_path());
  ASSERT_TRUE(relative.is_relative());
  auto rel = BlobStore::open("file:" + relative.string());
  ASSERT_TRUE(rel) << rel.error().to_string();
  ASSERT_TRUE((*rel)->put(0, as_bytes("hello world")));
  EXPECT_TRUE(fs::is_regular_file(dir.path() / "rel" / "0" / "uU" / "0n" / kHelloWorldId));
}

TEST(BlobStoreOpenTest, RejectsOtherUris) {
  for (std::string_view uri :
       {std::string_view(""), std::string_view("memory"), std::string_view("memory:x"),
        std::string_view("file:"), std::string_view("file://"), std::string_view("file://host/x"),
        std::string_view("s3://bucket/x"), std::string_view("sqlite:blobs.db"),
        std::string_view("/abs/dir"), std::string_view("file:/tmp/a\0b", 13),
        std::string_view("file:/tmp/\xff")}) {
    auto r = BlobStore::open(uri);
    ASSERT_FALSE(r) << uri;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().reason, "CONTENT_BLOB_STORE_URI_INVALID");
  }
}

TEST(BlobStoreOpenTest, AFileInTheWayIsAnIoError) {
  TempDir dir;
  std::ofstream(dir.file("plain")) << "x";
  auto r = BlobStore::open("file:" + dir.file("plain"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(r.error().reason, "CONTENT_BLOB_STORE_IO");
}

}  // namespace
}  // namespace cairn::testing
