// What one insert into a shard's index (ledger/number_index.h) can cost: each insert of a
// growing index timed on its own, so the report shows the slowest (a growth) beside the
// mean. Ledger commands insert under the shard lock, so the slowest insert is how long a
// redemption can hold up every request queued behind it on that io thread.
//   micro_bench --benchmark_filter=BM_NumberIndexInsert
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>

#include "ledger/internal.h"
#include "ledger/number_index.h"

namespace {

using codeledger::ledger::detail::mix64;
using codeledger::ledger::detail::NumberIndex;
using Clock = std::chrono::steady_clock;

void BM_NumberIndexInsert(benchmark::State& state) {
  const auto keys = static_cast<std::uint32_t>(state.range(0));
  double max_ns = 0, total_ns = 0, over_100us = 0;
  for (auto _ : state) {
    NumberIndex index;
    for (std::uint32_t k = 1; k <= keys; ++k) {
      const auto start = Clock::now();
      index.insert(mix64(k), k);
      const double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
      max_ns = std::max(max_ns, ns);
      total_ns += ns;
      over_100us += ns > 100'000 ? 1 : 0;
    }
    benchmark::DoNotOptimize(index.size());
  }
  const double inserts = static_cast<double>(keys) * static_cast<double>(state.iterations());
  state.counters["max_insert_us"] = max_ns / 1000;
  state.counters["mean_insert_ns"] = total_ns / inserts;
  state.counters["inserts_over_100us"] = over_100us;
  state.SetItemsProcessed(static_cast<std::int64_t>(inserts));
}
BENCHMARK(BM_NumberIndexInsert)->Arg(100'000)->Arg(2'000'000)->Unit(benchmark::kMillisecond);

}  // namespace
