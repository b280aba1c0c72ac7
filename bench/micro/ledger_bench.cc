// Ledger micro benchmarks: link / redeem / get on a ledger of 1M codes at 1 and 2 threads,
// resident bytes per code at 10M codes, generation of 1M codes, event encode / decode.
// Run: build/h-ledger-rel/bench/micro_bench --benchmark_filter='Ledger'
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

#include "ledger/ledger.h"

namespace {

using namespace codeledger::ledger;

constexpr OrgId kOrg = 7;
constexpr TimeMs kNow = 1'762'841'149'535;
constexpr std::size_t kCodes = 1'000'000;

Op make_op() {
  Op o;
  o.org = kOrg;
  o.api_key = "bench";
  o.now_ms = kNow;
  return o;
}

std::string code_name(char tag, std::size_t i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%c%08zu", tag, i);
  return buf;
}

// Three promotions of 1M codes each, built once: L (link), R (redeem, unlimited), G (get).
struct World {
  Ledger ledger;
  std::vector<std::string> link_codes, redeem_codes, get_codes;

  World() {
    (void)ledger.configure_org(kOrg, {});
    fill('L', 1, link_codes);
    fill('R', 0, redeem_codes);
    fill('G', 1, get_codes);
  }

  void fill(char tag, std::uint32_t per_code_max, std::vector<std::string>& names) {
    Op o = make_op();
    PromotionSpec spec;
    spec.name = code_name(tag, 0);
    spec.per_code_redemptions_max = per_code_max;
    ObjectId id = ledger.create_promotion(o, spec)->id;
    for (std::size_t i = 0; i < kCodes; ++i) names.push_back(code_name(tag, i));
    for (std::size_t i = 0; i < kCodes; i += 10'000) {
      std::span<const std::string> part(names.data() + i, 10'000);
      (void)ledger.import_codes(o, id, part, {});
    }
  }
};

World& world() {
  static World w;
  return w;
}

void BM_LedgerGet(benchmark::State& state) {
  World& w = world();
  Op o = make_op();
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 500'000;
  for (auto _ : state) {
    std::span<const std::string> one(&w.get_codes[i++ % kCodes], 1);
    auto r = w.ledger.get_codes(o, Mode::kDiscount, one, false);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LedgerGet)->Threads(1)->Threads(2)->UseRealTime();

void BM_LedgerLink(benchmark::State& state) {
  World& w = world();
  Op o = make_op();
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 500'000;
  for (auto _ : state) {
    std::size_t k = i++ % kCodes;
    auto r = w.ledger.link_code(o, Mode::kDiscount, w.link_codes[k], k + 1);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LedgerLink)->Threads(1)->Threads(2)->UseRealTime();

void BM_LedgerRedeem(benchmark::State& state) {
  World& w = world();
  static std::atomic<std::uint64_t> run{0};
  std::uint64_t prefix = run.fetch_add(1);
  Op o = make_op();
  RedeemRequest req;
  req.items.resize(1);
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 500'000;
  for (auto _ : state) {
    std::size_t k = i++ % kCodes;
    req.customer = k + 1;
    char txn[48];
    int n = std::snprintf(txn, sizeof txn, "T%llu-%zu", static_cast<unsigned long long>(prefix), i);
    req.transaction_identifier.assign(txn, static_cast<std::size_t>(n));
    req.items[0].code = *CodeKey::make(w.redeem_codes[k]);
    auto r = w.ledger.redeem(o, req);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LedgerRedeem)->Threads(1)->Threads(2)->UseRealTime()->Iterations(400'000);

long resident_bytes() {
  long pages = 0, resident = 0;
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
  std::fclose(f);
  return resident * sysconf(_SC_PAGESIZE);
}

void BM_LedgerResidentBytesPer10MCodes(benchmark::State& state) {
  constexpr std::size_t kTotal = 10'000'000;
  for (auto _ : state) {
    long before = resident_bytes();
    auto l = std::make_unique<Ledger>();
    (void)l->configure_org(kOrg, {});
    Op o = make_op();
    PromotionSpec spec;
    spec.name = "mem";
    ObjectId id = l->create_promotion(o, spec)->id;
    GenerateSpec g;
    g.count = 1'000'000;
    g.length = 10;
    for (std::size_t done = 0; done < kTotal; done += g.count) {
      auto r = l->generate_codes(o, id, g, done);
      if (!r.ok()) state.SkipWithError(r.status().message().c_str());
    }
    long after = resident_bytes();
    state.counters["bytes_per_code"] =
        static_cast<double>(after - before) / static_cast<double>(kTotal);
    state.PauseTiming();
    l.reset();
    state.ResumeTiming();
  }
}
BENCHMARK(BM_LedgerResidentBytesPer10MCodes)->Iterations(1)->Unit(benchmark::kSecond);

void BM_LedgerGenerate1M(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    auto l = std::make_unique<Ledger>();
    (void)l->configure_org(kOrg, {});
    Op o = make_op();
    PromotionSpec spec;
    spec.name = "gen";
    ObjectId id = l->create_promotion(o, spec)->id;
    GenerateSpec g;
    g.count = 1'000'000;
    state.ResumeTiming();
    auto r = l->generate_codes(o, id, g, 42);
    benchmark::DoNotOptimize(r);
    state.PauseTiming();
    l.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * 1'000'000);
}
BENCHMARK(BM_LedgerGenerate1M)->Iterations(2)->Unit(benchmark::kMillisecond);

Event sample_event() {
  Event e;
  e.header = EventHeader{123456, kNow, kOrg, "bench-key", Dialect::kCapillary};
  Redeemed r;
  r.redemption.customer = 566881933;
  r.redemption.transaction_identifier = "TXN-0001-ABCDEF";
  r.redemption.amount = 12'345;
  RedemptionItem item;
  item.code = *CodeKey::make("DQCV73");
  r.redemption.items.push_back(item);
  r.redemption.promotion_name = "code_linked promotion";
  e.body = r;
  return e;
}

void BM_LedgerEventEncode(benchmark::State& state) {
  Event e = sample_event();
  std::string out;
  for (auto _ : state) {
    out.clear();
    encode_event(e, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LedgerEventEncode);

void BM_LedgerEventDecode(benchmark::State& state) {
  std::string bytes;
  encode_event(sample_event(), bytes);
  for (auto _ : state) {
    auto e = decode_event(bytes);
    benchmark::DoNotOptimize(e);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LedgerEventDecode);

}  // namespace
