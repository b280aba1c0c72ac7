#include "ledger/chunk_arena.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <new>

namespace codeledger::ledger::detail {

ChunkArena::~ChunkArena() {
  for (void* slab : slabs_) std::free(slab);
}

void* ChunkArena::allocate() {
  std::lock_guard lock(mu_);
  if (static_cast<std::size_t>(end_ - next_) < chunk_bytes_) add_slab();
  void* chunk = next_;
  next_ += chunk_bytes_;
  note_headroom();
  return chunk;
}

void ChunkArena::note_headroom() {
  if (faulted_end_ < next_) faulted_end_ = next_;  // handed-out chunks fault on their own
  headroom_.store(faulted_end_ - next_, std::memory_order_relaxed);
}

void ChunkArena::prefault() {
  if (headroom_.load(std::memory_order_relaxed) >= static_cast<std::ptrdiff_t>(kPrefaultBytes / 2)) {
    return;
  }
  char* from = nullptr;
  char* until = nullptr;
  {
    std::unique_lock lock(mu_, std::try_to_lock);
    if (!lock.owns_lock() || next_ == nullptr) return;  // someone else is at it, or no slab yet
    until = std::min(end_, next_ + kPrefaultBytes);
    from = faulted_end_;
    faulted_end_ = std::max(faulted_end_, until);  // claimed: the next call looks beyond it
    note_headroom();
  }
  // Outside the mutex, or a thread that needs a chunk (holding a shard lock) would wait for
  // the zeroing after all. MADV_POPULATE_WRITE faults the pages in without writing to them,
  // so chunks handed out of this range meanwhile are not disturbed. Where the kernel lacks
  // it, pages fault at first use, as they would without prefault().
#ifdef MADV_POPULATE_WRITE
  if (from < until) (void)madvise(from, static_cast<std::size_t>(until - from), MADV_POPULATE_WRITE);
#else
  (void)from;
  (void)until;
#endif
}

// Slabs double from 4 MiB to 64 MiB, so a small ledger (the demo) stays small and a big one
// needs few slabs; each is huge-page aligned and sized. The unused tail of the previous slab
// (less than one chunk) is given up.
void ChunkArena::add_slab() {
  std::size_t bytes = next_slab_bytes_;
  while (bytes < chunk_bytes_) bytes *= 2;
  void* slab = std::aligned_alloc(kHugePageBytes, bytes);
  if (slab == nullptr) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
  (void)madvise(slab, bytes, MADV_HUGEPAGE);  // advice only: 4 KiB pages still work
#endif
  slabs_.push_back(slab);
  next_ = static_cast<char*>(slab);
  end_ = next_ + bytes;
  faulted_end_ = next_;
  if (next_slab_bytes_ < kSlabBytesMax) next_slab_bytes_ *= 2;
}

}  // namespace codeledger::ledger::detail
