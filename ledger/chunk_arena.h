// Memory for CodeTable chunks (and the chunks ByteArenas bump-allocate from), carved from
// large slabs that ask the kernel for transparent huge pages (madvise). Why: a ledger of millions of codes is read at random, and with 4 KiB
// pages nearly every look-up also misses the TLB; and filling fresh memory one 4 KiB fault
// at a time was a sixth of a WAL replay's time (perf, 1M codes). Chunks are handed out
// uninitialised and live until the arena (one per Ledger) is destroyed.
#pragma once

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

 private:
  static constexpr std::size_t kHugePageBytes = std::size_t{2} << 20;
  static constexpr std::size_t kSlabBytesMax = std::size_t{64} << 20;

  void add_slab();

  const std::size_t chunk_bytes_;
  std::mutex mu_;
  std::vector<void*> slabs_;          // guarded by mu_
  std::size_t next_slab_bytes_ = kHugePageBytes * 2;
  char* next_ = nullptr;              // guarded by mu_
  char* end_ = nullptr;               // guarded by mu_
};

}  // namespace codeledger::ledger::detail
