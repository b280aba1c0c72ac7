#include "server/capillary/views.h"

#include "server/capillary/common.h"

namespace codeledger::server::capillary {
namespace {

void write_item(wire::JsonWriter& w, const ledger::RedemptionItem& item) {
  w.begin_object();
  if (item.code) w.field("code", item.code->view()).field("mode", ledger::to_string(item.mode));
  if (item.earned_promotion_id) w.field("earnedPromotionId", item.earned_promotion_id->hex());
  w.field("promotionId", item.promotion_id.hex_chars().view())
      .field("discount", item.discount)
      .field("redemptionCount", item.count)
      .end_object();
}

// The items of `r` that redeemed `code` in `mode`: the first (its promotion) and the sum of
// their discounts. Matched by mode too: codes are unique per mode, so a text can name one
// code of each mode in the same redemption (probe 32b).
struct CodeInRedemption {
  const ledger::RedemptionItem* first = nullptr;
  std::int64_t discount = 0;
};
CodeInRedemption items_for(const ledger::RedemptionView& r, std::string_view code,
                           ledger::Mode mode) {
  CodeInRedemption found;
  for (const auto& item : r.items) {
    if (!item.code || item.mode != mode || item.code->view() != code) continue;
    if (found.first == nullptr) found.first = &item;
    found.discount += item.discount;
  }
  return found;
}

// One history row for `code` within redemption `r`.
void write_history_row(wire::JsonWriter& w, const ledger::RedemptionView& r,
                       std::string_view code, ledger::Mode mode, const wire::IsoZone& zone) {
  const CodeInRedemption found = items_for(r, code, mode);
  w.begin_object()
      .field("id", r.id.hex_chars().view())
      .field("orgId", r.org)
      .field("promotionId",
             found.first ? found.first->promotion_id.hex_chars().view() : std::string_view())
      .field("customerId", r.customer);
  write_time(w, "redemptionDate", r.redeemed_ms, zone);
  w.field("transactionIdentifier", r.transaction_identifier)
      .field("transactionNumber", r.transaction_number)
      .field("promotionName", r.promotion_name)
      .field("promoCode", code)
      .field("discount", found.discount)
      .field("reversed", r.reversed)
      .end_object();
}

}  // namespace

void write_code(wire::JsonWriter& w, const ledger::CodeView& c, const wire::IsoZone& zone,
                bool with_redemptions) {
  w.begin_object()
      .field("id", c.id.hex_chars().view())
      .field("orgId", c.org)
      .field("promotionId", c.promotion_id.hex_chars().view())
      .field("promotionName", c.promotion_name)
      .field("code", c.code.view());
  if (c.customer != 0) w.field("customerId", c.customer);
  w.field("active", c.active);
  write_time(w, "createdOn", c.created_ms, zone);
  write_time(w, "validTill", c.valid_till_ms, zone);
  w.field("mode", ledger::to_string(c.mode));
  write_time(w, "redeemableFrom", c.redeemable_from_ms, zone);
  if (with_redemptions) {
    w.field("redemptionCount", c.redemption_count).field("redemptionLimit", c.redemptions_max);
    w.key("redemptions").begin_array();
    write_history_rows(w, c.redemptions, c.code.view(), c.mode, zone);
    w.end_array();
  }
  w.end_object();
}

void write_redemption(wire::JsonWriter& w, const ledger::RedemptionView& r,
                      const wire::IsoZone& zone) {
  w.begin_object()
      .field("id", r.id.hex_chars().view())
      .field("orgId", r.org)
      .field("customerId", r.customer)
      .field("transactionIdentifier", r.transaction_identifier)
      .field("transactionNumber", r.transaction_number);
  write_time(w, "transactionDate", r.transaction_date_ms, zone);
  w.field("amount", r.amount);
  write_time(w, "redemptionDate", r.redeemed_ms, zone);
  w.field("reversed", r.reversed);
  if (r.reversed) write_time(w, "reversedOn", r.reversed_ms, zone);
  w.key("redemptions").begin_array();
  for (const auto& item : r.items) write_item(w, item);
  w.end_array().end_object();
}

void write_history_rows(wire::JsonWriter& w, const std::vector<ledger::RedemptionView>& history,
                        std::string_view code, ledger::Mode mode, const wire::IsoZone& zone) {
  for (const ledger::RedemptionView& r : history) write_history_row(w, r, code, mode, zone);
}

void write_issued(wire::JsonWriter& w, const ledger::EarnedView& e) {
  w.begin_object()
      .field("id", e.id.hex_chars().view())
      .field("customerId", e.customer)
      .field("promotionId", e.promotion_id.hex_chars().view())
      .field("earnedFromId", e.earned_from_id)
      .field("eventTime", e.event_time_ms)
      .field("validTill", e.valid_till_ms)
      .field("status", ledger::to_string(e.status))
      .end_object();
}

void write_wallet_entry(wire::JsonWriter& w, const ledger::EarnedView& e,
                        const wire::IsoZone& zone) {
  w.begin_object()
      .field("id", e.id.hex_chars().view())
      .field("customerId", e.customer)
      .field("promotionId", e.promotion_id.hex_chars().view())
      .field("promotionName", e.promotion_name)
      .field("earnedFromId", e.earned_from_id);
  write_time(w, "eventTime", e.event_time_ms, zone);
  write_time(w, "validTill", e.valid_till_ms, zone);
  w.field("status", ledger::to_string(e.status)).end_object();
}

void write_promotion(wire::JsonWriter& w, const ledger::PromotionView& p,
                     const wire::IsoZone& zone) {
  const ledger::PromotionSpec& s = p.spec;
  w.begin_object()
      .field("id", p.id.hex_chars().view())
      .field("orgId", p.org)
      .field("name", s.name)
      .field("mode", ledger::to_string(s.mode))
      .field("kind", ledger::to_string(s.kind));
  write_time(w, "validFrom", s.valid_from_ms, zone);
  write_time(w, "validTill", s.valid_till_ms, zone);
  w.field("active", s.active)
      .field("perCodeRedemptionLimit", s.per_code_redemptions_max)
      .field("perCustomerRedemptionLimit", s.per_customer_redemptions_max)
      .field("perCustomerEarnLimit", s.per_customer_earns_max)
      .field("earnValidityMs", s.earn_validity_ms)
      .field("codeCount", p.code_count);
  write_time(w, "createdOn", p.created_ms, zone);
  write_time(w, "updatedOn", p.updated_ms, zone);
  w.end_object();
}

}  // namespace codeledger::server::capillary
