#include <atomic>
#include <set>
#include <thread>

#include "tests/ledger/fixture.h"

namespace codeledger::ledger::testing {
namespace {

constexpr int kThreads = 16;

template <class F>
void run_threads(F f) {
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(f, t);
  for (auto& t : threads) t.join();
}

TEST_F(LedgerTest, RacingRedeemsOfSingleUseCodeHaveOneWinner) {
  auto p = promotion("p");
  import(p, {"RACE001"});
  std::atomic<int> wins{0}, already{0};
  run_threads([&](int t) {
    auto r = redeem_code("RACE001", 100 + t, "txn-" + std::to_string(t));
    if (r.ok()) ++wins;
    else if (r.status().code() == ErrorCode::kCodeAlreadyRedeemed) ++already;
  });
  EXPECT_EQ(wins.load(), 1);
  EXPECT_EQ(already.load(), kThreads - 1);
}

TEST_F(LedgerTest, RacingRedeemsOfLimitNCodeHaveNWinners) {
  PromotionSpec spec;
  spec.per_code_redemptions_max = 5;
  auto p = promotion("p", spec);
  import(p, {"RACE005"});
  std::atomic<int> wins{0};
  run_threads([&](int t) {
    for (int i = 0; i < 4; ++i) {
      if (redeem_code("RACE005", 100 + t, "txn-" + std::to_string(t) + "-" + std::to_string(i)).ok()) {
        ++wins;
      }
    }
  });
  EXPECT_EQ(wins.load(), 5);
}

TEST_F(LedgerTest, RacingAttachFromPoolNeverHandsOutACodeTwice) {
  auto p = promotion("p");
  std::vector<std::string> pool;
  for (int i = 0; i < 24; ++i) pool.push_back("POOL" + std::to_string(1000 + i));
  import(p, pool);
  std::mutex mu;
  std::multiset<std::string> got;
  std::atomic<int> exhausted{0};
  run_threads([&](int t) {
    for (int i = 0; i < 3; ++i) {
      Op o = op();
      auto r = ledger_.attach_from_pool(o, p.id, static_cast<CustomerId>(t * 10 + i + 1));
      if (r.ok()) {
        std::lock_guard lock(mu);
        got.insert(std::string(r->code.view()));
      } else if (r.status().code() == ErrorCode::kNotFound) {
        ++exhausted;
      }
    }
  });
  EXPECT_EQ(got.size(), 24u);
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()).size(), 24u);
  EXPECT_EQ(exhausted.load(), kThreads * 3 - 24);
}

// Threads attaching the same unknown code to different customers: one adds and links it,
// every other one finds it there (kConflict), and the log replays to the same state.
TEST_F(LedgerTest, RacingAttachesOfOneNewCodeHaveOneWinner) {
  auto p = promotion("p");
  std::atomic<int> wins{0}, conflicts{0};
  std::atomic<CustomerId> winner{0};
  run_threads([&](int t) {
    Op o = op();
    auto r = ledger_.attach_new_code(o, p.id, "RACENEW1", static_cast<CustomerId>(t + 1));
    if (r.ok()) {
      ++wins;
      winner = r->customer;
    } else if (r.status().code() == ErrorCode::kConflict) {
      ++conflicts;
    }
  });
  EXPECT_EQ(wins.load(), 1);
  EXPECT_EQ(conflicts.load(), kThreads - 1);
  Op o = op();
  auto got = ledger_.get_code(o, Mode::kDiscount, "RACENEW1", false);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->customer, winner.load());
  expect_log_rebuilds(sink_, ledger_);
}

TEST_F(LedgerTest, ConcurrentMixedTrafficReplaysToTheSameState) {
  const std::vector<std::string> codes = unlimited_codes("MIX", 64);
  run_threads([&](int t) {
    for (int i = 0; i < 50; ++i) {
      const std::string& c = codes[(t * 7 + i) % codes.size()];
      (void)redeem_code(c, 1 + (i % 5), "t" + std::to_string(t) + "-" + std::to_string(i));
      Op o = op();
      (void)ledger_.link_code(o, Mode::kDiscount, c, 1 + (t % 3));
    }
  });
  expect_log_rebuilds(sink_, ledger_);
}

// Reversals lock the customer's shard first and add the code shards after it (above or
// below): racing them with redeems over every shard must neither deadlock nor lose one.
TEST_F(LedgerTest, RacingReversalsAndRedeemsFinishAndUndoEveryUse) {
  const std::vector<std::string> codes = unlimited_codes("REV", 64);
  std::atomic<int> reversed{0};
  run_threads([&](int t) {
    for (int i = 0; i < 40; ++i) {
      const std::string& c = codes[(t * 5 + i) % codes.size()];
      const auto customer = static_cast<CustomerId>(1 + (t * 40 + i) % 97);
      const std::string txn = "r" + std::to_string(t) + "-" + std::to_string(i);
      if (!redeem_code(c, customer, txn).ok()) continue;
      Op o = op();
      if (ledger_.reverse_redemption(o, customer, txn).ok()) ++reversed;
    }
  });
  EXPECT_EQ(reversed.load(), kThreads * 40);
  Op o = op();
  for (const auto& r : ledger_.get_codes(o, Mode::kDiscount, codes, false)) {
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->redemption_count, 0u);
  }
  expect_log_rebuilds(sink_, ledger_);
}

}  // namespace
}  // namespace codeledger::ledger::testing
