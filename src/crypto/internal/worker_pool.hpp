// A process-wide pool of worker threads for splitting one call's work across cores.
//
// Why not start threads per call: on this kind of VM starting and joining a thread costs tens of
// microseconds, a large share of a batch that takes a few hundred. Workers wait on a condition
// variable between calls; the calling thread always takes part 0 itself.
//
// Thread-safety: run() may be called from any thread. While one run() is in progress, a
// concurrent caller does all its parts itself instead of waiting for the pool. In a child process
// after fork() (which copies the pool but not its threads) run() does every part itself.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace cairn::crypto::internal {

class WorkerPool {
 public:
  // The shared pool, with one worker per core beyond the first, started on first use.
  static WorkerPool& instance();

  // How many parts run() can run at once (workers + the calling thread).
  unsigned concurrency() const { return static_cast<unsigned>(workers_.size()) + 1; }

  // Calls part(i) for every i in [0, parts) and returns when all have returned. REQUIRES: part
  // does not throw.
  void run(unsigned parts, const std::function<void(unsigned)>& part);

  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  ~WorkerPool();

 private:
  explicit WorkerPool(unsigned workers);
  void work(unsigned index);

  std::mutex run_mu_;  // one run() uses the workers at a time
  std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable done_;
  const std::function<void(unsigned)>* part_ = nullptr;
  unsigned parts_ = 0;
  unsigned pending_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
  std::vector<std::thread> workers_;
  const pid_t owner_;  // the process whose threads these are
};

}  // namespace cairn::crypto::internal
