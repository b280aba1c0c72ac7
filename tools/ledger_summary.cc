#include "tools/ledger_summary.h"

#include <cinttypes>

namespace codeledger::tools {
namespace {

std::uint64_t count_linked(const ledger::Ledger& ledger, ledger::OrgId org) {
  ledger::Op op;
  op.org = org;
  op.dialect = ledger::Dialect::kReplay;
  std::uint64_t linked = 0;
  for (const auto& promo : ledger.list_promotions(op)) {
    std::string cursor;
    do {
      auto page = ledger.export_codes(op, promo.id, cursor, 0);
      if (!page.ok()) break;  // promotions without codes (issuable) have nothing to count
      for (const auto& c : page->codes) linked += c.customer != 0;
      cursor = page->next_cursor;
    } while (!cursor.empty());
  }
  return linked;
}

}  // namespace

std::vector<OrgSummary> summarize(const ledger::Ledger& ledger) {
  std::vector<OrgSummary> out;
  for (const auto& s : ledger.stats()) out.push_back({s, count_linked(ledger, s.org)});
  return out;
}

void print_summary(const ledger::Ledger& ledger, std::FILE* out) {
  std::fprintf(out, "%-12s %10s %12s %12s %12s %10s\n", "org", "promotions", "codes", "linked",
               "redemptions", "customers");
  for (const auto& o : summarize(ledger)) {
    std::fprintf(out,
                 "%-12" PRIu64 " %10" PRIu64 " %12" PRIu64 " %12" PRIu64 " %12" PRIu64 " %10" PRIu64
                 "\n",
                 o.stats.org, o.stats.promotions, o.stats.codes, o.linked_codes,
                 o.stats.redemptions, o.stats.customers);
  }
  std::fprintf(out, "last lsn     %" PRIu64 "\n", ledger.last_lsn());
  std::fprintf(out, "state hash   %016" PRIx64 "\n", ledger.state_hash());
}

}  // namespace codeledger::tools
