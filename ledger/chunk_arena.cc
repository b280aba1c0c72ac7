#include "ledger/chunk_arena.h"

#include <sys/mman.h>

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
  return chunk;
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
  if (next_slab_bytes_ < kSlabBytesMax) next_slab_bytes_ *= 2;
}

}  // namespace codeledger::ledger::detail
