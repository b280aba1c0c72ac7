// codeledgerd's clock for everything it stamps or decides by the calendar: event times,
// validity windows, token expiry, snapshot times and ages, log retention by age.
//
// Why not the system clock itself: a step of it while the server runs (an NTP step, a VM
// resumed with a stale clock) moved every decision at once, and the log, whose record times
// never go back, kept the stepped time: one request during a +1 year glitch stamped every
// later record of the run a year ahead, a code refused as expired was then redeemed and
// logged after its end, and tokens died early or lived a year (probe 35a).
//
// This clock runs on the monotonic clock and is set against the system clock only by
// resync(), which each io thread calls once a second. Between two resyncs it closes the
// gap the last one found at half speed (it runs at 1.5x or 0.5x until the gap is closed,
// then at 1x), so it follows the system clock exactly while the two agree (NTP's slewing
// included), a glitch moves it by at most half a second per resync that saw it, a lasting
// step of an hour is absorbed in two, and it never goes back. A reading takes one monotonic
// clock read and no lock (a sequence lock around the last resync's anchor and that read).
#pragma once

#include <atomic>
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

  std::int64_t now_ns() const;
  ledger::TimeMs now_ms() const { return now_ns() / 1'000'000; }
  // Measures the gap to the system clock and closes it from now on at half speed.
  void resync();
  // The system clock minus this one at the last resync: how far a step is still to be caught
  // up (positive: the system clock is ahead).
  std::int64_t offset_ns() const { return gap_ns_.load(std::memory_order_relaxed); }

  // The most the clock moves toward a gap between two resyncs (one a second closes at most
  // this much a second, at half speed).
  static constexpr std::int64_t kReachMaxNs = 500'000'000;

 private:
  struct Anchor {
    std::int64_t steady_ns;  // when the last resync ran, on the monotonic clock
    std::int64_t base_ns;    // this clock's reading then
    std::int64_t gap_ns;     // the system clock minus base_ns then
  };
  static std::int64_t reading(const Anchor& a, std::int64_t steady_ns);

  const NsSource system_ns_;
  const NsSource steady_ns_;
  std::mutex resync_mu_;                  // one resync at a time
  std::atomic<std::uint64_t> sequence_{0};  // odd while a resync writes the anchor
  std::atomic<std::int64_t> steady_ns_at_{0}, base_ns_{0}, gap_ns_{0};
};

// The process's clock: its reading, a resync, and its offset in seconds.
ledger::TimeMs service_clock_ms();
void resync_service_clock();
double service_clock_offset_seconds();
// The earlier of the process's clock and the system clock: what log retention measures a
// segment's age with. File times come from the system clock, so while a step back is
// caught up the process's clock would age a new segment by the step, and while a step
// forward is, the system clock would (probe 35a): the earlier never deletes early.
ledger::TimeMs retention_clock_ms();

}  // namespace codeledger::server
