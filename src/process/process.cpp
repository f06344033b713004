// The spawn core of cairn::process (internal/spawn.hpp): posix_spawn with pipes, a process group,
// closefrom(3) and default signal dispositions; exit detection without reaping; SIGPIPE-free
// writes.
//
// Why posix_spawn and not fork + exec: glibc's posix_spawn uses clone(CLONE_VM | CLONE_VFORK), so
// starting a child from a large, multi-threaded server copies no page tables and runs no code in
// the child but glibc's own, which is async-signal-safe; it also reports a failed exec (ENOENT,
// EACCES) as its return value. Every step the child needs is a file action or an attribute:
// dup2 of the pipes onto 0/1/2, closefrom(3) (glibc 2.34) for descriptors other threads or the
// embedding program opened without O_CLOEXEC, chdir (glibc 2.29), setpgid(0, 0), an empty signal
// mask and SIG_DFL for every signal (a server that ignores SIGPIPE must not hand that on).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "cairn/process/which.hpp"
#include "process/internal/spawn.hpp"

namespace cairn::process {

std::string ExitStatus::to_string() const {
  if (code) return "exit " + std::to_string(*code);
  if (signal) {
    std::string text = "signal " + std::to_string(*signal);
    if (const char* name = ::sigabbrev_np(*signal)) text += std::string(" (SIG") + name + ")";
    return text;
  }
  return "running";
}

namespace internal {

namespace {

using Clock = std::chrono::steady_clock;

std::string describe(int error_number) {
  const char* text = ::strerrordesc_np(error_number);
  return text != nullptr ? std::string(text) : "error " + std::to_string(error_number);
}

Unexpected<Error> argv_invalid(std::string message) {
  return fail(ErrorCode::kInvalidArgument, "PROCESS_ARGV_INVALID", std::move(message));
}

bool has_nul(std::string_view text) { return text.find('\0') != std::string_view::npos; }

Status validate(const Command& command) {
  if (command.argv.empty()) return argv_invalid("argv is empty");
  if (command.argv[0].empty()) return argv_invalid("argv[0] is empty");
  for (size_t i = 0; i < command.argv.size(); ++i) {
    // The message names the position only: arguments may carry secrets.
    if (has_nul(command.argv[i])) {
      return argv_invalid("argv[" + std::to_string(i) + "] contains a NUL byte");
    }
  }
  for (const auto& [name, value] : command.env) {
    if (name.empty() || name.find('=') != std::string::npos || has_nul(name)) {
      return fail(ErrorCode::kInvalidArgument, "PROCESS_ENV_INVALID",
                  "an environment variable name is empty or contains '=' or NUL");
    }
    if (has_nul(value)) {
      return fail(ErrorCode::kInvalidArgument, "PROCESS_ENV_INVALID",
                  "the value of environment variable " + name + " contains a NUL byte");
    }
  }
  return ok_status();
}

Status check_cwd(const std::string& cwd) {
  if (cwd.empty()) return ok_status();
  struct stat info {};
  if (has_nul(cwd) || ::stat(cwd.c_str(), &info) != 0 || !S_ISDIR(info.st_mode) ||
      ::access(cwd.c_str(), X_OK) != 0) {
    return fail(ErrorCode::kInvalidArgument, "PROCESS_CWD_INVALID",
                "working directory " + (has_nul(cwd) ? std::string("(with NUL)") : cwd) +
                    " is not a directory that can be entered");
  }
  return ok_status();
}

// The child's environment as NAME=value strings.
std::vector<std::string> build_environment(const Command& command) {
  std::vector<std::string> out;
  if (command.inherit_environment) {
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
      std::string_view text(*entry);
      size_t eq = text.find('=');
      if (eq == std::string_view::npos || eq == 0) continue;
      if (command.env.count(std::string(text.substr(0, eq))) != 0) continue;  // overridden
      out.emplace_back(text);
    }
  }
  for (const auto& [name, value] : command.env) {
    std::string entry = name;
    entry += '=';
    entry += value;
    out.push_back(std::move(entry));
  }
  return out;
}

// The PATH argv[0] is looked up on: the child's, else ours.
std::string search_path(const std::vector<std::string>& environment) {
  for (const std::string& entry : environment) {
    if (entry.rfind("PATH=", 0) == 0) return entry.substr(5);
  }
  const char* ours = ::secure_getenv("PATH");  // NOLINT(concurrency-mt-unsafe): documented
  return ours != nullptr ? std::string(ours) : std::string("/bin:/usr/bin");
}

// A pipe whose ends are O_CLOEXEC and above 2 (so that dup2 onto 0..2 never meets itself, even
// in a program that closed its standard streams).
Status make_pipe(UniqueFd& read_end, UniqueFd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    int error_number = errno;
    return fail(ErrorCode::kUnavailable, "PROCESS_SPAWN_FAILED",
                "cannot create a pipe: " + describe(error_number));
  }
  UniqueFd ends[2] = {UniqueFd(fds[0]), UniqueFd(fds[1])};
  for (UniqueFd& end : ends) {
    if (end.get() > 2) continue;
    int moved = ::fcntl(end.get(), F_DUPFD_CLOEXEC, 3);
    if (moved < 0) {
      int error_number = errno;
      return fail(ErrorCode::kUnavailable, "PROCESS_SPAWN_FAILED",
                  "cannot move a pipe descriptor: " + describe(error_number));
    }
    end = UniqueFd(moved);
  }
  read_end = std::move(ends[0]);
  write_end = std::move(ends[1]);
  return ok_status();
}

Status open_null(UniqueFd& out) {
  int fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    int error_number = errno;
    return fail(ErrorCode::kUnavailable, "PROCESS_SPAWN_FAILED",
                "cannot open /dev/null: " + describe(error_number));
  }
  out = UniqueFd(fd);
  if (fd <= 2) {
    int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (moved < 0) {
      int error_number = errno;
      return fail(ErrorCode::kUnavailable, "PROCESS_SPAWN_FAILED",
                  "cannot move a descriptor: " + describe(error_number));
    }
    out = UniqueFd(moved);
  }
  return ok_status();
}

void set_nonblocking(const UniqueFd& fd) {
  if (!fd.valid()) return;
  int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags >= 0) ::fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK);
}

// posix_spawn's file actions and attributes, destroyed on every path.
class SpawnSetup {
 public:
  SpawnSetup() {
    actions_ok_ = ::posix_spawn_file_actions_init(&actions_) == 0;
    attributes_ok_ = ::posix_spawnattr_init(&attributes_) == 0;
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
  ~SpawnSetup() {
    if (actions_ok_) ::posix_spawn_file_actions_destroy(&actions_);
    if (attributes_ok_) ::posix_spawnattr_destroy(&attributes_);
  }

  // Returns 0 or the errno of the first step that failed.
  int prepare(int child_in, int child_out, int child_err, const std::string& cwd) {
    if (!actions_ok_ || !attributes_ok_) return ENOMEM;
    int rc = ::posix_spawn_file_actions_adddup2(&actions_, child_in, 0);
    if (rc == 0) rc = ::posix_spawn_file_actions_adddup2(&actions_, child_out, 1);
    if (rc == 0) rc = ::posix_spawn_file_actions_adddup2(&actions_, child_err, 2);
    if (rc == 0) rc = ::posix_spawn_file_actions_addclosefrom_np(&actions_, 3);
    if (rc == 0 && !cwd.empty())
      rc = ::posix_spawn_file_actions_addchdir_np(&actions_, cwd.c_str());
    if (rc != 0) return rc;
    sigset_t none;
    sigset_t all;
    sigemptyset(&none);
    sigfillset(&all);
    rc = ::posix_spawnattr_setflags(
        &attributes_, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    if (rc == 0) rc = ::posix_spawnattr_setpgroup(&attributes_, 0);
    if (rc == 0) rc = ::posix_spawnattr_setsigmask(&attributes_, &none);
    if (rc == 0) rc = ::posix_spawnattr_setsigdefault(&attributes_, &all);
    return rc;
  }

  const posix_spawn_file_actions_t* actions() const { return &actions_; }
  const posix_spawnattr_t* attributes() const { return &attributes_; }

 private:
  posix_spawn_file_actions_t actions_{};
  posix_spawnattr_t attributes_{};
  bool actions_ok_ = false;
  bool attributes_ok_ = false;
};

ExitStatus status_from_siginfo(const siginfo_t& info) {
  ExitStatus status;
  if (info.si_code == CLD_EXITED) {
    status.code = info.si_status;
  } else {
    status.signal = info.si_status;
  }
  return status;
}

}  // namespace

void UniqueFd::reset() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Error io_error(const char* what, int error_number) {
  return Error{ErrorCode::kInternal, "PROCESS_IO_FAILED",
               std::string(what) + " failed: " + describe(error_number)};
}

Result<Started> start(const Command& command, const StdioPlan& plan) {
  CAIRN_TRY(validate(command));
  CAIRN_TRY(check_cwd(command.cwd));
  std::vector<std::string> environment = build_environment(command);

  const std::string& program = command.argv[0];
  std::string path;
  if (program.find('/') != std::string::npos) {
    path = program;
  } else {
    std::optional<std::string> found = which(program, search_path(environment));
    if (!found) {
      return fail(ErrorCode::kNotFound, "PROCESS_NOT_FOUND",
                  "program " + program + " is not on PATH");
    }
    path = std::move(*found);
  }

  Started started;
  UniqueFd child_in;
  UniqueFd child_out;
  UniqueFd child_err;
  UniqueFd null_fd;
  CAIRN_TRY(make_pipe(child_in, started.stdin_fd));
  if (plan.pipe_stdout) CAIRN_TRY(make_pipe(started.stdout_fd, child_out));
  if (plan.pipe_stderr) CAIRN_TRY(make_pipe(started.stderr_fd, child_err));
  if (!plan.pipe_stdout || !plan.pipe_stderr) CAIRN_TRY(open_null(null_fd));
  int out_fd = plan.pipe_stdout ? child_out.get() : null_fd.get();
  int err_fd = plan.pipe_stderr ? child_err.get() : null_fd.get();

  std::vector<char*> argv;
  argv.reserve(command.argv.size() + 1);
  for (const std::string& arg : command.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  envp.reserve(environment.size() + 1);
  for (const std::string& entry : environment) envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);

  SpawnSetup setup;
  int rc = setup.prepare(child_in.get(), out_fd, err_fd, command.cwd);
  if (rc != 0) {
    return fail(ErrorCode::kUnavailable, "PROCESS_SPAWN_FAILED",
                "cannot prepare the spawn: " + describe(rc));
  }
  started.started_at = Clock::now();
  pid_t pid = -1;
  rc = ::posix_spawn(&pid, path.c_str(), setup.actions(), setup.attributes(), argv.data(),
                     envp.data());
  if (rc != 0) {
    switch (rc) {
      case ENOENT:
      case EACCES:
      case ENOEXEC:
      case ENOTDIR:
      case ELOOP:
      case EISDIR:
        // The chdir file action fails with the same numbers; tell the two apart.
        CAIRN_TRY(check_cwd(command.cwd));
        return fail(ErrorCode::kNotFound, "PROCESS_NOT_FOUND",
                    "cannot execute " + program + ": " + describe(rc));
      case E2BIG:
        return argv_invalid("the argument list and environment are too long for the kernel");
      default:
        return fail(ErrorCode::kUnavailable, "PROCESS_SPAWN_FAILED",
                    "cannot start " + program + ": " + describe(rc));
    }
  }
  started.pid = pid;
  // pidfd_open (Linux 5.3) returns an O_CLOEXEC descriptor; without it, waits poll instead.
  long pidfd = ::syscall(SYS_pidfd_open, pid, 0);  // NOLINT(google-runtime-int): syscall's type
  if (pidfd >= 0) started.pidfd = UniqueFd(static_cast<int>(pidfd));
  set_nonblocking(started.stdin_fd);
  set_nonblocking(started.stdout_fd);
  set_nonblocking(started.stderr_fd);
  return started;
}

Result<std::optional<ExitStatus>> peek_exit(pid_t pid) {
  for (;;) {
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
      if (errno == EINTR) continue;
      return fail(io_error("waitid", errno));
    }
    if (info.si_pid == 0) return std::optional<ExitStatus>();
    return std::optional<ExitStatus>(status_from_siginfo(info));
  }
}

Result<std::optional<ExitStatus>> wait_exit(pid_t pid, int pidfd,
                                            std::optional<std::chrono::milliseconds> timeout) {
  bool has_deadline = timeout.has_value();
  Clock::time_point deadline = has_deadline ? Clock::now() + *timeout : Clock::time_point::max();
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(std::optional<ExitStatus> status, peek_exit(pid));
    if (status) return status;
    int wait_ms = has_deadline ? poll_millis_until(deadline) : -1;
    if (has_deadline && wait_ms == 0) return std::optional<ExitStatus>();
    if (pidfd >= 0) {
      pollfd entry{pidfd, POLLIN, 0};
      if (::poll(&entry, 1, wait_ms) < 0 && errno != EINTR) return fail(io_error("poll", errno));
    } else {
      // No pidfd (a kernel before 5.3): look again every 10 ms.
      int step = wait_ms < 0 ? 10 : std::min(wait_ms, 10);
      std::this_thread::sleep_for(std::chrono::milliseconds(step));
    }
  }
}

ExitStatus reap(pid_t pid) {
  for (;;) {
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED) == 0) {
      return status_from_siginfo(info);
    }
    if (errno != EINTR) return ExitStatus{};  // not our child any more: nothing left to reap
  }
}

int signal_group(pid_t pgid, int signal) noexcept {
  if (pgid <= 0) return ESRCH;
  if (::kill(-pgid, signal) == 0 || errno == ESRCH) return 0;
  return errno;
}

ssize_t write_without_sigpipe(int fd, const char* data, size_t size) noexcept {
  sigset_t pipe_only;
  sigset_t old_mask;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe_only, &old_mask);
  // A SIGPIPE pending before this call is not ours to consume.
  sigset_t pending;
  sigemptyset(&pending);
  ::sigpending(&pending);
  bool was_pending = sigismember(&pending, SIGPIPE) == 1;

  ssize_t written = ::write(fd, data, size);
  int saved_errno = errno;
  if (written < 0 && saved_errno == EPIPE && !was_pending) {
    timespec zero{0, 0};
    while (::sigtimedwait(&pipe_only, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  errno = saved_errno;
  return written;
}

int poll_millis_until(Clock::time_point deadline) noexcept {
  auto left = deadline - Clock::now();
  if (left <= Clock::duration::zero()) return 0;
  auto millis = std::chrono::ceil<std::chrono::milliseconds>(left).count();
  return static_cast<int>(std::min<decltype(millis)>(millis, INT_MAX));
}

}  // namespace internal
}  // namespace cairn::process
