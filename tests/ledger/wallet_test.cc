// Customer wallets at size (probe 36a): look-ups through the wallet's index answer as the
// scan did, also after a snapshot load and a replay; the wallet is read a page at a time;
// an organisation's wallet_entries_max bounds what an issue adds, never what a replay does.
#include "tests/ledger/fixture.h"

#include "ledger/wallet.h"

namespace codeledger::ledger::testing {
namespace {

constexpr std::size_t kIndexed = detail::Wallet::kIndexFromEntries;

std::string context(std::size_t i) { return "ctx-" + std::to_string(i); }

class WalletTest : public LedgerTest {
 protected:
  // `n` entries of promotion p for the customer, one context each; their ids, oldest first.
  std::vector<ObjectId> fill(const PromotionView& p, CustomerId customer, std::size_t n,
                             std::size_t first = 0) {
    return fill_in(ledger_, p, customer, n, first);
  }
  // The same in ledger l.
  std::vector<ObjectId> fill_in(Ledger& l, const PromotionView& p, CustomerId customer,
                                std::size_t n, std::size_t first = 0) {
    std::vector<ObjectId> ids;
    std::vector<CustomerId> one{customer};
    for (std::size_t i = first; i < first + n; ++i) {
      Op o = op();
      auto r = l.issue(o, p.id, context(i), one);
      EXPECT_TRUE(r.ok() && (*r)[0].earned.ok()) << i;
      if (r.ok() && (*r)[0].earned.ok()) ids.push_back((*r)[0].earned->id);
    }
    return ids;
  }

  static std::vector<EarnedView> whole_wallet(Ledger& l, CustomerId customer) {
    Op o;
    o.org = kOrg;
    o.now_ms = kNow;
    auto w = l.wallet(o, customer);
    EXPECT_TRUE(w.ok());
    EXPECT_TRUE(w->next_cursor.empty());
    return w->entries;
  }

  // An ISSUABLE promotion named `name` in ledger l, whose organisation is configured.
  static Result<PromotionView> issuable_in(Ledger& l, Op& o, std::string name) {
    PromotionSpec spec;
    spec.kind = PromotionKind::kIssuable;
    spec.name = std::move(name);
    return l.create_promotion(o, spec);
  }

  void set_wallet_max(Ledger& l, std::uint32_t max) {
    OrgSettings s;
    s.wallet_entries_max = max;
    ASSERT_TRUE(l.configure_org(kOrg, s).ok());
  }
};

// A redemption of one of customer 1's wallet entries.
RedeemRequest redeem_earned(std::string txn, const ObjectId& earned) {
  return ::codeledger::ledger::testing::redeem_earned(1, std::move(txn), earned);
}

// Redeem, reverse, revoke and the issue's retry check, on entries old and new, on ledger l
// whose customer 1 holds `ids` of promotion p (and nothing of q).
void expect_lookups_answer(Ledger& l, const PromotionView& p, const PromotionView& q,
                           const std::vector<ObjectId>& ids) {
  Op o;
  o.org = kOrg;
  o.api_key = "k";
  o.now_ms = kNow;
  const ObjectId newest = ids.back();
  const ObjectId oldest = ids.front();
  const ObjectId middle = ids[ids.size() / 2];
  ASSERT_TRUE(l.redeem(o, redeem_earned("t-new", newest)).ok());
  EXPECT_CODE(l.redeem(o, redeem_earned("t-again", newest)), kEarnedPromotionRedeemed);
  ASSERT_TRUE(l.reverse_redemption(o, 1, "t-new").ok());
  ASSERT_TRUE(l.redeem(o, redeem_earned("t-new2", newest)).ok()) << "active again";

  std::vector<EarnRevokeRequest> revoke{{p.id, {oldest, middle, oldest, newest, ObjectId{}}}};
  auto r = l.revoke_earns(o, 1, revoke);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE((*r)[0].status.ok());
  EXPECT_TRUE((*r)[1].status.ok());
  EXPECT_EQ((*r)[2].status.code(), ErrorCode::kEarnedPromotionRevoked) << "listed twice";
  EXPECT_EQ((*r)[3].status.code(), ErrorCode::kEarnedPromotionRedeemed);
  EXPECT_EQ((*r)[4].status.code(), ErrorCode::kEarnedPromotionNotFound);
  std::vector<EarnRevokeRequest> other_promotion{{q.id, {ids[1]}}};
  EXPECT_EQ((*l.revoke_earns(o, 1, other_promotion))[0].status.code(),
            ErrorCode::kEarnedPromotionNotFound);
  EXPECT_CODE(l.redeem(o, redeem_earned("t-old", oldest)), kEarnedPromotionRevoked);
  EXPECT_CODE(l.redeem(o, redeem_earned("t-none", ObjectId{})), kEarnedPromotionNotFound);

  // A retry in a context already issued answers that entry as it stands, issuing nothing.
  const Lsn before = l.last_lsn();
  std::vector<CustomerId> one{1};
  auto retry = l.issue(o, p.id, context(ids.size() / 2), one);
  ASSERT_TRUE(retry.ok() && (*retry)[0].earned.ok());
  EXPECT_EQ((*retry)[0].earned->id, middle);
  EXPECT_EQ((*retry)[0].earned->status, EarnStatus::kRevoked);
  EXPECT_EQ(l.last_lsn(), before);
  auto fresh = l.issue(o, q.id, context(0), one);  // the same context, another promotion
  ASSERT_TRUE(fresh.ok() && (*fresh)[0].earned.ok());
  EXPECT_EQ(l.last_lsn(), before + 1);
}

TEST_F(WalletTest, LookUpsInAScannedWalletAndAnIndexedOneAnswerAlike) {
  for (const std::size_t n : {std::size_t{3}, kIndexed - 1, kIndexed, 3 * kIndexed + 5}) {
    Ledger l(small_options(), nullptr);
    ASSERT_TRUE(l.configure_org(kOrg, {}).ok());
    Op o = op();
    auto p = issuable_in(l, o, "p");
    auto q = issuable_in(l, o, "q");
    ASSERT_TRUE(p.ok() && q.ok());
    const std::vector<ObjectId> ids = fill_in(l, *p, 1, n);
    ASSERT_EQ(ids.size(), n);
    SCOPED_TRACE("wallet of " + std::to_string(n));
    expect_lookups_answer(l, *p, *q, ids);
  }
}

TEST_F(WalletTest, ASnapshotLoadAndAReplayRebuildTheIndex) {
  auto p = issuable("p");
  auto q = issuable("q");
  const auto ids = fill(p, 1, 2 * kIndexed + 3);
  std::string snap;
  ledger_.encode_snapshot(snap);

  Ledger restored(small_options());
  ASSERT_TRUE(restored.decode_snapshot(snap).ok());
  EXPECT_EQ(restored.state_hash(), ledger_.state_hash());
  {
    SCOPED_TRACE("snapshot");
    expect_lookups_answer(restored, p, q, ids);
  }
  Ledger replayed(small_options());
  for (const auto& bytes : sink_.events()) ASSERT_TRUE(replayed.apply(*decode_event(bytes)).ok());
  EXPECT_EQ(replayed.state_hash(), ledger_.state_hash());
  SCOPED_TRACE("replay");
  expect_lookups_answer(replayed, p, q, ids);
}

// Ids are minted unique, but an old log may name one twice, or hold two entries of one
// promotion and context (retries were issued anew before probe 33): the first issued is
// found, as the scan found it, on both sides of the index's threshold.
TEST(WalletIndex, RepeatedKeysFindTheFirstEntryAsTheScanDid) {
  detail::Wallet w;
  const auto entry = [](std::uint8_t id, std::uint32_t number, std::string ctx) {
    detail::EarnedRecord e;
    e.id.bytes[11] = id;
    e.promo_number = number;
    e.context_id = std::move(ctx);
    return e;
  };
  w.add(entry(1, 1, "a"));
  w.add(entry(1, 2, "b"));  // the id again
  w.add(entry(3, 1, "a"));  // promotion 1, context "a" again
  for (std::size_t i = w.size(); i < 2 * kIndexed; ++i) {
    w.add(entry(static_cast<std::uint8_t>(10 + i), 9, context(i)));
  }
  EXPECT_EQ(w.find(ObjectId{}), nullptr);
  EXPECT_EQ(w.find(entry(1, 0, "").id), &w.entries()[0]);
  EXPECT_EQ(w.find_issued(1, "a"), &w.entries()[0]);
  EXPECT_EQ(w.find_issued(2, "b"), &w.entries()[1]);
  EXPECT_EQ(w.find_issued(2, "a"), nullptr);
  for (std::size_t i = 3; i < w.size(); ++i) {
    EXPECT_EQ(w.find(w.entries()[i].id), &w.entries()[i]);
    EXPECT_EQ(w.find_issued(9, context(i)), &w.entries()[i]);
  }
  std::vector<detail::EarnedRecord> copy(w.entries().begin(), w.entries().end());
  detail::Wallet loaded;
  loaded.assign(std::move(copy));
  EXPECT_EQ(loaded.find(entry(1, 0, "").id), &loaded.entries()[0]);
  EXPECT_EQ(loaded.find_issued(1, "a"), &loaded.entries()[0]);
  EXPECT_EQ(loaded.find_issued(9, context(2 * kIndexed - 1)), &loaded.entries().back());
}

TEST_F(WalletTest, PagesFollowTheCursorFromTheFirstEntryToTheLast) {
  auto p = issuable("p");
  const auto ids = fill(p, 1, 25);
  Op o = op();
  std::vector<ObjectId> seen;
  std::string cursor;
  std::vector<std::size_t> sizes;
  do {
    auto page = ledger_.wallet(o, 1, cursor, 10);
    ASSERT_TRUE(page.ok()) << page.status().message();
    sizes.push_back(page->entries.size());
    for (const EarnedView& e : page->entries) seen.push_back(e.id);
    cursor = page->next_cursor;
  } while (!cursor.empty());
  EXPECT_EQ(sizes, (std::vector<std::size_t>{10, 10, 5}));
  EXPECT_EQ(seen, ids) << "oldest first, each entry once";
  // A last page that is exactly full has no cursor: none leads to an empty page.
  auto first = ledger_.wallet(o, 1, {}, 20);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->next_cursor, "w20");
  auto last = ledger_.wallet(o, 1, first->next_cursor, 5);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->entries.size(), 5u);
  EXPECT_TRUE(last->next_cursor.empty());
  EXPECT_EQ(whole_wallet(ledger_, 1).size(), 25u);
  EXPECT_TRUE(whole_wallet(ledger_, 2).empty()) << "an unknown customer's wallet is empty";
}

TEST_F(WalletTest, APageHoldsAtMostWalletPageMaxEntries) {
  LedgerOptions options = small_options();
  options.limits.wallet_page_max = 4;
  Ledger l(options, nullptr);
  ASSERT_TRUE(l.configure_org(kOrg, {}).ok());
  Op o = op();
  auto p = issuable_in(l, o, "p");
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(fill_in(l, *p, 1, 6).size(), 6u);
  for (const std::size_t limit : {std::size_t{0}, std::size_t{4}, std::size_t{100}}) {
    auto page = l.wallet(o, 1, {}, limit);
    ASSERT_TRUE(page.ok());
    EXPECT_EQ(page->entries.size(), 4u) << limit;
    EXPECT_EQ(page->next_cursor, "w4");
  }
}

// A cursor names an entry of the wallet, as every one handed out does. The end itself ("w3"
// of three entries) was an empty last page, though no page hands it out and the export
// refuses its own (probe 41a); an empty cursor is the first page, as an absent one.
TEST_F(WalletTest, ACursorThatNamesNoEntryIsRefused) {
  auto p = issuable("p");
  fill(p, 1, 3);
  Op o = op();
  // "w01" and "w+1" name position 1 in a spelling the ledger never hands out.
  for (const char* bad : {"x", "w", "w-1", "w1x", "c0.1", "w3", "w4", "w18446744073709551616",
                          "w01", "w+1", "w00"}) {
    SCOPED_TRACE(bad);
    EXPECT_CODE(ledger_.wallet(o, 1, bad, 2), kInvalidRequest);
  }
  auto last = ledger_.wallet(o, 1, "w2", 2);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->entries.size(), 1u);
  EXPECT_TRUE(last->next_cursor.empty());
  auto first = ledger_.wallet(o, 1, "", 2);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->entries.size(), 2u);
  EXPECT_EQ(first->next_cursor, "w2");
  EXPECT_CODE(ledger_.wallet(o, 2, "w0", 2), kInvalidRequest);  // an empty wallet: no entry
  EXPECT_TRUE(ledger_.wallet(o, 2, "", 2)->entries.empty());
  Op other = op(kOtherOrg);
  EXPECT_CODE(ledger_.wallet(other, 1, "w0", 2), kInvalidRequest);
  EXPECT_TRUE(ledger_.wallet(other, 1, "", 2)->entries.empty());
}

TEST_F(WalletTest, AnIssueUpToTheWalletLimitIsAcceptedAndOnePastItRefused) {
  set_wallet_max(ledger_, 5);
  auto p = issuable("p");
  fill(p, 1, 4);
  std::vector<CustomerId> one{1};
  Op o = op();
  auto fifth = ledger_.issue(o, p.id, "fifth", one);
  ASSERT_TRUE(fifth.ok() && (*fifth)[0].earned.ok()) << "the limit itself is reached";

  const auto hash = ledger_.state_hash();
  const auto logged = sink_.events().size();
  auto sixth = ledger_.issue(o, p.id, "sixth", one);
  ASSERT_TRUE(sixth.ok());
  EXPECT_CODE((*sixth)[0].earned, kLimitExceeded);
  const std::string message = (*sixth)[0].earned.status().message();
  EXPECT_NE(message.find("customer 1's wallet holds 5 entries"), std::string::npos) << message;
  EXPECT_NE(message.find("wallet_entries_max (5"), std::string::npos) << message;
  EXPECT_EQ(ledger_.state_hash(), hash) << "nothing changed";
  EXPECT_EQ(sink_.events().size(), logged) << "nothing logged";

  // Other customers of the same call are issued; a retry of an entry held is answered.
  std::vector<CustomerId> both{1, 2};
  auto mixed = ledger_.issue(o, p.id, "seventh", both);
  ASSERT_TRUE(mixed.ok());
  EXPECT_CODE((*mixed)[0].earned, kLimitExceeded);
  EXPECT_TRUE((*mixed)[1].earned.ok());
  auto retry = ledger_.issue(o, p.id, "fifth", one);
  ASSERT_TRUE(retry.ok());
  EXPECT_EQ((*retry)[0].earned->id, (*fifth)[0].earned->id);
  EXPECT_EQ(whole_wallet(ledger_, 1).size(), 5u);
}

// Revoked and redeemed entries stay in the wallet (its history), so they count.
TEST_F(WalletTest, RevokedAndRedeemedEntriesCountTowardTheWalletLimit) {
  set_wallet_max(ledger_, 2);
  auto p = issuable("p");
  const auto ids = fill(p, 1, 2);
  Op o = op();
  std::vector<EarnRevokeRequest> revoke{{p.id, {ids[0]}}};
  ASSERT_TRUE((*ledger_.revoke_earns(o, 1, revoke))[0].status.ok());
  ASSERT_TRUE(ledger_.redeem(o, redeem_earned("t", ids[1])).ok());
  std::vector<CustomerId> one{1};
  EXPECT_CODE((*ledger_.issue(o, p.id, "third", one))[0].earned, kLimitExceeded);
}

// What the log holds was acknowledged: a replay or snapshot load under a lower limit applies
// it all, and the limit then refuses new entries only.
TEST_F(WalletTest, AReplayAndASnapshotLoadAreNeverRefusedByTheWalletLimit) {
  auto p = issuable("p");
  fill(p, 1, 8);
  std::string snap;
  ledger_.encode_snapshot(snap);
  for (const bool from_snapshot : {false, true}) {
    SCOPED_TRACE(from_snapshot ? "snapshot" : "replay");
    Ledger lower(small_options());
    set_wallet_max(lower, 3);
    if (from_snapshot) {
      ASSERT_TRUE(lower.decode_snapshot(snap).ok());
    } else {
      for (const auto& bytes : sink_.events()) ASSERT_TRUE(lower.apply(*decode_event(bytes)).ok());
    }
    EXPECT_EQ(lower.state_hash(), ledger_.state_hash());
    EXPECT_EQ(whole_wallet(lower, 1).size(), 8u);
    Op o = op();
    std::vector<CustomerId> one{1};
    EXPECT_CODE((*lower.issue(o, p.id, "ninth", one))[0].earned, kLimitExceeded);
    EXPECT_TRUE((*lower.issue(o, p.id, context(7), one))[0].earned.ok()) << "a retry";
  }
}

}  // namespace
}  // namespace codeledger::ledger::testing
