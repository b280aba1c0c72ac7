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
#pragma once

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
  NumberIndex(const NumberIndex&) = delete;
  NumberIndex& operator=(const NumberIndex&) = delete;

  std::size_t size() const { return size_; }
  std::size_t capacity() const { return mask() + 1; }

  // Starts loading the slot where `hash` begins its probe. Safe without the lock.
  void prefetch(std::uint64_t hash) const {
    __builtin_prefetch(slots_.load(std::memory_order_relaxed) + (hash & mask()));
  }

  // The number whose record `same` accepts, or 0.
  template <class Same>
  std::uint32_t find(std::uint64_t hash, Same&& same) const {
    const Slot* slots = slots_.load(std::memory_order_relaxed);
    const std::size_t m = mask();
    const std::uint32_t tag = static_cast<std::uint32_t>(hash);
    for (std::size_t i = hash & m;; i = (i + 1) & m) {
      const Slot s = slots[i];
      if (s.number == 0) return 0;
      if (s.tag == tag && same(s.number)) return s.number;
    }
  }

  // Adds number (> 0) unless `same` accepts a number already there, which it returns;
  // 0 when added.
  template <class Same>
  std::uint32_t insert_if_absent(std::uint64_t hash, std::uint32_t number, Same&& same) {
    reserve(size_ + 1);
    Slot* slots = slots_.load(std::memory_order_relaxed);
    const std::size_t m = mask();
    const std::uint32_t tag = static_cast<std::uint32_t>(hash);
    std::size_t i = hash & m;
    for (; slots[i].number != 0; i = (i + 1) & m) {
      if (slots[i].tag == tag && same(slots[i].number)) return slots[i].number;
    }
    slots[i] = Slot{tag, number};
    ++size_;
    return 0;
  }

  // Adds number (> 0), whose key the caller knows to be absent.
  void insert(std::uint64_t hash, std::uint32_t number) {
    insert_if_absent(hash, number, [](std::uint32_t) { return false; });
  }

  // Room for n numbers without growing.
  void reserve(std::size_t n) {
    std::size_t cap = capacity();
    if (n * 4 <= cap * 3 && owned_) return;
    while (n * 4 > cap * 3 || cap < kMinCapacity) cap *= 2;
    rehash(cap);
  }

 private:
  struct Slot {
    std::uint32_t tag;     // low 32 bits of the key's hash: probes and growth use it
    std::uint32_t number;  // 0 = empty
  };
  struct Free {
    void operator()(Slot* p) const { std::free(p); }
  };
  static constexpr std::size_t kMinCapacity = 16;
  // Until the first insert every look-up reads this one empty slot: no branch for "none yet".
  static inline const Slot kNoSlots[1] = {};

  std::size_t mask() const { return mask_.load(std::memory_order_relaxed); }

  void rehash(std::size_t cap) {
    // calloc: large tables come as fresh zero pages, which the kernel faults in lazily.
    std::unique_ptr<Slot[], Free> fresh(static_cast<Slot*>(std::calloc(cap, sizeof(Slot))));
    if (!fresh) throw std::bad_alloc();
    const Slot* old = slots_.load(std::memory_order_relaxed);
    const std::size_t old_cap = capacity();
    for (std::size_t k = 0; k < old_cap; ++k) {
      if (old[k].number == 0) continue;
      std::size_t i = old[k].tag & (cap - 1);
      while (fresh[i].number != 0) i = (i + 1) & (cap - 1);
      fresh[i] = old[k];
    }
    owned_ = std::move(fresh);
    slots_.store(owned_.get(), std::memory_order_relaxed);
    mask_.store(cap - 1, std::memory_order_relaxed);
  }

  // Atomics only so that prefetch() may read them without the lock.
  std::atomic<Slot*> slots_{const_cast<Slot*>(kNoSlots)};
  std::atomic<std::size_t> mask_{0};
  std::unique_ptr<Slot[], Free> owned_;
  std::size_t size_ = 0;
};

}  // namespace codeledger::ledger::detail
