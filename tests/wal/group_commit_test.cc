// The sync writer's wait for concurrent writes (WalOptions::group_commit_*): after a batch of
// min_records or more the next batch waits for more before its fdatasync, until a quiet spell
// or the longest wait; a lone writer never waits; the wait is off at 0, and a close during it
// loses nothing. The spacing (group_commit_spacing_us): records staged while a batch synced
// keep the next fdatasync until the spacing after that one began; a writer that waits for
// each record is never spaced; off at 0; a close during it loses nothing.
// Syncs are held (FaultFs::hold_syncs) so which records share a batch is the test's choice.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include "tests/support/eventually.h"
#include "tests/support/thread_sleeps.h"
#include "wal/fault_fs.h"
#include "wal_test_util.h"

namespace codeledger::wal {
namespace {

using testing::append_payload;
using testing::read_all;

constexpr std::uint32_t kLongWaitUs = kGroupCommitWaitUsMax;

// preallocate off: the background zero-fill would sync too, and be held with the batches.
// quiet_us 0 by default: the wait lasts wait_us, however slowly the test appends. A batch of
// min_records (2 by default here) or more makes the next one wait. No spacing unless asked.
std::unique_ptr<WalWriter> open_writer(FaultFs& fs, std::uint32_t wait_us,
                                       std::uint32_t quiet_us = 0, std::uint32_t min_records = 2,
                                       std::uint32_t spacing_us = 0) {
  WalOptions o = testing::options_for(Durability::kSync, false);
  o.group_commit_wait_us = wait_us;
  o.group_commit_quiet_us = quiet_us;
  o.group_commit_min_records = min_records;
  o.group_commit_spacing_us = spacing_us;
  auto w = WalWriter::open(fs, o, 1);
  EXPECT_TRUE(w.ok()) << w.status().message();
  return w.ok() ? std::move(*w) : nullptr;
}

// Batch 1 is {1}, held in its fdatasync while 2 and 3 are staged; batch 2 is {2, 3}.
void write_a_batch_of_two(FaultFs& fs, WalWriter& w) {
  const std::uint64_t before = w.stats().batches;
  fs.hold_syncs();
  ASSERT_TRUE(append_payload(w).ok());
  fs.wait_syncs_held(1);
  ASSERT_TRUE(append_payload(w).ok());
  auto third = append_payload(w);
  ASSERT_TRUE(third.ok());
  fs.release_syncs();
  ASSERT_TRUE(w.wait_durable(*third).ok());
  ASSERT_EQ(w.stats().batches, before + 2);
}

// The writer thread is blocked (a wait, a sleep). Nothing here contends for its locks, so it
// only blocks where it waits for work or gathers records.
bool writer_asleep() {
  return codeledger::testing::asleep(codeledger::testing::thread_id("wal-writer"));
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

// All the writers are in the batch already: a quiet spell ends the wait long before the
// longest wait (1 s) would.
TEST(GroupCommit, AQuietSpellEndsTheWait) {
  FaultFs fs;
  auto w = open_writer(fs, kLongWaitUs, /*quiet_us=*/1'000);
  ASSERT_NE(w, nullptr);
  write_a_batch_of_two(fs, *w);
  const auto start = std::chrono::steady_clock::now();
  auto fourth = append_payload(*w);
  ASSERT_TRUE(fourth.ok());
  ASSERT_TRUE(w->wait_durable(*fourth).ok());
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(w->stats().group_commit_waits, 1u);
  EXPECT_LT(took, std::chrono::microseconds(kLongWaitUs / 2));
}

// True once lsn is durable, waiting at most `within`.
bool durable_within(WalWriter& w, std::uint64_t lsn, std::chrono::milliseconds within) {
  auto done = std::make_shared<std::promise<Status>>();
  auto future = done->get_future();
  w.on_durable(lsn, [done](Status st) { done->set_value(std::move(st)); });
  return future.wait_for(within) == std::future_status::ready && future.get().ok();
}

// The wait lasts while any tracked producer is busy, and ends when the last goes idle: no
// record can come from them, and the answers they wait for hang on this batch.
TEST(GroupCommit, TheWaitEndsWhenEveryProducerIsIdle) {
  FaultFs fs;
  auto w = open_writer(fs, kLongWaitUs);
  ASSERT_NE(w, nullptr);
  w->track_producers(2);
  write_a_batch_of_two(fs, *w);
  auto fourth = append_payload(*w);
  ASSERT_TRUE(fourth.ok());
  wait_for_gather(*w, 1);
  w->producer_idle();
  // One is still busy. Had that idle ended the wait, its wake-up would have set the writer
  // running (before producer_idle returned) until it wrote, synced and slept again: so once
  // it is asleep, the record is durable, or the wait goes on.
  EXPECT_TRUE(codeledger::testing::eventually([&] { return writer_asleep(); }));
  EXPECT_FALSE(durable_within(*w, *fourth, std::chrono::milliseconds(50)));
  w->producer_idle();
  EXPECT_TRUE(durable_within(*w, *fourth, std::chrono::milliseconds(400)));  // the wait is 1 s
  EXPECT_EQ(w->stats().batches, 3u);
}

// Producers already idle when the batch is taken: it is not held at all, and a busy one
// brings the wait back.
TEST(GroupCommit, IdleProducersSkipTheWaitAndABusyOneBringsItBack) {
  FaultFs fs;
  auto w = open_writer(fs, kLongWaitUs);
  ASSERT_NE(w, nullptr);
  w->track_producers(1);
  w->producer_idle();
  write_a_batch_of_two(fs, *w);
  auto fourth = append_payload(*w);
  ASSERT_TRUE(fourth.ok());
  EXPECT_TRUE(durable_within(*w, *fourth, std::chrono::milliseconds(400)));
  EXPECT_EQ(w->stats().group_commit_waits, 0u);

  w->producer_busy();
  write_a_batch_of_two(fs, *w);
  auto next = append_payload(*w);
  ASSERT_TRUE(next.ok());
  wait_for_gather(*w, 1);
  EXPECT_FALSE(durable_within(*w, *next, std::chrono::milliseconds(50)));
  w->producer_idle();
  EXPECT_TRUE(durable_within(*w, *next, std::chrono::milliseconds(400)));
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

// A batch after one of two records, with the wait off, or with three records needed.
void expect_no_wait_after_a_batch_of_two(std::uint32_t wait_us, std::uint32_t min_records) {
  FaultFs fs;
  auto w = open_writer(fs, wait_us, 0, min_records);
  ASSERT_NE(w, nullptr);
  write_a_batch_of_two(fs, *w);
  auto lsn = append_payload(*w);
  ASSERT_TRUE(lsn.ok());
  ASSERT_TRUE(w->wait_durable(*lsn).ok());
  EXPECT_EQ(w->stats().group_commit_waits, 0u);
}

TEST(GroupCommit, ZeroTurnsTheWaitOff) { expect_no_wait_after_a_batch_of_two(0, 2); }

TEST(GroupCommit, ABatchBelowMinRecordsIsNotFollowedByAWait) {
  expect_no_wait_after_a_batch_of_two(kLongWaitUs, 3);
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

TEST(GroupCommit, OptionsOutOfRangeAreRefused) {
  FaultFs fs;
  WalOptions o = testing::options_for(Durability::kSync, false);
  o.group_commit_wait_us = kGroupCommitWaitUsMax + 1;
  auto w = WalWriter::open(fs, o, 1);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), Code::kInvalidArgument);
  EXPECT_NE(w.status().message().find("group_commit_wait_us"), std::string::npos);
  o.group_commit_wait_us = 300;
  o.group_commit_quiet_us = kGroupCommitWaitUsMax + 1;
  auto quiet = WalWriter::open(fs, o, 1);
  ASSERT_FALSE(quiet.ok());
  EXPECT_NE(quiet.status().message().find("group_commit_quiet_us"), std::string::npos);
  o.group_commit_quiet_us = 60;
  o.group_commit_min_records = 1;
  auto one = WalWriter::open(fs, o, 1);
  ASSERT_FALSE(one.ok());
  EXPECT_NE(one.status().message().find("group_commit_min_records"), std::string::npos);
  o.group_commit_min_records = 8;
  o.group_commit_spacing_us = kGroupCommitWaitUsMax + 1;
  auto spacing = WalWriter::open(fs, o, 1);
  ASSERT_FALSE(spacing.ok());
  EXPECT_NE(spacing.status().message().find("group_commit_spacing_us"), std::string::npos);
}

constexpr std::uint32_t kSpacingUs = 200'000;
using Clock = std::chrono::steady_clock;

// Record 1's fdatasync is held while record 2 is staged; returns record 2's LSN once record 1
// is durable.
std::uint64_t stage_one_during_a_sync(FaultFs& fs, WalWriter& w) {
  fs.hold_syncs();
  auto first = append_payload(w);
  EXPECT_TRUE(first.ok());
  fs.wait_syncs_held(1);
  auto second = append_payload(w);
  EXPECT_TRUE(second.ok());
  fs.release_syncs();
  EXPECT_TRUE(w.wait_durable(*first).ok());
  return *second;
}

TEST(GroupCommitSpacing, ARecordStagedDuringASyncWaitsUntilTheSpacingHasPassed) {
  FaultFs fs;
  auto w = open_writer(fs, 0, 0, 2, kSpacingUs);
  ASSERT_NE(w, nullptr);
  const auto before = Clock::now();
  const std::uint64_t second = stage_one_during_a_sync(fs, *w);
  ASSERT_TRUE(w->wait_durable(second).ok());
  // Its fdatasync began no sooner than the spacing after record 1's, which began after `before`.
  EXPECT_GE(Clock::now() - before, std::chrono::microseconds(kSpacingUs));
  const WalStats stats = w->stats();
  EXPECT_EQ(stats.group_commit_spacings, 1u);
  EXPECT_EQ(stats.fsyncs, 2u);
}

TEST(GroupCommitSpacing, AWriterThatWaitsForEachRecordIsNeverSpaced) {
  FaultFs fs;
  auto w = open_writer(fs, 0, 0, 2, kSpacingUs);
  ASSERT_NE(w, nullptr);
  const auto before = Clock::now();
  for (int i = 0; i < 5; ++i) {
    auto lsn = append_payload(*w);
    ASSERT_TRUE(lsn.ok());
    ASSERT_TRUE(w->wait_durable(*lsn).ok());
  }
  EXPECT_LT(Clock::now() - before, std::chrono::microseconds(2 * kSpacingUs));  // spaced: 4 x 200 ms
  EXPECT_EQ(w->stats().group_commit_spacings, 0u);
  EXPECT_EQ(w->stats().fsyncs, 5u);
}

TEST(GroupCommitSpacing, ZeroTurnsItOff) {
  FaultFs fs;
  auto w = open_writer(fs, 0, 0, 2, 0);
  ASSERT_NE(w, nullptr);
  const std::uint64_t second = stage_one_during_a_sync(fs, *w);
  EXPECT_TRUE(durable_within(*w, second, std::chrono::milliseconds(kSpacingUs / 2'000)));
  EXPECT_EQ(w->stats().group_commit_spacings, 0u);
}

TEST(GroupCommitSpacing, CloseDuringTheSpacingWritesTheRecord) {
  FaultFs fs;
  auto w = open_writer(fs, 0, 0, 2, kGroupCommitWaitUsMax);  // a second's spacing
  ASSERT_NE(w, nullptr);
  const std::uint64_t second = stage_one_during_a_sync(fs, *w);
  while (w->stats().group_commit_spacings < 1) std::this_thread::yield();
  const auto before = Clock::now();
  ASSERT_TRUE(w->close().ok());
  EXPECT_LT(Clock::now() - before, std::chrono::microseconds(kGroupCommitWaitUsMax / 2));
  EXPECT_GE(w->durable_lsn(), second);
  fs.crash();
  EXPECT_EQ(read_all(fs, RecoveryPolicy::kStrict).lsns.size(), 2u);
}

}  // namespace
}  // namespace codeledger::wal
