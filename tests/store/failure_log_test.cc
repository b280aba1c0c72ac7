// Failures an operator must hear of when they happen, not at shutdown: the log failing, the
// next segment's background zero fill failing, a snapshot failing. Each is logged once and
// counted in StoreStats (and from there on /metrics).
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "ledger/chunk_arena.h"
#include "store_test_util.h"
#include "tests/support/eventually.h"
#include "wal/record.h"

namespace codeledger::store {
namespace {

using codeledger::testing::eventually;
using testing::LogLines;
using testing::open_store;
using testing::options_on;
using testing::Workload;

// The tests' store options, with the store's log lines going to `log`.
StoreOptions logged_options(wal::FaultFs& fs, LogLines& log) {
  StoreOptions o = options_on(fs);
  o.log = log.sink();
  return o;
}

TEST(FailureLog, AStickyLogFailureIsLoggedOnceWhenItHappens) {
  wal::FaultFs fs;
  LogLines log;
  StoreOptions o = logged_options(fs, log);
  auto store = open_store(fs, o);
  Workload w(21);
  ASSERT_EQ(w.run(*store, 20), 20);
  fs.inject({wal::FaultOp::kSync, 1, true});
  for (int i = 0; i < 50 && w.step(*store); ++i) {
  }
  ASSERT_FALSE(store->healthy());
  // Logged by the failing writer itself, while the store is still open.
  EXPECT_TRUE(log.wait_for("writes refused until restart")) << log.all();
  for (int i = 0; i < 5; ++i) w.step(*store);
  EXPECT_EQ(log.count("writes refused until restart"), 1u) << log.all();
  EXPECT_TRUE(log.count("injected fault")) << "the cause is in the line: " << log.all();
}

// The zero fill of the next segment runs in the background; its failure only surfaced when
// the next rotation failed, with /healthz at 200 until then.
TEST(FailureLog, ABackgroundZeroFillFailureIsLoggedAndCountedAtOnce) {
  wal::FaultFs fs;
  LogLines log;
  StoreOptions o = logged_options(fs, log);
  // Piece 1 is open()'s own small first segment (4 KiB here: one piece); piece 2 is the
  // next segment's fill, started in the background at once.
  fs.inject({wal::FaultOp::kZeroFill, 2, false});
  auto store = open_store(fs, o);
  ASSERT_TRUE(store);
  ASSERT_TRUE(eventually([&] { return store->stats().wal.zero_fill_failures == 1; }));
  EXPECT_TRUE(log.wait_for("zero fill")) << log.all();
  EXPECT_EQ(log.count("zero fill"), 1u) << log.all();
  EXPECT_TRUE(store->healthy()) << "the current segment still takes records";
}

TEST(FailureLog, AFailedSnapshotIsLoggedAndExposedUntilOneSucceeds) {
  wal::FaultFs fs;
  LogLines log;
  StoreOptions o = logged_options(fs, log);
  o.wal.preallocate = false;             // the log never renames: the fault hits the snapshot
  o.snapshot_interval_ms = 3'600'000;    // the snapshot thread runs; requests wake it
  auto store = open_store(fs, o);
  Workload w(22);
  ASSERT_EQ(w.run(*store, 20), 20);
  fs.inject({wal::FaultOp::kRename, 1, false});
  store->request_snapshot();
  ASSERT_TRUE(eventually([&] { return store->stats().snapshot_failures == 1; }));
  StoreStats s = store->stats();
  EXPECT_EQ(s.snapshots_written, 0u);
  EXPECT_NE(s.last_snapshot_error.find("injected fault"), std::string::npos) << s.last_snapshot_error;
  EXPECT_TRUE(log.wait_for("snapshot at lsn " + std::to_string(store->durable_lsn()) + " failed"))
      << log.all();

  store->request_snapshot();  // the fault was for one rename only
  ASSERT_TRUE(eventually([&] { return store->stats().snapshots_written == 1; }));
  s = store->stats();
  EXPECT_TRUE(s.last_snapshot_error.empty()) << s.last_snapshot_error;
  EXPECT_EQ(s.snapshot_failures, 1u);
  EXPECT_EQ(log.count("failed"), 1u) << log.all();
}

// A snapshot build replays into a second ledger; without the memory for it the snapshot
// fails like any other and the server goes on, where the bad_alloc used to end it (probe 35b).
TEST(FailureLog, ASnapshotWithoutMemoryForItsBuildFailsAndTheStoreGoesOn) {
  wal::FaultFs fs;
  LogLines log;
  auto store = open_store(fs, logged_options(fs, log));
  Workload w(23);
  ASSERT_EQ(w.run(*store, 20), 20);
  using ledger::detail::ChunkArena;
  ChunkArena::chunks_left_for_testing = 0;
  auto failed = store->snapshot_now();
  ChunkArena::chunks_left_for_testing = ChunkArena::kUnlimitedChunks;
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("failed: out of memory building it"), std::string::npos)
      << failed.status().message();
  EXPECT_EQ(store->stats().snapshot_failures, 1u);
  EXPECT_TRUE(store->healthy());
  EXPECT_EQ(w.run(*store, 5), 5);
  auto written = store->snapshot_now();
  ASSERT_TRUE(written.ok()) << written.status().message();
  EXPECT_EQ(*written, store->durable_lsn());
}

// A start that skipped a failing newest snapshot, then a clean close with nothing new: the
// close's snapshot has the same LSN. The failing file, kept as evidence, is set aside as
// .corrupt (and said so), not renamed over (probe 32).
TEST(FailureLog, ASnapshotReplacingAFailingFileOfItsLsnKeepsItAndSaysSo) {
  wal::FaultFs fs;
  LogLines log;
  StoreOptions o = logged_options(fs, log);
  auto store = open_store(fs, o);
  Workload w(22);
  ASSERT_EQ(w.run(*store, 30), 30);
  auto lsn = store->snapshot_now();
  ASSERT_TRUE(lsn.ok()) << lsn.status().message();
  ASSERT_TRUE(store->close().ok());  // nothing new: the close writes no other snapshot
  const std::string path = "/data/" + wal::snapshot_name(*lsn);
  std::string bad = fs.contents(path);
  bad.back() ^= 0x01;
  fs.write_raw(path, bad);
  store = open_store(fs, o);
  ASSERT_TRUE(store);
  ASSERT_EQ(store->recovery().snapshots_skipped.size(), 1u);
  ASSERT_TRUE(store->close().ok());
  EXPECT_EQ(fs.contents(path + ".corrupt"), bad);
  EXPECT_EQ(log.count("snapshot " + wal::snapshot_name(*lsn) + " on disk failed its checks; kept as " +
                      path + ".corrupt (payload checksum mismatch) and replaced by a new one"),
            1u)
      << log.all();
  store = open_store(fs, o);
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->recovery().snapshots_skipped.empty());
  EXPECT_EQ(store->recovery().snapshot_lsn, *lsn);
}

// Without periodic snapshots (interval 0) a requested one is still built: there was no
// snapshot thread then, and POST /admin/snapshot answered 202 for a snapshot that never came
// (probe 32d).
TEST(SnapshotRequest, IsServedWithoutPeriodicSnapshots) {
  wal::FaultFs fs;
  StoreOptions o = options_on(fs);
  o.snapshot_interval_ms = 0;
  auto store = open_store(fs, o);
  Workload w(23);
  ASSERT_EQ(w.run(*store, 20), 20);
  store->request_snapshot();
  ASSERT_TRUE(eventually([&] { return store->stats().snapshots_written == 1; }));
  EXPECT_TRUE(fs.exists("/data/" + wal::snapshot_name(store->stats().last_snapshot_lsn)));
}

}  // namespace
}  // namespace codeledger::store
