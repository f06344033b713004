// cairn::process::run (run.hpp): one poll() loop that writes stdin, reads stdout and stderr and
// watches the child's exit and the deadline, so no pipe can fill up while we wait on another.
//
// The loop ends when the child has exited and both outputs are at end of file. The child is
// noticed with waitid(WNOWAIT) and reaped only after the loop, so kill(-pid) in the timeout path
// always reaches the child's own group (internal/spawn.hpp explains why).
#include "cairn/process/run.hpp"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <vector>

#include "process/internal/spawn.hpp"

namespace cairn::process {

namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kReadChunk = size_t{64} << 10;
// After SIGKILL to the group, how long to keep reading output that was already written before
// deciding that a process outside the group holds the pipes.
constexpr std::chrono::milliseconds kDrainAfterKill{1000};

// One captured stream: keeps the first `cap` bytes, counts the rest as dropped.
struct Capture {
  internal::UniqueFd* fd;
  std::string* text;
  bool* truncated;
  size_t cap;

  // Reads once from the pipe; closes it at end of file or on an error.
  void read_once(std::vector<char>& buffer) const {
    ssize_t n = ::read(fd->get(), buffer.data(), buffer.size());
    if (n > 0) {
      size_t got = static_cast<size_t>(n);
      size_t room = cap - std::min(cap, text->size());
      text->append(buffer.data(), std::min(room, got));
      if (got > room) *truncated = true;
      return;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    fd->reset();
  }
};

// The timeout's stages: running, SIGTERM sent, SIGKILL sent.
enum class Stage { kRunning, kTerminating, kKilled };

}  // namespace

Result<RunResult> run(const Command& command, const RunOptions& options) {
  if (options.timeout.count() < 0 || options.kill_grace.count() < 0) {
    return fail(ErrorCode::kInvalidArgument, "PROCESS_OPTIONS_INVALID",
                "timeout and kill_grace must not be negative");
  }
  CAIRN_ASSIGN_OR_RETURN(internal::Started child, internal::start(command, {}));

  RunResult result;
  const std::string& input = options.input;
  size_t written = 0;
  if (input.empty()) child.stdin_fd.reset();
  std::array<Capture, 2> captures = {
      Capture{&child.stdout_fd, &result.out, &result.out_truncated, options.max_output_bytes},
      Capture{&child.stderr_fd, &result.err, &result.err_truncated, options.max_output_bytes}};
  std::vector<char> buffer(kReadChunk);

  // time_point::max() while there is no deadline (an optional<time_point> here trips g++ 12's
  // -Wmaybe-uninitialized at -O3).
  bool has_deadline = options.timeout.count() > 0;
  Clock::time_point deadline =
      has_deadline ? child.started_at + options.timeout : Clock::time_point::max();
  Stage stage = Stage::kRunning;
  bool exited = false;

  while (!exited || child.stdout_fd.valid() || child.stderr_fd.valid()) {
    std::array<pollfd, 4> fds{};
    size_t count = 0;
    int stdin_slot = -1;
    std::array<int, 2> capture_slot = {-1, -1};
    if (child.stdin_fd.valid()) {
      stdin_slot = static_cast<int>(count);
      fds[count++] = pollfd{child.stdin_fd.get(), POLLOUT, 0};
    }
    for (size_t i = 0; i < captures.size(); ++i) {
      if (!captures[i].fd->valid()) continue;
      capture_slot[i] = static_cast<int>(count);
      fds[count++] = pollfd{captures[i].fd->get(), POLLIN, 0};
    }
    if (!exited && child.pidfd.valid()) fds[count++] = pollfd{child.pidfd.get(), POLLIN, 0};

    int wait_ms = has_deadline ? internal::poll_millis_until(deadline) : -1;
    // Without a pidfd the exit is only seen by looking: every 10 ms.
    if (!exited && !child.pidfd.valid()) wait_ms = wait_ms < 0 ? 10 : std::min(wait_ms, 10);
    if (::poll(fds.data(), count, wait_ms) < 0 && errno != EINTR) {
      Error error = internal::io_error("poll", errno);
      internal::signal_group(child.pid, SIGKILL);
      internal::reap(child.pid);
      return fail(std::move(error));
    }

    if (stdin_slot >= 0 && fds[static_cast<size_t>(stdin_slot)].revents != 0) {
      ssize_t n = internal::write_without_sigpipe(child.stdin_fd.get(), input.data() + written,
                                                  std::min(input.size() - written, kReadChunk));
      if (n > 0) written += static_cast<size_t>(n);
      // EPIPE: the child stopped reading (exited or closed stdin); the rest of the input is moot.
      if (written == input.size() || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        child.stdin_fd.reset();
      }
    }
    for (size_t i = 0; i < captures.size(); ++i) {
      if (capture_slot[i] >= 0 && fds[static_cast<size_t>(capture_slot[i])].revents != 0) {
        captures[i].read_once(buffer);
      }
    }
    if (!exited) {
      auto peeked = internal::peek_exit(child.pid);
      if (!peeked) {
        internal::signal_group(child.pid, SIGKILL);
        internal::reap(child.pid);
        return fail(std::move(peeked).error());
      }
      exited = peeked->has_value();
    }

    if (has_deadline && Clock::now() >= deadline) {
      switch (stage) {
        case Stage::kRunning:
          result.timed_out = true;
          internal::signal_group(child.pid, SIGTERM);
          child.stdin_fd.reset();
          stage = Stage::kTerminating;
          deadline = Clock::now() + options.kill_grace;
          break;
        case Stage::kTerminating:
          internal::signal_group(child.pid, SIGKILL);
          stage = Stage::kKilled;
          deadline = Clock::now() + kDrainAfterKill;
          break;
        case Stage::kKilled:
          // The whole group is dead, yet a pipe is open: a process that left the group (setsid)
          // holds it. Stop reading rather than wait for it.
          child.stdout_fd.reset();
          child.stderr_fd.reset();
          has_deadline = false;
          break;
      }
    }
  }

  result.status = internal::reap(child.pid);
  result.duration =
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - child.started_at);
  return result;
}

}  // namespace cairn::process
