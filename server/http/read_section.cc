#include "server/http/read_section.h"

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>

#include "ledger/status.h"

namespace codeledger::server {

// One per reading thread, a cache line each: a reader's stores never touch another's line.
struct alignas(64) ReaderSlot {
  // Odd while the owning thread is inside a section; written by the owner only, read by
  // writers in wait_for_readers().
  std::atomic<std::uint64_t> sections{0};
  unsigned depth = 0;          // sections open on the owner (nesting); the owner's only
  bool taken = false;          // guarded by Registry::mu
  ReaderSlot* next = nullptr;  // set once, under Registry::mu
};

namespace {

struct Registry {
  std::mutex mu;                // taking or giving back a slot; held while a writer waits
  ReaderSlot* slots = nullptr;  // guarded by mu; slots are added, never removed
};

// Never destroyed: a thread may still end a section while static objects are torn down.
Registry& registry() {
  static Registry* const r = new Registry;
  return *r;
}

ReaderSlot* take_slot() {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  for (ReaderSlot* s = r.slots; s != nullptr; s = s->next) {
    if (!s->taken) {
      s->taken = true;
      return s;
    }
  }
  auto* s = new ReaderSlot;
  s->taken = true;
  s->next = r.slots;
  r.slots = s;
  return s;
}

// The calling thread's slot: taken at its first section, given back when it exits (its
// counter is even then, so no writer waits on it).
struct ThreadSlot {
  ReaderSlot* slot = nullptr;
  ~ThreadSlot() {
    if (slot == nullptr) return;
    std::lock_guard lock(registry().mu);
    slot->taken = false;
  }
};
thread_local ThreadSlot this_thread_slot;

ReaderSlot& my_slot() {
  ThreadSlot& mine = this_thread_slot;
  if (mine.slot == nullptr) mine.slot = take_slot();
  return *mine.slot;
}

// Until the section the slot was in when it read `seen` (odd) has ended. Sections are a
// table look-up or two: yielding lets a reader that was preempted inside one finish.
void wait_for_section_end(const ReaderSlot& slot, std::uint64_t seen) {
  while (slot.sections.load(std::memory_order_acquire) == seen) std::this_thread::yield();
}

}  // namespace

ReadSection::ReadSection() : slot_(&my_slot()) {
  if (slot_->depth++ != 0) return;
  // seq_cst: ordered before the table pointer's load that follows (see the header).
  slot_->sections.store(slot_->sections.load(std::memory_order_relaxed) + 1,
                        std::memory_order_seq_cst);
}

ReadSection::~ReadSection() {
  if (--slot_->depth != 0) return;
  // release: every read of the section happens before a writer's free that saw this.
  slot_->sections.store(slot_->sections.load(std::memory_order_relaxed) + 1,
                        std::memory_order_release);
}

void wait_for_readers() {
  CL_CHECK(!inside_read_section());
  Registry& r = registry();
  // Held throughout: a slot cannot change hands mid-walk (a thread that takes one now
  // begins its first section after this returns, and sees the new table).
  std::lock_guard lock(r.mu);
  for (const ReaderSlot* s = r.slots; s != nullptr; s = s->next) {
    const std::uint64_t seen = s->sections.load(std::memory_order_seq_cst);
    if (seen % 2 != 0) wait_for_section_end(*s, seen);
  }
}

bool inside_read_section() {
  const ReaderSlot* mine = this_thread_slot.slot;
  return mine != nullptr && mine->depth > 0;
}

}  // namespace codeledger::server
