// What wal/ tells the layer above for the operator: the data directory's lock, where the
// log ends (and a refusal when it ends too early, before anything is repaired), the log
// failing and the background zero fill failing as they happen, and leftover snapshot temp
// files.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

#include "wal/fault_fs.h"
#include "wal/format.h"
#include "wal/record.h"
#include "wal/snapshot.h"
#include "tests/support/eventually.h"
#include "wal_test_util.h"

namespace codeledger::wal {
namespace {

using codeledger::testing::eventually;
using testing::append_payload;
using testing::kDir;

// Lines given to WalOptions::log, from any thread.
struct Lines {
  std::mutex mu;
  std::vector<std::string> lines;
  std::function<void(const std::string&)> sink() {
    return [this](const std::string& l) {
      std::lock_guard lock(mu);
      lines.push_back(l);
    };
  }
  std::size_t count(std::string_view part) {
    std::lock_guard lock(mu);
    std::size_t n = 0;
    for (const auto& l : lines) n += l.find(part) != std::string::npos ? 1 : 0;
    return n;
  }
};

std::string scratch_dir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "wal-lock-XXXXXX").string();
  EXPECT_NE(::mkdtemp(tmpl.data()), nullptr);
  return tmpl;
}

// flock conflicts between two open file descriptions, also within one process.
TEST(DirLock, FlockRefusesASecondHolderAndNamesTheFirstOnesPid) {
  const std::string dir = scratch_dir();
  FileSystem& fs = posix_fs();
  auto first = fs.lock_dir(dir);
  ASSERT_TRUE(first.ok()) << first.status().message();
  auto second = fs.lock_dir(dir);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Code::kBusy);
  auto text = fs.read_file(join_path(dir, format::kLockFileName));
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, std::to_string(::getpid()) + "\n");
  first->reset();
  EXPECT_TRUE(fs.lock_dir(dir).ok()) << "released with its holder";
  std::filesystem::remove_all(dir);
}

// The fake models the same: one holder, released when the holder goes or the power does.
TEST(DirLock, FaultFsLockHasOneHolderUntilReleasedOrACrash) {
  FaultFs fs;
  auto first = fs.lock_dir(kDir);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(fs.lock_dir(kDir).status().code(), Code::kBusy);
  EXPECT_TRUE(fs.lock_dir("/elsewhere").ok());
  fs.crash();  // the holder died with the power
  auto after_crash = fs.lock_dir(kDir);
  ASSERT_TRUE(after_crash.ok());
  first->reset();  // the dead holder's object going away frees nothing of the new one's
  EXPECT_EQ(fs.lock_dir(kDir).status().code(), Code::kBusy);
}

// One segment holding records 1..n (sealed).
void write_records(FaultFs& fs, std::uint64_t n, bool preallocate = true) {
  auto w = WalWriter::open(fs, testing::options_for(Durability::kSync, preallocate), 1);
  ASSERT_TRUE(w.ok());
  for (std::uint64_t i = 0; i < n; ++i) ASSERT_TRUE(append_payload(**w).ok());
  ASSERT_TRUE((*w)->close().ok());
}

Result<ReadReport> read_requiring(FaultFs& fs, std::uint64_t end_lsn_min, RecoveryPolicy policy) {
  ReadOptions o;
  o.policy = policy;
  o.from_lsn = end_lsn_min + 1;
  o.end_lsn_min = end_lsn_min;
  return read_wal(fs, kDir, o, [](const RecordRef&) { return Status::Ok(); });
}

TEST(LogEnd, EndLsnIsTheLastRecordOrOneBeforeAnEmptySegment) {
  FaultFs fs;
  write_records(fs, 5);
  auto read = read_requiring(fs, 5, RecoveryPolicy::kTruncateTail);
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->end_lsn, 5u);
  // A later segment with no record yet (retention took the others): the log ends before it.
  FaultFs empty;
  std::string header;
  encode_segment_header(6, header);
  empty.write_raw(join_path(kDir, segment_name(6)), header + std::string(100, '\0'));
  read = read_requiring(empty, 5, RecoveryPolicy::kTruncateTail);
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->end_lsn, 5u);
  EXPECT_EQ(read->last_lsn, 0u);
}

// A torn tail, a bad header, or simply too few records: refused, and no byte changed (the
// repair a tail cut or a bad header would get happens only once the log reaches far enough).
TEST(LogEnd, ALogEndingBelowEndLsnMinIsRefusedBeforeAnyRepair) {
  FaultFs fs;
  write_records(fs, 5);
  const std::string path = join_path(kDir, segment_name(1));
  const std::string whole = fs.contents(path);
  for (const std::size_t keep : {whole.size(), whole.size() - 3, std::size_t{28}, std::size_t{10}}) {
    for (const auto policy : {RecoveryPolicy::kTruncateTail, RecoveryPolicy::kPointInTime}) {
      FaultFs copy;
      const std::string image = whole.substr(0, keep) + std::string(64, '\0');  // unsealed
      copy.write_raw(path, image);
      auto read = read_requiring(copy, 7, policy);
      ASSERT_FALSE(read.ok()) << keep;
      EXPECT_EQ(read.status().code(), Code::kLogTooShort) << read.status().message();
      EXPECT_NE(read.status().message().find("ends at lsn"), std::string::npos)
          << read.status().message();
      EXPECT_EQ(copy.contents(path), image) << keep;
      EXPECT_FALSE(copy.exists(path + std::string(format::kDroppedSuffix))) << keep;
    }
  }
}

TEST(WriterLog, AStickyFailureIsLoggedOnceWhenItHappens) {
  FaultFs fs;
  Lines lines;
  WalOptions o = testing::options_for();
  o.log = lines.sink();
  auto w = WalWriter::open(fs, o, 1);
  ASSERT_TRUE(w.ok());
  fs.inject({FaultOp::kWrite, 1, true});
  auto lsn = append_payload(**w);
  ASSERT_TRUE(lsn.ok());
  EXPECT_FALSE((*w)->wait_durable(*lsn).ok());
  EXPECT_TRUE(eventually([&] { return lines.count("writes refused until restart") == 1; }));
  EXPECT_FALSE(append_payload(**w).ok());
  (void)(*w)->close();
  EXPECT_EQ(lines.count("writes refused until restart"), 1u);
}

// A writer whose background zero fill of the next segment fails (from its first piece on,
// or every fill from there when `persistent`), once that failure has been counted. open()
// fills its first segment itself, then asks for the next one in the background.
std::unique_ptr<WalWriter> open_with_failed_background_fill(FaultFs& fs, Lines& lines, bool persistent) {
  WalOptions o = testing::options_for();
  o.log = lines.sink();
  const std::uint64_t first_fill_pieces = testing::kTestSegmentBytes / kZeroFillChunkBytes;
  fs.inject({FaultOp::kZeroFill, first_fill_pieces + 1, persistent});
  auto w = WalWriter::open(fs, o, 1);
  EXPECT_TRUE(w.ok()) << w.status().message();
  if (!w.ok()) return nullptr;
  EXPECT_TRUE(eventually([&] { return (*w)->stats().zero_fill_failures == 1; }));
  return std::move(*w);
}

TEST(WriterLog, ABackgroundZeroFillFailureIsLoggedAndCountedWhenItHappens) {
  FaultFs fs;
  Lines lines;
  auto w = open_with_failed_background_fill(fs, lines, false);
  ASSERT_NE(w, nullptr);
  EXPECT_TRUE(eventually([&] { return lines.count("zero fill") == 1; }));
  // Freeing space is enough (the rotation fills the file again): the line must not send the
  // operator to restart (probe 33).
  EXPECT_EQ(lines.count("rotation when it is full fills the file again: free disk space before then"), 1u);
  EXPECT_EQ(lines.count("restart before"), 0u);
  EXPECT_TRUE(w->healthy()) << "records still go to the current segment";
  (void)w->close();
  EXPECT_EQ(lines.count("zero fill"), 1u);
}

// Appends until the log rotates into its second segment or refuses a record; the last LSN.
// A few records at a time, each step durable before the count is read: append() does not wait
// for the writer, so a writer thread kept off the CPU (a loaded machine) found several
// segments' worth staged and rotated through them all in one batch (segments_created 3 to 9).
// A step is far smaller than a segment, so the one that reaches the second segment rotates
// exactly once; a rotation that fails fails its step's wait, and the loop stops there.
std::uint64_t append_past_one_segment(WalWriter& w) {
  constexpr int kRecordsPerStep = 64;  // about 3 KiB of the 1 MiB segment
  std::uint64_t last = 0;
  while (w.stats().segments_created < 2) {
    for (int i = 0; i < kRecordsPerStep; ++i) {
      auto lsn = append_payload(w);
      if (!lsn.ok()) return last;
      last = *lsn;
    }
    if (!w.wait_durable(last).ok()) break;
  }
  return last;
}

// The background fill's first piece fails once (ENOSPC, say, freed since): the rotation that
// needs the file fills it again, says so, and the log goes on.
TEST(WriterLog, AFailedBackgroundZeroFillIsRetriedAtRotationAndTheLogGoesOn) {
  FaultFs fs;
  Lines lines;
  auto w = open_with_failed_background_fill(fs, lines, false);
  ASSERT_NE(w, nullptr);
  const std::uint64_t last = append_past_one_segment(*w);
  ASSERT_TRUE(w->wait_durable(last).ok());
  auto after = append_payload(*w);
  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_TRUE(w->wait_durable(*after).ok()) << "records go on into the new segment";
  EXPECT_TRUE(w->healthy());
  EXPECT_EQ(w->stats().segments_created, 2u);
  EXPECT_EQ(lines.count("retried at rotation and succeeded"), 1u);
  EXPECT_EQ(lines.count("writes refused"), 0u);
  ASSERT_TRUE(w->close().ok());
}

// Every fill fails from the background one on: the retry at rotation fails too, and the log
// fails there, as it would have without the retry.
TEST(WriterLog, AZeroFillThatFailsAgainAtRotationFailsTheLog) {
  FaultFs fs;
  Lines lines;
  auto w = open_with_failed_background_fill(fs, lines, true);
  ASSERT_NE(w, nullptr);
  const std::uint64_t last = append_past_one_segment(*w);
  EXPECT_FALSE(w->wait_durable(last).ok());  // its batch needed the new segment
  EXPECT_FALSE(w->healthy());
  EXPECT_FALSE(append_payload(*w).ok());
  EXPECT_TRUE(eventually([&] { return lines.count("writes refused until restart") == 1; }));
  EXPECT_EQ(lines.count("retried at rotation"), 0u);
  (void)w->close();
}

TEST(SnapshotTemp, RemovesOnlyUnfinishedSnapshotsAndSaysWhat) {
  FaultFs fs;
  ASSERT_TRUE(write_snapshot(fs, kDir, 5, 0, "five").ok());
  fs.write_raw(join_path(kDir, snapshot_name(9) + ".tmp"), "half written");
  fs.write_raw(join_path(kDir, std::string(format::kPreparedSegmentName)), std::string(8, '\0'));
  auto removed = remove_snapshot_temp_files(fs, kDir);
  ASSERT_TRUE(removed.ok());
  ASSERT_EQ(removed->size(), 1u);
  EXPECT_EQ((*removed)[0].name, snapshot_name(9) + ".tmp");
  EXPECT_EQ((*removed)[0].size_bytes, 12u);
  EXPECT_TRUE(fs.exists(join_path(kDir, snapshot_name(5))));
  EXPECT_TRUE(fs.exists(join_path(kDir, std::string(format::kPreparedSegmentName))));
}

}  // namespace
}  // namespace codeledger::wal
