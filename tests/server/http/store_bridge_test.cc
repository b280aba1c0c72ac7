// The store's durability gate: only sync mode makes an answer wait for the disk, a failed
// log never acknowledges at once, and the io threads' idle hints reach the log.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "server/http/store_bridge.h"
#include "server/wire/json_writer.h"
#include "tests/store/store_test_util.h"
#include "tests/support/test_server.h"

namespace codeledger::testing {
namespace {

using store::testing::open_store;
using store::testing::options_on;

bool acks_at_once_in(wal::Durability mode) {
  wal::FaultFs fs;
  store::StoreOptions o = options_on(fs);
  o.wal.durability = mode;
  auto st = open_store(fs, std::move(o));
  return st != nullptr && server::StoreBridge(*st).acks_at_once();
}

TEST(StoreBridge, OnlySyncWaitsForTheDisk) {
  EXPECT_FALSE(acks_at_once_in(wal::Durability::kSync));
  EXPECT_TRUE(acks_at_once_in(wal::Durability::kAsync));
  EXPECT_TRUE(acks_at_once_in(wal::Durability::kNone));
}

// Only sync has a group commit that can use the io threads' idle hints.
TEST(StoreBridge, OnlySyncWantsIdleHints) {
  for (const auto mode : {wal::Durability::kSync, wal::Durability::kAsync, wal::Durability::kNone}) {
    wal::FaultFs fs;
    store::StoreOptions o = options_on(fs);
    o.wal.durability = mode;
    auto st = open_store(fs, std::move(o));
    ASSERT_NE(st, nullptr);
    EXPECT_EQ(server::StoreBridge(*st).wants_idle_hints(), mode == wal::Durability::kSync);
  }
}

// Writes until an injected fdatasync failure has made the store's log fail for good.
void fail_the_log(wal::FaultFs& fs, store::Store& st) {
  fs.inject({wal::FaultOp::kSync, 1, true});
  store::testing::Workload w(4);
  for (int i = 0; i < 200 && st.healthy(); ++i) {
    w.step(st);
    (void)st.wait_durable(st.ledger().last_lsn());
  }
}

TEST(StoreBridge, AFailedLogNeverAcksAtOnce) {
  wal::FaultFs fs;
  store::StoreOptions o = options_on(fs);
  o.wal.durability = wal::Durability::kAsync;
  auto st = open_store(fs, std::move(o));
  ASSERT_NE(st, nullptr);
  server::StoreBridge bridge(*st);
  ASSERT_TRUE(bridge.acks_at_once());
  fail_the_log(fs, *st);
  ASSERT_FALSE(st->healthy());
  EXPECT_FALSE(bridge.acks_at_once());
}

// api.md, "Health": a failed fdatasync of the real log turns /healthz and /readyz to 503
// through the bridge codeledgerd gives the server, with the store's reason.
TEST(StoreBridge, AFailedLogMakesHealthAndReadinessAnswer503) {
  wal::FaultFs fs;
  auto st = open_store(fs, options_on(fs));
  ASSERT_NE(st, nullptr);
  server::StoreBridge bridge(*st);
  TestServer::Options o;
  o.hooks.health = &bridge;
  TestServer srv({}, std::move(o));
  HttpClient c = srv.client();
  ASSERT_EQ(c.get("/healthz").result_int(), 200);
  ASSERT_EQ(c.get("/readyz").result_int(), 200);
  fail_the_log(fs, *st);
  ASSERT_FALSE(st->healthy());
  auto failing = c.get("/healthz");
  EXPECT_EQ(failing.result_int(), 503);
  std::string expected = R"({"status":"failing","reason":)";
  server::wire::append_json_string(expected, st->failure().message());
  EXPECT_EQ(failing.body(), expected + "}");
  auto not_ready = c.get("/readyz");
  EXPECT_EQ(not_ready.result_int(), 503);
  EXPECT_EQ(not_ready.body(), R"({"status":"not ready"})");
}

// Creates promotion n and returns its record's LSN, without waiting for the disk.
std::uint64_t stage_record(store::Store& st, int n) {
  store::testing::Workload w(static_cast<std::uint32_t>(n));
  ledger::Op op = w.op();
  ledger::PromotionSpec spec;
  spec.name = "promotion " + std::to_string(n);
  EXPECT_TRUE(st.ledger().create_promotion(op, spec).ok());
  return op.visible_lsn;
}

// A batch of two records (the first record's fdatasync held while two more are staged),
// so that the next batch may wait for more; n0 numbers the three promotions.
void write_a_batch_of_two(wal::FaultFs& fs, store::Store& st, int n0) {
  fs.hold_syncs();
  stage_record(st, n0);
  fs.wait_syncs_held(1);
  stage_record(st, n0 + 1);
  const std::uint64_t last = stage_record(st, n0 + 2);
  fs.release_syncs();
  ASSERT_TRUE(st.wait_durable(last).ok());
}

// Sync, with a group-commit wait of a whole second: with the one io thread idle the next
// batch does not wait at all; with it busy the batch waits until the thread says it is idle.
TEST(StoreBridge, IdleHintsReachTheGroupCommit) {
  wal::FaultFs fs;
  store::StoreOptions o = options_on(fs);
  o.wal.durability = wal::Durability::kSync;
  o.wal.preallocate = false;  // its zero fill would sync too, and be held with the batches
  o.wal.group_commit_wait_us = wal::kGroupCommitWaitUsMax;
  o.wal.group_commit_quiet_us = 0;
  o.wal.group_commit_min_records = 2;
  auto st = open_store(fs, std::move(o));
  ASSERT_NE(st, nullptr);
  server::StoreBridge bridge(*st);
  bridge.io_threads(1);

  bridge.io_idle();
  write_a_batch_of_two(fs, *st, 1);
  ASSERT_TRUE(st->wait_durable(stage_record(*st, 4)).ok());
  EXPECT_EQ(st->stats().wal.group_commit_waits, 0u);

  bridge.io_busy();
  write_a_batch_of_two(fs, *st, 5);
  const std::uint64_t held = stage_record(*st, 8);
  while (st->stats().wal.group_commit_waits == 0) std::this_thread::yield();
  const auto start = std::chrono::steady_clock::now();
  bridge.io_idle();
  ASSERT_TRUE(st->wait_durable(held).ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
}

}  // namespace
}  // namespace codeledger::testing
