#include "tools/code_tracker.h"

#include <utility>

#include "tools/cli.h"
#include "tools/event_text.h"

namespace codeledger::tools {

bool CodeTracker::wanted(ledger::OrgId org, std::optional<ledger::Mode> mode) const {
  if (target_.org && *target_.org != org) return false;
  // An unknown mode (promotion created before the retained log) matches any filter.
  return !target_.mode || !mode || *target_.mode == *mode;
}

std::optional<CodeTouch> CodeTracker::on_added(ledger::OrgId org, const ledger::CodesAdded& e) {
  auto promo = promotions_.find({org, e.promotion_id.hex()});
  std::optional<ledger::Mode> mode;
  if (promo != promotions_.end()) mode = promo->second.mode;
  if (!wanted(org, mode)) return std::nullopt;
  for (const auto& c : e.codes) {
    if (!is_target(c)) continue;
    std::string detail = "promotion " + e.promotion_id.hex();
    if (promo != promotions_.end()) detail += " (" + human_text(promo->second.name) + ")";
    if (e.valid_till_ms) detail += ", valid till " + format_iso_time(e.valid_till_ms);
    return CodeTouch{"imported", detail, 0};
  }
  return std::nullopt;
}

std::optional<CodeTouch> CodeTracker::on_redeemed(ledger::OrgId org, const ledger::Redeemed& e) {
  const auto& r = e.redemption;
  for (const auto& item : r.items) {
    if (!item.code || !is_target(*item.code) || !wanted(org, item.mode)) continue;
    redemptions_.insert({org, r.customer, r.transaction_identifier});
    // Client-supplied text goes through human_text: a transactionIdentifier holding ESC or a
    // newline forged colours and whole audit lines here (probe 39).
    std::string detail = "transaction " + human_text(r.transaction_identifier);
    if (!r.transaction_number.empty()) {
      detail += " (number " + human_text(r.transaction_number) + ")";
    }
    detail += ", amount " + std::to_string(r.amount) + ", discount " +
              std::to_string(item.discount) + ", redemption " + r.id.hex();
    return CodeTouch{"redeemed", detail, r.customer};
  }
  return std::nullopt;
}

std::optional<CodeTouch> CodeTracker::on_reversed(ledger::OrgId org,
                                                  const ledger::RedemptionReversed& e) {
  if (!redemptions_.count({org, e.customer, e.transaction_identifier})) return std::nullopt;
  return CodeTouch{"reversed", "transaction " + human_text(e.transaction_identifier), e.customer};
}

std::optional<CodeTouch> CodeTracker::observe(const ledger::Event& event) {
  const ledger::OrgId org = event.header.org;
  if (auto* p = std::get_if<ledger::PromotionCreated>(&event.body)) {
    promotions_[{org, p->id.hex()}] = {p->spec.mode, p->spec.name};
  } else if (auto* u = std::get_if<ledger::PromotionUpdated>(&event.body)) {
    promotions_[{org, u->id.hex()}] = {u->spec.mode, u->spec.name};
  } else if (auto* a = std::get_if<ledger::CodesAdded>(&event.body)) {
    return on_added(org, *a);
  } else if (auto* l = std::get_if<ledger::CodeLinked>(&event.body)) {
    if (!is_target(l->code) || !wanted(org, l->mode)) return std::nullopt;
    linked_[{org, l->mode}] = l->customer;
    return CodeTouch{"linked", "to customer " + std::to_string(l->customer), l->customer};
  } else if (auto* ul = std::get_if<ledger::CodeUnlinked>(&event.body)) {
    if (!is_target(ul->code) || !wanted(org, ul->mode)) return std::nullopt;
    const ledger::CustomerId was = std::exchange(linked_[{org, ul->mode}], 0);
    return CodeTouch{"unlinked", was ? "from customer " + std::to_string(was) : "", was};
  } else if (auto* up = std::get_if<ledger::CodeUpdated>(&event.body)) {
    if (!is_target(up->code) || !wanted(org, up->mode)) return std::nullopt;
    std::string detail;
    if (up->set_valid_till) detail += "valid till " + format_iso_time(up->valid_till_ms);
    if (up->set_active)
      detail +=
          std::string(detail.empty() ? "" : ", ") + (up->active ? "activated" : "deactivated");
    return CodeTouch{"updated", detail, linked_[{org, up->mode}]};
  } else if (auto* r = std::get_if<ledger::Redeemed>(&event.body)) {
    return on_redeemed(org, *r);
  } else if (auto* rv = std::get_if<ledger::RedemptionReversed>(&event.body)) {
    return on_reversed(org, *rv);
  }
  return std::nullopt;
}

}  // namespace codeledger::tools
