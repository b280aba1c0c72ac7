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
    : system_ns_(std::move(system_ns)), steady_ns_(std::move(steady_ns)) {
  steady_ns_at_.store(steady_ns_(), std::memory_order_relaxed);
  base_ns_.store(system_ns_(), std::memory_order_relaxed);
}

// 1x plus half speed toward the gap until it is closed, or until kReachMaxNs of it is: if
// the resyncs stall (a stopped process, heavy swapping), a glitch the last one saw moves
// the clock no further (probe 35e: half the stall without the cap). A monotonic reading
// taken before the anchor counts as the anchor's own moment, so no reading is below the
// anchor's base.
std::int64_t ServiceClock::reading(const Anchor& a, std::int64_t steady_ns) {
  const std::int64_t elapsed = std::max<std::int64_t>(0, steady_ns - a.steady_ns);
  const std::int64_t catch_up =
      std::min({elapsed / 2, a.gap_ns < 0 ? -a.gap_ns : a.gap_ns, kReachMaxNs});
  return a.base_ns + elapsed + (a.gap_ns < 0 ? -catch_up : catch_up);
}

// A sequence lock, with the monotonic clock read inside it: a reading that used an anchor
// took its monotonic time before the next resync took its own (that resync had not begun
// when the reading checked), so the next anchor's base, this line at the resync's time,
// is at least every reading made on the line before. Taking the time outside let a reader
// pair an old anchor with a time after the new one's, and readings went back when the
// speed changed (ConcurrentReadingsNeverGoBackWhileItResyncs).
std::int64_t ServiceClock::now_ns() const {
  for (;;) {
    const std::uint64_t before = sequence_.load(std::memory_order_acquire);
    if (before % 2 != 0) continue;  // a resync is writing
    const Anchor a{steady_ns_at_.load(std::memory_order_relaxed),
                   base_ns_.load(std::memory_order_relaxed), gap_ns_.load(std::memory_order_relaxed)};
    const std::int64_t steady = steady_ns_();
    std::atomic_thread_fence(std::memory_order_acquire);
    if (sequence_.load(std::memory_order_relaxed) == before) return reading(a, steady);
  }
}

void ServiceClock::resync() {
  std::lock_guard lock(resync_mu_);
  const std::uint64_t seq = sequence_.load(std::memory_order_relaxed);
  sequence_.store(seq + 1, std::memory_order_relaxed);
  // Readers see the odd sequence before this thread reads the monotonic clock.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  const Anchor last{steady_ns_at_.load(std::memory_order_relaxed),
                    base_ns_.load(std::memory_order_relaxed), gap_ns_.load(std::memory_order_relaxed)};
  const std::int64_t at = std::max(steady_ns_(), last.steady_ns);
  const std::int64_t base = reading(last, at);
  const std::int64_t gap = system_ns_() - base;
  steady_ns_at_.store(at, std::memory_order_relaxed);
  base_ns_.store(base, std::memory_order_relaxed);
  gap_ns_.store(gap, std::memory_order_relaxed);
  sequence_.store(seq + 2, std::memory_order_release);
}

ledger::TimeMs service_clock_ms() { return process_clock().now_ms(); }

void resync_service_clock() { process_clock().resync(); }

ledger::TimeMs retention_clock_ms() {
  return std::min(service_clock_ms(), system_ns() / 1'000'000);
}

double service_clock_offset_seconds() {
  return static_cast<double>(process_clock().offset_ns()) / 1e9;
}

}  // namespace codeledger::server
