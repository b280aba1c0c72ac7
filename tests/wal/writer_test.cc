// The group-commit writer: LSN assignment, group commit, modes, rotation, retention and the
// sticky failure, with and without preallocated segments.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "tests/support/eventually.h"
#include "tests/support/thread_names.h"
#include "tests/support/thread_sleeps.h"
#include "wal/fault_fs.h"
#include "wal/record.h"
#include "wal_test_util.h"

namespace codeledger::wal {
namespace {

using codeledger::testing::asleep;
using codeledger::testing::eventually;
using codeledger::testing::thread_id;
using codeledger::testing::voluntary_sleeps;
using testing::append_payload;
using testing::kDir;
using testing::payload_for;
using testing::read_all;

class Writer : public ::testing::TestWithParam<bool> {
 protected:
  WalOptions options_for(Durability d = Durability::kSync) const {
    return testing::options_for(d, GetParam());
  }
};
INSTANTIATE_TEST_SUITE_P(Modes, Writer, ::testing::Bool(), testing::mode_name);

TEST_P(Writer, ConcurrentAppendsGetConsecutiveLsnsAndGroupCommit) {
  FaultFs fs;
  auto w = WalWriter::open(fs, options_for(), 1);
  ASSERT_TRUE(w.ok());
  constexpr int kThreads = 4, kEach = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        auto lsn = append_payload(**w);
        ASSERT_TRUE(lsn.ok());
        ASSERT_TRUE((*w)->wait_durable(*lsn).ok());
        EXPECT_GE((*w)->durable_lsn(), *lsn);
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE((*w)->close().ok());
  WalStats stats = (*w)->stats();
  EXPECT_EQ(stats.records, std::uint64_t{kThreads * kEach});
  EXPECT_LE(stats.fsyncs, stats.records);
  auto rb = read_all(fs, RecoveryPolicy::kStrict);
  ASSERT_TRUE(rb.status.ok());
  ASSERT_EQ(rb.lsns.size(), std::size_t{kThreads * kEach});
  for (std::size_t i = 0; i < rb.lsns.size(); ++i) {
    EXPECT_EQ(rb.lsns[i], i + 1);
    EXPECT_EQ(rb.payloads[i], payload_for(i + 1));  // encode saw the LSN it was given
  }
}

// A sync writer with `lanes` sync lanes, and how many of this process's threads carry name.
Result<std::unique_ptr<WalWriter>> open_sync_writer(FaultFs& fs, std::size_t lanes) {
  WalOptions o = testing::options_for(Durability::kSync, true);
  o.sync_lanes = lanes;
  return WalWriter::open(fs, o, 1);
}

long threads_named(const char* name) {
  const auto names = codeledger::testing::thread_names();
  return std::count(names.begin(), names.end(), name);
}

// Operators tell the log's threads apart in top -H, perf and /proc/PID/task/*/comm.
TEST(WriterThreads, WriterAndSyncLanesAreNamed) {
  FaultFs fs;
  auto w = open_sync_writer(fs, 2);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(threads_named("wal-writer"), 1);
  EXPECT_EQ(threads_named("wal-sync-lane"), 2);
  ASSERT_TRUE((*w)->close().ok());
}

// One lane: the writer thread runs the fdatasync itself, so there is no lane thread to wake.
// Record times never go back in LSN order: two io threads read the clock before either takes
// its LSN, and a record stamped 1 ms before the one ahead of it made `replay --until TIME` and
// `wal dump --until TIME` disagree about it (probe 32c). The encoder gets the time the record
// carries, so the event inside matches its header.
TEST(WriterTimes, ARecordIsNeverStampedBeforeTheOneAheadOfIt) {
  FaultFs fs;
  auto w = open_sync_writer(fs, 1);
  ASSERT_TRUE(w.ok());
  std::vector<std::int64_t> encoded;
  for (const std::int64_t t : {1000, 999, 1005, 1001}) {
    auto lsn = (*w)->append(format::kRecordTypeData, t, [&](std::uint64_t, std::int64_t time_ms, std::string& out) {
      encoded.push_back(time_ms);
      out += "x";
    });
    ASSERT_TRUE(lsn.ok());
    ASSERT_TRUE((*w)->wait_durable(*lsn).ok());
  }
  ASSERT_TRUE((*w)->close().ok());
  EXPECT_EQ(encoded, (std::vector<std::int64_t>{1000, 1000, 1005, 1005}));
  std::vector<std::int64_t> stored;
  ReadOptions o;
  auto r = read_wal(fs, kDir, o, [&](const RecordRef& rec) {
    stored.push_back(rec.time_ms);
    return Status::Ok();
  });
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(stored, encoded);
}

TEST(WriterThreads, OneSyncLaneIsTheWriterThreadItself) {
  FaultFs fs;
  auto w = open_sync_writer(fs, 1);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(threads_named("wal-writer"), 1);
  EXPECT_EQ(threads_named("wal-sync-lane"), 0);
  auto lsn = (*w)->append(1, 0, [](std::uint64_t, std::int64_t, std::string& out) { out += "x"; });
  ASSERT_TRUE(lsn.ok());
  ASSERT_TRUE((*w)->wait_durable(*lsn).ok());
  EXPECT_EQ((*w)->durable_lsn(), *lsn);
  EXPECT_GE((*w)->stats().fsyncs, 1u);
  ASSERT_TRUE((*w)->close().ok());
}

TEST_P(Writer, OnDurableCallsBackOnceTheBatchIsSynced) {
  FaultFs fs;
  auto w = WalWriter::open(fs, options_for(), 10);
  ASSERT_TRUE(w.ok());
  auto lsn = append_payload(**w);
  ASSERT_EQ(*lsn, 10u);
  std::promise<Status> done;
  (*w)->on_durable(*lsn, [&](Status st) { done.set_value(std::move(st)); });
  EXPECT_TRUE(done.get_future().get().ok());
  EXPECT_GE(fs.calls(FaultOp::kSync), 2u);  // the segment header, then the batch
  bool inline_called = false;
  (*w)->on_durable(*lsn, [&](Status st) { inline_called = st.ok(); });
  EXPECT_TRUE(inline_called);
}

TEST_P(Writer, AsyncModeSyncsWithinTheInterval) {
  FaultFs fs;
  WalOptions o = options_for(Durability::kAsync);
  o.fsync_interval_ms = 5;
  auto w = WalWriter::open(fs, o, 1);
  ASSERT_TRUE(w.ok());
  auto lsn = append_payload(**w);
  for (int i = 0; i < 200 && (*w)->durable_lsn() < *lsn; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ((*w)->durable_lsn(), *lsn);
  EXPECT_TRUE((*w)->wait_durable(*append_payload(**w)).ok());
}

// A thread that sleeps `period` at a time on a condition variable, as a timed writer that woke
// once an interval would, and counts its wake-ups. A writer that stayed asleep while this one
// woke N times on the same machine had N chances to wake and took none; a wall-clock window
// proves nothing when the machine is so loaded that no thread ran in it.
class ReferenceSleeper {
 public:
  explicit ReferenceSleeper(std::chrono::milliseconds period)
      : thread_([this, period] { run(period); }) {}
  ~ReferenceSleeper() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  long wakeups() const { return wakeups_.load(); }

 private:
  void run(std::chrono::milliseconds period) {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, period, [this] { return stop_; })) ++wakeups_;
  }
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  std::atomic<long> wakeups_{0};
  std::thread thread_;  // last: starts once the members it uses exist
};

// kAsync and kNone batch by time, but an idle log has nothing to batch: its writer sleeps
// until a record comes rather than waking once an interval (200 times a second at 5 ms), and
// a record after the idle spell still goes out within the interval.
TEST_P(Writer, AnIdleTimedWriterSleepsUntilARecordComes) {
  using namespace std::chrono_literals;
  for (Durability d : {Durability::kAsync, Durability::kNone}) {
    SCOPED_TRACE(d == Durability::kAsync ? "async" : "none");
    FaultFs fs;
    WalOptions o = options_for(d);
    o.fsync_interval_ms = 2;
    auto w = WalWriter::open(fs, o, 1);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->wait_durable(*append_payload(**w)).ok());
    const int writer = thread_id("wal-writer");
    ASSERT_NE(writer, 0);
    // Counted from its idle sleep, not from the batch it was finishing.
    ASSERT_TRUE(eventually([&] { return asleep(writer); }));
    const long before = voluntary_sleeps(writer);
    {
      // 150 intervals, as long as it takes this machine to give a 2 ms sleeper 150 wake-ups.
      ReferenceSleeper reference(std::chrono::milliseconds(o.fsync_interval_ms));
      ASSERT_TRUE(eventually([&] { return reference.wakeups() >= 150; }, 60s));
    }
    EXPECT_LT(voluntary_sleeps(writer) - before, 10);  // 150 with a wake-up every 2 ms
    auto lsn = append_payload(**w);
    ASSERT_TRUE(lsn.ok());
    for (int i = 0; i < 200 && (*w)->durable_lsn() < *lsn; ++i) std::this_thread::sleep_for(5ms);
    EXPECT_EQ((*w)->durable_lsn(), *lsn);
    EXPECT_EQ((*w)->stats().batches, 2u);
    ASSERT_TRUE((*w)->close().ok());
  }
}

TEST_P(Writer, NoneModeNeverSyncs) {
  FaultFs fs;
  auto w = WalWriter::open(fs, options_for(Durability::kNone), 1);
  ASSERT_TRUE(w.ok());
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(append_payload(**w).ok());
  ASSERT_TRUE((*w)->flush().ok());
  ASSERT_TRUE((*w)->close().ok());
  EXPECT_EQ(fs.calls(FaultOp::kSync), 0u);
  EXPECT_EQ(fs.calls(FaultOp::kSyncDir), 0u);
  EXPECT_EQ(read_all(fs, RecoveryPolicy::kStrict).lsns.size(), 50u);
}

// kNone batches by time like kAsync: records staged within the interval go out in one
// write, and a waiter does not sit out the interval.
TEST_P(Writer, NoneModeWritesOneBatchPerIntervalOrWaiter) {
  FaultFs fs;
  WalOptions o = options_for(Durability::kNone);
  o.fsync_interval_ms = 60'000;
  auto w = WalWriter::open(fs, o, 1);
  ASSERT_TRUE(w.ok());
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(append_payload(**w).ok());
  // Nothing written yet, the interval being a minute: checked once the writer has seen the
  // records and gone back to sleep, not before it has run at all.
  EXPECT_TRUE(eventually([&] { return (*w)->holding_staged_records(); }));
  EXPECT_EQ((*w)->stats().batches, 0u);
  ASSERT_TRUE((*w)->flush().ok());        // the waiter wakes the writer
  EXPECT_EQ((*w)->stats().batches, 1u);
  EXPECT_EQ((*w)->stats().records, 50u);
  ASSERT_TRUE((*w)->close().ok());
  EXPECT_EQ(read_all(fs, RecoveryPolicy::kStrict).lsns.size(), 50u);
}

TEST_P(Writer, OversizedPayloadIsRefusedWithoutConsumingAnLsn) {
  FaultFs fs;
  auto w = WalWriter::open(fs, options_for(), 1);
  auto big = (*w)->append(format::kRecordTypeData, 0, [](std::uint64_t, std::int64_t, std::string& out) {
    out.append(format::kRecordPayloadBytesMax + 1, 'x');
  });
  EXPECT_EQ(big.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(*append_payload(**w), 1u);
  EXPECT_EQ((*w)->append(0, 0, [](std::uint64_t, std::int64_t, std::string&) {}).status().code(),
            Code::kInvalidArgument);
}

TEST_P(Writer, RotatesBySizeAndNamesSegmentsByFirstLsn) {
  FaultFs fs;
  WalOptions o = options_for();
  o.segment_bytes_max = format::kSegmentBytesMin;
  auto w = WalWriter::open(fs, o, 1);
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(append_payload(**w).ok());
  ASSERT_TRUE((*w)->close().ok());
  auto segs = list_segments(fs, kDir);
  ASSERT_TRUE(segs.ok());
  ASSERT_GE(segs->size(), 4u);
  for (const auto& s : *segs) {
    EXPECT_LE(s.size_bytes, o.segment_bytes_max) << s.name;
    std::string bytes = fs.contents(join_path(kDir, s.name));
    RecordView v;
    std::size_t n = 0;
    ASSERT_EQ(parse_record(bytes, format::kSegmentHeaderBytes, &v, &n), Parse::kOk);
    EXPECT_EQ(v.lsn, s.first_lsn);
  }
  EXPECT_EQ(read_all(fs, RecoveryPolicy::kStrict).lsns.size(), 300u);
}

TEST_P(Writer, RetentionBySizeNeverDeletesWhatTheSnapshotDoesNotCover) {
  FaultFs fs;
  WalOptions o = options_for();
  o.segment_bytes_max = format::kSegmentBytesMin;
  o.retention.total_bytes_max = 3 * format::kSegmentBytesMin;
  auto w = WalWriter::open(fs, o, 1);
  for (int i = 0; i < 600; ++i) ASSERT_TRUE(append_payload(**w).ok());
  ASSERT_TRUE((*w)->flush().ok());
  EXPECT_EQ((*w)->stats().segments_deleted, 0u);  // no snapshot yet: everything is needed
  (*w)->set_snapshot_lsn(400);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(append_payload(**w).ok());
  ASSERT_TRUE((*w)->close().ok());
  EXPECT_GT((*w)->stats().segments_deleted, 0u);
  auto rb = read_all(fs, RecoveryPolicy::kStrict, 401);
  ASSERT_TRUE(rb.status.ok()) << rb.status.message();
  EXPECT_EQ(rb.lsns.size(), 300u);
  EXPECT_LE(rb.report.first_lsn, 401u);
}

TEST_P(Writer, RetentionByAge) {
  FaultFs fs;
  std::atomic<std::int64_t> now{0};
  WalOptions o = options_for();
  o.segment_bytes_max = format::kSegmentBytesMin;
  o.retention.age_ms_max = 1000;
  o.clock_ms = [&] { return now.load(); };
  auto w = WalWriter::open(fs, o, 1);
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(append_payload(**w).ok());
  ASSERT_TRUE((*w)->flush().ok());
  (*w)->set_snapshot_lsn(200);
  ASSERT_TRUE((*w)->wait_durable(*append_payload(**w)).ok());
  EXPECT_EQ((*w)->stats().segments_deleted, 0u);  // young
  now = 5000;
  (*w)->set_snapshot_lsn(201);
  ASSERT_TRUE((*w)->close().ok());
  auto segs = list_segments(fs, kDir);
  ASSERT_EQ(segs->size(), 1u);  // only the active one survives
}

TEST_P(Writer, FailedFsyncIsStickyAndNeverRetried) {
  FaultFs fs;
  auto w = WalWriter::open(fs, options_for(), 1);
  ASSERT_TRUE((*w)->wait_durable(*append_payload(**w)).ok());
  // The fault must hit the batch's fdatasync, not the background zero fill of the next
  // segment (its closing fsync counts as kSync too): wait until every sync so far is done.
  // Appended: segment header, record 1. Preallocated: also the first segment's fill and the
  // next one's.
  const std::uint64_t settled = GetParam() ? 4 : 2;
  for (int i = 0; i < 5000 && fs.calls(FaultOp::kSync) < settled; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(fs.calls(FaultOp::kSync), settled);
  fs.inject({FaultOp::kSync, 1, false});
  auto lsn = append_payload(**w);
  ASSERT_TRUE(lsn.ok());
  Status st = (*w)->wait_durable(*lsn);
  EXPECT_EQ(st.code(), Code::kFailed);
  EXPECT_FALSE((*w)->healthy());
  EXPECT_EQ((*w)->failure().code(), Code::kFailed);
  const std::uint64_t syncs = fs.calls(FaultOp::kSync);
  EXPECT_EQ(append_payload(**w).status().code(), Code::kFailed);
  EXPECT_EQ((*w)->wait_durable(1).code(), Code::kOk);  // durable before the failure stays so
  EXPECT_EQ((*w)->close().code(), Code::kFailed);
  EXPECT_EQ(fs.calls(FaultOp::kSync), syncs);
  EXPECT_EQ((*w)->durable_lsn(), 1u);
}

}  // namespace
}  // namespace codeledger::wal
