// An event the log holds but memory could not apply: the process stops (exit 3) instead of
// answering an error for a write the next start would replay, or leaving the ledger half
// applied for reads and a shutdown snapshot to see (probe 35b).
#include "ledger/chunk_arena.h"
#include "tests/ledger/fixture.h"

namespace codeledger::ledger::testing {
namespace {

// In the death test's child: an import whose codes need a slab that cannot be had. The
// prefault before the locks finds none either and leaves it to the apply.
void import_while_slabs_fail() {
  RecordingSink sink;
  Ledger ledger(small_options(), &sink);
  CL_CHECK(ledger.configure_org(kOrg, {}).ok());
  Op o{kOrg, "key", kNow};
  PromotionSpec spec;
  spec.name = "p";
  auto promotion = ledger.create_promotion(o, spec);
  CL_CHECK(promotion.ok());
  detail::ChunkArena::fail_slabs_for_testing = true;
  std::vector<std::string> codes;
  for (int i = 0; i < 10'000; ++i) codes.push_back("CODE" + std::to_string(100000 + i));
  auto imported = ledger.import_codes(o, promotion->id, codes, {});
  std::fprintf(stderr, "the import returned (%s)\n", imported.ok() ? "ok" : "an error");
  std::_Exit(0);
}

TEST(ApplyFailureDeathTest, AnAllocationFailingWhileALoggedEventIsAppliedStopsTheProcess) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(import_while_slabs_fail(), ::testing::ExitedWithCode(kExitApplyFailed),
              "could not apply lsn 2, which is in the log \\(std::bad_alloc\\): the ledger in "
              "memory no longer matches the log, so the process stops \\(exit 3\\)");
}

}  // namespace
}  // namespace codeledger::ledger::testing
