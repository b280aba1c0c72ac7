// Snapshot codec and the order-independent state digest. Both walk the whole state with
// every shard locked (ascending), so they see one consistent cut.
//
// Snapshot grammar (version 1), element shapes shared with event_codec.cc:
//   snapshot := version:u8(=1) last_lsn:varint orgs codes customers
//   orgs     := n { org:varint strategy:u8 tz:str active_max:varint
//                   promotions:n { id number:varint spec created:svarint updated:svarint } }
//   codes    := n { org:varint mode:u8 code number:varint customer:varint created:svarint
//                   redeemable_from:svarint valid_till:svarint count:varint active:u8
//                   links:n { customer:varint txn:str } }          (links oldest first)
//   customers:= n { org:varint profile earned:n { id number:varint context:str
//                   event_time:svarint valid_till:svarint status:u8 }
//                   counters:n { number redemptions earns } redemptions:n { redemption } }
#include <algorithm>
#include <numeric>

#include "ledger/codec_io.h"
#include "ledger/internal.h"

namespace codeledger::ledger {

using detail::CodeRecord;
using detail::Customer;
using detail::OrgState;
using detail::PromotionState;
using detail::Reader;
using detail::Shard;
using detail::Writer;

namespace {

constexpr std::uint8_t kSnapshotVersion = 1;

std::vector<std::uint32_t> all_shards(const detail::Impl& impl) {
  std::vector<std::uint32_t> v(impl.shard_count());
  std::iota(v.begin(), v.end(), 0u);
  return v;
}

void put_promotion(Writer& w, const PromotionState& p) {
  w.id(p.id);
  w.varint(p.number);
  detail::put_spec(w, p.spec);
  w.svarint(p.created_ms);
  w.svarint(p.updated_ms);
}

void put_code(Writer& w, OrgId org, const CodeRecord& r, const Shard& s) {
  w.varint(org);
  w.u8(r.mode);
  w.code(r.key);
  w.varint(r.promo_number);
  w.varint(r.customer);
  w.svarint(r.created_ms);
  w.svarint(r.redeemable_from_ms);
  w.svarint(r.valid_till_ms);
  w.varint(r.redemption_count);
  w.u8(r.active);
  std::vector<const detail::RedemptionLink*> links;
  for (std::uint32_t l = r.last_link; l != 0; l = s.links[l - 1].prev) links.push_back(&s.links[l - 1]);
  w.varint(links.size());
  for (auto it = links.rbegin(); it != links.rend(); ++it) {
    w.varint((*it)->redemption->customer);
    w.str((*it)->redemption->transaction_identifier());
  }
}

// Everything of a customer but its redemptions (hashed one by one: their map is unordered).
void put_customer_core(Writer& w, OrgId org, const Customer& c) {
  w.varint(org);
  detail::put_profile(w, c.profile());
  w.varint(c.wallet.size());
  for (const auto& e : c.wallet.entries()) {
    w.id(e.id);
    w.varint(e.promo_number);
    w.str(e.context_id);
    w.svarint(e.event_time_ms);
    w.svarint(e.own_valid_till_ms);
    w.u8(static_cast<std::uint8_t>(e.status));
  }
  w.varint(c.counters.size());
  for (const auto& k : c.counters) {
    w.varint(k.number);
    w.varint(k.redemptions);
    w.varint(k.earns);
  }
}

}  // namespace

void Ledger::encode_snapshot(std::string& out) const {
  detail::ShardGuard guard(*impl_, all_shards(*impl_));
  Writer w(out);
  w.u8(kSnapshotVersion);
  w.varint(impl_->last_lsn());
  std::vector<OrgState*> orgs = impl_->all_orgs();
  w.varint(orgs.size());
  for (OrgState* o : orgs) {
    std::lock_guard plock(o->promo_mu);
    w.varint(o->id);
    {
      std::lock_guard slock(o->settings_mu);
      w.u8(static_cast<std::uint8_t>(o->settings.strategy));
      w.str(o->settings.time_zone);
      w.varint(o->settings.active_promotions_max);
    }
    std::uint32_t n = o->promotion_count.load();
    w.varint(n);
    for (std::uint32_t i = 1; i <= n; ++i) put_promotion(w, *o->promotion(i));
  }
  std::uint64_t codes = 0, customers = 0;
  for (std::size_t i = 0; i < impl_->shard_count(); ++i) {
    codes += impl_->shard(static_cast<std::uint32_t>(i)).codes.size();
    customers += impl_->shard(static_cast<std::uint32_t>(i)).customers.size();
  }
  w.varint(codes);
  for (std::size_t i = 0; i < impl_->shard_count(); ++i) {
    const Shard& s = impl_->shard(static_cast<std::uint32_t>(i));
    for (std::uint32_t k = 0; k < s.codes.size(); ++k) {
      const CodeRecord& r = s.codes.at(k);
      put_code(w, impl_->org_by_slot(r.org_slot)->id, r, s);
    }
  }
  w.varint(customers);
  for (std::size_t i = 0; i < impl_->shard_count(); ++i) {
    const Shard& s = impl_->shard(static_cast<std::uint32_t>(i));
    s.customers.for_each([&](const Customer& c) {
      put_customer_core(w, c.org, c);
      w.varint(c.redemption_count);
      s.for_each_redemption(c, [&](const detail::StoredRedemption& r) {
        detail::put_redemption(w, r.ref());
      });
    });
  }
}

std::uint64_t Ledger::state_hash() const {
  detail::ShardGuard guard(*impl_, all_shards(*impl_));
  std::uint64_t sum = detail::mix64(impl_->last_lsn());
  std::string buf;
  auto add = [&](std::uint64_t seed) {
    sum += detail::hash_bytes(buf, seed);
    buf.clear();
  };
  for (OrgState* o : impl_->all_orgs()) {
    std::lock_guard plock(o->promo_mu);
    std::uint32_t n = o->promotion_count.load();
    for (std::uint32_t i = 1; i <= n; ++i) {
      Writer w(buf);
      w.varint(o->id);
      put_promotion(w, *o->promotion(i));
      add(1);
    }
  }
  for (std::size_t i = 0; i < impl_->shard_count(); ++i) {
    const Shard& s = impl_->shard(static_cast<std::uint32_t>(i));
    for (std::uint32_t k = 0; k < s.codes.size(); ++k) {
      Writer w(buf);
      put_code(w, impl_->org_by_slot(s.codes.at(k).org_slot)->id, s.codes.at(k), s);
      add(2);
    }
    s.customers.for_each([&](const Customer& c) {
      Writer w(buf);
      put_customer_core(w, c.org, c);
      add(3);
      s.for_each_redemption(c, [&](const detail::StoredRedemption& r) {
        w.varint(c.org);
        detail::put_redemption(w, r.ref());
        add(4);
      });
    });
  }
  return sum;
}

}  // namespace codeledger::ledger
