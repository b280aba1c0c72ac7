// Fault injection over a reference workload: fail the Nth write, fsync, rename, directory
// fsync, zero-fill piece or truncate, once and persistently, for every N the workload
// reaches; then crash and recover. Both writer modes: with preallocation every record write
// is a positioned write into zeros, rotation renames the prepared file and seals (truncates)
// the old segment.
// Nothing acknowledged may be lost, nothing unacknowledged may be half visible (every record
// read back is whole and in order), and a failed writer stays failed.
#include <gtest/gtest.h>

#include "wal/fault_fs.h"
#include "wal/format.h"
#include "wal/snapshot.h"
#include "wal_test_util.h"

namespace codeledger::wal {
namespace {

using testing::append_payload;
using testing::kDir;
using testing::payload_for;
using testing::read_all;

constexpr int kWorkloadRecords = 150;
constexpr int kAckEvery = 3;
constexpr int kSnapshotEvery = 50;

struct Outcome {
  std::uint64_t acked_lsn = 0;       // highest LSN whose wait_durable returned ok
  std::uint64_t acked_snapshot = 0;  // highest snapshot LSN whose write returned ok
  bool wal_failed = false;
};

// lanes 2: fdatasyncs overlap wherever they can (overlap_min_bytes 0).
WalOptions workload_options(bool preallocate, std::size_t lanes = 1) {
  WalOptions o = testing::options_for(Durability::kSync, preallocate);
  o.segment_bytes_max = format::kSegmentBytesMin;  // several rotations in the workload
  o.sync_lanes = lanes;
  o.overlap_min_bytes = 0;
  return o;
}

// After a failure: appends and waits keep failing and the log is never fsynced again.
void expect_sticky(FaultFs& fs, WalWriter& w) {
  EXPECT_FALSE(w.healthy());
  constexpr FaultOp kDiskOps[] = {FaultOp::kWrite, FaultOp::kSync, FaultOp::kZeroFill,
                                  FaultOp::kTruncate};
  std::uint64_t before[std::size(kDiskOps)];
  for (std::size_t i = 0; i < std::size(kDiskOps); ++i) before[i] = fs.calls(kDiskOps[i]);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(append_payload(w).status().code(), Code::kFailed);
    EXPECT_FALSE(w.wait_durable(w.last_lsn()).ok() && w.last_lsn() > w.durable_lsn());
  }
  for (std::size_t i = 0; i < std::size(kDiskOps); ++i) {
    EXPECT_EQ(fs.calls(kDiskOps[i]), before[i]) << "op " << i;
  }
}

// How the workload ends: a clean close (which seals the segment), or a power cut with the
// writer still open and two unacknowledged records in flight (lost, whole or torn).
enum class End : std::uint8_t { kClose, kPowerCut };

Outcome run_workload(FaultFs& fs, bool preallocate, End end = End::kClose,
                     std::size_t lanes = 1) {
  Outcome out;
  auto opened = WalWriter::open(fs, workload_options(preallocate, lanes), 1);
  if (!opened.ok()) return out;
  WalWriter& w = **opened;
  for (int i = 1; i <= kWorkloadRecords; ++i) {
    auto lsn = append_payload(w);
    if (!lsn.ok()) {
      out.wal_failed = true;
      break;
    }
    if (i % kAckEvery == 0) {
      if (!w.wait_durable(*lsn).ok()) {
        out.wal_failed = true;
        break;
      }
      out.acked_lsn = *lsn;
    }
    if (i % kSnapshotEvery == 0 &&
        write_snapshot(fs, kDir, out.acked_lsn, 0, payload_for(out.acked_lsn)).ok()) {
      out.acked_snapshot = out.acked_lsn;
    }
  }
  if (out.wal_failed) expect_sticky(fs, w);
  if (end == End::kPowerCut) {
    for (int i = 0; i < 2 && !out.wal_failed; ++i) (void)append_payload(w);
    fs.power_off();
  }
  return out;  // destroys the writer: a clean close, unless the power is off
}

// Recovery after the crash: a whole prefix, at least everything acknowledged.
std::uint64_t expect_recovered(FaultFs& fs, const Outcome& out, const std::string& what) {
  auto rb = read_all(fs, RecoveryPolicy::kTruncateTail);
  EXPECT_TRUE(rb.status.ok()) << what << ": " << rb.status.message();
  EXPECT_GE(rb.lsns.size(), out.acked_lsn) << what;
  for (std::size_t i = 0; i < rb.lsns.size(); ++i) {
    EXPECT_EQ(rb.lsns[i], i + 1) << what;
    EXPECT_EQ(rb.payloads[i], payload_for(i + 1)) << what;
  }
  auto snap = load_newest_snapshot(fs, kDir, nullptr);
  EXPECT_TRUE(snap.ok()) << what;
  if (out.acked_snapshot > 0) {
    EXPECT_TRUE(snap->has_value()) << what;
    if (snap->has_value()) {
      EXPECT_GE((*snap)->info.covered_lsn, out.acked_snapshot) << what;
    }
  }
  return rb.lsns.size();
}

// The log stays usable after recovery: a new writer continues at the next LSN.
std::uint64_t clean_run_calls(FaultOp op, bool preallocate, std::size_t lanes) {
  FaultFs fs;
  run_workload(fs, preallocate, End::kClose, lanes);
  return fs.calls(op);
}

void expect_restart_continues(FaultFs& fs, bool preallocate, std::uint64_t recovered,
                              const std::string& what) {
  auto w = WalWriter::open(fs, workload_options(preallocate), recovered + 1);
  ASSERT_TRUE(w.ok()) << what;
  std::uint64_t last = 0;
  for (int i = 0; i < 4; ++i) last = *append_payload(**w);
  ASSERT_TRUE((*w)->wait_durable(last).ok()) << what;
  fs.crash();
  w->reset();
  auto rb = read_all(fs, RecoveryPolicy::kStrict);
  ASSERT_TRUE(rb.status.ok()) << what << ": " << rb.status.message();
  EXPECT_EQ(rb.lsns.size(), recovered + 4) << what;
}

void fault_every_n(FaultOp op, const char* name, bool preallocate, std::size_t lanes = 1) {
  const std::uint64_t calls = clean_run_calls(op, preallocate, lanes);
  ASSERT_GT(calls, 0u) << name;
  std::uint64_t wal_failures = 0, once_failures = 0;
  for (bool persistent : {false, true}) {
    for (std::uint64_t n = 1; n <= calls + 1; ++n) {
      for (std::size_t torn : {std::size_t{0}, std::size_t{45}}) {
        // The power cut variant only with a torn tail, to keep the run short.
        const End end = torn == 0 ? End::kClose : End::kPowerCut;
        std::string what = std::string(name) + " n=" + std::to_string(n) +
                           (persistent ? " persistent" : " once") + " torn=" +
                           std::to_string(torn);
        FaultFs fs;
        fs.set_failed_write_keeps_bytes(torn / 2);
        fs.inject({op, n, persistent});
        Outcome out = run_workload(fs, preallocate, end, lanes);
        wal_failures += out.wal_failed;
        if (!persistent) once_failures += out.wal_failed;
        fs.crash(torn);
        fs.clear_faults();  // the fault hit the workload; recovery runs on a healthy disk
        std::uint64_t recovered = expect_recovered(fs, out, what);
        if (::testing::Test::HasFailure()) return;
        expect_restart_continues(fs, preallocate, recovered, what);
      }
    }
  }
  // Without preallocation renames belong to snapshots only; every other op is on the log's
  // path (and so is the rename of the prepared segment with it).
  if (op == FaultOp::kRename && !preallocate) {
    EXPECT_EQ(wal_failures, 0u);
  } else if (op == FaultOp::kZeroFill) {
    // A fill that failed once is filled again when the rotation needs it
    // (SegmentPreallocator::take); one that keeps failing fails the log there.
    EXPECT_EQ(once_failures, 0u) << name;
    EXPECT_GT(wal_failures, 0u) << name;
  } else {
    EXPECT_GT(wal_failures, calls) << name;
  }
}

class Fault : public ::testing::TestWithParam<bool> {
 protected:
  bool preallocate() const { return GetParam(); }
};
INSTANTIATE_TEST_SUITE_P(Modes, Fault, ::testing::Bool(), testing::mode_name);

TEST_P(Fault, FailedNthWriteLosesNothingAcknowledged) {
  fault_every_n(FaultOp::kWrite, "write", preallocate());
}
TEST_P(Fault, FailedNthFsyncLosesNothingAcknowledged) {
  fault_every_n(FaultOp::kSync, "fsync", preallocate());
}
TEST_P(Fault, FailedNthFsyncWithTwoSyncLanesLosesNothingAcknowledged) {
  fault_every_n(FaultOp::kSync, "fsync", preallocate(), 2);
}
TEST_P(Fault, FailedNthWriteWithTwoSyncLanesLosesNothingAcknowledged) {
  fault_every_n(FaultOp::kWrite, "write", preallocate(), 2);
}
TEST_P(Fault, FailedNthRenameLosesNothingAcknowledged) {
  fault_every_n(FaultOp::kRename, "rename", preallocate());
}
TEST_P(Fault, FailedNthDirFsyncLosesNothingAcknowledged) {
  fault_every_n(FaultOp::kSyncDir, "dir fsync", preallocate());
}

// Operations only preallocated segments make. With it on, a "write" above is already a
// positioned write into zeros.
TEST(PreallocatedFault, FailedNthZeroFillPieceLosesNothingAcknowledged) {
  fault_every_n(FaultOp::kZeroFill, "zero fill", true);
}
TEST(PreallocatedFault, FailedNthTruncateLosesNothingAcknowledged) {
  fault_every_n(FaultOp::kTruncate, "truncate", true);
}

TEST_P(Fault, CrashWithoutFaultsKeepsEveryAcknowledgedRecord) {
  for (End end : {End::kClose, End::kPowerCut}) {
    for (std::size_t torn : {0, 1, 27, 28, 29, 100}) {
      FaultFs fs;
      Outcome out = run_workload(fs, preallocate(), end);
      ASSERT_FALSE(out.wal_failed);
      fs.crash(torn);
      std::uint64_t recovered = expect_recovered(fs, out, "torn=" + std::to_string(torn));
      EXPECT_GE(recovered, std::uint64_t{kWorkloadRecords / kAckEvery * kAckEvery});
      expect_restart_continues(fs, preallocate(), recovered, "torn=" + std::to_string(torn));
    }
  }
}

}  // namespace
}  // namespace codeledger::wal
