// The Altcraft routes behind the real HTTP server: a token from /v3/oauth/token/generate
// given in the body or as a Bearer header, header auth checked by the dispatcher, and both
// formats over the wire.
#include <gtest/gtest.h>
#include <simdjson.h>

#include "server/altcraft/routes.h"
#include "tests/support/test_server.h"

namespace codeledger::server::altcraft {
namespace {

using codeledger::testing::HttpClient;
using codeledger::testing::kAliceRo;
using codeledger::testing::kBobRw;
using codeledger::testing::kOrgA;
using codeledger::testing::TestServer;

constexpr std::string_view kBase = "/api/v1.1/promocodes/";

class AltcraftSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ledger::Op op;
    op.org = kOrgA;
    op.api_key = "setup";
    op.now_ms = ledger::TimeMs{1'762'841'149'535};
    std::vector<ledger::CustomerProfile> profiles(1);
    profiles[0].id = 42;
    profiles[0].external_id = "prof-42";
    ASSERT_TRUE(srv_.ledger().upsert_customers(op, profiles).ok());
    ledger::PromotionSpec spec;
    spec.name = "socket program";
    auto p = srv_.ledger().create_promotion(op, spec);
    ASSERT_TRUE(p.ok());
    const std::string codes[] = {"SOCK01", "SOCK02"};
    ASSERT_TRUE(srv_.ledger().import_codes(op, p->id, codes, {}).ok());
  }

  std::string token(std::string_view key, std::string_view secret) {
    HttpClient c = srv_.client();
    auto gen = c.post("/v3/oauth/token/generate", "{\"key\":\"" + std::string(key) +
                                                      "\",\"secret\":\"" + std::string(secret) + "\"}");
    EXPECT_EQ(gen.result_int(), 200) << gen.body();
    simdjson::dom::parser parser;
    const std::string body = gen.body();
    return std::string(parser.parse(body)["data"]["accessToken"].get_string().value_unsafe());
  }

  static std::int64_t error_of(const std::string& body) {
    simdjson::dom::parser parser;
    std::int64_t e = -1;
    if (parser.parse(body)["error"].get(e) != simdjson::SUCCESS) return -1;
    return e;
  }

  TestServer srv_{altcraft_routes()};
};

TEST_F(AltcraftSocketTest, BodyTokenReachesTheHandlerWithoutAnAuthorizationHeader) {
  const std::string t = token("alice-rw", "alice-secret");
  HttpClient c = srv_.client();
  auto r = c.post(std::string(kBase) + "attach",
                  R"({"token":")" + t + R"(","db_id":1,"loyalty_id":1,"profile_id":"prof-42","code":"SOCK01"})");
  EXPECT_EQ(r.result_int(), 200) << r.body();
  EXPECT_EQ(r.body(), R"({"data":null,"error":0,"error_text":"Successful operation"})");
  auto got = c.post(std::string(kBase) + "get", R"({"token":")" + t + R"(","loyalty_id":1,"code":"SOCK01"})");
  EXPECT_EQ(error_of(got.body()), 0) << got.body();
  EXPECT_NE(got.body().find(R"("profile_id":"prof-42")"), std::string::npos) << got.body();
}

TEST_F(AltcraftSocketTest, BearerHeaderTokenIsCheckedByTheDispatcher) {
  const std::string t = token("alice-rw", "alice-secret");
  HttpClient c = srv_.client();
  auto r = c.post(std::string(kBase) + "get", R"({"loyalty_id":1,"code":"SOCK02"})",
                  {{"Authorization", "Bearer " + t}});
  EXPECT_EQ(r.result_int(), 200) << r.body();
  EXPECT_EQ(error_of(r.body()), 0);
  auto bad = c.post(std::string(kBase) + "get", R"({"loyalty_id":1,"code":"SOCK02"})",
                    {{"Authorization", "Bearer garbage"}});
  EXPECT_EQ(bad.result_int(), 401);
  EXPECT_EQ(error_of(bad.body()), 401);
}

TEST_F(AltcraftSocketTest, MissingTokenIs401AndReadOnlyKeyIs403) {
  HttpClient c = srv_.client();
  auto none = c.post(std::string(kBase) + "get", R"({"loyalty_id":1,"code":"SOCK02"})");
  EXPECT_EQ(none.result_int(), 401);
  EXPECT_EQ(error_of(none.body()), 401);
  auto ro = c.post(std::string(kBase) + "attach",
                   R"({"db_id":1,"loyalty_id":1,"profile_id":"prof-42","code":"SOCK02"})",
                   TestServer::auth_headers(kAliceRo));
  EXPECT_EQ(ro.result_int(), 403);
  EXPECT_EQ(error_of(ro.body()), 403);
}

TEST_F(AltcraftSocketTest, XmlRequestAndAnswerOverTheWire) {
  const std::string t = token("alice-rw", "alice-secret");
  HttpClient c = srv_.client();
  auto r = c.post(std::string(kBase) + "attach",
                  "<xml>\n<token>" + t + "</token>\n<db_id>1</db_id>\n<profile_id>prof-42</profile_id>\n"
                  "<loyalty_id>1</loyalty_id>\n<format>xml</format>\n</xml>",
                  {{"Content-Type", "application/xml"}});
  EXPECT_EQ(r.result_int(), 200) << r.body();
  EXPECT_EQ(r[boost::beast::http::field::content_type], "application/xml; charset=utf-8");
  EXPECT_NE(r.body().find("<error>0</error>"), std::string::npos) << r.body();
  EXPECT_NE(r.body().find("<code>SOCK0"), std::string::npos) << r.body();
}

TEST_F(AltcraftSocketTest, AnotherOrganisationsTokenSeesNothingOfOrgA) {
  const std::string t = token(kBobRw.name, kBobRw.password);
  HttpClient c = srv_.client();
  auto r = c.post(std::string(kBase) + "export_all", R"({"token":")" + t + R"(","loyalty_id":1})");
  EXPECT_EQ(error_of(r.body()), 404) << r.body();
}

// A call with no credential at all (no Authorization header, no body token) is a failed
// authentication like a wrong token: counted, and limited per client address (probe 33: it
// was answered 401 without end and never counted).
TEST(AltcraftSocketRateTest, CallsWithNoCredentialAreCountedAndLimitedPerAddress) {
  TestServer srv(altcraft_routes());
  HttpClient c = srv.client();
  const std::string anonymous = R"({"loyalty_id":1,"code":"SOCK01"})";
  int unauthorized = 0;
  codeledger::testing::HttpResponse r;
  for (int i = 0; i < 100; ++i) {
    r = c.post(std::string(kBase) + "get", anonymous);
    if (r.result_int() != 401) break;
    EXPECT_NE(r.body().find("API token required"), std::string::npos) << r.body();
    ++unauthorized;
  }
  EXPECT_EQ(unauthorized, 20) << "the auth-failure burst";
  EXPECT_EQ(r.result_int(), 429) << r.body();
  EXPECT_EQ(r["RateLimit-Policy"], "\"auth-failures\";q=60;w=60");
  EXPECT_NE(r.body().find(R"("error":429)"), std::string::npos) << r.body();
  const std::string metrics = c.get("/metrics").body();
  EXPECT_NE(metrics.find("\ncodeledger_auth_failures_total 20\n"), std::string::npos) << metrics;
}

TEST(AltcraftSocketRateTest, BodyTokenOverTheKeysRateLimitIs429) {
  TestServer::Options options;
  options.tweak = [](server::Config& c) {
    for (auto& k : c.api_keys) {
      k.rate_limit_per_minute = 1;
      k.rate_limit_burst = 2;  // one for the token's issue, one for the first call
    }
  };
  TestServer srv(altcraft_routes(), std::move(options));
  HttpClient c = srv.client();
  auto gen = c.post("/v3/oauth/token/generate", R"({"key":"bob-rw","secret":"bob-secret"})");
  ASSERT_EQ(gen.result_int(), 200) << gen.body();
  simdjson::dom::parser parser;
  const std::string gen_body = gen.body();
  const std::string t(parser.parse(gen_body)["data"]["accessToken"].get_string().value_unsafe());
  const std::string body = R"({"token":")" + t + R"(","loyalty_id":1,"code":"SOCK01"})";
  auto first = c.post(std::string(kBase) + "get", body);
  EXPECT_NE(first.result_int(), 429) << first.body();
  auto second = c.post(std::string(kBase) + "get", body);
  EXPECT_EQ(second.result_int(), 429) << second.body();
  const std::string second_body = second.body();
  std::int64_t e = -1;
  EXPECT_EQ(parser.parse(second_body)["error"].get(e), simdjson::SUCCESS);
  EXPECT_EQ(e, 429);
  EXPECT_FALSE(second[boost::beast::http::field::retry_after].empty());
}

}  // namespace
}  // namespace codeledger::server::altcraft
