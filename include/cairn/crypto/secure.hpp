// Handling secret bytes: comparison in constant time, wiping, and an owning buffer that wipes.
//
// Thread-safety: pure functions; a SecretBytes is used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include "cairn/core/bytes.hpp"

namespace cairn::crypto {

// True when `a` and `b` hold the same bytes. The time taken depends only on the lengths, never on
// where the contents differ: use it for MACs, tokens and hashes of secrets.
bool constant_time_equal(ByteView a, ByteView b) noexcept;

// Overwrites `bytes` with zeros in a way the compiler may not optimise away.
void secure_wipe(std::span<uint8_t> bytes) noexcept;

// Owned secret bytes (keys, seeds) that are wiped when destroyed or replaced.
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(Bytes bytes) noexcept : bytes_(std::move(bytes)) {}
  explicit SecretBytes(ByteView bytes) : bytes_(bytes.begin(), bytes.end()) {}
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&& other) noexcept : bytes_(std::move(other.bytes_)) {}
  SecretBytes& operator=(SecretBytes&& other) noexcept {
    if (this != &other) {
      secure_wipe(bytes_);
      bytes_ = std::move(other.bytes_);
    }
    return *this;
  }
  ~SecretBytes() { secure_wipe(bytes_); }

  ByteView view() const noexcept { return bytes_; }
  size_t size() const noexcept { return bytes_.size(); }
  bool empty() const noexcept { return bytes_.empty(); }

 private:
  Bytes bytes_;
};

}  // namespace cairn::crypto
