#include <gtest/gtest.h>

#include "bench/load/stats.h"

namespace codeledger::bench {
namespace {

TEST(LiveP99, ASecondIsPublishedWhenTheNextOneBegins) {
  ThreadStats s(10);
  EXPECT_EQ(finished_p99_us(s, 0), std::nullopt);
  for (std::uint64_t us = 1; us <= 100; ++us) {
    note_second(s, 0);
    s.per_second[0].record(us * 1000);
  }
  EXPECT_EQ(finished_p99_us(s, 0), std::nullopt);  // still filling
  note_second(s, 1);
  const auto p99 = finished_p99_us(s, 0);
  ASSERT_TRUE(p99.has_value());
  EXPECT_GE(*p99, 98u);
  EXPECT_LE(*p99, 100u);
  EXPECT_EQ(finished_p99_us(s, 1), std::nullopt);
}

TEST(LiveP99, QuietSecondsAreSkippedAndTheLastFilledOneStands) {
  ThreadStats s(10);
  note_second(s, 2);  // nothing was filled before: nothing to publish
  EXPECT_EQ(s.finished_second_p99.load(), ThreadStats::kNoFinishedSecond);
  s.per_second[2].record(7'000'000);  // one answer of 7 ms in second 2
  note_second(s, 5);                   // seconds 3 and 4 had none
  EXPECT_EQ(finished_p99_us(s, 2), 7000u);
  EXPECT_EQ(finished_p99_us(s, 4), std::nullopt);
  note_second(s, 3);  // an earlier second never goes back
  EXPECT_EQ(s.filling_second, 5u);
}

}  // namespace
}  // namespace codeledger::bench
