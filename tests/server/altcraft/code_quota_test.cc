// An organisation's codes_max through Altcraft's import and its attach of a code the program
// does not hold: past it the call is error 413 (HTTP 400) naming the limit, and nothing is
// added.
#include "fixture.h"

namespace codeledger::server::altcraft::testing {
namespace {

class CodeQuotaTest : public AltcraftTest {
 protected:
  // Org A may hold `room` codes more than it holds now.
  void leave_room(std::uint64_t room) {
    ledger::OrgSettings s = *ledger_->org_settings(kOrgA);
    std::uint64_t held = 0;
    for (const ledger::OrgStats& st : ledger_->stats()) {
      if (st.org == kOrgA) held = st.codes;
    }
    s.codes_max = held + room;
    ASSERT_TRUE(ledger_->configure_org(kOrgA, s).ok());
  }
  void expect_refused(const Reply& r) {
    const Answer a = answer(r);
    EXPECT_EQ(a.error, 413) << r.body;
    EXPECT_NE(a.error_text.find("past codes_max"), std::string::npos) << r.body;
  }
};

TEST_F(CodeQuotaTest, AnImportPastCodesMaxIs413AndImportsNothing) {
  leave_room(1);
  const auto before = ledger_->state_hash();
  expect_refused(call(&import_codes, json(R"("loyalty_id":1,"codes":["NEW001","NEW002"])")));
  EXPECT_EQ(ledger_->state_hash(), before);
  Reply fits = call(&import_codes, json(R"("loyalty_id":1,"codes":["NEW001"])"));
  ASSERT_EQ(error(fits), 0) << fits.body;
  EXPECT_EQ(std::int64_t(parse(fits)["inserted"]), 1);
}

TEST_F(CodeQuotaTest, AnAttachOfANewCodePastCodesMaxIs413AndAddsNothing) {
  leave_room(0);
  const auto before = ledger_->state_hash();
  const std::string fields =
      R"("db_id":1,"matching":"profile_id","profile_id":"prof-1","loyalty_id":1,"code":"NEW001")";
  expect_refused(call(&attach, json(fields)));
  EXPECT_EQ(ledger_->state_hash(), before);
  // A code the program holds is attached as before: only new codes count.
  Reply held = call(&attach, json(R"("db_id":1,"matching":"profile_id","profile_id":"prof-1",)"
                                  R"("loyalty_id":1,"code":"AAA111")"));
  EXPECT_EQ(error(held), 0) << held.body;
}

}  // namespace
}  // namespace codeledger::server::altcraft::testing
