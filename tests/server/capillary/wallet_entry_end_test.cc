// A wallet entry's validTill over HTTP follows its promotion's current end (an update that
// extends, shortens or sets it), and redeem enforces exactly what the wallet shows.
#include "fixture.h"

namespace codeledger::server::capillary::testing {
namespace {

constexpr ledger::TimeMs kDay = 86'400'000;

class WalletEntryEndTest : public CapillaryTest {
 protected:
  // Issues `promotion` to kCustomer; the entry's id.
  std::string issue_entry(const std::string& promotion) {
    Reply issued = call(&issue_bulk, http::verb::post, "/x?contextId=ctx", "[566881933]",
                        {{"promotionId", promotion}});
    EXPECT_EQ(issued.status, http::status::ok) << issued.body;
    return std::string(std::string_view(data(issued)["566881933"]["id"]));
  }
  Reply set_end(const std::string& promotion, ledger::TimeMs till) {
    Reply r = call(&update_promotion, http::verb::put, "/api_gateway/v1/promotions/" + promotion,
                   R"({"validTill":)" + std::to_string(till) + "}", {{"promotionId", promotion}});
    EXPECT_EQ(r.status, http::status::ok) << r.body;
    return r;
  }
  Reply wallet() {
    return call(&customer_wallet, http::verb::get, "/api_gateway/v1/promotions/customer/566881933",
                {}, {{"customerId", "566881933"}});
  }
  // The wallet's only entry's validTill (-1 for null).
  std::int64_t shown_end() {
    Reply w = wallet();
    EXPECT_EQ(w.status, http::status::ok) << w.body;
    dom::element till = data(w).at(0)["validTill"];
    return till.is_null() ? -1 : std::int64_t(till);
  }
  Reply redeem_entry(const std::string& entry, std::string_view txn) {
    return call(&redeem, http::verb::post, "/api_gateway/v1/promotions/redemptions",
                R"({"customerId":566881933,"transactionIdentifier":")" + std::string(txn) +
                    R"(","redemptions":[{"earnedPromotionId":")" + entry + R"("}]})");
  }
};

TEST_F(WalletEntryEndTest, AnExtendedPromotionsEntryShowsAndRedeemsToTheNewEnd) {
  const std::string p = make_issuable_promotion();
  const std::string entry = issue_entry(p);
  Reply extended = set_end(p, kValidTill + 10 * kDay);
  now_ = kValidTill + kDay;
  Reply w = wallet();
  EXPECT_GE(w.await_lsn, extended.await_lsn) << "the view shows the update: it waits for it";
  EXPECT_EQ(shown_end(), kValidTill + 10 * kDay);
  Reply r = redeem_entry(entry, "t-1");
  EXPECT_EQ(r.status, http::status::ok) << r.body;
}

TEST_F(WalletEntryEndTest, AnEntryOfAnEndlessPromotionShowsTheEndItIsGivenAndExpiresThere) {
  Reply created = call(&create_promotion, http::verb::post, "/api_gateway/v1/promotions",
                       R"({"name":"endless","mode":"DISCOUNT","kind":"ISSUABLE"})");
  ASSERT_EQ(created.status, http::status::ok) << created.body;
  const std::string p(std::string_view(data(created)["id"]));
  const std::string entry = issue_entry(p);
  EXPECT_EQ(shown_end(), -1);
  set_end(p, kNow + kDay);
  now_ = kNow + 2 * kDay;
  EXPECT_EQ(shown_end(), kNow + kDay);
  EXPECT_EQ(error_codes(redeem_entry(entry, "t-1")), std::vector<std::int64_t>{1002});
}

TEST_F(WalletEntryEndTest, EarnValidityStillBoundsTheEntryAndTheIssueAnswerTellsTheSameEnd) {
  const std::string p = make_issuable_promotion(R"("earnValidityMs":86400000)");
  Reply issued = call(&issue_bulk, http::verb::post, "/x?contextId=ctx", "[566881933]",
                      {{"promotionId", p}});
  ASSERT_EQ(issued.status, http::status::ok) << issued.body;
  EXPECT_EQ(std::int64_t(data(issued)["566881933"]["validTill"]), kNow + kDay);
  const std::string entry(std::string_view(data(issued)["566881933"]["id"]));
  set_end(p, kValidTill + 10 * kDay);
  EXPECT_EQ(shown_end(), kNow + kDay);
  set_end(p, kNow + kDay / 2);
  EXPECT_EQ(shown_end(), kNow + kDay / 2) << "a shortened promotion bounds it";
  now_ = kNow + kDay / 2 + 1;
  EXPECT_EQ(error_codes(redeem_entry(entry, "t-1")), std::vector<std::int64_t>{1002});
}

// api.md, "Times": an entry's end is capped at the bound of request times, so its validTill
// and validTillISO name the same instant. issue time + an earnValidityMs at the bound was
// 255198904714027 (year 10057), shown as 9999-12-30T23:59:59Z (probe 41a).
TEST_F(WalletEntryEndTest, AnEndPastTheTimeBoundIsCappedAndItsIsoTwinNamesIt) {
  Reply created = call(&create_promotion, http::verb::post, "/api_gateway/v1/promotions",
                       R"({"name":"endless","mode":"DISCOUNT","kind":"ISSUABLE",)"
                       R"("earnValidityMs":253402214399999})");
  ASSERT_EQ(created.status, http::status::ok) << created.body;
  const std::string p(std::string_view(data(created)["id"]));
  Reply issued = call(&earn, http::verb::post, "/x?contextId=ctx", R"({"customerId":566881933})",
                      {{"promotionId", p}});
  ASSERT_EQ(issued.status, http::status::ok) << issued.body;
  EXPECT_EQ(std::int64_t(data(issued)["validTill"]), 253402214399999);
  Reply w = wallet();
  ASSERT_EQ(w.status, http::status::ok) << w.body;
  EXPECT_EQ(std::int64_t(data(w).at(0)["validTill"]), 253402214399999);
  EXPECT_EQ(std::string_view(data(w).at(0)["validTillISO"]), "9999-12-30T23:59:59Z");
}

}  // namespace
}  // namespace codeledger::server::capillary::testing
