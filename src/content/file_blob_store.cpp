// The file: blob store: Cloudillo's fs adapter layout, `<base>/<tenant>/<h0h1>/<h2h3>/<id>`.
//
// Every put goes to a fresh temporary file in the tenant's directory and is renamed into place
// only once it is complete, synced and hashed, so readers never see a partial blob and
// concurrent writers of one blob (threads or processes) only ever replace identical bytes.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <filesystem>
#include <system_error>
#include <utility>

#include "cairn/core/encoding.hpp"
#include "cairn/crypto/random.hpp"
#include "content/internal/blob_backends.hpp"
#include "core/internal/private_files.hpp"

namespace cairn::content::internal {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kTempPrefix = ".tmp-";
constexpr std::size_t kReadChunk = std::size_t{64} * 1024;

Unexpected<Error> io_error(const std::string& what, int err) {
  if (err == ENOSPC || err == EDQUOT) {
    return fail(ErrorCode::kResourceExhausted, "CONTENT_BLOB_STORE_FULL",
                what + ": " + std::system_category().message(err));
  }
  return fail(ErrorCode::kUnavailable, "CONTENT_BLOB_STORE_IO",
              what + ": " + std::system_category().message(err));
}

// A blob path holding a directory, symbolic link or device: never written by a store.
Unexpected<Error> not_a_file(const fs::path& path) {
  return fail(ErrorCode::kUnavailable, "CONTENT_BLOB_STORE_IO",
              "not a regular file: " + path.string());
}

bool is_missing(int err) { return err == ENOENT || err == ENOTDIR; }

// fsync on a directory makes the entries created or renamed in it durable.
int sync_directory(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  int err = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  return err;
}

// Creates `dir` (mode 0700) when missing; a new directory is made durable in its parent.
int ensure_directory(const fs::path& dir) {
  if (::mkdir(dir.c_str(), 0700) == 0) return sync_directory(dir.parent_path());
  return errno == EEXIST ? 0 : errno;
}

// Closes `fd` on every path out of a scope.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd = -1) : fd_(fd) {}
  ~FileDescriptor() { reset(); }
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  // Closes now; returns 0 or the errno of close.
  int reset() {
    int err = 0;
    if (fd_ >= 0 && ::close(fd_) != 0) err = errno;
    fd_ = -1;
    return err;
  }

 private:
  int fd_;
};

// A blob file open for reading, and its size.
struct OpenBlob {
  FileDescriptor fd;
  uint64_t size = 0;
};

// Opens the blob file at `path`. Symbolic links are refused: a blob is always a plain file.
Result<OpenBlob> open_blob(const fs::path& path, std::string_view id) {
  OpenBlob blob;
  blob.fd = FileDescriptor(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (blob.fd.get() < 0) {
    if (is_missing(errno)) return blob_not_found(id);
    return io_error("cannot open blob " + path.string(), errno);
  }
  struct stat st {};
  if (::fstat(blob.fd.get(), &st) != 0) return io_error("cannot stat blob " + path.string(), errno);
  if (!S_ISREG(st.st_mode)) return not_a_file(path);
  blob.size = static_cast<uint64_t>(st.st_size);
  return blob;
}

// The names in `dir` of entries of one kind (directories or regular files; symbolic links are
// neither). A missing `dir` has none.
Result<std::vector<std::string>> entries(const fs::path& dir, bool directories) {
  std::vector<std::string> names;
  DIR* handle = ::opendir(dir.c_str());
  if (handle == nullptr) {
    if (is_missing(errno)) return names;
    return io_error("cannot list " + dir.string(), errno);
  }
  for (;;) {
    errno = 0;
    // readdir is unsafe only for a DIR stream shared between threads; this one is ours alone.
    const dirent* entry = ::readdir(handle);  // NOLINT(concurrency-mt-unsafe)
    if (entry == nullptr) break;
    std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    unsigned char type = entry->d_type;
    if (type == DT_UNKNOWN) {  // some file systems do not fill d_type
      struct stat st {};
      if (::fstatat(::dirfd(handle), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
    }
    if (type == (directories ? DT_DIR : DT_REG)) names.emplace_back(name);
  }
  int err = errno;
  ::closedir(handle);
  if (err != 0) return io_error("cannot list " + dir.string(), err);
  return names;
}

// Reads up to `count` bytes at `offset` into `out`; returns how many (fewer only at the end of
// the file) or -errno.
int64_t read_at(int fd, uint8_t* out, std::size_t count, uint64_t offset) {
  std::size_t done = 0;
  while (done < count) {
    ssize_t n = ::pread(fd, out + done, count - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -errno;
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  return static_cast<int64_t>(done);
}

class FileBlobStore final : public BlobStore {
 public:
  explicit FileBlobStore(fs::path base) : base_(std::move(base)) {}

 protected:
  class FileWriter final : public Writer {
   public:
    FileWriter(int fd, fs::path temp, fs::path tenant_dir)
        : fd_(fd), temp_(std::move(temp)), tenant_dir_(std::move(tenant_dir)) {}
    ~FileWriter() override {
      fd_.reset();
      if (!committed_) ::unlink(temp_.c_str());
    }

    Status append(ByteView data) override {
      std::size_t done = 0;
      while (done < data.size()) {
        ssize_t n = ::write(fd_.get(), data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return io_error("cannot write blob file " + temp_.string(), errno);
        done += static_cast<std::size_t>(n);
      }
      return ok_status();
    }

    Status commit(std::string_view id) override {
      if (::fsync(fd_.get()) != 0) return io_error("cannot sync " + temp_.string(), errno);
      if (int err = fd_.reset(); err != 0) return io_error("cannot close " + temp_.string(), err);
      std::string_view digest = id.substr(id.find('~') + 1);
      fs::path outer = tenant_dir_ / std::string(digest.substr(0, 2));
      fs::path inner = outer / std::string(digest.substr(2, 2));
      for (const fs::path& dir : {outer, inner}) {
        if (int err = ensure_directory(dir); err != 0) {
          return io_error("cannot create blob directory " + dir.string(), err);
        }
      }
      fs::path target = inner / std::string(id);
      if (::rename(temp_.c_str(), target.c_str()) != 0) {
        return io_error("cannot move blob into " + target.string(), errno);
      }
      committed_ = true;
      // The blob is in place and whole; a failure here only means it may not survive a crash,
      // which the caller is told so that it can put again.
      if (int err = sync_directory(inner); err != 0) {
        return io_error("cannot sync blob directory " + inner.string(), err);
      }
      return ok_status();
    }

   private:
    FileDescriptor fd_;
    fs::path temp_;
    fs::path tenant_dir_;
    bool committed_ = false;
  };

  Result<std::unique_ptr<Writer>> begin_put(int64_t tenant) override {
    fs::path tenant_dir = tenant_path(tenant);
    if (int err = ensure_directory(tenant_dir); err != 0) {
      return io_error("cannot create tenant directory " + tenant_dir.string(), err);
    }
    std::array<uint8_t, 16> nonce{};
    crypto::random_bytes(nonce);
    fs::path temp = tenant_dir / (std::string(kTempPrefix) + encoding::hex_encode(nonce));
    int fd = ::open(temp.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return io_error("cannot create blob file " + temp.string(), errno);
    auto writer = std::make_unique<FileWriter>(fd, temp, tenant_dir);
    // The umask may have taken bits away from 0600, never added any; make it exact.
    if (::fchmod(fd, 0600) != 0) return io_error("cannot chmod " + temp.string(), errno);
    return std::unique_ptr<Writer>(std::move(writer));
  }

  Result<Bytes> read_range(int64_t tenant, std::string_view id, uint64_t offset,
                           uint64_t length) override {
    fs::path path = blob_path(tenant, id);
    CAIRN_ASSIGN_OR_RETURN(OpenBlob blob, open_blob(path, id));
    if (offset > blob.size) return range_invalid(offset, blob.size);
    uint64_t count = std::min(length, blob.size - offset);
    Bytes out(static_cast<std::size_t>(count));
    int64_t n = read_at(blob.fd.get(), out.data(), out.size(), offset);
    if (n < 0) return io_error("cannot read blob " + path.string(), static_cast<int>(-n));
    out.resize(static_cast<std::size_t>(n));  // shorter only if the file was cut behind our back
    return out;
  }

  Status read_all(int64_t tenant, std::string_view id,
                  const std::function<void(ByteView)>& sink) override {
    fs::path path = blob_path(tenant, id);
    CAIRN_ASSIGN_OR_RETURN(OpenBlob blob, open_blob(path, id));
    Bytes buffer(kReadChunk);
    for (uint64_t offset = 0;;) {
      int64_t n = read_at(blob.fd.get(), buffer.data(), buffer.size(), offset);
      if (n < 0) return io_error("cannot read blob " + path.string(), static_cast<int>(-n));
      if (n == 0) break;
      sink(ByteView(buffer.data(), static_cast<std::size_t>(n)));
      offset += static_cast<uint64_t>(n);
    }
    return ok_status();
  }

  Result<BlobInfo> stat_blob(int64_t tenant, std::string_view id) override {
    fs::path path = blob_path(tenant, id);
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
      if (is_missing(errno)) return blob_not_found(id);
      return io_error("cannot stat blob " + path.string(), errno);
    }
    if (!S_ISREG(st.st_mode)) return not_a_file(path);
    auto modified = std::chrono::seconds(st.st_mtim.tv_sec) +
                    std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::nanoseconds(st.st_mtim.tv_nsec));
    return BlobInfo{std::string(id), static_cast<uint64_t>(st.st_size), Timestamp(modified)};
  }

  Status remove_blob(int64_t tenant, std::string_view id) override {
    fs::path path = blob_path(tenant, id);
    if (::unlink(path.c_str()) != 0 && !is_missing(errno)) {
      return io_error("cannot remove blob " + path.string(), errno);
    }
    // Made durable so that a removed blob does not come back after a crash.
    if (int err = sync_directory(path.parent_path()); err != 0 && !is_missing(err)) {
      return io_error("cannot sync blob directory " + path.parent_path().string(), err);
    }
    return ok_status();
  }

  Result<std::vector<std::string>> list_blobs(int64_t tenant) override {
    std::vector<std::string> ids;
    fs::path tenant_dir = tenant_path(tenant);
    CAIRN_ASSIGN_OR_RETURN(std::vector<std::string> outer_names, entries(tenant_dir, true));
    for (const std::string& outer : outer_names) {
      if (outer.size() != 2) continue;
      CAIRN_ASSIGN_OR_RETURN(std::vector<std::string> inner_names,
                             entries(tenant_dir / outer, true));
      for (const std::string& inner : inner_names) {
        if (inner.size() != 2) continue;
        CAIRN_ASSIGN_OR_RETURN(std::vector<std::string> names,
                               entries(tenant_dir / outer / inner, false));
        for (std::string& name : names) {
          // Only a well-formed ID in its own shard is a blob; temporary files and strays are not.
          if (!check_id(name)) continue;
          std::string_view digest = std::string_view(name).substr(name.find('~') + 1);
          if (digest.substr(0, 2) != outer || digest.substr(2, 2) != inner) continue;
          ids.push_back(std::move(name));
        }
      }
    }
    return ids;
  }

 private:
  fs::path tenant_path(int64_t tenant) const { return base_ / std::to_string(tenant); }

  // REQUIRES: `id` passed check_id.
  fs::path blob_path(int64_t tenant, std::string_view id) const {
    std::string_view digest = id.substr(id.find('~') + 1);
    return tenant_path(tenant) / std::string(digest.substr(0, 2)) /
           std::string(digest.substr(2, 2)) / std::string(id);
  }

  fs::path base_;
};

}  // namespace

Result<std::unique_ptr<BlobStore>> open_file_blob_store(std::string_view dir) {
  std::error_code ec;
  fs::path base = fs::absolute(fs::path(std::string(dir)), ec);
  if (ec) return io_error("cannot resolve blob directory " + std::string(dir), ec.value());
  if (int err = cairn::internal::make_private_directories(base); err != 0) {
    return io_error("cannot create blob directory " + base.string(), err);
  }
  return std::unique_ptr<BlobStore>(std::make_unique<FileBlobStore>(std::move(base)));
}

}  // namespace cairn::content::internal
