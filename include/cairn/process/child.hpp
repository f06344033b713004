// cairn::process::Child: a running child process that the caller talks to while it runs.
//
// For long-running children (tmux, a dev server, a watch build): Child::spawn() starts a Command
// (command.hpp) with its stdin, stdout and stderr on pipes and returns at once. The caller reads
// output line by line as it comes (read_line, with a timeout), writes to stdin or closes it,
// signals the child's whole process group (kill) and waits for the exit (wait, with a timeout).
//
// Example:
//   using namespace std::chrono_literals;
//   CAIRN_ASSIGN_OR_RETURN(process::Child server,
//                          process::Child::spawn({.argv = {"python3", "-m", "http.server"}}));
//   CAIRN_ASSIGN_OR_RETURN(std::optional<process::OutputLine> line, server.read_line(5s));
//   if (line) log(line->text);
//   CAIRN_TRY(server.kill(SIGTERM));
//   CAIRN_ASSIGN_OR_RETURN(process::ExitStatus status, server.wait(2s));
//
// The guarantees of run() hold (run.hpp): no shell, a process group of its own, no descriptor
// leaks, no SIGCHLD handler, waiting on the child's own pid only. Output is read only inside
// read_line(), so a child that writes more than a pipe holds (64 KiB on Linux) blocks until the
// caller reads: read lines until nullopt, or spawn with capture_stdout / capture_stderr off
// (the stream then goes to /dev/null). Lines of stdout and stderr come in the order they are
// read; between the two streams that order is not the order the child wrote them in.
//
// Lifetime: the child stays unreaped (a zombie, once it has exited) until the Child is destroyed,
// so its process-group id cannot be reused and kill() can never reach an unrelated group. The
// destructor sends SIGKILL to the whole group and reaps the child: destroying a Child never leaves
// a process or a zombie behind (a descendant that left the group with setsid() is out of reach).
//
// Thread-safety: one thread at a time, except pid() and kill(), which any thread may call at any
// time, for example to stop a child that another thread is blocked reading from. Ownership: a
// Child owns its process and pipes; it is movable, not copyable; a moved-from Child may only be
// destroyed or assigned to.
#pragma once

#include <chrono>
#include <csignal>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cairn/core/result.hpp"
#include "cairn/process/command.hpp"
#include "cairn/process/exit_status.hpp"

namespace cairn::process {

// The default longest line read_line() returns in one piece: 64 KiB.
inline constexpr size_t kDefaultMaxLineBytes = size_t{64} << 10;

struct SpawnOptions {
  // Pipe the child's stdout (read with read_line); false: it goes to /dev/null.
  bool capture_stdout = true;
  // Pipe the child's stderr (read with read_line); false: it goes to /dev/null.
  bool capture_stderr = true;
  // A line longer than this comes in pieces of this many bytes (end_of_line false on all but the
  // last). At least 1.
  size_t max_line_bytes = kDefaultMaxLineBytes;
};

// Which of the child's outputs a line came from.
enum class Stream { kStdout, kStderr };

struct OutputLine {
  Stream stream = Stream::kStdout;
  // The bytes of the line without its '\n' (a "\r" before it is kept; bytes are not checked as
  // UTF-8).
  std::string text{};
  // False when the text stops without a newline: a piece of a line longer than max_line_bytes, or
  // the last bytes of a stream that ended without one.
  bool end_of_line = true;
};

class Child {
 public:
  // Starts `command`. Errors: those of run() (run.hpp) except PROCESS_IO_FAILED, and
  // INVALID_ARGUMENT / PROCESS_OPTIONS_INVALID for max_line_bytes 0.
  static Result<Child> spawn(const Command& command, const SpawnOptions& options = {});

  Child(Child&& other) noexcept;
  Child& operator=(Child&& other) noexcept;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  // Sends SIGKILL to the child's process group and reaps the child.
  ~Child();

  // The child's process id, which is also its process-group id.
  [[nodiscard]] int pid() const noexcept;

  // The next line of output, waiting at most `timeout` for one (zero: only what is there already),
  // or nullopt once every captured stream has ended (the child and all its descendants closed
  // them, usually by exiting). Errors: DEADLINE_EXCEEDED / PROCESS_READ_TIMEOUT (no full line in
  // time; nothing is lost, the next call continues); INTERNAL / PROCESS_IO_FAILED.
  Result<std::optional<OutputLine>> read_line(std::chrono::milliseconds timeout);

  // Writes all of `data` to the child's stdin, waiting at most `timeout` for the pipe to take it.
  // Errors: FAILED_PRECONDITION / PROCESS_STDIN_CLOSED (close_stdin() was called, or the child
  // closed its end; part of `data` may have been written); DEADLINE_EXCEEDED /
  // PROCESS_WRITE_TIMEOUT (the child did not read in time; part of `data` may have been written);
  // INTERNAL / PROCESS_IO_FAILED.
  Status write_stdin(std::string_view data, std::chrono::milliseconds timeout);

  // Closes the child's stdin, so it reads end of file. Doing it again does nothing.
  void close_stdin() noexcept;

  // Sends `signal` (default SIGTERM) to the child's whole process group. Signalling a group whose
  // processes have all exited succeeds and does nothing. Errors: INVALID_ARGUMENT /
  // PROCESS_OPTIONS_INVALID (not a signal number); INTERNAL / PROCESS_IO_FAILED.
  Status kill(int signal = SIGTERM);

  // Waits until the child has exited and returns how. Output is not read meanwhile (see the top
  // of this file). Errors: DEADLINE_EXCEEDED / PROCESS_WAIT_TIMEOUT (still running after
  // `timeout`; it keeps running); INTERNAL / PROCESS_IO_FAILED.
  Result<ExitStatus> wait(std::chrono::milliseconds timeout);
  // Waits without a limit. Errors: INTERNAL / PROCESS_IO_FAILED.
  Result<ExitStatus> wait();

  // How the child ended, or nullopt while it runs. Never blocks.
  std::optional<ExitStatus> try_wait();

 private:
  struct State;  // defined in src/process/child.cpp
  explicit Child(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace cairn::process
