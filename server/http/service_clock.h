// codeledgerd's clock for everything it stamps or decides by the calendar: event times,
// validity windows, token expiry, snapshot times and ages, log retention by age.
//
// Why not the system clock itself: a step of it while the server runs (an NTP step, a VM
// resumed with a stale clock) moved every decision at once, and the log, whose record times
// never go back, kept the stepped time: one request during a +1 year glitch stamped every
// later record of the run a year ahead, a code refused as expired was then redeemed and
// logged after its end, and tokens died early or lived a year (probe 35a). This clock
// starts at the system clock and follows it exactly while the two agree to within half
// the time that passed since the last reading (ordinary NTP slewing included). When the
// system clock steps, it does not jump: it runs at 1.5x or 0.5x until it has caught up (at
// most half a second a reading), so a glitch moves it by half its length (plus at most half
// a second), a lasting step of an hour is absorbed in two, and it never goes back.
// Thread-safe; one short mutex hold a reading.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>

#include "ledger/types.h"

namespace codeledger::server {

class ServiceClock {
 public:
  using NsSource = std::function<std::int64_t()>;
  // Nanosecond sources: the calendar clock to follow and a monotonic one to run on.
  ServiceClock(NsSource system_ns, NsSource steady_ns);

  std::int64_t now_ns();
  ledger::TimeMs now_ms() { return now_ns() / 1'000'000; }
  // The system clock minus this one at the last reading: how far a step is still to be
  // caught up (positive: the system clock is ahead).
  std::int64_t offset_ns() const;

  // The most one reading moves the clock toward a stepped system clock.
  static constexpr std::int64_t kReachMaxNs = 500'000'000;

 private:
  const NsSource system_ns_;
  const NsSource steady_ns_;
  mutable std::mutex mu_;
  std::int64_t now_ns_;          // guarded by mu_: the last reading
  std::int64_t last_steady_ns_;  // guarded by mu_
  std::int64_t offset_ns_ = 0;   // guarded by mu_
};

// The process's clock (the system and steady clocks), and its offset in seconds.
ledger::TimeMs service_clock_ms();
double service_clock_offset_seconds();
// The earlier of the process's clock and the system clock: what log retention measures a
// segment's age with. File times come from the system clock, so while a step back is
// caught up the process's clock would age a new segment by the step, and while a step
// forward is, the system clock would (probe 35a): the earlier never deletes early.
ledger::TimeMs retention_clock_ms();

}  // namespace codeledger::server
