// The router where a literal word and a `{name}` segment meet (probe 39, item 5), and the
// path's escaped unreserved characters, decoded before routing.
#include <gtest/gtest.h>

#include "server/http/router.h"

namespace codeledger::server {
namespace {

Reply ok_reply(RequestContext&) { return {}; }

// The Capillary shapes that collided: fixed words beside `{promotionId}`.
Router promotions_router() {
  const std::string p = "/api_gateway/v1/promotions";
  Router r;
  r.add(Route{http::verb::post, p + "/code/link", &ok_reply, Scope::kWrite});
  r.add(Route{http::verb::get, p + "/code", &ok_reply, Scope::kRead});
  r.add(Route{http::verb::post, p + "/code", &ok_reply, Scope::kRead});
  r.add(Route{http::verb::post, p + "/redemptions", &ok_reply, Scope::kWrite});
  r.add(Route{http::verb::get, p + "/redemptions", &ok_reply, Scope::kRead});
  r.add(Route{http::verb::post, p + "/revokeEarn", &ok_reply, Scope::kWrite});
  r.add(Route{http::verb::get, p + "/customer/{customerId}", &ok_reply, Scope::kRead});
  r.add(Route{http::verb::post, p + "/{promotionId}/issueBulk", &ok_reply, Scope::kWrite});
  r.add(Route{http::verb::get, p + "/{promotionId}/codes", &ok_reply, Scope::kAdmin});
  r.add(Route{http::verb::put, p + "/{promotionId}", &ok_reply, Scope::kAdmin});
  r.add(Route{http::verb::get, p + "/{promotionId}", &ok_reply, Scope::kRead});
  return r;
}

RouteMatch match(const Router& r, http::verb method, std::string_view path) {
  PathParams params;
  return r.match(method, path, params);
}

TEST(RouterWords, AWrongMethodOnAFixedPathIs405WithOnlyThatPathsMethods) {
  const Router r = promotions_router();
  struct Case {
    http::verb method;
    std::string_view path;
    std::string_view allow;
  };
  for (const Case& c : {
           Case{http::verb::get, "/api_gateway/v1/promotions/revokeEarn", "POST"},
           Case{http::verb::put, "/api_gateway/v1/promotions/revokeEarn", "POST"},
           Case{http::verb::put, "/api_gateway/v1/promotions/code", "GET, HEAD, POST"},
           Case{http::verb::delete_, "/api_gateway/v1/promotions/code", "GET, HEAD, POST"},
           Case{http::verb::put, "/api_gateway/v1/promotions/redemptions", "GET, HEAD, POST"},
       }) {
    SCOPED_TRACE(c.path);
    const RouteMatch m = match(r, c.method, c.path);
    EXPECT_EQ(m.kind, RouteMatch::Kind::kMethodNotAllowed);
    EXPECT_EQ(m.allow, c.allow);
  }
}

// A word that is a fixed segment after the same prefix is never a parameter's value there:
// paths that only the parameter could have taken match nothing.
TEST(RouterWords, AFixedWordIsNotAParameterValueAtItsPlace) {
  const Router r = promotions_router();
  EXPECT_EQ(match(r, http::verb::get, "/api_gateway/v1/promotions/customer").kind,
            RouteMatch::Kind::kNotFound);
  EXPECT_EQ(match(r, http::verb::get, "/api_gateway/v1/promotions/code/codes").kind,
            RouteMatch::Kind::kNotFound);
  EXPECT_EQ(match(r, http::verb::post, "/api_gateway/v1/promotions/revokeEarn/issueBulk").kind,
            RouteMatch::Kind::kNotFound);
  PathParams params;
  const RouteMatch id = r.match(http::verb::put, "/api_gateway/v1/promotions/69117663b1cfc114606fd7fb", params);
  ASSERT_EQ(id.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(params.get("promotionId"), "69117663b1cfc114606fd7fb");
  // Words are reserved only at their own place: elsewhere they are values like any other.
  PathParams wallet;
  const RouteMatch customer = r.match(http::verb::get, "/api_gateway/v1/promotions/customer/code", wallet);
  ASSERT_EQ(customer.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(wallet.get("customerId"), "code");
}

// Whichever order the routes were added in.
TEST(RouterWords, AWordAddedAfterTheParameterIsReservedToo) {
  Router r;
  r.add(Route{http::verb::get, "/p/{id}", &ok_reply, Scope::kRead});
  r.add(Route{http::verb::post, "/p/word", &ok_reply, Scope::kWrite});
  const RouteMatch m = match(r, http::verb::get, "/p/word");
  EXPECT_EQ(m.kind, RouteMatch::Kind::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "POST");
  EXPECT_EQ(match(r, http::verb::get, "/p/other").kind, RouteMatch::Kind::kFound);
}

TEST(PathDecoding, EscapedUnreservedCharactersAreDecodedAndOthersKept) {
  struct Case {
    std::string_view in;
    std::string_view out;
  };
  for (const Case& c : {
           Case{"/api_gateway/v1/promotions/code", "/api_gateway/v1/promotions/code"},
           Case{"/promotions/%63ode", "/promotions/code"},
           Case{"/%41%5a%61%7A%30%39%2D%2E%5F%7E", "/AZaz09-._~"},
           Case{"/a%2Fb%2fc", "/a%2Fb%2fc"},  // '/' escaped is data, not a separator
           Case{"/a%20b%3F%25", "/a%20b%3F%25"},
           Case{"/a%4", "/a%4"},      // a malformed escape is left as it came: it names no route
           Case{"/a%G1%", "/a%G1%"},
           Case{"/%2541", "/%2541"},  // decoded once: "%25" is '%', which stays escaped
       }) {
    SCOPED_TRACE(c.in);
    std::string storage;
    EXPECT_EQ(decode_unreserved(c.in, storage), c.out);
  }
}

// The path is decoded into the caller's storage only when it has something to decode.
TEST(PathDecoding, APathWithNothingToDecodeIsReturnedAsItIs) {
  std::string storage;
  const std::string_view plain = "/api_gateway/v1/promotions/code";
  EXPECT_EQ(decode_unreserved(plain, storage).data(), plain.data());
  const std::string_view reserved_only = "/a%2Fb";
  EXPECT_EQ(decode_unreserved(reserved_only, storage).data(), reserved_only.data());
}

}  // namespace
}  // namespace codeledger::server
