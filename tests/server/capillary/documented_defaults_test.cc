// The default limits the docs promise, written out here: the other tests send
// `options().limits.X + 1` or lower a limit to reach its refusal, so they would pass a
// changed default; this one fails on it. A default changed on purpose changes the docs too.
#include <gtest/gtest.h>

#include "ledger/ledger.h"
#include "server/capillary/common.h"

namespace codeledger::server::capillary {
namespace {

// api.md:84-91 (Limits) and operations.md:101-113 (the ledger's limits).
TEST(DocumentedDefaults, TheLedgerLimitsAreTheDocumentedOnes) {
  const ledger::LedgerLimits limits = ledger::LedgerOptions{}.limits;
  EXPECT_EQ(limits.codes_per_call_max, 10'000u);         // get, history, import
  EXPECT_EQ(limits.codes_per_generate_max, 1'000'000u);
  EXPECT_EQ(limits.codes_per_event_max, 16'384u);        // operations.md:114, api.md:608
  EXPECT_EQ(limits.customers_per_issue_max, 1'000u);
  EXPECT_EQ(limits.items_per_redemption_max, 20u);
  EXPECT_EQ(limits.earn_ids_per_revoke_max, 1'000u);
  EXPECT_EQ(limits.profiles_per_upsert_max, 1'000u);
  EXPECT_EQ(limits.promotions_per_org_max, 4'096u);
  EXPECT_EQ(limits.organisations_max, 1'024u);
  EXPECT_EQ(limits.name_bytes_max, 128u);
  EXPECT_EQ(limits.identifier_bytes_max, 128u);
  EXPECT_EQ(limits.export_page_max, 10'000u);
  EXPECT_EQ(limits.wallet_page_max, 10'000u);        // api.md, "Wallet"
  EXPECT_EQ(limits.history_rows_max, 10'000u);       // api.md, "Redemption history"
  EXPECT_EQ(limits.profile_bytes_per_org_max, 1ull << 30);  // api.md, "Customers"
}

// operations.md:83-87: an organisation's defaults (the configuration starts from these).
TEST(DocumentedDefaults, AnOrganisationsSettingsAreTheDocumentedOnes) {
  const ledger::OrgSettings org;
  EXPECT_EQ(org.time_zone, "UTC");
  EXPECT_EQ(org.strategy, ledger::RedemptionStrategy::kWithoutCartEvaluation);
  EXPECT_EQ(org.active_promotions_max, 1'000u);
  EXPECT_EQ(org.codes_max, 10'000'000u);
  EXPECT_EQ(org.wallet_entries_max, 10'000u);  // api.md, "Issue a promotion to customers"
}

// api.md:72-75 (a code text is read up to 1 024 bytes) and api.md:91, 619-620 (an export page
// is 1 000 codes unless `limit` says otherwise).
TEST(DocumentedDefaults, TheCapillaryDialectsOwnDefaultsAreTheDocumentedOnes) {
  EXPECT_EQ(kCodeTextBytesMax, 1'024u);
  EXPECT_EQ(kExportPageDefault, 1'000u);
}

}  // namespace
}  // namespace codeledger::server::capillary
