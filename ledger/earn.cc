// Seed 003: issue (earn) into wallets, revoke earns, the wallet; and customer profiles.
#include <algorithm>
#include <charconv>
#include <optional>
#include <span>

#include <tsl/robin_set.h>

#include "ledger/cursor_number.h"
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

// An entry's own end, kNoTime without earnValidityMs. The promotion's end is left out: it is
// read with the entry (detail::entry_valid_till), so a later update of it moves the entry.
// earnValidityMs runs from when the entry becomes redeemable: issued ahead of the
// promotion's start, from validFrom. From the issue it could end before the start, an entry
// never redeemable (probe 32b). Capped at kEndMaxMs: each part is within it, their sum need
// not be, and past it the ISO twin of validTill named another instant (probe 41a).
TimeMs own_valid_till(const PromotionSpec& s, TimeMs now) {
  if (s.earn_validity_ms <= 0) return kNoTime;
  const TimeMs from = std::max(now, s.valid_from_ms);
  return s.earn_validity_ms > kEndMaxMs - from ? kEndMaxMs : from + s.earn_validity_ms;
}

// Why the customer gets no new entry of promotion p, or Ok: its per-customer earn limit, or
// a wallet holding wallet_max entries. Either refuses that customer alone (413), issuing it
// nothing.
Status refuse_new_entry(const Customer* c, CustomerId cid, const PromotionState& p,
                        std::size_t wallet_max) {
  const std::uint32_t earns = c != nullptr ? c->counter_value(p.number).earns : 0;
  const std::uint32_t max = p.spec.per_customer_earns_max;
  if (max != 0 && earns >= max) {
    return Status(ErrorCode::kLimitExceeded, "customer " + std::to_string(cid) +
                                                 " reached the per-customer earn limit (" +
                                                 std::to_string(max) + ")");
  }
  const std::size_t held = c != nullptr ? c->wallet.size() : 0;
  if (held >= wallet_max) {
    return Status(ErrorCode::kLimitExceeded,
                  "customer " + std::to_string(cid) + "'s wallet holds " + std::to_string(held) +
                      " entries, its limit wallet_entries_max (" + std::to_string(wallet_max) +
                      "; redeemed and revoked entries count)");
  }
  return Status::Ok();
}

std::size_t wallet_entries_max(const OrgState& org) {
  std::lock_guard lock(org.settings_mu);
  return org.settings.wallet_entries_max;
}

// A wallet page's cursor: "w" and the position of the page's first entry (positions never
// change, wallet.h). Empty: the first page, as when absent.
bool parse_wallet_cursor(std::string_view cursor, std::size_t& position) {
  position = 0;
  if (cursor.empty()) return true;
  return cursor[0] == 'w' && detail::parse_cursor_number(cursor.substr(1), &position);
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

  // A customer listed again is issued and answered once. A set, not a search of `unique`:
  // 1,000 customers were half a million comparisons a call.
  std::vector<CustomerId> unique;
  tsl::robin_set<CustomerId> listed;
  listed.reserve(customers.size());
  std::vector<std::uint32_t> shards;
  for (CustomerId c : customers) {
    if (!listed.insert(c).second) continue;
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
  const TimeMs own_till = own_valid_till(p->spec, op.now_ms);
  const std::size_t wallet_max = wallet_entries_max(*org);
  for (CustomerId cid : unique) {
    const Customer* c = impl_->shard(impl_->customer_shard(org->id, cid)).customer(org->id, cid);
    // The same promotion issued to the same customer in the same context is a retry (a
    // checkout resending a timed-out issueBulk): it answers the entry issued the first time,
    // as it stands now, and issues nothing (probe 33: a retry granted a second entry). The
    // guard's LSN already covers that entry, so the answer waits for it to be durable.
    const EarnedRecord* first = c != nullptr ? c->wallet.find_issued(p->number, context_id) : nullptr;
    if (first != nullptr) {
      results.push_back({cid, impl_->earned_view(op, *org, cid, *first)});
      continue;
    }
    if (Status refused = refuse_new_entry(c, cid, *p, wallet_max); !refused.ok()) {
      results.push_back({cid, Result<EarnedView>(std::move(refused))});
      continue;
    }
    std::uint64_t salt = detail::hash_bytes(
        context_id, detail::customer_hash(org->id, cid) ^ (std::uint64_t{p->number} << 40) ^
                        (c != nullptr ? c->wallet.size() : 0));
    EarnedEntry entry{detail::mint_id(op.now_ms, salt), cid, own_till};
    // Answered as the wallet will show it: the record apply adds, read the same way.
    const EarnedRecord added{entry.id, p->number, std::string(context_id), op.now_ms, own_till,
                             EarnStatus::kActive};
    body.entries.push_back(entry);
    issued_now.push_back(results.size());
    results.push_back({cid, impl_->earned_view(op, *org, cid, added)});
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
  // The entries this call revokes, for "listed twice": a set, where a search of `ids` made
  // a revoke of 1,000 ids half a million compares under the shard lock.
  tsl::robin_set<const EarnedRecord*> revoking;
  for (const EarnRevokeRequest& req : requests) {
    const PromotionState* p = org != nullptr ? org->find_promotion(req.promotion_id) : nullptr;
    for (const ObjectId& eid : req.earn_ids) {
      EarnedRecord* e = (c != nullptr && p != nullptr) ? c->find_earned(eid) : nullptr;
      Status st;
      if (e == nullptr || e->promo_number != p->number) {
        st = Status(ErrorCode::kEarnedPromotionNotFound, "earned promotion " + eid.hex() + " not found");
      } else if (e->status == EarnStatus::kRedeemed) {
        st = Status(ErrorCode::kEarnedPromotionRedeemed, "earned promotion " + eid.hex() + " is redeemed");
      } else if (e->status == EarnStatus::kRevoked || !revoking.insert(e).second) {
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

// A page only, under the shard lock: its cost is bounded by wallet_page_max, not by the
// wallet (probe 36a: a whole 200,005-entry wallet held the lock 301 ms).
Result<WalletPage> Ledger::wallet(Op& op, CustomerId customer, std::string_view cursor,
                                  std::size_t limit) const {
  if (customer == 0) return Status(ErrorCode::kInvalidCustomer, "customerId must be positive");
  const std::size_t page_max = impl_->options.limits.wallet_page_max;
  limit = (limit == 0 || limit > page_max) ? page_max : limit;
  std::size_t from = 0;
  const Status bad_cursor(ErrorCode::kInvalidRequest, "cursor is not valid");
  if (!parse_wallet_cursor(cursor, from)) return bad_cursor;
  WalletPage page;
  OrgState* org = impl_->find_org(op.org);
  if (org == nullptr) return cursor.empty() ? Result<WalletPage>(std::move(page)) : bad_cursor;
  Shard& cs = impl_->shard(impl_->customer_shard(org->id, customer));
  std::lock_guard lock(cs.mu);
  detail::raise_lsn(op, cs.applied_lsn);
  const Customer* c = cs.customer(org->id, customer);
  const std::span<const EarnedRecord> entries =
      c != nullptr ? c->wallet.entries() : std::span<const EarnedRecord>();
  // A cursor names an entry of this wallet, as every one handed out does (none leads to an
  // empty page): one past the last entry is refused like one further on, as the export
  // refuses one past its last code (probe 41a).
  if (!cursor.empty() && from >= entries.size()) return bad_cursor;
  const std::size_t end = from + std::min(limit, entries.size() - from);
  page.entries.reserve(end - from);
  for (std::size_t i = from; i < end; ++i) {
    page.entries.push_back(impl_->earned_view(op, *org, customer, entries[i]));
  }
  // Appended, not "w" + std::to_string(end): GCC 12 -O3 reports a false -Wrestrict on that.
  if (end < entries.size()) page.next_cursor.assign(1, 'w').append(std::to_string(end));
  return page;
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
