// Freeing a table that lock-free readers may still be reading: a minimal userspace RCU for
// the tables a reload replaces (API keys in auth.h, per-key limits in rate_limit.h).
//
// A reader holds a ReadSection for as long as it uses a pointer it loaded from a published
// table; it takes no lock and waits for nothing. A writer publishes the new table, then
// calls wait_for_readers(), which returns once every ReadSection that had begun (on any
// thread) when it was called has ended; only then does it free the old table. Each reload
// therefore frees the table it replaces, and memory no longer grows with every reload
// (probe 36a: about 685 B per key per reload were kept until the process ended).
//
// Why no reader can touch a freed table: each thread has a slot whose counter is odd while
// the thread is inside a section. Entering stores the odd value, then the reader loads the
// table pointer; the writer stores the new pointer, then reads every slot. All four are
// seq_cst, so in their single total order either the writer's read of a slot comes after
// the reader's entry (the writer sees it odd and waits until it changes, i.e. the section
// ended, with release/acquire ordering every access of the section before the free), or it
// comes before, and then the reader's later pointer load comes after the writer's store
// and returns the new table. A section that begins after the writer read its slot is of the
// second kind. Sections nest on one thread (only the outermost marks the slot).
//
// Rules for callers: sections are short and never wait for a writer; a writer must not
// call wait_for_readers() from inside a section (it would wait for itself: checked), nor
// while holding a lock that a reader may take inside a section (Auth releases tokens_mu_
// first). The pointers a section loads must not be kept after it ends: copy what outlives it.
//
// Threads: any thread may read; a thread's slot is taken at its first section and handed
// back when the thread exits (slots are reused, never freed: one cache line per thread that
// ever read at the same time). wait_for_readers() may be called from any thread.
#pragma once

namespace codeledger::server {

struct ReaderSlot;

class ReadSection {
 public:
  ReadSection();
  ~ReadSection();
  ReadSection(const ReadSection&) = delete;
  ReadSection& operator=(const ReadSection&) = delete;

 private:
  ReaderSlot* slot_;
};

// Returns once every ReadSection that had begun when it was called has ended. It visits the
// threads one by one, so a section that begins on a thread not yet visited may be waited
// for too; a thread that keeps reading cannot hold it off (it waits for the section it saw
// to end, not for the thread to stop reading).
void wait_for_readers();

// Whether the calling thread is inside a ReadSection (for checks and tests).
bool inside_read_section();

}  // namespace codeledger::server
