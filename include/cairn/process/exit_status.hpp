// cairn::process::ExitStatus: how a child process ended -- an exit code or a signal.
//
// Exactly one of `code` and `signal` is set: `code` when the process called exit() (or returned
// from main), `signal` when a signal ended it (SIGTERM from a timeout, SIGKILL, SIGSEGV, ...).
//
// Thread-safety: a plain value type.
#pragma once

#include <optional>
#include <string>

namespace cairn::process {

struct ExitStatus {
  std::optional<int> code{};    // the exit code, 0..255, when the process exited
  std::optional<int> signal{};  // the signal number, when a signal ended the process

  // Whether the process exited with code 0.
  [[nodiscard]] bool success() const noexcept { return code == 0; }
  // "exit 0", "exit 3", "signal 15 (SIGTERM)": for logs and messages.
  [[nodiscard]] std::string to_string() const;
};

}  // namespace cairn::process
