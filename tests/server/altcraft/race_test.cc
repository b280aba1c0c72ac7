// Concurrent attaches from one small pool: every code goes to at most one profile, and the
// attaches that find the pool empty are told so.
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "fixture.h"

namespace codeledger::server::altcraft::testing {
namespace {

constexpr int kThreads = 16;
constexpr int kPoolCodes = 5;

// The envelope's error number; -1 when the body is not JSON. Parsed per call (threads).
std::int64_t error_of(const Reply& r) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  const std::string copy = r.body;
  if (parser.parse(copy).get(root) != simdjson::SUCCESS) return -1;
  return root["error"].get_int64().value_unsafe();
}

class PoolRaceTest : public AltcraftTest {
 protected:
  // Sends request(i) from kThreads threads at once and counts the answers by error number.
  template <class Request>
  std::map<std::int64_t, int> race(Request request) {
    std::mutex mu;
    std::map<std::int64_t, int> errors;
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        const std::int64_t err = error_of(request(i));
        std::lock_guard lock(mu);
        ++errors[err];
      });
    }
    for (auto& t : threads) t.join();
    return errors;
  }

  void SetUp() override {
    AltcraftTest::SetUp();
    std::vector<ledger::CustomerProfile> profiles(kThreads);
    for (int i = 0; i < kThreads; ++i) {
      profiles[i].id = 900000 + static_cast<ledger::CustomerId>(i);
      profiles[i].external_id = "racer-" + std::to_string(i);
    }
    ledger::Op op = admin_op(kOrgA);
    ASSERT_TRUE(ledger_->upsert_customers(op, profiles).ok());
    std::vector<std::string> codes;
    for (int i = 0; i < kPoolCodes; ++i) codes.push_back("RACE0" + std::to_string(i));
    number_ = make_program(kOrgA, codes);
  }
  std::uint32_t number_ = 0;
};

TEST_F(PoolRaceTest, SixteenThreadsNeverShareACodeAndExhaustionIsReported) {
  std::mutex mu;
  std::map<std::string, int> winners;  // code -> times handed out
  int exhausted = 0;
  int other = 0;
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      const std::string body = json(R"("db_id":1,"loyalty_id":)" + std::to_string(number_) +
                                    R"(,"profile_id":"racer-)" + std::to_string(i) + "\"");
      // Each thread parses its own answer: the fixture's parser is not shared.
      Reply r = call(&attach, body);
      simdjson::dom::parser parser;
      simdjson::dom::element root;
      const std::string copy = r.body;
      if (parser.parse(copy).get(root) != simdjson::SUCCESS) {
        std::lock_guard lock(mu);
        ++other;
        return;
      }
      const std::int64_t err = root["error"].get_int64().value_unsafe();
      std::lock_guard lock(mu);
      if (err == 0) {
        ++winners[std::string(root["data"]["code"].get_string().value_unsafe())];
      } else if (err == 404) {
        ++exhausted;
      } else {
        ++other;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(other, 0);
  EXPECT_EQ(winners.size(), static_cast<std::size_t>(kPoolCodes));
  for (const auto& [code, times] : winners) EXPECT_EQ(times, 1) << code;
  EXPECT_EQ(exhausted, kThreads - kPoolCodes);
  std::set<ledger::CustomerId> owners;
  for (const auto& [code, times] : winners) {
    const ledger::CustomerId c = code_view(code).customer;
    EXPECT_GE(c, 900000u);
    owners.insert(c);
  }
  EXPECT_EQ(owners.size(), static_cast<std::size_t>(kPoolCodes));
}

TEST_F(PoolRaceTest, ConcurrentAttachesOfOneUnknownCodeImportItOnceAndAttachOnce) {
  auto errors = race([&](int i) {
    return call(&attach, json(R"("db_id":1,"loyalty_id":1,"code":"FRESH1","profile_id":"racer-)" +
                              std::to_string(i) + "\""));
  });
  EXPECT_EQ(errors[0], 1);
  EXPECT_EQ(errors[1005], kThreads - 1);
  EXPECT_GE(code_view("FRESH1").customer, 900000u);
}

// Activate has no idempotency key of its own: racing activates of a single-use code must
// give exactly one success; the losers are told the code is used up (1004), never "ok".
TEST_F(PoolRaceTest, ConcurrentActivatesOfASingleUseCodeHaveExactlyOneWinner) {
  ASSERT_EQ(error_of(call(&attach, json(R"("db_id":1,"loyalty_id":)" + std::to_string(number_) +
                                        R"(,"code":"RACE00","profile_id":"racer-0")"))),
            0);
  auto errors = race([&](int) {
    return call(&activate, json(R"("loyalty_id":)" + std::to_string(number_) +
                                R"(,"code":"RACE00")"));
  });
  EXPECT_EQ(errors[0], 1);
  EXPECT_EQ(errors[1004], kThreads - 1);
  EXPECT_EQ(code_view("RACE00").redemption_count, 1u);
}

}  // namespace
}  // namespace codeledger::server::altcraft::testing
