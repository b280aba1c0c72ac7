// A snapshot is written only for LSNs already durable in the log, so a log that ends below
// the newest snapshot's LSN lost acknowledged records, or the two do not belong together:
// recovery refuses, before it changes anything on disk. The legitimate states start: an
// empty segment right after the snapshot (retention took the rest), and a directory with
// a snapshot and no segment at all (a restore from a snapshot, docs/operations.md).
#include <gtest/gtest.h>

#include "store_test_util.h"
#include "wal/record.h"

namespace codeledger::store {
namespace {

using testing::crash;
using testing::files_of;
using testing::LogLines;
using testing::open_store;
using testing::options_on;
using testing::Workload;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::vector<wal::SegmentInfo> segments(wal::FaultFs& fs) {
  auto segs = wal::list_segments(fs, "/data");
  EXPECT_TRUE(segs.ok());
  return segs.ok() ? *segs : std::vector<wal::SegmentInfo>{};
}

void remove_segments_from(wal::FaultFs& fs, std::size_t first_removed) {
  const auto segs = segments(fs);
  for (std::size_t i = first_removed; i < segs.size(); ++i) {
    ASSERT_TRUE(fs.remove("/data/" + segs[i].name).ok());
  }
}

// A workload of `steps` commands, then a clean close: sealed segments and the shutdown
// snapshot, which covers the last LSN. Returns that LSN.
std::uint64_t closed_history(wal::FaultFs& fs, Workload& w, int steps) {
  auto store = open_store(fs, options_on(fs));
  EXPECT_EQ(w.run(*store, steps), steps) << w.last_error().message();
  const std::uint64_t last = store->ledger().last_lsn();
  EXPECT_TRUE(store->close().ok());
  return last;
}

// The probe's cases: the only segment cut to its header, to 10 bytes, to nothing. Under
// every start-up policy (point-in-time keeps the longest valid prefix of the log, which
// would still contradict the snapshot).
TEST(LogEnd, ALogThatEndsBelowTheSnapshotIsRefusedAndNothingChanges) {
  for (const std::size_t keep : {std::size_t{28}, std::size_t{10}, std::size_t{0}}) {
    for (const auto policy : {wal::RecoveryPolicy::kTruncateTail, wal::RecoveryPolicy::kPointInTime}) {
      SCOPED_TRACE("segment cut to " + std::to_string(keep) + " bytes, policy " +
                   std::string(wal::to_string(policy)));
      wal::FaultFs fs;
      Workload w(11);
      const std::uint64_t snap = closed_history(fs, w, 30);
      remove_segments_from(fs, 1);
      const std::string first = "/data/" + wal::segment_name(1);
      fs.write_raw(first, fs.contents(first).substr(0, keep));
      const auto before = files_of(fs);
      StoreOptions o = options_on(fs);
      o.recovery = policy;
      auto refused = Store::open(o);
      ASSERT_FALSE(refused.ok());
      const std::string msg = refused.status().message();
      EXPECT_TRUE(contains(msg, "snapshot " + wal::snapshot_name(snap) + " covers lsn " +
                                    std::to_string(snap)))
          << msg;
      EXPECT_TRUE(contains(msg, "ends at lsn 0")) << msg;
      EXPECT_TRUE(contains(msg, "were left as they are")) << msg;
      EXPECT_EQ(files_of(fs), before) << "no segment cut, trimmed or set aside as .dropped";
    }
  }
}

// A snapshot taken later in the same history (a backup, say) placed beside an older log.
TEST(LogEnd, ASnapshotFromALaterPointThanTheLogIsRefused) {
  wal::FaultFs later;
  Workload w_later(12);
  const std::uint64_t snap = closed_history(later, w_later, 60);

  wal::FaultFs fs;
  Workload w(12);  // the same commands, fewer of them
  auto store = open_store(fs, options_on(fs));
  ASSERT_EQ(w.run(*store, 30), 30);
  const std::uint64_t log_end = store->ledger().last_lsn();
  crash(fs, store);
  ASSERT_LT(log_end, snap);
  const std::string name = wal::snapshot_name(snap);
  fs.write_raw("/data/" + name, later.contents("/data/" + name));
  const auto before = files_of(fs);
  auto refused = Store::open(options_on(fs));
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(contains(refused.status().message(), "ends at lsn " + std::to_string(log_end)))
      << refused.status().message();
  EXPECT_EQ(files_of(fs), before);
}

// After retention deleted every segment the snapshot covers, the newest one starts right
// after the snapshot and holds nothing yet: the log ends exactly at the snapshot's LSN.
TEST(LogEnd, AnEmptySegmentRightAfterTheSnapshotStarts) {
  wal::FaultFs fs;
  Workload w(13);
  const std::uint64_t snap = closed_history(fs, w, 30);
  {
    auto idle = open_store(fs, options_on(fs));  // starts segment snap + 1, writes nothing
    ASSERT_TRUE(idle && idle->close().ok());
  }
  const auto segs = segments(fs);
  ASSERT_EQ(segs.back().first_lsn, snap + 1);
  for (std::size_t i = 0; i + 1 < segs.size(); ++i) ASSERT_TRUE(fs.remove("/data/" + segs[i].name).ok());
  auto store = open_store(fs, options_on(fs));
  ASSERT_TRUE(store);
  EXPECT_EQ(store->recovery().snapshot_lsn, snap);
  EXPECT_EQ(store->recovery().wal.end_lsn, snap);
  EXPECT_EQ(store->ledger().state_hash(), w.acked_hash());
}

// Restoring from a snapshot file alone (ledgerctl replay --write-snapshot, or a backup's
// snapshot) is documented: a directory with a snapshot and no segment starts from it, says
// so, and the new log continues after it.
TEST(LogEnd, ASnapshotWithoutAnySegmentStartsFromTheSnapshotAndSaysSo) {
  wal::FaultFs fs;
  Workload w(14);
  const std::uint64_t snap = closed_history(fs, w, 30);
  remove_segments_from(fs, 0);
  LogLines log;
  StoreOptions o = options_on(fs);
  o.log = log.sink();
  auto store = open_store(fs, o);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->recovery().snapshot_lsn, snap);
  EXPECT_EQ(store->ledger().state_hash(), w.acked_hash());
  EXPECT_EQ(log.count("holds no log segment"), 1u) << log.all();
  ASSERT_EQ(w.run(*store, 10), 10) << w.last_error().message();
  crash(fs, store);
  store = open_store(fs, options_on(fs));
  ASSERT_TRUE(store);
  EXPECT_EQ(store->ledger().state_hash(), w.acked_hash());
  EXPECT_EQ(segments(fs).front().first_lsn, snap + 1);
}

// Durability none never fsyncs the log on its own, but a snapshot is fsynced: unless the
// log is synced first, a power cut leaves a snapshot that covers records the log lost.
TEST(LogEnd, DurabilityNoneSyncsTheLogBeforeItWritesASnapshot) {
  wal::FaultFs fs;
  StoreOptions o = options_on(fs);
  o.wal.durability = wal::Durability::kNone;
  auto store = open_store(fs, o);
  Workload w(15);
  ASSERT_EQ(w.run(*store, 40), 40);
  auto snap = store->snapshot_now();
  ASSERT_TRUE(snap.ok()) << snap.status().message();
  ASSERT_GT(*snap, 0u);
  crash(fs, store);
  wal::ReadOptions ro;
  ro.policy = wal::RecoveryPolicy::kStrict;
  auto read = wal::read_wal(fs, "/data", ro, [](const wal::RecordRef&) { return wal::Status::Ok(); });
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_GE(read->last_lsn, *snap) << "the log holds every record the snapshot covers";
  store = open_store(fs, o);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->recovery().snapshot_lsn, *snap);
}

}  // namespace
}  // namespace codeledger::store
