#include "bench/load/warnings.h"

#include <gtest/gtest.h>

#include "bench/load/classify.h"

namespace codeledger::bench {
namespace {

Report CleanClosedLoop() {
  Report r;
  r.throughput_rps = 50'000;
  r.client_cpu_pct = 40;
  r.outcomes["ok"] = 1000;
  return r;
}

TEST(RunWarnings, NoneForACleanRun) {
  EXPECT_TRUE(run_warnings(CleanClosedLoop(), Options{}).empty());
}

TEST(RunWarnings, RateLimitedAnswersAreNamed) {
  Report r = CleanClosedLoop();
  // The class a 429 answer falls into (outcome.h).
  r.outcomes[std::string(outcome_name(Outcome::kRateLimited))] = 128'867;
  const auto w = run_warnings(r, Options{});
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].rfind("128867 answers were 429: the API key's rate limit", 0), 0u) << w[0];
}

TEST(RunWarnings, AnOpenLoopBelowItsRateIsTold) {
  Options o;
  o.rate_rps = 100'000;
  o.connections = 8;
  Report r = CleanClosedLoop();
  r.throughput_rps = 94'000;
  r.send_lag.p99_us = 2'500;
  const auto w = run_warnings(r, o);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].rfind("the open loop fell behind: 100000 req/s asked, 94000 reached (send lag p99 2.5 ms). "
                       "Each connection has one request in flight, so 8 connections", 0), 0u) << w[0];
  r.throughput_rps = 96'000;
  EXPECT_TRUE(run_warnings(r, o).empty());
}

TEST(RunWarnings, ABusyClientIsNamed) {
  Report r = CleanClosedLoop();
  r.client_cpu_pct = 97;
  const auto w = run_warnings(r, Options{});
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].rfind("the busiest client thread was 97 % busy", 0), 0u) << w[0];
  r.client_cpu_pct = 89;
  EXPECT_TRUE(run_warnings(r, Options{}).empty());
}

// What the figures leave out is said: slots never sent, connects that failed, requests
// never answered, and latencies past the histograms' range (probe 33).
TEST(RunWarnings, WhatTheFiguresLeaveOutIsSaid) {
  Report r = CleanClosedLoop();
  r.unsent_slots = 150;
  r.connect_failures = 3;
  r.outcomes[std::string(outcome_name(Outcome::kUnanswered))] = 2;
  r.latency.max_us = static_cast<double>(Histogram::kValueMax) / 1000;
  const auto w = run_warnings(r, Options{});
  ASSERT_EQ(w.size(), 4u);
  EXPECT_EQ(w[0].rfind("150 open-loop slots were due before the end but never sent", 0), 0u) << w[0];
  EXPECT_EQ(w[1].rfind("3 connects failed", 0), 0u) << w[1];
  EXPECT_EQ(w[2].rfind("2 requests had no answer when the run stopped waiting", 0), 0u) << w[2];
  EXPECT_EQ(w[3].rfind("latencies of 1100 s or more were recorded as 1100 s", 0), 0u) << w[3];
}

// A verify that failed is a warning with its reason: its double redemptions and lost acks
// are 0 only because nothing was checked (probe 34d: the page read as a clean check).
TEST(RunWarnings, AFailedVerifyIsToldWithItsReason) {
  Report r = CleanClosedLoop();
  r.verify.ran = r.verify.failed = true;
  r.verify.notes = {"verification failed: connect: Connection refused"};
  const auto w = run_warnings(r, Options{});
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], "the verify failed (verification failed: connect: Connection refused): double "
                  "redemptions and lost acks were not checked, so their 0s mean nothing; the run "
                  "is not clean.");
}

// Errors are in the throughput and latency figures: said, with their share.
TEST(RunWarnings, ErrorsAreToldWithTheirShare) {
  Report r = CleanClosedLoop();
  r.requests = 145'219;
  r.errors = 145'219;
  const auto w = run_warnings(r, Options{});
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], "145219 of 145219 requests (100 %) were errors: the requests/s and the "
                  "latency figures count them too (an error answer is often quicker than a real "
                  "one); see the outcomes and the error samples.");
}

TEST(RunVerdict, CleanOnlyWithoutErrorsFailedConnectsOrAFailedVerify) {
  Report r = CleanClosedLoop();
  EXPECT_TRUE(run_was_clean(r));
  r.unsent_slots = 10;  // a warning, not a failure: the latency shows the missed rate
  EXPECT_TRUE(run_was_clean(r));
  for (auto spoil : {+[](Report& x) { x.errors = 1; }, +[](Report& x) { x.connect_failures = 1; },
                     +[](Report& x) { x.verify.failed = true; },
                     +[](Report& x) { x.verify.double_redemptions = 1; },
                     +[](Report& x) { x.verify.lost_acks = 1; }}) {
    Report bad = CleanClosedLoop();
    spoil(bad);
    EXPECT_FALSE(run_was_clean(bad));
  }
}

}  // namespace
}  // namespace codeledger::bench
