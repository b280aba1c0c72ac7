// Append-only memory for one shard's variable-length records (transaction identifiers,
// redemption items, redemption records): bump allocation out of chunks taken from a shared
// ChunkArena. Why: a redemption used to cost five heap allocations (a string per
// identifier, a vector of items, a link's copy of the identifier) and as many malloc
// headers; here it costs a few pointer bumps, and its memory comes in huge-page slabs that
// fault in rarely. Nothing is freed before the arena is destroyed: redemptions are never
// deleted, and a replaced one (an odd snapshot only) leaves its old bytes behind.
//
// Thread safety: none of its own; guarded by the owning shard's mutex. The ChunkArena it
// draws from is thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ledger/chunk_arena.h"

namespace codeledger::ledger::detail {

class ByteArena {
 public:
  explicit ByteArena(ChunkArena& chunks) : chunks_(chunks) {}
  ByteArena(const ByteArena&) = delete;
  ByteArena& operator=(const ByteArena&) = delete;

  // bytes of uninitialised memory aligned to align (a power of two, at most
  // alignof(std::max_align_t)), valid until the arena is destroyed.
  void* allocate(std::size_t bytes, std::size_t align) {
    auto at = reinterpret_cast<std::uintptr_t>(next_);
    std::uintptr_t aligned = (at + align - 1) & ~std::uintptr_t{align - 1};
    if (next_ != nullptr && aligned + bytes <= reinterpret_cast<std::uintptr_t>(end_) &&
        bytes <= oversize_bytes()) {
      next_ = reinterpret_cast<char*>(aligned + bytes);
      return reinterpret_cast<void*>(aligned);
    }
    return allocate_slow(bytes, align);
  }

  std::string_view copy(std::string_view s) {
    if (s.empty()) return {};
    char* p = static_cast<char*>(allocate(s.size(), 1));
    std::memcpy(p, s.data(), s.size());
    return {p, s.size()};
  }

  // Only for types that need no constructor or destructor run: the bytes are the object.
  template <class T>
  const T* copy(std::span<const T> v) {
    static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);
    if (v.empty()) return nullptr;
    T* p = static_cast<T*>(allocate(v.size_bytes(), alignof(T)));
    std::memcpy(static_cast<void*>(p), v.data(), v.size_bytes());
    return p;
  }

 private:
  // Requests above this get a block of their own rather than a chunk's tail, so a rare big
  // one never wastes most of a chunk.
  std::size_t oversize_bytes() const { return chunks_.chunk_bytes() / 8; }
  void* allocate_slow(std::size_t bytes, std::size_t align);  // new chunk or oversize block

  ChunkArena& chunks_;
  char* next_ = nullptr;
  char* end_ = nullptr;
  std::vector<std::unique_ptr<std::max_align_t[]>> oversize_;
};

// An append-only array of trivially destructible T in chunks of kChunk elements carved
// from a ByteArena: elements never move (indices and pointers stay valid) and growing never
// copies, where a std::vector would copy everything at each doubling and keep up to twice
// the memory it needs. Guarded like its arena.
template <class T, std::uint32_t kChunk>
class ArenaVec {
  static_assert(std::is_trivially_destructible_v<T>, "elements are never destroyed");

 public:
  explicit ArenaVec(ByteArena& bytes) : bytes_(bytes) {}
  ArenaVec(const ArenaVec&) = delete;
  ArenaVec& operator=(const ArenaVec&) = delete;

  std::uint32_t size() const { return size_; }
  T& operator[](std::uint32_t i) { return chunks_[i / kChunk][i % kChunk]; }
  const T& operator[](std::uint32_t i) const { return chunks_[i / kChunk][i % kChunk]; }
  T& push_back(const T& v) {
    if (size_ % kChunk == 0) {
      chunks_.push_back(static_cast<T*>(bytes_.allocate(sizeof(T) * kChunk, alignof(T))));
    }
    T* slot = &(*this)[size_++];
    return *new (slot) T(v);
  }

 private:
  ByteArena& bytes_;
  std::vector<T*> chunks_;
  std::uint32_t size_ = 0;
};

}  // namespace codeledger::ledger::detail
