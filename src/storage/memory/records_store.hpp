// The memory: backend's RecordStore: collections and records in maps under one mutex. Listings
// filter and sort the collection's records on each call (fine for the sizes memory: serves).
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "cairn/records/store.hpp"

namespace cairn::storage::memory {

class MemoryRecordStore final : public records::RecordStore {
 public:
  Result<records::CollectionSpec> define(std::string_view collection,
                                         const records::CollectionSpec& spec,
                                         Timestamp at) override;
  Result<std::optional<records::CollectionSpec>> spec(std::string_view collection) override;
  Result<std::vector<std::string>> collections() override;
  Result<std::vector<int64_t>> put(std::string_view collection,
                                   std::span<const records::RecordRow> rows, Timestamp at) override;
  Result<std::optional<records::Record>> get(std::string_view collection,
                                             std::string_view id) override;
  Status remove(std::string_view collection, std::string_view id,
                std::optional<int64_t> expected_version,
                std::span<const std::string> fields) override;
  Result<records::ListedRecords> list(std::string_view collection,
                                      const records::ListQuery& query) override;
  Result<int64_t> count(std::string_view collection, const records::Where& where) override;

 private:
  struct Stored {
    records::Record record;
    std::map<std::string, std::optional<records::FieldValue>, std::less<>> fields;
  };
  struct Collection {
    records::CollectionSpec spec;
    std::map<std::string, Stored, std::less<>> records;
  };

  std::mutex mu_;
  std::map<std::string, Collection, std::less<>> collections_;  // guarded by mu_
};

}  // namespace cairn::storage::memory
