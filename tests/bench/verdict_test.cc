#include "bench/load/verdict.h"

#include <gtest/gtest.h>

namespace codeledger::bench {
namespace {

const std::vector<std::string> kCodes = {"C0", "C1", "C2", "C3"};

TEST(Verdict, MatchingCountsAreClean) {
  VerifyReport v;
  const std::vector<std::uint32_t> batch = {0, 1, 2};
  judge_batch(v, batch, {{0, 1}, {1, 0}, {2, 1}}, {{0, 1}, {2, 1}}, 1, kCodes);
  EXPECT_EQ(v.codes_checked, 3u);
  EXPECT_EQ(v.double_redemptions, 0u);
  EXPECT_EQ(v.lost_acks, 0u);
  EXPECT_TRUE(v.notes.empty());
}

TEST(Verdict, OverTheLimitOnEitherSideIsADoubleRedemption) {
  VerifyReport v;
  const std::vector<std::uint32_t> batch = {0, 1};
  judge_batch(v, batch, {{0, 2}, {1, 2}}, {{0, 1}, {1, 2}}, 1, kCodes);
  EXPECT_EQ(v.double_redemptions, 2u);
  EXPECT_EQ(v.lost_acks, 0u);
  ASSERT_EQ(v.notes.size(), 2u);
  EXPECT_EQ(v.notes[0], "C0: server counts 2 redemptions, clients saw 1 succeed, limit 1");
}

TEST(Verdict, FewerOnTheServerThanAcknowledgedIsALostAck) {
  VerifyReport v;
  const std::vector<std::uint32_t> batch = {3};
  judge_batch(v, batch, {{3, 1}}, {{3, 2}}, 5, kCodes);
  EXPECT_EQ(v.lost_acks, 1u);
  EXPECT_EQ(v.double_redemptions, 0u);
}

TEST(Verdict, ACodeMissingFromTheAnswerIsJudgedNotSkipped) {
  VerifyReport v;
  const std::vector<std::uint32_t> batch = {0, 1};
  // C1 was acknowledged once; the target no longer knows it. C0 was never redeemed.
  judge_batch(v, batch, {}, {{1, 1}}, 1, kCodes);
  EXPECT_EQ(v.codes_checked, 2u);
  EXPECT_EQ(v.lost_acks, 1u);
  ASSERT_EQ(v.notes.size(), 1u);
  EXPECT_EQ(v.notes[0],
            "C1: server counts 0 (the code is missing there) redemptions, clients saw 1 succeed, limit 1");
}

TEST(Verdict, NotesStopAtEight) {
  VerifyReport v;
  const std::vector<std::string> codes(20, "C");
  std::vector<std::uint32_t> batch;
  std::unordered_map<std::uint32_t, std::uint32_t> clients;
  for (std::uint32_t i = 0; i < 20; ++i) {
    batch.push_back(i);
    clients[i] = 1;
  }
  judge_batch(v, batch, {}, clients, 1, codes);
  EXPECT_EQ(v.lost_acks, 20u);
  EXPECT_EQ(v.notes.size(), 8u);
}

}  // namespace
}  // namespace codeledger::bench
