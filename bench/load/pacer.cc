#include "bench/load/pacer.h"

#include <utility>

#include "bench/load/connection.h"

namespace codeledger::bench {

void Pacer::schedule(Clock::time_point at, std::shared_ptr<Connection> connection) {
  waiting_.push(Waiting{at, std::move(connection)});
}

std::size_t Pacer::release_due(Clock::time_point now) {
  std::size_t released = 0;
  while (!waiting_.empty() && waiting_.top().at <= now) {
    const Waiting due = waiting_.top();
    waiting_.pop();
    due.connection->on_slot(due.at);
    ++released;
  }
  return released;
}

SharedSchedule::SharedSchedule(Clock::time_point first, Clock::duration interval,
                               const std::atomic<bool>& stop, boost::asio::steady_timer* timer,
                               Clock::time_point deadline)
    : next_slot_(first), interval_(interval), stop_(stop), timer_(timer), deadline_(deadline) {}

bool SharedSchedule::over() const {
  return stop_.load(std::memory_order_relaxed) || next_slot_ >= deadline_;
}

void SharedSchedule::ready(std::shared_ptr<Connection> connection, Clock::time_point now) {
  if (next_slot_ <= now || over()) return send_next_slot(std::move(connection));
  idle_.push_back(std::move(connection));
  arm_timer();
}

std::size_t SharedSchedule::release_due(Clock::time_point now) {
  std::size_t released = 0;
  while (!idle_.empty() && (over() || next_slot_ <= now)) {
    std::shared_ptr<Connection> connection = std::move(idle_.front());
    idle_.pop_front();
    send_next_slot(std::move(connection));
    ++released;
  }
  arm_timer();
  return released;
}

void SharedSchedule::send_next_slot(std::shared_ptr<Connection> connection) {
  const Clock::time_point slot = next_slot_;
  // A stopping run hands out slots only to close the idle connections: nothing is sent, so
  // the slot stays unsent (unsent_before). A slot at or past the deadline closes them too
  // (Connection::on_slot): it is not the run's.
  if (!over()) next_slot_ += interval_;
  connection->on_slot(slot);
}

std::uint64_t SharedSchedule::unsent_before(Clock::time_point end) const {
  if (next_slot_ >= end) return 0;
  return static_cast<std::uint64_t>((end - next_slot_ + interval_ - Clock::duration(1)) / interval_);
}

void SharedSchedule::arm_timer() {
  if (timer_ == nullptr || timer_armed_ || idle_.empty()) return;
  timer_armed_ = true;
  timer_->expires_at(next_slot_);
  timer_->async_wait([this](boost::system::error_code) {
    timer_armed_ = false;
    release_due(Clock::now());
  });
}

}  // namespace codeledger::bench
