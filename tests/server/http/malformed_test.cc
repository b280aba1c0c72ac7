// Malformed requests to the Capillary endpoints over real sockets: each is answered 400 with
// the offending field (or the JSON problem) named, and the ledger's state hash is unchanged.
// A well-formed control request shows the hash does move when something is written.
#include <gtest/gtest.h>

#include <simdjson.h>

#include "server/capillary/demo.h"
#include "server/capillary/routes.h"
#include "tests/support/test_server.h"

namespace codeledger::testing {
namespace {

struct Malformed {
  const char* name;
  http::verb verb;
  std::string target;  // "{P}" is replaced by the issuable promotion's id
  std::string body;
  const char* names;   // the answer's message must contain this
};

std::string repeat_ids(std::size_t n) {
  std::string s = "[";
  for (std::size_t i = 0; i < n; ++i) s += (i ? ",1" : "1");
  return s + "]";
}

std::string nested(std::size_t depth) {
  return "{\"customerId\":" + std::string(depth, '[') + "1" + std::string(depth, ']') + "}";
}

std::vector<Malformed> table() {
  const std::string link = "/api_gateway/v1/promotions/code/link";
  const std::string redeem = "/api_gateway/v1/promotions/redemptions";
  const std::string bulk = "/api_gateway/v1/promotions/{P}/issueBulk?contextId=68fb1c9731d91c625a8d9e80";
  const std::string code = R"("code":"DQCV73","mode":"DISCOUNT")";
  using V = http::verb;
  return {
      {"BrokenJson", V::post, link, R"({"customerId": 566881933, "code": "DQCV73)", "JSON"},
      {"EmptyBody", V::post, link, "", "JSON"},
      {"NotAnObject", V::post, link, "[1,2]", "request body"},
      {"WrongTypeCode", V::post, link, R"({"customerId":566881933,"code":12345,"mode":"DISCOUNT"})", "code"},
      {"WrongTypeCustomer", V::post, link, R"({"customerId":true,)" + code + "}", "customerId"},
      // Beyond 64 bits simdjson fails the whole parse, so the message names the number, not
      // the field (server/wire/json_reader.cc: parse_json).
      {"HugeNumber", V::post, link, R"({"customerId":99999999999999999999999,)" + code + "}", "number"},
      {"HugeButParsableNumber", V::post, link, R"({"customerId":18446744073709551615,)" + code + "}",
       "customerId"},
      {"NegativeId", V::post, link, R"({"customerId":-5,)" + code + "}", "customerId"},
      {"ZeroId", V::post, link, R"({"customerId":0,)" + code + "}", "customerId"},
      {"FractionalId", V::post, link, R"({"customerId":1.5,)" + code + "}", "customerId"},
      {"MissingField", V::post, link, R"({"customerId":566881933,"mode":"DISCOUNT"})", "code"},
      {"BadMode", V::post, link, R"({"customerId":566881933,"code":"DQCV73","mode":"FREE"})", "mode"},
      {"NonUtf8", V::post, link, "{\"customerId\":566881933,\"code\":\"DQ\xff\xfe\",\"mode\":\"DISCOUNT\"}", "UTF-8"},
      {"DuplicateKeys", V::post, link, R"({"customerId":566881933,"customerId":566135941,)" + code + "}", "customerId"},
      {"TooDeep", V::post, link, nested(40), "depth"},
      {"RedeemWithoutItems", V::post, redeem,
       R"({"customerId":566881933,"transactionIdentifier":"T1","redemptions":[]})", "redemptions"},
      {"RedeemNegativeAmount", V::post, redeem,
       R"({"customerId":566881933,"transactionIdentifier":"T1","amount":-1,"redemptions":[{"code":"DQCV73"}]})",
       "amount"},
      {"IssueBulkNotAnArray", V::post, bulk, R"({"ids":[566881933]})", "request body"},
      {"IssueBulkTooMany", V::post, bulk, repeat_ids(1'001), "request body"},
      {"IssueBulkWrongItemType", V::post, bulk, R"(["566881933x"])", "customerIds[0]"},
      {"IssueBulkNegativeId", V::post, bulk, R"([566881933,-2])", "customerIds[1]"},
  };
}

class MalformedCapillary : public ::testing::Test {
 protected:
  MalformedCapillary() : srv_(server::capillary::capillary_routes()) {
    const auto ids = server::capillary::seed_demo(srv_.ledger(), kOrgA, server::system_clock_ms());
    promotion_ = ids.issuable_promotion.hex();
  }
  std::string target(std::string t) const {
    if (auto at = t.find("{P}"); at != std::string::npos) t.replace(at, 3, promotion_);
    return t;
  }
  TestServer srv_;
  std::string promotion_;
};

TEST_F(MalformedCapillary, EachMalformedRequestIs400NamingTheFieldAndChangesNothing) {
  HttpClient c = srv_.client();
  c.set_default_headers(TestServer::auth_headers(kAliceRw));
  for (const Malformed& m : table()) {
    SCOPED_TRACE(m.name);
    const std::uint64_t before = srv_.ledger().state_hash();
    auto r = c.request(m.verb, target(m.target), m.body);
    ASSERT_EQ(r.result_int(), 400) << r.body();
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(r.body()).get(doc), simdjson::SUCCESS) << r.body();
    std::string_view message;
    ASSERT_EQ(doc["errors"].at(0)["message"].get_string().get(message), simdjson::SUCCESS) << r.body();
    EXPECT_NE(message.find(m.names), std::string_view::npos)
        << "message '" << message << "' should name '" << m.names << "'";
    EXPECT_EQ(srv_.ledger().state_hash(), before) << "a refused request changed the ledger";
    EXPECT_TRUE(r.keep_alive()) << "a body-level refusal keeps the connection";
  }
}

TEST_F(MalformedCapillary, WellFormedControlRequestDoesChangeTheHash) {
  HttpClient c = srv_.client();
  c.set_default_headers(TestServer::auth_headers(kAliceRw));
  const std::uint64_t before = srv_.ledger().state_hash();
  auto r = c.post("/api_gateway/v1/promotions/code/link",
                  R"({"customerId":566881933,"code":"DQCV73","mode":"DISCOUNT"})");
  ASSERT_EQ(r.result_int(), 200) << r.body();
  EXPECT_NE(srv_.ledger().state_hash(), before);
}

}  // namespace
}  // namespace codeledger::testing
