// Long steps said as they go (LongStep, StoreOptions::progress): nothing while a step is
// short, then a line after its first second, one a second after that, and a last line with
// its time. Time-based, so the tests drive it through the timing: quiet_ms 0 prints a step's
// first line at once, on the caller's thread, and so its last line too, and no test sleeps.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "server/store/long_step.h"
#include "store_test_util.h"
#include "wal/format.h"
#include "wal/record.h"

namespace codeledger::store {
namespace {

using testing::crash;
using testing::LogLines;
using testing::open_store;
using testing::options_on;
using testing::Workload;

constexpr StepTiming kAtOnce{0, 1000};  // first line at once, then each second

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

std::vector<std::string> lines_with(const LogLines& log, std::string_view part) {
  std::vector<std::string> out;
  const std::string all = log.all();
  for (std::size_t at = 0; at < all.size();) {
    const std::size_t end = all.find('\n', at);
    const std::string line = all.substr(at, end - at);
    if (contains(line, part)) out.push_back(line);
    at = end == std::string::npos ? all.size() : end + 1;
  }
  return out;
}

// The line that contains `part` comes before the one that contains `later`.
bool said_before(const LogLines& log, std::string_view part, std::string_view later) {
  const std::string all = log.all();
  const auto a = all.find(part), b = all.find(later);
  return a != std::string::npos && b != std::string::npos && a < b;
}

TEST(LongStep, AShortStepSaysNothing) {
  LogLines log;
  {
    LongStep step(log.sink(), "quick", [] { return std::string("half way"); });
    step.done("quick: done");
  }
  EXPECT_EQ(log.all(), "");
}

TEST(LongStep, ALongStepSaysWhatAndHowFarThenItsTime) {
  LogLines log;
  std::atomic<int> far{1};
  LongStep step(log.sink(), "copying", [&far] { return std::to_string(far.load()) + " of 3"; }, kAtOnce);
  EXPECT_EQ(log.all(), "copying: 1 of 3, 0.0 s\n");  // on the caller's thread: already there
  far = 3;
  step.done("copied 3");
  const auto last = lines_with(log, "copied 3 in ");
  ASSERT_EQ(last.size(), 1u) << log.all();
  EXPECT_TRUE(last[0].ends_with(" s")) << last[0];
}

// The helper thread's lines: first after quiet_ms, then every every_ms, until done().
TEST(LongStep, TheHelperThreadRepeatsTheLineUntilTheStepEnds) {
  LogLines log;
  LongStep step(log.sink(), "waiting", {}, StepTiming{1, 1});
  while (log.count("waiting, ") < 3) std::this_thread::yield();
  step.done("waited");
  const std::size_t lines = log.count("waiting, ");
  EXPECT_EQ(log.count("waited in "), 1u) << log.all();
  EXPECT_EQ(log.count("waiting, "), lines) << "no line after done()";
}

TEST(LongStep, EveryMsZeroSaysTheFirstLineOnly) {
  LogLines log;
  {
    LongStep step(log.sink(), "building", {}, StepTiming{0, 0});
    step.done("built");
  }
  EXPECT_EQ(log.count("building, 0.0 s"), 1u) << log.all();
  EXPECT_EQ(log.count("built in "), 1u) << log.all();
  EXPECT_EQ(lines_with(log, "").size(), 2u) << log.all();
}

TEST(LongStep, MegabytesKeepOneDecimalBelowTen) {
  EXPECT_EQ(megabytes(466'012'345), "466 MB");
  EXPECT_EQ(megabytes(1'250'000), "1.2 MB");
  EXPECT_EQ(megabytes(0), "0.0 MB");
}

StoreOptions logged(wal::FaultFs& fs, LogLines& log) {
  StoreOptions o = options_on(fs);
  o.log = log.sink();
  o.progress = kAtOnce;
  return o;
}

// The start-up's snapshot load names the snapshot, its size and LSN and the pass it is in,
// and ends with the codes it holds; the replay after it counts records and codes.
TEST(StoreProgress, TheStartUpSaysWhichSnapshotItLoadsAndWhatItReplays) {
  wal::FaultFs fs;
  LogLines log;  // before the store, whose threads log until it is gone
  auto store = open_store(fs, options_on(fs));
  Workload w(31);
  ASSERT_EQ(w.run(*store, 30), 30);
  auto snap = store->snapshot_now();
  ASSERT_TRUE(snap.ok()) << snap.status().message();
  ASSERT_EQ(w.run(*store, 20), 20);
  crash(fs, store);

  store = open_store(fs, logged(fs, log));
  ASSERT_TRUE(store);
  const std::string name = wal::snapshot_name(*snap);
  const std::string first = "recovery: loading snapshot " + name + " (";
  const auto loading = lines_with(log, first);
  ASSERT_EQ(loading.size(), 1u) << log.all();
  EXPECT_TRUE(contains(loading[0], " MB, covers lsn " + std::to_string(*snap) +
                                       "): reading it, 0.0 s"))
      << loading[0];
  std::uint64_t codes = 0;
  for (const auto& org : store->ledger().stats()) codes += org.codes;
  EXPECT_EQ(log.count("recovery: loaded snapshot " + name + " (" + std::to_string(codes) +
                      " codes) in "),
            1u)
      << log.all();
  const auto& r = store->recovery();
  EXPECT_EQ(log.count("recovery: replaying the log after lsn " + std::to_string(*snap) +
                      ": 0 records, 0 codes added, lsn 0, 0.0 s"),
            1u)
      << log.all();
  EXPECT_EQ(log.count("recovery: replayed " + std::to_string(r.replayed) + " records (0 codes added) up to lsn " +
                      std::to_string(r.last_lsn) + " in "),
            1u)
      << log.all();
  EXPECT_TRUE(said_before(log, "recovery: loaded snapshot", "recovery: replaying the log")) << log.all();
}

// Codes count as the replay's work beside records: a log of imports says how many it added.
TEST(StoreProgress, TheReplayCountsTheCodesItsRecordsAdd) {
  wal::FaultFs fs;
  LogLines log;  // before the store, whose threads log until it is gone
  auto store = open_store(fs, options_on(fs));
  Workload w(32);
  ASSERT_EQ(w.run(*store, 10), 10);  // a promotion, then imports of 10 codes each
  std::uint64_t codes = 0;
  for (const auto& org : store->ledger().stats()) codes += org.codes;
  ASSERT_GT(codes, 0u);
  crash(fs, store);
  store = open_store(fs, logged(fs, log));
  ASSERT_TRUE(store);
  EXPECT_EQ(log.count("recovery: replaying the log from its start: 0 records, 0 codes added, lsn 0, 0.0 s"), 1u)
      << log.all();
  EXPECT_EQ(log.count("recovery: replayed " + std::to_string(store->recovery().replayed) + " records (" +
                      std::to_string(codes) + " codes added) up to lsn "),
            1u)
      << log.all();
}

// Before anything is read: a leftover as large as the state stayed on disk for the whole
// recovery (probe 36b).
TEST(StoreProgress, LeftoverSnapshotTempFilesGoBeforeTheRecoveryReadsAnything) {
  wal::FaultFs fs;
  LogLines log;  // before the store, whose threads log until it is gone
  auto store = open_store(fs, options_on(fs));
  Workload w(33);
  ASSERT_EQ(w.run(*store, 10), 10);
  crash(fs, store);
  const std::string leftover = wal::snapshot_name(5) + std::string(wal::format::kTempSuffix);
  fs.write_raw("/data/" + leftover, std::string(1000, 'x'));
  store = open_store(fs, logged(fs, log));
  ASSERT_TRUE(store);
  EXPECT_TRUE(said_before(log, "removed " + leftover, "recovery: replaying the log")) << log.all();
}

// A background build: one line when it begins (its first second, here at once) and one
// when it ends, with its LSN, file and bytes; in its own words, never recovery's, however
// long it runs (probe 36b: "replayed 1000000 records" while serving).
TEST(StoreProgress, ABuildSaysItsStartAndItsEndOnly) {
  wal::FaultFs fs;
  LogLines log;
  auto store = open_store(fs, logged(fs, log));
  Workload w(34);
  ASSERT_EQ(w.run(*store, 30), 30);
  ASSERT_TRUE(store->snapshot_now().ok());  // so the next build loads one
  ASSERT_EQ(w.run(*store, 10), 10);
  const std::size_t recovery_lines = log.count("recovery:");
  const std::size_t replayed_lines = log.count("replayed");
  auto lsn = store->snapshot_now();
  ASSERT_TRUE(lsn.ok()) << lsn.status().message();
  const std::string what = "snapshot at lsn " + std::to_string(*lsn) + ": ";
  const auto lines = lines_with(log, what);
  ASSERT_EQ(lines.size(), 2u) << log.all();
  EXPECT_EQ(lines[0], what + "building: loading the previous snapshot, 0.0 s");
  const std::string file = "/data/" + wal::snapshot_name(*lsn);
  const auto written = wal::inspect_snapshot(fs, file);
  ASSERT_TRUE(written.ok());
  EXPECT_TRUE(lines[1].starts_with(what + "written as " + wal::snapshot_name(*lsn) + " (" +
                                   std::to_string(written->payload_bytes) + " bytes) in "))
      << lines[1];
  EXPECT_EQ(log.count("recovery:"), recovery_lines) << log.all();
  EXPECT_EQ(log.count("replayed"), replayed_lines) << log.all();
}

TEST(StoreProgress, TheCloseSaysItsShutdownSnapshot) {
  wal::FaultFs fs;
  LogLines log;
  auto store = open_store(fs, logged(fs, log));
  Workload w(35);
  ASSERT_EQ(w.run(*store, 25), 25);
  const std::uint64_t last = store->ledger().last_lsn();
  std::uint64_t codes = 0;
  for (const auto& org : store->ledger().stats()) codes += org.codes;
  ASSERT_TRUE(store->close().ok());
  EXPECT_EQ(log.count("stop: shutdown snapshot at lsn " + std::to_string(last) + " (" +
                      std::to_string(codes) + " codes): encoding the live ledger, 0.0 s"),
            1u)
      << log.all();
  const auto written = wal::inspect_snapshot(fs, "/data/" + wal::snapshot_name(last));
  ASSERT_TRUE(written.ok());
  EXPECT_EQ(log.count("stop: shutdown snapshot " + wal::snapshot_name(last) + " written (" +
                      std::to_string(written->payload_bytes) + " bytes) in "),
            1u)
      << log.all();
  EXPECT_EQ(log.count("stop: waiting for the snapshot build"), 0u) << "no build ran: " << log.all();
}

// The stop cannot cut a build short: it waits, and says for which build and for how long.
// The build is held in its snapshot's fsync (FaultFs::hold_syncs) while close() runs.
TEST(StoreProgress, TheCloseSaysItWaitsForABuildInProgress) {
  wal::FaultFs fs;
  LogLines log;
  StoreOptions o = logged(fs, log);
  o.wal.durability = wal::Durability::kNone;  // no log fsync to hold as well
  o.wal.preallocate = false;
  o.snapshot_on_close = false;
  auto store = open_store(fs, o);
  Workload w(36);
  ASSERT_EQ(w.run(*store, 30), 30);
  fs.hold_syncs();
  store->request_snapshot();
  fs.wait_syncs_held(1);  // the build's: in none, nothing else fsyncs
  std::thread closer([&] { EXPECT_TRUE(store->close().ok()); });
  ASSERT_TRUE(log.wait_for("stop: waiting for the snapshot build in progress: lsn ")) << log.all();
  const auto waiting = lines_with(log, "stop: waiting for the snapshot build in progress: lsn ");
  fs.release_syncs();
  closer.join();
  ASSERT_EQ(waiting.size(), 1u) << log.all();
  EXPECT_TRUE(waiting[0].ends_with(", 0.0 s")) << waiting[0];
  const std::string lsn = waiting[0].substr(waiting[0].rfind("lsn ") + 4,
                                            waiting[0].find(',') - waiting[0].rfind("lsn ") - 4);
  EXPECT_EQ(log.count("stop: the snapshot build in progress ended in "), 1u) << log.all();
  EXPECT_TRUE(said_before(log, "snapshot at lsn " + lsn + ": written as ",
                          "stop: the snapshot build in progress ended"))
      << log.all();
}

}  // namespace
}  // namespace codeledger::store
