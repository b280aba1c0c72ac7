// Files in the data directory whose names claim to be segments or snapshots but do not parse:
// the server skips them, so ledgerctl skips them too, but tells the auditor which ones.
#include <filesystem>
#include <fstream>

#include "fixture.h"

namespace codeledger::tools::testing {
namespace {

// Lines of `err` that mention `name`.
std::size_t mentions(const std::string& err, const std::string& name) {
  std::size_t n = 0;
  for (const auto& line : lines_of(err)) n += line.find(name) != std::string::npos;
  return n;
}

class StrayFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_ = make_temp_dir();
    data_ = tmp_ + "/data";
    std::filesystem::copy(LedgerHistory::get().data_dir(), data_);
    for (const char* name : {"wal-zzzz.log", "wal-0000000000000001.log.bak",
                             "wal-000000000000000A.log", "snap-xyz.snap",
                             "wal-0000000000000039.log.dropped", "wal-0000000000000039.log.dropped.1",
                             "snap-0000000000000039.snap.corrupt", "snap-0000000000000040.snap.tmp",
                             "config.json", "WAL-NOTES.txt",
                             "wal-prepared.tmp"}) {
      std::ofstream(data_ + "/" + name) << "not a segment";
    }
    std::filesystem::create_directory(data_ + "/lost+found");
  }
  void TearDown() override { std::filesystem::remove_all(tmp_); }

  std::string tmp_, data_;
};

TEST_F(StrayFiles, EveryDataDirCommandNotesEachLookalikeOnceAndStillSucceeds) {
  const std::vector<std::vector<std::string>> commands{
      {"wal", "verify"},          {"wal", "dump"}, {"replay", "--until", "5"},
      {"history", "SPRING100001"}, {"snapshot", "inspect"}};
  for (auto cmd : commands) {
    cmd.insert(cmd.end(), {"--data-dir", data_});
    auto r = run_ledgerctl(cmd);
    EXPECT_EQ(r.exit_code, 0) << cmd[0] << ": " << r.err;
    EXPECT_NE(r.err.find("ledgerctl: note: ignoring " + data_ +
                         "/wal-zzzz.log: not a segment name (wal-<16 lowercase hex digits>.log)"),
              std::string::npos)
        << cmd[0] << ": " << r.err;
    EXPECT_NE(r.err.find("ignoring " + data_ +
                         "/snap-xyz.snap: not a snapshot name (snap-<16 lowercase hex "
                         "digits>.snap)"),
              std::string::npos)
        << cmd[0] << ": " << r.err;
    EXPECT_NE(r.err.find("wal-0000000000000039.log.dropped: set aside by recovery (a point-in-time cut"),
              std::string::npos)
        << cmd[0] << ": " << r.err;
    EXPECT_NE(r.err.find("wal-0000000000000039.log.dropped.1: set aside by recovery (a point-in-time cut"),
              std::string::npos)
        << cmd[0] << ": " << r.err;
    EXPECT_NE(r.err.find("snap-0000000000000039.snap.corrupt: a snapshot that failed its checks"),
              std::string::npos)
        << cmd[0] << ": " << r.err;
    EXPECT_NE(r.err.find("snap-0000000000000040.snap.tmp: an unfinished snapshot (temp file being written, "
                         "or left by a crash)"),
              std::string::npos)
        << cmd[0] << ": " << r.err;
    for (const char* name : {"wal-zzzz.log", "wal-0000000000000001.log.bak",
                             "wal-000000000000000A.log", "snap-xyz.snap", ".log.dropped:",
                             ".log.dropped.1:", ".snap.corrupt:", ".snap.tmp:"}) {
      EXPECT_EQ(mentions(r.err, name), 1u) << cmd[0] << ": " << name << "\n" << r.err;
    }
  }
}

TEST_F(StrayFiles, UnrelatedFilesAndTheWritersPreparedSegmentStaySilent) {
  auto r = run_ledgerctl({"wal", "verify", "--data-dir", data_});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* name : {"config.json", "WAL-NOTES.txt", "lost+found", "wal-prepared.tmp"}) {
    EXPECT_EQ(mentions(r.err, name), 0u) << name << "\n" << r.err;
  }
  // The real segments and the snapshot are read as before.
  auto clean = run_ledgerctl({"wal", "verify", "--data-dir", LedgerHistory::get().data_dir()});
  EXPECT_EQ(r.out, clean.out);
  EXPECT_EQ(clean.err, "");
}

// A snapshot named on the command line is read without looking at any data directory.
TEST_F(StrayFiles, InspectingANamedSnapshotFileLeavesTheDataDirectoryAlone) {
  const std::string snap = data_ + "/snap-0000000000000003.snap";
  auto r = run_ledgerctl({"snapshot", "inspect", snap});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
}

}  // namespace
}  // namespace codeledger::tools::testing
