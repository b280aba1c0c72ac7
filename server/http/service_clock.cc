#include "server/http/service_clock.h"

#include <algorithm>
#include <chrono>

namespace codeledger::server {

namespace {

std::int64_t system_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

ServiceClock& process_clock() {
  static ServiceClock clock(system_ns, steady_ns);
  return clock;
}

}  // namespace

ServiceClock::ServiceClock(NsSource system_ns, NsSource steady_ns)
    : system_ns_(std::move(system_ns)),
      steady_ns_(std::move(steady_ns)),
      now_ns_(system_ns_()),
      last_steady_ns_(steady_ns_()) {}

std::int64_t ServiceClock::now_ns() {
  const std::int64_t steady = steady_ns_();
  const std::int64_t target = system_ns_();
  std::lock_guard lock(mu_);
  // Another thread may have read the steady clock later and taken the lock first.
  const std::int64_t elapsed = std::max<std::int64_t>(0, steady - last_steady_ns_);
  last_steady_ns_ = std::max(last_steady_ns_, steady);
  const std::int64_t plain = now_ns_ + elapsed;
  // Within reach of the system clock: on it; else that much closer. The reach is half the
  // time since the last reading, so the clock never goes back, and at most kReachMaxNs, so
  // a reading after a long quiet spell cannot carry a glitch far (probe 35a re-run: 60 s
  // after two idle minutes). Each io thread reads it once a second, so a lasting step is
  // still caught up at half speed.
  const std::int64_t reach = std::min(elapsed / 2, kReachMaxNs);
  now_ns_ = std::clamp(target, plain - reach, plain + reach);
  offset_ns_ = target - now_ns_;
  return now_ns_;
}

std::int64_t ServiceClock::offset_ns() const {
  std::lock_guard lock(mu_);
  return offset_ns_;
}

ledger::TimeMs service_clock_ms() { return process_clock().now_ms(); }

ledger::TimeMs retention_clock_ms() {
  return std::min(service_clock_ms(), system_ns() / 1'000'000);
}

double service_clock_offset_seconds() {
  return static_cast<double>(process_clock().offset_ns()) / 1e9;
}

}  // namespace codeledger::server
