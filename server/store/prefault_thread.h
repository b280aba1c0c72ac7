// The ledger's page-faulting helper (Ledger::hand_off_prefault): one thread that sleeps
// until a command finds too little record memory faulted in ahead, then faults the next
// megabytes in. Why a thread of its own: the kernel zeroing a fresh huge page takes 0.3 ms
// to 8 ms on this kind of VM, and on an io thread that time held up every request queued
// behind it (docs/benchmarks-history.md, session 8). The thread runs at SCHED_IDLE (see
// run_only_when_idle) so that it never takes the vCPU from an io thread.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "ledger/ledger.h"

namespace codeledger::store {

class PrefaultThread {
 public:
  // Hands the ledger's page faulting to a new thread named "ledger-prefault". The ledger
  // must outlive this object and must not be shared between threads yet.
  explicit PrefaultThread(ledger::Ledger& ledger);
  ~PrefaultThread();  // stops and joins the thread
  PrefaultThread(const PrefaultThread&) = delete;
  PrefaultThread& operator=(const PrefaultThread&) = delete;

  std::uint64_t fills() const;  // how many times the thread has run a fill

 private:
  static void run_only_when_idle(std::thread& t);
  void wake();
  void run();

  ledger::Ledger& ledger_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool requested_ = false;     // guarded by mu_
  bool stop_ = false;          // guarded by mu_
  std::uint64_t fills_ = 0;    // guarded by mu_
  std::thread thread_;
};

}  // namespace codeledger::store
