#include "cairn/jobs/retry.hpp"

#include <algorithm>
#include <array>

namespace cairn::jobs {

Status check_retry_policy(const RetryPolicy& policy) {
  constexpr auto kMaxDelay = std::chrono::milliseconds(std::chrono::hours(24 * 30));
  if (policy.min_delay.count() < 0 || policy.max_delay < policy.min_delay ||
      policy.max_delay > kMaxDelay || policy.attempts < 1 || policy.attempts > 1000) {
    return fail(ErrorCode::kInvalidArgument, "JOB_RETRY_POLICY_INVALID",
                "a retry policy needs 0 <= min_delay <= max_delay <= 30 days and 1 to 1000 "
                "attempts");
  }
  return ok_status();
}

std::chrono::milliseconds backoff(const RetryPolicy& policy, int32_t attempt) noexcept {
  if (attempt < 0) attempt = 0;
  int64_t delay = policy.min_delay.count();
  // Doubling stops as soon as the cap is reached, so nothing overflows.
  for (int32_t i = 0; i < attempt && delay < policy.max_delay.count(); ++i) {
    delay = delay == 0 ? 0 : delay * 2;
  }
  return std::chrono::milliseconds(std::min(delay, policy.max_delay.count()));
}

std::chrono::milliseconds backoff(const RetryPolicy& policy, int32_t attempt, Env& env) {
  std::chrono::milliseconds full = backoff(policy, attempt);
  if (!policy.jitter || full.count() < 2) return full;
  std::array<uint8_t, 8> bytes{};
  env.random_bytes(bytes);
  uint64_t r = 0;
  for (uint8_t b : bytes) r = (r << 8) | b;
  auto half = static_cast<uint64_t>(full.count() / 2);
  return std::chrono::milliseconds(
      static_cast<int64_t>(half + r % (static_cast<uint64_t>(full.count()) - half + 1)));
}

}  // namespace cairn::jobs
