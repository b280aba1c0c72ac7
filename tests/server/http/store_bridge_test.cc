// The store's durability gate: only sync mode makes an answer wait for the disk, and a
// failed log never acknowledges at once.
#include <gtest/gtest.h>

#include "server/http/store_bridge.h"
#include "tests/store/store_test_util.h"

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

TEST(StoreBridge, AFailedLogNeverAcksAtOnce) {
  wal::FaultFs fs;
  store::StoreOptions o = options_on(fs);
  o.wal.durability = wal::Durability::kAsync;
  auto st = open_store(fs, std::move(o));
  ASSERT_NE(st, nullptr);
  server::StoreBridge bridge(*st);
  ASSERT_TRUE(bridge.acks_at_once());
  fs.inject({wal::FaultOp::kSync, 1, true});
  store::testing::Workload w(4);
  for (int i = 0; i < 200 && st->healthy(); ++i) {
    w.step(*st);
    (void)st->wait_durable(st->ledger().last_lsn());
  }
  ASSERT_FALSE(st->healthy());
  EXPECT_FALSE(bridge.acks_at_once());
}

}  // namespace
}  // namespace codeledger::testing
