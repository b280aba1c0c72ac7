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
  std::unique_lock lock(mu_, std::try_to_lock);
  if (!lock.owns_lock() || next_ == nullptr) return;  // someone else is at it, or no slab yet
  char* until = std::min(end_, next_ + kPrefaultBytes);
  if (faulted_end_ < until) {
    // Not yet handed out, so nobody else reads or writes these bytes: one write per 4 KiB
    // page faults them in (a whole huge page at the first write where the kernel gives one).
    for (char* p = faulted_end_; p < until; p += 4096) *static_cast<volatile char*>(p) = 0;
    faulted_end_ = until;
  }
  note_headroom();
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
