// cairn::process::Child (child.hpp): a spawned child with pipes read on demand.
//
// Invariants: the child is reaped only by the destructor, so state_->proc.pid names the child's
// process group for the Child's whole life and kill() needs no lock (it only reads the pid, which
// never changes). Each stream's pending bytes stay below max_line_bytes + one read: read_line
// reads from a stream only when no full line is pending in either stream.
#include "cairn/process/child.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cerrno>
#include <vector>

#include "process/internal/spawn.hpp"

namespace cairn::process {

namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kReadChunk = size_t{64} << 10;

// The pending bytes of one captured stream.
struct Pending {
  internal::UniqueFd* fd = nullptr;
  std::string bytes;
  Stream stream = Stream::kStdout;

  [[nodiscard]] bool ended() const { return !fd->valid(); }

  // The next line if one is complete (or a max_line_bytes piece, or the tail after end of file).
  std::optional<OutputLine> take(size_t max_line) {
    size_t newline = bytes.find('\n');
    if (newline != std::string::npos && newline <= max_line) {
      OutputLine line{stream, bytes.substr(0, newline), true};
      bytes.erase(0, newline + 1);
      return line;
    }
    if (bytes.size() >= max_line || (ended() && !bytes.empty())) {
      size_t size = std::min(bytes.size(), max_line);
      OutputLine line{stream, bytes.substr(0, size), false};
      bytes.erase(0, size);
      return line;
    }
    return std::nullopt;
  }

  // Reads once; closes the pipe at end of file. Returns errno of a failed read, else 0.
  int read_once(std::vector<char>& buffer) {
    ssize_t n = ::read(fd->get(), buffer.data(), buffer.size());
    if (n > 0) {
      bytes.append(buffer.data(), static_cast<size_t>(n));
      return 0;
    }
    if (n == 0) {
      fd->reset();
      return 0;
    }
    if (errno == EAGAIN || errno == EINTR) return 0;
    int error_number = errno;
    fd->reset();
    return error_number;
  }
};

}  // namespace

struct Child::State {
  internal::Started proc;
  SpawnOptions options;
  std::array<Pending, 2> pending;
  std::vector<char> buffer = std::vector<char>(kReadChunk);
  std::optional<ExitStatus> status;

  std::optional<OutputLine> take_line() {
    for (Pending& p : pending) {
      if (std::optional<OutputLine> line = p.take(options.max_line_bytes)) return line;
    }
    return std::nullopt;
  }
};

Child::Child(std::unique_ptr<State> state) : state_(std::move(state)) {}
Child::Child(Child&& other) noexcept = default;

Child& Child::operator=(Child&& other) noexcept {
  if (this != &other) {
    Child old(std::move(*this));  // kills and reaps the child this one held
    state_ = std::move(other.state_);
  }
  return *this;
}

Child::~Child() {
  if (!state_) return;
  // The leader is unreaped, so -pid is still its group: this reaches descendants that outlived it.
  internal::signal_group(state_->proc.pid, SIGKILL);
  internal::reap(state_->proc.pid);
}

Result<Child> Child::spawn(const Command& command, const SpawnOptions& options) {
  if (options.max_line_bytes == 0) {
    return fail(ErrorCode::kInvalidArgument, "PROCESS_OPTIONS_INVALID",
                "max_line_bytes must be at least 1");
  }
  internal::StdioPlan plan{options.capture_stdout, options.capture_stderr};
  CAIRN_ASSIGN_OR_RETURN(internal::Started proc, internal::start(command, plan));
  auto state = std::make_unique<State>();
  state->proc = std::move(proc);
  state->options = options;
  state->pending[0].fd = &state->proc.stdout_fd;
  state->pending[0].stream = Stream::kStdout;
  state->pending[1].fd = &state->proc.stderr_fd;
  state->pending[1].stream = Stream::kStderr;
  return Child(std::move(state));
}

int Child::pid() const noexcept {
  assert(state_ && "use of a moved-from Child");
  return state_->proc.pid;
}

Result<std::optional<OutputLine>> Child::read_line(std::chrono::milliseconds timeout) {
  assert(state_ && "use of a moved-from Child");
  State& s = *state_;
  Clock::time_point deadline = Clock::now() + std::max(timeout, std::chrono::milliseconds(0));
  for (;;) {
    if (std::optional<OutputLine> line = s.take_line()) return line;
    std::array<pollfd, 2> fds{};
    std::array<size_t, 2> which{};
    size_t count = 0;
    for (size_t i = 0; i < s.pending.size(); ++i) {
      if (s.pending[i].ended()) continue;
      which[count] = i;
      fds[count++] = pollfd{s.pending[i].fd->get(), POLLIN, 0};
    }
    if (count == 0) return std::optional<OutputLine>();  // every stream ended, nothing pending
    int ready = ::poll(fds.data(), count, internal::poll_millis_until(deadline));
    if (ready < 0) {
      if (errno == EINTR) continue;
      return fail(internal::io_error("poll", errno));
    }
    if (ready == 0) {
      return fail(ErrorCode::kDeadlineExceeded, "PROCESS_READ_TIMEOUT",
                  "no complete line of output within the timeout");
    }
    for (size_t k = 0; k < count; ++k) {
      if (fds[k].revents == 0) continue;
      if (int error_number = s.pending[which[k]].read_once(s.buffer)) {
        return fail(internal::io_error("read", error_number));
      }
    }
  }
}

Status Child::write_stdin(std::string_view data, std::chrono::milliseconds timeout) {
  assert(state_ && "use of a moved-from Child");
  internal::UniqueFd& fd = state_->proc.stdin_fd;
  Clock::time_point deadline = Clock::now() + std::max(timeout, std::chrono::milliseconds(0));
  while (!data.empty()) {
    if (!fd.valid()) {
      return fail(ErrorCode::kFailedPrecondition, "PROCESS_STDIN_CLOSED",
                  "the child's stdin is closed");
    }
    ssize_t n =
        internal::write_without_sigpipe(fd.get(), data.data(), std::min(data.size(), kReadChunk));
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EPIPE) {
      fd.reset();
      continue;  // reported as PROCESS_STDIN_CLOSED above
    }
    if (n < 0 && errno != EAGAIN) return fail(internal::io_error("write", errno));
    pollfd entry{fd.get(), POLLOUT, 0};
    int ready = ::poll(&entry, 1, internal::poll_millis_until(deadline));
    if (ready < 0 && errno != EINTR) return fail(internal::io_error("poll", errno));
    if (ready == 0) {
      return fail(ErrorCode::kDeadlineExceeded, "PROCESS_WRITE_TIMEOUT",
                  "the child did not read its stdin within the timeout");
    }
  }
  return ok_status();
}

void Child::close_stdin() noexcept {
  assert(state_ && "use of a moved-from Child");
  state_->proc.stdin_fd.reset();
}

Status Child::kill(int signal) {
  assert(state_ && "use of a moved-from Child");
  if (signal <= 0 || signal >= NSIG) {
    return fail(ErrorCode::kInvalidArgument, "PROCESS_OPTIONS_INVALID",
                "not a signal number: " + std::to_string(signal));
  }
  if (int error_number = internal::signal_group(state_->proc.pid, signal)) {
    return fail(internal::io_error("kill", error_number));
  }
  return ok_status();
}

Result<ExitStatus> Child::wait(std::chrono::milliseconds timeout) {
  assert(state_ && "use of a moved-from Child");
  if (state_->status) return *state_->status;
  CAIRN_ASSIGN_OR_RETURN(std::optional<ExitStatus> status,
                         internal::wait_exit(state_->proc.pid, state_->proc.pidfd.get(),
                                             std::max(timeout, std::chrono::milliseconds(0))));
  if (!status) {
    return fail(ErrorCode::kDeadlineExceeded, "PROCESS_WAIT_TIMEOUT",
                "the child is still running after the timeout");
  }
  state_->status = status;
  return *status;
}

Result<ExitStatus> Child::wait() {
  assert(state_ && "use of a moved-from Child");
  if (state_->status) return *state_->status;
  CAIRN_ASSIGN_OR_RETURN(
      std::optional<ExitStatus> status,
      internal::wait_exit(state_->proc.pid, state_->proc.pidfd.get(), std::nullopt));
  state_->status = status;
  return *status;
}

std::optional<ExitStatus> Child::try_wait() {
  assert(state_ && "use of a moved-from Child");
  if (!state_->status) {
    Result<std::optional<ExitStatus>> peeked = internal::peek_exit(state_->proc.pid);
    if (peeked && *peeked) state_->status = *peeked;
  }
  return state_->status;
}

}  // namespace cairn::process
