// The lock of a ledger shard: glibc's adaptive mutex, which spins for a short while before
// it sleeps. Why not std::mutex: it sleeps in the kernel at the first sign of contention,
// and a shard is held for about a microsecond, while a futex sleep and wake-up costs
// several (more on a VM, where the wake-up is an inter-processor interrupt): two threads
// that met on a shard lost far more to the sleep than to the wait.
#pragma once

#include <pthread.h>

namespace codeledger::ledger::detail {

class ShardMutex {
 public:
  ShardMutex() {
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
    pthread_mutex_init(&m_, &attr);
    pthread_mutexattr_destroy(&attr);
  }
  ~ShardMutex() { pthread_mutex_destroy(&m_); }
  ShardMutex(const ShardMutex&) = delete;
  ShardMutex& operator=(const ShardMutex&) = delete;

  void lock() { pthread_mutex_lock(&m_); }
  bool try_lock() { return pthread_mutex_trylock(&m_) == 0; }
  void unlock() { pthread_mutex_unlock(&m_); }

 private:
  pthread_mutex_t m_;
};

}  // namespace codeledger::ledger::detail
