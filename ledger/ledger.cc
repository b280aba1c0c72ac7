// Ledger: organisations, promotions, the replay entry point and statistics.
#include <algorithm>

#include "ledger/internal.h"

namespace codeledger::ledger {

using detail::OrgState;
using detail::PromotionState;

Ledger::Ledger(LedgerOptions options, EventSink* sink)
    : impl_(std::make_unique<Impl>(std::move(options), sink)) {}

Ledger::~Ledger() = default;

const LedgerOptions& Ledger::options() const { return impl_->options; }

void Ledger::hand_off_prefault(std::function<void()> wake) {
  impl_->byte_chunks().hand_off_prefault(std::move(wake));
}

void Ledger::prefault_memory() { impl_->byte_chunks().fill(); }

Status Ledger::configure_org(OrgId org, const OrgSettings& settings) {
  if (org == 0) return Status(ErrorCode::kInvalidRequest, "orgId must be positive");
  auto o = impl_->get_or_create_org(org);
  if (!o.ok()) return o.status();
  OrgState& st = **o;
  std::lock_guard lock(st.settings_mu);
  st.settings = settings;
  st.strategy.store(static_cast<std::uint8_t>(settings.strategy), std::memory_order_release);
  st.codes_max.store(settings.codes_max, std::memory_order_relaxed);
  return Status::Ok();
}

Status Ledger::set_codes_max(OrgId org, std::uint64_t codes_max) {
  OrgState* o = impl_->find_org(org);
  if (o == nullptr) return Status(ErrorCode::kNotFound, "organisation " + std::to_string(org) + " not found");
  std::lock_guard lock(o->settings_mu);
  o->settings.codes_max = codes_max;
  o->codes_max.store(codes_max, std::memory_order_relaxed);
  return Status::Ok();
}

std::optional<OrgSettings> Ledger::org_settings(OrgId org) const {
  OrgState* o = impl_->find_org(org);
  if (o == nullptr) return std::nullopt;
  std::lock_guard lock(o->settings_mu);
  return o->settings;
}

namespace {

Status validate_spec(const PromotionSpec& s, const LedgerLimits& limits) {
  if (s.name.empty() || s.name.size() > limits.name_bytes_max) {
    return Status(ErrorCode::kInvalidRequest,
                  "name must be 1.." + std::to_string(limits.name_bytes_max) + " bytes");
  }
  if (s.valid_from_ms < 0 || s.valid_till_ms < 0 || s.earn_validity_ms < 0) {
    return Status(ErrorCode::kInvalidRequest,
                  "validFrom, validTill and earnValidity must not be negative");
  }
  // On the whole record, so an update giving one end cannot leave an empty window that create
  // refuses (probe 32b).
  if (s.valid_till_ms != kNoTime && s.valid_from_ms >= s.valid_till_ms) {
    return Status(ErrorCode::kInvalidRequest, "validTill must be later than validFrom");
  }
  return Status::Ok();
}

Status org_not_configured(OrgId org) {
  return Status(ErrorCode::kNotFound, "organisation " + std::to_string(org) + " is not configured");
}

bool name_taken(const OrgState& org, std::string_view name, std::uint32_t except_number) {
  std::uint32_t n = org.promotion_count.load(std::memory_order_acquire);
  for (std::uint32_t i = 1; i <= n; ++i) {
    const PromotionState* p = org.promotion(i);
    if (p != nullptr && i != except_number && p->spec.name == name) return true;
  }
  return false;
}

}  // namespace

Result<PromotionView> Ledger::create_promotion(Op& op, const PromotionSpec& spec) {
  if (Status s = validate_spec(spec, impl_->options.limits); !s.ok()) return s;
  OrgState* org = impl_->find_org(op.org);
  if (org == nullptr) return org_not_configured(op.org);
  std::lock_guard lock(org->promo_mu);
  std::uint32_t count = org->promotion_count.load(std::memory_order_relaxed);
  if (count >= org->promotions_max) {
    return Status(ErrorCode::kLimitExceeded, "promotions_per_org_max (" +
                                                 std::to_string(org->promotions_max) + ") reached");
  }
  if (name_taken(*org, spec.name, 0)) {
    return Status(ErrorCode::kConflict, "promotion name '" + spec.name + "' is already taken");
  }
  Event ev{impl_->header(op), PromotionCreated{}};
  auto& body = std::get<PromotionCreated>(ev.body);
  body.number = count + 1;
  body.id = detail::mint_promotion_id(op.now_ms, org->id, body.number);
  body.spec = spec;
  if (Status s = impl_->commit(op, ev); !s.ok()) return s;
  return impl_->promotion_view(op, *org, *org->promotion(body.number));
}

Result<PromotionView> Ledger::update_promotion(Op& op, const ObjectId& id,
                                               const PromotionPatch& patch) {
  OrgState* org = impl_->find_org(op.org);
  if (org == nullptr) return org_not_configured(op.org);
  std::lock_guard lock(org->promo_mu);
  const PromotionState* cur = org->find_promotion(id);
  if (cur == nullptr) return Status(ErrorCode::kNotFound, "promotion " + id.hex() + " not found");
  PromotionSpec spec = cur->spec;
  if (patch.name) spec.name = *patch.name;
  if (patch.valid_from_ms) spec.valid_from_ms = *patch.valid_from_ms;
  if (patch.valid_till_ms) spec.valid_till_ms = *patch.valid_till_ms;
  if (patch.active) spec.active = *patch.active;
  if (patch.per_code_redemptions_max) spec.per_code_redemptions_max = *patch.per_code_redemptions_max;
  if (patch.per_customer_redemptions_max) {
    spec.per_customer_redemptions_max = *patch.per_customer_redemptions_max;
  }
  if (patch.per_customer_earns_max) spec.per_customer_earns_max = *patch.per_customer_earns_max;
  if (patch.earn_validity_ms) spec.earn_validity_ms = *patch.earn_validity_ms;
  if (Status s = validate_spec(spec, impl_->options.limits); !s.ok()) return s;
  if (name_taken(*org, spec.name, cur->number)) {
    return Status(ErrorCode::kConflict, "promotion name '" + spec.name + "' is already taken");
  }
  // An update that changes nothing is answered as it stands: logged, it took a record and a
  // kept version each time (probe 36a: 200,000 identical PUTs, 54 MB).
  if (spec == cur->spec) return impl_->promotion_view(op, *org, *cur);
  Event ev{impl_->header(op), PromotionUpdated{id, spec}};
  if (Status s = impl_->commit(op, ev); !s.ok()) return s;
  return impl_->promotion_view(op, *org, *org->find_promotion(id));
}

Result<PromotionView> Ledger::get_promotion(Op& op, const ObjectId& id) const {
  OrgState* org = impl_->find_org(op.org);
  const PromotionState* p = org != nullptr ? org->find_promotion(id) : nullptr;
  if (p == nullptr) return Status(ErrorCode::kNotFound, "promotion " + id.hex() + " not found");
  return impl_->promotion_view(op, *org, *p);
}

Result<PromotionView> Ledger::get_promotion_by_number(Op& op, std::uint32_t number) const {
  OrgState* org = impl_->find_org(op.org);
  const PromotionState* p = org != nullptr ? org->promotion(number) : nullptr;
  if (p == nullptr) {
    return Status(ErrorCode::kNotFound, "promotion number " + std::to_string(number) + " not found");
  }
  return impl_->promotion_view(op, *org, *p);
}

std::vector<PromotionView> Ledger::list_promotions(Op& op) const {
  std::vector<PromotionView> out;
  OrgState* org = impl_->find_org(op.org);
  if (org == nullptr) return out;
  std::uint32_t n = org->promotion_count.load(std::memory_order_acquire);
  for (std::uint32_t i = 1; i <= n; ++i) {
    if (const PromotionState* p = org->promotion(i)) {
      out.push_back(impl_->promotion_view(op, *org, *p));
    }
  }
  return out;
}

Status Ledger::apply(const Event& event) {
  auto org = impl_->get_or_create_org(event.header.org);
  if (!org.ok()) return org.status();
  OrgState& o = **org;
  bool promotion_event = std::holds_alternative<PromotionCreated>(event.body) ||
                         std::holds_alternative<PromotionUpdated>(event.body);
  if (promotion_event) {
    std::lock_guard lock(o.promo_mu);
    impl_->apply_locked(event);
    return Status::Ok();
  }
  detail::ShardGuard guard(*impl_, impl_->shards_for(event, o));
  impl_->apply_locked(event);
  return Status::Ok();
}

Lsn Ledger::last_lsn() const { return impl_->last_lsn(); }

std::vector<OrgStats> Ledger::stats() const {
  std::vector<OrgStats> out;
  for (OrgState* o : impl_->all_orgs()) {  // in slot order
    OrgStats s;
    s.org = o->id;
    s.codes = o->codes.held();
    s.promotions = o->promotion_count.load(std::memory_order_relaxed);
    out.push_back(s);
  }
  // One shard lock at a time: a consistent total per shard, not a global cut.
  for (std::size_t i = 0; i < impl_->shard_count(); ++i) {
    detail::Shard& sh = impl_->shard(static_cast<std::uint32_t>(i));
    std::lock_guard lock(sh.mu);
    for (std::size_t slot = 0; slot < sh.org_counts.size() && slot < out.size(); ++slot) {
      out[slot].customers += sh.org_counts[slot].customers;
      out[slot].redemptions += sh.org_counts[slot].redemptions;
    }
  }
  std::sort(out.begin(), out.end(), [](const OrgStats& a, const OrgStats& b) { return a.org < b.org; });
  return out;
}

}  // namespace codeledger::ledger
