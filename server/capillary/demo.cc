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

Status seeding_failed(std::string_view step, const Status& s) {
  return Status(s.code(), "seeding the demo (" + std::string(step) + "): " + s.message());
}

}  // namespace

Result<DemoIds> try_seed_demo(ledger::Ledger& ledger, ledger::OrgId org, ledger::TimeMs now_ms,
                              std::size_t generated_codes) {
  if (!ledger.org_settings(org)) {
    ledger::OrgSettings settings;
    settings.time_zone = std::string(kDemoTimeZone);
    if (Status s = ledger.configure_org(org, settings); !s.ok()) return seeding_failed("organisation", s);
  }
  ledger::Op op;
  op.org = org;
  op.api_key = kDemoKeyName;
  op.now_ms = now_ms;
  op.dialect = ledger::Dialect::kAdmin;

  DemoIds ids;
  auto coded = ledger.create_promotion(
      op, demo_spec(kDemoCodePromotionName, ledger::PromotionKind::kCodeLinked, now_ms));
  if (!coded.ok()) return seeding_failed("code-linked promotion", coded.status());
  ids.code_promotion = coded->id;
  const std::string seed_code[] = {std::string(kDemoCode)};
  auto imported = ledger.import_codes(op, ids.code_promotion, seed_code, {});
  if (!imported.ok()) return seeding_failed("its code", imported.status());
  CL_CHECK(imported->rejected.empty());  // kDemoCode is valid and the promotion new
  ledger::GenerateSpec generate;
  generate.count = generated_codes;
  auto generated = ledger.generate_codes(op, ids.code_promotion, generate, kDemoGenerateSeed);
  if (!generated.ok()) return seeding_failed("generated codes", generated.status());

  auto issuable = ledger.create_promotion(
      op, demo_spec(kDemoIssuablePromotionName, ledger::PromotionKind::kIssuable, now_ms));
  if (!issuable.ok()) return seeding_failed("issuable promotion", issuable.status());
  ids.issuable_promotion = issuable->id;

  std::vector<ledger::CustomerProfile> profiles;
  for (ledger::CustomerId id : kDemoCustomers) profiles.emplace_back().id = id;
  auto customers = ledger.upsert_customers(op, profiles);
  if (!customers.ok()) return seeding_failed("customers", customers.status());
  return ids;
}

DemoIds seed_demo(ledger::Ledger& ledger, ledger::OrgId org, ledger::TimeMs now_ms,
                  std::size_t generated_codes) {
  auto ids = try_seed_demo(ledger, org, now_ms, generated_codes);
  CL_CHECK(ids.ok());
  return *ids;
}

}  // namespace codeledger::server::capillary
