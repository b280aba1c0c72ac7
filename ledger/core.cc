// Building blocks: organisations, the chunked code table, customers, shard locking, the
// commit path and the read views.
#include <algorithm>

#include "ledger/internal.h"

namespace codeledger::ledger::detail {

OrgState::OrgState(OrgId id_in, std::uint16_t slot_in, std::size_t promotions_max_in)
    : id(id_in),
      slot(slot_in),
      promotions_max(promotions_max_in),
      promotions(new std::atomic<const PromotionState*>[promotions_max_in]),
      code_counts(new std::atomic<std::uint64_t>[promotions_max_in]),
      code_count_lsns(new std::atomic<Lsn>[promotions_max_in]) {
  for (std::size_t i = 0; i < promotions_max; ++i) {
    promotions[i].store(nullptr, std::memory_order_relaxed);
    code_counts[i].store(0, std::memory_order_relaxed);
    code_count_lsns[i].store(0, std::memory_order_relaxed);
  }
}

OrgState::~OrgState() = default;

const PromotionState* OrgState::find_promotion(const ObjectId& pid) const {
  std::uint32_t number = std::uint32_t{pid.bytes[8]} << 24 | std::uint32_t{pid.bytes[9]} << 16 |
                         std::uint32_t{pid.bytes[10]} << 8 | pid.bytes[11];
  const PromotionState* p = promotion(number);
  return (p != nullptr && p->id == pid) ? p : nullptr;
}

static void put_be32(std::uint8_t* out, std::uint32_t v) {
  out[0] = static_cast<std::uint8_t>(v >> 24);
  out[1] = static_cast<std::uint8_t>(v >> 16);
  out[2] = static_cast<std::uint8_t>(v >> 8);
  out[3] = static_cast<std::uint8_t>(v);
}

ObjectId mint_promotion_id(TimeMs now, OrgId org, std::uint32_t number) {
  ObjectId id;
  put_be32(id.bytes.data(), static_cast<std::uint32_t>(now / 1000));
  put_be32(id.bytes.data() + 4, static_cast<std::uint32_t>(mix64(org ^ 0x6f7267ULL)));
  put_be32(id.bytes.data() + 8, number);
  return id;
}

ObjectId mint_id(TimeMs now, std::uint64_t salt) {
  ObjectId id;
  put_be32(id.bytes.data(), static_cast<std::uint32_t>(now / 1000));
  // h's bytes big-endian, as one swap and one store rather than eight shifts.
  const std::uint64_t h = __builtin_bswap64(mix64(salt ^ static_cast<std::uint64_t>(now)));
  std::memcpy(id.bytes.data() + 4, &h, sizeof h);
  return id;
}

std::string code_text(const CodeKey& k) { return std::string(k.view()); }

// ---- CodeTable ----

std::uint32_t CodeTable::insert_if_absent(const CodeRecord& r, std::uint64_t hash) {
  const std::uint32_t i = size_;
  if (i % kChunkRecords == 0 && i / kChunkRecords == chunks_.size()) {
    chunks_.push_back(static_cast<CodeRecord*>(arena_.allocate()));
  }
  const CodeLookup k{r.org_slot, static_cast<Mode>(r.mode), r.key.view(), hash};
  const auto same = [&](std::uint32_t n) { return same_key(k, at(n - 1)); };
  if (index_.insert_if_absent(k.hash, i + 1, same) != 0) return kNone;
  new (&at(i)) CodeRecord(r);
  ++size_;
  return i;
}

// ---- Customers ----

void Customer::set_profile(CustomerProfile p) {
  const bool has_identifiers = !p.external_id.empty() || !p.email.empty() || !p.phone.empty() ||
                               !p.custom_fields.empty();
  identified = has_identifiers ? std::make_unique<CustomerProfile>(std::move(p)) : nullptr;
}

PromoCounter& Customer::counter(std::uint32_t number) {
  for (auto& c : counters) {
    if (c.number == number) return c;
  }
  counters.push_back(PromoCounter{number, 0, 0});
  return counters.back();
}

PromoCounter Customer::counter_value(std::uint32_t number) const {
  for (const auto& c : counters) {
    if (c.number == number) return c;
  }
  return PromoCounter{number, 0, 0};
}

// Impl's ByteArenas take 64 KiB chunks and hand anything above an eighth of that to malloc.
static_assert(sizeof(Customer) * CustomerTable::kChunkRecords <= (std::size_t{64} << 10) / 8,
              "a chunk of customers must stay a bump allocation");

CustomerTable::~CustomerTable() {
  for (std::uint32_t i = 0; i < size_; ++i) at(i).~Customer();  // memory goes with bytes_
}

Customer& CustomerTable::add(OrgId org, CustomerId id, std::uint64_t hash) {
  if (size_ % kChunkRecords == 0 && size_ / kChunkRecords == chunks_.size()) {
    chunks_.push_back(static_cast<Customer*>(
        bytes_.allocate(sizeof(Customer) * kChunkRecords, alignof(Customer))));
  }
  Customer* c = new (&at(size_)) Customer(org, id);
  ++size_;
  index_.insert(hash, size_);
  return *c;
}

Customer& Shard::customer_or_create(OrgState& org, CustomerId id, std::uint64_t hash) {
  if (Customer* c = customer(org.id, id, hash)) return *c;
  ++counts(org.slot).customers;
  return customers.add(org.id, id, hash);
}

StoredRedemption& Shard::put_redemption(OrgId org, Customer& c, RedemptionRef r,
                                        std::uint64_t key_hash,
                                        std::optional<std::span<const RedemptionItem>>* replaced) {
  // The store indexes by the record's own org and customer: make them the owner's, so a
  // snapshot that disagrees cannot leave a redemption its customer cannot find.
  r.org = org;
  r.customer = c.id;
  if (StoredRedemption* old = find_redemption(c, {org, r.customer, r.transaction_identifier, key_hash})) {
    if (replaced != nullptr) *replaced = old->item_span();
    redemptions.replace(*old, r);
    return *old;
  }
  c.last_redemption = redemptions.append(r, key_hash, c.last_redemption);
  ++c.redemption_count;
  return redemptions.at(c.last_redemption);
}

// ---- ShardGuard ----

ShardGuard::ShardGuard(Impl& impl, const ShardList& shards) : impl_(impl), shards_(shards) {
  lock_all();
}

ShardGuard::ShardGuard(Impl& impl, const std::vector<std::uint32_t>& shards) : impl_(impl) {
  for (auto s : shards) shards_.push_back(s);
  lock_all();
}

// Insertion sort: the list is nearly always two or three shards, where std::sort's set-up
// costs more than the sorting.
static void sort_small(std::uint32_t* first, std::uint32_t* last) {
  for (std::uint32_t* i = first; i != last; ++i) {
    std::uint32_t v = *i;
    std::uint32_t* j = i;
    for (; j != first && *(j - 1) > v; --j) *j = *(j - 1);
    *j = v;
  }
}

void ShardGuard::sort_unique() {
  if (shards_.size() <= 16) {
    sort_small(shards_.begin(), shards_.end());
  } else {
    std::sort(shards_.begin(), shards_.end());
  }
  shards_.shrink(static_cast<std::size_t>(std::unique(shards_.begin(), shards_.end()) -
                                          shards_.begin()));
}

void ShardGuard::lock_all() {
  sort_unique();
  for (auto s : shards_) impl_.shard(s).mu.lock();
}

void ShardGuard::extend(const ShardList& more) {
  CL_CHECK(held_ && !shards_.empty());
  const std::uint32_t top = shards_.back();  // shards_ is sorted
  const std::size_t held = shards_.size();
  for (auto s : more) {
    if (std::find(shards_.begin(), shards_.end(), s) == shards_.end()) shards_.push_back(s);
  }
  std::uint32_t* added = shards_.begin() + held;
  sort_small(added, shards_.end());
  // Ascending: a blocking lock() is only ever taken above every shard held.
  for (std::uint32_t* s = added; s != shards_.end(); ++s) {
    Shard& sh = impl_.shard(*s);
    if (*s > top) {
      sh.mu.lock();
    } else if (!sh.mu.try_lock()) {
      for (auto t = added; t != s; ++t) impl_.shard(*t).mu.unlock();
      for (std::size_t i = held; i-- > 0;) impl_.shard(shards_[i]).mu.unlock();
      lock_all();
      return;
    }
  }
  sort_unique();
}

ShardGuard::~ShardGuard() { release(); }

void ShardGuard::release() {
  if (!held_) return;
  held_ = false;
  for (std::size_t i = shards_.size(); i-- > 0;) impl_.shard(shards_[i]).mu.unlock();
}

Lsn ShardGuard::max_lsn() const {
  Lsn m = 0;
  for (auto s : shards_) m = std::max(m, impl_.shard(s).applied_lsn);
  return m;
}

// ---- Impl ----

static unsigned log2_exact(std::size_t n) {
  CL_CHECK(n != 0 && (n & (n - 1)) == 0);
  unsigned b = 0;
  while ((std::size_t{1} << b) < n) ++b;
  return b;
}

Impl::Impl(LedgerOptions opts, EventSink* s)
    : options(std::move(opts)), sink(s), shard_bits(log2_exact(options.shard_count)) {
  CL_CHECK(options.limits.organisations_max > 0 && options.limits.organisations_max <= 65535);
  std::size_t orgs_max = options.limits.organisations_max;
  slot_orgs_.reset(new std::atomic<OrgState*>[orgs_max]);
  for (std::size_t i = 0; i < orgs_max; ++i) slot_orgs_[i].store(nullptr);
  std::size_t cap = 1;
  while (cap < orgs_max * 2) cap <<= 1;
  org_hash_.reset(new std::atomic<OrgState*>[cap]);
  for (std::size_t i = 0; i < cap; ++i) org_hash_[i].store(nullptr);
  org_hash_mask_ = cap - 1;
  for (std::size_t i = 0; i < options.shard_count; ++i) {
    shards_.push_back(std::make_unique<Shard>(arena_, byte_chunks_));
  }
}

Impl::~Impl() = default;

OrgState* Impl::find_org(OrgId org) const {
  for (std::size_t i = mix64(org) & org_hash_mask_;; i = (i + 1) & org_hash_mask_) {
    OrgState* o = org_hash_[i].load(std::memory_order_acquire);
    if (o == nullptr || o->id == org) return o;
  }
}

Result<OrgState*> Impl::get_or_create_org(OrgId org) {
  if (OrgState* o = find_org(org)) return o;
  std::lock_guard lock(orgs_mu_);
  if (OrgState* o = find_org(org)) return o;
  if (orgs_.size() >= options.limits.organisations_max) {
    return Result<OrgState*>(ErrorCode::kLimitExceeded,
                             "organisations_max (" +
                                 std::to_string(options.limits.organisations_max) + ") reached");
  }
  auto slot = static_cast<std::uint16_t>(orgs_.size());
  orgs_.push_back(std::make_unique<OrgState>(org, slot, options.limits.promotions_per_org_max));
  OrgState* o = orgs_.back().get();
  slot_orgs_[slot].store(o, std::memory_order_release);
  std::size_t i = mix64(org) & org_hash_mask_;
  while (org_hash_[i].load(std::memory_order_relaxed) != nullptr) i = (i + 1) & org_hash_mask_;
  org_hash_[i].store(o, std::memory_order_release);
  return o;
}

std::vector<OrgState*> Impl::all_orgs() const {
  std::lock_guard lock(orgs_mu_);
  std::vector<OrgState*> out;
  for (const auto& o : orgs_) out.push_back(o.get());
  return out;
}

EventHeader Impl::header(const Op& op) const {
  EventHeader h;
  h.time_ms = op.now_ms;
  h.org = op.org;
  // The key only travels to the log; without a sink nothing reads it (saves a copy).
  if (sink != nullptr) h.api_key = std::string(op.api_key);
  h.dialect = op.dialect;
  return h;
}

void Impl::reserve_code_room(const std::vector<std::uint64_t>& hashes, bool lock_each) {
  // A bulk call writes its records under shard locks (an import under all it touches): the
  // record memory its chunks come from is faulted in first, here, before any lock, or the
  // kernel zeroed fresh huge pages (0.3-8 ms each on this VM, session 8) with the locks held
  // (docs/benchmarks-history.md, session 38). The next 4 MiB: a batch takes at most 1.4.
  if (lock_each) arena_.fill();
  std::vector<std::size_t> per_shard(shard_count(), 0);
  for (std::uint64_t h : hashes) ++per_shard[shard_of(h)];
  for (std::uint32_t si = 0; si < per_shard.size(); ++si) {
    if (per_shard[si] == 0) continue;
    if (lock_each) {
      reserve_shard_room(shard(si), per_shard[si]);
      continue;
    }
    CodeTable& codes = shard(si).codes;
    codes.reserve(codes.size() + per_shard[si]);
  }
}

// One shard's room for n more codes, for a bulk add that holds no lock yet: the memory the
// room needs is faulted in with the lock released. Why: the shards grow evenly, so one
// batch takes a new record chunk in most of them at once (64 x 352 KiB, past what fill()
// keeps ahead) or doubles most of their indexes, and the kernel zeroed those pages under
// each shard's lock: look-ups of the shard waited up to milliseconds (session 39).
void Impl::reserve_shard_room(Shard& s, std::size_t n) {
  std::vector<void*> taken;
  std::size_t growth = 0;
  {
    std::lock_guard lock(s.mu);
    growth = s.codes.index_growth_for(s.codes.size() + n);
    if (growth == 0) taken = s.codes.reserve(s.codes.size() + n);
  }
  if (growth != 0) {
    NumberIndex::Spare spare(growth);  // allocated and faulted in with no lock held
    std::lock_guard lock(s.mu);
    taken = s.codes.reserve(s.codes.size() + n, &spare);
  }
  for (void* chunk : taken) arena_.fault_in(chunk);
}

Status Impl::commit(Op& op, Event& event, const ApplyHint& hint) {
  if (sink != nullptr) {
    Status s = sink->stage(event);
    if (!s.ok()) return s;
  } else {
    // Without a sink this counter is the one shared word a mutation writes (with a sink,
    // the sink's own LSN counter is).
    event.header.lsn = next_lsn_.fetch_add(1, std::memory_order_relaxed) + 1;
  }
  // The event is staged: the log will hold it, so memory must follow. An allocation failing
  // part-way through the apply left the ledger between two states, answered 500 yet logged,
  // and a shutdown snapshot then kept that half (probe 35b). The process stops instead, and
  // the next start replays the log, this event included if it was written.
  try {
    apply_locked(event, hint);
  } catch (const std::exception& e) {
    apply_failed(event.header.lsn, e.what());
  }
  op.visible_lsn = std::max(op.visible_lsn, event.header.lsn);
  return Status::Ok();
}

void Impl::note_lsn(Lsn lsn) {
  store_max(last_lsn_, lsn, std::memory_order_acq_rel);
  store_max(next_lsn_, lsn, std::memory_order_acq_rel);
}

void Impl::set_last_lsn(Lsn lsn) {
  last_lsn_.store(lsn, std::memory_order_release);
  next_lsn_.store(lsn, std::memory_order_release);
  for (auto& s : shards_) {
    std::lock_guard lock(s->mu);
    s->applied_lsn = lsn;
    s->published_lsn.store(lsn, std::memory_order_release);
  }
}

// Commands publish their LSN in a shard they hold (see Shard::published_lsn); events with
// no such shard (promotions, replay) in last_lsn_. Without a sink, next_lsn_ leads them all.
Lsn Impl::last_lsn() const {
  Lsn m = std::max(last_lsn_.load(std::memory_order_acquire),
                   next_lsn_.load(std::memory_order_acquire));
  for (const auto& s : shards_) m = std::max(m, s->published_lsn.load(std::memory_order_acquire));
  return m;
}

CodeView Impl::code_view(const OrgState& org, const CodeRecord& r) const {
  CodeView v;
  fill_code_view(v, org, r, code_hash(org.id, static_cast<Mode>(r.mode), r.key.view()));
  return v;
}

Result<CodeView> Impl::code_result(const OrgState& org, const CodeRecord& r,
                                   std::uint64_t hash) const {
  Result<CodeView> out(std::in_place);
  fill_code_view(*out, org, r, hash);
  return out;
}

void Impl::fill_code_view(CodeView& v, const OrgState& org, const CodeRecord& r,
                          std::uint64_t hash) const {
  v.org = org.id;
  v.id = mint_id(r.created_ms, hash);
  v.active = r.active != 0;
  v.valid_till_ms = r.valid_till_ms;
  v.redeemable_from_ms = r.redeemable_from_ms;
  // What link and redeem enforce, not the record's own part of it (probe 32): a code of a
  // deactivated promotion is not active, and its window is the one within the promotion's.
  if (const PromotionState* p = org.promotion(r.promo_number)) {
    v.promotion_id = p->id;
    v.promotion_name = p->spec.name;
    v.redemptions_max = p->spec.per_code_redemptions_max;
    v.active = code_active(r, *p);
    v.valid_till_ms = code_valid_till(r, *p);
    v.redeemable_from_ms = code_redeemable_from(r, *p);
  }
  v.code = r.key;
  v.customer = r.customer;
  v.created_ms = r.created_ms;
  v.mode = static_cast<Mode>(r.mode);
  v.redemption_count = r.redemption_count;
}

PromotionView Impl::promotion_view(Op& op, const OrgState& org, const PromotionState& p) const {
  PromotionView v;
  // The count first (acquire): an import's LSN is stored before its count grows, so a count
  // that includes the import comes with an LSN at least the import's.
  v.code_count = org.code_counts[p.number - 1].load(std::memory_order_acquire);
  raise_lsn(op, std::max(p.lsn, org.code_count_lsns[p.number - 1].load(std::memory_order_acquire)));
  v.id = p.id;
  v.org = org.id;
  v.spec = p.spec;
  v.created_ms = p.created_ms;
  v.updated_ms = p.updated_ms;
  return v;
}

EarnedView Impl::earned_view(Op& op, const OrgState& org, CustomerId customer,
                             const EarnedRecord& e) const {
  EarnedView v;
  v.id = e.id;
  v.customer = customer;
  v.valid_till_ms = e.own_valid_till_ms;
  // The end redeem enforces, not the entry's own part of it.
  if (const PromotionState* p = org.promotion(e.promo_number)) {
    raise_lsn(op, p->lsn);
    v.promotion_id = p->id;
    v.promotion_name = p->spec.name;
    v.valid_till_ms = entry_valid_till(e, *p);
  }
  v.earned_from_id = e.context_id;
  v.event_time_ms = e.event_time_ms;
  v.status = e.status;
  return v;
}

namespace {

Status history_too_long(std::size_t rows_max) {
  return Status(ErrorCode::kLimitExceeded,
                "its redemption history does not fit in what is left of history_rows_max (" +
                    std::to_string(rows_max) +
                    " rows in one answer, over all its codes): ask for fewer codes at once; "
                    "ledgerctl history reads a history of any length");
}

}  // namespace

// Collects a code's uses under its shard lock, then reads each redemption under its
// customer's shard lock (one lock at a time, so no ordering concern).
Result<std::vector<RedemptionView>> Impl::code_redemptions(OrgState& org, std::uint32_t shard_index,
                                                           const CodeLookup& key, Lsn& seen_lsn,
                                                           std::size_t& rows_left) {
  std::vector<const StoredRedemption*> uses;  // records never move (RedemptionLink)
  std::string_view promotion_name;  // the promotion's immutable version: lives as long as we do
  {
    Shard& sh = shard(shard_index);
    std::lock_guard lock(sh.mu);
    seen_lsn = std::max(seen_lsn, sh.applied_lsn);
    std::uint32_t idx = sh.codes.find(key);
    if (idx == CodeTable::kNone) return std::vector<RedemptionView>{};
    if (const PromotionState* p = org.promotion(sh.codes.at(idx).promo_number)) {
      promotion_name = p->spec.name;
    }
    // A row per redemption, and rows_left charged per row, as history_rows_max is
    // documented: a redemption naming the code in several items has a link for each, next
    // to each other (its items are applied together), but is one row, its discounts added
    // up. Charged per link, a code named in 20 items a redemption was refused at 501
    // redemptions (probe 41a). The answer's memory stays bounded by the rows it holds.
    for (std::uint32_t l = sh.codes.at(idx).last_link; l != 0; l = sh.links[l - 1].prev) {
      const StoredRedemption* r = sh.links[l - 1].redemption;
      if (!uses.empty() && uses.back() == r) continue;
      if (uses.size() == rows_left) return history_too_long(options.limits.history_rows_max);
      uses.push_back(r);
    }
  }
  rows_left -= uses.size();
  std::reverse(uses.begin(), uses.end());  // oldest first
  std::vector<RedemptionView> out;
  out.reserve(uses.size());
  for (const StoredRedemption* r : uses) {
    Shard& cs = shard(customer_shard(org.id, r->customer));  // the customer never changes
    std::lock_guard lock(cs.mu);
    seen_lsn = std::max(seen_lsn, cs.applied_lsn);
    out.push_back(r->view());
    // A history row is the code's: its promotion's name, not the redemption's first
    // item's (a redemption may span promotions; probe 32b).
    out.back().promotion_name = promotion_name;
  }
  return out;
}

}  // namespace codeledger::ledger::detail
