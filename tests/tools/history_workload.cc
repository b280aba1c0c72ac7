// The commands behind LedgerHistory, one event each, a minute apart.
#include "fixture.h"

namespace codeledger::tools::testing {
namespace {

ledger::Op op_at(ledger::OrgId org, std::string_view key, ledger::Dialect dialect,
                 std::int64_t time_ms) {
  ledger::Op op;
  op.org = org;
  op.api_key = key;
  op.dialect = dialect;
  op.now_ms = time_ms;
  return op;
}

std::vector<std::string> codes(const std::string& prefix, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(prefix + std::to_string(100000 + i));
  return out;
}

ledger::RedeemRequest redeem_request(ledger::CustomerId customer, const std::string& txn,
                                     const std::string& code) {
  ledger::RedeemRequest rq;
  rq.customer = customer;
  rq.transaction_identifier = txn;
  rq.transaction_number = "N-" + txn;
  rq.amount = 5000;
  ledger::RedemptionItem item;
  item.code = *ledger::CodeKey::make(code);
  item.discount = 500;
  rq.items.push_back(item);
  return rq;
}

}  // namespace

void LedgerHistory::run(store::Store& s) {
  using ledger::Dialect;
  using ledger::Mode;
  ledger::Ledger& l = s.ledger();
  std::int64_t t = kStartMs;
  auto op = [&](ledger::OrgId org, std::string_view key, Dialect d) {
    t += kStepMs;
    return op_at(org, key, d, t);
  };
  ledger::PromotionSpec spec;
  spec.name = "spring sale";
  auto o1 = op(kOrg, "admin-1", Dialect::kAdmin);
  auto promo = l.create_promotion(o1, spec);
  ASSERT_TRUE(promo.ok()) << promo.status().message();
  record(s, "create", t);
  auto o2 = op(kOrg, "admin-1", Dialect::kAdmin);
  ASSERT_TRUE(l.import_codes(o2, promo->id, codes("SPRING", 10), {}).ok());
  record(s, "import", t);
  auto o3 = op(kOrg, "checkout-eu", Dialect::kCapillary);
  ASSERT_TRUE(l.link_code(o3, Mode::kDiscount, "SPRING100001", 42).ok());
  record(s, "link", t);
  snapshot_lsn_ = *s.snapshot_now();
  auto o4 = op(kOrg, "checkout-eu", Dialect::kCapillary);
  ASSERT_TRUE(l.redeem(o4, redeem_request(42, "T-1", "SPRING100001")).ok());
  record(s, "redeem", t);
  auto o5 = op(kOrg, "checkout-us", Dialect::kCapillary);
  ASSERT_TRUE(l.reverse_redemption(o5, 42, "T-1").ok());
  record(s, "reverse", t);
  auto o6 = op(kOrg, "altcraft-1", Dialect::kAltcraft);
  ASSERT_TRUE(l.link_code(o6, Mode::kDiscount, "SPRING100002", 43).ok());
  record(s, "link2", t);
  auto o7 = op(kOrg, "altcraft-1", Dialect::kAltcraft);
  ASSERT_TRUE(l.unlink_code(o7, Mode::kDiscount, "SPRING100002", 43).ok());
  record(s, "unlink2", t);
  spec.name = "autumn sale";
  auto o8 = op(kOtherOrg, "admin-8", Dialect::kAdmin);
  auto other = l.create_promotion(o8, spec);
  ASSERT_TRUE(other.ok());
  record(s, "other-create", t);
  auto o9 = op(kOtherOrg, "admin-8", Dialect::kAdmin);
  ASSERT_TRUE(l.import_codes(o9, other->id, codes("AUTUMN", 200), {}).ok());
  record(s, "other-import", t);
  for (int i = 0; i < 30; ++i) {  // enough log for several 4 KiB segments
    auto o = op(kOtherOrg, "checkout-eu", Dialect::kCapillary);
    const std::string code = "AUTUMN" + std::to_string(100000 + i);
    ASSERT_TRUE(l.link_code(o, Mode::kDiscount, code, 1000 + i).ok());
    auto r = op(kOtherOrg, "checkout-eu", Dialect::kCapillary);
    ASSERT_TRUE(l.redeem(r, redeem_request(1000 + i, "B-" + std::to_string(i), code)).ok());
  }
  record(s, "bulk", t);
}

}  // namespace codeledger::tools::testing
