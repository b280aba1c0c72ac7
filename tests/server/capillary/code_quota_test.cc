// An organisation's codes_max through the Capillary code import and generate: past it the
// call is 400 with error 413 naming the limit, and nothing is added; another organisation
// is not held back.
#include "fixture.h"

namespace codeledger::server::capillary::testing {
namespace {

class CodeQuotaTest : public CapillaryTest {
 protected:
  // Org A may hold `room` codes more than it holds now.
  void leave_room(std::uint64_t room) {
    ledger::OrgSettings s = *ledger_.org_settings(kOrgA);
    s.codes_max = held() + room;
    ASSERT_TRUE(ledger_.configure_org(kOrgA, s).ok());
  }
  std::uint64_t held(ledger::OrgId org = kOrgA) {
    for (const ledger::OrgStats& s : ledger_.stats()) {
      if (s.org == org) return s.codes;
    }
    return 0;
  }
  Reply post(Handler h, const std::string& id, std::string_view suffix, std::string_view body,
             const Caller* caller = nullptr) {
    return call(h, http::verb::post, "/api_gateway/v1/promotions/" + id + std::string(suffix),
                body, {{"promotionId", id}}, caller);
  }
  void expect_refused_whole(const Reply& r) {
    EXPECT_EQ(r.status, http::status::bad_request) << r.body;
    EXPECT_EQ(error_codes(r), std::vector<std::int64_t>{413}) << r.body;
    EXPECT_NE(first_message(r).find("past codes_max"), std::string::npos) << r.body;
  }
};

TEST_F(CodeQuotaTest, AnImportPastCodesMaxIs413AndImportsNothing) {
  const std::string id = make_code_promotion({"EXIST1"});
  leave_room(2);
  const auto before = ledger_.state_hash();
  expect_refused_whole(post(&import_codes, id, "/codes", R"({"codes":["NEW001","NEW002","NEW003"]})"));
  EXPECT_EQ(ledger_.state_hash(), before);
  Reply fits = post(&import_codes, id, "/codes", R"({"codes":["NEW001","NEW002"]})");
  ASSERT_EQ(fits.status, http::status::ok) << fits.body;
  EXPECT_EQ(std::int64_t(data(fits)["imported"]), 2);
}

TEST_F(CodeQuotaTest, AGeneratePastCodesMaxIs413AndGeneratesNothing) {
  const std::string id = make_code_promotion({"EXIST1"});
  leave_room(50);
  const auto before = ledger_.state_hash();
  expect_refused_whole(post(&generate_codes, id, "/codes/generate", R"({"count":51,"seed":1})"));
  EXPECT_EQ(ledger_.state_hash(), before);
  Reply fits = post(&generate_codes, id, "/codes/generate", R"({"count":50,"seed":1})");
  ASSERT_EQ(fits.status, http::status::ok) << fits.body;
  EXPECT_EQ(std::int64_t(data(fits)["generated"]), 50);
}

TEST_F(CodeQuotaTest, AFullOrganisationDoesNotHoldBackAnother) {
  const std::string id = make_code_promotion({"EXIST1"});
  leave_room(0);
  expect_refused_whole(post(&import_codes, id, "/codes", R"({"codes":["NEW001"]})"));
  Reply created = call_b(&create_promotion, http::verb::post, "/api_gateway/v1/promotions",
                         R"({"name":"b","mode":"DISCOUNT"})");
  ASSERT_EQ(created.status, http::status::ok) << created.body;
  const std::string b_id(std::string_view(data(created)["id"]));
  Reply imported = post(&import_codes, b_id, "/codes", R"({"codes":["NEW001"]})", &caller_b_);
  EXPECT_EQ(imported.status, http::status::ok) << imported.body;
}

}  // namespace
}  // namespace codeledger::server::capillary::testing
