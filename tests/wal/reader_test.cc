// Recovery from damaged logs: every byte offset of a cut and every bit of a flip in the last
// two records, damage in the middle, and damage across segments.
#include <gtest/gtest.h>

#include "wal/fault_fs.h"
#include "wal/format.h"
#include "wal/record.h"
#include "wal_test_util.h"

namespace codeledger::wal {
namespace {

using testing::kDir;
using testing::payload_for;
using testing::read_all;

constexpr std::uint64_t kRecords = 6;

// One segment holding kRecords records; returns its name, bytes and record offsets.
struct Log {
  std::string path;
  std::string bytes;
  std::vector<std::uint64_t> offsets;  // of each record, plus the end of the file
};

Log write_log(std::uint64_t segment_bytes_max = format::kSegmentBytesMaxDefault,
              std::uint64_t records = kRecords, FaultFs* out_fs = nullptr) {
  FaultFs local;
  FaultFs& fs = out_fs ? *out_fs : local;
  WalOptions o = testing::options_for();
  o.segment_bytes_max = segment_bytes_max;
  auto w = WalWriter::open(fs, o, 1);
  EXPECT_TRUE(w.ok());
  for (std::uint64_t i = 0; i < records; ++i) EXPECT_TRUE(testing::append_payload(**w).ok());
  EXPECT_TRUE((*w)->flush().ok());
  EXPECT_TRUE((*w)->close().ok());
  Log log;
  log.path = join_path(kDir, segment_name(1));
  log.bytes = fs.contents(log.path);
  auto rb = read_all(fs, RecoveryPolicy::kStrict);
  EXPECT_TRUE(rb.status.ok());
  std::uint64_t at = format::kSegmentHeaderBytes;
  for (std::uint64_t lsn = 1; lsn <= records; ++lsn) {
    log.offsets.push_back(at);
    at += format::kRecordHeaderBytes + payload_for(lsn).size();
  }
  log.offsets.push_back(at);
  return log;
}

void expect_prefix(const testing::ReadBack& rb, std::uint64_t n) {
  ASSERT_EQ(rb.lsns.size(), n);
  for (std::uint64_t i = 0; i < n; ++i) {
    EXPECT_EQ(rb.lsns[i], i + 1);
    EXPECT_EQ(rb.payloads[i], payload_for(i + 1));
  }
}

TEST(Reader, CleanLogReadsEveryRecordInOrder) {
  Log log = write_log();
  FaultFs fs;
  fs.write_raw(log.path, log.bytes);
  auto rb = read_all(fs, RecoveryPolicy::kStrict);
  ASSERT_TRUE(rb.status.ok()) << rb.status.message();
  expect_prefix(rb, kRecords);
  EXPECT_FALSE(rb.report.cut);
  EXPECT_EQ(log.offsets.back(), log.bytes.size());
}

TEST(Reader, TruncatedTailIsCutAtEveryByteOffsetOfTheLastTwoRecords) {
  Log log = write_log();
  for (std::uint64_t cut = log.offsets[kRecords - 2]; cut < log.bytes.size(); ++cut) {
    FaultFs fs;
    fs.write_raw(log.path, log.bytes.substr(0, cut));
    std::uint64_t whole = 0;
    while (log.offsets[whole + 1] <= cut) ++whole;
    auto rb = read_all(fs, RecoveryPolicy::kTruncateTail);
    ASSERT_TRUE(rb.status.ok()) << "cut at " << cut << ": " << rb.status.message();
    expect_prefix(rb, whole);
    EXPECT_EQ(rb.report.cut, cut != log.offsets[whole]) << cut;
    EXPECT_EQ(fs.contents(log.path).size(), log.offsets[whole]) << cut;
    // The cut is on disk: a strict read now finds a clean log.
    auto again = read_all(fs, RecoveryPolicy::kStrict);
    ASSERT_TRUE(again.status.ok()) << cut;
    expect_prefix(again, whole);
    // Strict refuses the torn log itself.
    FaultFs torn;
    torn.write_raw(log.path, log.bytes.substr(0, cut));
    EXPECT_EQ(read_all(torn, RecoveryPolicy::kStrict).status.ok(), cut == log.offsets[whole]);
  }
}

// Flips every bit of the last two records. A flip in the last record is a torn tail (cut);
// a flip in the one before has a valid record after it: kTruncateTail refuses with file and
// offset, kPointInTime keeps the prefix before it. No flipped record is ever delivered.
TEST(Reader, BitFlipAtEveryBitOfTheLastTwoRecords) {
  Log log = write_log();
  const std::uint64_t second_last = log.offsets[kRecords - 2];
  const std::uint64_t last = log.offsets[kRecords - 1];
  for (std::uint64_t byte = second_last; byte < log.bytes.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string damaged = log.bytes;
      damaged[byte] = static_cast<char>(damaged[byte] ^ (1 << bit));
      bool in_last = byte >= last;
      std::uint64_t damaged_at = in_last ? last : second_last;
      FaultFs tail_fs;
      tail_fs.write_raw(log.path, damaged);
      auto rb = read_all(tail_fs, RecoveryPolicy::kTruncateTail);
      if (in_last) {
        ASSERT_TRUE(rb.status.ok()) << byte << "/" << bit << ": " << rb.status.message();
        expect_prefix(rb, kRecords - 1);
        EXPECT_EQ(rb.report.cut_offset, damaged_at);
      } else {
        ASSERT_FALSE(rb.status.ok()) << byte << "/" << bit;
        EXPECT_EQ(rb.status.code(), Code::kCorruption);
        EXPECT_NE(rb.status.message().find(log.path), std::string::npos);
        EXPECT_NE(rb.status.message().find("offset " + std::to_string(damaged_at)),
                  std::string::npos)
            << rb.status.message();
        EXPECT_EQ(tail_fs.contents(log.path), damaged);  // refused: nothing changed
      }
      FaultFs pit_fs;
      pit_fs.write_raw(log.path, damaged);
      auto pit = read_all(pit_fs, RecoveryPolicy::kPointInTime);
      ASSERT_TRUE(pit.status.ok()) << pit.status.message();
      expect_prefix(pit, in_last ? kRecords - 1 : kRecords - 2);
      EXPECT_EQ(pit.report.records_dropped, in_last ? 0u : 1u);
      EXPECT_EQ(pit.report.bytes_dropped, log.bytes.size() - damaged_at);
      EXPECT_EQ(pit_fs.contents(log.path).size(), damaged_at);
    }
  }
}

TEST(Reader, CorruptionInTheMiddleRefusesUnderTruncateTailAndIsCutUnderPointInTime) {
  Log log = write_log();
  std::string damaged = log.bytes;
  damaged[log.offsets[1] + format::kRecordHeaderBytes] ^= 0x40;  // payload of lsn 2
  FaultFs fs;
  fs.write_raw(log.path, damaged);
  auto rb = read_all(fs, RecoveryPolicy::kTruncateTail);
  ASSERT_EQ(rb.status.code(), Code::kCorruption);
  EXPECT_NE(rb.status.message().find("offset " + std::to_string(log.offsets[1])),
            std::string::npos);
  auto dry = read_all(fs, RecoveryPolicy::kPointInTime, 1, /*repair=*/false);
  ASSERT_TRUE(dry.status.ok());
  EXPECT_EQ(fs.contents(log.path), damaged);  // a dry run changes nothing
  auto pit = read_all(fs, RecoveryPolicy::kPointInTime);
  ASSERT_TRUE(pit.status.ok());
  expect_prefix(pit, 1);
  EXPECT_EQ(pit.report.records_dropped, kRecords - 2);
  EXPECT_FALSE(pit.report.notes.empty());
}

TEST(Reader, DamageInAnOlderSegmentRefusesAndPointInTimeSetsLaterSegmentsAside) {
  FaultFs fs;
  write_log(format::kSegmentBytesMin, 200, &fs);
  auto segs = list_segments(fs, kDir);
  ASSERT_TRUE(segs.ok());
  ASSERT_GE(segs->size(), 3u);
  const std::string second = join_path(kDir, (*segs)[1].name);
  std::string bytes = fs.contents(second);
  fs.write_raw(second, bytes.substr(0, bytes.size() - 3));  // a sealed segment cut short
  EXPECT_EQ(read_all(fs, RecoveryPolicy::kTruncateTail).status.code(), Code::kCorruption);
  auto pit = read_all(fs, RecoveryPolicy::kPointInTime);
  ASSERT_TRUE(pit.status.ok()) << pit.status.message();
  const std::uint64_t kept = pit.lsns.size();
  EXPECT_EQ(kept + 1 + pit.report.records_dropped, 200u);  // the cut one is not counted
  EXPECT_TRUE(fs.exists(join_path(kDir, (*segs)[2].name) + ".dropped"));
  auto again = read_all(fs, RecoveryPolicy::kStrict);
  ASSERT_TRUE(again.status.ok());
  EXPECT_EQ(again.lsns.size(), kept);
}

TEST(Reader, TornSegmentHeaderOfTheLastSegmentIsSetAside) {
  Log log = write_log();
  FaultFs fs;
  fs.write_raw(log.path, log.bytes);
  const std::string next = join_path(kDir, segment_name(kRecords + 1));
  std::string header;
  encode_segment_header(kRecords + 1, header);
  fs.write_raw(next, header.substr(0, 11));
  auto rb = read_all(fs, RecoveryPolicy::kTruncateTail);
  ASSERT_TRUE(rb.status.ok()) << rb.status.message();
  expect_prefix(rb, kRecords);
  EXPECT_FALSE(fs.exists(next));
}

TEST(Reader, FromLsnSkipsEarlierRecordsAndGapIsAnError) {
  FaultFs fs;
  write_log(format::kSegmentBytesMin, 200, &fs);
  auto rb = read_all(fs, RecoveryPolicy::kStrict, 150);
  ASSERT_TRUE(rb.status.ok());
  ASSERT_EQ(rb.lsns.size(), 51u);
  EXPECT_EQ(rb.lsns.front(), 150u);
  auto segs = list_segments(fs, kDir);
  ASSERT_TRUE(fs.remove(join_path(kDir, (*segs)[0].name)).ok());
  EXPECT_EQ(read_all(fs, RecoveryPolicy::kStrict, 1).status.code(), Code::kCorruption);
}

TEST(Reader, EmptyDirectoryIsAnEmptyLog) {
  FaultFs fs;
  auto rb = read_all(fs, RecoveryPolicy::kTruncateTail);
  ASSERT_TRUE(rb.status.ok());
  EXPECT_EQ(rb.report.last_lsn, 0u);
}

}  // namespace
}  // namespace codeledger::wal
