// Memory for one pending asynchronous operation of a session, Asio's custom handler
// allocation (its "allocation" example): the session binds its read and its write handlers
// to a slot each, so the operation Asio builds for them lives in the session instead of a
// heap block a request. Asio's own per-thread recycling keeps two blocks; in sync mode an io
// thread has all its connections' reads outstanding at once, then all their writes, so it
// overflowed and each request cost a memalign and a free (docs/benchmarks-history.md,
// session 36). An operation larger than the slot, or a second one while the slot is taken,
// falls back to the heap.
//
// Thread ownership: a slot is used only from its session's io thread.
#pragma once

#include <cstddef>
#include <new>

namespace codeledger::server {

class HandlerMemory {
 public:
  HandlerMemory() = default;
  HandlerMemory(const HandlerMemory&) = delete;
  HandlerMemory& operator=(const HandlerMemory&) = delete;

  void* allocate(std::size_t bytes) {
    if (!in_use_ && bytes <= sizeof storage_) {
      in_use_ = true;
      return storage_;
    }
    return ::operator new(bytes);
  }
  void deallocate(void* pointer) {
    if (pointer == storage_) {
      in_use_ = false;
      return;
    }
    ::operator delete(pointer);
  }

 private:
  // Room for Asio's composed write (two buffers) or a read, with their handler and executor.
  static constexpr std::size_t kBytes = 512;
  alignas(std::max_align_t) unsigned char storage_[kBytes];
  bool in_use_ = false;
};

// The standard allocator interface over a HandlerMemory, for net::bind_allocator.
template <class T>
class HandlerAllocator {
 public:
  using value_type = T;
  explicit HandlerAllocator(HandlerMemory& memory) noexcept : memory_(&memory) {}
  template <class U>
  HandlerAllocator(const HandlerAllocator<U>& other) noexcept : memory_(other.memory_) {}  // NOLINT

  T* allocate(std::size_t n) { return static_cast<T*>(memory_->allocate(sizeof(T) * n)); }
  void deallocate(T* p, std::size_t) { memory_->deallocate(p); }

  template <class U>
  bool operator==(const HandlerAllocator<U>& other) const noexcept { return memory_ == other.memory_; }

 private:
  template <class>
  friend class HandlerAllocator;
  HandlerMemory* memory_;
};

}  // namespace codeledger::server
