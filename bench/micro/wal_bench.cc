// WAL micro benchmarks: the cost of append (staging only, no fsync) and group commit with a
// real fdatasync every 128 records, with preallocated segments and without. Run from the
// Release build:
//   micro_bench --benchmark_filter=Wal
#include <unistd.h>
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "wal/format.h"
#include "wal/writer.h"

namespace {

using codeledger::wal::Durability;
using codeledger::wal::WalOptions;
using codeledger::wal::WalWriter;

constexpr std::size_t kPayloadBytes = 100;  // about one encoded link/redeem event

std::string fresh_dir(const char* name) {
  // The pid in the name: two runs at once must not share (and delete) each other's log.
  auto dir = std::filesystem::temp_directory_path() /
             (std::string("codeledger-bench-") + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

std::unique_ptr<WalWriter> open_writer(const std::string& dir, Durability d,
                                       bool preallocate = true, std::size_t sync_lanes = 2) {
  WalOptions o;
  o.dir = dir;
  o.durability = d;
  o.preallocate = preallocate;
  o.sync_lanes = sync_lanes;
  auto w = WalWriter::open(codeledger::wal::posix_fs(), o, 1);
  if (!w.ok()) std::abort();
  return std::move(*w);
}

const auto encode = [](std::uint64_t lsn, std::int64_t, std::string& out) {
  out.append(reinterpret_cast<const char*>(&lsn), sizeof lsn);
  out.append(kPayloadBytes - sizeof lsn, 'p');
};

// Caller-side CPU of append: LSN assignment, framing, crc32c, copy into staging.
void BM_WalAppendNoFsync(benchmark::State& state) {
  const std::string dir = fresh_dir("append");
  auto w = open_writer(dir, Durability::kNone);
  for (auto _ : state) {
    auto lsn = w->append(codeledger::wal::format::kRecordTypeData, 1, encode);
    benchmark::DoNotOptimize(lsn);
  }
  state.SetItemsProcessed(state.iterations());
  (void)w->close();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_WalAppendNoFsync);

// Appends one burst of n records; returns the last LSN.
std::uint64_t append_burst(WalWriter& w, int n) {
  std::uint64_t last = 0;
  for (int i = 0; i < n; ++i) last = *w.append(codeledger::wal::format::kRecordTypeData, 1, encode);
  return last;
}

// Waits until the writer has taken the burst staged after it had written `taken` batches
// (WalStats::batches counts a batch once written, just before its fdatasync).
void wait_taken(const WalWriter& w, std::uint64_t taken) {
  while (w.stats().batches == taken) std::this_thread::sleep_for(std::chrono::microseconds(10));
}

// Group commit on this disk: records per second at state.range(0) records per fdatasync;
// state.range(1): 1 = preallocated segments (overwritten in place), 0 = growing segments;
// state.range(2): sync lanes (fdatasyncs in flight at once).
//
// How each fdatasync gets the whole burst: the writer takes whatever is staged when it
// wakes, so a burst appended to an idle writer is split (it wakes on the first record). So
// a burst is staged while every lane is inside an fdatasync, when the writer cannot take
// anything: each iteration waits until the writer has taken its burst (and so handed it to
// a lane) and then stages the next. Staging 128 records takes tens of
// microseconds, an fdatasync hundreds, so the next burst is complete when the writer comes
// back. One burst is staged before timing starts, so n iterations time n fdatasyncs of
// one burst each. records_per_fsync reports what actually happened.
void BM_WalGroupCommit(benchmark::State& state) {
  const bool preallocate = state.range(1) != 0;
  const auto lanes = static_cast<std::size_t>(state.range(2));
  const std::string dir = fresh_dir(preallocate ? "group-prealloc" : "group-append");
  auto w = open_writer(dir, Durability::kSync, preallocate, lanes);
  const auto batch_records = static_cast<int>(state.range(0));
  std::uint64_t taken = w->stats().batches;
  std::uint64_t last = append_burst(*w, batch_records);
  for (auto _ : state) {
    wait_taken(*w, taken);
    taken = w->stats().batches;
    last = append_burst(*w, batch_records);
  }
  if (!w->wait_durable(last).ok()) std::abort();
  state.SetItemsProcessed(state.iterations() * batch_records);
  const auto stats = w->stats();
  const double fsyncs = static_cast<double>(std::max<std::uint64_t>(1, stats.fsyncs));
  state.counters["fsyncs"] = static_cast<double>(stats.fsyncs);
  state.counters["records_per_fsync"] = static_cast<double>(stats.records) / fsyncs;
  state.counters["fsync_mean_us"] = static_cast<double>(stats.fsync_us.sum) / fsyncs;
  (void)w->close();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_WalGroupCommit)
    ->ArgNames({"records", "prealloc", "lanes"})
    ->Args({128, 1, 2})
    ->Args({128, 1, 1})
    ->Args({128, 0, 2})
    ->Args({128, 0, 1})
    ->Args({4096, 1, 2})
    ->Args({4096, 0, 2})
    ->UseRealTime();

}  // namespace
