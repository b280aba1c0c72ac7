// A code generate logs each batch as one event per shard it touches, each committed under
// that shard's lock alone (ledger/code_batch.cc, commit_shard_share), so that a generate never
// holds every shard at once.
#include <set>

#include "ledger/internal.h"
#include "tests/ledger/fixture.h"

namespace codeledger::ledger::testing {
namespace {

// The shard of a code of kOrg under the fixture's 16 shards (Impl::shard_of).
std::uint32_t shard_of_code(std::string_view code) {
  return static_cast<std::uint32_t>(detail::code_hash(kOrg, Mode::kDiscount, code) >> 60);
}

TEST_F(LedgerTest, AGenerateBatchIsLoggedAsOneEventPerShard) {
  ASSERT_EQ(small_options().shard_count, 16u);
  auto p = promotion("p");
  const std::size_t logged = sink_.events().size();
  Op o = op();
  GenerateSpec g;
  g.count = 5'000;  // one batch (codes_per_event_max 16,384)
  g.length = 10;
  auto made = ledger_.generate_codes(o, p.id, g, 11);
  ASSERT_TRUE(made.ok()) << made.status().message();
  ASSERT_EQ(made->generated, 5'000u);
  const auto events = sink_.events();
  std::set<std::uint32_t> shards;
  std::size_t codes = 0;
  for (std::size_t i = logged; i < events.size(); ++i) {
    auto e = decode_event(events[i]);
    ASSERT_TRUE(e.ok());
    ASSERT_TRUE(std::holds_alternative<CodesAdded>(e->body));
    const auto& added = std::get<CodesAdded>(e->body);
    ASSERT_FALSE(added.codes.empty());
    const std::uint32_t shard = shard_of_code(added.codes.front().view());
    EXPECT_TRUE(shards.insert(shard).second) << "two events for shard " << shard;
    for (const auto& c : added.codes) EXPECT_EQ(shard_of_code(c.view()), shard) << c.view();
    codes += added.codes.size();
  }
  EXPECT_EQ(shards.size(), 16u);  // 5,000 codes reach every shard
  EXPECT_EQ(codes, 5'000u);
  expect_log_rebuilds(sink_, ledger_);
}

// Each shard's share leaves out the codes its shard already holds: a second generate into a
// half-used code space makes exactly the codes the first did not.
TEST_F(LedgerTest, AGenerateLeavesOutCodesTheShardsAlreadyHold) {
  auto p = promotion("p");
  Op o = op();
  GenerateSpec g;
  g.count = 32;
  g.length = 10;
  g.prefix = "ABCD";
  g.alphabet = "AB";  // 64 codes in all
  for (std::uint64_t seed : {1u, 1u}) {
    auto made = ledger_.generate_codes(o, p.id, g, seed);
    ASSERT_TRUE(made.ok()) << made.status().message();
    EXPECT_EQ(made->generated, 32u);
  }
  EXPECT_EQ(ledger_.get_promotion(o, p.id)->code_count, 64u);
  auto page = ledger_.export_codes(o, p.id, "", 100);
  ASSERT_TRUE(page.ok());
  std::set<std::string> distinct;
  for (const auto& c : page->codes) distinct.insert(std::string(c.code.view()));
  EXPECT_EQ(distinct.size(), 64u);
  expect_log_rebuilds(sink_, ledger_);
}

// A generate large enough to double every shard's index a few times, each growth made with a
// table faulted in before the shard's lock (Impl::reserve_shard_room) and moved across by
// the inserts that follow: every code generated is found, the count is right, and the log
// rebuilds the same ledger.
TEST_F(LedgerTest, AGenerateThatGrowsTheShardIndexesKeepsEveryCode) {
  auto p = promotion("p");
  Op o = op();
  GenerateSpec g;
  g.count = 120'000;  // 7,500 a shard: past the 4,096-slot tables that grow incrementally
  g.length = 12;
  const std::size_t logged = sink_.events().size();
  auto made = ledger_.generate_codes(o, p.id, g, 5);
  ASSERT_TRUE(made.ok()) << made.status().message();
  ASSERT_EQ(made->generated, g.count);
  EXPECT_EQ(ledger_.get_promotion(o, p.id)->code_count, g.count);
  const auto events = sink_.events();
  std::size_t found = 0;
  for (std::size_t i = logged; i < events.size(); ++i) {
    auto e = decode_event(events[i]);
    ASSERT_TRUE(e.ok());
    for (const auto& c : std::get<CodesAdded>(e->body).codes) {
      ASSERT_TRUE(ledger_.get_code(o, Mode::kDiscount, c.view(), false).ok()) << c.view();
      ++found;
    }
  }
  EXPECT_EQ(found, g.count);
  expect_log_rebuilds(sink_, ledger_);
}

}  // namespace
}  // namespace codeledger::ledger::testing
