// Whether a thread of this process is asleep, and how often it has gone to sleep, from
// /proc/self/task/TID (Linux): tests of a component that must wait (rest, stay idle) use them
// as the sign that it did wait, rather than a sleep after which it may simply not have run.
#pragma once

#include <fstream>
#include <string>

#include "tests/support/thread_names.h"

namespace codeledger::testing {

// This process's thread of that name (the first found), or 0.
inline int thread_id(const std::string& name) {
  for (const auto& t : named_threads()) {
    if (t.name == name) return t.tid;
  }
  return 0;
}

// Voluntary context switches of thread tid (each one a sleep: a wait, a blocking call), or -1
// when there is no such thread.
inline long voluntary_sleeps(int tid) {
  std::ifstream status("/proc/self/task/" + std::to_string(tid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("voluntary_ctxt_switches:", 0) == 0) return std::stol(line.substr(24));
  }
  return -1;
}

// True when thread tid is blocked in an interruptible wait (state S: a condition variable, a
// sleep), false when it runs, waits for the CPU or is gone.
inline bool asleep(int tid) {
  std::ifstream stat("/proc/self/task/" + std::to_string(tid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const auto name_end = line.rfind(')');  // the name may hold spaces and parentheses
  return name_end != std::string::npos && line.size() > name_end + 2 && line[name_end + 2] == 'S';
}

}  // namespace codeledger::testing
