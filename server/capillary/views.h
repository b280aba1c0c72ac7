// The Capillary JSON shapes of the ledger's read views. Field names are the seeds' (000, 002,
// 003); every epoch-ms field has an `*ISO` twin in the organisation's time zone.
#pragma once

#include <string_view>
#include <vector>

#include "ledger/types.h"
#include "server/wire/iso_time.h"
#include "server/wire/json_writer.h"

namespace codeledger::server::capillary {

// Seed 000/002 code record. customerId is omitted while the code is not linked; with
// `with_redemptions` a "redemptions" array follows (GET code ?includeRedemptions=true).
void write_code(wire::JsonWriter& w, const ledger::CodeView& code, const wire::IsoZone& zone,
                bool with_redemptions);
// POST redemptions / reverse: the whole redemption with its items.
void write_redemption(wire::JsonWriter& w, const ledger::RedemptionView& r,
                      const wire::IsoZone& zone);
// GET redemptions and ?includeRedemptions: a code's history (`code` in `mode`), one row per
// redemption, oldest first, as the ledger lists it. A redemption that names the code in
// several items is one row with their discounts added up.
void write_history_rows(wire::JsonWriter& w, const std::vector<ledger::RedemptionView>& history,
                        std::string_view code, ledger::Mode mode, const wire::IsoZone& zone);
// Seed 003 issue record: the seed's fields, and the entry's status as the wallet shows it, so
// that a retried issue (same contextId, answered with the entry as it stands) tells a revoked
// or redeemed entry from a fresh grant (probe 41a).
void write_issued(wire::JsonWriter& w, const ledger::EarnedView& e);
// Wallet entry: the issue record plus promotionName, status and *ISO fields.
void write_wallet_entry(wire::JsonWriter& w, const ledger::EarnedView& e,
                        const wire::IsoZone& zone);
void write_promotion(wire::JsonWriter& w, const ledger::PromotionView& p,
                     const wire::IsoZone& zone);

}  // namespace codeledger::server::capillary
