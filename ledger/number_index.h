// An open-addressing hash set of 1-based record numbers, for tables whose records hold
// their own keys (a shard's codes, its redemptions): the caller gives the key's hash and a
// predicate that compares a record number with the key it looks for.
//
// Why not tsl::robin_set, which these tables used before: on a ledger of a million codes
// every look-up misses the cache twice (the index slot, then the record), and on the VMs
// we run on one such miss costs about as long as the whole 200 ns budget of an operation
// (bench: BM_MemoryDependentLoad). The only way under that is to have several misses in
// flight at once, which needs the address of the slot a hash lands in *before* the shard
// lock is taken: prefetch(). robin_set keeps its buckets private. A slot here is also 8
// bytes (32 bits of hash, the number) where robin_set's bucket with a stored hash is 12.
//
// Linear probing at a load of at most 3/4: a hit reads 2.5 slots on average, all of them
// usually in one cache line. Nothing is ever removed (neither table deletes records), so
// there are no tombstones. Guarded by the owning shard's mutex, except prefetch(), which
// reads two atomics without the lock and only hints the CPU: a prefetch of a stale or
// half-updated address is harmless (prefetch instructions never fault).
//
// Growth is incremental once the table is large: the full table stays beside a new one of
// twice the size, and each insert moves the next kMigrateSlots slots across until none are
// left; look-ups read the new table, then the old one. Why: all at once, a growth copied
// every entry under the shard lock and faulted the new table's pages in on the io thread
// that ran into it, and with the load spread evenly the shards grew within the same
// fraction of a second: an open loop's p99 for that second went from 0.3 ms to 4 ms
// (docs/benchmarks-history.md, session 17). reserve() grows at once (bulk loads and bulk
// adds), into a Spare when its caller made one, faulted in, before taking the lock: the
// copy is then all that runs under the lock (session 39).
#pragma once

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>

namespace codeledger::ledger::detail {

class NumberIndex {
 public:
  NumberIndex() = default;
  ~NumberIndex() {
    if (retired_bytes_ != 0) (void)munmap(retired_, retired_bytes_);
  }
  NumberIndex(const NumberIndex&) = delete;
  NumberIndex& operator=(const NumberIndex&) = delete;

  std::size_t size() const { return size_; }
  std::size_t capacity() const { return mask() + 1; }
  bool growing() const { return old_ != nullptr; }  // an incremental growth is under way

  // Starts loading the slot where `hash` begins its probe (in the newer table while
  // growing). Safe without the lock.
  void prefetch(std::uint64_t hash) const {
    __builtin_prefetch(slots_.load(std::memory_order_relaxed) + (hash & mask()));
  }

  // The number whose record `same` accepts, or 0.
  template <class Same>
  std::uint32_t find(std::uint64_t hash, Same&& same) const {
    const auto tag = static_cast<std::uint32_t>(hash);
    std::size_t at = 0;
    if (const std::uint32_t n = probe(slots_.load(std::memory_order_relaxed), mask(), tag, same, at)) {
      return n;
    }
    return old_ != nullptr ? probe(old_.get(), old_mask_, tag, same, at) : 0;
  }

  // Adds number (> 0) unless `same` accepts a number already there, which it returns;
  // 0 when added.
  template <class Same>
  std::uint32_t insert_if_absent(std::uint64_t hash, std::uint32_t number, Same&& same) {
    make_room_for_one();
    Slot* slots = slots_.load(std::memory_order_relaxed);
    const auto tag = static_cast<std::uint32_t>(hash);
    std::size_t empty = 0;  // where the probe of the current table ended
    if (const std::uint32_t held = probe(slots, mask(), tag, same, empty)) return held;
    std::size_t unused = 0;
    if (old_ != nullptr) {
      if (const std::uint32_t held = probe(old_.get(), old_mask_, tag, same, unused)) return held;
    }
    slots[empty] = Slot{tag, number};
    ++size_;
    return 0;
  }

  // Adds number (> 0), whose key the caller knows to be absent.
  void insert(std::uint64_t hash, std::uint32_t number) {
    insert_if_absent(hash, number, [](std::uint32_t) { return false; });
  }

  class Spare;

  // The capacity reserve(n) grows to, or 0 when the table (the newer one, while growing)
  // has room for n numbers already.
  std::size_t growth_for(std::size_t n) const {
    std::size_t cap = capacity();
    if (n * 4 <= cap * 3 && owned_) return 0;
    while (n * 4 > cap * 3 || cap < kMinCapacity) cap *= 2;
    return cap;
  }

  // Room for n numbers: the next inserts up to n allocate nothing (a growth under way with
  // room goes on with them, moving slots across, which allocates nothing either). Otherwise
  // grows at once, a growth under way finished first, into `spare` when it has the capacity
  // growth_for(n) asked for. Why not an incremental growth into the spare: until it ends
  // every miss probes both tables, and a bulk add's checks are all misses (imports 10-15 %
  // slower, session 39).
  void reserve(std::size_t n, Spare* spare = nullptr);

 private:
  struct Slot {
    std::uint32_t tag;     // low 32 bits of the key's hash: probes and growth use it
    std::uint32_t number;  // 0 = empty
  };
  // Tables from kMapBytes up are mapped zero pages (released with munmap), smaller ones
  // calloc'd: calloc would zero a large block it reuses from the heap in one go.
  struct Release {
    Release() : bytes(0) {}
    explicit Release(std::size_t b) : bytes(b) {}
    std::size_t bytes;
    void operator()(Slot* p) const {
      if (bytes >= kMapBytes) {
        (void)munmap(p, bytes);
      } else {
        std::free(p);
      }
    }
  };
  using Table = std::unique_ptr<Slot[], Release>;
  static constexpr std::size_t kMinCapacity = 16;
  static constexpr std::size_t kMapBytes = std::size_t{256} << 10;
  // Smaller tables grow at once (a few microseconds); from here on, incrementally.
  static constexpr std::size_t kIncrementalFromSlots = 4096;
  // Old slots moved per insert while growing: the old table (at most 3/4 full) is empty
  // after capacity/8 inserts, when the new one (twice as large) is at most 7/16 full.
  static constexpr std::size_t kMigrateSlots = 8;
  // A mapped old table is unmapped this much per insert once it is empty: at once, the
  // unmapping (page freeing, TLB flush) of a 16 MiB table took 1-2 ms (BM_NumberIndexInsert).
  static constexpr std::size_t kReleaseStepBytes = std::size_t{256} << 10;
  // Until the first insert every look-up reads this one empty slot: no branch for "none yet".
  static inline const Slot kNoSlots[1] = {};

  std::size_t mask() const { return mask_.load(std::memory_order_relaxed); }

  // Probes slots (mask m) for tag; the number `same` accepts, or 0 with `at` the empty slot
  // the probe ended on.
  template <class Same>
  static std::uint32_t probe(const Slot* slots, std::size_t m, std::uint32_t tag, Same& same,
                             std::size_t& at) {
    for (std::size_t i = tag & m;; i = (i + 1) & m) {
      const Slot s = slots[i];
      if (s.number == 0) {
        at = i;
        return 0;
      }
      if (s.tag == tag && same(s.number)) return s.number;
    }
  }

  static void place(Slot* slots, std::size_t m, Slot s) {
    std::size_t i = s.tag & m;
    while (slots[i].number != 0) i = (i + 1) & m;
    slots[i] = s;
  }

  static Table allocate(std::size_t cap) {
    const std::size_t bytes = cap * sizeof(Slot);
    void* p = nullptr;
    if (bytes >= kMapBytes) {
      p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED) p = nullptr;
    } else {
      p = std::calloc(cap, sizeof(Slot));
    }
    if (p == nullptr) throw std::bad_alloc();
    return Table(static_cast<Slot*>(p), Release(bytes));
  }

  void install(Table fresh, std::size_t cap) {
    owned_ = std::move(fresh);
    slots_.store(owned_.get(), std::memory_order_relaxed);
    mask_.store(cap - 1, std::memory_order_relaxed);
  }

  void make_room_for_one() {
    if (retired_bytes_ != 0) release_some();
    if (old_ != nullptr) return migrate_some();
    if (owned_ && (size_ + 1) * 4 <= capacity() * 3) return;
    const std::size_t cap = std::max(capacity() * 2, kMinCapacity);
    if (!owned_ || capacity() < kIncrementalFromSlots) return rehash(cap, allocate(cap));
    old_mask_ = mask();
    old_ = std::move(owned_);
    cursor_ = 0;
    install(allocate(cap), cap);
    migrate_some();
  }

  void migrate_some() {
    Slot* slots = slots_.load(std::memory_order_relaxed);
    const std::size_t m = mask();
    const std::size_t end = std::min(cursor_ + kMigrateSlots, old_mask_ + 1);
    for (; cursor_ < end; ++cursor_) {
      if (old_[cursor_].number != 0) place(slots, m, old_[cursor_]);
    }
    if (cursor_ <= old_mask_) return;
    const std::size_t bytes = old_.get_deleter().bytes;
    if (bytes < kMapBytes) return old_.reset();
    while (retired_bytes_ != 0) release_some();  // the growth before (never in practice)
    retired_ = reinterpret_cast<char*>(old_.release());
    retired_bytes_ = bytes;
  }

  void release_some() {
    const std::size_t step = std::min(retired_bytes_, kReleaseStepBytes);
    (void)munmap(retired_, step);
    retired_ += step;
    retired_bytes_ -= step;
  }

  // All at once: the current table's entries into `fresh`, a new one of cap slots.
  void rehash(std::size_t cap, Table fresh) {
    const Slot* old = slots_.load(std::memory_order_relaxed);
    const std::size_t old_cap = capacity();
    for (std::size_t k = 0; k < old_cap; ++k) {
      if (old[k].number != 0) place(fresh.get(), cap - 1, old[k]);
    }
    install(std::move(fresh), cap);
  }

  // Atomics only so that prefetch() may read them without the lock.
  std::atomic<Slot*> slots_{const_cast<Slot*>(kNoSlots)};
  std::atomic<std::size_t> mask_{0};
  Table owned_;
  Table old_;                 // while growing: the previous table, emptied from cursor_ up
  std::size_t old_mask_ = 0;
  std::size_t cursor_ = 0;    // old_ slots below this are in the new table too
  char* retired_ = nullptr;   // an emptied mapped old table, unmapped a step per insert
  std::size_t retired_bytes_ = 0;
  std::size_t size_ = 0;
};

// A table of a given capacity, made without the index's lock: allocated and, when mapped,
// faulted in. Why: the kernel zeroing a growth's fresh pages under a shard lock held up
// every look-up of that shard (docs/benchmarks-history.md, session 39).
class NumberIndex::Spare {
 public:
  explicit Spare(std::size_t capacity) : table_(allocate(capacity)), capacity_(capacity) {
#ifdef MADV_POPULATE_WRITE
    if (table_.get_deleter().bytes >= kMapBytes) {
      (void)madvise(table_.get(), table_.get_deleter().bytes, MADV_POPULATE_WRITE);
    }
#endif
  }
  std::size_t capacity() const { return capacity_; }
  bool taken() const { return !table_; }  // reserve() grew into it

 private:
  friend class NumberIndex;
  Table table_;
  std::size_t capacity_;
};

inline void NumberIndex::reserve(std::size_t n, Spare* spare) {
  const std::size_t cap = growth_for(n);
  if (cap == 0) return;
  const bool use_spare = spare != nullptr && spare->capacity_ == cap && spare->table_;
  while (old_ != nullptr) migrate_some();
  rehash(cap, use_spare ? std::move(spare->table_) : allocate(cap));
}

}  // namespace codeledger::ledger::detail
