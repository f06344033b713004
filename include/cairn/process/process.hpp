// cairn::process: running programs by argv on POSIX (Linux) -- the umbrella header.
//
//   command.hpp      Command: argv, environment, working directory
//   run.hpp          run(): run to completion with input, output caps and a timeout
//   child.hpp        Child: a long-running child, read lines, write stdin, kill, wait
//   exit_status.hpp  ExitStatus: exit code or signal
//   which.hpp        which(): a program's absolute path on PATH
//
// The library is cairn_process (CMake target cairn::process), C++ only. docs/process.md is the
// guide. Thread-safety and ownership: see each header.
#pragma once

#include "cairn/process/child.hpp"
#include "cairn/process/command.hpp"
#include "cairn/process/exit_status.hpp"
#include "cairn/process/run.hpp"
#include "cairn/process/which.hpp"
