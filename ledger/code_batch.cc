// Bulk code commands: import (all or nothing), generate (seeded, in batched events) and
// export (cursor pages).
#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <new>
#include <span>

#include <tsl/robin_set.h>

#include "ledger/cursor_number.h"
#include "ledger/internal.h"

namespace codeledger::ledger {

using detail::CodeRecord;
using detail::CodeTable;
using detail::OrgState;
using detail::PromotionState;
using detail::Shard;

namespace {

Result<const PromotionState*> code_promotion(const detail::Impl& impl, OrgId org_id,
                                             const ObjectId& promotion, OrgState** org) {
  *org = impl.find_org(org_id);
  const PromotionState* p = *org != nullptr ? (*org)->find_promotion(promotion) : nullptr;
  if (p == nullptr) {
    return Result<const PromotionState*>(ErrorCode::kNotFound,
                                         "promotion " + promotion.hex() + " not found");
  }
  if (p->spec.kind != PromotionKind::kCodeLinked) {
    return Result<const PromotionState*>(
        ErrorCode::kPromotionTypeNotSupported,
        "promotion " + promotion.hex() + " is ISSUABLE: it holds no codes");
  }
  return p;
}

Status check_validity(const CodeImportOptions& o) {
  if (o.redeemable_from_ms < 0 || o.valid_till_ms < 0) {
    return Status(ErrorCode::kInvalidRequest, "redeemableFrom and validTill must not be negative");
  }
  return Status::Ok();
}

// An omitted end is stored as none and an omitted start as no later than the promotion's,
// so the code's window (detail::code_valid_till, code_redeemable_from: its own within the
// promotion's) follows the promotion when it is moved or extended later. Until session 32
// the promotion's window was copied in, and an extended promotion left its codes expired
// (probe 32). An omitted start is the call's time when the promotion has no start, or one
// that is still ahead.
CodesAdded codes_event(const PromotionState& p, const CodeImportOptions& o, TimeMs now) {
  CodesAdded e;
  e.promotion_id = p.id;
  e.redeemable_from_ms = o.redeemable_from_ms != kNoTime ? o.redeemable_from_ms
                         : p.spec.valid_from_ms != kNoTime ? std::min(p.spec.valid_from_ms, now)
                                                           : now;
  e.valid_till_ms = o.valid_till_ms;
  return e;
}

// The window the batch's codes will have within the promotion's, checked when the caller
// chose an end: a validTill alone can fall before the promotion's start as surely as two
// explicit ends can cross. A window wholly inherited is the promotion's own and is left
// alone (an ended promotion's new codes answer 1002, as the promotion does).
Status check_window(const PromotionState& p, const CodesAdded& e, const CodeImportOptions& o) {
  const bool chosen = o.redeemable_from_ms != kNoTime || o.valid_till_ms != kNoTime;
  const TimeMs from = std::max(e.redeemable_from_ms, p.spec.valid_from_ms);
  const TimeMs till = detail::earlier_end(e.valid_till_ms, p.spec.valid_till_ms);
  if (!chosen || till == kNoTime || from <= till) return Status::Ok();
  std::string msg = "redeemableFrom " + std::to_string(from) + " is after validTill " +
                    std::to_string(till);
  if (o.redeemable_from_ms == kNoTime) {
    msg += " (an omitted redeemableFrom is the promotion's validFrom, or the time of the call)";
  }
  if (o.valid_till_ms == kNoTime) msg += " (an omitted validTill is the promotion's validTill)";
  return Status(ErrorCode::kInvalidRequest, std::move(msg));
}

// Distinct shards of a batch, ascending, without sorting the whole batch.
std::vector<std::uint32_t> distinct_shards(const detail::Impl& impl,
                                           const std::vector<std::uint64_t>& hashes) {
  std::vector<bool> mark(impl.shard_count(), false);
  for (auto h : hashes) mark[impl.shard_of(h)] = true;
  std::vector<std::uint32_t> out;
  for (std::uint32_t i = 0; i < mark.size(); ++i) {
    if (mark[i]) out.push_back(i);
  }
  return out;
}

bool upper_alnum(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// Claims room for n more codes of the organisation under its codes_max (see CodeTally); the
// caller commits them with ApplyHint::codes_claimed, or releases the room (claim_and_commit
// does both for one event).
Status claim_codes(OrgState& org, std::uint64_t n) {
  const std::uint64_t max = org.codes_max.load(std::memory_order_relaxed);
  if (org.codes.claim(n, max)) return Status::Ok();
  const auto codes = [](std::uint64_t k) { return std::to_string(k) + (k == 1 ? " code" : " codes"); };
  return Status(ErrorCode::kLimitExceeded,
                std::to_string(n) + (n == 1 ? " more code" : " more codes") +
                    " would take organisation " + std::to_string(org.id) +
                    " past codes_max (" + std::to_string(max) + "): it holds " +
                    codes(org.codes.held()));
}

// Claims room for the n codes of `ev` and commits it; a refused commit gives the room back,
// and so does one that throws (the log's staging buffer could not grow: nothing was staged,
// probe 35d). The event is built before the claim, so its allocations cannot leak one.
Status claim_and_commit(detail::Impl& impl, Op& op, Event& ev, OrgState& org, std::uint64_t n) {
  if (Status s = claim_codes(org, n); !s.ok()) return s;
  Status s;
  try {
    s = impl.commit(op, ev, detail::ApplyHint{.org = &org, .codes_claimed = n});
  } catch (...) {
    org.codes.release(n);
    throw;
  }
  if (!s.ok()) org.codes.release(n);
  return s;
}

}  // namespace

Result<ImportReport> Ledger::import_codes(Op& op, const ObjectId& promotion,
                                          std::span<const std::string> codes,
                                          const CodeImportOptions& options) {
  const LedgerLimits& limits = impl_->options.limits;
  if (codes.empty()) return Status(ErrorCode::kInvalidRequest, "codes must not be empty");
  if (codes.size() > limits.codes_per_call_max) {
    return Status(ErrorCode::kLimitExceeded, "more than codes_per_call_max (" +
                                                 std::to_string(limits.codes_per_call_max) +
                                                 ") codes in one import");
  }
  if (Status s = check_validity(options); !s.ok()) return s;
  OrgState* org = nullptr;
  auto p = code_promotion(*impl_, op.org, promotion, &org);
  if (!p.ok()) return p.status();
  Mode mode = (*p)->spec.mode;
  ImportReport report;
  CodesAdded body = codes_event(**p, options, op.now_ms);
  if (Status s = check_window(**p, body, options); !s.ok()) return s;
  std::vector<std::uint64_t> hashes;
  std::vector<std::size_t> positions;  // of body.codes[i] in the request
  // Rejections in request order, so the answer's first error (which sets its HTTP status) is
  // the first bad code given, not the first of the check that ran first (probe 32).
  std::vector<std::pair<std::size_t, CodeRejection>> rejected;
  tsl::robin_set<std::string_view> seen;
  for (std::size_t at = 0; at < codes.size(); ++at) {
    const std::string& text = codes[at];
    auto key = CodeKey::make(text);
    if (!key.ok()) {
      rejected.push_back({at, {text, key.status().code(), key.status().message()}});
    } else if (!seen.insert(text).second) {
      rejected.push_back(
          {at, {text, ErrorCode::kConflict, "code '" + text + "' appears twice in the request"}});
    } else {
      body.codes.push_back(*key);
      hashes.push_back(detail::code_hash(org->id, mode, text));
      positions.push_back(at);
    }
  }
  impl_->reserve_code_room(hashes, /*lock_each=*/true);
  detail::ShardGuard guard(*impl_, distinct_shards(*impl_, hashes));
  detail::raise_lsn(op, guard.max_lsn());
  for (std::size_t i = 0; i < body.codes.size(); ++i) {
    const CodeKey& k = body.codes[i];
    Shard& s = impl_->shard(impl_->shard_of(hashes[i]));
    if (s.codes.find(detail::CodeLookup{org->slot, mode, k.view(), hashes[i]}) != CodeTable::kNone) {
      rejected.push_back({positions[i], {std::string(k.view()), ErrorCode::kConflict,
                                         "code '" + std::string(k.view()) + "' already exists"}});
    }
  }
  if (!rejected.empty()) {  // all or nothing
    std::stable_sort(rejected.begin(), rejected.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [at, r] : rejected) report.rejected.push_back(std::move(r));
    return report;
  }
  std::size_t n = body.codes.size();
  impl_->reserve_code_room(hashes);
  Event ev{impl_->header(op), std::move(body)};
  if (Status s = claim_and_commit(*impl_, op, ev, *org, n); !s.ok()) return s;
  report.imported = n;
  return report;
}

Result<CodeView> Ledger::attach_new_code(Op& op, const ObjectId& promotion, std::string_view code,
                                         CustomerId customer) {
  if (customer == 0) return Status(ErrorCode::kInvalidCustomer, "customerId must be positive");
  if (Status st = check_attachable(op, promotion); !st.ok()) return st;
  auto key = CodeKey::make(code);
  if (!key.ok()) return key.status();
  OrgState* org = nullptr;
  auto p = code_promotion(*impl_, op.org, promotion, &org);
  if (!p.ok()) return p.status();
  const Mode mode = (*p)->spec.mode;
  const std::uint64_t hash = detail::code_hash(org->id, mode, code);
  const std::uint32_t si = impl_->shard_of(hash);
  detail::ShardGuard guard(*impl_, detail::ShardList{si});
  detail::raise_lsn(op, guard.max_lsn());
  Shard& s = impl_->shard(si);
  const detail::CodeLookup lookup{org->slot, mode, code, hash};
  if (s.codes.find(lookup) != CodeTable::kNone) {
    return Status(ErrorCode::kConflict, "code '" + std::string(code) + "' already exists");
  }
  impl_->reserve_code_room({hash});
  CodesAdded body = codes_event(**p, {}, op.now_ms);
  body.codes.push_back(*key);
  Event added{impl_->header(op), std::move(body)};
  if (Status st = claim_and_commit(*impl_, op, added, *org, 1); !st.ok()) return st;
  const std::uint32_t idx = s.codes.find(lookup);
  CodeRecord& r = s.codes.at(idx);
  Event linked{impl_->header(op), CodeLinked{mode, r.key, customer}};
  detail::CodeHit hit{&r, si, idx};
  // A storage failure here (sticky: every later write fails as well) leaves the code added
  // and unlinked, as a crash between the two records would; the attach is answered 503.
  if (Status st = impl_->commit(op, linked, {&hit, 1, &s, org}); !st.ok()) return st;
  return impl_->code_result(*org, r, hash);
}

namespace {

struct SplitMix64 {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
};

Status check_generate_spec(const GenerateSpec& g, const LedgerLimits& limits) {
  if (g.count == 0) return Status(ErrorCode::kInvalidRequest, "count must be positive");
  if (g.count > limits.codes_per_generate_max) {
    return Status(ErrorCode::kLimitExceeded, "count exceeds codes_per_generate_max (" +
                                                 std::to_string(limits.codes_per_generate_max) + ")");
  }
  if (g.length < CodeKey::kMinLength || g.length > CodeKey::kMaxLength) {
    return Status(ErrorCode::kInvalidRequest, "length must be 6..39");
  }
  if (g.prefix.size() >= g.length) {
    return Status(ErrorCode::kInvalidRequest, "prefix must be shorter than length");
  }
  if (!std::all_of(g.prefix.begin(), g.prefix.end(), upper_alnum)) {
    return Status(ErrorCode::kInvalidRequest, "prefix must be uppercase alphanumeric");
  }
  bool used[256] = {};
  if (g.alphabet.size() < 2) {
    return Status(ErrorCode::kInvalidRequest, "alphabet needs at least 2 characters");
  }
  for (char c : g.alphabet) {
    if (!upper_alnum(c) || used[static_cast<unsigned char>(c)]) {
      return Status(ErrorCode::kInvalidRequest,
                    "alphabet must be distinct uppercase letters and digits");
    }
    used[static_cast<unsigned char>(c)] = true;
  }
  // Refuse instead of looping: past half the space, random draws mostly collide.
  double space = 1;
  for (std::size_t i = g.prefix.size(); i < g.length && space < 1e30; ++i) {
    space *= static_cast<double>(g.alphabet.size());
  }
  if (static_cast<double>(g.count) > space / 2) {
    return Status(ErrorCode::kInvalidRequest,
                  "code space too small: " + std::to_string(g.count) + " codes requested but only " +
                      std::to_string(static_cast<std::uint64_t>(space)) +
                      " exist for this length, prefix and alphabet (at most half may be used)");
  }
  return Status::Ok();
}

// One shard's share of a generate batch: those of its codes the shard does not hold yet,
// committed as one event under that shard's lock alone. A batch logged as one event touched
// every shard, so it held every shard's lock while it was checked, logged and applied, and
// links, redeems and look-ups on every shard waited for it, batch after batch
// (docs/benchmarks-history.md, session 38).
Status commit_shard_share(detail::Impl& impl, Op& op, OrgState& org, Mode mode,
                          const CodesAdded& shape, std::uint32_t si, std::span<const CodeKey> codes,
                          std::span<const std::uint64_t> hashes, GenerateReport& report) {
  CodesAdded body{shape.promotion_id, shape.redeemable_from_ms, shape.valid_till_ms, {}};
  body.codes.reserve(codes.size());
  detail::ShardGuard guard(impl, detail::ShardList{si});
  Shard& s = impl.shard(si);
  // The index slots are read a few codes ahead, so that their cache misses overlap instead
  // of each holding the lock for a whole trip to memory.
  constexpr std::size_t kAhead = 8;
  for (std::size_t i = 0; i < std::min(kAhead, codes.size()); ++i) s.codes.prefetch(hashes[i]);
  for (std::size_t i = 0; i < codes.size(); ++i) {
    if (i + kAhead < codes.size()) s.codes.prefetch(hashes[i + kAhead]);
    if (s.codes.find(detail::CodeLookup{org.slot, mode, codes[i].view(), hashes[i]}) ==
        CodeTable::kNone) {
      body.codes.push_back(codes[i]);
    }
  }
  const std::size_t kept = body.codes.size();
  if (kept == 0) return Status::Ok();
  for (std::size_t i = 0; i < kept && report.sample.size() < 10; ++i) {
    report.sample.emplace_back(body.codes[i].view());
  }
  s.codes.reserve(s.codes.size() + kept);  // apply then allocates nothing (reserve_code_room)
  Event ev{impl.header(op), std::move(body)};
  if (Status st = impl.commit(op, ev, detail::ApplyHint{.org = &org, .codes_claimed = kept});
      !st.ok()) {
    return st;
  }
  report.generated += kept;
  return Status::Ok();
}

// The batch's codes and hashes reordered by shard (a counting sort: 64 shards, 16,384 codes);
// returns where each shard's run starts, shard_count() + 1 entries.
std::vector<std::size_t> order_by_shard(const detail::Impl& impl, std::vector<CodeKey>& codes,
                                        std::vector<std::uint64_t>& hashes) {
  std::vector<std::size_t> start(impl.shard_count() + 1, 0);
  for (std::uint64_t h : hashes) ++start[impl.shard_of(h) + 1];
  for (std::size_t si = 1; si < start.size(); ++si) start[si] += start[si - 1];
  std::vector<std::size_t> next(start.begin(), start.end() - 1);
  std::vector<CodeKey> sorted_codes(codes.size());
  std::vector<std::uint64_t> sorted_hashes(hashes.size());
  for (std::size_t i = 0; i < codes.size(); ++i) {
    const std::size_t at = next[impl.shard_of(hashes[i])]++;
    sorted_codes[at] = codes[i];
    sorted_hashes[at] = hashes[i];
  }
  codes.swap(sorted_codes);
  hashes.swap(sorted_hashes);
  return start;
}

// Draws and commits the codes of one generate call in batches of at most
// codes_per_event_max, each logged as one event per shard it touches (commit_shard_share),
// their room already claimed (claim_codes); report.generated counts the committed ones.
Status generate_batches(detail::Impl& impl, Op& op, OrgState& org, const PromotionState& promo,
                        const GenerateSpec& spec, std::uint64_t seed, GenerateReport& report) {
  const Mode mode = promo.spec.mode;
  // Mixing in the promotion's code count makes a repeated seed still produce fresh codes.
  SplitMix64 rng{detail::mix64(seed ^ detail::mix64(promo.number)) ^
                 org.code_counts[promo.number - 1].load(std::memory_order_relaxed)};
  std::size_t attempts_left = spec.count * 4 + 1024;
  std::string buf = spec.prefix;
  buf.resize(spec.length);
  const std::size_t alpha = spec.alphabet.size();
  const CodesAdded shape = codes_event(promo, spec.validity, op.now_ms);
  tsl::robin_set<std::uint64_t> seen;
  std::vector<CodeKey> codes;
  std::vector<std::uint64_t> hashes;
  while (report.generated < spec.count && attempts_left > 0) {
    std::size_t need =
        std::min(spec.count - report.generated, impl.options.limits.codes_per_event_max);
    seen.clear();
    codes.clear();
    hashes.clear();
    while (codes.size() < need && attempts_left > 0) {
      --attempts_left;
      for (std::size_t i = spec.prefix.size(); i < spec.length; ++i) {
        buf[i] = spec.alphabet[rng.next() % alpha];
      }
      std::uint64_t h = detail::code_hash(org.id, mode, buf);
      if (!seen.insert(h).second) continue;
      codes.push_back(*CodeKey::make(buf));
      hashes.push_back(h);
    }
    impl.reserve_code_room(hashes, /*lock_each=*/true);
    const std::vector<std::size_t> start = order_by_shard(impl, codes, hashes);
    for (std::uint32_t si = 0; si < impl.shard_count(); ++si) {
      const std::size_t from = start[si], n = start[si + 1] - from;
      if (n == 0) continue;
      Status st = commit_shard_share(impl, op, org, mode, shape, si, {codes.data() + from, n},
                                     {hashes.data() + from, n}, report);
      if (!st.ok()) return st;
    }
  }
  return Status::Ok();
}

}  // namespace

// All the call's room is claimed first, so a generate that passes codes_max is refused
// before any code is drawn; what a short or failed generate did not use is given back.
Result<GenerateReport> Ledger::generate_codes(Op& op, const ObjectId& promotion,
                                              const GenerateSpec& spec, std::uint64_t seed) {
  if (Status s = check_generate_spec(spec, impl_->options.limits); !s.ok()) return s;
  if (Status s = check_validity(spec.validity); !s.ok()) return s;
  OrgState* org = nullptr;
  auto p = code_promotion(*impl_, op.org, promotion, &org);
  if (!p.ok()) return p.status();
  const PromotionState& promo = **p;
  if (Status s = check_window(promo, codes_event(promo, spec.validity, op.now_ms), spec.validity);
      !s.ok()) {
    return s;
  }
  if (Status s = claim_codes(*org, spec.count); !s.ok()) return s;
  GenerateReport report;
  Status s;
  try {
    s = generate_batches(*impl_, op, *org, promo, spec, seed, report);
  } catch (const std::bad_alloc&) {  // before a batch was staged: the batches before it stay
    s = Status(ErrorCode::kInternal, "out of memory after generating " +
                                         std::to_string(report.generated) + " of " +
                                         std::to_string(spec.count) + " codes, which are kept");
  }
  org->codes.release(spec.count - report.generated);
  if (!s.ok()) return s;
  if (report.generated < spec.count) {
    return Status(ErrorCode::kConflict, "code space exhausted: generated " +
                                            std::to_string(report.generated) + " of " +
                                            std::to_string(spec.count) + " codes");
  }
  return report;
}

namespace {

bool parse_cursor(std::string_view c, std::uint32_t* shard, std::uint32_t* index) {
  *shard = 0;
  *index = 0;
  if (c.empty()) return true;
  const auto dot = c.find('.');
  return c[0] == 'c' && dot != std::string_view::npos &&
         detail::parse_cursor_number(c.substr(1, dot - 1), shard) &&
         detail::parse_cursor_number(c.substr(dot + 1), index);
}

// True when record `index` of shard `si` is a code of promotion `promo`: what every cursor
// the export hands out names. Records are never removed and keep their place (also across a
// restart: snapshots and the log add them again in order), so a cursor handed out stays
// valid, and one naming anything else was never handed out.
bool names_code_of(detail::Impl& impl, const OrgState& org, std::uint32_t promo, std::uint32_t si,
                   std::uint32_t index) {
  if (si >= impl.shard_count()) return false;
  Shard& s = impl.shard(si);
  std::lock_guard lock(s.mu);
  if (index >= s.codes.size()) return false;
  const CodeRecord& r = s.codes.at(index);
  return r.org_slot == org.slot && r.promo_number == promo;
}

}  // namespace

namespace {

// Code views made under one hold of a shard's lock. An export looks at every code record of
// the ledger to find its promotion's, and a link, redeem or look-up of a code in the shard
// being read waits while the lock is held: a scan of a whole shard under one hold (31,000
// records at 2M codes) held look-ups for a tenth of a millisecond and more, and short holds
// taken back to back kept a waiter out as long (docs/benchmarks-history.md, session 38). So
// the records are searched without the lock, which is taken only to learn where the next
// run of records lies and to copy out the views of the codes found.
constexpr std::size_t kExportViewsPerHold = 64;

// Views of the records numbered in `found` (all of the promotion) onto the page, under one
// hold. True when the page was full before the last of them: next_cursor then names it.
bool add_export_views(detail::Impl& impl, Op& op, Shard& s, const OrgState& org,
                      std::uint32_t si, std::span<const std::uint32_t> found, std::size_t limit,
                      CodePage& page) {
  std::lock_guard lock(s.mu);
  detail::raise_lsn(op, s.applied_lsn);
  for (std::uint32_t i : found) {
    if (page.codes.size() == limit) {
      // The cursor names the next page's first code, found before it is handed out: a
      // cursor past the last code would lead the client to an empty page.
      // Formatted with snprintf: GCC 12 -O3 reports a false -Wrestrict on string appends.
      char buf[32];
      int n = std::snprintf(buf, sizeof buf, "c%u.%u", si, i);
      page.next_cursor.assign(buf, static_cast<std::size_t>(n));
      return true;
    }
    page.codes.push_back(impl.code_view(org, s.codes.at(i)));
  }
  return false;
}

// Adds shard si's codes of promotion `promo` from record `from` on to the page. True when
// the page is full: its next_cursor then names the next code.
bool export_from_shard(detail::Impl& impl, Op& op, const OrgState& org, std::uint32_t promo,
                       std::uint32_t si, std::uint32_t from, std::size_t limit, CodePage& page) {
  Shard& s = impl.shard(si);
  std::array<std::uint32_t, kExportViewsPerHold> found;
  for (std::uint32_t i = from;;) {
    std::span<const CodeRecord> run;
    {
      std::lock_guard lock(s.mu);
      detail::raise_lsn(op, s.applied_lsn);
      run = s.codes.run_from(i);  // empty past the end
    }
    if (run.empty()) return false;
    for (std::size_t k = 0; k < run.size();) {
      std::size_t n = 0;
      for (; k < run.size() && n < found.size(); ++k) {  // without the lock: org and promotion
        if (run[k].org_slot == org.slot && run[k].promo_number == promo) {
          found[n++] = i + static_cast<std::uint32_t>(k);
        }
      }
      if (n > 0 && add_export_views(impl, op, s, org, si, {found.data(), n}, limit, page)) {
        return true;
      }
    }
    i += static_cast<std::uint32_t>(run.size());
  }
}

}  // namespace

Result<CodePage> Ledger::export_codes(Op& op, const ObjectId& promotion, std::string_view cursor,
                                      std::size_t limit) const {
  std::size_t page_max = impl_->options.limits.export_page_max;
  limit = (limit == 0 || limit > page_max) ? page_max : limit;
  std::uint32_t si = 0, idx = 0;
  const Status bad_cursor(ErrorCode::kInvalidRequest, "cursor is not valid");
  if (!parse_cursor(cursor, &si, &idx)) return bad_cursor;
  OrgState* org = nullptr;
  auto p = code_promotion(*impl_, op.org, promotion, &org);
  if (!p.ok()) return p.status();
  if (!cursor.empty() && !names_code_of(*impl_, *org, (*p)->number, si, idx)) return bad_cursor;
  CodePage page;
  for (; si < impl_->shard_count(); ++si, idx = 0) {
    if (export_from_shard(*impl_, op, *org, (*p)->number, si, idx, limit, page)) break;
  }
  return page;
}

}  // namespace codeledger::ledger
