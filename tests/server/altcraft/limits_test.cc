// The byte limit of each field and the item limit of lists (docs/api.md, Altcraft "Limits"):
// at its limit a value gets the field's ordinary answer, one byte over it a 400 naming the
// field; a code of 40 to 1 024 bytes is 904 like any code over 39 characters; a list or an
// XML body over 100 000 items is refused whole, and so is a body of more than 64 distinct
// field names. Nothing changes on a refusal.
#include "fixture.h"
#include "server/altcraft/params.h"

namespace codeledger::server::altcraft::testing {
namespace {

using LimitsTest = AltcraftTest;

std::string attach_with(std::string_view fields) {
  return R"("db_id":1,"loyalty_id":1,)" + std::string(fields);
}

std::string quoted(std::string_view name, std::string_view value) {
  return "\"" + std::string(name) + "\":\"" + std::string(value) + "\"";
}

struct FieldCase {
  std::string what;
  std::string body;
  int error;
  std::string text;  // the error_text, or a part of it when it ends in "..."
};

void expect_answer(const Answer& a, const FieldCase& c) {
  EXPECT_EQ(a.error, c.error) << c.what << ": " << a.error_text;
  if (c.text.ends_with("...")) {
    EXPECT_TRUE(a.error_text.starts_with(c.text.substr(0, c.text.size() - 3)))
        << c.what << ": " << a.error_text;
  } else {
    EXPECT_EQ(a.error_text, c.text) << c.what;
  }
}

TEST_F(LimitsTest, EachFieldIsReadUpToItsLimitAndRefusedOneByteOver) {
  const std::string p128(128, 'p'), p129(129, 'p');
  const FieldCase cases[] = {
      {"token 512", json(attach_with(quoted("profile_id", "prof-1")), std::string(512, 't')), 401,
       "API token is invalid or expired"},
      {"token 513", json(attach_with(quoted("profile_id", "prof-1")), std::string(513, 't')), 400,
       "token is longer than 512 bytes"},
      {"format 16", json(attach_with(quoted("format", std::string(16, 'f')))), 400,
       "format must be json or xml"},
      {"format 17", json(attach_with(quoted("format", std::string(17, 'f')))), 400,
       "format is longer than 16 bytes"},
      {"matching 32", json(attach_with(quoted("matching", std::string(32, 'm')))), 400,
       "matching must be one of profile_id, email, phone, custom"},
      {"matching 33", json(attach_with(quoted("matching", std::string(33, 'm')))), 400,
       "matching is longer than 32 bytes"},
      {"profile_id 128", json(attach_with(quoted("profile_id", p128))), 404, "no profile with..."},
      {"profile_id 129", json(attach_with(quoted("profile_id", p129))), 400,
       "profile_id is longer than 128 bytes"},
      {"email 129", json(attach_with(R"("matching":"email",)" + quoted("email", p129))), 400,
       "email is longer than 128 bytes"},
      {"phone 129", json(attach_with(R"("matching":"phone",)" + quoted("phone", p129))), 400,
       "phone is longer than 128 bytes"},
      {"field_name 128",
       json(attach_with(R"("matching":"custom","field_value":"v",)" + quoted("field_name", p128))),
       404, "no profile with..."},
      {"field_name 129",
       json(attach_with(R"("matching":"custom","field_value":"v",)" + quoted("field_name", p129))),
       400, "field_name is longer than 128 bytes"},
      {"field_value 129",
       json(attach_with(R"("matching":"custom","field_name":"card",)" + quoted("field_value", p129))),
       400, "field_value is longer than 128 bytes"},
      {"cursor 1025", json(attach_with(quoted("cursor", std::string(1025, 'c')))), 400,
       "cursor is longer than 1024 bytes"},
  };
  const auto before = ledger_->state_hash();
  for (const FieldCase& c : cases) expect_answer(answer(call(&attach, c.body)), c);
  EXPECT_EQ(ledger_->state_hash(), before);
}

TEST_F(LimitsTest, ExpireDateIsReadUpTo64Bytes) {
  const std::string head = R"("loyalty_id":1,"code":"AAA111","expire_date":)";
  Answer at = answer(call(&update, json(head + "\"" + std::string(64, '1') + "\"")));
  EXPECT_EQ(at.error, 400);
  EXPECT_TRUE(at.error_text.starts_with("expire_date must be an RFC 3339 date-time")) << at.error_text;
  Answer over = answer(call(&update, json(head + "\"" + std::string(65, '1') + "\"")));
  EXPECT_EQ(over.error, 400);
  EXPECT_EQ(over.error_text, "expire_date is longer than 64 bytes");
}

TEST_F(LimitsTest, CodeOf40To1024BytesIs904AndLongerIs400) {
  const auto before = ledger_->state_hash();
  for (std::size_t n : {40u, 65u, 1024u}) {
    const std::string fields = attach_with(R"("profile_id":"prof-1",)" + quoted("code", std::string(n, 'A')));
    Answer a = answer(call(&attach, json(fields)));
    EXPECT_EQ(a.error, 904) << n << ": " << a.error_text;
    EXPECT_TRUE(a.error_text.ends_with("is longer than 39 characters")) << a.error_text;
    Answer got = answer(call(&get_code, json(R"("loyalty_id":1,)" + quoted("code", std::string(n, 'A')))));
    EXPECT_EQ(got.error, 904) << n;
  }
  Answer over = answer(call(&attach, json(attach_with(R"("profile_id":"prof-1",)" +
                                                      quoted("code", std::string(1025, 'A'))))));
  EXPECT_EQ(over.error, 400);
  EXPECT_EQ(over.error_text, "code is longer than 1024 bytes");
  EXPECT_EQ(ledger_->state_hash(), before);
}

TEST_F(LimitsTest, ImportAnswersEachCodeUpTo1024BytesOnItsOwn) {
  Reply r = call(&import_codes, json(R"("loyalty_id":1,"codes":["NEW001",")" +
                                     std::string(1024, 'A') + "\"]"));
  ASSERT_EQ(error(r), 0) << r.body;
  dom::element root = parse(r);
  EXPECT_EQ(std::int64_t(root["inserted"]), 1);
  EXPECT_EQ(std::int64_t(root["data"].at(1)["error"]), 904);
  const auto before = ledger_->state_hash();
  Answer over = answer(call(&import_codes, json(R"("loyalty_id":1,"codes":["NEW002",")" +
                                                std::string(1025, 'A') + "\"]")));
  EXPECT_EQ(over.error, 400);
  EXPECT_EQ(over.error_text, "codes[1] is longer than 1024 bytes");
  // XML names the item as JSON does; it said "codes" (probe 41b, F3).
  Answer xml_over = answer(call(&import_codes, xml("<loyalty_id>1</loyalty_id><codes>NEW002</codes>"
                                                   "<codes>" + std::string(1025, 'A') + "</codes>")));
  EXPECT_EQ(xml_over.error, 400);
  EXPECT_EQ(xml_over.error_text, "codes[1] is longer than 1024 bytes");
  EXPECT_EQ(ledger_->state_hash(), before);
}

// `count` generated codes: "C" and six digits, as a JSON list body or repeated XML elements.
std::string json_codes(std::size_t count) {
  std::string out = R"({"token":"token-a","loyalty_id":1,"codes":[)";
  for (std::size_t i = 0; i < count; ++i) {
    out += (i == 0 ? "\"C" : ",\"C") + std::to_string(1'000'000 + i).substr(1) + "\"";
  }
  return out + "]}";
}
std::string xml_codes(std::size_t count) {
  std::string out = "<xml><token>token-a</token><loyalty_id>1</loyalty_id>";
  for (std::size_t i = 0; i < count; ++i) {
    out += "<codes>C" + std::to_string(1'000'000 + i).substr(1) + "</codes>";
  }
  return out + "</xml>";
}

TEST_F(SmallImportLimitTest, ListOf100000CodesIsTakenAndTheRestCountedAsDiscarded) {
  Reply r = call(&import_codes, json_codes(kListItemsMax));
  ASSERT_EQ(error(r), 0) << r.body.substr(0, 200);
  dom::element root = parse(r);
  EXPECT_EQ(std::int64_t(root["inserted"]), 2);
  EXPECT_EQ(std::int64_t(root["discarded_by_limit"]), 99'998);
  // In XML the limit counts every element: token and loyalty_id leave room for 99 998 codes.
  Reply x = call(&import_codes, xml_codes(kListItemsMax - 2));
  ASSERT_EQ(error(x), 0) << x.body.substr(0, 200);
}

TEST_F(SmallImportLimitTest, ListOverThe100000ItemLimitIs400AndImportsNothing) {
  const auto before = ledger_->state_hash();
  Answer j = answer(call(&import_codes, json_codes(kListItemsMax + 1)));
  EXPECT_EQ(j.error, 400);
  EXPECT_EQ(j.error_text, "codes has more than 100000 items");
  Answer x = answer(call(&import_codes, xml_codes(kListItemsMax - 1)));
  EXPECT_EQ(x.error, 400);
  EXPECT_EQ(x.error_text, "request body has more than 100000 elements");
  EXPECT_EQ(ledger_->state_hash(), before);
}

// `count` distinct unknown fields x0, x1, ... (ignored by every method), as XML elements or
// JSON members (with a leading comma).
std::string xml_extra_names(std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) out += "<x" + std::to_string(i) + ">1</x" + std::to_string(i) + ">";
  return out;
}
std::string json_extra_names(std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) out += ",\"x" + std::to_string(i) + "\":1";
  return out;
}

// Probe 36a: each field name was looked up among every name read before it, so an XML body
// of 99 000 distinct element names cost 12 s of an io thread, before authentication. A body
// now holds at most 64 distinct names: at 64 it gets the method's answer, at 65 a 400 naming
// the limit, in either format, also without a token, and nothing changes.
TEST_F(LimitsTest, BodyOfMoreThan64DistinctFieldNamesIs400AndChangesNothing) {
  ASSERT_EQ(kFieldNamesMax, 64u);
  // attach's own fields: token, db_id, loyalty_id, profile_id, code (five names).
  const std::string xml_attach = "<db_id>1</db_id><loyalty_id>1</loyalty_id>"
                                 "<profile_id>prof-1</profile_id><code>AAA111</code>";
  const std::string json_attach = R"("db_id":1,"loyalty_id":1,"profile_id":"prof-1","code":"AAA111")";
  const std::string over = "request body has more than 64 distinct field names";
  const auto before = ledger_->state_hash();
  for (const std::string& body :
       {xml(xml_attach + xml_extra_names(60)), json(json_attach + json_extra_names(60)),
        xml(xml_attach + xml_extra_names(61), ""), json(json_attach + json_extra_names(61), "")}) {
    const Answer a = answer(call(&attach, body));
    EXPECT_EQ(a.error, 400) << body.substr(0, 80);
    EXPECT_EQ(a.error_text, over) << body.substr(0, 80);
  }
  EXPECT_EQ(ledger_->state_hash(), before);
  EXPECT_EQ(code_view("AAA111").customer, 0u);
  // One name fewer: the attach is done.
  ASSERT_EQ(error(call(&attach, xml(xml_attach + xml_extra_names(59)))), 0);
  EXPECT_EQ(code_view("AAA111").customer, kCustomer1);
  Reply j = call(&get_code, json(R"("loyalty_id":1,"code":"AAA111")" + json_extra_names(61)));
  ASSERT_EQ(error(j), 0) << j.body;
  EXPECT_TRUE(bool(data(j)["is_attached"]));
}

// A list element repeats its name: however many times it repeats, and wherever among the
// other fields, it is one name and one list, so an import of 63 other names and any number
// of <codes> is read whole.
TEST_F(LimitsTest, RepeatedListElementIsOneFieldNameWhereverItRepeats) {
  std::string body = "<xml><token>token-a</token><loyalty_id>1</loyalty_id>";
  for (std::size_t i = 0; i < 1'000; ++i) {
    body += "<codes>C" + std::to_string(100'000 + i) + "</codes>";
    // The other 61 names (64 less token, loyalty_id, codes) between the first codes.
    if (i < kFieldNamesMax - 3) body += "<x" + std::to_string(i) + "/>";
  }
  body += "</xml>";
  Reply r = call(&import_codes, body);
  ASSERT_EQ(error(r), 0) << r.body.substr(0, 200);
  EXPECT_EQ(std::int64_t(parse(r)["inserted"]), 1'000);
  EXPECT_EQ(code_view("C100999").promotion_id, program_id(kOrgA, 1));
  // One more distinct name, after the list, is the 400, and nothing is imported.
  const auto before = ledger_->state_hash();
  std::string renamed = body;
  for (std::size_t at = 0; (at = renamed.find("<codes>C100", at)) != std::string::npos;) {
    renamed.replace(at, 11, "<codes>D100");  // new codes, so an import would change the state
  }
  renamed.insert(renamed.size() - 6, "<one_more/>");
  Answer a = answer(call(&import_codes, renamed));
  EXPECT_EQ(a.error, 400);
  EXPECT_EQ(a.error_text, "request body has more than 64 distinct field names");
  EXPECT_EQ(ledger_->state_hash(), before);
}

}  // namespace
}  // namespace codeledger::server::altcraft::testing
