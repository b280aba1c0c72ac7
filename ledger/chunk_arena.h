// Memory for CodeTable chunks (and the chunks ByteArenas bump-allocate from), carved from
// large slabs that ask the kernel for transparent huge pages (madvise). Why: a ledger of
// millions of codes is read at random, and with 4 KiB pages nearly every look-up also
// misses the TLB; and filling fresh memory one 4 KiB fault at a time was a sixth of a WAL
// replay's time (perf, 1M codes). Chunks are handed out uninitialised and live until the
// arena (one per Ledger) is destroyed.
#pragma once

#include <atomic>
#include <cstddef>
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

  // Faults in the slab memory the next chunks will come from. Why: chunks are first
  // written under a shard lock, and the kernel zeroing a fresh huge page there (hundreds
  // of microseconds on a VM) stalled every other thread that needed that shard. Called
  // before a command takes its locks; a load and a compare when enough is faulted already;
  // never waits for the arena's mutex and never holds it while pages fault. Thread-safe.
  void prefault();

 private:
  static constexpr std::size_t kHugePageBytes = std::size_t{2} << 20;
  static constexpr std::size_t kSlabBytesMax = std::size_t{64} << 20;

  // prefault() keeps this much faulted ahead of the next chunk: one huge page.
  static constexpr std::size_t kPrefaultBytes = kHugePageBytes;

  void add_slab();
  void note_headroom();  // mu_ held

  const std::size_t chunk_bytes_;
  std::mutex mu_;
  std::vector<void*> slabs_;          // guarded by mu_
  std::size_t next_slab_bytes_ = kHugePageBytes * 2;
  char* next_ = nullptr;              // guarded by mu_
  char* end_ = nullptr;               // guarded by mu_
  char* faulted_end_ = nullptr;       // guarded by mu_: [slab start, here) is faulted in
  // faulted_end_ - next_, published for prefault()'s lock-free check.
  std::atomic<std::ptrdiff_t> headroom_{0};
};

}  // namespace codeledger::ledger::detail
