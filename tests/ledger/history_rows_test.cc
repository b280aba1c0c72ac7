// A history answer holds at most history_rows_max (10 000) redemption rows over all its
// codes. Before, one read-scope GET listing a much-used code 100 times built 1.1 GB and held
// its io thread for seconds (probe 36a); now a code whose history does not fit in what is
// left is answered with kLimitExceeded, and the rest of the answer stands.
#include "tests/ledger/fixture.h"

namespace codeledger::ledger::testing {
namespace {

constexpr std::size_t kRowsMax = 10'000;  // docs/api.md, "Redemption history"

class HistoryRowsTest : public LedgerTest {
 protected:
  // A multi-use code redeemed `times` times, one row each.
  void redeem_times(const std::string& code, std::size_t times) {
    for (std::size_t i = 0; i < times; ++i) {
      ASSERT_TRUE(redeem_code(code, 1, code + "-" + std::to_string(i)).ok());
    }
  }
  std::vector<Result<std::vector<RedemptionView>>> history(std::vector<std::string> codes) {
    Op o = op();
    return ledger_.redemption_history(o, Mode::kDiscount, codes);
  }
  void SetUp() override {
    PromotionSpec spec;
    spec.per_code_redemptions_max = 0;
    auto p = promotion("p", spec);
    import(p, {"BUSY0001", "HALF0001"});
  }
};

TEST_F(HistoryRowsTest, AHistoryLongerThanAWholeAnswerIsRefusedByName) {
  redeem_times("BUSY0001", kRowsMax + 1);
  auto alone = history({"BUSY0001"});
  ASSERT_EQ(alone.size(), 1u);
  EXPECT_CODE(alone[0], kLimitExceeded);
  EXPECT_NE(alone[0].status().message().find("history_rows_max (10000"), std::string::npos)
      << alone[0].status().message();
  Op o = op();
  std::vector<std::string> codes{"BUSY0001", "HALF0001"};
  auto got = ledger_.get_codes(o, Mode::kDiscount, codes, /*include_redemptions=*/true);
  EXPECT_CODE(got[0], kLimitExceeded);
  ASSERT_TRUE(got[1].ok()) << "the other code of the answer stands";
  EXPECT_TRUE(got[1]->redemptions.empty());
  auto without = ledger_.get_codes(o, Mode::kDiscount, codes, /*include_redemptions=*/false);
  ASSERT_TRUE(without[0].ok()) << "without its history the code is answered";
  EXPECT_EQ(without[0]->redemption_count, kRowsMax + 1);
}

TEST_F(HistoryRowsTest, TheRowsAreCountedOverEveryCodeOfTheAnswer) {
  redeem_times("HALF0001", kRowsMax / 2);
  auto twice = history({"HALF0001", "HALF0001", "HALF0001"});
  ASSERT_EQ(twice.size(), 3u);
  ASSERT_TRUE(twice[0].ok());
  EXPECT_EQ(twice[0]->size(), kRowsMax / 2);
  ASSERT_TRUE(twice[1].ok()) << "exactly the whole answer";
  EXPECT_CODE(twice[2], kLimitExceeded);
}

}  // namespace
}  // namespace codeledger::ledger::testing
