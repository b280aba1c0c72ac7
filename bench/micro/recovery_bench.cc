// Recovery speed (issue 3's targets: at most 1 s per million WAL records replayed, at most
// 0.5 s per million codes loaded from a snapshot). Each benchmark prepares a data directory
// through the real Store (durability none, so preparation does not wait on the disk), then
// times Store::open on it: directory scan, snapshot load and decode, WAL read, CRC checks,
// event decode and Ledger::apply, exactly what codeledgerd does at start.
//
// BM_RecoveryWalReplay replays a log of links, BM_RecoveryRedeemReplay one of redemptions.
// Run (Release; CODELEDGER_BENCH_RECORDS overrides the 1M default):
//   micro_bench --benchmark_filter=Recovery
// The counters s_per_M_records / s_per_M_codes are the figures to compare with the targets.
#include <unistd.h>
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "server/store/store.h"

namespace {

using namespace codeledger;
using namespace codeledger::ledger;

constexpr OrgId kOrg = 7;

std::size_t record_count() {
  const char* env = std::getenv("CODELEDGER_BENCH_RECORDS");
  const std::size_t v = env != nullptr ? std::strtoull(env, nullptr, 10) : 0;
  return v >= 1'000 ? v : std::size_t{1'000'000};
}

std::string fresh_dir(const char* name) {
  // The pid in the name: two runs at once must not share (and delete) each other's log.
  auto dir = std::filesystem::temp_directory_path() /
             (std::string("codeledger-recovery-") + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir.string();
}

store::StoreOptions options_in(const std::string& dir, bool snapshot_on_close) {
  store::StoreOptions o;
  o.data_dir = dir;
  o.wal.durability = wal::Durability::kNone;
  o.snapshot_on_close = snapshot_on_close;
  o.orgs.push_back({kOrg, OrgSettings{}});
  return o;
}

std::unique_ptr<store::Store> open_or_die(store::StoreOptions o) {
  auto s = store::Store::open(std::move(o));
  if (!s.ok()) {
    std::fprintf(stderr, "recovery bench: %s\n", s.status().message().c_str());
    std::abort();
  }
  return std::move(*s);
}

Op make_op(TimeMs now) {
  Op o;
  o.org = kOrg;
  o.api_key = "bench";
  o.now_ms = now;
  return o;
}

std::string code_name(std::size_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "RB%09zu", i);
  return buf;
}

// One promotion holding `codes` codes, imported 10,000 per command (one WAL record each).
std::vector<std::string> import_codes(Ledger& l, std::size_t codes) {
  PromotionSpec spec;
  spec.name = "recovery bench";
  spec.per_code_redemptions_max = 1;
  Op op = make_op(1'762'000'000'000);
  const ObjectId promotion = l.create_promotion(op, spec)->id;
  std::vector<std::string> names;
  names.reserve(codes);
  for (std::size_t i = 0; i < codes; ++i) names.push_back(code_name(i));
  for (std::size_t i = 0; i < codes; i += 10'000) {
    const std::size_t n = std::min<std::size_t>(10'000, codes - i);
    auto r = l.import_codes(op, promotion,
                            std::span<const std::string>(names.data() + i, n), {});
    if (!r.ok()) std::abort();
  }
  return names;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// A log of `record_count()` records, one per code, each written by `add(ledger, op, code,
// i)` after the few import records that create the codes; no snapshot. Removed at exit.
template <class Add>
std::string write_log(const char* name, Add add) {
  std::string d = fresh_dir(name);
  const std::size_t records = record_count();
  auto s = open_or_die(options_in(d, false));
  const auto names = import_codes(s->ledger(), records);
  for (std::size_t i = 0; i < records; ++i) {
    Op o = make_op(1'762'000'000'000 + static_cast<TimeMs>(i));
    if (!add(s->ledger(), o, names[i], i)) std::abort();
  }
  if (!s->close().ok()) std::abort();
  return d;
}

// Each record one link a checkout service sent. Written once per process and shared by the
// benchmarks that read it.
const std::string& link_log_dir() {
  static const std::string dir = write_log("wal", [](Ledger& l, Op& o, const std::string& code,
                                                     std::size_t i) {
    return l.link_code(o, Mode::kDiscount, code, i + 1).ok();
  });
  static const bool removed_at_exit = std::atexit([] { std::filesystem::remove_all(dir); }) == 0;
  (void)removed_at_exit;
  return dir;
}

struct TimedOpens {
  double mean_s = 0;          // per Store::open
  std::uint64_t replayed = 0; // WAL records the last open replayed
};

// Store::open on dir once per iteration, each timed by hand (manual time).
TimedOpens time_opens(benchmark::State& state, const std::string& dir) {
  TimedOpens out;
  double total_s = 0;
  for (auto _ : state) {
    const auto started = std::chrono::steady_clock::now();
    auto s = open_or_die(options_in(dir, false));
    const double took = seconds_since(started);
    state.SetIterationTime(took);
    total_s += took;
    out.replayed = s->recovery().replayed;
  }
  out.mean_s = total_s / static_cast<double>(state.iterations());
  return out;
}

// Store::open of a log, timed, with its records and seconds per million records.
void replay(benchmark::State& state, const std::string& dir) {
  const TimedOpens opens = time_opens(state, dir);
  state.counters["records"] = static_cast<double>(opens.replayed);
  state.counters["s_per_M_records"] = opens.mean_s / (static_cast<double>(opens.replayed) / 1e6);
}

// Whole recovery of the link log: read, check, decode and apply (Store::open).
void BM_RecoveryWalReplay(benchmark::State& state) { replay(state, link_log_dir()); }
BENCHMARK(BM_RecoveryWalReplay)->UseManualTime()->Iterations(3)->Unit(benchmark::kMillisecond);

// A log of redemptions, each of its own code by its own customer under its own transaction:
// what a restart after a peak sale's checkouts replays. Each replayed redemption creates a
// customer and a stored redemption and, since session 38, first looks the customer's
// transaction up (a log may name one twice).
const std::string& redeem_log_dir() {
  static const std::string dir = write_log("redeem-wal", [](Ledger& l, Op& o,
                                                            const std::string& code,
                                                            std::size_t i) {
    RedeemRequest req;
    req.customer = i + 1;
    char txn[24];  // snprintf: GCC 12 -O3 warns falsely on "T" + std::to_string(i)
    std::snprintf(txn, sizeof txn, "T%zu", i);
    req.transaction_identifier = txn;
    RedemptionItem item;
    item.code = *CodeKey::make(code);
    req.items.push_back(item);
    return l.redeem(o, std::move(req)).ok();
  });
  static const bool removed_at_exit = std::atexit([] { std::filesystem::remove_all(dir); }) == 0;
  (void)removed_at_exit;
  return dir;
}

void BM_RecoveryRedeemReplay(benchmark::State& state) { replay(state, redeem_log_dir()); }
BENCHMARK(BM_RecoveryRedeemReplay)->UseManualTime()->Iterations(3)->Unit(benchmark::kMillisecond);

// The reading half alone (segment reads, CRC checks, event decode, no apply): the share of
// a replay that the reader thread carries.
void BM_RecoveryWalReadDecode(benchmark::State& state) {
  const std::string& dir = link_log_dir();
  std::uint64_t decoded = 0;
  for (auto _ : state) {
    decoded = 0;
    auto visit = [&](const wal::RecordRef& rec) -> wal::Status {
      auto event = decode_event(rec.payload);
      if (!event.ok()) return wal::Status(wal::Code::kCorruption, "does not decode");
      benchmark::DoNotOptimize(event);
      ++decoded;
      return wal::Status::Ok();
    };
    if (!wal::read_wal(wal::posix_fs(), dir, wal::ReadOptions{}, visit).ok()) std::abort();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * decoded));
}
BENCHMARK(BM_RecoveryWalReadDecode)->Iterations(3)->Unit(benchmark::kMillisecond);

// Snapshot load: `record_count()` codes, half of them linked, written by the clean-close
// snapshot; the WAL after it is empty, so the time is the snapshot's.
void BM_RecoverySnapshotLoad(benchmark::State& state) {
  const std::string dir = fresh_dir("snapshot");
  const std::size_t codes = record_count();
  {
    auto s = open_or_die(options_in(dir, true));
    const auto names = import_codes(s->ledger(), codes);
    for (std::size_t i = 0; i < codes; i += 2) {
      Op o = make_op(1'762'000'000'000);
      if (!s->ledger().link_code(o, Mode::kDiscount, names[i], i + 1).ok()) std::abort();
    }
    if (!s->close().ok()) std::abort();
  }
  const TimedOpens opens = time_opens(state, dir);
  if (opens.replayed != 0) state.SkipWithError("expected an empty WAL tail after the snapshot");
  state.counters["codes"] = static_cast<double>(codes);
  state.counters["s_per_M_codes"] = opens.mean_s / (static_cast<double>(codes) / 1e6);
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_RecoverySnapshotLoad)->UseManualTime()->Iterations(3)->Unit(benchmark::kMillisecond);

}  // namespace
