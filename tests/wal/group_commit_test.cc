// The sync writer's wait for concurrent writes (WalOptions::group_commit_wait_us): after a
// batch of several records the next batch waits for more before its fdatasync; a lone
// writer never waits; the wait is bounded, off at 0, and a close during it loses nothing.
// Syncs are held (FaultFs::hold_syncs) so which records share a batch is the test's choice.
#include <gtest/gtest.h>

#include <thread>

#include "wal/fault_fs.h"
#include "wal_test_util.h"

namespace codeledger::wal {
namespace {

using testing::append_payload;
using testing::read_all;

constexpr std::uint32_t kLongWaitUs = kGroupCommitWaitUsMax;

// preallocate off: the background zero-fill would sync too, and be held with the batches.
std::unique_ptr<WalWriter> open_writer(FaultFs& fs, std::uint32_t wait_us) {
  WalOptions o = testing::options_for(Durability::kSync, false);
  o.group_commit_wait_us = wait_us;
  auto w = WalWriter::open(fs, o, 1);
  EXPECT_TRUE(w.ok()) << w.status().message();
  return w.ok() ? std::move(*w) : nullptr;
}

// Batch 1 is {1}, held in its fdatasync while 2 and 3 are staged; batch 2 is {2, 3}.
void write_a_batch_of_two(FaultFs& fs, WalWriter& w) {
  fs.hold_syncs();
  ASSERT_TRUE(append_payload(w).ok());
  fs.wait_syncs_held(1);
  ASSERT_TRUE(append_payload(w).ok());
  auto third = append_payload(w);
  ASSERT_TRUE(third.ok());
  fs.release_syncs();
  ASSERT_TRUE(w.wait_durable(*third).ok());
  ASSERT_EQ(w.stats().batches, 2u);
}

void wait_for_gather(WalWriter& w, std::uint64_t waits) {
  while (w.stats().group_commit_waits < waits) std::this_thread::yield();
}

TEST(GroupCommit, AfterABatchOfSeveralTheNextWaitsForMoreRecords) {
  FaultFs fs;
  auto w = open_writer(fs, kLongWaitUs);
  ASSERT_NE(w, nullptr);
  write_a_batch_of_two(fs, *w);
  EXPECT_EQ(w->stats().group_commit_waits, 0u);  // batch 2 followed a batch of one

  ASSERT_TRUE(append_payload(*w).ok());  // 4: the writer takes it, then waits for more
  wait_for_gather(*w, 1);
  ASSERT_TRUE(append_payload(*w).ok());
  auto sixth = append_payload(*w);
  ASSERT_TRUE(sixth.ok());
  ASSERT_TRUE(w->wait_durable(*sixth).ok());

  const WalStats stats = w->stats();
  EXPECT_EQ(stats.group_commit_waits, 1u);
  EXPECT_EQ(stats.batches, 3u);  // {1}, {2, 3}, {4, 5, 6}
  EXPECT_EQ(stats.fsyncs, 3u);
  ASSERT_TRUE(w->close().ok());
  EXPECT_EQ(read_all(fs, RecoveryPolicy::kStrict).lsns.size(), 6u);
}

TEST(GroupCommit, ALoneWriterNeverWaits) {
  FaultFs fs;
  auto w = open_writer(fs, kLongWaitUs);
  ASSERT_NE(w, nullptr);
  for (int i = 0; i < 20; ++i) {
    auto lsn = append_payload(*w);
    ASSERT_TRUE(lsn.ok());
    ASSERT_TRUE(w->wait_durable(*lsn).ok());
  }
  EXPECT_EQ(w->stats().group_commit_waits, 0u);
  EXPECT_EQ(w->stats().batches, 20u);
}

TEST(GroupCommit, ZeroTurnsTheWaitOff) {
  FaultFs fs;
  auto w = open_writer(fs, 0);
  ASSERT_NE(w, nullptr);
  write_a_batch_of_two(fs, *w);
  auto lsn = append_payload(*w);
  ASSERT_TRUE(lsn.ok());
  ASSERT_TRUE(w->wait_durable(*lsn).ok());
  EXPECT_EQ(w->stats().group_commit_waits, 0u);
}

TEST(GroupCommit, CloseDuringTheWaitWritesWhatWasGathered) {
  FaultFs fs;
  auto w = open_writer(fs, kLongWaitUs);
  ASSERT_NE(w, nullptr);
  write_a_batch_of_two(fs, *w);
  auto fourth = append_payload(*w);
  ASSERT_TRUE(fourth.ok());
  wait_for_gather(*w, 1);
  ASSERT_TRUE(w->close().ok());
  EXPECT_GE(w->durable_lsn(), *fourth);
  fs.crash();
  EXPECT_EQ(read_all(fs, RecoveryPolicy::kStrict).lsns.size(), 4u);
}

TEST(GroupCommit, AWaitAboveTheLimitIsRefused) {
  FaultFs fs;
  WalOptions o = testing::options_for(Durability::kSync, false);
  o.group_commit_wait_us = kGroupCommitWaitUsMax + 1;
  auto w = WalWriter::open(fs, o, 1);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), Code::kInvalidArgument);
  EXPECT_NE(w.status().message().find("group_commit_wait_us"), std::string::npos);
}

}  // namespace
}  // namespace codeledger::wal
