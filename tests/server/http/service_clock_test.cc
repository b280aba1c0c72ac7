// ServiceClock: on the system clock while the two agree; a step of the system clock, seen
// by a resync, is caught up at half speed either way, and the clock never goes back
// (probe 35a).
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "server/http/service_clock.h"

namespace codeledger::server {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kStart = 1'796'640'000 * kSecond;  // 2026-12-07

// A system clock that can be stepped and a steady clock, both moved by hand.
struct Clocks {
  std::int64_t system = kStart;
  std::int64_t steady = 5 * kSecond;
  void pass(std::int64_t ns) {
    system += ns;
    steady += ns;
  }
  ServiceClock clock() {
    return ServiceClock([this] { return system; }, [this] { return steady; });
  }
};

// `seconds` of a server's life: a resync a second, as each io thread's tick makes.
void run(Clocks& c, ServiceClock& clock, int seconds) {
  for (int i = 0; i < seconds; ++i) {
    c.pass(kSecond);
    clock.resync();
  }
}

TEST(ServiceClock, FollowsTheSystemClockWhileTheyAgreeSlewingIncluded) {
  Clocks c;
  ServiceClock clock = c.clock();
  EXPECT_EQ(clock.now_ns(), kStart);
  run(c, clock, 1);
  EXPECT_EQ(clock.now_ns(), kStart + kSecond);
  c.system += kSecond / 1000;  // NTP slewing: 1 ms over the next second
  run(c, clock, 1);
  EXPECT_EQ(clock.offset_ns(), kSecond / 1000) << "the resync saw the slewed millisecond";
  c.pass(kSecond / 2);
  EXPECT_EQ(clock.now_ns(), c.system);
  clock.resync();
  EXPECT_EQ(clock.offset_ns(), 0);
}

TEST(ServiceClock, AGlitchBetweenTwoResyncsIsNotSeenAtAll) {
  Clocks c;
  ServiceClock clock = c.clock();
  c.system += 365LL * 86'400 * kSecond;
  c.pass(kSecond / 2);
  EXPECT_EQ(clock.now_ns(), kStart + kSecond / 2) << "readings do not look at the system clock";
  c.system -= 365LL * 86'400 * kSecond;
  run(c, clock, 1);
  EXPECT_EQ(clock.now_ns(), c.system);
}

// A glitch that a resync saw moves the clock by at most half a second, whatever the idle
// time before it (probe 35a's re-run: a reading after two idle minutes carried it 60 s).
TEST(ServiceClock, AGlitchAResyncSawMovesItByAtMostHalfASecondAndItNeverGoesBack) {
  Clocks c;
  ServiceClock clock = c.clock();
  c.pass(120 * kSecond);
  c.system += 365LL * 86'400 * kSecond;
  clock.resync();
  const std::int64_t at_glitch = clock.now_ns();
  EXPECT_EQ(at_glitch, kStart + 120 * kSecond);
  c.pass(kSecond);
  EXPECT_EQ(clock.now_ns(), at_glitch + kSecond + kSecond / 2) << "1.5x for the second";
  c.system -= 365LL * 86'400 * kSecond;
  clock.resync();
  EXPECT_EQ(clock.offset_ns(), -kSecond / 2);
  c.pass(kSecond / 2);
  EXPECT_EQ(clock.now_ns(), at_glitch + kSecond + kSecond / 2 + kSecond / 2 - kSecond / 4)
      << "0.5x: half a second of time less a quarter of catching up";
  c.pass(kSecond / 2);
  EXPECT_EQ(clock.now_ns(), c.system) << "caught up";
  c.pass(kSecond);
  EXPECT_EQ(clock.now_ns(), c.system) << "then at 1x";
}

// Probe 35e: a glitch a resync saw, corrected while the process was stopped for 10 s (no
// resync meanwhile), carried the clock 5 s ahead; it moves half a second at most.
TEST(ServiceClock, AGlitchAResyncSawMovesItNoFurtherWhileResyncsStall) {
  Clocks c;
  ServiceClock clock = c.clock();
  c.system += 365LL * 86'400 * kSecond;
  clock.resync();
  c.system -= 365LL * 86'400 * kSecond;
  c.pass(10 * kSecond);
  EXPECT_EQ(clock.now_ns(), kStart + 10 * kSecond + ServiceClock::kReachMaxNs);
  clock.resync();
  c.pass(kSecond);
  EXPECT_EQ(clock.now_ns(), c.system);
}

TEST(ServiceClock, ABackwardStepIsCaughtUpInTwiceItsLengthRunningAtHalfSpeed) {
  Clocks c;
  ServiceClock clock = c.clock();
  c.system -= 3'600 * kSecond;  // an hour back
  clock.resync();
  std::int64_t last = clock.now_ns();
  for (int i = 0; i < 7'200; ++i) {
    run(c, clock, 1);
    const std::int64_t now = clock.now_ns();
    EXPECT_EQ(now - last, kSecond / 2) << i;
    last = now;
  }
  EXPECT_EQ(clock.now_ns(), c.system);
  run(c, clock, 1);
  EXPECT_EQ(clock.now_ns(), c.system);
}

TEST(ServiceClock, ALastingForwardStepIsCaughtUpRunningAtOneAndAHalfSpeed) {
  Clocks c;
  ServiceClock clock = c.clock();
  c.system += 60 * kSecond;  // the clock was a minute behind at start, then stepped
  run(c, clock, 60);  // the first resync, a second in, sees the step
  EXPECT_EQ(clock.now_ns(), kStart + 89 * kSecond + kSecond / 2);
  for (int i = 0; i < 60; ++i) {
    run(c, clock, 1);
    EXPECT_LT(clock.now_ns(), c.system) << i;
  }
  run(c, clock, 1);
  EXPECT_EQ(clock.now_ns(), c.system);
}

TEST(ServiceClock, AReadingWhoseMonotonicTimeIsBeforeTheLastResyncIsItsMoment) {
  Clocks c;
  ServiceClock clock = c.clock();
  c.system += 10 * kSecond;
  run(c, clock, 1);
  const std::int64_t resynced = clock.now_ns();
  c.steady -= kSecond / 2;  // a thread that read the monotonic clock before that resync
  EXPECT_EQ(clock.now_ns(), resynced);
}

// Readers on two threads while a third resyncs against a system clock that jumps about:
// each reader's readings never go back (real clocks; ThreadSanitizer checks the sequence lock).
TEST(ServiceClock, ConcurrentReadingsNeverGoBackWhileItResyncs) {
  std::atomic<std::int64_t> jump{0};
  ServiceClock clock(
      [&] {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count() +
               jump.load();
      },
      [] {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
      });
  std::atomic<bool> stop{false};
  std::atomic<int> went_back{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      std::int64_t last = 0;
      while (!stop.load()) {
        const std::int64_t now = clock.now_ns();
        if (now < last) went_back.fetch_add(1);
        last = now;
      }
    });
  }
  for (int i = 0; i < 2'000; ++i) {
    jump.store((i % 3 == 0 ? -1 : 1) * (i % 7) * kSecond);
    clock.resync();
  }
  stop.store(true);
  for (auto& r : readers) r.join();
  EXPECT_EQ(went_back.load(), 0);
}

}  // namespace
}  // namespace codeledger::server
