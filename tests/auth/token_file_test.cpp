#include "cairn/auth/token_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "support/temp_dir.hpp"

namespace cairn::auth {
namespace {

using testing::TempDir;

mode_t mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0);
  return st.st_mode & 07777;
}

TEST(TokenFileTest, WritesOwnerOnlyFileInOwnerOnlyDirectory) {
  TempDir dir;
  std::string path = dir.file("cfg/cairn/session");
  ASSERT_TRUE(write_token_file(path, "cairn_s_abc123"));
  EXPECT_EQ(mode_of(path), 0600u);
  EXPECT_EQ(mode_of(dir.file("cfg/cairn")), 0700u);
  EXPECT_EQ(mode_of(dir.file("cfg")), 0700u);
  EXPECT_EQ(*read_token_file(path), "cairn_s_abc123");
  // Replacing keeps the mode and leaves no temporary files behind.
  ASSERT_TRUE(write_token_file(path, "cairn_s_def456"));
  EXPECT_EQ(*read_token_file(path), "cairn_s_def456");
  size_t entries = 0;
  for ([[maybe_unused]] const auto& e :
       std::filesystem::directory_iterator(dir.file("cfg/cairn"))) {
    ++entries;
  }
  EXPECT_EQ(entries, 1u);
}

TEST(TokenFileTest, WritesOwnerOnlyEvenUnderAPermissiveUmask) {
  TempDir dir;
  mode_t old = ::umask(0);
  auto written = write_token_file(dir.file("t"), "tok");
  ::umask(old);
  ASSERT_TRUE(written);
  EXPECT_EQ(mode_of(dir.file("t")), 0600u);
}

TEST(TokenFileTest, RefusesFilesOthersCanRead) {
  TempDir dir;
  std::string path = dir.file("token");
  ASSERT_TRUE(write_token_file(path, "secret-token"));
  for (mode_t mode : {0644, 0640, 0604, 0660, 0606}) {
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    auto r = read_token_file(path);
    ASSERT_FALSE(r) << std::oct << mode;
    EXPECT_EQ(r.error().code, ErrorCode::kPermissionDenied);
    EXPECT_EQ(r.error().reason, "AUTH_TOKEN_FILE_MODE");
    EXPECT_EQ(r.error().message.find("secret-token"), std::string::npos);
  }
  ASSERT_EQ(::chmod(path.c_str(), 0400), 0);
  EXPECT_TRUE(read_token_file(path));
  EXPECT_EQ(read_token_file(dir.path().string()).error().reason, "AUTH_TOKEN_FILE_MODE");
}

TEST(TokenFileTest, MissingAndMalformedFiles) {
  TempDir dir;
  auto missing = read_token_file(dir.file("nope"));
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().reason, "AUTH_TOKEN_FILE_NOT_FOUND");
  for (std::string bad : {std::string(), std::string("two words"), std::string("tab\there"),
                          std::string(kMaxTokenFileBytes + 1, 'a')}) {
    EXPECT_EQ(write_token_file(dir.file("x"), bad).error().reason, "AUTH_TOKEN_FILE_INVALID");
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("x")));
  {
    std::ofstream out(dir.file("blank"));
    out << "\n\n";
  }
  ASSERT_EQ(::chmod(dir.file("blank").c_str(), 0600), 0);
  EXPECT_EQ(read_token_file(dir.file("blank")).error().reason, "AUTH_TOKEN_FILE_INVALID");
}

}  // namespace
}  // namespace cairn::auth
