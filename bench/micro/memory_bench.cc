// The machine's own memory latency, the floor under every ledger look-up: on a ledger of
// 1M codes the index slot and the record of a random code are not in any cache, so one
// look-up waits for main memory (twice, unless the slot was prefetched: see
// ledger/number_index.h). Run it in the same process as the ledger benchmarks, so the
// ratio "ns per get / ns per dependent load" is measured side by side:
//   micro_bench --benchmark_filter='BM_Memory|BM_LedgerGet'
//
// BM_MemoryDependentLoad: each load's address comes from the previous load (a random
//   cycle through 256 MiB, 64-byte steps), as a lookup's record address comes from its
//   index slot. Time per item = one full miss.
// BM_MemoryIndependentLoads: the same loads at addresses known in advance, so the CPU
//   keeps several in flight. Time per item = what a miss costs when misses overlap.
#include <benchmark/benchmark.h>

#include <sys/mman.h>

#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

namespace {

constexpr std::size_t kBytes = std::size_t{256} << 20;  // far beyond any cache
constexpr std::size_t kLine = 64;
constexpr std::size_t kLines = kBytes / kLine;

// One random cycle through every line: line i's first word holds the next line's number.
struct Cycle {
  Cycle() {
    void* p = mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return;
    madvise(p, kBytes, MADV_HUGEPAGE);  // as the ledger's arenas: TLB misses not measured
    words = static_cast<std::uint64_t*>(p);
    std::vector<std::uint32_t> order(kLines);
    std::iota(order.begin(), order.end(), 0u);
    std::shuffle(order.begin() + 1, order.end(), std::mt19937(1));
    for (std::size_t i = 0; i < kLines; ++i) at(order[i]) = order[(i + 1) % kLines];
  }
  ~Cycle() {
    if (words != nullptr) munmap(words, kBytes);
  }
  std::uint64_t& at(std::size_t line) { return words[line * (kLine / sizeof(std::uint64_t))]; }

  std::uint64_t* words = nullptr;
};

Cycle& cycle() {
  static Cycle c;
  return c;
}

void BM_MemoryDependentLoad(benchmark::State& state) {
  Cycle& c = cycle();
  if (c.words == nullptr) return state.SkipWithError("mmap failed");
  std::uint64_t line = 0;
  for (auto _ : state) {
    line = c.at(line);
    benchmark::DoNotOptimize(line);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MemoryDependentLoad);

void BM_MemoryIndependentLoads(benchmark::State& state) {
  Cycle& c = cycle();
  if (c.words == nullptr) return state.SkipWithError("mmap failed");
  std::mt19937_64 rng(2);
  std::vector<std::uint32_t> lines(1 << 20);
  for (auto& l : lines) l = static_cast<std::uint32_t>(rng() % kLines);
  std::size_t i = 0;
  std::uint64_t sum = 0;
  for (auto _ : state) {
    sum += c.at(lines[i++ & (lines.size() - 1)]);
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MemoryIndependentLoads);

}  // namespace
