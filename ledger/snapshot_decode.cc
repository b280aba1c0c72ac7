// decode_snapshot: rebuilds the state written by encode_snapshot (grammar in snapshot.cc)
// into an empty ledger. A snapshot that fails to decode leaves the ledger partly filled:
// the caller discards it (recovery then tries an older snapshot).
#include <numeric>

#include "ledger/code_uses.h"
#include "ledger/codec_io.h"
#include "ledger/internal.h"

namespace codeledger::ledger {

using detail::CodeRecord;
using detail::Customer;
using detail::OrgState;
using detail::PromotionState;
using detail::Reader;
using detail::Shard;

namespace {

Status malformed(const char* what) {
  return Status(ErrorCode::kInvalidRequest, std::string("snapshot is malformed: ") + what);
}

class SnapshotLoader {
 public:
  SnapshotLoader(detail::Impl& impl, Reader& r, Lsn lsn)
      : impl_(impl), r_(r), lsn_(lsn), uses_(impl.shard_count()) {}

  Status orgs();
  Status codes();
  Status customers();
  // Points every code's uses at their redemptions, which arrive after the codes, and finds
  // each code's first standing use (code_uses.h).
  Status resolve_uses();

 private:
  // A code's use as the snapshot names it, until its redemption is loaded.
  struct NamedUse {
    CustomerId customer = 0;
    std::string_view transaction_identifier;  // into the snapshot's bytes
  };

  Result<OrgState*> org(OrgId id) { return impl_.get_or_create_org(id); }
  bool link(std::uint32_t shard_index, CodeRecord& rec);
  Status resolve_uses(std::uint32_t shard_index);
  // Sizes every shard's index once for its share of n codes (hashing spreads them evenly;
  // a shard that gets more grows as usual).
  void reserve_codes(std::uint64_t n) {
    const std::size_t shards = impl_.shard_count();
    const std::size_t share = n / shards + n / (8 * shards) + 8;
    for (std::size_t i = 0; i < shards; ++i) impl_.shard(static_cast<std::uint32_t>(i)).codes.reserve(share);
  }

  detail::Impl& impl_;
  Reader& r_;
  Lsn lsn_;
  std::vector<std::vector<NamedUse>> uses_;  // [shard][link - 1], beside Shard::links
};

Status SnapshotLoader::orgs() {
  std::uint64_t n = 0;
  if (!r_.count(n)) return malformed("organisation count");
  for (std::uint64_t i = 0; i < n; ++i) {
    OrgId id = 0;
    OrgSettings settings;
    std::uint8_t strategy = 0;
    std::uint64_t promos = 0;
    if (!(r_.varint(id) && r_.u8(strategy) && strategy <= 1 && r_.str(settings.time_zone) &&
          r_.u32(settings.active_promotions_max) && r_.count(promos))) {
      return malformed("organisation");
    }
    settings.strategy = static_cast<RedemptionStrategy>(strategy);
    bool configured = impl_.find_org(id) != nullptr;
    auto o = org(id);
    if (!o.ok()) return o.status();
    OrgState& st = **o;
    if (!configured) {  // configuration wins over the snapshot's copy of the settings
      std::lock_guard lock(st.settings_mu);
      st.settings = settings;
      st.strategy.store(strategy);
    }
    std::lock_guard lock(st.promo_mu);
    if (promos > st.promotions_max) return malformed("too many promotions");
    for (std::uint32_t k = 1; k <= promos; ++k) {
      auto p = std::make_unique<PromotionState>();
      if (!(r_.id(p->id) && r_.u32(p->number) && detail::get_spec(r_, p->spec) &&
            r_.svarint(p->created_ms) && r_.svarint(p->updated_ms)) ||
          p->number != k) {
        return malformed("promotion");
      }
      p->lsn = lsn_;
      st.promotions[k - 1].store(p.get());
      st.versions.push_back(std::move(p));
      st.promotion_count.store(k);
    }
  }
  return Status::Ok();
}

bool SnapshotLoader::link(std::uint32_t shard_index, CodeRecord& rec) {
  std::uint64_t n = 0;
  if (!r_.count(n)) return false;
  for (std::uint64_t i = 0; i < n; ++i) {
    NamedUse use;
    if (!(r_.varint(use.customer) && r_.str_view(use.transaction_identifier))) return false;
    detail::append_use(impl_.shard(shard_index), rec, use.transaction_identifier);
    uses_[shard_index].push_back(use);
  }
  return true;
}

Status SnapshotLoader::resolve_uses() {
  for (std::uint32_t i = 0; i < impl_.shard_count(); ++i) {
    if (Status s = resolve_uses(i); !s.ok()) return s;
  }
  return Status::Ok();
}

Status SnapshotLoader::resolve_uses(std::uint32_t shard_index) {
  Shard& s = impl_.shard(shard_index);
  for (std::uint32_t k = 0; k < s.codes.size(); ++k) {
    const CodeRecord& rec = s.codes.at(k);
    const OrgId org = impl_.org_by_slot(rec.org_slot)->id;
    for (std::uint32_t l = rec.last_link; l != 0; l = s.links[l - 1].prev) {
      const NamedUse& use = uses_[shard_index][l - 1];
      Shard& cs = impl_.shard(impl_.customer_shard(org, use.customer));
      Customer* c = cs.customer(org, use.customer);
      s.links[l - 1].redemption =
          c != nullptr ? cs.find_redemption(org, *c, use.transaction_identifier) : nullptr;
      if (s.links[l - 1].redemption == nullptr) return malformed("a code's use names no redemption");
    }
    detail::restate_first_standing(s, rec);
  }
  return Status::Ok();
}

Status SnapshotLoader::codes() {
  std::uint64_t n = 0;
  if (!r_.count(n)) return malformed("code count");
  reserve_codes(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    OrgId id = 0;
    CodeRecord rec;
    if (!(r_.varint(id) && r_.u8(rec.mode) && rec.mode <= 1 && r_.code(rec.key) &&
          r_.u32(rec.promo_number) && r_.varint(rec.customer) && r_.svarint(rec.created_ms) &&
          r_.svarint(rec.redeemable_from_ms) && r_.svarint(rec.valid_till_ms) &&
          r_.u32(rec.redemption_count) && r_.u8(rec.active) && rec.active <= 1)) {
      return malformed("code");
    }
    auto o = org(id);
    if (!o.ok()) return o.status();
    OrgState& st = **o;
    if (st.promotion(rec.promo_number) == nullptr) return malformed("code of unknown promotion");
    rec.org_slot = st.slot;
    Mode mode = static_cast<Mode>(rec.mode);
    const std::uint64_t hash = detail::code_hash(id, mode, rec.key.view());
    const std::uint32_t shard_index = impl_.shard_of(hash);
    Shard& s = impl_.shard(shard_index);
    if (!link(shard_index, rec)) return malformed("code redemption links");
    // A duplicate fails the whole load, so the links it pushed are discarded with the ledger.
    if (s.codes.insert_if_absent(rec, hash) == detail::CodeTable::kNone) return malformed("duplicate code");
    st.code_counts[rec.promo_number - 1].fetch_add(1);
    st.codes.add(1, 0);
  }
  return Status::Ok();
}

Status SnapshotLoader::customers() {
  std::uint64_t n = 0;
  if (!r_.count(n)) return malformed("customer count");
  for (std::uint64_t i = 0; i < n; ++i) {
    OrgId id = 0;
    CustomerProfile profile;
    std::uint64_t earned = 0;
    if (!(r_.varint(id) && detail::get_profile(r_, profile) && profile.id != 0 && r_.count(earned))) {
      return malformed("customer");
    }
    auto o = org(id);
    if (!o.ok()) return o.status();
    OrgState& st = **o;
    Shard& s = impl_.shard(impl_.customer_shard(id, profile.id));
    Customer& c = s.customer_or_create(st, profile.id);
    c.set_profile(std::move(profile));
    if (c.identified) {
      std::lock_guard lock(st.index_mu);
      detail::hold_profile(st, *c.identified, true);
    }
    std::vector<detail::EarnedRecord> entries(earned);
    for (auto& e : entries) {
      std::uint8_t status = 0;
      if (!(r_.id(e.id) && r_.u32(e.promo_number) && r_.str(e.context_id) &&
            r_.svarint(e.event_time_ms) && r_.svarint(e.own_valid_till_ms) && r_.u8(status) &&
            status <= 2)) {
        return malformed("earned promotion");
      }
      e.status = static_cast<EarnStatus>(status);
    }
    c.wallet.assign(std::move(entries));  // indexed here: the snapshot holds no index
    std::uint64_t counters = 0, redemptions = 0;
    if (!r_.count(counters)) return malformed("counters");
    for (std::uint64_t k = 0; k < counters; ++k) {
      detail::PromoCounter pc;
      if (!(r_.u32(pc.number) && r_.u32(pc.redemptions) && r_.u32(pc.earns))) return malformed("counter");
      c.counters.push_back(pc);
    }
    if (!r_.count(redemptions)) return malformed("redemptions");
    for (std::uint64_t k = 0; k < redemptions; ++k) {
      RedemptionView v;
      if (!detail::get_redemption(r_, v)) return malformed("redemption");
      ++s.counts(st.slot).redemptions;
      s.put_redemption(st.id, c, detail::RedemptionRef::of(v));
    }
  }
  return Status::Ok();
}

}  // namespace

Status Ledger::decode_snapshot(std::string_view bytes) {
  for (const auto& s : stats()) {
    if (s.codes != 0 || s.customers != 0 || s.promotions != 0) {
      return Status(ErrorCode::kInvalidRequest, "decode_snapshot needs an empty ledger");
    }
  }
  Reader r(bytes);
  std::uint8_t version = 0;
  Lsn lsn = 0;
  if (!r.u8(version)) return malformed("empty");
  if (version != 1) {
    return Status(ErrorCode::kInvalidRequest, "unknown snapshot version " + std::to_string(version));
  }
  if (!r.varint(lsn)) return malformed("lsn");
  std::vector<std::uint32_t> all(impl_->shard_count());
  std::iota(all.begin(), all.end(), 0u);
  {
    detail::ShardGuard guard(*impl_, std::move(all));
    SnapshotLoader loader(*impl_, r, lsn);
    if (Status s = loader.orgs(); !s.ok()) return s;
    if (Status s = loader.codes(); !s.ok()) return s;
    if (Status s = loader.customers(); !s.ok()) return s;
    if (!r.done()) return malformed("trailing bytes");
    if (Status s = loader.resolve_uses(); !s.ok()) return s;
  }
  impl_->set_last_lsn(lsn);
  return Status::Ok();
}

}  // namespace codeledger::ledger
