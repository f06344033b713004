// cairn::net::PidFile: one owner per file, crashes detected by the lock, not by the PID.
#include "cairn/net/pid_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "support/temp_dir.hpp"

namespace cairn::net {
namespace {

TEST(PidFileTest, OneOwnerAtATimeAndCrashesAreDetected) {
  testing::TempDir dir;
  std::string path = dir.file("run/server.pid");
  {
    auto pid = PidFile::acquire(path);
    ASSERT_TRUE(pid) << pid.error().to_string();
    EXPECT_FALSE(pid->previous_pid());
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600U);
    EXPECT_EQ(PidFile::running_pid(path), ::getpid());
    auto second = PidFile::acquire(path);
    EXPECT_EQ(second.error().reason, "NET_ALREADY_RUNNING");
  }
  EXPECT_NE(::access(path.c_str(), F_OK), 0);  // removed on release
  EXPECT_FALSE(PidFile::running_pid(path));

  // A child takes the file and dies without cleaning up: the next start sees the crash.
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto pid = PidFile::acquire(path);
    if (!pid) ::_exit(1);
    ::_exit(0);  // no destructor: the file stays, the lock goes with the process
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_FALSE(PidFile::running_pid(path));  // stale
  auto recovered = PidFile::acquire(path);
  ASSERT_TRUE(recovered);
  EXPECT_EQ(recovered->previous_pid(), child);
  std::ifstream in(path);
  int64_t written = 0;
  in >> written;
  EXPECT_EQ(written, ::getpid());
}

}  // namespace
}  // namespace cairn::net
