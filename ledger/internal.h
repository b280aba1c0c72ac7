// Internal state of the ledger, shared by its .cc files. Not part of the public contract.
//
// Ownership and threads:
//  - Impl::shards_[i] is guarded by its own Shard::mu: the code table, the customers, the
//    redemptions and links of that shard, and the ByteArena they live in. A command locks
//    every shard it touches in ascending index order (ShardGuard), so commands never deadlock.
//  - OrgState: constant after construction (id, slot); promotions are immutable versions
//    published through atomics (readers never lock); writers hold OrgState::promo_mu.
//  - Secondary customer indexes of an org: OrgState::index_mu, always taken after shard locks.
//  - Customer upserts of an org: OrgState::upsert_mu, taken before shard locks and index_mu,
//    held from the identifier check to the commit.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <initializer_list>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <tsl/robin_map.h>

#include "ledger/byte_arena.h"
#include "ledger/chunk_arena.h"
#include "ledger/inline_vec.h"
#include "ledger/ledger.h"
#include "ledger/number_index.h"
#include "ledger/shard_mutex.h"
#include "ledger/redemption_store.h"
#include "ledger/wallet.h"

namespace codeledger::ledger::detail {

inline std::uint64_t mix64(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// The n < 8 bytes at p as a little-endian word, zero-extended: what a memcpy into a zeroed
// uint64 gives, without a call to memcpy for a variable size (it was a tenth of a
// redeem's instructions). Overlapping loads cover every length.
inline std::uint64_t load_tail(const char* p, std::size_t n) {
  static_assert(std::endian::native == std::endian::little, "hash values are persisted in ids");
  if (n >= 4) {
    std::uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + n - 4, 4);
    return std::uint64_t{lo} | std::uint64_t{hi} << (8 * (n - 4));
  }
  if (n == 0) return 0;
  const auto byte = [p](std::size_t i) { return std::uint64_t{static_cast<unsigned char>(p[i])}; };
  return byte(0) | byte(n / 2) << (8 * (n / 2)) | byte(n - 1) << (8 * (n - 1));
}

// Fast 64-bit hash of bytes: 8 bytes at a time, finished with mix64. Its values are part
// of the data (code and redemption ids are minted from them): never change the function.
inline std::uint64_t hash_bytes(std::string_view s, std::uint64_t seed) {
  std::uint64_t h = seed ^ (s.size() * 0x9e3779b97f4a7c15ULL);
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ mix64(w)) * 0x9e3779b97f4a7c15ULL;
  }
  const std::uint64_t tail = load_tail(s.data() + i, s.size() - i);
  h = (h ^ mix64(tail ^ 0x5bd1e995ULL)) * 0x9e3779b97f4a7c15ULL;
  return mix64(h);
}

inline std::uint64_t code_hash(OrgId org, Mode mode, std::string_view code) {
  return hash_bytes(code, mix64(org * 2 + static_cast<std::uint64_t>(mode) + 0x1234567ULL));
}
inline std::uint64_t customer_hash(OrgId org, CustomerId id) {
  return mix64(mix64(org + 0x51ed27ULL) ^ id);
}

// One immutable version of a promotion. Published through OrgState::promotions.
struct PromotionState {
  ObjectId id;
  std::uint32_t number = 0;  // 1-based
  PromotionSpec spec;
  TimeMs created_ms = 0;
  TimeMs updated_ms = 0;
  Lsn lsn = 0;  // event that produced this version (reads make it visible)
};

struct CustomerIndexes {
  // Identifiers: one holder each (the upsert refuses a second one, customers.cc).
  tsl::robin_map<std::string, CustomerId> by_external, by_email, by_phone;
  // "name\0value" -> every customer holding it: custom values may be shared ("tier": "gold"),
  // and one holder giving a value up must not hide it from the others. Matching takes the
  // lowest id, so live, replayed and snapshot-restored ledgers all answer the same.
  tsl::robin_map<std::string, std::set<CustomerId>> by_custom;
};

// An organisation's code count, and the room claimed for codes that calls have checked but
// not yet committed. OrgSettings::codes_max bounds the claims, so two calls racing for the
// last room cannot both pass it; the count (held) is what stats() reports. Replay and
// snapshot loads add codes without a claim: what the log holds is applied whatever the
// limit is now.
class CodeTally {
 public:
  // Claims room for n more codes; false, claiming nothing, when that would pass max.
  bool claim(std::uint64_t n, std::uint64_t max) {
    std::uint64_t now = claimed_.load(std::memory_order_relaxed);
    do {
      if (n > max || now > max - n) return false;
    } while (!claimed_.compare_exchange_weak(now, now + n, std::memory_order_relaxed));
    return true;
  }
  // Room claimed and not used: a refused or failed commit, or a generate that ended short.
  void release(std::uint64_t n) { claimed_.fetch_sub(n, std::memory_order_relaxed); }
  // An applied event added `added` codes, `claimed` of whose room its command had claimed.
  void add(std::uint64_t added, std::uint64_t claimed) {
    held_.fetch_add(added, std::memory_order_relaxed);
    if (added > claimed) claimed_.fetch_add(added - claimed, std::memory_order_relaxed);
    if (claimed > added) release(claimed - added);
  }
  std::uint64_t held() const { return held_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> held_{0};
  std::atomic<std::uint64_t> claimed_{0};  // held_ plus the claims of calls in progress
};

struct OrgState {
  OrgState(OrgId id_in, std::uint16_t slot_in, std::size_t promotions_max_in);
  ~OrgState();

  const OrgId id;
  const std::uint16_t slot;
  const std::size_t promotions_max;

  std::atomic<std::uint8_t> strategy{0};  // RedemptionStrategy, read on every redeem
  mutable std::mutex settings_mu;
  OrgSettings settings;  // guarded by settings_mu

  std::mutex promo_mu;  // serialises promotion writes of this org
  std::unique_ptr<std::atomic<const PromotionState*>[]> promotions;  // [number - 1]
  std::unique_ptr<std::atomic<std::uint64_t>[]> code_counts;         // [number - 1]
  // [number - 1]: the last import that changed code_counts. A read that shows the count
  // waits for it to be durable like any state it reveals (probe 33: a count taken from an
  // import the log then failed to write was answered, and lost at restart).
  std::unique_ptr<std::atomic<Lsn>[]> code_count_lsns;
  std::atomic<std::uint32_t> promotion_count{0};
  std::vector<std::unique_ptr<const PromotionState>> versions;  // guarded by promo_mu

  CodeTally codes;  // customers and redemptions: Shard::org_counts
  std::atomic<std::uint64_t> codes_max{OrgSettings{}.codes_max};  // settings.codes_max

  mutable std::mutex index_mu;
  CustomerIndexes indexes;  // guarded by index_mu
  // Serialises customer upserts of this org, each from its identifier check to its commit
  // (customers.cc). Taken before any shard lock.
  std::mutex upsert_mu;
  // profile_bytes of the stored profiles (set by apply, under index_mu; read by upserts).
  std::atomic<std::uint64_t> profile_bytes{0};

  const PromotionState* promotion(std::uint32_t number) const {
    if (number == 0 || number > promotion_count.load(std::memory_order_acquire)) return nullptr;
    return promotions[number - 1].load(std::memory_order_acquire);
  }
  const PromotionState* find_promotion(const ObjectId& pid) const;
};

// Promotion ids: 4 bytes creation seconds, 4 bytes of the org's hash, 4 bytes number, so a
// lookup is a parse, a bounds check and a compare; another org's id never matches.
ObjectId mint_promotion_id(TimeMs now, OrgId org, std::uint32_t number);
ObjectId mint_id(TimeMs now, std::uint64_t salt);

// A code, 88 bytes, stored in fixed chunks (never reallocated, so indices stay valid).
struct CodeRecord {
  CodeKey key;
  std::uint16_t org_slot = 0;
  std::uint8_t mode = 0;
  std::uint8_t active = 1;
  std::uint32_t promo_number = 0;
  CustomerId customer = 0;
  TimeMs created_ms = 0;
  TimeMs redeemable_from_ms = 0;
  TimeMs valid_till_ms = 0;
  std::uint32_t redemption_count = 0;
  std::uint32_t last_link = 0;  // 1-based index into Shard::links, 0 = never redeemed
};
static_assert(sizeof(CodeRecord) == 88, "CodeRecord layout drives the memory budget");
// Chunks are raw arena memory: records are placement-constructed and never destroyed.
static_assert(std::is_trivially_destructible_v<CodeRecord>);
static_assert(std::is_trivially_copyable_v<CodeRecord>);

// Starts loading both cache lines a record may span, before it is read.
inline void prefetch_record(const CodeRecord* r) {
  __builtin_prefetch(r);
  __builtin_prefetch(reinterpret_cast<const char*>(r) + sizeof(CodeRecord) - 1);
}

struct CodeLookup {
  std::uint16_t org_slot;
  Mode mode;
  std::string_view code;
  std::uint64_t hash;
};

class Impl;

// Per-shard code table: chunked records plus an index of record numbers by code hash.
class CodeTable {
 public:
  static constexpr std::uint32_t kNone = 0xffffffffu;
  static constexpr std::uint32_t kChunkRecords = 4096;

  explicit CodeTable(ChunkArena& arena) : arena_(arena) {}
  CodeTable(const CodeTable&) = delete;
  CodeTable& operator=(const CodeTable&) = delete;

  // The record number, or kNone (the index's 0, "absent", minus one).
  std::uint32_t find(const CodeLookup& k) const {
    return index_.find(k.hash, [&](std::uint32_t n) { return same_key(k, at(n - 1)); }) - 1;
  }
  // Starts loading the index slot of a code hash; safe without the shard lock (see
  // NumberIndex::prefetch).
  void prefetch(std::uint64_t hash) const { index_.prefetch(hash); }
  // Adds r unless a record with its key (org slot, mode, code) is present: one probe of
  // the index. hash = code_hash of r's key, which the caller has from picking the shard.
  // Returns the new record number, or kNone for a duplicate (nothing changes).
  std::uint32_t insert_if_absent(const CodeRecord& r, std::uint64_t hash);
  CodeRecord& at(std::uint32_t i) { return chunks_[i / kChunkRecords][i % kChunkRecords]; }
  const CodeRecord& at(std::uint32_t i) const {
    return chunks_[i / kChunkRecords][i % kChunkRecords];
  }
  std::uint32_t size() const { return size_; }
  // Records i, i+1, ... up to the end of i's chunk or of the table, whichever comes first
  // (none when i is past the end). Taken under the shard's lock; what a record never changes
  // once added (key, org slot, mode, promotion number) may then be read from the run without
  // the lock, since records never move (export_codes reads whole shards so).
  std::span<const CodeRecord> run_from(std::uint32_t i) const {
    if (i >= size_) return {};
    const std::uint64_t chunk_end = (std::uint64_t{i} / kChunkRecords + 1) * kChunkRecords;
    return {&at(i), static_cast<std::size_t>(std::min<std::uint64_t>(size_, chunk_end) - i)};
  }
  // Room for n records: the index sized and their chunks taken from the arena now, so that
  // adding them allocates nothing (insert_if_absent uses a chunk already held). Commands
  // call it before their event is logged (Impl::reserve_code_room). Returns the chunks it
  // took, for the caller to fault in once the lock is released; the index grows into
  // `spare` when it has the capacity index_growth_for(n) asked for.
  std::vector<void*> reserve(std::size_t n, NumberIndex::Spare* spare = nullptr) {
    index_.reserve(n, spare);
    const std::size_t chunks = (n + kChunkRecords - 1) / kChunkRecords;
    chunks_.reserve(chunks);
    std::vector<void*> taken;
    while (chunks_.size() < chunks) {
      chunks_.push_back(static_cast<CodeRecord*>(arena_.allocate()));
      taken.push_back(chunks_.back());
    }
    return taken;
  }
  // The index capacity reserve(n) grows to, 0 if none (NumberIndex::growth_for).
  std::size_t index_growth_for(std::size_t n) const { return index_.growth_for(n); }

 private:
  static bool same_key(const CodeLookup& k, const CodeRecord& r) {
    return r.org_slot == k.org_slot && r.mode == static_cast<std::uint8_t>(k.mode) &&
           r.key.view() == k.code;
  }

  ChunkArena& arena_;
  std::vector<CodeRecord*> chunks_;  // kChunkRecords each, owned by arena_
  std::uint32_t size_ = 0;
  NumberIndex index_;  // record number + 1
};

using ledger::InlineVec;  // inline_vec.h: per-request scratch of a redeem, counters

using ShardList = InlineVec<std::uint32_t, 8>;

// One use of a code: a redemption naming it, chained per code both ways (1-based indices
// into Shard::links, 0 = none). The redemption lives with its customer (same org as the
// code), in that shard's RedemptionStore, whose records never move. This shard's lock is
// enough to read it: its org, customer, identifier and time are written before the command
// that stores it releases this shard and never change after (a log naming one transaction
// twice rewrites it in place, which only a replay does, under the locks of every code shard
// the record named before and names after, and the uses it named before leave their codes'
// chains: drop_uses), and its reversal is written under the locks of every code shard it
// names, this one included.
//
// The code's use summary (code_uses.h) rides on its newest link, so a code costs no field
// for it: Altcraft's get and activate read it in O(1) instead of the whole history.
struct RedemptionLink {
  std::uint32_t prev = 0;  // the code's previous (older) use
  std::uint32_t next = 0;  // its next (newer) use: where a reversal looks for the next standing
  const StoredRedemption* redemption = nullptr;
  std::uint32_t uses = 0;  // the code's uses up to this one, reversed ones too (1-based place)
  // Kept up to date on the newest link only (each new link copies it forward):
  std::uint32_t first_standing = 0;         // the oldest use not reversed, 0 = none
  std::uint64_t highest_activate_use = 0;   // highest N of the uses' activate keys (activate_key.h)
};
static_assert(sizeof(RedemptionLink) == 32, "one per use of a code: drives the memory budget");

struct PromoCounter {
  std::uint32_t number = 0;
  std::uint32_t redemptions = 0;
  std::uint32_t earns = 0;
};

struct Customer {
  Customer(OrgId org_in, CustomerId id_in) : org(org_in), id(id_in) {}

  const OrgId org;  // with id, the key of CustomerTable
  const CustomerId id;
  // The profile's identifiers beyond the id (Altcraft matching), only for customers an
  // upsert gave some: most customers come from a redemption or an issue and never have
  // any, and inline they were over half a new customer's bytes.
  std::unique_ptr<CustomerProfile> identified;
  Wallet wallet;
  // Inline: most customers use one or two promotions, and a new customer's first
  // redemption should not cost a heap allocation for its counter.
  InlineVec<PromoCounter, 2> counters;
  // The customer's redemptions live in its shard's RedemptionStore, chained newest-first
  // from here (no table per customer; see redemption_store.h).
  std::uint32_t last_redemption = 0;  // 1-based index into Shard::redemptions, 0 = none
  std::uint32_t redemption_count = 0;

  CustomerProfile profile() const {
    if (identified) return *identified;
    CustomerProfile p;
    p.id = id;
    return p;
  }
  void set_profile(CustomerProfile p);  // p.id == id
  PromoCounter& counter(std::uint32_t number);
  PromoCounter counter_value(std::uint32_t number) const;
  EarnedRecord* find_earned(const ObjectId& id) { return wallet.find(id); }
};

// A shard's customers: records in fixed chunks in creation order (never moved, so a
// Customer& stays valid), found by (org, id) through a NumberIndex, whose slot a command
// can prefetch before it locks the shard. A hit then waits for one miss, the record; the
// robin_map this replaced held a pointer, so a hit waited for its bucket and then the
// record, and a new customer's probe was a miss no prefetch could start early.
class CustomerTable {
 public:
  // A chunk (about 7 KiB) stays under ByteArena's oversize limit: bump-allocated, no malloc.
  static constexpr std::uint32_t kChunkRecords = 64;

  explicit CustomerTable(ByteArena& bytes) : bytes_(bytes) {}
  ~CustomerTable();
  CustomerTable(const CustomerTable&) = delete;
  CustomerTable& operator=(const CustomerTable&) = delete;

  // hash = customer_hash(org, id).
  Customer* find(OrgId org, CustomerId id, std::uint64_t hash) {
    const std::uint32_t n = index_.find(hash, [&](std::uint32_t k) {
      const Customer& c = at(k - 1);
      return c.id == id && c.org == org;
    });
    return n == 0 ? nullptr : &at(n - 1);
  }
  // A new customer (the caller found none with this key).
  Customer& add(OrgId org, CustomerId id, std::uint64_t hash);
  void prefetch(std::uint64_t hash) const { index_.prefetch(hash); }
  std::uint32_t size() const { return size_; }
  // Every customer, oldest first.
  template <class F>
  void for_each(F&& f) const {
    for (std::uint32_t i = 0; i < size_; ++i) f(at(i));
  }

 private:
  Customer& at(std::uint32_t i) { return chunks_[i / kChunkRecords][i % kChunkRecords]; }
  const Customer& at(std::uint32_t i) const {
    return chunks_[i / kChunkRecords][i % kChunkRecords];
  }

  ByteArena& bytes_;                 // the records' memory; ~CustomerTable runs destructors
  std::vector<Customer*> chunks_;    // kChunkRecords each
  std::uint32_t size_ = 0;
  NumberIndex index_;                // record number + 1
};

// What one shard holds of one organisation, for stats().
struct OrgCounts {
  std::uint64_t customers = 0;
  std::uint64_t redemptions = 0;
};

struct alignas(64) Shard {
  Shard(ChunkArena& code_chunks, ChunkArena& byte_chunks)
      : codes(code_chunks), bytes(byte_chunks), customers(bytes), redemptions(bytes),
        links(bytes) {}
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;
  ShardMutex mu;
  Lsn applied_lsn = 0;  // guarded by mu
  // Highest LSN a command committed here, written under mu, read lock-free by last_lsn().
  // It shares the mutex's cache line, so publishing costs no extra line per op (a global
  // "last LSN" word would be written by every thread on every mutation).
  std::atomic<Lsn> published_lsn{0};
  CodeTable codes;      // guarded by mu
  ByteArena bytes;  // customers, redemption records and code links of this shard
  CustomerTable customers;  // in `bytes`: no malloc per new customer
  RedemptionStore redemptions;
  ArenaVec<RedemptionLink, 128> links;
  // Where attach_from_pool resumes scanning per (org slot, promotion): not state, a hint.
  tsl::robin_map<std::uint64_t, std::uint32_t> pool_hints;
  // Per shard, not per organisation: a redeem's bookkeeping then writes no cache line
  // that commands on other cores write too (org-wide atomics were shared by every redeem).
  std::vector<OrgCounts> org_counts;  // [org slot], grown on demand; guarded by mu

  OrgCounts& counts(std::uint16_t org_slot) {
    if (org_slot >= org_counts.size()) org_counts.resize(std::size_t{org_slot} + 1);
    return org_counts[org_slot];
  }

  // hash = customer_hash(org, id), which the caller usually has for picking the shard.
  Customer* customer(OrgId org, CustomerId id, std::uint64_t hash) {
    return customers.find(org, id, hash);
  }
  Customer* customer(OrgId org, CustomerId id) { return customer(org, id, customer_hash(org, id)); }
  Customer& customer_or_create(OrgState& org, CustomerId id, std::uint64_t hash);
  Customer& customer_or_create(OrgState& org, CustomerId id) {
    return customer_or_create(org, id, customer_hash(org.id, id));
  }

  // A customer's redemption by transaction identifier (key: org, c, txn), or nullptr.
  StoredRedemption* find_redemption(const Customer& c, const RedemptionKey& key) {
    if (c.redemption_count == 0) return nullptr;
    std::uint32_t i = redemptions.find(key);
    return i == 0 ? nullptr : &redemptions.at(i);
  }
  StoredRedemption* find_redemption(OrgId org, const Customer& c, std::string_view txn) {
    return find_redemption(c, RedemptionKey::make(org, c.id, txn));
  }
  // Adds or (same transaction identifier) replaces a redemption of the customer; returns the
  // stored record. key_hash: RedemptionKey::make(org, c.id, r.transaction_identifier).hash.
  // When it replaces one and `replaced` is given, *replaced is set to the items the record
  // held before (their bytes stay in the arena): the codes whose uses they were.
  StoredRedemption& put_redemption(OrgId org, Customer& c, RedemptionRef r, std::uint64_t key_hash,
                                   std::optional<std::span<const RedemptionItem>>* replaced = nullptr);
  StoredRedemption& put_redemption(OrgId org, Customer& c, RedemptionRef r) {
    return put_redemption(org, c, r, RedemptionKey::make(org, c.id, r.transaction_identifier).hash);
  }
  // The customer's redemptions, oldest first.
  template <class F>
  void for_each_redemption(const Customer& c, F&& f) const {
    InlineVec<std::uint32_t, 16> order;
    for (std::uint32_t i = c.last_redemption; i != 0; i = redemptions.at(i).prev) {
      order.push_back(i);
    }
    for (std::size_t k = order.size(); k-- > 0;) f(redemptions.at(order[k]));
  }
};


// Locks a set of shards in ascending order; unlocks on destruction.
class ShardGuard {
 public:
  ShardGuard(Impl& impl, const ShardList& shards);
  ShardGuard(Impl& impl, const std::vector<std::uint32_t>& shards);
  ~ShardGuard();
  ShardGuard(const ShardGuard&) = delete;
  ShardGuard& operator=(const ShardGuard&) = delete;
  Lsn max_lsn() const;  // highest applied LSN of the locked shards
  void release();
  // Adds shards to the held ones, keeping those held when it can: a shard above every
  // held one is locked (the ascending order still holds), one below only if try_lock
  // gets it at once. Otherwise all are released and retaken in order, so state read under
  // the first locks may have changed meanwhile: read again what can change.
  void extend(const ShardList& more);

 private:
  void lock_all();
  void sort_unique();

  Impl& impl_;
  ShardList shards_;
  bool held_ = true;
};

// A code record the command already found, under the same locks, for the k-th code the
// event names: apply uses it instead of hashing and probing again.
struct CodeHit {
  CodeRecord* record = nullptr;
  std::uint32_t shard = 0;
  std::uint32_t index = 0;
};
struct ApplyHint {
  const CodeHit* codes = nullptr;
  std::size_t code_count = 0;
  Shard* publish = nullptr;  // a locked shard the event touches: carries the LSN (see Shard)
  OrgState* org = nullptr;   // the event's organisation, when the command has it
  // A Redeemed event's RedemptionKey hash, when the command has it (0: apply hashes).
  std::uint64_t redemption_key_hash = 0;
  // A CodesAdded event's codes whose room the command claimed (CodeTally::claim).
  std::uint64_t codes_claimed = 0;
};

class Impl {
 public:
  Impl(LedgerOptions options, EventSink* sink);
  ~Impl();

  const LedgerOptions options;
  EventSink* const sink;
  const unsigned shard_bits;

  std::uint32_t shard_of(std::uint64_t hash) const {
    return shard_bits == 0 ? 0 : static_cast<std::uint32_t>(hash >> (64 - shard_bits));
  }
  std::uint32_t code_shard(OrgId org, Mode mode, std::string_view code) const {
    return shard_of(code_hash(org, mode, code));
  }
  std::uint32_t customer_shard(OrgId org, CustomerId id) const {
    return shard_of(customer_hash(org, id));
  }
  Shard& shard(std::uint32_t i) { return *shards_[i]; }
  // Before taking shard locks, in commands that add to the shards' ByteArenas (see
  // ChunkArena::prefault): the kernel's page zeroing then happens outside the locks.
  void prefault_bytes() { byte_chunks_.prefault(); }
  ChunkArena& byte_chunks() { return byte_chunks_; }
  std::size_t shard_count() const { return shards_.size(); }
  // The room a replayed event of n codes makes in each shard's code index it touches: its
  // share of them, so a big import grows each index once instead of doubling through it.
  std::size_t code_index_share(std::size_t n) const {
    return n / shard_count() + n / (4 * shard_count()) + 8;
  }
  // Makes the room an event of codes with these hashes needs, in their locked shards, before
  // it is staged: each shard's index slots and record chunks for its own count of them, so
  // that an import or generate that cannot have the memory fails while nothing is logged and
  // is answered 500, changing nothing, and its apply allocates nothing (probe 35b; an apply
  // that fails stops the process, see commit). Each shard's own count, not an even share:
  // codes picked to fall in one shard needed it all after logging (probe 35c: an import of
  // 5,000 such codes stopped the server).
  // lock_each: takes each shard's lock for its own growth, for a caller that holds none yet.
  // A bulk call does that before its ShardGuard, so that an index doubling holds one shard,
  // not all 64 at once (probe 36b: look-ups stalled 0.1-0.3 s at each doubling of an import
  // or generate); the reservation under the guard then finds the room made.
  void reserve_code_room(const std::vector<std::uint64_t>& hashes, bool lock_each = false);
  void reserve_shard_room(Shard& s, std::size_t n);

  OrgState* find_org(OrgId org) const;
  OrgState* org_by_slot(std::uint16_t slot) const {
    return slot_orgs_[slot].load(std::memory_order_acquire);
  }
  Result<OrgState*> get_or_create_org(OrgId org);
  std::vector<OrgState*> all_orgs() const;

  // Commit path, with every lock the event needs held: stage (assigns the LSN) then apply.
  Status commit(Op& op, Event& event, const ApplyHint& hint = {});
  EventHeader header(const Op& op) const;
  // The one function that changes state. Locks are held by the caller.
  void apply_locked(const Event& event, const ApplyHint& hint = {});
  // Shards an event touches (for the replay path, which has no command to tell it).
  std::vector<std::uint32_t> shards_for(const Event& event, OrgState& org);
  void note_lsn(Lsn lsn);
  Lsn last_lsn() const;
  void set_last_lsn(Lsn lsn);

  // Read helpers (shard locked by the caller).
  CodeView code_view(const OrgState& org, const CodeRecord& r) const;
  // The same, with the record's code_hash already known (saves hashing the key again),
  // built in place: as a command's result, or into a default view v.
  Result<CodeView> code_result(const OrgState& org, const CodeRecord& r, std::uint64_t hash) const;
  void fill_code_view(CodeView& v, const OrgState& org, const CodeRecord& r,
                      std::uint64_t hash) const;
  // Raises op's visible LSN to every state the view shows: the promotion's version and the
  // import behind its code count.
  PromotionView promotion_view(Op& op, const OrgState& org, const PromotionState& p) const;
  // Raises op's visible LSN to the promotion version whose end and name the view shows.
  EarnedView earned_view(Op& op, const OrgState& org, CustomerId customer,
                         const EarnedRecord& e) const;
  // The code's history, oldest first, one view per redemption naming it (however many of
  // its items do), when it holds at most rows_left of them (taken from rows_left); otherwise
  // kLimitExceeded, having collected no more than rows_left + 1 redemptions.
  Result<std::vector<RedemptionView>> code_redemptions(OrgState& org, std::uint32_t shard_index,
                                                       const CodeLookup& key, Lsn& seen_lsn,
                                                       std::size_t& rows_left);

 private:
  void apply_promotion(const EventHeader& h, OrgState& org, const PromotionCreated& e);
  void apply_promotion(const EventHeader& h, OrgState& org, const PromotionUpdated& e);
  void apply_codes(const EventHeader& h, OrgState& org, const CodesAdded& e,
                   std::uint64_t claimed);
  void apply_redeemed(const EventHeader& h, OrgState& org, const Redeemed& e,
                      const ApplyHint& hint);
  void drop_replaced_uses(OrgState& org, std::span<const RedemptionItem> items,
                          const StoredRedemption& redemption);
  void apply_reversed(const EventHeader& h, OrgState& org, const RedemptionReversed& e);
  void apply_earned(const EventHeader& h, OrgState& org, const PromotionsEarned& e);
  void apply_revoked(const EventHeader& h, OrgState& org, const EarnsRevoked& e);
  void apply_upserted(const EventHeader& h, OrgState& org, const CustomersUpserted& e);
  CodeRecord* locked_code(OrgState& org, Mode mode, const CodeKey& code, std::uint32_t* shard,
                          std::uint32_t* index = nullptr);
  CodeRecord* hinted_code(const ApplyHint& hint, std::size_t k, OrgState& org, Mode mode,
                          const CodeKey& code, std::uint32_t* shard);

  ChunkArena arena_{sizeof(CodeRecord) * CodeTable::kChunkRecords};  // outlives shards_
  ChunkArena byte_chunks_{std::size_t{64} << 10};                     // outlives shards_
  std::vector<std::unique_ptr<Shard>> shards_;
  std::unique_ptr<std::atomic<OrgState*>[]> slot_orgs_;
  std::unique_ptr<std::atomic<OrgState*>[]> org_hash_;  // open addressing by OrgId
  std::size_t org_hash_mask_ = 0;
  mutable std::mutex orgs_mu_;
  std::vector<std::unique_ptr<OrgState>> orgs_;  // guarded by orgs_mu_, index = slot
  std::atomic<Lsn> next_lsn_{0};
  std::atomic<Lsn> last_lsn_{0};

  friend class ShardGuard;
};

// Validity helpers shared by commands.
inline bool promotion_ended(const PromotionSpec& s, TimeMs now) {
  return s.valid_till_ms != kNoTime && now > s.valid_till_ms;
}
std::string code_text(const CodeKey& k);
// Adds (or removes) a profile's identifiers to the org's secondary indexes (index_mu held).
void index_profile(CustomerIndexes& ix, const CustomerProfile& p, bool add);
// index_profile, and the profile's profile_bytes added to (or taken from) the org's count.
void hold_profile(OrgState& org, const CustomerProfile& p, bool add);
// CustomerIndexes::by_custom's key: a field name holds no NUL (the upsert refuses one).
inline std::string custom_field_key(std::string_view name, std::string_view value) {
  std::string key;
  key.reserve(name.size() + 1 + value.size());
  key.append(name).push_back('\0');
  key.append(value);
  return key;
}
// A code's window is its own within its promotion's: the later start, the earlier end
// (kNoTime: no end). Codes imported without a window of their own store none (an end) or
// no later start than the promotion's, so a promotion moved or extended takes them along.
inline TimeMs code_redeemable_from(const CodeRecord& r, const PromotionState& p) {
  return std::max(r.redeemable_from_ms, p.spec.valid_from_ms);
}
inline TimeMs earlier_end(TimeMs a, TimeMs b) {
  if (a == kNoTime) return b;
  if (b == kNoTime) return a;
  return std::min(a, b);
}
inline TimeMs code_valid_till(const CodeRecord& r, const PromotionState& p) {
  return earlier_end(r.valid_till_ms, p.spec.valid_till_ms);
}
inline bool code_expired(const CodeRecord& r, const PromotionState& p, TimeMs now) {
  const TimeMs till = code_valid_till(r, p);
  return till != kNoTime && now > till;
}
// A wallet entry's end is its own within its promotion's current end, as a code's is: kept
// apart, a promotion extended, shortened or given an end after the issue moves its entries'
// end, where a promotion end frozen into the entry at the issue did not. Redeem and every
// view of an entry read this one end. An own end past kEndMaxMs, logged before issues capped
// it (own_valid_till), reads as kEndMaxMs too, so its ISO twin names the same instant.
inline TimeMs entry_valid_till(const EarnedRecord& e, const PromotionState& p) {
  return earlier_end(std::min(e.own_valid_till_ms, kEndMaxMs), p.spec.valid_till_ms);
}
// The code's own flag and its promotion's: what link and redeem check (1001).
inline bool code_active(const CodeRecord& r, const PromotionState& p) {
  return r.active != 0 && p.spec.active;
}
// Raises `a` to `lsn` unless it holds a later one already (writers on several threads).
inline void store_max(std::atomic<Lsn>& a, Lsn lsn, std::memory_order order) {
  Lsn cur = a.load(std::memory_order_relaxed);
  while (cur < lsn && !a.compare_exchange_weak(cur, lsn, order)) {
  }
}

inline void raise_lsn(Op& op, Lsn lsn) {
  if (lsn > op.visible_lsn) op.visible_lsn = lsn;
}

// A code named by a request: validated text, its org, hash and shard.
// The text is the caller's (valid for the call): no CodeKey copy on the read path.
struct CodeTarget {
  OrgState* org = nullptr;
  Mode mode = Mode::kDiscount;
  std::string_view text;
  std::uint64_t hash = 0;
  std::uint32_t shard = 0;
  CodeLookup lookup() const { return CodeLookup{org->slot, mode, text, hash}; }
};
// 902..905 for bad text, 1001 when the org is unknown.
Result<CodeTarget> resolve_code(const Impl& impl, OrgId org, Mode mode, std::string_view text);
Status code_not_found(std::string_view text);

}  // namespace codeledger::ledger::detail

namespace codeledger::ledger {
// Ledger::Impl is the detail::Impl; the public class only forwards.
struct Ledger::Impl : detail::Impl {
  using detail::Impl::Impl;
};
}  // namespace codeledger::ledger
