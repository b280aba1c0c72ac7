// Seed 004 (attach): the decision table, profile matching, pool attach, detach.
#include "fixture.h"

namespace codeledger::server::altcraft::testing {
namespace {

std::string attach_fields(std::string_view code, std::string_view profile = "prof-1",
                          std::string_view loyalty = "1") {
  std::string f = R"("db_id":1,"matching":"profile_id","profile_id":")" + std::string(profile) +
                  R"(","loyalty_id":)" + std::string(loyalty);
  if (!code.empty()) f += R"(,"code":")" + std::string(code) + "\"";
  return f;
}

class AttachTest : public AltcraftTest {
 protected:
  Reply attach_json(std::string_view code, std::string_view profile = "prof-1") {
    return call(&attach, json(attach_fields(code, profile)));
  }
};

TEST_F(AttachTest, SeedShapedJsonRequestAttachesAnUnattachedCode) {
  Reply r = call(&attach, R"({
    "token": "token-a",
    "db_id": 1,
    "matching": "profile_id",
    "profile_id": "prof-1",
    "loyalty_id": 1,
    "code": "AAA111"
  })");
  EXPECT_EQ(r.status, http::status::ok);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, R"({"data":null,"error":0,"error_text":"Successful operation"})");
  EXPECT_EQ(code_view("AAA111").customer, kCustomer1);
  EXPECT_GT(r.await_lsn, 0u);
}

TEST_F(AttachTest, SeedShapedXmlRequestWithXmlFormatAnswersTheSeedXml) {
  Reply r = call(&attach, xml("<db_id>1</db_id>\n<matching>profile_id</matching>\n"
                              "<profile_id>prof-1</profile_id>\n<loyalty_id>1</loyalty_id>\n"
                              "<code>AAA111</code>\n<format>xml</format>"));
  EXPECT_EQ(r.status, http::status::ok);
  EXPECT_EQ(r.content_type, "application/xml; charset=utf-8");
  EXPECT_EQ(r.body,
            "<xml>\n<data></data>\n<error>0</error>\n<error_text>Successful operation"
            "</error_text>\n</xml>\n");
  EXPECT_EQ(code_view("AAA111").customer, kCustomer1);
}

TEST_F(AttachTest, XmlRequestWithoutFormatIsAnsweredInJsonTheDefault) {
  Reply r = call(&attach, xml("<db_id>1</db_id><profile_id>prof-1</profile_id>"
                              "<loyalty_id>1</loyalty_id><code>AAA111</code>"));
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(error(r), 0);
}

TEST_F(AttachTest, SeedExampleCodeWithAHyphenIsRefusedWith902) {
  // "CODE-1" (seed 004's example) is not uppercase alphanumeric: the domain refuses it.
  Reply r = attach_json("CODE-1");
  EXPECT_EQ(error(r), 902);
  EXPECT_EQ(r.status, http::status::bad_request);
}

TEST_F(AttachTest, MalformedCodesCarryTheLedgerNumbers) {
  EXPECT_EQ(error(attach_json("AB12")), 903);
  EXPECT_EQ(error(attach_json(std::string(40, 'A'))), 904);
  EXPECT_EQ(error(attach_json("abc123")), 905);
}

TEST_F(AttachTest, AttachingToTheSameProfileAgainIsIdempotent) {
  ASSERT_EQ(error(attach_json("AAA111")), 0);
  const auto before = ledger_->state_hash();
  EXPECT_EQ(error(attach_json("AAA111")), 0);
  EXPECT_EQ(ledger_->state_hash(), before);
}

TEST_F(AttachTest, SingleUseCodeAttachedToAnotherProfileIs1005) {
  link("AAA111", kCustomer2);
  Answer a = answer(attach_json("AAA111"));
  EXPECT_EQ(a.error, 1005);
  EXPECT_NE(a.error_text.find("multiple use is restricted"), std::string::npos) << a.error_text;
  EXPECT_EQ(code_view("AAA111").customer, kCustomer2);
}

TEST_F(AttachTest, MultiUseCodeAttachedToAnotherProfileIs1005Too) {
  const std::uint32_t n = make_program(kOrgA, {"MULTI1"}, 5);
  link("MULTI1", kCustomer2);
  Reply r = call(&attach, json(attach_fields("MULTI1", "prof-1", std::to_string(n))));
  Answer a = answer(r);
  EXPECT_EQ(a.error, 1005);
  EXPECT_NE(a.error_text.find("one profile at a time"), std::string::npos) << a.error_text;
}

TEST_F(AttachTest, UnknownCodeIsImportedIntoTheProgramAndAttached) {
  ASSERT_EQ(error(attach_json("NEW777")), 0);
  const ledger::CodeView v = code_view("NEW777");
  EXPECT_EQ(v.customer, kCustomer1);
  EXPECT_EQ(v.promotion_id, program_id(kOrgA, 1));
}

// An unknown code is imported only when the attach can succeed: a refused attach leaves no
// code behind (the import used to happen first, and the refused attach kept the code).
TEST_F(AttachTest, UnknownCodeForAnInactiveOrEndedProgramIsRefusedAndNotImported) {
  ledger::Op op = admin_op(kOrgA);
  ledger::PromotionPatch inactive;
  inactive.active = false;
  ASSERT_TRUE(ledger_->update_promotion(op, program_id(kOrgA, 1), inactive).ok());
  auto before = ledger_->state_hash();
  EXPECT_EQ(error(attach_json("NEW777")), 1001);
  EXPECT_EQ(ledger_->state_hash(), before);
  EXPECT_EQ(call(&get_code, json(R"("loyalty_id":1,"code":"NEW777")")).status, http::status::not_found);

  ledger::PromotionPatch ended;
  ended.active = true;
  ended.valid_till_ms = kNow - 1000;
  ledger::Op op2 = admin_op(kOrgA);
  ASSERT_TRUE(ledger_->update_promotion(op2, program_id(kOrgA, 1), ended).ok());
  before = ledger_->state_hash();
  EXPECT_EQ(error(attach_json("NEW777")), 1002);
  EXPECT_EQ(ledger_->state_hash(), before);
}

TEST_F(AttachTest, CodeOfAnotherProgramIs409) {
  make_program(kOrgA, {"OTHER1"});
  Answer a = answer(attach_json("OTHER1"));
  EXPECT_EQ(a.error, 409);
  EXPECT_NE(a.error_text.find("another loyalty program"), std::string::npos);
  EXPECT_EQ(code_view("OTHER1").customer, 0u);
}

TEST_F(AttachTest, InactiveCodeIs1001) {
  ledger::Op op = admin_op(kOrgA);
  ASSERT_TRUE(ledger_->update_code(op, ledger::Mode::kDiscount, "AAA111", std::nullopt, false).ok());
  EXPECT_EQ(error(attach_json("AAA111")), 1001);
}

TEST_F(AttachTest, ExpiredCodeIs1002) {
  ledger::Op op = admin_op(kOrgA);
  ASSERT_TRUE(ledger_->update_code(op, ledger::Mode::kDiscount, "AAA111", kNow - 1000, std::nullopt).ok());
  EXPECT_EQ(error(attach_json("AAA111")), 1002);
}

// A code may be attached before its redeemableFrom (as a Capillary link may: codes handed out
// before a sale starts); only activate answers 1002 for it (CodesTest).
TEST_F(AttachTest, CodeNotYetRedeemableIsAttached) {
  ledger::CodeImportOptions later;
  later.redeemable_from_ms = kNow + 60'000;
  const std::string codes[] = {"LATER1"};
  ledger::Op op = admin_op(kOrgA);
  ASSERT_TRUE(ledger_->import_codes(op, program_id(kOrgA, 1), codes, later).ok());
  Reply r = attach_json("LATER1");
  EXPECT_EQ(error(r), 0) << r.body;
  EXPECT_EQ(code_view("LATER1").customer, kCustomer1);
}

TEST_F(AttachTest, FullyRedeemedCodeIs1004) {
  link("AAA111", kCustomer2);
  redeem("AAA111", kCustomer2, "t1");
  ledger::Op op = admin_op(kOrgA);
  ASSERT_TRUE(ledger_->unlink_code(op, ledger::Mode::kDiscount, "AAA111", 0).ok());
  EXPECT_EQ(error(attach_json("AAA111")), 1004);
}

TEST_F(AttachTest, WithoutACodeOneFreeCodeOfThePoolIsAttachedAndNamed) {
  link("AAA111", kCustomer2);
  Reply r = attach_json("");
  ASSERT_EQ(error(r), 0) << r.body;
  const std::string code(std::string_view(data(r)["code"]));
  EXPECT_TRUE(code == "AAA222" || code == "AAA333") << code;
  EXPECT_EQ(code_view(code).customer, kCustomer1);
}

TEST_F(AttachTest, PoolAttachInXmlNamesTheCode) {
  Reply r = call(&attach, xml("<db_id>1</db_id><profile_id>prof-1</profile_id>"
                              "<loyalty_id>1</loyalty_id><format>xml</format>"));
  ASSERT_EQ(error(r), 0) << r.body;
  const std::string code = xml_data(r).child("code").text().as_string();
  EXPECT_EQ(code_view(code).customer, kCustomer1);
}

TEST_F(AttachTest, EmptyPoolIs404WithAClearText) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(error(attach_json("")), 0);
  Answer a = answer(attach_json(""));
  EXPECT_EQ(a.error, 404);
  EXPECT_EQ(a.error_text, "loyalty program 1 has no free promo code to attach");
}

TEST_F(AttachTest, ProfilesMatchByEmailPhoneAndCustomField) {
  Reply by_email = call(&attach, json(R"("db_id":1,"loyalty_id":1,"code":"AAA111",)"
                                      R"("matching":"email","email":"two@example.com")"));
  EXPECT_EQ(error(by_email), 0) << by_email.body;
  EXPECT_EQ(code_view("AAA111").customer, kCustomer2);
  Reply by_phone = call(&attach, json(R"("db_id":1,"loyalty_id":1,"code":"AAA222",)"
                                      R"("matching":"phone","phone":"+79000000001")"));
  EXPECT_EQ(error(by_phone), 0) << by_phone.body;
  EXPECT_EQ(code_view("AAA222").customer, kCustomer1);
  Reply by_custom = call(&attach, json(R"("db_id":1,"loyalty_id":1,"code":"AAA333",)"
                                       R"("matching":"custom","field_name":"card","field_value":"C-2")"));
  EXPECT_EQ(error(by_custom), 0) << by_custom.body;
  EXPECT_EQ(code_view("AAA333").customer, kCustomer2);
}

TEST_F(AttachTest, MatchingErrorsAre400Or404) {
  Answer unknown = answer(call(&attach, json(R"("db_id":1,"loyalty_id":1,"matching":"fax","fax":"1")")));
  EXPECT_EQ(unknown.error, 400);
  EXPECT_EQ(unknown.error_text, "matching must be one of profile_id, email, phone, custom");
  Answer missing = answer(call(&attach, json(R"("db_id":1,"loyalty_id":1,"matching":"email")")));
  EXPECT_EQ(missing.error, 400);
  EXPECT_EQ(missing.error_text, "email is required");
  Answer no_field = answer(call(&attach, json(R"("db_id":1,"loyalty_id":1,"matching":"custom","field_value":"x")")));
  EXPECT_EQ(no_field.error, 400);
  EXPECT_EQ(no_field.error_text, "field_name is required");
  Answer nobody = answer(attach_json("AAA111", "prof-404"));
  EXPECT_EQ(nobody.error, 404);
  EXPECT_EQ(nobody.error_text, "no profile with profile_id 'prof-404' in database 1");
}

TEST_F(AttachTest, UnknownDatabaseAndLoyaltyProgramAre404) {
  Answer db = answer(call(&attach, json(R"("db_id":2,"loyalty_id":1,"profile_id":"prof-1")")));
  EXPECT_EQ(db.error, 404);
  EXPECT_EQ(db.error_text, "database 2 not found");
  Answer loyalty = answer(call(&attach, json(R"("db_id":1,"loyalty_id":9,"profile_id":"prof-1")")));
  EXPECT_EQ(loyalty.error, 404);
  EXPECT_EQ(loyalty.error_text, "loyalty program 9 not found");
  Answer last = answer(call(&attach, json(R"("db_id":9223372036854775807,"loyalty_id":1,)"
                                          R"("profile_id":"prof-1")")));
  EXPECT_EQ(last.error_text, "database 9223372036854775807 not found");
  last = answer(call(&attach, json(R"("db_id":1,"loyalty_id":4294967295,"profile_id":"prof-1")")));
  EXPECT_EQ(last.error_text, "loyalty program 4294967295 not found");
}

// The message names the range that is read: loyalty programs are numbered from 1 in 32 bits,
// databases from 1. It said -9223372036854775808 to 9223372036854775807 and answered a
// negative number 404 (probe 39, item 11), and said so again for a JSON number from 2^63 to
// 2^64-1 (probe 41b, F2).
TEST_F(AttachTest, IdsOutsideTheirRangeAre400NamingIt) {
  const auto before = ledger_->state_hash();
  for (const char* loyalty : {R"("3x")", "true", "0", "-1", R"("-5")", "4294967296",
                              "9223372036854775808", "18446744073709551615"}) {
    Answer a = answer(call(&attach, json(R"("db_id":1,"profile_id":"prof-1","loyalty_id":)" +
                                         std::string(loyalty))));
    EXPECT_EQ(a.error, 400) << loyalty;
    EXPECT_EQ(a.error_text, "loyalty_id must be an integer from 1 to 4294967295") << loyalty;
  }
  for (const char* db : {R"("x")", "0", "-1", "9223372036854775808", R"("9223372036854775808")"}) {
    Answer a = answer(call(&attach, json(R"("loyalty_id":1,"profile_id":"prof-1","db_id":)" +
                                         std::string(db))));
    EXPECT_EQ(a.error, 400) << db;
    EXPECT_EQ(a.error_text, "db_id must be an integer from 1 to 9223372036854775807") << db;
  }
  EXPECT_EQ(ledger_->state_hash(), before);
  // In a field no method reads such a number is ignored, as any other value there is.
  Reply r = call(&get_code, json(R"("loyalty_id":1,"code":"AAA111","x_trace":12345678901234567890)"));
  EXPECT_EQ(error(r), 0) << r.body;
}

TEST_F(AttachTest, IssuablePromotionIsNotALoyaltyProgram707) {
  ledger::Op op = admin_op(kOrgA);
  ledger::PromotionSpec spec;
  spec.name = "issuable";
  spec.kind = ledger::PromotionKind::kIssuable;
  ASSERT_TRUE(ledger_->create_promotion(op, spec).ok());
  Reply r = call(&attach, json(R"("db_id":1,"loyalty_id":2,"profile_id":"prof-1")"));
  EXPECT_EQ(error(r), 707);
}

TEST_F(AttachTest, MissingRequiredFieldsAre400) {
  EXPECT_EQ(answer(call(&attach, json(R"("loyalty_id":1,"profile_id":"prof-1")"))).error_text,
            "db_id is required");
  EXPECT_EQ(answer(call(&attach, json(R"("db_id":1,"profile_id":"prof-1")"))).error_text,
            "loyalty_id is required");
  EXPECT_EQ(error(call(&attach, json(R"("db_id":"one","loyalty_id":1,"profile_id":"prof-1")"))), 400);
}

TEST_F(AttachTest, LoyaltyIdMayBeANumericString) {
  Reply r = call(&attach, json(R"("db_id":"1","loyalty_id":"1","profile_id":"prof-1","code":"AAA111")"));
  EXPECT_EQ(error(r), 0) << r.body;
}

TEST_F(AttachTest, DetachRemovesTheAttachment) {
  link("AAA111", kCustomer1);
  Reply r = call(&detach, json(attach_fields("AAA111")));
  EXPECT_EQ(error(r), 0) << r.body;
  EXPECT_EQ(code_view("AAA111").customer, 0u);
}

TEST_F(AttachTest, DetachInXml) {
  link("AAA111", kCustomer1);
  Reply r = call(&detach, xml("<db_id>1</db_id><matching>email</matching>"
                              "<email>one@example.com</email><loyalty_id>1</loyalty_id>"
                              "<code>AAA111</code><format>xml</format>"));
  Answer a = answer(r);
  EXPECT_TRUE(a.xml);
  EXPECT_EQ(a.error, 0) << r.body;
  EXPECT_EQ(code_view("AAA111").customer, 0u);
}

TEST_F(AttachTest, DetachByAnotherProfileIs1005) {
  link("AAA111", kCustomer2);
  EXPECT_EQ(error(call(&detach, json(attach_fields("AAA111")))), 1005);
  EXPECT_EQ(code_view("AAA111").customer, kCustomer2);
}

TEST_F(AttachTest, DetachOfAnUnattachedCodeSucceedsWithoutChange) {
  const auto before = ledger_->state_hash();
  EXPECT_EQ(error(call(&detach, json(attach_fields("AAA111")))), 0);
  EXPECT_EQ(ledger_->state_hash(), before);
}

TEST_F(AttachTest, DetachNeedsACodeOfTheProgram) {
  EXPECT_EQ(answer(call(&detach, json(attach_fields("")))).error_text, "code is required");
  Answer a = answer(call(&detach, json(attach_fields("ZZZ999"))));
  EXPECT_EQ(a.error, 404);
  EXPECT_EQ(a.error_text, "promo code 'ZZZ999' not found in loyalty program 1");
}

}  // namespace
}  // namespace codeledger::server::altcraft::testing
