#include "tests/ledger/fixture.h"

#include <atomic>
#include <thread>

namespace codeledger::ledger::testing {
namespace {

TEST_F(LedgerTest, IssueBulkFillsWallets) {
  PromotionSpec spec;
  spec.valid_till_ms = kNow + 10 * kDay;
  spec.earn_validity_ms = kDay;
  auto p = issuable("earn", spec);
  Op o = op();
  std::vector<CustomerId> cust{566881933, 566135941, 566881933};
  auto r = ledger_.issue(o, p.id, "68fb1c9731d91c625a8d9e80", cust);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 2u);
  const EarnedView& e = *(*r)[0].earned;
  EXPECT_EQ(e.customer, 566881933u);
  EXPECT_EQ(e.promotion_id, p.id);
  EXPECT_EQ(e.earned_from_id, "68fb1c9731d91c625a8d9e80");
  EXPECT_EQ(e.event_time_ms, kNow);
  EXPECT_EQ(e.valid_till_ms, kNow + kDay);
  auto w = ledger_.wallet(o, 566881933);
  ASSERT_TRUE(w.ok());
  ASSERT_EQ(w->entries.size(), 1u);
  EXPECT_EQ(w->entries[0].id, e.id);
}

TEST_F(LedgerTest, IssueRequestWideErrors) {
  PromotionSpec ended;
  ended.valid_till_ms = kNow - 1;
  ended.valid_from_ms = kNow - 10;
  auto code_linked = promotion("cl");
  auto old = issuable("old", ended);
  PromotionSpec off;
  off.active = false;
  auto inactive = issuable("off", off);
  auto ok = issuable("ok");
  Op o = op();
  std::vector<CustomerId> one{1}, none, zero{1, 0};
  EXPECT_CODE(ledger_.issue(o, ok.id, "", one), kInvalidRequest);
  EXPECT_CODE(ledger_.issue(o, ObjectId{}, "c", one), kNotFound);
  EXPECT_CODE(ledger_.issue(o, code_linked.id, "c", one), kEarnNotSupported);
  EXPECT_CODE(ledger_.issue(o, inactive.id, "c", one), kPromotionTypeNotSupported);
  EXPECT_CODE(ledger_.issue(o, old.id, "c", one), kPromotionExpired);
  EXPECT_CODE(ledger_.issue(o, ok.id, "c", none), kInvalidCustomer);
  EXPECT_CODE(ledger_.issue(o, ok.id, "c", zero), kInvalidCustomer);
  std::vector<CustomerId> many(ledger_.options().limits.customers_per_issue_max + 1, 3);
  EXPECT_CODE(ledger_.issue(o, ok.id, "c", many), kLimitExceeded);
  OrgSettings s;
  s.active_promotions_max = 1;  // cl and ok are active: 2 > 1
  ASSERT_TRUE(ledger_.configure_org(kOrg, s).ok());
  EXPECT_CODE(ledger_.issue(o, ok.id, "c", one), kActivePromotionsExceeded);
}

TEST_F(LedgerTest, PerCustomerEarnLimitFailsOnlyThatCustomer) {
  PromotionSpec spec;
  spec.per_customer_earns_max = 1;
  auto p = issuable("earn", spec);
  Op o = op();
  std::vector<CustomerId> first{1};
  ASSERT_TRUE(ledger_.issue(o, p.id, "c", first).ok());
  std::vector<CustomerId> both{1, 2};
  auto r = ledger_.issue(o, p.id, "d", both);  // "c" again would be a retry
  ASSERT_TRUE(r.ok());
  EXPECT_CODE((*r)[0].earned, kLimitExceeded);
  EXPECT_TRUE((*r)[1].earned.ok());
}

// An issue of the same promotion to the same customer in the same context is a retry: it
// answers the entry issued the first time, as it stands now, and issues nothing; another
// context issues anew (probe 33: a retried issueBulk granted every customer a second entry).
TEST_F(LedgerTest, AnIssueRetriedInTheSameContextAnswersTheFirstEntry) {
  PromotionSpec spec;
  spec.per_customer_earns_max = 1;
  auto p = issuable("retried", spec);
  Op o = op();
  std::vector<CustomerId> first{1, 2};
  auto issued = ledger_.issue(o, p.id, "ctx", first);
  ASSERT_TRUE(issued.ok() && (*issued)[0].earned.ok());
  const ObjectId one = (*issued)[0].earned->id;
  const Lsn lsn = ledger_.last_lsn();
  std::vector<CustomerId> again{1, 2, 3};
  Op retry = op(kOrg, kNow + kDay);
  auto r = ledger_.issue(retry, p.id, "ctx", again);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE((*r)[0].earned.ok()) << "a retry, not the earn limit";
  EXPECT_EQ((*r)[0].earned->id, one);
  EXPECT_EQ((*r)[0].earned->event_time_ms, (*issued)[0].earned->event_time_ms);
  EXPECT_TRUE((*r)[1].earned.ok());
  EXPECT_TRUE((*r)[2].earned.ok()) << "customer 3 is new in this context";
  EXPECT_EQ(ledger_.last_lsn(), lsn + 1) << "one event, for customer 3 only";
  EXPECT_GE(retry.visible_lsn, lsn) << "the answer waits for the first entries to be durable";
  EXPECT_EQ(ledger_.wallet(o, 1)->entries.size(), 1u);
  // A revoked entry stays revoked: the retry answers it, it does not re-grant.
  std::vector<EarnRevokeRequest> revoke{{p.id, {one}}};
  ASSERT_TRUE((*ledger_.revoke_earns(o, 1, revoke))[0].status.ok());
  std::vector<CustomerId> just_one{1};
  auto after = ledger_.issue(o, p.id, "ctx", just_one);
  ASSERT_TRUE(after.ok() && (*after)[0].earned.ok());
  EXPECT_EQ((*after)[0].earned->status, EarnStatus::kRevoked);
  // Another context is a new issue (here refused by the limit of one).
  EXPECT_CODE((*ledger_.issue(o, p.id, "other", just_one))[0].earned, kLimitExceeded);
}

// api.md:350-352: "The promotion is checked before the retry is recognised: a retry after the
// promotion ended or was deactivated gets 706 or 707 like a new issue, and the customer's
// wallet still shows the entry issued the first time."
TEST_F(LedgerTest, AnIssueRetriedAfterThePromotionEndedOrWasDeactivatedIsRefusedLikeANewOne) {
  PromotionSpec spec;
  spec.valid_till_ms = kNow + kDay;
  auto p = issuable("ending", spec);
  Op o = op();
  std::vector<CustomerId> one{1};
  auto issued = ledger_.issue(o, p.id, "ctx", one);
  ASSERT_TRUE(issued.ok() && (*issued)[0].earned.ok());
  const auto hash = ledger_.state_hash();
  const auto logged = sink_.events().size();
  Op late = op(kOrg, kNow + 2 * kDay);
  EXPECT_CODE(ledger_.issue(late, p.id, "ctx", one), kPromotionExpired);
  EXPECT_EQ(ledger_.state_hash(), hash);
  EXPECT_EQ(sink_.events().size(), logged);

  PromotionPatch off;
  off.active = false;
  ASSERT_TRUE(ledger_.update_promotion(o, p.id, off).ok());
  const Lsn deactivated = ledger_.last_lsn();
  const auto off_hash = ledger_.state_hash();
  Op retry = op();
  EXPECT_CODE(ledger_.issue(retry, p.id, "ctx", one), kPromotionTypeNotSupported);
  EXPECT_GE(retry.visible_lsn, deactivated) << "the 707 reveals the deactivation";
  EXPECT_EQ(ledger_.state_hash(), off_hash);
  auto wallet = ledger_.wallet(o, 1);
  ASSERT_TRUE(wallet.ok());
  ASSERT_EQ(wallet->entries.size(), 1u);
  EXPECT_EQ(wallet->entries.front().id, (*issued)[0].earned->id);
}

TEST_F(LedgerTest, RevokeEarnsReportsEachOutcome) {
  auto p = issuable("earn");
  Op o = op();
  std::vector<CustomerId> cust{1};
  ObjectId a = (*ledger_.issue(o, p.id, "c", cust))[0].earned->id;
  ObjectId b = (*ledger_.issue(o, p.id, "d", cust))[0].earned->id;
  RedeemRequest req;
  req.customer = 1;
  req.transaction_identifier = "t";
  RedemptionItem item;
  item.earned_promotion_id = b;
  req.items.push_back(item);
  ASSERT_TRUE(ledger_.redeem(o, req).ok());
  std::vector<EarnRevokeRequest> rr{{p.id, {a, b, ObjectId{}}}};
  auto r = ledger_.revoke_earns(o, 1, rr);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE((*r)[0].status.ok());
  EXPECT_EQ((*r)[1].status.code(), ErrorCode::kEarnedPromotionRedeemed);
  EXPECT_EQ((*r)[2].status.code(), ErrorCode::kEarnedPromotionNotFound);
  auto again = ledger_.revoke_earns(o, 1, rr);
  EXPECT_EQ((*again)[0].status.code(), ErrorCode::kEarnedPromotionRevoked);
  std::vector<EarnRevokeRequest> other{{p.id, {a}}};
  EXPECT_EQ((*ledger_.revoke_earns(o, 2, other))[0].status.code(), ErrorCode::kEarnedPromotionNotFound);
  EXPECT_CODE(ledger_.revoke_earns(o, 0, other), kInvalidCustomer);
  std::vector<EarnRevokeRequest> empty;
  EXPECT_CODE(ledger_.revoke_earns(o, 1, empty), kInvalidRequest);
  req.transaction_identifier = "t2";
  item.earned_promotion_id = a;
  req.items = {item};
  EXPECT_CODE(ledger_.redeem(o, req), kEarnedPromotionRevoked);
  EXPECT_CODE(ledger_.wallet(o, 0), kInvalidCustomer);
}


// issueBulk may fill wallets before the promotion starts; what it issued is redeemable from
// validFrom on, as a code of that promotion is (1002 before, nothing written).
TEST_F(LedgerTest, AnEarnedPromotionIsNotRedeemableBeforeItsPromotionStarts) {
  PromotionSpec later;
  later.valid_from_ms = kNow + kDay;
  auto p = issuable("later", later);
  Op o = op();
  std::vector<CustomerId> cust{1};
  auto issued = ledger_.issue(o, p.id, "c", cust);
  ASSERT_TRUE(issued.ok()) << issued.status().message();
  const RedeemRequest req = redeem_earned(1, "t", (*issued)[0].earned->id);
  EXPECT_CODE(ledger_.redeem(o, req), kCodeExpired);
  EXPECT_EQ(ledger_.wallet(o, 1)->entries[0].status, EarnStatus::kActive);  // nothing written
  Op started = op(kOrg, kNow + kDay);
  EXPECT_TRUE(ledger_.redeem(started, req).ok());
}

// earnValidityMs runs from the start for an entry issued ahead of it: from the issue, a day
// of validity ended before a start two days ahead, and the entry was never redeemable.
TEST_F(LedgerTest, AnEntryIssuedBeforeTheStartIsValidForEarnValidityMsFromTheStart) {
  PromotionSpec later;
  later.valid_from_ms = kNow + 2 * kDay;
  later.valid_till_ms = kNow + 10 * kDay;
  later.earn_validity_ms = kDay;
  auto p = issuable("later", later);
  Op o = op();
  std::vector<CustomerId> cust{1};
  auto issued = ledger_.issue(o, p.id, "c", cust);
  ASSERT_TRUE(issued.ok()) << issued.status().message();
  EXPECT_EQ((*issued)[0].earned->valid_till_ms, kNow + 3 * kDay);
  const RedeemRequest req = redeem_earned(1, "t", (*issued)[0].earned->id);
  Op in_window = op(kOrg, kNow + 2 * kDay + 1);
  EXPECT_TRUE(ledger_.redeem(in_window, req).ok());
  PromotionSpec started;  // issued after the start: from the issue, as before
  started.earn_validity_ms = kDay;
  auto q = issuable("started", started);
  auto now_issued = ledger_.issue(o, q.id, "c", cust);
  ASSERT_TRUE(now_issued.ok());
  EXPECT_EQ((*now_issued)[0].earned->valid_till_ms, kNow + kDay);
}

// Two calls racing to give the same externalId to two customers: exactly one wins, and the
// index names the winner (the check and the commit are one step).
TEST_F(LedgerTest, RacingUpsertsCannotGiveOneExternalIdToTwoCustomers) {
  for (int round = 0; round < 50; ++round) {
    const std::string ext = "race-" + std::to_string(round);
    std::atomic<int> won{0};
    std::vector<std::thread> threads;
    for (CustomerId id : {CustomerId(1000 + 2 * round), CustomerId(1001 + 2 * round)}) {
      threads.emplace_back([&, id] {
        Op o = op();
        CustomerProfile p;
        p.id = id;
        p.external_id = ext;
        std::vector<CustomerProfile> profs{p};
        auto r = ledger_.upsert_customers(o, profs);
        if (r.ok()) {
          won.fetch_add(1);
        } else {
          EXPECT_EQ(r.status().code(), ErrorCode::kConflict) << r.status().message();
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(won.load(), 1) << ext;
    Op o = op();
    EXPECT_TRUE(ledger_.find_customer(o, {MatchBy::kExternalId, ext, ""}).ok());
  }
}

TEST_F(LedgerTest, CustomersAreFoundByEveryIdentifier) {
  Op o = op();
  CustomerProfile p;
  p.id = 42;
  p.external_id = "ext-42";
  p.email = "x@y.z";
  p.phone = "+100";
  p.custom_fields = {{"card", "C-1"}};
  std::vector<CustomerProfile> profs{p};
  ASSERT_EQ(*ledger_.upsert_customers(o, profs), 1u);
  EXPECT_EQ(ledger_.find_customer(o, {MatchBy::kExternalId, "ext-42", ""})->id, 42u);
  EXPECT_EQ(ledger_.find_customer(o, {MatchBy::kEmail, "x@y.z", ""})->id, 42u);
  EXPECT_EQ(ledger_.find_customer(o, {MatchBy::kPhone, "+100", ""})->id, 42u);
  EXPECT_EQ(ledger_.find_customer(o, {MatchBy::kCustomField, "C-1", "card"})->email, "x@y.z");
  EXPECT_EQ(ledger_.find_customer(o, {MatchBy::kCustomerId, "42", ""})->phone, "+100");
  EXPECT_CODE(ledger_.find_customer(o, {MatchBy::kCustomerId, "4x", ""}), kInvalidCustomer);
  p.email = "new@y.z";
  profs = {p};
  ASSERT_TRUE(ledger_.upsert_customers(o, profs).ok());
  EXPECT_CODE(ledger_.find_customer(o, {MatchBy::kEmail, "x@y.z", ""}), kNotFound);
  std::vector<CustomerProfile> bad{CustomerProfile{}};
  EXPECT_CODE(ledger_.upsert_customers(o, bad), kInvalidCustomer);
  std::vector<CustomerProfile> none;
  EXPECT_CODE(ledger_.upsert_customers(o, none), kInvalidRequest);
  Op unknown = op(999);
  EXPECT_CODE(ledger_.upsert_customers(unknown, profs), kNotFound);
}

// A custom value many customers hold names its lowest-id holder, and stays found while any
// holder keeps it (a holder giving it up once dropped the value from the index for all),
// the same after a snapshot round trip.
TEST_F(LedgerTest, ASharedCustomValueNamesItsLowestHolderUntilNoneHoldsIt) {
  Op o = op();
  auto upsert_tier = [&](CustomerId id, const std::string& tier) {
    CustomerProfile p;
    p.id = id;
    p.custom_fields = {{"tier", tier}};
    std::vector<CustomerProfile> profs{p};
    ASSERT_TRUE(ledger_.upsert_customers(o, profs).ok());
  };
  auto gold_holder = [&](const Ledger& l) -> CustomerId {
    Op read = op();
    auto r = l.find_customer(read, {MatchBy::kCustomField, "gold", "tier"});
    return r.ok() ? r->id : 0;
  };
  upsert_tier(30, "gold");
  upsert_tier(20, "gold");
  upsert_tier(40, "gold");
  EXPECT_EQ(gold_holder(ledger_), 20u);
  upsert_tier(40, "silver");  // the last to take it gives it up
  EXPECT_EQ(gold_holder(ledger_), 20u);
  upsert_tier(20, "silver");
  EXPECT_EQ(gold_holder(ledger_), 30u);
  std::string snap;
  ledger_.encode_snapshot(snap);
  Ledger restored(small_options());
  ASSERT_TRUE(restored.decode_snapshot(snap).ok());
  EXPECT_EQ(gold_holder(restored), 30u);
  upsert_tier(30, "silver");
  EXPECT_EQ(gold_holder(ledger_), 0u);
  Op read = op();
  EXPECT_EQ(ledger_.find_customer(read, {MatchBy::kCustomField, "silver", "tier"})->id, 20u);
}

TEST_F(LedgerTest, PromotionAdministration) {
  Op o = op();
  auto p = promotion("first");
  EXPECT_EQ(ledger_.get_promotion_by_number(o, 1)->id, p.id);
  EXPECT_CODE(ledger_.get_promotion_by_number(o, 2), kNotFound);
  PromotionSpec dup;
  dup.name = "first";
  EXPECT_CODE(ledger_.create_promotion(o, dup), kConflict);
  dup.name = "";
  EXPECT_CODE(ledger_.create_promotion(o, dup), kInvalidRequest);
  PromotionPatch patch;
  patch.name = "renamed";
  auto u = ledger_.update_promotion(o, p.id, patch);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->spec.name, "renamed");
  EXPECT_EQ(ledger_.list_promotions(o).size(), 1u);
  Op none = op(999);
  dup.name = "x";
  EXPECT_CODE(ledger_.create_promotion(none, dup), kNotFound);
  LedgerOptions opts = small_options();
  opts.limits.promotions_per_org_max = 1;
  Ledger small(opts);
  ASSERT_TRUE(small.configure_org(kOrg, {}).ok());
  ASSERT_TRUE(small.create_promotion(o, dup).ok());
  dup.name = "y";
  EXPECT_CODE(small.create_promotion(o, dup), kLimitExceeded);
}

}  // namespace
}  // namespace codeledger::ledger::testing
