// POST /v3/oauth/token/generate over real sockets: its body is read like every other JSON
// body (duplicate keys, non-objects and oversize fields are 400), and `secret` is the key's
// password or the md5 hex of it (docs/api.md, "Token").
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "server/dialects/routes.h"
#include "server/http/auth.h"
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

// RFC 9110 15.5.2: a 401 carries a challenge. The token endpoint's did not, though every
// other 401 and docs/api.md ("Errors of every endpoint") do (probe 39, item 11).
TEST(TokenGenerate, AWrongSecretIs401WithTheChallengeOfEvery401) {
  TestServer srv;
  HttpClient c = srv.client();
  auto r = c.post(std::string(kTokenPath), body_of(kAliceRw.name, "wrong"));
  EXPECT_EQ(r.result_int(), 401) << r.body();
  EXPECT_EQ(r[http::field::www_authenticate], R"(Basic realm="codeledger")");
  auto header = c.post("/admin/reload", "", {{"Authorization", "Bearer nope"}});
  EXPECT_EQ(header.result_int(), 401) << header.body();
  EXPECT_EQ(header[http::field::www_authenticate], R"(Basic realm="codeledger")");
}

// Tokens live in the server's memory only (docs/api.md, "Token"): the server started after a
// restart refuses a token of the one before it, as a header and as Altcraft's body token.
TEST(TokenUse, ATokenEndsWithTheServerThatIssuedIt) {
  std::string token;
  {
    TestServer before(server::dialect_routes());
    HttpClient c = before.client();
    auto gen = c.post(std::string(kTokenPath), body_of(kAliceRw.name, kAliceRw.password));
    ASSERT_EQ(gen.result_int(), 200) << gen.body();
    token = gen.body().substr(gen.body().find("\"accessToken\":\"") + 15, 64);
    EXPECT_EQ(c.get("/api_gateway/v1/promotions", {{"Authorization", "Bearer " + token}}).result_int(), 200);
  }
  TestServer after(server::dialect_routes());
  HttpClient c = after.client();
  auto header = c.get("/api_gateway/v1/promotions", {{"Authorization", "Bearer " + token}});
  EXPECT_EQ(header.result_int(), 401) << header.body();
  EXPECT_NE(header.body().find(R"("message":"invalid or expired access token")"), std::string::npos)
      << header.body();
  auto body = c.post("/api/v1.1/promocodes/get", R"({"token":")" + token + R"(","loyalty_id":1,"code":"DQCV73"})");
  EXPECT_EQ(body.result_int(), 401) << body.body();
  EXPECT_NE(body.body().find(R"("error_text":"API token is invalid or expired")"), std::string::npos)
      << body.body();
}

// `Authorization: Bearer ` (the token left out, as an unset variable in a script leaves it)
// names the missing token, not the scheme that was sent (probe 39, item 11).
TEST(TokenUse, ASchemeWithoutItsCredentialsIs401SayingTheyAreMissing) {
  TestServer srv;
  HttpClient c = srv.client();
  struct Case {
    std::string authorization;
    std::string message;
  };
  const Case cases[] = {
      {"Bearer ", "missing access token after Bearer"},
      {"Bearer", "missing access token after Bearer"},
      {"bearer    ", "missing access token after Bearer"},
      {"Basic ", "missing credentials after Basic"},
      {"Digest abc", "unsupported Authorization scheme (Basic or Bearer)"},
  };
  for (const Case& tc : cases) {
    SCOPED_TRACE(tc.authorization);
    auto r = c.post("/admin/reload", "", {{"Authorization", tc.authorization}});
    EXPECT_EQ(r.result_int(), 401) << r.body();
    EXPECT_NE(r.body().find(R"("message":")" + tc.message + "\""), std::string::npos) << r.body();
  }
}

// An issue is charged to the issuing key's rate limit like any request, and a refused one
// issues nothing (probe 34c: issuing was unmetered, 9,000 tokens a second from one client).
TEST(TokenGenerate, EachIssueIsChargedToTheKeysRateLimit) {
  TestServer srv({}, TestServer::alice_limited(60, 2));
  HttpClient c = srv.client();
  for (int i = 0; i < 2; ++i) {
    auto r = c.post(std::string(kTokenPath), body_of(kAliceRw.name, kAliceRw.password));
    ASSERT_EQ(r.result_int(), 200) << r.body();
    EXPECT_EQ(r["RateLimit-Policy"], "\"default\";q=60;w=60");
  }
  auto refused = c.post(std::string(kTokenPath), body_of(kAliceRw.name, kAliceRw.password));
  EXPECT_EQ(refused.result_int(), 429) << refused.body();
  EXPECT_EQ(refused["Retry-After"], "1");
  EXPECT_NE(refused.body().find("rate limit exceeded for API key 'alice-rw'"), std::string::npos)
      << refused.body();
  EXPECT_EQ(srv.server().auth().token_count(), 2u);
  // Another key's issues are its own.
  EXPECT_EQ(c.post(std::string(kTokenPath), body_of(kBobRw.name, kBobRw.password)).result_int(), 200);
}

// auth.tokens_max caps the live tokens of the whole server (docs/operations.md): the token
// store is split into stripes for lookup concurrency, and the cap must not be split with it.

struct StillClock {
  ledger::TimeMs now = 1'700'000'000'000;
  server::Clock fn() { return [this] { return now; }; }
};

server::Auth auth_with_tokens_max(std::size_t tokens_max, server::Clock clock = server::system_clock_ms) {
  server::Config c = test_config();
  c.tokens_max = tokens_max;
  c.token_ttl_s = 60;
  return server::Auth(c, std::move(clock));
}

std::vector<std::string> issue(server::Auth& auth, std::size_t n) {
  std::vector<std::string> tokens;
  for (std::size_t i = 0; i < n; ++i) {
    auto t = auth.generate_token(kAliceRw.name, kAliceRw.password);
    if (!t) ADD_FAILURE() << "token " << i << " refused";
    else tokens.push_back(t->access_token);
  }
  return tokens;
}

std::size_t count_valid(const server::Auth& auth, const std::vector<std::string>& tokens) {
  return static_cast<std::size_t>(std::count_if(tokens.begin(), tokens.end(), [&](const std::string& t) {
    return auth.authenticate_token(t).has_value();
  }));
}

TEST(TokenCap, IssuingUpToTokensMaxEvictsNothing) {
  for (std::size_t cap : {std::size_t{3}, std::size_t{64}, std::size_t{1000}}) {
    server::Auth auth = auth_with_tokens_max(cap);
    const auto tokens = issue(auth, cap);
    EXPECT_EQ(count_valid(auth, tokens), cap) << "tokens_max " << cap;
    EXPECT_EQ(auth.token_count(), cap) << "tokens_max " << cap;
  }
}

// Every token below is issued in the same millisecond, so all expire together: the tie goes
// to the one issued first, as it would for tokens issued apart.
TEST(TokenCap, OneMoreTokenEvictsExactlyTheOldest) {
  for (std::size_t cap : {std::size_t{3}, std::size_t{64}}) {
    StillClock clock;
    server::Auth auth = auth_with_tokens_max(cap, clock.fn());
    auto tokens = issue(auth, cap + 1);
    ASSERT_EQ(tokens.size(), cap + 1);
    EXPECT_FALSE(auth.authenticate_token(tokens.front())) << "tokens_max " << cap;
    tokens.erase(tokens.begin());
    EXPECT_EQ(count_valid(auth, tokens), cap) << "tokens_max " << cap;
    EXPECT_EQ(auth.token_count(), cap);
  }
}

TEST(TokenCap, EachNewTokenEvictsTheOldestAcrossManyIssues) {
  StillClock clock;
  server::Auth auth = auth_with_tokens_max(3, clock.fn());
  std::vector<std::string> tokens;
  for (int i = 0; i < 100; ++i) {
    clock.now += i % 3;  // some in the same millisecond, some apart
    tokens.push_back(issue(auth, 1).at(0));
    const std::size_t live = std::min<std::size_t>(tokens.size(), 3);
    const std::vector<std::string> newest(tokens.end() - static_cast<std::ptrdiff_t>(live), tokens.end());
    ASSERT_EQ(count_valid(auth, newest), live) << "after token " << i;
    ASSERT_EQ(count_valid(auth, tokens), live) << "after token " << i;
    ASSERT_EQ(auth.token_count(), live);
  }
}

// io threads issue and look up at once; the cap still counts every stripe.
TEST(TokenCap, HoldsServerWideWhileThreadsIssueAndLookUp) {
  server::Auth auth = auth_with_tokens_max(3);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 60;
  std::vector<std::vector<std::string>> issued(kThreads);
  std::atomic<std::size_t> over_cap{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        issued[t].push_back(issue(auth, 1).at(0));
        auth.authenticate_token(issued[t].back());
        if (auth.token_count() > 3) over_cap.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(over_cap.load(), 0u);
  std::vector<std::string> all;
  for (const auto& v : issued) all.insert(all.end(), v.begin(), v.end());
  ASSERT_EQ(all.size(), std::size_t{kThreads * kPerThread});
  EXPECT_EQ(count_valid(auth, all), 3u);
  EXPECT_EQ(auth.token_count(), 3u);
}

// Expired tokens do not hold places: a full store of expired ones evicts no live token.
TEST(TokenCap, ExpiredTokensMakeRoomBeforeAnyLiveOneIsEvicted) {
  StillClock clock;
  server::Auth auth = auth_with_tokens_max(3, clock.fn());
  const auto early = issue(auth, 2);
  clock.now += 30'000;
  const auto middle = issue(auth, 1);
  clock.now += 30'000;  // `early` expire now, `middle` lives 30 s more
  const auto late = issue(auth, 2);
  EXPECT_EQ(count_valid(auth, early), 0u);
  EXPECT_EQ(count_valid(auth, middle), 1u);
  EXPECT_EQ(count_valid(auth, late), 2u);
  EXPECT_EQ(auth.token_count(), 3u);
}

std::vector<std::string> issue_as(server::Auth& auth, const TestKey& key, std::size_t n) {
  std::vector<std::string> tokens;
  for (std::size_t i = 0; i < n; ++i) tokens.push_back(auth.generate_token(key.name, key.password)->access_token);
  return tokens;
}

// A full store takes the place from the issuing key when it holds its share or more: a key
// of one organisation issuing without end ends only its own tokens, never another
// organisation's (probe 34c: a read-only key ended every other tenant's tokens this way).
TEST(TokenCap, AKeyIssuingWithoutEndEndsOnlyItsOwnTokens) {
  server::Auth auth = auth_with_tokens_max(4);
  const auto alices = issue(auth, 1);
  const auto bobs = issue_as(auth, kBobRw, 50);
  EXPECT_EQ(count_valid(auth, alices), 1u) << "another organisation's token was ended";
  EXPECT_EQ(count_valid(auth, bobs), 3u);
  EXPECT_TRUE(auth.authenticate_token(bobs.back()));
  EXPECT_EQ(auth.token_count(), 4u);
}

// A key under its share takes the place from the key holding the most.
TEST(TokenCap, AKeyUnderItsShareTakesThePlaceOfTheBiggestHolder) {
  server::Auth auth = auth_with_tokens_max(4);
  const auto bobs = issue_as(auth, kBobRw, 4);
  const auto alices = issue(auth, 1);
  EXPECT_EQ(count_valid(auth, alices), 1u);
  EXPECT_FALSE(auth.authenticate_token(bobs.front())) << "the biggest holder's oldest goes";
  EXPECT_EQ(count_valid(auth, bobs), 3u);
}

// Fewer places than keys: every share is one token, and shares add up to more than the
// store holds, so a key within its share can lose its token; the one that goes is the
// oldest among the biggest holders, whatever the map's order (probe 34e).
TEST(TokenCap, WithFewerPlacesThanKeysTheOldestOfTheBiggestHoldersGoes) {
  StillClock clock;
  server::Auth auth = auth_with_tokens_max(2, clock.fn());
  const auto alice = issue(auth, 1);
  clock.now += 1;
  const auto bob = issue_as(auth, kBobRw, 1);
  clock.now += 1;
  const auto third = issue_as(auth, kAliceRo, 1);
  EXPECT_FALSE(auth.authenticate_token(alice[0])) << "the oldest of the equal holders";
  EXPECT_TRUE(auth.authenticate_token(bob[0]));
  EXPECT_TRUE(auth.authenticate_token(third[0]));
}

// A key reload that removes a key ends its tokens, and they stop taking places at once.
TEST(TokenCap, TokensOfARemovedKeyFreeTheirPlacesOnReload) {
  server::Config c = test_config();
  c.tokens_max = 3;
  server::Auth auth(c);
  const auto bobs = std::vector<std::string>{
      auth.generate_token(kBobRw.name, kBobRw.password)->access_token,
      auth.generate_token(kBobRw.name, kBobRw.password)->access_token};
  const auto alices = issue(auth, 1);
  std::erase_if(c.api_keys, [](const server::ApiKeyConfig& k) { return k.name == kBobRw.name; });
  auth.reload_keys(c);
  EXPECT_EQ(auth.token_count(), 1u);
  const auto more = issue(auth, 2);
  EXPECT_EQ(count_valid(auth, bobs), 0u);
  EXPECT_EQ(count_valid(auth, alices), 1u);
  EXPECT_EQ(count_valid(auth, more), 2u);
}

// A key's name can be given to another key: revoked and re-added with a new secret (a
// rotated leak), or in another organisation. Tokens belong to the key that issued them, not
// to its name: they end at the reload, and never reach the other organisation (probe 33).
void expect_reissued_key_ends_old_tokens(const TestKey& replacement) {
  server::Config c = test_config();
  server::Auth auth(c);
  const auto old_token = auth.generate_token(kBobRw.name, kBobRw.password)->access_token;
  const auto alices = issue(auth, 1);
  ASSERT_TRUE(auth.authenticate_token(old_token));
  for (auto& k : c.api_keys) {
    if (k.name == kBobRw.name) k = make_key_config(replacement);
  }
  auth.reload_keys(c);
  EXPECT_FALSE(auth.authenticate_token(old_token)) << replacement.password;
  EXPECT_EQ(auth.token_count(), 1u) << "the old token still holds a place";
  EXPECT_EQ(count_valid(auth, alices), 1u);
  const auto fresh = auth.generate_token(replacement.name, replacement.password);
  ASSERT_TRUE(fresh);
  const auto caller = auth.authenticate_token(fresh->access_token);
  ASSERT_TRUE(caller);
  EXPECT_EQ(caller->org, replacement.org);
  if (replacement.password != kBobRw.password) {
    EXPECT_FALSE(auth.generate_token(kBobRw.name, kBobRw.password)) << "the old secret issues";
  }
}

TEST(TokenRevocation, AKeyReAddedWithANewSecretEndsTheOldSecretsTokens) {
  expect_reissued_key_ends_old_tokens(TestKey{kBobRw.name, "rotated-secret", kBobRw.org, kBobRw.scopes});
}

TEST(TokenRevocation, AKeyNameReusedInAnotherOrganisationEndsTheOldTokens) {
  expect_reissued_key_ends_old_tokens(TestKey{kBobRw.name, kBobRw.password, kAliceRw.org, kBobRw.scopes});
}

// Scopes are the key's, read at each use: a reload that changes them keeps the token and
// applies the new scopes to it.
TEST(TokenRevocation, AScopeChangeKeepsTheTokenWithTheNewScopes) {
  server::Config c = test_config();
  server::Auth auth(c);
  const auto token = auth.generate_token(kBobRw.name, kBobRw.password)->access_token;
  for (auto& k : c.api_keys) {
    if (k.name == kBobRw.name) k = make_key_config(TestKey{kBobRw.name, kBobRw.password, kBobRw.org, 0});
  }
  auth.reload_keys(c);
  const auto caller = auth.authenticate_token(token);
  ASSERT_TRUE(caller);
  EXPECT_EQ(caller->scopes, 0);
  EXPECT_EQ(caller->org, kBobRw.org);
}

}  // namespace
}  // namespace codeledger::testing
