// Bump allocation for a shard's variable-length records (see byte_arena.h).
#include "ledger/byte_arena.h"

#include "ledger/status.h"

namespace codeledger::ledger::detail {

void* ByteArena::allocate_slow(std::size_t bytes, std::size_t align) {
  CL_CHECK(align != 0 && (align & (align - 1)) == 0 && align <= alignof(std::max_align_t));
  if (bytes > oversize_bytes()) {
    const std::size_t units = (bytes + sizeof(std::max_align_t) - 1) / sizeof(std::max_align_t);
    oversize_.emplace_back(new std::max_align_t[units]);
    return oversize_.back().get();
  }
  // The rest of the current chunk (less than one oversize request) is given up.
  next_ = static_cast<char*>(chunks_.allocate());  // max-aligned
  end_ = next_ + chunks_.chunk_bytes();
  void* p = next_;
  next_ += bytes;
  return p;
}

}  // namespace codeledger::ledger::detail
