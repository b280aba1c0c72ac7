// Seed 000 (link) and seed 002 (get codes): the examples, their fields and every error.
#include "fixture.h"

namespace codeledger::server::capillary::testing {
namespace {

constexpr std::string_view kLink = "/api_gateway/v1/promotions/code/link";
constexpr std::string_view kGet = "/api_gateway/v1/promotions/code";

std::string link_body(std::string_view customer, std::string_view code,
                      std::string_view mode = "DISCOUNT") {
  return "{\"customerId\":" + std::string(customer) + ",\"code\":\"" + std::string(code) +
         "\",\"mode\":\"" + std::string(mode) + "\"}";
}

class CodesTest : public CapillaryTest {
 protected:
  void SetUp() override {
    CapillaryTest::SetUp();
    add_customers();
    promotion_ = make_code_promotion({kSeedCode, "OTHER1", "USED01"});
  }
  Reply link(std::string_view body) { return call(&link_code, http::verb::post, kLink, body); }
  std::string promotion_;
};

void expect_seed_code_record(dom::element d, std::string_view promotion, bool linked) {
  EXPECT_EQ(std::string_view(d["id"]).size(), 24u);
  EXPECT_EQ(std::int64_t(d["orgId"]), static_cast<std::int64_t>(kOrgA));
  EXPECT_EQ(std::string_view(d["promotionId"]), promotion);
  EXPECT_EQ(std::string_view(d["promotionName"]), "code_linked promotion");
  EXPECT_EQ(std::string_view(d["code"]), kSeedCode);
  if (linked) {
    EXPECT_EQ(std::int64_t(d["customerId"]), static_cast<std::int64_t>(kCustomer));
  } else {
    EXPECT_EQ(d["customerId"].error(), simdjson::NO_SUCH_FIELD);
  }
  EXPECT_TRUE(bool(d["active"]));
  EXPECT_TRUE(d["createdOn"].is_int64());
  EXPECT_EQ(std::int64_t(d["createdOn"]), kNow);
  EXPECT_EQ(std::string_view(d["createdOnISO"]), "2025-11-11T06:05:49Z");
  EXPECT_EQ(std::int64_t(d["validTill"]), kValidTill);
  EXPECT_EQ(std::string_view(d["validTillISO"]), "2025-12-31T18:29:59Z");
  EXPECT_EQ(std::string_view(d["mode"]), "DISCOUNT");
  EXPECT_TRUE(d["redeemableFrom"].is_int64());
  EXPECT_TRUE(is_iso_utc(std::string_view(d["redeemableFromISO"])));
}

TEST_F(CodesTest, SeedLinkExampleReturnsTheDocumentedRecord) {
  Reply r = link(R"({"customerId": 566881933, "code": "DQCV73", "mode": "DISCOUNT"})");
  ASSERT_EQ(r.status, http::status::ok) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  expect_seed_code_record(data(r), promotion_, true);
  EXPECT_TRUE(error_codes(r).empty());
  EXPECT_GT(r.await_lsn, 0u);
}

TEST_F(CodesTest, LinkAcceptsCustomerIdAsNumericString) {
  Reply r = link(link_body("\"566881933\"", kSeedCode));
  ASSERT_EQ(r.status, http::status::ok) << r.body;
  EXPECT_EQ(std::int64_t(data(r)["customerId"]), static_cast<std::int64_t>(kCustomer));
}

TEST_F(CodesTest, LinkingTheSameCustomerAgainIsIdempotent) {
  ASSERT_EQ(link(link_body("566881933", kSeedCode)).status, http::status::ok);
  const auto before = ledger_.state_hash();
  Reply again = link(link_body("566881933", kSeedCode));
  EXPECT_EQ(again.status, http::status::ok) << again.body;
  EXPECT_EQ(ledger_.state_hash(), before);
}

TEST_F(CodesTest, LinkErrorsCarryTheDocumentedCodes) {
  struct Case { std::string body; int code; };
  const Case cases[] = {
      {link_body("566881933", "NOSUCH"), 1001},
      {link_body("0", kSeedCode), 1006},
      {link_body("-5", kSeedCode), 1006},
      {link_body("\"abc\"", kSeedCode), 1006},
      {link_body("null", kSeedCode), 1006},
      {link_body("1.5", kSeedCode), 1006},
      // api.md:61-62: a decimal point or an exponent is 1006 even for a whole number.
      {link_body("566881933.0", kSeedCode), 1006},
      {link_body("5.66881933e8", kSeedCode), 1006},
      {link_body("566881933", "DQ-V73"), 902},
      {link_body("566881933", "DQCV7"), 903},
      {link_body("566881933", std::string(40, 'A')), 904},
      {link_body("566881933", "dqcv73"), 905},
      {R"({"code":"DQCV73","mode":"DISCOUNT"})", 400},
      {R"({"customerId":566881933,"mode":"DISCOUNT"})", 400},
      {R"({"customerId":566881933,"code":"DQCV73"})", 400},
      {R"({"customerId":566881933,"code":"DQCV73","mode":"CASH"})", 400},
      {R"({"customerId":566881933,"code":12,"mode":"DISCOUNT"})", 400},
      {R"({"customerId":true,"code":"DQCV73","mode":"DISCOUNT"})", 400},
      {R"({"customerId":{},"code":"DQCV73","mode":"DISCOUNT"})", 400},
  };
  const auto before = ledger_.state_hash();
  for (const Case& c : cases) {
    Reply r = link(c.body);
    EXPECT_EQ(r.status, http::status::bad_request) << c.body << " -> " << r.body;
    ASSERT_EQ(error_codes(r), std::vector<std::int64_t>{c.code}) << c.body << " -> " << r.body;
  }
  EXPECT_EQ(ledger_.state_hash(), before);
}

TEST_F(CodesTest, LinkErrorMessagesNameTheField) {
  EXPECT_NE(first_message(link(R"({"code":"DQCV73","mode":"DISCOUNT"})")).find("customerId"),
            std::string::npos);
  EXPECT_NE(first_message(link(link_body("0", kSeedCode))).find("customerId"), std::string::npos);
  EXPECT_NE(first_message(link(R"({"customerId":1,"code":[],"mode":"DISCOUNT"})")).find("code"),
            std::string::npos);
  EXPECT_NE(first_message(link(link_body("566881933", "NOSUCH"))).find("NOSUCH"),
            std::string::npos);
}

// about() prefixes the code to a message that does not name it; "" named nothing and
// left the message starting with ": ".
TEST_F(CodesTest, LinkOfAnEmptyCodeIs903WithoutALeadingColon) {
  Reply r = link(link_body("566881933", ""));
  EXPECT_EQ(error_codes(r), std::vector<std::int64_t>{903}) << r.body;
  EXPECT_EQ(first_message(r), "code '' is shorter than 6 characters");
}

TEST_F(CodesTest, LinkToAnotherCustomerIs1005) {
  ASSERT_EQ(link(link_body("566881933", kSeedCode)).status, http::status::ok);
  const auto before = ledger_.state_hash();
  Reply r = link(link_body("566135941", kSeedCode));
  EXPECT_EQ(error_codes(r), std::vector<std::int64_t>{1005}) << r.body;
  EXPECT_EQ(ledger_.state_hash(), before);
}

// api.md:102-103: a refusal, too, waits until the state it reveals is durable. A 1005 tells
// that the code is linked, a 1004 that it was redeemed: each waits for that link's or
// redemption's LSN.
TEST_F(CodesTest, ALinkRefusalWaitsForTheStateItReveals) {
  Reply linked = link(link_body("566881933", kSeedCode));
  ASSERT_EQ(linked.status, http::status::ok) << linked.body;
  ASSERT_GT(linked.await_lsn, 0u);
  Reply taken = link(link_body("566135941", kSeedCode));
  ASSERT_EQ(error_codes(taken), std::vector<std::int64_t>{1005}) << taken.body;
  EXPECT_GE(taken.await_lsn, linked.await_lsn);

  Reply redeemed = call(&redeem, http::verb::post, "/api_gateway/v1/promotions/redemptions",
                        R"({"customerId":566881933,"transactionIdentifier":"t-1",)"
                        R"("redemptions":[{"code":"USED01","mode":"DISCOUNT"}]})");
  ASSERT_EQ(redeemed.status, http::status::ok) << redeemed.body;
  ASSERT_GT(redeemed.await_lsn, linked.await_lsn);  // so the check below tells them apart
  Reply used = link(link_body("566135941", "USED01"));
  ASSERT_EQ(error_codes(used), std::vector<std::int64_t>{1004}) << used.body;
  EXPECT_GE(used.await_lsn, redeemed.await_lsn);
}

// api.md:72-75: a code's text in a JSON body is read up to 1 024 bytes; a longer one is a
// wrong field, 400 naming it, not a 904 quoting a kilobyte back. At 1 024 it is read and
// judged as a code (904).
TEST_F(CodesTest, LinkOfACodeTextOver1024BytesIs400NamingTheField) {
  const auto before = ledger_.state_hash();
  Reply over = link(link_body("566881933", std::string(1025, 'A')));
  EXPECT_EQ(error_codes(over), std::vector<std::int64_t>{400}) << over.body.substr(0, 300);
  EXPECT_EQ(first_message(over), "code is longer than 1024 bytes");
  Reply at_limit = link(link_body("566881933", std::string(1024, 'A')));
  EXPECT_EQ(error_codes(at_limit), std::vector<std::int64_t>{904}) << at_limit.body.substr(0, 300);
  EXPECT_EQ(ledger_.state_hash(), before);
}

// api.md:74-75: in a query (`codes=`) a code over 1 024 bytes is 904 for that record; the
// other codes are answered.
TEST_F(CodesTest, GetOfACodeOver1024BytesIs904ForThatRecord) {
  const std::string huge(2000, 'Z');
  Reply r = call(&get_codes, http::verb::get,
                 std::string(kGet) + "?codes=DQCV73," + huge + "&mode=DISCOUNT");
  ASSERT_EQ(r.status, http::status::ok) << r.body.substr(0, 300);
  ASSERT_EQ(data(r).get_array().size(), 1u);
  EXPECT_EQ(std::string_view(data(r).at(0)["code"]), kSeedCode);
  EXPECT_EQ(error_codes(r), std::vector<std::int64_t>{904}) << r.body.substr(0, 300);
  Reply alone =
      call(&get_codes, http::verb::get, std::string(kGet) + "?codes=" + huge + "&mode=DISCOUNT");
  EXPECT_EQ(error_codes(alone), std::vector<std::int64_t>{904}) << alone.body.substr(0, 300);
}

TEST_F(CodesTest, LinkExpiredCodeIs1002) {
  now_ = kValidTill + 1;
  Reply r = link(link_body("566881933", kSeedCode));
  EXPECT_EQ(error_codes(r), std::vector<std::int64_t>{1002}) << r.body;
}

TEST_F(CodesTest, LinkRedeemedCodeIs1004) {
  Reply redeemed = call(&redeem, http::verb::post, "/api_gateway/v1/promotions/redemptions",
                        R"({"customerId":566881933,"transactionIdentifier":"t-1",)"
                        R"("redemptions":[{"code":"USED01","mode":"DISCOUNT"}]})");
  ASSERT_EQ(redeemed.status, http::status::ok) << redeemed.body;
  Reply r = link(link_body("566135941", "USED01"));
  EXPECT_EQ(error_codes(r), std::vector<std::int64_t>{1004}) << r.body;
}

TEST_F(CodesTest, LinkOfAnInactiveCodeOrACodeOfAnInactivePromotionIs1001) {
  ledger::Op op = setup_op();
  ASSERT_TRUE(ledger_.update_code(op, ledger::Mode::kDiscount, "OTHER1", std::nullopt, false).ok());
  const auto before = ledger_.state_hash();
  EXPECT_EQ(error_codes(link(link_body("566881933", "OTHER1"))), std::vector<std::int64_t>{1001});
  EXPECT_EQ(ledger_.state_hash(), before);
  ASSERT_NO_FATAL_FAILURE(deactivate(promotion_));
  const auto deactivated = ledger_.state_hash();
  Reply r = link(link_body("566881933", kSeedCode));
  EXPECT_EQ(error_codes(r), std::vector<std::int64_t>{1001}) << r.body;
  EXPECT_EQ(ledger_.state_hash(), deactivated);
}

TEST_F(CodesTest, LinkWithWrongModeDoesNotFindTheCode) {
  Reply r = link(link_body("566881933", kSeedCode, "PAYMENT_VOUCHER"));
  EXPECT_EQ(error_codes(r), std::vector<std::int64_t>{1001}) << r.body;
}

TEST_F(CodesTest, MalformedBodiesAre400AndChangeNothing) {
  const auto before = ledger_.state_hash();
  for (std::string_view body : {"", "{", "[1,2]", "\"x\"", R"({"customerId":1,})",
                                R"({"customerId":566881933,"customerId":1,"code":"DQCV73","mode":"DISCOUNT"})"}) {
    Reply r = link(body);
    EXPECT_EQ(r.status, http::status::bad_request) << body;
    EXPECT_EQ(error_codes(r), std::vector<std::int64_t>{400}) << body << " -> " << r.body;
  }
  EXPECT_NE(first_message(link("[1]")).find("request body must be an object"), std::string::npos);
  EXPECT_EQ(ledger_.state_hash(), before);
}

// Conventions: nesting deeper than 8 levels or an object of more than 256 members is 400;
// at them (unknown fields are ignored) the link goes through.
TEST_F(CodesTest, BodiesDeeperThan8LevelsOrWiderThan256MembersAre400) {
  const auto body = [](std::size_t arrays, std::size_t extra_members) {
    std::string b = R"({"customerId":566881933,"code":"DQCV73","mode":"DISCOUNT","x":)" +
                    std::string(arrays, '[') + "1" + std::string(arrays, ']');
    for (std::size_t i = 0; i < extra_members; ++i) b += ",\"k" + std::to_string(i) + "\":1";
    return b + "}";
  };
  const auto before = ledger_.state_hash();
  Reply deep = link(body(8, 0));  // the object and 8 arrays: 9 levels
  EXPECT_EQ(error_codes(deep), std::vector<std::int64_t>{400}) << deep.body;
  EXPECT_NE(first_message(deep).find("depth_max"), std::string::npos);
  Reply wide = link(body(0, 253));  // 257 members
  EXPECT_EQ(error_codes(wide), std::vector<std::int64_t>{400}) << wide.body;
  EXPECT_NE(first_message(wide).find("object_members_max"), std::string::npos);
  EXPECT_EQ(ledger_.state_hash(), before);
  Reply within = link(body(7, 252));  // 8 levels, 256 members: both at their limit
  EXPECT_EQ(within.status, http::status::ok) << within.body;
}

TEST_F(CodesTest, SeedGetExampleReturnsAnArrayOfRecords) {
  ASSERT_EQ(link(link_body("566881933", kSeedCode)).status, http::status::ok);
  Reply r = call(&get_codes, http::verb::get, std::string(kGet) + "?codes=DQCV73&mode=DISCOUNT");
  ASSERT_EQ(r.status, http::status::ok) << r.body;
  dom::array arr = data(r).get_array();
  ASSERT_EQ(arr.size(), 1u);
  expect_seed_code_record(arr.at(0), promotion_, true);
  EXPECT_TRUE(error_codes(r).empty());
}

TEST_F(CodesTest, GetOmitsCustomerIdWhileUnlinked) {
  Reply r = call(&get_codes, http::verb::get, std::string(kGet) + "?codes=DQCV73&mode=DISCOUNT");
  ASSERT_EQ(r.status, http::status::ok) << r.body;
  expect_seed_code_record(data(r).at(0), promotion_, false);
}

TEST_F(CodesTest, GetManyCodesReportsUnknownOnesPerRecord) {
  Reply r = call(&get_codes, http::verb::get,
                 std::string(kGet) + "?codes=DQCV73,NOSUCH&codes=OTHER1&codes=bad-1&mode=DISCOUNT");
  ASSERT_EQ(r.status, http::status::ok) << r.body;
  dom::array arr = data(r).get_array();
  ASSERT_EQ(arr.size(), 2u);
  EXPECT_EQ(std::string_view(arr.at(0)["code"]), "DQCV73");
  EXPECT_EQ(std::string_view(arr.at(1)["code"]), "OTHER1");
  EXPECT_EQ(error_codes(r), (std::vector<std::int64_t>{1001, 902}));
  EXPECT_NE(first_message(r).find("NOSUCH"), std::string::npos);
}

TEST_F(CodesTest, GetValidationErrorsPerCode) {
  Reply r = call(&get_codes, http::verb::get,
                 std::string(kGet) + "?codes=AB-CD1,ABC," + std::string(40, 'Z') + ",abcdef&mode=DISCOUNT");
  EXPECT_EQ(r.status, http::status::bad_request) << r.body;
  EXPECT_EQ(error_codes(r), (std::vector<std::int64_t>{902, 903, 904, 905}));
  EXPECT_EQ(data(r).get_array().size(), 0u);
}

TEST_F(CodesTest, GetOnlyUnknownCodeAnswersItsError) {
  Reply r = call(&get_codes, http::verb::get, std::string(kGet) + "?codes=NOSUCH&mode=DISCOUNT");
  EXPECT_EQ(r.status, http::status::bad_request);
  EXPECT_EQ(error_codes(r), std::vector<std::int64_t>{1001});
}

TEST_F(CodesTest, GetRequestErrorsAre400) {
  for (std::string q : {"?codes=DQCV73", "?codes=DQCV73&mode=CASH", "?mode=DISCOUNT",
                        "?codes=,,&mode=DISCOUNT",
                        "?codes=DQCV73&mode=DISCOUNT&includeRedemptions=maybe"}) {
    Reply r = call(&get_codes, http::verb::get, std::string(kGet) + q);
    EXPECT_EQ(r.status, http::status::bad_request) << q;
    EXPECT_EQ(error_codes(r), std::vector<std::int64_t>{400}) << q << " -> " << r.body;
  }
}

// A single-valued parameter given twice was read by its first value (probe 32); a proxy in
// front may read the last. codes= may repeat: the lists add up.
TEST_F(CodesTest, ASingleValuedQueryParameterGivenTwiceIs400) {
  for (std::string q : {"?codes=DQCV73&mode=DISCOUNT&mode=PAYMENT_VOUCHER",
                        "?codes=DQCV73&mode=DISCOUNT&includeRedemptions=false&includeRedemptions=true"}) {
    Reply r = call(&get_codes, http::verb::get, std::string(kGet) + q);
    EXPECT_EQ(r.status, http::status::bad_request) << q;
    EXPECT_NE(first_message(r).find("is given more than once"), std::string::npos) << r.body;
  }
  Reply both = call(&get_codes, http::verb::get, std::string(kGet) + "?codes=DQCV73&codes=USED01&mode=DISCOUNT");
  EXPECT_EQ(both.status, http::status::ok) << both.body;
}

// Spaces around a code are dropped (codes=A, B); a tab is part of the code, and malformed.
TEST_F(CodesTest, SpacesAroundACodeAreIgnoredButATabIsMalformed) {
  Reply spaced = call(&get_codes, http::verb::get, std::string(kGet) + "?codes=%20DQCV73+&mode=DISCOUNT");
  EXPECT_EQ(spaced.status, http::status::ok) << spaced.body;
  Reply tabbed = call(&get_codes, http::verb::get, std::string(kGet) + "?codes=DQCV73%09&mode=DISCOUNT");
  EXPECT_EQ(tabbed.status, http::status::bad_request) << tabbed.body;
  EXPECT_EQ(error_codes(tabbed), std::vector<std::int64_t>{902}) << tabbed.body;
}

TEST_F(CodesTest, GetTooManyCodesIs400NamingTheLimit) {
  std::string q = std::string(kGet) + "?mode=DISCOUNT&codes=";
  for (std::size_t i = 0; i <= ledger_.options().limits.codes_per_call_max; ++i) q += "ABCDEF,";
  Reply r = call(&get_codes, http::verb::get, q);
  EXPECT_EQ(r.status, http::status::bad_request);
  EXPECT_EQ(error_codes(r), std::vector<std::int64_t>{400});
  EXPECT_NE(first_message(r).find("codes"), std::string::npos);
}

TEST_F(CodesTest, GetWithRedemptionsListsThem) {
  Reply redeemed = call(&redeem, http::verb::post, "/api_gateway/v1/promotions/redemptions",
                        R"({"customerId":566881933,"transactionIdentifier":"t-9",)"
                        R"("transactionNumber":"N9","amount":1000,)"
                        R"("redemptions":[{"code":"USED01","mode":"DISCOUNT","discount":150}]})");
  ASSERT_EQ(redeemed.status, http::status::ok) << redeemed.body;
  Reply r = call(&get_codes, http::verb::get,
                 std::string(kGet) + "?codes=USED01&mode=DISCOUNT&includeRedemptions=true");
  ASSERT_EQ(r.status, http::status::ok) << r.body;
  dom::element rec = data(r).at(0);
  EXPECT_EQ(std::int64_t(rec["redemptionCount"]), 1);
  dom::array history = rec["redemptions"].get_array();
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(std::string_view(history.at(0)["transactionIdentifier"]), "t-9");
  EXPECT_EQ(std::string_view(history.at(0)["promoCode"]), "USED01");
  EXPECT_EQ(std::int64_t(history.at(0)["discount"]), 150);
  Reply plain = call(&get_codes, http::verb::get, std::string(kGet) + "?codes=USED01&mode=DISCOUNT");
  EXPECT_EQ(data(plain).at(0)["redemptions"].error(), simdjson::NO_SUCH_FIELD);
}

TEST_F(CodesTest, KolkataOrganisationSeesPlusFiveThirty) {
  // Org B's own promotion and code: its *ISO fields are in Asia/Kolkata.
  Reply created = call_b(&create_promotion, http::verb::post, "/api_gateway/v1/promotions",
                         R"({"name":"ist","mode":"DISCOUNT","validTill":1767205799999})");
  ASSERT_EQ(created.status, http::status::ok) << created.body;
  const std::string id(std::string_view(data(created)["id"]));
  EXPECT_EQ(std::string_view(data(created)["createdOnISO"]), "2025-11-11T11:35:49+05:30");
  Reply imported = call_b(&import_codes, http::verb::post, "/x", R"({"codes":["ISTCODE1"]})",
                          {{"promotionId", id}});
  ASSERT_EQ(imported.status, http::status::ok) << imported.body;
  add_customers(&caller_b_);
  Reply r = call_b(&link_code, http::verb::post, kLink, link_body("566881933", "ISTCODE1"));
  ASSERT_EQ(r.status, http::status::ok) << r.body;
  dom::element d = data(r);
  EXPECT_EQ(std::string_view(d["createdOnISO"]), "2025-11-11T11:35:49+05:30");
  EXPECT_EQ(std::string_view(d["validTillISO"]), "2025-12-31T23:59:59+05:30");
  EXPECT_TRUE(is_iso_offset(std::string_view(d["redeemableFromISO"]), "+05:30"));
  EXPECT_EQ(std::int64_t(d["orgId"]), static_cast<std::int64_t>(kOrgB));
}

TEST_F(CodesTest, OtherOrganisationNeitherSeesNorLinksTheCodes) {
  add_customers(&caller_b_);
  const auto before = ledger_.state_hash();
  Reply linked = call_b(&link_code, http::verb::post, kLink, link_body("566881933", kSeedCode));
  EXPECT_EQ(error_codes(linked), std::vector<std::int64_t>{1001}) << linked.body;
  Reply got = call_b(&get_codes, http::verb::get, std::string(kGet) + "?codes=DQCV73&mode=DISCOUNT");
  EXPECT_EQ(error_codes(got), std::vector<std::int64_t>{1001}) << got.body;
  EXPECT_EQ(data(got).get_array().size(), 0u);
  EXPECT_EQ(ledger_.state_hash(), before);
  Reply mine = call(&get_codes, http::verb::get, std::string(kGet) + "?codes=DQCV73&mode=DISCOUNT");
  EXPECT_EQ(data(mine).at(0)["customerId"].error(), simdjson::NO_SUCH_FIELD);
}

}  // namespace
}  // namespace codeledger::server::capillary::testing
