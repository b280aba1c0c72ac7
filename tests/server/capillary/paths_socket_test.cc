// How the Capillary paths are reached over real sockets: seed 002's own example request (a
// POST with an empty body, as `curl --data ''` sends it), a wrong method on a fixed path (405
// naming exactly the methods served there, never the `{promotionId}` pattern's 400), and
// percent-encoded unreserved characters in the path. Each failed before its fix (405, 400,
// 400).
#include <gtest/gtest.h>

#include "server/capillary/routes.h"
#include "tests/support/test_server.h"

namespace codeledger::server::capillary {
namespace {

using codeledger::testing::HttpClient;
using codeledger::testing::HttpResponse;
using codeledger::testing::kAliceRo;
using codeledger::testing::kAliceRw;
using codeledger::testing::TestServer;

constexpr std::string_view kPromotions = "/api_gateway/v1/promotions";
constexpr std::string_view kSeedQuery = "/api_gateway/v1/promotions/code?codes=DQCV73&mode=DISCOUNT";

class CapillaryPaths : public ::testing::Test {
 protected:
  void SetUp() override {
    alice_.set_default_headers(TestServer::auth_headers(kAliceRw));
    HttpResponse created = alice_.post(std::string(kPromotions),
                                       R"({"name":"code_linked promotion","mode":"DISCOUNT"})");
    ASSERT_EQ(created.result_int(), 200u) << created.body();
    const std::string_view body = created.body();
    const auto at = body.find(R"("id":")");
    ASSERT_NE(at, std::string_view::npos) << body;
    const std::string id(body.substr(at + 6, 24));
    HttpResponse imported = alice_.post(std::string(kPromotions) + "/" + id + "/codes",
                                        R"({"codes":["DQCV73"]})");
    ASSERT_EQ(imported.result_int(), 200u) << imported.body();
  }

  // One raw request on a fresh connection, with alice-ro's credentials (the look-up needs
  // only `read`), and its answer.
  HttpResponse send_raw(std::string_view start_line, std::string_view fields = {}) {
    HttpClient c = server_.client();
    EXPECT_TRUE(c.send_raw(std::string(start_line) + " HTTP/1.1\r\nHost: t\r\nAuthorization: " +
                           TestServer::basic(kAliceRo) + "\r\n" + std::string(fields) + "\r\n"));
    auto r = c.read_response();
    EXPECT_TRUE(r) << start_line;
    return r ? *r : HttpResponse{};
  }

  TestServer server_{capillary_routes()};
  HttpClient alice_ = server_.client();
};

// Seed 002's example, byte for byte what `curl --location '...' --header ... --data ''`
// sends: a POST with Content-Length 0. Served exactly as the GET, with or without the length.
TEST_F(CapillaryPaths, Seed002ExampleRequestAsCurlSendsItIsServedAsTheGet) {
  const std::string curl_fields =
      "User-Agent: curl/7.88.1\r\nAccept: application/json\r\n"
      "Content-Type: application/json\r\naccept: application/json\r\nContent-Length: 0\r\n";
  HttpResponse posted = send_raw("POST " + std::string(kSeedQuery), curl_fields);
  ASSERT_EQ(posted.result_int(), 200u) << posted.body();
  HttpResponse got = alice_.get(std::string(kSeedQuery));
  ASSERT_EQ(got.result_int(), 200u) << got.body();
  EXPECT_EQ(posted.body(), got.body());
  EXPECT_NE(posted.body().find(R"("code":"DQCV73")"), std::string::npos) << posted.body();
  HttpResponse no_length = send_raw("POST " + std::string(kSeedQuery));
  EXPECT_EQ(no_length.result_int(), 200u) << no_length.body();
  EXPECT_EQ(no_length.body(), got.body());
}

// A body there is not something the look-up reads: refused, naming the fix, not read as JSON.
TEST_F(CapillaryPaths, APostWithABodyToTheLookUpIsRefusedSayingTheQueryCarriesItsParameters) {
  HttpResponse r = alice_.post(std::string(kSeedQuery), R"({"codes":["DQCV73"]})");
  EXPECT_EQ(r.result_int(), 400u) << r.body();
  EXPECT_NE(r.body().find(R"("errors":[{"code":400,"message":"POST /api_gateway/v1/promotions/code takes no body)"),
            std::string::npos)
      << r.body();
}

// The `{promotionId}` pattern never takes a word another route has at its place: a wrong
// method on a fixed path is 405 with that path's own methods, a path served by no method 404.
TEST_F(CapillaryPaths, AWrongMethodOnAFixedPathIs405WithExactlyItsMethods) {
  struct Case {
    std::string start_line;
    unsigned status;
    std::string allow;
  };
  const std::string p(kPromotions);
  const Case cases[] = {
      {"GET " + p + "/revokeEarn", 405, "POST"},
      {"PUT " + p + "/revokeEarn", 405, "POST"},
      {"PUT " + p + "/code", 405, "GET, HEAD, POST"},
      {"DELETE " + std::string(kSeedQuery), 405, "GET, HEAD, POST"},
      {"PUT " + p + "/redemptions", 405, "GET, HEAD, POST"},
      {"GET " + p + "/code/link", 405, "POST"},
      {"GET " + p + "/customer", 404, ""},
      {"GET " + p + "/code/codes", 404, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.start_line);
    HttpResponse r = send_raw(c.start_line);
    EXPECT_EQ(r.result_int(), c.status) << r.body();
    EXPECT_EQ(r[boost::beast::http::field::allow], c.allow);
    EXPECT_EQ(r.body().find("promotionId"), std::string::npos) << r.body();
  }
}

// RFC 3986 2.3 and 6.2.2.2: an escaped unreserved character is the character; an escaped
// reserved one ('/') is data, not a separator, so it names no route.
TEST_F(CapillaryPaths, EscapedUnreservedCharactersInThePathAreDecodedBeforeRouting) {
  HttpResponse escaped = send_raw("GET /api_gateway/v1/promotions/%63ode?codes=DQCV73&mode=DISCOUNT");
  EXPECT_EQ(escaped.result_int(), 200u) << escaped.body();
  EXPECT_NE(escaped.body().find(R"("code":"DQCV73")"), std::string::npos) << escaped.body();
  HttpResponse mixed = send_raw("GET /%61pi%5Fgateway/v1/promotions/c%6F%64%65?codes=DQCV73&mode=DISCOUNT");
  EXPECT_EQ(mixed.result_int(), 200u) << mixed.body();
  HttpResponse slash = send_raw("GET /api_gateway/v1/promotions%2Fcode?codes=DQCV73&mode=DISCOUNT");
  EXPECT_EQ(slash.result_int(), 404u) << slash.body();
}

}  // namespace
}  // namespace codeledger::server::capillary
