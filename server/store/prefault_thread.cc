#include "server/store/prefault_thread.h"

#include "wal/thread_name.h"

namespace codeledger::store {

PrefaultThread::PrefaultThread(ledger::Ledger& ledger) : ledger_(ledger) {
  thread_ = std::thread([this] { run(); });
  wal::name_thread(thread_, "ledger-prefault");
  ledger_.hand_off_prefault([this] { wake(); });
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
