// Seed 003: issue (earn) into wallets, revoke earns, the wallet; and customer profiles.
#include <algorithm>
#include <charconv>
#include <optional>

#include "ledger/internal.h"

namespace codeledger::ledger {

using detail::Customer;
using detail::EarnedRecord;
using detail::OrgState;
using detail::PromotionState;
using detail::Shard;

namespace {

Status check_issuable(const OrgState& org, const PromotionState& p, TimeMs now) {
  if (p.spec.kind == PromotionKind::kCodeLinked) {
    return Status(ErrorCode::kEarnNotSupported,
                  "earn is not supported for CODE_LINKED promotion " + p.id.hex());
  }
  // 707 for an issuable promotion that cannot be issued right now because it is inactive.
  if (!p.spec.active) {
    return Status(ErrorCode::kPromotionTypeNotSupported,
                  "promotion " + p.id.hex() + " is not active and cannot be issued");
  }
  if (detail::promotion_ended(p.spec, now)) {
    return Status(ErrorCode::kPromotionExpired, "promotion " + p.id.hex() + " has expired");
  }
  std::uint32_t active_max;
  {
    std::lock_guard lock(org.settings_mu);
    active_max = org.settings.active_promotions_max;
  }
  std::uint32_t active = 0;
  std::uint32_t n = org.promotion_count.load(std::memory_order_acquire);
  for (std::uint32_t i = 1; i <= n; ++i) {
    const PromotionState* q = org.promotion(i);
    if (q != nullptr && q->spec.active && !detail::promotion_ended(q->spec, now)) ++active;
  }
  if (active > active_max) {
    return Status(ErrorCode::kActivePromotionsExceeded,
                  "organisation has " + std::to_string(active) +
                      " active promotions, more than active_promotions_max (" +
                      std::to_string(active_max) + ")");
  }
  return Status::Ok();
}

// earnValidityMs runs from when the entry becomes redeemable: issued ahead of the
// promotion's start, from validFrom. From the issue it could end before the start, an entry
// never redeemable (probe 32b).
TimeMs earned_valid_till(const PromotionSpec& s, TimeMs now) {
  if (s.earn_validity_ms <= 0) return s.valid_till_ms;
  const TimeMs by_validity = std::max(now, s.valid_from_ms) + s.earn_validity_ms;
  return detail::earlier_end(s.valid_till_ms, by_validity);
}

Status not_found_promotion(const ObjectId& id) {
  return Status(ErrorCode::kNotFound, "promotion " + id.hex() + " not found");
}

// The customer an identifier or custom value names (index_mu held). A shared custom value
// names its lowest-id holder.
std::optional<CustomerId> indexed_customer(const detail::CustomerIndexes& ix,
                                           const CustomerMatch& match) {
  if (match.by == MatchBy::kCustomField) {
    auto it = ix.by_custom.find(detail::custom_field_key(match.field_name, match.value));
    if (it == ix.by_custom.end()) return std::nullopt;
    return *it->second.begin();
  }
  const auto& m = match.by == MatchBy::kExternalId ? ix.by_external
                  : match.by == MatchBy::kEmail    ? ix.by_email
                                                   : ix.by_phone;
  auto it = m.find(match.value);
  if (it == m.end()) return std::nullopt;
  return it->second;
}

}  // namespace

Result<std::vector<IssueResult>> Ledger::issue(Op& op, const ObjectId& promotion,
                                               std::string_view context_id,
                                               std::span<const CustomerId> customers) {
  const LedgerLimits& limits = impl_->options.limits;
  if (context_id.empty() || context_id.size() > limits.identifier_bytes_max) {
    return Status(ErrorCode::kInvalidRequest,
                  "contextId must be 1.." + std::to_string(limits.identifier_bytes_max) + " bytes");
  }
  if (customers.empty()) return Status(ErrorCode::kInvalidCustomer, "customer id list is empty");
  if (customers.size() > limits.customers_per_issue_max) {
    return Status(ErrorCode::kLimitExceeded, "more than customers_per_issue_max (" +
                                                 std::to_string(limits.customers_per_issue_max) +
                                                 ") customers");
  }
  if (std::find(customers.begin(), customers.end(), CustomerId{0}) != customers.end()) {
    return Status(ErrorCode::kInvalidCustomer, "customer id list contains an invalid id 0");
  }
  OrgState* org = impl_->find_org(op.org);
  const PromotionState* p = org != nullptr ? org->find_promotion(promotion) : nullptr;
  if (p == nullptr) return not_found_promotion(promotion);
  detail::raise_lsn(op, p->lsn);
  if (Status s = check_issuable(*org, *p, op.now_ms); !s.ok()) return s;

  std::vector<CustomerId> unique;
  std::vector<std::uint32_t> shards;
  for (CustomerId c : customers) {
    if (std::find(unique.begin(), unique.end(), c) != unique.end()) continue;
    unique.push_back(c);
    shards.push_back(impl_->customer_shard(org->id, c));
  }
  impl_->prefault_bytes();  // new customers go into the shards' arenas
  detail::ShardGuard guard(*impl_, std::move(shards));
  detail::raise_lsn(op, guard.max_lsn());
  Event ev{impl_->header(op), PromotionsEarned{p->id, std::string(context_id), {}}};
  auto& body = std::get<PromotionsEarned>(ev.body);
  std::vector<IssueResult> results;
  std::vector<std::size_t> issued_now;  // results that are this event's entries
  TimeMs till = earned_valid_till(p->spec, op.now_ms);
  for (CustomerId cid : unique) {
    const Customer* c = impl_->shard(impl_->customer_shard(org->id, cid)).customer(org->id, cid);
    // The same promotion issued to the same customer in the same context is a retry (a
    // checkout resending a timed-out issueBulk): it answers the entry issued the first time,
    // as it stands now, and issues nothing (probe 33: a retry granted a second entry). The
    // guard's LSN already covers that entry, so the answer waits for it to be durable.
    if (const EarnedRecord* first = c != nullptr ? c->find_earned_in(p->number, context_id) : nullptr) {
      results.push_back({cid, impl_->earned_view(*org, cid, *first)});
      continue;
    }
    std::uint32_t earns = c != nullptr ? c->counter_value(p->number).earns : 0;
    std::uint32_t max = p->spec.per_customer_earns_max;
    if (max != 0 && earns >= max) {
      results.push_back({cid, Result<EarnedView>(ErrorCode::kLimitExceeded,
                                                 "customer " + std::to_string(cid) +
                                                     " reached the per-customer earn limit (" +
                                                     std::to_string(max) + ")")});
      continue;
    }
    std::uint64_t salt = detail::hash_bytes(
        context_id, detail::customer_hash(org->id, cid) ^ (std::uint64_t{p->number} << 40) ^
                        (c != nullptr ? c->earned.size() : 0));
    EarnedEntry entry{detail::mint_id(op.now_ms, salt), cid, till};
    EarnedView v{entry.id, cid, p->id, p->spec.name, std::string(context_id), op.now_ms, till,
                 EarnStatus::kActive};
    body.entries.push_back(entry);
    issued_now.push_back(results.size());
    results.push_back({cid, std::move(v)});
  }
  if (!body.entries.empty()) {
    if (Status s = impl_->commit(op, ev); !s.ok()) return s;
    // As stored: the log's time for the record, which never goes back (wal/writer.h, append).
    for (std::size_t i : issued_now) results[i].earned->event_time_ms = ev.header.time_ms;
  }
  return results;
}

Result<std::vector<RevokeResult>> Ledger::revoke_earns(
    Op& op, CustomerId customer, std::span<const EarnRevokeRequest> requests) {
  if (customer == 0) return Status(ErrorCode::kInvalidCustomer, "customerId must be positive");
  std::size_t total = 0;
  for (const auto& r : requests) total += r.earn_ids.size();
  if (total == 0) return Status(ErrorCode::kInvalidRequest, "no earned promotion ids given");
  if (total > impl_->options.limits.earn_ids_per_revoke_max) {
    return Status(ErrorCode::kLimitExceeded, "more than earn_ids_per_revoke_max (" +
                                                 std::to_string(impl_->options.limits.earn_ids_per_revoke_max) +
                                                 ") ids");
  }
  std::vector<RevokeResult> results;
  OrgState* org = impl_->find_org(op.org);
  Customer* c = nullptr;
  std::unique_lock<detail::ShardMutex> lock;
  if (org != nullptr) {
    Shard& cs = impl_->shard(impl_->customer_shard(org->id, customer));
    lock = std::unique_lock(cs.mu);
    detail::raise_lsn(op, cs.applied_lsn);
    c = cs.customer(org->id, customer);
  }
  Event ev{impl_->header(op), EarnsRevoked{customer, {}}};
  auto& ids = std::get<EarnsRevoked>(ev.body).earn_ids;
  for (const EarnRevokeRequest& req : requests) {
    const PromotionState* p = org != nullptr ? org->find_promotion(req.promotion_id) : nullptr;
    for (const ObjectId& eid : req.earn_ids) {
      EarnedRecord* e = (c != nullptr && p != nullptr) ? c->find_earned(eid) : nullptr;
      Status st;
      if (e == nullptr || e->promo_number != p->number) {
        st = Status(ErrorCode::kEarnedPromotionNotFound, "earned promotion " + eid.hex() + " not found");
      } else if (e->status == EarnStatus::kRedeemed) {
        st = Status(ErrorCode::kEarnedPromotionRedeemed, "earned promotion " + eid.hex() + " is redeemed");
      } else if (e->status == EarnStatus::kRevoked ||
                 std::find(ids.begin(), ids.end(), eid) != ids.end()) {
        st = Status(ErrorCode::kEarnedPromotionRevoked, "earned promotion " + eid.hex() + " is already revoked");
      } else {
        ids.push_back(eid);
      }
      results.push_back({req.promotion_id, eid, std::move(st)});
    }
  }
  if (!ids.empty()) {
    if (Status s = impl_->commit(op, ev); !s.ok()) return s;
  }
  return results;
}

Result<std::vector<EarnedView>> Ledger::wallet(Op& op, CustomerId customer) const {
  if (customer == 0) return Status(ErrorCode::kInvalidCustomer, "customerId must be positive");
  std::vector<EarnedView> out;
  OrgState* org = impl_->find_org(op.org);
  if (org == nullptr) return out;
  Shard& cs = impl_->shard(impl_->customer_shard(org->id, customer));
  std::lock_guard lock(cs.mu);
  detail::raise_lsn(op, cs.applied_lsn);
  if (const Customer* c = cs.customer(org->id, customer)) {
    for (const EarnedRecord& e : c->earned) out.push_back(impl_->earned_view(*org, customer, e));
  }
  return out;
}

Result<CustomerProfile> Ledger::find_customer(Op& op, const CustomerMatch& match) const {
  Status not_found(ErrorCode::kNotFound, "customer '" + match.value + "' not found");
  OrgState* org = impl_->find_org(op.org);
  if (org == nullptr) return not_found;
  CustomerId id = 0;
  if (match.by == MatchBy::kCustomerId) {
    auto r = std::from_chars(match.value.data(), match.value.data() + match.value.size(), id);
    if (r.ec != std::errc() || r.ptr != match.value.data() + match.value.size() || id == 0) {
      return Status(ErrorCode::kInvalidCustomer, "customerId '" + match.value + "' is not valid");
    }
  } else {
    std::lock_guard lock(org->index_mu);
    std::optional<CustomerId> found = indexed_customer(org->indexes, match);
    if (!found) return not_found;
    id = *found;
  }
  Shard& cs = impl_->shard(impl_->customer_shard(org->id, id));
  std::lock_guard lock(cs.mu);
  detail::raise_lsn(op, cs.applied_lsn);
  const Customer* c = cs.customer(org->id, id);
  if (c == nullptr) return not_found;
  return c->profile();
}

}  // namespace codeledger::ledger
