// Memory that runs out (probe 35b). An import that cannot have the memory for its codes is
// refused before its event is logged, changing nothing. An event the log holds but memory
// could not apply stops the process (exit 3), instead of answering an error for a write
// the next start would replay, or leaving the ledger half applied for reads and a shutdown
// snapshot to see.
#include <new>

#include "ledger/chunk_arena.h"
#include "ledger/internal.h"
#include "tests/ledger/fixture.h"

namespace codeledger::ledger::testing {
namespace {

// The arenas hand out `chunks` more chunks while this lives, then run out.
struct ChunkLimit {
  explicit ChunkLimit(std::int64_t chunks) { detail::ChunkArena::chunks_left_for_testing = chunks; }
  ~ChunkLimit() { detail::ChunkArena::chunks_left_for_testing = detail::ChunkArena::kUnlimitedChunks; }
};

TEST_F(LedgerTest, AnImportWithoutMemoryForItsCodesIsRefusedBeforeItsEventIsLogged) {
  ASSERT_TRUE(ledger_.set_codes_max(kOrg, 10'000).ok());
  auto p = promotion("p");
  const auto hash = ledger_.state_hash();
  const auto logged = sink_.events().size();
  std::vector<std::string> codes;
  for (int i = 0; i < 10'000; ++i) codes.push_back("CODE" + std::to_string(100000 + i));
  {
    ChunkLimit none(0);
    Op o = op();
    EXPECT_THROW((void)ledger_.import_codes(o, p.id, codes, {}), std::bad_alloc);
  }
  EXPECT_EQ(sink_.events().size(), logged);
  EXPECT_EQ(ledger_.state_hash(), hash);
  EXPECT_EQ(ledger_.stats().front().codes, 0u);
  import(p, codes);  // nothing of codes_max was left claimed: all 10,000 still fit
}

// Codes picked to fall in one shard (the hash is no secret) needed all their room after the
// event was logged, since only each shard's even share was made before: an import of 5,000
// such codes stopped the server (probe 35c). Here the arena has one chunk left for an import
// whose codes need three in one shard: refused before logging, nothing changed.
TEST_F(LedgerTest, AnImportOfCodesInOneShardMakesAllTheirRoomBeforeItIsLogged) {
  auto p = promotion("p");
  std::vector<std::string> codes;
  for (int i = 0; codes.size() < 10'000; ++i) {
    std::string code = "ONE" + std::to_string(1'000'000 + i);
    if (detail::code_hash(kOrg, Mode::kDiscount, code) >> 60 == 0) codes.push_back(std::move(code));
  }
  const auto hash = ledger_.state_hash();
  const auto logged = sink_.events().size();
  {
    ChunkLimit one(1);
    Op o = op();
    EXPECT_THROW((void)ledger_.import_codes(o, p.id, codes, {}), std::bad_alloc);
  }
  EXPECT_EQ(sink_.events().size(), logged);
  EXPECT_EQ(ledger_.state_hash(), hash);
  import(p, codes);
}

// api.md:607-609: a generate that runs out of memory between two batches of 16 384 codes
// answers `out of memory after generating N of M codes, which are kept`, and the N codes
// stay, logged. With one shard a batch's codes share one code table of 4 096-record chunks:
// the first batch takes 4 chunks, the second cannot get a fifth before it is logged.
TEST(GenerateMemory, RunningOutBetweenBatchesKeepsAndLogsTheBatchesBefore) {
  RecordingSink sink;
  LedgerOptions one_shard;
  one_shard.shard_count = 1;
  Ledger ledger(one_shard, &sink);
  ASSERT_TRUE(ledger.configure_org(kOrg, {}).ok());
  Op o{kOrg, "key", kNow};
  PromotionSpec spec;
  spec.name = "p";
  auto p = ledger.create_promotion(o, spec);
  ASSERT_TRUE(p.ok());
  const auto logged = sink.events().size();
  GenerateSpec g;
  g.count = 20'000;
  g.length = 10;
  auto made = [&] {
    ChunkLimit four(4);
    return ledger.generate_codes(o, p->id, g, 3);
  }();
  EXPECT_CODE(made, kInternal);
  EXPECT_EQ(made.status().message(),
            "out of memory after generating 16384 of 20000 codes, which are kept");
  ASSERT_EQ(sink.events().size(), logged + 1);
  auto batch = decode_event(sink.events().back());
  ASSERT_TRUE(batch.ok());
  ASSERT_TRUE(std::holds_alternative<CodesAdded>(batch->body));
  EXPECT_EQ(std::get<CodesAdded>(batch->body).codes.size(), 16'384u);
  EXPECT_EQ(ledger.stats().front().codes, 16'384u);
  // The 3 616 codes not made gave their room under codes_max back.
  ASSERT_TRUE(ledger.set_codes_max(kOrg, 20'000).ok());
  g.count = 3'616;
  auto rest = ledger.generate_codes(o, p->id, g, 4);
  ASSERT_TRUE(rest.ok()) << rest.status().message();
  EXPECT_EQ(rest->generated, 3'616u);
}

// In the death test's child: a redemption whose new customer needs memory that cannot be
// had once its event is logged.
void redeem_while_slabs_fail() {
  RecordingSink sink;
  Ledger ledger(small_options(), &sink);
  CL_CHECK(ledger.configure_org(kOrg, {}).ok());
  Op o{kOrg, "key", kNow};
  PromotionSpec spec;
  spec.name = "p";
  auto promotion = ledger.create_promotion(o, spec);
  CL_CHECK(promotion.ok());
  std::vector<std::string> code{"CODE100000"};
  CL_CHECK(ledger.import_codes(o, promotion->id, code, {}).ok());
  detail::ChunkArena::chunks_left_for_testing = 0;
  RedeemRequest req;
  req.customer = 566881933;
  req.transaction_identifier = "t1";
  RedemptionItem item;
  item.code = *CodeKey::make(code[0]);
  req.items.push_back(item);
  auto redeemed = ledger.redeem(o, req);
  std::fprintf(stderr, "the redemption returned (%s)\n", redeemed.ok() ? "ok" : "an error");
  std::_Exit(0);
}

TEST(ApplyFailureDeathTest, AnAllocationFailingWhileALoggedEventIsAppliedStopsTheProcess) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(redeem_while_slabs_fail(), ::testing::ExitedWithCode(kExitApplyFailed),
              "could not apply lsn 3, which is in the log \\(std::bad_alloc\\): the ledger in "
              "memory no longer matches the log, so the process stops \\(exit 3\\)");
}

}  // namespace
}  // namespace codeledger::ledger::testing
