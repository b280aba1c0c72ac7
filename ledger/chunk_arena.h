// Memory for CodeTable chunks (and the chunks ByteArenas bump-allocate from), carved from
// large slabs that ask the kernel for transparent huge pages (madvise). Why: a ledger of
// millions of codes is read at random, and with 4 KiB pages nearly every look-up also
// misses the TLB; and filling fresh memory one 4 KiB fault at a time was a sixth of a WAL
// replay's time (perf, 1M codes). Chunks are handed out uninitialised and live until the
// arena (one per Ledger) is destroyed.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <mutex>
#include <vector>

namespace codeledger::ledger::detail {

class ChunkArena {
 public:
  explicit ChunkArena(std::size_t chunk_bytes) : chunk_bytes_(chunk_bytes) {}
  ~ChunkArena();
  ChunkArena(const ChunkArena&) = delete;
  ChunkArena& operator=(const ChunkArena&) = delete;

  // One chunk of chunk_bytes, aligned for any record type, uninitialised. Thread-safe.
  void* allocate();
  std::size_t chunk_bytes() const { return chunk_bytes_; }

  // Keeps the memory the next chunks come from faulted in. Why: chunks are first written
  // under a shard lock, and the kernel zeroing a fresh huge page there stalled every other
  // thread that needed that shard (0.3 ms for a page the VM had backed before, 8 ms for one
  // it had not, measured here). Called before a command takes its locks; a load and a
  // compare when enough is faulted already. Without a helper (see hand_off_prefault) it
  // faults the pages in itself, never waiting for the arena's mutex and never holding it
  // while pages fault. With one, it only wakes the helper. Thread-safe.
  void prefault();

  // From now on prefault() calls wake (at most once until the helper's next fill(), from
  // whichever thread runs the command: it must only signal) instead of faulting on the
  // caller's thread, and the helper calls fill(). So does allocate() when the chunks it
  // hands out leave too little faulted ahead, and this call itself when that is already
  // so. Why: even outside the locks, the zeroing held up the request that ran into it and
  // every request queued behind it on that io thread. Call before the arena is shared
  // between threads (or after it no longer is); an empty wake hands the faulting back to
  // the callers.
  void hand_off_prefault(std::function<void()> wake);

  // Faults in the memory of the next kFillAheadBytes of chunks, preparing the next slab
  // when the current one runs out before that. The helper's side of hand_off_prefault;
  // also what prefault() runs itself without a helper. Thread-safe.
  void fill();

  // Tests only: allocate() hands out this many more chunks (over every arena) and then
  // throws bad_alloc, as when memory runs out, so tests reach the paths a real shortage
  // takes (probe 35b). kUnlimitedChunks unless a test sets it.
  static constexpr std::int64_t kUnlimitedChunks = std::numeric_limits<std::int64_t>::max();
  static std::atomic<std::int64_t> chunks_left_for_testing;

  // Faults in one chunk this arena handed out, without writing to it: for a command that
  // took chunks under a lock and writes them under a later one (Impl::reserve_shard_room).
  void fault_in(void* chunk) const;

  // Faulted-in memory ahead of the next chunk (the prepared next slab included).
  std::size_t faulted_ahead_bytes() const {
    return static_cast<std::size_t>(headroom_.load(std::memory_order_relaxed));
  }

 private:
  static constexpr std::size_t kHugePageBytes = std::size_t{2} << 20;
  static constexpr std::size_t kSlabBytesMax = std::size_t{64} << 20;
  // prefault() asks for a fill when less than half of this is faulted ahead.
  static constexpr std::size_t kFillAheadBytes = 2 * kHugePageBytes;

  struct Slab {
    char* start = nullptr;
    std::size_t bytes = 0;
  };

  void* allocate_locked();
  bool headroom_low() const;               // less than half of kFillAheadBytes faulted ahead
  void request_fill();                     // wakes the helper, once until its next fill()
  void fill(bool wait_for_mutex);
  void prepare_spare(Slab slab);           // no lock held: allocates, faults in, installs
  Slab new_slab_locked();                  // mu_ held: sized, not yet allocated
  static void allocate_slab(Slab& slab);   // aligned_alloc and huge-page advice; null start: OOM
  void start_slab_locked(const Slab& slab, std::size_t faulted_bytes);
  void note_headroom();                    // mu_ held

  const std::size_t chunk_bytes_;
  std::function<void()> wake_helper_;      // constant once the arena is shared
  std::atomic<bool> fill_requested_{false};

  std::mutex mu_;
  std::vector<void*> slabs_;               // guarded by mu_: every slab, to free
  std::size_t next_slab_bytes_ = kHugePageBytes * 2;  // guarded by mu_
  char* next_ = nullptr;                   // guarded by mu_
  char* end_ = nullptr;                    // guarded by mu_
  char* faulted_end_ = nullptr;            // guarded by mu_: [slab start, here) is faulted in
  Slab spare_;                             // guarded by mu_: the next slab, prepared by fill()
  bool spare_in_progress_ = false;         // guarded by mu_: a fill() is preparing spare_
  std::size_t spare_faulted_bytes_ = 0;    // guarded by mu_: of spare_, from its start
  // Faulted memory ahead of the next chunk (spare slab included), published for
  // prefault()'s lock-free check.
  std::atomic<std::ptrdiff_t> headroom_{0};
};

}  // namespace codeledger::ledger::detail
