// Every XML answer is well-formed XML 1.0 whatever its values hold (probe 39, item 3): a
// profile stored with a control character in an identifier (customers/bulk accepted them
// until then, and old logs still replay them), a code a client sent with one, a message that
// quotes a code cut inside a UTF-8 sequence. A character XML cannot carry is written as
// U+FFFD; the JSON answer keeps it. Each answer is judged by expat (strict_xml.h).
#include <cstdlib>

#include "fixture.h"
#include "server/altcraft/reply.h"
#include "strict_xml.h"

namespace codeledger::server::altcraft::testing {
namespace {

constexpr ledger::CustomerId kOddCustomer = 424242;
constexpr std::string_view kFffd = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

class XmlAnswerTest : public AltcraftTest {
 protected:
  void SetUp() override {
    AltcraftTest::SetUp();
    if (have_strict_xml()) return;
    if (std::getenv("CI") != nullptr) FAIL() << "python3 is not installed, and ./dev test installs it";
    GTEST_SKIP() << "python3 (with its expat module) is not installed: apt-get install -y python3";
  }

  // A profile as an old log may hold it: stored through the ledger, which checks no text.
  void store_profile(std::string external_id) {
    std::vector<ledger::CustomerProfile> profiles(1);
    profiles[0] = {kOddCustomer, std::move(external_id), "", "", {}};
    ledger::Op op = admin_op(kOrgA);
    ASSERT_TRUE(ledger_->upsert_customers(op, profiles).ok());
  }

  // The XML answer's error_text, after checking that the answer is well-formed.
  std::string well_formed_error_text(const Reply& r) {
    EXPECT_EQ(strict_xml_error(r.body), "") << r.body;
    return answer(r).error_text;
  }
};

TEST_F(XmlAnswerTest, GetOfACodeWhoseProfileIdHoldsAControlCharacterIsWellFormed) {
  store_profile("ext\x02id");
  link("AAA111", kOddCustomer);
  Reply x = call(&get_code, json(R"("loyalty_id":1,"code":"AAA111","format":"xml")"));
  EXPECT_EQ(strict_xml_error(x.body), "") << x.body;
  EXPECT_EQ(std::string(xml_data(x).child("profile_id").text().get()),
            "ext" + std::string(kFffd) + "id");
  Reply j = call(&get_code, json(R"("loyalty_id":1,"code":"AAA111")"));  // JSON can carry it
  EXPECT_EQ(std::string_view(data(j)["profile_id"]), "ext\x02id");
}

TEST_F(XmlAnswerTest, AnErrorQuotingACharacterXmlForbidsIsWellFormed) {
  // JSON escapes for a C0 control, NUL (pugixml cut the text there), U+FFFE and U+FFFF.
  for (const char* escape : {"\\u0001", "\\u001f", "\\u0000", "\\ufffe", "\\uffff"}) {
    Reply r = call(&get_code, json(std::string(R"("loyalty_id":1,"format":"xml","code":"AB)") +
                                   escape + "CDEF\""));
    EXPECT_EQ(well_formed_error_text(r),
              "code 'AB" + std::string(kFffd) + "CDEF' is not alphanumeric: special characters "
              "are not allowed") << escape;
  }
}

TEST_F(XmlAnswerTest, BytesThatAreNotUtf8AreWrittenAsReplacementCharacters) {
  // An XML body is not checked for UTF-8; the code comes back in the 902 message.
  Reply bad = call(&get_code, xml("<loyalty_id>1</loyalty_id><format>xml</format>"
                                  "<code>AB\xFF\xC3" "CDEF</code>"));
  EXPECT_EQ(well_formed_error_text(bad), "code 'AB" + std::string(kFffd) + std::string(kFffd) +
                                             "CDEF' is not alphanumeric: special characters are "
                                             "not allowed");
  // Valid UTF-8 that the message cuts after 64 bytes, inside the two bytes of an "é".
  const std::string code = std::string(63, 'A') + "\xC3\xA9";
  Reply cut = call(&get_code, json(R"("loyalty_id":1,"format":"xml","code":")" + code + "\""));
  EXPECT_EQ(well_formed_error_text(cut), "code '" + std::string(63, 'A') + std::string(kFffd) +
                                             "' is not alphanumeric: special characters are not "
                                             "allowed");
}

TEST_F(XmlAnswerTest, TextXmlCanCarryIsWrittenAsItIs) {
  const std::string text = "tab\t lf\n <&> \x7F \xC2\x85 \xED\x9F\xBF \xEE\x80\x80 \xEF\xBF\xBD "
                           "\xF0\x90\x80\x80 \xF4\x8F\xBF\xBF";  // U+D7FF, E000, FFFD, 10000, 10FFFF
  Reply r = success(Format::kXml, Value::object().add("text", Value::string(text)));
  EXPECT_EQ(strict_xml_error(r.body), "") << r.body;
  EXPECT_EQ(std::string(xml_data(r).child("text").text().get()), text);
}

}  // namespace
}  // namespace codeledger::server::altcraft::testing
