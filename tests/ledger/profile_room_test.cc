// An organisation's customer profiles take at most profile_bytes_per_org_max, counted as
// profile_bytes (texts plus 256 a custom field). Before, a write key could add 64 KB profiles
// without end: about 3.8 GB of memory a minute at the default rate (probe 36a).
#include "tests/ledger/fixture.h"

namespace codeledger::ledger::testing {
namespace {

CustomerProfile profile(CustomerId id, std::size_t fields, char fill = 'v') {
  CustomerProfile p;
  p.id = id;
  for (std::size_t i = 0; i < fields; ++i) p.custom_fields.emplace_back("f" + std::to_string(i), std::string(100, fill));
  return p;
}

class ProfileRoomTest : public ::testing::Test {
 protected:
  // Room for exactly three profiles of two fields each.
  static LedgerOptions options() {
    LedgerOptions o = small_options();
    o.limits.profile_bytes_per_org_max = 3 * profile_bytes(profile(1, 2));
    return o;
  }
  void SetUp() override {
    ASSERT_TRUE(ledger_.configure_org(kOrg, {}).ok());
    ASSERT_TRUE(ledger_.configure_org(kOtherOrg, {}).ok());
  }
  Result<std::size_t> upsert(Ledger& l, std::vector<CustomerProfile> profiles, OrgId org = kOrg) {
    Op o;
    o.org = org;
    o.api_key = "k";
    o.now_ms = kNow;
    return l.upsert_customers(o, profiles);
  }
  RecordingSink sink_;
  Ledger ledger_{options(), &sink_};
};

TEST_F(ProfileRoomTest, AnUpsertPastTheRoomIsRefusedWholeAndStoresNothing) {
  EXPECT_EQ(profile_bytes(profile(1, 2)), 2 * (2 + 100 + 256)) << "texts plus 256 a field";
  ASSERT_TRUE(upsert(ledger_, {profile(1, 2), profile(2, 2)}).ok());
  const std::uint64_t before = ledger_.state_hash();
  auto over = upsert(ledger_, {profile(3, 2), profile(4, 2)});
  EXPECT_CODE(over, kLimitExceeded);
  EXPECT_NE(over.status().message().find("past profile_bytes_per_org_max (2148)"), std::string::npos)
      << over.status().message();
  EXPECT_EQ(ledger_.state_hash(), before);
  EXPECT_TRUE(upsert(ledger_, {profile(3, 2)}).ok()) << "the last room";
  EXPECT_CODE(upsert(ledger_, {profile(4, 1)}), kLimitExceeded);
  EXPECT_TRUE(upsert(ledger_, {profile(4, 1)}, kOtherOrg).ok()) << "each organisation has its own room";
}

TEST_F(ProfileRoomTest, ReplacingAProfileCountsOnlyTheDifference) {
  ASSERT_TRUE(upsert(ledger_, {profile(1, 2), profile(2, 2), profile(3, 2)}).ok());
  EXPECT_TRUE(upsert(ledger_, {profile(1, 2, 'w')}).ok()) << "the same size again";
  EXPECT_TRUE(upsert(ledger_, {profile(1, 1)}).ok()) << "smaller";
  EXPECT_TRUE(upsert(ledger_, {profile(4, 0)}).ok()) << "a profile without fields takes nothing";
  EXPECT_TRUE(upsert(ledger_, {profile(1, 2)}).ok()) << "back to its old size";
  EXPECT_CODE(upsert(ledger_, {profile(1, 3)}), kLimitExceeded);
}

// The count is rebuilt by replay (the same apply), so a restarted server refuses alike.
TEST_F(ProfileRoomTest, AReplayedLedgerCountsTheSameRoom) {
  ASSERT_TRUE(upsert(ledger_, {profile(1, 2), profile(2, 2), profile(3, 1)}).ok());
  ASSERT_TRUE(upsert(ledger_, {profile(3, 2)}).ok());
  Ledger replica(options());
  ASSERT_TRUE(replica.configure_org(kOrg, {}).ok());
  for (const auto& bytes : sink_.events()) {
    auto e = decode_event(bytes);
    ASSERT_TRUE(e.ok());
    ASSERT_TRUE(replica.apply(*e).ok());
  }
  EXPECT_CODE(upsert(replica, {profile(4, 1)}), kLimitExceeded);
  EXPECT_TRUE(upsert(replica, {profile(3, 1)}).ok());
  // And so is a ledger loaded from a snapshot.
  std::string snapshot;
  ledger_.encode_snapshot(snapshot);
  Ledger loaded(options());
  ASSERT_TRUE(loaded.configure_org(kOrg, {}).ok());
  ASSERT_TRUE(loaded.decode_snapshot(snapshot).ok());
  EXPECT_CODE(upsert(loaded, {profile(4, 1)}), kLimitExceeded);
  EXPECT_TRUE(upsert(loaded, {profile(3, 1)}).ok());
}

}  // namespace
}  // namespace codeledger::ledger::testing
