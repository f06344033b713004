#include "cairn/core/env.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace cairn {
namespace {

class SystemEnv final : public Env {
 public:
  Timestamp now() override {
    return std::chrono::time_point_cast<std::chrono::microseconds>(
        std::chrono::system_clock::now());
  }

  void random_bytes(std::span<uint8_t> out) override {
    size_t filled = 0;
    while (filled < out.size()) {
      ssize_t n = getrandom(out.data() + filled, out.size() - filled, 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        // Handing out predictable bytes for keys would be worse than stopping.
        std::fputs("cairn: getrandom() failed; refusing to continue without randomness\n", stderr);
        std::abort();
      }
      filled += static_cast<size_t>(n);
    }
  }
};

// splitmix64: tiny, fast and deterministic; good enough to make test data, useless for secrets.
uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

Env& Env::system() {
  static SystemEnv env;
  return env;
}

FakeEnv::FakeEnv(Timestamp start, uint64_t seed) : now_(start), state_(seed) {}

Timestamp FakeEnv::now() {
  std::lock_guard lock(mu_);
  return now_;
}

void FakeEnv::random_bytes(std::span<uint8_t> out) {
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < out.size(); i += 8) {
    uint64_t word = splitmix64(state_);
    for (size_t j = 0; j < 8 && i + j < out.size(); ++j) {
      out[i + j] = static_cast<uint8_t>(word >> (8 * j));
    }
  }
}

void FakeEnv::set_now(Timestamp t) {
  std::lock_guard lock(mu_);
  now_ = t;
}

void FakeEnv::advance(std::chrono::microseconds d) {
  std::lock_guard lock(mu_);
  int64_t sum = 0;
  // Saturate instead of overflowing: a test clock pushed past the end of time stays there.
  if (__builtin_add_overflow(now_.time_since_epoch().count(), d.count(), &sum)) {
    sum = d.count() > 0 ? INT64_MAX : INT64_MIN;
  }
  now_ = from_unix_micros(sum);
}

}  // namespace cairn
