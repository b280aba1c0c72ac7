// `history` of a code that exists in both modes, over a log the real Store wrote: one
// redemption names the code twice in one mode, another names it once in each mode. The
// probe found history showing only the first item's discount (5 of 5 + 7, where the API's
// redemption history says 12) and both modes' events in one stream with nothing to tell
// them apart.
#include <filesystem>
#include <map>

#include "fixture.h"

namespace codeledger::tools::testing {
namespace {

using ledger::Dialect;
using ledger::Mode;

constexpr char kCode[] = "DUAL000001";
constexpr ledger::CustomerId kCustomer = 42;

ledger::RedemptionItem item(Mode mode, std::int64_t discount, std::uint32_t count) {
  ledger::RedemptionItem it;
  it.code = *ledger::CodeKey::make(kCode);
  it.mode = mode;
  it.discount = discount;
  it.count = count;
  return it;
}

ledger::RedeemRequest redeem_request(const std::string& txn, ledger::RedemptionItems items) {
  ledger::RedeemRequest rq;
  rq.customer = kCustomer;
  rq.transaction_identifier = txn;
  rq.transaction_number = "N-" + txn;
  rq.amount = 100;
  rq.items = std::move(items);
  return rq;
}

// The log, one command a minute from kStartMs (LSN 1..9): a DISCOUNT and a PAYMENT_VOUCHER
// promotion, kCode imported into each and linked in each, T-TWICE (kCode twice in
// DISCOUNT: 5 and 7), T-BOTH (DISCOUNT 3, PAYMENT_VOUCHER 4 with 2 uses), T-BOTH reversed.
class DualModeLog {
 public:
  static const DualModeLog& get() {
    static const DualModeLog log;
    return log;
  }
  ~DualModeLog() { std::filesystem::remove_all(std::filesystem::path(dir).parent_path()); }

  std::string dir = make_temp_dir() + "/data";
  std::map<Mode, std::string> promotion;  // its id, per mode
  std::string twice_id, both_id;          // the redemptions' ids
  std::map<Mode, std::uint32_t> uses;     // the ledger's redemptionCount before the reversal

 private:
  DualModeLog() {
    store::StoreOptions o;
    o.data_dir = dir;
    o.orgs = {{kOrg, {}}};
    o.clock_ms = [] { return kStartMs; };
    auto s = store::Store::open(std::move(o));
    if (!s.ok()) {
      ADD_FAILURE() << s.status().message();
      return;
    }
    run((*s)->ledger());
    EXPECT_TRUE((*s)->close().ok());
  }

  void run(ledger::Ledger& l) {
    std::int64_t t = kStartMs;
    auto op = [&](std::string_view key, Dialect d) {
      ledger::Op o;
      o.org = kOrg;
      o.api_key = key;
      o.dialect = d;
      o.now_ms = t += kStepMs;
      return o;
    };
    for (Mode m : {Mode::kDiscount, Mode::kPaymentVoucher}) {
      ledger::PromotionSpec spec;
      spec.name = m == Mode::kDiscount ? "discount sale" : "voucher sale";
      spec.mode = m;
      spec.per_code_redemptions_max = 10;
      auto o = op("admin-1", Dialect::kAdmin);
      auto p = l.create_promotion(o, spec);
      ASSERT_TRUE(p.ok()) << p.status().message();
      promotion[m] = p->id.hex();
    }
    for (Mode m : {Mode::kDiscount, Mode::kPaymentVoucher}) {
      auto o = op("admin-1", Dialect::kAdmin);
      const std::vector<std::string> codes{kCode};
      ASSERT_TRUE(l.import_codes(o, *ledger::ObjectId::parse(promotion[m]), codes, {}).ok());
    }
    for (Mode m : {Mode::kDiscount, Mode::kPaymentVoucher}) {
      auto o = op("checkout-eu", Dialect::kCapillary);
      ASSERT_TRUE(l.link_code(o, m, kCode, kCustomer).ok());
    }
    auto o7 = op("checkout-eu", Dialect::kCapillary);
    auto twice = l.redeem(o7, redeem_request("T-TWICE", {item(Mode::kDiscount, 5, 1),
                                                         item(Mode::kDiscount, 7, 1)}));
    ASSERT_TRUE(twice.ok()) << twice.status().message();
    twice_id = twice->redemption.id.hex();
    auto o8 = op("checkout-eu", Dialect::kCapillary);
    auto both = l.redeem(o8, redeem_request("T-BOTH", {item(Mode::kDiscount, 3, 1),
                                                       item(Mode::kPaymentVoucher, 4, 2)}));
    ASSERT_TRUE(both.ok()) << both.status().message();
    both_id = both->redemption.id.hex();
    ledger::Op read;  // look-ups write nothing
    read.org = kOrg;
    read.now_ms = t;
    for (Mode m : {Mode::kDiscount, Mode::kPaymentVoucher}) {
      auto code = l.get_code(read, m, kCode, false);
      ASSERT_TRUE(code.ok()) << code.status().message();
      uses[m] = code->redemption_count;
    }
    auto o9 = op("checkout-us", Dialect::kCapillary);
    ASSERT_TRUE(l.reverse_redemption(o9, kCustomer, "T-BOTH").ok());
  }
};

RunResult history(std::vector<std::string> args) {
  args.insert(args.begin(), {"history", kCode});
  args.insert(args.end(), {"--data-dir", DualModeLog::get().dir});
  auto r = run_ledgerctl(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r;
}

// The word under `heading` in a table row.
std::string column(const std::string& header, const std::string& row, const std::string& heading) {
  const std::size_t at = header.find(heading);
  if (at == std::string::npos || at >= row.size()) return "";
  return row.substr(at, row.find(' ', at) - at);
}

// The number after "<what> " in a history row's detail.
std::uint64_t figure(const std::string& row, const std::string& what) {
  const std::size_t at = row.find(", " + what + " ");
  return at == std::string::npos ? 0 : std::stoull(row.substr(at + what.size() + 3));
}

TEST(HistoryModes, RedemptionNamingTheCodeTwiceShowsTheSumOfItsDiscountsAndItsUses) {
  const auto lines = lines_of(history({}).out);
  std::vector<std::string> rows;
  for (const auto& line : lines) {
    if (line.find("transaction T-TWICE") != std::string::npos) rows.push_back(line);
  }
  ASSERT_EQ(rows.size(), 1u) << "one redemption, one row";
  EXPECT_NE(rows[0].find("amount 100, discount 12, uses 2, redemption " +
                         DualModeLog::get().twice_id),
            std::string::npos)
      << rows[0];
}

// Uses per mode, summed over the redemption rows, are the ledger's own redemptionCount.
TEST(HistoryModes, UsesOfEachModeAddUpToTheLedgersRedemptionCount) {
  const auto lines = lines_of(history({}).out);
  ASSERT_FALSE(lines.empty());
  std::map<std::string, std::uint64_t> uses;
  for (const auto& line : lines) {
    if (column(lines[0], line, "CHANGE") != "redeemed") continue;
    uses[column(lines[0], line, "MODE")] += figure(line, "uses");
  }
  const auto& log = DualModeLog::get();
  EXPECT_EQ(uses["DISCOUNT"], log.uses.at(Mode::kDiscount));
  EXPECT_EQ(uses["PAYMENT_VOUCHER"], log.uses.at(Mode::kPaymentVoucher));
  EXPECT_EQ(uses.size(), 2u) << "rows of no other mode";
}

// Without --mode, each row says which mode's code it is; a redemption or reversal that
// touched the code in both modes is a row for each.
TEST(HistoryModes, KeepsTheTwoModesOfACodeApart) {
  const auto& log = DualModeLog::get();
  const std::string d = log.promotion.at(Mode::kDiscount);
  const std::string v = log.promotion.at(Mode::kPaymentVoucher);
  const std::vector<std::string> want{
      "TIME                          LSN      ORG  MODE            API KEY          DIALECT   CUSTOMER  CHANGE    DETAIL",
      "2023-11-14T22:16:20.000Z        3        7  DISCOUNT        admin-1          admin     -         imported  promotion " + d + R"( ("discount sale"))",
      "2023-11-14T22:17:20.000Z        4        7  PAYMENT_VOUCHER admin-1          admin     -         imported  promotion " + v + R"( ("voucher sale"))",
      "2023-11-14T22:18:20.000Z        5        7  DISCOUNT        checkout-eu      capillary 42        linked    to customer 42",
      "2023-11-14T22:19:20.000Z        6        7  PAYMENT_VOUCHER checkout-eu      capillary 42        linked    to customer 42",
      "2023-11-14T22:20:20.000Z        7        7  DISCOUNT        checkout-eu      capillary 42        redeemed  transaction T-TWICE (number N-T-TWICE), amount 100, discount 12, uses 2, redemption " + log.twice_id,
      "2023-11-14T22:21:20.000Z        8        7  DISCOUNT        checkout-eu      capillary 42        redeemed  transaction T-BOTH (number N-T-BOTH), amount 100, discount 3, uses 1, redemption " + log.both_id,
      "2023-11-14T22:21:20.000Z        8        7  PAYMENT_VOUCHER checkout-eu      capillary 42        redeemed  transaction T-BOTH (number N-T-BOTH), amount 100, discount 4, uses 2, redemption " + log.both_id,
      "2023-11-14T22:22:20.000Z        9        7  DISCOUNT        checkout-us      capillary 42        reversed  transaction T-BOTH",
      "2023-11-14T22:22:20.000Z        9        7  PAYMENT_VOUCHER checkout-us      capillary 42        reversed  transaction T-BOTH",
  };
  const auto r = history({});
  EXPECT_EQ(lines_of(r.out), want);
  EXPECT_NE(r.err.find("7 events touched DUAL000001"), std::string::npos) << r.err;
}

// --json: "mode" follows "detail" on every line (a link's own "mode" field is that one).
TEST(HistoryModes, JsonNamesTheModeOfEveryLine) {
  const auto& log = DualModeLog::get();
  const auto lines = lines_of(history({"--json"}).out);
  ASSERT_EQ(lines.size(), 9u);
  EXPECT_NE(lines[5].find(R"("change":"redeemed","detail":"transaction T-BOTH (number N-T-BOTH), amount 100, discount 3, uses 1, redemption )" +
                          log.both_id + R"(","mode":"DISCOUNT","redemption_id")"),
            std::string::npos)
      << lines[5];
  EXPECT_NE(lines[6].find(R"(, discount 4, uses 2, redemption )" + log.both_id +
                          R"(","mode":"PAYMENT_VOUCHER","redemption_id")"),
            std::string::npos)
      << lines[6];
  EXPECT_NE(lines[3].find(R"("detail":"to customer 42","mode":"PAYMENT_VOUCHER","code":"DUAL000001")"),
            std::string::npos)
      << lines[3];
  EXPECT_EQ(lines[3].find("\"mode\"", lines[3].find("\"mode\"") + 1), std::string::npos)
      << "one mode field: " << lines[3];
}

TEST(HistoryModes, ModeFlagKeepsOnlyThatModesRows) {
  const auto voucher = lines_of(history({"--mode", "PAYMENT_VOUCHER"}).out);
  ASSERT_EQ(voucher.size(), 5u);  // header, imported, linked, redeemed, reversed
  for (std::size_t i = 1; i < voucher.size(); ++i) {
    EXPECT_EQ(column(voucher[0], voucher[i], "MODE"), "PAYMENT_VOUCHER") << voucher[i];
  }
  EXPECT_NE(voucher[3].find("transaction T-BOTH (number N-T-BOTH), amount 100, discount 4, uses 2"),
            std::string::npos)
      << voucher[3];
  const auto discount = lines_of(history({"--mode", "DISCOUNT", "--json"}).out);
  ASSERT_EQ(discount.size(), 5u);  // imported, linked, two redeemed, reversed
  for (const auto& line : discount) {
    EXPECT_NE(line.find(R"(","mode":"DISCOUNT",)"), std::string::npos) << line;
  }
  EXPECT_NE(discount[3].find(R"(, discount 3, uses 1, )"), std::string::npos) << discount[3];
}

// An import whose promotion was created before the retained log has no known mode: "-" (JSON
// null), and --mode keeps it, since it may be that mode's.
TEST(HistoryModes, ImportOfAPromotionOlderThanTheLogHasNoMode) {
  const auto promotion = *ledger::ObjectId::parse("aaaaaaaaaaaaaaaaaaaa0001");
  const CraftedLog log({{"admin-1", Dialect::kAdmin,
                         ledger::CodesAdded{promotion, 0, 0, {*ledger::CodeKey::make(kCode)}}}});
  auto human = run_ledgerctl({"history", kCode, "--mode", "DISCOUNT", "--data-dir", log.dir()});
  const auto lines = lines_of(human.out);
  ASSERT_EQ(lines.size(), 2u) << human.out;
  EXPECT_EQ(column(lines[0], lines[1], "MODE"), "-") << lines[1];
  auto json = run_ledgerctl({"history", kCode, "--json", "--data-dir", log.dir()});
  EXPECT_NE(json.out.find(R"(","mode":null,"promotion_id":)"), std::string::npos) << json.out;
}

}  // namespace
}  // namespace codeledger::tools::testing
