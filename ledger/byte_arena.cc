// Bump allocation for a shard's variable-length records (see byte_arena.h).
#include "ledger/byte_arena.h"

#include <cstdint>

#include "ledger/status.h"

namespace codeledger::ledger::detail {

void* ByteArena::allocate(std::size_t bytes, std::size_t align) {
  CL_CHECK(align != 0 && (align & (align - 1)) == 0 && align <= alignof(std::max_align_t));
  if (bytes > oversize_bytes()) {
    const std::size_t units = (bytes + sizeof(std::max_align_t) - 1) / sizeof(std::max_align_t);
    oversize_.emplace_back(new std::max_align_t[units]);
    return oversize_.back().get();
  }
  auto at = reinterpret_cast<std::uintptr_t>(next_);
  std::uintptr_t aligned = (at + align - 1) & ~std::uintptr_t{align - 1};
  if (next_ == nullptr || aligned + bytes > reinterpret_cast<std::uintptr_t>(end_)) {
    // The rest of the current chunk (less than one oversize request) is given up.
    next_ = static_cast<char*>(chunks_.allocate());
    end_ = next_ + chunks_.chunk_bytes();
    aligned = reinterpret_cast<std::uintptr_t>(next_);  // chunks are max-aligned
  }
  next_ = reinterpret_cast<char*>(aligned + bytes);
  return reinterpret_cast<void*>(aligned);
}

}  // namespace codeledger::ledger::detail
