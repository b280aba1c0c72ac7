// The store over the fault-injecting file system: acknowledged state survives crashes,
// a failed log refuses writes but serves reads, and replay is deterministic.
#include <gtest/gtest.h>

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

#include "store_test_util.h"
#include "tests/support/thread_names.h"
#include "wal/crc32c.h"
#include "wal/format.h"
#include "wal/format.h"
#include "wal/record.h"

namespace codeledger::store {
namespace {

using testing::crash;
using testing::kOrg;
using testing::open_store;
using testing::options_on;
using testing::wait_for_first_prefault_fill;
using testing::Workload;

TEST(Store, AcknowledgedWritesSurviveACrash) {
  wal::FaultFs fs;
  auto store = open_store(fs, options_on(fs));
  Workload w(1);
  ASSERT_EQ(w.run(*store, 120), 120) << w.last_error().message();
  const std::uint64_t hash = store->ledger().state_hash();
  EXPECT_EQ(hash, w.acked_hash());
  crash(fs, store, 17);
  store = open_store(fs, options_on(fs));
  ASSERT_TRUE(store);
  EXPECT_EQ(store->ledger().state_hash(), hash);
  EXPECT_EQ(store->recovery().snapshot_lsn, 0u);
  EXPECT_GT(store->recovery().replayed, 40u);
  EXPECT_EQ(store->recovery().replayed, store->recovery().last_lsn);
  // The log continues where it stopped.
  ASSERT_EQ(w.run(*store, 20), 20) << w.last_error().message();
}

TEST(Store, RecoveryFromSnapshotPlusWalEqualsWalOnly) {
  wal::FaultFs fs;
  auto store = open_store(fs, options_on(fs));
  Workload w(2);
  ASSERT_EQ(w.run(*store, 80), 80);
  auto snap = store->snapshot_now();
  ASSERT_TRUE(snap.ok()) << snap.status().message();
  EXPECT_EQ(*snap, store->durable_lsn());
  ASSERT_EQ(w.run(*store, 80), 80);
  const std::uint64_t hash = store->ledger().state_hash();
  crash(fs, store);

  wal::FaultFs wal_only;  // the same disk without its snapshots
  auto entries = fs.list("/data");
  for (const auto& e : *entries) {
    if (!wal::parse_snapshot_name(e.name)) {
      wal_only.write_raw("/data/" + e.name, fs.contents("/data/" + e.name));
    }
  }
  store = open_store(fs, options_on(fs));
  EXPECT_EQ(store->recovery().snapshot_lsn, *snap);
  EXPECT_EQ(store->ledger().state_hash(), hash);
  auto replayed = open_store(wal_only, options_on(wal_only));
  EXPECT_EQ(replayed->recovery().snapshot_lsn, 0u);
  EXPECT_EQ(replayed->ledger().state_hash(), hash);
}

// A log of 80 commands with a snapshot after 40 and one after 80, then a crash: the
// snapshots' LSNs and the state they hold.
struct TwoSnapshots {
  std::uint64_t older = 0, newer = 0, hash = 0;
};
TwoSnapshots two_snapshots_then_crash(wal::FaultFs& fs, std::uint32_t seed) {
  TwoSnapshots out;
  auto store = open_store(fs, options_on(fs));
  Workload w(seed);
  EXPECT_EQ(w.run(*store, 40), 40);
  auto older = store->snapshot_now();
  EXPECT_TRUE(older.ok()) << older.status().message();
  EXPECT_EQ(w.run(*store, 40), 40);
  auto newer = store->snapshot_now();
  EXPECT_TRUE(newer.ok()) << newer.status().message();
  out = {older.ok() ? *older : 0, newer.ok() ? *newer : 0, store->ledger().state_hash()};
  crash(fs, store);
  return out;
}

// Each snapshot file is read once where it is needed: a build reads the previous snapshot
// once (not once for its checksum and again for the payload), and pruning after the write
// reads no payload the store wrote or loaded itself, only headers (probe 36b: at 10 million
// codes each build read back about 1.3 GB). The same at a start: the snapshot is read once.
TEST(Store, EachSnapshotIsReadOnceWhereItIsNeeded) {
  wal::FaultFs fs;
  auto store = open_store(fs, options_on(fs));
  Workload w(12);
  ASSERT_EQ(w.run(*store, 40), 40);
  auto first = store->snapshot_now();
  ASSERT_TRUE(first.ok()) << first.status().message();
  const std::string first_path = "/data/" + wal::snapshot_name(*first);
  const std::uint64_t first_bytes = fs.contents(first_path).size();
  ASSERT_EQ(w.run(*store, 40), 40);
  const std::uint64_t first_read_before = fs.bytes_read(first_path);
  auto second = store->snapshot_now();
  ASSERT_TRUE(second.ok()) << second.status().message();
  const std::string second_path = "/data/" + wal::snapshot_name(*second);
  const std::uint64_t second_bytes = fs.contents(second_path).size();
  ASSERT_GT(first_bytes, 8 * wal::format::kSnapshotHeaderBytes);  // the bounds tell once from twice
  // The build's load: its payload once, and its header each time the directory is listed.
  EXPECT_GE(fs.bytes_read(first_path) - first_read_before, first_bytes - wal::format::kSnapshotHeaderBytes);
  EXPECT_LT(fs.bytes_read(first_path) - first_read_before, first_bytes + 4 * wal::format::kSnapshotHeaderBytes);
  EXPECT_LE(fs.bytes_read(second_path), 2 * wal::format::kSnapshotHeaderBytes);  // no payload
  crash(fs, store);

  const std::uint64_t second_read_before = fs.bytes_read(second_path);
  store = open_store(fs, options_on(fs));
  ASSERT_TRUE(store);
  EXPECT_EQ(store->recovery().snapshot_lsn, *second);
  EXPECT_LT(fs.bytes_read(second_path) - second_read_before, second_bytes + 4 * wal::format::kSnapshotHeaderBytes);
}

// A snapshot file whose header covers another LSN than its name says (a restore copied under
// the wrong name) is skipped and named, not loaded: the newest is picked by name, so it
// would shadow every later snapshot (probe 32: the server loaded it, ledgerctl called it BAD).
TEST(Store, ASnapshotNamedForAnotherLsnIsSkippedAndNamed) {
  wal::FaultFs fs;
  const auto [older, newer, hash] = two_snapshots_then_crash(fs, 4);
  const std::string misnamed = wal::snapshot_name(newer + 100);
  fs.write_raw("/data/" + misnamed, fs.contents("/data/" + wal::snapshot_name(older)));
  auto store = open_store(fs, options_on(fs));
  ASSERT_TRUE(store);
  EXPECT_EQ(store->recovery().snapshot_lsn, newer);
  EXPECT_EQ(store->ledger().state_hash(), hash);
  ASSERT_EQ(store->recovery().snapshots_skipped.size(), 1u);
  EXPECT_EQ(store->recovery().snapshots_skipped[0],
            misnamed + ": covered lsn " + std::to_string(older) + " does not match the file name");
}

// wal-format.md: a snapshot whose checksums hold but whose payload does not decode "is
// skipped like a corrupt one: the server ... tr[ies] the next older one".
TEST(Store, ASnapshotThatDoesNotDecodeIsSkippedForTheOlderOne) {
  wal::FaultFs fs;
  const auto [older, newer, hash] = two_snapshots_then_crash(fs, 5);
  const std::string path = "/data/" + wal::snapshot_name(newer);
  std::string image = fs.contents(path);
  constexpr std::size_t kHeader = wal::format::kSnapshotHeaderBytes;
  ASSERT_EQ(image[kHeader], 1);  // the payload's version byte
  image[kHeader] = 2;
  const std::uint32_t payload_crc = wal::crc32c(image.data() + kHeader, image.size() - kHeader);
  std::memcpy(image.data() + 40, &payload_crc, 4);  // header: payload_crc at 40
  const std::uint32_t header_crc = wal::crc32c(image.data(), wal::format::kSnapshotHeaderCrcOffset);
  std::memcpy(image.data() + wal::format::kSnapshotHeaderCrcOffset, &header_crc, 4);
  fs.write_raw(path, image);
  auto store = open_store(fs, options_on(fs));
  ASSERT_TRUE(store);
  EXPECT_EQ(store->recovery().snapshot_lsn, older);
  EXPECT_EQ(store->ledger().state_hash(), hash);
  ASSERT_EQ(store->recovery().snapshots_skipped.size(), 1u);
  EXPECT_NE(store->recovery().snapshots_skipped[0].find("unknown snapshot version 2"), std::string::npos)
      << store->recovery().snapshots_skipped[0];
}

// operations.md, "What start-up reads": segments wholly covered by the newest valid snapshot
// are not read at start, so damage in one of them does not stop the server.
TEST(Store, DamageInASegmentTheSnapshotCoversDoesNotStopTheStart) {
  wal::FaultFs fs;
  auto store = open_store(fs, options_on(fs));
  Workload w(9);
  ASSERT_EQ(w.run(*store, 300), 300);
  auto snap = store->snapshot_now();
  ASSERT_TRUE(snap.ok()) << snap.status().message();
  ASSERT_EQ(w.run(*store, 40), 40);
  const std::uint64_t hash = store->ledger().state_hash();
  crash(fs, store);
  auto segs = wal::list_segments(fs, "/data");
  ASSERT_TRUE(segs.ok() && segs->size() >= 2) << (segs.ok() ? segs->size() : 0);
  ASSERT_LE((*segs)[1].first_lsn, *snap + 1) << "the first segment must lie wholly under the snapshot";
  const std::string first = "/data/" + (*segs)[0].name;
  std::string bytes = fs.contents(first);
  bytes[bytes.size() / 2] ^= 0x10;
  fs.write_raw(first, bytes);
  store = open_store(fs, options_on(fs));
  ASSERT_TRUE(store);
  EXPECT_EQ(store->recovery().snapshot_lsn, *snap);
  EXPECT_EQ(store->ledger().state_hash(), hash);
}

TEST(Store, CleanCloseWritesASnapshotAndReopensWithoutReplay) {
  wal::FaultFs fs;
  auto store = open_store(fs, options_on(fs));
  Workload w(3);
  ASSERT_EQ(w.run(*store, 50), 50);
  const std::uint64_t hash = store->ledger().state_hash();
  const std::uint64_t last = store->ledger().last_lsn();
  ASSERT_TRUE(store->close().ok());
  store = open_store(fs, options_on(fs));
  EXPECT_EQ(store->recovery().snapshot_lsn, last);
  EXPECT_EQ(store->recovery().replayed, 0u);
  EXPECT_EQ(store->ledger().state_hash(), hash);
}

std::vector<std::uint64_t> segment_first_lsns(wal::FaultFs& fs) {
  std::vector<std::uint64_t> lsns;
  const auto entries = fs.list("/data");
  for (const auto& e : *entries) {
    if (const auto lsn = wal::parse_segment_name(e.name)) lsns.push_back(*lsn);
  }
  std::sort(lsns.begin(), lsns.end());
  return lsns;
}

// Creates promotions named prefix0, prefix1, ... and waits until each is durable: one log
// record each, so a few hundred fill many 4 KiB segments.
void create_promotions(Store& store, const std::string& prefix, int n) {
  for (int i = 0; i < n; ++i) {
    ledger::Op op;
    op.org = kOrg;
    op.api_key = "test-key";
    op.now_ms = 1'700'000'000'000 + i;
    ledger::PromotionSpec spec;
    spec.name = prefix + std::to_string(i);
    ASSERT_TRUE(store.ledger().create_promotion(op, spec).ok());
    ASSERT_TRUE(store.wait_durable(op.visible_lsn).ok());
  }
}

// A crash leaves the open segment with a zero tail. The restart starts a new segment, so
// nothing writes the crashed one again: its recovery trims it then. Left for "the next
// recovery", it kept its zeros for good once the restart's clean stop wrote a snapshot
// covering it, since start-up reads no segment a snapshot covers (probe 34a).
TEST(Store, ACrashedSegmentIsTrimmedByTheRestartThatLeavesIt) {
  wal::FaultFs fs;
  StoreOptions o = options_on(fs);
  o.wal.segment_bytes_max = 1 << 20;  // the crash leaves most of it zero fill
  auto store = open_store(fs, o);
  Workload w(4);
  ASSERT_EQ(w.run(*store, 30), 30) << w.last_error().message();
  crash(fs, store);
  const std::string crashed = "/data/" + wal::segment_name(segment_first_lsns(fs).back());
  const std::string image = fs.contents(crashed);
  const std::size_t written = wal::zero_fill_start(image);
  ASSERT_LT(written, image.size());
  store = open_store(fs, o);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->recovery().wal.zero_tail_bytes_trimmed, image.size() - written);
  EXPECT_EQ(fs.contents(crashed), image.substr(0, written));
  ASSERT_EQ(w.run(*store, 5), 5) << w.last_error().message();
  ASSERT_TRUE(store->close().ok());
  store = open_store(fs, o);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->ledger().state_hash(), w.acked_hash());
  EXPECT_EQ(fs.contents(crashed), image.substr(0, written));
}

// With a size limit on the log (durability.retention_bytes_max), nothing goes before a
// snapshot covers it; after one, the oldest segments go at the next rotations, and a crash
// then recovers from the snapshot plus the segments left, to the acknowledged state.
TEST(Store, RetentionDeletesOnlySegmentsASnapshotCoversAndRecoveryStillWorks) {
  wal::FaultFs fs;
  StoreOptions o = options_on(fs);
  o.wal.retention.total_bytes_max = 3 * 4096;
  auto store = open_store(fs, o);
  create_promotions(*store, "before-", 300);
  const auto before = segment_first_lsns(fs);
  ASSERT_GT(before.size(), 6u) << "300 records span many 4 KiB segments";
  EXPECT_EQ(before.front(), 1u) << "no snapshot yet: every segment kept";

  auto snap = store->snapshot_now();
  ASSERT_TRUE(snap.ok()) << snap.status().message();
  create_promotions(*store, "after-", 100);
  const auto after = segment_first_lsns(fs);
  EXPECT_GT(after.front(), 1u) << "the oldest segments went";
  EXPECT_LE(after.front(), *snap + 1) << "never a segment holding a record after the snapshot";
  EXPECT_LT(after.size(), before.size());
  const std::uint64_t hash = store->ledger().state_hash();
  crash(fs, store);
  store = open_store(fs, o);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->recovery().snapshot_lsn, *snap);
  EXPECT_EQ(store->ledger().state_hash(), hash);
  EXPECT_EQ(store->ledger().last_lsn(), 400u);
}

// The log may measure segment ages with a clock of its own (codeledgerd gives it the earlier
// of its clock and the system clock, which stamps file times: probe 35a); the store's clock
// then stamps only snapshots.
TEST(Store, RetentionByAgeReadsTheLogsOwnClockWhenItHasOne) {
  wal::FaultFs fs;
  StoreOptions o = options_on(fs);
  o.wal.retention.age_ms_max = 1000;
  o.clock_ms = [] { return std::int64_t{0}; };
  std::atomic<std::int64_t> log_now{0};
  o.wal.clock_ms = [&] { return log_now.load(); };
  auto store = open_store(fs, o);
  create_promotions(*store, "before-", 300);
  ASSERT_TRUE(store->snapshot_now().ok());
  create_promotions(*store, "young-", 50);
  EXPECT_EQ(segment_first_lsns(fs).front(), 1u) << "by the log's clock every segment is young";
  log_now = 10'000;
  create_promotions(*store, "old-", 50);
  EXPECT_GT(segment_first_lsns(fs).front(), 1u) << "by the log's clock the covered ones are old";
}

TEST(Store, StickyFailureRefusesWritesWhileReadsWork) {
  wal::FaultFs fs;
  auto store = open_store(fs, options_on(fs));
  Workload w(4);
  ASSERT_EQ(w.run(*store, 60), 60);
  const std::uint64_t acked = w.acked_hash();
  fs.inject({wal::FaultOp::kSync, 1, true});
  for (int i = 0; i < 50 && w.step(*store); ++i) {
  }
  EXPECT_EQ(w.last_error().code(), ErrorCode::kStorageUnavailable);
  EXPECT_FALSE(store->healthy());
  EXPECT_EQ(store->failure().code(), ErrorCode::kStorageUnavailable);
  ledger::Op op = w.op();
  ledger::PromotionSpec spec;
  spec.name = "refused";
  auto created = store->ledger().create_promotion(op, spec);
  EXPECT_EQ(created.status().code(), ErrorCode::kStorageUnavailable);
  std::vector<std::string> codes = {testing::code_name(1)};
  auto read = store->ledger().get_codes(op, ledger::Mode::kDiscount, codes, false);
  ASSERT_EQ(read.size(), 1u);
  EXPECT_TRUE(read[0].ok());
  std::atomic<int> called{0};
  store->on_durable(store->ledger().last_lsn(), [&](Status st) {
    EXPECT_EQ(st.code(), ErrorCode::kStorageUnavailable);
    ++called;
  });
  EXPECT_EQ(called.load(), 1);
  crash(fs, store);
  store = open_store(fs, options_on(fs));
  EXPECT_EQ(store->ledger().state_hash(), acked);  // the failed batch was never acknowledged
}

// Every Nth fsync or write of the reference workload fails: after the crash the store holds
// exactly the acknowledged state.
TEST(Store, FaultAtEveryNthFsyncOrWriteKeepsExactlyTheAcknowledgedState) {
  constexpr int kSteps = 60;
  for (wal::FaultOp op : {wal::FaultOp::kSync, wal::FaultOp::kWrite}) {
    std::uint64_t calls = 0;
    {
      wal::FaultFs fs;
      auto store = open_store(fs, options_on(fs));
      Workload w(5);
      ASSERT_EQ(w.run(*store, kSteps), kSteps);
      calls = fs.calls(op);
    }
    for (std::uint64_t n = 1; n <= calls; n += 3) {
      wal::FaultFs fs;
      fs.set_failed_write_keeps_bytes(11);
      auto store = open_store(fs, options_on(fs));
      const std::uint64_t empty = store->ledger().state_hash();
      Workload w(5);
      fs.inject({op, n, false});
      w.run(*store, kSteps);
      const std::uint64_t acked = w.acked() ? w.acked_hash() : empty;
      if (w.acked() < kSteps) {
        EXPECT_FALSE(store->healthy()) << n;
      }
      crash(fs, store, 23);
      store = open_store(fs, options_on(fs));
      ASSERT_TRUE(store) << n;
      EXPECT_EQ(store->ledger().state_hash(), acked) << "fault at call " << n;
    }
  }
}

TEST(Store, BackgroundSnapshotWhileWritersRun) {
  wal::FaultFs fs;
  StoreOptions o = options_on(fs);
  o.snapshot_interval_ms = 5;
  auto store = open_store(fs, o);
  Workload w(6);
  ASSERT_EQ(w.run(*store, 40), 40);
  std::atomic<bool> stop{false};
  std::thread snapshots([&] {
    while (!stop) {
      store->request_snapshot();
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  ASSERT_EQ(w.run(*store, 150), 150);
  // On a loaded machine the writers can finish before the first snapshot is built: keep
  // writing (bounded) until one has been written while they ran.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (store->stats().snapshots_written == 0 && std::chrono::steady_clock::now() < deadline) {
    ASSERT_EQ(w.run(*store, 10), 10);
  }
  stop = true;
  snapshots.join();
  EXPECT_GT(store->stats().snapshots_written, 0u);
  EXPECT_TRUE(store->stats().last_snapshot_error.empty()) << store->stats().last_snapshot_error;
  const std::uint64_t hash = store->ledger().state_hash();
  crash(fs, store);
  store = open_store(fs, options_on(fs));
  EXPECT_GT(store->recovery().snapshot_lsn, 0u);
  EXPECT_EQ(store->ledger().state_hash(), hash);
}

TEST(Store, LongReplayReportsProgressAndTornTail) {
  wal::FaultFs fs;
  testing::LogLines log;  // before the store, whose threads log until it is gone
  auto store = open_store(fs, options_on(fs));
  Workload w(7);
  ASSERT_EQ(w.run(*store, 100), 100);
  // An unacknowledged command whose fsync fails leaves a torn record behind.
  fs.inject({wal::FaultOp::kSync, 1, true});
  ledger::Op op = w.op();
  ledger::PromotionSpec spec;
  spec.name = "never acknowledged";
  ASSERT_TRUE(store->ledger().create_promotion(op, spec).ok());
  EXPECT_FALSE(store->wait_durable(op.visible_lsn).ok());
  crash(fs, store, 9);
  StoreOptions o = options_on(fs);
  // The replay's progress (time-based; quiet_ms 0: its first line at once, and its last).
  o.log = log.sink();
  o.progress.quiet_ms = 0;
  store = open_store(fs, o);
  EXPECT_EQ(log.count("recovery: replaying the log from its start: "), 1u) << log.all();
  EXPECT_EQ(log.count("recovery: replayed " + std::to_string(store->recovery().replayed) +
                      " records (40 codes added) up to lsn " +
                      std::to_string(store->recovery().wal.last_lsn) + " in "),
            1u)
      << log.all();
  EXPECT_TRUE(store->recovery().wal.cut);
  EXPECT_EQ(store->ledger().state_hash(), w.acked_hash());
  EXPECT_FALSE(store->recovery().summary().empty());
}

TEST(Store, MidLogCorruptionRefusesToOpenUnlessPointInTime) {
  wal::FaultFs fs;
  auto store = open_store(fs, options_on(fs));
  Workload w(8);
  ASSERT_EQ(w.run(*store, 300), 300);
  crash(fs, store);
  auto segs = wal::list_segments(fs, "/data");
  ASSERT_GE(segs->size(), 2u);
  const std::string first = "/data/" + (*segs)[0].name;
  std::string bytes = fs.contents(first);
  bytes[bytes.size() / 2] ^= 0x10;
  fs.write_raw(first, bytes);
  auto refused = Store::open(options_on(fs));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find((*segs)[0].name), std::string::npos);
  StoreOptions pit = options_on(fs);
  pit.recovery = wal::RecoveryPolicy::kPointInTime;
  store = open_store(fs, pit);
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->recovery().wal.cut);
  EXPECT_GT(store->recovery().wal.records_dropped, 0u);
}

// StoreOptions::wal reaches the WAL writer (here its preallocate: zero fills only when on).
TEST(Store, PreallocateOptionControlsZeroFill) {
  for (const bool preallocate : {true, false}) {
    wal::FaultFs fs;
    StoreOptions o = options_on(fs);
    o.wal.preallocate = preallocate;
    auto store = open_store(fs, o);
    ASSERT_TRUE(store);
    Workload w(5);
    ASSERT_EQ(w.run(*store, 20), 20);
    ASSERT_TRUE(store->close().ok());
    if (preallocate) {
      EXPECT_GE(fs.calls(wal::FaultOp::kZeroFill), 1u);
    } else {
      EXPECT_EQ(fs.calls(wal::FaultOp::kZeroFill), 0u);
    }
  }
}

// The kernel's zeroing of fresh record memory runs on the store's ledger-prefault thread,
// not on the threads that run commands.
TEST(Store, LedgerPrefaultThreadFaultsRecordMemoryInAhead) {
  wal::FaultFs fs;
  auto store = open_store(fs, options_on(fs));
  const auto names = codeledger::testing::thread_names();
  EXPECT_EQ(std::count(names.begin(), names.end(), "ledger-prefault"), 1);
  Workload w(3);
  ASSERT_EQ(w.run(*store, 60), 60) << w.last_error().message();
  // The thread answers the first command that found nothing faulted in ahead.
  wait_for_first_prefault_fill(*store);
  EXPECT_GE(store->stats().prefault_fills, 1u);
  EXPECT_EQ(store->ledger().state_hash(), w.acked_hash());
}

// A fresh store's helper faults the first record memory in before any command arrives: the
// first redemptions must not zero huge pages on an io thread either.
TEST(Store, LedgerPrefaultThreadFillsBeforeTheFirstCommand) {
  wal::FaultFs fs;
  auto store = open_store(fs, options_on(fs));
  wait_for_first_prefault_fill(*store);
  EXPECT_GE(store->stats().prefault_fills, 1u);
}

// The helper must not take an io thread's vCPU: it runs at SCHED_IDLE, the threads that
// run commands at the default policy.
TEST(Store, LedgerPrefaultThreadRunsOnlyWhenTheCpuIsIdle) {
  wal::FaultFs fs;
  auto store = open_store(fs, options_on(fs));
  int helpers = 0;
  for (const auto& thread : codeledger::testing::named_threads()) {
    if (thread.name != "ledger-prefault") continue;
    ++helpers;
    EXPECT_EQ(sched_getscheduler(thread.tid), SCHED_IDLE);
  }
  EXPECT_EQ(helpers, 1);
  EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);  // this thread, which runs the commands
}

}  // namespace
}  // namespace codeledger::store
