// The spawn core shared by run() and Child: starting a Command on pipes in a process group of its
// own, noticing its exit without reaping it, signalling its group, and writing to a pipe without
// SIGPIPE.
//
// Why the child is not reaped until the very end: a process-group id stays taken while any
// process of the group, a zombie leader included, exists. Keeping the exited leader as a zombie
// until the last kill(-pgid) has been sent means the id can never have been handed to an
// unrelated group in between.
//
// Thread-safety: every function here is safe from any thread; a Started belongs to one owner.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <utility>

#include "cairn/core/result.hpp"
#include "cairn/process/command.hpp"
#include "cairn/process/exit_status.hpp"

namespace cairn::process::internal {

// An owned file descriptor, closed on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  [[nodiscard]] int get() const noexcept { return fd_; }
  [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }
  void reset() noexcept;

 private:
  int fd_ = -1;
};

// Which of the child's standard streams are pipes (the others are /dev/null).
struct StdioPlan {
  bool pipe_stdout = true;
  bool pipe_stderr = true;
};

// A started child. The parent's pipe ends are O_CLOEXEC and O_NONBLOCK.
struct Started {
  pid_t pid = -1;
  UniqueFd pidfd;      // readable once the child has exited; invalid where pidfd_open is missing
  UniqueFd stdin_fd;   // the write end of the child's stdin
  UniqueFd stdout_fd;  // the read end of the child's stdout, when piped
  UniqueFd stderr_fd;  // the read end of the child's stderr, when piped
  std::chrono::steady_clock::time_point started_at;
};

// Validates `command` and starts it (see the reasons in run.hpp).
Result<Started> start(const Command& command, const StdioPlan& plan);

// How the child `pid` ended if it has exited, without reaping it; nullopt while it runs.
// Errors: INTERNAL / PROCESS_IO_FAILED (waitid failed: not our child).
Result<std::optional<ExitStatus>> peek_exit(pid_t pid);

// Waits until `pid` has exited or `timeout` has passed (nullopt: no limit), without reaping it.
// Returns the exit status, or nullopt on timeout. Uses the pidfd when there is one, else polls.
Result<std::optional<ExitStatus>> wait_exit(pid_t pid, int pidfd,
                                            std::optional<std::chrono::milliseconds> timeout);

// Reaps `pid` (waiting for it to exit) and returns how it ended.
ExitStatus reap(pid_t pid);

// kill(-pgid, signal); a group that is gone (ESRCH) counts as success. Returns errno or 0.
int signal_group(pid_t pgid, int signal) noexcept;

// write() that never raises SIGPIPE in this process: SIGPIPE is blocked in the calling thread for
// the call and a SIGPIPE it caused is consumed. Returns write()'s result; errno EPIPE when the
// reading end is closed.
ssize_t write_without_sigpipe(int fd, const char* data, size_t size) noexcept;

// Milliseconds from now until `deadline` for poll(), rounded up, at least 0, at most INT_MAX.
int poll_millis_until(std::chrono::steady_clock::time_point deadline) noexcept;

// The error every unexpected system-call failure maps to: INTERNAL / PROCESS_IO_FAILED.
Error io_error(const char* what, int error_number);

}  // namespace cairn::process::internal
