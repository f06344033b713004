// cairn::process against real children (/bin/sh, /bin/sleep, /bin/cat, /bin/ls, /usr/bin/env):
// exit codes and signals, separate outputs, stdin without pipe deadlocks, output caps, timeouts
// that end whole process groups, environment and working directory, literal argv, PATH lookup,
// no zombies, no descriptor leaks, and the spawned Child handle.
#include "cairn/process/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace cairn::process {
namespace {

using namespace std::chrono_literals;

// Whether process `pid` has ended: no such process, or a zombie waiting for whoever adopted it.
bool process_gone(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  size_t paren = text.rfind(')');
  return paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] == 'Z';
}

// Waits (at most 5 s, in 10 ms steps) for `pid` to be gone.
bool eventually_gone(pid_t pid) {
  for (int i = 0; i < 500; ++i) {
    if (process_gone(pid)) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

Command sh(const std::string& script) { return Command{.argv = {"/bin/sh", "-c", script}}; }

// A temporary directory holding `plain` (mode 0644) and `not-a-program` (mode 0755, but neither a
// script nor an executable format), removed at the end of the test.
class ProgramDir {
 public:
  ProgramDir() {
    char dir_template[] = "/tmp/cairn-process-XXXXXX";
    if (::mkdtemp(dir_template) != nullptr) path_ = dir_template;
    write("plain", 0644);
    write("not-a-program", 0755);
  }
  ProgramDir(const ProgramDir&) = delete;
  ProgramDir& operator=(const ProgramDir&) = delete;
  ~ProgramDir() {
    ::unlink((path_ + "/plain").c_str());
    ::unlink((path_ + "/not-a-program").c_str());
    ::rmdir(path_.c_str());
  }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  void write(const std::string& name, mode_t mode) const {
    std::ofstream(path_ + "/" + name) << "hello\n";
    ::chmod((path_ + "/" + name).c_str(), mode);
  }
  std::string path_;
};

TEST(ProcessRunTest, ReportsExitCodes) {
  auto ok = run(sh("exit 0"));
  ASSERT_TRUE(ok) << ok.error().to_string();
  EXPECT_EQ(ok->status.code, 0);
  EXPECT_FALSE(ok->status.signal.has_value());
  EXPECT_TRUE(ok->status.success());
  EXPECT_FALSE(ok->timed_out);

  auto three = run(sh("exit 3"));
  ASSERT_TRUE(three);
  EXPECT_EQ(three->status.code, 3);
  EXPECT_FALSE(three->status.success());
  EXPECT_EQ(three->status.to_string(), "exit 3");
}

TEST(ProcessRunTest, ReportsTheSignalThatEndedTheChild) {
  auto r = run(sh("kill -TERM $$"));
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_FALSE(r->status.code.has_value());
  EXPECT_EQ(r->status.signal, SIGTERM);
  EXPECT_FALSE(r->status.success());
  EXPECT_EQ(r->status.to_string(), "signal 15 (SIGTERM)");
  EXPECT_FALSE(r->timed_out);
}

TEST(ProcessRunTest, CapturesStdoutAndStderrSeparately) {
  auto r = run(sh("printf out1; printf err1 >&2; printf out2; printf err2 >&2"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->out, "out1out2");
  EXPECT_EQ(r->err, "err1err2");
  EXPECT_FALSE(r->out_truncated);
  EXPECT_FALSE(r->err_truncated);
}

TEST(ProcessRunTest, StdinBytesReachCat) {
  auto r = run({.argv = {"/bin/cat"}}, {.input = "hello\nworld"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->out, "hello\nworld");
  EXPECT_EQ(r->status.code, 0);
}

TEST(ProcessRunTest, LargeStdinAndStdoutDoNotDeadlock) {
  // 4 MiB, far more than a pipe holds, echoed back while it is still being written.
  std::string input;
  input.reserve(size_t{4} << 20);
  for (size_t i = 0; input.size() < (size_t{4} << 20); ++i) input += std::to_string(i) + '\n';
  auto r = run({.argv = {"/bin/cat"}}, {.input = input, .timeout = 20s});
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->timed_out);
  EXPECT_EQ(r->status.code, 0);
  EXPECT_EQ(r->out.size(), input.size());
  EXPECT_TRUE(r->out == input);
}

TEST(ProcessRunTest, ChildThatStopsReadingStdinEarlyIsNoError) {
  // head exits after one byte; the rest of the input meets a closed pipe (EPIPE, no SIGPIPE here:
  // a SIGPIPE would end this test program).
  std::string input(size_t{1} << 20, 'x');
  auto r = run({.argv = {"head", "-c", "1"}, .env = {{"PATH", "/usr/bin:/bin"}}}, {.input = input});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->out, "x");
  EXPECT_EQ(r->status.code, 0);
}

TEST(ProcessRunTest, OutputPastTheCapIsReadAndDropped) {
  // 10 MiB to stdout with a 1 KiB cap: the child finishes normally, nothing is killed.
  auto r = run(sh("head -c 10485760 /dev/zero; printf small >&2"),
               {.max_output_bytes = 1024, .timeout = 30s});
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->timed_out);
  EXPECT_EQ(r->status.code, 0);
  EXPECT_EQ(r->out.size(), 1024U);
  EXPECT_EQ(r->out, std::string(1024, '\0'));
  EXPECT_TRUE(r->out_truncated);
  EXPECT_EQ(r->err, "small");
  EXPECT_FALSE(r->err_truncated);
}

TEST(ProcessRunTest, OutputExactlyAtTheCapIsNotTruncated) {
  auto r = run(sh("printf 12345"), {.max_output_bytes = 5});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->out, "12345");
  EXPECT_FALSE(r->out_truncated);
}

TEST(ProcessRunTest, TimeoutTerminatesTheChild) {
  auto r = run({.argv = {"/bin/sleep", "30"}}, {.timeout = 200ms});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_TRUE(r->timed_out);
  EXPECT_EQ(r->status.signal, SIGTERM);
  EXPECT_FALSE(r->status.code.has_value());
  EXPECT_GE(r->duration, std::chrono::microseconds(200ms));
}

TEST(ProcessRunTest, TimeoutEndsGrandchildrenToo) {
  auto r = run(sh("sleep 30 & echo $!; sleep 30"), {.timeout = 200ms});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_TRUE(r->timed_out);
  auto lines = lines_of(r->out);
  ASSERT_EQ(lines.size(), 1U) << r->out;
  pid_t grandchild = std::stoi(lines[0]);
  ASSERT_GT(grandchild, 0);
  EXPECT_TRUE(eventually_gone(grandchild));
}

TEST(ProcessRunTest, KillsWithSigkillWhenSigtermIsIgnored) {
  // The shell ignores SIGTERM and so does the sleep it starts (ignored signals survive exec).
  auto r = run(sh("trap '' TERM; sleep 30; exit 0"), {.timeout = 200ms, .kill_grace = 200ms});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_TRUE(r->timed_out);
  EXPECT_EQ(r->status.signal, SIGKILL);
}

TEST(ProcessRunTest, EnvironmentIsExplicitByDefault) {
  ASSERT_EQ(::setenv("CAIRN_PROCESS_TEST_PARENT", "parent", 1), 0);  // NOLINT
  auto r = run({.argv = {"/usr/bin/env"}, .env = {{"FOO", "bar baz"}, {"EMPTY", ""}}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->out, "EMPTY=\nFOO=bar baz\n");

  auto inherited = run({.argv = {"/usr/bin/env"},
                        .env = {{"CAIRN_PROCESS_TEST_CHILD", "child"}},
                        .inherit_environment = true});
  ASSERT_TRUE(inherited);
  auto lines = lines_of(inherited->out);
  std::set<std::string> seen(lines.begin(), lines.end());
  EXPECT_EQ(seen.count("CAIRN_PROCESS_TEST_PARENT=parent"), 1U);
  EXPECT_EQ(seen.count("CAIRN_PROCESS_TEST_CHILD=child"), 1U);

  auto overridden = run({.argv = {"/usr/bin/env"},
                         .env = {{"CAIRN_PROCESS_TEST_PARENT", "override"}},
                         .inherit_environment = true});
  ASSERT_TRUE(overridden);
  lines = lines_of(overridden->out);
  seen = std::set<std::string>(lines.begin(), lines.end());
  EXPECT_EQ(seen.count("CAIRN_PROCESS_TEST_PARENT=override"), 1U);
  EXPECT_EQ(seen.count("CAIRN_PROCESS_TEST_PARENT=parent"), 0U);
  ::unsetenv("CAIRN_PROCESS_TEST_PARENT");  // NOLINT
}

TEST(ProcessRunTest, WorkingDirectoryReachesTheChild) {
  char dir_template[] = "/tmp/cairn-process-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  std::string dir = dir_template;
  char* real = ::realpath(dir.c_str(), nullptr);
  ASSERT_NE(real, nullptr);
  std::string expected = std::string(real) + "\n";
  ::free(real);  // NOLINT(cppcoreguidelines-no-malloc)

  auto r = run({.argv = {"/bin/sh", "-c", "pwd -P"}, .cwd = dir});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->out, expected);
  ::rmdir(dir.c_str());
}

TEST(ProcessRunTest, ArgvIsPassedLiterally) {
  std::vector<std::string> args = {"a b", "'single'", "\"double\"", "$HOME", "*", "", "x;y|z"};
  Command command{
      .argv = {"/bin/sh", "-c", "for a in \"$@\"; do printf '[%s]\\n' \"$a\"; done", "sh"}};
  command.argv.insert(command.argv.end(), args.begin(), args.end());
  auto r = run(command);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->out, "[a b]\n['single']\n[\"double\"]\n[$HOME]\n[*]\n[]\n[x;y|z]\n");
}

TEST(ProcessRunTest, LooksUpArgvZeroOnTheChildsPath) {
  auto r = run({.argv = {"sh", "-c", "echo found"}, .env = {{"PATH", "/usr/bin:/bin"}}});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->out, "found\n");

  auto missing = run({.argv = {"sh", "-c", "true"}, .env = {{"PATH", "/nonexistent-dir"}}});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().reason, "PROCESS_NOT_FOUND");
}

TEST(ProcessRunTest, UnknownProgramIsNotFound) {
  ProgramDir dir;
  ASSERT_FALSE(dir.path().empty());
  for (const std::string& program :
       {std::string("cairn-no-such-program"), std::string("/nonexistent/program"),
        dir.path() + "/plain", dir.path() + "/not-a-program", std::string("/tmp")}) {
    auto r = run({.argv = {program}});
    ASSERT_FALSE(r) << program;
    EXPECT_EQ(r.error().code, ErrorCode::kNotFound) << program;
    EXPECT_EQ(r.error().reason, "PROCESS_NOT_FOUND") << program;
  }
}

TEST(ProcessRunTest, RejectsBadArgvEnvironmentCwdAndOptions) {
  auto empty = run({.argv = {}});
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(empty.error().reason, "PROCESS_ARGV_INVALID");

  auto empty_program = run({.argv = {""}});
  ASSERT_FALSE(empty_program);
  EXPECT_EQ(empty_program.error().reason, "PROCESS_ARGV_INVALID");

  auto nul = run({.argv = {"/bin/echo", std::string("a\0b", 3)}});
  ASSERT_FALSE(nul);
  EXPECT_EQ(nul.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(nul.error().reason, "PROCESS_ARGV_INVALID");

  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"", "x"}, {"A=B", "x"}, {std::string("A\0B", 3), "x"}, {"A", std::string("x\0", 2)}}) {
    auto env = run({.argv = {"/bin/true"}, .env = {{name, value}}});
    ASSERT_FALSE(env);
    EXPECT_EQ(env.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(env.error().reason, "PROCESS_ENV_INVALID");
  }

  for (const char* cwd : {"/nonexistent-dir", "/etc/hostname"}) {
    auto bad_cwd = run({.argv = {"/bin/true"}, .cwd = cwd});
    ASSERT_FALSE(bad_cwd) << cwd;
    EXPECT_EQ(bad_cwd.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(bad_cwd.error().reason, "PROCESS_CWD_INVALID");
  }

  auto negative = run({.argv = {"/bin/true"}}, {.timeout = -1ms});
  ASSERT_FALSE(negative);
  EXPECT_EQ(negative.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(negative.error().reason, "PROCESS_OPTIONS_INVALID");
}

TEST(ProcessWhichTest, FindsProgramsOnPath) {
  auto sh_path = which("sh");
  ASSERT_TRUE(sh_path.has_value());
  EXPECT_EQ(sh_path->front(), '/');
  EXPECT_EQ(sh_path->substr(sh_path->size() - 3), "/sh");
  EXPECT_EQ(::access(sh_path->c_str(), X_OK), 0);

  EXPECT_EQ(which("sh", "relative/dir::/bin"), "/bin/sh");
  EXPECT_EQ(which("sh", "/nonexistent:/bin/"), "/bin/sh");
  EXPECT_EQ(which("/bin/sh", ""), "/bin/sh");
  EXPECT_FALSE(which("sh", "").has_value());
  EXPECT_FALSE(which("cairn-no-such-program").has_value());
  EXPECT_FALSE(which("").has_value());
  ProgramDir dir;
  ASSERT_FALSE(dir.path().empty());
  EXPECT_FALSE(which("plain", dir.path()).has_value());  // mode 0644: not executable
  EXPECT_EQ(which("not-a-program", dir.path()), dir.path() + "/not-a-program");
  EXPECT_FALSE(which("bin", "/").has_value());  // a directory is not a program
}

TEST(ProcessRunTest, LeavesNoZombies) {
  for (int i = 0; i < 40; ++i) {
    auto r = run(sh(i % 2 == 0 ? "exit 1" : "sleep 30"), {.timeout = 1ms});
    ASSERT_TRUE(r);
  }
  for (int i = 0; i < 10; ++i) {
    auto child = Child::spawn({.argv = {"/bin/sleep", "30"}});
    ASSERT_TRUE(child);
  }
  // Every child was reaped: there is nothing left for waitpid(-1) to collect.
  int status = 0;
  errno = 0;
  pid_t reaped = ::waitpid(-1, &status, WNOHANG);
  EXPECT_TRUE(reaped == -1 && errno == ECHILD) << "waitpid(-1) returned " << reaped;
}

// The descriptors a child sees, as listed by `ls /proc/self/fd` (ls adds one: its directory).
std::set<std::string> child_descriptors(const Command& command) {
  auto r = run(command);
  EXPECT_TRUE(r);
  if (!r) return {};
  auto lines = lines_of(r->out);
  return {lines.begin(), lines.end()};
}

TEST(ProcessRunTest, LeaksNoDescriptorsIntoChildren) {
  // Descriptors this process opened without O_CLOEXEC must not reach the child either.
  std::vector<int> opened;
  for (int i = 0; i < 3; ++i) opened.push_back(::open("/dev/null", O_RDONLY));  // NOLINT
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);  // NOLINT(android-cloexec-pipe): on purpose
  opened.push_back(fds[0]);
  opened.push_back(fds[1]);
  for (int fd : opened) ASSERT_GE(fd, 3);

  std::set<std::string> expected = {"0", "1", "2", "3"};
  EXPECT_EQ(child_descriptors({.argv = {"/bin/ls", "/proc/self/fd"}}), expected);
  EXPECT_EQ(child_descriptors(sh("ls /proc/self/fd")), expected);

  auto spawned = Child::spawn({.argv = {"/bin/ls", "/proc/self/fd"}});
  ASSERT_TRUE(spawned);
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    auto line = spawned->read_line(5s);
    ASSERT_TRUE(line) << line.error().to_string();
    if (!line->has_value()) break;
    seen.insert((*line)->text);
  }
  EXPECT_EQ(seen, expected);
  for (int fd : opened) ::close(fd);
}

TEST(ProcessRunTest, RunsFromManyThreadsAtOnce) {
  std::vector<std::thread> threads;
  threads.reserve(4);
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &failures] {
      for (int i = 0; i < 10; ++i) {
        std::string word = std::to_string(t) + "-" + std::to_string(i);
        auto r = run({.argv = {"/bin/sh", "-c", "echo \"$1\"", "sh", word}});
        if (!r || r->out != word + "\n") ++failures[static_cast<size_t>(t)];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

TEST(ProcessChildTest, StreamsLinesWritesStdinAndIsKilled) {
  auto child = Child::spawn(sh("echo one; echo two >&2; read x; echo \"got $x\"; exec sleep 30"));
  ASSERT_TRUE(child) << child.error().to_string();
  EXPECT_GT(child->pid(), 0);
  EXPECT_EQ(::getpgid(child->pid()), child->pid());  // a process group of its own

  auto one = child->read_line(5s);
  ASSERT_TRUE(one) << one.error().to_string();
  ASSERT_TRUE(one->has_value());
  EXPECT_EQ((*one)->text, "one");
  EXPECT_EQ((*one)->stream, Stream::kStdout);
  EXPECT_TRUE((*one)->end_of_line);

  auto two = child->read_line(5s);
  ASSERT_TRUE(two);
  ASSERT_TRUE(two->has_value());
  EXPECT_EQ((*two)->text, "two");
  EXPECT_EQ((*two)->stream, Stream::kStderr);

  ASSERT_TRUE(child->write_stdin("hello\n", 5s));
  auto got = child->read_line(5s);
  ASSERT_TRUE(got);
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->text, "got hello");

  auto nothing = child->read_line(100ms);
  ASSERT_FALSE(nothing);
  EXPECT_EQ(nothing.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(nothing.error().reason, "PROCESS_READ_TIMEOUT");

  auto still_running = child->wait(100ms);
  ASSERT_FALSE(still_running);
  EXPECT_EQ(still_running.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(still_running.error().reason, "PROCESS_WAIT_TIMEOUT");
  EXPECT_FALSE(child->try_wait().has_value());

  ASSERT_TRUE(child->kill(SIGTERM));
  auto status = child->wait(5s);
  ASSERT_TRUE(status) << status.error().to_string();
  EXPECT_EQ(status->signal, SIGTERM);
  EXPECT_EQ(child->try_wait()->signal, SIGTERM);
  auto end = child->read_line(5s);
  ASSERT_TRUE(end);
  EXPECT_FALSE(end->has_value());
  EXPECT_TRUE(child->kill(SIGTERM));  // the group is gone: nothing to do, no error
}

TEST(ProcessChildTest, WaitReturnsTheExitCode) {
  auto child = Child::spawn({.argv = {"/bin/cat"}});
  ASSERT_TRUE(child);
  ASSERT_TRUE(child->write_stdin("abc", 5s));
  child->close_stdin();
  auto line = child->read_line(5s);
  ASSERT_TRUE(line);
  ASSERT_TRUE(line->has_value());
  EXPECT_EQ((*line)->text, "abc");
  EXPECT_FALSE((*line)->end_of_line);  // cat's output ended without a newline
  auto status = child->wait();
  ASSERT_TRUE(status);
  EXPECT_EQ(status->code, 0);

  auto closed = child->write_stdin("more", 1s);
  ASSERT_FALSE(closed);
  EXPECT_EQ(closed.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(closed.error().reason, "PROCESS_STDIN_CLOSED");
}

TEST(ProcessChildTest, SplitsLinesLongerThanTheLimit) {
  auto child = Child::spawn(sh("printf 'abcdefg\\nhi\\n'"), {.max_line_bytes = 4});
  ASSERT_TRUE(child);
  std::vector<std::pair<std::string, bool>> pieces;
  for (int i = 0; i < 10; ++i) {
    auto line = child->read_line(5s);
    ASSERT_TRUE(line);
    if (!line->has_value()) break;
    pieces.emplace_back((*line)->text, (*line)->end_of_line);
  }
  std::vector<std::pair<std::string, bool>> expected = {
      {"abcd", false}, {"efg", true}, {"hi", true}};
  EXPECT_EQ(pieces, expected);
}

TEST(ProcessChildTest, UncapturedStreamsGoNowhere) {
  auto child = Child::spawn(sh("echo out; echo err >&2"), {.capture_stdout = false});
  ASSERT_TRUE(child);
  auto line = child->read_line(5s);
  ASSERT_TRUE(line);
  ASSERT_TRUE(line->has_value());
  EXPECT_EQ((*line)->text, "err");
  EXPECT_EQ((*line)->stream, Stream::kStderr);
  auto end = child->read_line(5s);
  ASSERT_TRUE(end);
  EXPECT_FALSE(end->has_value());
}

TEST(ProcessChildTest, DestructorKillsAndReapsTheWholeGroup) {
  pid_t pid = 0;
  pid_t grandchild = 0;
  {
    auto child = Child::spawn(sh("sleep 30 & echo $!; sleep 30"));
    ASSERT_TRUE(child);
    pid = child->pid();
    auto line = child->read_line(5s);
    ASSERT_TRUE(line);
    ASSERT_TRUE(line->has_value());
    grandchild = std::stoi((*line)->text);
  }
  // Reaped by the destructor: no longer our child at all.
  int status = 0;
  errno = 0;
  EXPECT_EQ(::waitpid(pid, &status, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
  EXPECT_TRUE(eventually_gone(grandchild));
}

TEST(ProcessChildTest, RejectsBadOptionsAndSignals) {
  auto zero = Child::spawn({.argv = {"/bin/true"}}, {.max_line_bytes = 0});
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(zero.error().reason, "PROCESS_OPTIONS_INVALID");

  auto missing = Child::spawn({.argv = {"cairn-no-such-program"}});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().reason, "PROCESS_NOT_FOUND");

  auto child = Child::spawn({.argv = {"/bin/sleep", "30"}});
  ASSERT_TRUE(child);
  for (int signal : {0, -1, NSIG}) {
    auto r = child->kill(signal);
    ASSERT_FALSE(r) << signal;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().reason, "PROCESS_OPTIONS_INVALID");
  }
}

TEST(ProcessChildTest, MovedChildKeepsItsProcess) {
  auto spawned = Child::spawn({.argv = {"/bin/sh", "-c", "echo moved"}});
  ASSERT_TRUE(spawned);
  Child first = std::move(*spawned);
  Child second = std::move(first);
  auto line = second.read_line(5s);
  ASSERT_TRUE(line);
  ASSERT_TRUE(line->has_value());
  EXPECT_EQ((*line)->text, "moved");
  auto status = second.wait(5s);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->code, 0);
}

}  // namespace
}  // namespace cairn::process
