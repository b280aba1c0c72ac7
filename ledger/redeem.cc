// Redeem (all items or nothing, idempotent by transactionIdentifier) and its reversal.
#include <algorithm>
#include <limits>

#include "ledger/internal.h"

namespace codeledger::ledger {

using detail::CodeRecord;
using detail::CodeTable;
using detail::Customer;
using detail::EarnedRecord;
using detail::OrgState;
using detail::PromotionState;
using detail::Shard;

namespace {

Status check_request(const RedeemRequest& req, const LedgerLimits& limits) {
  if (req.customer == 0) return Status(ErrorCode::kInvalidCustomer, "customerId must be positive");
  if (req.transaction_identifier.empty() ||
      req.transaction_identifier.size() > limits.identifier_bytes_max) {
    return Status(ErrorCode::kInvalidRequest,
                  "transactionIdentifier must be 1.." +
                      std::to_string(limits.identifier_bytes_max) + " bytes");
  }
  if (req.transaction_number.size() > limits.identifier_bytes_max) {
    return Status(ErrorCode::kInvalidRequest, "transactionNumber is too long");
  }
  if (req.items.empty()) return Status(ErrorCode::kInvalidRequest, "redemptions must not be empty");
  if (req.items.size() > limits.items_per_redemption_max) {
    return Status(ErrorCode::kLimitExceeded,
                  "more than items_per_redemption_max (" +
                      std::to_string(limits.items_per_redemption_max) + ") redemptions");
  }
  for (const RedemptionItem& item : req.items) {
    if (item.code.has_value() == item.earned_promotion_id.has_value()) {
      return Status(ErrorCode::kInvalidRequest,
                    "each redemption names either a code or an earnedPromotionId");
    }
    if (item.count == 0) return Status(ErrorCode::kInvalidRequest, "redemptionCount must be positive");
    if (item.earned_promotion_id && item.count != 1) {
      return Status(ErrorCode::kInvalidRequest, "an earned promotion is redeemed once (count 1)");
    }
  }
  return Status::Ok();
}

// What a redemption would use, summed over its items (two items may name the same code).
// Inline storage: a redemption rarely names more than a few items, so no heap per call.
struct Pending {
  detail::InlineVec<std::pair<const CodeRecord*, std::uint32_t>, 4> codes;
  detail::InlineVec<std::pair<std::uint32_t, std::uint32_t>, 4> promos;  // number, uses
  detail::InlineVec<const EarnedRecord*, 4> earned;

  template <class K, std::size_t N>
  static std::uint32_t& slot(detail::InlineVec<std::pair<K, std::uint32_t>, N>& v, K k) {
    for (auto& [key, n] : v) {
      if (key == k) return n;
    }
    v.push_back({k, 0});
    return v.back().second;
  }
};

// Uses are counted in 32 bits per code and per customer and promotion (the record's size
// matters at 10 million codes): a count that would pass the most they hold is refused, or it
// would wrap to an unused code (probe 36a: a multi-use code redeemed 2^32 times read as new).
constexpr std::uint64_t kUsesCountedMax = std::numeric_limits<std::uint32_t>::max();

// Sums in 64 bits, so neither the limit check nor the counter can wrap.
std::uint64_t uses_after(std::uint32_t used, std::uint32_t pending, std::uint32_t count) {
  return std::uint64_t{used} + pending + count;
}

Status check_customer_limit(const PromotionState& p, const Customer* c, Pending& pend,
                            std::uint32_t count) {
  std::uint32_t& pp = Pending::slot(pend.promos, p.number);
  std::uint32_t max = p.spec.per_customer_redemptions_max;
  std::uint32_t used = c != nullptr ? c->counter_value(p.number).redemptions : 0;
  const std::uint64_t after = uses_after(used, pp, count);
  if (max != 0 && after > max) {
    return Status(ErrorCode::kRedemptionValidationFailed,
                  "customer reached the per-customer redemption limit (" + std::to_string(max) +
                      ") of promotion '" + p.spec.name + "'");
  }
  if (after > kUsesCountedMax) {
    return Status(ErrorCode::kRedemptionValidationFailed,
                  "customer reached " + std::to_string(kUsesCountedMax) +
                      " redemptions of promotion '" + p.spec.name + "', the most that are counted");
  }
  pp += count;
  return Status::Ok();
}

// Without cart evaluation the caller's own figures are all there is to validate. Each
// discount is taken from what is left of `amount` instead of summing them: 20 discounts of
// a quarter of INT64_MAX add up past it, and a wrapped sum would pass the check.
Status check_discounts(const RedeemRequest& req) {
  if (!req.amount_given) return Status::Ok();
  std::int64_t left = req.amount;
  for (const RedemptionItem& item : req.items) {
    if (item.discount > left) {
      return Status(ErrorCode::kRedemptionValidationFailed,
                    "redemptions[].discount adds up to more than amount " + std::to_string(req.amount));
    }
    left -= item.discount;
  }
  return Status::Ok();
}

// Where `now` falls in a redemption window from `from` to `till` (kNoTime: no end): the one
// decision for codes and wallet entries. A promotion moved or shortened after the import or
// the issue can close a window before it opens: kNever, as "not yet" would promise a use
// that never comes (probe 39 for codes, probe 41a for entries).
enum class WindowPlace { kOpen, kNotYet, kNever, kClosed };

WindowPlace window_place(TimeMs from, TimeMs till, TimeMs now) {
  const bool ends = till != kNoTime;
  if (now < from) return ends && till < from ? WindowPlace::kNever : WindowPlace::kNotYet;
  return ends && now > till ? WindowPlace::kClosed : WindowPlace::kOpen;
}

// 1002 for `subject` ("code 'X'", "earned promotion <id>") outside its window; `never_why`
// says what closed it before it opens. Built only on a refusal: no string on the hot path.
Status outside_window(WindowPlace place, const std::string& subject, std::string_view never_why) {
  CL_CHECK(place != WindowPlace::kOpen);
  if (place == WindowPlace::kNever) {
    return Status(ErrorCode::kCodeExpired,
                  subject + " will never be redeemable: its window opens after it closes (" +
                      std::string(never_why) + ")");
  }
  if (place == WindowPlace::kNotYet) {
    return Status(ErrorCode::kCodeExpired, subject + " is not yet redeemable");
  }
  return Status(ErrorCode::kCodeExpired, subject + " has expired");
}

// A code item: seed 002's errors. Before redeemableFrom is refused with 1002 ("not yet
// redeemable"): the code's validity window has not started, which is what 1002 describes.
Status decide_code(const CodeRecord* r, const PromotionState* p, const RedeemRequest& req,
                   std::string_view text, TimeMs now) {
  if (r == nullptr) return detail::code_not_found(text);
  if (p == nullptr || !detail::code_active(*r, *p)) {
    return Status(ErrorCode::kInvalidCode, "code '" + std::string(text) + "' is not active");
  }
  const WindowPlace place =
      window_place(detail::code_redeemable_from(*r, *p), detail::code_valid_till(*r, *p), now);
  if (place != WindowPlace::kOpen) {
    return outside_window(place, "code '" + std::string(text) + "'",
                          "its own redeemableFrom is past its promotion's validTill");
  }
  if (r->customer != 0 && r->customer != req.customer) {
    return Status(ErrorCode::kCodeLinkedToAnotherCustomer,
                  "code '" + std::string(text) + "' is linked to another customer");
  }
  return Status::Ok();
}

// 1004 for a code item asking more uses than the code has left. "Fully redeemed" only when
// none is left: a cashier told so about a fresh single-use code asked for 2 uses would
// think it spent (probe 39).
Status code_uses_refused(const CodeRecord& r, std::uint64_t used, std::uint32_t count,
                         std::uint32_t max) {
  const std::string code = "code '" + std::string(r.key.view()) + "'";
  if (max == 0) {
    return Status(ErrorCode::kCodeAlreadyRedeemed,
                  code + " has already been fully redeemed (" + std::to_string(kUsesCountedMax) +
                      " uses, the most that are counted)");
  }
  if (used >= max) {
    return Status(ErrorCode::kCodeAlreadyRedeemed, code + " has already been fully redeemed");
  }
  return Status(ErrorCode::kCodeAlreadyRedeemed,
                code + " has " + std::to_string(max - used) + " of its " + std::to_string(max) +
                    " uses left, " + std::to_string(count) + " asked for");
}

Status decide_code_uses(const CodeRecord& r, const PromotionState& p, std::uint32_t count,
                        const Customer* c, Pending& pend) {
  std::uint32_t& pc = Pending::slot(pend.codes, &r);
  std::uint32_t max = p.spec.per_code_redemptions_max;
  const std::uint64_t after = uses_after(r.redemption_count, pc, count);
  if ((max != 0 && after > max) || after > kUsesCountedMax) {
    return code_uses_refused(r, uses_after(r.redemption_count, pc, 0), count, max);
  }
  pc += count;
  return check_customer_limit(p, c, pend, count);
}

Status decide_earned(const OrgState& org, Customer* c, const ObjectId& eid, Op& op,
                     Pending& pend, RedemptionItem& item) {
  EarnedRecord* e = c != nullptr ? c->find_earned(eid) : nullptr;
  if (e == nullptr) {
    return Status(ErrorCode::kEarnedPromotionNotFound, "earned promotion " + eid.hex() + " not found");
  }
  bool twice = std::find(pend.earned.begin(), pend.earned.end(), e) != pend.earned.end();
  if (e->status == EarnStatus::kRedeemed || twice) {
    return Status(ErrorCode::kEarnedPromotionRedeemed,
                  "earned promotion " + eid.hex() + " is already redeemed");
  }
  if (e->status == EarnStatus::kRevoked) {
    return Status(ErrorCode::kEarnedPromotionRevoked, "earned promotion " + eid.hex() + " is revoked");
  }
  const PromotionState* p = org.promotion(e->promo_number);
  if (p != nullptr) detail::raise_lsn(op, p->lsn);  // the answer depends on its window
  if (p == nullptr || !p->spec.active) {
    return Status(ErrorCode::kInvalidCode, "promotion of earned " + eid.hex() + " is not active");
  }
  // Issued ahead of its promotion's start (issueBulk accepts that, as a link accepts a code
  // of a promotion not started yet): redeemable from validFrom on, as a code is, until its
  // end. A validFrom moved past an entry's own end closes the window before it opens.
  const WindowPlace place =
      window_place(p->spec.valid_from_ms, detail::entry_valid_till(*e, *p), op.now_ms);
  if (place != WindowPlace::kOpen) {
    return outside_window(place, "earned promotion " + eid.hex(),
                          "its own end, from earnValidityMs, is before its promotion's "
                          "validFrom");
  }
  pend.earned.push_back(e);
  item.promotion_id = p->id;
  item.mode = p->spec.mode;
  return check_customer_limit(*p, c, pend, item.count);
}

}  // namespace

Result<RedeemOutcome> Ledger::redeem(Op& op, RedeemRequest req) {
  if (Status s = check_request(req, impl_->options.limits); !s.ok()) return s;
  OrgState* org = impl_->find_org(op.org);
  if (org == nullptr) return Status(ErrorCode::kInvalidCode, "no such code or earned promotion");
  bool has_code = std::any_of(req.items.begin(), req.items.end(),
                              [](const RedemptionItem& i) { return i.code.has_value(); });
  if (has_code && org->strategy.load(std::memory_order_acquire) ==
                      static_cast<std::uint8_t>(RedemptionStrategy::kWithCartEvaluation)) {
    return Status(ErrorCode::kCartEvaluationRequired,
                  "organisation requires cart evaluation: redemption without it is not enabled");
  }
  // Hashed once each: the customer (its shard, its lookup) and the redemption key (the
  // idempotency probe, the redemption id, the stored record).
  const std::uint64_t chash = detail::customer_hash(org->id, req.customer);
  const std::uint32_t cshard = impl_->shard_of(chash);
  const auto key = detail::RedemptionKey::make(org->id, req.customer, req.transaction_identifier, chash);
  detail::InlineVec<std::uint64_t, 4> hashes;
  detail::ShardList shards{cshard};
  for (const RedemptionItem& item : req.items) {
    std::uint64_t h = item.code ? detail::code_hash(org->id, item.mode, item.code->view()) : 0;
    hashes.push_back(h);
    if (!item.code) continue;
    shards.push_back(impl_->shard_of(h));
    impl_->shard(shards.back()).codes.prefetch(h);
  }
  // The customer and redemption index probes (the idempotency check, then the inserts) are
  // independent of the code look-ups: their misses overlap (see NumberIndex).
  impl_->shard(cshard).customers.prefetch(chash);
  impl_->shard(cshard).redemptions.prefetch(key.hash);
  impl_->prefault_bytes();
  detail::ShardGuard guard(*impl_, shards);
  detail::raise_lsn(op, guard.max_lsn());
  Customer* c = impl_->shard(cshard).customer(org->id, req.customer, chash);
  if (c != nullptr) {
    if (const detail::StoredRedemption* first = impl_->shard(cshard).find_redemption(*c, key)) {
      return RedeemOutcome{first->view(), true};
    }
  }
  // After the replay probe: a retry whose figures no longer add up still learns the first
  // result (it got 1009, probe 32b).
  if (Status s = check_discounts(req); !s.ok()) return s;
  Event ev{impl_->header(op), Redeemed{}};
  RedemptionView& v = std::get<Redeemed>(ev.body).redemption;
  v.items = std::move(req.items);
  Pending pend;
  detail::InlineVec<detail::CodeHit, 4> hits;  // code items in order, handed to apply
  for (std::size_t i = 0; i < v.items.size(); ++i) {
    RedemptionItem& item = v.items[i];
    if (item.earned_promotion_id) {
      Status s = decide_earned(*org, c, *item.earned_promotion_id, op, pend, item);
      if (!s.ok()) return s;
      continue;
    }
    std::uint32_t si = impl_->shard_of(hashes[i]);
    Shard& s = impl_->shard(si);
    std::uint32_t idx = s.codes.find({org->slot, item.mode, item.code->view(), hashes[i]});
    CodeRecord* r = idx == CodeTable::kNone ? nullptr : &s.codes.at(idx);
    const PromotionState* p = r != nullptr ? org->promotion(r->promo_number) : nullptr;
    if (p != nullptr) detail::raise_lsn(op, p->lsn);
    Status st = decide_code(r, p, req, item.code->view(), op.now_ms);
    if (st.ok()) st = decide_code_uses(*r, *p, item.count, c, pend);
    if (!st.ok()) return st;
    item.promotion_id = p->id;
    hits.push_back({r, si, idx});
  }
  v.id = detail::mint_id(op.now_ms, key.hash);
  v.org = org->id;
  v.customer = req.customer;
  // key.txn views the identifier: only key.hash is used from here on.
  v.transaction_identifier = std::move(req.transaction_identifier);
  v.transaction_number = std::move(req.transaction_number);
  v.transaction_date_ms = req.transaction_date_ms;
  v.amount = req.amount;
  v.redeemed_ms = op.now_ms;
  if (const PromotionState* p = org->find_promotion(v.items.front().promotion_id)) {
    v.promotion_name = p->spec.name;
  }
  detail::ApplyHint hint{hits.data(), hits.size(), &impl_->shard(cshard), org, key.hash};
  if (Status s = impl_->commit(op, ev, hint); !s.ok()) return s;
  v.redeemed_ms = ev.header.time_ms;  // as stored: the log's time for the record (apply.cc)
  return RedeemOutcome{std::move(v), false};
}

Result<RedemptionView> Ledger::reverse_redemption(Op& op, CustomerId customer,
                                                  std::string_view transaction_identifier) {
  if (customer == 0) return Status(ErrorCode::kInvalidCustomer, "customerId must be positive");
  if (transaction_identifier.empty()) {
    return Status(ErrorCode::kInvalidRequest, "transactionIdentifier is required");
  }
  const auto not_found = [&] {
    return Status(ErrorCode::kNotFound, "no redemption with transactionIdentifier '" +
                                            std::string(transaction_identifier) +
                                            "' for this customer");
  };
  OrgState* org = impl_->find_org(op.org);
  if (org == nullptr) return not_found();
  std::uint32_t cshard = impl_->customer_shard(org->id, customer);
  detail::ShardGuard guard(*impl_, detail::ShardList{cshard});
  Shard& cs = impl_->shard(cshard);
  Customer* c = cs.customer(org->id, customer);
  detail::StoredRedemption* v =
      c != nullptr ? cs.find_redemption(org->id, *c, transaction_identifier) : nullptr;
  if (v == nullptr) return not_found();
  detail::ShardList code_shards;
  for (const RedemptionItem& item : v->item_span()) {
    if (item.code) code_shards.push_back(impl_->code_shard(org->id, item.mode, item.code->view()));
  }
  // Customers and redemptions never move or go away, and a redemption's items never
  // change: c, v and the shard set stay right even if extend() had to let go meanwhile.
  guard.extend(code_shards);
  detail::raise_lsn(op, guard.max_lsn());
  if (v->reversed) {
    return Status(ErrorCode::kInvalidRequest, "redemption '" + std::string(transaction_identifier) +
                                                  "' has already been reversed");
  }
  Event ev{impl_->header(op), RedemptionReversed{customer, std::string(transaction_identifier)}};
  if (Status s = impl_->commit(op, ev); !s.ok()) return s;
  return v->view();
}

}  // namespace codeledger::ledger
