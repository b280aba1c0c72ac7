// get, activate and update in both formats, and their errors.
#include "fixture.h"

namespace codeledger::server::altcraft::testing {
namespace {

class CodesTest : public AltcraftTest {
 protected:
  Reply get_json(std::string_view code) {
    return call(&get_code, json(R"("loyalty_id":1,"code":")" + std::string(code) + "\""));
  }
  Reply activate_json(std::string_view code, std::string_view loyalty = "1") {
    return call(&activate, json(R"("loyalty_id":)" + std::string(loyalty) + R"(,"code":")" +
                                std::string(code) + "\""));
  }
};

TEST_F(CodesTest, GetOfAnUnattachedCodeHasAltcraftsFields) {
  Reply r = get_json("AAA111");
  ASSERT_EQ(error(r), 0) << r.body;
  dom::element d = data(r);
  EXPECT_EQ(std::string_view(d["code"]), "AAA111");
  EXPECT_EQ(std::int64_t(d["loyalty_id"]), 1);
  EXPECT_EQ(std::string_view(d["created"]), "2025-11-11T06:05:49Z");
  EXPECT_FALSE(bool(d["is_attached"]));
  EXPECT_FALSE(bool(d["is_activated"]));
  EXPECT_FALSE(bool(d["is_expired"]));
  EXPECT_EQ(std::string_view(d["attached"]), "");
  EXPECT_EQ(std::string_view(d["activated"]), "");
  EXPECT_EQ(std::string_view(d["expired"]), "");
  EXPECT_EQ(std::string_view(d["expire_date"]), "2025-12-31T18:29:59Z");
  EXPECT_EQ(d["profile_id"].error(), simdjson::NO_SUCH_FIELD);
  EXPECT_EQ(d["database_id"].error(), simdjson::NO_SUCH_FIELD);
}

TEST_F(CodesTest, GetOfAnAttachedActivatedCodeNamesTheProfile) {
  link("AAA111", kCustomer1);
  redeem("AAA111", kCustomer1, "direct");
  dom::element d = data(get_json("AAA111"));
  EXPECT_TRUE(bool(d["is_attached"]));
  EXPECT_TRUE(bool(d["is_activated"]));
  EXPECT_EQ(std::string_view(d["activated"]), "2025-11-11T06:05:49Z");
  EXPECT_EQ(std::int64_t(d["database_id"]), 1);
  EXPECT_EQ(std::string_view(d["profile_id"]), "prof-1");
}

TEST_F(CodesTest, GetInXml) {
  link("AAA111", kCustomer1);
  Reply r = call(&get_code, xml("<code>AAA111</code><loyalty_id>1</loyalty_id><format>xml</format>"));
  ASSERT_EQ(error(r), 0) << r.body;
  pugi::xml_node d = xml_data(r);
  EXPECT_STREQ(d.child("code").text().as_string(), "AAA111");
  EXPECT_EQ(d.child("loyalty_id").text().as_int(), 1);
  EXPECT_STREQ(d.child("is_attached").text().as_string(), "true");
  EXPECT_STREQ(d.child("is_activated").text().as_string(), "false");
  EXPECT_STREQ(d.child("profile_id").text().as_string(), "prof-1");
  EXPECT_STREQ(d.child("expire_date").text().as_string(), "2025-12-31T18:29:59Z");
  EXPECT_NE(r.body.find("<activated></activated>"), std::string::npos) << r.body;
}

TEST_F(CodesTest, TimesAreInTheOrganisationsZone) {
  Reply r = call(&get_code, json(R"("loyalty_id":1,"code":"BBB111")", kTokenB));
  ASSERT_EQ(error(r), 0) << r.body;
  EXPECT_EQ(std::string_view(data(r)["created"]), "2025-11-11T11:35:49+05:30");
}

TEST_F(CodesTest, GetOfAnExpiredCodeSaysSo) {
  now_ = kValidTill + 1;
  dom::element d = data(get_json("AAA111"));
  EXPECT_TRUE(bool(d["is_expired"]));
  EXPECT_EQ(std::string_view(d["expired"]), "2025-12-31T18:29:59Z");
}

TEST_F(CodesTest, GetErrors) {
  EXPECT_EQ(answer(get_json("ZZZ999")).error_text, "promo code 'ZZZ999' not found in loyalty program 1");
  EXPECT_EQ(error(get_json("ZZZ999")), 404);
  make_program(kOrgA, {"OTHER1"});
  EXPECT_EQ(error(get_json("OTHER1")), 404);
  EXPECT_EQ(error(call(&get_code, json(R"("loyalty_id":1)"))), 400);
  EXPECT_EQ(error(get_json("bad-code")), 902);
}

TEST_F(CodesTest, ActivateRedeemsAnAttachedCode) {
  link("AAA111", kCustomer1);
  Reply r = activate_json("AAA111");
  EXPECT_EQ(r.body, R"({"data":null,"error":0,"error_text":"Successful operation"})");
  EXPECT_EQ(code_view("AAA111").redemption_count, 1u);
}

// A log from before Capillary's redeem reserved the prefix may hold a redemption of another
// code named "altcraft:activate:AAA111:1" (set up directly in the ledger, as its replay
// would); activate then found its key held and, re-reading the same count, tried the same key
// until it gave up with "being activated concurrently; try again", for good (probe 32c). It
// now moves past a held key, and the next activate does not try it again.
TEST_F(CodesTest, ActivateMovesPastAKeyAnotherRedemptionHolds) {
  link("AAA111", kCustomer1);
  redeem("AAA222", kCustomer1, "altcraft:activate:AAA111:1");
  ASSERT_EQ(error(activate_json("AAA111")), 0);
  EXPECT_EQ(code_view("AAA111").redemption_count, 1u);
  EXPECT_EQ(code_view("AAA222").redemption_count, 1u);  // the other redemption, untouched
}

// What get and activate read from a code's history, pinned so that a cheaper way of reading
// it (probe 36a: both built the whole history on every call) keeps the answers: `activated`
// is the first use that still stands, and activate's use number follows every row of the
// history, reversed uses, other profiles' uses and earlier activate keys included.
class CodeHistoryTest : public CodesTest {
 protected:
  static constexpr ledger::TimeMs kMinute = 60'000;

  void SetUp() override {
    CodesTest::SetUp();
    multi_ = std::to_string(make_program(kOrgA, {"MULTI7"}, /*per_code_max=*/0));
    link("MULTI7", kCustomer1);
  }
  std::string activated() {
    return std::string(std::string_view(
        data(call(&get_code, json(R"("loyalty_id":)" + multi_ + R"(,"code":"MULTI7")")))["activated"]));
  }
  void reverse(ledger::CustomerId customer, std::string_view txn) {
    ledger::Op op = admin_op(kOrgA);
    ASSERT_TRUE(ledger_->reverse_redemption(op, customer, txn).ok()) << txn;
  }
  // The transaction identifiers of the code's history, oldest first.
  std::vector<std::string> keys() {
    ledger::Op op = admin_op(kOrgA);
    const std::string codes[] = {"MULTI7"};
    auto history = ledger_->redemption_history(op, ledger::Mode::kDiscount, codes);
    std::vector<std::string> out;
    if (history.size() == 1 && history[0].ok()) {
      for (const ledger::RedemptionView& r : *history[0]) out.push_back(r.transaction_identifier);
    }
    return out;
  }
  std::string multi_;  // MULTI7's loyalty_id: a program without a per-code limit
};

TEST_F(CodeHistoryTest, ActivatedIsTheFirstUseThatStillStands) {
  redeem("MULTI7", kCustomer1, "first");
  now_ += kMinute;
  redeem("MULTI7", kCustomer1, "second");
  now_ += kMinute;
  redeem("MULTI7", kCustomer1, "third");
  EXPECT_EQ(activated(), "2025-11-11T06:05:49Z");
  reverse(kCustomer1, "first");
  EXPECT_EQ(activated(), "2025-11-11T06:06:49Z");
  reverse(kCustomer1, "second");
  EXPECT_EQ(activated(), "2025-11-11T06:07:49Z");
  reverse(kCustomer1, "third");
  dom::element d = data(call(&get_code, json(R"("loyalty_id":)" + multi_ + R"(,"code":"MULTI7")")));
  EXPECT_FALSE(bool(d["is_activated"]));
  EXPECT_EQ(std::string_view(d["activated"]), "");
}

TEST_F(CodeHistoryTest, ActivateNumbersTheUseAfterEveryRowAndEveryEarlierKey) {
  redeem("MULTI7", kCustomer1, "cap-1");
  redeem("MULTI7", kCustomer1, "cap-2");
  reverse(kCustomer1, "cap-1");  // a reversed use still takes its number
  ASSERT_EQ(error(activate_json("MULTI7", multi_)), 0);
  ASSERT_EQ(error(activate_json("MULTI7", multi_)), 0);
  // A key past the rows, named by a client in an old log: the next activate follows it.
  redeem("MULTI7", kCustomer1, "altcraft:activate:MULTI7:9");
  ASSERT_EQ(error(activate_json("MULTI7", multi_)), 0);
  // Another profile's activate continues the code's numbering: no key is used twice.
  ASSERT_EQ(error(call(&detach, json(R"("db_id":1,"loyalty_id":)" + multi_ +
                                     R"(,"profile_id":"prof-1","code":"MULTI7")"))), 0);
  link("MULTI7", kCustomer2);
  ASSERT_EQ(error(activate_json("MULTI7", multi_)), 0);
  EXPECT_EQ(keys(), (std::vector<std::string>{"cap-1", "cap-2", "altcraft:activate:MULTI7:3",
                                              "altcraft:activate:MULTI7:4", "altcraft:activate:MULTI7:9",
                                              "altcraft:activate:MULTI7:10",
                                              "altcraft:activate:MULTI7:11"}));
  EXPECT_EQ(code_view("MULTI7").redemption_count, 6u);  // seven rows, cap-1 reversed
}

// get and activate read the code's use summary (ledger get_code_uses), which a snapshot load
// rebuilds: reversing the first activation moves `activated` to the next use that stands, a
// restart answers get byte for byte as before, and numbering goes on past every key.
TEST_F(CodeHistoryTest, ReversingTheFirstActivationMovesActivatedAndSurvivesARestart) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(error(activate_json("MULTI7", multi_)), 0);
    now_ += kMinute;
  }
  reverse(kCustomer1, "altcraft:activate:MULTI7:2");
  EXPECT_EQ(activated(), "2025-11-11T06:05:49Z");
  reverse(kCustomer1, "altcraft:activate:MULTI7:1");
  EXPECT_EQ(activated(), "2025-11-11T06:07:49Z");  // the third: the second is reversed too
  const std::string get_body = R"("loyalty_id":)" + multi_ + R"(,"code":"MULTI7")";
  const std::string before = call(&get_code, json(get_body)).body;

  std::string snapshot;
  ledger_->encode_snapshot(snapshot);
  ledger_ = std::make_unique<ledger::Ledger>();
  ledger::OrgSettings b;
  b.time_zone = "Asia/Kolkata";
  ASSERT_TRUE(ledger_->configure_org(kOrgA, {}).ok());
  ASSERT_TRUE(ledger_->configure_org(kOrgB, b).ok());
  ASSERT_TRUE(ledger_->decode_snapshot(snapshot).ok());
  EXPECT_EQ(call(&get_code, json(get_body)).body, before);

  ASSERT_EQ(error(activate_json("MULTI7", multi_)), 0);
  EXPECT_EQ(keys().back(), "altcraft:activate:MULTI7:4");
  EXPECT_EQ(activated(), "2025-11-11T06:07:49Z");
}

// get and activate count every use, past the 10,000 rows a Capillary history answer holds
// (ledger history_rows_max): its bound is on an answer's rows, and these answer none.
TEST_F(CodeHistoryTest, GetAndActivateWorkPastTheRowsOfAHistoryAnswer) {
  constexpr int kRows = 10'001;
  for (int i = 0; i < kRows; ++i) redeem("MULTI7", kCustomer1, "use-" + std::to_string(i));
  EXPECT_EQ(activated(), "2025-11-11T06:05:49Z");
  ASSERT_EQ(error(activate_json("MULTI7", multi_)), 0);
  EXPECT_EQ(code_view("MULTI7").redemption_count, kRows + 1u);
}

TEST_F(CodesTest, ActivateInXml) {
  link("AAA111", kCustomer1);
  Reply r = call(&activate, xml("<code>AAA111</code><loyalty_id>1</loyalty_id><format>xml</format>"));
  Answer a = answer(r);
  EXPECT_TRUE(a.xml);
  EXPECT_EQ(a.error, 0);
  EXPECT_EQ(code_view("AAA111").redemption_count, 1u);
}

TEST_F(CodesTest, ActivatingAnUnattachedCodeIs400) {
  Answer a = answer(activate_json("AAA111"));
  EXPECT_EQ(a.error, 400);
  EXPECT_EQ(a.error_text, "promo code 'AAA111' is not attached to a profile: attach it before activating");
  EXPECT_EQ(code_view("AAA111").redemption_count, 0u);
}

TEST_F(CodesTest, SecondActivationOfASingleUseCodeIs1004) {
  link("AAA111", kCustomer1);
  ASSERT_EQ(error(activate_json("AAA111")), 0);
  EXPECT_EQ(error(activate_json("AAA111")), 1004);
  EXPECT_EQ(code_view("AAA111").redemption_count, 1u);
}

TEST_F(CodesTest, MultiUseCodeIsActivatedOncePerCall) {
  const std::uint32_t n = make_program(kOrgA, {"MULTI1"}, 3);
  link("MULTI1", kCustomer1);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(error(activate_json("MULTI1", std::to_string(n))), 0);
  EXPECT_EQ(error(activate_json("MULTI1", std::to_string(n))), 1004);
  EXPECT_EQ(code_view("MULTI1").redemption_count, 3u);
}

TEST_F(CodesTest, ActivatingAnInactiveOrExpiredCodeIs1001Or1002) {
  link("AAA111", kCustomer1);
  link("AAA222", kCustomer1);
  ledger::Op op = admin_op(kOrgA);
  ASSERT_TRUE(ledger_->update_code(op, ledger::Mode::kDiscount, "AAA111", std::nullopt, false).ok());
  ASSERT_TRUE(ledger_->update_code(op, ledger::Mode::kDiscount, "AAA222", kNow - 1, std::nullopt).ok());
  EXPECT_EQ(error(activate_json("AAA111")), 1001);
  EXPECT_EQ(error(activate_json("AAA222")), 1002);
}

TEST_F(CodesTest, ActivatingACodeOfAnInactiveProgramIs1001AndChangesNothing) {
  link("AAA111", kCustomer1);
  ledger::Op op = admin_op(kOrgA);
  ledger::PromotionPatch off;
  off.active = false;
  ASSERT_TRUE(ledger_->update_promotion(op, program_id(kOrgA, 1), off).ok());
  const auto before = ledger_->state_hash();
  EXPECT_EQ(error(activate_json("AAA111")), 1001);
  EXPECT_EQ(error(call(&attach, json(R"("db_id":1,"loyalty_id":1,"profile_id":"prof-2","code":"AAA222")"))), 1001);
  EXPECT_EQ(ledger_->state_hash(), before);
}

TEST_F(CodesTest, ActivatingACodeNotYetRedeemableIs1002AndChangesNothing) {
  ledger::Op op = admin_op(kOrgA);
  ledger::CodeImportOptions later;
  later.redeemable_from_ms = kNow + 60'000;
  const std::string codes[] = {"LATER1"};
  ASSERT_TRUE(ledger_->import_codes(op, program_id(kOrgA, 1), codes, later).ok());
  link("LATER1", kCustomer1);
  const auto before = ledger_->state_hash();
  Answer a = answer(activate_json("LATER1"));
  EXPECT_EQ(a.error, 1002);
  EXPECT_NE(a.error_text.find("not yet redeemable"), std::string::npos) << a.error_text;
  EXPECT_EQ(ledger_->state_hash(), before);
}

TEST_F(CodesTest, PerCustomerLimitIs1009) {
  ledger::Op op = admin_op(kOrgA);
  ledger::PromotionPatch patch;
  patch.per_customer_redemptions_max = 1;
  ASSERT_TRUE(ledger_->update_promotion(op, program_id(kOrgA, 1), patch).ok());
  link("AAA111", kCustomer1);
  link("AAA222", kCustomer1);
  ASSERT_EQ(error(activate_json("AAA111")), 0);
  EXPECT_EQ(error(activate_json("AAA222")), 1009);
}

TEST_F(CodesTest, CartEvaluationOrganisationRefusesActivationWith1008) {
  ledger::OrgSettings s;
  s.strategy = ledger::RedemptionStrategy::kWithCartEvaluation;
  ASSERT_TRUE(ledger_->configure_org(kOrgA, s).ok());
  link("AAA111", kCustomer1);
  EXPECT_EQ(error(activate_json("AAA111")), 1008);
}

TEST_F(CodesTest, UpdateSetsExpireDateAndActiveFlag) {
  Reply r = call(&update, json(R"("loyalty_id":1,"code":"AAA111","activated":false,)"
                               R"("expire_date":"2025-08-25T08:00:00Z")"));
  ASSERT_EQ(error(r), 0) << r.body;
  ledger::CodeView v = code_view("AAA111");
  EXPECT_FALSE(v.active);
  EXPECT_EQ(v.valid_till_ms, 1756108800000);
  EXPECT_EQ(std::string_view(data(get_json("AAA111"))["expire_date"]), "2025-08-25T08:00:00Z");
}

// A code's end is its own within its program's: an expire_date past the program's end is
// kept (it applies if the program is extended), and get reports the end that activate
// enforces, the program's. It reported the code's own, with is_expired false for a code
// activate refused as expired (probe 32).
TEST_F(CodesTest, AnExpireDatePastTheProgramsEndIsReportedAsTheProgramsEnd) {
  link("AAA111", kCustomer1);
  ASSERT_EQ(error(call(&update, json(R"("loyalty_id":1,"code":"AAA111","expire_date":"2030-01-01T00:00:00Z")"))), 0);
  EXPECT_EQ(std::string_view(data(get_json("AAA111"))["expire_date"]), "2025-12-31T18:29:59Z");
  now_ = kValidTill + 1;
  dom::element d = data(get_json("AAA111"));
  EXPECT_TRUE(bool(d["is_expired"]));
  EXPECT_EQ(error(activate_json("AAA111")), 1002);
  extend_program_without_end();
  EXPECT_EQ(std::string_view(data(get_json("AAA111"))["expire_date"]), "2030-01-01T00:00:00Z");
  EXPECT_EQ(error(activate_json("AAA111")), 0);
}

TEST_F(CodesTest, UpdateInXmlAcceptsOffsetsAndFractions) {
  Reply r = call(&update, xml("<code>AAA111</code><loyalty_id>1</loyalty_id>"
                              "<expire_date>2025-08-25T11:00:00.250+03:00</expire_date>"
                              "<activated>true</activated><format>xml</format>"));
  ASSERT_EQ(error(r), 0) << r.body;
  EXPECT_EQ(code_view("AAA111").valid_till_ms, 1756108800250);
}

TEST_F(CodesTest, DeactivatedCodeCannotBeAttached) {
  ASSERT_EQ(error(call(&update, json(R"("loyalty_id":1,"code":"AAA111","activated":"false")"))), 0);
  Reply r = call(&attach, json(R"("db_id":1,"loyalty_id":1,"profile_id":"prof-1","code":"AAA111")"));
  EXPECT_EQ(error(r), 1001);
}

TEST_F(CodesTest, UpdateErrors) {
  const auto before = ledger_->state_hash();
  Answer neither = answer(call(&update, json(R"("loyalty_id":1,"code":"AAA111")")));
  EXPECT_EQ(neither.error, 400);
  EXPECT_EQ(neither.error_text, "give expire_date, activated or both: there is nothing to update");
  EXPECT_EQ(error(call(&update, json(R"("loyalty_id":1,"code":"AAA111","expire_date":"25.08.2026")"))), 400);
  EXPECT_EQ(error(call(&update, json(R"("loyalty_id":1,"code":"AAA111","expire_date":"2026-08-25T08:00:00")"))), 400);
  EXPECT_EQ(error(call(&update, json(R"("loyalty_id":1,"code":"AAA111","activated":"maybe")"))), 400);
  EXPECT_EQ(error(call(&update, json(R"("loyalty_id":1,"code":"ZZZ999","activated":true)"))), 404);
  EXPECT_EQ(ledger_->state_hash(), before);
}

// Dates with a character out of place are 400 before the date library reads them: on
// "08:00:@0" it produced NaN seconds and converted them to an integer (undefined behaviour,
// which this sanitizer build aborts on). The well-formed shapes still parse.
TEST_F(CodesTest, UpdateRefusesMisshapenDatesAndKeepsTheValidShapes) {
  for (const char* bad : {"2026-08-35T08:00:@0Z", "2026-08-25T08:00:0xZ", "2026-08-25T08:00:00.Z",
                          "2026-08-25T08:00:00+3:00", "2026-08-25T08:00:00+03:00x", "2026-08-25 08:00:00Z"}) {
    EXPECT_EQ(error(call(&update, json(std::string(R"("loyalty_id":1,"code":"AAA111","expire_date":")") + bad + "\""))), 400)
        << bad;
  }
  for (const char* good : {"2026-08-25T08:00:00Z", "2026-08-25t08:00:00z", "2026-08-25T11:00:00.5+03:00",
                           "2026-08-25T05:00:00-03:00"}) {
    EXPECT_EQ(error(call(&update, json(std::string(R"("loyalty_id":1,"code":"AAA111","expire_date":")") + good + "\""))), 0)
        << good;
  }
}

// RFC 3339 bounds its offset to 00-23 hours and 00-59 minutes; the date library alone took
// "+25:00". Lowercase t and z are RFC 3339 too (section 5.6), so they stay accepted (above).
TEST_F(CodesTest, UpdateRefusesOffsetsOutsideRfc3339) {
  const auto before = ledger_->state_hash();
  for (const char* bad : {"2026-08-25T08:00:00+25:00", "2026-08-25T08:00:00+24:00",
                          "2026-08-25T08:00:00-03:60"}) {
    Answer a = answer(call(&update, json(std::string(R"("loyalty_id":1,"code":"AAA111","expire_date":")") + bad + "\"")));
    EXPECT_EQ(a.error, 400) << bad;
    EXPECT_TRUE(a.error_text.starts_with("expire_date must be an RFC 3339 date-time")) << a.error_text;
  }
  EXPECT_EQ(ledger_->state_hash(), before);
  ASSERT_EQ(error(call(&update, json(R"("loyalty_id":1,"code":"AAA111","expire_date":"2025-08-25T08:00:00-23:59")"))), 0);
  EXPECT_EQ(code_view("AAA111").valid_till_ms, 1756108800000 + (23 * 60 + 59) * 60'000);
}

// The ledger's times are after the epoch: 0 would read as "no time" (the program's end).
TEST_F(CodesTest, UpdateRefusesAnExpireDateAtOrBefore1970OrOnTheLastDayOf9999) {
  const auto before = ledger_->state_hash();
  for (const char* outside : {"1970-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "1970-01-01T03:00:00+03:00",
                              "9999-12-31T00:00:00Z", "9999-12-31T23:59:59Z"}) {
    Answer a = answer(call(&update, json(std::string(R"("loyalty_id":1,"code":"AAA111","expire_date":")") + outside + "\"")));
    EXPECT_EQ(a.error, 400) << outside;
    EXPECT_EQ(a.error_text, "expire_date must be an RFC 3339 date-time after 1970 and before "
                            "9999-12-31, such as 2018-08-25T08:00:00Z");
  }
  EXPECT_EQ(ledger_->state_hash(), before);
  ASSERT_EQ(error(call(&update, json(R"("loyalty_id":1,"code":"AAA111","expire_date":"1970-01-01T00:00:00.001Z")"))), 0);
  EXPECT_EQ(code_view("AAA111").valid_till_ms, 1);
  extend_program_without_end();  // else the view gives the program's end, the earlier
  ASSERT_EQ(error(call(&update, json(R"("loyalty_id":1,"code":"AAA111","expire_date":"9999-12-30T23:59:59.999Z")"))), 0);
  EXPECT_EQ(code_view("AAA111").valid_till_ms, 253'402'214'399'999);  // wire::kIsoTimeMaxMs
}

// `activated` is read as every Altcraft boolean: true/false or 1/0, in JSON as a boolean, a
// number or a string, in XML as text. Anything else is 400.
TEST_F(CodesTest, UpdateActivatedTakesTrueFalseOneOrZeroInEitherFormat) {
  struct Case { std::string body; bool active; };
  const Case cases[] = {
      {json(R"("loyalty_id":1,"code":"AAA111","activated":0)"), false},
      {json(R"("loyalty_id":1,"code":"AAA111","activated":"1")"), true},
      {json(R"("loyalty_id":1,"code":"AAA111","activated":"0")"), false},
      {json(R"("loyalty_id":1,"code":"AAA111","activated":1)"), true},
      {json(R"("loyalty_id":1,"code":"AAA111","activated":"false")"), false},
      {xml("<loyalty_id>1</loyalty_id><code>AAA111</code><activated>1</activated>"), true},
      {xml("<loyalty_id>1</loyalty_id><code>AAA111</code><activated>false</activated>"), false},
  };
  for (const Case& c : cases) {
    ASSERT_EQ(error(call(&update, c.body)), 0) << c.body;
    EXPECT_EQ(code_view("AAA111").active, c.active) << c.body;
  }
  const auto before = ledger_->state_hash();
  for (const char* bad : {"2", "\"yes\"", "\"TRUE\"", "-1"}) {
    Answer a = answer(call(&update, json(std::string(R"("loyalty_id":1,"code":"AAA111","activated":)") + bad)));
    EXPECT_EQ(a.error, 400) << bad;
    EXPECT_EQ(a.error_text, "activated must be true or false") << bad;
  }
  EXPECT_EQ(ledger_->state_hash(), before);
}

}  // namespace
}  // namespace codeledger::server::altcraft::testing
