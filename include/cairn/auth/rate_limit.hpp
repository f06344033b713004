// Rate limiting with GCRA (the generic cell rate algorithm): per key, `rate_per_second` requests
// on average with bursts of up to `burst` at once. Each key costs one stored number, its
// theoretical arrival time (TAT): a hit at time t is allowed when TAT - burst * T <= t, where
// T = 1 / rate, and then moves TAT to max(TAT, t) + T. A denied hit changes nothing and says how
// long until one would be allowed.
//
// MemoryRateLimiter keeps TATs in process memory. The engine's store-backed limiter
// (AuthService::rate_limiter) keeps them in the database, updated atomically, so limits hold
// across restarts and across processes sharing the database.
//
// Thread-safety: every RateLimiter is safe for concurrent use.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "cairn/core/env.hpp"
#include "cairn/core/result.hpp"

namespace cairn::auth {

// How fast and how bursty a key may be.
struct RateLimit {
  double rate_per_second = 1.0;  // 1e-6 (one per 11.6 days) to 1e6
  uint32_t burst = 1;            // >= 1 and at most 1e6
};

// OK for a usable limit. Errors: INVALID_ARGUMENT / AUTH_RATE_LIMIT_INVALID.
Status check_rate_limit(const RateLimit& limit);

// The bucket a client address is counted in by per-client limits and lockouts: an IPv4 address
// itself; an IPv6 address by its /64 prefix ("2001:db8:1:2::/64"), since one host commonly holds
// a whole /64 and would otherwise get 2^64 separate budgets; an IPv4-mapped IPv6 address as the
// IPv4 address. Anything else (a unix socket's "unix", "") is returned as it is.
std::string client_bucket(std::string_view address);

// OK for a key of 1 to 256 bytes. Errors: INVALID_ARGUMENT / AUTH_RATE_LIMIT_KEY_INVALID.
Status check_rate_key(std::string_view key);

// The answer to one hit.
struct RateDecision {
  bool allowed = false;
  // When denied: how long until a hit would be allowed (zero when allowed).
  std::chrono::microseconds retry_after{0};
};

// One GCRA step: given the key's stored TAT (unix microseconds, nullopt when none) and the time of
// the hit, the decision and the TAT to store (unchanged when denied).
struct GcraStep {
  RateDecision decision;
  int64_t tat = 0;
};
GcraStep gcra_step(std::optional<int64_t> tat, int64_t now_micros, const RateLimit& limit) noexcept;

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // Counts one request for `key`. Errors: AUTH_RATE_LIMIT_KEY_INVALID; the store's (store-backed
  // limiters).
  virtual Result<RateDecision> hit(std::string_view key) = 0;
  virtual const RateLimit& limit() const noexcept = 0;
};

// A limiter in process memory, with its clock from env. Keys whose TAT has passed are dropped as
// new ones arrive, so memory stays proportional to recently active keys.
class MemoryRateLimiter final : public RateLimiter {
 public:
  // Errors: those of check_rate_limit().
  static Result<std::unique_ptr<MemoryRateLimiter>> create(const RateLimit& limit,
                                                           Env& env = Env::system());

  Result<RateDecision> hit(std::string_view key) override;
  const RateLimit& limit() const noexcept override { return limit_; }
  // Keys currently remembered.
  size_t size() const;

 private:
  MemoryRateLimiter(const RateLimit& limit, Env& env) : limit_(limit), env_(env) {}
  void sweep(int64_t now);

  const RateLimit limit_;
  Env& env_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, int64_t> tat_;
  size_t sweep_at_ = 1024;
};

}  // namespace cairn::auth
