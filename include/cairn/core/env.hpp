// cairn::Env: where domain code gets time and randomness, so tests can fix both.
//
// Domain logic never reads the system clock or a random device directly; it asks the Env it was
// given (through EngineOptions). Env::system() is the real one. FakeEnv is a settable clock with a
// seeded, deterministic generator for tests: never use it in production, its randomness is
// predictable by design.
//
// Thread-safety: every Env implementation is safe for concurrent use (this is part of the contract
// for implementations outside cairn too). Env::system() lives for the whole program.
// Ownership: whoever creates an Env owns it and keeps it alive longer than every Engine using it.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <span>

namespace cairn {

// A point in wall-clock time, in microseconds since the Unix epoch (UTC).
using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

// Microseconds since the Unix epoch of `t`.
inline int64_t to_unix_micros(Timestamp t) noexcept { return t.time_since_epoch().count(); }
// The Timestamp `micros` microseconds after the Unix epoch.
inline Timestamp from_unix_micros(int64_t micros) noexcept {
  return Timestamp(std::chrono::microseconds(micros));
}

// The clock and the source of randomness.
class Env {
 public:
  Env() = default;
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;
  virtual ~Env() = default;

  // The current wall-clock time.
  virtual Timestamp now() = 0;

  // Fills `out` with random bytes. In Env::system() these come from the kernel CSPRNG (getrandom)
  // and are fit for keys, nonces and tokens. Never fails: a kernel that cannot supply randomness
  // aborts the process rather than hand out weak bytes.
  virtual void random_bytes(std::span<uint8_t> out) = 0;

  // The real clock and the kernel CSPRNG. Never null; lives for the whole program.
  static Env& system();
};

// A clock that moves only when told to, and a deterministic generator seeded by the caller.
// For tests only.
class FakeEnv final : public Env {
 public:
  // Starts at `start` (default 2026-01-01T00:00:00Z) with generator seed `seed`.
  explicit FakeEnv(Timestamp start = kDefaultStart, uint64_t seed = 1);

  Timestamp now() override;
  // Deterministic bytes: the same seed yields the same sequence.
  void random_bytes(std::span<uint8_t> out) override;

  // Moves the clock to `t` (backwards too: tests of clock skew need it).
  void set_now(Timestamp t);
  // Moves the clock by `d` (forward, or backward when negative), saturating at the ends of time.
  void advance(std::chrono::microseconds d);

  static constexpr Timestamp kDefaultStart{std::chrono::microseconds(1767225600LL * 1000000)};

 private:
  std::mutex mu_;
  Timestamp now_;
  uint64_t state_;
};

}  // namespace cairn
