// How long a store operation took (recovery, a snapshot build): milliseconds on the steady
// clock since the stopwatch was made, so a wall-clock step cannot make it negative.
#pragma once

#include <chrono>
#include <cstdint>

namespace codeledger::store {

class Stopwatch {
 public:
  std::int64_t elapsed_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now() - started_)
        .count();
  }

 private:
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace codeledger::store
