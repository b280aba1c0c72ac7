// Overlapping fdatasyncs: the lanes run syncs at once, the writer publishes the highest LSN a
// finished sync covers (whatever order lanes finish in), and a failed lane stops publication
// even when a later lane succeeds. Syncs are held at a gate so the order is the test's.
#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "tests/support/eventually.h"
#include "wal/fault_fs.h"
#include "wal/sync_lanes.h"
#include "wal_test_util.h"

namespace codeledger::wal {
namespace {

using codeledger::testing::eventually;
using testing::append_payload;
using testing::read_all;

// Each sync call (numbered from 1) waits until the test releases it with an outcome.
class SyncGate {
 public:
  Status enter() {
    std::unique_lock lock(mu_);
    const int me = ++entered_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return outcomes_.contains(me); });
    return outcomes_[me];
  }
  void wait_entered(int n) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return entered_ >= n; });
  }
  void release(int call, Status outcome = Status::Ok()) {
    std::lock_guard lock(mu_);
    outcomes_[call] = std::move(outcome);
    cv_.notify_all();
  }
  void release_all_from(int call) {
    for (int i = call; i < call + 64; ++i) release(i);
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int entered_ = 0;
  std::map<int, Status> outcomes_;
};

class GatedHandle final : public SyncHandle {
 public:
  GatedHandle(std::unique_ptr<SyncHandle> inner, SyncGate& gate)
      : inner_(std::move(inner)), gate_(gate) {}
  Status sync() override {
    Status st = gate_.enter();
    return st.ok() ? inner_->sync() : st;
  }

 private:
  std::unique_ptr<SyncHandle> inner_;
  SyncGate& gate_;
};

// FaultFs whose sync handles (the lanes' fdatasyncs) pass through the gate; the writer's own
// syncs (segment header, seal) do not.
class GatedFs final : public FaultFs {
 public:
  explicit GatedFs(SyncGate& gate) : gate_(gate) {}
  Result<std::unique_ptr<SyncHandle>> open_for_sync(const std::string& path) override {
    auto h = FaultFs::open_for_sync(path);
    if (!h.ok()) return h.status();
    return std::unique_ptr<SyncHandle>(std::make_unique<GatedHandle>(std::move(*h), gate_));
  }

 private:
  SyncGate& gate_;
};

class Lanes : public ::testing::TestWithParam<bool> {
 protected:
  SyncGate gate;
  GatedFs fs{gate};

  // overlap_min_bytes 0: every batch may take a free lane at once.
  std::unique_ptr<WalWriter> open_writer(std::size_t overlap_min_bytes = 0) {
    WalOptions o = testing::options_for(Durability::kSync, GetParam());
    o.sync_lanes = 2;
    o.overlap_min_bytes = overlap_min_bytes;
    auto w = WalWriter::open(fs, o, 1);
    EXPECT_TRUE(w.ok()) << w.status().message();
    return w.ok() ? std::move(*w) : nullptr;
  }
};
INSTANTIATE_TEST_SUITE_P(Modes, Lanes, ::testing::Bool(), testing::mode_name);

TEST(SyncLanesAlone, TwoSyncsRunAtOnceAndEachReportsItsLsn) {
  SyncGate gate;
  FaultFs fs;
  ASSERT_TRUE(fs.open_append("/f", false).ok());
  std::mutex mu;
  std::vector<std::uint64_t> done;
  SyncLanes lanes(2, [&](std::uint64_t lsn, const Status& st, std::uint64_t) {
    EXPECT_TRUE(st.ok());
    std::lock_guard lock(mu);
    done.push_back(lsn);
  });
  std::vector<std::unique_ptr<SyncHandle>> handles;
  for (int i = 0; i < 2; ++i) {
    handles.push_back(std::make_unique<GatedHandle>(fs.open_for_sync("/f").value(), gate));
  }
  lanes.attach(std::move(handles));
  lanes.submit(7);
  lanes.submit(9);
  gate.wait_entered(2);  // both are inside fdatasync before either is let out
  gate.release(2);
  gate.release(1);
  lanes.drain();
  std::sort(done.begin(), done.end());
  EXPECT_EQ(done, (std::vector<std::uint64_t>{7, 9}));
}

TEST_P(Lanes, ALaterSyncFinishingFirstPublishesEverythingBeforeIt) {
  auto w = open_writer();
  ASSERT_TRUE(w);
  auto first = append_payload(*w);
  gate.wait_entered(1);  // the first batch's fdatasync is in flight, held
  auto second = append_payload(*w);
  gate.wait_entered(2);  // the second batch went to the other lane at once
  EXPECT_EQ(w->durable_lsn(), 0u);

  gate.release(2);
  ASSERT_TRUE(w->wait_durable(*second).ok());
  EXPECT_EQ(w->durable_lsn(), *second);  // covers the first, whose sync is still held
  ASSERT_TRUE(w->wait_durable(*first).ok());

  gate.release(1);  // the late one changes nothing
  gate.release_all_from(3);
  ASSERT_TRUE(w->close().ok());
  EXPECT_EQ(w->durable_lsn(), *second);
  EXPECT_EQ(w->stats().fsyncs, 2u);
  EXPECT_EQ(read_all(fs, RecoveryPolicy::kStrict).lsns.size(), 2u);
}

TEST_P(Lanes, AFailedSyncIsNotCoveredUpByALaterLanesSuccess) {
  auto w = open_writer();
  ASSERT_TRUE(w);
  auto first = append_payload(*w);
  gate.wait_entered(1);
  auto second = append_payload(*w);
  gate.wait_entered(2);

  gate.release(1, Status(Code::kIoError, "fdatasync: injected EIO"));
  // The failure is counted once it is recorded; the log fails once the other lane is done.
  while (w->stats().fsyncs < 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  gate.release(2);  // succeeds after the failure: must not be published
  const Status first_done = w->wait_durable(*first);
  EXPECT_FALSE(first_done.ok());
  EXPECT_NE(first_done.message().find("injected EIO"), std::string::npos);
  EXPECT_FALSE(w->wait_durable(*second).ok());
  EXPECT_EQ(w->durable_lsn(), 0u);
  EXPECT_FALSE(w->healthy());
  EXPECT_FALSE(append_payload(*w).ok());  // sticky
  gate.release_all_from(3);
  EXPECT_FALSE(w->close().ok());
}

TEST_P(Lanes, ASmallBatchWaitsForTheSyncInFlightABigOneOverlaps) {
  auto w = open_writer(/*overlap_min_bytes=*/300);
  ASSERT_TRUE(w);
  auto first = append_payload(*w);
  gate.wait_entered(1);
  auto second = append_payload(*w);  // ~40 bytes staged: below 300, so it waits
  // Once the writer has seen it and gone back to waiting (not merely not run yet), a lane is
  // free and the batch still was not taken.
  EXPECT_TRUE(eventually([&] { return w->holding_staged_records(); }));
  EXPECT_EQ(w->stats().batches, 1u);
  gate.release(1);
  ASSERT_TRUE(w->wait_durable(*first).ok());
  gate.wait_entered(2);  // once the first sync is through, the small batch goes
  EXPECT_EQ(w->stats().batches, 2u);

  std::uint64_t last = 0;
  for (int i = 0; i < 10; ++i) last = *append_payload(*w);  // ~400 bytes: a second lane
  gate.wait_entered(3);  // while sync 2 is still held
  EXPECT_EQ(w->durable_lsn(), *first);
  gate.release(3);
  // Published past the held second batch (records staged after the third batch was taken
  // wait for a sync slot, so `last` itself may not be in it).
  while (w->durable_lsn() <= *second) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  gate.release_all_from(2);
  ASSERT_TRUE(w->wait_durable(last).ok());
  ASSERT_TRUE(w->close().ok());
  EXPECT_EQ(read_all(fs, RecoveryPolicy::kStrict).lsns.size(), 12u);
}

TEST_P(Lanes, RotationWaitsForTheSyncsOnTheOldSegment) {
  WalOptions o = testing::options_for(Durability::kSync, GetParam());
  o.segment_bytes_max = format::kSegmentBytesMin;
  o.sync_lanes = 2;
  FaultFs plain;
  auto w = WalWriter::open(plain, o, 1);
  ASSERT_TRUE(w.ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 300; ++i) {
        auto lsn = append_payload(**w);
        ASSERT_TRUE(lsn.ok());
        ASSERT_TRUE((*w)->wait_durable(*lsn).ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE((*w)->close().ok());
  EXPECT_GT((*w)->stats().segments_created, 2u);
  plain.crash();  // only what was synced survives: every acknowledged record
  auto rb = read_all(plain, RecoveryPolicy::kStrict);
  ASSERT_TRUE(rb.status.ok()) << rb.status.message();
  EXPECT_EQ(rb.lsns.size(), 1200u);
}

TEST(SyncLanesOption, OutOfRangeIsRefused) {
  FaultFs fs;
  for (std::size_t lanes : {std::size_t{0}, kSyncLanesMax + 1}) {
    WalOptions o = testing::options_for();
    o.sync_lanes = lanes;
    auto w = WalWriter::open(fs, o, 1);
    ASSERT_FALSE(w.ok());
    EXPECT_EQ(w.status().code(), Code::kInvalidArgument);
  }
}

}  // namespace
}  // namespace codeledger::wal
