// POST /v3/oauth/token/generate over real sockets: its body is read like every other JSON
// body (duplicate keys, non-objects and oversize fields are 400), and `secret` is the key's
// password or the md5 hex of it (docs/api.md, "Token").
#include <gtest/gtest.h>

#include "tests/support/test_server.h"

namespace codeledger::testing {
namespace {

constexpr std::string_view kTokenPath = "/v3/oauth/token/generate";

std::string body_of(std::string_view key, std::string_view secret) {
  return "{\"key\":\"" + std::string(key) + "\",\"secret\":\"" + std::string(secret) + "\"}";
}

void expect_refused(HttpClient& c, const std::string& body, int status) {
  auto r = c.post(std::string(kTokenPath), body);
  EXPECT_EQ(r.result_int(), status) << body << " -> " << r.body();
  EXPECT_NE(r.body().find("\"errors\":[{\"code\":" + std::to_string(status)), std::string::npos)
      << r.body();
  EXPECT_EQ(r.body().find("accessToken"), std::string::npos) << r.body();
}

TEST(TokenGenerate, DuplicateKeyInTheBodyIs400AndIssuesNoToken) {
  TestServer srv;
  HttpClient c = srv.client();
  // Valid credentials first, a second `key` after: no reader may pick either one.
  expect_refused(c, R"({"key":"alice-rw","secret":"alice-secret","key":"x"})", 400);
  expect_refused(c, R"({"key":"alice-rw","secret":"alice-secret","secret":"alice-secret"})", 400);
  auto r = c.post(std::string(kTokenPath), R"({"key":"alice-rw","secret":"a","key":"x"})");
  EXPECT_NE(r.body().find("duplicate"), std::string::npos) << r.body();
}

TEST(TokenGenerate, BodyThatIsNotAnObjectOrHasOversizeFieldsIs400) {
  TestServer srv;
  HttpClient c = srv.client();
  expect_refused(c, "", 400);
  expect_refused(c, R"(["alice-rw","alice-secret"])", 400);
  expect_refused(c, R"({"key":"alice-rw","secret":null})", 400);
  expect_refused(c, body_of("alice-rw", std::string(1025, 'a')), 400);
  // At the limit the field is read, and the wrong secret is an ordinary 401.
  expect_refused(c, body_of("alice-rw", std::string(1024, 'a')), 401);
}

TEST(TokenGenerate, SecretIsThePasswordOrItsMd5Hex) {
  TestServer srv;
  HttpClient c = srv.client();
  const std::string md5 = server::md5_hex(kAliceRw.password);
  for (const std::string& secret : {std::string(kAliceRw.password), md5}) {
    auto r = c.post(std::string(kTokenPath), body_of(kAliceRw.name, secret));
    EXPECT_EQ(r.result_int(), 200) << secret << " -> " << r.body();
    EXPECT_NE(r.body().find("\"accessToken\":\""), std::string::npos) << r.body();
  }
  // The md5 hex of something else, or of the md5 hex, is a wrong secret.
  expect_refused(c, body_of(kAliceRw.name, server::md5_hex("nope")), 401);
  expect_refused(c, body_of(kAliceRw.name, server::md5_hex(md5)), 401);
}

}  // namespace
}  // namespace codeledger::testing
