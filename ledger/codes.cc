// Commands on single codes: link (seed 000), get (seed 002), history, and the Altcraft
// unlink / update / attach-from-pool.
#include <array>

#include "ledger/internal.h"

namespace codeledger::ledger {

using detail::CodeRecord;
using detail::CodeTable;
using detail::CodeTarget;
using detail::OrgState;
using detail::PromotionState;
using detail::Shard;

namespace detail {

Status code_not_found(std::string_view text) {
  return Status(ErrorCode::kInvalidCode, "code '" + std::string(text) + "' not found");
}

// Which bytes a code may hold: one load per character instead of two range checks (this
// check was a tenth of a get's instructions).
static constexpr std::array<bool, 256> kCodeChars = [] {
  std::array<bool, 256> t{};
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  return t;
}();

// True for text CodeKey::make accepts; checked here without building a key or a Result,
// and make() only runs to word the error.
static bool valid_code_text(std::string_view text) {
  if (text.size() < CodeKey::kMinLength || text.size() > CodeKey::kMaxLength) return false;
  bool ok = true;  // no early exit: no branch per byte
  for (char c : text) ok &= kCodeChars[static_cast<unsigned char>(c)];
  return ok;
}

Result<CodeTarget> resolve_code(const Impl& impl, OrgId org, Mode mode, std::string_view text) {
  if (!valid_code_text(text)) {
    auto key = CodeKey::make(text);
    CL_CHECK(!key.ok());
    return key.status();
  }
  CodeTarget t;
  t.org = impl.find_org(org);
  if (t.org == nullptr) return code_not_found(text);
  t.mode = mode;
  t.text = text;
  t.hash = code_hash(org, mode, text);
  t.shard = impl.shard_of(t.hash);
  return t;
}

}  // namespace detail

namespace {

Status code_inactive(std::string_view text) {
  return Status(ErrorCode::kInvalidCode, "code '" + std::string(text) + "' is not active");
}

Status code_expired_status(std::string_view text) {
  return Status(ErrorCode::kCodeExpired, "code '" + std::string(text) + "' has expired");
}

// Seed 000's checks, in its order of precedence. The caller handles the idempotent re-link.
Status check_linkable(const CodeRecord& r, const PromotionState* p, TimeMs now) {
  std::string_view text = r.key.view();
  if (p == nullptr || !detail::code_active(r, *p)) return code_inactive(text);
  if (detail::code_expired(r, *p, now)) return code_expired_status(text);
  std::uint32_t max = p->spec.per_code_redemptions_max;
  if (max != 0 && r.redemption_count >= max) {
    return Status(ErrorCode::kCodeAlreadyRedeemed,
                  "code '" + std::string(text) + "' has already been fully redeemed");
  }
  if (r.customer != 0) {
    return Status(ErrorCode::kCodeLinkedToAnotherCustomer,
                  "code '" + std::string(text) + "' is linked to another customer");
  }
  return Status::Ok();
}

// The shared start of the one-code commands: resolve the code, lock its shard, find it,
// then run command(target, shard, record number, record) under the lock. Inlined, so the
// hot link pays no extra call or Result for it.
template <class Command>
[[gnu::always_inline]] inline Result<CodeView> with_locked_code(detail::Impl& impl, Op& op,
                                                                Mode mode, std::string_view code,
                                                                Command&& command) {
  auto t = detail::resolve_code(impl, op.org, mode, code);
  if (!t.ok()) return t.status();
  Shard& s = impl.shard(t->shard);
  std::lock_guard lock(s.mu);
  detail::raise_lsn(op, s.applied_lsn);
  const std::uint32_t idx = s.codes.find(t->lookup());
  if (idx == CodeTable::kNone) return detail::code_not_found(code);
  return command(*t, s, idx, s.codes.at(idx));
}

}  // namespace

Result<CodeView> Ledger::link_code(Op& op, Mode mode, std::string_view code, CustomerId customer) {
  if (customer == 0) return Status(ErrorCode::kInvalidCustomer, "customerId must be positive");
  return with_locked_code(*impl_, op, mode, code, [&](const CodeTarget& t, Shard& s,
                                                     std::uint32_t idx, CodeRecord& r)
                                                     -> Result<CodeView> {
    const PromotionState* p = t.org->promotion(r.promo_number);
    if (p != nullptr) detail::raise_lsn(op, p->lsn);
    if (r.customer == customer) return impl_->code_result(*t.org, r, t.hash);  // idempotent re-link
    if (Status st = check_linkable(r, p, op.now_ms); !st.ok()) return st;
    Event ev{impl_->header(op), CodeLinked{mode, r.key, customer}};
    detail::CodeHit hit{&r, t.shard, idx};
    if (Status st = impl_->commit(op, ev, {&hit, 1, &s, t.org}); !st.ok()) return st;
    return impl_->code_result(*t.org, r, t.hash);
  });
}

namespace {

// The found code's history into out's view, or out replaced by why it does not fit in the
// call's rows_left (LedgerLimits::history_rows_max). rows_left == nullptr: no history asked.
void add_redemptions(detail::Impl& impl, Op& op, const detail::CodeTarget& t, std::size_t* rows_left,
                     Result<CodeView>& out) {
  if (rows_left == nullptr) return;
  auto rows = impl.code_redemptions(*t.org, t.shard, t.lookup(), op.visible_lsn, *rows_left);
  if (!rows.ok()) {
    out = rows.status();
    return;
  }
  out->redemptions = std::move(*rows);
}

// One code of a get into out, which holds a default view: filled in, or replaced by why
// there is none. (No Status on the way: the found case then builds no error object.)
// Inlined into both callers: a call here cost get_codes 3% of its instructions.
[[gnu::always_inline]] inline void look_up_code(detail::Impl& impl, Op& op, Mode mode,
                                                std::string_view text, std::size_t* rows_left,
                                                Result<CodeView>& out) {
  auto t = detail::resolve_code(impl, op.org, mode, text);
  if (!t.ok()) {
    out = t.status();
    return;
  }
  Shard& s = impl.shard(t->shard);
  std::unique_lock lock(s.mu);
  detail::raise_lsn(op, s.applied_lsn);
  std::uint32_t idx = s.codes.find(t->lookup());
  if (idx == CodeTable::kNone) {
    out = detail::code_not_found(text);
    return;
  }
  impl.fill_code_view(*out, *t->org, s.codes.at(idx), t->hash);
  lock.unlock();
  add_redemptions(impl, op, *t, rows_left, out);
}

// Codes of a get that share one pass: the cache misses of a group's look-ups are in
// flight together (each alone waits for two: the index slot, then the record).
constexpr std::size_t kLookUpGroup = 8;

// Up to kLookUpGroup codes into out[0..n), each holding a default view, in three passes:
// validate and hash every code and start loading its index slot; find every code and
// start loading its record; fill the views. Each pass takes a code's shard lock only for
// that code, so the lock is never held across a miss (two threads holding a group's
// shards at once ran at half the speed of one).
void look_up_group(detail::Impl& impl, Op& op, Mode mode, std::span<const std::string> texts,
                   std::size_t* rows_left, Result<CodeView>* out) {
  if (texts.size() == 1) {  // nothing to overlap: one pass, one lock
    return look_up_code(impl, op, mode, texts[0], rows_left, *out);
  }
  std::array<detail::CodeTarget, kLookUpGroup> targets{};  // org == nullptr: answered already
  std::array<std::uint32_t, kLookUpGroup> found{};
  for (std::size_t k = 0; k < texts.size(); ++k) {
    auto t = detail::resolve_code(impl, op.org, mode, texts[k]);
    if (!t.ok()) {
      out[k] = t.status();
      continue;
    }
    targets[k] = *t;
    impl.shard(t->shard).codes.prefetch(t->hash);
  }
  for (std::size_t k = 0; k < texts.size(); ++k) {
    if (targets[k].org == nullptr) continue;
    Shard& s = impl.shard(targets[k].shard);
    std::lock_guard lock(s.mu);
    detail::raise_lsn(op, s.applied_lsn);
    found[k] = s.codes.find(targets[k].lookup());
    if (found[k] == CodeTable::kNone) {
      out[k] = detail::code_not_found(texts[k]);
      targets[k].org = nullptr;
      continue;
    }
    detail::prefetch_record(&s.codes.at(found[k]));  // records never move
  }
  for (std::size_t k = 0; k < texts.size(); ++k) {
    const detail::CodeTarget& t = targets[k];
    if (t.org == nullptr) continue;
    Shard& s = impl.shard(t.shard);
    {
      std::lock_guard lock(s.mu);
      detail::raise_lsn(op, s.applied_lsn);
      impl.fill_code_view(*out[k], *t.org, s.codes.at(found[k]), t.hash);
    }
    add_redemptions(impl, op, t, rows_left, out[k]);
  }
}

}  // namespace

Result<CodeView> Ledger::get_code(Op& op, Mode mode, std::string_view code,
                                  bool include_redemptions) const {
  Result<CodeView> out(std::in_place);
  std::size_t rows_left = impl_->options.limits.history_rows_max;
  look_up_code(*impl_, op, mode, code, include_redemptions ? &rows_left : nullptr, out);
  return out;
}

std::vector<Result<CodeView>> Ledger::get_codes(Op& op, Mode mode,
                                                std::span<const std::string> codes,
                                                bool include_redemptions) const {
  std::vector<Result<CodeView>> out;
  if (codes.size() > impl_->options.limits.codes_per_call_max) {
    out.emplace_back(ErrorCode::kLimitExceeded,
                     "more than codes_per_call_max (" +
                         std::to_string(impl_->options.limits.codes_per_call_max) + ") codes");
    return out;
  }
  out.reserve(codes.size());
  for (std::size_t i = 0; i < codes.size(); ++i) out.emplace_back(std::in_place);
  std::size_t rows_left = impl_->options.limits.history_rows_max;  // over the whole answer
  for (std::size_t at = 0; at < codes.size(); at += kLookUpGroup) {
    const std::size_t n = std::min(kLookUpGroup, codes.size() - at);
    look_up_group(*impl_, op, mode, codes.subspan(at, n), include_redemptions ? &rows_left : nullptr,
                  &out[at]);
  }
  return out;
}

std::vector<Result<std::vector<RedemptionView>>> Ledger::redemption_history(
    Op& op, Mode mode, std::span<const std::string> codes) const {
  std::vector<Result<std::vector<RedemptionView>>> out;
  if (codes.size() > impl_->options.limits.codes_per_call_max) {
    out.emplace_back(ErrorCode::kLimitExceeded,
                     "more than codes_per_call_max (" +
                         std::to_string(impl_->options.limits.codes_per_call_max) + ") codes");
    return out;
  }
  std::size_t rows_left = impl_->options.limits.history_rows_max;  // over the whole answer
  for (const std::string& text : codes) {
    auto t = detail::resolve_code(*impl_, op.org, mode, text);
    if (!t.ok()) {
      out.emplace_back(t.status());
      continue;
    }
    {
      Shard& s = impl_->shard(t->shard);
      std::lock_guard lock(s.mu);
      detail::raise_lsn(op, s.applied_lsn);
      if (s.codes.find(t->lookup()) == CodeTable::kNone) {
        out.emplace_back(detail::code_not_found(text));
        continue;
      }
    }
    out.emplace_back(impl_->code_redemptions(*t->org, t->shard, t->lookup(), op.visible_lsn, rows_left));
  }
  return out;
}

Result<CodeView> Ledger::unlink_code(Op& op, Mode mode, std::string_view code,
                                     CustomerId customer) {
  return with_locked_code(*impl_, op, mode, code, [&](const CodeTarget& t, Shard&, std::uint32_t,
                                                     CodeRecord& r) -> Result<CodeView> {
    if (r.customer == 0) return impl_->code_result(*t.org, r, t.hash);  // already free
    if (customer != 0 && r.customer != customer) {
      return Status(ErrorCode::kCodeLinkedToAnotherCustomer,
                    "code '" + std::string(code) + "' is linked to another customer");
    }
    Event ev{impl_->header(op), CodeUnlinked{mode, r.key}};
    if (Status st = impl_->commit(op, ev); !st.ok()) return st;
    return impl_->code_result(*t.org, r, t.hash);
  });
}

Result<CodeView> Ledger::update_code(Op& op, Mode mode, std::string_view code,
                                     std::optional<TimeMs> valid_till_ms,
                                     std::optional<bool> active) {
  if (!valid_till_ms && !active) {
    return Status(ErrorCode::kInvalidRequest, "nothing to update: give validTill or active");
  }
  if (valid_till_ms && *valid_till_ms < 0) {
    return Status(ErrorCode::kInvalidRequest, "validTill must not be negative");
  }
  return with_locked_code(*impl_, op, mode, code, [&](const CodeTarget& t, Shard&, std::uint32_t,
                                                     CodeRecord& r) -> Result<CodeView> {
    const bool same = (!valid_till_ms || *valid_till_ms == r.valid_till_ms) &&
                      (!active || *active == (r.active != 0));
    if (same) return impl_->code_result(*t.org, r, t.hash);
    CodeUpdated body{mode, r.key, valid_till_ms.has_value(), valid_till_ms.value_or(0),
                     active.has_value(), active.value_or(true)};
    Event ev{impl_->header(op), body};
    if (Status st = impl_->commit(op, ev); !st.ok()) return st;
    return impl_->code_result(*t.org, r, t.hash);
  });
}

namespace {
bool free_in_pool(const CodeRecord& r, std::uint16_t slot, const PromotionState& p, TimeMs now) {
  return r.org_slot == slot && r.promo_number == p.number && r.active != 0 && r.customer == 0 &&
         r.redemption_count == 0 && !detail::code_expired(r, p, now);
}
}  // namespace

Status Ledger::check_attachable(Op& op, const ObjectId& promotion) const {
  const OrgState* org = impl_->find_org(op.org);
  const PromotionState* p = org != nullptr ? org->find_promotion(promotion) : nullptr;
  if (p == nullptr) {
    return Status(ErrorCode::kNotFound, "promotion " + promotion.hex() + " not found");
  }
  detail::raise_lsn(op, p->lsn);
  if (!p->spec.active) {
    return Status(ErrorCode::kInvalidCode, "promotion " + promotion.hex() + " is not active");
  }
  if (detail::promotion_ended(p->spec, op.now_ms)) {
    return Status(ErrorCode::kCodeExpired, "promotion " + promotion.hex() + " has ended");
  }
  return Status::Ok();
}

Result<CodeView> Ledger::attach_from_pool(Op& op, const ObjectId& promotion, CustomerId customer) {
  if (customer == 0) return Status(ErrorCode::kInvalidCustomer, "customerId must be positive");
  if (Status st = check_attachable(op, promotion); !st.ok()) return st;
  OrgState* org = impl_->find_org(op.org);
  const PromotionState* p = org->find_promotion(promotion);
  // Start at a shard chosen by the customer so concurrent attaches spread over the shards.
  std::size_t n = impl_->shard_count();
  std::size_t start = detail::customer_hash(org->id, customer) & (n - 1);
  std::uint64_t hint_key = std::uint64_t{org->slot} << 32 | p->number;
  for (std::size_t k = 0; k < n; ++k) {
    Shard& s = impl_->shard(static_cast<std::uint32_t>((start + k) & (n - 1)));
    std::lock_guard lock(s.mu);
    detail::raise_lsn(op, s.applied_lsn);
    std::uint32_t& hint = s.pool_hints[hint_key];
    for (std::uint32_t i = hint; i < s.codes.size(); ++i) {
      CodeRecord& r = s.codes.at(i);
      if (!free_in_pool(r, org->slot, *p, op.now_ms)) continue;
      hint = i;
      Event ev{impl_->header(op), CodeLinked{p->spec.mode, r.key, customer}};
      if (Status st = impl_->commit(op, ev); !st.ok()) return st;
      return impl_->code_view(*org, r);
    }
    hint = s.codes.size();
  }
  return Status(ErrorCode::kNotFound, "no free code in pool of promotion " + promotion.hex());
}

}  // namespace codeledger::ledger
