#include <random>

#include "tests/ledger/fixture.h"

namespace codeledger::ledger::testing {
namespace {

// A random history over both organisations: every command kind, valid and invalid.
void random_history(LedgerTest* t, Ledger& l, std::uint64_t seed, std::vector<ObjectId>& promos,
                    int steps) {
  std::mt19937_64 rng(seed);
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  std::vector<std::string> codes;
  for (int i = 0; i < 40; ++i) codes.push_back("RND" + std::to_string(100000 + i));
  for (int step = 0; step < steps; ++step) {
    OrgId org = pick(4) == 0 ? kOtherOrg : kOrg;
    Op o;
    o.org = org;
    o.api_key = "k";
    o.now_ms = kNow + step * 1000;
    std::vector<CustomerId> cust{1 + pick(6), 1 + pick(6)};
    const ObjectId pid = promos[pick(promos.size())];
    std::string code = codes[pick(codes.size())];
    switch (pick(10)) {
      case 0: { std::vector<std::string> c{code, codes[pick(codes.size())]}; (void)l.import_codes(o, pid, c, {}); break; }
      case 1: (void)l.link_code(o, Mode::kDiscount, code, cust[0]); break;
      case 2: {
        RedeemRequest r;
        r.customer = cust[0];
        r.transaction_identifier = "t" + std::to_string(pick(30));
        RedemptionItem it;
        it.code = *CodeKey::make(code);
        r.items.push_back(it);
        (void)l.redeem(o, r);
        break;
      }
      case 3: (void)l.reverse_redemption(o, cust[0], "t" + std::to_string(pick(30))); break;
      case 4: (void)l.issue(o, pid, "ctx" + std::to_string(step), cust); break;
      case 5: {
        auto w = l.wallet(o, cust[0]);
        if (w.ok() && !w->entries.empty()) {
          const EarnedView& e = w->entries[0];
          std::vector<EarnRevokeRequest> rr{{e.promotion_id, {e.id}}};
          (void)l.revoke_earns(o, cust[0], rr);
        }
        break;
      }
      case 6: (void)l.unlink_code(o, Mode::kDiscount, code, 0); break;
      case 7: (void)l.update_code(o, Mode::kDiscount, code, std::nullopt, pick(2) == 0); break;
      case 8: {
        CustomerProfile p;
        p.id = cust[0];
        p.email = "c" + std::to_string(pick(3)) + "@x";
        std::vector<CustomerProfile> ps{p};
        (void)l.upsert_customers(o, ps);
        break;
      }
      default: (void)l.attach_from_pool(o, pid, cust[1]); break;
    }
  }
  (void)t;
}

class ReplayTest : public LedgerTest {
 protected:
  std::vector<ObjectId> setup_promotions() {
    PromotionSpec multi;
    multi.per_code_redemptions_max = 3;
    multi.per_customer_redemptions_max = 4;
    std::vector<ObjectId> ids{promotion("a").id, promotion("b", multi).id, issuable("c").id,
                              promotion("x", {}, kOtherOrg).id, issuable("y", {}, kOtherOrg).id};
    Op o = op();
    GenerateSpec g;
    g.count = 100;
    EXPECT_TRUE(ledger_.generate_codes(o, ids[0], g, 7).ok());
    return ids;
  }

  void replay_into(Ledger& fresh, std::size_t from = 0) {
    auto events = sink_.events();
    for (std::size_t i = from; i < events.size(); ++i) {
      auto e = decode_event(events[i]);
      ASSERT_TRUE(e.ok()) << e.status().message();
      std::string again;
      encode_event(*e, again);
      ASSERT_EQ(again, events[i]);
      ASSERT_TRUE(fresh.apply(*e).ok());
    }
  }
};

TEST_F(ReplayTest, RandomHistoriesReplayToTheLiveState) {
  auto promos = setup_promotions();
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    random_history(this, ledger_, seed, promos, 400);
    Ledger fresh(small_options());
    replay_into(fresh);
    EXPECT_EQ(fresh.state_hash(), ledger_.state_hash()) << "seed " << seed;
    EXPECT_EQ(fresh.last_lsn(), ledger_.last_lsn());
  }
}

// Without a sink the commands skip work only the log needs (the key copy, the global LSN
// publication) and apply from the records they found: the state must not differ.
TEST_F(ReplayTest, LedgerWithoutSinkReachesTheSameState) {
  Ledger bare(small_options());
  ASSERT_TRUE(bare.configure_org(kOrg, {}).ok());
  ASSERT_TRUE(bare.configure_org(kOtherOrg, {}).ok());
  auto promos = setup_promotions();
  PromotionSpec multi;
  multi.per_code_redemptions_max = 3;
  multi.per_customer_redemptions_max = 4;
  std::vector<std::pair<PromotionSpec, OrgId>> specs{
      {{}, kOrg}, {multi, kOrg}, {{}, kOrg}, {{}, kOtherOrg}, {{}, kOtherOrg}};
  const char* names[] = {"a", "b", "c", "x", "y"};
  for (std::size_t i = 0; i < specs.size(); ++i) {
    specs[i].first.name = names[i];
    if (i == 2 || i == 4) specs[i].first.kind = PromotionKind::kIssuable;
    Op o = op(specs[i].second);
    auto created = bare.create_promotion(o, specs[i].first);
    ASSERT_TRUE(created.ok());
    ASSERT_EQ(created->id, promos[i]);
  }
  Op o = op();
  GenerateSpec g;
  g.count = 100;
  ASSERT_TRUE(bare.generate_codes(o, promos[0], g, 7).ok());
  random_history(this, ledger_, 31, promos, 600);
  random_history(this, bare, 31, promos, 600);
  EXPECT_EQ(bare.state_hash(), ledger_.state_hash());
  EXPECT_EQ(bare.last_lsn(), ledger_.last_lsn());
}

TEST_F(ReplayTest, SnapshotRoundTripKeepsStateAndBehaviour) {
  auto promos = setup_promotions();
  random_history(this, ledger_, 11, promos, 500);
  std::string snap;
  ledger_.encode_snapshot(snap);
  Ledger restored(small_options());
  ASSERT_TRUE(restored.decode_snapshot(snap).ok());
  EXPECT_EQ(restored.state_hash(), ledger_.state_hash());
  EXPECT_EQ(restored.last_lsn(), ledger_.last_lsn());
  Op o = op();
  std::vector<std::string> codes{"RND100001", "RND100002"};
  auto a = ledger_.get_codes(o, Mode::kDiscount, codes, true);
  auto b = restored.get_codes(o, Mode::kDiscount, codes, true);
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].ok(), b[i].ok());
    if (a[i].ok()) {
      EXPECT_EQ(a[i]->redemptions.size(), b[i]->redemptions.size());
    }
  }
  EXPECT_CODE(restored.decode_snapshot(snap), kInvalidRequest);  // not empty any more
}

TEST_F(ReplayTest, SnapshotPlusTailEqualsLive) {
  auto promos = setup_promotions();
  random_history(this, ledger_, 21, promos, 300);
  std::string snap;
  ledger_.encode_snapshot(snap);
  std::size_t covered = sink_.events().size();
  random_history(this, ledger_, 22, promos, 300);
  Ledger restored(small_options());
  ASSERT_TRUE(restored.decode_snapshot(snap).ok());
  replay_into(restored, covered);
  EXPECT_EQ(restored.state_hash(), ledger_.state_hash());
}

TEST_F(ReplayTest, TruncatedAndRandomBytesNeverCrashTheDecoders) {
  auto promos = setup_promotions();
  random_history(this, ledger_, 5, promos, 200);
  std::mt19937_64 rng(99);
  for (const auto& bytes : sink_.events()) {
    for (std::size_t cut = 0; cut < bytes.size(); cut += 1 + bytes.size() / 40) {
      EXPECT_FALSE(decode_event(std::string_view(bytes).substr(0, cut)).ok());
    }
    EXPECT_FALSE(decode_event(bytes + "x").ok());
    std::string flipped = bytes;
    flipped[rng() % flipped.size()] ^= static_cast<char>(1 + rng() % 255);
    (void)decode_event(flipped);
  }
  for (int i = 0; i < 2000; ++i) {
    std::string junk(rng() % 64, '\0');
    for (auto& c : junk) c = static_cast<char>(rng());
    if (!junk.empty()) junk[0] = 1;
    (void)decode_event(junk);
  }
  std::string snap;
  ledger_.encode_snapshot(snap);
  for (std::size_t cut = 0; cut < snap.size(); cut += 1 + snap.size() / 50) {
    Ledger l(small_options());
    EXPECT_FALSE(l.decode_snapshot(std::string_view(snap).substr(0, cut)).ok());
  }
  EXPECT_CODE(decode_event(std::string("\x07", 1)), kInvalidRequest);
}

}  // namespace
}  // namespace codeledger::ledger::testing
