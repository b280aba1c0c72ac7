#include "server/capillary/demo.h"

namespace codeledger::server::capillary {

namespace {

constexpr ledger::TimeMs kDemoEarnValidityMs = 30LL * 24 * 3600 * 1000;

ledger::PromotionSpec demo_spec(std::string_view name, ledger::PromotionKind kind,
                                ledger::TimeMs now_ms) {
  ledger::PromotionSpec spec;
  spec.name = std::string(name);
  spec.mode = ledger::Mode::kDiscount;
  spec.kind = kind;
  spec.valid_from_ms = now_ms;
  spec.valid_till_ms = now_ms + kDemoValidityMs;
  spec.active = true;
  spec.per_code_redemptions_max = 1;
  if (kind == ledger::PromotionKind::kIssuable) spec.earn_validity_ms = kDemoEarnValidityMs;
  return spec;
}

}  // namespace

DemoIds seed_demo(ledger::Ledger& ledger, ledger::OrgId org, ledger::TimeMs now_ms,
                  std::size_t generated_codes) {
  if (!ledger.org_settings(org)) {
    ledger::OrgSettings settings;
    settings.time_zone = std::string(kDemoTimeZone);
    CL_CHECK(ledger.configure_org(org, settings).ok());
  }
  ledger::Op op;
  op.org = org;
  op.api_key = kDemoKeyName;
  op.now_ms = now_ms;
  op.dialect = ledger::Dialect::kAdmin;

  DemoIds ids;
  auto coded = ledger.create_promotion(
      op, demo_spec(kDemoCodePromotionName, ledger::PromotionKind::kCodeLinked, now_ms));
  CL_CHECK(coded.ok());
  ids.code_promotion = coded->id;
  const std::string seed_code[] = {std::string(kDemoCode)};
  auto imported = ledger.import_codes(op, ids.code_promotion, seed_code, {});
  CL_CHECK(imported.ok() && imported->rejected.empty());
  ledger::GenerateSpec generate;
  generate.count = generated_codes;
  CL_CHECK(ledger.generate_codes(op, ids.code_promotion, generate, kDemoGenerateSeed).ok());

  auto issuable = ledger.create_promotion(
      op, demo_spec(kDemoIssuablePromotionName, ledger::PromotionKind::kIssuable, now_ms));
  CL_CHECK(issuable.ok());
  ids.issuable_promotion = issuable->id;

  std::vector<ledger::CustomerProfile> profiles;
  for (ledger::CustomerId id : kDemoCustomers) profiles.emplace_back().id = id;
  CL_CHECK(ledger.upsert_customers(op, profiles).ok());
  return ids;
}

}  // namespace codeledger::server::capillary
