// A history answer holds at most history_rows_max (10 000) redemption rows over all its
// codes, a row per redemption. Before, one read-scope GET listing a much-used code 100 times
// built 1.1 GB and held its io thread for seconds (probe 36a); now a code whose history does
// not fit in what is left is answered with kLimitExceeded, and the rest of the answer stands.
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
  // One redemption naming `code` in `items` items (a use each), customer 1.
  void redeem_in_items(const std::string& code, std::size_t items, const std::string& txn) {
    RedeemRequest req;
    req.customer = 1;
    req.transaction_identifier = txn;
    for (std::size_t i = 0; i < items; ++i) {
      RedemptionItem item;
      item.code = *CodeKey::make(code);
      item.discount = 1;
      req.items.push_back(item);
    }
    Op o = op();
    auto r = ledger_.redeem(o, req);
    ASSERT_TRUE(r.ok()) << r.status().message();
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

// A row is a redemption, however many of its items name the code (their discounts added up
// in the row): the bound was charged per item, so a code named in 20 items a redemption was
// refused at 501 redemptions, 501 rows (probe 41a).
TEST_F(HistoryRowsTest, ARedemptionNamingTheCodeInManyItemsIsOneRow) {
  constexpr std::size_t kItems = 20;
  constexpr std::size_t kRedemptions = kRowsMax / kItems + 1;
  for (std::size_t i = 0; i < kRedemptions; ++i) {
    redeem_in_items("BUSY0001", kItems, "t" + std::to_string(i));
  }
  auto thrice = history({"BUSY0001", "BUSY0001", "BUSY0001"});
  ASSERT_EQ(thrice.size(), 3u);
  for (const auto& rows : thrice) {
    ASSERT_TRUE(rows.ok()) << rows.status().message();
    ASSERT_EQ(rows->size(), kRedemptions);
    EXPECT_EQ(rows->front().transaction_identifier, "t0");
    EXPECT_EQ(rows->back().transaction_identifier, "t" + std::to_string(kRedemptions - 1));
    EXPECT_EQ(rows->front().items.size(), kItems) << "the row's items, to add up";
  }
  Op o = op();
  std::vector<std::string> codes{"BUSY0001", "BUSY0001"};
  auto got = ledger_.get_codes(o, Mode::kDiscount, codes, /*include_redemptions=*/true);
  for (const auto& code : got) {
    ASSERT_TRUE(code.ok()) << code.status().message();
    EXPECT_EQ(code->redemptions.size(), kRedemptions);
    EXPECT_EQ(code->redemption_count, kRedemptions * kItems);
  }
}

}  // namespace
}  // namespace codeledger::ledger::testing
