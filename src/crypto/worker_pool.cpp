#include "crypto/internal/worker_pool.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <system_error>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace cairn::crypto::internal {

namespace {

// How long a worker that has just finished (or just started) polls for the next call before it
// sleeps, and how long run() polls for the last parts to finish: longer than the gap between
// back-to-back batches, short enough that an idle pool costs nothing measurable.
constexpr auto kSpin = std::chrono::microseconds(50);

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

// Polls done() for up to kSpin; true when it became true.
template <class Done>
bool spin_until(Done done) {
  const auto until = std::chrono::steady_clock::now() + kSpin;
  while (true) {
    for (int i = 0; i < 64; ++i) {
      if (done()) return true;
      cpu_relax();
    }
    if (std::chrono::steady_clock::now() >= until) return false;
  }
}

}  // namespace

WorkerPool& WorkerPool::instance() {
  static WorkerPool pool(std::max(1u, std::thread::hardware_concurrency()) - 1);
  return pool;
}

WorkerPool::WorkerPool(unsigned workers) : owner_(::getpid()) {
  workers_.reserve(workers);
  for (unsigned i = 0; i < workers; ++i) {
    try {
      workers_.emplace_back(&WorkerPool::work, this, i + 1);
    } catch (const std::system_error&) {
      break;  // out of threads: work with the ones we have (or on the caller alone)
    }
  }
}

WorkerPool::~WorkerPool() {
  if (::getpid() != owner_) {
    // A forked child has the thread objects but not the threads: nothing to join.
    for (auto& t : workers_) t.detach();
    return;
  }
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

void WorkerPool::take_parts(const std::function<void(unsigned)>& part, unsigned parts) {
  for (unsigned i = next_part_.fetch_add(1, std::memory_order_relaxed); i < parts;
       i = next_part_.fetch_add(1, std::memory_order_relaxed)) {
    part(i);
  }
}

void WorkerPool::run(unsigned parts, unsigned threads, const std::function<void(unsigned)>& part) {
  std::unique_lock run_lock(run_mu_, std::try_to_lock);
  const unsigned helpers = std::min({threads, concurrency(), parts}) - (parts > 0 ? 1 : 0);
  if (!run_lock.owns_lock() || helpers == 0 || ::getpid() != owner_) {
    for (unsigned i = 0; i < parts; ++i) part(i);
    return;
  }
  {
    std::lock_guard lock(mu_);
    part_ = &part;
    parts_ = parts;
    joinable_ = helpers;
    active_.store(0, std::memory_order_relaxed);
    next_part_.store(0, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  take_parts(part, parts);
  // Every part is taken. Close the call to workers that have not joined it, then wait for the
  // ones running a part: briefly by polling (they are about to finish), then asleep.
  {
    std::lock_guard lock(mu_);
    part_ = nullptr;
    joinable_ = 0;
  }
  if (spin_until([&] { return active_.load(std::memory_order_acquire) == 0; })) return;
  std::unique_lock lock(mu_);
  done_.wait(lock, [&] { return active_.load(std::memory_order_relaxed) == 0; });
}

void WorkerPool::work(unsigned /*index*/) {
  uint64_t seen = 0;
  while (true) {
    // Poll for the next call for a while, then sleep until one comes.
    spin_until([&] { return generation_.load(std::memory_order_acquire) != seen; });
    std::unique_lock lock(mu_);
    wake_.wait(lock, [&] { return stop_ || generation_.load(std::memory_order_relaxed) != seen; });
    if (stop_) return;
    seen = generation_.load(std::memory_order_relaxed);
    if (part_ == nullptr || joinable_ == 0) continue;  // closed, or enough threads joined
    --joinable_;
    active_.fetch_add(1, std::memory_order_relaxed);
    const std::function<void(unsigned)>* part = part_;
    const unsigned parts = parts_;
    lock.unlock();
    take_parts(*part, parts);
    lock.lock();
    if (active_.fetch_sub(1, std::memory_order_release) == 1) done_.notify_one();
  }
}

}  // namespace cairn::crypto::internal
