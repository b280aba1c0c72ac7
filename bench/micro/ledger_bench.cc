// Ledger micro benchmarks: link / redeem / get through the public API the HTTP handlers
// call, on ledgers of 1M codes per promotion, at 1 thread (CPU time) and 2 threads (real
// time), with no sink and with a WAL-like sink that numbers and encodes every event.
// Also: resident bytes per code at 10M codes, generation of 1M codes, event encode/decode.
//
// Run (Release):  micro_bench --benchmark_filter='Ledger'
// Keys come in a fixed random order (the name lists are shuffled after the import and then
// read front to back, so the key text itself streams like a request would and only the
// ledger's lookups miss the cache, as a peak-sale mix of distinct codes does); redeems come from distinct customers with
// distinct transaction identifiers (each creates a customer and a redemption record).
//
// Instruction counts (callgrind-friendly mode): the measured work of each benchmark is one
// non-inlined function per op (op_get, op_get_one, op_get_batch of 8 codes, op_link,
// op_redeem), so
//   CODELEDGER_BENCH_CODES=100000 valgrind --tool=callgrind micro_bench
//     --benchmark_filter='Ledger(Get|Link|Redeem)' --benchmark_min_time=0.01
//   callgrind_annotate --inclusive=yes callgrind.out.* | grep op_
// gives inclusive instructions per op (divide by the call count).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <unistd.h>
#include <vector>

#include "bench/micro/ledger_setup.h"
#include "ledger/ledger.h"

namespace {

using namespace codeledger::ledger;

constexpr OrgId kOrg = 7;
constexpr TimeMs kNow = 1'762'841'149'535;

// 1M codes per promotion by default; smaller under valgrind (CODELEDGER_BENCH_CODES).
std::size_t code_count() {
  static const std::size_t n =
      codeledger::bench::count_from_env("CODELEDGER_BENCH_CODES", 10'000, 1'000'000);
  return n;
}

Op make_op() { return codeledger::bench::bench_op(kOrg, kNow); }

std::string code_name(char tag, std::size_t i) { return codeledger::bench::numbered_code(tag, i, 8); }

// What the WAL sink does inside the critical section: take the next LSN from one shared
// counter and encode the event into a staging buffer (here a reused per-thread buffer).
class EncodingSink final : public EventSink {
 public:
  codeledger::Status stage(Event& e) override {
    thread_local std::string buf;
    e.header.lsn = lsn_.fetch_add(1, std::memory_order_relaxed) + 1;
    buf.clear();
    encode_event(e, buf);
    bytes_.fetch_add(buf.size(), std::memory_order_relaxed);
    return codeledger::Status::Ok();
  }

 private:
  std::atomic<Lsn> lsn_{0};
  std::atomic<std::uint64_t> bytes_{0};
};

// Promotions of code_count() codes each: L (link), R (redeem, unlimited), G (get).
struct World {
  std::unique_ptr<EncodingSink> sink;
  Ledger ledger;
  std::vector<std::string> link_codes, redeem_codes, get_codes;
  std::vector<CodeKey> redeem_keys;
  std::atomic<std::uint64_t> link_cursor{0}, redeem_cursor{0};

  explicit World(bool with_sink)
      : sink(with_sink ? std::make_unique<EncodingSink>() : nullptr), ledger({}, sink.get()) {
    (void)ledger.configure_org(kOrg, {});
    fill('L', 1, link_codes);
    fill('R', 0, redeem_codes);
    if (!with_sink) fill('G', 1, get_codes);
    for (const auto& c : redeem_codes) redeem_keys.push_back(*CodeKey::make(c));
  }

  void fill(char tag, std::uint32_t per_code_max, std::vector<std::string>& names) {
    Op o = make_op();
    PromotionSpec spec;
    spec.name = code_name(tag, 0);
    spec.per_code_redemptions_max = per_code_max;
    ObjectId id = ledger.create_promotion(o, spec)->id;
    for (std::size_t i = 0; i < code_count(); ++i) names.push_back(code_name(tag, i));
    for (std::size_t i = 0; i < code_count(); i += 10'000) {
      std::span<const std::string> part(names.data() + i, 10'000);
      (void)ledger.import_codes(o, id, part, {});
    }
    std::shuffle(names.begin(), names.end(), std::mt19937_64(42 + static_cast<unsigned>(tag)));
  }
};

World& world(bool with_sink) {
  static World plain(false);
  if (!with_sink) return plain;
  static World sunk(true);
  return sunk;
}

// ---- one op each, never inlined, so callgrind can count instructions per op ----

[[gnu::noinline]] bool op_get(Ledger& l, Op& o, const std::string& code) {
  auto r = l.get_codes(o, Mode::kDiscount, std::span<const std::string>(&code, 1), false);
  benchmark::DoNotOptimize(r);
  return r.front().ok();
}

[[gnu::noinline]] bool op_get_one(Ledger& l, Op& o, const std::string& code) {
  auto r = l.get_code(o, Mode::kDiscount, code, false);
  benchmark::DoNotOptimize(r);
  return r.ok();
}

// Eight codes in one call (request-order results), as a page of a cart would ask.
[[gnu::noinline]] std::size_t op_get_batch(Ledger& l, Op& o, std::span<const std::string> codes) {
  auto r = l.get_codes(o, Mode::kDiscount, codes, false);
  benchmark::DoNotOptimize(r);
  return static_cast<std::size_t>(std::count_if(r.begin(), r.end(), [](const auto& x) { return x.ok(); }));
}

[[gnu::noinline]] bool op_link(Ledger& l, Op& o, const std::string& code, CustomerId customer) {
  auto r = l.link_code(o, Mode::kDiscount, code, customer);
  benchmark::DoNotOptimize(r);
  return r.ok();
}

[[gnu::noinline]] bool op_redeem(Ledger& l, Op& o, const RedeemRequest& req) {
  auto r = l.redeem(o, req);
  benchmark::DoNotOptimize(r);
  return r.ok();
}

// "T" + 16 hex digits: a distinct transaction identifier without snprintf in the loop.
void txn_id(std::string& out, std::uint64_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.resize(17);
  out[0] = 'T';
  for (int i = 16; i >= 1; --i, n >>= 4) out[static_cast<std::size_t>(i)] = kHex[n & 15];
}

// One code per op, through get_codes (op_get, as the HTTP handlers call it) or get_code.
void get_loop(benchmark::State& state, bool (*get)(Ledger&, Op&, const std::string&)) {
  World& w = world(false);
  Op o = make_op();
  std::size_t n = code_count();
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * (n / 2);
  benchmark::IterationCount found = 0;
  for (auto _ : state) found += get(w.ledger, o, w.get_codes[i++ % n]);
  if (found != state.iterations()) state.SkipWithError("get missed a code");
  state.SetItemsProcessed(state.iterations());
}
void BM_LedgerGet(benchmark::State& state) { get_loop(state, op_get); }
void BM_LedgerGetOne(benchmark::State& state) { get_loop(state, op_get_one); }
BENCHMARK(BM_LedgerGet);
BENCHMARK(BM_LedgerGet)->Threads(2)->UseRealTime();
BENCHMARK(BM_LedgerGetOne);
BENCHMARK(BM_LedgerGetOne)->Threads(2)->UseRealTime();

// Eight consecutive codes of the shuffled list per call; items (and the time per item
// that Google Benchmark prints as items_per_second) count codes, not calls.
void BM_LedgerGetBatch8(benchmark::State& state) {
  constexpr std::size_t kBatch = 8;
  World& w = world(false);
  Op o = make_op();
  std::size_t n = code_count() / kBatch * kBatch;
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * (n / 2 / kBatch * kBatch);
  std::size_t found = 0;
  for (auto _ : state) {
    found += op_get_batch(w.ledger, o, std::span<const std::string>(&w.get_codes[i % n], kBatch));
    i += kBatch;
  }
  if (found != static_cast<std::size_t>(state.iterations()) * kBatch) {
    state.SkipWithError("get missed a code");
  }
  state.SetItemsProcessed(state.iterations() * static_cast<benchmark::IterationCount>(kBatch));
}
BENCHMARK(BM_LedgerGetBatch8);
BENCHMARK(BM_LedgerGetBatch8)->Threads(2)->UseRealTime();

// Every op is a fresh link while the pool lasts (one process run of the registered
// benchmarks uses 3/4 of the pool). Past that, codes come round again linked to
// the same customer, which is the cheaper idempotent re-link: run fewer repetitions.
void link_loop(benchmark::State& state, bool with_sink) {
  World& w = world(with_sink);
  Op o = make_op();
  std::size_t n = code_count();
  std::uint64_t i = w.link_cursor.fetch_add(static_cast<std::uint64_t>(state.max_iterations));
  benchmark::IterationCount ok = 0;
  for (auto _ : state) {
    std::size_t k = i++ % n;
    ok += op_link(w.ledger, o, w.link_codes[k], k + 1);
  }
  if (ok != state.iterations()) state.SkipWithError("a link failed");
  state.SetItemsProcessed(state.iterations());
}
void BM_LedgerLink(benchmark::State& state) { link_loop(state, false); }
void BM_LedgerLinkWalEncode(benchmark::State& state) { link_loop(state, true); }
BENCHMARK(BM_LedgerLink)->Iterations(code_count() / 4);
BENCHMARK(BM_LedgerLink)->Threads(2)->UseRealTime()->Iterations(code_count() / 4);
BENCHMARK(BM_LedgerLinkWalEncode)->Iterations(code_count() / 4);

long resident_bytes() {
  long pages = 0, resident = 0;
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
  std::fclose(f);
  return resident * sysconf(_SC_PAGESIZE);
}

// Each redeem: a distinct customer (so a new customer record) and transaction, one code
// item of an unlimited promotion.
void redeem_loop(benchmark::State& state, bool with_sink) {
  World& w = world(with_sink);
  Op o = make_op();
  std::size_t n = code_count();
  std::uint64_t i = w.redeem_cursor.fetch_add(static_cast<std::uint64_t>(state.max_iterations));
  RedeemRequest req;
  req.transaction_number = "N1";
  req.amount = 1'000;
  req.items.resize(1);
  benchmark::IterationCount ok = 0;
  long resident_before = resident_bytes();
  for (auto _ : state) {
    req.customer = i + 1;
    txn_id(req.transaction_identifier, i);
    req.items[0].code = w.redeem_keys[i++ % n];
    ok += op_redeem(w.ledger, o, req);
  }
  if (ok != state.iterations()) state.SkipWithError("a redeem failed");
  state.SetItemsProcessed(state.iterations());
  // Fresh memory is a large part of a redeem's time (the kernel zeroes every new page):
  // what each one adds (a new customer, its redemption, the code's link) shows here.
  if (state.threads() == 1) {
    state.counters["bytes_per_redeem"] = static_cast<double>(resident_bytes() - resident_before) /
                                         static_cast<double>(state.iterations());
  }
}
void BM_LedgerRedeem(benchmark::State& state) { redeem_loop(state, false); }
void BM_LedgerRedeemWalEncode(benchmark::State& state) { redeem_loop(state, true); }
BENCHMARK(BM_LedgerRedeem)->Iterations(code_count() * 2 / 5);
BENCHMARK(BM_LedgerRedeem)->Threads(2)->UseRealTime()->Iterations(code_count() * 2 / 5);
BENCHMARK(BM_LedgerRedeemWalEncode)->Iterations(code_count() * 2 / 5);

// A fresh ledger holding one promotion of the organisation, for the benchmarks that
// generate codes into it.
struct LedgerWithPromotion {
  std::unique_ptr<Ledger> ledger;
  ObjectId promotion;
};

LedgerWithPromotion ledger_with_promotion(const char* name) {
  LedgerWithPromotion out{std::make_unique<Ledger>(), {}};
  (void)out.ledger->configure_org(kOrg, {});
  Op o = make_op();
  PromotionSpec spec;
  spec.name = name;
  out.promotion = out.ledger->create_promotion(o, spec)->id;
  return out;
}

// Freeing the ledger is not what either benchmark measures.
void free_untimed(benchmark::State& state, std::unique_ptr<Ledger>& l) {
  state.PauseTiming();
  l.reset();
  state.ResumeTiming();
}

void BM_LedgerResidentBytesPer10MCodes(benchmark::State& state) {
  constexpr std::size_t kTotal = 10'000'000;
  for (auto _ : state) {
    long before = resident_bytes();
    auto [l, id] = ledger_with_promotion("mem");
    Op o = make_op();
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
    free_untimed(state, l);
  }
}
BENCHMARK(BM_LedgerResidentBytesPer10MCodes)->Iterations(1)->Unit(benchmark::kSecond);

void BM_LedgerGenerate1M(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    auto [l, id] = ledger_with_promotion("gen");
    Op o = make_op();
    GenerateSpec g;
    g.count = 1'000'000;
    state.ResumeTiming();
    auto r = l->generate_codes(o, id, g, 42);
    benchmark::DoNotOptimize(r);
    free_untimed(state, l);
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
