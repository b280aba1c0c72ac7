// Preallocated segments: the zero fill a crashed writer leaves behind is a clean end in every
// policy, a torn record before it is still torn, rotation and close seal segments to their
// written length, and the new file operations fail safely.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "tests/support/eventually.h"
#include "tests/support/thread_sleeps.h"
#include "wal/fault_fs.h"
#include "wal/format.h"
#include "wal/preallocator.h"
#include "wal/record.h"
#include "wal_test_util.h"

namespace codeledger::wal {
namespace {

using testing::append_payload;
using testing::kDir;
using testing::payload_for;
using testing::read_all;

constexpr std::uint64_t kSegmentBytes = 16u << 10;
const std::string kPrepared = join_path(kDir, format::kPreparedSegmentName);

WalOptions small_segments() {
  WalOptions o = testing::options_for();
  o.segment_bytes_max = kSegmentBytes;
  return o;
}

std::unique_ptr<WalWriter> open_writer(FaultFs& fs, std::uint64_t next_lsn,
                                       WalOptions o = small_segments()) {
  auto w = WalWriter::open(fs, std::move(o), next_lsn);
  EXPECT_TRUE(w.ok()) << w.status().message();
  return w.ok() ? std::move(*w) : nullptr;
}

// Appends lsns [first, last] and waits until they are durable (acknowledged).
void append_acked(WalWriter& w, std::uint64_t first, std::uint64_t last) {
  for (std::uint64_t lsn = first; lsn <= last; ++lsn) ASSERT_EQ(*append_payload(w), lsn);
  ASSERT_TRUE(w.wait_durable(last).ok());
}

// The power cut: the writer dies without touching the disk image, which keeps what was
// synced (and torn bytes of what was not).
void power_cut(FaultFs& fs, std::unique_ptr<WalWriter>& w, std::size_t torn = 0) {
  fs.power_off();
  w.reset();
  fs.crash(torn);
  fs.clear_faults();
}

std::vector<SegmentInfo> segments(FaultFs& fs) {
  auto segs = list_segments(fs, kDir);
  EXPECT_TRUE(segs.ok());
  return segs.ok() ? *segs : std::vector<SegmentInfo>{};
}

void expect_lsns(const testing::ReadBack& rb, std::uint64_t last) {
  ASSERT_EQ(rb.lsns.size(), last);
  for (std::uint64_t i = 0; i < last; ++i) {
    EXPECT_EQ(rb.lsns[i], i + 1);
    EXPECT_EQ(rb.payloads[i], payload_for(i + 1));
  }
}

std::uint64_t written_bytes(FaultFs& fs, const SegmentInfo& s) {
  return zero_fill_start(fs.contents(join_path(kDir, s.name)));
}

// The bytes of a sealed segment holding lsns 1..records, and where each record starts.
struct Sealed {
  std::string path;
  std::string bytes;
  std::vector<std::uint64_t> offsets;  // of each record, plus the end
};

Sealed sealed_segment(std::uint64_t records) {
  FaultFs fs;
  auto w = open_writer(fs, 1);
  append_acked(*w, 1, records);
  EXPECT_TRUE(w->close().ok());
  Sealed out;
  out.path = join_path(kDir, segment_name(1));
  out.bytes = fs.contents(out.path);
  std::uint64_t at = format::kSegmentHeaderBytes;
  for (std::uint64_t lsn = 1; lsn <= records; ++lsn) {
    out.offsets.push_back(at);
    at += format::kRecordHeaderBytes + payload_for(lsn).size();
  }
  out.offsets.push_back(at);
  EXPECT_EQ(at, out.bytes.size());
  return out;
}

std::string zero_padded(std::string bytes) {
  bytes.resize(kSegmentBytes, '\0');
  return bytes;
}

constexpr RecoveryPolicy kPolicies[] = {RecoveryPolicy::kStrict, RecoveryPolicy::kTruncateTail,
                                        RecoveryPolicy::kPointInTime};

TEST(ZeroFill, ZeroTailAfterTheLastRecordIsACleanEndInEveryPolicy) {
  FaultFs fs;
  auto w = open_writer(fs, 1);
  append_acked(*w, 1, 20);
  power_cut(fs, w);
  auto segs = segments(fs);
  ASSERT_EQ(segs.size(), 1u);
  const std::string path = join_path(kDir, segs[0].name);
  const std::string image = fs.contents(path);
  ASSERT_EQ(image.size(), kSegmentBytes);  // preallocated and never sealed
  const std::uint64_t written = zero_fill_start(image);
  for (RecoveryPolicy policy : kPolicies) {
    for (bool repair : {false, true}) {
      auto rb = read_all(fs, policy, 1, repair);
      ASSERT_TRUE(rb.status.ok()) << to_string(policy) << ": " << rb.status.message();
      expect_lsns(rb, 20);
      EXPECT_FALSE(rb.report.cut) << to_string(policy);
      EXPECT_TRUE(rb.report.notes.empty()) << to_string(policy);
      EXPECT_EQ(rb.report.zero_tail_bytes, kSegmentBytes - written);
      EXPECT_EQ(rb.report.zero_tail_bytes_trimmed, 0u);
      EXPECT_EQ(fs.contents(path), image);  // the newest segment is left as it is
    }
  }
}

// Down to a single zero byte: a preallocated segment filled up to its last few bytes leaves a
// tail shorter than a record header, and that is as clean as a long one.
TEST(ZeroFill, ZeroTailOfAnyLengthIsClean) {
  const Sealed log = sealed_segment(5);
  for (std::size_t zeros = 1; zeros <= 2 * format::kRecordHeaderBytes; ++zeros) {
    FaultFs fs;
    fs.write_raw(log.path, log.bytes + std::string(zeros, '\0'));
    for (RecoveryPolicy policy : kPolicies) {
      auto rb = read_all(fs, policy);
      ASSERT_TRUE(rb.status.ok()) << zeros << " " << to_string(policy);
      expect_lsns(rb, 5);
      EXPECT_FALSE(rb.report.cut);
      EXPECT_EQ(rb.report.zero_tail_bytes, zeros);
    }
  }
}

TEST(ZeroFill, TornRecordFollowedByZerosIsATornTail) {
  const Sealed log = sealed_segment(6);
  const std::uint64_t at = log.offsets[5];
  // Record 6 got its header and 10 payload bytes onto the disk; the zero fill follows.
  const std::string image =
      zero_padded(log.bytes.substr(0, at + format::kRecordHeaderBytes + 10));
  FaultFs strict_fs;
  strict_fs.write_raw(log.path, image);
  auto strict = read_all(strict_fs, RecoveryPolicy::kStrict);
  ASSERT_EQ(strict.status.code(), Code::kCorruption);
  EXPECT_NE(strict.status.message().find(log.path + " at offset " + std::to_string(at)),
            std::string::npos)
      << strict.status.message();
  FaultFs fs;
  fs.write_raw(log.path, image);
  auto rb = read_all(fs, RecoveryPolicy::kTruncateTail);
  ASSERT_TRUE(rb.status.ok()) << rb.status.message();
  expect_lsns(rb, 5);
  EXPECT_TRUE(rb.report.cut);
  EXPECT_EQ(rb.report.cut_offset, at);
  EXPECT_EQ(rb.report.bytes_dropped, format::kRecordHeaderBytes + 10);  // zeros are not data
  EXPECT_FALSE(rb.report.notes.empty());
  EXPECT_EQ(fs.contents(log.path), log.bytes.substr(0, at));
}

// The same torn record in an older segment, with a newer segment after it, is not the end of
// the log: strict and truncate-tail refuse and name the place.
TEST(ZeroFill, TornRecordBeforeZerosInAnOlderSegmentIsRefused) {
  const Sealed log = sealed_segment(6);
  const std::uint64_t at = log.offsets[5];
  FaultFs fs;
  fs.write_raw(log.path, zero_padded(log.bytes.substr(0, at + 7)));
  auto w = open_writer(fs, 6);
  append_acked(*w, 6, 9);
  ASSERT_TRUE(w->close().ok());
  for (RecoveryPolicy policy : {RecoveryPolicy::kStrict, RecoveryPolicy::kTruncateTail}) {
    auto rb = read_all(fs, policy);
    ASSERT_EQ(rb.status.code(), Code::kCorruption) << to_string(policy);
    EXPECT_NE(rb.status.message().find(log.path + " at offset " + std::to_string(at)),
              std::string::npos)
        << rb.status.message();
  }
}

// Zeros with a valid record after them are lost data (a zeroed block), not zero fill.
TEST(ZeroFill, ZerosFollowedByARecordAreDamageNotZeroFill) {
  const Sealed log = sealed_segment(6);
  std::string bytes = log.bytes;
  std::fill(bytes.begin() + log.offsets[4], bytes.begin() + log.offsets[5], '\0');  // lsn 5
  FaultFs fs;
  fs.write_raw(log.path, zero_padded(bytes));
  EXPECT_EQ(read_all(fs, RecoveryPolicy::kStrict).status.code(), Code::kCorruption);
  auto refused = read_all(fs, RecoveryPolicy::kTruncateTail);
  ASSERT_EQ(refused.status.code(), Code::kCorruption);
  EXPECT_NE(refused.status.message().find("offset " + std::to_string(log.offsets[4])),
            std::string::npos);
  auto pit = read_all(fs, RecoveryPolicy::kPointInTime);
  ASSERT_TRUE(pit.status.ok());
  expect_lsns(pit, 4);
  EXPECT_EQ(pit.report.records_dropped, 1u);
}

// A crash before the segment was sealed, then a restart that starts a newer segment: the
// older segment's zero fill is accepted everywhere, and repair trims it (only it).
TEST(ZeroFill, OlderSegmentWithZeroTailThenNewerSegmentRecovers) {
  FaultFs fs;
  auto w = open_writer(fs, 1);
  append_acked(*w, 1, 30);
  power_cut(fs, w);
  auto first = read_all(fs, RecoveryPolicy::kTruncateTail);
  ASSERT_TRUE(first.status.ok()) << first.status.message();
  expect_lsns(first, 30);
  EXPECT_FALSE(first.report.cut);
  w = open_writer(fs, 31);
  append_acked(*w, 31, 50);
  power_cut(fs, w);
  auto segs = segments(fs);
  ASSERT_EQ(segs.size(), 2u);
  const std::string older = join_path(kDir, segs[0].name);
  const std::string newer = join_path(kDir, segs[1].name);
  const std::string older_image = fs.contents(older);
  ASSERT_EQ(older_image.size(), kSegmentBytes);
  const std::uint64_t older_written = zero_fill_start(older_image);
  for (RecoveryPolicy policy : kPolicies) {
    auto dry = read_all(fs, policy, 1, /*repair=*/false);
    ASSERT_TRUE(dry.status.ok()) << to_string(policy) << ": " << dry.status.message();
    expect_lsns(dry, 50);
    EXPECT_FALSE(dry.report.cut);
    EXPECT_EQ(fs.contents(older), older_image);
  }
  ASSERT_TRUE(read_all(fs, RecoveryPolicy::kStrict).status.ok());
  EXPECT_EQ(fs.contents(older), older_image);  // strict never changes anything
  auto repaired = read_all(fs, RecoveryPolicy::kTruncateTail);
  ASSERT_TRUE(repaired.status.ok()) << repaired.status.message();
  expect_lsns(repaired, 50);
  EXPECT_FALSE(repaired.report.cut);
  EXPECT_TRUE(repaired.report.notes.empty());
  EXPECT_EQ(repaired.report.zero_tail_bytes_trimmed, kSegmentBytes - older_written);
  EXPECT_EQ(fs.contents(older), older_image.substr(0, older_written));
  EXPECT_EQ(fs.contents(newer).size(), kSegmentBytes);  // the newest is not trimmed
  w = open_writer(fs, 51);
  append_acked(*w, 51, 60);
  ASSERT_TRUE(w->close().ok());
  expect_lsns(read_all(fs, RecoveryPolicy::kStrict), 60);
}

// No read trims the newest segment's zero tail (it may be a live writer's); the read says
// where it is, and trim_newest_zero_tail cuts it for the one caller that owns the directory
// (the server's recovery, whose writer then starts a new segment).
TEST(ZeroFill, TheNewestSegmentIsTrimmedOnlyWhenItsOwnerAsks) {
  FaultFs fs;
  auto w = open_writer(fs, 1);
  append_acked(*w, 1, 30);
  power_cut(fs, w);
  const std::string newest = join_path(kDir, segments(fs).back().name);
  const std::string image = fs.contents(newest);
  const std::size_t written = zero_fill_start(image);
  ASSERT_LT(written, image.size());
  auto read = read_all(fs, RecoveryPolicy::kTruncateTail);
  ASSERT_TRUE(read.status.ok());
  EXPECT_EQ(fs.contents(newest), image);
  EXPECT_EQ(read.report.zero_tail_bytes_trimmed, 0u);
  EXPECT_EQ(join_path(kDir, read.report.newest_tail_file), newest);
  EXPECT_EQ(read.report.newest_tail_offset, written);
  ASSERT_TRUE(trim_newest_zero_tail(fs, kDir, read.report).ok());
  EXPECT_EQ(read.report.zero_tail_bytes_trimmed, image.size() - written);
  EXPECT_EQ(fs.contents(newest), image.substr(0, written));
  EXPECT_EQ(read_all(fs, RecoveryPolicy::kStrict).lsns.size(), 30u);
}

TEST(ZeroFill, CrashAfterZeroFillBeforeTheFirstRecord) {
  for (std::uint64_t before : {0, 12}) {  // an empty log, then one with a sealed segment
    SCOPED_TRACE(before);
    FaultFs fs;
    std::unique_ptr<WalWriter> w;
    if (before > 0) {
      w = open_writer(fs, 1);
      append_acked(*w, 1, before);
      ASSERT_TRUE(w->close().ok());
    }
    w = open_writer(fs, before + 1);
    power_cut(fs, w);
    auto segs = segments(fs);
    ASSERT_EQ(segs.size(), before > 0 ? 2u : 1u);
    EXPECT_EQ(segs.back().first_lsn, before + 1);
    EXPECT_EQ(segs.back().size_bytes, kSegmentBytes);  // a header and zeros
    for (RecoveryPolicy policy : kPolicies) {
      auto rb = read_all(fs, policy);
      ASSERT_TRUE(rb.status.ok()) << to_string(policy) << ": " << rb.status.message();
      expect_lsns(rb, before);
      EXPECT_FALSE(rb.report.cut);
    }
    // The restart begins at the same LSN: the empty segment is replaced.
    w = open_writer(fs, before + 1);
    append_acked(*w, before + 1, before + 10);
    power_cut(fs, w);
    expect_lsns(read_all(fs, RecoveryPolicy::kStrict), before + 10);
  }
}

TEST(ZeroFill, FailedZeroFillAtOpenFailsOpenAndLeavesNoSegment) {
  for (bool persistent : {false, true}) {
    FaultFs fs;
    fs.set_failed_write_keeps_bytes(100);
    fs.inject({FaultOp::kZeroFill, 2, persistent});
    WalOptions o = small_segments();
    o.segment_bytes_max = 3 * kZeroFillChunkBytes;  // three pieces; the second one fails
    EXPECT_EQ(WalWriter::open(fs, o, 1).status().code(), Code::kIoError);
    fs.crash(64);
    fs.clear_faults();
    EXPECT_TRUE(segments(fs).empty());
    auto rb = read_all(fs, RecoveryPolicy::kStrict);
    ASSERT_TRUE(rb.status.ok());
    EXPECT_EQ(rb.report.records, 0u);
    auto w = open_writer(fs, 1, o);
    append_acked(*w, 1, 5);
    ASSERT_TRUE(w->close().ok());
    expect_lsns(read_all(fs, RecoveryPolicy::kStrict), 5);
  }
}

TEST(ZeroFill, RotationAndCloseSealSegmentsToTheirWrittenLength) {
  FaultFs fs;
  auto w = open_writer(fs, 1);
  append_acked(*w, 1, 1000);
  auto segs = segments(fs);
  ASSERT_GE(segs.size(), 3u);
  for (std::size_t i = 0; i + 1 < segs.size(); ++i) {
    EXPECT_EQ(written_bytes(fs, segs[i]), segs[i].size_bytes) << segs[i].name;  // no zeros
    EXPECT_LE(segs[i].size_bytes, kSegmentBytes);
  }
  EXPECT_EQ(segs.back().size_bytes, kSegmentBytes);  // the open one is preallocated
  ASSERT_TRUE(w->close().ok());
  const SegmentInfo last = segments(fs).back();
  EXPECT_EQ(written_bytes(fs, last), last.size_bytes);
  EXPECT_LT(last.size_bytes, kSegmentBytes);
  EXPECT_FALSE(fs.exists(kPrepared));  // a clean shutdown leaves segments only
  expect_lsns(read_all(fs, RecoveryPolicy::kStrict), 1000);
  const WalStats stats = w->stats();
  EXPECT_EQ(stats.segments_created, segs.size());
  std::uint64_t fsyncs = 0, batches = 0;
  for (auto c : stats.fsync_us.counts) fsyncs += c;
  for (auto c : stats.batch_records.counts) batches += c;
  EXPECT_EQ(fsyncs, stats.fsyncs);
  EXPECT_EQ(batches, stats.batches);
  EXPECT_EQ(stats.batch_records.sum, 1000u);
}

// open() fills the (small) first segment itself and asks for the next one at once, so the
// first rotation finds it ready and renames it into place.
TEST(ZeroFill, NextSegmentIsZeroFilledInTheBackgroundFromOpen) {
  FaultFs fs;
  auto w = open_writer(fs, 1);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  // Wait for the fill's write, not for the file: the file exists from the fill's first
  // step (create), before its zeros are written and counted.
  while (fs.calls(FaultOp::kZeroFill) < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_TRUE(fs.exists(kPrepared));
  EXPECT_EQ(fs.calls(FaultOp::kZeroFill), 2u);  // the first segment during open, then the next
  append_acked(*w, 1, 400);                      // rotates once, into the prepared file
  EXPECT_EQ(segments(fs).size(), 2u);
  ASSERT_TRUE(w->close().ok());
  EXPECT_FALSE(fs.exists(kPrepared));  // renamed into place, or discarded at close
  expect_lsns(read_all(fs, RecoveryPolicy::kStrict), 400);
}

// With full-size (64 MiB) segments, open() zero-fills only a 4 MiB first segment: a restart
// does not wait for a whole segment to reach the disk.
TEST(ZeroFill, FirstSegmentAfterOpenIsSmall) {
  FaultFs fs;
  WalOptions o = testing::options_for();
  o.segment_bytes_max = format::kSegmentBytesMaxDefault;
  auto w = open_writer(fs, 1, o);
  ASSERT_NE(w, nullptr);
  append_acked(*w, 1, 10);
  const auto segs = segments(fs);
  ASSERT_EQ(segs.size(), 1u);
  EXPECT_EQ(segs[0].size_bytes, std::uint64_t{4} << 20);
  ASSERT_TRUE(w->close().ok());
  expect_lsns(read_all(fs, RecoveryPolicy::kStrict), 10);
}

// The background fill rests between pieces (ZeroFillPace), so it never holds the disk for a
// whole segment at once.
constexpr std::uint64_t kPieces = 8;

void wait_for_zero_pieces(FaultFs& fs, std::uint64_t n) {
  ASSERT_TRUE(codeledger::testing::eventually([&] { return fs.calls(FaultOp::kZeroFill) >= n; }))
      << fs.calls(FaultOp::kZeroFill) << " pieces";
}

// FaultFs that sees a zero fill's rests: the calls after each piece (AfterZeroPiece), where a
// paced fill waits. A rest counts as begun when the call starts and as ended when it returns.
class RestWatchingFs final : public FaultFs {
 public:
  Result<std::unique_ptr<WritableFile>> create_zeroed(const std::string& path,
                                                      std::uint64_t size_bytes,
                                                      AfterZeroPiece after_piece) override {
    return FaultFs::create_zeroed(path, size_bytes, [&](std::chrono::microseconds took) {
      filler_ = static_cast<int>(::gettid());
      ++rests_begun_;
      after_piece(took);
      ++rests_ended_;
    });
  }
  std::uint64_t rests_ended() const { return rests_ended_; }

  // The fill has begun rest number n and is asleep in it: it has had its chance to write the
  // next piece at once and rests instead. Read in this order, so the sleep seen was in rest n.
  bool asleep_in_rest(std::uint64_t n) const {
    return rests_begun_ >= n && codeledger::testing::asleep(filler_) && rests_ended_ < n;
  }

 private:
  std::atomic<int> filler_{0};  // the thread of the latest rest
  std::atomic<std::uint64_t> rests_begun_{0};
  std::atomic<std::uint64_t> rests_ended_{0};
};

// Until the fill is asleep in rest n, at most 20 s.
void wait_asleep_in_rest(const RestWatchingFs& fs, std::uint64_t n) {
  ASSERT_TRUE(codeledger::testing::eventually([&] { return fs.asleep_in_rest(n); }))
      << "the fill never rested after piece " << n << " (rests ended: " << fs.rests_ended()
      << ", pieces: " << fs.calls(FaultOp::kZeroFill) << ")";
}

// A preallocator of kPieces pieces whose fill rests `rest` after each piece.
std::unique_ptr<SegmentPreallocator> resting_preallocator(FaultFs& fs, std::chrono::seconds rest) {
  EXPECT_TRUE(fs.create_dir(kDir).ok());
  ZeroFillPace pace;
  pace.rest_min = rest;
  pace.rest_max = rest;
  return std::make_unique<SegmentPreallocator>(fs, kDir, kPieces * kZeroFillChunkBytes, pace);
}

TEST(ZeroFill, BackgroundFillRestsBetweenPieces) {
  RestWatchingFs fs;
  auto p = resting_preallocator(fs, std::chrono::seconds(2));
  p->request();
  wait_asleep_in_rest(fs, 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(fs.rests_ended(), 0u);              // still resting after the first piece,
  EXPECT_EQ(fs.calls(FaultOp::kZeroFill), 1u);  // and no second piece meanwhile
  p->discard();                                  // cuts the rest short: no 14 s wait
  EXPECT_FALSE(fs.exists(kPrepared));
}

// A writer that needs the file does not wait out the rests: take() finishes the fill unpaced.
TEST(ZeroFill, TakeFinishesTheFillWithoutRests) {
  RestWatchingFs fs;
  auto p = resting_preallocator(fs, std::chrono::seconds(60));
  p->request();
  wait_for_zero_pieces(fs, 1);
  const auto start = std::chrono::steady_clock::now();
  auto file = p->take();
  ASSERT_TRUE(file.ok()) << file.status().message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  EXPECT_EQ(fs.calls(FaultOp::kZeroFill), kPieces);
  EXPECT_EQ((*file)->size_bytes(), kPieces * kZeroFillChunkBytes);
  // A second fill rests again: the hurry was for the fill that was taken.
  p->request();
  wait_asleep_in_rest(fs, kPieces + 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(fs.rests_ended(), kPieces);
  EXPECT_EQ(fs.calls(FaultOp::kZeroFill), kPieces + 1);
}

TEST(ZeroFill, PreallocateOffAppendsAndNeverZeroFills) {
  FaultFs fs;
  WalOptions o = small_segments();
  o.preallocate = false;
  auto w = open_writer(fs, 1, o);
  append_acked(*w, 1, 400);
  EXPECT_EQ(fs.calls(FaultOp::kZeroFill), 0u);
  EXPECT_EQ(fs.calls(FaultOp::kTruncate), 0u);
  for (const auto& s : segments(fs)) EXPECT_EQ(written_bytes(fs, s), s.size_bytes);
  ASSERT_TRUE(w->close().ok());
  expect_lsns(read_all(fs, RecoveryPolicy::kStrict), 400);
}

// The real file system: positioned writes land in the preallocated file (no O_APPEND), and
// close cuts it to its written length.
TEST(ZeroFill, PosixSegmentsArePreallocatedThenSealed) {
  namespace stdfs = std::filesystem;
  const stdfs::path dir =
      stdfs::temp_directory_path() / ("codeledger-zero-fill-" + std::to_string(::getpid()));
  stdfs::remove_all(dir);
  WalOptions o = small_segments();
  o.dir = dir.string();
  auto w = WalWriter::open(posix_fs(), o, 1);
  ASSERT_TRUE(w.ok()) << w.status().message();
  append_acked(**w, 1, 100);
  const stdfs::path segment = dir / segment_name(1);
  EXPECT_EQ(stdfs::file_size(segment), kSegmentBytes);
  ASSERT_TRUE((*w)->close().ok());
  EXPECT_LT(stdfs::file_size(segment), kSegmentBytes);
  EXPECT_FALSE(stdfs::exists(dir / format::kPreparedSegmentName));
  expect_lsns(read_all(posix_fs(), RecoveryPolicy::kStrict, 1, true, dir.string()), 100);
  stdfs::remove_all(dir);
}

}  // namespace
}  // namespace codeledger::wal
