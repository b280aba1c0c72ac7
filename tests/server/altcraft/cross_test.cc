// One ledger, two organisations, two dialects: org B's token never reaches org A's data (no
// method sees or changes A's codes and programs), a code attached through Altcraft is the code
// Capillary sees linked (and the reverse), and every Altcraft mutation is an event recorded
// with the Altcraft dialect.
#include <mutex>
#include <string>
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

// B's token names B's program 1 and B's profiles: A's attached AAA111 is "not found" there,
// and A's profile is not a profile of B's database.
TEST_F(CrossOrgTest, DetachCannotReachAnotherOrganisationsCode) {
  link("AAA111", kCustomer1);
  const auto before = ledger_->state_hash();
  Answer mine = answer(call(&detach, json(R"("db_id":1,"loyalty_id":1,"profile_id":"prof-b1","code":"AAA111")", kTokenB)));
  EXPECT_EQ(mine.error, 404);
  EXPECT_EQ(mine.error_text, "promo code 'AAA111' not found in loyalty program 1");
  Answer theirs = answer(call(&detach, json(R"("db_id":1,"loyalty_id":1,"profile_id":"prof-1","code":"AAA111")", kTokenB)));
  EXPECT_EQ(theirs.error, 404);
  EXPECT_EQ(theirs.error_text, "no profile with profile_id 'prof-1' in database 1");
  EXPECT_EQ(ledger_->state_hash(), before);
  EXPECT_EQ(code_view("AAA111").customer, kCustomer1);
}

TEST_F(CrossOrgTest, ActivateCannotRedeemAnotherOrganisationsCode) {
  link("AAA111", kCustomer1);
  make_program(kOrgA, {"ONLYA1"});  // A's program 2; B has none
  link("ONLYA1", kCustomer1);
  const auto before = ledger_->state_hash();
  Answer same_number = answer(call(&activate, json(R"("loyalty_id":1,"code":"AAA111")", kTokenB)));
  EXPECT_EQ(same_number.error, 404);
  EXPECT_EQ(same_number.error_text, "promo code 'AAA111' not found in loyalty program 1");
  Answer a_only = answer(call(&activate, json(R"("loyalty_id":2,"code":"ONLYA1")", kTokenB)));
  EXPECT_EQ(a_only.error, 404);
  EXPECT_EQ(a_only.error_text, "loyalty program 2 not found");
  EXPECT_EQ(ledger_->state_hash(), before);
  EXPECT_EQ(code_view("AAA111").redemption_count, 0u);
  EXPECT_EQ(code_view("ONLYA1").redemption_count, 0u);
}

TEST_F(CrossOrgTest, UpdateCannotChangeAnotherOrganisationsCode) {
  make_program(kOrgA, {"ONLYA1"});
  const ledger::CodeView was = code_view("AAA111");
  const auto before = ledger_->state_hash();
  Answer same_number = answer(call(
      &update, json(R"("loyalty_id":1,"code":"AAA111","activated":false,"expire_date":"2026-08-25T08:00:00Z")",
                    kTokenB)));
  EXPECT_EQ(same_number.error, 404);
  EXPECT_EQ(same_number.error_text, "promo code 'AAA111' not found in loyalty program 1");
  Answer a_only = answer(call(&update, json(R"("loyalty_id":2,"code":"ONLYA1","activated":false)", kTokenB)));
  EXPECT_EQ(a_only.error, 404);
  EXPECT_EQ(a_only.error_text, "loyalty program 2 not found");
  EXPECT_EQ(ledger_->state_hash(), before);
  EXPECT_TRUE(code_view("AAA111").active);
  EXPECT_EQ(code_view("AAA111").valid_till_ms, was.valid_till_ms);
  EXPECT_TRUE(code_view("ONLYA1").active);
}

TEST_F(CrossOrgTest, ImportCannotAddToAnotherOrganisationsProgram) {
  make_program(kOrgA, {"ONLYA1"});
  const auto before = ledger_->state_hash();
  Answer a_only = answer(call(&import_codes, json(R"("loyalty_id":2,"codes":["BNEW01"])", kTokenB)));
  EXPECT_EQ(a_only.error, 404);
  EXPECT_EQ(a_only.error_text, "loyalty program 2 not found");
  EXPECT_EQ(ledger_->state_hash(), before);
  // A's AAA111 is invisible to B: B's import adds B's own copy, not a 409 revealing A's.
  Reply r = call(&import_codes, json(R"("loyalty_id":1,"codes":["AAA111"])", kTokenB));
  ASSERT_EQ(error(r), 0) << r.body;
  EXPECT_EQ(std::int64_t(parse(r)["inserted"]), 1);
  EXPECT_EQ(code_view("AAA111", kOrgB).promotion_id, program_id(kOrgB, 1));
  EXPECT_EQ(code_view("AAA111").promotion_id, program_id(kOrgA, 1));
  ledger::Op op = admin_op(kOrgA);
  const std::string b_code[] = {"BNEW01"};
  EXPECT_FALSE(ledger_->get_codes(op, ledger::Mode::kDiscount, b_code, false)[0].ok());
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

// An externalId is the profile_id Altcraft matches on, so it names one customer: a Capillary
// upsert giving it to a second customer is refused, and matching still finds the first.
TEST_F(CrossDialectTest, UpsertGivingAnotherCustomerTheProfileIdIsRefusedAndMatchingKeepsTheHolder) {
  Reply refused = capillary(&capillary::upsert_customers, http::verb::post,
                            "/api_gateway/v1/customers/bulk",
                            R"([{"customerId":6,"externalId":"prof-1"}])", {});
  EXPECT_EQ(refused.status, http::status::conflict) << refused.body;
  EXPECT_NE(refused.body.find("already belongs to customer 566881933"), std::string::npos)
      << refused.body;
  ASSERT_EQ(error(call(&attach, json(R"("db_id":1,"loyalty_id":1,"profile_id":"prof-1","code":"AAA111")"))), 0);
  EXPECT_EQ(code_view("AAA111").customer, kCustomer1);
  // The holder's own re-upsert keeps working and keeps the match.
  Reply again = capillary(&capillary::upsert_customers, http::verb::post,
                          "/api_gateway/v1/customers/bulk",
                          R"([{"customerId":566881933,"externalId":"prof-1","email":"x@example.com"}])", {});
  EXPECT_EQ(again.status, http::status::ok) << again.body;
  ASSERT_EQ(error(call(&detach, json(R"("db_id":1,"loyalty_id":1,"profile_id":"prof-1","code":"AAA111")"))), 0);
  EXPECT_EQ(code_view("AAA111").customer, 0u);
}

// Transaction identifiers "altcraft:activate:CODE:N" are Altcraft activate's (ledger
// activate_key.h). Capillary's redeem took any name before the prefix was reserved, so logs
// and snapshots may hold redemptions named so with any N: activates must go on past them.
// These set such old data up directly in the ledger, as replaying an old log would; through
// the API, Capillary's redeem now refuses the prefix and changes nothing.
class ActivateKeyPrefixTest : public CrossDialectTest {
 protected:
  void SetUp() override {
    CrossDialectTest::SetUp();
    multi_ = std::to_string(make_program(kOrgA, {"MULTI9"}, /*per_code_max=*/0));
    link("MULTI9", kCustomer1);
  }
  Reply capillary_redeem(std::string_view txn, std::string_view code = "MULTI9") {
    return capillary(&capillary::redeem, http::verb::post, "/api_gateway/v1/promotions/redemptions",
                     R"({"customerId":566881933,"transactionIdentifier":")" + std::string(txn) +
                         R"(","amount":2500,"redemptions":[{"code":")" + std::string(code) +
                         R"(","mode":"DISCOUNT","discount":250}]})",
                     {});
  }
  // Capillary's answer to a redeem under the reserved prefix: 400 naming the field.
  void expect_prefix_refused(const Reply& r) {
    EXPECT_EQ(r.status, http::status::bad_request) << r.body;
    dom::element error;
    ASSERT_EQ(parse(r)["errors"].at(0).get(error), simdjson::SUCCESS) << r.body;
    EXPECT_EQ(std::int64_t(error["code"]), 400) << r.body;
    EXPECT_EQ(std::string_view(error["message"]),
              "transactionIdentifier must not start with 'altcraft:activate:': that prefix is "
              "reserved for Altcraft's activate") << r.body;
  }
  Reply activate_multi() {
    return call(&activate, json(R"("loyalty_id":)" + multi_ + R"(,"code":"MULTI9")"));
  }
  // The transaction identifiers of MULTI9's history, oldest first.
  std::vector<std::string> keys() {
    ledger::Op op = admin_op(kOrgA);
    const std::string codes[] = {"MULTI9"};
    auto history = ledger_->redemption_history(op, ledger::Mode::kDiscount, codes);
    std::vector<std::string> out;
    if (history.size() == 1 && history[0].ok()) {
      for (const ledger::RedemptionView& r : *history[0]) out.push_back(r.transaction_identifier);
    }
    return out;
  }
  // Activates MULTI9 `count` times; each must succeed.
  void activate_times(int count) {
    for (int i = 0; i < count; ++i) {
      const Reply r = activate_multi();
      ASSERT_EQ(error(r), 0) << "activate " << i + 1 << ": " << r.body;
    }
  }
  std::string multi_;  // MULTI9's loyalty_id: a program without a per-code limit
};

// Named altcraft:activate:CODE:2^64-1 (old data), it made the next activate's number wrap past
// 2^64 to 0, 1, ... until, 16 keys held, every activate of the code was refused. A number
// above 10^18 (ledger kActivateUseMax) counts as no activate: activates number on after the
// code's uses.
TEST_F(ActivateKeyPrefixTest, ActivatesGoOnAfterAnOldRedemptionNamedActivateUse2To64Minus1) {
  redeem("MULTI9", kCustomer1, "altcraft:activate:MULTI9:18446744073709551615");
  // More activates than redeem_next_use's 16 attempts: each held key cost one before.
  constexpr int kActivates = 20;
  activate_times(kActivates);
  std::vector<std::string> expected = {"altcraft:activate:MULTI9:18446744073709551615"};
  for (int i = 0; i < kActivates; ++i) {
    expected.push_back("altcraft:activate:MULTI9:" + std::to_string(i + 2));  // after the named use
  }
  const Reply got = call(&get_code, json(R"("loyalty_id":)" + multi_ + R"(,"code":"MULTI9")"));
  ASSERT_EQ(error(got), 0) << got.body;
  dom::element d = data(got);
  EXPECT_TRUE(bool(d["is_activated"]));
  EXPECT_EQ(std::string_view(d["activated"]), "2025-11-11T06:05:49Z");
  EXPECT_EQ(code_view("MULTI9").redemption_count, kActivates + 1u);
  EXPECT_EQ(keys(), expected);
}

// Up to 10^18 an old named number counts, and activates follow it; an activate never claims a
// number above it (the ledger would not count it, so the next activate would walk the same
// held keys again): it is refused, 1004, and nothing is redeemed.
TEST_F(ActivateKeyPrefixTest, ActivateIsRefusedPastTheHighestCountedNumberOfOldData) {
  redeem("MULTI9", kCustomer1, "altcraft:activate:MULTI9:999999999999999999");
  activate_times(1);
  EXPECT_EQ(keys().back(), "altcraft:activate:MULTI9:1000000000000000000");
  const Answer refused = answer(activate_multi());
  EXPECT_EQ(refused.error, 1004);
  EXPECT_EQ(refused.error_text,
            "promo code 'MULTI9' has no activate number left: one of its redemptions is named "
            "altcraft:activate:MULTI9:N with N near 10^18, the highest number counted");
  EXPECT_EQ(code_view("MULTI9").redemption_count, 2u);
}

TEST_F(ActivateKeyPrefixTest, CapillaryRedeemNamedAsAnActivateIsRefusedAndChangesNothing) {
  const auto before = ledger_->state_hash();
  expect_prefix_refused(capillary_redeem("altcraft:activate:MULTI9:1"));
  EXPECT_EQ(ledger_->state_hash(), before);
  EXPECT_EQ(code_view("MULTI9").redemption_count, 0u);
  activate_times(2);
  EXPECT_EQ(keys(), (std::vector<std::string>{"altcraft:activate:MULTI9:1",
                                              "altcraft:activate:MULTI9:2"}));
  // Held by an activate now, the name is refused all the same, not answered as a replay.
  const auto activated = ledger_->state_hash();
  const Reply again = capillary_redeem("altcraft:activate:MULTI9:1");
  expect_prefix_refused(again);
  for (const auto& [name, value] : again.headers) EXPECT_NE(name, "Idempotent-Replayed");
  EXPECT_EQ(ledger_->state_hash(), activated);
}

// Only new redemptions are refused: one named so that exists already (an activate's, or an old
// log's) is read with Capillary's history and reversed with Capillary's reverse as any other.
TEST_F(ActivateKeyPrefixTest, CapillaryReadsAndReversesAnActivatesRedemption) {
  activate_times(1);
  QueryParams q;
  q.add("codes", "MULTI9");
  q.add("mode", "DISCOUNT");
  const Reply history = capillary(&capillary::redemption_history, http::verb::get,
                                  "/api_gateway/v1/promotions/redemptions?codes=MULTI9&mode=DISCOUNT",
                                  {}, q);
  ASSERT_EQ(history.status, http::status::ok) << history.body;
  EXPECT_EQ(std::string_view(data(history).at(0)["transactionIdentifier"]),
            "altcraft:activate:MULTI9:1");
  const Reply reversed = capillary(
      &capillary::reverse_redemption, http::verb::post, "/api_gateway/v1/promotions/redemptions/reverse",
      R"({"customerId":566881933,"transactionIdentifier":"altcraft:activate:MULTI9:1"})", {});
  ASSERT_EQ(reversed.status, http::status::ok) << reversed.body;
  EXPECT_TRUE(bool(data(reversed)["reversed"]));
  EXPECT_EQ(code_view("MULTI9").redemption_count, 0u);
  activate_times(1);  // the reversed use keeps its number
  EXPECT_EQ(keys().back(), "altcraft:activate:MULTI9:2");
}

// The first lockout, tried through the API: a redemption named with the highest counted
// number left the code no activate number (1004 for good). It is refused now.
TEST_F(ActivateKeyPrefixTest, TheHighestActivateNumberCannotBeNamedThroughCapillary) {
  expect_prefix_refused(capillary_redeem("altcraft:activate:MULTI9:999999999999999999"));
  activate_times(2);
  EXPECT_EQ(keys(), (std::vector<std::string>{"altcraft:activate:MULTI9:1",
                                              "altcraft:activate:MULTI9:2"}));
}

// The second lockout, tried through the API: 17 redemptions of another code holding the
// code's next activate keys made every activate walk into held keys and answer "being
// activated concurrently". They are refused now.
TEST_F(ActivateKeyPrefixTest, TheNextActivateKeysCannotBeHeldThroughCapillary) {
  make_program(kOrgA, {"OTHER9"}, /*per_code_max=*/0);
  for (int use = 1; use <= 17; ++use) {
    expect_prefix_refused(capillary_redeem("altcraft:activate:MULTI9:" + std::to_string(use), "OTHER9"));
  }
  EXPECT_EQ(code_view("OTHER9").redemption_count, 0u);
  activate_times(1);
  EXPECT_EQ(keys(), std::vector<std::string>{"altcraft:activate:MULTI9:1"});
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
