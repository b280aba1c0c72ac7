// pread_up_to (wal/posix_read.h): a file cut shorter after its size was taken gives the bytes
// up to its new end, not an I/O error. The writer seals its open segment by truncating the zero
// fill away, and a snapshot build or `ledgerctl wal verify` reading that segment at the time
// failed with "Input/output error" (probe 32).
#include "wal/posix_read.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace codeledger::wal {
namespace {

class PosixRead : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("codeledger-posix-read-" + std::to_string(::getpid()))).string();
    std::ofstream(path_, std::ios::binary) << std::string(60, 'a') + std::string(40, '\0');
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd_, 0);
  }
  void TearDown() override {
    ::close(fd_);
    std::filesystem::remove(path_);
  }
  std::string path_;
  int fd_ = -1;
};

TEST_F(PosixRead, AWholeFileReadsWhole) {
  auto all = pread_up_to(fd_, 100, 0, UINT64_MAX, path_);
  ASSERT_TRUE(all.ok()) << all.status().message();
  EXPECT_EQ(all->size(), 100u);
  auto part = pread_up_to(fd_, 100, 50, 20, path_);
  ASSERT_TRUE(part.ok());
  EXPECT_EQ(*part, std::string(10, 'a') + std::string(10, '\0'));
}

TEST_F(PosixRead, AFileCutShorterAfterItsSizeWasSeenReadsToItsNewEnd) {
  std::filesystem::resize_file(path_, 60);  // sealed: the zero fill cut away
  auto all = pread_up_to(fd_, 100, 0, UINT64_MAX, path_);
  ASSERT_TRUE(all.ok()) << all.status().message();
  EXPECT_EQ(*all, std::string(60, 'a'));
  auto past = pread_up_to(fd_, 100, 70, 20, path_);
  ASSERT_TRUE(past.ok()) << past.status().message();
  EXPECT_EQ(*past, "");
}

}  // namespace
}  // namespace codeledger::wal
