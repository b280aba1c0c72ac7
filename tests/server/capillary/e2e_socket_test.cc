// The seeds' examples end to end over real sockets: the HTTP engineer's server on
// 127.0.0.1 (ephemeral port) serving capillary_routes(), Basic auth, two organisations.
#include <gtest/gtest.h>
#include <simdjson.h>

#include "server/capillary/routes.h"
#include "tests/support/test_server.h"

namespace codeledger::server::capillary {
namespace {

using codeledger::testing::HttpClient;
using codeledger::testing::HttpResponse;
using codeledger::testing::kAliceRo;
using codeledger::testing::kAliceRw;
using codeledger::testing::kBobRw;
using codeledger::testing::TestServer;
namespace dom = simdjson::dom;

class SeedsOverSockets : public ::testing::Test {
 protected:
  void SetUp() override {
    alice_.set_default_headers(TestServer::auth_headers(kAliceRw));
    bob_.set_default_headers(TestServer::auth_headers(kBobRw));
    HttpResponse created = alice_.post("/api_gateway/v1/promotions",
                                       R"({"name":"code_linked promotion","mode":"DISCOUNT"})");
    ASSERT_EQ(created.result_int(), 200u) << created.body();
    code_promotion_ = std::string(std::string_view(json(created)["data"]["id"]));
    HttpResponse imported = alice_.post("/api_gateway/v1/promotions/" + code_promotion_ + "/codes",
                                        R"({"codes":["DQCV73","888590"]})");
    ASSERT_EQ(imported.result_int(), 200u) << imported.body();
  }

  dom::element json(const HttpResponse& r) {
    body_ = r.body();
    dom::element root;
    EXPECT_EQ(parser_.parse(body_).get(root), simdjson::SUCCESS) << r.body();
    return root;
  }
  std::int64_t first_error(const HttpResponse& r) {
    dom::array errors;
    if (json(r)["errors"].get(errors) != simdjson::SUCCESS || errors.size() == 0) return 0;
    return std::int64_t(errors.at(0)["code"]);
  }

  TestServer server_{capillary_routes()};
  HttpClient alice_ = server_.client();
  HttpClient bob_ = server_.client();
  std::string code_promotion_;
  dom::parser parser_;
  std::string body_;
};

TEST_F(SeedsOverSockets, Seed000LinkThenSeed002Get) {
  HttpResponse linked = alice_.post("/api_gateway/v1/promotions/code/link",
                                    "{\n  \"customerId\": 566881933,\n  \"code\": \"DQCV73\",\n"
                                    "  \"mode\": \"DISCOUNT\"\n}");
  ASSERT_EQ(linked.result_int(), 200u) << linked.body();
  EXPECT_EQ(linked[boost::beast::http::field::content_type], "application/json");
  dom::element d = json(linked)["data"];
  EXPECT_EQ(std::string_view(d["code"]), "DQCV73");
  EXPECT_EQ(std::int64_t(d["customerId"]), 566881933);
  EXPECT_EQ(std::int64_t(d["orgId"]), static_cast<std::int64_t>(codeledger::testing::kOrgA));
  EXPECT_EQ(std::string_view(d["promotionId"]), code_promotion_);
  const std::string_view created_iso(d["createdOnISO"]);
  EXPECT_EQ(created_iso.size(), 20u);
  EXPECT_EQ(created_iso.back(), 'Z');

  HttpResponse got = alice_.get("/api_gateway/v1/promotions/code?codes=DQCV73&mode=DISCOUNT",
                                {{"Accept", "application/json"}});
  ASSERT_EQ(got.result_int(), 200u) << got.body();
  dom::array records = json(got)["data"].get_array();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(std::int64_t(records.at(0)["customerId"]), 566881933);
}

TEST_F(SeedsOverSockets, Seed003IssueBulk) {
  HttpResponse created = alice_.post("/api_gateway/v1/promotions",
                                     R"({"name":"issuable","mode":"DISCOUNT","kind":"ISSUABLE"})");
  const std::string id(std::string_view(json(created)["data"]["id"]));
  HttpResponse issued = alice_.post(
      "/api_gateway/v1/promotions/" + id + "/issueBulk?contextId=68fb1c9731d91c625a8d9e80",
      "[\n  566881933, 566135941\n]");
  ASSERT_EQ(issued.result_int(), 200u) << issued.body();
  dom::element rec = json(issued)["data"]["566135941"];
  EXPECT_EQ(std::string_view(rec["earnedFromId"]), "68fb1c9731d91c625a8d9e80");
  EXPECT_EQ(std::string_view(rec["promotionId"]), id);
  EXPECT_TRUE(rec["eventTime"].is_int64());
}

TEST_F(SeedsOverSockets, RedeemTwiceWithOneTransactionAnswersTheFirstResult) {
  const std::string body = R"({"customerId":"566881933","transactionIdentifier":"pos-1",)"
                           R"("amount":1000,"redemptions":[{"code":"888590","mode":"DISCOUNT"}]})";
  HttpResponse first = alice_.post("/api_gateway/v1/promotions/redemptions", body);
  ASSERT_EQ(first.result_int(), 200u) << first.body();
  const std::string id(std::string_view(json(first)["data"]["id"]));
  HttpResponse again = alice_.post("/api_gateway/v1/promotions/redemptions", body);
  ASSERT_EQ(again.result_int(), 200u) << again.body();
  EXPECT_EQ(std::string_view(json(again)["data"]["id"]), id);
  EXPECT_EQ(again["Idempotent-Replayed"], "true");
}

TEST_F(SeedsOverSockets, OtherOrganisationGets1001AndKolkataTime) {
  HttpResponse got = bob_.get("/api_gateway/v1/promotions/code?codes=DQCV73&mode=DISCOUNT");
  EXPECT_EQ(got.result_int(), 400u) << got.body();
  EXPECT_EQ(first_error(got), 1001);
  HttpResponse own = bob_.post("/api_gateway/v1/promotions", R"({"name":"b","mode":"DISCOUNT"})");
  ASSERT_EQ(own.result_int(), 200u) << own.body();
  const std::string_view iso(json(own)["data"]["createdOnISO"]);
  EXPECT_EQ(iso.substr(iso.size() - 6), "+05:30");
}

TEST_F(SeedsOverSockets, LiteralRoutesWinOverPromotionIdAndScopesAreEnforced) {
  HttpResponse no_mode = alice_.get("/api_gateway/v1/promotions/code?codes=DQCV73");
  EXPECT_EQ(no_mode.result_int(), 400u);
  EXPECT_NE(no_mode.body().find("mode is required"), std::string::npos) << no_mode.body();
  HttpClient reader = server_.client();
  reader.set_default_headers(TestServer::auth_headers(kAliceRo));
  HttpResponse refused = reader.post("/api_gateway/v1/promotions/code/link",
                                     R"({"customerId":1,"code":"DQCV73","mode":"DISCOUNT"})");
  EXPECT_EQ(refused.result_int(), 403u) << refused.body();
  EXPECT_NE(refused.body().find("API key 'alice-ro' lacks the write scope this endpoint needs"),
            std::string::npos)
      << refused.body();
  HttpResponse allowed = reader.get("/api_gateway/v1/promotions/code?codes=DQCV73&mode=DISCOUNT");
  EXPECT_EQ(allowed.result_int(), 200u) << allowed.body();
}

}  // namespace
}  // namespace codeledger::server::capillary
