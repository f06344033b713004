#include "cairn/auth/rate_limit.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace cairn::auth {

std::string client_bucket(std::string_view address) {
  std::string text(address);
  std::array<unsigned char, 16> bytes{};
  if (::inet_pton(AF_INET6, text.c_str(), bytes.data()) != 1) return text;
  static constexpr std::array<unsigned char, 12> kMapped = {0, 0, 0, 0, 0,    0,
                                                            0, 0, 0, 0, 0xff, 0xff};
  char out[INET6_ADDRSTRLEN] = {};
  if (std::equal(kMapped.begin(), kMapped.end(), bytes.begin())) {
    ::inet_ntop(AF_INET, bytes.data() + 12, out, sizeof out);
    return out;
  }
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  ::inet_ntop(AF_INET6, bytes.data(), out, sizeof out);
  return std::string(out) + "/64";
}

Status check_rate_limit(const RateLimit& limit) {
  // The bounds keep interval * burst (at most 1e12 us * 1e6) inside int64 microseconds.
  if (!std::isfinite(limit.rate_per_second) || limit.rate_per_second < 1e-6 ||
      limit.rate_per_second > 1e6 || limit.burst < 1 || limit.burst > 1000000) {
    return fail(ErrorCode::kInvalidArgument, "AUTH_RATE_LIMIT_INVALID",
                "a rate limit needs 1e-6 <= rate_per_second <= 1e6 and 1 <= burst <= 1e6");
  }
  return ok_status();
}

Status check_rate_key(std::string_view key) {
  if (key.empty() || key.size() > 256) {
    return fail(ErrorCode::kInvalidArgument, "AUTH_RATE_LIMIT_KEY_INVALID",
                "a rate limit key is 1 to 256 bytes");
  }
  return ok_status();
}

GcraStep gcra_step(std::optional<int64_t> tat, int64_t now_micros,
                   const RateLimit& limit) noexcept {
  // Emission interval T in microseconds (at least 1, so a huge rate still moves TAT).
  auto interval = std::max<int64_t>(1, std::llround(1e6 / limit.rate_per_second));
  int64_t current = tat ? std::max(*tat, now_micros) : now_micros;
  int64_t next = current + interval;
  int64_t allow_at = next - interval * static_cast<int64_t>(limit.burst);
  GcraStep step;
  if (allow_at > now_micros) {
    step.decision.allowed = false;
    step.decision.retry_after = std::chrono::microseconds(allow_at - now_micros);
    step.tat = tat.value_or(now_micros);
  } else {
    step.decision.allowed = true;
    step.tat = next;
  }
  return step;
}

Result<std::unique_ptr<MemoryRateLimiter>> MemoryRateLimiter::create(const RateLimit& limit,
                                                                     Env& env) {
  CAIRN_TRY(check_rate_limit(limit));
  return std::unique_ptr<MemoryRateLimiter>(new MemoryRateLimiter(limit, env));
}

Result<RateDecision> MemoryRateLimiter::hit(std::string_view key) {
  CAIRN_TRY(check_rate_key(key));
  int64_t now = to_unix_micros(env_.now());
  std::lock_guard lock(mu_);
  auto it = tat_.find(std::string(key));
  std::optional<int64_t> stored;
  if (it != tat_.end()) stored = it->second;
  GcraStep step = gcra_step(stored, now, limit_);
  if (step.decision.allowed) {
    if (it != tat_.end()) {
      it->second = step.tat;
    } else {
      tat_.emplace(std::string(key), step.tat);
      if (tat_.size() >= sweep_at_) sweep(now);
    }
  }
  return step.decision;
}

size_t MemoryRateLimiter::size() const {
  std::lock_guard lock(mu_);
  return tat_.size();
}

void MemoryRateLimiter::sweep(int64_t now) {
  // A TAT at or before now is the same as no entry: the key starts afresh either way.
  std::erase_if(tat_, [now](const auto& entry) { return entry.second <= now; });
  sweep_at_ = std::max<size_t>(1024, tat_.size() * 2);
}

}  // namespace cairn::auth
