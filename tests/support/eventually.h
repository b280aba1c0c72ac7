// Waiting in tests for another thread to act: poll a condition until it holds or a deadline
// passes. A check that something did NOT happen first waits this way for a sign that the
// thread has had its chance to do it; after a bare sleep, a thread that simply has not run yet
// on a loaded machine passes the check whether or not the code is right.
#pragma once

#include <chrono>
#include <thread>

namespace codeledger::testing {

// True once pred() holds, polled every millisecond; false when it still does not after
// `within` (long: a deadline is for a hung or wrong component, not for a slow machine).
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds within = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return pred();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace codeledger::testing
