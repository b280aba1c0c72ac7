// The route table (scopes, order, uniqueness) and the embedded demo.
#include <set>

#include "fixture.h"
#include "server/capillary/demo.h"
#include "server/capillary/routes.h"

namespace codeledger::server::capillary::testing {
namespace {

TEST(CapillaryRoutes, EveryRouteIsUniqueWithAHandlerAndTheDocumentedScope) {
  const auto routes = capillary_routes();
  std::set<std::pair<int, std::string>> seen;
  for (const Route& r : routes) {
    EXPECT_NE(r.handler, nullptr) << r.pattern;
    EXPECT_TRUE(seen.emplace(static_cast<int>(r.method), r.pattern).second) << r.pattern;
    const bool admin_path = r.pattern == "/api_gateway/v1/promotions" ||
                            r.pattern.ends_with("/activate") || r.pattern.ends_with("/deactivate") ||
                            r.pattern.find("/codes") != std::string::npos ||
                            r.pattern == "/api_gateway/v1/promotions/{promotionId}";
    // Seed 002's example posts its look-up (curl --data ''): it reads, as the GET does.
    const bool look_up = r.pattern == "/api_gateway/v1/promotions/code";
    if (admin_path && (r.method != http::verb::get || r.pattern.ends_with("/codes"))) {
      EXPECT_EQ(r.scope, Scope::kAdmin) << r.pattern;
    } else if (r.method == http::verb::get || look_up) {
      EXPECT_EQ(r.scope, Scope::kRead) << r.pattern;
    } else {
      EXPECT_EQ(r.scope, Scope::kWrite) << r.pattern;
    }
  }
  EXPECT_EQ(routes.size(), 20u);
}

TEST(CapillaryRoutes, LiteralSegmentsComeBeforePromotionIdPatterns) {
  const auto routes = capillary_routes();
  std::size_t first_param = routes.size();
  for (std::size_t i = 0; i < routes.size(); ++i) {
    if (routes[i].pattern.find("{promotionId}") != std::string::npos) {
      first_param = std::min(first_param, i);
    } else if (routes[i].pattern.starts_with("/api_gateway/v1/promotions/")) {
      EXPECT_LT(i, first_param) << routes[i].pattern;
    }
  }
}

class DemoTest : public CapillaryTest {};

TEST_F(DemoTest, DemoServesTheSeedsExamples) {
  ledger::Ledger fresh;
  const DemoIds ids = seed_demo(fresh, kDemoOrgId, kNow);
  ASSERT_TRUE(fresh.org_settings(kDemoOrgId).has_value());
  ledger::Op op{kDemoOrgId, kDemoKeyName, kNow, ledger::Dialect::kAdmin, 0};
  auto coded = fresh.get_promotion(op, ids.code_promotion);
  ASSERT_TRUE(coded.ok());
  EXPECT_EQ(coded->spec.name, kDemoCodePromotionName);
  EXPECT_EQ(coded->code_count, 1 + kDemoGeneratedCodes);
  EXPECT_EQ(coded->spec.valid_till_ms, kNow + kDemoValidityMs);
  auto issuable = fresh.get_promotion(op, ids.issuable_promotion);
  ASSERT_TRUE(issuable.ok());
  EXPECT_EQ(issuable->spec.kind, ledger::PromotionKind::kIssuable);

  const Caller demo{kDemoOrgId, std::string(kDemoKeyName), 7};
  HttpRequest req{http::verb::post, "/api_gateway/v1/promotions/code/link", 11};
  req.body() = R"({"customerId": 566881933, "code": "DQCV73", "mode": "DISCOUNT"})";
  const QueryParams query;
  const PathParams path;
  RequestContext ctx{req, demo, query, path, fresh, kNow + 1000, nullptr};
  Reply r = link_code(ctx);
  ASSERT_EQ(r.status, http::status::ok) << r.body;
  EXPECT_EQ(std::string_view(data(r)["promotionName"]), "code_linked promotion");
  EXPECT_EQ(std::int64_t(data(r)["orgId"]), 100737);
}

TEST_F(DemoTest, DemoIsDeterministic) {
  ledger::Ledger one;
  ledger::Ledger two;
  seed_demo(one, kDemoOrgId, kNow);
  seed_demo(two, kDemoOrgId, kNow);
  EXPECT_EQ(one.state_hash(), two.state_hash());
}

// A log that takes the first `room` events and then fails, as a full disk does.
class FillingSink : public ledger::EventSink {
 public:
  explicit FillingSink(int room) : room_(room) {}
  Status stage(ledger::Event& e) override {
    if (room_-- <= 0) return Status(ErrorCode::kStorageUnavailable, "no space left on device");
    e.header.lsn = ++lsn_;
    return Status::Ok();
  }

 private:
  int room_;
  ledger::Lsn lsn_ = 0;
};

// At a first start on a full disk the demo used to fail an invariant check and abort; now
// the failing step is named and codeledgerd exits 1 with it (probe 35c).
TEST_F(DemoTest, ASeedingThatCannotBeLoggedNamesItsStep) {
  FillingSink sink(1);
  ledger::Ledger full(ledger::LedgerOptions{}, &sink);
  auto seeded = try_seed_demo(full, kDemoOrgId, kNow);
  ASSERT_FALSE(seeded.ok());
  EXPECT_EQ(seeded.status().code(), ErrorCode::kStorageUnavailable);
  EXPECT_EQ(seeded.status().message(), "seeding the demo (its code): no space left on device");
}

}  // namespace
}  // namespace codeledger::server::capillary::testing
