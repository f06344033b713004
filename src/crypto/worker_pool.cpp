#include "crypto/internal/worker_pool.hpp"

#include <unistd.h>

#include <algorithm>
#include <system_error>

namespace cairn::crypto::internal {

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
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

void WorkerPool::run(unsigned parts, const std::function<void(unsigned)>& part) {
  std::unique_lock run_lock(run_mu_, std::try_to_lock);
  if (!run_lock.owns_lock() || parts <= 1 || workers_.empty() || ::getpid() != owner_) {
    for (unsigned i = 0; i < parts; ++i) part(i);
    return;
  }
  // Parts beyond the pool's size run on the caller after its own.
  unsigned pooled = std::min(parts, concurrency());
  {
    std::lock_guard lock(mu_);
    part_ = &part;
    parts_ = pooled;
    pending_ = pooled - 1;
    ++generation_;
  }
  wake_.notify_all();
  part(0);
  for (unsigned i = pooled; i < parts; ++i) part(i);
  std::unique_lock lock(mu_);
  done_.wait(lock, [&] { return pending_ == 0; });
  part_ = nullptr;
}

void WorkerPool::work(unsigned index) {
  uint64_t seen = 0;
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
    if (stop_) return;
    seen = generation_;
    if (index >= parts_) continue;
    const std::function<void(unsigned)>* part = part_;
    lock.unlock();
    (*part)(index);
    lock.lock();
    if (--pending_ == 0) done_.notify_one();
  }
}

}  // namespace cairn::crypto::internal
