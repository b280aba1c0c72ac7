#include "tools/code_tracker.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "tools/cli.h"
#include "tools/event_text.h"

namespace codeledger::tools {
namespace {

// A crafted log may hold discounts a live redeem refuses (their sum is checked against the
// amount there): the sum stops at the type's end instead of overflowing.
std::int64_t add_saturating(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  using Limits = std::numeric_limits<std::int64_t>;
  return b > 0 ? Limits::max() : Limits::min();
}

}  // namespace

bool CodeTracker::wanted(ledger::OrgId org, std::optional<ledger::Mode> mode) const {
  if (target_.org && *target_.org != org) return false;
  // An unknown mode (promotion created before the retained log) matches any filter.
  return !target_.mode || !mode || *target_.mode == *mode;
}

std::vector<CodeTouch> CodeTracker::on_added(ledger::OrgId org, const ledger::CodesAdded& e) {
  auto promo = promotions_.find({org, e.promotion_id.hex()});
  std::optional<ledger::Mode> mode;
  if (promo != promotions_.end()) mode = promo->second.mode;
  if (!wanted(org, mode)) return {};
  if (std::none_of(e.codes.begin(), e.codes.end(), [&](const auto& c) { return is_target(c); })) {
    return {};
  }
  std::string detail = "promotion " + e.promotion_id.hex();
  if (promo != promotions_.end()) detail += " (" + human_text(promo->second.name) + ")";
  if (e.valid_till_ms) detail += ", valid till " + format_iso_time(e.valid_till_ms);
  return {{mode, "imported", detail, 0}};
}

std::vector<CodeTouch> CodeTracker::on_updated(ledger::OrgId org, const ledger::CodeUpdated& e) {
  if (!is_target(e.code) || !wanted(org, e.mode)) return {};
  std::string detail;
  if (e.set_valid_till) detail += "valid till " + format_iso_time(e.valid_till_ms);
  if (e.set_active) {
    detail += std::string(detail.empty() ? "" : ", ") + (e.active ? "activated" : "deactivated");
  }
  return {{e.mode, "updated", detail, linked_[{org, e.mode}]}};
}

// Per mode, as the server's redemption history reports the code (server/capillary/views.cc:
// one row per redemption, its items' discounts summed) and as apply counts its uses (each
// item adds its count): a redemption may name the code more than once.
std::vector<CodeTracker::Use> CodeTracker::uses_in(ledger::OrgId org,
                                                   const ledger::RedemptionView& r) const {
  std::vector<Use> out;
  for (const auto& item : r.items) {
    if (!item.code || !is_target(*item.code) || !wanted(org, item.mode)) continue;
    auto use =
        std::find_if(out.begin(), out.end(), [&](const Use& u) { return u.mode == item.mode; });
    if (use == out.end()) use = out.insert(out.end(), Use{item.mode});
    use->discount = add_saturating(use->discount, item.discount);
    use->uses += item.count;
  }
  return out;
}

std::vector<CodeTouch> CodeTracker::on_redeemed(ledger::OrgId org, const ledger::Redeemed& e) {
  const auto& r = e.redemption;
  const std::vector<Use> uses = uses_in(org, r);
  // A log naming a transaction again rewrote its record (ledger/apply.cc): a later reversal
  // undoes what the newest record did, so its modes replace the earlier ones.
  const auto txn = [&] { return TxnKey{org, r.customer, r.transaction_identifier}; };
  if (uses.empty()) {
    if (!redeemed_modes_.empty()) redeemed_modes_.erase(txn());  // the common case: no copy
    return {};
  }
  std::vector<ledger::Mode>& modes = redeemed_modes_[txn()];
  modes.clear();
  // Client-supplied text goes through human_text: a transactionIdentifier holding ESC or a
  // newline forged colours and whole audit lines here (probe 39).
  std::string head = "transaction " + human_text(r.transaction_identifier);
  if (!r.transaction_number.empty()) head += " (number " + human_text(r.transaction_number) + ")";
  head += ", amount " + std::to_string(r.amount);
  std::vector<CodeTouch> touches;
  for (const Use& u : uses) {
    modes.push_back(u.mode);
    touches.push_back({u.mode, "redeemed",
                       head + ", discount " + std::to_string(u.discount) + ", uses " +
                           std::to_string(u.uses) + ", redemption " + r.id.hex(),
                       r.customer});
  }
  return touches;
}

std::vector<CodeTouch> CodeTracker::on_reversed(ledger::OrgId org,
                                                const ledger::RedemptionReversed& e) {
  auto found = redeemed_modes_.find({org, e.customer, e.transaction_identifier});
  if (found == redeemed_modes_.end()) return {};
  std::vector<CodeTouch> touches;
  for (ledger::Mode m : found->second) {
    touches.push_back({m, "reversed", "transaction " + human_text(e.transaction_identifier),
                       e.customer});
  }
  return touches;
}

std::vector<CodeTouch> CodeTracker::observe(const ledger::Event& event) {
  const ledger::OrgId org = event.header.org;
  if (auto* p = std::get_if<ledger::PromotionCreated>(&event.body)) {
    promotions_[{org, p->id.hex()}] = {p->spec.mode, p->spec.name};
  } else if (auto* u = std::get_if<ledger::PromotionUpdated>(&event.body)) {
    promotions_[{org, u->id.hex()}] = {u->spec.mode, u->spec.name};
  } else if (auto* a = std::get_if<ledger::CodesAdded>(&event.body)) {
    return on_added(org, *a);
  } else if (auto* l = std::get_if<ledger::CodeLinked>(&event.body)) {
    if (!is_target(l->code) || !wanted(org, l->mode)) return {};
    linked_[{org, l->mode}] = l->customer;
    return {{l->mode, "linked", "to customer " + std::to_string(l->customer), l->customer}};
  } else if (auto* ul = std::get_if<ledger::CodeUnlinked>(&event.body)) {
    if (!is_target(ul->code) || !wanted(org, ul->mode)) return {};
    const ledger::CustomerId was = std::exchange(linked_[{org, ul->mode}], 0);
    return {{ul->mode, "unlinked", was ? "from customer " + std::to_string(was) : "", was}};
  } else if (auto* up = std::get_if<ledger::CodeUpdated>(&event.body)) {
    return on_updated(org, *up);
  } else if (auto* r = std::get_if<ledger::Redeemed>(&event.body)) {
    return on_redeemed(org, *r);
  } else if (auto* rv = std::get_if<ledger::RedemptionReversed>(&event.body)) {
    return on_reversed(org, *rv);
  }
  return {};
}

}  // namespace codeledger::tools
