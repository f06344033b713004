// A process-wide pool of worker threads for splitting one call's work across cores.
//
// Why not start threads per call: on this kind of VM starting and joining a thread costs tens of
// microseconds, a large share of a batch that takes a few hundred. Workers wait between calls.
//
// How a call is shared: run() cuts the work into many small parts and the calling thread starts
// on them at once; each worker that joins takes the next part from a shared counter until none
// is left. So a worker that wakes late costs only the parts it did not take, not a whole share,
// and the call never waits for a worker that has not joined (it withdraws the call from workers
// that have not taken it yet). A worker that has just finished spins for a short while
// (kSpin, 50 µs) before it sleeps, so back-to-back calls find it awake; waking a sleeping thread
// costs several to tens of microseconds on this VM.
//
// Thread-safety: run() may be called from any thread. While one run() is in progress, a
// concurrent caller does all its parts itself instead of waiting for the pool. In a child process
// after fork() (which copies the pool but not its threads) run() does every part itself.
#pragma once

#include <sys/types.h>

#include <atomic>
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

  // How many threads run() can use at once (workers + the calling thread).
  unsigned concurrency() const { return static_cast<unsigned>(workers_.size()) + 1; }

  // Calls part(i) once for every i in [0, parts), on up to `threads` threads (the calling thread
  // and threads - 1 workers), and returns when all have returned. Parts are handed out in order,
  // one at a time, so they should be small and many (a few microseconds of work each). REQUIRES:
  // part does not throw.
  void run(unsigned parts, unsigned threads, const std::function<void(unsigned)>& part);

  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  ~WorkerPool();

 private:
  explicit WorkerPool(unsigned workers);
  void work(unsigned index);
  // Runs parts from the shared counter until none is left.
  void take_parts(const std::function<void(unsigned)>& part, unsigned parts);

  std::mutex run_mu_;  // one run() uses the workers at a time
  std::mutex mu_;      // guards part_, parts_, joinable_, stop_, and changes of active_
  std::condition_variable wake_;
  std::condition_variable done_;
  const std::function<void(unsigned)>* part_ = nullptr;  // the open call; nullptr: none
  unsigned parts_ = 0;
  unsigned joinable_ = 0;            // workers that may still join the open call
  std::atomic<unsigned> active_{0};  // workers running parts of the open call
  bool stop_ = false;
  std::atomic<uint64_t> generation_{0};  // bumped for every call offered to the workers
  std::atomic<unsigned> next_part_{0};
  std::vector<std::thread> workers_;
  const pid_t owner_;  // the process whose threads these are
};

}  // namespace cairn::crypto::internal
