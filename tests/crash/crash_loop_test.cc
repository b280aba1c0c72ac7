// The crash loop: the real codeledgerd under concurrent link / redeem / issueBulk load,
// SIGKILLed at a random moment, restarted on the same data dir, and checked against the
// clients' log (tests/crash/workload.h). In sync durability every acknowledged operation must
// be visible after the restart; in async only contradictions count.
//
// CODELEDGER_CRASH_CYCLES (default 5) and CODELEDGER_CRASH_SECONDS (default 45: the loop stops
// early when its time is spent) size the sync run; bench/scripts/crash-loop.sh runs it long.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <random>
#include <thread>

#include "tests/crash/daemon.h"
#include "tests/crash/workload.h"
#include "tests/support/thread_names.h"

namespace codeledger::crash {
namespace {

using namespace std::chrono_literals;

long env_long(const char* name, long fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  char* end = nullptr;
  const long n = std::strtol(v, &end, 10);
  return (end && *end == '\0' && n > 0) ? n : fallback;
}

struct Totals {
  long cycles = 0;
  std::size_t acked = 0, refused = 0, unknown = 0, reredeems = 0, snapshots = 0;
  std::vector<std::string> violations;

  void add(const CheckResult& r) {
    acked += r.acked;
    refused += r.refused;
    unknown += r.unknown;
    reredeems += r.reredeems;
    violations.insert(violations.end(), r.violations.begin(), r.violations.end());
  }
};

constexpr std::size_t kPoolCodes = 400;  // link and redeem codes imported per cycle

class CrashLoop {
 public:
  explicit CrashLoop(std::string durability, unsigned sync_lanes = 1)
      : complete_(durability == "sync"),
        daemon_(DaemonOptions{tmp_.path() + "/data",
                              write_unthrottled_demo_config(tmp_.path(), sync_lanes), durability,
                              tmp_.path() + "/codeledgerd"}),
        rng_(std::random_device{}()) {}

  ~CrashLoop() {
    if (failed_) {
      tmp_.keep();
      std::fprintf(stderr, "crash loop: kept %s for inspection\n", tmp_.path().c_str());
    }
  }

  // Starts the server (first boot or restart) and makes sure the promotions exist.
  ::testing::AssertionResult boot() {
    if (!daemon_.start()) return fail("start: " + daemon_.error());
    auto c = demo_client(daemon_.port());
    promotions_ = ensure_promotions(*c);
    if (promotions_.code_linked.empty() || promotions_.issuable.empty()) return fail("promotions not created");
    return ::testing::AssertionSuccess();
  }

  // One cycle: import a fresh pool, load, SIGKILL at a random moment, restart, check.
  ::testing::AssertionResult cycle(long n, Totals& totals) {
    Plan plan = make_plan(n);
    auto c = demo_client(daemon_.port());
    if (!import_codes(*c, promotions_.code_linked, plan.link_codes) ||
        !import_codes(*c, promotions_.code_linked, plan.redeem_codes)) {
      return fail("import failed in cycle " + std::to_string(n));
    }
    std::vector<Op> ops = load_then_kill(plan, totals);
    if (auto booted = boot(); !booted) return booted;
    if (daemon_.stdout_text().find("codeledgerd: recovered: ") == std::string::npos) {
      return fail("no recovery line: " + daemon_.stdout_text());
    }
    auto v = demo_client(daemon_.port());
    const CheckResult r = check_ops(*v, ops, complete_);
    totals.add(r);
    ++totals.cycles;
    // The previous cycle's operations once more: a later crash (or a snapshot taken since)
    // must not lose what an earlier restart showed.
    const CheckResult again = check_ops(*v, previous_, complete_);
    totals.violations.insert(totals.violations.end(), again.violations.begin(), again.violations.end());
    if (n == 0) first_ = ops;
    previous_ = std::move(ops);
    if (!r.violations.empty() || !again.violations.empty()) {
      return fail("cycle " + std::to_string(n) + ": " + to_string(r) + "\nprevious cycle: " + to_string(again));
    }
    return ::testing::AssertionSuccess();
  }

  // The first cycle's operations after every crash since.
  CheckResult recheck_first() {
    auto v = demo_client(daemon_.port());
    return check_ops(*v, first_, complete_);
  }

  int stop() { return daemon_.stop(); }
  // How many of the running server's threads have this name.
  long threads_named(const std::string& name) const {
    const auto names = codeledger::testing::thread_names(daemon_.pid());
    return std::count(names.begin(), names.end(), name);
  }
  const std::string& data_dir() const { return tmp_.path(); }

 private:
  ::testing::AssertionResult fail(const std::string& why) {
    failed_ = true;
    return ::testing::AssertionFailure() << why << "\nserver stderr:\n" << daemon_.stderr_text();
  }

  Plan make_plan(long n) {
    Plan plan;
    plan.tag = "ck" + std::to_string(n);
    plan.issuable_promotion = promotions_.issuable;
    plan.customer_base = 900'000'000 + static_cast<std::uint64_t>(n) * 16;
    plan.duration_max = 5s;  // the kill comes long before; this bounds a hung server
    char code[32];
    for (std::size_t i = 0; i < kPoolCodes; ++i) {
      std::snprintf(code, sizeof code, "L%07ldX%04zu", n, i);
      plan.link_codes.emplace_back(code);
      std::snprintf(code, sizeof code, "R%07ldX%04zu", n, i);
      plan.redeem_codes.emplace_back(code);
    }
    return plan;
  }

  // Runs the clients; after 50–500 ms the server is SIGKILLed (one cycle in four also asks
  // for a snapshot first, so crashes land in the middle of snapshot builds too).
  std::vector<Op> load_then_kill(const Plan& plan, Totals& totals) {
    std::atomic<bool> stop{false};
    auto load = std::async(std::launch::async, [&] { return run_clients(daemon_.port(), plan, stop); });
    const auto delay = std::chrono::milliseconds(50 + rng_() % 451);
    if (rng_() % 4 == 0) {
      std::this_thread::sleep_for(delay / 2);
      auto admin = demo_client(daemon_.port(), 2s);
      if (admin->post("/admin/snapshot", "").result_int() == 202) ++totals.snapshots;
      std::this_thread::sleep_for(delay / 2);
    } else {
      std::this_thread::sleep_for(delay);
    }
    daemon_.kill9();
    stop = true;
    return load.get();
  }

  TempDir tmp_;
  bool complete_;
  Daemon daemon_;
  std::mt19937_64 rng_;
  Promotions promotions_;
  std::vector<Op> first_, previous_;
  bool failed_ = false;
};

void print_totals(const char* name, const Totals& t, double seconds) {
  std::printf("%s: %ld cycles, %zu acknowledged ops checked, %zu refused, %zu unknown, "
              "%zu re-redeems after restart (1004), %zu snapshots requested, %zu violations, %.1f s\n",
              name, t.cycles, t.acked, t.refused, t.unknown, t.reredeems, t.snapshots,
              t.violations.size(), seconds);
  std::fflush(stdout);
}

// Kills the sync server `cycles` times (or until the budget is spent) and checks every
// acknowledged operation after each restart.
void run_sync_crash_loop(const char* name, unsigned sync_lanes, long cycles,
                         std::chrono::seconds budget) {
  ASSERT_FALSE(Daemon::binary_path().empty()) << "set CODELEDGER_BIN_DIR to the build dir";
  const auto started = Clock::now();
  CrashLoop loop("sync", sync_lanes);
  ASSERT_TRUE(loop.boot());
  // One lane is the writer thread itself; more are threads of their own.
  EXPECT_EQ(loop.threads_named("wal-sync-lane"), sync_lanes > 1 ? static_cast<long>(sync_lanes) : 0);
  Totals totals;
  for (long n = 0; n < cycles && (n == 0 || Clock::now() - started < budget); ++n) {
    ASSERT_TRUE(loop.cycle(n, totals));
  }
  const CheckResult first = loop.recheck_first();
  EXPECT_TRUE(first.violations.empty()) << "first cycle after all crashes: " << to_string(first);
  print_totals(name, totals, std::chrono::duration<double>(Clock::now() - started).count());
  EXPECT_GT(totals.acked, 0u);
  EXPECT_TRUE(totals.violations.empty());
  EXPECT_EQ(loop.stop(), 0) << "graceful stop after the loop";
}

TEST(CrashLoop, AcknowledgedOperationsSurviveSigkill) {
  run_sync_crash_loop("crash loop (sync)", 1, env_long("CODELEDGER_CRASH_CYCLES", 5),
                      std::chrono::seconds(env_long("CODELEDGER_CRASH_SECONDS", 45)));
}

// Two fdatasyncs in flight (durability.sync_lanes 2): a later lane may finish first, and
// the kill may land between them; still no acknowledged operation may be lost.
TEST(CrashLoop, AcknowledgedOperationsSurviveSigkillWithTwoSyncLanes) {
  run_sync_crash_loop("crash loop (sync, 2 lanes)", 2, env_long("CODELEDGER_CRASH_CYCLES", 3),
                      std::chrono::seconds(env_long("CODELEDGER_CRASH_SECONDS", 25)));
}

// Async durability acknowledges before fsync, so a SIGKILL may lose acked operations by
// design; what must hold is that the server restarts cleanly every time and that what it
// shows contradicts nothing (no double link, no double redemption, no phantom earn).
TEST(CrashLoop, AsyncDurabilityRestartsConsistently) {
  ASSERT_FALSE(Daemon::binary_path().empty()) << "set CODELEDGER_BIN_DIR to the build dir";
  const auto started = Clock::now();
  CrashLoop loop("async");
  ASSERT_TRUE(loop.boot());
  Totals totals;
  for (long n = 0; n < 3; ++n) ASSERT_TRUE(loop.cycle(n, totals));
  print_totals("crash loop (async)", totals, std::chrono::duration<double>(Clock::now() - started).count());
  EXPECT_TRUE(totals.violations.empty());
  EXPECT_EQ(loop.stop(), 0);
}

}  // namespace
}  // namespace codeledger::crash
