#include <cstdio>
#include <set>
#include <thread>

#include "tests/ledger/fixture.h"

namespace codeledger::ledger::testing {
namespace {

TEST(CodeKeyTest, ValidationErrorsMatchTheSeed) {
  EXPECT_TRUE(CodeKey::make("DQCV73").ok());
  EXPECT_CODE(CodeKey::make("DQ-V73"), kCodeNotAlphanumeric);
  EXPECT_CODE(CodeKey::make("ABC12"), kCodeTooShort);
  EXPECT_CODE(CodeKey::make(std::string(40, 'A')), kCodeTooLong);
  EXPECT_TRUE(CodeKey::make(std::string(39, 'A')).ok());
  EXPECT_CODE(CodeKey::make("dqcv73"), kCodeNotUppercase);
}

TEST(ObjectIdTest, HexRoundTrip) {
  auto id = ObjectId::parse("6912d23dd39e256f754a8411");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->hex(), "6912d23dd39e256f754a8411");
  EXPECT_FALSE(ObjectId::parse("6912d23dd39e256f754a841").has_value());
  EXPECT_FALSE(ObjectId::parse("6912d23dd39e256f754a841z").has_value());
}

TEST(ObjectIdTest, EveryByteValueWritesItsTwoLowercaseDigits) {
  for (unsigned first = 0; first < 256; first += 12) {
    ObjectId id;
    std::string want;
    for (unsigned i = 0; i < 12; ++i) {
      const unsigned b = (first + i) & 0xff;
      id.bytes[i] = static_cast<std::uint8_t>(b);
      char two[3];
      std::snprintf(two, sizeof two, "%02x", b);
      want += two;
    }
    EXPECT_EQ(id.hex(), want);
    EXPECT_EQ(ObjectId::parse(want), id);
  }
}

TEST_F(LedgerTest, LinkCodeReturnsTheSeedShape) {
  auto p = promotion("code_linked promotion");
  import(p, {"DQCV73"});
  Op o = op();
  auto r = ledger_.link_code(o, Mode::kDiscount, "DQCV73", 566881933);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->customer, 566881933u);
  EXPECT_EQ(r->org, kOrg);
  EXPECT_EQ(r->promotion_id, p.id);
  EXPECT_EQ(r->promotion_name, "code_linked promotion");
  EXPECT_EQ(r->code.view(), "DQCV73");
  EXPECT_EQ(r->created_ms, kNow);
  EXPECT_EQ(r->redeemable_from_ms, kNow);
  EXPECT_GT(o.visible_lsn, 0u);
}

TEST_F(LedgerTest, LinkAgainToSameCustomerIsIdempotent) {
  auto p = promotion("p");
  import(p, {"DQCV73"});
  Op o = op();
  ASSERT_TRUE(ledger_.link_code(o, Mode::kDiscount, "DQCV73", 7).ok());
  auto events = sink_.events().size();
  auto again = ledger_.link_code(o, Mode::kDiscount, "DQCV73", 7);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(sink_.events().size(), events);
}

TEST_F(LedgerTest, LinkErrorsCoverEverySeedCode) {
  PromotionSpec spec;
  spec.valid_till_ms = kNow + kDay;
  auto p = promotion("p", spec);
  import(p, {"LINKED1", "SPENT01", "FRESH01"});
  Op o = op();
  EXPECT_CODE(ledger_.link_code(o, Mode::kDiscount, "FRESH01", 0), kInvalidCustomer);
  EXPECT_CODE(ledger_.link_code(o, Mode::kDiscount, "NOSUCH1", 5), kInvalidCode);
  EXPECT_CODE(ledger_.link_code(o, Mode::kPaymentVoucher, "FRESH01", 5), kInvalidCode);
  EXPECT_CODE(ledger_.link_code(o, Mode::kDiscount, "bad-code", 5), kCodeNotAlphanumeric);
  ASSERT_TRUE(ledger_.link_code(o, Mode::kDiscount, "LINKED1", 5).ok());
  EXPECT_CODE(ledger_.link_code(o, Mode::kDiscount, "LINKED1", 6), kCodeLinkedToAnotherCustomer);
  ASSERT_TRUE(redeem_code("SPENT01", 9, "t1").ok());
  EXPECT_CODE(ledger_.link_code(o, Mode::kDiscount, "SPENT01", 9), kCodeAlreadyRedeemed);
  Op late = op(kOrg, kNow + 2 * kDay);
  EXPECT_CODE(ledger_.link_code(late, Mode::kDiscount, "FRESH01", 5), kCodeExpired);
  ASSERT_TRUE(ledger_.update_code(o, Mode::kDiscount, "FRESH01", std::nullopt, false).ok());
  EXPECT_CODE(ledger_.link_code(o, Mode::kDiscount, "FRESH01", 5), kInvalidCode);
}

TEST_F(LedgerTest, GetCodesAnswersPerRecordInRequestOrder) {
  auto p = promotion("p");
  import(p, {"AAAAAA1", "BBBBBB2"});
  Op o = op();
  std::vector<std::string> req{"BBBBBB2", "MISSING", "abc", "AAAAAA1"};
  auto r = ledger_.get_codes(o, Mode::kDiscount, req, false);
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0]->code.view(), "BBBBBB2");
  EXPECT_CODE(r[1], kInvalidCode);
  EXPECT_CODE(r[2], kCodeTooShort);
  EXPECT_EQ(r[3]->code.view(), "AAAAAA1");
}

TEST_F(LedgerTest, GetCodeAnswersAsGetCodesDoesForOneCode) {
  PromotionSpec spec;
  spec.per_code_redemptions_max = 2;
  auto p = promotion("one code", spec);
  import(p, {"AAAAAA1"});
  ASSERT_TRUE(redeem_code("AAAAAA1", 4, "t1").ok());
  Op o = op();
  auto one = ledger_.get_code(o, Mode::kDiscount, "AAAAAA1", true);
  ASSERT_TRUE(one.ok());
  std::vector<std::string> req{"AAAAAA1"};
  auto many = ledger_.get_codes(o, Mode::kDiscount, req, true);
  EXPECT_EQ(one->id, many[0]->id);
  EXPECT_EQ(one->promotion_name, "one code");
  EXPECT_EQ(one->redemption_count, 1u);
  ASSERT_EQ(one->redemptions.size(), 1u);
  EXPECT_EQ(one->redemptions[0].transaction_identifier, "t1");
  EXPECT_CODE(ledger_.get_code(o, Mode::kDiscount, "MISSING", false), kInvalidCode);
  EXPECT_CODE(ledger_.get_code(o, Mode::kDiscount, "abc", false), kCodeTooShort);
  EXPECT_CODE(ledger_.get_code(o, Mode::kPaymentVoucher, "AAAAAA1", false), kInvalidCode);
}

// get_codes answers in groups (misses in flight together): across group boundaries, with
// found, missing, invalid and other-mode codes mixed, each answer is get_code's.
TEST_F(LedgerTest, GetCodesInGroupsAnswersAsGetCodeDoesPerCode) {
  PromotionSpec spec;
  spec.per_code_redemptions_max = 3;
  auto p = promotion("groups", spec);
  std::vector<std::string> stock;
  for (int i = 0; i < 30; ++i) stock.push_back("GRP" + std::to_string(1000 + i));
  import(p, stock);
  ASSERT_TRUE(redeem_code("GRP1004", 4, "t1").ok());
  ASSERT_TRUE(redeem_code("GRP1017", 5, "t2").ok());
  std::vector<std::string> req;
  for (int i = 0; i < 30; ++i) {
    req.push_back(stock[static_cast<std::size_t>((i * 7) % 30)]);
    if (i % 5 == 0) req.push_back("NOPE" + std::to_string(1000 + i));
    if (i % 9 == 0) req.push_back("ab");
  }
  req.push_back(stock[3]);  // the same code twice
  Op o = op();
  for (bool with_history : {false, true}) {
    auto many = ledger_.get_codes(o, Mode::kDiscount, req, with_history);
    ASSERT_EQ(many.size(), req.size());
    for (std::size_t i = 0; i < req.size(); ++i) {
      auto one = ledger_.get_code(o, Mode::kDiscount, req[i], with_history);
      ASSERT_EQ(one.ok(), many[i].ok()) << req[i];
      if (!one.ok()) {
        EXPECT_EQ(one.status().code(), many[i].status().code()) << req[i];
        continue;
      }
      EXPECT_EQ(many[i]->code.view(), req[i]);
      EXPECT_EQ(many[i]->id, one->id);
      EXPECT_EQ(many[i]->redemption_count, one->redemption_count);
      EXPECT_EQ(many[i]->redemptions.size(), one->redemptions.size());
    }
  }
  auto other_mode = ledger_.get_codes(o, Mode::kPaymentVoucher, req, false);
  for (const auto& r : other_mode) EXPECT_FALSE(r.ok());
}

TEST_F(LedgerTest, GetCodesIncludesRedemptionsWhenAsked) {
  PromotionSpec spec;
  spec.per_code_redemptions_max = 3;
  auto p = promotion("p", spec);
  import(p, {"MULTI01"});
  ASSERT_TRUE(redeem_code("MULTI01", 1, "a").ok());
  ASSERT_TRUE(redeem_code("MULTI01", 2, "b").ok());
  Op o = op();
  std::vector<std::string> req{"MULTI01"};
  auto r = ledger_.get_codes(o, Mode::kDiscount, req, true);
  ASSERT_TRUE(r[0].ok());
  EXPECT_EQ(r[0]->redemption_count, 2u);
  ASSERT_EQ(r[0]->redemptions.size(), 2u);
  EXPECT_EQ(r[0]->redemptions[0].transaction_identifier, "a");
  auto h = ledger_.redemption_history(o, Mode::kDiscount, req);
  ASSERT_TRUE(h[0].ok());
  EXPECT_EQ(h[0]->size(), 2u);
}

TEST_F(LedgerTest, ImportIsAllOrNothing) {
  auto p = promotion("p");
  import(p, {"EXIST01"});
  Op o = op();
  std::vector<std::string> codes{"NEW0001", "EXIST01", "NEW0001", "bad!", "NEW0002"};
  auto r = ledger_.import_codes(o, p.id, codes, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->imported, 0u);
  ASSERT_EQ(r->rejected.size(), 3u);
  std::vector<std::string> probe{"NEW0001", "NEW0002"};
  for (auto& g : ledger_.get_codes(o, Mode::kDiscount, probe, false)) EXPECT_CODE(g, kInvalidCode);
  EXPECT_EQ(ledger_.stats()[0].codes + ledger_.stats()[1].codes, 1u);
}

TEST_F(LedgerTest, ImportRejectsOversizeAndEmptyAndIssuable) {
  auto p = promotion("p");
  auto q = issuable("q");
  Op o = op();
  std::vector<std::string> none;
  EXPECT_CODE(ledger_.import_codes(o, p.id, none, {}), kInvalidRequest);
  std::vector<std::string> many(ledger_.options().limits.codes_per_call_max + 1, "AAAAAA");
  EXPECT_CODE(ledger_.import_codes(o, p.id, many, {}), kLimitExceeded);
  std::vector<std::string> one{"AAAAAA"};
  EXPECT_CODE(ledger_.import_codes(o, q.id, one, {}), kPromotionTypeNotSupported);
  EXPECT_CODE(ledger_.import_codes(o, ObjectId{}, one, {}), kNotFound);
}

TEST_F(LedgerTest, GenerateMakesUniqueCodesWithPrefix) {
  auto p = promotion("p");
  Op o = op();
  GenerateSpec g;
  g.count = 5000;
  g.length = 10;
  g.prefix = "SALE";
  auto r = ledger_.generate_codes(o, p.id, g, 42);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->generated, 5000u);
  std::set<std::string> seen;
  std::string cursor;
  do {
    auto page = ledger_.export_codes(o, p.id, cursor, 777);
    ASSERT_TRUE(page.ok());
    for (auto& c : page->codes) {
      EXPECT_EQ(c.code.view().substr(0, 4), "SALE");
      EXPECT_EQ(c.code.size(), 10u);
      seen.insert(std::string(c.code.view()));
    }
    cursor = page->next_cursor;
  } while (!cursor.empty());
  EXPECT_EQ(seen.size(), 5000u);
  EXPECT_EQ(ledger_.get_promotion(o, p.id)->code_count, 5000u);
}

TEST_F(LedgerTest, GenerateRefusesTooSmallCodeSpace) {
  auto p = promotion("p");
  Op o = op();
  GenerateSpec g;
  g.count = 600;
  g.length = 7;
  g.prefix = "ABCD";
  g.alphabet = "0123456789";  // 1000 codes: 600 is more than half
  auto r = ledger_.generate_codes(o, p.id, g, 1);
  EXPECT_CODE(r, kInvalidRequest);
  EXPECT_NE(r.status().message().find("code space too small"), std::string::npos);
  g.alphabet = "aB";
  EXPECT_CODE(ledger_.generate_codes(o, p.id, g, 1), kInvalidRequest);
  g.count = 0;
  EXPECT_CODE(ledger_.generate_codes(o, p.id, g, 1), kInvalidRequest);
  g.count = ledger_.options().limits.codes_per_generate_max + 1;
  EXPECT_CODE(ledger_.generate_codes(o, p.id, g, 1), kLimitExceeded);
}

TEST_F(LedgerTest, ExportRejectsGarbageCursor) {
  auto p = promotion("p");
  Op o = op();
  EXPECT_CODE(ledger_.export_codes(o, p.id, "zz", 10), kInvalidRequest);
  EXPECT_CODE(ledger_.export_codes(o, ObjectId{}, "", 10), kNotFound);
}

// The cursor is handed out only when another code follows: a page that ends exactly at
// the last code is the last page (Capillary's export and Altcraft's export_all share this).
TEST_F(LedgerTest, ExportCursorIsEmptyWhenThePageEndsAtTheLastCode) {
  auto p = promotion("p");
  import(p, {"EXACT01", "EXACT02", "EXACT03"});
  Op o = op();
  auto full = ledger_.export_codes(o, p.id, "", 3);
  ASSERT_TRUE(full.ok()) << full.status().message();
  EXPECT_EQ(full->codes.size(), 3u);
  EXPECT_EQ(full->next_cursor, "");
  import(p, {"EXACT04"});
  std::set<std::string> seen;
  std::string cursor;
  for (std::size_t want : {3u, 1u}) {
    auto page = ledger_.export_codes(o, p.id, cursor, 3);
    ASSERT_TRUE(page.ok()) << page.status().message();
    ASSERT_EQ(page->codes.size(), want);
    for (const auto& c : page->codes) seen.insert(std::string(c.code.view()));
    cursor = page->next_cursor;
    EXPECT_EQ(cursor.empty(), want == 1u);
  }
  EXPECT_EQ(seen, (std::set<std::string>{"EXACT01", "EXACT02", "EXACT03", "EXACT04"}));
}

// An omitted end is filled from the promotion before the window is checked.
TEST_F(LedgerTest, ImportWindowIsCheckedAfterDefaultsFromThePromotion) {
  PromotionSpec spec;
  spec.valid_from_ms = kNow;
  spec.valid_till_ms = kNow + kDay;
  auto p = promotion("p", spec);
  Op o = op();
  const std::vector<std::string> one{"PAST0001"};
  CodeImportOptions till_only;
  till_only.valid_till_ms = 1000;
  EXPECT_CODE(ledger_.import_codes(o, p.id, one, till_only), kInvalidRequest);
  CodeImportOptions from_only;
  from_only.redeemable_from_ms = kNow + kDay + 1;
  EXPECT_CODE(ledger_.import_codes(o, p.id, one, from_only), kInvalidRequest);
  GenerateSpec g;
  g.count = 3;
  g.validity = till_only;
  EXPECT_CODE(ledger_.generate_codes(o, p.id, g, 1), kInvalidRequest);
  CodeImportOptions inside;
  inside.valid_till_ms = kNow + 1;
  auto r = ledger_.import_codes(o, p.id, one, inside);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->imported, 1u);
}

// A promotion shortened after an import can end before a code's own window opens: the code
// is then refused as never redeemable, not as "not yet redeemable", which promised a use that
// never comes (probe 39).
TEST_F(LedgerTest, ACodeWhoseWindowNoLongerOpensSaysItWillNeverBeRedeemable) {
  PromotionSpec spec;
  spec.valid_till_ms = kNow + 10 * kDay;
  auto p = promotion("p", spec);
  CodeImportOptions own;
  own.redeemable_from_ms = kNow + 2 * kDay;
  own.valid_till_ms = kNow + 3 * kDay;
  import(p, {"WINOWN01"}, kOrg, own);
  EXPECT_EQ(redeem_code("WINOWN01", 1, "early").status().message(),
            "code 'WINOWN01' is not yet redeemable");
  Op o = op();
  PromotionPatch shortened;
  shortened.valid_till_ms = kNow + kDay;
  ASSERT_TRUE(ledger_.update_promotion(o, p.id, shortened).ok());
  auto refused = redeem_code("WINOWN01", 1, "never");
  EXPECT_EQ(refused.status().code(), ErrorCode::kCodeExpired);
  EXPECT_EQ(refused.status().message(),
            "code 'WINOWN01' will never be redeemable: its window opens after it closes (its own "
            "redeemableFrom is past its promotion's validTill)");
}

// A code imported without a window of its own follows its promotion's: extended, or opened
// early, the promotion takes its codes along. The window was copied in at import, so an
// extended promotion's codes stayed expired, and a look-up reported the copied end rather
// than the one enforced (probe 32).
TEST_F(LedgerTest, ACodesWindowFollowsItsPromotionWhenTheCodeHasNoneOfItsOwn) {
  PromotionSpec spec;
  spec.valid_from_ms = kNow + kDay;
  spec.valid_till_ms = kNow + 2 * kDay;
  auto p = promotion("p", spec);
  import(p, {"FOLLOW01", "FOLLOW02"});
  EXPECT_CODE(redeem_code("FOLLOW01", 1, "early"), kCodeExpired);  // not yet redeemable
  Op o = op();
  PromotionPatch opened;
  opened.valid_from_ms = kNow - 1;
  opened.valid_till_ms = kNow + 10 * kDay;
  ASSERT_TRUE(ledger_.update_promotion(o, p.id, opened).ok());
  auto v = ledger_.get_code(o, Mode::kDiscount, "FOLLOW02", false);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->valid_till_ms, kNow + 10 * kDay);
  EXPECT_LE(v->redeemable_from_ms, kNow);
  EXPECT_TRUE(redeem_code("FOLLOW01", 1, "opened").ok());
  EXPECT_TRUE(redeem_code("FOLLOW02", 2, "late", 1, kOrg, kNow + 5 * kDay).ok());  // past the old end
}

// A window of the code's own counts within the promotion's; a look-up shows what is enforced:
// the later start, the earlier end, and not active while the promotion is not.
TEST_F(LedgerTest, ALookupShowsTheWindowAndStateThatLinkAndRedeemEnforce) {
  PromotionSpec spec;
  spec.valid_from_ms = kNow + kDay;
  spec.valid_till_ms = kNow + 3 * kDay;
  auto p = promotion("p", spec);
  CodeImportOptions wide;
  wide.redeemable_from_ms = kNow;
  wide.valid_till_ms = kNow + 10 * kDay;
  import(p, {"WIDE0001"}, kOrg, wide);
  Op o = op();
  auto v = ledger_.get_code(o, Mode::kDiscount, "WIDE0001", false);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->redeemable_from_ms, kNow + kDay);
  EXPECT_EQ(v->valid_till_ms, kNow + 3 * kDay);
  EXPECT_TRUE(v->active);
  EXPECT_CODE(redeem_code("WIDE0001", 1, "t"), kCodeExpired);
  EXPECT_CODE(redeem_code("WIDE0001", 1, "t", 1, kOrg, kNow + 3 * kDay + 1), kCodeExpired);
  PromotionPatch off;
  off.active = false;
  ASSERT_TRUE(ledger_.update_promotion(o, p.id, off).ok());
  v = ledger_.get_code(o, Mode::kDiscount, "WIDE0001", false);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->active);
  EXPECT_CODE(ledger_.link_code(o, Mode::kDiscount, "WIDE0001", 5), kInvalidCode);
}

TEST_F(LedgerTest, UnlinkAndUpdateCode) {
  auto p = promotion("p");
  import(p, {"CODE001"});
  Op o = op();
  ASSERT_TRUE(ledger_.link_code(o, Mode::kDiscount, "CODE001", 5).ok());
  EXPECT_CODE(ledger_.unlink_code(o, Mode::kDiscount, "CODE001", 6), kCodeLinkedToAnotherCustomer);
  EXPECT_CODE(ledger_.unlink_code(o, Mode::kDiscount, "NOCODE1", 6), kInvalidCode);
  auto u = ledger_.unlink_code(o, Mode::kDiscount, "CODE001", 5);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->customer, 0u);
  EXPECT_CODE(ledger_.update_code(o, Mode::kDiscount, "CODE001", std::nullopt, std::nullopt),
              kInvalidRequest);
  auto upd = ledger_.update_code(o, Mode::kDiscount, "CODE001", kNow + 5, std::nullopt);
  ASSERT_TRUE(upd.ok());
  EXPECT_EQ(upd->valid_till_ms, kNow + 5);
  EXPECT_CODE(ledger_.update_code(o, Mode::kDiscount, "NOCODE1", kNow, std::nullopt), kInvalidCode);
}

TEST_F(LedgerTest, AttachFromPoolHandsOutFreeCodesThenReportsExhaustion) {
  auto p = promotion("p");
  import(p, {"POOL001", "POOL002"});
  Op o = op();
  auto a = ledger_.attach_from_pool(o, p.id, 1);
  auto b = ledger_.attach_from_pool(o, p.id, 2);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->code.view(), b->code.view());
  auto c = ledger_.attach_from_pool(o, p.id, 3);
  EXPECT_CODE(c, kNotFound);
  EXPECT_NE(c.status().message().find("no free code in pool"), std::string::npos);
  ASSERT_TRUE(ledger_.unlink_code(o, Mode::kDiscount, a->code.view(), 1).ok());
  auto d = ledger_.attach_from_pool(o, p.id, 3);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->code.view(), a->code.view());
  EXPECT_CODE(ledger_.attach_from_pool(o, p.id, 0), kInvalidCustomer);
  EXPECT_CODE(ledger_.attach_from_pool(o, ObjectId{}, 3), kNotFound);
}

// Altcraft's attach of an unknown code: added and linked in one step, two log records that
// replay to the same state; every refusal leaves the ledger and the log as they were.
TEST_F(LedgerTest, AttachNewCodeAddsAndLinksItOrChangesNothing) {
  auto p = promotion("p");
  auto issuable_promotion = issuable("i");
  Op o = op();
  const auto events = sink_.events().size();
  auto r = ledger_.attach_new_code(o, p.id, "NEW0001", 7);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->customer, 7u);
  EXPECT_EQ(r->promotion_id, p.id);
  EXPECT_EQ(sink_.events().size(), events + 2);
  auto got = ledger_.get_code(o, Mode::kDiscount, "NEW0001", false);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->customer, 7u);

  const auto unchanged = [&, hash = ledger_.state_hash(), logged = sink_.events().size()] {
    EXPECT_EQ(ledger_.state_hash(), hash);
    EXPECT_EQ(sink_.events().size(), logged);
  };
  EXPECT_CODE(ledger_.attach_new_code(o, p.id, "NEW0001", 8), kConflict);
  EXPECT_CODE(ledger_.attach_new_code(o, p.id, "NEW-02", 7), kCodeNotAlphanumeric);
  EXPECT_CODE(ledger_.attach_new_code(o, p.id, "N02", 7), kCodeTooShort);
  EXPECT_CODE(ledger_.attach_new_code(o, p.id, "new0002", 7), kCodeNotUppercase);
  EXPECT_CODE(ledger_.attach_new_code(o, p.id, "NEW0002", 0), kInvalidCustomer);
  EXPECT_CODE(ledger_.attach_new_code(o, ObjectId{}, "NEW0002", 7), kNotFound);
  EXPECT_CODE(ledger_.attach_new_code(o, issuable_promotion.id, "NEW0002", 7),
              kPromotionTypeNotSupported);
  unchanged();

  PromotionPatch off;
  off.active = false;
  ASSERT_TRUE(ledger_.update_promotion(o, p.id, off).ok());
  const auto hash_off = ledger_.state_hash();
  const auto logged_off = sink_.events().size();
  EXPECT_CODE(ledger_.attach_new_code(o, p.id, "NEW0002", 7), kInvalidCode);
  EXPECT_EQ(ledger_.state_hash(), hash_off);
  EXPECT_EQ(sink_.events().size(), logged_off);
  EXPECT_CODE(ledger_.get_code(o, Mode::kDiscount, "NEW0002", false), kInvalidCode);
  expect_log_rebuilds(sink_, ledger_);
}

TEST_F(LedgerTest, StorageFailureAbortsAndChangesNothing) {
  auto p = promotion("p");
  import(p, {"CODE001"});
  auto before = ledger_.state_hash();
  sink_.set_fail(true);
  Op o = op();
  EXPECT_CODE(ledger_.link_code(o, Mode::kDiscount, "CODE001", 5), kStorageUnavailable);
  EXPECT_CODE(redeem_code("CODE001", 5, "t"), kStorageUnavailable);
  EXPECT_EQ(ledger_.state_hash(), before);
}

// A promotion's codeCount is state the answer reveals: every read of it waits for the import
// behind the count, not only for the promotion's own record (probe 33: a count taken from an
// import whose log write then failed was answered 200, and was gone after a restart).
TEST_F(LedgerTest, PromotionReadsWaitForTheImportBehindTheirCodeCount) {
  auto p = promotion("counted");
  const Lsn created_lsn = ledger_.last_lsn();
  import(p, {"COUNTA1", "COUNTA2"});
  const Lsn import_lsn = ledger_.last_lsn();
  ASSERT_GT(import_lsn, created_lsn);
  Op by_id = op();
  ASSERT_EQ(ledger_.get_promotion(by_id, p.id)->code_count, 2u);
  EXPECT_EQ(by_id.visible_lsn, import_lsn);
  Op by_number = op();
  ASSERT_EQ(ledger_.get_promotion_by_number(by_number, 1)->code_count, 2u);
  EXPECT_EQ(by_number.visible_lsn, import_lsn);
  Op listed = op();
  ASSERT_EQ(ledger_.list_promotions(listed).size(), 1u);
  EXPECT_EQ(listed.visible_lsn, import_lsn);
  // A promotion with no codes waits for its own record only.
  auto empty = promotion("uncounted");
  Op other = op();
  ASSERT_EQ(ledger_.get_promotion(other, empty.id)->code_count, 0u);
  EXPECT_EQ(other.visible_lsn, ledger_.last_lsn());
  EXPECT_GT(other.visible_lsn, import_lsn);
}

}  // namespace
}  // namespace codeledger::ledger::testing
