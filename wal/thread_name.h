// Names a thread (Linux: at most 15 characters), so `top -H`, perf and /proc/PID/task/*/comm
// tell the WAL writer, sync lanes and io threads apart. Named by its creator right after
// the start, so the name is there as soon as the constructor returns.
#pragma once

#include <pthread.h>

#include <thread>

namespace codeledger::wal {

inline void name_thread(std::thread& t, const char* name) {
  (void)pthread_setname_np(t.native_handle(), name);
}

}  // namespace codeledger::wal
