// WAL micro benchmarks: the cost of append (staging only, no fsync) and group commit with a
// real fdatasync every 128 records. Run from the Release build:
//   micro_bench --benchmark_filter=Wal
#include <benchmark/benchmark.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "wal/format.h"
#include "wal/writer.h"

namespace {

using codeledger::wal::Durability;
using codeledger::wal::WalOptions;
using codeledger::wal::WalWriter;

constexpr std::size_t kPayloadBytes = 100;  // about one encoded link/redeem event

std::string fresh_dir(const char* name) {
  auto dir = std::filesystem::temp_directory_path() / (std::string("codeledger-bench-") + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

std::unique_ptr<WalWriter> open_writer(const std::string& dir, Durability d) {
  WalOptions o;
  o.dir = dir;
  o.durability = d;
  auto w = WalWriter::open(codeledger::wal::posix_fs(), o, 1);
  if (!w.ok()) std::abort();
  return std::move(*w);
}

const auto encode = [](std::uint64_t lsn, std::string& out) {
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

// Group commit on this disk: batch_records appends, then wait for the one fdatasync.
void BM_WalGroupCommit(benchmark::State& state) {
  const std::string dir = fresh_dir("group");
  auto w = open_writer(dir, Durability::kSync);
  const auto batch_records = static_cast<int>(state.range(0));
  for (auto _ : state) {
    std::uint64_t last = 0;
    for (int i = 0; i < batch_records; ++i) {
      last = *w->append(codeledger::wal::format::kRecordTypeData, 1, encode);
    }
    if (!w->wait_durable(last).ok()) std::abort();
  }
  state.SetItemsProcessed(state.iterations() * batch_records);
  const auto stats = w->stats();
  state.counters["fsyncs"] = static_cast<double>(stats.fsyncs);
  // The writer may wake before a batch is complete, so this can be below batch_records.
  state.counters["records_per_fsync"] =
      static_cast<double>(stats.records) / static_cast<double>(std::max<std::uint64_t>(1, stats.fsyncs));
  state.counters["fsync_mean_us"] =
      static_cast<double>(stats.fsync_us.sum) / static_cast<double>(std::max<std::uint64_t>(1, stats.fsyncs));
  (void)w->close();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_WalGroupCommit)->Arg(128)->Arg(4096)->UseRealTime();

}  // namespace
