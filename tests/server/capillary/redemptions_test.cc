// Redeem, redemption history and reversal: shapes, idempotency and every error code.
#include "fixture.h"
#include "tests/support/broken_sink.h"

namespace codeledger::server::capillary::testing {
namespace {

constexpr std::string_view kRedeem = "/api_gateway/v1/promotions/redemptions";
constexpr std::string_view kReverse = "/api_gateway/v1/promotions/redemptions/reverse";

std::string redeem_body(std::string_view txn, std::string_view code,
                        std::string_view customer = "566881933", std::string_view extra = {}) {
  std::string body = "{\"customerId\":" + std::string(customer) +
                     ",\"transactionIdentifier\":\"" + std::string(txn) +
                     "\",\"transactionNumber\":\"N-" + std::string(txn) +
                     "\",\"transactionDate\":1762841149000,\"amount\":2500,"
                     "\"redemptions\":[{\"code\":\"" + std::string(code) +
                     "\",\"mode\":\"DISCOUNT\",\"discount\":250}]";
  if (!extra.empty()) body.append(",").append(extra);
  return body + "}";
}

class RedemptionsTest : public CapillaryTest {
 protected:
  void SetUp() override {
    CapillaryTest::SetUp();
    add_customers();
    promotion_ = make_code_promotion({kSeedCode, "SECOND1", "THIRD01"});
  }
  Reply redeem_now(std::string_view body) {
    return call(&redeem, http::verb::post, kRedeem, body);
  }
  Reply history(std::string_view query) {
    return call(&redemption_history, http::verb::get, std::string(kRedeem) + std::string(query));
  }
  Reply reverse(std::string_view body) {
    return call(&reverse_redemption, http::verb::post, kReverse, body);
  }
  // Issues `promotion` (issuable) to kCustomer; returns the wallet entry's id.
  std::string earn_for_customer(const std::string& promotion) {
    Reply issued = call(&issue_bulk, http::verb::post, "/x?contextId=ctx", "[566881933]",
                        {{"promotionId", promotion}});
    EXPECT_EQ(issued.status, http::status::ok) << issued.body;
    return std::string(std::string_view(data(issued)["566881933"]["id"]));
  }
  Reply redeem_earned(std::string_view txn, std::initializer_list<std::string_view> earn_ids) {
    std::string items;
    for (std::string_view id : earn_ids) {
      items += std::string(items.empty() ? "" : ",") + R"({"earnedPromotionId":")" +
               std::string(id) + "\"}";
    }
    return redeem_now(R"({"customerId":566881933,"transactionIdentifier":")" + std::string(txn) +
                      R"(","redemptions":[)" + items + "]}");
  }
  std::string promotion_;
};

// A transactionDate left out, or 0 (the ledger's "no time"), is the time of the call.
TEST_F(RedemptionsTest, AMissingOrZeroTransactionDateIsTheTimeOfTheCall) {
  for (const char* date : {"", R"(,"transactionDate":0)"}) {
    const std::string txn = std::string("date-") + (*date ? "zero" : "none");
    Reply r = redeem_now(R"({"customerId":566881933,"transactionIdentifier":")" + txn +
                         R"(","redemptions":[{"code":")" + std::string(txn == "date-zero" ? "SECOND1" : "THIRD01") +
                         R"("}])" + date + "}");
    ASSERT_EQ(r.status, http::status::ok) << r.body;
    EXPECT_EQ(std::int64_t(data(r)["transactionDate"]), kNow) << date << " -> " << r.body;
  }
}

TEST_F(RedemptionsTest, RedeemReturnsTheRedemptionRecord) {
  Reply r = redeem_now(redeem_body("txn-1", kSeedCode));
  ASSERT_EQ(r.status, http::status::ok) << r.body;
  dom::element d = data(r);
  EXPECT_EQ(std::string_view(d["id"]).size(), 24u);
  EXPECT_EQ(std::int64_t(d["orgId"]), static_cast<std::int64_t>(kOrgA));
  EXPECT_EQ(std::int64_t(d["customerId"]), static_cast<std::int64_t>(kCustomer));
  EXPECT_EQ(std::string_view(d["transactionIdentifier"]), "txn-1");
  EXPECT_EQ(std::string_view(d["transactionNumber"]), "N-txn-1");
  EXPECT_EQ(std::int64_t(d["transactionDate"]), 1762841149000);
  EXPECT_EQ(std::int64_t(d["amount"]), 2500);
  EXPECT_EQ(std::int64_t(d["redemptionDate"]), kNow);
  EXPECT_EQ(std::string_view(d["redemptionDateISO"]), "2025-11-11T06:05:49Z");
  EXPECT_FALSE(bool(d["reversed"]));
  dom::array items = d["redemptions"].get_array();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(std::string_view(items.at(0)["code"]), kSeedCode);
  EXPECT_EQ(std::string_view(items.at(0)["promotionId"]), promotion_);
  EXPECT_EQ(std::int64_t(items.at(0)["discount"]), 250);
  EXPECT_GT(r.await_lsn, 0u);
}

TEST_F(RedemptionsTest, SameTransactionAgainReturnsTheFirstResult) {
  Reply first = redeem_now(redeem_body("txn-1", kSeedCode));
  ASSERT_EQ(first.status, http::status::ok) << first.body;
  const std::string id(std::string_view(data(first)["id"]));
  const auto before = ledger_.state_hash();
  Reply again = redeem_now(redeem_body("txn-1", kSeedCode));
  ASSERT_EQ(again.status, http::status::ok) << again.body;
  EXPECT_EQ(std::string_view(data(again)["id"]), id);
  EXPECT_EQ(ledger_.state_hash(), before);
  bool replay_header = false;
  for (const auto& [name, value] : again.headers) replay_header |= name == "Idempotent-Replayed";
  EXPECT_TRUE(replay_header);
}

// The amount check runs after the replay probe: a retry whose figures no longer add up still
// gets the first result (it got 1009, and the client could not learn the outcome; probe 32b).
TEST_F(RedemptionsTest, ARetryWithAnAmountBelowItsDiscountsStillGetsTheFirstResult) {
  Reply first = redeem_now(redeem_body("txn-a", kSeedCode));
  ASSERT_EQ(first.status, http::status::ok) << first.body;
  const auto before = ledger_.state_hash();
  Reply again = redeem_now(R"({"customerId":566881933,"transactionIdentifier":"txn-a","amount":10,)"
                           R"("redemptions":[{"code":"DQCV73","mode":"DISCOUNT","discount":250}]})");
  ASSERT_EQ(again.status, http::status::ok) << again.body;
  EXPECT_EQ(std::string_view(data(again)["id"]), std::string_view(data(first)["id"]));
  EXPECT_EQ(std::int64_t(data(again)["amount"]), 2500);
  EXPECT_EQ(ledger_.state_hash(), before);
}

TEST_F(RedemptionsTest, CustomerIdAsStringIsAccepted) {
  Reply r = redeem_now(redeem_body("txn-s", kSeedCode, "\"566881933\""));
  EXPECT_EQ(r.status, http::status::ok) << r.body;
}

// api.md:227 "All items are redeemed together or not at all": a refusal changes nothing.
TEST_F(RedemptionsTest, SecondRedeemOfSingleUseCodeIs1004AndChangesNothing) {
  ASSERT_EQ(redeem_now(redeem_body("txn-1", kSeedCode)).status, http::status::ok);
  const auto before = ledger_.state_hash();
  Reply r = redeem_now(redeem_body("txn-2", kSeedCode));
  EXPECT_EQ(error_codes(r), std::vector<std::int64_t>{1004}) << r.body;
  EXPECT_EQ(ledger_.state_hash(), before);
}

TEST_F(RedemptionsTest, CodeLinkedToSomeoneElseIs1005AndChangesNothing) {
  Reply linked = call(&link_code, http::verb::post, "/api_gateway/v1/promotions/code/link",
                      R"({"customerId":566135941,"code":"SECOND1","mode":"DISCOUNT"})");
  ASSERT_EQ(linked.status, http::status::ok) << linked.body;
  const auto before = ledger_.state_hash();
  Reply r = redeem_now(redeem_body("txn-1", "SECOND1"));
  EXPECT_EQ(error_codes(r), std::vector<std::int64_t>{1005}) << r.body;
  EXPECT_EQ(ledger_.state_hash(), before);
}

// api.md:102-103 "an answer (success or refusal) is sent only once every state it reveals is
// on disk": a 1004 tells that the code was redeemed and a 1005 that it is linked, so each
// waits for the LSN of that redemption or link, not only successes do.
TEST_F(RedemptionsTest, ARefusalWaitsForTheStateItReveals) {
  Reply redeemed = redeem_now(redeem_body("txn-1", kSeedCode));
  ASSERT_EQ(redeemed.status, http::status::ok) << redeemed.body;
  ASSERT_GT(redeemed.await_lsn, 0u);
  Reply used = redeem_now(redeem_body("txn-2", kSeedCode));
  ASSERT_EQ(error_codes(used), std::vector<std::int64_t>{1004}) << used.body;
  EXPECT_GE(used.await_lsn, redeemed.await_lsn);

  Reply linked = call(&link_code, http::verb::post, "/api_gateway/v1/promotions/code/link",
                      R"({"customerId":566135941,"code":"SECOND1","mode":"DISCOUNT"})");
  ASSERT_EQ(linked.status, http::status::ok) << linked.body;
  ASSERT_GT(linked.await_lsn, redeemed.await_lsn);  // so the check below tells them apart
  Reply taken = redeem_now(redeem_body("txn-3", "SECOND1"));
  ASSERT_EQ(error_codes(taken), std::vector<std::int64_t>{1005}) << taken.body;
  EXPECT_GE(taken.await_lsn, linked.await_lsn);
}

TEST_F(RedemptionsTest, ExpiredCodeIs1002AndChangesNothing) {
  now_ = kValidTill + 1;
  const auto before = ledger_.state_hash();
  Reply r = redeem_now(redeem_body("txn-1", kSeedCode));
  EXPECT_EQ(error_codes(r), std::vector<std::int64_t>{1002}) << r.body;
  EXPECT_EQ(ledger_.state_hash(), before);
}

TEST_F(RedemptionsTest, InactiveCodeOrCodeOfAnInactivePromotionIs1001AndChangesNothing) {
  ledger::Op op = setup_op();
  ASSERT_TRUE(ledger_.update_code(op, ledger::Mode::kDiscount, "SECOND1", std::nullopt, false).ok());
  const auto before = ledger_.state_hash();
  EXPECT_EQ(error_codes(redeem_now(redeem_body("txn-1", "SECOND1"))), std::vector<std::int64_t>{1001});
  EXPECT_EQ(ledger_.state_hash(), before);
  ASSERT_NO_FATAL_FAILURE(deactivate(promotion_));
  const auto deactivated = ledger_.state_hash();
  EXPECT_EQ(error_codes(redeem_now(redeem_body("txn-2", kSeedCode))), std::vector<std::int64_t>{1001});
  EXPECT_EQ(ledger_.state_hash(), deactivated);
}

TEST_F(RedemptionsTest, CodeNotYetRedeemableIs1002) {
  Reply imported = call(&import_codes, http::verb::post, "/x",
                        R"({"codes":["LATER01"],"redeemableFrom":)" + std::to_string(kNow + 60'000) + "}",
                        {{"promotionId", promotion_}});
  ASSERT_EQ(imported.status, http::status::ok) << imported.body;
  make_code_promotion({"LATER02"}, R"("validFrom":)" + std::to_string(kNow + 60'000), "starts later");
  const auto before = ledger_.state_hash();
  Reply early = redeem_now(redeem_body("txn-1", "LATER01"));
  EXPECT_EQ(error_codes(early), std::vector<std::int64_t>{1002}) << early.body;
  EXPECT_NE(first_message(early).find("not yet redeemable"), std::string::npos);
  EXPECT_EQ(error_codes(redeem_now(redeem_body("txn-2", "LATER02"))), std::vector<std::int64_t>{1002});
  EXPECT_EQ(ledger_.state_hash(), before);
}

TEST_F(RedemptionsTest, EarnedPromotionNotInTheWalletIs729) {
  const auto before = ledger_.state_hash();
  Reply r = redeem_earned("e-1", {"0123456789abcdef01234567"});
  EXPECT_EQ(error_codes(r), std::vector<std::int64_t>{729}) << r.body;
  EXPECT_EQ(ledger_.state_hash(), before);
}

TEST_F(RedemptionsTest, EarnedPromotionRedeemedOrNamedTwiceIs730) {
  const std::string earn_id = earn_for_customer(make_issuable_promotion());
  const auto before = ledger_.state_hash();
  EXPECT_EQ(error_codes(redeem_earned("e-1", {earn_id, earn_id})), std::vector<std::int64_t>{730});
  EXPECT_EQ(ledger_.state_hash(), before);
  ASSERT_EQ(redeem_earned("e-2", {earn_id}).status, http::status::ok);
  const auto redeemed = ledger_.state_hash();
  EXPECT_EQ(error_codes(redeem_earned("e-3", {earn_id})), std::vector<std::int64_t>{730});
  EXPECT_EQ(ledger_.state_hash(), redeemed);
}

TEST_F(RedemptionsTest, RevokedEarnedPromotionIs731) {
  const std::string issuable = make_issuable_promotion();
  const std::string earn_id = earn_for_customer(issuable);
  Reply revoked = call(&revoke_earn, http::verb::post, "/x",
                       R"({"customerId":566881933,"earnRevokeDetails":[{"promotionId":")" + issuable +
                           R"(","earnIds":[")" + earn_id + R"("]}]})");
  ASSERT_EQ(revoked.status, http::status::ok) << revoked.body;
  const auto before = ledger_.state_hash();
  EXPECT_EQ(error_codes(redeem_earned("e-1", {earn_id})), std::vector<std::int64_t>{731});
  EXPECT_EQ(ledger_.state_hash(), before);
}

TEST_F(RedemptionsTest, EarnedPromotionExpiredIs1002AndOfAnInactivePromotionIs1001) {
  const std::string issuable = make_issuable_promotion(R"("earnValidityMs":1000)");
  const std::string earn_id = earn_for_customer(issuable);
  const auto before = ledger_.state_hash();
  now_ = kNow + 2000;
  EXPECT_EQ(error_codes(redeem_earned("e-1", {earn_id})), std::vector<std::int64_t>{1002});
  EXPECT_EQ(ledger_.state_hash(), before);
  now_ = kNow;
  ASSERT_NO_FATAL_FAILURE(deactivate(issuable));
  const auto deactivated = ledger_.state_hash();
  EXPECT_EQ(error_codes(redeem_earned("e-2", {earn_id})), std::vector<std::int64_t>{1001});
  EXPECT_EQ(ledger_.state_hash(), deactivated);
}

TEST_F(RedemptionsTest, UnknownCodeIs1001AndBadCodesAre90xAndChangeNothing) {
  const auto before = ledger_.state_hash();
  EXPECT_EQ(error_codes(redeem_now(redeem_body("t", "NOSUCH"))), std::vector<std::int64_t>{1001});
  EXPECT_EQ(error_codes(redeem_now(redeem_body("t", "AB-CD1"))), std::vector<std::int64_t>{902});
  EXPECT_EQ(error_codes(redeem_now(redeem_body("t", "ABC"))), std::vector<std::int64_t>{903});
  EXPECT_EQ(error_codes(redeem_now(redeem_body("t", std::string(40, 'Q')))),
            std::vector<std::int64_t>{904});
  EXPECT_EQ(error_codes(redeem_now(redeem_body("t", "abcdef"))), std::vector<std::int64_t>{905});
  // The message names the item's field, then the code (none when it is empty).
  EXPECT_EQ(first_message(redeem_now(redeem_body("t", "ABC"))),
            "redemptions[0].code ABC: code 'ABC' is shorter than 6 characters");
  EXPECT_EQ(first_message(redeem_now(redeem_body("t", ""))),
            "redemptions[0].code: code '' is shorter than 6 characters");
  EXPECT_EQ(ledger_.state_hash(), before);
}

// api.md:61-62: a customerId written with a decimal point or an exponent is 1006 too, even
// when its value is a whole number.
TEST_F(RedemptionsTest, InvalidCustomerIs1006AndChangesNothing) {
  const auto before = ledger_.state_hash();
  for (std::string_view c : {"0", "\"x1\"", "null", "-1", "566881933.0", "5.66881933e8"}) {
    Reply r = redeem_now(redeem_body("txn-1", kSeedCode, c));
    EXPECT_EQ(error_codes(r), std::vector<std::int64_t>{1006}) << c << " -> " << r.body;
    EXPECT_NE(first_message(r).find("customerId"), std::string::npos);
  }
  EXPECT_EQ(ledger_.state_hash(), before);
}

TEST_F(RedemptionsTest, OrgWithCartEvaluationIs1008AndChangesNothing) {
  ledger::OrgSettings s = *ledger_.org_settings(kOrgA);
  s.strategy = ledger::RedemptionStrategy::kWithCartEvaluation;
  ASSERT_TRUE(ledger_.configure_org(kOrgA, s).ok());
  const auto before = ledger_.state_hash();
  Reply r = redeem_now(redeem_body("txn-1", kSeedCode));
  EXPECT_EQ(error_codes(r), std::vector<std::int64_t>{1008}) << r.body;
  EXPECT_EQ(ledger_.state_hash(), before);
}

TEST_F(RedemptionsTest, DiscountAboveAmountIs1009AndChangesNothing) {
  const auto before = ledger_.state_hash();
  Reply r = redeem_now(R"({"customerId":566881933,"transactionIdentifier":"t","amount":100,)"
                       R"("redemptions":[{"code":"DQCV73","mode":"DISCOUNT","discount":500}]})");
  EXPECT_EQ(error_codes(r), std::vector<std::int64_t>{1009}) << r.body;
  EXPECT_EQ(ledger_.state_hash(), before);
}

// Each discount may be 2305843009213693951 (INT64_MAX / 4): 8 of them summed in an int64
// wrapped to -8, below any amount, and 9 to 2305843009213693943, below that largest amount.
TEST_F(RedemptionsTest, DiscountsAddingUpPastInt64AreStill1009AndRedeemNothing) {
  make_code_promotion({"HUGE01", "HUGE02", "HUGE03", "HUGE04", "HUGE05", "HUGE06", "HUGE07",
                       "HUGE08", "HUGE09"},
                      {}, "huge discounts");
  const auto before = ledger_.state_hash();
  for (int n : {8, 9}) {
    for (std::string_view amount : {"100", "2305843009213693951"}) {
      std::string items;
      for (int i = 1; i <= n; ++i) {
        items += std::string(i > 1 ? "," : "") + R"({"code":"HUGE0)" + std::to_string(i) +
                 R"(","discount":2305843009213693951})";
      }
      Reply r = redeem_now(R"({"customerId":566881933,"transactionIdentifier":"big-)" +
                           std::to_string(n) + std::string(amount) + R"(","amount":)" +
                           std::string(amount) + R"(,"redemptions":[)" + items + "]}");
      EXPECT_EQ(error_codes(r), std::vector<std::int64_t>{1009}) << n << " items: " << r.body;
      EXPECT_EQ(first_message(r),
                "redemptions[].discount adds up to more than amount " + std::string(amount));
    }
  }
  EXPECT_EQ(ledger_.state_hash(), before);
}

// amount and discount stop at 2^61 - 1 (api.md), so sums of them never wrap: one more is a
// 400 naming the field and its range, and nothing is redeemed.
TEST_F(RedemptionsTest, AnAmountOrDiscountPastTwoToTheSixtyOneIs400) {
  const auto before = ledger_.state_hash();
  Reply amount = redeem_now(R"({"customerId":566881933,"transactionIdentifier":"t","amount":2305843009213693952,)"
                            R"("redemptions":[{"code":"DQCV73","mode":"DISCOUNT","discount":1}]})");
  EXPECT_EQ(error_codes(amount), std::vector<std::int64_t>{400}) << amount.body;
  EXPECT_EQ(first_message(amount), "amount must be between 0 and 2305843009213693951");
  Reply discount = redeem_now(R"({"customerId":566881933,"transactionIdentifier":"t","amount":1,)"
                              R"("redemptions":[{"code":"DQCV73","mode":"DISCOUNT","discount":2305843009213693952}]})");
  EXPECT_EQ(error_codes(discount), std::vector<std::int64_t>{400}) << discount.body;
  EXPECT_EQ(ledger_.state_hash(), before);
}

// The last accepted instant is a day short of year 10000 (iso_time.h), so even +05:30 shows
// it with a 4-digit year; one millisecond later is refused, naming the field.
TEST_F(RedemptionsTest, TransactionDateUpToTheLimitRendersInPlusAndMinusZones) {
  struct Case { std::string_view zone, code, want; };
  const Case cases[] = {{"Asia/Kolkata", "SECOND1", "9999-12-31T05:29:59+05:30"},
                        {"America/New_York", "THIRD01", "9999-12-30T18:59:59-05:00"}};
  ledger::OrgSettings s = *ledger_.org_settings(kOrgA);
  for (const Case& c : cases) {
    s.time_zone = std::string(c.zone);
    ASSERT_TRUE(ledger_.configure_org(kOrgA, s).ok());
    const std::string head = R"({"customerId":566881933,"transactionIdentifier":")" +
                             std::string(c.zone) + R"(","redemptions":[{"code":")" +
                             std::string(c.code) + R"("}],"transactionDate":)";
    Reply late = redeem_now(head + "253402214400000}");
    EXPECT_EQ(error_codes(late), std::vector<std::int64_t>{400}) << late.body;
    EXPECT_NE(first_message(late).find("transactionDate"), std::string::npos) << late.body;
    Reply r = redeem_now(head + "253402214399999}");
    ASSERT_EQ(r.status, http::status::ok) << r.body;
    EXPECT_EQ(std::string_view(data(r)["transactionDateISO"]), c.want) << c.zone;
  }
}

TEST_F(RedemptionsTest, PerCustomerRedemptionLimitIs1009AndChangesNothing) {
  make_code_promotion({"LIMIT01", "LIMIT02"}, R"("perCustomerRedemptionLimit":1)", "limited");
  ASSERT_EQ(redeem_now(redeem_body("txn-1", "LIMIT01")).status, http::status::ok);
  const auto before = ledger_.state_hash();
  Reply r = redeem_now(redeem_body("txn-2", "LIMIT02"));
  EXPECT_EQ(error_codes(r), std::vector<std::int64_t>{1009}) << r.body;
  EXPECT_EQ(ledger_.state_hash(), before);
}

// api.md:225 "redemptionCount | integer 1–1000": 1001 is a wrong field (400 naming it) and
// redeems nothing; 1000 uses of a code that allows them go through.
TEST_F(RedemptionsTest, ARedemptionCountAbove1000Is400AndUpToItIsAccepted) {
  make_code_promotion({"MANY001"}, R"("perCodeRedemptionLimit":1000)", "many uses");
  const auto body = [](std::string_view txn, int count) {
    return R"({"customerId":566881933,"transactionIdentifier":")" + std::string(txn) +
           R"(","redemptions":[{"code":"MANY001","redemptionCount":)" + std::to_string(count) +
           "}]}";
  };
  const auto before = ledger_.state_hash();
  Reply over = redeem_now(body("many-1", 1001));
  EXPECT_EQ(error_codes(over), std::vector<std::int64_t>{400}) << over.body;
  EXPECT_NE(first_message(over).find("redemptions[0].redemptionCount"), std::string::npos)
      << over.body;
  EXPECT_EQ(ledger_.state_hash(), before);
  Reply most = redeem_now(body("many-2", 1000));
  ASSERT_EQ(most.status, http::status::ok) << most.body;
  EXPECT_EQ(std::int64_t(data(most)["redemptions"].at(0)["redemptionCount"]), 1000);
}

TEST_F(RedemptionsTest, BadBodiesAre400NamingTheFieldAndChangeNothing) {
  struct Case { std::string body; std::string field; };
  const Case cases[] = {
      {R"({"customerId":566881933,"redemptions":[{"code":"DQCV73"}]})", "transactionIdentifier"},
      {R"({"customerId":566881933,"transactionIdentifier":"","redemptions":[{"code":"DQCV73"}]})",
       "transactionIdentifier"},
      // Reserved for Altcraft's activate (ledger/activate_key.h).
      {R"({"customerId":566881933,"transactionIdentifier":"altcraft:activate:DQCV73:1",)"
       R"("redemptions":[{"code":"DQCV73"}]})", "transactionIdentifier"},
      {R"({"customerId":566881933,"transactionIdentifier":"t"})", "redemptions"},
      {R"({"customerId":566881933,"transactionIdentifier":"t","redemptions":[]})", "redemptions"},
      {R"({"customerId":566881933,"transactionIdentifier":"t","redemptions":{}})", "redemptions"},
      {R"({"customerId":566881933,"transactionIdentifier":"t","redemptions":[7]})", "redemptions[0]"},
      {R"({"customerId":566881933,"transactionIdentifier":"t","redemptions":[{"mode":"DISCOUNT"}]})",
       "redemptions[0]"},
      {R"({"customerId":566881933,"transactionIdentifier":"t","redemptions":[{"code":"DQCV73",)"
       R"("earnedPromotionId":"0123456789abcdef01234567"}]})", "redemptions[0]"},
      {R"({"customerId":566881933,"transactionIdentifier":"t","redemptions":[{"code":"DQCV73",)"
       R"("mode":"CASH"}]})", "redemptions[0].mode"},
      {R"({"customerId":566881933,"transactionIdentifier":"t","amount":"12",)"
       R"("redemptions":[{"code":"DQCV73"}]})", "amount"},
      {R"({"customerId":566881933,"transactionIdentifier":"t","amount":-1,)"
       R"("redemptions":[{"code":"DQCV73"}]})", "amount"},
      {R"({"customerId":566881933,"transactionIdentifier":"t","transactionDate":"today",)"
       R"("redemptions":[{"code":"DQCV73"}]})", "transactionDate"},
      {R"({"customerId":566881933,"transactionIdentifier":"t","redemptions":[{"code":"DQCV73",)"
       R"("redemptionCount":0}]})", "redemptions[0].redemptionCount"},
      {R"({"customerId":566881933,"transactionIdentifier":"t","redemptions":[{"code":"DQCV73",)"
       R"("discount":1.5}]})", "redemptions[0].discount"},
      {R"({"customerId":566881933,"transactionIdentifier":"t","redemptions":[{"earnedPromotionId":"xyz"}]})",
       "redemptions[0].earnedPromotionId"},
      {R"({"customerId":566881933,"transactionIdentifier":)" "\"" + std::string(129, 't') +
       R"(","redemptions":[{"code":"DQCV73"}]})", "transactionIdentifier"},
  };
  const auto before = ledger_.state_hash();
  for (const Case& c : cases) {
    Reply r = redeem_now(c.body);
    EXPECT_EQ(r.status, http::status::bad_request) << c.body;
    EXPECT_EQ(error_codes(r), std::vector<std::int64_t>{400}) << c.body << " -> " << r.body;
    EXPECT_NE(first_message(r).find(c.field), std::string::npos) << r.body;
  }
  EXPECT_EQ(ledger_.state_hash(), before);
}

TEST_F(RedemptionsTest, TooManyItemsIs400) {
  std::string items;
  for (std::size_t i = 0; i <= ledger_.options().limits.items_per_redemption_max; ++i) {
    items += std::string(i ? "," : "") + R"({"code":"DQCV73"})";
  }
  const auto before = ledger_.state_hash();
  Reply r = redeem_now(R"({"customerId":1,"transactionIdentifier":"t","redemptions":[)" + items +
                       "]}");
  EXPECT_EQ(error_codes(r), std::vector<std::int64_t>{400});
  EXPECT_NE(first_message(r).find("redemptions has more than"), std::string::npos);
  EXPECT_EQ(ledger_.state_hash(), before);
}

// api.md:228-231: a retry is answered the first result "once the retry's body is well-formed:
// a field of the wrong type, more than 20 items or a malformed code (902-905) is refused
// first, as in any request". A replay of such a body would hide the client's bug.
TEST_F(RedemptionsTest, ARetryWithAMalformedBodyIsRefusedNotReplayed) {
  ASSERT_EQ(redeem_now(redeem_body("txn-1", kSeedCode)).status, http::status::ok);
  std::string items;
  for (int i = 0; i < 21; ++i) items += std::string(i ? "," : "") + R"({"code":"DQCV73"})";
  struct Case { std::string body; std::int64_t error; };
  const Case cases[] = {
      {R"({"customerId":566881933,"transactionIdentifier":"txn-1","amount":"2500",)"
       R"("redemptions":[{"code":"DQCV73"}]})", 400},
      {R"({"customerId":566881933,"transactionIdentifier":"txn-1","redemptions":[)" + items + "]}",
       400},
      {redeem_body("txn-1", "AB-CD1"), 902},
      {redeem_body("txn-1", "ABC"), 903},
      {redeem_body("txn-1", std::string(40, 'Q')), 904},
      {redeem_body("txn-1", "dqcv73"), 905},
  };
  const auto before = ledger_.state_hash();
  for (const Case& c : cases) {
    Reply r = redeem_now(c.body);
    EXPECT_EQ(error_codes(r), std::vector<std::int64_t>{c.error}) << c.body << " -> " << r.body;
    for (const auto& [name, value] : r.headers) EXPECT_NE(name, "Idempotent-Replayed") << c.body;
  }
  EXPECT_EQ(ledger_.state_hash(), before);
}

// api.md:72-75: a code's text in a JSON body is read up to 1 024 bytes; a longer one is a
// wrong field (400 naming it) "that fails the whole call ... before any code is judged": the
// valid item before it is not redeemed, and a malformed code before it is not what answers.
TEST_F(RedemptionsTest, ACodeTextOver1024BytesIs400NamingTheItemAndRedeemsNothing) {
  const auto before = ledger_.state_hash();
  for (std::string_view first : {"DQCV73", "dq-cv7"}) {
    Reply r = redeem_now(R"({"customerId":566881933,"transactionIdentifier":"long-1",)"
                         R"("redemptions":[{"code":")" + std::string(first) + R"("},{"code":")" +
                         std::string(1025, 'Q') + R"("}]})");
    EXPECT_EQ(error_codes(r), std::vector<std::int64_t>{400})
        << first << ": " << r.body.substr(0, 300);
    EXPECT_EQ(first_message(r), "redemptions[1].code is longer than 1024 bytes") << first;
  }
  EXPECT_EQ(ledger_.state_hash(), before);
  // At 1 024 bytes the text is read, and judged a code: 904, longer than 39.
  Reply at_limit = redeem_now(redeem_body("long-2", std::string(1024, 'Q')));
  EXPECT_EQ(error_codes(at_limit), std::vector<std::int64_t>{904}) << at_limit.body.substr(0, 300);
  EXPECT_EQ(ledger_.state_hash(), before);
}

TEST_F(RedemptionsTest, HistoryListsRedemptionsPerCode) {
  ASSERT_EQ(redeem_now(redeem_body("txn-1", kSeedCode)).status, http::status::ok);
  Reply r = history("?codes=DQCV73,THIRD01,NOSUCH&mode=DISCOUNT");
  ASSERT_EQ(r.status, http::status::ok) << r.body;
  dom::array rows = data(r).get_array();
  ASSERT_EQ(rows.size(), 1u);
  dom::element row = rows.at(0);
  EXPECT_EQ(std::string_view(row["id"]).size(), 24u);
  EXPECT_EQ(std::int64_t(row["orgId"]), static_cast<std::int64_t>(kOrgA));
  EXPECT_EQ(std::string_view(row["promotionId"]), promotion_);
  EXPECT_EQ(std::int64_t(row["customerId"]), static_cast<std::int64_t>(kCustomer));
  EXPECT_EQ(std::int64_t(row["redemptionDate"]), kNow);
  EXPECT_EQ(std::string_view(row["redemptionDateISO"]), "2025-11-11T06:05:49Z");
  EXPECT_EQ(std::string_view(row["transactionIdentifier"]), "txn-1");
  EXPECT_EQ(std::string_view(row["transactionNumber"]), "N-txn-1");
  EXPECT_EQ(std::string_view(row["promotionName"]), "code_linked promotion");
  EXPECT_EQ(std::string_view(row["promoCode"]), kSeedCode);
  EXPECT_EQ(std::int64_t(row["discount"]), 250);
  EXPECT_EQ(error_codes(r), std::vector<std::int64_t>{1001});
  EXPECT_NE(first_message(r).find("NOSUCH"), std::string::npos);
}

// A history row is its code's: its own promotion's id and name, its own discount, one row a
// redemption. A redemption spanning two promotions showed the first item's name on every row;
// a code named twice showed two rows with the first item's discount; the same text in both
// modes showed the other mode's item (probe 32b).
TEST_F(RedemptionsTest, HistoryRowsAreTheCodesOwnInARedemptionOfSeveralItems) {
  const std::string multi = make_code_promotion({"MULTI01"}, R"("perCodeRedemptionLimit":3)", "multi");
  const std::string other = make_code_promotion({"OTHER01"}, {}, "other");
  ledger::Op op = setup_op();
  ledger::PromotionSpec voucher;
  voucher.name = "voucher";
  voucher.mode = ledger::Mode::kPaymentVoucher;
  auto pv = ledger_.create_promotion(op, voucher);
  ASSERT_TRUE(pv.ok()) << pv.status().message();
  const std::string both[] = {"OTHER01"};
  ASSERT_TRUE(ledger_.import_codes(op, pv->id, both, {}).ok());
  Reply r = redeem_now(R"({"customerId":566881933,"transactionIdentifier":"multi-1","amount":100,)"
                       R"("redemptions":[{"code":"MULTI01","discount":5},{"code":"OTHER01","discount":2},)"
                       R"({"code":"MULTI01","discount":7},)"
                       R"({"code":"OTHER01","mode":"PAYMENT_VOUCHER","discount":9}]})");
  ASSERT_EQ(r.status, http::status::ok) << r.body;
  const auto only_row = [&](std::string_view query) {
    Reply h = history(query);
    EXPECT_EQ(h.status, http::status::ok) << h.body;
    dom::array rows = data(h).get_array();
    EXPECT_EQ(rows.size(), 1u) << h.body;
    return std::string(h.body);
  };
  const std::string multi_row = only_row("?codes=MULTI01&mode=DISCOUNT");
  EXPECT_NE(multi_row.find(R"("promotionId":")" + multi + "\""), std::string::npos) << multi_row;
  EXPECT_NE(multi_row.find(R"("promotionName":"multi")"), std::string::npos) << multi_row;
  EXPECT_NE(multi_row.find(R"("discount":12)"), std::string::npos) << multi_row;
  const std::string other_row = only_row("?codes=OTHER01&mode=DISCOUNT");
  EXPECT_NE(other_row.find(R"("promotionId":")" + other + "\""), std::string::npos) << other_row;
  EXPECT_NE(other_row.find(R"("promotionName":"other")"), std::string::npos) << other_row;
  EXPECT_NE(other_row.find(R"("discount":2,)"), std::string::npos) << other_row;
  const std::string voucher_row = only_row("?codes=OTHER01&mode=PAYMENT_VOUCHER");
  EXPECT_NE(voucher_row.find(R"("promotionId":")" + pv->id.hex() + "\""), std::string::npos) << voucher_row;
  EXPECT_NE(voucher_row.find(R"("promotionName":"voucher")"), std::string::npos) << voucher_row;
  EXPECT_NE(voucher_row.find(R"("discount":9,)"), std::string::npos) << voucher_row;
  Reply looked_up = call(&get_codes, http::verb::get,
                         "/api_gateway/v1/promotions/code?codes=MULTI01&mode=DISCOUNT&includeRedemptions=true");
  ASSERT_EQ(looked_up.status, http::status::ok) << looked_up.body;
  EXPECT_EQ(data(looked_up).at(0)["redemptions"].get_array().size(), 1u) << looked_up.body;
  EXPECT_NE(looked_up.body.find(R"("promotionName":"multi","promoCode":"MULTI01","discount":12)"),
            std::string::npos)
      << looked_up.body;
}

TEST_F(RedemptionsTest, HistoryRequestErrorsAre400) {
  EXPECT_EQ(error_codes(history("?codes=DQCV73")), std::vector<std::int64_t>{400});
  EXPECT_EQ(error_codes(history("?mode=DISCOUNT")), std::vector<std::int64_t>{400});
  EXPECT_EQ(error_codes(history("?codes=abcdef&mode=DISCOUNT")), std::vector<std::int64_t>{905});
  EXPECT_EQ(error_codes(history("?codes=DQCV73&mode=CASH")), std::vector<std::int64_t>{400});
  std::string many = "?mode=DISCOUNT&codes=";
  for (std::size_t i = 0; i <= ledger_.options().limits.codes_per_call_max; ++i) many += "ABCDEF,";
  EXPECT_EQ(error_codes(history(many)), std::vector<std::int64_t>{400});
}

// As for Get codes: each malformed code is its own error, after the ones that are found.
TEST_F(RedemptionsTest, HistoryAnswersMalformedCodesPerCode) {
  ASSERT_EQ(redeem_now(redeem_body("txn-1", kSeedCode)).status, http::status::ok);
  const std::string too_long(40, 'Z');
  Reply r = history("?codes=AB-CD1,DQCV73,ABC," + too_long + ",abcdef&mode=DISCOUNT");
  ASSERT_EQ(r.status, http::status::ok) << r.body;
  EXPECT_EQ(data(r).get_array().size(), 1u);
  EXPECT_EQ(error_codes(r), (std::vector<std::int64_t>{902, 903, 904, 905})) << r.body;
  struct Case { std::string code; std::int64_t error; };
  for (const Case& c : {Case{"AB-CD1", 902}, Case{"ABC", 903}, Case{too_long, 904}}) {
    Reply alone = history("?codes=" + c.code + "&mode=DISCOUNT");
    EXPECT_EQ(error_codes(alone), std::vector<std::int64_t>{c.error}) << alone.body;
    EXPECT_NE(first_message(alone).find(c.code), std::string::npos) << alone.body;
  }
}

// api.md:74-75 (history errors are those of Get codes): a code over 1 024 bytes in the
// query is 904 for that record.
TEST_F(RedemptionsTest, HistoryOfACodeOver1024BytesIs904ForThatRecord) {
  ASSERT_EQ(redeem_now(redeem_body("txn-1", kSeedCode)).status, http::status::ok);
  Reply r = history("?codes=DQCV73," + std::string(1025, 'Z') + "&mode=DISCOUNT");
  ASSERT_EQ(r.status, http::status::ok) << r.body.substr(0, 300);
  EXPECT_EQ(data(r).get_array().size(), 1u);
  EXPECT_EQ(error_codes(r), std::vector<std::int64_t>{904}) << r.body.substr(0, 300);
}

TEST_F(RedemptionsTest, HistoryAcceptsTheCodeAliasAlongsideCodes) {
  ASSERT_EQ(redeem_now(redeem_body("txn-1", kSeedCode)).status, http::status::ok);
  ASSERT_EQ(redeem_now(redeem_body("txn-2", "SECOND1")).status, http::status::ok);
  Reply one = history("?code=DQCV73&mode=DISCOUNT");
  ASSERT_EQ(one.status, http::status::ok) << one.body;
  ASSERT_EQ(data(one).get_array().size(), 1u);
  EXPECT_EQ(std::string_view(data(one).at(0)["promoCode"]), kSeedCode);
  Reply both = history("?code=DQCV73&codes=SECOND1&mode=DISCOUNT");
  ASSERT_EQ(both.status, http::status::ok) << both.body;
  EXPECT_EQ(data(both).get_array().size(), 2u);
}

TEST_F(RedemptionsTest, ReverseGivesTheUseBack) {
  ASSERT_EQ(redeem_now(redeem_body("txn-1", kSeedCode)).status, http::status::ok);
  Reply r = call(&reverse_redemption, http::verb::post, kReverse,
                 R"({"customerId":566881933,"transactionIdentifier":"txn-1"})");
  ASSERT_EQ(r.status, http::status::ok) << r.body;
  EXPECT_TRUE(bool(data(r)["reversed"]));
  EXPECT_TRUE(is_iso_utc(std::string_view(data(r)["reversedOnISO"])));
  Reply again = redeem_now(redeem_body("txn-2", kSeedCode));
  EXPECT_EQ(again.status, http::status::ok) << again.body;
}

TEST_F(RedemptionsTest, ReverseErrors) {
  Reply unknown = call(&reverse_redemption, http::verb::post, kReverse,
                       R"({"customerId":566881933,"transactionIdentifier":"nope"})");
  EXPECT_EQ(unknown.status, http::status::not_found) << unknown.body;
  EXPECT_EQ(error_codes(unknown), std::vector<std::int64_t>{404});
  EXPECT_EQ(error_codes(call(&reverse_redemption, http::verb::post, kReverse,
                             R"({"customerId":566881933})")),
            std::vector<std::int64_t>{400});
  EXPECT_EQ(error_codes(call(&reverse_redemption, http::verb::post, kReverse,
                             R"({"customerId":0,"transactionIdentifier":"t"})")),
            std::vector<std::int64_t>{1006});
}

TEST_F(RedemptionsTest, ReverseOfAnEmptyOrWronglyTypedTransactionIs400) {
  for (std::string_view body : {R"({"customerId":566881933,"transactionIdentifier":""})",
                                R"({"customerId":566881933,"transactionIdentifier":7})",
                                R"({"customerId":"566881933","transactionIdentifier":null})"}) {
    EXPECT_EQ(error_codes(reverse(body)), std::vector<std::int64_t>{400}) << body;
  }
}

TEST_F(RedemptionsTest, ReversingAnAlreadyReversedRedemptionIs400AndChangesNothing) {
  ASSERT_EQ(redeem_now(redeem_body("txn-1", kSeedCode)).status, http::status::ok);
  const std::string body = R"({"customerId":566881933,"transactionIdentifier":"txn-1"})";
  ASSERT_EQ(reverse(body).status, http::status::ok);
  const auto before = ledger_.state_hash();
  Reply again = reverse(body);
  EXPECT_EQ(error_codes(again), std::vector<std::int64_t>{400}) << again.body;
  EXPECT_NE(first_message(again).find("already been reversed"), std::string::npos);
  EXPECT_EQ(ledger_.state_hash(), before);
}

TEST_F(RedemptionsTest, OtherOrganisationCannotRedeemSeeOrReverse) {
  ASSERT_EQ(redeem_now(redeem_body("txn-1", "SECOND1")).status, http::status::ok);
  add_customers(&caller_b_);
  const auto before = ledger_.state_hash();
  Reply r = call_b(&redeem, http::verb::post, kRedeem, redeem_body("txn-b", kSeedCode));
  EXPECT_EQ(error_codes(r), std::vector<std::int64_t>{1001}) << r.body;
  Reply h = call_b(&redemption_history, http::verb::get,
                   std::string(kRedeem) + "?codes=SECOND1&mode=DISCOUNT");
  EXPECT_EQ(error_codes(h), std::vector<std::int64_t>{1001}) << h.body;
  Reply rev = call_b(&reverse_redemption, http::verb::post, kReverse,
                     R"({"customerId":566881933,"transactionIdentifier":"txn-1"})");
  EXPECT_NE(rev.status, http::status::ok) << rev.body;
  EXPECT_EQ(ledger_.state_hash(), before);
}

// Storage failed (sticky WAL failure): every mutation is refused with 503, reads still answer.
class StorageFailureTest : public CapillaryTest {
 protected:
  StorageFailureTest() : CapillaryTest(ledger::LedgerOptions{}, &sink_) {}
  void SetUp() override {
    CapillaryTest::SetUp();
    add_customers();
    make_code_promotion({kSeedCode});
    sink_.healthy = false;
  }
  void TearDown() override { sink_.healthy = true; }
  static inline codeledger::testing::BrokenSink sink_;
};

TEST_F(StorageFailureTest, MutationsAre503AndChangeNothingWhileReadsAreServed) {
  const auto before = ledger_.state_hash();
  Reply redeemed = call(&redeem, http::verb::post, kRedeem, redeem_body("txn-1", kSeedCode));
  EXPECT_EQ(error_codes(redeemed), std::vector<std::int64_t>{503}) << redeemed.body;
  Reply linked = call(&link_code, http::verb::post, "/x",
                      R"({"customerId":566881933,"code":"DQCV73","mode":"DISCOUNT"})");
  EXPECT_EQ(error_codes(linked), std::vector<std::int64_t>{503}) << linked.body;
  Reply created = call(&create_promotion, http::verb::post, "/x", R"({"name":"new","mode":"DISCOUNT"})");
  EXPECT_EQ(error_codes(created), std::vector<std::int64_t>{503}) << created.body;
  EXPECT_EQ(ledger_.state_hash(), before);
  Reply got = call(&get_codes, http::verb::get, "/x?codes=DQCV73&mode=DISCOUNT");
  EXPECT_EQ(got.status, http::status::ok) << got.body;
}

}  // namespace
}  // namespace codeledger::server::capillary::testing
