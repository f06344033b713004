// The memory: blob store: one map per tenant behind one mutex.
#include <map>
#include <mutex>

#include "content/internal/blob_backends.hpp"

namespace cairn::content::internal {
namespace {

struct StoredBlob {
  // Shared so a writer can swap in a new copy while nothing else is copied under the lock.
  std::shared_ptr<const Bytes> bytes;
  Timestamp modified;
};

class MemoryBlobStore final : public BlobStore {
 public:
  MemoryBlobStore() = default;

 protected:
  class MemoryWriter final : public Writer {
   public:
    MemoryWriter(MemoryBlobStore& store, int64_t tenant) : store_(store), tenant_(tenant) {}
    Status append(ByteView data) override {
      buffer_.insert(buffer_.end(), data.begin(), data.end());
      return ok_status();
    }
    Status commit(std::string_view id) override {
      auto bytes = std::make_shared<const Bytes>(std::move(buffer_));
      Timestamp now = Env::system().now();
      std::lock_guard lock(store_.mutex_);
      store_.tenants_[tenant_][std::string(id)] = StoredBlob{std::move(bytes), now};
      return ok_status();
    }

   private:
    MemoryBlobStore& store_;
    int64_t tenant_;
    Bytes buffer_;
  };

  Result<std::unique_ptr<Writer>> begin_put(int64_t tenant) override {
    return std::unique_ptr<Writer>(std::make_unique<MemoryWriter>(*this, tenant));
  }

  Result<Bytes> read_range(int64_t tenant, std::string_view id, uint64_t offset,
                           uint64_t length) override {
    CAIRN_ASSIGN_OR_RETURN(std::shared_ptr<const Bytes> bytes, find(tenant, id));
    if (offset > bytes->size()) return range_invalid(offset, bytes->size());
    uint64_t count = std::min<uint64_t>(length, bytes->size() - offset);
    auto first = bytes->begin() + static_cast<std::ptrdiff_t>(offset);
    return Bytes(first, first + static_cast<std::ptrdiff_t>(count));
  }

  Status read_all(int64_t tenant, std::string_view id,
                  const std::function<void(ByteView)>& sink) override {
    CAIRN_ASSIGN_OR_RETURN(std::shared_ptr<const Bytes> bytes, find(tenant, id));
    sink(*bytes);
    return ok_status();
  }

  Result<BlobInfo> stat_blob(int64_t tenant, std::string_view id) override {
    std::lock_guard lock(mutex_);
    const StoredBlob* blob = lookup(tenant, id);
    if (blob == nullptr) return blob_not_found(id);
    return BlobInfo{std::string(id), blob->bytes->size(), blob->modified};
  }

  Status remove_blob(int64_t tenant, std::string_view id) override {
    std::lock_guard lock(mutex_);
    auto blobs = tenants_.find(tenant);
    if (blobs == tenants_.end()) return ok_status();
    auto blob = blobs->second.find(id);
    if (blob != blobs->second.end()) blobs->second.erase(blob);
    if (blobs->second.empty()) tenants_.erase(blobs);
    return ok_status();
  }

  Result<std::vector<std::string>> list_blobs(int64_t tenant) override {
    std::lock_guard lock(mutex_);
    std::vector<std::string> ids;
    auto blobs = tenants_.find(tenant);
    if (blobs == tenants_.end()) return ids;
    ids.reserve(blobs->second.size());
    for (const auto& [id, blob] : blobs->second) ids.push_back(id);
    return ids;
  }

 private:
  // REQUIRES: mutex_ held.
  const StoredBlob* lookup(int64_t tenant, std::string_view id) const {
    auto blobs = tenants_.find(tenant);
    if (blobs == tenants_.end()) return nullptr;
    auto blob = blobs->second.find(id);
    return blob == blobs->second.end() ? nullptr : &blob->second;
  }

  // The bytes of a blob, kept alive past the lock by the shared pointer.
  Result<std::shared_ptr<const Bytes>> find(int64_t tenant, std::string_view id) {
    std::lock_guard lock(mutex_);
    const StoredBlob* blob = lookup(tenant, id);
    if (blob == nullptr) return blob_not_found(id);
    return blob->bytes;
  }

  std::mutex mutex_;
  std::map<int64_t, std::map<std::string, StoredBlob, std::less<>>> tenants_;
};

}  // namespace

std::unique_ptr<BlobStore> make_memory_blob_store() { return std::make_unique<MemoryBlobStore>(); }

}  // namespace cairn::content::internal
