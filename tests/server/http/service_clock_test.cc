// ServiceClock: on the system clock while the two agree; a step of the system clock is
// caught up at half speed either way, and the clock never goes back (probe 35a).
#include <gtest/gtest.h>

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

TEST(ServiceClock, FollowsTheSystemClockWhileTheyAgreeSlewingIncluded) {
  Clocks c;
  ServiceClock clock = c.clock();
  EXPECT_EQ(clock.now_ns(), kStart);
  c.pass(kSecond);
  EXPECT_EQ(clock.now_ns(), kStart + kSecond);
  c.system += kSecond / 1000;  // NTP slewing: 1 ms over the next second
  c.pass(kSecond);
  EXPECT_EQ(clock.now_ns(), c.system);
  EXPECT_EQ(clock.offset_ns(), 0);
}

TEST(ServiceClock, AForwardGlitchMovesItByHalfItsLengthAndItNeverGoesBack) {
  Clocks c;
  ServiceClock clock = c.clock();
  const std::int64_t year = 365LL * 86'400 * kSecond;
  c.system += year;  // the glitch: 0.8 s at +1 year, read twice, then corrected
  c.pass(kSecond / 2);
  EXPECT_EQ(clock.now_ns(), kStart + kSecond / 2 + kSecond / 4) << "half the 0.5 s more";
  c.pass(kSecond * 3 / 10);
  EXPECT_EQ(clock.now_ns(), kStart + kSecond * 8 / 10 + kSecond * 4 / 10);
  EXPECT_EQ(clock.offset_ns(), year - kSecond * 4 / 10);
  c.system -= year;
  c.pass(kSecond / 2);
  // 0.4 s ahead of the system clock: it runs at half speed (1.2 s + 0.25 s), never back.
  EXPECT_EQ(clock.now_ns(), kStart + kSecond * 12 / 10 + kSecond / 4);
  c.pass(kSecond / 2);
  EXPECT_EQ(clock.now_ns(), c.system) << "caught up";
  EXPECT_EQ(clock.offset_ns(), 0);
}

// Probe 35a's re-run: after two idle minutes one reading during a glitch carried the clock
// 60 s ahead, half the idle time.
TEST(ServiceClock, AGlitchAfterAQuietSpellMovesItByAtMostHalfASecond) {
  Clocks c;
  ServiceClock clock = c.clock();
  c.pass(120 * kSecond);
  c.system += 365LL * 86'400 * kSecond;
  EXPECT_EQ(clock.now_ns(), kStart + 120 * kSecond + ServiceClock::kReachMaxNs);
}

TEST(ServiceClock, ABackwardStepIsCaughtUpInTwiceItsLengthRunningAtHalfSpeed) {
  Clocks c;
  ServiceClock clock = c.clock();
  c.system -= 3'600 * kSecond;  // an hour back
  std::int64_t last = clock.now_ns();
  for (int i = 0; i < 7'199; ++i) {
    c.pass(kSecond);
    const std::int64_t now = clock.now_ns();
    EXPECT_EQ(now - last, kSecond / 2) << i;
    last = now;
  }
  c.pass(kSecond);
  EXPECT_EQ(clock.now_ns(), c.system);
}

TEST(ServiceClock, ALastingForwardStepIsCaughtUpRunningAtOneAndAHalfSpeed) {
  Clocks c;
  ServiceClock clock = c.clock();
  c.system += 60 * kSecond;  // the clock was a minute behind at start, then stepped
  for (int i = 0; i < 60; ++i) {
    c.pass(kSecond);  // a reading a second, as each io thread makes
    (void)clock.now_ns();
  }
  EXPECT_EQ(clock.now_ns(), kStart + 90 * kSecond);
  for (int i = 0; i < 59; ++i) {
    c.pass(kSecond);
    EXPECT_LT(clock.now_ns(), c.system) << i;
  }
  c.pass(kSecond);
  EXPECT_EQ(clock.now_ns(), c.system);
}

TEST(ServiceClock, AReadingThatTookTheLockLateNeverMovesItBack) {
  Clocks c;
  ServiceClock clock = c.clock();
  c.pass(kSecond);
  const std::int64_t first = clock.now_ns();
  c.steady -= kSecond / 2;  // as if this reading's steady time was taken before the last one's
  c.system -= kSecond / 2;
  EXPECT_GE(clock.now_ns(), first);
}

}  // namespace
}  // namespace codeledger::server
