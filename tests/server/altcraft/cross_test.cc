// One ledger, two organisations, two dialects: org B's token never reaches org A's data, a
// code attached through Altcraft is the code Capillary sees linked (and the reverse), and
// every Altcraft mutation is an event recorded with the Altcraft dialect.
#include <mutex>
#include <vector>

#include "fixture.h"
#include "server/capillary/handlers.h"

namespace codeledger::server::altcraft::testing {
namespace {

using CrossOrgTest = AltcraftTest;

TEST_F(CrossOrgTest, AnotherOrganisationsProgramNumberNamesItsOwnProgram) {
  // Both organisations have a loyalty program 1: B's token gets B's, never A's codes.
  EXPECT_EQ(error(call(&get_code, json(R"("loyalty_id":1,"code":"AAA111")", kTokenB))), 404);
  EXPECT_EQ(error(call(&get_code, json(R"("loyalty_id":1,"code":"BBB111")", kTokenB))), 0);
  EXPECT_EQ(error(call(&get_code, json(R"("loyalty_id":1,"code":"BBB111")"))), 404);
}

TEST_F(CrossOrgTest, AnotherOrganisationsLoyaltyIdIsUnknown) {
  make_program(kOrgA, {"ONLYA1"});  // A's program 2; B has none
  Answer a = answer(call(&export_all, json(R"("loyalty_id":2)", kTokenB)));
  EXPECT_EQ(a.error, 404);
  EXPECT_EQ(a.error_text, "loyalty program 2 not found");
}

TEST_F(CrossOrgTest, AnotherOrganisationsProfilesAreNotMatched) {
  Answer a = answer(call(&attach, json(R"("db_id":1,"loyalty_id":1,"profile_id":"prof-1")", kTokenB)));
  EXPECT_EQ(a.error, 404);
  EXPECT_EQ(a.error_text, "no profile with profile_id 'prof-1' in database 1");
  EXPECT_EQ(code_view("BBB111", kOrgB).customer, 0u);
}

TEST_F(CrossOrgTest, AttachingAnotherOrganisationsCodeImportsAnIndependentCopy) {
  // AAA111 exists in A; in B it is unknown, so B's attach imports its own AAA111.
  Reply r = call(&attach, json(R"("db_id":1,"loyalty_id":1,"profile_id":"prof-b1","code":"AAA111")",
                               kTokenB));
  EXPECT_EQ(error(r), 0) << r.body;
  EXPECT_EQ(code_view("AAA111", kOrgB).customer, kCustomer1);
  EXPECT_EQ(code_view("AAA111", kOrgA).customer, 0u);
}

TEST_F(CrossOrgTest, ExportAllShowsOnlyTheCallersCodes) {
  Reply r = call(&export_all, json(R"("loyalty_id":1)", kTokenB));
  ASSERT_EQ(error(r), 0) << r.body;
  dom::array items = data(r).get_array();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(std::string_view(items.at(0)["code"]), "BBB111");
}

class CrossDialectTest : public AltcraftTest {
 protected:
  Reply capillary(Handler h, http::verb verb, std::string_view target, std::string_view body,
                  QueryParams query) {
    HttpRequest req{verb, std::string(target), 11};
    req.set(http::field::content_type, "application/json");
    req.body() = std::string(body);
    req.prepare_payload();
    PathParams path;
    const Caller caller{kOrgA, "cap-key", 7};
    RequestContext ctx{req, caller, query, path, *ledger_, now_, nullptr};
    return h(ctx);
  }
};

TEST_F(CrossDialectTest, AttachedThroughAltcraftIsLinkedForCapillary) {
  ASSERT_EQ(error(call(&attach, json(R"("db_id":1,"loyalty_id":1,"profile_id":"prof-2","code":"AAA222")"))), 0);
  QueryParams q;
  q.add("codes", "AAA222");
  q.add("mode", "DISCOUNT");
  Reply r = capillary(&capillary::get_codes, http::verb::get,
                      "/api_gateway/v1/promotions/code?codes=AAA222&mode=DISCOUNT", {}, q);
  ASSERT_EQ(r.status, http::status::ok) << r.body;
  dom::element record = data(r).at(0);
  EXPECT_EQ(std::string_view(record["code"]), "AAA222");
  EXPECT_EQ(std::int64_t(record["customerId"]), static_cast<std::int64_t>(kCustomer2));
}

TEST_F(CrossDialectTest, LinkedThroughCapillaryIsAttachedForAltcraft) {
  Reply linked = capillary(&capillary::link_code, http::verb::post,
                           "/api_gateway/v1/promotions/code/link",
                           R"({"customerId": 566881933, "code": "AAA333", "mode": "DISCOUNT"})", {});
  ASSERT_EQ(linked.status, http::status::ok) << linked.body;
  Reply r = call(&get_code, json(R"("loyalty_id":1,"code":"AAA333")"));
  ASSERT_EQ(error(r), 0) << r.body;
  dom::element d = data(r);
  EXPECT_TRUE(bool(d["is_attached"]));
  EXPECT_EQ(std::string_view(d["profile_id"]), "prof-1");
  // And Altcraft's detach frees it for Capillary's next link.
  EXPECT_EQ(error(call(&detach, json(R"("db_id":1,"loyalty_id":1,"profile_id":"prof-1","code":"AAA333")"))), 0);
  EXPECT_EQ(code_view("AAA333").customer, 0u);
}

// Records every staged event's header.
class RecordingSink final : public ledger::EventSink {
 public:
  Status stage(ledger::Event& e) override {
    std::lock_guard lock(mu);
    e.header.lsn = ++lsn;
    headers.push_back(e.header);
    return Status::Ok();
  }
  std::mutex mu;
  ledger::Lsn lsn = 0;
  std::vector<ledger::EventHeader> headers;
};

class DialectEventsTest : public AltcraftTest {
 protected:
  DialectEventsTest() : AltcraftTest(ledger::LedgerOptions{}, &sink_) {}
  RecordingSink sink_;
};

TEST_F(DialectEventsTest, EveryAltcraftMutationIsAnEventOfTheAltcraftDialect) {
  const std::size_t setup_events = sink_.headers.size();
  ASSERT_EQ(error(call(&import_codes, json(R"("loyalty_id":1,"codes":["EVT001"])"))), 0);
  ASSERT_EQ(error(call(&attach, json(R"("db_id":1,"loyalty_id":1,"profile_id":"prof-1","code":"EVT001")"))), 0);
  ASSERT_EQ(error(call(&attach, json(R"("db_id":1,"loyalty_id":1,"profile_id":"prof-2","code":"EVT002")"))), 0);
  ASSERT_EQ(error(call(&activate, json(R"("loyalty_id":1,"code":"EVT001")"))), 0);
  ASSERT_EQ(error(call(&update, json(R"("loyalty_id":1,"code":"EVT002","activated":false)"))), 0);
  ASSERT_EQ(error(call(&detach, json(R"("db_id":1,"loyalty_id":1,"profile_id":"prof-2","code":"EVT002")"))), 0);
  ASSERT_EQ(error(call(&attach, json(R"("db_id":1,"loyalty_id":1,"profile_id":"prof-2")"))), 0);
  // import, link, import+link, redeem, update, unlink, pool link.
  ASSERT_EQ(sink_.headers.size() - setup_events, 8u);
  for (std::size_t i = setup_events; i < sink_.headers.size(); ++i) {
    EXPECT_EQ(sink_.headers[i].dialect, ledger::Dialect::kAltcraft) << i;
    EXPECT_EQ(sink_.headers[i].api_key, "key-a") << i;
    EXPECT_EQ(sink_.headers[i].org, kOrgA) << i;
  }
}

}  // namespace
}  // namespace codeledger::server::altcraft::testing
