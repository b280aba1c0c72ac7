// The embedded demo: what `./dev run` serves on an empty data directory so that the seeds'
// curl lines work as printed. Every object is created through the ledger's ordinary commands
// (so it is logged and durable like any other data), deterministically.
#pragma once

#include <string_view>

#include "ledger/ledger.h"

namespace codeledger::server::capillary {

inline constexpr ledger::OrgId kDemoOrgId = 100737;          // seed 000's orgId
inline constexpr std::string_view kDemoKeyName = "demo";
inline constexpr std::string_view kDemoPassword = "demo-secret";
inline constexpr std::string_view kDemoTimeZone = "UTC";
inline constexpr std::string_view kDemoCode = "DQCV73";          // seeds 000 and 002
inline constexpr std::string_view kDemoCodePromotionName = "code_linked promotion";
inline constexpr std::string_view kDemoIssuablePromotionName = "issuable promotion";
inline constexpr std::size_t kDemoGeneratedCodes = 300;
inline constexpr std::uint64_t kDemoGenerateSeed = 20251111;
inline constexpr ledger::TimeMs kDemoValidityMs = 365LL * 24 * 3600 * 1000;

// The seeds' customers (000/002 link 566881933; 003 issues to both), created as profiles.
inline constexpr ledger::CustomerId kDemoCustomers[] = {566881933, 566135941};

// What seed_demo created, for the start-up banner's curl lines.
struct DemoIds {
  ledger::ObjectId code_promotion;      // DISCOUNT, code-linked, holds kDemoCode
  ledger::ObjectId issuable_promotion;  // DISCOUNT, issuable (issueBulk / earn)
};

// Creates the demo promotions, codes and customers in `org` (configuring the organisation
// with kDemoTimeZone when it is not configured yet). Call it only on an empty ledger.
// generated_codes: how many codes beside kDemoCode (the fuzz targets build a demo per input
// and want fewer). The first failure (a full disk, no memory) ends it, naming the step;
// what came before stays.
Result<DemoIds> try_seed_demo(ledger::Ledger& ledger, ledger::OrgId org, ledger::TimeMs now_ms,
                              std::size_t generated_codes = kDemoGeneratedCodes);
// try_seed_demo for tests and fuzz targets, where a failure is a bug: it aborts.
DemoIds seed_demo(ledger::Ledger& ledger, ledger::OrgId org, ledger::TimeMs now_ms,
                  std::size_t generated_codes = kDemoGeneratedCodes);

}  // namespace codeledger::server::capillary
