// cairn::process::Command: what to start -- an argv, an environment and a working directory.
//
// A Command is never a shell string: argv[0] is the program and every other element reaches it
// as one argument, byte for byte (spaces, quotes, `$` and `*` included). argv[0] without a '/' is
// looked up on PATH (see `which.hpp`): the PATH of the child's environment when it has one, else
// the PATH of this process; argv[0] with a '/' is used as it is (relative to `cwd` when set).
//
// The environment is explicit by default: the child sees exactly `env` and nothing of this
// process's environment, so tokens and keys in the server's environment do not leak into git or a
// build command by accident. With `inherit_environment` the child starts from this process's
// environment (read when the process starts) and `env` adds to it and overrides it.
//
// Example:
//   process::Command git{.argv = {"git", "status", "--porcelain"},
//                        .env = {{"HOME", "/home/dev"}, {"PATH", "/usr/bin:/bin"}},
//                        .cwd = "/srv/worktrees/main"};
//   process::Command build{.argv = {"make", "-j2"}, .inherit_environment = true};
//
// Thread-safety: a plain value type. Ownership: it owns its strings.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace cairn::process {

// Every member has a default initializer, so designated initializers that leave some out compile
// warning-free under -Wextra (g++ 12 warns otherwise).
struct Command {
  // The program and its arguments; argv[0] must not be empty. No element may contain a NUL byte.
  std::vector<std::string> argv{};
  // Environment variables of the child, name -> value. A name is not empty and has no '=' or NUL;
  // a value has no NUL.
  std::map<std::string, std::string> env{};
  // When true, the child starts from this process's environment and `env` overrides it.
  bool inherit_environment = false;
  // The child's working directory; empty: this process's working directory.
  std::string cwd{};
};

}  // namespace cairn::process
