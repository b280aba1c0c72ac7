// Open-loop schedules a client thread keeps itself.
//
// Pacer (--spin): each client thread keeps its connections' next send times itself and
// checks its clock between polls of its io_context, instead of arming an Asio timer for every
// request. A timer a request cost the load generator a timerfd_settime system call each
// (16 % of its CPU in an open loop at 34,000 requests/s, and a sleep and wake-up between
// sends), so at half the server's rate the load generator was 88-94 % busy and every vCPU
// stall left it behind its own schedule (docs/benchmarks-history.md, session 31). Spinning
// takes a whole CPU per client thread: give the load generator its own CPUs.
//
// SharedSchedule (--pool): one schedule for all of a client thread's connections, each slot
// sent on whichever connection is idle, as a checkout service's pooled HTTP client sends on
// any free connection. In the default model (wrk2's) each connection owns every C-th slot,
// so one slow answer holds that connection's next slot even while the others sit idle: at 64
// connections and 38,000 requests/s a connection's slot comes every 1.7 ms, and sync's
// answers that took longer tripled its tail (docs/benchmarks-history.md, session 32). Either
// way a slot that finds no connection free waits, and its latency still runs from its slot.
#pragma once

#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <queue>
#include <vector>

namespace codeledger::bench {

class Connection;

// What the spinning client thread asks of its schedule (runner.cc, spin).
class SlotSource {
 public:
  using Clock = std::chrono::steady_clock;
  virtual ~SlotSource() = default;
  // Sends (Connection::on_slot) whatever is due at `now`, in slot order; returns how many.
  virtual std::size_t release_due(Clock::time_point now) = 0;
  virtual bool empty() const = 0;  // no connection waits in it
};

class Pacer final : public SlotSource {
 public:
  void schedule(Clock::time_point at, std::shared_ptr<Connection> connection);
  std::size_t release_due(Clock::time_point now) override;
  bool empty() const override { return waiting_.empty(); }

 private:
  struct Waiting {
    Clock::time_point at;
    std::shared_ptr<Connection> connection;
    bool operator>(const Waiting& other) const { return at > other.at; }
  };
  std::priority_queue<Waiting, std::vector<Waiting>, std::greater<>> waiting_;
};

class SharedSchedule final : public SlotSource {
 public:
  // Slots at first, first + interval, ... With a `timer` (not spinning), the schedule arms
  // it for its next slot whenever a connection waits; spinning, the loop calls release_due.
  // Once `stop` is set, or the next slot is at or past `deadline` (no slot there is sent),
  // the idle connections are handed their slot at once, which closes them.
  SharedSchedule(Clock::time_point first, Clock::duration interval, const std::atomic<bool>& stop,
                 boost::asio::steady_timer* timer = nullptr,
                 Clock::time_point deadline = Clock::time_point::max());

  // A connection with nothing in flight: it sends at once if a slot is due (the oldest due
  // one, whose latency carries the wait), otherwise it waits, idle connections in turn.
  void ready(std::shared_ptr<Connection> connection, Clock::time_point now);
  std::size_t release_due(Clock::time_point now) override;
  bool empty() const override { return idle_.empty(); }
  // After the run: slots due before `end` that no connection was given (they were all busy).
  std::uint64_t unsent_before(Clock::time_point end) const;

 private:
  void send_next_slot(std::shared_ptr<Connection> connection);
  void arm_timer();
  // Stopped, or out of slots: every slot from here is at or past the deadline.
  bool over() const;

  Clock::time_point next_slot_;
  Clock::duration interval_;
  const std::atomic<bool>& stop_;
  boost::asio::steady_timer* timer_;
  Clock::time_point deadline_;
  bool timer_armed_ = false;
  std::deque<std::shared_ptr<Connection>> idle_;
};

}  // namespace codeledger::bench
