// Text that clients choose (a transactionIdentifier, a promotion name, a profile's fields)
// and API key names reach people through ledgerctl's human output, JSON-quoted when they hold
// a control character (docs/ledgerctl.md, "Text"). Probe 39: `history` printed a
// transactionIdentifier holding ESC sequences and a newline as it was, so a key with write
// scope could colour an auditor's terminal and forge lines of audit output.
#include "fixture.h"
#include "ledger/events.h"
#include "server/crypto/api_key_name.h"

namespace codeledger::tools::testing {
namespace {

using ledger::Dialect;

// ESC sequences (colour), a newline that starts a forged event line, BEL, an OSC that sets
// the terminal's title, C1's CSI (U+009B), NEL (U+0085) and the line separator U+2028.
const std::string kForgedId = "ESC\x1b[31mRED\x1b[0m\nlsn 999 FAKE";
const std::string kBellNumber = "n\x07";
const std::string kTitleKey = "k\x1b]0;owned\x07";
const std::string kCsiName = "promo \xC2\x9B" "31m";
const std::string kNelContext = "ctx\xC2\x85" "x";
const std::string kLineSeparator = "a\xE2\x80\xA8" "b";

const ledger::ObjectId kPromo = *ledger::ObjectId::parse("aaaaaaaaaaaaaaaaaaaa0001");
const ledger::CodeKey kCode = *ledger::CodeKey::make("CODE000001");
constexpr ledger::CustomerId kCustomer = 4711;

std::vector<CraftedEvent> events() {
  ledger::PromotionSpec spec;
  spec.name = kCsiName;
  ledger::RedemptionView r;
  r.id = *ledger::ObjectId::parse("bbbbbbbbbbbbbbbbbbbb0001");
  r.org = kOrg;
  r.customer = kCustomer;
  r.transaction_identifier = kForgedId;
  r.transaction_number = kBellNumber;
  r.redeemed_ms = kStartMs;
  ledger::RedemptionItem item;
  item.code = kCode;
  item.promotion_id = kPromo;
  r.items = {item};
  r.promotion_name = kCsiName;
  ledger::CustomerProfile profile{kCustomer, "ext\x02id", "", "", {{"note", kLineSeparator}}};
  return {
      {"admin-1", Dialect::kAdmin, ledger::PromotionCreated{kPromo, 1, spec}},
      {"admin-1", Dialect::kAdmin, ledger::CodesAdded{kPromo, kStartMs, 0, {kCode}}},
      {kTitleKey, Dialect::kCapillary, ledger::Redeemed{r}},
      {kTitleKey, Dialect::kCapillary, ledger::RedemptionReversed{kCustomer, kForgedId}},
      {"admin-1", Dialect::kAdmin, ledger::PromotionsEarned{kPromo, kNelContext, {}}},
      {"admin-1", Dialect::kAdmin, ledger::CustomersUpserted{{profile}}},
  };
}

RunResult run(std::vector<std::string> args) {
  static const CraftedLog log(events());
  args.insert(args.end(), {"--data-dir", log.dir()});
  auto r = run_ledgerctl(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r;
}

// Each line ledgerctl printed is one of its own: no control character of the client's
// reached it raw (line ends are the only ones, and lines_of takes them off).
void expect_no_raw_control(const std::vector<std::string>& lines) {
  for (const auto& line : lines) EXPECT_FALSE(crypto::has_control_char(line)) << line;
}

TEST(ClientText, HistoryQuotesTransactionIdsNumbersKeyNamesAndPromotionNames) {
  auto r = run({"history", "CODE000001"});
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 4u) << r.out;  // header, imported, redeemed, reversed: none forged
  expect_no_raw_control(lines);
  EXPECT_NE(lines[1].find(R"(imported  promotion aaaaaaaaaaaaaaaaaaaa0001 ("promo \u009b31m"))"),
            std::string::npos)
      << lines[1];
  const std::string key = R"("k\u001b]0;owned\u0007")";
  const std::string id = R"("ESC\u001b[31mRED\u001b[0m\u000alsn 999 FAKE")";
  EXPECT_NE(lines[2].find("  " + key + " capillary 4711      redeemed  transaction " + id +
                          R"( (number "n\u0007"), amount 0)"),
            std::string::npos)
      << lines[2];
  EXPECT_NE(lines[3].find("  " + key + " capillary 4711      reversed  transaction " + id),
            std::string::npos)
      << lines[3];
}

TEST(ClientText, HistoryJsonEscapesEveryControlCharacter) {
  expect_no_raw_control(lines_of(run({"history", "CODE000001", "--json"}).out));
}

TEST(ClientText, DumpQuotesKeyNamesAndEveryTextField) {
  auto r = run({"wal", "dump"});
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), events().size()) << r.out;
  expect_no_raw_control(lines);
  EXPECT_NE(lines[0].find(R"( name="promo \u009b31m" )"), std::string::npos) << lines[0];
  EXPECT_NE(lines[2].find(R"(  key "k\u001b]0;owned\u0007"  capillary  redeemed )"),
            std::string::npos)
      << lines[2];
  EXPECT_NE(lines[2].find(R"( transaction_number="n\u0007" )"), std::string::npos) << lines[2];
  EXPECT_NE(lines[4].find(R"( context_id="ctx\u0085x" )"), std::string::npos) << lines[4];
  EXPECT_NE(lines[5].find(R"(external_id="ext\u0002id")"), std::string::npos) << lines[5];
  EXPECT_NE(lines[5].find(R"(custom_fields=(note="a\u2028b"))"), std::string::npos) << lines[5];
}

// JSON needs only C0 escaped; C1, DEL, U+2028 and U+2029 are escaped too (still the same
// strings to a JSON reader), so that `--json` on a terminal is as safe as the human form.
TEST(ClientText, DumpJsonEscapesC1AndLineSeparatorsToo) {
  auto r = run({"wal", "dump", "--json"});
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), events().size()) << r.out;
  expect_no_raw_control(lines);
  EXPECT_NE(lines[0].find(R"("name":"promo \u009b31m")"), std::string::npos) << lines[0];
  EXPECT_NE(lines[4].find(R"("context_id":"ctx\u0085x")"), std::string::npos) << lines[4];
  EXPECT_NE(lines[5].find(R"("value":"a\u2028b")"), std::string::npos) << lines[5];
}

}  // namespace
}  // namespace codeledger::tools::testing
