// Retry policies: exponential backoff with an optional jitter.
//
//   delay(attempt) = min(min_delay * 2^attempt, max_delay)     (attempt counts from 0)
//
// With jitter, the delay is drawn uniformly from [delay / 2, delay] ("equal jitter"): retries of
// many tasks that failed together spread out, and no retry comes sooner than half the backoff.
//
// Thread-safety: pure functions (the Env is safe for concurrent use).
#pragma once

#include <chrono>
#include <cstdint>

#include "cairn/core/env.hpp"
#include "cairn/core/result.hpp"

namespace cairn::jobs {

struct RetryPolicy {
  std::chrono::milliseconds min_delay{1000};
  std::chrono::milliseconds max_delay{std::chrono::minutes(10)};
  int32_t attempts = 5;  // runs in all, the first included; 1 means never retry
  bool jitter = false;
};

// OK for 0 <= min_delay <= max_delay <= 30 days and 1 <= attempts <= 1000. Errors:
// INVALID_ARGUMENT / JOB_RETRY_POLICY_INVALID.
Status check_retry_policy(const RetryPolicy& policy);

// The delay before retry number `attempt` (0 for the first retry), without jitter.
std::chrono::milliseconds backoff(const RetryPolicy& policy, int32_t attempt) noexcept;

// The same with the policy's jitter applied, drawing randomness from `env`.
std::chrono::milliseconds backoff(const RetryPolicy& policy, int32_t attempt, Env& env);

}  // namespace cairn::jobs
