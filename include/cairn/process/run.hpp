// cairn::process::run: run a program to completion and collect what it wrote.
//
// run() starts `command` (command.hpp), writes `input` to its stdin and closes it, reads its
// stdout and stderr at the same time as it writes (so neither side can block the other, whatever
// the sizes), waits for it to exit and returns the exit status, both outputs and the duration.
//
// Example:
//   using namespace std::chrono_literals;
//   CAIRN_ASSIGN_OR_RETURN(process::RunResult r,
//                          process::run({.argv = {"git", "rev-parse", "HEAD"}, .cwd = "/srv/repo"},
//                                       {.timeout = 10s}));
//   if (r.timed_out || !r.status.success()) log("git failed: " + r.err);
//   use(r.out);
//
// Guarantees:
//   - No shell: argv reaches the program literally (command.hpp).
//   - The child leads a process group of its own. When `timeout` passes, the whole group gets
//     SIGTERM, and SIGKILL `kill_grace` later if anything in it is still alive, so grandchildren
//     (`sh -c 'a | b'`, `make -j`) end too. A timeout is not an error: the result says timed_out.
//   - Output is bounded: past `max_output_bytes` (per stream) output is still read, so the child
//     never blocks on a full pipe, but dropped, and the result says it was truncated.
//   - No descriptor leaks: the child gets the three pipes as 0, 1 and 2 and nothing else, not even
//     descriptors this process opened without O_CLOEXEC; every descriptor cairn opens is O_CLOEXEC.
//   - No zombies: run() reaps its child before it returns, always. No SIGCHLD handler is installed
//     and no other process's exit is collected (it waits on its own child's pid only), so it fits
//     in a program that manages children of its own. A SIGPIPE from a child that stops reading
//     its stdin early never reaches this process.
//   - run() returns when the child has exited and both its outputs are closed. A descendant that
//     keeps the child's stdout or stderr open (`sh -c 'server &'`) keeps run() waiting until it
//     closes them, or until the timeout ends the group.
//
// Thread-safety: run() may be called from many threads at once. Ownership: the result owns its
// strings; nothing stays behind when run() returns.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "cairn/core/result.hpp"
#include "cairn/process/command.hpp"
#include "cairn/process/exit_status.hpp"

namespace cairn::process {

// The default per-stream output cap of run(): 8 MiB.
inline constexpr size_t kDefaultMaxOutputBytes = size_t{8} << 20;
// The default time between SIGTERM and SIGKILL when a timeout ends a process group.
inline constexpr std::chrono::milliseconds kDefaultKillGrace{2000};

struct RunOptions {
  // Bytes written to the child's stdin, which is then closed (an empty string: stdin is at end of
  // file at once). A child that exits or closes stdin early ends the writing without an error.
  std::string input{};
  // At most this many bytes of stdout and, separately, of stderr are kept.
  size_t max_output_bytes = kDefaultMaxOutputBytes;
  // How long the child may run; zero: no limit. Not negative.
  std::chrono::milliseconds timeout{0};
  // After the timeout's SIGTERM, how long the group has before SIGKILL. Not negative.
  std::chrono::milliseconds kill_grace = kDefaultKillGrace;
};

struct RunResult {
  ExitStatus status{};         // how the child ended (signal 15 after a timeout, usually)
  std::string out{};           // stdout, its first max_output_bytes bytes
  std::string err{};           // stderr, its first max_output_bytes bytes
  bool out_truncated = false;  // stdout had more bytes than max_output_bytes; they were dropped
  bool err_truncated = false;  // stderr had more bytes than max_output_bytes; they were dropped
  bool timed_out = false;      // the timeout passed and the group was signalled
  std::chrono::microseconds duration{0};  // from start to exit (monotonic clock)
};

// Runs `command` to completion. Errors (nothing was started):
//   INVALID_ARGUMENT / PROCESS_ARGV_INVALID   empty argv, empty argv[0], a NUL byte in an
//                                             argument, or an argument list the kernel refuses
//                                             as too long (E2BIG);
//   INVALID_ARGUMENT / PROCESS_ENV_INVALID    an environment name that is empty or has '=' or
//                                             NUL, or a value with NUL;
//   INVALID_ARGUMENT / PROCESS_CWD_INVALID    `cwd` is not a directory this process can enter;
//   INVALID_ARGUMENT / PROCESS_OPTIONS_INVALID  a negative timeout or kill_grace;
//   NOT_FOUND / PROCESS_NOT_FOUND             argv[0] is not on PATH, does not exist or is not
//                                             an executable file;
//   UNAVAILABLE / PROCESS_SPAWN_FAILED        the system refused (out of processes, descriptors
//                                             or memory);
//   INTERNAL / PROCESS_IO_FAILED              polling the child's pipes failed (the child was
//                                             killed and reaped).
Result<RunResult> run(const Command& command, const RunOptions& options = {});

}  // namespace cairn::process
