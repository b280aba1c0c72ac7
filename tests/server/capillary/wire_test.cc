// server/wire: JSON writer escaping, ISO-8601 in IANA zones, request field readers.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "server/wire/iso_time.h"
#include "server/wire/json_reader.h"
#include "server/wire/json_writer.h"

namespace codeledger::server::wire {
namespace {

std::string quoted(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

TEST(JsonWriter, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(quoted("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(quoted("\n\r\t\b\f"), R"("\n\r\t\b\f")");
  EXPECT_EQ(quoted(std::string_view("\x00\x01\x1f", 3)), R"("\u0000\u0001\u001f")");
  EXPECT_EQ(quoted("/\x7f"), "\"/\x7f\"");
}

TEST(JsonWriter, PassesValidUtf8Through) {
  EXPECT_EQ(quoted("Привет €𝄞"), "\"Привет €𝄞\"");
}

TEST(JsonWriter, ReplacesInvalidUtf8WithReplacementCharacter) {
  EXPECT_EQ(quoted("a\xff" "b"), "\"a\xEF\xBF\xBD" "b\"");
  EXPECT_EQ(quoted("\xC0\xAF"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");       // overlong '/'
  EXPECT_EQ(quoted("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // surrogate
  EXPECT_EQ(quoted("\xE2\x82"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");       // truncated
  EXPECT_EQ(quoted("ok\"\xff"), "\"ok\\\"\xEF\xBF\xBD\"");
}

// Strings are scanned 8 bytes at a time for bytes to escape: every byte value, at every
// position of a string long enough for two words and a tail, comes out as a byte-by-byte
// writer would write it.
TEST(JsonWriter, EveryByteIsEscapedWhereverItSitsInALongString) {
  const auto escaped = [](unsigned char c) -> std::string {
    switch (c) {
      case '"': return "\\\"";
      case '\\': return "\\\\";
      case '\n': return "\\n";
      case '\r': return "\\r";
      case '\t': return "\\t";
      case '\b': return "\\b";
      case '\f': return "\\f";
    }
    if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      return buf;
    }
    if (c >= 0x80) return "\xEF\xBF\xBD";  // a lone byte above 0x7f is not UTF-8
    return std::string(1, static_cast<char>(c));
  };
  constexpr std::size_t kLength = 19;
  for (int c = 0; c < 256; ++c) {
    for (std::size_t at = 0; at < kLength; ++at) {
      std::string text(kLength, 'a');
      text[at] = static_cast<char>(c);
      const std::string want =
          "\"" + std::string(at, 'a') + escaped(static_cast<unsigned char>(c)) + std::string(kLength - at - 1, 'a') + "\"";
      ASSERT_EQ(quoted(std::string_view(text)), want) << "byte " << c << " at " << at;
    }
  }
}

TEST(JsonWriter, WritesNestedStructuresWithCommas) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("a", 1).field("b", true).key("c").begin_array().value(-5).value("x")
      .null().begin_object().end_object().end_array().field("d", std::uint64_t{18446744073709551615u})
      .key("e", "ISO").value(false).end_object();
  EXPECT_EQ(out, R"({"a":1,"b":true,"c":[-5,"x",null,{}],"d":18446744073709551615,"eISO":false})");
}

// field() writes integers and plain short strings together with their name, and everything
// else through key().value(): both ways must give the same text as the general writers.
TEST(JsonWriter, FieldsWriteWhatKeyAndValueWould) {
  const auto via_field = [](const auto& v) {
    std::string out;
    JsonWriter(out).begin_object().field("n", 0).field("k", v).end_object();
    return out;
  };
  const auto via_value = [](std::string_view text) {
    return "{\"n\":0,\"k\":" + quoted(text) + "}";
  };
  for (int c = 0; c < 256; ++c) {
    std::string text(19, 'a');
    text[5] = static_cast<char>(c);
    ASSERT_EQ(via_field(std::string_view(text)), via_value(text)) << "byte " << c;
  }
  for (const std::size_t n : {0, 1, 127, 128, 129, 4'000}) {  // around the inline limit
    const std::string text(n, 'p');
    EXPECT_EQ(via_field(text), via_value(text)) << n;
    std::string with_quote = text + "\"";
    EXPECT_EQ(via_field(with_quote), via_value(with_quote)) << n;
  }
  const char* pointer = "ptr";
  EXPECT_EQ(via_field(pointer), R"({"n":0,"k":"ptr"})");
  EXPECT_EQ(via_field("literal"), R"({"n":0,"k":"literal"})");
  EXPECT_EQ(via_field(INT64_MIN), R"({"n":0,"k":-9223372036854775808})");
  EXPECT_EQ(via_field(UINT64_MAX), R"({"n":0,"k":18446744073709551615})");
  EXPECT_EQ(via_field(std::int8_t{-7}), R"({"n":0,"k":-7})");
  EXPECT_EQ(via_field(true), R"({"n":0,"k":true})");
  std::string out;
  JsonWriter(out).begin_array().begin_object().field("a", "x").end_object().begin_object()
      .field("b", 2).end_object().end_array();
  EXPECT_EQ(out, R"([{"a":"x"},{"b":2}])") << "commas between objects, none after a brace";
}

// Names from the source go out as they are; the compiler refuses one that would need
// escaping (FieldName's consteval constructor), which is what these check.
static_assert(is_plain_field_name("transactionIdentifier"));
static_assert(is_plain_field_name("error_text"));
static_assert(!is_plain_field_name(""));
static_assert(!is_plain_field_name("a\"b"));
static_assert(!is_plain_field_name("a\\b"));
static_assert(!is_plain_field_name("tab\there"));
static_assert(!is_plain_field_name("caf\xc3\xa9"));
static_assert(!is_plain_field_name(std::string(kFieldNameBytesMax + 1, 'x')));
static_assert(is_plain_field_name(std::string(kFieldNameBytesMax, 'x')));

TEST(JsonWriter, DynamicKeysAreEscapedAndSeparatedLikeFieldNames) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("a", 1).dynamic_key("q\"x\n").value(2).dynamic_key("plain").null()
      .key("t", "ISO").value("z").end_object();
  EXPECT_EQ(out, R"({"a":1,"q\"x\n":2,"plain":null,"tISO":"z"})");
}

TEST(JsonWriter, AppendsToExistingBuffer) {
  std::string out = "prefix:";
  JsonWriter(out).begin_array().value(INT64_MIN).end_array();
  EXPECT_EQ(out, "prefix:[-9223372036854775808]");
}

TEST(IsoTime, UtcUsesZuluAtSecondsPrecision) {
  const IsoZone utc = *IsoZone::find("UTC");
  EXPECT_TRUE(utc.is_utc());
  EXPECT_EQ(utc.format(1762841149535), "2025-11-11T06:05:49Z");  // seed 000 createdOn
  EXPECT_EQ(utc.format(1767205799999), "2025-12-31T18:29:59Z");  // seed 000 validTill
  EXPECT_EQ(utc.format(1763787599999), "2025-11-22T04:59:59Z");  // seed 002 validTill
  EXPECT_EQ(utc.format(0), "1970-01-01T00:00:00Z");
}

TEST(IsoTime, KolkataUsesPlusFiveThirty) {
  const auto ist = IsoZone::find("Asia/Kolkata");
  ASSERT_TRUE(ist.has_value());
  EXPECT_FALSE(ist->is_utc());
  EXPECT_EQ(ist->format(1762841149535), "2025-11-11T11:35:49+05:30");
  // seed 000's own example pair: 08:53:21Z is 14:23:21+05:30
  EXPECT_EQ(ist->format(1770195201000), "2026-02-04T14:23:21+05:30");
}

TEST(IsoTime, NegativeOffsetsAndDaylightSavingTime) {
  const auto ny = IsoZone::find("America/New_York");
  ASSERT_TRUE(ny.has_value());
  EXPECT_EQ(ny->format(1762841149535), "2025-11-11T01:05:49-05:00");  // EST
  EXPECT_EQ(ny->format(1751522911573), "2025-07-03T02:08:31-04:00");  // EDT
  const auto london = IsoZone::find("Europe/London");
  EXPECT_EQ(london->format(1762841149535), "2025-11-11T06:05:49Z");  // GMT: zero offset
}

// write() keeps the last day's text and the last zone interval per thread: answers that
// alternate zones, offsets and days must each get their own.
TEST(IsoTime, InterleavedZonesDaysAndOffsetsEachGetTheirOwnText) {
  const IsoZone utc;
  const IsoZone ist = *IsoZone::find("Asia/Kolkata");
  const IsoZone ny = *IsoZone::find("America/New_York");
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(ny.format(1762841149535), "2025-11-11T01:05:49-05:00");
    EXPECT_EQ(ny.format(1751522911573), "2025-07-03T02:08:31-04:00");  // another interval
    EXPECT_EQ(ny.format(1762841149535), "2025-11-11T01:05:49-05:00");
    EXPECT_EQ(ist.format(1762841149535), "2025-11-11T11:35:49+05:30");  // same instant
    EXPECT_EQ(utc.format(1762841149535), "2025-11-11T06:05:49Z");
    EXPECT_EQ(utc.format(1762819199999), "2025-11-10T23:59:59Z");  // the day before
    EXPECT_EQ(utc.format(1762819200000), "2025-11-11T00:00:00Z");
    EXPECT_EQ(ist.format(1762819199999), "2025-11-11T05:29:59+05:30");  // local day differs
    EXPECT_EQ(ny.format(1762819199999), "2025-11-10T18:59:59-05:00");
  }
  char buf[IsoZone::kTextBytesMax];
  EXPECT_EQ(std::string_view(buf, ist.write(buf, 1770195201000)), "2026-02-04T14:23:21+05:30");
}

TEST(IsoTime, BeforeEpochAndOutOfRangeAreClamped) {
  const IsoZone utc;
  EXPECT_EQ(utc.format(-1), "1969-12-31T23:59:59Z");  // floor, not truncation toward zero
  EXPECT_EQ(utc.format(INT64_MAX), "9999-12-30T23:59:59Z");
  EXPECT_EQ(utc.format(INT64_MIN), "0000-01-02T00:00:00Z");
}

// 9999-12-31T23:59:59.999Z was once the limit: in +05:30 it is local year 10000 and was
// written ":000-01-01T05:29:59+05:30". The limits keep a day's room for any zone's offset.
TEST(IsoTime, TheLimitsKeepFourDigitYearsInTheWidestPlusAndMinusZones) {
  const IsoZone utc;
  const IsoZone ist = *IsoZone::find("Asia/Kolkata");
  const IsoZone ny = *IsoZone::find("America/New_York");
  const IsoZone kiritimati = *IsoZone::find("Pacific/Kiritimati");  // +14:00, the widest
  const IsoZone minus12 = *IsoZone::find("Etc/GMT+12");              // -12:00, the widest
  EXPECT_EQ(utc.format(kIsoTimeMaxMs), "9999-12-30T23:59:59Z");
  EXPECT_EQ(ist.format(kIsoTimeMaxMs), "9999-12-31T05:29:59+05:30");
  EXPECT_EQ(ny.format(kIsoTimeMaxMs), "9999-12-30T18:59:59-05:00");
  EXPECT_EQ(kiritimati.format(kIsoTimeMaxMs), "9999-12-31T13:59:59+14:00");
  EXPECT_EQ(minus12.format(kIsoTimeMaxMs), "9999-12-30T11:59:59-12:00");
  EXPECT_EQ(ist.format(INT64_MAX), "9999-12-31T05:29:59+05:30");  // clamped, still 4 digits
  EXPECT_EQ(utc.format(kIsoTimeMinMs), "0000-01-02T00:00:00Z");
  EXPECT_EQ(minus12.format(INT64_MIN), "0000-01-01T12:00:00-12:00");
}

// Configuration takes zone names only (server/http/config.cc checks them with find()): an
// offset written as a name is not a zone, so no offset beyond the tz database's can occur.
TEST(IsoTime, AnOffsetIsNotAZoneName) {
  EXPECT_FALSE(IsoZone::find("+05:30").has_value());
  EXPECT_FALSE(IsoZone::find("-23:59").has_value());
}

TEST(IsoTime, UnknownZoneIsReportedAndFallsBackToUtc) {
  EXPECT_FALSE(IsoZone::find("Mars/Olympus_Mons").has_value());
  EXPECT_TRUE(IsoZone::find_or_utc("Mars/Olympus_Mons").is_utc());
  EXPECT_FALSE(IsoZone::find("Mars/Olympus_Mons").has_value());  // cached negative
}

TEST(JsonReader, MalformedJsonIsA400NamingTheProblem) {
  auto r = parse_json(R"({"a": 1,})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidRequest);
  EXPECT_NE(r.status().message().find("malformed JSON"), std::string::npos);
  auto empty = parse_json("   ");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("empty"), std::string::npos);
}

TEST(JsonReader, ANumberNoFieldCanHoldIsA400SayingSo) {
  for (const char* body : {R"({"customerId":18446744073709551616})", R"({"amount":1e400})",
                           R"({"customerId":01})"}) {
    auto r = parse_json(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidRequest) << body;
    EXPECT_NE(r.status().message().find("a number is malformed or out of range"),
              std::string::npos)
        << r.status().message();
  }
  // The largest integer simdjson holds still parses; the field's reader judges it (1006).
  EXPECT_TRUE(parse_json(R"({"customerId":18446744073709551615})").ok());
}

TEST(JsonReader, DuplicateKeysAreRejectedAtAnyDepth) {
  auto top = parse_json(R"({"code":"A","code":"B"})");
  ASSERT_FALSE(top.ok());
  EXPECT_NE(top.status().message().find("duplicate key \"code\""), std::string::npos);
  auto nested = parse_json(R"({"r":[{"x":1},{"y":1,"y":2}]})");
  ASSERT_FALSE(nested.ok());
  EXPECT_NE(nested.status().message().find("\"y\""), std::string::npos);
}

// Objects wider than the pairwise limit (16 members) are checked by sorting their keys.
std::string wide_object(int members, std::string_view last_key) {
  std::string o = "{";
  for (int i = 0; i < members - 1; ++i) o += "\"k" + std::to_string(100 + i) + "\":1,";
  return o + "\"" + std::string(last_key) + "\":2}";
}

TEST(JsonReader, DuplicateKeysAreFoundInWideObjectsToo) {
  for (const int members : {16, 17, 256}) {
    SCOPED_TRACE(members);
    EXPECT_TRUE(parse_json(wide_object(members, "last")).ok());
    auto twin_of_first = parse_json(wide_object(members, "k100"));
    ASSERT_FALSE(twin_of_first.ok());
    EXPECT_NE(twin_of_first.status().message().find("duplicate key \"k100\""), std::string::npos);
    auto nested = parse_json(R"({"r":[{"x":1},)" + wide_object(members, "k105") + "]}");
    ASSERT_FALSE(nested.ok());
    EXPECT_NE(nested.status().message().find("duplicate key \"k105\""), std::string::npos);
  }
}

TEST(JsonReader, NestingBeyondDepthMaxIsRejected) {
  JsonLimits limits;
  limits.depth_max = 4;
  EXPECT_TRUE(parse_json("[[[[1]]]]", limits).ok());          // 4 levels: at the limit
  EXPECT_TRUE(parse_json(R"({"a":[{"b":[1]}]})", limits).ok());
  EXPECT_FALSE(parse_json(R"({"a":[{"b":[[1]]}]})", limits).ok());
  auto deep = parse_json("[[[[[1]]]]]", limits);               // 5 levels
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.status().message().find("depth_max"), std::string::npos);
  EXPECT_TRUE(parse_json("[[[[[[1]]]]]]").ok());  // default limit is per call
}

// simdjson does not count an empty container as a level: the limit must hold for them too.
TEST(JsonReader, AnEmptyInnermostContainerCountsAsALevel) {
  JsonLimits limits;
  limits.depth_max = 4;
  EXPECT_TRUE(parse_json("[[[[]]]]", limits).ok());  // 4 levels
  EXPECT_TRUE(parse_json(R"({"a":{"b":{"c":{}}}})", limits).ok());
  for (const char* body : {"[[[[[]]]]]", R"({"a":{"b":{"c":{"d":{}}}}})", R"({"a":[{"b":[[]]}]})"}) {
    auto r = parse_json(body, limits);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_NE(r.status().message().find("nested deeper than 4 levels (depth_max)"), std::string::npos)
        << body << ": " << r.status().message();
  }
  EXPECT_FALSE(parse_json(R"({"x":[[[[[[[[]]]]]]]]})").ok()) << "9 levels at the default 8";
}

TEST(JsonReader, TooManyMembersAreRejected) {
  JsonLimits limits;
  limits.object_members_max = 2;
  EXPECT_FALSE(parse_json(R"({"a":1,"b":2,"c":3})", limits).ok());
}

TEST(JsonReader, FieldsNameTheFieldInEveryFailure) {
  auto doc = parse_json(R"({"s":1,"i":"x","b":"true","m":"CASH","o":"zz","a":[1,2,3]})");
  ASSERT_TRUE(doc.ok());
  const dom::object obj(*doc);
  const auto first_error = [&](auto read) {
    Fields f(obj, "req.");
    read(f);
    return f.status();
  };
  EXPECT_EQ(first_error([](Fields& f) { (void)f.string("s", Need::kRequired, 10); }).message(),
            "req.s must be a string, got a number");
  EXPECT_EQ(first_error([](Fields& f) { (void)f.integer("i", Need::kRequired, 0, 9); }).message(),
            "req.i must be an integer, got a string");
  EXPECT_EQ(first_error([](Fields& f) { (void)f.boolean("b", Need::kRequired); }).message(),
            "req.b must be a boolean, got a string");
  EXPECT_EQ(first_error([](Fields& f) { (void)f.mode("m", Need::kRequired); }).message(),
            "req.m must be DISCOUNT or PAYMENT_VOUCHER");
  EXPECT_EQ(first_error([](Fields& f) { (void)f.object_id("o", Need::kRequired); }).message(),
            "req.o must be a 24-character hexadecimal id");
  EXPECT_EQ(first_error([](Fields& f) { (void)f.array("a", Need::kRequired, 2); }).message(),
            "req.a has more than 2 items");
  EXPECT_EQ(first_error([](Fields& f) { (void)f.string("missing", Need::kRequired, 2); }).message(),
            "req.missing is required");
  EXPECT_TRUE(first_error([](Fields& f) { (void)f.string("missing", Need::kOptional, 2); }).ok());
}

// Names are built in a 64-byte buffer; a longer prefix + name goes to the heap, whole.
TEST(JsonReader, LongFieldNamesAreNamedWhole) {
  auto doc = parse_json(R"({"s":1})");
  ASSERT_TRUE(doc.ok());
  const std::string where = std::string(70, 'w') + ".";
  for (const std::string& prefix : {std::string(), std::string(60, 'p') + ".", where}) {
    Fields f(dom::object(*doc), prefix);
    (void)f.string("s", Need::kRequired, 10);
    EXPECT_EQ(f.status().message(), prefix + "s must be a string, got a number");
    Fields g(dom::object(*doc), prefix);
    (void)g.string("absent", Need::kRequired, 10);
    EXPECT_EQ(g.status().message(), prefix + "absent is required");
  }
}

TEST(JsonReader, FirstFailureSticks) {
  auto doc = parse_json(R"({"a":"x","b":"y"})");
  ASSERT_TRUE(doc.ok());
  Fields f{dom::object(*doc)};
  EXPECT_FALSE(f.integer("a", Need::kRequired, 0, 1).has_value());
  EXPECT_FALSE(f.string("b", Need::kRequired, 10).has_value());  // not read after a failure
  EXPECT_EQ(f.status().message(), "a must be an integer, got a string");
}

TEST(JsonReader, CustomerIdAcceptsNumberOrNumericString) {
  auto doc = parse_json(
      R"([566881933,"566135941",0,-4,"12a","",null,1.5,true,{},9223372036854775808])");
  ASSERT_TRUE(doc.ok());
  std::vector<Status> results;
  std::vector<ledger::CustomerId> ids;
  for (dom::element e : dom::array(*doc)) {
    ledger::CustomerId id = 0;
    results.push_back(read_customer_id(e, "customerId", id));
    ids.push_back(id);
  }
  EXPECT_TRUE(results[0].ok());
  EXPECT_EQ(ids[0], 566881933u);
  EXPECT_TRUE(results[1].ok());
  EXPECT_EQ(ids[1], 566135941u);
  for (std::size_t i : {2, 3, 4, 5, 6, 7, 10}) {
    EXPECT_EQ(results[i].code(), ErrorCode::kInvalidCustomer) << i;
    EXPECT_NE(results[i].message().find("customerId must be a positive integer"),
              std::string::npos);
  }
  EXPECT_EQ(results[8].code(), ErrorCode::kInvalidRequest);  // wrong JSON type
  EXPECT_EQ(results[9].code(), ErrorCode::kInvalidRequest);
}

TEST(JsonReader, IntegersAcceptWholeDecimalsOnly) {
  auto doc = parse_json(R"([1000.0, 10.5, 18446744073709551615, 7])");
  ASSERT_TRUE(doc.ok());
  std::vector<std::int64_t> v(4);
  std::vector<Status> s;
  std::size_t i = 0;
  for (dom::element e : dom::array(*doc)) {
    s.push_back(read_integer(e, "amount", 0, 5000, v[i]));
    ++i;
  }
  EXPECT_TRUE(s[0].ok());
  EXPECT_EQ(v[0], 1000);
  EXPECT_EQ(s[1].message(), "amount must be an integer");
  EXPECT_EQ(s[2].message(), "amount must be between 0 and 5000");  // as any value out of range
  EXPECT_TRUE(s[3].ok());
}

}  // namespace
}  // namespace codeledger::server::wire
