// Open loop with --spin: each client thread keeps its connections' next send times itself and
// checks its clock between polls of its io_context, instead of arming an Asio timer for every
// request. A timer a request cost the load generator a timerfd_settime system call each
// (16 % of its CPU in an open loop at 34,000 requests/s, and a sleep and wake-up between
// sends), so at half the server's rate the load generator was 88-94 % busy and every vCPU
// stall left it behind its own schedule (docs/benchmarks-history.md, session 31). Spinning
// takes a whole CPU per client thread: give the load generator its own CPUs.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <queue>
#include <vector>

namespace codeledger::bench {

class Connection;

class Pacer {
 public:
  using Clock = std::chrono::steady_clock;

  void schedule(Clock::time_point at, std::shared_ptr<Connection> connection);
  // Sends (Connection::on_slot) for every connection whose time has come, in time order;
  // returns how many.
  std::size_t release_due(Clock::time_point now);
  bool empty() const { return waiting_.empty(); }

 private:
  struct Waiting {
    Clock::time_point at;
    std::shared_ptr<Connection> connection;
    bool operator>(const Waiting& other) const { return at > other.at; }
  };
  std::priority_queue<Waiting, std::vector<Waiting>, std::greater<>> waiting_;
};

}  // namespace codeledger::bench
