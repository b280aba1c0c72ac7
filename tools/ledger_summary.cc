#include "tools/ledger_summary.h"

#include <algorithm>
#include <atomic>
#include <cinttypes>
#include <string>

#include "server/store/long_step.h"
#include "tools/cli.h"

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
  // A pass over every code, then the state hash: seconds at ten million codes, said when
  // they last (the progress line of ledgerctl's other long steps).
  std::atomic<const char*> phase{"counting linked codes"};
  store::LongStep step(progress_line, "summary", [&phase] { return std::string(phase.load()); });
  const std::vector<OrgSummary> rows = summarize(ledger);
  phase = "computing the state hash";
  const std::uint64_t hash = ledger.state_hash();
  step.done("summary: computed");
  print_summary_table(rows, out);
  std::fprintf(out, "last lsn     %" PRIu64 "\n", ledger.last_lsn());
  std::fprintf(out, "state hash   %016" PRIx64 "\n", hash);
}

void print_summary_table(const std::vector<OrgSummary>& rows, std::FILE* out) {
  // The org column widens for ids past 12 digits so the other columns stay under their
  // headings (organisation ids are any 64-bit number).
  int org_width = 12;
  for (const auto& o : rows) {
    org_width = std::max(org_width, static_cast<int>(std::to_string(o.stats.org).size()));
  }
  std::fprintf(out, "%-*s %10s %12s %12s %12s %10s\n", org_width, "org", "promotions", "codes",
               "linked", "redemptions", "customers");
  for (const auto& o : rows) {
    std::fprintf(out,
                 "%-*" PRIu64 " %10" PRIu64 " %12" PRIu64 " %12" PRIu64 " %12" PRIu64 " %10" PRIu64
                 "\n",
                 org_width, o.stats.org, o.stats.promotions, o.stats.codes, o.linked_codes,
                 o.stats.redemptions, o.stats.customers);
  }
}

}  // namespace codeledger::tools
