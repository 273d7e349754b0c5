#include "util/file_io.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <csignal>
#include <filesystem>

#include "test_util.h"

namespace lmzip {
namespace {

using testing::TempDir;

TEST(FileIoTest, MissingInputIsIOErrorNamingTheFile) {
  auto r = FileSource::Open("/nonexistent/dir/file.txt");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIOError);
  EXPECT_NE(r.status().message().find("/nonexistent/dir/file.txt"), std::string::npos);
  EXPECT_NE(r.status().message().find("No such file"), std::string::npos);
}

TEST(FileIoTest, DirectoryInputIsRefused) {
  TempDir dir;
  auto r = FileSource::Open(dir.path());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(FileIoTest, SinkCommitsAtomicallyAndCleansUpOtherwise) {
  TempDir dir;
  const std::string target = dir.File("out.bin");
  {
    auto sink = FileSink::Create(target, false);
    ASSERT_TRUE(sink.ok());
    const std::vector<uint8_t> data = {1, 2, 3};
    ASSERT_TRUE((*sink)->Write(data).ok());
    EXPECT_FALSE(PathExists(target)) << "target must not appear before Commit";
    // Dropped without Commit: nothing may remain.
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
  {
    auto sink = FileSink::Create(target, false);
    ASSERT_TRUE(sink.ok());
    const std::vector<uint8_t> data = {4, 5};
    ASSERT_TRUE((*sink)->Write(data).ok());
    ASSERT_TRUE((*sink)->Commit().ok());
  }
  EXPECT_EQ(testing::ReadFileBytes(target), (std::vector<uint8_t>{4, 5}));
  auto again = FileSink::Create(target, false);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.status().message().find("already exists"), std::string::npos);
  EXPECT_TRUE(FileSink::Create(target, true).ok());
}

TEST(FileIoTest, UnwritableDirectoryIsIOError) {
  if (geteuid() == 0) {
    // root ignores permissions; a path under a regular file fails for everyone.
    TempDir dir;
    testing::WriteFileBytes(dir.File("f"), {1});
    auto r = FileSink::Create(dir.File("f") + "/out", false);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kIOError);
    return;
  }
  auto r = FileSink::Create("/proc/lmzip-cannot-write-here", false);
  ASSERT_FALSE(r.ok());
}

TEST(FileIoTest, FullDiskIsReportedAndLeavesNoFile) {
  // A file size limit makes write() fail the way a full disk does; run it in a child
  // so the limit does not leak into other tests.
  TempDir dir;
  const std::string target = dir.File("big.out");
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim = {4096, 4096};
    setrlimit(RLIMIT_FSIZE, &lim);
    const int code = [&] {
      auto sink = FileSink::Create(target, false);
      if (!sink.ok()) return 10;
      std::vector<uint8_t> data(3 << 20, 7);
      Status s = (*sink)->Write(data);
      if (s.ok()) s = (*sink)->Commit();
      return s.ok() ? 0 : (s.code() == StatusCode::kIOError ? 42 : 11);
    }();  // the sink is gone here, as at any failed run's end
    _exit(code);
  }
  int wstatus = 0;
  waitpid(pid, &wstatus, 0);
  ASSERT_TRUE(WIFEXITED(wstatus));
  EXPECT_EQ(WEXITSTATUS(wstatus), 42);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path())) << "temporary file left behind";
}

}  // namespace
}  // namespace lmzip
