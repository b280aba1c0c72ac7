#include "ledger/chunk_arena.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <new>
#include <utility>

namespace codeledger::ledger::detail {
namespace {

// MADV_POPULATE_WRITE faults the pages in without writing to them, so chunks handed out of
// the range meanwhile are not disturbed. Where the kernel lacks it, pages fault at first
// use, as they would without prefault().
void populate(char* from, char* until) {
#ifdef MADV_POPULATE_WRITE
  if (from < until) (void)madvise(from, static_cast<std::size_t>(until - from), MADV_POPULATE_WRITE);
#else
  (void)from;
  (void)until;
#endif
}

}  // namespace

ChunkArena::~ChunkArena() {
  for (void* slab : slabs_) std::free(slab);
}

std::atomic<std::int64_t> ChunkArena::chunks_left_for_testing{kUnlimitedChunks};

void* ChunkArena::allocate() {
  // One relaxed decrement a chunk (a chunk holds thousands of records).
  if (chunks_left_for_testing.fetch_sub(1, std::memory_order_relaxed) <= 0) throw std::bad_alloc();
  void* chunk = allocate_locked();
  // Every command that takes chunks (those that call no prefault() too) keeps the helper
  // filling ahead, so the next command does not meet unfaulted memory. After the
  // unlock: a helper may fill on this very thread (the tests' do).
  if (wake_helper_ && headroom_low()) request_fill();
  return chunk;
}

void* ChunkArena::allocate_locked() {
  std::lock_guard lock(mu_);
  if (static_cast<std::size_t>(end_ - next_) < chunk_bytes_) {
    if (spare_.start != nullptr) {
      start_slab_locked(std::exchange(spare_, Slab{}), std::exchange(spare_faulted_bytes_, 0));
    } else {
      Slab slab = new_slab_locked();
      allocate_slab(slab);
      if (slab.start == nullptr) throw std::bad_alloc();
      slabs_.push_back(slab.start);
      start_slab_locked(slab, 0);
    }
  }
  void* chunk = next_;
  next_ += chunk_bytes_;
  note_headroom();
  return chunk;
}

void ChunkArena::note_headroom() {
  if (faulted_end_ < next_) faulted_end_ = next_;  // handed-out chunks fault on their own
  headroom_.store(faulted_end_ - next_ + static_cast<std::ptrdiff_t>(spare_faulted_bytes_),
                  std::memory_order_relaxed);
}

bool ChunkArena::headroom_low() const {
  return headroom_.load(std::memory_order_relaxed) < static_cast<std::ptrdiff_t>(kFillAheadBytes / 2);
}

void ChunkArena::request_fill() {
  if (!fill_requested_.exchange(true, std::memory_order_acq_rel)) wake_helper_();
}

void ChunkArena::prefault() {
  if (!headroom_low()) return;
  if (wake_helper_) return request_fill();
  fill(false);  // someone else at it (or a chunk being handed out): they will do
}

void ChunkArena::fault_in(void* chunk) const {
  char* from = static_cast<char*>(chunk);
  populate(from, from + chunk_bytes_);
}

void ChunkArena::hand_off_prefault(std::function<void()> wake) {
  wake_helper_ = std::move(wake);
  // The first fill at once, not at the first command: a fresh or just recovered ledger has
  // nothing faulted ahead, and the first redemptions zeroed huge pages on the io thread
  // (an open loop's first second, docs/benchmarks-history.md, session 17).
  if (wake_helper_ && headroom_low()) request_fill();
}

void ChunkArena::fill() { fill(true); }

void ChunkArena::fill(bool wait_for_mutex) {
  char* from = nullptr;
  char* until = nullptr;
  Slab spare;
  {
    std::unique_lock lock(mu_, std::defer_lock);
    if (wait_for_mutex) {
      lock.lock();
    } else if (!lock.try_lock()) {
      return;
    }
    if (next_ != nullptr) {
      until = std::min(end_, next_ + kFillAheadBytes);
      from = faulted_end_;
      faulted_end_ = std::max(faulted_end_, until);  // claimed: the next call looks beyond it
    }
    // The current slab ends within the fill distance (or there is none yet): the next one
    // is prepared now, so its first chunks are not faulted in under a shard lock either.
    if (static_cast<std::size_t>(end_ - next_) < kFillAheadBytes && spare_.start == nullptr &&
        !spare_in_progress_) {
      spare = new_slab_locked();
      spare_in_progress_ = true;
    }
    note_headroom();
  }
  // Outside the mutex, or a thread that needs a chunk (holding a shard lock) would wait for
  // the zeroing after all.
  populate(from, until);
  if (spare.bytes != 0) prepare_spare(spare);
  fill_requested_.store(false, std::memory_order_release);
}

void ChunkArena::prepare_spare(Slab slab) {
  allocate_slab(slab);
  const std::size_t ahead = std::min(slab.bytes, kFillAheadBytes);
  if (slab.start != nullptr) populate(slab.start, slab.start + ahead);
  std::lock_guard lock(mu_);
  spare_in_progress_ = false;
  if (slab.start == nullptr) return;  // out of memory: allocate() will try (and throw) itself
  slabs_.push_back(slab.start);
  spare_ = slab;
  spare_faulted_bytes_ = ahead;
  note_headroom();
}

// Slabs double from 4 MiB to 64 MiB, so a small ledger (the demo) stays small and a big one
// needs few slabs; each is huge-page aligned and sized. The unused tail of the previous slab
// (less than one chunk) is given up.
ChunkArena::Slab ChunkArena::new_slab_locked() {
  std::size_t bytes = next_slab_bytes_;
  while (bytes < chunk_bytes_) bytes *= 2;
  if (next_slab_bytes_ < kSlabBytesMax) next_slab_bytes_ *= 2;
  return Slab{nullptr, bytes};
}

void ChunkArena::allocate_slab(Slab& slab) {
  slab.start = static_cast<char*>(std::aligned_alloc(kHugePageBytes, slab.bytes));
#ifdef MADV_HUGEPAGE
  if (slab.start != nullptr) (void)madvise(slab.start, slab.bytes, MADV_HUGEPAGE);  // advice only
#endif
}

void ChunkArena::start_slab_locked(const Slab& slab, std::size_t faulted_bytes) {
  next_ = slab.start;
  end_ = next_ + slab.bytes;
  faulted_end_ = next_ + faulted_bytes;
}

}  // namespace codeledger::ledger::detail
