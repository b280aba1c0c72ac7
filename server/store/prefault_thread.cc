#include "server/store/prefault_thread.h"

#include <pthread.h>
#include <sched.h>

#include "wal/thread_name.h"

namespace codeledger::store {

PrefaultThread::PrefaultThread(ledger::Ledger& ledger) : ledger_(ledger) {
  thread_ = std::thread([this] { run(); });
  wal::name_thread(thread_, "ledger-prefault");
  run_only_when_idle(thread_);
  ledger_.hand_off_prefault([this] { wake(); });
}

// SCHED_IDLE: the thread runs only on a vCPU nothing else wants. Why: at the default
// priority the woken helper preempted the io thread on its vCPU for the whole 2 MiB it
// zeroes, and an open-loop redeem run's p99 grew with it (seven turns at 16,500 req/s,
// median p99 5.9 ms; with the helper at SCHED_IDLE 2.9 ms; docs/benchmarks-history.md, sessions 9
// and 11). A starved helper costs nothing worse than no helper: memory it has not reached
// yet faults in on first touch, as without one (closed-loop throughput was the same either
// way). Advice only: if the kernel refuses, the thread keeps the default.
void PrefaultThread::run_only_when_idle(std::thread& t) {
  sched_param param{};
  param.sched_priority = 0;
  (void)pthread_setschedparam(t.native_handle(), SCHED_IDLE, &param);
}

PrefaultThread::~PrefaultThread() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
  // Traffic has stopped (the store is closing): a later command faults memory in itself
  // rather than waking a thread that is gone.
  ledger_.hand_off_prefault({});
}

std::uint64_t PrefaultThread::fills() const {
  std::lock_guard lock(mu_);
  return fills_;
}

// On a command's thread, at most once per fill (the ledger's arena keeps the flag).
void PrefaultThread::wake() {
  {
    std::lock_guard lock(mu_);
    requested_ = true;
  }
  cv_.notify_one();
}

void PrefaultThread::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || requested_; });
    if (stop_) return;
    requested_ = false;
    lock.unlock();
    ledger_.prefault_memory();
    lock.lock();
    ++fills_;
  }
}

}  // namespace codeledger::store
