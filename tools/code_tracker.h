// Which events touched one code, and what each did to it. Fed every event in LSN order
// (also those not shown), because some answers need earlier ones: a reversal names only the
// customer and transaction, an unlink does not repeat the customer, and a code's mode comes
// from its promotion.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>

#include "ledger/events.h"

namespace codeledger::tools {

struct CodeTarget {
  std::string code;
  std::optional<ledger::OrgId> org;
  std::optional<ledger::Mode> mode;
};

struct CodeTouch {
  std::string change;  // "linked", "redeemed", ... (history's column)
  std::string detail;  // the rest, for people
  ledger::CustomerId customer = 0;
};

class CodeTracker {
 public:
  explicit CodeTracker(CodeTarget target) : target_(std::move(target)) {}
  std::optional<CodeTouch> observe(const ledger::Event& event);

 private:
  struct Promotion {
    ledger::Mode mode = ledger::Mode::kDiscount;
    std::string name;
  };
  using PromoKey = std::pair<ledger::OrgId, std::string>;   // org, promotion id hex
  using CodeSlot = std::pair<ledger::OrgId, ledger::Mode>;  // where the code lives
  using TxnKey = std::tuple<ledger::OrgId, ledger::CustomerId, std::string>;

  bool wanted(ledger::OrgId org, std::optional<ledger::Mode> mode) const;
  bool is_target(const ledger::CodeKey& code) const { return code.view() == target_.code; }
  std::optional<CodeTouch> on_added(ledger::OrgId org, const ledger::CodesAdded& e);
  std::optional<CodeTouch> on_redeemed(ledger::OrgId org, const ledger::Redeemed& e);
  std::optional<CodeTouch> on_reversed(ledger::OrgId org, const ledger::RedemptionReversed& e);

  CodeTarget target_;
  std::map<PromoKey, Promotion> promotions_;
  std::map<CodeSlot, ledger::CustomerId> linked_;
  std::set<TxnKey> redemptions_;  // transactions that redeemed the code
};

}  // namespace codeledger::tools
