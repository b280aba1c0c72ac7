// Uses are counted in 32 bits per code and per customer and promotion. A count that would
// pass 4294967295 is refused with nothing changed: before, it wrapped, and a multi-use code
// redeemed 2^32 times read as never used (probe 36a). The ledger takes any item count (the
// HTTP layer caps one at 1000), so two calls reach the edge.
#include "tests/ledger/fixture.h"

namespace codeledger::ledger::testing {
namespace {

constexpr std::uint32_t kCountedMax = 4'294'967'295u;

TEST_F(LedgerTest, ACodesUsesStopAtTheMostThatAreCounted) {
  auto p = promotion("p", [] {
    PromotionSpec spec;
    spec.per_code_redemptions_max = 0;  // no limit of its own
    return spec;
  }());
  import(p, {"SALE0001"});
  ASSERT_TRUE(redeem_code("SALE0001", 1, "t1", kCountedMax - 1).ok());
  const std::uint64_t before = ledger_.state_hash();
  auto over = redeem_code("SALE0001", 2, "t2", 2);
  EXPECT_CODE(over, kCodeAlreadyRedeemed);
  EXPECT_NE(over.status().message().find("4294967295 uses, the most that are counted"), std::string::npos)
      << over.status().message();
  EXPECT_EQ(ledger_.state_hash(), before);
  ASSERT_TRUE(redeem_code("SALE0001", 2, "t3", 1).ok()) << "the last countable use";
  Op o = op();
  std::vector<std::string> req{"SALE0001"};
  EXPECT_EQ(ledger_.get_codes(o, Mode::kDiscount, req, false)[0]->redemption_count, kCountedMax);
}

TEST_F(LedgerTest, ACustomersUsesOfAPromotionStopAtTheMostThatAreCounted) {
  auto p = promotion("p", [] {
    PromotionSpec spec;
    spec.per_code_redemptions_max = 0;
    spec.per_customer_redemptions_max = 0;
    return spec;
  }());
  import(p, {"SALE0001", "SALE0002"});
  ASSERT_TRUE(redeem_code("SALE0001", 1, "t1", kCountedMax).ok());
  const std::uint64_t before = ledger_.state_hash();
  auto over = redeem_code("SALE0002", 1, "t2", 1);  // another code, the same customer
  EXPECT_CODE(over, kRedemptionValidationFailed);
  EXPECT_NE(over.status().message().find("the most that are counted"), std::string::npos)
      << over.status().message();
  EXPECT_EQ(ledger_.state_hash(), before);
  EXPECT_TRUE(redeem_code("SALE0002", 2, "t3", 1).ok()) << "another customer is not held";
}

}  // namespace
}  // namespace codeledger::ledger::testing
