// A wallet entry's end is its own (earnValidityMs) within its promotion's CURRENT end, as a
// code's is: a promotion extended, shortened or given an end after the issue moves its
// entries' end along. An entry used to keep the promotion's end as it was at the issue: after
// an extension redeem refused it as expired, and an entry of a promotion without an end
// showed none after the promotion was given one that redeem enforced. The wallet, the
// issue's answer and redeem must all tell the same end, also after a replay or snapshot load.
#include <optional>

#include "tests/ledger/fixture.h"

namespace codeledger::ledger::testing {
namespace {

constexpr CustomerId kCustomer = 1;

class WalletEntryEndTest : public LedgerTest {
 protected:
  // Issues promotion p to kCustomer in context `ctx` at kNow (a retry when it was issued in
  // that context before); the entry as the issue's answer gives it, nullopt on a refusal.
  std::optional<EarnedView> issue_answer(const PromotionView& p, const std::string& ctx = "c") {
    Op o = op();
    std::vector<CustomerId> one{kCustomer};
    auto r = ledger_.issue(o, p.id, ctx, one);
    if (!r.ok() || !(*r)[0].earned.ok()) return std::nullopt;
    return *(*r)[0].earned;
  }
  // The same, for its id.
  ObjectId issue_entry(const PromotionView& p, const std::string& ctx = "c") {
    const auto e = issue_answer(p, ctx);
    EXPECT_TRUE(e.has_value());
    return e ? e->id : ObjectId{};
  }
  void set_promotion_end(const PromotionView& p, TimeMs till) {
    PromotionPatch patch;
    patch.valid_till_ms = till;
    update(p, patch);
  }
  void set_promotion_start(const PromotionView& p, TimeMs from) {
    PromotionPatch patch;
    patch.valid_from_ms = from;
    update(p, patch);
  }
  void update(const PromotionView& p, const PromotionPatch& patch) {
    Op o = op();
    auto r = ledger_.update_promotion(o, p.id, patch);
    ASSERT_TRUE(r.ok()) << r.status().message();
  }
  // The validTill the wallet shows for kCustomer's first entry in ledger l.
  static TimeMs shown_end(Ledger& l) {
    Op o;
    o.org = kOrg;
    o.now_ms = kNow;
    auto w = l.wallet(o, kCustomer);
    EXPECT_TRUE(w.ok() && !w->entries.empty());
    return w.ok() && !w->entries.empty() ? w->entries[0].valid_till_ms : -1;
  }
  TimeMs shown_end() { return shown_end(ledger_); }
  static Status redeem_at(Ledger& l, const ObjectId& entry, TimeMs now, std::string txn) {
    const RedeemRequest req = redeem_earned(kCustomer, std::move(txn), entry);
    Op o;
    o.org = kOrg;
    o.api_key = "k";
    o.now_ms = now;
    auto r = l.redeem(o, req);
    return r.ok() ? Status::Ok() : r.status();
  }
  Status redeem_at(const ObjectId& entry, TimeMs now, std::string txn = "t") {
    return redeem_at(ledger_, entry, now, std::move(txn));
  }
};

TEST_F(WalletEntryEndTest, ExtendingThePromotionAfterAnIssueExtendsItsEntries) {
  PromotionSpec spec;
  spec.valid_till_ms = kNow + kDay;
  auto p = issuable("p", spec);
  const ObjectId entry = issue_entry(p);
  EXPECT_EQ(shown_end(), kNow + kDay);
  set_promotion_end(p, kNow + 5 * kDay);
  EXPECT_EQ(shown_end(), kNow + 5 * kDay);
  EXPECT_TRUE(redeem_at(entry, kNow + 2 * kDay).ok()) << "the promotion runs until day 5";
}

TEST_F(WalletEntryEndTest, AnEntryOfAPromotionWithoutAnEndTakesTheEndItIsGivenLater) {
  auto p = issuable("p");
  const ObjectId entry = issue_entry(p);
  EXPECT_EQ(shown_end(), kNoTime);
  set_promotion_end(p, kNow + kDay);
  EXPECT_EQ(shown_end(), kNow + kDay);
  // The issue's retry answers the entry as it stands now: with that end too.
  const auto retry = issue_answer(p);
  ASSERT_TRUE(retry.has_value());
  EXPECT_EQ(retry->valid_till_ms, kNow + kDay);
  EXPECT_CODE(redeem_at(entry, kNow + 2 * kDay), kCodeExpired);
  EXPECT_TRUE(redeem_at(entry, kNow + kDay).ok()) << "its last millisecond still redeems";
}

TEST_F(WalletEntryEndTest, EarnValidityShorterThanThePromotionStillBoundsTheEntry) {
  PromotionSpec spec;
  spec.valid_till_ms = kNow + 10 * kDay;
  spec.earn_validity_ms = kDay;
  auto p = issuable("p", spec);
  const ObjectId entry = issue_entry(p);
  set_promotion_end(p, kNow + 20 * kDay);
  EXPECT_EQ(shown_end(), kNow + kDay);
  EXPECT_CODE(redeem_at(entry, kNow + 2 * kDay), kCodeExpired);
  EXPECT_TRUE(redeem_at(entry, kNow + kDay).ok());
}

// The promotion's end before earnValidityMs runs out at the issue, then after an extension:
// the entry's own end takes over where it is the earlier one.
TEST_F(WalletEntryEndTest, AnEntryCutByItsPromotionsEndGetsItsOwnEndBackWhenExtended) {
  PromotionSpec spec;
  spec.valid_till_ms = kNow + kDay;
  spec.earn_validity_ms = 3 * kDay;
  auto p = issuable("p", spec);
  const auto issued = issue_answer(p);
  ASSERT_TRUE(issued.has_value());
  EXPECT_EQ(issued->valid_till_ms, kNow + kDay) << "the issue's answer";
  EXPECT_EQ(shown_end(), kNow + kDay);
  set_promotion_end(p, kNow + 10 * kDay);
  EXPECT_EQ(shown_end(), kNow + 3 * kDay);
  const ObjectId entry = issued->id;
  EXPECT_CODE(redeem_at(entry, kNow + 4 * kDay), kCodeExpired);
  EXPECT_TRUE(redeem_at(entry, kNow + 2 * kDay).ok());
}

TEST_F(WalletEntryEndTest, ShorteningThePromotionBoundsItsEntries) {
  PromotionSpec spec;
  spec.valid_till_ms = kNow + 10 * kDay;
  spec.earn_validity_ms = 5 * kDay;
  auto p = issuable("p", spec);
  const ObjectId entry = issue_entry(p);
  EXPECT_EQ(shown_end(), kNow + 5 * kDay);
  set_promotion_end(p, kNow + kDay);
  EXPECT_EQ(shown_end(), kNow + kDay);
  EXPECT_CODE(redeem_at(entry, kNow + 2 * kDay), kCodeExpired);
}

// An entry whose own end (earnValidityMs) comes before its promotion's start, moved after the
// issue, can never be redeemed: it was refused as "not yet redeemable", which promised a use
// that never comes and disagreed with the wallet's end; a code in the same place is "will
// never be redeemable" (probe 41a). An entry whose end simply passed has expired.
TEST_F(WalletEntryEndTest, AnEntryThatEndsBeforeItsPromotionStartsWillNeverBeRedeemable) {
  PromotionSpec spec;
  spec.earn_validity_ms = kDay;
  auto p = issuable("p", spec);
  const ObjectId moved = issue_entry(p, "moved");
  const ObjectId passed = issue_entry(p, "passed");
  EXPECT_EQ(redeem_at(passed, kNow + 2 * kDay, "t1").message(),
            "earned promotion " + passed.hex() + " has expired");
  set_promotion_start(p, kNow + 5 * kDay);
  const std::string never = "earned promotion " + moved.hex() +
                            " will never be redeemable: its window opens after it closes (its "
                            "own end, from earnValidityMs, is before its promotion's validFrom)";
  for (TimeMs now : {kNow, kNow + 2 * kDay}) {
    const Status s = redeem_at(moved, now, "t2");
    EXPECT_CODE(s, kCodeExpired);
    EXPECT_EQ(s.message(), never) << "at " << now;
  }
  EXPECT_EQ(shown_end(), kNow + kDay) << "the wallet shows the end that closed it";
  EXPECT_EQ(redeem_at(moved, kNow + 6 * kDay, "t3").message(),
            "earned promotion " + moved.hex() + " has expired");
}

// An entry's end is capped at kEndMaxMs, the bound of request times, so that its number and
// its ISO twin name the same instant: issue time (or validFrom) plus an earnValidityMs near
// the bound passed year 9999, where the twin showed the bound itself (probe 41a).
TEST_F(WalletEntryEndTest, AnEndPastTheTimeBoundIsCappedAtIt) {
  PromotionSpec spec;
  spec.earn_validity_ms = kEndMaxMs;
  auto p = issuable("p", spec);
  const auto issued = issue_answer(p);
  ASSERT_TRUE(issued.has_value());
  EXPECT_EQ(issued->valid_till_ms, kEndMaxMs) << "the issue's answer";
  EXPECT_EQ(shown_end(), kEndMaxMs);

  PromotionSpec ahead;
  ahead.valid_from_ms = kNow + kDay;
  ahead.earn_validity_ms = kEndMaxMs - kDay;  // from validFrom: past the bound by kNow
  auto later = issuable("later", ahead);
  const auto from_start = issue_answer(later);
  ASSERT_TRUE(from_start.has_value());
  EXPECT_EQ(from_start->valid_till_ms, kEndMaxMs);
  PromotionSpec within;
  within.earn_validity_ms = kEndMaxMs - kNow - 1;  // a millisecond short of it: as counted
  auto short_of = issuable("short of the bound", within);
  const auto kept = issue_answer(short_of);
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->valid_till_ms, kEndMaxMs - 1);
  const ObjectId entry = issued->id;
  EXPECT_TRUE(redeem_at(entry, kEndMaxMs, "t1").ok()) << "its last millisecond still redeems";
  expect_log_rebuilds(sink_, ledger_);
}

// An entry logged before issues capped its end (an older server wrote the sum as it came)
// reads as capped too: its validTill and the ISO twin name the same instant.
TEST_F(WalletEntryEndTest, AnUncappedEndFromAnOlderLogReadsAsTheBound) {
  PromotionSpec spec;
  spec.earn_validity_ms = kDay;
  issue_entry(issuable("p", spec));
  Ledger replica(small_options());
  for (const auto& bytes : sink_.events()) {
    auto e = decode_event(bytes);
    ASSERT_TRUE(e.ok());
    if (auto* earned = std::get_if<PromotionsEarned>(&e->body)) {
      earned->entries.at(0).valid_till_ms = kEndMaxMs + kDay;  // as an older server logged it
    }
    ASSERT_TRUE(replica.apply(*e).ok());
  }
  EXPECT_EQ(shown_end(replica), kEndMaxMs);
}

// What the log and a snapshot hold gives the same ends and the same answers: entries of an
// extended promotion and of one given an end after the issue.
TEST_F(WalletEntryEndTest, AReplayAndASnapshotLoadKeepTheEntriesEnds) {
  PromotionSpec ending;
  ending.valid_till_ms = kNow + kDay;
  auto extended = issuable("extended", ending);
  auto endless = issuable("endless");
  const ObjectId first = issue_entry(extended, "a");
  const ObjectId second = issue_entry(endless, "b");
  set_promotion_end(extended, kNow + 5 * kDay);
  set_promotion_end(endless, kNow + 2 * kDay);
  std::string snap;
  ledger_.encode_snapshot(snap);
  Ledger restored(small_options());
  ASSERT_TRUE(restored.decode_snapshot(snap).ok());
  Ledger replayed(small_options());
  for (const auto& bytes : sink_.events()) ASSERT_TRUE(replayed.apply(*decode_event(bytes)).ok());
  for (Ledger* l : {&ledger_, &restored, &replayed}) {
    Op o;
    o.org = kOrg;
    o.now_ms = kNow;
    auto w = l->wallet(o, kCustomer);
    ASSERT_TRUE(w.ok());
    ASSERT_EQ(w->entries.size(), 2u);
    EXPECT_EQ(w->entries[0].valid_till_ms, kNow + 5 * kDay);
    EXPECT_EQ(w->entries[1].valid_till_ms, kNow + 2 * kDay);
    EXPECT_TRUE(redeem_at(*l, first, kNow + 4 * kDay, "t1").ok());
    EXPECT_CODE(redeem_at(*l, second, kNow + 3 * kDay, "t2"), kCodeExpired);
  }
  EXPECT_EQ(restored.state_hash(), replayed.state_hash());
}

}  // namespace
}  // namespace codeledger::ledger::testing
