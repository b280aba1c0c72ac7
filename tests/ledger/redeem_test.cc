#include "tests/ledger/fixture.h"

namespace codeledger::ledger::testing {
namespace {

TEST_F(LedgerTest, SecondRedeemOfSingleUseCodeFails) {
  auto p = promotion("p");
  import(p, {"ONCE001"});
  auto first = redeem_code("ONCE001", 1, "t1");
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_FALSE(first->replayed);
  EXPECT_EQ(first->redemption.items[0].promotion_id, p.id);
  EXPECT_CODE(redeem_code("ONCE001", 1, "t2"), kCodeAlreadyRedeemed);
}

// Asking more uses than a code has left is 1004, and the message says how many are left:
// "fully redeemed" only once none is (probe 39: a fresh single-use code asked for 2 uses
// was reported spent).
TEST_F(LedgerTest, AskingMoreUsesThanLeftSaysHowManyAreLeft) {
  PromotionSpec spec;
  spec.per_code_redemptions_max = 3;
  auto multi = promotion("multi", spec);
  import(multi, {"THREE01"});
  auto single = promotion("single");
  import(single, {"ONCE002"});
  auto asked = redeem_code("ONCE002", 1, "t1", 2);
  ASSERT_EQ(asked.status().code(), ErrorCode::kCodeAlreadyRedeemed);
  EXPECT_EQ(asked.status().message(), "code 'ONCE002' has 1 of its 1 uses left, 2 asked for");
  ASSERT_TRUE(redeem_code("ONCE002", 1, "t2").ok()) << "the refusal used nothing up";
  EXPECT_EQ(redeem_code("ONCE002", 1, "t3").status().message(),
            "code 'ONCE002' has already been fully redeemed");
  ASSERT_TRUE(redeem_code("THREE01", 1, "t4").ok());
  EXPECT_EQ(redeem_code("THREE01", 1, "t5", 3).status().message(),
            "code 'THREE01' has 2 of its 3 uses left, 3 asked for");
}

TEST_F(LedgerTest, SameTransactionReplaysFirstResult) {
  PromotionSpec spec;
  spec.per_code_redemptions_max = 5;
  auto p = promotion("p", spec);
  import(p, {"MULTI01", "OTHER01"});
  auto first = redeem_code("MULTI01", 1, "txn-1");
  ASSERT_TRUE(first.ok());
  auto events = sink_.events().size();
  auto again = redeem_code("OTHER01", 1, "txn-1", 3);  // different body, same key
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->redemption.id, first->redemption.id);
  EXPECT_EQ(sink_.events().size(), events);
  Op o = op();
  std::vector<std::string> req{"MULTI01", "OTHER01"};
  auto codes = ledger_.get_codes(o, Mode::kDiscount, req, false);
  EXPECT_EQ(codes[0]->redemption_count, 1u);
  EXPECT_EQ(codes[1]->redemption_count, 0u);
}

TEST_F(LedgerTest, RedeemValidationErrors) {
  PromotionSpec spec;
  spec.valid_till_ms = kNow + kDay;
  spec.per_code_redemptions_max = 0;
  spec.per_customer_redemptions_max = 2;
  auto p = promotion("p", spec);
  CodeImportOptions later;
  later.redeemable_from_ms = kNow + 1000;
  import(p, {"CODE001", "CODE002"});
  import(p, {"LATER01"}, kOrg, later);
  EXPECT_CODE(redeem_code("CODE001", 0, "t"), kInvalidCustomer);
  EXPECT_CODE(redeem_code("CODE001", 1, ""), kInvalidRequest);
  EXPECT_CODE(redeem_code("NOCODE1", 1, "t"), kInvalidCode);
  EXPECT_CODE(redeem_code("LATER01", 1, "t"), kCodeExpired);
  EXPECT_CODE(redeem_code("CODE001", 1, "t", 1, kOrg, kNow + 2 * kDay), kCodeExpired);
  Op o = op();
  ASSERT_TRUE(ledger_.link_code(o, Mode::kDiscount, "CODE002", 77).ok());
  EXPECT_CODE(redeem_code("CODE002", 1, "t"), kCodeLinkedToAnotherCustomer);
  ASSERT_TRUE(redeem_code("CODE001", 1, "a", 2).ok());
  EXPECT_CODE(redeem_code("CODE001", 1, "b"), kRedemptionValidationFailed);
  RedeemRequest empty;
  empty.customer = 1;
  empty.transaction_identifier = "x";
  EXPECT_CODE(ledger_.redeem(o, empty), kInvalidRequest);
  RedeemRequest too_many = empty;
  too_many.items.resize(ledger_.options().limits.items_per_redemption_max + 1);
  for (auto& i : too_many.items) i.code = *CodeKey::make("CODE001");
  EXPECT_CODE(ledger_.redeem(o, too_many), kLimitExceeded);
  PromotionPatch off;
  off.active = false;
  ASSERT_TRUE(ledger_.update_promotion(o, p.id, off).ok());
  EXPECT_CODE(redeem_code("CODE001", 3, "c"), kInvalidCode);
}

TEST_F(LedgerTest, MultiItemRedeemIsAllOrNothing) {
  auto p = promotion("p");
  import(p, {"GOOD001", "USED001"});
  ASSERT_TRUE(redeem_code("USED001", 1, "first").ok());
  RedeemRequest req;
  req.customer = 2;
  req.transaction_identifier = "both";
  for (auto c : {"GOOD001", "USED001"}) {
    RedemptionItem i;
    i.code = *CodeKey::make(c);
    req.items.push_back(i);
  }
  Op o = op();
  EXPECT_CODE(ledger_.redeem(o, req), kCodeAlreadyRedeemed);
  std::vector<std::string> probe{"GOOD001"};
  EXPECT_EQ(ledger_.get_codes(o, Mode::kDiscount, probe, false)[0]->redemption_count, 0u);
  req.items[1] = req.items[0];  // the same single-use code twice in one request
  EXPECT_CODE(ledger_.redeem(o, req), kCodeAlreadyRedeemed);
}

TEST_F(LedgerTest, CartEvaluationOrgRefusesCodeRedemption) {
  OrgSettings s;
  s.strategy = RedemptionStrategy::kWithCartEvaluation;
  ASSERT_TRUE(ledger_.configure_org(kOrg, s).ok());
  auto p = promotion("p");
  import(p, {"CODE001"});
  EXPECT_CODE(redeem_code("CODE001", 1, "t"), kCartEvaluationRequired);
}

TEST_F(LedgerTest, ReverseGivesTheUseBack) {
  auto p = promotion("p");
  import(p, {"ONCE001"});
  ASSERT_TRUE(redeem_code("ONCE001", 1, "t1").ok());
  Op o = op();
  auto rev = ledger_.reverse_redemption(o, 1, "t1");
  ASSERT_TRUE(rev.ok()) << rev.status().message();
  EXPECT_TRUE(rev->reversed);
  EXPECT_CODE(ledger_.reverse_redemption(o, 1, "t1"), kInvalidRequest);
  EXPECT_CODE(ledger_.reverse_redemption(o, 1, "nope"), kNotFound);
  EXPECT_CODE(ledger_.reverse_redemption(o, 0, "t1"), kInvalidCustomer);
  EXPECT_CODE(ledger_.reverse_redemption(o, 1, ""), kInvalidRequest);
  ASSERT_TRUE(redeem_code("ONCE001", 2, "t2").ok());
  auto replay = redeem_code("ONCE001", 1, "t1");  // reversed key still replays the first result
  ASSERT_TRUE(replay.ok());
  EXPECT_TRUE(replay->replayed);
}

TEST_F(LedgerTest, EarnedPromotionRedeemsOnceAndReverseRestoresIt) {
  auto p = issuable("earn");
  Op o = op();
  std::vector<CustomerId> cust{5};
  auto issued = ledger_.issue(o, p.id, "ctx", cust);
  ASSERT_TRUE(issued.ok());
  ObjectId eid = (*issued)[0].earned->id;
  RedeemRequest req;
  req.customer = 5;
  req.transaction_identifier = "e1";
  RedemptionItem item;
  item.earned_promotion_id = eid;
  req.items.push_back(item);
  ASSERT_TRUE(ledger_.redeem(o, req).ok());
  req.transaction_identifier = "e2";
  EXPECT_CODE(ledger_.redeem(o, req), kEarnedPromotionRedeemed);
  req.customer = 6;
  EXPECT_CODE(ledger_.redeem(o, req), kEarnedPromotionNotFound);
  ASSERT_TRUE(ledger_.reverse_redemption(o, 5, "e1").ok());
  EXPECT_EQ(ledger_.wallet(o, 5)->entries[0].status, EarnStatus::kActive);
}

TEST_F(LedgerTest, CrossOrganisationSeesNothing) {
  auto p = promotion("p");
  auto q = issuable("q");
  import(p, {"MINE001"});
  Op o = op();
  std::vector<CustomerId> cust{5};
  ASSERT_TRUE(ledger_.issue(o, q.id, "ctx", cust).ok());
  ASSERT_TRUE(redeem_code("MINE001", 5, "t").ok());
  CustomerProfile prof;
  prof.id = 5;
  prof.email = "a@b.c";
  std::vector<CustomerProfile> profs{prof};
  ASSERT_TRUE(ledger_.upsert_customers(o, profs).ok());
  auto before = ledger_.state_hash();
  Op x = op(kOtherOrg);
  std::vector<std::string> codes{"MINE001"};
  EXPECT_CODE(ledger_.get_codes(x, Mode::kDiscount, codes, true)[0], kInvalidCode);
  EXPECT_CODE(ledger_.link_code(x, Mode::kDiscount, "MINE001", 9), kInvalidCode);
  EXPECT_CODE(redeem_code("MINE001", 9, "t9", 1, kOtherOrg), kInvalidCode);
  EXPECT_CODE(ledger_.reverse_redemption(x, 5, "t"), kNotFound);
  EXPECT_CODE(ledger_.get_promotion(x, p.id), kNotFound);
  EXPECT_CODE(ledger_.update_promotion(x, p.id, {}), kNotFound);
  EXPECT_CODE(ledger_.issue(x, q.id, "ctx", cust), kNotFound);
  EXPECT_CODE(ledger_.import_codes(x, p.id, codes, {}), kNotFound);
  EXPECT_CODE(ledger_.export_codes(x, p.id, "", 10), kNotFound);
  EXPECT_CODE(ledger_.attach_from_pool(x, p.id, 9), kNotFound);
  EXPECT_CODE(ledger_.unlink_code(x, Mode::kDiscount, "MINE001", 5), kInvalidCode);
  EXPECT_CODE(ledger_.update_code(x, Mode::kDiscount, "MINE001", 1, std::nullopt), kInvalidCode);
  EXPECT_CODE(ledger_.redemption_history(x, Mode::kDiscount, codes)[0], kInvalidCode);
  EXPECT_TRUE(ledger_.wallet(x, 5)->entries.empty());
  EXPECT_CODE(ledger_.find_customer(x, {MatchBy::kEmail, "a@b.c", ""}), kNotFound);
  EXPECT_CODE(ledger_.find_customer(x, {MatchBy::kCustomerId, "5", ""}), kNotFound);
  std::vector<EarnRevokeRequest> rr{{q.id, {ledger_.wallet(o, 5)->entries[0].id}}};
  auto rv = ledger_.revoke_earns(x, 5, rr);
  ASSERT_TRUE(rv.ok());
  EXPECT_EQ((*rv)[0].status.code(), ErrorCode::kEarnedPromotionNotFound);
  EXPECT_TRUE(ledger_.list_promotions(x).empty());
  EXPECT_EQ(ledger_.state_hash(), before);
}

TEST_F(LedgerTest, StatsCountCustomersAndRedemptionsPerOrganisation) {
  PromotionSpec multi;
  multi.per_code_redemptions_max = 0;
  auto p = promotion("p", multi);
  auto q = promotion("q", multi, kOtherOrg);
  import(p, {"STAT001", "STAT002"});
  import(q, {"STAT003"}, kOtherOrg);
  for (CustomerId c = 1; c <= 40; ++c) {  // spread over the shards
    ASSERT_TRUE(redeem_code(c % 2 ? "STAT001" : "STAT002", c, "t" + std::to_string(c)).ok());
  }
  ASSERT_TRUE(redeem_code("STAT001", 1, "again").ok());          // known customer
  ASSERT_TRUE(redeem_code("STAT001", 1, "again")->replayed);     // counts nothing
  ASSERT_TRUE(redeem_code("STAT003", 1, "t1", 1, kOtherOrg).ok());
  auto check = [](const std::vector<OrgStats>& stats) {
    ASSERT_EQ(stats.size(), 2u);
    const OrgStats& other = stats[0].org == kOtherOrg ? stats[0] : stats[1];
    const OrgStats& mine = stats[0].org == kOrg ? stats[0] : stats[1];
    EXPECT_EQ(mine.customers, 40u);
    EXPECT_EQ(mine.redemptions, 41u);
    EXPECT_EQ(other.customers, 1u);
    EXPECT_EQ(other.redemptions, 1u);
  };
  check(ledger_.stats());
  std::string snapshot;
  ledger_.encode_snapshot(snapshot);
  Ledger loaded(small_options());
  ASSERT_TRUE(loaded.decode_snapshot(snapshot).ok());
  check(loaded.stats());
}

// Thousands of customers per shard (many record chunks, several index growths), the same
// customer ids in two organisations: each (org, id) is its own customer, finds its own
// redemptions, and survives a snapshot.
TEST_F(LedgerTest, ManyCustomersEachKeepTheirOwnRedemptions) {
  PromotionSpec multi;
  multi.per_code_redemptions_max = 0;
  auto p = promotion("p", multi);
  auto q = promotion("q", multi, kOtherOrg);
  import(p, {"MANY001"});
  import(q, {"MANY002"}, kOtherOrg);
  constexpr CustomerId kCustomers = 5'000;
  std::vector<ObjectId> mine, theirs;
  for (CustomerId c = 1; c <= kCustomers; ++c) {
    auto a = redeem_code("MANY001", c, "t");
    auto b = redeem_code("MANY002", c, "t", 1, kOtherOrg);
    ASSERT_TRUE(a.ok() && b.ok()) << c;
    ASSERT_FALSE(a->replayed || b->replayed) << c;
    mine.push_back(a->redemption.id);
    theirs.push_back(b->redemption.id);
  }
  const auto check = [&](Ledger& l) {
    for (CustomerId c = 1; c <= kCustomers; ++c) {
      RedeemRequest req;
      req.customer = c;
      req.transaction_identifier = "t";
      RedemptionItem item;
      item.code = *CodeKey::make("MANY001");
      req.items.push_back(item);
      Op o = op();
      auto again = l.redeem(o, req);
      ASSERT_TRUE(again.ok() && again->replayed) << c;
      ASSERT_EQ(again->redemption.id, mine[c - 1]) << c;
      Op x = op(kOtherOrg);
      req.items[0].code = *CodeKey::make("MANY002");
      auto other = l.redeem(x, req);
      ASSERT_TRUE(other.ok() && other->replayed) << c;
      ASSERT_EQ(other->redemption.id, theirs[c - 1]) << c;
    }
    for (const OrgStats& s : l.stats()) EXPECT_EQ(s.customers, kCustomers);
  };
  check(ledger_);
  std::string snapshot;
  ledger_.encode_snapshot(snapshot);
  Ledger loaded(small_options());
  ASSERT_TRUE(loaded.decode_snapshot(snapshot).ok());
  EXPECT_EQ(loaded.state_hash(), ledger_.state_hash());
  check(loaded);
}

// The log may stamp a record later than its command read the clock (never before the record
// ahead of it, probe 32c). The answer, the stored redemption and a replay of the log all carry
// the record's time, so `replay --until` that time includes the redemption it answered.
TEST_F(LedgerTest, ARedemptionAndAnIssueCarryTheTimeTheirRecordIsStampedWith) {
  import(promotion("p"), {"STAMP001"});
  auto q = issuable("q");
  sink_.set_stamp_floor(kNow + 5);
  auto r = redeem_code("STAMP001", 1, "t");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->redemption.redeemed_ms, kNow + 5);
  Op o = op();
  auto v = ledger_.get_code(o, Mode::kDiscount, "STAMP001", true);
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(v->redemptions.size(), 1u);
  EXPECT_EQ(v->redemptions[0].redeemed_ms, kNow + 5);
  std::vector<CustomerId> cust{1};
  auto issued = ledger_.issue(o, q.id, "c", cust);
  ASSERT_TRUE(issued.ok());
  EXPECT_EQ((*issued)[0].earned->event_time_ms, kNow + 5);
  EXPECT_EQ(ledger_.wallet(o, 1)->entries[0].event_time_ms, kNow + 5);
  expect_log_rebuilds(sink_, ledger_);
}

}  // namespace
}  // namespace codeledger::ledger::testing
