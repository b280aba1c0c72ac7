// A code's use summary on its newest link (see code_uses.h), and the accessor that reads it.
#include "ledger/code_uses.h"

#include <algorithm>
#include <mutex>

#include "ledger/activate_key.h"

namespace codeledger::ledger::detail {

RedemptionLink& append_use(Shard& s, CodeRecord& r, std::string_view transaction_identifier) {
  RedemptionLink link;
  link.prev = r.last_link;
  link.uses = 1;
  if (r.last_link != 0) {
    const RedemptionLink& newest = s.links[r.last_link - 1];
    link.uses = newest.uses + 1;
    link.first_standing = newest.first_standing;
    link.highest_activate_use = newest.highest_activate_use;
  }
  if (auto use = activate_key_use(transaction_identifier, r.key.view())) {
    link.highest_activate_use = std::max(link.highest_activate_use, *use);
  }
  RedemptionLink& added = s.links.push_back(link);  // links never move
  r.last_link = s.links.size();
  if (added.prev != 0) s.links[added.prev - 1].next = r.last_link;
  return added;
}

void add_use(Shard& s, CodeRecord& r, const StoredRedemption& redemption) {
  RedemptionLink& added = append_use(s, r, redemption.transaction_identifier());
  added.redemption = &redemption;
  if (added.first_standing == 0 && !redemption.reversed) added.first_standing = r.last_link;
}

void note_reversal(Shard& s, const CodeRecord& r, const StoredRedemption& reversed) {
  if (r.last_link == 0) return;
  RedemptionLink& newest = s.links[r.last_link - 1];
  std::uint32_t first = newest.first_standing;
  // Reversing a later use leaves the first standing one; every use before it is reversed.
  if (first == 0 || s.links[first - 1].redemption != &reversed) return;
  while (first != 0 && s.links[first - 1].redemption->reversed) first = s.links[first - 1].next;
  newest.first_standing = first;
}

void restate_first_standing(Shard& s, const CodeRecord& r) {
  if (r.last_link == 0) return;
  std::uint32_t first = 0;
  for (std::uint32_t l = r.last_link; l != 0; l = s.links[l - 1].prev) {
    if (!s.links[l - 1].redemption->reversed) first = l;
  }
  s.links[r.last_link - 1].first_standing = first;
}

namespace {

// Link l out of code r's chain. Its slot stays (links never move), reached by no chain; the
// next snapshot load leaves it behind.
void unlink_use(Shard& s, CodeRecord& r, std::uint32_t l) {
  RedemptionLink& link = s.links[l - 1];
  if (link.next != 0) {
    s.links[link.next - 1].prev = link.prev;
  } else {
    r.last_link = link.prev;
  }
  if (link.prev != 0) s.links[link.prev - 1].next = link.next;
  link = RedemptionLink{};
}

// Every figure of the summary from the chain, oldest use first, as append_use and
// restate_first_standing build them; each link's place too.
void restate_summary(Shard& s, const CodeRecord& r) {
  if (r.last_link == 0) return;
  std::uint32_t oldest = r.last_link;
  while (s.links[oldest - 1].prev != 0) oldest = s.links[oldest - 1].prev;
  std::uint32_t uses = 0, first = 0;
  std::uint64_t highest = 0;
  for (std::uint32_t l = oldest; l != 0; l = s.links[l - 1].next) {
    RedemptionLink& link = s.links[l - 1];
    link.uses = ++uses;
    if (first == 0 && !link.redemption->reversed) first = l;
    if (auto use = activate_key_use(link.redemption->transaction_identifier(), r.key.view())) {
      highest = std::max(highest, *use);
    }
  }
  RedemptionLink& newest = s.links[r.last_link - 1];
  newest.first_standing = first;
  newest.highest_activate_use = highest;
}

}  // namespace

void drop_uses(Shard& s, CodeRecord& r, const StoredRedemption& redemption) {
  bool dropped = false;
  for (std::uint32_t l = r.last_link; l != 0;) {
    const std::uint32_t older = s.links[l - 1].prev;
    if (s.links[l - 1].redemption == &redemption) {
      unlink_use(s, r, l);
      dropped = true;
    }
    l = older;
  }
  if (dropped) restate_summary(s, r);
}

}  // namespace codeledger::ledger::detail

namespace codeledger::ledger {

using detail::CodeRecord;
using detail::CodeTable;
using detail::RedemptionLink;
using detail::Shard;

Result<CodeUses> Ledger::get_code_uses(Op& op, Mode mode, std::string_view code) const {
  auto t = detail::resolve_code(*impl_, op.org, mode, code);
  if (!t.ok()) return t.status();
  Shard& s = impl_->shard(t->shard);
  std::lock_guard lock(s.mu);
  // The code's shard carries the LSN of every redeem and reversal of its uses (apply.cc).
  detail::raise_lsn(op, s.applied_lsn);
  const std::uint32_t idx = s.codes.find(t->lookup());
  if (idx == CodeTable::kNone) return detail::code_not_found(code);
  const CodeRecord& r = s.codes.at(idx);
  Result<CodeUses> out(std::in_place);
  impl_->fill_code_view(out->code, *t->org, r, t->hash);
  if (r.last_link == 0) return out;
  const RedemptionLink& newest = s.links[r.last_link - 1];
  out->use_count = newest.uses;
  out->highest_activate_use = newest.highest_activate_use;
  if (newest.first_standing != 0) {
    out->first_standing_ms = s.links[newest.first_standing - 1].redemption->redeemed_ms;
  }
  return out;
}

}  // namespace codeledger::ledger
