// What `wal dump` (both forms) and `history` show of every field of every event type, over
// a log written record by record with chosen values: the extremes (customer 2^63-1, the
// latest transactionDate), optional item fields, profiles, and API key names that are not
// ASCII. Probe 34a found fields left out (a redemption's dates, org, reversal and promotion
// name; an earned entry's validity; every profile field), customer ids as strings in lists
// but numbers elsewhere, and history's columns padded by bytes.
#include "fixture.h"
#include "ledger/events.h"

namespace codeledger::tools::testing {
namespace {

using ledger::Dialect;

constexpr ledger::CustomerId kBigCustomer = 9'223'372'036'854'775'807;  // 2^63-1
const std::string kUmlautKey = "wr \xC3\xBC" "7";                           // "wr ü7": 5 columns
const std::string kCjkKey = "\xE6\x94\xB6\xE9\x93\xB6\xE5\x8F\xB0";       // "收银台": 6 columns
const std::string kPromoName = "\xD1\x91\xD0\xBB\xD0\xBA\xD0\xB0 sale";  // "ёлка sale"

ledger::ObjectId oid(const char* hex24) { return *ledger::ObjectId::parse(hex24); }
ledger::CodeKey code(const char* text) { return *ledger::CodeKey::make(text); }

const ledger::ObjectId kPromo = oid("aaaaaaaaaaaaaaaaaaaa0001");
const ledger::ObjectId kIssuable = oid("aaaaaaaaaaaaaaaaaaaa0002");
const ledger::ObjectId kRedemption = oid("bbbbbbbbbbbbbbbbbbbb0001");
const ledger::ObjectId kEarn1 = oid("cccccccccccccccccccc0001");
const ledger::ObjectId kEarn2 = oid("cccccccccccccccccccc0002");

std::vector<CraftedEvent> events() {
  std::vector<CraftedEvent> out;
  ledger::PromotionSpec spec;
  spec.name = kPromoName;
  out.push_back({"admin-1", Dialect::kAdmin, ledger::PromotionCreated{kPromo, 1, spec}});
  std::vector<ledger::CodeKey> codes;
  for (const char* c : {"CODE000001", "CODE000002", "CODE000003", "CODE000004", "CODE000005",
                        "CODE000006", "CODE000007"}) {
    codes.push_back(code(c));
  }
  out.push_back({"admin-1", Dialect::kAdmin,
                 ledger::CodesAdded{kPromo, 1'700'000'000'000, 1'800'000'000'000, codes}});
  out.push_back({kUmlautKey, Dialect::kCapillary,
                 ledger::CodeLinked{ledger::Mode::kDiscount, code("CODE000001"), kBigCustomer}});
  ledger::CodeUpdated till{ledger::Mode::kDiscount, code("CODE000001")};
  till.set_valid_till = true;
  till.valid_till_ms = 1'800'000'001'000;
  till.set_active = false;
  till.active = true;  // a placeholder: not shown
  out.push_back({kCjkKey, Dialect::kAltcraft, till});
  ledger::CodeUpdated off{ledger::Mode::kDiscount, code("CODE000001")};
  off.set_active = true;
  off.active = false;
  out.push_back({"admin-1", Dialect::kAdmin, off});

  ledger::RedemptionView r;
  r.id = kRedemption;
  r.org = kOrg;
  r.customer = kBigCustomer;
  r.transaction_identifier = "T-1";
  r.transaction_number = "";
  r.transaction_date_ms = 253'402'214'399'999;  // 9999-12-30T23:59:59.999Z
  r.amount = 5000;
  r.redeemed_ms = 1'700'000'360'000;
  r.reversed = true;  // never so in a live event: set here to show the field
  r.reversed_ms = 1'700'000'999'000;
  ledger::RedemptionItem by_code;
  by_code.code = code("CODE000001");
  by_code.promotion_id = kPromo;
  by_code.discount = 500;
  by_code.count = 2;
  ledger::RedemptionItem by_earn;
  by_earn.earned_promotion_id = kEarn1;
  by_earn.mode = ledger::Mode::kPaymentVoucher;
  by_earn.promotion_id = kIssuable;
  by_earn.discount = -100;
  r.items = {by_code, by_earn};
  r.promotion_name = kPromoName;
  out.push_back({kUmlautKey, Dialect::kCapillary, ledger::Redeemed{r}});
  out.push_back({kCjkKey, Dialect::kAltcraft, ledger::RedemptionReversed{kBigCustomer, "T-1"}});
  out.push_back({"admin-1", Dialect::kAdmin,
                 ledger::PromotionsEarned{kIssuable,
                                          "ctx 1",
                                          {{kEarn1, kBigCustomer, 1'800'000'000'000},
                                           {kEarn2, 5, 0}}}});
  out.push_back({"admin-1", Dialect::kAdmin, ledger::EarnsRevoked{5, {kEarn2}}});
  ledger::CustomerProfile full{
      1, "ext-1", "a@b.c", "+79001234567",
      {{"tier", "gold"}, {"city", "New York"}, {"tier", ""}, {"note", "a\nb"}}};
  ledger::CustomerProfile bare{kBigCustomer, "", "", "", {}};
  out.push_back({"admin-1", Dialect::kAdmin, ledger::CustomersUpserted{{full, bare}}});
  return out;
}

// The events above as records 1..10 of a fresh log, a minute apart from kStartMs.
const CraftedLog& crafted_log() {
  static const CraftedLog log(events());
  return log;
}

const std::vector<std::string> kJsonLines{
    R"({"lsn":1,"time":"2023-11-14T22:14:20.000Z","time_ms":1700000060000,"org":7,"api_key":"admin-1","dialect":"admin","type":"promotion_created","promotion_id":"aaaaaaaaaaaaaaaaaaaa0001","number":1,"name":"ёлка sale","mode":"DISCOUNT","kind":"CODE_LINKED","valid_from":null,"valid_till":null,"active":true,"per_code_redemptions_max":1,"per_customer_redemptions_max":0,"per_customer_earns_max":0,"earn_validity_ms":0})",
    R"({"lsn":2,"time":"2023-11-14T22:15:20.000Z","time_ms":1700000120000,"org":7,"api_key":"admin-1","dialect":"admin","type":"codes_added","promotion_id":"aaaaaaaaaaaaaaaaaaaa0001","redeemable_from":"2023-11-14T22:13:20.000Z","valid_till":"2027-01-15T08:00:00.000Z","count":7,"codes":["CODE000001","CODE000002","CODE000003","CODE000004","CODE000005","CODE000006","CODE000007"]})",
    R"({"lsn":3,"time":"2023-11-14T22:16:20.000Z","time_ms":1700000180000,"org":7,"api_key":"wr ü7","dialect":"capillary","type":"code_linked","mode":"DISCOUNT","code":"CODE000001","customer":9223372036854775807})",
    R"({"lsn":4,"time":"2023-11-14T22:17:20.000Z","time_ms":1700000240000,"org":7,"api_key":"收银台","dialect":"altcraft","type":"code_updated","mode":"DISCOUNT","code":"CODE000001","valid_till":"2027-01-15T08:00:01.000Z"})",
    R"({"lsn":5,"time":"2023-11-14T22:18:20.000Z","time_ms":1700000300000,"org":7,"api_key":"admin-1","dialect":"admin","type":"code_updated","mode":"DISCOUNT","code":"CODE000001","active":false})",
    R"({"lsn":6,"time":"2023-11-14T22:19:20.000Z","time_ms":1700000360000,"org":7,"api_key":"wr ü7","dialect":"capillary","type":"redeemed","redemption_id":"bbbbbbbbbbbbbbbbbbbb0001","redemption_org":7,"customer":9223372036854775807,"transaction_identifier":"T-1","transaction_number":"","transaction_date":"9999-12-30T23:59:59.999Z","amount":5000,"redemption_date":"2023-11-14T22:19:20.000Z","reversed":true,"reversed_on":"2023-11-14T22:29:59.000Z","items":[{"code":"CODE000001","mode":"DISCOUNT","promotion_id":"aaaaaaaaaaaaaaaaaaaa0001","discount":500,"count":2},{"earn_id":"cccccccccccccccccccc0001","mode":"PAYMENT_VOUCHER","promotion_id":"aaaaaaaaaaaaaaaaaaaa0002","discount":-100,"count":1}],"promotion_name":"ёлка sale"})",
    R"({"lsn":7,"time":"2023-11-14T22:20:20.000Z","time_ms":1700000420000,"org":7,"api_key":"收银台","dialect":"altcraft","type":"redemption_reversed","customer":9223372036854775807,"transaction_identifier":"T-1"})",
    R"({"lsn":8,"time":"2023-11-14T22:21:20.000Z","time_ms":1700000480000,"org":7,"api_key":"admin-1","dialect":"admin","type":"promotions_earned","promotion_id":"aaaaaaaaaaaaaaaaaaaa0002","context_id":"ctx 1","entries":[{"earn_id":"cccccccccccccccccccc0001","customer":9223372036854775807,"valid_till":"2027-01-15T08:00:00.000Z"},{"earn_id":"cccccccccccccccccccc0002","customer":5,"valid_till":null}]})",
    R"({"lsn":9,"time":"2023-11-14T22:22:20.000Z","time_ms":1700000540000,"org":7,"api_key":"admin-1","dialect":"admin","type":"earns_revoked","customer":5,"earn_ids":["cccccccccccccccccccc0002"]})",
    R"({"lsn":10,"time":"2023-11-14T22:23:20.000Z","time_ms":1700000600000,"org":7,"api_key":"admin-1","dialect":"admin","type":"customers_upserted","profiles":[{"customer":1,"external_id":"ext-1","email":"a@b.c","phone":"+79001234567","custom_fields":[{"name":"tier","value":"gold"},{"name":"city","value":"New York"},{"name":"tier","value":""},{"name":"note","value":"a\u000ab"}]},{"customer":9223372036854775807,"external_id":"","email":"","phone":"","custom_fields":[]}]})",
};

// The human form: the same keys, objects as (key=value,...), values quoted when bare text
// would be ambiguous or break the line; lists past five elements are cut short ("...(+2)"),
// never in JSON.
const std::vector<std::string> kHumanLines{
    R"(lsn 1  2023-11-14T22:14:20.000Z  org 7  key admin-1  admin  promotion_created promotion_id=aaaaaaaaaaaaaaaaaaaa0001 number=1 name="ёлка sale" mode=DISCOUNT kind=CODE_LINKED valid_from=- valid_till=- active=true per_code_redemptions_max=1 per_customer_redemptions_max=0 per_customer_earns_max=0 earn_validity_ms=0)",
    R"(lsn 2  2023-11-14T22:15:20.000Z  org 7  key admin-1  admin  codes_added promotion_id=aaaaaaaaaaaaaaaaaaaa0001 redeemable_from=2023-11-14T22:13:20.000Z valid_till=2027-01-15T08:00:00.000Z count=7 codes=CODE000001,CODE000002,CODE000003,CODE000004,CODE000005,...(+2))",
    R"(lsn 3  2023-11-14T22:16:20.000Z  org 7  key "wr ü7"  capillary  code_linked mode=DISCOUNT code=CODE000001 customer=9223372036854775807)",
    R"(lsn 4  2023-11-14T22:17:20.000Z  org 7  key 收银台  altcraft  code_updated mode=DISCOUNT code=CODE000001 valid_till=2027-01-15T08:00:01.000Z)",
    R"(lsn 5  2023-11-14T22:18:20.000Z  org 7  key admin-1  admin  code_updated mode=DISCOUNT code=CODE000001 active=false)",
    R"(lsn 6  2023-11-14T22:19:20.000Z  org 7  key "wr ü7"  capillary  redeemed redemption_id=bbbbbbbbbbbbbbbbbbbb0001 redemption_org=7 customer=9223372036854775807 transaction_identifier=T-1 transaction_number="" transaction_date=9999-12-30T23:59:59.999Z amount=5000 redemption_date=2023-11-14T22:19:20.000Z reversed=true reversed_on=2023-11-14T22:29:59.000Z items=(code=CODE000001,mode=DISCOUNT,promotion_id=aaaaaaaaaaaaaaaaaaaa0001,discount=500,count=2),(earn_id=cccccccccccccccccccc0001,mode=PAYMENT_VOUCHER,promotion_id=aaaaaaaaaaaaaaaaaaaa0002,discount=-100,count=1) promotion_name="ёлка sale")",
    R"(lsn 7  2023-11-14T22:20:20.000Z  org 7  key 收银台  altcraft  redemption_reversed customer=9223372036854775807 transaction_identifier=T-1)",
    R"(lsn 8  2023-11-14T22:21:20.000Z  org 7  key admin-1  admin  promotions_earned promotion_id=aaaaaaaaaaaaaaaaaaaa0002 context_id="ctx 1" entries=(earn_id=cccccccccccccccccccc0001,customer=9223372036854775807,valid_till=2027-01-15T08:00:00.000Z),(earn_id=cccccccccccccccccccc0002,customer=5,valid_till=-))",
    R"(lsn 9  2023-11-14T22:22:20.000Z  org 7  key admin-1  admin  earns_revoked customer=5 earn_ids=cccccccccccccccccccc0002)",
    R"(lsn 10  2023-11-14T22:23:20.000Z  org 7  key admin-1  admin  customers_upserted profiles=(customer=1,external_id=ext-1,email=a@b.c,phone=+79001234567,custom_fields=(tier=gold,city="New York",tier="",note="a\u000ab")),(customer=9223372036854775807,external_id="",email="",phone="",custom_fields=()))",
};

TEST(EventFields, JsonDumpShowsEveryFieldOfEveryEvent) {
  auto r = run_ledgerctl({"wal", "dump", "--json", "--data-dir", crafted_log().dir()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(lines_of(r.out), kJsonLines);
}

// Customer ids are JSON numbers everywhere, in lists of entries and profiles as in scalar
// fields (lists had them as strings: ["9223372036854775807"]).
TEST(EventFields, CustomerIdsAreNumbersInEveryJsonField) {
  auto r = run_ledgerctl({"wal", "dump", "--json", "--data-dir", crafted_log().dir()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("\"9223372036854775807\""), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("\"customers\""), std::string::npos) << r.out;
  std::size_t numbers = 0;
  for (std::size_t at = 0; (at = r.out.find("\"customer\":9223372036854775807", at)) !=
                           std::string::npos;
       ++at) {
    ++numbers;
  }
  EXPECT_EQ(numbers, 5u) << r.out;  // linked, redeemed, reversed, an entry, a profile
}

TEST(EventFields, HumanDumpShowsEveryFieldOfEveryEvent) {
  auto r = run_ledgerctl({"wal", "dump", "--data-dir", crafted_log().dir()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(lines_of(r.out), kHumanLines);
}

// The API KEY column is padded by display width: "wr ü7" takes 7 columns quoted (it holds a
// space) and "收银台" 6, so DIALECT starts in the same column on every line (padded by
// bytes, it started 1 and 3 columns early; probe 34a). A 19-digit customer overflows its 9
// columns, as any long value.
TEST(EventFields, HistoryColumnsAlignForNonAsciiKeyNames) {
  auto r = run_ledgerctl({"history", "CODE000001", "--data-dir", crafted_log().dir()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> want{
      R"(TIME                          LSN      ORG  MODE            API KEY          DIALECT   CUSTOMER  CHANGE    DETAIL)",
      R"(2023-11-14T22:15:20.000Z        2        7  DISCOUNT        admin-1          admin     -         imported  promotion aaaaaaaaaaaaaaaaaaaa0001 ("ёлка sale"), valid till 2027-01-15T08:00:00.000Z)",
      R"(2023-11-14T22:16:20.000Z        3        7  DISCOUNT        "wr ü7"          capillary 9223372036854775807 linked    to customer 9223372036854775807)",
      R"(2023-11-14T22:17:20.000Z        4        7  DISCOUNT        收银台           altcraft  9223372036854775807 updated   valid till 2027-01-15T08:00:01.000Z)",
      R"(2023-11-14T22:18:20.000Z        5        7  DISCOUNT        admin-1          admin     9223372036854775807 updated   deactivated)",
      R"(2023-11-14T22:19:20.000Z        6        7  DISCOUNT        "wr ü7"          capillary 9223372036854775807 redeemed  transaction T-1, amount 5000, discount 500, uses 2, redemption bbbbbbbbbbbbbbbbbbbb0001)",
      R"(2023-11-14T22:20:20.000Z        7        7  DISCOUNT        收银台           altcraft  9223372036854775807 reversed  transaction T-1)",
  };
  EXPECT_EQ(lines_of(r.out), want);
  // --json: the dump's line with change, detail and the code's mode added.
  auto j = run_ledgerctl({"history", "CODE000001", "--json", "--data-dir", crafted_log().dir()});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  const auto json = lines_of(j.out);
  ASSERT_EQ(json.size(), 6u) << j.out;
  const std::string redeemed = kJsonLines[5];
  const std::string head = redeemed.substr(0, redeemed.find(",\"redemption_id\""));
  EXPECT_EQ(json[4], head +
                         R"(,"change":"redeemed","detail":"transaction T-1, amount 5000, discount 500, uses 2, redemption bbbbbbbbbbbbbbbbbbbb0001","mode":"DISCOUNT")" +
                         redeemed.substr(head.size()));
}

}  // namespace
}  // namespace codeledger::tools::testing
