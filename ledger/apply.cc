// apply(event): the only code that changes the ledger's state. Live commands call it after
// staging, replay calls it through Ledger::apply; both hold the same locks. apply trusts
// the event (commands validated it) but never crashes on one that names a missing
// code or customer: it skips that element, so a semantically odd log cannot corrupt memory.
// A Redeemed event naming a customer's transaction again (an auditor's or restored log; a
// live command answers a repeated transaction with its first result and logs nothing) is
// applied too, not refused: the redemption is rewritten to what the later event says, its
// earlier items' code uses dropped (drop_uses), as a snapshot of the result then holds it.
#include <algorithm>
#include <optional>
#include <span>

#include "ledger/code_uses.h"
#include "ledger/internal.h"

namespace codeledger::ledger::detail {

namespace {
template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

void touch(Shard& s, Lsn lsn) { s.applied_lsn = std::max(s.applied_lsn, lsn); }

void lower_pool_hint(Shard& s, std::uint16_t slot, std::uint32_t number, std::uint32_t idx) {
  auto it = s.pool_hints.find(std::uint64_t{slot} << 32 | number);
  if (it != s.pool_hints.end() && it->second > idx) it.value() = idx;
}
}  // namespace

CodeRecord* Impl::locked_code(OrgState& org, Mode mode, const CodeKey& code,
                              std::uint32_t* shard_index, std::uint32_t* index) {
  std::uint64_t h = code_hash(org.id, mode, code.view());
  *shard_index = shard_of(h);
  Shard& s = shard(*shard_index);
  std::uint32_t idx = s.codes.find(CodeLookup{org.slot, mode, code.view(), h});
  if (index != nullptr) *index = idx;
  return idx == CodeTable::kNone ? nullptr : &s.codes.at(idx);
}

CodeRecord* Impl::hinted_code(const ApplyHint& hint, std::size_t k, OrgState& org, Mode mode,
                              const CodeKey& code, std::uint32_t* shard_index) {
  if (k < hint.code_count) {
    *shard_index = hint.codes[k].shard;
    return hint.codes[k].record;
  }
  return locked_code(org, mode, code, shard_index);
}

void Impl::apply_locked(const Event& event, const ApplyHint& hint) {
  OrgState* org = hint.org != nullptr ? hint.org : find_org(event.header.org);
  CL_CHECK(org != nullptr && org->id == event.header.org);
  const EventHeader& h = event.header;
  std::visit(Overloaded{
                 [&](const PromotionCreated& e) { apply_promotion(h, *org, e); },
                 [&](const PromotionUpdated& e) { apply_promotion(h, *org, e); },
                 [&](const CodesAdded& e) { apply_codes(h, *org, e, hint.codes_claimed); },
                 [&](const CodeLinked& e) {
                   std::uint32_t si = 0;
                   if (CodeRecord* r = hinted_code(hint, 0, *org, e.mode, e.code, &si)) {
                     r->customer = e.customer;
                     touch(shard(si), h.lsn);
                   }
                 },
                 [&](const CodeUnlinked& e) {
                   std::uint32_t si = 0, idx = 0;
                   if (CodeRecord* r = locked_code(*org, e.mode, e.code, &si, &idx)) {
                     r->customer = 0;
                     Shard& s = shard(si);
                     lower_pool_hint(s, org->slot, r->promo_number, idx);
                     touch(s, h.lsn);
                   }
                 },
                 [&](const CodeUpdated& e) {
                   std::uint32_t si = 0;
                   if (CodeRecord* r = locked_code(*org, e.mode, e.code, &si)) {
                     if (e.set_valid_till) r->valid_till_ms = e.valid_till_ms;
                     if (e.set_active) r->active = e.active ? 1 : 0;
                     // Reactivated or extended codes may be free again: rescan the pool.
                     shard(si).pool_hints.clear();
                     touch(shard(si), h.lsn);
                   }
                 },
                 [&](const Redeemed& e) { apply_redeemed(h, *org, e, hint); },
                 [&](const RedemptionReversed& e) { apply_reversed(h, *org, e); },
                 [&](const PromotionsEarned& e) { apply_earned(h, *org, e); },
                 [&](const EarnsRevoked& e) { apply_revoked(h, *org, e); },
                 [&](const CustomersUpserted& e) { apply_upserted(h, *org, e); },
             },
             event.body);
  if (hint.publish != nullptr) {
    if (h.lsn > hint.publish->published_lsn.load(std::memory_order_relaxed)) {
      hint.publish->published_lsn.store(h.lsn, std::memory_order_release);
    }
  } else {
    note_lsn(h.lsn);
  }
}

void Impl::apply_promotion(const EventHeader& h, OrgState& org, const PromotionCreated& e) {
  if (e.number == 0 || e.number > org.promotions_max) return;
  auto p = std::make_unique<PromotionState>();
  p->id = e.id;
  p->number = e.number;
  p->spec = e.spec;
  p->created_ms = h.time_ms;
  p->updated_ms = h.time_ms;
  p->lsn = h.lsn;
  org.promotions[e.number - 1].store(p.get(), std::memory_order_release);
  org.versions.push_back(std::move(p));
  if (e.number > org.promotion_count.load(std::memory_order_relaxed)) {
    org.promotion_count.store(e.number, std::memory_order_release);
  }
}

void Impl::apply_promotion(const EventHeader& h, OrgState& org, const PromotionUpdated& e) {
  const PromotionState* old = org.find_promotion(e.id);
  if (old == nullptr) return;
  auto p = std::make_unique<PromotionState>(*old);
  p->spec = e.spec;
  p->updated_ms = h.time_ms;
  p->lsn = h.lsn;
  // Old versions stay alive until the ledger is destroyed: readers may still hold them.
  org.promotions[p->number - 1].store(p.get(), std::memory_order_release);
  org.versions.push_back(std::move(p));
}

void Impl::apply_codes(const EventHeader& h, OrgState& org, const CodesAdded& e,
                       std::uint64_t claimed) {
  const PromotionState* p = org.find_promotion(e.promotion_id);
  if (p == nullptr) {
    org.codes.add(0, claimed);
    return;
  }
  Mode mode = p->spec.mode;
  CodeRecord r;
  r.org_slot = org.slot;
  r.mode = static_cast<std::uint8_t>(mode);
  r.promo_number = p->number;
  r.created_ms = h.time_ms;
  r.redeemable_from_ms = e.redeemable_from_ms;
  r.valid_till_ms = e.valid_till_ms;
  std::uint64_t added = 0;
  // A live command (one that claimed its codes' room) made their room before staging
  // (reserve_code_room), and nothing here may allocate for it: the event is logged (probe
  // 35d found this vector the last allocation). Replay makes each shard's share as it goes.
  const bool make_room = claimed == 0;
  const std::size_t share = code_index_share(e.codes.size());
  std::vector<bool> reserved(make_room ? shard_count() : 0);
  for (const CodeKey& k : e.codes) {
    const std::uint64_t hash = code_hash(org.id, mode, k.view());
    const std::uint32_t si = shard_of(hash);
    Shard& s = shard(si);
    if (make_room && !reserved[si]) {
      s.codes.reserve(s.codes.size() + share);
      reserved[si] = true;
    }
    r.key = k;
    if (s.codes.insert_if_absent(r, hash) == CodeTable::kNone) continue;
    touch(s, h.lsn);
    ++added;
  }
  if (added != 0) {
    // Before the count grows: see OrgState::code_count_lsns and Impl::promotion_view.
    store_max(org.code_count_lsns[p->number - 1], h.lsn, std::memory_order_release);
    org.code_counts[p->number - 1].fetch_add(added, std::memory_order_release);
  }
  org.codes.add(added, claimed);
}

void Impl::apply_redeemed(const EventHeader& h, OrgState& org, const Redeemed& e,
                          const ApplyHint& hint) {
  const RedemptionView& v = e.redemption;
  const std::uint64_t chash = customer_hash(org.id, v.customer);
  Shard& cs = shard(shard_of(chash));
  Customer& c = cs.customer_or_create(org, v.customer, chash);
  // Stored first: the code links below point at it (see RedemptionLink).
  const std::uint64_t key_hash =
      hint.redemption_key_hash != 0
          ? hint.redemption_key_hash
          : RedemptionKey::make(org.id, v.customer, v.transaction_identifier, chash).hash;
  // The record's time, not the body's: the log may stamp a record later than the command
  // read its clock, so that times never go back in LSN order (wal/writer.h, append).
  RedemptionRef stored = RedemptionRef::of(v);
  stored.redeemed_ms = h.time_ms;
  std::optional<std::span<const RedemptionItem>> replaced;
  const StoredRedemption& redemption = cs.put_redemption(org.id, c, stored, key_hash, &replaced);
  // A log naming the transaction again (never a live command: it answers a repeated one
  // with its first result) rewrote the record: the uses it named before are gone, and it is
  // still one redemption.
  if (replaced) drop_replaced_uses(org, *replaced, redemption);
  std::size_t code_k = 0;
  for (const RedemptionItem& item : v.items) {
    const PromotionState* p = org.find_promotion(item.promotion_id);
    std::uint32_t number = p != nullptr ? p->number : 0;
    if (item.code) {
      std::uint32_t si = 0;
      if (CodeRecord* r = hinted_code(hint, code_k++, org, item.mode, *item.code, &si)) {
        Shard& s = shard(si);
        r->redemption_count += item.count;
        add_use(s, *r, redemption);
        touch(s, h.lsn);
      }
    } else if (item.earned_promotion_id) {
      if (EarnedRecord* er = c.find_earned(*item.earned_promotion_id)) {
        er->status = EarnStatus::kRedeemed;
      }
    }
    if (number != 0) c.counter(number).redemptions += item.count;
  }
  if (!replaced) ++cs.counts(org.slot).redemptions;
  touch(cs, h.lsn);
}

// The rewritten record's earlier items: each code they named loses its uses of the record
// (code_uses.h, drop_uses). shards_for locked those codes' shards.
void Impl::drop_replaced_uses(OrgState& org, std::span<const RedemptionItem> items,
                              const StoredRedemption& redemption) {
  for (const RedemptionItem& item : items) {
    if (!item.code) continue;
    std::uint32_t si = 0;
    if (CodeRecord* r = locked_code(org, item.mode, *item.code, &si)) {
      drop_uses(shard(si), *r, redemption);
    }
  }
}

void Impl::apply_reversed(const EventHeader& h, OrgState& org, const RedemptionReversed& e) {
  Shard& cs = shard(customer_shard(org.id, e.customer));
  Customer* c = cs.customer(org.id, e.customer);
  if (c == nullptr) return;
  StoredRedemption* found = cs.find_redemption(org.id, *c, e.transaction_identifier);
  if (found == nullptr || found->reversed) return;
  StoredRedemption& v = *found;
  // Marked first: each code's use summary then sees it reversed (note_reversal).
  v.reversed = true;
  v.reversed_ms = h.time_ms;
  for (const RedemptionItem& item : v.item_span()) {
    const PromotionState* p = org.find_promotion(item.promotion_id);
    if (item.code) {
      std::uint32_t si = 0, idx = 0;
      if (CodeRecord* r = locked_code(org, item.mode, *item.code, &si, &idx)) {
        r->redemption_count -= std::min(r->redemption_count, item.count);
        Shard& s = shard(si);
        if (r->redemption_count == 0) lower_pool_hint(s, org.slot, r->promo_number, idx);
        note_reversal(s, *r, v);
        touch(s, h.lsn);
      }
    } else if (item.earned_promotion_id) {
      if (EarnedRecord* er = c->find_earned(*item.earned_promotion_id)) {
        er->status = EarnStatus::kActive;
      }
    }
    if (p != nullptr) {
      PromoCounter& pc = c->counter(p->number);
      pc.redemptions -= std::min(pc.redemptions, item.count);
    }
  }
  touch(cs, h.lsn);
}

void Impl::apply_earned(const EventHeader& h, OrgState& org, const PromotionsEarned& e) {
  const PromotionState* p = org.find_promotion(e.promotion_id);
  if (p == nullptr) return;
  for (const EarnedEntry& entry : e.entries) {
    Shard& cs = shard(customer_shard(org.id, entry.customer));
    Customer& c = cs.customer_or_create(org, entry.customer);
    // The log's end is the entry's own (events.h, EarnedEntry).
    c.wallet.add(EarnedRecord{entry.id, p->number, e.context_id, h.time_ms,
                              entry.valid_till_ms, EarnStatus::kActive});
    c.counter(p->number).earns += 1;
    touch(cs, h.lsn);
  }
}

void Impl::apply_revoked(const EventHeader& h, OrgState& org, const EarnsRevoked& e) {
  Shard& cs = shard(customer_shard(org.id, e.customer));
  Customer* c = cs.customer(org.id, e.customer);
  if (c == nullptr) return;
  for (const ObjectId& id : e.earn_ids) {
    if (EarnedRecord* er = c->find_earned(id)) er->status = EarnStatus::kRevoked;
  }
  touch(cs, h.lsn);
}

void index_profile(CustomerIndexes& ix, const CustomerProfile& p, bool add) {
  auto update = [&](tsl::robin_map<std::string, CustomerId>& m, const std::string& key) {
    if (key.empty()) return;
    if (add) {
      m.insert_or_assign(key, p.id);
      return;
    }
    auto it = m.find(key);
    if (it != m.end() && it->second == p.id) m.erase(it);
  };
  update(ix.by_external, p.external_id);
  update(ix.by_email, p.email);
  update(ix.by_phone, p.phone);
  for (const auto& [name, value] : p.custom_fields) {
    std::string key = custom_field_key(name, value);
    if (add) {
      ix.by_custom[std::move(key)].insert(p.id);
      continue;
    }
    auto it = ix.by_custom.find(key);
    if (it == ix.by_custom.end()) continue;
    it.value().erase(p.id);
    if (it->second.empty()) ix.by_custom.erase(it);
  }
}

void hold_profile(OrgState& org, const CustomerProfile& p, bool add) {
  index_profile(org.indexes, p, add);
  if (add) {
    org.profile_bytes.fetch_add(profile_bytes(p), std::memory_order_relaxed);
  } else {
    org.profile_bytes.fetch_sub(profile_bytes(p), std::memory_order_relaxed);
  }
}

void Impl::apply_upserted(const EventHeader& h, OrgState& org, const CustomersUpserted& e) {
  std::lock_guard lock(org.index_mu);
  for (const CustomerProfile& p : e.profiles) {
    Shard& cs = shard(customer_shard(org.id, p.id));
    Customer& c = cs.customer_or_create(org, p.id);
    if (c.identified) hold_profile(org, *c.identified, false);
    c.set_profile(p);
    if (c.identified) hold_profile(org, *c.identified, true);
    touch(cs, h.lsn);
  }
}

std::vector<std::uint32_t> Impl::shards_for(const Event& event, OrgState& org) {
  std::vector<std::uint32_t> out;
  auto add_code = [&](Mode m, const CodeKey& k) { out.push_back(code_shard(org.id, m, k.view())); };
  auto add_customer = [&](CustomerId c) { out.push_back(customer_shard(org.id, c)); };
  // The codes of the customer's stored redemption of transaction `txn`, if any.
  auto add_stored_codes = [&](CustomerId customer, std::string_view txn) {
    Shard& cs = shard(customer_shard(org.id, customer));
    std::lock_guard lock(cs.mu);
    Customer* c = cs.customer(org.id, customer);
    if (c == nullptr) return;
    const StoredRedemption* v = cs.find_redemption(org.id, *c, txn);
    if (v == nullptr) return;
    for (const auto& item : v->item_span()) {
      if (item.code) add_code(item.mode, *item.code);
    }
  };
  std::visit(
      Overloaded{
          [&](const PromotionCreated&) {}, [&](const PromotionUpdated&) {},
          [&](const CodesAdded& e) {
            const PromotionState* p = org.find_promotion(e.promotion_id);
            Mode m = p != nullptr ? p->spec.mode : Mode::kDiscount;
            for (const auto& k : e.codes) add_code(m, k);
          },
          [&](const CodeLinked& e) { add_code(e.mode, e.code); },
          [&](const CodeUnlinked& e) { add_code(e.mode, e.code); },
          [&](const CodeUpdated& e) { add_code(e.mode, e.code); },
          [&](const Redeemed& e) {
            add_customer(e.redemption.customer);
            for (const auto& item : e.redemption.items) {
              if (item.code) add_code(item.mode, *item.code);
            }
            // A record this event rewrites loses the uses of the codes it named (drop_uses).
            add_stored_codes(e.redemption.customer, e.redemption.transaction_identifier);
          },
          [&](const RedemptionReversed& e) {
            add_customer(e.customer);
            add_stored_codes(e.customer, e.transaction_identifier);
          },
          [&](const PromotionsEarned& e) {
            for (const auto& entry : e.entries) add_customer(entry.customer);
          },
          [&](const EarnsRevoked& e) { add_customer(e.customer); },
          [&](const CustomersUpserted& e) {
            for (const auto& p : e.profiles) add_customer(p.id);
          },
      },
      event.body);
  return out;
}

}  // namespace codeledger::ledger::detail
