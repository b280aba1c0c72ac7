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

TEST_F(LedgerTest, ConcurrentMixedTrafficReplaysToTheSameState) {
  PromotionSpec spec;
  spec.per_code_redemptions_max = 0;
  auto p = promotion("p", spec);
  std::vector<std::string> codes;
  for (int i = 0; i < 64; ++i) codes.push_back("MIX" + std::to_string(10000 + i));
  import(p, codes);
  run_threads([&](int t) {
    for (int i = 0; i < 50; ++i) {
      const std::string& c = codes[(t * 7 + i) % codes.size()];
      (void)redeem_code(c, 1 + (i % 5), "t" + std::to_string(t) + "-" + std::to_string(i));
      Op o = op();
      (void)ledger_.link_code(o, Mode::kDiscount, c, 1 + (t % 3));
    }
  });
  Ledger replica(small_options());
  for (const auto& bytes : sink_.events()) {
    auto e = decode_event(bytes);
    ASSERT_TRUE(e.ok());
    ASSERT_TRUE(replica.apply(*e).ok());
  }
  EXPECT_EQ(replica.state_hash(), ledger_.state_hash());
}

}  // namespace
}  // namespace codeledger::ledger::testing
