// What a code export or a bulk add costs the look-ups beside it. An export page reads every
// shard's code records for its promotion's codes, so a page of a small promotion in a large
// ledger reads all of them; a generate or import batch adds codes to every shard. A look-up
// of a code in a shard whose lock such a call holds waits for it (a server's io thread waits
// so with every request behind it).
//
// Run (Release):  micro_bench --benchmark_filter='Export|Lookup'
// One thread looks codes up (2M codes) while another works: BM_LookupBesideExports/0 exports
// a 100-code promotion whole, again and again; /1 pages of 1,000 of the large one;
// BM_LookupBesideBulkAdds/0 generates 16,384 codes a call, /1 imports 10,000. Counters: the
// look-ups' p99, p99.9 and longest time (µs, of the first 8M look-ups), stalled_ms_per_s (time
// in look-ups over 100 µs, a second) and the other thread's pages or calls a second.
// BM_LookupAlone is the same loop with no other thread, for the ratio; BM_ExportSmallPromotion
// is one page's time on its own.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "bench/micro/ledger_setup.h"
#include "ledger/ledger.h"

namespace {

using namespace codeledger::ledger;
using Clock = std::chrono::steady_clock;

constexpr OrgId kOrg = 9;
constexpr TimeMs kNow = 1'762'841'149'535;
constexpr std::size_t kSmallPromotionCodes = 100;

// 2M codes in the large promotion by default (CODELEDGER_BENCH_EXPORT_CODES to change, in
// whole imports of 10,000).
std::size_t large_code_count() {
  static const std::size_t n =
      codeledger::bench::count_from_env("CODELEDGER_BENCH_EXPORT_CODES", 10'000, 2'000'000) /
      10'000 * 10'000;
  return n;
}

Op make_op() { return codeledger::bench::bench_op(kOrg, kNow); }

std::string code_name(char tag, std::size_t i) { return codeledger::bench::numbered_code(tag, i, 9); }

struct ExportWorld {
  Ledger ledger{{}, nullptr};
  ObjectId small, large;
  std::vector<std::string> large_codes;

  ExportWorld() {
    OrgSettings settings;
    settings.codes_max = std::uint64_t{1} << 40;  // the bulk-add benchmarks add millions
    (void)ledger.configure_org(kOrg, settings);
    large_codes = names('B', large_code_count());
    large = import(large_codes, "large");
    small = import(names('S', kSmallPromotionCodes), "small");
    std::shuffle(large_codes.begin(), large_codes.end(), std::mt19937_64(7));
  }

  static std::vector<std::string> names(char tag, std::size_t n) {
    std::vector<std::string> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) out.push_back(code_name(tag, i));
    return out;
  }

  ObjectId import(const std::vector<std::string>& codes, const char* name) {
    Op o = make_op();
    PromotionSpec spec;
    spec.name = name;
    ObjectId id = ledger.create_promotion(o, spec)->id;
    for (std::size_t i = 0; i < codes.size(); i += 10'000) {
      std::size_t n = std::min<std::size_t>(10'000, codes.size() - i);
      (void)ledger.import_codes(o, id, std::span<const std::string>(codes.data() + i, n), {});
    }
    return id;
  }

  // The whole small promotion, page by page; returns the codes seen.
  std::size_t export_small() {
    Op o = make_op();
    std::string cursor;
    std::size_t seen = 0;
    do {
      auto page = ledger.export_codes(o, small, cursor, 0);
      if (!page.ok()) return 0;
      seen += page->codes.size();
      cursor = page->next_cursor;
    } while (!cursor.empty());
    return seen;
  }

  // The next page of 1,000 of the large promotion after `cursor` (from the start again after
  // the last); false when a page fell short before the end.
  bool export_large_page(std::string& cursor) {
    Op o = make_op();
    auto page = ledger.export_codes(o, large, cursor, 1'000);
    if (!page.ok()) return false;
    cursor = page->next_cursor;
    return page->codes.size() == 1'000 || cursor.empty();
  }
};

ExportWorld& world() {
  static ExportWorld w;
  return w;
}

// Look-ups timed one by one; percentiles from the sorted times.
void lookup_loop(benchmark::State& state, ExportWorld& w) {
  Op o = make_op();
  std::vector<double> us;
  us.reserve(1 << 23);
  std::size_t i = 0, missed = 0;
  double stalled_us = 0;
  for (auto _ : state) {
    const std::string& code = w.large_codes[i++ % w.large_codes.size()];
    auto t0 = Clock::now();
    auto r = w.ledger.get_code(o, Mode::kDiscount, code, false);
    auto t1 = Clock::now();
    benchmark::DoNotOptimize(r);
    missed += !r.ok();
    const double took_us = std::chrono::duration<double, std::micro>(t1 - t0).count();
    if (took_us > 100) stalled_us += took_us;
    if (us.size() < us.capacity()) us.push_back(took_us);
  }
  if (missed != 0) state.SkipWithError("a look-up missed its code");
  std::sort(us.begin(), us.end());
  auto at = [&](double q) { return us.empty() ? 0.0 : us[static_cast<std::size_t>(q * static_cast<double>(us.size() - 1))]; };
  state.counters["p99_us"] = at(0.99);
  state.counters["p999_us"] = at(0.999);
  state.counters["max_us"] = us.empty() ? 0.0 : us.back();
  // A look-up held up once for 10 ms is one slow sample among millions here, but a server's
  // io thread held up so keeps every request that arrives meanwhile waiting: the time spent
  // in waits over 100 µs, a second, shows that.
  state.counters["stalled_ms_per_s"] = benchmark::Counter(stalled_us / 1e3, benchmark::Counter::kIsRate);
  state.SetItemsProcessed(state.iterations());
}

void BM_LookupAlone(benchmark::State& state) { lookup_loop(state, world()); }
BENCHMARK(BM_LookupAlone)->UseRealTime()->MinTime(2.0);

// Arg 0: the exporter reads the small promotion whole, again and again (every page reads
// every record of the ledger); arg 1: pages of 1,000 of the large promotion, in turn.
void BM_LookupBesideExports(benchmark::State& state) {
  ExportWorld& w = world();
  const bool large_pages = state.range(0) == 1;
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> pages{0};
  bool short_export = false;
  auto t0 = Clock::now();
  std::thread exporter([&] {
    std::string cursor;
    while (!stop.load(std::memory_order_relaxed)) {
      short_export |= large_pages ? !w.export_large_page(cursor)
                                  : w.export_small() != kSmallPromotionCodes;
      pages.fetch_add(1, std::memory_order_relaxed);
    }
  });
  lookup_loop(state, w);
  stop = true;
  exporter.join();
  double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  if (short_export) state.SkipWithError("an export missed codes");
  state.counters["export_pages_per_s"] = static_cast<double>(pages.load()) / seconds;
}
BENCHMARK(BM_LookupBesideExports)->Arg(0)->Arg(1)->UseRealTime()->MinTime(2.0);

// Bulk adds beside look-ups: arg 0, a generate of 16,384 codes (one batch) again and again;
// arg 1, an import of 10,000 new codes again and again. Each batch's event touches every
// shard, so it holds every shard's lock while it is checked, logged and applied.
void BM_LookupBesideBulkAdds(benchmark::State& state) {
  ExportWorld& w = world();
  const bool imports = state.range(0) == 1;
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> calls{0}, failed{0};
  auto t0 = Clock::now();
  std::thread adder([&] {
    Op o = make_op();
    static std::atomic<int> runs{0};  // Google Benchmark calls this more than once
    PromotionSpec spec;
    spec.name = (imports ? "imported " : "generated ") + std::to_string(runs++);
    ObjectId id = w.ledger.create_promotion(o, spec)->id;
    GenerateSpec g;
    g.count = 16'384;
    g.length = 12;
    std::size_t next = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      bool ok = false;
      if (imports) {
        // New codes each call: the number's first three digits become letters.
        std::vector<std::string> codes = ExportWorld::names('I', 10'000);
        for (auto& c : codes) {
          for (std::size_t d = 1, n = next; d <= 3; ++d, n /= 26) c[d] = static_cast<char>('A' + n % 26);
        }
        ok = w.ledger.import_codes(o, id, codes, {}).ok();
      } else {
        ok = w.ledger.generate_codes(o, id, g, next).ok();
      }
      ++next;
      (ok ? calls : failed).fetch_add(1, std::memory_order_relaxed);
    }
  });
  lookup_loop(state, w);
  stop = true;
  adder.join();
  double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  state.counters["calls_per_s"] = static_cast<double>(calls.load()) / seconds;
  state.counters["failed_calls"] = static_cast<double>(failed.load());
}
BENCHMARK(BM_LookupBesideBulkAdds)->Arg(0)->Arg(1)->UseRealTime()->MinTime(2.0);

void BM_ExportSmallPromotion(benchmark::State& state) {
  ExportWorld& w = world();
  std::size_t seen = 0;
  for (auto _ : state) seen += w.export_small();
  if (seen != kSmallPromotionCodes * static_cast<std::size_t>(state.iterations())) {
    state.SkipWithError("an export missed codes");
  }
  state.counters["codes_scanned_per_page"] = static_cast<double>(w.large_codes.size() + kSmallPromotionCodes);
}
BENCHMARK(BM_ExportSmallPromotion)->Unit(benchmark::kMillisecond);

}  // namespace
