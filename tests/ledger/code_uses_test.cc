// get_code_uses: a code's use summary (uses, first standing use, highest activate
// key), kept on its newest link by every redeem and reversal, must give what the code's whole
// history gives, live, after a replay of the log and after a snapshot load with the log's
// tail replayed on top (Altcraft's get and activate read it instead of the history; probe 36a).
#include <optional>
#include <random>
#include <variant>

#include "ledger/activate_key.h"
#include "tests/ledger/fixture.h"

namespace codeledger::ledger::testing {
namespace {

constexpr TimeMs kMinute = 60'000;

// What the summary must equal: the same figures read from the whole history.
struct Expected {
  std::uint64_t uses = 0;  // items naming the code, over its history's rows
  TimeMs first_standing_ms = kNoTime;
  std::uint64_t highest_activate_use = 0;
  bool operator==(const Expected&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Expected& e) {
  return os << "{uses " << e.uses << ", first standing " << e.first_standing_ms
            << ", highest activate use " << e.highest_activate_use << "}";
}

Expected from_history(const std::vector<RedemptionView>& rows, std::string_view code) {
  Expected e;
  for (const RedemptionView& r : rows) {
    // A row per redemption; a use per item naming the code (a redemption may name it twice).
    for (const RedemptionItem& item : r.items) {
      if (item.code && item.mode == Mode::kDiscount && item.code->view() == code) ++e.uses;
    }
    if (!r.reversed && e.first_standing_ms == kNoTime) e.first_standing_ms = r.redeemed_ms;
    if (auto use = activate_key_use(r.transaction_identifier, code)) {
      e.highest_activate_use = std::max(e.highest_activate_use, *use);
    }
  }
  return e;
}

class CodeUsesTest : public LedgerTest {
 protected:
  static constexpr CustomerId kCustomers[] = {11, 12, 13};

  void SetUp() override { codes_ = unlimited_codes("USES", 3); }

  static Expected summary(Ledger& ledger, const std::string& code) {
    Op o;
    o.org = kOrg;
    o.now_ms = kNow;
    auto uses = ledger.get_code_uses(o, Mode::kDiscount, code);
    EXPECT_TRUE(uses.ok()) << uses.status().message();
    if (!uses.ok()) return {};
    EXPECT_EQ(uses->code.code.view(), code);
    EXPECT_TRUE(uses->code.redemptions.empty()) << "the summary builds no history";
    return {uses->use_count, uses->first_standing_ms, uses->highest_activate_use};
  }
  Expected history_of(const std::string& code) { return history_of(ledger_, code); }
  Expected history_of(Ledger& ledger, const std::string& code) {
    Op o = op();
    const std::string codes[] = {code};
    auto history = ledger.redemption_history(o, Mode::kDiscount, codes);
    EXPECT_TRUE(history[0].ok()) << history[0].status().message();
    return history[0].ok() ? from_history(*history[0], code) : Expected{};
  }
  void expect_summaries_match_history(const std::string& when) {
    expect_summaries_match_history(ledger_, when);
  }
  void expect_summaries_match_history(Ledger& ledger, const std::string& when) {
    for (const std::string& code : codes_) {
      EXPECT_EQ(summary(ledger, code), history_of(ledger, code)) << code << " " << when;
    }
  }
  void expect_same_summaries(Ledger& other) {
    for (const std::string& code : codes_) EXPECT_EQ(summary(other, code), summary(ledger_, code)) << code;
  }

  // One redemption naming `items` (codes, possibly one twice), a minute after the last.
  void redeem_items(CustomerId customer, const std::string& txn, std::vector<std::string> items) {
    now_ += kMinute;
    RedeemRequest req;
    req.customer = customer;
    req.transaction_identifier = txn;
    for (const std::string& code : items) {
      RedemptionItem item;
      item.code = *CodeKey::make(code);
      req.items.push_back(item);
    }
    Op o = op(kOrg, now_);
    auto r = ledger_.redeem(o, req);
    ASSERT_TRUE(r.ok()) << r.status().message();
    ASSERT_FALSE(r->replayed) << txn;
    done_.push_back({customer, txn});
  }
  void reverse(CustomerId customer, const std::string& txn) {
    now_ += kMinute;
    Op o = op(kOrg, now_);
    ASSERT_TRUE(ledger_.reverse_redemption(o, customer, txn).ok()) << txn;
  }

  // Logs and applies a Redeemed event naming the earlier transaction (customer, txn) again,
  // as an auditor's or a restored log may (a live command answers a repeated transaction with
  // its first result and logs nothing): the record is rewritten to name `items`, at a later
  // time, standing unless `reversed`.
  void rewrite(CustomerId customer, const std::string& txn, std::vector<std::string> items,
               bool reversed = false) {
    std::optional<Event> again;
    for (const std::string& bytes : sink_.events()) {
      auto e = decode_event(bytes);
      ASSERT_TRUE(e.ok());
      const auto* r = std::get_if<Redeemed>(&e->body);
      if (r != nullptr && r->redemption.customer == customer &&
          r->redemption.transaction_identifier == txn) {
        again = std::move(*e);
        break;
      }
    }
    ASSERT_TRUE(again.has_value()) << txn;
    now_ += kMinute;
    RedemptionView& v = std::get<Redeemed>(again->body).redemption;
    const ObjectId promotion = v.items.front().promotion_id;
    v.items.clear();
    for (const std::string& code : items) {
      RedemptionItem item;
      item.code = *CodeKey::make(code);
      item.promotion_id = promotion;
      v.items.push_back(item);
    }
    again->header.time_ms = v.redeemed_ms = now_;
    v.reversed = reversed;
    v.reversed_ms = reversed ? now_ : 0;
    ASSERT_TRUE(sink_.stage(*again).ok());  // the log holds it: a replay applies it too
    ASSERT_TRUE(ledger_.apply(*again).ok());
  }

  // The number Altcraft's activate claims next (server/altcraft/codes.cc): keys never repeat.
  std::uint64_t next_use(const std::string& code) {
    const Expected e = summary(ledger_, code);
    return std::max(e.uses, e.highest_activate_use) + 1;
  }

  // A redemption under the activate key `skip` past the next, or past that while the key is
  // held, as Altcraft's activate goes past a held key: a rewrite may leave a key held by a
  // redemption that is no longer this code's use.
  void activate(CustomerId customer, const std::string& code, std::uint64_t skip) {
    for (std::uint64_t n = next_use(code) + skip;; ++n) {
      const std::pair<CustomerId, std::string> key{customer, activate_key(code, n)};
      if (std::find(done_.begin(), done_.end(), key) != done_.end()) continue;
      redeem_items(customer, key.second, {code});
      return;
    }
  }

  // A seeded mix of `steps` redeems (plain keys, activate keys in order, skipped ahead and
  // of other codes, one code named twice, two codes at once) and reversals (of any earlier
  // redemption, the first use of a code included); with `rewrites`, also logged events that
  // name an earlier transaction again (rewrite), with other codes or the same, standing or not.
  void run_mix(std::uint32_t seed, int steps, bool rewrites = false) {
    std::mt19937 rng(seed);
    auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
    for (int i = 0; i < steps; ++i) {
      const std::string& code = codes_[pick(codes_.size())];
      const CustomerId customer = kCustomers[pick(std::size(kCustomers))];
      const std::string txn = "mix-" + std::to_string(seed) + "-" + std::to_string(i);
      switch (pick(rewrites ? 9 : 7)) {
        case 0: redeem_items(customer, txn, {code}); break;
        case 1: activate(customer, code, 0); break;
        case 2: activate(customer, code, 1 + pick(3)); break;
        case 3: redeem_items(customer, activate_key(codes_[0], 5000 + done_.size()), {codes_[1]}); break;
        case 4: redeem_items(customer, txn, {code, code}); break;
        case 5: redeem_items(customer, txn, {codes_[0], codes_[2]}); break;
        case 7:
        case 8: {
          if (done_.empty()) break;
          const auto [who, key] = done_[pick(done_.size())];
          std::vector<std::string> items{code};
          if (pick(3) == 0) items.push_back(codes_[pick(codes_.size())]);
          rewrite(who, key, items, /*reversed=*/pick(4) == 0);
          break;
        }
        default:
          if (done_.empty()) break;
          const auto [who, key] = done_[pick(done_.size())];
          Op o = op(kOrg, now_ + kMinute);
          now_ += kMinute;
          auto reversed = ledger_.reverse_redemption(o, who, key);  // may be reversed already
          EXPECT_TRUE(reversed.ok() || reversed.status().code() == ErrorCode::kInvalidRequest);
      }
      if (::testing::Test::HasFailure()) return;
      expect_summaries_match_history("after step " + std::to_string(i));
    }
  }

  std::vector<std::string> codes_;
  std::vector<std::pair<CustomerId, std::string>> done_;  // redemptions made, in order
  TimeMs now_ = kNow;
};

TEST_F(CodeUsesTest, AnUnusedCodeHasNoUses) {
  EXPECT_EQ(summary(ledger_, codes_[0]), Expected{});
  Op o = op();
  EXPECT_CODE(ledger_.get_code_uses(o, Mode::kDiscount, "NOSUCH01"), kInvalidCode);
  EXPECT_CODE(ledger_.get_code_uses(o, Mode::kDiscount, "bad"), kCodeTooShort);
}

TEST_F(CodeUsesTest, ReversingTheFirstStandingUseMovesItToTheNextThatStands) {
  const std::string& code = codes_[0];
  redeem_items(11, "first", {code});
  redeem_items(12, "second", {code});
  redeem_items(13, "third", {code});
  const TimeMs first = kNow + kMinute, third = kNow + 3 * kMinute;
  reverse(12, "second");  // a later use: the first still stands
  EXPECT_EQ(summary(ledger_, code), (Expected{3, first, 0}));
  reverse(11, "first");  // passes the reversed second use
  EXPECT_EQ(summary(ledger_, code), (Expected{3, third, 0}));
  reverse(13, "third");
  EXPECT_EQ(summary(ledger_, code), (Expected{3, kNoTime, 0}));
  redeem_items(11, "fourth", {code});
  EXPECT_EQ(summary(ledger_, code), (Expected{4, kNow + 7 * kMinute, 0}));
  expect_summaries_match_history("after the fourth use");
}

TEST_F(CodeUsesTest, OnlyTheCodesOwnWellFormedActivateKeysCount) {
  const std::string& code = codes_[0];
  redeem_items(11, activate_key(codes_[1], 90), {code});     // another code's key
  redeem_items(11, activate_key(code, 7) + "x", {code});      // not all digits
  redeem_items(11, std::string(kActivateKeyPrefix) + code + ":", {code});  // no number
  redeem_items(11, std::string(kActivateKeyPrefix) + code + ":-8", {code});
  redeem_items(11, std::string(kActivateKeyPrefix) + code + ":99999999999999999999", {code});  // > 64 bits
  EXPECT_EQ(summary(ledger_, code).highest_activate_use, 0u);
  redeem_items(11, std::string(kActivateKeyPrefix) + code + ":0042", {code});
  EXPECT_EQ(summary(ledger_, code).highest_activate_use, 42u);
  EXPECT_EQ(summary(ledger_, code).uses, 6u);
  expect_summaries_match_history("after the keys");
}

// Altcraft's activate claims max(uses, highest) + 1, and a few more past keys found held
// (server/altcraft/codes.cc): a number near 2^64, which any Capillary client may name its
// transaction with, wrapped that to 0, 1, ... and each later activate needed one attempt more,
// until every activate of the code was refused. Numbers no sequence of activates reaches
// are not counted; the key is still the redemption's and still held.
TEST_F(CodeUsesTest, AnActivateNumberNoActivateReachesIsNotCounted) {
  const std::string& code = codes_[0];
  constexpr std::uint64_t kAttemptsRoom = 1'000'000;  // far more than activate ever adds
  redeem_items(11, activate_key(code, 3), {code});
  for (const std::uint64_t huge : {18'446'744'073'709'551'615ull, 18'446'744'073'709'551'000ull,
                                   9'000'000'000'000'000'000ull}) {
    redeem_items(11, activate_key(code, huge), {code});
    const Expected e = summary(ledger_, code);
    EXPECT_LE(std::max(e.uses, e.highest_activate_use), ~std::uint64_t{0} - kAttemptsRoom)
        << huge;
  }
  EXPECT_EQ(summary(ledger_, code), (Expected{4, kNow + kMinute, 3}));
  expect_summaries_match_history("after the huge keys");
}

TEST_F(CodeUsesTest, ACodeNamedTwiceInOneRedemptionHasTwoUses) {
  const std::string& code = codes_[0];
  redeem_items(11, "twice", {code, code});
  EXPECT_EQ(summary(ledger_, code), (Expected{2, kNow + kMinute, 0}));
  reverse(11, "twice");
  EXPECT_EQ(summary(ledger_, code), (Expected{2, kNoTime, 0}));
  expect_summaries_match_history("after the reversal");
}

TEST_F(CodeUsesTest, AMixOfRedeemsActivatesAndReversalsMatchesTheHistory) {
  run_mix(/*seed=*/36, /*steps=*/300);
}

TEST_F(CodeUsesTest, ReplayOfTheLogRebuildsTheSummaries) {
  run_mix(/*seed=*/37, /*steps=*/150);
  Ledger replica(small_options());
  for (const auto& bytes : sink_.events()) {
    auto e = decode_event(bytes);
    ASSERT_TRUE(e.ok());
    ASSERT_TRUE(replica.apply(*e).ok());
  }
  expect_same_summaries(replica);
}

// Recovery's shape: the newest snapshot, then the log after it. A snapshot's code links
// arrive before the redemptions that say which uses are reversed.
TEST_F(CodeUsesTest, ASnapshotAndTheLogAfterItRebuildTheSummaries) {
  run_mix(/*seed=*/38, /*steps=*/120);
  // Reverse every code's first use, so the snapshot holds moved first standing uses.
  for (const std::string& code : codes_) {
    Op o = op();
    const std::string codes[] = {code};
    auto history = ledger_.redemption_history(o, Mode::kDiscount, codes);
    ASSERT_TRUE(history[0].ok());
    if (!history[0]->empty() && !history[0]->front().reversed) {
      reverse(history[0]->front().customer, history[0]->front().transaction_identifier);
    }
  }
  expect_summaries_match_history("before the snapshot");
  std::string snapshot;
  ledger_.encode_snapshot(snapshot);
  const std::size_t logged = sink_.events().size();
  run_mix(/*seed=*/39, /*steps=*/120);

  Ledger restored(small_options());
  ASSERT_TRUE(restored.decode_snapshot(snapshot).ok());
  const auto events = sink_.events();
  for (std::size_t i = logged; i < events.size(); ++i) {
    auto e = decode_event(events[i]);
    ASSERT_TRUE(e.ok());
    ASSERT_TRUE(restored.apply(*e).ok());
  }
  EXPECT_EQ(restored.state_hash(), ledger_.state_hash());
  expect_same_summaries(restored);
}

// A log naming one transaction twice rewrites its redemption in place. Reversed, then
// rewritten standing: the code's oldest use stands again, in its new place (after the use
// that stood first meanwhile), and the summary says so.
TEST_F(CodeUsesTest, ARewrittenReversedTransactionStandsInItsNewPlace) {
  const std::string& code = codes_[0];
  redeem_items(11, "first", {code});
  redeem_items(12, "second", {code});
  reverse(11, "first");
  rewrite(11, "first", {code});
  EXPECT_EQ(summary(ledger_, code), (Expected{2, kNow + 2 * kMinute, 0}));
  expect_summaries_match_history("after the rewrite");
}

// Rewritten to name another code, a transaction is no longer a use of the first one: its
// reversal later must not leave that code's summary on it.
TEST_F(CodeUsesTest, ATransactionRewrittenToAnotherCodeLeavesTheFirstCodesUses) {
  redeem_items(11, "first", {codes_[0]});
  redeem_items(12, "second", {codes_[0]});
  rewrite(11, "first", {codes_[1]});
  expect_summaries_match_history("after the rewrite");
  EXPECT_EQ(summary(ledger_, codes_[0]), (Expected{1, kNow + 2 * kMinute, 0}));
  EXPECT_EQ(summary(ledger_, codes_[1]), (Expected{1, kNow + 3 * kMinute, 0}));
  reverse(11, "first");
  expect_summaries_match_history("after the reversal");
  EXPECT_EQ(summary(ledger_, codes_[0]), (Expected{1, kNow + 2 * kMinute, 0}));
  EXPECT_EQ(summary(ledger_, codes_[1]), (Expected{1, kNoTime, 0}));
}

// The last and only uses: a rewrite that drops a code's newest use moves the summary to the
// use before it, and one that drops its only use leaves it unused.
TEST_F(CodeUsesTest, ARewriteDroppingACodesNewestOrOnlyUseRestatesIt) {
  const std::string first_key = activate_key(codes_[0], 4);
  redeem_items(11, "older", {codes_[0]});
  redeem_items(11, first_key, {codes_[0], codes_[1]});
  rewrite(11, first_key, {codes_[2]});
  EXPECT_EQ(summary(ledger_, codes_[0]), (Expected{1, kNow + kMinute, 0}));
  EXPECT_EQ(summary(ledger_, codes_[1]), Expected{});
  expect_summaries_match_history("after the rewrite");
  redeem_items(12, "later", {codes_[1]});
  EXPECT_EQ(summary(ledger_, codes_[1]), (Expected{1, kNow + 4 * kMinute, 0}));
  expect_summaries_match_history("after a new use");
}

// A rewrite adds no redemption: the organisation's count is the same as a snapshot load of
// the same state gives.
TEST_F(CodeUsesTest, ARewrittenTransactionIsCountedOnce) {
  redeem_items(11, "first", {codes_[0]});
  rewrite(11, "first", {codes_[1]});
  std::string snapshot;
  ledger_.encode_snapshot(snapshot);
  Ledger restored(small_options());
  ASSERT_TRUE(restored.decode_snapshot(snapshot).ok());
  const auto redemptions = [](Ledger& l) {
    for (const OrgStats& s : l.stats()) {
      if (s.org == kOrg) return s.redemptions;
    }
    return std::uint64_t{0};
  };
  EXPECT_EQ(redemptions(restored), 1u);
  EXPECT_EQ(redemptions(ledger_), 1u);
}

TEST_F(CodeUsesTest, AMixWithRewrittenTransactionsMatchesTheHistory) {
  run_mix(/*seed=*/40, /*steps=*/300, /*rewrites=*/true);
}

// The log with its rewrites, replayed, and the state through a snapshot: every summary is
// what the rebuilt history gives, and the same as the live ledger's.
TEST_F(CodeUsesTest, ReplayAndSnapshotOfALogWithRewritesRebuildTheSummaries) {
  run_mix(/*seed=*/41, /*steps=*/200, /*rewrites=*/true);
  Ledger replica(small_options());
  for (const auto& bytes : sink_.events()) {
    auto e = decode_event(bytes);
    ASSERT_TRUE(e.ok());
    ASSERT_TRUE(replica.apply(*e).ok());
  }
  EXPECT_EQ(replica.state_hash(), ledger_.state_hash());
  expect_summaries_match_history(replica, "replayed");
  expect_same_summaries(replica);

  std::string snapshot;
  replica.encode_snapshot(snapshot);
  Ledger restored(small_options());
  ASSERT_TRUE(restored.decode_snapshot(snapshot).ok());
  EXPECT_EQ(restored.state_hash(), ledger_.state_hash());
  expect_summaries_match_history(restored, "restored");
  expect_same_summaries(restored);
}

TEST_F(CodeUsesTest, UsesPastTheRowsOfAHistoryAnswerAreCounted) {
  const std::string& code = codes_[0];
  constexpr std::uint64_t kUses = 10'001;  // one past history_rows_max
  for (std::uint64_t i = 1; i <= kUses; ++i) {
    ASSERT_TRUE(redeem_code(code, 11, activate_key(code, i), 1, kOrg, kNow + static_cast<TimeMs>(i)).ok());
  }
  Op o = op(kOrg, kNow + kMinute);
  ASSERT_TRUE(ledger_.reverse_redemption(o, 11, activate_key(code, 1)).ok());
  EXPECT_EQ(summary(ledger_, code), (Expected{kUses, kNow + 2, kUses}));
}

}  // namespace
}  // namespace codeledger::ledger::testing
