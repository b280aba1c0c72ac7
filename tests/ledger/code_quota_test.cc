// OrgSettings::codes_max: every call that adds codes (import, generate, Altcraft's attach of
// a new code) is refused whole past it, racing calls never pass it together, a refused or
// failed call gives its room back, and replay applies whatever the log holds.
#include <new>
#include <thread>

#include "tests/ledger/fixture.h"

namespace codeledger::ledger::testing {
namespace {

class CodeQuotaTest : public LedgerTest {
 protected:
  void cap(std::uint64_t codes_max, OrgId org = kOrg) {
    OrgSettings s;
    s.codes_max = codes_max;
    ASSERT_TRUE(ledger_.configure_org(org, s).ok());
  }

  std::uint64_t codes_held(OrgId org = kOrg) {
    for (const OrgStats& s : ledger_.stats()) {
      if (s.org == org) return s.codes;
    }
    return 0;
  }

  static std::vector<std::string> numbered(const std::string& prefix, int from, int n) {
    std::vector<std::string> codes;
    for (int i = from; i < from + n; ++i) codes.push_back(prefix + std::to_string(100000 + i));
    return codes;
  }

  Result<ImportReport> try_import(const PromotionView& p, std::vector<std::string> codes,
                                  OrgId org = kOrg) {
    Op o = op(org);
    return ledger_.import_codes(o, p.id, codes, {});
  }

  Result<GenerateReport> try_generate(const PromotionView& p, std::size_t count) {
    GenerateSpec spec;
    spec.count = count;
    spec.length = 10;
    Op o = op();
    return ledger_.generate_codes(o, p.id, spec, 42);
  }

  // The state and the log are as they were when this was made.
  auto unchanged_check() {
    return [this, hash = ledger_.state_hash(), logged = sink_.events().size()] {
      EXPECT_EQ(ledger_.state_hash(), hash);
      EXPECT_EQ(sink_.events().size(), logged);
    };
  }
};

TEST_F(CodeQuotaTest, AnImportPastCodesMaxIsRefusedWholeAndOneUpToItPasses) {
  cap(5);
  auto p = promotion("p");
  import(p, numbered("AAA", 0, 3));
  const auto unchanged = unchanged_check();
  auto refused = try_import(p, numbered("AAA", 3, 3));
  EXPECT_CODE(refused, kLimitExceeded);
  EXPECT_NE(refused.status().message().find("codes_max (5)"), std::string::npos)
      << refused.status().message();
  EXPECT_NE(refused.status().message().find("it holds 3 codes"), std::string::npos);
  unchanged();
  import(p, numbered("AAA", 3, 2));
  EXPECT_EQ(codes_held(), 5u);
  auto one_more = try_import(p, numbered("AAA", 5, 1));
  EXPECT_CODE(one_more, kLimitExceeded);
  EXPECT_EQ(one_more.status().message().rfind("1 more code would take", 0), 0u)
      << one_more.status().message();  // one code, not "1 more codes"
}

TEST_F(CodeQuotaTest, AGeneratePastCodesMaxIsRefusedBeforeAnyCodeIsAdded) {
  cap(100);
  auto p = promotion("p");
  const auto unchanged = unchanged_check();
  EXPECT_CODE(try_generate(p, 101), kLimitExceeded);
  unchanged();
  auto made = try_generate(p, 100);
  ASSERT_TRUE(made.ok()) << made.status().message();
  EXPECT_EQ(made->generated, 100u);
  EXPECT_EQ(codes_held(), 100u);
  EXPECT_CODE(try_generate(p, 1), kLimitExceeded);
}

TEST_F(CodeQuotaTest, AnAttachOfANewCodePastCodesMaxAddsNothing) {
  cap(1);
  auto p = promotion("p");
  Op o = op();
  ASSERT_TRUE(ledger_.attach_new_code(o, p.id, "NEW0001", 7).ok());
  const auto unchanged = unchanged_check();
  EXPECT_CODE(ledger_.attach_new_code(o, p.id, "NEW0002", 7), kLimitExceeded);
  unchanged();
  EXPECT_CODE(ledger_.get_code(o, Mode::kDiscount, "NEW0002", false), kInvalidCode);
}

TEST_F(CodeQuotaTest, TheLimitCountsEveryPromotionOfTheOrganisationAndNoOther) {
  cap(4);
  auto first = promotion("first");
  auto second = promotion("second");
  auto other = promotion("other", {}, kOtherOrg);
  import(first, numbered("AAA", 0, 2));
  import(second, numbered("BBB", 0, 2));
  EXPECT_CODE(try_import(second, numbered("BBB", 2, 1)), kLimitExceeded);
  auto elsewhere = try_import(other, numbered("CCC", 0, 50), kOtherOrg);
  ASSERT_TRUE(elsewhere.ok()) << elsewhere.status().message();
  EXPECT_EQ(elsewhere->imported, 50u);
}

TEST_F(CodeQuotaTest, ARefusedOrFailedCallGivesItsRoomBack) {
  cap(3);
  auto p = promotion("p");
  import(p, numbered("AAA", 0, 1));
  // Rejected for a duplicate: nothing is claimed.
  auto duplicate = try_import(p, {"AAA100000", "AAA100001", "AAA100002"});
  ASSERT_TRUE(duplicate.ok());
  EXPECT_FALSE(duplicate->rejected.empty());
  sink_.set_fail(true);
  EXPECT_CODE(try_import(p, numbered("AAA", 1, 2)), kStorageUnavailable);
  EXPECT_CODE(try_generate(p, 2), kStorageUnavailable);
  Op o = op();
  EXPECT_CODE(ledger_.attach_new_code(o, p.id, "NEW0001", 7), kStorageUnavailable);
  sink_.set_fail(false);
  import(p, numbered("AAA", 1, 2));
  EXPECT_EQ(codes_held(), 3u);
}

// A log whose staging buffer cannot grow throws from stage(): the room claimed for the
// call's codes came back only when commit returned an error, so it leaked (probe 35d).
TEST(CodeQuota, AStageThatThrowsGivesTheRoomBack) {
  struct ThrowingSink : EventSink {
    bool fail = true;
    Lsn lsn = 0;
    Status stage(Event& e) override {
      if (fail && std::holds_alternative<CodesAdded>(e.body)) throw std::bad_alloc();
      e.header.lsn = ++lsn;
      return Status::Ok();
    }
  } sink;
  Ledger ledger(small_options(), &sink);
  OrgSettings s;
  s.codes_max = 2;
  ASSERT_TRUE(ledger.configure_org(kOrg, s).ok());
  Op o{kOrg, "key", kNow};
  PromotionSpec spec;
  spec.name = "p";
  auto p = ledger.create_promotion(o, spec);
  ASSERT_TRUE(p.ok());
  std::vector<std::string> two{"AAA100000", "AAA100001"};
  EXPECT_THROW((void)ledger.import_codes(o, p->id, two, {}), std::bad_alloc);
  EXPECT_THROW((void)ledger.attach_new_code(o, p->id, "AAA100002", 7), std::bad_alloc);
  GenerateSpec g;
  g.count = 2;
  EXPECT_CODE(ledger.generate_codes(o, p->id, g, 1), kInternal);  // "0 of 2 codes, which are kept"
  sink.fail = false;
  auto imported = ledger.import_codes(o, p->id, two, {});
  ASSERT_TRUE(imported.ok()) << imported.status().message();
  EXPECT_EQ(imported->imported, 2u);
}

TEST_F(CodeQuotaTest, RacingCallsNeverPassCodesMaxTogether) {
  constexpr int kCap = 200;
  constexpr int kThreads = 4;
  constexpr int kEach = 150;  // 600 tries, 200 places
  cap(kCap);
  auto p = promotion("p");
  std::atomic<int> imported{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        Op o = op();
        std::vector<std::string> one = numbered("T" + std::to_string(t) + "X", i, 1);
        auto r = (i % 3 == 0) ? ledger_.attach_new_code(o, p.id, one[0], 7).status()
                              : ledger_.import_codes(o, p.id, one, {}).status();
        if (r.ok()) imported.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(imported.load(), kCap);
  EXPECT_EQ(codes_held(), static_cast<std::uint64_t>(kCap));
}

TEST_F(CodeQuotaTest, ALoweredLimitKeepsTheCodesHeldAndARaisedOneMakesRoom) {
  auto p = promotion("p");
  import(p, numbered("AAA", 0, 4));
  ASSERT_TRUE(ledger_.set_codes_max(kOrg, 2).ok());
  EXPECT_EQ(ledger_.org_settings(kOrg)->codes_max, 2u);
  EXPECT_EQ(codes_held(), 4u);
  Op o = op();
  EXPECT_TRUE(ledger_.get_code(o, Mode::kDiscount, "AAA100003", false).ok());
  EXPECT_CODE(try_import(p, numbered("AAA", 4, 1)), kLimitExceeded);
  ASSERT_TRUE(ledger_.set_codes_max(kOrg, 5).ok());
  import(p, numbered("AAA", 4, 1));
  EXPECT_CODE(try_import(p, numbered("AAA", 5, 1)), kLimitExceeded);
  EXPECT_EQ(ledger_.set_codes_max(424242, 5).code(), ErrorCode::kNotFound);
}

TEST_F(CodeQuotaTest, ReplayAndSnapshotsApplyEveryLoggedCodeWhateverTheLimitIsNow) {
  auto p = promotion("p");
  import(p, numbered("AAA", 0, 10));
  OrgSettings tight;
  tight.codes_max = 5;
  Ledger replica(small_options());
  ASSERT_TRUE(replica.configure_org(kOrg, tight).ok());
  for (const auto& bytes : sink_.events()) {
    auto e = decode_event(bytes);
    ASSERT_TRUE(e.ok());
    ASSERT_TRUE(replica.apply(*e).ok());
  }
  std::string snapshot;
  replica.encode_snapshot(snapshot);
  Ledger restored(small_options());
  ASSERT_TRUE(restored.configure_org(kOrg, tight).ok());
  ASSERT_TRUE(restored.decode_snapshot(snapshot).ok());
  for (Ledger* l : {&replica, &restored}) {
    EXPECT_EQ(l->stats().front().codes, 10u);
    // The replayed codes count against the limit: the ledger is already past it.
    Op o = op();
    std::vector<std::string> more{"BBB100000"};
    EXPECT_CODE(l->import_codes(o, p.id, more, {}), kLimitExceeded);
  }
}

}  // namespace
}  // namespace codeledger::ledger::testing
