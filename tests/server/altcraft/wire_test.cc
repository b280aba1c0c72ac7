// Params (JSON and XML bodies read alike) and the envelope writers, without handlers.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "server/altcraft/params.h"
#include "server/altcraft/reply.h"
#include "server/wire/xml_text.h"

namespace codeledger::server::altcraft {
namespace {

TEST(AltcraftParams, JsonAndXmlBodiesReadTheSame) {
  auto j = Params::parse(R"({"loyalty_id": 5, "code": "AB1234", "codes": ["A", "B"], "flag": true})");
  auto x = Params::parse("<xml><loyalty_id>5</loyalty_id><code>AB1234</code>"
                         "<codes>A</codes><codes>B</codes><flag>true</flag></xml>");
  ASSERT_TRUE(j.ok()) << j.status().message();
  ASSERT_TRUE(x.ok()) << x.status().message();
  for (Params* p : {&*j, &*x}) {
    EXPECT_EQ(p->integer("loyalty_id", Need::kRequired, 1, 10), 5);
    EXPECT_EQ(p->text("code", Need::kRequired), "AB1234");
    EXPECT_EQ(p->list("codes", Need::kRequired), (std::vector<std::string_view>{"A", "B"}));
    EXPECT_EQ(p->boolean("flag", Need::kRequired), true);
    EXPECT_FALSE(p->text("missing", Need::kOptional));
    EXPECT_TRUE(p->ok());
  }
}

TEST(AltcraftParams, XmlEntitiesAreDecodedAndSpacesTrimmed) {
  auto x = Params::parse("  <xml>\n <email> a&amp;b@example.com </email>\n</xml>");
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(x->text("email", Need::kRequired), "a&b@example.com");
}

// A value no field takes (a number with a fraction; an object or an array as a list item)
// is refused by the reader of its field, saying what that field accepts. The parse refused
// it first, offering "a string, an integer or a boolean" to every field, and an integer
// field such as db_id then refused the boolean (probe: defect 2a).
TEST(AltcraftParams, AValueOfNoReadableTypeIsRefusedWithWhatItsFieldAccepts) {
  using Read = std::function<void(Params&)>;
  const Read integer = [](Params& p) { p.integer("db_id", Need::kRequired, 1, 10); };
  const Read boolean = [](Params& p) { p.boolean("activated", Need::kRequired); };
  const Read text = [](Params& p) { p.text("code", Need::kRequired); };
  const Read list = [](Params& p) { p.list("codes", Need::kRequired); };
  const std::vector<std::tuple<std::string, Read, std::string>> cases{
      {R"({"db_id": 1.0})", integer, "db_id must be an integer from 1 to 10, not a number with a fraction or an exponent"},
      {R"({"db_id": true})", integer, "db_id must be an integer from 1 to 10"},
      {R"({"activated": 0.5})", boolean, "activated must be true or false, not a number with a fraction or an exponent"},
      {R"({"code": 1e3})", text, "code must be a string, not a number with a fraction or an exponent"},
      {R"({"codes": 2.5})", list, "codes must be a string, not a number with a fraction or an exponent"},
      {R"({"codes": ["A1", {"x": 1}, 2.5]})", list, "codes[1] must be a string, not an object"},
      {R"({"codes": ["A1", [2]]})", list, "codes[1] must be a string, not an array"}};
  for (const auto& [body, read, message] : cases) {
    auto p = Params::parse(body);
    ASSERT_TRUE(p.ok()) << body << ": " << p.status().message();
    EXPECT_TRUE(p->has(body.substr(2, body.find('"', 2) - 2))) << body;
    read(*p);
    EXPECT_EQ(p->status().code(), ErrorCode::kInvalidRequest) << body;
    EXPECT_EQ(p->status().message(), message) << body;
  }
  // A field nobody reads is not refused for its type, as it is not for its value.
  auto unread = Params::parse(R"({"note": 1.5, "code": "AB1234"})");
  ASSERT_TRUE(unread.ok()) << unread.status().message();
  EXPECT_EQ(unread->text("code", Need::kRequired), "AB1234");
  EXPECT_TRUE(unread->ok());
}

// The leniency the readers keep: numbers and booleans read as their text, numeric text as
// an integer, and 1/0 as booleans.
TEST(AltcraftParams, NumbersAndBooleansStillReadWhereTheirTextIsAccepted) {
  auto p = Params::parse(R"({"code": 12345678, "flag": true, "db_id": "7", "activated": 0})");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->text("code", Need::kRequired), "12345678");
  EXPECT_EQ(p->text("flag", Need::kRequired), "true");
  EXPECT_EQ(p->integer("db_id", Need::kRequired, 1, 10), 7);
  EXPECT_EQ(p->boolean("activated", Need::kRequired), false);
  EXPECT_TRUE(p->ok()) << p->status().message();
}

TEST(AltcraftParams, FirstFailureSticks) {
  auto p = Params::parse(R"({"a": "x", "b": 2})");
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->integer("a", Need::kRequired, 0, 10));
  EXPECT_FALSE(p->integer("b", Need::kRequired, 0, 10));
  EXPECT_EQ(p->status().message(), "a must be an integer from 0 to 10");
}

TEST(AltcraftParams, EmptyValuesCountAsAbsentAndNullIsNotGiven) {
  auto p = Params::parse(R"({"code": "", "other": null})");
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->text("code", Need::kOptional));
  EXPECT_FALSE(p->text("other", Need::kOptional));
  EXPECT_TRUE(p->ok());
  EXPECT_FALSE(p->text("code", Need::kRequired));
  EXPECT_EQ(p->status().message(), "code is required");
}

TEST(AltcraftParams, EmptyBodyHasNoParameters) {
  auto p = Params::parse("  ");
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->has("token"));
}

TEST(AltcraftParams, DoctypeEntitiesAreNotExpanded) {
  auto p = Params::parse("<!DOCTYPE xml [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
                         "<xml><code>&e;</code></xml>");
  // pugixml skips the DOCTYPE and leaves an unknown entity reference as it is.
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->text("code", Need::kOptional).value_or(""), "&e;");
}

// XML forbids control characters, written or referenced. pugixml decoded "&#0;" to a NUL
// and the value was read up to it: "NULCODE1&#0;junk" was imported as NULCODE1 (probe 32).
TEST(AltcraftParams, XmlWithAControlCharacterOrAReferenceToOneIsRefused) {
  for (const std::string& body : std::vector<std::string>{"<xml><code>NULCODE1&#0;junk</code></xml>",
                                 "<xml><code>A&#x0;B</code></xml>", "<xml><code>A&#8;B</code></xml>",
                                 "<xml><code>A&#xD800;B</code></xml>",
                                 "<xml><code>A&#99999999999999999999;B</code></xml>",
                                 std::string("<xml><code>A\0B</code></xml>", 27),
                                 "<xml><code>A\x01" "B</code></xml>"}) {
    auto p = Params::parse(body);
    ASSERT_FALSE(p.ok()) << body;
    EXPECT_EQ(p.status().code(), ErrorCode::kInvalidRequest);
    EXPECT_EQ(p.status().message().rfind("request body is not well-formed XML: a c", 0), 0u)
        << p.status().message();
  }
  EXPECT_EQ(Params::parse("<xml><code>A&#0;B</code></xml>").status().message(),
            "request body is not well-formed XML: a character reference to no XML character (&#0;) "
            "at byte 12");
}

// What XML allows still reads: tabs and line ends, references to real characters, and "&#0;"
// as text inside a comment or a CDATA section.
TEST(AltcraftParams, XmlCharacterReferencesToCharactersStillRead) {
  auto p = Params::parse("<xml>\t\r\n<code>&#65;&#x42;1</code><!-- &#0; --><note><![CDATA[&#0;]]></note></xml>");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->text("code", Need::kRequired), "AB1");
  EXPECT_EQ(p->text("note", Need::kRequired), "&#0;");
}

// An unclosed comment or CDATA section is malformed XML, answered 400 like any other: the
// character screen ahead of pugixml threw on it (a 500; fuzzing, session 33).
TEST(AltcraftParams, AnUnclosedCommentOrCdataIsMalformedNotAnError) {
  for (const char* body : {"<xml><!--", "<xml><!-- &#0;", "<xml><code>A1</code><![CDATA[",
                           "<xml><!--x--><![CDATA[y"}) {
    auto p = Params::parse(body);
    ASSERT_FALSE(p.ok()) << body;
    EXPECT_EQ(p.status().code(), ErrorCode::kInvalidRequest) << body;
    EXPECT_NE(p.status().message().find("not well-formed XML"), std::string::npos)
        << body << ": " << p.status().message();
  }
}

// pugixml read "<xml>...</xml><xml/>" as its first root and dropped the rest (probe 32).
TEST(AltcraftParams, XmlWithASecondRootOrTextBesideTheRootIsRefused) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"<xml><code>A1</code></xml><xml><code>B2</code></xml>", "more than one root element"},
      {"<xml><code>A1</code></xml><other/>", "more than one root element"},
      {"<xml><code>A1</code></xml>trailing", "text outside the root element"},
      {"<xml><code>A1</code></xml><![CDATA[x]]>", "text outside the root element"},
      // Before the root too: pugixml dropped such text without a word (probe 41b).
      {"<!-- c -->junk<xml><code>A1</code></xml>", "text outside the root element"},
      {"<?xml version=\"1.0\"?>junk\n<xml><code>A1</code></xml>", "text outside the root element"},
      {"<!DOCTYPE xml [<!ELEMENT xml ANY>]> junk <xml><code>A1</code></xml>",
       "text outside the root element"}};
  for (const auto& [body, why] : cases) {
    auto p = Params::parse(body);
    ASSERT_FALSE(p.ok()) << body;
    EXPECT_EQ(p.status().message(), "request body is not well-formed XML: " + why) << body;
  }
  for (const char* body :
       {"<?xml version=\"1.0\"?><!-- a note --><xml><code>A1</code></xml>\n<!-- end -->\n",
        "\n<?xml version=\"1.0\"?>\n<!DOCTYPE xml [<!ELEMENT xml ANY> <!-- > -->]>\n<?pi a > b?>\n"
        "<xml>\n  <code>A1</code>\n</xml>\n"}) {
    auto fine = Params::parse(body);
    ASSERT_TRUE(fine.ok()) << body << ": " << fine.status().message();
    EXPECT_EQ(fine->text("code", Need::kRequired), "A1");
  }
}

// Text directly inside <xml>, beside the fields' elements, is a value no field holds: it was
// dropped without a word (probe 41b). Spaces and line breaks between the elements are fine.
TEST(AltcraftParams, TextDirectlyInsideTheRootIsRefused) {
  for (const char* body : {"<xml>junk<code>A1</code></xml>", "<xml><code>A1</code><![CDATA[x]]></xml>",
                           "<xml><code>A1</code>\n tail \n</xml>"}) {
    auto p = Params::parse(body);
    ASSERT_FALSE(p.ok()) << body;
    EXPECT_EQ(p.status().message(),
              "request body has text directly inside <xml>: each value goes in its field's element")
        << body;
  }
}

// An element's value is its whole character data: the text and CDATA pieces in order, with
// comments and processing instructions left out, as XML defines it. It was the first piece
// only: "TRUNC0<!-- c -->XYZ" imported TRUNC0, "1<!---->9" read loyalty program 1, and a
// token was cut the same way (probe 41b, F1).
TEST(AltcraftParams, AnXmlValueIsAllItsTextAcrossCommentsCdataAndProcessingInstructions) {
  auto p = Params::parse(
      "<xml><codes>TRUNC0<!-- c -->XYZ</codes><loyalty_id>1<!---->9</loyalty_id>"
      "<code>TRUNC0<?pi x?>XYZ</code><token>tok<!-- -->en<![CDATA[-a]]></token>"
      "<note> AB<!---->  <![CDATA[ ]]><!---->CD </note><empty><!-- --><?pi?></empty></xml>");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->list("codes", Need::kRequired), (std::vector<std::string_view>{"TRUNC0XYZ"}));
  EXPECT_EQ(p->integer("loyalty_id", Need::kRequired, 1, 4294967295), 19);
  EXPECT_EQ(p->text("code", Need::kRequired), "TRUNC0XYZ");
  EXPECT_EQ(p->text("token", Need::kRequired), "token-a");
  // Spaces between the pieces are the value's; only its ends are trimmed.
  EXPECT_EQ(p->text("note", Need::kRequired), "AB   CD");
  EXPECT_FALSE(p->has("empty"));
  EXPECT_TRUE(p->ok()) << p->status().message();
}

// A JSON integer from 2^63 to 2^64-1 (simdjson's uint64) is a number like any other: a text
// field's text, outside every integer field's range in that field's own words, ignored in a
// field no method reads. The parse refused it in any field, with "x must be between
// -9223372036854775808 and 9223372036854775807" (probe 41b, F2).
TEST(AltcraftParams, AJsonIntegerPastInt64MaxIsReadAsAnyOtherNumber) {
  auto p = Params::parse(R"({"x_trace": 12345678901234567890, "code": 9223372036854775808,)"
                         R"( "codes": ["A1", 18446744073709551615]})");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->text("code", Need::kRequired), "9223372036854775808");
  EXPECT_EQ(p->list("codes", Need::kRequired),
            (std::vector<std::string_view>{"A1", "18446744073709551615"}));
  EXPECT_TRUE(p->ok()) << p->status().message();
  const std::vector<std::pair<std::string, std::string>> refused{
      {"loyalty_id", "loyalty_id must be an integer from 1 to 4294967295"},
      {"db_id", "db_id must be an integer from 1 to 9223372036854775807"}};
  for (const auto& [field, message] : refused) {
    auto q = Params::parse("{\"" + field + "\": 9223372036854775808}");
    ASSERT_TRUE(q.ok()) << field << ": " << q.status().message();
    EXPECT_FALSE(q->integer(field, Need::kRequired, 1, field == "db_id" ? INT64_MAX : 4294967295));
    EXPECT_EQ(q->status().message(), message);
  }
  auto flag = Params::parse(R"({"activated": 18446744073709551615})");
  ASSERT_TRUE(flag.ok()) << flag.status().message();
  EXPECT_FALSE(flag->boolean("activated", Need::kRequired));
  EXPECT_EQ(flag->status().message(), "activated must be true or false");
  // 2^64 is past what JSON numbers are read as: the body is refused before any field.
  EXPECT_FALSE(Params::parse(R"({"x_trace": 18446744073709551616})").ok());
}

// An over-long value is named as the JSON twin names it: an element given once by its name,
// an element that repeats (a list) by its item's index from 0. XML named the list, where
// JSON says "codes[1] is longer than 1024 bytes" (probe 41b, F3).
TEST(AltcraftParams, AnOverlongXmlListItemIsNamedByItsIndexAsInJson) {
  const std::string long_value(kValueBytesMax + 1, 'A');
  const std::vector<std::pair<std::string, std::string>> cases{
      {"<codes>ABCDEF</codes><codes>" + long_value + "</codes>", "codes[1]"},
      {"<codes>" + long_value + "</codes><loyalty_id>1</loyalty_id><codes>ABCDEF</codes>", "codes[0]"},
      {"<codes>A1</codes><codes><x/></codes><other/><codes>" + long_value + "</codes>", "codes[2]"},
      {"<codes>" + long_value + "</codes>", "codes"},
      {"<code>" + long_value + "</code><codes>ABCDEF</codes>", "code"}};
  for (const auto& [elements, field] : cases) {
    auto x = Params::parse("<xml>" + elements + "</xml>");
    ASSERT_FALSE(x.ok()) << field;
    EXPECT_EQ(x.status().message(), field + " is longer than 1024 bytes");
  }
  auto j = Params::parse(R"({"codes": ["ABCDEF", ")" + long_value + "\"]}");
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.status().message(), "codes[1] is longer than 1024 bytes");
  // A reader's own smaller limit names the item the same way.
  auto small = Params::parse("<xml><codes>ABCDEF</codes><codes>ABCDEFG</codes></xml>");
  ASSERT_TRUE(small.ok());
  EXPECT_FALSE(small->list("codes", Need::kRequired, 6));
  EXPECT_EQ(small->status().message(), "codes[1] is longer than 6 bytes");
}

TEST(AltcraftReply, XmlListsRepeatTheElementAndTextIsEscaped) {
  Value data = Value::list();
  data.push(Value::object().add("code", Value::string("A<&>B")));
  data.push(Value::object().add("code", Value::string("C")));
  Reply r = success(Format::kXml, data, {{"inserted", Value::integer(2)}});
  EXPECT_EQ(r.body,
            "<xml>\n<data>\n<code>A&lt;&amp;&gt;B</code>\n</data>\n<data>\n<code>C</code>\n"
            "</data>\n<inserted>2</inserted>\n<error>0</error>\n"
            "<error_text>Successful operation</error_text>\n</xml>\n");
}

// A list repeats its element once per item, so an empty list is no element; null (and "")
// stays one empty element. An empty list was one empty <data>, null's bytes, which a client
// counting <data> read as one item with no fields (probe 41b, F4).
TEST(AltcraftReply, AnEmptyXmlListIsNoElementAndNullIsOneEmptyElement) {
  const std::string tail = "<next_cursor></next_cursor>\n<error>0</error>\n"
                           "<error_text>Successful operation</error_text>\n</xml>\n";
  const Extras extras{{"next_cursor", Value::string("")}};
  EXPECT_EQ(success(Format::kXml, Value::list(), extras).body, "<xml>\n" + tail);
  EXPECT_EQ(success(Format::kXml, Value(), extras).body, "<xml>\n<data></data>\n" + tail);
  EXPECT_EQ(success(Format::kXml, Value::object().add("codes", Value::list())).body,
            "<xml>\n<data></data>\n<error>0</error>\n"
            "<error_text>Successful operation</error_text>\n</xml>\n");
  EXPECT_EQ(success(Format::kJson, Value::list(), extras).body,
            R"({"data":[],"next_cursor":"","error":0,"error_text":"Successful operation"})");
  EXPECT_EQ(success(Format::kJson, Value(), extras).body,
            R"({"data":null,"next_cursor":"","error":0,"error_text":"Successful operation"})");
}

TEST(AltcraftReply, JsonEnvelopeKeepsMemberOrder) {
  Value data = Value::object();
  data.add("b", Value::boolean(true)).add("a", Value()).add("n", Value::integer(-3));
  Reply r = success(Format::kJson, data);
  EXPECT_EQ(r.body, R"({"data":{"b":true,"a":null,"n":-3},"error":0,"error_text":"Successful operation"})");
}

TEST(AltcraftReply, DomainErrorsUseTheLedgerNumberAndErrorsHStatus) {
  Reply j = error_reply(Format::kJson, Status(ErrorCode::kCodeLinkedToAnotherCustomer, "taken"));
  EXPECT_EQ(j.status, http::status::bad_request);
  EXPECT_EQ(j.body, R"({"data":null,"error":1005,"error_text":"taken"})");
  Reply x = error_reply(Format::kXml, Status(ErrorCode::kNotFound, "gone"));
  EXPECT_EQ(x.status, http::status::not_found);
  EXPECT_EQ(x.body, "<xml>\n<data></data>\n<error>404</error>\n<error_text>gone</error_text>\n</xml>\n");
}

// XML 1.0's Char production, and what the XML writer makes of the rest (xml_text.h).
TEST(WireXmlText, CharactersOutsideXmlAndBadUtf8BecomeReplacementCharacters) {
  const std::string fffd = "\xEF\xBF\xBD";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"plain <&> text", "plain <&> text"},
      {"\t\n\r\x7F", "\t\n\r\x7F"},  // the controls XML allows, and DEL
      {std::string("a\0b", 3), "a" + fffd + "b"},
      {"\x01\x08\x0B\x0C\x1F", fffd + fffd + fffd + fffd + fffd},
      {"\xED\x9F\xBF\xEE\x80\x80", "\xED\x9F\xBF\xEE\x80\x80"},  // U+D7FF, U+E000
      {"\xEF\xBF\xBD", fffd},                                    // U+FFFD itself
      {"\xEF\xBF\xBE|\xEF\xBF\xBF", fffd + "|" + fffd},          // U+FFFE, U+FFFF
      {"\xF0\x90\x80\x80\xF4\x8F\xBF\xBF", "\xF0\x90\x80\x80\xF4\x8F\xBF\xBF"},  // U+10000, U+10FFFF
      {"\xED\xA0\x80", fffd + fffd + fffd},  // a surrogate, encoded: three bad bytes
      {"\xC0\xAF|\xFF|\xC3", fffd + fffd + "|" + fffd + "|" + fffd},  // overlong, stray, cut
  };
  for (const auto& [text, written] : cases) EXPECT_EQ(wire::xml_char_data(text), written) << text;
  EXPECT_TRUE(wire::is_xml_char(0x10FFFF));
  EXPECT_FALSE(wire::is_xml_char(0x110000));
}

}  // namespace
}  // namespace codeledger::server::altcraft
