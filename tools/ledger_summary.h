// The per-organisation summary `replay --summary` and `snapshot inspect` print.
#pragma once

#include <cstdint>
#include <cstdio>
#include <vector>

#include "ledger/ledger.h"

namespace codeledger::tools {

struct OrgSummary {
  ledger::OrgStats stats;
  std::uint64_t linked_codes = 0;  // codes with a customer
};

// Linked codes are counted through export_codes (the ledger keeps no such counter): a pass
// over every code, fine for an offline tool.
std::vector<OrgSummary> summarize(const ledger::Ledger& ledger);
void print_summary(const ledger::Ledger& ledger, std::FILE* out);
// The table alone, one row per organisation under a heading row.
void print_summary_table(const std::vector<OrgSummary>& rows, std::FILE* out);

}  // namespace codeledger::tools
