// The table codeledgerd serves: every Capillary route, then every Altcraft route, and no two
// with the same method and path (the router would answer only the first).
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>

#include "server/altcraft/routes.h"
#include "server/capillary/routes.h"
#include "server/dialects/routes.h"

namespace codeledger::server {
namespace {

TEST(DialectRoutes, BothDialectsInOrderAndNoRouteTwice) {
  const auto all = dialect_routes();
  const auto capillary = capillary::capillary_routes();
  const auto altcraft = altcraft::altcraft_routes();
  ASSERT_EQ(all.size(), capillary.size() + altcraft.size());
  ASSERT_FALSE(capillary.empty());
  ASSERT_FALSE(altcraft.empty());
  EXPECT_EQ(all.front().pattern, capillary.front().pattern);
  EXPECT_EQ(all[capillary.size()].pattern, altcraft.front().pattern);
  EXPECT_EQ(all.back().pattern, altcraft.back().pattern);
  std::set<std::pair<int, std::string>> seen;
  for (const Route& r : all) {
    EXPECT_TRUE(seen.insert({static_cast<int>(r.method), r.pattern}).second)
        << r.pattern << " is served twice";
  }
}

// docs/api.md: a code generate, import or export (Capillary) and import or export_all
// (Altcraft) are the bulk calls refused with 503 while limits.background_jobs_max are queued or
// running; that refusal is the background lane's (tests/server/http: HttpBackgroundLane).
TEST(DialectRoutes, TheDocumentedBulkCallsAndOnlyThemRunOnTheBackgroundLane) {
  std::set<std::pair<int, std::string>> background;
  for (const Route& r : dialect_routes()) {
    if (r.lane == Lane::kBackground) background.insert({static_cast<int>(r.method), r.pattern});
  }
  const int get = static_cast<int>(http::verb::get);
  const int post = static_cast<int>(http::verb::post);
  EXPECT_EQ(background, (std::set<std::pair<int, std::string>>{
                            {post, "/api_gateway/v1/promotions/{promotionId}/codes/generate"},
                            {post, "/api_gateway/v1/promotions/{promotionId}/codes"},
                            {get, "/api_gateway/v1/promotions/{promotionId}/codes"},
                            {post, "/api/v1.1/promocodes/import"},
                            {post, "/api/v1.1/promocodes/export_all"},
                        }));
}

}  // namespace
}  // namespace codeledger::server
