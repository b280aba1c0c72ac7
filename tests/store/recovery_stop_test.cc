// A stop asked for during recovery (StoreOptions::stop_recovery; codeledgerd's SIGTERM during
// start-up) ends the log's replay between batches: Store::open fails saying so, the data
// directory is exactly as it was, and the next start recovers everything. A snapshot build,
// which replays the log too, never asks.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store_test_util.h"

namespace codeledger::store {
namespace {

using testing::crash;
using testing::files_of;
using testing::open_store;
using testing::options_on;
using testing::Workload;

constexpr int kCommands = 3 * static_cast<int>(kReplayBatchRecords);

// kCommands imports of one code each, every one a log record, all durable; the state hash.
std::uint64_t import_one_code_at_a_time(Store& store, Workload& w) {
  ledger::Op op = w.op();
  ledger::PromotionSpec spec;
  spec.name = "one at a time";
  auto promotion = store.ledger().create_promotion(op, spec);
  EXPECT_TRUE(promotion.ok());
  if (!promotion.ok()) return 0;
  for (int i = 0; i < kCommands; ++i) {
    op = w.op();
    const std::vector<std::string> code = {testing::code_name(i)};
    EXPECT_TRUE(store.ledger().import_codes(op, promotion->id, code, {}).ok());
  }
  EXPECT_TRUE(store.wait_durable(store.ledger().last_lsn()).ok());
  return store.ledger().state_hash();
}

// kCommands records acknowledged, then a power cut: no shutdown snapshot, so all of them
// replay at the next start.
std::uint64_t history_without_snapshot(wal::FaultFs& fs, Workload& w) {
  auto store = open_store(fs, options_on(fs));
  const std::uint64_t acked = import_one_code_at_a_time(*store, w);
  crash(fs, store);
  return acked;
}

TEST(RecoveryStop, AStopDuringTheReplayEndsItAndLeavesTheDirectoryAsItWas) {
  wal::FaultFs fs;
  Workload w(11);
  const std::uint64_t acked = history_without_snapshot(fs, w);
  const auto before = files_of(fs);
  StoreOptions o = options_on(fs);
  int asked = 0;
  o.stop_recovery = [&] { return ++asked == 2; };  // after the first batch
  auto stopped = Store::open(o);
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.status().code(), ErrorCode::kStorageUnavailable);
  EXPECT_EQ(stopped.status().message(),
            std::string(kRecoveryStoppedMessage) + " after " + std::to_string(kReplayBatchRecords) +
                " of the log's records; the data directory was left as it was");
  EXPECT_EQ(asked, 2);
  EXPECT_EQ(files_of(fs), before);

  auto store = open_store(fs, options_on(fs));
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->ledger().state_hash(), acked);
  EXPECT_GE(store->recovery().replayed, static_cast<std::uint64_t>(kCommands));
}

// Codes count as well as records: a batch ends once its records add kReplayBatchCodes
// codes, so a log of bulk records is asked about a stop every few of them. Batches were
// 512 records alone, and 512 generate records are 8.4 million codes: a SIGTERM waited
// seconds for the first batch to be read and applied (probe 36b).
TEST(RecoveryStop, ALogOfBulkImportsIsAskedEveryFewRecords) {
  constexpr int kImports = 20;
  constexpr int kCodesEach = 10'000;  // the most one import takes
  wal::FaultFs fs;
  Workload w(14);
  {
    auto store = open_store(fs, options_on(fs));
    ledger::Op op = w.op();
    ledger::PromotionSpec spec;
    spec.name = "bulk";
    auto promotion = store->ledger().create_promotion(op, spec);
    ASSERT_TRUE(promotion.ok());
    for (int i = 0; i < kImports; ++i) {
      std::vector<std::string> codes;
      for (int k = 0; k < kCodesEach; ++k) codes.push_back(testing::code_name(i * kCodesEach + k));
      op = w.op();
      ASSERT_TRUE(store->ledger().import_codes(op, promotion->id, codes, {}).ok());
    }
    ASSERT_TRUE(store->wait_durable(store->ledger().last_lsn()).ok());
    crash(fs, store);
  }
  StoreOptions o = options_on(fs);
  int asked = 0;
  o.stop_recovery = [&] { return ++asked == 2; };  // after the first batch
  auto stopped = Store::open(o);
  ASSERT_FALSE(stopped.ok());
  // The promotion's record, then imports until their codes reach kReplayBatchCodes.
  const std::size_t first_batch = 1 + (kReplayBatchCodes + kCodesEach - 1) / kCodesEach;
  EXPECT_EQ(stopped.status().message(),
            std::string(kRecoveryStoppedMessage) + " after " + std::to_string(first_batch) +
                " of the log's records; the data directory was left as it was");

  o.stop_recovery = [&] { ++asked; return false; };
  asked = 0;
  auto store = open_store(fs, o);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->recovery().replayed, static_cast<std::uint64_t>(kImports + 1));
  // 21 records in batches of 8, 7 and 6 (the last one's codes under the mark).
  EXPECT_EQ(asked, 3);
}

// Asked once a batch and never true: the replay runs to its end as without it.
TEST(RecoveryStop, AStopNeverAskedForChangesNothing) {
  wal::FaultFs fs;
  Workload w(12);
  const std::uint64_t acked = history_without_snapshot(fs, w);
  StoreOptions o = options_on(fs);
  int asked = 0;
  o.stop_recovery = [&] { return ++asked < 0; };
  auto store = open_store(fs, o);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->ledger().state_hash(), acked);
  EXPECT_GE(asked, 3);
}

// The stop is for recovery only: a store whose stop_recovery says yes from the first call
// still builds and writes its snapshots (POST /admin/snapshot, the shutdown snapshot).
TEST(RecoveryStop, SnapshotBuildsNeverAsk) {
  wal::FaultFs fs;
  StoreOptions o = options_on(fs);
  bool stopping = false;
  int asked = 0;
  o.stop_recovery = [&] { ++asked; return stopping; };
  auto store = open_store(fs, o);  // a new directory: nothing to replay
  ASSERT_NE(store, nullptr);
  Workload w(13);
  const std::uint64_t acked = import_one_code_at_a_time(*store, w);
  stopping = true;
  const int asked_before = asked;
  EXPECT_TRUE(store->snapshot_now().ok());
  EXPECT_TRUE(store->close().ok());
  EXPECT_EQ(asked, asked_before);
  auto reopened = open_store(fs, options_on(fs));
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->ledger().state_hash(), acked);
}

}  // namespace
}  // namespace codeledger::store
