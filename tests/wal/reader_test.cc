// Recovery from damaged logs: every byte offset of a cut and every bit of a flip in the last
// two records, damage in the middle, and damage across segments. Every test runs in both
// writer modes: Appended (a crash leaves the file ending where the writing stopped) and
// Preallocated (a crash before sealing leaves the segment's zero fill after it).
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
constexpr std::uint64_t kSegmentBytes = 64u << 10;

// One segment holding kRecords records; returns its name, bytes and record offsets.
struct Log {
  std::string path;
  std::string bytes;
  std::vector<std::uint64_t> offsets;  // of each record, plus the end of the file
};

Log write_log(bool preallocate, std::uint64_t segment_bytes_max = kSegmentBytes,
              std::uint64_t records = kRecords, FaultFs* out_fs = nullptr) {
  FaultFs local;
  FaultFs& fs = out_fs ? *out_fs : local;
  WalOptions o = testing::options_for(Durability::kSync, preallocate);
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

class Reader : public ::testing::TestWithParam<bool> {
 protected:
  bool preallocated() const { return GetParam(); }
  // What a crash leaves of a segment whose writer had got `written` bytes onto the disk:
  // appended, the file ends there; preallocated and not yet sealed, zeros follow up to the
  // segment's full size.
  std::string on_disk(std::string written, std::uint64_t segment_bytes = kSegmentBytes) const {
    if (preallocated() && written.size() < segment_bytes) written.resize(segment_bytes, '\0');
    return written;
  }
  // A power cut now: the newest segment is left unsealed, as a crashed writer leaves it.
  void unseal_newest(FaultFs& fs, std::uint64_t segment_bytes) const {
    auto segs = list_segments(fs, kDir);
    ASSERT_TRUE(segs.ok() && !segs->empty());
    const std::string path = join_path(kDir, segs->back().name);
    fs.write_raw(path, on_disk(fs.contents(path), segment_bytes));
  }
  Log write_log(std::uint64_t segment_bytes_max = kSegmentBytes, std::uint64_t records = kRecords,
                FaultFs* out_fs = nullptr) const {
    return wal::write_log(preallocated(), segment_bytes_max, records, out_fs);
  }
  // A whole log of kRecords, then the next segment with only 11 bytes of its header (a crash
  // during rotation). Returns that segment's path.
  std::string write_log_and_torn_next_header(FaultFs& fs) const {
    Log log = write_log();
    fs.write_raw(log.path, log.bytes);
    const std::string next = join_path(kDir, segment_name(kRecords + 1));
    std::string header;
    encode_segment_header(kRecords + 1, header);
    fs.write_raw(next, on_disk(header.substr(0, 11)));
    return next;
  }
};
INSTANTIATE_TEST_SUITE_P(Modes, Reader, ::testing::Bool(), testing::mode_name);

bool all_zero(std::string_view bytes) { return zero_fill_start(bytes) == 0; }

void expect_prefix(const testing::ReadBack& rb, std::uint64_t n) {
  ASSERT_EQ(rb.lsns.size(), n);
  for (std::uint64_t i = 0; i < n; ++i) {
    EXPECT_EQ(rb.lsns[i], i + 1);
    EXPECT_EQ(rb.payloads[i], payload_for(i + 1));
  }
}

TEST_P(Reader, CleanLogReadsEveryRecordInOrder) {
  Log log = write_log();
  FaultFs fs;
  fs.write_raw(log.path, on_disk(log.bytes));
  auto rb = read_all(fs, RecoveryPolicy::kStrict);
  ASSERT_TRUE(rb.status.ok()) << rb.status.message();
  expect_prefix(rb, kRecords);
  EXPECT_FALSE(rb.report.cut);
  EXPECT_EQ(log.offsets.back(), log.bytes.size());  // sealed: cut to its written length
  EXPECT_EQ(rb.report.zero_tail_bytes, on_disk(log.bytes).size() - log.bytes.size());
}

TEST_P(Reader, TruncatedTailIsCutAtEveryByteOffsetOfTheLastTwoRecords) {
  Log log = write_log();
  for (std::uint64_t cut = log.offsets[kRecords - 2]; cut < log.bytes.size(); ++cut) {
    const std::string image = on_disk(log.bytes.substr(0, cut));
    FaultFs fs;
    fs.write_raw(log.path, image);
    std::uint64_t whole = 0;
    while (log.offsets[whole + 1] <= cut) ++whole;
    // What reached the disk of the record being written; all zero (in practice: nothing) is
    // indistinguishable from never written, so that is zero fill and not a torn record.
    const std::string partial = log.bytes.substr(log.offsets[whole], cut - log.offsets[whole]);
    const bool torn = !partial.empty() && !(preallocated() && all_zero(partial));
    auto rb = read_all(fs, RecoveryPolicy::kTruncateTail);
    ASSERT_TRUE(rb.status.ok()) << "cut at " << cut << ": " << rb.status.message();
    expect_prefix(rb, whole);
    EXPECT_EQ(rb.report.cut, torn) << cut;
    EXPECT_TRUE(rb.report.notes.empty() != torn) << cut;
    // A torn tail is cut off (with the zeros after it); a clean end is left as it is.
    EXPECT_EQ(fs.contents(log.path), torn ? log.bytes.substr(0, log.offsets[whole]) : image)
        << cut;
    // The cut is on disk: a strict read now finds a clean log.
    auto again = read_all(fs, RecoveryPolicy::kStrict);
    ASSERT_TRUE(again.status.ok()) << cut;
    expect_prefix(again, whole);
    // Strict refuses the torn log itself, naming the place.
    FaultFs torn_fs;
    torn_fs.write_raw(log.path, image);
    Status strict = read_all(torn_fs, RecoveryPolicy::kStrict).status;
    EXPECT_EQ(strict.ok(), !torn) << cut;
    if (torn) {
      EXPECT_NE(strict.message().find("offset " + std::to_string(log.offsets[whole])),
                std::string::npos)
          << strict.message();
    }
  }
}

// Flips every bit of the last two records. A flip in the last record is a torn tail (cut);
// a flip in the one before has a valid record after it: kTruncateTail refuses with file and
// offset, kPointInTime keeps the prefix before it. No flipped record is ever delivered.
TEST_P(Reader, BitFlipAtEveryBitOfTheLastTwoRecords) {
  Log log = write_log();
  const std::uint64_t second_last = log.offsets[kRecords - 2];
  const std::uint64_t last = log.offsets[kRecords - 1];
  for (std::uint64_t byte = second_last; byte < log.bytes.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string flipped = log.bytes;
      flipped[byte] = static_cast<char>(flipped[byte] ^ (1 << bit));
      const std::string damaged = on_disk(flipped);
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
      EXPECT_EQ(pit.report.bytes_dropped, log.bytes.size() - damaged_at);  // zeros are not data
      EXPECT_EQ(pit_fs.contents(log.path).size(), damaged_at);
    }
  }
}

TEST_P(Reader, CorruptionInTheMiddleRefusesUnderTruncateTailAndIsCutUnderPointInTime) {
  Log log = write_log();
  std::string damaged = log.bytes;
  damaged[log.offsets[1] + format::kRecordHeaderBytes] ^= 0x40;  // payload of lsn 2
  damaged = on_disk(damaged);
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
  // The note counts the damaged record apart, by its LSN: "0 records dropped" once hid an
  // acknowledged record lost (probe 34a).
  ASSERT_EQ(pit.report.notes.size(), 1u);
  EXPECT_NE(pit.report.notes[0].find(" bytes from lsn 2 on dropped (the damaged record and " +
                                     std::to_string(kRecords - 2) + " valid records after it)"),
            std::string::npos)
      << pit.report.notes[0];
}

// The refusal says what is wrong and where, then what the caller does about it: by default
// the server's start-up words, which its operators know (docs/operations.md); a read-only
// tool, which is not starting, gives its own (probe 39).
TEST_P(Reader, RefusalOfDamageBeforeTheTailEndsWithTheCallersConsequence) {
  Log log = write_log();
  std::string damaged = log.bytes;
  damaged[log.offsets[1] + format::kRecordHeaderBytes] ^= 0x40;  // payload of lsn 2
  FaultFs fs;
  fs.write_raw(log.path, on_disk(damaged));
  const std::string what = "bad record in " + log.path + " at offset " +
                           std::to_string(log.offsets[1]) + " with valid records after it; ";
  ReadOptions o;
  const auto ignore = [](const RecordRef&) { return Status::Ok(); };
  auto server = read_wal(fs, kDir, o, ignore);
  ASSERT_EQ(server.status().code(), Code::kCorruption);
  EXPECT_EQ(server.status().message(),
            what + "refusing to start, point-in-time recovery would drop them");
  o.damage_consequence = "codeledgerd would refuse to start";
  auto tool = read_wal(fs, kDir, o, ignore);
  ASSERT_EQ(tool.status().code(), Code::kCorruption);
  EXPECT_EQ(tool.status().message(),
            what + "codeledgerd would refuse to start, point-in-time recovery would drop them");
}

TEST_P(Reader, DamageInAnOlderSegmentRefusesAndPointInTimeSetsLaterSegmentsAside) {
  FaultFs fs;
  write_log(format::kSegmentBytesMin, 200, &fs);
  unseal_newest(fs, format::kSegmentBytesMin);
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

TEST_P(Reader, TornSegmentHeaderOfTheLastSegmentIsSetAside) {
  FaultFs fs;
  const std::string next = write_log_and_torn_next_header(fs);
  auto rb = read_all(fs, RecoveryPolicy::kTruncateTail);
  ASSERT_TRUE(rb.status.ok()) << rb.status.message();
  expect_prefix(rb, kRecords);
  EXPECT_FALSE(fs.exists(next));
}

// A log rewritten after a cut at a segment's start reuses that segment's name, so a second
// cut there sets aside a file whose ".dropped" name an earlier recovery holds: the earlier
// one stays, the new one is ".dropped.1" (probe 32: it was renamed over).
TEST_P(Reader, ASecondSetAsideOfTheSameSegmentNameKeepsTheFirst) {
  FaultFs fs;
  const std::string next = write_log_and_torn_next_header(fs);
  const std::string torn = fs.contents(next);
  fs.write_raw(next + ".dropped", "set aside by an earlier recovery");
  auto rb = read_all(fs, RecoveryPolicy::kTruncateTail);
  ASSERT_TRUE(rb.status.ok()) << rb.status.message();
  expect_prefix(rb, kRecords);
  EXPECT_EQ(fs.contents(next + ".dropped"), "set aside by an earlier recovery");
  EXPECT_EQ(fs.contents(next + ".dropped.1"), torn);
  EXPECT_FALSE(fs.exists(next));
}

TEST_P(Reader, FromLsnSkipsEarlierRecordsAndGapIsAnError) {
  FaultFs fs;
  write_log(format::kSegmentBytesMin, 200, &fs);
  unseal_newest(fs, format::kSegmentBytesMin);
  auto rb = read_all(fs, RecoveryPolicy::kStrict, 150);
  ASSERT_TRUE(rb.status.ok());
  ASSERT_EQ(rb.lsns.size(), 51u);
  EXPECT_EQ(rb.lsns.front(), 150u);
  auto segs = list_segments(fs, kDir);
  ASSERT_TRUE(fs.remove(join_path(kDir, (*segs)[0].name)).ok());
  EXPECT_EQ(read_all(fs, RecoveryPolicy::kStrict, 1).status.code(), Code::kCorruption);
}

TEST_P(Reader, EmptyDirectoryIsAnEmptyLog) {
  FaultFs fs;
  auto rb = read_all(fs, RecoveryPolicy::kTruncateTail);
  ASSERT_TRUE(rb.status.ok());
  EXPECT_EQ(rb.report.last_lsn, 0u);
  EXPECT_EQ(rb.report.summary(), "0 records in 0 segments");  // no "lsn 0..0"
}

TEST_P(Reader, TheSummaryGivesTheRangeOfTheRecordsRead) {
  Log log = write_log();
  FaultFs fs;
  fs.write_raw(log.path, on_disk(log.bytes));
  auto rb = read_all(fs, RecoveryPolicy::kStrict);
  ASSERT_TRUE(rb.status.ok());
  EXPECT_EQ(rb.report.summary(), std::to_string(kRecords) + " records in 1 segments, lsn 1.." +
                                     std::to_string(kRecords));
}

}  // namespace
}  // namespace codeledger::wal
