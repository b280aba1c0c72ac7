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
