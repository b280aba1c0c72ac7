#include "bench/load/classify.h"

#include <gtest/gtest.h>

#include <string>

namespace codeledger::bench {
namespace {

// classify_http reads the body in place: it needs SIMDJSON_PADDING bytes after its end.
Classified classify(unsigned status, const std::string& body) {
  std::string buffer = body;
  buffer.append(simdjson::SIMDJSON_PADDING, '\0');
  simdjson::ondemand::parser parser;
  return classify_http(status, std::string_view(buffer.data(), body.size()), parser);
}

TEST(ClassifyHttp, AnEnvelopeWithDataIsOk) {
  EXPECT_EQ(classify(200, R"({"data":{"code":"A"},"errors":[]})").outcome, Outcome::kOk);
  EXPECT_EQ(classify(200, R"({"errors":[]})").outcome, Outcome::kBadBody);
}

TEST(ClassifyHttp, TheFirstDomainCodeNamesTheOutcome) {
  const Classified used = classify(400, R"({"data":null,"errors":[{"code":1004,"message":"x"}]})");
  EXPECT_EQ(used.outcome, Outcome::kAlreadyRedeemed);
  EXPECT_EQ(used.code, 1004);
  EXPECT_EQ(classify(400, R"({"data":null,"errors":[{"code":1005}]})").outcome, Outcome::kLinkedElsewhere);
  const Classified other = classify(400, R"({"data":null,"errors":[{"code":1001},{"code":1004}]})");
  EXPECT_EQ(other.outcome, Outcome::kRejected);
  EXPECT_EQ(other.code, 1001);
}

TEST(ClassifyHttp, A429IsTheRateLimitWhateverItsBody) {
  for (const std::string body :
       {R"({"data":null,"errors":[{"code":429,"message":"rate limit exceeded"}]})", "Too Many Requests", ""}) {
    const Classified c = classify(429, body);
    EXPECT_EQ(c.outcome, Outcome::kRateLimited) << body;
    EXPECT_EQ(c.code, 429);
  }
  EXPECT_EQ(outcome_name(Outcome::kRateLimited), "429_rate_limited");
}

TEST(ClassifyHttp, ServerErrorsAndStrayBodiesAreTold) {
  for (const std::string body : {"Service Unavailable", "", "[]"}) {
    const Classified c = classify(503, body);
    EXPECT_EQ(c.outcome, Outcome::kHttpError) << body;
    EXPECT_EQ(c.code, 503);
  }
  EXPECT_EQ(classify(404, "<html>not found</html>").outcome, Outcome::kBadBody);
  const Classified bare = classify(404, "{}");
  EXPECT_EQ(bare.outcome, Outcome::kHttpError);
  EXPECT_EQ(bare.code, 404);
  EXPECT_EQ(classify(400, R"({"errors":[{"message":"no code"}]})").outcome, Outcome::kBadBody);
}

// A server error is an error whatever its body says: a 500 carrying the 1004 envelope a
// redeem scenario expects must not pass for that 1004 (probe 33).
TEST(ClassifyHttp, AServerErrorWithADomainCodeIsStillAServerError) {
  const Classified c = classify(500, R"({"data":null,"errors":[{"code":1004,"message":"used"}]})");
  EXPECT_EQ(c.outcome, Outcome::kHttpError);
  EXPECT_EQ(c.code, 500);
  EXPECT_FALSE(expected(Scenario::kRedeem, OpKind::kRedeem, c.outcome));
  EXPECT_EQ(classify(400, R"({"data":null,"errors":[{"code":1004,"message":"used"}]})").outcome,
            Outcome::kAlreadyRedeemed);
}

TEST(Expected, OnlyASecondRedeemOfAUsedCodeIsPartOfTheLoad) {
  EXPECT_TRUE(expected(Scenario::kHotCode, OpKind::kRedeem, Outcome::kAlreadyRedeemed));
  EXPECT_FALSE(expected(Scenario::kHotCode, OpKind::kRedeem, Outcome::kRateLimited));
  EXPECT_FALSE(expected(Scenario::kPeakSale, OpKind::kLink, Outcome::kRejected));
}

}  // namespace
}  // namespace codeledger::bench
