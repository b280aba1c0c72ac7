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

}  // namespace
}  // namespace codeledger::server
